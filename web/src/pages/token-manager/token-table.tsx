import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import type { Token } from '../../api/types.js';
import { Badge } from '../../ui/badge.js';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';
import { Empty } from '../../ui/states.js';
import { Time } from '../../ui/time.js';

const CREATED_VIA: Record<string, string> = {
  oauth2: 'this web page (browser sign-in)',
  jwt: 'another API token',
  cli: 'the ops CLI',
  admin: 'an admin',
};

/** The caller's live tokens, soonest expiry first, with details and revoke (after a confirm). */
export function TokenTable({ tokens, onRevoked }: { tokens: Token[]; onRevoked: (token: Token) => void }) {
  const [open, setOpen] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<Token | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  if (tokens.length === 0) return <Empty>No live tokens. Create one above.</Empty>;

  const revoke = async (token: Token) => {
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/token/revoke', { token_id: token.token_id });
      setRevoking(null);
      onRevoked(token);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <div class="table-wrap" role="region" aria-label="Your token list" tabIndex={0}>
        <table class="table table-cards">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">Scopes</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <Fragment key={t.token_id}>
                <tr>
                  <th scope="row" data-label="Name" class="cell-name">
                    {t.token_name}
                    {t.status === 'blocked' && (
                      <>
                        {' '}
                        <Badge tone="red">blocked by a ban</Badge>
                      </>
                    )}
                  </th>
                  <td data-label="Created">
                    <Time short iso={t.created_at} />
                  </td>
                  <td data-label="Expires">
                    <Time short iso={t.expires_at} />
                  </td>
                  <td data-label="Last used">
                    <Time short iso={t.last_used_at} empty="never" />
                  </td>
                  <td data-label="Scopes">
                    {t.scopes.map((s) => (
                      <Badge key={s} tone={s === 'admin' ? 'purple' : 'blue'}>
                        {s}
                      </Badge>
                    ))}
                  </td>
                  <td class="cell-actions">
                    <button
                      type="button"
                      class="button button-small"
                      aria-expanded={open === t.token_id}
                      aria-controls={`details-${t.token_id}`}
                      onClick={() => setOpen(open === t.token_id ? null : t.token_id)}
                    >
                      Details<span class="sr-only"> of {t.token_name}</span>
                    </button>
                    <button
                      type="button"
                      class="button button-small button-danger-outline"
                      onClick={() => {
                        setError(null);
                        setRevoking(t);
                      }}
                    >
                      Revoke<span class="sr-only"> {t.token_name}</span>
                    </button>
                  </td>
                </tr>
                {open === t.token_id && (
                  <tr class="row-details" id={`details-${t.token_id}`}>
                    <td colSpan={6}>
                      <dl class="facts facts-compact">
                        <dt>Token id</dt>
                        <dd class="mono">{t.token_id}</dd>
                        <dt>Status</dt>
                        <dd>{t.status}</dd>
                        <dt>Created through</dt>
                        <dd>{CREATED_VIA[t.created_via] ?? t.created_via}</dd>
                        <dt>Scopes</dt>
                        <dd>{t.scopes.join(', ')}</dd>
                      </dl>
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      {revoking && (
        <ConfirmDialog
          title={`Revoke “${revoking.token_name}”?`}
          confirmLabel="Revoke token"
          danger
          busy={busy}
          error={error}
          onCancel={() => setRevoking(null)}
          onConfirm={() => void revoke(revoking)}
        >
          <p>Every tool using this token is refused from its next request on. This cannot be undone; create a new token to replace it.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
