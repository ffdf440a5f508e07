/**
 * The few small HTML pages of the browser login: outcome pages and the logout confirmation. No script at all; their one inline style block is let in by its hash (pagePolicy).
 */
import { createHash } from 'node:crypto';
import { contentSecurityPolicy } from '../common/security-headers.js';

const PAGE_STYLE = `body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5}
.button,button{display:inline-block;padding:.5rem 1.2rem;border:1px solid #444;border-radius:4px;background:#f4f4f4;color:#111;text-decoration:none;font:inherit;cursor:pointer}`;
const PAGE_STYLE_SOURCE = `'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'`;

/**
 * The Content-Security-Policy of these pages: the strict one plus their style block's hash.
 * `formTargets` are origins the logout form may end up at: after the POST the gateway redirects
 * to the identity provider's logout, and browsers apply form-action to that redirect too.
 */
export function pagePolicy(formTargets: readonly string[] = []): string {
  return contentSecurityPolicy({ styleSrc: [PAGE_STYLE_SOURCE], formAction: formTargets });
}

export interface PageAction {
  readonly label: string;
  readonly href: string;
}

export function outcomePage(
  title: string,
  message: string,
  actions: readonly PageAction[] = [{ label: 'Try again', href: '/auth/login' }],
): string {
  const links = actions.map((a) => `<a class="button" href="${escapeHtml(a.href)}">${escapeHtml(a.label)}</a>`).join(' ');
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p>${links}</p>`);
}

/** What GET /auth/logout shows: a form that signs out by POST with the CSRF token (a link alone never does). */
export function logoutConfirmPage(csrfToken: string | null): string {
  const body = csrfToken
    ? `<h1>Sign out?</h1><p>Nothing has been done yet: sign out with the button below.</p>${logoutForm(csrfToken)}`
    : '<h1>Signed out</h1><p>There is no session to end.</p><p><a class="button" href="/">Home</a></p>';
  return layout('Sign out', body);
}

function logoutForm(csrfToken: string): string {
  return `<form method="post" action="/auth/logout"><input type="hidden" name="csrf_token" value="${escapeHtml(csrfToken)}"><button type="submit">Sign out</button></form>`;
}

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style>
</head><body>${body}</body></html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
