/**
 * A real browser for the web-page specs: Debian's chromium driven by playwright-core (never a
 * downloaded browser), one process per suite with a fresh profile, one context per person (its own
 * cookies). Pages record console errors, uncaught exceptions and CSP violations so a spec can
 * assert that a page ran cleanly under the gateway's Content-Security-Policy; `axe` runs an
 * axe-core accessibility scan.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Credentials } from './oidc-provider.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface PageProblems {
  /** console.error lines, uncaught exceptions and CSP violation reports, in order. */
  readonly all: string[];
  readonly csp: string[];
}

export interface WebBrowser {
  readonly browser: Browser;
  /** A new person: a fresh context (no cookies) and a page in it. */
  newPage(options?: { viewport?: { width: number; height: number }; userAgent?: string }): Promise<WebPage>;
  close(): Promise<void>;
}

export interface WebPage {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly problems: PageProblems;
}

export async function launchChromium(): Promise<WebBrowser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`No chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  // playwright-core makes a fresh temporary profile (user data dir) for each launch.
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  return {
    browser,
    newPage: async (options = {}) => {
      const context = await browser.newContext({
        // The local OpenID provider serves a self-signed certificate; the gateway itself is plain HTTP.
        ignoreHTTPSErrors: true,
        viewport: options.viewport ?? { width: 1280, height: 900 },
        userAgent: options.userAgent,
        permissions: ['clipboard-read', 'clipboard-write'],
        locale: 'en-GB',
        timezoneId: 'Europe/Berlin',
      });
      // Shorter than a test's timeout, so a missing element fails with the locator's name.
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      return { page, context, problems: watch(page) };
    },
    close: () => browser.close(),
  };
}

function watch(page: Page): PageProblems {
  const all: string[] = [];
  const csp: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // Chrome logs every 4xx answer to fetch() as a console error; the pages handle those answers.
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
    all.push(`console: ${text}`);
    if (/Content Security Policy/i.test(text)) csp.push(text);
  });
  page.on('pageerror', (error) => all.push(`uncaught: ${error.message}`));
  return { all, csp };
}

/**
 * Signs in through the gateway's /auth/login and the provider's real sign-in form, as a person
 * would, and waits until the browser is back on the gateway at `returnTo`.
 */
export async function signInWithBrowser(page: Page, gatewayUrl: string, user: Credentials, returnTo = '/'): Promise<void> {
  await page.goto(`${gatewayUrl}/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
  await fillProviderForm(page, user);
  await page.waitForURL((url) => url.href.startsWith(gatewayUrl) && url.pathname === new URL(returnTo, gatewayUrl).pathname);
}

/** On the provider's sign-in page: type the credentials and submit. */
export async function fillProviderForm(page: Page, user: Credentials): Promise<void> {
  await page.locator('input[name=email]').fill(user.email);
  await page.locator('input[name=password]').fill(user.password);
  await page.locator('button[type=submit]').click();
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's WCAG 2.x A/AA rules on the page as it is now. The source is evaluated through the
 * DevTools protocol, not added as a <script>: the page's CSP allows no inline script, and the scan
 * must not need it loosened.
 */
export async function axe(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe === "object"');
  if (!loaded) await page.evaluate(axeSource);
  // A string, run in the page: the test's TypeScript has no DOM types.
  return page.evaluate<AxeViolation[]>(`window.axe
    .run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    })
    .then((result) => result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    })))`);
}

/** The violations a spec fails on: serious and critical ones. */
export function seriousViolations(violations: AxeViolation[]): string[] {
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
