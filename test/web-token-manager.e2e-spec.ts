/**
 * The home page and the Token Manager in a real browser (Debian's chromium) against the real
 * gateway, a real redis-server and the real OpenID provider: signing in, creating a token and
 * using it with the OpenAI SDK, revoking it, validation next to the fields, markup shown as text,
 * a phone-sized screen, the keyboard, an axe-core scan, and no CSP violation anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import type { DemoOidcUser } from '../src/demo/demo-oidc-provider.js';
import { WebAssets } from '../src/web/web-assets.js';
import {
  axe,
  fillProviderForm,
  launchChromium,
  seriousViolations,
  signInWithBrowser,
  type WebBrowser,
  type WebPage,
} from './support/chromium.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { auth0Env, startTestOidcProvider, type TestOidcProvider } from './support/oidc-provider.js';
import { freePort } from './support/redis-server.js';

const person = (email: string, name = `Name of ${email}`): DemoOidcUser => ({ email, password: `pw-${email}`, name });
const UMA = person('uma@example.com', 'Uma User');
const VAL = person('val@example.com');
const PHONE = person('phone@example.com');
const XSS_NAME = `<img src=x onerror="document.title='pwned'">`;
const XSS = person('xss@example.com', XSS_NAME);

describe('web pages: home and Token Manager in a browser', () => {
  let gwUrl: string;
  let provider: TestOidcProvider;
  let stack: GatewayStack;
  let chromium: WebBrowser;

  /** A fresh browser context signed in as `user`, on `path`. */
  const signedIn = async (user: DemoOidcUser, path = '/', options?: Parameters<WebBrowser['newPage']>[0]): Promise<WebPage> => {
    const web = await chromium.newPage(options);
    await signInWithBrowser(web.page, gwUrl, user, path);
    return web;
  };
  const expectClean = async (web: WebPage): Promise<void> => {
    expect(seriousViolations(await axe(web.page))).toEqual([]);
    expect(web.problems.csp).toEqual([]);
    expect(web.problems.all).toEqual([]);
  };
  const openai = (token: string): OpenAI => new OpenAI({ apiKey: token, baseURL: `${gwUrl}/v1`, maxRetries: 0 });

  beforeAll(async () => {
    gwUrl = `http://127.0.0.1:${await freePort()}`;
    provider = await startTestOidcProvider(gwUrl, [UMA, VAL, PHONE, XSS]);
    // A redis-server of its own: one test freezes it.
    stack = await startGatewayStack({
      env: { ...auth0Env(provider, gwUrl), TOKEN_MAX_DAYS: '90', TOKEN_DEFAULT_DAYS: '30' },
      ownRedis: true,
    });
    if (!stack.gw.get<WebAssets>(WebAssets).built) throw new Error('The web pages are not built: npm run build:web');
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
    await provider?.close();
  });

  it('shows a signed-out visitor a sign-in button that goes through the provider and back to a page saying who they are', async () => {
    const web = await chromium.newPage();
    const { page } = web;
    await page.goto(`${gwUrl}/`);
    const signIn = page.getByRole('link', { name: 'Sign in' });
    await signIn.waitFor();
    await expectClean(web);

    await signIn.click();
    await page.waitForURL((u) => u.href.startsWith(provider.issuerUrl));
    await fillProviderForm(page, UMA);
    await page.getByRole('heading', { name: 'Welcome, Uma User' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await expect(page.locator('main').textContent()).resolves.toContain(UMA.email);
    await page.getByRole('heading', { name: 'Your API tokens' }).waitFor();
    await page.getByText('of 20 allowed').waitFor();
    // A plain user's links: the Token Manager, not the admin pages.
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Home', 'Token Manager']);
    expect(await page.getByRole('link', { name: /Token & Session Manager|Admin Manager/ }).count()).toBe(0);
    await expectClean(web);
    await web.context.close();
  });

  it('sends a signed-out visitor of /token-manager to sign in, then back to the Token Manager', async () => {
    const web = await chromium.newPage();
    await web.page.goto(`${gwUrl}/token-manager`);
    await web.page.waitForURL((u) => u.href.startsWith(provider.issuerUrl));
    await fillProviderForm(web.page, UMA);
    await web.page.getByRole('heading', { name: 'Token Manager' }).waitFor();
    expect(new URL(web.page.url()).pathname).toBe('/token-manager');
    expect(web.problems.all).toEqual([]);
    await web.context.close();
  });

  it('creates a token shown once, copies it, uses it with the OpenAI SDK, revokes it after a confirm, and the next call fails', async () => {
    const web = await signedIn(UMA, '/token-manager');
    const { page } = web;
    await page.getByText('You have no live token', { exact: false }).or(page.getByText('No live tokens.')).waitFor();

    await page.getByLabel('Name').fill('laptop claude-code');
    await page.getByRole('button', { name: '7 days' }).click();
    await expect(page.getByRole('button', { name: '7 days' }).getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(page.getByLabel('Lifetime in days').inputValue()).resolves.toBe('7');
    await page.getByRole('button', { name: 'Create token' }).click();

    const shown = page.getByLabel('Your new token');
    await shown.waitFor();
    const token = await shown.inputValue();
    expect(token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    // The expiry in the viewer's time zone (the browser's is Europe/Berlin, not the machine's), with a relative hint.
    const [record] = await stack.tokens.list(UMA.email);
    const berlin = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Berlin' });
    expect(await page.locator('#issued-warning time').textContent()).toBe(`${berlin.format(record.expiresAt)} (in 7 days)`);
    await page.getByRole('button', { name: 'Copy token' }).click();
    await page.getByText('Copied').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(token);

    // Snippets are filled in with this gateway's URL and the token.
    const snippet = page.locator('pre.code');
    expect(await snippet.textContent()).toContain(`curl ${gwUrl}/v1/chat/completions`);
    await page.getByRole('tab', { name: 'Claude Code' }).click();
    expect(await snippet.textContent()).toContain(`export ANTHROPIC_BASE_URL=${gwUrl}\nexport ANTHROPIC_AUTH_TOKEN=${token}`);
    await page.getByRole('tab', { name: 'OpenAI SDK' }).click();
    expect(await snippet.textContent()).toContain(`base_url="${gwUrl}/v1", api_key="${token}"`);
    await page.getByRole('tab', { name: 'Anthropic SDK' }).click();
    expect(await snippet.textContent()).toContain(`base_url="${gwUrl}", api_key="${token}"`);
    await page.getByRole('tab', { name: 'Roo Code' }).click();
    expect(await snippet.textContent()).toContain(`Base URL:     ${gwUrl}/v1`);
    await expectClean(web);

    const reply = await openai(token).chat.completions.create({
      model: 'echo-1',
      messages: [{ role: 'user', content: 'hello from the token manager' }],
    });
    expect(reply.choices[0].message.content).toContain('hello from the token manager');

    // Shown once: gone from the page after "I have saved it", and not there after a reload.
    await page.getByRole('button', { name: 'I have saved it' }).click();
    await page.getByRole('heading', { name: 'Create a token' }).waitFor();
    expect(await page.content()).not.toContain(token);
    await page.reload();
    const row = page.getByRole('row', { name: /laptop claude-code/ });
    await row.waitFor();
    expect(await page.content()).not.toContain(token);

    await row.getByRole('button', { name: /Details/ }).click();
    await page.getByText('Token id').waitFor();
    await row.getByRole('button', { name: /Revoke/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke “laptop claude-code”?' });
    await dialog.waitFor();
    // Cancel first: nothing happens.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await openai(token).models.list()).data.length).toBeGreaterThan(0);

    await row.getByRole('button', { name: /Revoke/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
    await page.getByText('Token “laptop claude-code” revoked').waitFor();
    await page.getByText('No live tokens.').waitFor();
    await expect(
      openai(token).chat.completions.create({ model: 'echo-1', messages: [{ role: 'user', content: 'again' }] }),
    ).rejects.toMatchObject({ status: 401 });
    expect(web.problems.all).toEqual([]);
    await web.context.close();
  });

  it("shows the gateway's validation errors next to the field they are about, and creates nothing", async () => {
    const web = await signedIn(VAL, '/token-manager');
    const { page } = web;
    const name = page.getByLabel('Name');
    const days = page.getByLabel('Lifetime in days');
    const create = page.getByRole('button', { name: 'Create token' });
    await name.waitFor();

    await create.click();
    await expect(page.locator('#token-name-error').textContent()).resolves.toContain('Give the token a name');
    await expect(name.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(name.getAttribute('aria-describedby')).resolves.toContain('token-name-error');
    expect(await page.evaluate('document.activeElement.id')).toBe('token-name');

    // The gateway's rule on the name's characters (a zero-width space is a format character) comes back and lands under the name.
    await name.fill('bad\u200bname');
    await create.click();
    await expect(page.locator('#token-name-error').textContent()).resolves.toMatch(/printable characters/);
    await expect(page.locator('#token-days-error').count()).resolves.toBe(0);

    // The lifetime's bounds (TOKEN_MAX_DAYS is 90 here) land under the lifetime.
    await name.fill('good name');
    await days.fill('91');
    await create.click();
    await expect(page.locator('#token-days-error').textContent()).resolves.toMatch(/90 days/);
    await page.locator('#token-name-error').waitFor({ state: 'detached' });
    await days.fill('0');
    await create.click();
    await expect(page.locator('#token-days-error').textContent()).resolves.toContain('at least 1');
    await expect(days.getAttribute('aria-invalid')).resolves.toBe('true');
    expect((await stack.tokens.list(VAL.email)).length).toBe(0);
    await expectClean(web);
    await web.context.close();
  });

  it('renders markup in a name as text: no element is made from it and no script runs', async () => {
    const web = await signedIn(XSS, '/');
    const { page } = web;
    await page.getByRole('heading', { name: /Welcome/ }).waitFor();
    expect(await page.getByRole('heading', { name: /Welcome/ }).textContent()).toBe(`Welcome, ${XSS_NAME}`);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.title()).toBe('LLM Gateway');

    // A token name may hold any printable text, markup included: it is shown as typed, everywhere.
    await page.goto(`${gwUrl}/token-manager`);
    await page.getByLabel('Name').fill(XSS_NAME);
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByLabel('Your new token').waitFor();
    expect(await page.locator('#issued-title').textContent()).toBe(`Token “${XSS_NAME}” created`);
    await page.getByRole('button', { name: 'I have saved it' }).click();
    const row = page.getByRole('region', { name: 'Your token list' }).getByRole('row').nth(1);
    expect(await row.getByRole('rowheader').textContent()).toBe(XSS_NAME);
    await row.getByRole('button', { name: /Revoke/ }).click();
    await page
      .getByRole('dialog', { name: `Revoke “${XSS_NAME}”?` })
      .getByRole('button', { name: 'Cancel' })
      .click();
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.title()).toBe('Token Manager · LLM Gateway');
    expect(web.problems.all).toEqual([]);
    await web.context.close();
  });

  it('fits a phone screen: nothing wider than the screen, the table becomes cards', async () => {
    const { token } = await stack.mint(PHONE.email, { name: 'phone laptop' });
    expect(token).toBeTruthy();
    const web = await signedIn(PHONE, '/token-manager', { viewport: { width: 375, height: 740 } });
    const { page } = web;
    await page.getByRole('row', { name: /phone laptop/ }).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    // Each cell says which column it is, as the header row is hidden.
    expect(await page.evaluate(`getComputedStyle(document.querySelector('td[data-label="Expires"]'), '::before').content`)).toBe(
      '"Expires"',
    );
    await expectClean(web);
    await web.context.close();
  });

  it('is usable from the keyboard with a visible focus: skip link, form, presets and submit', async () => {
    const web = await signedIn(VAL, '/token-manager');
    const { page } = web;
    await page.getByLabel('Name').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    expect(await page.evaluate(`getComputedStyle(document.activeElement).outlineStyle`)).not.toBe('none');
    await page.keyboard.press('Enter');
    // From the main content, the first control is the token name.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.id')).toBe('token-name');
    await page.keyboard.type('keyboard');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.id')).toBe('token-days');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('1 day');
    await page.keyboard.press('Enter');
    await expect(page.getByLabel('Lifetime in days').inputValue()).resolves.toBe('1');
    await page.getByLabel('Name').press('Enter');
    await page.getByLabel('Your new token').waitFor();
    const [token] = await stack.tokens.list(VAL.email);
    expect(token.name).toBe('keyboard');
    expect(token.expiresAt - token.createdAt).toBe(86400_000);
    await web.context.close();
  });

  it('says in words when the gateway cannot answer (Redis frozen), offers to try again, and works again once it is back', async () => {
    const web = await signedIn(VAL, '/token-manager');
    const { page } = web;
    await page.getByRole('heading', { name: 'Your live tokens' }).waitFor();
    await page.locator('.state-loading').waitFor({ state: 'detached' });
    stack.redis.pause();
    try {
      await page.getByLabel('Name').fill('while redis sleeps');
      await page.getByRole('button', { name: 'Create token' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toBe('The gateway is temporarily unavailable. Try again in a moment.');
      await page.reload();
      const failed = page.getByRole('main').getByRole('alert');
      await expect(failed.textContent()).resolves.toContain('The gateway is temporarily unavailable');
    } finally {
      stack.redis.resume();
    }
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Your live tokens' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(seriousViolations(await axe(page))).toEqual([]);
    // Chrome logs the 503 answers themselves; nothing else went wrong.
    expect(web.problems.all.filter((p) => !/status of 503/.test(p))).toEqual([]);
    await web.context.close();
  });

  it('signs out with a POST carrying the CSRF token: the session ends and the home page offers sign-in again', async () => {
    const web = await signedIn(UMA, '/');
    const { page } = web;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.href === `${gwUrl}/`);
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    expect((await page.request.get(`${gwUrl}/api/me`)).status()).toBe(401);
    await web.context.close();
  });
});
