import { useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import type { AdminToken, AdminTokenList } from '../../api/types.js';
import { plural } from '../../lib/format.js';
import { Badge, type Tone } from '../../ui/badge.js';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';
import { Pager } from '../../ui/pager.js';
import { StatCard, StatCards } from '../../ui/stat-card.js';
import { Empty, ErrorState, Loading, Notice } from '../../ui/states.js';
import { Time } from '../../ui/time.js';
import { usePagedList } from '../../ui/use-paged-list.js';
import { ListSearchBar, useListSearch } from './list-search.js';

const STATUS: Record<AdminToken['status'], { label: string; tone: Tone }> = {
  active: { label: 'Active', tone: 'green' },
  blocked: { label: 'Blocked by ban', tone: 'red' },
  expired: { label: 'Expired', tone: 'grey' },
  revoked: { label: 'Revoked', tone: 'amber' },
};

type Revoking = { kind: 'one'; token: AdminToken } | { kind: 'user'; email: string };

/** Every token with its state (a banned person's live tokens are "blocked"), search, revoke one or all of a person's. */
export function TokensTab() {
  const [search, setQ, setContains] = useListSearch();
  const [status, setStatus] = useState('');
  const [revoking, setRevoking] = useState<Revoking | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const list = usePagedList<AdminToken, AdminTokenList>(`${search.key}\u0000${status}`, (cursor, signal) =>
    api.get<AdminTokenList>('/api/admin/tokens', { ...search.query, status: status || undefined, cursor, limit: 25 }, signal),
  );
  const counts = list.page;

  const revoke = async (what: Revoking) => {
    setBusy(true);
    setError(null);
    try {
      if (what.kind === 'one') {
        await api.delete(`/api/admin/tokens/${encodeURIComponent(what.token.token_id)}`);
        setNotice(`Revoked “${what.token.token_name}” of ${what.token.user_email}: refused from its next request on.`);
      } else {
        const result = await api.post<{ user_email: string; tokens_revoked: number }>('/api/admin/tokens/revoke-user', {
          user_email: what.email,
          reason: reason.trim() || undefined,
        });
        setNotice(`Revoked ${plural(result.tokens_revoked, 'live token')} of ${result.user_email}.`);
      }
      setRevoking(null);
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const open = (what: Revoking) => {
    setError(null);
    setReason('');
    setRevoking(what);
  };

  return (
    <>
      <StatCards label="Token totals">
        <StatCard label="Tokens" value={counts?.total} hint="kept until they end" />
        <StatCard label="Active" value={counts?.active} />
        <StatCard label="Blocked by bans" value={counts?.blocked} tone={(counts?.blocked ?? 0) > 0 ? 'red' : undefined} />
        <StatCard label="Expired" value={counts?.expired} />
        <StatCard label="Revoked" value={counts?.revoked} tone={(counts?.revoked ?? 0) > 0 ? 'amber' : undefined} />
      </StatCards>
      {notice && (
        <Notice kind="success" onDismiss={() => setNotice(null)}>
          {notice}
        </Notice>
      )}
      <h2>Tokens</h2>
      <div class="toolbar">
        <ListSearchBar
          id="tokens-search"
          label="Search by email or token name"
          placeholder="e.g. alice or laptop"
          search={search}
          onSearch={setQ}
          onContains={setContains}
        />
        <div class="field">
          <label for="tokens-status">Status</label>
          <select id="tokens-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">All</option>
            <option value="active">Active</option>
            <option value="blocked">Blocked by ban</option>
            <option value="expired">Expired</option>
            <option value="revoked">Revoked</option>
          </select>
        </div>
      </div>
      {list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !list.page ? (
        <Loading />
      ) : list.page.items.length === 0 ? (
        <Empty>{search.q || status ? 'No token matches.' : 'No tokens yet.'}</Empty>
      ) : (
        <div class="table-wrap" role="region" aria-label="Token list" tabIndex={0} aria-busy={list.loading}>
          <table class="table table-cards">
            <thead>
              <tr>
                <th scope="col">Owner</th>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.page.items.map((t) => (
                <tr key={t.token_id}>
                  <td data-label="Owner" class="cell-name">
                    {t.user_email}
                  </td>
                  <th scope="row" data-label="Name" class="cell-name">
                    {t.token_name}
                    {t.scopes.includes('admin') && (
                      <>
                        {' '}
                        <Badge tone="purple">admin</Badge>
                      </>
                    )}
                  </th>
                  <td data-label="Status">
                    <Badge tone={STATUS[t.status]?.tone ?? 'neutral'}>{STATUS[t.status]?.label ?? t.status}</Badge>
                    {t.status === 'revoked' && t.revoked_by && <div class="muted">by {t.revoked_by}</div>}
                  </td>
                  <td data-label="Created">
                    <Time short iso={t.created_at} />
                  </td>
                  <td data-label="Expires">
                    <Time short iso={t.expires_at} />
                  </td>
                  <td data-label="Last used">
                    <Time short iso={t.last_used_at} empty="never" />
                  </td>
                  <td class="cell-actions">
                    {(t.status === 'active' || t.status === 'blocked') && (
                      <button
                        type="button"
                        class="button button-small button-danger-outline"
                        onClick={() => open({ kind: 'one', token: t })}
                      >
                        Revoke
                        <span class="sr-only">
                          {' '}
                          {t.token_name} of {t.user_email}
                        </span>
                      </button>
                    )}
                    <button
                      type="button"
                      class="button button-small button-danger-outline"
                      onClick={() => open({ kind: 'user', email: t.user_email })}
                    >
                      Revoke all<span class="sr-only"> tokens of {t.user_email}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager list={list} label="Tokens" />
      {revoking && (
        <ConfirmDialog
          title={
            revoking.kind === 'one'
              ? `Revoke “${revoking.token.token_name}” of ${revoking.token.user_email}?`
              : `Revoke every live token of ${revoking.email}?`
          }
          confirmLabel={revoking.kind === 'one' ? 'Revoke token' : 'Revoke all'}
          danger
          busy={busy}
          error={error}
          onCancel={() => setRevoking(null)}
          onConfirm={() => void revoke(revoking)}
        >
          <p>Refused from the next request on, for good (a ban only blocks tokens for a while). Browser sessions are not touched.</p>
          {revoking.kind === 'user' && (
            <div class="field">
              <label for="revoke-reason">Reason (kept with each revoked token)</label>
              <input id="revoke-reason" maxLength={500} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
            </div>
          )}
        </ConfirmDialog>
      )}
    </>
  );
}
