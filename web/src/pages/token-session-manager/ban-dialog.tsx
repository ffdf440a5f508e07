import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client.js';
import type { BanResult } from '../../api/types.js';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';

const REASON_MAX = 500;

/**
 * BAN with a reason, after a confirm. With no email given the admin types one: a person can be
 * banned before they are ever seen.
 */
export function BanDialog({
  email,
  self,
  onCancel,
  onBanned,
}: {
  email: string;
  self: string;
  onCancel: () => void;
  onBanned: (result: BanResult) => void;
}) {
  const [target, setTarget] = useState(email);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [emailError, setEmailError] = useState<string | null>(null);

  const confirm = async () => {
    const who = target.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(who)) {
      setEmailError('Enter the email address of the person to ban.');
      return;
    }
    if (who.toLowerCase() === self.toLowerCase()) {
      setEmailError('You cannot ban yourself.');
      return;
    }
    setEmailError(null);
    setBusy(true);
    setError(null);
    try {
      onBanned(await api.post<BanResult>('/api/admin/sessions/revoke-user', { user_email: who, reason: reason.trim() || undefined }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) setEmailError(err.messages.join(' '));
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <ConfirmDialog
      title={email ? `Ban ${email}?` : 'Ban someone'}
      confirmLabel="Ban"
      danger
      busy={busy}
      error={error}
      onCancel={onCancel}
      onConfirm={() => void confirm()}
    >
      <p>
        Every browser session of theirs ends now and every API token of theirs is refused from its next request, for the length of a ban (7
        days by default). Tokens are blocked, not revoked: they work again after an unban.
      </p>
      <div class="form">
        {!email && (
          <div class={`field${emailError ? ' field-invalid' : ''}`}>
            <label for="ban-email">Email</label>
            <input
              id="ban-email"
              type="email"
              value={target}
              autoComplete="off"
              aria-invalid={emailError ? true : undefined}
              aria-describedby={emailError ? 'ban-email-error' : undefined}
              onInput={(e) => setTarget(e.currentTarget.value)}
            />
            {emailError && (
              <p class="field-error" id="ban-email-error">
                {emailError}
              </p>
            )}
          </div>
        )}
        {email && emailError && <p class="field-error">{emailError}</p>}
        <div class="field">
          <label for="ban-reason">Reason</label>
          <textarea
            id="ban-reason"
            maxLength={REASON_MAX}
            value={reason}
            aria-describedby="ban-reason-hint"
            onInput={(e) => setReason(e.currentTarget.value)}
          />
          <p class="hint" id="ban-reason-hint">
            Shown to them on their ban page, in the ban list and in the audit trail. Up to {REASON_MAX} characters.
          </p>
        </div>
      </div>
    </ConfirmDialog>
  );
}
