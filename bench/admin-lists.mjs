/**
 * The admin lists at scale: seeds 100,000 users and 300,000 tokens (plus browser sessions, bans,
 * revoked and expired tokens, ended activity records) into a redis-server of its own, through the
 * gateway's own services, then starts the production gateway and times the first page of every
 * admin list (after one small warm-up call per list: the first full page, then the median of 7)
 * and a cleanup preview over HTTP. Prints a table and writes
 * bench/results/admin-lists.json. Flags: --quick (a tenth of the data).
 *
 * Uses the build `npm run bench` makes (bench/results/build; BENCH_DIST=path overrides).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = join(BENCH_DIR, 'results');
const DIST = resolve(process.env.BENCH_DIST ?? join(RESULTS_DIR, 'build'));
const QUICK = process.argv.includes('--quick');
const USERS = QUICK ? 10_000 : 100_000;
const TOKENS_PER_USER = 3;
const SESSION_USERS = USERS / 5;
const BANS = USERS / 100;
const REPEATS = 7;
const TARGET_MS = 100;
const PREFIX = 'bench:';
const ADMIN = 'admin@bench.example.com';

const children = [];
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  children.push(child);
  return { port, url: `redis://127.0.0.1:${port}` };
}

async function startGateway(env, cwd, dist) {
  const child = spawn(process.execPath, [join(dist, 'main.js')], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let output = '';
  child.stderr.on('data', (c) => (output = (output + c).slice(-4000)));
  const base = `http://127.0.0.1:${env.PORT}`;
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${base}/health`).catch(() => null);
    if (res?.status === 200) return base;
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`gateway did not become healthy:\n${output}`);
}

const email = (i) => `user-${String(i).padStart(6, '0')}@bench.example.com`;

async function inBatches(count, size, fn) {
  for (let start = 0; start < count; start += size) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + size); i++) batch.push(fn(i));
    await Promise.all(batch);
  }
}

/** Seeds through the gateway's own services (an application context over the build), as the CLI runs. */
async function seed(dist, env) {
  Object.assign(process.env, env);
  const load = (file) => import(pathToFileURL(join(dist, file)).href);
  const { NestFactory } = await import('@nestjs/core');
  const { CliModule } = await load('cli/cli.module.js');
  const { TokensService } = await load('tokens/tokens.service.js');
  const { ActiveUsersService } = await load('active-users/active-users.service.js');
  const { SessionsService } = await load('sessions/sessions.service.js');
  const { REDIS_CLIENT } = await load('redis/redis.constants.js');
  const { RedisKeys } = await load('redis/redis-keys.js');
  const app = await NestFactory.createApplicationContext(CliModule, { logger: false });
  const tokens = app.get(TokensService);
  const activeUsers = app.get(ActiveUsersService);
  const sessions = app.get(SessionsService);
  const client = { ip: '127.0.0.1', userAgent: 'bench' };
  const redis = app.get(REDIS_CLIENT);
  const keys = app.get(RedisKeys);
  const t0 = performance.now();

  const ids = new Array(USERS);
  await inBatches(USERS, 2000, async (i) => {
    const mine = [];
    for (let k = 0; k < TOKENS_PER_USER; k++)
      mine.push((await tokens.create({ email: email(i), name: `t${k}`, createdVia: 'cli' })).record);
    ids[i] = mine;
    await activeUsers.admitToken(email(i), mine[0].tokenId, mine[0].name);
  });
  process.stderr.write(`seeded ${USERS * TOKENS_PER_USER} tokens and ${USERS} active users in ${Math.round(performance.now() - t0)} ms\n`);

  // Browser sessions for a fifth of the users, through the sessions service as a sign-in stores them.
  const now = Date.now();
  await inBatches(SESSION_USERS, 2000, async (i) => {
    const user = email(i * 5);
    const cookie = { path: '/', httpOnly: true, sameSite: 'lax' };
    const auth = await sessions.startSignedIn(randomBytes(24).toString('base64url'), { cookie }, { email: user, name: user }, client);
    if (auth === null) throw new Error(`session of ${user} not written (banned)`);
    await activeUsers.admitSession(user);
  });

  // 1% of tokens revoked, 5% past their expiry (as Redis holds them once the record's TTL ran out),
  // 5% of activity records ended, 1% of users banned.
  await inBatches(USERS / 100, 1000, (i) => tokens.revoke(email(i * 100 + 1), ids[i * 100 + 1][1].tokenId, ADMIN));
  const past = now - 60_000;
  await inBatches(USERS / 20, 1000, async (i) => {
    const u = i * 20 + 2;
    const record = ids[u][2];
    const entry = JSON.stringify({ e: email(u), n: record.name, c: record.createdAt, x: past, s: 'llm' });
    await redis
      .pipeline()
      .hset(keys.tokenCatalog(), record.tokenId, entry)
      .zadd(keys.tokensByExpiry(), past, record.tokenId)
      .del(keys.token(email(u), record.tokenId))
      .exec();
  });
  await inBatches(USERS / 20, 1000, (i) => redis.del(keys.activeUser(email(i * 20 + 3))));
  await inBatches(BANS, 500, (i) => activeUsers.ban({ email: email(i * 100 + 4), bannedBy: ADMIN, reason: 'bench' }));
  const admin = await tokens.create({ email: ADMIN, name: 'bench-admin', scopes: ['llm', 'admin'], createdVia: 'cli' });
  const info = await redis.info('memory');
  const dbsize = await redis.dbsize();
  await app.close();
  return {
    adminToken: admin.token,
    seedMs: Math.round(performance.now() - t0),
    dbsize,
    usedMemory: Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0),
  };
}

async function timed(url, token) {
  const started = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.json();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return { ms, body };
}

async function measure(base, token, path) {
  const first = await timed(`${base}${path}`, token);
  const times = [];
  for (let i = 0; i < REPEATS; i++) times.push((await timed(`${base}${path}`, token)).ms);
  times.sort((a, b) => a - b);
  const items = Array.isArray(first.body.items) ? first.body.items.length : undefined;
  return { path, firstMs: first.ms, medianMs: times[Math.floor(times.length / 2)], maxMs: times.at(-1), items, body: first.body };
}

async function main() {
  for (const file of ['main.js', 'cli/cli.module.js']) {
    if (!existsSync(join(DIST, file)))
      throw new Error(
        `${join(DIST, file)} is missing: build with \`npm run build -- --path bench/tsconfig.build.json\` (npm run bench does)`,
      );
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const dist = join(RESULTS_DIR, `dist-admin-${process.pid}`);
  process.on('exit', () => rmSync(dist, { recursive: true, force: true }));
  cpSync(DIST, dist, { recursive: true });
  const cwd = mkdtempSync(join(tmpdir(), 'llmgw-admin-bench-'));
  process.on('exit', () => rmSync(cwd, { recursive: true, force: true }));
  process.chdir(cwd);

  const redis = await startRedis();
  await sleep(200);
  const env = {
    NODE_ENV: 'production',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: PREFIX,
    REDIS_ALLOW_EPHEMERAL: 'true',
    REDIS_COMMAND_TIMEOUT_MS: '30000',
    JWT_SECRET: randomBytes(32).toString('base64url'),
    UPSTREAM_URL: 'http://127.0.0.1:9',
    ADMIN_EMAILS: ADMIN,
    LOG_LEVEL: 'error',
    PORT: String(await freePort()),
  };
  const seeded = await seed(dist, env);
  const base = await startGateway({ ...process.env, ...env }, cwd, dist);

  const lists = [
    '/api/admin/sessions/active-users',
    '/api/admin/sessions/active-users?limit=500',
    '/api/admin/sessions/active-users?q=user-00424&match=contains',
    '/api/admin/bans',
    '/api/admin/tokens',
    '/api/admin/tokens?limit=500',
    '/api/admin/tokens?status=revoked',
    '/api/admin/tokens?status=expired',
    '/api/admin/tokens?status=active',
    '/api/admin/tokens?status=blocked',
    `/api/admin/tokens?email=${encodeURIComponent(email(4242))}`,
    '/api/admin/tokens?q=user-00424&match=contains',
    '/api/admin/sessions',
    '/api/admin/audit',
    '/api/admin/redis/cleanup/logs',
  ];
  // What a person types in a search box: each must find something on its first page.
  const searches = [
    '/api/admin/sessions/active-users?q=user-00424',
    '/api/admin/sessions/active-users?q=user-0099',
    '/api/admin/sessions/active-users?q=user-0',
    '/api/admin/sessions?q=user-00424',
    '/api/admin/tokens?q=user-00424',
    '/api/admin/tokens?q=user-0099&status=active',
    '/api/admin/tokens?q=t2',
    `/api/admin/tokens?q=t1&email=${encodeURIComponent(email(4242))}`,
    '/api/admin/bans?q=user-0004',
  ];
  lists.push(...searches);
  // A running gateway is warm: one small call per list first, so "first" is the first full page
  // of the list, not the process's first JIT compilation of the route.
  for (const path of lists)
    await timed(`${base}${path}${path.includes('?') ? '&' : '?'}limit=5`.replace(/limit=500&limit=5/, 'limit=5'), seeded.adminToken);
  const results = [];
  for (const path of lists) results.push(await measure(base, seeded.adminToken, path));
  // A page deep in the list: follow next_cursor 20 pages of 500 (10,000 users) in.
  let cursor = results[1].body.next_cursor;
  for (let i = 0; i < 19 && cursor; i++)
    cursor = (await timed(`${base}/api/admin/sessions/active-users?limit=500&cursor=${cursor}`, seeded.adminToken)).body.next_cursor;
  if (cursor)
    results.push({
      ...(await measure(base, seeded.adminToken, `/api/admin/sessions/active-users?limit=500&cursor=${cursor}`)),
      path: '/api/admin/sessions/active-users?limit=500 (page 21)',
    });
  const preview = await measure(base, seeded.adminToken, '/api/admin/redis/cleanup/preview');

  const pad = (s, n) => String(s).padEnd(n);
  const num = (n) => n.toFixed(1).padStart(8);
  const lines = [
    `admin lists over ${USERS.toLocaleString('en')} users and ${(USERS * TOKENS_PER_USER).toLocaleString('en')} tokens (${seeded.dbsize.toLocaleString('en')} keys, ${(seeded.usedMemory / 2 ** 20).toFixed(0)} MiB in Redis; seeded in ${(seeded.seedMs / 1000).toFixed(1)} s)`,
    `${pad('request', 66)} ${'first ms'.padStart(8)} ${'median'.padStart(8)} ${'max'.padStart(8)}  items`,
  ];
  for (const r of results) lines.push(`${pad(r.path, 66)} ${num(r.firstMs)} ${num(r.medianMs)} ${num(r.maxMs)}  ${r.items ?? ''}`);
  lines.push(
    `${pad('GET /api/admin/redis/cleanup/preview', 66)} ${num(preview.firstMs)} ${num(preview.medianMs)} ${num(preview.maxMs)}  found ${preview.body.found}`,
  );
  const empty = results.filter((r) => searches.includes(r.path) && !(r.items > 0)).map((r) => r.path);
  lines.push(`searches that must find something: ${empty.length === 0 ? `all ${searches.length} did` : `EMPTY: ${empty.join(', ')}`}`);
  const slowest = Math.max(...results.map((r) => r.firstMs));
  lines.push(
    `target: every first page well under ${TARGET_MS} ms: ${slowest < TARGET_MS ? 'met' : 'NOT met'} (slowest ${slowest.toFixed(1)} ms)`,
  );
  lines.push(
    `cleanup preview: ${preview.body.found} stale entries, ${preview.body.freeable_bytes} bytes freeable; ` +
      preview.body.categories
        .filter((c) => c.count > 0)
        .map((c) => `${c.category} ${c.count}`)
        .join(', '),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  const failed = empty.length > 0;
  writeFileSync(
    join(RESULTS_DIR, 'admin-lists.json'),
    JSON.stringify(
      {
        users: USERS,
        tokens: USERS * TOKENS_PER_USER,
        keys: seeded.dbsize,
        redisUsedMemory: seeded.usedMemory,
        seedMs: seeded.seedMs,
        lists: results.map((r) => ({ path: r.path, firstMs: r.firstMs, medianMs: r.medianMs, maxMs: r.maxMs, items: r.items })),
        emptySearches: empty,
        cleanupPreview: {
          firstMs: preview.firstMs,
          medianMs: preview.medianMs,
          found: preview.body.found,
          freeableBytes: preview.body.freeable_bytes,
          categories: preview.body.categories,
        },
      },
      null,
      2,
    ),
  );
  return !failed;
}

main()
  .then((ok) => process.exit(ok === false ? 1 : 0))
  .catch((err) => {
    process.stderr.write(`admin-lists bench failed: ${err.stack ?? err}\n`);
    process.exit(1);
  });
