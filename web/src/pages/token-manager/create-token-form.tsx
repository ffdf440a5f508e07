import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client.js';
import type { IssuedToken } from '../../api/types.js';
import { describeError } from '../../ui/states.js';

const PRESETS = [1, 7, 30, 90];
const NAME_MAX = 64;

interface Errors {
  name?: string;
  days?: string;
  form?: string;
}

/**
 * Name and lifetime of a new token. Simple checks run here; the gateway's rules (the name's
 * characters, the lifetime bounds) come back as messages shown next to their field.
 */
export function CreateTokenForm({
  maxDays,
  defaultDays,
  atLimit,
  maxTokens,
  onCreated,
}: {
  maxDays: number | null;
  defaultDays: number;
  atLimit: boolean;
  maxTokens: number | null;
  onCreated: (token: IssuedToken) => void;
}) {
  const [name, setName] = useState('');
  const [days, setDays] = useState(String(maxDays === null ? defaultDays : Math.min(defaultDays, maxDays)));
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const presets = PRESETS.filter((p) => maxDays === null || p <= maxDays);

  const check = (): Errors => {
    const found: Errors = {};
    const trimmed = name.trim();
    if (trimmed === '') found.name = 'Give the token a name, e.g. the tool or machine it is for.';
    else if (trimmed.length > NAME_MAX) found.name = `At most ${NAME_MAX} characters.`;
    const n = Number(days);
    if (!Number.isInteger(n) || n < 1) found.days = 'A whole number of days, at least 1.';
    else if (maxDays !== null && n > maxDays) found.days = `At most ${maxDays} days on this gateway.`;
    return found;
  };

  const submit = async () => {
    const found = check();
    setErrors(found);
    if (found.name || found.days) {
      document.getElementById(found.name ? 'token-name' : 'token-days')?.focus();
      return;
    }
    setBusy(true);
    try {
      onCreated(await api.post<IssuedToken>('/api/token/generate', { token_name: name.trim(), expires_in: Number(days) * 86400 }));
      setName('');
    } catch (err) {
      setErrors(serverErrors(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="create-title">
      <h2 id="create-title">Create a token</h2>
      {atLimit && <p class="notice notice-info">You hold the most tokens allowed ({maxTokens}). Revoke one below to create another.</p>}
      <form
        class="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div class={`field${errors.name ? ' field-invalid' : ''}`}>
          <label for="token-name">Name</label>
          <input
            id="token-name"
            name="token_name"
            value={name}
            maxLength={NAME_MAX}
            autoComplete="off"
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={errors.name ? 'token-name-hint token-name-error' : 'token-name-hint'}
            onInput={(e) => setName(e.currentTarget.value)}
          />
          <p class="hint" id="token-name-hint">
            What it is for, e.g. “laptop claude-code”: up to 64 characters.
          </p>
          {errors.name && (
            <p class="field-error" id="token-name-error">
              {errors.name}
            </p>
          )}
        </div>
        <div class={`field${errors.days ? ' field-invalid' : ''}`}>
          <label for="token-days">Lifetime in days</label>
          <div class="row">
            <input
              id="token-days"
              name="days"
              type="number"
              inputMode="numeric"
              min={1}
              max={maxDays ?? undefined}
              step={1}
              value={days}
              class="input-short"
              aria-invalid={errors.days ? true : undefined}
              aria-describedby={errors.days ? 'token-days-hint token-days-error' : 'token-days-hint'}
              onInput={(e) => setDays(e.currentTarget.value)}
            />
            <div class="presets" role="group" aria-label="Lifetime presets">
              {presets.map((p) => (
                <button
                  key={p}
                  type="button"
                  class="button button-small"
                  aria-pressed={days === String(p)}
                  onClick={() => setDays(String(p))}
                >
                  {p === 1 ? '1 day' : `${p} days`}
                </button>
              ))}
            </div>
          </div>
          <p class="hint" id="token-days-hint">
            {maxDays === null ? 'At least 1 day.' : `1 to ${maxDays} days.`}
          </p>
          {errors.days && (
            <p class="field-error" id="token-days-error">
              {errors.days}
            </p>
          )}
        </div>
        {errors.form && (
          <p class="field-error" role="alert">
            {errors.form}
          </p>
        )}
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={busy || atLimit}>
            {busy ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </form>
    </section>
  );
}

/** The gateway's refusal, split by field: each 400 message starts with the field it is about. */
function serverErrors(err: unknown): Errors {
  if (!(err instanceof ApiError)) return { form: describeError(err) };
  if (err.status !== 400)
    return { form: err.code === 'limit_reached' ? `${err.message}. Revoke a token to make room.` : describeError(err) };
  const name = err.about('token_name');
  const days = err.about('expires_in');
  const rest = err.messages.filter((m) => !name.includes(m) && !days.includes(m));
  return {
    name: name.length > 0 ? name.map(withoutField).join(' ') : undefined,
    days: days.length > 0 ? days.map(withoutField).join(' ') : undefined,
    form: rest.length > 0 ? rest.join(' ') : undefined,
  };
}

function withoutField(message: string): string {
  const text = message.replace(/^\w+ /, '');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
