/**
 * The admin pages in a real browser (Debian's chromium) against the real gateway, a real
 * redis-server and the real OpenID provider: the Token & Session Manager (stat cards, debounced
 * search, BAN with a reason seen by the banned person's open page at its next action, unban, force
 * logout, token states, cleanup preview -> execute with live progress -> the run in the logs, the
 * audit trail) and the Admin Manager (add and remove an admin), each scanned with axe-core.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { jobToHash } from '../src/cleanup/cleanup-job.js';
import { CleanupRepository } from '../src/cleanup/cleanup.repository.js';
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
const ROOT = person('root@example.com', 'Rho Root');
const ADMIN = person('admin@example.com', 'Ada Admin');
const BOB = person('bob@example.com', 'Bob');
const PLAIN = person('plain@example.com');
const XSS_REASON = `<img src=x onerror="document.title='pwned'"> shared a token`;
const XSS_TOKEN_NAME = `<img src=x onerror="document.title='pwned'">`;
const DAY = 86400_000;
const STALE_AUDIT_ENTRIES = 50;
const STALE_TOKENS = 20;

describe('web pages: the admin pages in a browser', () => {
  let gwUrl: string;
  let provider: TestOidcProvider;
  let stack: GatewayStack;
  let chromium: WebBrowser;
  let admin: WebPage;

  const signedIn = async (user: DemoOidcUser, path = '/', options?: Parameters<WebBrowser['newPage']>[0]): Promise<WebPage> => {
    const web = await chromium.newPage(options);
    await signInWithBrowser(web.page, gwUrl, user, path);
    return web;
  };
  const expectAccessible = async (web: WebPage, what: string): Promise<void> => {
    expect({ what, violations: seriousViolations(await axe(web.page)) }).toEqual({ what, violations: [] });
  };
  const expectClean = (web: WebPage): void => {
    expect(web.problems.csp).toEqual([]);
    expect(web.problems.all).toEqual([]);
  };
  const llm = (token: string) =>
    new OpenAI({ apiKey: token, baseURL: `${gwUrl}/v1`, maxRetries: 0 }).chat.completions.create({
      model: 'echo-1',
      messages: [{ role: 'user', content: 'hi' }],
    });
  const tab = async (name: string): Promise<void> => {
    await admin.page.getByRole('tab', { name }).click();
    await admin.page.getByRole('tabpanel', { name }).waitFor();
  };

  // Audit entries take increasing ids only, so the old ones go in before any admin action; fewer
  // than a stream node holds, so the rough trim on each new entry leaves them for the cleanup.
  const seedOldAuditEntries = async (): Promise<void> => {
    const old = Date.now() - 3 * DAY;
    const pipeline = stack.redis.client().pipeline();
    for (let i = 0; i < STALE_AUDIT_ENTRIES; i++)
      pipeline.xadd(stack.keys.auditLog(), `${old + i}-0`, 'ts', String(old + i), 'action', 'user.ban', 'actor', 'old@example.com');
    await pipeline.exec();
  };
  const seedGoneTokens = async (): Promise<void> => {
    for (let i = 0; i < STALE_TOKENS; i++) {
      const { record } = await stack.mint(`gone${i}@example.com`, { name: 'old' });
      await stack.redis.client().del(stack.keys.token(record.email, record.tokenId));
    }
  };

  beforeAll(async () => {
    gwUrl = `http://127.0.0.1:${await freePort()}`;
    provider = await startTestOidcProvider(gwUrl, [ROOT, ADMIN, BOB, PLAIN]);
    stack = await startGatewayStack({
      env: { ...auth0Env(provider, gwUrl), ADMIN_EMAILS: ADMIN.email, SUPER_ADMIN_EMAIL: ROOT.email, AUDIT_RETENTION_DAYS: '1' },
    });
    if (!stack.gw.get<WebAssets>(WebAssets).built) throw new Error('The web pages are not built: npm run build:web');
    await seedOldAuditEntries();
    chromium = await launchChromium();
    admin = await signedIn(ADMIN, '/token-session-manager');
  });
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
    await provider?.close();
  });

  it('sends a signed-out visitor of a dashboard tab to sign in, then back to that tab', async () => {
    const web = await chromium.newPage();
    await web.page.goto(`${gwUrl}/token-session-manager#cleanup`);
    await web.page.waitForURL((u) => u.href.startsWith(provider.issuerUrl));
    await fillProviderForm(web.page, ADMIN);
    await web.page.getByRole('tabpanel', { name: 'Cleanup' }).waitFor();
    const landed = new URL(web.page.url());
    expect([landed.pathname, landed.hash]).toEqual(['/token-session-manager', '#cleanup']);
    expect(await web.page.getByRole('tab', { name: 'Cleanup' }).getAttribute('aria-selected')).toBe('true');
    expectClean(web);
    await web.context.close();
  });

  it('shows a person who is not an admin a clear "not allowed" page on both admin pages', async () => {
    const plain = await signedIn(PLAIN, '/token-session-manager');
    await plain.page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    expect(await plain.page.locator('main').textContent()).toContain('This page is for admins');
    await plain.page.goto(`${gwUrl}/admin-manager`);
    await plain.page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    // The links by role: an admin gets the Token & Session Manager, not the Admin Manager.
    await admin.page.goto(`${gwUrl}/`);
    await admin.page.getByRole('heading', { name: 'Welcome, Ada Admin' }).waitFor();
    expect(await admin.page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual([
      'Home',
      'Token Manager',
      'Token & Session Manager',
    ]);
    expect(
      await admin.page
        .getByRole('main')
        .getByRole('link', { name: /Token & Session Manager/ })
        .count(),
    ).toBe(1);
    // An admin who is not the super admin may not open the Admin Manager either.
    await admin.page.goto(`${gwUrl}/admin-manager`);
    await admin.page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    expect(await admin.page.getByRole('button', { name: 'Add admin' }).count()).toBe(0);
    await expectAccessible(plain, 'not allowed page');
    expectClean(plain);
    await plain.context.close();
    await admin.page.goto(`${gwUrl}/token-session-manager`);
  });

  it('shows the stat cards and searches users as typed, once typing pauses (debounced), matching the text literally', async () => {
    const { page } = admin;
    // Bob is active: he has used a token.
    await llm((await stack.mint(BOB.email, { name: 'bob-cli' })).token);
    await page.reload();
    await page.getByRole('heading', { name: 'Active users', exact: true }).waitFor();
    const card = (label: string) => page.locator('.stat', { has: page.getByText(label, { exact: true }) }).locator('.stat-value');
    await card('Live tokens').filter({ hasText: /^\d+$/ }).waitFor();
    for (const label of ['Users', 'Active, last 24 h', 'Banned', 'Live sessions', 'Live tokens'])
      expect(await card(label).textContent()).toMatch(/^\d+$/);
    // The hourly charts (uPlot canvases), each with its numbers as a table for those who cannot see it.
    const requests = page.getByRole('figure', { name: 'Requests per hour' });
    await requests.locator('canvas').first().waitFor();
    expect(await page.getByRole('figure', { name: 'Active users per hour' }).locator('canvas').count()).toBeGreaterThan(0);
    await requests.getByText('Numbers per hour').click();
    expect(await requests.getByRole('region', { name: 'Requests per hour: the numbers' }).getByRole('row').count()).toBe(25);
    expect(await page.getByRole('figure', { name: 'Auth methods' }).getByRole('img').count()).toBe(2);

    const asked: string[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname === '/api/admin/sessions/active-users' && url.searchParams.has('q')) asked.push(url.searchParams.get('q') ?? '');
    });
    await page.getByLabel('Search by email').pressSequentially('bob', { delay: 40 });
    await page.getByRole('row', { name: /admin@example\.com/ }).waitFor({ state: 'detached' });
    await page.getByRole('row', { name: /bob@example\.com/ }).waitFor();
    expect(asked).toEqual(['bob']);
    // Wildcards are plain text: "*" finds nobody (it matches no email), and asks nothing odd of the gateway.
    await page.getByLabel('Search by email').fill('*');
    await page.getByText('Nobody active matches “*”', { exact: false }).waitFor();
    await page.getByLabel('Search by email').fill('');
    await page.getByRole('row', { name: /admin@example\.com/ }).waitFor();
    await expectAccessible(admin, 'active users tab');
  });

  it('is usable from the keyboard: arrow keys, Home and End move between tabs; a dialog opens on Enter, Escape closes it and focus returns', async () => {
    const { page } = admin;
    const focused = () => page.evaluate('document.activeElement.textContent');
    await page.getByRole('tab', { name: 'Active Users' }).focus();
    expect(await page.evaluate(`getComputedStyle(document.activeElement).outlineStyle`)).not.toBe('none');
    await page.keyboard.press('ArrowRight');
    expect(await focused()).toBe('Sessions');
    await page.getByRole('tabpanel', { name: 'Sessions' }).waitFor();
    await page.keyboard.press('End');
    expect(await focused()).toBe('Audit');
    await page.keyboard.press('ArrowRight');
    expect(await focused()).toBe('Active Users');
    await page.getByRole('tabpanel', { name: 'Active Users' }).waitFor();
    // One tab stop for the list: Tab goes on into the panel.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(`document.activeElement.getAttribute('role')`)).toBe('tabpanel');

    const ban = page.getByRole('button', { name: 'Ban someone by email…' });
    await ban.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: /^Ban/ });
    await dialog.waitFor();
    expect(await page.evaluate('document.activeElement.closest("dialog") !== null')).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await focused()).toBe('Ban someone by email…');
  });

  it("BAN with a reason: the user's open page shows the ban at its next action, their token is refused and listed as blocked; unban restores the token", async () => {
    const { token } = await stack.mint(BOB.email, { name: 'bob-laptop' });
    expect((await llm(token)).choices.length).toBe(1);
    const bob = await signedIn(BOB, '/token-manager');
    await bob.page.getByRole('heading', { name: 'Your live tokens' }).waitFor();

    const { page } = admin;
    await page.getByLabel('Search by email').fill('bob');
    const row = page.getByRole('row', { name: /bob@example\.com/ });
    await row.getByRole('button', { name: /^Ban/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Ban bob@example.com?' });
    await dialog.getByLabel('Reason').fill(XSS_REASON);
    await expectAccessible(admin, 'ban dialog');
    await dialog.getByRole('button', { name: 'Ban', exact: true }).click();
    const done = page.getByRole('status').filter({ hasText: 'Banned bob@example.com until' });
    await done.waitFor();
    const live = (await stack.tokens.list(BOB.email)).length;
    expect(await done.textContent()).toContain(`ended 1 session, blocked ${live} token${live === 1 ? '' : 's'}`);
    await row.getByText('Banned').waitFor();
    const bans = page.getByRole('region', { name: 'Ban list' });
    expect(
      await bans
        .getByRole('row', { name: /bob@example\.com/ })
        .getByRole('cell')
        .nth(0)
        .textContent(),
    ).toBe(XSS_REASON);

    // Bob's page, still open, learns of the ban at his next action: no loop into the sign-in.
    await bob.page.getByLabel('Name').fill('after the ban');
    await bob.page.getByRole('button', { name: 'Create token' }).click();
    await bob.page.getByRole('heading', { name: 'Access suspended' }).waitFor();
    const notice = await bob.page.locator('main').textContent();
    expect(notice).toContain(XSS_REASON);
    expect(notice).toMatch(/for 6 days 23 hours more|for 7 days more/);
    expect(new URL(bob.page.url()).pathname).toBe('/token-manager');
    expect(await bob.page.getByRole('link', { name: /Sign in/ }).count()).toBe(0);
    expect(await bob.page.locator('main img').count()).toBe(0);
    expect(await bob.page.title()).not.toBe('pwned');
    await expectAccessible(bob, 'ban page');
    expectClean(bob);
    await expect(llm(token)).rejects.toMatchObject({ status: 401, error: { code: 'user_banned' } });

    // Signing in again while banned ends on the home page's ban notice, not in a loop through the sign-in.
    const again = await chromium.newPage();
    await again.page.goto(`${gwUrl}/auth/login?returnTo=%2Ftoken-manager`);
    await fillProviderForm(again.page, BOB);
    await again.page.getByRole('heading', { name: 'Access suspended' }).waitFor();
    expect(again.page.url().startsWith(gwUrl)).toBe(true);
    expect(await again.page.locator('main').textContent()).toContain(XSS_REASON);
    expect(await again.page.getByRole('link', { name: /Sign in/ }).count()).toBe(0);
    await again.context.close();

    await tab('Tokens');
    await page.getByLabel('Search by email or token name').fill('bob');
    await page
      .getByRole('row', { name: /bob-laptop/ })
      .getByText('Blocked by ban')
      .waitFor();
    await expectAccessible(admin, 'tokens tab');

    await tab('Active Users');
    await page.getByRole('region', { name: 'Ban list' }).getByRole('button', { name: /Unban/ }).click();
    await page.getByText('bob@example.com is no longer banned').waitFor();
    await page.getByText('Nobody is banned.').waitFor();
    expect((await llm(token)).choices.length).toBe(1);
    await bob.context.close();
  });

  it('searches the current bans by email, also of people not active now', async () => {
    for (const email of ['zed@example.com', 'yan@example.com'])
      await stack.activeUsers.ban({ email, bannedBy: ADMIN.email, reason: `banned ${email}` });
    const { page } = admin;
    await page.reload();
    await tab('Active Users');
    const bans = page.getByRole('region', { name: 'Ban list' });
    await bans.getByRole('row', { name: /yan@example\.com/ }).waitFor();
    await page.getByLabel('Search bans by email').fill('zed');
    await bans.getByRole('row', { name: /yan@example\.com/ }).waitFor({ state: 'detached' });
    expect(await bans.getByRole('row', { name: /zed@example\.com/ }).count()).toBe(1);
    await page.getByLabel('Search bans by email').fill('nobody');
    await page.getByText('No current ban matches “nobody”.').waitFor();
    for (const email of ['zed@example.com', 'yan@example.com']) await stack.activeUsers.unban(email);
    await page.getByLabel('Search bans by email').fill('');
    await page.getByText('Nobody is banned.').waitFor();
  });

  it('force logout: ends one session of a user, then every session of theirs; their next action sends them to sign in', async () => {
    const laptop = await signedIn(BOB, '/token-manager');
    const phone = await signedIn(BOB, '/');
    const me = (web: WebPage) => web.page.request.get(`${gwUrl}/api/me`).then((r) => r.status());
    expect([await me(laptop), await me(phone)]).toEqual([200, 200]);

    const { page } = admin;
    await tab('Sessions');
    await page.getByLabel('Search by email').fill('bob@');
    const rows = page.getByRole('row', { name: /bob@example\.com/ });
    await rows.nth(1).waitFor();
    await expectAccessible(admin, 'sessions tab');
    await rows
      .first()
      .getByRole('button', { name: /^End session/ })
      .click();
    await page.getByRole('dialog').getByRole('button', { name: 'End session' }).click();
    await page.getByText('Ended a session of bob@example.com').waitFor();
    expect([await me(laptop), await me(phone)].sort()).toEqual([200, 401]);

    await page
      .getByRole('row', { name: /bob@example\.com/ })
      .first()
      .getByRole('button', { name: /^End all/ })
      .click();
    await page
      .getByRole('dialog', { name: 'Sign bob@example.com out everywhere?' })
      .getByRole('button', { name: 'End all sessions' })
      .click();
    await page.getByText('Signed bob@example.com out everywhere').waitFor();
    expect([await me(laptop), await me(phone)]).toEqual([401, 401]);

    // The open page's next action goes to the sign-in, and comes back to the same page.
    const toLogin = laptop.page.waitForRequest((r) => r.url().startsWith(`${gwUrl}/auth/login?returnTo=%2Ftoken-manager`));
    await laptop.page.getByLabel('Name').fill('after logout');
    await laptop.page.getByRole('button', { name: 'Create token' }).click();
    await toLogin;
    await laptop.context.close();
    await phone.context.close();
  });

  it('pages through a long list on the server: next, previous, one cursor per page', async () => {
    for (let i = 0; i < 30; i++) await stack.mint(`pager${String(i).padStart(2, '0')}@example.com`, { name: `pager-${i}` });
    const { page } = admin;
    await tab('Tokens');
    const cursors: Array<string | null> = [];
    const listen = (r: { url(): string }) => {
      const url = new URL(r.url());
      if (url.pathname === '/api/admin/tokens' && url.searchParams.get('q') === 'pager') cursors.push(url.searchParams.get('cursor'));
    };
    page.on('request', listen);
    const searched = page.waitForResponse(
      (r) => r.url().includes('/api/admin/tokens?') && new URL(r.url()).searchParams.get('q') === 'pager',
    );
    await page.getByLabel('Search by email or token name').fill('pager');
    await searched;
    const list = page.locator('[aria-label="Token list"][aria-busy="false"]');
    const rows = list.getByRole('row', { name: /pager\d\d@example\.com/ });
    await rows.nth(24).waitFor();
    expect(await rows.count()).toBe(25);
    const pages = page.getByRole('navigation', { name: 'Tokens pages' });
    await pages.getByRole('button', { name: 'Next →' }).click();
    await pages.getByText('Page 2').waitFor();
    // Page 2: the last 5 (a string predicate would need eval, which the page's CSP refuses).
    await rows.nth(5).waitFor({ state: 'detached' });
    await rows.nth(4).waitFor();
    expect(await pages.getByRole('button', { name: 'Next →' }).isDisabled()).toBe(true);
    await pages.getByRole('button', { name: '← Previous' }).click();
    await pages.getByText('Page 1').waitFor();
    await rows.nth(24).waitFor();
    page.off('request', listen);
    expect(cursors).toHaveLength(3);
    expect(cursors[0]).toBeNull();
    expect(cursors[1]).toMatch(/^[\w-]+$/);
    expect(cursors[2]).toBeNull();
    await page.getByLabel('Search by email or token name').fill('');
  });

  it("Tokens tab: a name holding markup shows as text; revoke one token, then all of a person's with a reason", async () => {
    await stack.mint('markup@example.com', { name: XSS_TOKEN_NAME });
    const { page } = admin;
    await tab('Tokens');
    await page.getByLabel('Search by email or token name').fill('markup@');
    const row = page.getByRole('row', { name: /markup@example\.com/ });
    await row.waitFor();
    expect(await row.getByRole('rowheader').textContent()).toBe(XSS_TOKEN_NAME);
    await row.getByRole('button', { name: /^Revoke </ }).click();
    const dialog = page.getByRole('dialog', { name: `Revoke “${XSS_TOKEN_NAME}” of markup@example.com?` });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.title()).not.toBe('pwned');

    // Revoke one of a person's tokens, then all the others, with a reason.
    await stack.mint('markup@example.com', { name: 'second' });
    await stack.mint('markup@example.com', { name: 'third' });
    await page.getByLabel('Search by email or token name').fill('markup@e');
    const second = page.getByRole('row', { name: /second/ });
    await second.getByRole('button', { name: /^Revoke second/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
    await page.getByText('Revoked “second” of markup@example.com', { exact: false }).waitFor();
    await second.getByText('Revoked', { exact: true }).waitFor();
    await second.getByRole('button', { name: /^Revoke all/ }).click();
    const all = page.getByRole('dialog', { name: 'Revoke every live token of markup@example.com?' });
    await all.getByLabel('Reason').fill('left the team');
    await all.getByRole('button', { name: 'Revoke all' }).click();
    await page.getByText('Revoked 2 live tokens of markup@example.com.').waitFor();
    expect(await stack.tokens.list('markup@example.com')).toEqual([]);
    expectClean(admin);
    await page.getByLabel('Search by email or token name').fill('');
  });

  it('cleanup: preview with an expandable JSON view, execute after a confirm with live progress, then the run in the logs with its details', async () => {
    await seedGoneTokens();
    const { page } = admin;
    await tab('Cleanup');
    await page.getByText('kept for 30 days', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByRole('region', { name: 'What would be removed' });
    await preview.waitFor();
    const categories = page.getByRole('region', { name: 'Stale entries by category' });
    const entriesOf = async (category: RegExp): Promise<number> =>
      Number(await categories.getByRole('row', { name: category }).getByRole('cell').nth(1).textContent());
    expect(await entriesOf(/^tokens/)).toBe(STALE_TOKENS);
    const staleAudit = await entriesOf(/^audit/);
    expect(staleAudit).toBeGreaterThan(0);
    await preview.getByText('Show as JSON').click();
    const json = JSON.parse((await preview.locator('pre').textContent()) ?? '') as { found: number; categories: Array<{ count: number }> };
    expect(json.found).toBe(json.categories.reduce((sum, c) => sum + c.count, 0));
    expect(json.found).toBeGreaterThanOrEqual(STALE_TOKENS + staleAudit);
    await expectAccessible(admin, 'cleanup tab with a preview');

    await page.getByRole('button', { name: 'Run cleanup…' }).click();
    await page.getByRole('dialog', { name: 'Run a cleanup now?' }).getByRole('button', { name: 'Run cleanup' }).click();
    await page.getByRole('heading', { name: 'Cleanup running' }).waitFor();
    await page.getByRole('heading', { name: 'Cleanup finished' }).waitFor({ timeout: 20_000 });
    expect(Number(/deleted (\d+)/.exec((await page.locator('.job-status').textContent()) ?? '')?.[1])).toBeGreaterThanOrEqual(STALE_TOKENS);

    const runs = page.getByRole('region', { name: 'Cleanup run list' });
    const run = runs.getByRole('row', { name: /manual/ }).first();
    await run.waitFor();
    await run.getByRole('button', { name: /Details/ }).click();
    const removed = page.getByRole('region', { name: 'Removed entries' });
    await removed.waitFor();
    await removed
      .getByRole('row')
      .filter({ hasText: /\d+ entries older than/ })
      .waitFor();
    // Colour-coded: each type has its badge class.
    expect(await removed.locator('.badge-blue', { hasText: /^tokens$/ }).count()).toBe(STALE_TOKENS);
    await expectAccessible(admin, 'cleanup logs with details');

    // The old preview is gone (it no longer says what is stale); a new one finds nothing left.
    await preview.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Preview' }).click();
    await preview.getByText(/^0 stale entries/).waitFor();
  });

  it('a cleanup run elsewhere: an execute here says one is already running, a page opened meanwhile shows its progress, followed to the end', async () => {
    // Another gateway instance begins a scheduled run: it holds the lock and keeps its progress in
    // Redis, written here through the cleanup's own repository as that instance's service does.
    const repository = stack.gw.get<CleanupRepository>(CleanupRepository);
    const startedAt = Date.now();
    const jobId = `${startedAt}-0a1b2c3d`;
    const running = {
      jobId,
      trigger: 'scheduled',
      actor: 'scheduler',
      state: 'running',
      phase: 'scanning',
      startedAt,
      updatedAt: startedAt,
      finishedAt: null,
      scanned: 1234,
      found: 0,
      deleted: 0,
      freedBytes: 0,
      error: null,
    } as const;
    const { page } = admin;
    await page.reload();
    await tab('Cleanup');
    await page.getByRole('heading', { name: 'Cleanup logs' }).waitFor();
    const lock = await repository.acquireLock(60_000);
    expect(lock).not.toBeNull();
    await repository.saveJob(jobId, jobToHash(running), true);

    await page.getByRole('button', { name: 'Run cleanup…' }).click();
    await page.getByRole('dialog', { name: 'Run a cleanup now?' }).getByRole('button', { name: 'Run cleanup' }).click();
    await page.getByText('A cleanup is already running', { exact: false }).waitFor();
    await page.getByRole('heading', { name: 'Cleanup running' }).waitFor();
    expect(await page.locator('.job-status').textContent()).toContain('Scanning: scanned 1,234');

    // Closing the page stops nothing; a page opened meanwhile finds the run and follows it.
    const other = await signedIn(ADMIN, '/token-session-manager');
    await other.page.getByRole('tab', { name: 'Cleanup' }).click();
    await other.page.getByRole('heading', { name: 'Cleanup running' }).waitFor();
    expect(await other.page.getByText('Started by scheduler', { exact: false }).count()).toBe(1);
    expect(await other.page.getByRole('button', { name: 'Run cleanup…' }).isDisabled()).toBe(true);
    await expectAccessible(other, 'cleanup tab with a run in progress');

    await repository.saveJob(
      jobId,
      jobToHash({ state: 'finished', phase: 'done', scanned: 2000, found: 3, deleted: 3, freedBytes: 300, finishedAt: Date.now() }),
    );
    await repository.releaseLock(lock!);
    await other.page.getByRole('heading', { name: 'Cleanup finished' }).waitFor();
    expect(await other.page.locator('.job-status').textContent()).toMatch(/scanned 2,000, found 3, deleted 3, freed 300 B/);
    expect(await other.page.getByRole('button', { name: 'Run cleanup…' }).isDisabled()).toBe(false);
    expectClean(other);
    await other.context.close();
  });

  it('fits a phone screen: every tab in view, nothing wider than the screen, rows become cards with their column names', async () => {
    const phone = await signedIn(ADMIN, '/token-session-manager', { viewport: { width: 375, height: 740 } });
    const { page } = phone;
    await page.getByRole('heading', { name: 'Active users', exact: true }).waitFor();
    const fits = () => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
    const tabsInView = () =>
      page.evaluate(`[...document.querySelectorAll('[role=tab]')].every((t) => t.getBoundingClientRect().right <= window.innerWidth)`);
    expect(await tabsInView()).toBe(true);
    expect(await fits()).toBe(true);
    for (const name of ['Sessions', 'Tokens', 'Cleanup', 'Audit']) {
      await page.getByRole('tab', { name }).click();
      await page.getByRole('tabpanel', { name }).waitFor();
      await page.locator('.state-loading').first().waitFor({ state: 'detached' });
      expect({ name, fits: await fits(), tabsInView: await tabsInView() }).toEqual({ name, fits: true, tabsInView: true });
    }
    // A run's details: the removed entries are cards too, each value with its column name.
    await page.getByRole('tab', { name: 'Cleanup' }).click();
    const runs = page.getByRole('region', { name: 'Cleanup run list' });
    await runs
      .getByRole('button', { name: /Details/ })
      .first()
      .click();
    const removed = page.getByRole('region', { name: 'Removed entries' });
    await removed.waitFor();
    expect(await fits()).toBe(true);
    expect(await page.evaluate(`getComputedStyle(document.querySelector('td[data-label="Reason"]'), '::before').content`)).toBe('"Reason"');
    await expectAccessible(phone, 'token & session manager at phone width');
    expectClean(phone);
    await phone.context.close();
  });

  it('shows the admin actions in the audit trail, filtered by action and searched by target', async () => {
    // An audited action of this admin's browser session (the REST call the Ban button makes).
    const { page } = admin;
    const csrf = ((await (await page.request.get(`${gwUrl}/api/me`)).json()) as { csrf_token: string }).csrf_token;
    const ban = await page.request.post(`${gwUrl}/api/admin/sessions/revoke-user`, {
      headers: { 'x-csrf-token': csrf, origin: gwUrl },
      data: { user_email: 'eve@example.com', reason: 'audit check' },
    });
    expect(ban.status()).toBe(200);
    await tab('Audit');
    await page.getByText('entries are kept for 1 day', { exact: false }).waitFor();
    await page.getByLabel('Action').selectOption('user.ban');
    const searched = page.waitForResponse(
      (r) => r.url().includes('/api/admin/audit?') && new URL(r.url()).searchParams.get('q') === 'eve@',
    );
    await page.getByLabel('Actor or target contains').fill('eve@');
    await searched;
    const entries = page.locator('[aria-label="Audit entry list"][aria-busy="false"]');
    const row = entries.getByRole('row', { name: /eve@example\.com/ });
    await row.waitFor();
    expect(await entries.getByRole('row').count()).toBe(2);
    expect(await row.textContent()).toMatch(/admin@example\.com.*browser.*Ban.*eve@example\.com.*success/);
    await expectAccessible(admin, 'audit tab');
    expectClean(admin);
    await stack.activeUsers.unban('eve@example.com');
  });

  it("Swagger UI from the admin's signed-in browser: Try it out sends unsafe calls with the CSRF token, pre-fills no filter, and keeps no token in localStorage", async () => {
    const { page } = admin;
    const loaded: string[] = [];
    const listen = (r: { url(): string }) => loaded.push(r.url());
    page.on('request', listen);
    await page.goto(`${gwUrl}/docs`);
    const operation = (method: string, path: string) =>
      page.locator(`.opblock-${method}`, { has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
    const statusOf = (op: ReturnType<typeof operation>) => op.locator('.live-responses-table .response .response-col_status').first();

    // An unsafe call from the browser session: without the interceptor's CSRF token it would be 403 csrf_failed.
    const { record } = await stack.mint('swagger@example.com', { name: 'swagger-target' });
    const revoke = operation('post', '/api/admin/tokens/revoke-user');
    await revoke.locator('.opblock-summary').click();
    await revoke.getByRole('button', { name: 'Try it out' }).click();
    await revoke.locator('textarea.body-param__text').fill(JSON.stringify({ user_email: 'swagger@example.com' }));
    await revoke.getByRole('button', { name: 'Execute' }).click();
    await statusOf(revoke).waitFor();
    expect(await statusOf(revoke).textContent()).toBe('200');
    expect((await stack.tokens.list('swagger@example.com')).map((t) => t.tokenId)).not.toContain(record.tokenId);

    // "Try it out" on a list with optional filters: every field starts empty, so the list is not filtered by made-up values.
    const audit = operation('get', '/api/admin/audit');
    await audit.locator('.opblock-summary').click();
    await audit.getByRole('button', { name: 'Try it out' }).click();
    const fields = await audit.locator('.parameters input, .parameters select').all();
    expect(fields.length).toBeGreaterThan(5);
    const values = await Promise.all(fields.map((f) => f.inputValue()));
    expect(values.filter((v) => v !== '')).toEqual([]);
    await audit.getByRole('button', { name: 'Execute' }).click();
    await statusOf(audit).waitFor();
    expect(await audit.locator('.request-url pre').textContent()).toBe(`${gwUrl}/api/admin/audit`);
    expect(await audit.locator('.live-responses-table .response-col_description pre').first().textContent()).toContain(
      '"action": "token.revoke_user"',
    );

    // Authorize with an admin token: used for the calls, never written to localStorage.
    const { token } = await stack.mint(ADMIN.email, { name: 'swagger-admin', scopes: ['llm', 'admin'] });
    await page.locator('.auth-wrapper .authorize').click();
    const bearer = page.locator('.auth-container', { hasText: /bearer/i }).first();
    await bearer.locator('input').fill(token);
    await bearer.locator('.btn.authorize').click();
    await bearer.getByText('Authorized').waitFor();
    await page.locator('.btn-done').first().click();
    expect(await page.evaluate('JSON.stringify(Object.entries(localStorage))')).toBe('[]');
    // Swagger UI comes from the gateway itself, as every page does: nothing from a CDN.
    page.off('request', listen);
    expect(loaded.filter((url) => !url.startsWith(`${gwUrl}/`) && !url.startsWith('data:'))).toEqual([]);
    expect(loaded.length).toBeGreaterThan(3);
    await page.goto(`${gwUrl}/token-session-manager`);
  });

  it('the Admin Manager: env admins say why they cannot be removed; the super admin adds an admin and removes them after a confirm', async () => {
    const root = await signedIn(ROOT, '/');
    const { page } = root;
    // The super admin's links: every page.
    await page.getByRole('heading', { name: 'Welcome, Rho Root' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual([
      'Home',
      'Token Manager',
      'Token & Session Manager',
      'Admin Manager',
    ]);
    await page
      .getByRole('main')
      .getByRole('link', { name: /Admin Manager/ })
      .click();
    const admins = page.getByRole('region', { name: 'Admin list' });
    await admins.waitFor();
    expect(await admins.getByRole('row', { name: /admin@example\.com/ }).textContent()).toContain('ADMIN_EMAILS');
    expect(await admins.getByRole('row', { name: /root@example\.com/ }).textContent()).toContain('SUPER_ADMIN_EMAIL');
    expect(await admins.getByRole('button', { name: /Remove/ }).count()).toBe(0);

    // Refusals land next to the field.
    await page.getByLabel('Email').fill('not an email');
    await page.getByRole('button', { name: 'Add admin' }).click();
    await page.locator('#admin-email-error').waitFor();
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByRole('button', { name: 'Add admin' }).click();
    await expect(page.locator('#admin-email-error').textContent()).resolves.toMatch(/environment/i);

    await page.getByLabel('Email').fill('carol@example.com');
    await page.getByRole('button', { name: 'Add admin' }).click();
    await page.getByText('carol@example.com is now an admin.').waitFor();
    const carol = admins.getByRole('row', { name: /carol@example\.com/ });
    expect(await carol.textContent()).toContain('Added here');
    expect(await carol.textContent()).toContain(`by ${ROOT.email}`);
    await expectAccessible(root, 'admin manager');

    await carol.getByRole('button', { name: /Remove/ }).click();
    await page.getByRole('dialog', { name: 'Remove carol@example.com as admin?' }).getByRole('button', { name: 'Remove admin' }).click();
    await page.getByText('carol@example.com is no longer an admin').waitFor();
    await carol.waitFor({ state: 'detached' });
    expectClean(root);
    await root.context.close();
  });
});
