/**
 * The small HTML page a browser gets instead of the JSON error shape when it navigates to a route
 * that fails (401, 403, 404, 500, ...). Text only, every value escaped; no script and no inline
 * style, so it renders under any Content-Security-Policy.
 */
import { STATUS_CODES } from 'node:http';
import { describeDuration, type BanNotice } from './domain-errors.js';

export interface ErrorPageView {
  readonly status: number;
  readonly message: string | string[];
  readonly code: string;
  readonly ban?: BanNotice;
  /** Where "Sign in" leads back to (the page that was asked for). */
  readonly path: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export function errorPage(view: ErrorPageView, nowMs: number): string {
  const { title, text, actions } = describe(view, nowMs);
  const links = actions.map((a) => `<a href="${escapeHtml(a.href)}">${escapeHtml(a.label)}</a>`).join(' · ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1>${text.map((t) => `<p>${escapeHtml(t)}</p>`).join('')}<p>${links}</p>
<p><small>${escapeHtml(`${view.status} ${STATUS_CODES[view.status] ?? 'Error'} (${view.code})`)}</small></p></main></body></html>`;
}

function describe(view: ErrorPageView, nowMs: number): { title: string; text: string[]; actions: Array<{ label: string; href: string }> } {
  const home = { label: 'Home', href: '/' };
  const message = Array.isArray(view.message) ? view.message : [view.message];
  if (view.ban !== undefined) {
    const text = [
      `Your access to this gateway is suspended for ${describeDuration(view.ban.until - nowMs)}, until ${new Date(view.ban.until).toISOString()}.`,
    ];
    if (view.ban.reason !== '') text.push(`Reason: ${view.ban.reason}`);
    return { title: 'Access suspended', text, actions: [home] };
  }
  switch (view.status) {
    case 401:
      return {
        title: 'Please sign in',
        text: ['This page needs you to be signed in.'],
        actions: [{ label: 'Sign in', href: `/auth/login?returnTo=${encodeURIComponent(view.path)}` }, home],
      };
    case 403:
      return { title: 'Not allowed', text: message, actions: [home] };
    case 404:
      return { title: 'Not found', text: ['There is no page at this address.'], actions: [home] };
    default:
      return { title: view.status >= 500 ? 'Something went wrong' : 'Request refused', text: message, actions: [home] };
  }
}
