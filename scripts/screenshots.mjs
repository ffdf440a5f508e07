#!/usr/bin/env node
/**
 * Regenerates docs/images/*.png, one picture per web page, from a demo-like stack: the production
 * build of the gateway (dist/), its own redis-server, the echo upstream and the local OpenID
 * provider with three people (a user, an admin, the super admin), seeded with tokens, traffic,
 * sessions, a ban and stale Redis entries. Drives Debian's chromium through playwright-core.
 *
 *   npm run build && node scripts/screenshots.mjs           write docs/images/*.png
 *   node scripts/screenshots.mjs --serve                     keep the seeded stack running to look around
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
const images = join(root, 'docs', 'images');
const serve = process.argv.includes('--serve');

const { startLocalRedis, freePort } = await import(join(dist, 'demo', 'local-redis.js'));
const { startEchoUpstream } = await import(join(dist, 'demo', 'echo-upstream.js'));
const { startDemoOidcProvider } = await import(join(dist, 'demo', 'demo-oidc-provider.js'));
const { RedisKeys } = await import(join(dist, 'redis', 'redis-keys.js'));
const { Redis } = await import('ioredis');

const PASSWORD = 'demo-password';
const USER = { email: 'user@example.com', password: PASSWORD, name: 'Uma User' };
const ADMIN = { email: 'admin@example.com', password: PASSWORD, name: 'Ada Admin' };
const ROOT = { email: 'root@example.com', password: PASSWORD, name: 'Rho Root' };
const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar'].map(
  (n) => `${n}@example.org`,
);

const redis = await startLocalRedis();
const upstream = await startEchoUpstream();
const port = Number(process.env.DEMO_PORT ?? 0) || (await freePort());
const gatewayUrl = `http://127.0.0.1:${port}`;
const oidc = await startDemoOidcProvider({
  clientId: 'llm-gateway-screenshots',
  clientSecret: randomBytes(32).toString('base64url'),
  redirectUris: [`${gatewayUrl}/auth/callback`],
  logoutReturnUrls: [`${gatewayUrl}/`],
  users: [USER, ADMIN, ROOT],
});
const prefix = 'demo:';
const env = {
  ...process.env,
  NODE_ENV: 'development',
  HOST: '127.0.0.1',
  PORT: String(port),
  PUBLIC_URL: gatewayUrl,
  REDIS_URL: redis.url,
  REDIS_KEY_PREFIX: prefix,
  REDIS_ALLOW_EPHEMERAL: 'true',
  JWT_SECRET: randomBytes(32).toString('base64url'),
  UPSTREAM_URL: upstream.url,
  UPSTREAM_API_KEY: 'sk-echo-upstream-demo',
  ADMIN_EMAILS: ADMIN.email,
  SUPER_ADMIN_EMAIL: ROOT.email,
  AUDIT_RETENTION_DAYS: '7',
  LOG_LEVEL: 'warn',
  ...oidc.gatewayEnv(),
  SESSION_SECRET: randomBytes(32).toString('base64url'),
};
const gateway = spawn(process.execPath, [join(dist, 'main.js')], { env, stdio: ['ignore', 'inherit', 'inherit'] });
let browser;
const stop = async (code) => {
  await browser?.close().catch(() => undefined);
  // The gateway first (it flushes to Redis as it stops), then what it used.
  const exited = new Promise((resolve) => (gateway.exitCode === null ? gateway.once('exit', resolve) : resolve(undefined)));
  gateway.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  await upstream.close();
  await oidc.close();
  await redis.stop();
  process.exit(code);
};
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

try {
  await waitForHealth();
  await seed();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // stop() closes the browser with the rest; playwright's own handlers would exit the process
    // first and leave the gateway and its redis-server running.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  if (serve) {
    process.stdout.write(
      `\nSeeded stack at ${gatewayUrl}/ (sign in as ${USER.email}, ${ADMIN.email} or ${ROOT.email}, password ${PASSWORD};\n` +
        `the provider at ${oidc.issuerUrl} has a self-signed certificate). Ctrl-C stops it.\n`,
    );
    await new Promise(() => undefined);
  }
  await shoot();
  await stop(0);
} catch (err) {
  process.stderr.write(`screenshots failed: ${err?.stack ?? err}\n`);
  await stop(1);
}

async function waitForHealth() {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${gatewayUrl}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('gateway did not become healthy');
}

/** Tokens for a dozen people, traffic through /v1 with them, a ban, and stale entries for the cleanup. */
async function seed() {
  // The gateway's own services, as the ops CLI uses them (same configuration, same Redis).
  await import('reflect-metadata');
  const { NestFactory } = await import('@nestjs/core');
  const { CliModule } = await import(join(dist, 'cli', 'cli.module.js'));
  const { TokensService } = await import(join(dist, 'tokens', 'tokens.service.js'));
  const { ActiveUsersService } = await import(join(dist, 'active-users', 'active-users.service.js'));
  Object.assign(process.env, env);
  const app = await NestFactory.createApplicationContext(CliModule, { logger: ['error'] });
  const tokens = app.get(TokensService);
  const names = ['laptop', 'ci', 'claude-code', 'notebook', 'roo'];
  const minted = [];
  const mint = async (email, name, days) => {
    const { token, record } = await tokens.create({ email, name, lifetimeSeconds: days * 86400, scopes: ['llm'], createdVia: 'cli' });
    minted.push({ email, token, tokenId: record.tokenId });
  };
  for (const [i, email] of PEOPLE.entries()) {
    for (let n = 0; n < 1 + (i % 3); n++) await mint(email, names[(i + n) % names.length], [7, 30, 90][(i + n) % 3]);
  }
  await mint(USER.email, 'ci pipeline', 7);
  for (const [i, t] of minted.entries()) {
    for (let n = 0; n < 1 + (i % 4); n++) {
      await fetch(`${gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'hello' }] }),
      }).then((r) => r.arrayBuffer());
    }
  }
  await app
    .get(ActiveUsersService)
    .ban({ email: 'mallory@example.org', bannedBy: ADMIN.email, reason: 'Shared a token in a public repository' });
  await app.close();

  const client = new Redis(redis.url, { lazyConnect: true });
  client.on('error', () => undefined);
  await client.connect();
  const keys = new RedisKeys(prefix);
  const old = Date.now() - 30 * 86400_000;
  for (let i = 0; i < 40; i++)
    await client.xadd(keys.auditLog(), `${old + i}-0`, 'ts', String(old + i), 'action', 'user.ban', 'actor', 'old@example.com');
  // Two tokens whose records have ended while their index entries stayed behind.
  for (const t of minted.slice(0, 2)) await client.del(keys.token(t.email, t.tokenId));
  await client.quit();
}

async function signedInPage(person, path, viewport = { width: 1280, height: 860 }) {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport,
    deviceScaleFactor: 1,
    locale: 'en-GB',
    timezoneId: 'Europe/Berlin',
  });
  const page = await context.newPage();
  await page.goto(`${gatewayUrl}/auth/login?returnTo=${encodeURIComponent(path)}`);
  await page.locator('input[name=email]').fill(person.email);
  await page.locator('input[name=password]').fill(person.password);
  await page.locator('button[type=submit]').click();
  await page.waitForURL((url) => url.href.startsWith(gatewayUrl) && url.pathname === path);
  await page.waitForLoadState('networkidle');
  return page;
}

async function shot(page, name) {
  await page.waitForLoadState('networkidle');
  await page.locator('.state-loading').first().waitFor({ state: 'detached' });
  await page.screenshot({ path: join(images, `${name}.png`), fullPage: true });
  process.stdout.write(`wrote docs/images/${name}.png\n`);
}

async function shoot() {
  mkdirSync(images, { recursive: true });

  const anonymous = await (await browser.newContext({ viewport: { width: 1280, height: 600 } })).newPage();
  await anonymous.goto(`${gatewayUrl}/`);
  await anonymous.getByRole('link', { name: 'Sign in' }).waitFor();
  await shot(anonymous, 'home-signed-out');

  const user = await signedInPage(USER, '/');
  await user.getByRole('heading', { name: /Welcome/ }).waitFor();
  await shot(user, 'home');

  await user.goto(`${gatewayUrl}/token-manager`);
  await user.getByLabel('Name').fill('laptop claude-code');
  await user.getByRole('button', { name: '30 days' }).click();
  await user.getByRole('button', { name: 'Create token' }).click();
  await user.getByRole('tab', { name: 'Claude Code' }).click();
  await shot(user, 'token-manager');

  const phone = await signedInPage(USER, '/token-manager', { width: 390, height: 844 });
  await phone.getByRole('heading', { name: 'Your live tokens' }).waitFor();
  await shot(phone, 'token-manager-phone');

  const admin = await signedInPage(ADMIN, '/token-session-manager');
  await admin.getByRole('heading', { name: 'Active users', exact: true }).waitFor();
  await shot(admin, 'token-session-manager');
  // A few admin actions through the pages, so the audit trail has something to show.
  await admin
    .getByRole('row', { name: /oscar@example\.org/ })
    .getByRole('button', { name: /^Ban/ })
    .click();
  await admin.getByLabel('Reason').fill('Token seen in a public gist');
  await admin.getByRole('dialog').getByRole('button', { name: 'Ban', exact: true }).click();
  await admin.getByText('Banned oscar@example.org until', { exact: false }).waitFor();

  await admin.getByRole('tab', { name: 'Sessions' }).click();
  await shot(admin, 'token-session-manager-sessions');

  await admin.getByRole('tab', { name: 'Tokens' }).click();
  await admin
    .getByRole('row', { name: /judy@example\.org/ })
    .first()
    .getByRole('button', { name: /^Revoke judy|^Revoke roo|^Revoke/ })
    .first()
    .click();
  await admin.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
  await admin.getByText('Revoked “', { exact: false }).waitFor();
  await shot(admin, 'token-session-manager-tokens');

  await admin.getByRole('tab', { name: 'Cleanup' }).click();
  await admin.getByRole('button', { name: 'Preview' }).click();
  await admin.getByRole('heading', { name: 'What would be removed' }).waitFor();
  await admin.getByText('Show as JSON').click();
  await shot(admin, 'token-session-manager-cleanup');
  await admin.getByRole('button', { name: 'Run cleanup…' }).click();
  await admin.getByRole('dialog').getByRole('button', { name: 'Run cleanup' }).click();
  await admin.getByRole('heading', { name: 'Cleanup finished' }).waitFor();
  await admin
    .getByRole('region', { name: 'Cleanup run list' })
    .getByRole('button', { name: /Details/ })
    .first()
    .click();
  await admin.getByRole('region', { name: 'Removed entries' }).waitFor();
  await shot(admin, 'token-session-manager-cleanup-logs');

  await admin.getByRole('tab', { name: 'Audit' }).click();
  await shot(admin, 'token-session-manager-audit');

  const superAdmin = await signedInPage(ROOT, '/admin-manager');
  await superAdmin.getByRole('heading', { name: 'Admins' }).waitFor();
  await superAdmin.getByLabel('Email').fill('carol@example.org');
  await superAdmin.getByRole('button', { name: 'Add admin' }).click();
  await superAdmin.getByText('carol@example.org is now an admin.').waitFor();
  await shot(superAdmin, 'admin-manager');
}
