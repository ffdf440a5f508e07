import { useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import type { AuditEntry, AuditList } from '../../api/types.js';
import { plural } from '../../lib/format.js';
import { Badge, type Tone } from '../../ui/badge.js';
import { Pager } from '../../ui/pager.js';
import { SearchBox } from '../../ui/search-box.js';
import { Empty, ErrorState, Loading } from '../../ui/states.js';
import { Time } from '../../ui/time.js';
import { usePagedList } from '../../ui/use-paged-list.js';

const ACTIONS: Array<[string, string]> = [
  ['user.ban', 'Ban'],
  ['user.unban', 'Unban'],
  ['token.revoke', 'Token revoked'],
  ['token.revoke_user', "All of a user's tokens revoked"],
  ['session.delete', 'Session ended'],
  ['session.logout_user', "All of a user's sessions ended"],
  ['cleanup.execute', 'Cleanup run'],
  ['admin.add', 'Admin added'],
  ['admin.remove', 'Admin removed'],
];
const ACTION_LABEL = Object.fromEntries(ACTIONS);
const OUTCOME_TONE: Record<string, Tone> = { success: 'green', failure: 'amber', denied: 'red' };

/** Every admin action, newest first: who did what to whom, and how it went. */
export function AuditTab() {
  const [q, setQ] = useState('');
  const [action, setAction] = useState('');
  const [outcome, setOutcome] = useState('');
  const [since, setSince] = useState('');
  const key = [q, action, outcome, since].join('\u0000');
  const list = usePagedList<AuditEntry, AuditList>(key, (cursor, signal) =>
    api.get<AuditList>(
      '/api/admin/audit',
      {
        q: q || undefined,
        action: action || undefined,
        outcome: outcome || undefined,
        since: since ? new Date(`${since}T00:00:00`).toISOString() : undefined,
        cursor,
        limit: 25,
      },
      signal,
    ),
  );

  return (
    <>
      <div class="panel-head">
        <h2>Audit trail</h2>
        {list.page && (
          <span class="muted">
            {plural(list.page.total, 'entry', 'entries')} stored; entries are kept for {plural(list.page.retention_days, 'day')}
          </span>
        )}
      </div>
      <div class="toolbar">
        <SearchBox id="audit-search" label="Actor or target contains" placeholder="e.g. alice" onSearch={setQ} />
        <div class="field">
          <label for="audit-action">Action</label>
          <select id="audit-action" value={action} onChange={(e) => setAction(e.currentTarget.value)}>
            <option value="">Any</option>
            {ACTIONS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="audit-outcome">Outcome</label>
          <select id="audit-outcome" value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)}>
            <option value="">Any</option>
            <option value="success">Success</option>
            <option value="failure">Failure</option>
            <option value="denied">Denied</option>
          </select>
        </div>
        <div class="field">
          <label for="audit-since">Since</label>
          <input id="audit-since" type="date" value={since} onChange={(e) => setSince(e.currentTarget.value)} />
        </div>
      </div>
      {list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !list.page ? (
        <Loading />
      ) : list.page.items.length === 0 ? (
        <Empty>
          {q || action || outcome || since
            ? 'No entry matches these filters.'
            : `No admin action in the last ${plural(list.page.retention_days, 'day')}.`}
        </Empty>
      ) : (
        <div class="table-wrap" role="region" aria-label="Audit entry list" tabIndex={0} aria-busy={list.loading}>
          <table class="table table-cards">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Outcome</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {list.page.items.map((e) => (
                <tr key={e.id}>
                  <th scope="row" data-label="Time">
                    <Time short iso={e.time} />
                  </th>
                  <td data-label="Actor" class="cell-name">
                    {e.actor}
                    <div class="muted">
                      {e.actor_method === 'jwt' ? 'API token' : e.actor_method === 'oauth2' ? 'browser' : e.actor_method}
                    </div>
                  </td>
                  <td data-label="Action">{ACTION_LABEL[e.action] ?? e.action}</td>
                  <td data-label="Target" class="cell-name mono">
                    {e.target || <span class="muted">—</span>}
                  </td>
                  <td data-label="Outcome">
                    <Badge tone={OUTCOME_TONE[e.outcome] ?? 'neutral'}>{e.outcome}</Badge>
                    <span class="muted"> {e.status}</span>
                  </td>
                  <td data-label="Detail" class="preserve">
                    {e.detail || <span class="muted">—</span>}
                    <div class="muted mono" title="Request id">
                      {e.request_id}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Audit entries" />
    </>
  );
}
