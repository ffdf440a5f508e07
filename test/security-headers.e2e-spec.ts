/**
 * Security headers on every answer, end to end: pages, the REST API, /health, /docs, errors, 404s
 * and /v1 carry a strict Content-Security-Policy (no inline script anywhere), X-Frame-Options
 * DENY, nosniff and Referrer-Policy same-origin. DOCS_ENABLED=false removes /docs and /docs-json.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { auth0Env, signIn, startTestOidcProvider, type TestOidcProvider } from './support/oidc-provider.js';
import { freePort } from './support/redis-server.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

const STRICT = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

function expectSecurityHeaders(label: string, headers: Headers): void {
  expect([label, headers.get('x-frame-options')]).toEqual([label, 'DENY']);
  expect([label, headers.get('x-content-type-options')]).toEqual([label, 'nosniff']);
  expect([label, headers.get('referrer-policy')]).toEqual([label, 'same-origin']);
  const csp = headers.get('content-security-policy') ?? '';
  for (const directive of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
    expect([label, csp.split('; ')]).toEqual([label, expect.arrayContaining([directive])]);
  }
  // No page may run inline script: script-src never widens.
  expect([label, /script-src [^;]*(unsafe|sha256|nonce)/.test(csp)]).toEqual([label, false]);
}

/** Every <script> of an HTML page loads a file; none carries code inline. */
function inlineScripts(html: string): string[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/gi)]
    .filter(([, attrs, body]) => !/\bsrc=/.test(attrs) || body.trim() !== '')
    .map(([tag]) => tag);
}

describe('security headers', () => {
  let gwUrl: string;
  let provider: TestOidcProvider;
  let stack: GatewayStack;

  beforeAll(async () => {
    gwUrl = `http://127.0.0.1:${await freePort()}`;
    provider = await startTestOidcProvider(gwUrl, [{ email: 'alice@example.com', password: 'pw', name: 'Alice' }]);
    stack = await startGatewayStack({ env: auth0Env(provider, gwUrl) });
  });
  afterAll(async () => {
    await stack?.close();
    await provider?.close();
  });

  it.each([
    ['GET', '/', 200],
    ['GET', '/auth/logout', 200],
    ['GET', '/auth/login', 302],
    ['GET', '/auth/callback?code=x&state=y', 403],
    ['GET', '/health', 200],
    ['GET', '/docs', 200],
    ['GET', '/docs/swagger-ui-init.js', 200],
    ['GET', '/docs-json', 200],
    ['GET', '/api/me', 401],
    ['GET', '/api/admin/bans', 401],
    ['GET', '/no/such/page', 404],
    ['GET', '/AUTH/logout', 404],
    ['HEAD', '/', 200],
    ['OPTIONS', '/api/me', 404],
  ])('%s %s (%i) carries them', async (method, path, status) => {
    const res = await fetch(`${gwUrl}${path}`, { method, redirect: 'manual' });
    expect(res.status).toBe(status);
    expectSecurityHeaders(`${method} ${path}`, res.headers);
  });

  it('a malformed JSON body (400 from the body parser) carries them', async () => {
    const { token } = await stack.mint('bob@example.com');
    const res = await fetch(`${gwUrl}/api/token/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"token_name":',
    });
    expect(res.status).toBe(400);
    expectSecurityHeaders('bad json', res.headers);
    const ok = await fetch(`${gwUrl}/api/token/list`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expectSecurityHeaders('token list', ok.headers);
    expect(ok.headers.get('content-security-policy')).toBe(STRICT);
  });

  it('/v1 answers carry them too: a refusal from the proxy and an upstream answer passed through', async () => {
    const refused = await fetch(`${gwUrl}/v1/models`);
    expect(refused.status).toBe(401);
    expectSecurityHeaders('/v1 refused', refused.headers);
    const { token } = await stack.mint('carol@example.com');
    const answered = await fetch(`${gwUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(answered.status).toBe(200);
    expectSecurityHeaders('/v1 answered', answered.headers);
  });

  // `/` is the web app's page now (test/web-serving.e2e-spec.ts holds its policy).
  it('the login pages run no script; their one inline style is let in by its hash, and the logout form may reach the provider', async () => {
    const browser = provider.newBrowser();
    await signIn(browser, gwUrl, { email: 'alice@example.com', password: 'pw' });
    for (const path of ['/auth/logout']) {
      const page = await browser.get(`${gwUrl}${path}`);
      expect(page.body).toContain('<form method="post" action="/auth/logout">');
      expect(page.body).not.toMatch(/<script/i);
      expect(page.body).not.toMatch(/ on[a-z]+=/i);
      const style = /<style>([\s\S]*?)<\/style>/.exec(page.body)?.[1] ?? '';
      const hash = `'sha256-${createHash('sha256').update(style).digest('base64')}'`;
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toBe(
        `${STRICT.replace("form-action 'self'", `form-action 'self' ${new URL(provider.issuerUrl).origin}`)}; style-src 'self' ${hash}`,
      );
    }
  });

  it('Swagger UI at /docs loads only files (script-src stays self); its styles and data: icons are allowed', async () => {
    const res = await fetch(`${gwUrl}/docs`);
    const html = await res.text();
    expect(html).toContain('swagger-ui-init.js');
    expect(inlineScripts(html)).toEqual([]);
    expect(res.headers.get('content-security-policy')).toBe(`${STRICT}; style-src 'self' 'unsafe-inline'; img-src 'self' data:`);
  });
});

describe('DOCS_ENABLED=false', () => {
  let stack: GatewayStack;
  let gw: TestApp;

  beforeAll(async () => {
    stack = await startGatewayStack();
    gw = await startTestApp(testEnv(stack.redis.url, { DOCS_ENABLED: 'false' }));
  });
  afterAll(async () => {
    await gw?.close();
    await stack?.close();
  });

  it('serves neither /docs nor /docs-json (404 with the headers), while DOCS_ENABLED=true on the same Redis does', async () => {
    for (const path of ['/docs', '/docs/', '/docs/swagger-ui-init.js', '/docs-json']) {
      const off = await fetch(`${gw.url}${path}`);
      expect([path, off.status]).toEqual([path, 404]);
      expectSecurityHeaders(path, off.headers);
      expect([path, (await fetch(`${stack.gw.url}${path}`)).status]).toEqual([path, 200]);
    }
  });
});
