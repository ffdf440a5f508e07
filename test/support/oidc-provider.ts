/**
 * The OpenID provider that stands in for Auth0 in e2e tests (the demo's, over HTTPS with a
 * certificate made at start), the gateway environment that points at it, and a driver that
 * walks a Browser through the whole redirect flow.
 */
import { readFileSync } from 'node:fs';
import { type DemoOidcProvider, type DemoOidcUser, startDemoOidcProvider } from '../../src/demo/demo-oidc-provider.js';
import { Browser, type BrowserResponse } from './browser.js';

export const TEST_CLIENT_ID = 'llm-gateway-e2e';
export const TEST_CLIENT_SECRET = 'e2e-client-secret-that-is-long-enough-0123456789';
export const TEST_SESSION_SECRET = 'e2e-session-secret-that-is-long-enough-0123456789';

export interface TestOidcProvider extends DemoOidcProvider {
  /** The provider's certificate, for Browser instances. */
  readonly ca: string;
  newBrowser(): Browser;
}

export async function startTestOidcProvider(gatewayUrl: string, users: readonly DemoOidcUser[]): Promise<TestOidcProvider> {
  const provider = await startDemoOidcProvider({
    clientId: TEST_CLIENT_ID,
    clientSecret: TEST_CLIENT_SECRET,
    redirectUris: [`${gatewayUrl}/auth/callback`],
    logoutReturnUrls: [`${gatewayUrl}/`],
    users,
  });
  const ca = readFileSync(provider.caFile, 'utf8');
  return {
    clientId: provider.clientId,
    gatewayEnv: () => provider.gatewayEnv(),
    issuerUrl: provider.issuerUrl,
    domain: provider.domain,
    caFile: provider.caFile,
    setUser: (user) => provider.setUser(user),
    close: () => provider.close(),
    ca,
    newBrowser: () => new Browser(ca),
  };
}

/** The variables an operator would set to use this provider as Auth0. */
export function auth0Env(provider: DemoOidcProvider, gatewayUrl: string): Record<string, string> {
  return { ...provider.gatewayEnv(), PUBLIC_URL: gatewayUrl, PORT: new URL(gatewayUrl).port, SESSION_SECRET: TEST_SESSION_SECRET };
}

export interface Credentials {
  email: string;
  password: string;
}

export interface SignIn {
  /** Where the provider sent the browser back to (the gateway's callback, with code and state). */
  readonly callbackUrl: string;
  /** The gateway's answer to the callback. */
  readonly response: BrowserResponse;
}

/** GET /auth/login on the gateway: the response that should send the browser to the provider. */
export function startLogin(browser: Browser, gatewayUrl: string, returnTo?: string): Promise<BrowserResponse> {
  const query = returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(returnTo)}`;
  return browser.get(`${gatewayUrl}/auth/login${query}`);
}

/**
 * Follows the provider's redirects from its /authorize URL, signing in on its login form, until
 * it sends the browser back to the gateway; returns that callback URL without visiting it.
 */
export async function passProvider(browser: Browser, authorizeUrl: string, credentials: Credentials, gatewayUrl: string): Promise<string> {
  let url = authorizeUrl;
  for (let hop = 0; hop < 12; hop++) {
    if (url.startsWith(gatewayUrl)) return url;
    const res = await browser.get(url);
    if (res.location) {
      url = res.location;
      continue;
    }
    const action = /<form method="post" action="([^"]+)"/.exec(res.body)?.[1];
    if (res.status !== 200 || !action) throw new Error(`provider answered ${res.status} at ${url}: ${res.body.slice(0, 300)}`);
    const submitted = await browser.post(new URL(action, url).toString(), {
      form: { email: credentials.email, password: credentials.password },
    });
    if (!submitted.location) throw new Error(`provider refused the sign-in (${submitted.status}): ${submitted.body.slice(0, 300)}`);
    url = submitted.location;
  }
  throw new Error('too many redirects at the provider');
}

/** The whole flow: /auth/login, the provider's login form, back to /auth/callback. */
export async function signIn(browser: Browser, gatewayUrl: string, credentials: Credentials, returnTo?: string): Promise<SignIn> {
  const login = await startLogin(browser, gatewayUrl, returnTo);
  if (login.status !== 302 || !login.location) throw new Error(`/auth/login answered ${login.status}: ${login.body.slice(0, 300)}`);
  const callbackUrl = await passProvider(browser, login.location, credentials, gatewayUrl);
  const response = await browser.get(callbackUrl);
  return { callbackUrl, response };
}
