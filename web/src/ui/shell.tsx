import type { ComponentChildren } from 'preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, onBanned, request, setCsrfToken, signInUrl } from '../api/client.js';
import type { BanNotice, Me, Role } from '../api/types.js';
import { duration, localTime, relativeTime } from '../lib/format.js';
import { ErrorState, Loading } from './states.js';

export type PageName = 'home' | 'token-manager' | 'token-session-manager' | 'admin-manager';

/** Who may see a page: anyone (the home page), a signed-in person, an admin, the super admin. */
export type Audience = 'anyone' | 'signed-in' | 'admin' | 'super_admin';

const NAV: Array<{ page: PageName; href: string; label: string; audience: Audience }> = [
  { page: 'home', href: '/', label: 'Home', audience: 'signed-in' },
  { page: 'token-manager', href: '/token-manager', label: 'Token Manager', audience: 'signed-in' },
  { page: 'token-session-manager', href: '/token-session-manager', label: 'Token & Session Manager', audience: 'admin' },
  { page: 'admin-manager', href: '/admin-manager', label: 'Admin Manager', audience: 'super_admin' },
];

export function roleOf(me: Me): Role {
  return me.role ?? (me.is_super_admin ? 'super_admin' : me.is_admin ? 'admin' : 'user');
}

export function mayOpen(me: Me, audience: Audience): boolean {
  const role = roleOf(me);
  switch (audience) {
    case 'anyone':
    case 'signed-in':
      return true;
    case 'admin':
      return role !== 'user';
    case 'super_admin':
      // A gateway that does not say who the super admin is lets the API decide (403 super_admin_only).
      return role === 'super_admin' || (me.role === undefined && me.is_super_admin === undefined && me.is_admin);
  }
}

export const ROLE_LABEL: Record<Role, string> = { user: 'User', admin: 'Admin', super_admin: 'Super admin' };

type ShellState =
  | { kind: 'loading' }
  | { kind: 'signed-in'; me: Me }
  | { kind: 'signed-out' }
  | { kind: 'banned'; ban: BanNotice }
  | { kind: 'error'; error: unknown };

interface ShellProps {
  page: PageName;
  audience: Audience;
  /** The page itself, for someone allowed to see it. */
  children: (me: Me) => ComponentChildren;
  /** What a signed-out visitor sees (the home page); other pages send them to sign in. */
  signedOut?: () => ComponentChildren;
}

/**
 * Every page's frame: asks the gateway who is here (GET /api/me, which also gives the CSRF
 * token), shows the navigation their role allows, and switches to the ban notice whenever any
 * call says the person is banned, or to a "not allowed" page when the role does not fit.
 */
export function Shell({ page, audience, children, signedOut }: ShellProps) {
  const [state, setState] = useState<ShellState>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => onBanned((ban) => setState({ kind: 'banned', ban })), []);
  useEffect(() => {
    request<Me>('GET', '/api/me', { allowSignedOut: signedOut !== undefined }).then(
      (me) => {
        setCsrfToken(me.csrf_token);
        setState({ kind: 'signed-in', me });
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.code === 'user_banned') return;
        if (error instanceof ApiError && error.status === 401 && signedOut) setState({ kind: 'signed-out' });
        else setState({ kind: 'error', error });
      },
    );
  }, [attempt]);

  const me = state.kind === 'signed-in' ? state.me : null;
  let content: ComponentChildren;
  switch (state.kind) {
    case 'loading':
      content = <Loading />;
      break;
    case 'signed-out':
      content = signedOut?.();
      break;
    case 'banned':
      content = <BanView ban={state.ban} />;
      break;
    case 'error':
      content = <ErrorState error={state.error} onRetry={() => setAttempt((n) => n + 1)} />;
      break;
    case 'signed-in':
      content = mayOpen(state.me, audience) ? children(state.me) : <NotAllowed me={state.me} audience={audience} />;
      break;
  }

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/">
          <span class="brand-mark" aria-hidden="true" />
          LLM Gateway
        </a>
        {me && (
          <nav class="nav" aria-label="Main">
            <ul>
              {NAV.filter((item) => mayOpen(me, item.audience)).map((item) => (
                <li key={item.page}>
                  <a href={item.href} aria-current={item.page === page ? 'page' : undefined}>
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        {me && <SignOut me={me} />}
      </header>
      <main id="main" tabIndex={-1}>
        {content}
      </main>
      <footer class="footer">
        <span>LLM Gateway</span>
        <a href="/docs">API documentation</a>
      </footer>
    </>
  );
}

function SignOut({ me }: { me: Me }) {
  return (
    <div class="who">
      <span class="who-email" title={me.email}>
        {me.email}
      </span>
      {me.csrf_token && (
        // A plain form: logout is a POST carrying the session's CSRF token.
        <form method="post" action="/auth/logout" class="inline-form">
          <input type="hidden" name="csrf_token" value={me.csrf_token} />
          <button type="submit" class="button button-small">
            Sign out
          </button>
        </form>
      )}
    </div>
  );
}

/** The ban notice: how long, until when and why. No sign-in button: signing in would only come back here. */
export function BanView({ ban }: { ban: BanNotice }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  const until = ban.banned_until ? Date.parse(ban.banned_until) : NaN;
  const remaining = Number.isFinite(until) ? Math.max(0, (until - now) / 1000) : ban.remaining_seconds;
  return (
    <section class="panel panel-ban" aria-labelledby="ban-title">
      <h1 id="ban-title">Access suspended</h1>
      <p class="lead">
        {ban.email ? (
          <>
            Access for <strong>{ban.email}</strong> to this gateway is suspended
          </>
        ) : (
          'Your access to this gateway is suspended'
        )}
        {remaining !== null && remaining !== undefined ? ` for ${duration(remaining)} more` : ''}.
      </p>
      <dl class="facts">
        {Number.isFinite(until) && (
          <>
            <dt>Until</dt>
            <dd>
              <time dateTime={ban.banned_until}>{localTime(ban.banned_until)}</time> ({relativeTime(ban.banned_until, now)})
            </dd>
          </>
        )}
        <dt>Reason</dt>
        <dd class="preserve">{ban.reason || 'No reason was given.'}</dd>
        {ban.banned_at && (
          <>
            <dt>Since</dt>
            <dd>
              <time dateTime={ban.banned_at}>{localTime(ban.banned_at)}</time>
            </dd>
          </>
        )}
      </dl>
      <p>
        Your browser sessions were ended and your API tokens are refused while the suspension lasts. If you think this is a mistake, contact
        the people who run this gateway.
      </p>
    </section>
  );
}

function NotAllowed({ me, audience }: { me: Me; audience: Audience }) {
  const who = audience === 'super_admin' ? 'the super admin' : 'admins';
  return (
    <section class="panel" aria-labelledby="forbidden-title">
      <h1 id="forbidden-title">Not allowed</h1>
      <p class="lead">
        This page is for {who}. You are signed in as <strong>{me.email}</strong> ({ROLE_LABEL[roleOf(me)].toLowerCase()}).
      </p>
      <p>
        <a class="button" href="/">
          Go to the home page
        </a>{' '}
        <a class="button" href="/token-manager">
          Manage your tokens
        </a>
      </p>
    </section>
  );
}

/** Renders a page into #app. */
export function mount(node: ComponentChildren): void {
  const root = document.getElementById('app');
  if (root) render(node, root);
}

export { signInUrl };
