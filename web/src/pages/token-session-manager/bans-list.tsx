import { useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import type { Ban, BanList } from '../../api/types.js';
import { duration } from '../../lib/format.js';
import { Pager } from '../../ui/pager.js';
import { SearchBox } from '../../ui/search-box.js';
import { Empty, ErrorState, Loading } from '../../ui/states.js';
import { Time } from '../../ui/time.js';
import { usePagedList } from '../../ui/use-paged-list.js';

/** Current bans (also of people not active now): who, why, by whom, until when; search by email; unban. */
export function BansList({ generation, onUnban }: { generation: number; onUnban: (email: string) => void }) {
  const [q, setQ] = useState('');
  const list = usePagedList<Ban, BanList>(`${generation}\u0000${q}`, (cursor, signal) =>
    api.get<BanList>('/api/admin/bans', { q: q || undefined, cursor, limit: 10 }, signal),
  );
  return (
    <section aria-labelledby="bans-title" class="section">
      <div class="panel-head">
        <h2 id="bans-title">Current bans</h2>
        {list.page && <span class="muted">{list.page.total} in all</span>}
      </div>
      <div class="toolbar">
        <SearchBox id="bans-search" label="Search bans by email" placeholder="e.g. mallory" onSearch={setQ} />
      </div>
      {list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !list.page ? (
        <Loading />
      ) : list.page.items.length === 0 ? (
        <Empty>{q ? `No current ban matches “${q}”.` : 'Nobody is banned.'}</Empty>
      ) : (
        <div class="table-wrap" role="region" aria-label="Ban list" tabIndex={0}>
          <table class="table table-cards">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Reason</th>
                <th scope="col">Banned by</th>
                <th scope="col">Since</th>
                <th scope="col">Until</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.page.items.map((b) => (
                <tr key={b.email}>
                  <th scope="row" class="cell-name" data-label="User">
                    {b.email}
                  </th>
                  <td data-label="Reason" class="preserve">
                    {b.reason || <span class="muted">none given</span>}
                  </td>
                  <td data-label="Banned by">{b.banned_by}</td>
                  <td data-label="Since">
                    <Time short iso={b.banned_at} />
                  </td>
                  <td data-label="Until">
                    <Time short iso={b.banned_until} />
                    {b.remaining_seconds !== null && <div class="muted">{duration(b.remaining_seconds)} left</div>}
                  </td>
                  <td class="cell-actions">
                    <button type="button" class="button button-small" onClick={() => onUnban(b.email)}>
                      Unban<span class="sr-only"> {b.email}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Bans" />
    </section>
  );
}
