import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import type { Session, SessionList, SessionStats } from '../../api/types.js';
import { plural } from '../../lib/format.js';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';
import { Pager } from '../../ui/pager.js';
import { StatCard, StatCards } from '../../ui/stat-card.js';
import { Empty, ErrorState, Loading, Notice } from '../../ui/states.js';
import { Time } from '../../ui/time.js';
import { usePagedList } from '../../ui/use-paged-list.js';
import { ListSearchBar, useListSearch } from './list-search.js';

type Ending = { kind: 'one'; session: Session } | { kind: 'user'; email: string };

/** Live browser sessions: who, since when, when they end; force logout of one, or of all of a person's. */
export function SessionsTab() {
  const [search, setQ, setContains] = useListSearch();
  const [stats, setStats] = useState<SessionStats | null>(null);
  const [generation, setGeneration] = useState(0);
  const [ending, setEnding] = useState<Ending | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const list = usePagedList<Session, SessionList>(search.key, (cursor, signal) =>
    api.get<SessionList>('/api/admin/sessions', { ...search.query, cursor, limit: 25 }, signal),
  );
  useEffect(() => {
    api.get<SessionStats>('/api/admin/sessions/stats', { limit: 1 }).then(setStats, () => setStats(null));
  }, [generation]);

  const end = async (what: Ending) => {
    setBusy(true);
    setError(null);
    try {
      if (what.kind === 'one') {
        await api.delete(`/api/admin/sessions/${encodeURIComponent(what.session.session_id)}`);
        setNotice(`Ended a session of ${what.session.email}: that browser is signed out at its next request.`);
      } else {
        const result = await api.post<{ user_email: string; sessions_ended: number }>('/api/admin/sessions/logout-user', {
          user_email: what.email,
        });
        setNotice(`Signed ${result.user_email} out everywhere: ended ${plural(result.sessions_ended, 'session')}.`);
      }
      setEnding(null);
      setGeneration((g) => g + 1);
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <StatCards label="Session totals">
        <StatCard label="Live sessions" value={stats?.total} />
        <StatCard label="People signed in" value={stats?.unique_users} />
      </StatCards>
      {notice && (
        <Notice kind="success" onDismiss={() => setNotice(null)}>
          {notice}
        </Notice>
      )}
      <h2>Live sessions</h2>
      <div class="toolbar">
        <ListSearchBar
          id="sessions-search"
          label="Search by email"
          placeholder="e.g. alice"
          search={search}
          onSearch={setQ}
          onContains={setContains}
        />
      </div>
      {list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !list.page ? (
        <Loading />
      ) : list.page.items.length === 0 ? (
        <Empty>{search.q ? `No live session matches “${search.q}”.` : 'Nobody is signed in through the browser.'}</Empty>
      ) : (
        <div class="table-wrap" role="region" aria-label="Session list" tabIndex={0} aria-busy={list.loading}>
          <table class="table table-cards">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last seen</th>
                <th scope="col">Idle expiry</th>
                <th scope="col">Absolute expiry</th>
                <th scope="col">Client</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.page.items.map((s) => (
                <tr key={s.session_id}>
                  <th scope="row" class="cell-name" data-label="User">
                    {s.email}
                    {s.name && <div class="muted">{s.name}</div>}
                  </th>
                  <td data-label="Signed in">
                    <Time short iso={s.created_at} />
                  </td>
                  <td data-label="Last seen">
                    <Time short iso={s.last_seen_at} />
                  </td>
                  <td data-label="Idle expiry">
                    <Time short iso={s.idle_expires_at ?? s.expires_at} />
                  </td>
                  <td data-label="Absolute expiry">
                    <Time short iso={s.absolute_expires_at} empty="—" />
                  </td>
                  <td data-label="Client" class="cell-client">
                    <span class="mono">{s.ip}</span>
                    <div class="muted client-agent" title={s.user_agent}>
                      {s.user_agent}
                    </div>
                  </td>
                  <td class="cell-actions">
                    <button
                      type="button"
                      class="button button-small button-danger-outline"
                      onClick={() => {
                        setError(null);
                        setEnding({ kind: 'one', session: s });
                      }}
                    >
                      End session<span class="sr-only"> of {s.email}</span>
                    </button>
                    <button
                      type="button"
                      class="button button-small button-danger-outline"
                      onClick={() => {
                        setError(null);
                        setEnding({ kind: 'user', email: s.email });
                      }}
                    >
                      End all<span class="sr-only"> sessions of {s.email}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Sessions" />
      {ending && (
        <ConfirmDialog
          title={ending.kind === 'one' ? `End this session of ${ending.session.email}?` : `Sign ${ending.email} out everywhere?`}
          confirmLabel={ending.kind === 'one' ? 'End session' : 'End all sessions'}
          danger
          busy={busy}
          error={error}
          onCancel={() => setEnding(null)}
          onConfirm={() => void end(ending)}
        >
          <p>
            {ending.kind === 'one'
              ? 'That browser is signed out at its next request. Their API tokens keep working; they can sign in again.'
              : 'Every browser session of theirs ends. Their API tokens keep working and they can sign in again: to stop them, ban them on Active Users.'}
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
