import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import type { Me, TokenList } from '../../api/types.js';
import { count } from '../../lib/format.js';
import { Badge } from '../../ui/badge.js';
import { mayOpen, ROLE_LABEL, roleOf, signInUrl } from '../../ui/shell.js';
import { ErrorState, Loading } from '../../ui/states.js';
import { Time } from '../../ui/time.js';

export function SignedOut() {
  return (
    <section class="hero" aria-labelledby="home-title">
      <h1 id="home-title">LLM Gateway</h1>
      <p class="lead">
        Sign in with your organisation account to create API tokens for Claude Code, the OpenAI and Anthropic SDKs, Roo Code or curl.
      </p>
      <p>
        <a class="button button-primary button-large" href={signInUrl()}>
          Sign in
        </a>
      </p>
    </section>
  );
}

interface Glance {
  active: number;
  max: number;
  nextExpiry: string | null;
  lastUsed: string | null;
}

/** Who you are, your tokens at a glance, and where you can go from here. */
export function Home({ me }: { me: Me }) {
  const role = roleOf(me);
  const [glance, setGlance] = useState<Glance | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (me.tokens && attempt === 0) {
      setGlance({
        active: me.tokens.active,
        max: me.tokens.max_tokens,
        nextExpiry: me.tokens.next_expiry,
        lastUsed: me.tokens.last_used_at,
      });
      return;
    }
    setError(null);
    api.get<TokenList>('/api/token/list').then((list) => setGlance(glanceOf(list)), setError);
  }, [attempt]);

  return (
    <>
      <section class="panel" aria-labelledby="home-title">
        <h1 id="home-title">Welcome{me.name ? `, ${me.name}` : ''}</h1>
        <dl class="facts">
          <dt>Signed in as</dt>
          <dd>
            {me.email} <Badge tone={role === 'user' ? 'neutral' : 'purple'}>{ROLE_LABEL[role]}</Badge>
          </dd>
          {me.session_expires_at && (
            <>
              <dt>Session ends</dt>
              <dd>
                <Time iso={me.session_expires_at} /> unless you keep using it
              </dd>
            </>
          )}
        </dl>
      </section>

      <section class="panel" aria-labelledby="glance-title">
        <h2 id="glance-title">Your API tokens</h2>
        {error ? (
          <ErrorState error={error} onRetry={() => setAttempt((n) => n + 1)} />
        ) : !glance ? (
          <Loading />
        ) : (
          <>
            <dl class="stats" aria-label="Your tokens">
              <div class="stat">
                <dt>Live tokens</dt>
                <dd>
                  <span class="stat-value">{count(glance.active)}</span>
                  <span class="stat-hint">of {count(glance.max)} allowed</span>
                </dd>
              </div>
              <div class="stat">
                <dt>Next expiry</dt>
                <dd>
                  <span class="stat-text">
                    <Time iso={glance.nextExpiry} empty="none" />
                  </span>
                </dd>
              </div>
              <div class="stat">
                <dt>Last used</dt>
                <dd>
                  <span class="stat-text">
                    <Time iso={glance.lastUsed} empty="never" />
                  </span>
                </dd>
              </div>
            </dl>
            <p>
              {glance.active === 0
                ? 'You have no live token yet. Create one to call the gateway from your tools.'
                : 'Create, copy and revoke tokens in the Token Manager.'}
            </p>
          </>
        )}
      </section>

      <section class="panel" aria-labelledby="links-title">
        <h2 id="links-title">Where to go</h2>
        <ul class="cards">
          <li>
            <a class="card" href="/token-manager">
              <strong>Token Manager</strong>
              <span>Create a token with ready-made settings for your tools; see and revoke your tokens.</span>
            </a>
          </li>
          {mayOpen(me, 'admin') && (
            <li>
              <a class="card" href="/token-session-manager">
                <strong>Token &amp; Session Manager</strong>
                <span>Active users, sessions, tokens, bans, Redis cleanup and the audit trail.</span>
              </a>
            </li>
          )}
          {mayOpen(me, 'super_admin') && (
            <li>
              <a class="card" href="/admin-manager">
                <strong>Admin Manager</strong>
                <span>Who is an admin: from the environment, and added here.</span>
              </a>
            </li>
          )}
        </ul>
      </section>
    </>
  );
}

function glanceOf(list: TokenList): Glance {
  const live = list.items.filter((t) => t.status === 'active' || t.status === 'blocked');
  const expiries = live.map((t) => t.expires_at).sort();
  const uses = live
    .map((t) => t.last_used_at)
    .filter((u): u is string => u !== null)
    .sort();
  return { active: live.length, max: list.max_tokens, nextExpiry: expiries[0] ?? null, lastUsed: uses.at(-1) ?? null };
}
