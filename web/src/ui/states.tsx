import type { ComponentChildren } from 'preact';
import { ApiError, Redirecting } from '../api/client.js';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="state state-loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state state-empty">{children}</p>;
}

/** What went wrong, in words; a retry button when the caller can try again. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (error instanceof Redirecting) return <Loading label={error.message} />;
  return (
    <div class="state state-error" role="alert">
      <p>{describeError(error)}</p>
      {onRetry && (
        <button type="button" class="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** A short status line after an action ("Token revoked."), announced to screen readers. */
export function Notice({
  kind = 'success',
  children,
  onDismiss,
}: {
  kind?: 'success' | 'error' | 'info';
  children: ComponentChildren;
  onDismiss?: () => void;
}) {
  return (
    <div class={`notice notice-row notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      <div class="notice-body">{children}</div>
      {onDismiss && (
        <button type="button" class="button-link" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403 && error.code === 'csrf_failed') return 'Your session changed in another tab. Reload the page and try again.';
    if (error.status === 403) return `Not allowed: ${error.message}`;
    if (error.status === 503) return 'The gateway is temporarily unavailable. Try again in a moment.';
    if (error.status >= 500) return 'The gateway could not do this. Try again in a moment.';
    return error.message;
  }
  if (error instanceof TypeError) return 'Could not reach the gateway. Check your connection and try again.';
  return error instanceof Error ? error.message : String(error);
}
