/**
 * A local OpenID provider that stands in for Auth0 (npm run demo and the e2e tests): oidc-provider
 * over HTTPS on 127.0.0.1 with a certificate made at start, an issuer with a trailing slash and
 * Auth0's routes (/authorize, /oauth/token, /userinfo, /v2/logout), and a small email + password
 * sign-in page for a fixed list of users. Consent is granted without asking (a first-party app).
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Provider, { type Account, type Adapter, type AdapterFactory, type AdapterPayload, type Configuration } from 'oidc-provider';
import { DEMO_PEOPLE } from './demo-people.js';
import { createSelfSignedCert } from './self-signed-cert.js';
import { describeValue } from '../common/unknown-value.js';

export interface DemoOidcUser {
  readonly email: string;
  readonly password: string;
  readonly name: string;
  /** What the provider says in `email_verified` (default true). */
  readonly emailVerified?: boolean;
}

export interface DemoOidcProviderOptions {
  clientId: string;
  clientSecret: string;
  /** The gateway's callback URLs (AUTH0_CALLBACK_URL). */
  redirectUris: readonly string[];
  /** Where /v2/logout may send the browser back to (Auth0's "Allowed Logout URLs"). */
  logoutReturnUrls?: readonly string[];
  /** Who may sign in. Default: the demo's people (demo-people.ts). */
  users?: readonly DemoOidcUser[];
  /**
   * People the sign-in page offers with their credentials, one click each (the demo's). Default:
   * the demo's people when `users` is not given, else none.
   */
  offered?: ReadonlyArray<DemoOidcUser & { readonly label?: string }>;
  host?: string;
  port?: number;
}

export interface DemoOidcProvider {
  readonly clientId: string;
  /** https://127.0.0.1:PORT/ (AUTH0_ISSUER_BASE_URL). */
  readonly issuerUrl: string;
  /** 127.0.0.1:PORT (AUTH0_DOMAIN). */
  readonly domain: string;
  /** PEM file of the provider's self-signed certificate (AUTH0_CA_FILE). */
  readonly caFile: string;
  /** Adds or replaces a user (matched by email). */
  setUser(user: DemoOidcUser): void;
  /** The gateway variables that make it use this provider as its Auth0 (all but SESSION_SECRET). */
  gatewayEnv(): Record<string, string>;
  close(): Promise<void>;
}

const SESSION_COOKIES = ['_session', '_session.sig', '_session.legacy', '_session.legacy.sig'];

export async function startDemoOidcProvider(options: DemoOidcProviderOptions): Promise<DemoOidcProvider> {
  const host = options.host ?? '127.0.0.1';
  const users = new Map<string, DemoOidcUser>();
  const setUser = (user: DemoOidcUser): void => {
    users.set(user.email.toLowerCase(), user);
  };
  for (const user of options.users ?? DEMO_PEOPLE) setUser(user);
  const offered = options.offered ?? (options.users === undefined ? DEMO_PEOPLE : []);
  const byAccountId = (accountId: string): DemoOidcUser | undefined => [...users.values()].find((u) => accountIdOf(u) === accountId);

  const { certPem, keyPem } = createSelfSignedCert({ ipAddresses: [host === 'localhost' ? '127.0.0.1' : host] });
  const dir = mkdtempSync(join(tmpdir(), 'llmgw-oidc-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, certPem);

  // The issuer names the port, so the provider is made once the server listens.
  const ready: { provider?: Provider } = {};
  const server: Server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    if (!ready.provider) {
      res.writeHead(503).end();
      return;
    }
    handle(ready.provider, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`demo OpenID provider error: ${(err as Error).message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const domain = `${host}:${port}`;
  const issuerUrl = `https://${domain}/`;

  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const configuration: Configuration = {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [...options.redirectUris],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
        id_token_signed_response_alg: 'RS256',
      },
    ],
    routes: { authorization: '/authorize', token: '/oauth/token', userinfo: '/userinfo', jwks: '/.well-known/jwks.json' },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx, sub): Account | undefined => {
      const user = byAccountId(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, email: user.email, email_verified: user.emailVerified ?? true, name: user.name }),
      };
    },
    adapter: memoryAdapter(),
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 86400, Grant: 86400 },
    jwks: { keys: [{ ...signingKey, kid: 'demo', use: 'sig', alg: 'RS256' }] },
  };
  const provider = new Provider(issuerUrl, configuration);
  ready.provider = provider;
  const callback = provider.callback();
  const logoutReturnUrls = new Set(options.logoutReturnUrls ?? []);

  async function handle(p: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', issuerUrl);
    const interaction = /^\/interaction\/([\w-]+)(\/login)?$/.exec(url.pathname);
    if (interaction && req.method === 'GET' && !interaction[2]) return showInteraction(p, req, res);
    if (interaction && req.method === 'POST' && interaction[2]) return submitLogin(p, req, res);
    if (url.pathname === '/v2/logout') return logout(url, res);
    await callback(req, res);
  }

  async function showInteraction(p: Provider, req: IncomingMessage, res: ServerResponse, error?: string): Promise<void> {
    const details = await p.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      page(res, error ? 401 : 200, loginForm(details.uid, describeValue(details.params.login_hint ?? ''), offered, error));
      return;
    }
    // Consent: a first-party application, granted what it asked for.
    const accountId = details.session?.accountId;
    if (!accountId) throw new Error('consent without a signed-in account');
    const grant = details.grantId
      ? await p.Grant.find(details.grantId)
      : new p.Grant({ accountId, clientId: String(details.params.client_id) });
    if (!grant) throw new Error('grant not found');
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    await p.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }

  async function submitLogin(p: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const user = users.get(
      String(form.get('email') ?? '')
        .trim()
        .toLowerCase(),
    );
    if (!user || !equalSecrets(user.password, String(form.get('password') ?? ''))) {
      return showInteraction(p, req, res, 'Wrong email or password.');
    }
    await p.interactionFinished(req, res, { login: { accountId: accountIdOf(user) } }, { mergeWithLastSubmission: false });
  }

  /** Auth0's logout endpoint: forget the provider session, then go back where the gateway asked. */
  function logout(url: URL, res: ServerResponse): void {
    const returnTo = url.searchParams.get('returnTo') ?? '';
    res.setHeader(
      'set-cookie',
      SESSION_COOKIES.map((name) => `${name}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`),
    );
    if (!logoutReturnUrls.has(returnTo)) {
      page(res, 400, '<h1>Signed out</h1><p>The returnTo address is not an allowed logout URL.</p>');
      return;
    }
    res.writeHead(302, { location: returnTo }).end();
  }

  return {
    clientId: options.clientId,
    issuerUrl,
    domain,
    caFile,
    setUser,
    gatewayEnv: () => ({
      AUTH0_DOMAIN: domain,
      AUTH0_CLIENT_ID: options.clientId,
      AUTH0_CLIENT_SECRET: options.clientSecret,
      AUTH0_ISSUER_BASE_URL: issuerUrl,
      AUTH0_CA_FILE: caFile,
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

/** The provider's state (sessions, codes, grants) in this process only, as befits a demo; gone on exit. */
function memoryAdapter(): AdapterFactory {
  const store = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  const live = (key: string): AdapterPayload | undefined => {
    const entry = store.get(key);
    if (entry && entry.expiresAt <= Date.now()) store.delete(key);
    return entry && entry.expiresAt > Date.now() ? entry.payload : undefined;
  };
  return (name: string): Adapter => ({
    upsert: (id, payload, expiresIn) => {
      store.set(`${name}:${id}`, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY });
      return Promise.resolve();
    },
    find: (id) => Promise.resolve(live(`${name}:${id}`)),
    findByUid: (uid) =>
      Promise.resolve([...store.keys()].map((k) => (k.startsWith(`${name}:`) ? live(k) : undefined)).find((p) => p?.uid === uid)),
    findByUserCode: (userCode) =>
      Promise.resolve([...store.keys()].map((k) => (k.startsWith(`${name}:`) ? live(k) : undefined)).find((p) => p?.userCode === userCode)),
    consume: (id) => {
      const payload = live(`${name}:${id}`);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      return Promise.resolve();
    },
    destroy: (id) => {
      store.delete(`${name}:${id}`);
      return Promise.resolve();
    },
    revokeByGrantId: (grantId) => {
      for (const [key, entry] of store) if (entry.payload.grantId === grantId) store.delete(key);
      return Promise.resolve();
    },
  });
}

function accountIdOf(user: DemoOidcUser): string {
  return `auth0|${createHash('sha256').update(user.email.toLowerCase()).digest('hex').slice(0, 24)}`;
}

function equalSecrets(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return ha.equals(hb);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function page(res: ServerResponse, status: number, body: string): void {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Demo sign-in</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}label{display:block;margin:.8rem 0}
input{width:100%;padding:.4rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1.2rem}.error{color:#b00020}</style>
</head><body>${body}</body></html>`;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
}

function loginForm(
  uid: string,
  loginHint: string,
  offered: ReadonlyArray<DemoOidcUser & { readonly label?: string }>,
  error?: string,
): string {
  const action = `/interaction/${escapeHtml(uid)}/login`;
  const people = offered
    .map(
      (
        p,
      ) => `<li><form method="post" action="${action}"><input type="hidden" name="email" value="${escapeHtml(p.email)}"><input type="hidden" name="password" value="${escapeHtml(p.password)}">
<button type="submit">Sign in as ${escapeHtml(p.name)}</button> <code>${escapeHtml(p.email)}</code>${p.label ? ` (${escapeHtml(p.label)})` : ''}</form></li>`,
    )
    .join('\n');
  const intro =
    offered.length > 0
      ? `<p>This local provider stands in for Auth0. Pick someone (password <code>${escapeHtml(offered[0].password)}</code>), or sign in below.</p><ul>${people}</ul>`
      : '<p>This local provider stands in for Auth0.</p>';
  return `<h1>Demo identity provider</h1>
${intro}
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${action}">
<label>Email <input name="email" type="email" autocomplete="username" value="${escapeHtml(loginHint)}" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
