import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client.js';
import type { AdminEntry, AdminList, Me } from '../../api/types.js';
import { Badge } from '../../ui/badge.js';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';
import { describeError, ErrorState, Loading, Notice } from '../../ui/states.js';
import { Time } from '../../ui/time.js';

const SOURCE: Record<AdminEntry['source'], { label: string; why: string }> = {
  super_admin: { label: 'Super admin', why: 'Set by SUPER_ADMIN_EMAIL in the environment; change it there.' },
  env: { label: 'Environment', why: 'Set by ADMIN_EMAILS in the environment; change it there and restart.' },
  runtime: { label: 'Added here', why: '' },
};

/** Who is an admin: from the environment (not removable here) and added at run time (add, remove). */
export function AdminManager({ me }: { me: Me }) {
  const [list, setList] = useState<AdminList | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [removing, setRemoving] = useState<AdminEntry | null>(null);
  const [busy, setBusy] = useState(false);
  const [removeError, setRemoveError] = useState<unknown>(null);

  useEffect(() => {
    setError(null);
    api.get<AdminList>('/api/admin/manage').then(setList, setError);
  }, [generation]);
  const reload = () => setGeneration((g) => g + 1);

  const remove = async (entry: AdminEntry) => {
    setBusy(true);
    setRemoveError(null);
    try {
      await api.delete('/api/admin/manage', { email: entry.email });
      setRemoving(null);
      setNotice(`${entry.email} is no longer an admin, from their next request on.`);
      reload();
    } catch (err) {
      setRemoveError(err);
    } finally {
      setBusy(false);
    }
  };

  if (error instanceof ApiError && error.status === 403) {
    return (
      <section class="panel">
        <h1>Not allowed</h1>
        <p class="lead">The Admin Manager is for the super admin. You are signed in as {me.email}.</p>
        <a class="button" href="/">
          Go to the home page
        </a>
      </section>
    );
  }

  return (
    <>
      <h1>Admin Manager</h1>
      <p class="lead">Admins see the Token &amp; Session Manager and can ban people, end sessions, revoke tokens and run cleanups.</p>
      {notice && (
        <Notice kind="success" onDismiss={() => setNotice(null)}>
          {notice}
        </Notice>
      )}
      <AddAdminForm
        onAdded={(entry) => {
          setNotice(`${entry.email} is now an admin.`);
          reload();
        }}
      />
      <section class="panel" aria-labelledby="admins-title">
        <h2 id="admins-title">Admins</h2>
        {error ? (
          <ErrorState error={error} onRetry={reload} />
        ) : !list ? (
          <Loading />
        ) : (
          <>
            <div class="table-wrap" role="region" aria-label="Admin list" tabIndex={0}>
              <table class="table table-cards">
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Source</th>
                    <th scope="col">Added</th>
                    <th scope="col">
                      <span class="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.items.map((a) => (
                    <tr key={a.email}>
                      <th scope="row" class="cell-name" data-label="Email">
                        {a.email}
                        {a.email === me.email && <span class="muted"> (you)</span>}
                      </th>
                      <td data-label="Source">
                        <Badge tone={a.source === 'runtime' ? 'blue' : 'purple'}>{SOURCE[a.source]?.label ?? a.source}</Badge>
                      </td>
                      <td data-label="Added">
                        {a.added_at ? (
                          <>
                            <Time iso={a.added_at} />
                            {a.added_by && <div class="muted">by {a.added_by}</div>}
                          </>
                        ) : (
                          <span class="muted">at start-up</span>
                        )}
                      </td>
                      <td class="cell-actions">
                        {a.removable ? (
                          <button
                            type="button"
                            class="button button-small button-danger-outline"
                            onClick={() => {
                              setRemoveError(null);
                              setRemoving(a);
                            }}
                          >
                            Remove<span class="sr-only"> {a.email}</span>
                          </button>
                        ) : (
                          <span class="muted why">{SOURCE[a.source]?.why ?? 'Not removable here.'}</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {list.admin_domains.length > 0 && (
              <p class="muted">Everyone at {list.admin_domains.join(', ')} is an admin too (ADMIN_DOMAINS in the environment).</p>
            )}
          </>
        )}
      </section>
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.email} as admin?`}
          confirmLabel="Remove admin"
          danger
          busy={busy}
          error={removeError}
          onCancel={() => setRemoving(null)}
          onConfirm={() => void remove(removing)}
        >
          <p>
            They lose admin rights on their next request, whatever tokens they hold. Their own tokens and sessions keep working as a user's.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function AddAdminForm({ onAdded }: { onAdded: (entry: AdminEntry) => void }) {
  const [email, setEmail] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    const value = email.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(value)) {
      setFieldError('Enter an email address, e.g. carol@example.com.');
      document.getElementById('admin-email')?.focus();
      return;
    }
    setBusy(true);
    setFieldError(null);
    try {
      onAdded(await api.post<AdminEntry>('/api/admin/manage', { email: value }));
      setEmail('');
    } catch (err) {
      setFieldError(err instanceof ApiError && (err.status === 400 || err.status === 409) ? err.messages.join(' ') : describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="add-title">
      <h2 id="add-title">Add an admin</h2>
      <form
        class="form form-inline"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div class={`field${fieldError ? ' field-invalid' : ''}`}>
          <label for="admin-email">Email</label>
          <input
            id="admin-email"
            type="email"
            autoComplete="off"
            value={email}
            aria-invalid={fieldError ? true : undefined}
            aria-describedby={fieldError ? 'admin-email-error' : undefined}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
          {fieldError && (
            <p class="field-error" id="admin-email-error">
              {fieldError}
            </p>
          )}
        </div>
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add admin'}
          </button>
        </div>
      </form>
    </section>
  );
}
