import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client.js';
import type { ActiveUser, ActiveUserList, AdminStats, BanList, BanResult, HourlyStats, Me } from '../../api/types.js';
import { count, duration, localTime, plural, relativeTime } from '../../lib/format.js';
import { Badge } from '../../ui/badge.js';
import { Pager } from '../../ui/pager.js';
import { StatCard, StatCards } from '../../ui/stat-card.js';
import { describeError, Empty, ErrorState, Loading, Notice } from '../../ui/states.js';
import { Time } from '../../ui/time.js';
import { usePagedList } from '../../ui/use-paged-list.js';
import { BanDialog } from './ban-dialog.js';
import { BansList } from './bans-list.js';
import { HourlyCharts } from './hourly-charts.js';
import { ListSearchBar, useListSearch } from './list-search.js';

/** Everyone seen through either method, with the stat cards, the charts, BAN / unban and the current bans. */
export function UsersTab({ me }: { me: Me }) {
  const [search, setQ, setContains] = useListSearch();
  const [generation, setGeneration] = useState(0);
  const [banning, setBanning] = useState<{ email: string } | null>(null);
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const list = usePagedList<ActiveUser, ActiveUserList>(search.key, (cursor, signal) =>
    api.get<ActiveUserList>('/api/admin/sessions/active-users', { ...search.query, cursor, limit: 25 }, signal),
  );
  const refresh = () => {
    setGeneration((g) => g + 1);
    list.reload();
  };

  const unban = async (email: string) => {
    try {
      await api.delete(`/api/admin/sessions/unban/${encodeURIComponent(email)}`);
      setNotice({ kind: 'success', text: `${email} is no longer banned. Their tokens work again; they can sign in again.` });
    } catch (err) {
      setNotice({ kind: 'error', text: `Could not unban ${email}: ${describeError(err)}` });
    }
    refresh();
  };

  return (
    <>
      <Overview generation={generation} fallback={list.page} />
      {notice && (
        <Notice kind={notice.kind} onDismiss={() => setNotice(null)}>
          {notice.text}
        </Notice>
      )}
      <section aria-labelledby="users-title">
        <div class="panel-head">
          <h2 id="users-title">Active users</h2>
          <button type="button" class="button button-small button-danger-outline" onClick={() => setBanning({ email: '' })}>
            Ban someone by email…
          </button>
        </div>
        <div class="toolbar">
          <ListSearchBar
            id="users-search"
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
          <Empty>
            {search.q
              ? `Nobody active matches “${search.q}”${list.hasNext ? ' on this page: try the next one' : ''}.`
              : 'Nobody has used the gateway recently.'}
          </Empty>
        ) : (
          <div class="table-wrap" role="region" aria-label="Active user list" tabIndex={0} aria-busy={list.loading}>
            <table class="table table-cards">
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Auth</th>
                  <th scope="col">Last access</th>
                  <th scope="col" class="cell-num">
                    Sessions
                  </th>
                  <th scope="col" class="cell-num">
                    Tokens
                  </th>
                  <th scope="col" class="cell-num">
                    Requests
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.page.items.map((u) => (
                  <tr key={u.email} class={u.is_banned ? 'row-banned' : undefined}>
                    <th scope="row" class="cell-name" data-label="User">
                      {u.email}
                    </th>
                    <td data-label="Auth">
                      <MethodBadges methods={u.auth_methods} />
                    </td>
                    <td data-label="Last access">
                      <Time short iso={u.last_access} />
                    </td>
                    <td class="cell-num" data-label="Sessions">
                      {count(u.session_count)}
                    </td>
                    <td class="cell-num" data-label="Tokens">
                      {count(u.token_count)}
                    </td>
                    <td class="cell-num" data-label="Requests">
                      {count(u.request_count)}
                    </td>
                    <td data-label="Status">
                      {u.is_banned ? (
                        <>
                          <Badge tone="red">Banned</Badge>
                          {u.ban_remaining_seconds !== null && <span class="muted nowrap">{duration(u.ban_remaining_seconds)} left</span>}
                        </>
                      ) : (
                        <Badge tone="green">Active</Badge>
                      )}
                    </td>
                    <td class="cell-actions">
                      {u.is_banned ? (
                        <button type="button" class="button button-small" onClick={() => void unban(u.email)}>
                          Unban<span class="sr-only"> {u.email}</span>
                        </button>
                      ) : (
                        <button
                          type="button"
                          class="button button-small button-danger-outline"
                          disabled={u.email === me.email}
                          title={u.email === me.email ? 'You cannot ban yourself' : undefined}
                          onClick={() => setBanning({ email: u.email })}
                        >
                          Ban<span class="sr-only"> {u.email}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager list={list} label="Active users" />
      </section>

      <BansList generation={generation} onUnban={(email) => void unban(email)} />

      {banning && (
        <BanDialog
          email={banning.email}
          self={me.email}
          onCancel={() => setBanning(null)}
          onBanned={(result: BanResult) => {
            setBanning(null);
            setNotice({
              kind: 'success',
              text: `Banned ${result.user_email} until ${localTime(result.banned_until)} (${relativeTime(result.banned_until)}): ended ${plural(result.sessions_ended, 'session')}, blocked ${plural(result.tokens_blocked, 'token')}.`,
            });
            refresh();
          }}
        />
      )}
    </>
  );
}

export function MethodBadges({ methods }: { methods: string[] }) {
  const jwt = methods.includes('jwt');
  const oauth2 = methods.includes('oauth2');
  if (jwt && oauth2)
    return (
      <Badge tone="purple" title="Signed in through the browser (OAuth2) and used API tokens (JWT)">
        Both
      </Badge>
    );
  if (oauth2) return <Badge tone="teal">OAuth2</Badge>;
  if (jwt) return <Badge tone="blue">JWT</Badge>;
  return <span class="muted">—</span>;
}

/** The stat cards and the hourly charts; the cards fall back to the list's totals on a gateway without /api/admin/stats. */
function Overview({ generation, fallback }: { generation: number; fallback: ActiveUserList | null }) {
  const [stats, setStats] = useState<AdminStats | null>(null);
  const [statsMissing, setStatsMissing] = useState(false);
  const [hourly, setHourly] = useState<HourlyStats | null>(null);
  const [hourlyError, setHourlyError] = useState<unknown>(null);
  const [bans, setBans] = useState<number | null>(null);

  useEffect(() => {
    api
      .get<AdminStats>('/api/admin/stats')
      .then(setStats, (err: unknown) => setStatsMissing(err instanceof ApiError && err.status === 404));
    api.get<HourlyStats>('/api/admin/stats/hourly').then(setHourly, setHourlyError);
    api.get<BanList>('/api/admin/bans', { limit: 1 }).then(
      (b) => setBans(b.total),
      () => setBans(null),
    );
  }, [generation]);

  const users = stats?.total_users ?? (statsMissing ? fallback?.users : undefined);
  const sessions = stats?.live_sessions ?? (statsMissing ? fallback?.active_sessions : undefined);
  return (
    <>
      <StatCards label="Totals">
        <StatCard label="Users" value={users} hint="seen recently" />
        <StatCard label="Active, last 24 h" value={stats?.active_24h} />
        <StatCard
          label="Banned"
          value={stats?.banned ?? bans ?? fallback?.banned}
          tone={(stats?.banned ?? bans ?? 0) > 0 ? 'red' : undefined}
        />
        <StatCard
          label="Live sessions"
          value={sessions}
          hint={stats?.session_users !== undefined ? `${count(stats.session_users)} people` : undefined}
        />
        <StatCard
          label="Live tokens"
          value={stats?.live_tokens}
          hint={stats && stats.blocked_tokens > 0 ? `${count(stats.blocked_tokens)} blocked by bans` : undefined}
        />
      </StatCards>
      {hourly ? (
        <HourlyCharts hourly={hourly} stats={stats} />
      ) : hourlyError ? (
        hourlyError instanceof ApiError && hourlyError.status === 404 ? (
          <p class="notice notice-info">This gateway does not keep hourly statistics yet.</p>
        ) : (
          <ErrorState error={hourlyError} />
        )
      ) : (
        <Loading label="Loading the charts…" />
      )}
    </>
  );
}
