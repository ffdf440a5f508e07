import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import type { CleanupLogList, CleanupRun, CleanupRunSummary } from '../../api/types.js';
import { bytes, count, plural } from '../../lib/format.js';
import { Badge } from '../../ui/badge.js';
import { Pager } from '../../ui/pager.js';
import { Empty, ErrorState, Loading } from '../../ui/states.js';
import { Time } from '../../ui/time.js';
import { usePagedList } from '../../ui/use-paged-list.js';
import { CategoryBadge } from './cleanup-categories.js';

/** Past runs, newest first, one row each; a row opens to the entries that run removed. */
export function CleanupLogs({ generation }: { generation: number }) {
  const list = usePagedList<CleanupRunSummary, CleanupLogList>(String(generation), (cursor, signal) =>
    api.get<CleanupLogList>('/api/admin/redis/cleanup/logs', { cursor, limit: 10 }, signal),
  );
  const [open, setOpen] = useState<string | null>(null);
  return (
    <section class="section" aria-labelledby="logs-title">
      <div class="panel-head">
        <h2 id="logs-title">Cleanup logs</h2>
        {list.page && (
          <span class="muted">
            {plural(list.page.total, 'run')} kept; logs are kept for {plural(list.page.retention_days, 'day')}
          </span>
        )}
      </div>
      {list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !list.page ? (
        <Loading />
      ) : list.page.items.length === 0 ? (
        <Empty>No cleanup has run yet.</Empty>
      ) : (
        <div class="table-wrap" role="region" aria-label="Cleanup run list" tabIndex={0}>
          <table class="table table-cards">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Trigger</th>
                <th scope="col" class="cell-num">
                  Found
                </th>
                <th scope="col" class="cell-num">
                  Deleted
                </th>
                <th scope="col" class="cell-num">
                  Freed
                </th>
                <th scope="col" class="cell-num">
                  Took
                </th>
                <th scope="col">Outcome</th>
                <th scope="col">
                  <span class="sr-only">Details</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.page.items.map((run) => (
                <Fragment key={run.run_id}>
                  <tr>
                    <th scope="row" data-label="Started">
                      <Time short iso={run.started_at} />
                    </th>
                    <td data-label="Trigger">
                      <Badge tone={run.trigger === 'manual' ? 'blue' : 'grey'}>{run.trigger}</Badge>
                      <div class="muted">{run.actor}</div>
                    </td>
                    <td class="cell-num" data-label="Found">
                      {count(run.found)}
                    </td>
                    <td class="cell-num" data-label="Deleted">
                      {count(run.deleted)}
                    </td>
                    <td class="cell-num" data-label="Freed">
                      {bytes(run.freed_bytes)}
                    </td>
                    <td class="cell-num" data-label="Took">
                      {count(run.duration_ms)} ms
                    </td>
                    <td data-label="Outcome">{run.error ? <Badge tone="red">failed</Badge> : <Badge tone="green">done</Badge>}</td>
                    <td class="cell-actions">
                      <button
                        type="button"
                        class="button button-small"
                        aria-expanded={open === run.run_id}
                        aria-controls={`run-${run.run_id}`}
                        onClick={() => setOpen(open === run.run_id ? null : run.run_id)}
                      >
                        {open === run.run_id ? 'Hide' : 'Details'}
                        <span class="sr-only"> of the run started {run.started_at}</span>
                      </button>
                    </td>
                  </tr>
                  {open === run.run_id && (
                    <tr class="row-details" id={`run-${run.run_id}`}>
                      <td colSpan={8}>
                        <RunDetails runId={run.run_id} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Cleanup runs" />
    </section>
  );
}

function RunDetails({ runId }: { runId: string }) {
  const [run, setRun] = useState<CleanupRun | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.get<CleanupRun>(`/api/admin/redis/cleanup/logs/${encodeURIComponent(runId)}`).then(setRun, setError);
  }, [runId]);
  if (error) return <ErrorState error={error} />;
  if (!run) return <Loading label="Loading the run…" />;
  return (
    <div class="run-details">
      {run.error && <p class="field-error">Stopped early: {run.error}</p>}
      <p>
        {run.categories
          .filter((c) => c.count > 0)
          .map((c) => (
            // The space between categories is outside the unbreakable span: the line may break there.
            <Fragment key={c.category}>
              <span class="nowrap">
                <CategoryBadge category={c.category} /> {count(c.count)} ({bytes(c.bytes)})
              </span>{' '}
            </Fragment>
          ))}
      </p>
      {run.items.length === 0 ? (
        <p class="muted">This run removed nothing.</p>
      ) : (
        <div class="table-wrap scroll" role="region" aria-label="Removed entries" tabIndex={0}>
          <table class="table table-cards">
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Entry (user, token id, session id)</th>
                <th scope="col">Reason</th>
                <th scope="col">Key</th>
                <th scope="col" class="cell-num">
                  Count
                </th>
              </tr>
            </thead>
            <tbody>
              {run.items.map((item, i) => (
                <tr key={i}>
                  <td data-label="Type">
                    <CategoryBadge category={item.category} />
                  </td>
                  <td class="mono" data-label="Entry">
                    {item.member === null ? <span class="muted">a range</span> : visible(item.member)}
                  </td>
                  <td data-label="Reason">{item.reason}</td>
                  <td class="mono muted" data-label="Key">
                    {item.key}
                  </td>
                  <td class="cell-num" data-label="Count">
                    {count(item.count)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {run.items_truncated && <p class="muted">More entries were removed than the log lists.</p>}
    </div>
  );
}

/** Index members may join their parts with control characters: show those as a visible separator. */
function visible(member: string): string {
  // eslint-disable-next-line no-control-regex
  return member.replace(/[\u0000-\u001f\u007f]/g, ' · ');
}
