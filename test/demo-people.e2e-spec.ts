/**
 * The demo's sign-in offers three people (a plain user, an admin, the super admin), defined once
 * in src/demo/demo-people.ts, and each lands with that role: every page can be tried.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type DemoOidcProvider, startDemoOidcProvider } from '../src/demo/demo-oidc-provider.js';
import { DEMO_PEOPLE, demoRoleEnv } from '../src/demo/demo-people.js';
import { Browser } from './support/browser.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { auth0Env, signIn, startLogin, TEST_CLIENT_ID, TEST_CLIENT_SECRET } from './support/oidc-provider.js';
import { freePort } from './support/redis-server.js';

describe("the demo's people", () => {
  let gwUrl: string;
  let provider: DemoOidcProvider;
  let ca: string;
  let stack: GatewayStack;

  beforeAll(async () => {
    gwUrl = `http://127.0.0.1:${await freePort()}`;
    // As the demo starts it: no user list given, so the demo's people sign in and are offered.
    provider = await startDemoOidcProvider({
      clientId: TEST_CLIENT_ID,
      clientSecret: TEST_CLIENT_SECRET,
      redirectUris: [`${gwUrl}/auth/callback`],
      logoutReturnUrls: [`${gwUrl}/`],
    });
    ca = readFileSync(provider.caFile, 'utf8');
    stack = await startGatewayStack({ env: { ...auth0Env(provider, gwUrl), ...demoRoleEnv() } });
  });
  afterAll(async () => {
    await stack?.close();
    await provider?.close();
  });

  it('are three: a plain user, an admin and the super admin', () => {
    expect(DEMO_PEOPLE.map((p) => p.role)).toEqual(['user', 'admin', 'super_admin']);
  });

  it('are offered on the sign-in page, one click each', async () => {
    const browser = new Browser(ca);
    const login = await startLogin(browser, gwUrl);
    let res = await browser.get(login.location ?? '');
    while (res.location) res = await browser.get(res.location);
    for (const person of DEMO_PEOPLE) {
      expect(res.body).toContain(`Sign in as ${person.name}`);
      expect(res.body).toContain(`value="${person.email}"`);
    }
  });

  it.each(DEMO_PEOPLE.map((p) => [p.label, p] as const))('signs in the %s with that role', async (_label, person) => {
    const browser = new Browser(ca);
    const { response } = await signIn(browser, gwUrl, person);
    expect(response.status).toBe(302);
    const me = await browser.get(`${gwUrl}/api/me`);
    expect(me.json()).toMatchObject({ email: person.email, role: person.role });
  });
});
