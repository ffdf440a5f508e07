import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { ActiveUsersService } from '../src/active-users/active-users.service.js';
import { ActivityWriteBehind } from '../src/active-users/activity-write-behind.js';
import { CleanupScheduler } from '../src/cleanup/cleanup.scheduler.js';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { TokensService } from '../src/tokens/tokens.service.js';
import { call, mintToken } from './support/admin-client.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

interface Item {
  category: string;
  key: string;
  member: string | null;
  reason: string;
  count: number;
}
interface Category {
  category: string;
  count: number;
  bytes: number;
}
interface Preview {
  found: number;
  freeable_bytes: number;
  categories: Category[];
  items: Item[];
  items_truncated: boolean;
}
interface Run {
  run_id: string;
  trigger: string;
  actor: string;
  found: number;
  deleted: number;
  freed_bytes: number;
  duration_ms: number;
  categories: Category[];
  items: Item[];
  items_truncated: boolean;
  error: string | null;
}

const DAY = 86400_000;
const itemKey = (i: Item): string => `${i.category} ${i.key} ${i.member ?? ''}`;
const counts = (cs: Category[]): Record<string, number> =>
  Object.fromEntries(cs.filter((c) => c.count > 0).map((c) => [c.category, c.count]));

interface Job {
  job_id: string;
  run_id: string;
  state: string;
  phase: string;
  actor: string;
  trigger: string;
  scanned: number;
  found: number;
  deleted: number;
  freed_bytes: number;
  error: string | null;
}
const PHASES = ['starting', 'scanning', 'measuring', 'removing', 'logging', 'done'];

/** Polls a job until it has ended (bounded), returning every progress seen on the way. */
async function followJob(gw: TestApp, token: string, jobId: string): Promise<Job[]> {
  const seen: Job[] = [];
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await call<Job>(gw, 'GET', `/api/admin/redis/cleanup/jobs/${jobId}`, { token });
    expect(res.status).toBe(200);
    seen.push(res.body);
    if (res.body.state !== 'running') return seen;
    if (Date.now() > deadline) throw new Error(`cleanup job ${jobId} still running after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What the Cleanup tab does: start a job, follow it to its end, then read its run's log. */
async function executeAndWait(gw: TestApp, token: string): Promise<{ started: Job; progress: Job[]; run: Run }> {
  const res = await call<Job>(gw, 'POST', '/api/admin/redis/cleanup', { token });
  expect(res.status).toBe(202);
  const progress = await followJob(gw, token, res.body.job_id);
  const run = await call<Run>(gw, 'GET', `/api/admin/redis/cleanup/logs/${res.body.run_id}`, { token });
  expect(run.status).toBe(200);
  return { started: res.body, progress, run: run.body };
}

describe('admin Redis cleanup', () => {
  let redis: TestRedis;
  let gw: TestApp;
  let keys: RedisKeys;
  let r: Redis;
  let adminToken: string;
  let liveToken: string;
  let revokedId: string;

  beforeAll(async () => {
    redis = await startTestRedis();
    gw = await startTestApp(testEnv(redis.url, { ADMIN_EMAILS: 'admin@example.com', AUDIT_RETENTION_DAYS: '1' }));
    keys = gw.get<RedisKeys>(RedisKeys);
    r = redis.client();
    const tokens = gw.get<TokensService>(TokensService);
    const activeUsers = gw.get<ActiveUsersService>(ActiveUsersService);

    // Audit entries from three days ago (the stream takes explicit ids only in increasing order).
    const old = Date.now() - 3 * DAY;
    for (let i = 0; i < 3; i++)
      await r.xadd(keys.auditLog(), `${old + i}-0`, 'ts', String(old + i), 'action', 'user.ban', 'actor', 'old@example.com');

    adminToken = await mintToken(gw, 'admin@example.com');

    // A token past its expiry, as Redis holds it once the record's TTL has run out.
    const expired = await tokens.create({ email: 'expired@example.com', name: 'old', createdVia: 'cli' });
    const past = Date.now() - 60_000;
    const entry = JSON.parse((await r.hget(keys.tokenCatalog(), expired.record.tokenId))!) as { x: number };
    entry.x = past;
    await r.hset(keys.tokenCatalog(), expired.record.tokenId, JSON.stringify(entry));
    await r.zadd(keys.tokensByExpiry(), past, expired.record.tokenId);
    await r.zadd(keys.userTokens('expired@example.com'), past, expired.record.tokenId);
    await r.del(keys.token('expired@example.com', expired.record.tokenId));

    // A token whose record vanished without a tombstone.
    const deleted = await tokens.create({ email: 'deleted@example.com', name: 'gone', createdVia: 'cli' });
    await r.del(keys.token('deleted@example.com', deleted.record.tokenId));

    // Kept: a live token and a revoked one (its tombstone lasts its lifetime).
    const live = await tokens.create({ email: 'live@example.com', name: 'live', createdVia: 'cli' });
    liveToken = live.token;
    await activeUsers.admitToken('live@example.com', live.record.tokenId, 'live');
    await gw.get<ActivityWriteBehind>(ActivityWriteBehind).flush(); // activity is written behind
    const revoked = await tokens.create({ email: 'live@example.com', name: 'revoked', createdVia: 'cli' });
    revokedId = revoked.record.tokenId;
    await tokens.revoke('live@example.com', revokedId, 'admin@example.com');

    // An index entry the catalog does not know.
    await r.zadd(keys.tokensByCreated(), Date.now(), 'orphanTokenIdAAAAAAAAAAAA');

    // Someone whose activity record has expired (last-access and jwt index entries remain).
    const lapsed = await tokens.create({ email: 'lapsed@example.com', name: 'x', createdVia: 'cli' });
    await activeUsers.admitToken('lapsed@example.com', lapsed.record.tokenId, 'x');
    await gw.get<ActivityWriteBehind>(ActivityWriteBehind).flush(); // activity is written behind
    await r.del(keys.activeUser('lapsed@example.com'));

    // A ban that has ended, and one still running.
    await activeUsers.ban({ email: 'was-banned@example.com', bannedBy: 'admin@example.com' });
    await r.del(keys.ban('was-banned@example.com'));
    await activeUsers.ban({ email: 'banned@example.com', bannedBy: 'admin@example.com' });

    // A browser session that has ended: its record expired, its index entries remain.
    await r.zadd(keys.usersByMethod('oauth2'), Date.now(), 'browser@example.com');
    await r.hset(
      keys.activeUser('browser@example.com'),
      'email',
      'browser@example.com',
      'last_access',
      Date.now(),
      'method_oauth2',
      Date.now(),
    );
    await r.zadd(keys.sessionsByExpiry(), past, 'endedSessionId');
    await r.zadd(keys.userSessions('browser@example.com'), past, 'endedSessionId');
    await r.zadd(keys.sessionsByEmail(), 0, 'browser@example.com\0endedSessionId');

    // A cleanup run whose log has expired.
    await r.zadd(keys.cleanupRuns(), Date.now() - 40 * DAY, `${Date.now() - 40 * DAY}-deadbeef`);
  });
  afterAll(async () => {
    await gw?.close();
    await redis?.close();
  });

  it('refuses without credentials (401) and for a non-admin (403)', async () => {
    const userToken = await mintToken(gw, 'user@example.com');
    for (const [method, path] of [
      ['GET', '/api/admin/redis/cleanup/preview'],
      ['POST', '/api/admin/redis/cleanup'],
      ['GET', '/api/admin/redis/cleanup/logs'],
      ['GET', '/api/admin/redis/cleanup/jobs/current'],
      ['GET', '/api/admin/redis/cleanup/jobs/1764575000000-1a2b3c4d'],
    ]) {
      expect([path, (await call(gw, method, path)).status]).toEqual([path, 401]);
      expect([path, (await call(gw, method, path, { token: userToken })).status]).toEqual([path, 403]);
    }
    expect(await r.zcard(keys.cleanupRuns())).toBe(1);
    // No job has run yet.
    expect((await call(gw, 'GET', '/api/admin/redis/cleanup/jobs/current', { token: adminToken })).body).toEqual({ job: null });
  });

  let preview: Preview;

  it('previews exactly what is stale, with measured memory, and changes nothing', async () => {
    // The admin's own activity record is written by their first request; make it before counting keys.
    await call(gw, 'GET', '/api/admin/bans', { token: adminToken });
    const before = await r.dbsize();
    const res = await call<Preview>(gw, 'GET', '/api/admin/redis/cleanup/preview?limit=1000', { token: adminToken });
    expect(res.status).toBe(200);
    preview = res.body;
    expect(counts(preview.categories)).toEqual({
      tokens: 2,
      // the orphan, and the two search entries (owner, name) of each token leaving the catalog
      'token-indexes': 5,
      'active-user-indexes': 3,
      'ban-index': 1,
      'session-indexes': 3,
      'cleanup-log-index': 1,
      audit: 3,
    });
    expect(preview.found).toBe(18);
    expect(preview.items).toHaveLength(16);
    expect(preview.items_truncated).toBe(false);
    expect(preview.freeable_bytes).toBeGreaterThan(0);
    for (const c of preview.categories) if (c.count > 0) expect([c.category, c.bytes > 0]).toEqual([c.category, true]);
    const members = preview.items.map((i) => i.member);
    expect(members).toEqual(
      expect.arrayContaining(['lapsed@example.com', 'was-banned@example.com', 'endedSessionId', 'orphanTokenIdAAAAAAAAAAAA']),
    );
    expect(members).not.toContain('live@example.com');
    expect(members).not.toContain('banned@example.com');
    expect(members).not.toContain(revokedId);
    expect(await r.dbsize()).toBe(before);
    expect(await r.xlen(keys.auditLog())).toBeGreaterThanOrEqual(3);
  });

  it('executes what the preview listed as a job, with its progress, measures what it freed, and keeps everything live', async () => {
    const { started, progress, run } = await executeAndWait(gw, adminToken);
    expect(started).toMatchObject({ state: 'running', trigger: 'manual', actor: 'admin@example.com', run_id: started.job_id });
    // Progress only moves forward, phase by phase, and ends done with the run's figures.
    const phases = progress.map((p) => PHASES.indexOf(p.phase));
    expect(phases.every((p, i) => p >= 0 && (i === 0 || p >= phases[i - 1]))).toBe(true);
    for (const field of ['scanned', 'deleted'] as const)
      expect(progress.every((p, i) => i === 0 || p[field] >= progress[i - 1][field])).toBe(true);
    const end = progress.at(-1)!;
    expect(end).toMatchObject({ state: 'finished', phase: 'done', found: 18, deleted: 18, freed_bytes: run.freed_bytes, error: null });
    expect(end.scanned).toBeGreaterThan(18);
    const current = await call<{ job: Job }>(gw, 'GET', '/api/admin/redis/cleanup/jobs/current', { token: adminToken });
    expect(current.body.job).toMatchObject({ job_id: started.job_id, state: 'finished' });

    expect(run).toMatchObject({
      trigger: 'manual',
      actor: 'admin@example.com',
      found: 18,
      deleted: 18,
      error: null,
      items_truncated: false,
    });
    expect(run.items.map(itemKey).sort()).toEqual(preview.items.map(itemKey).sort());
    expect(counts(run.categories)).toEqual(counts(preview.categories));
    expect(run.freed_bytes).toBeGreaterThan(0);

    const again = await call<Preview>(gw, 'GET', '/api/admin/redis/cleanup/preview', { token: adminToken });
    expect(again.body.found).toBe(0);

    // What is live is untouched: the live token works, the revoked one is still listed, the ban holds.
    expect((await fetch(`${gw.url}/api/admin/bans`, { headers: { authorization: `Bearer ${liveToken}` } })).status).toBe(403);
    const tokens = await call<{ items: Array<{ token_id: string; status: string }> }>(
      gw,
      'GET',
      '/api/admin/tokens?email=live@example.com',
      { token: adminToken },
    );
    expect(tokens.body.items.find((t) => t.token_id === revokedId)?.status).toBe('revoked');
    const bans = await call<{ items: Array<{ email: string }> }>(gw, 'GET', '/api/admin/bans', { token: adminToken });
    expect(bans.body.items.map((b) => b.email)).toEqual(['banned@example.com']);
    const users = await call<{ items: Array<{ email: string }> }>(gw, 'GET', '/api/admin/sessions/active-users?q=live', {
      token: adminToken,
    });
    expect(users.body.items.map((u) => u.email)).toEqual(['live@example.com']);
    expect(await r.zscore(keys.usersByLastAccess(), 'lapsed@example.com')).toBeNull();
    expect(await r.hexists(keys.tokenCatalog(), 'orphanTokenIdAAAAAAAAAAAA')).toBe(0);
    // The search indexes keep only what is live: the live and revoked tokens, live people, no ended session.
    const searchOwners = (await r.zrange(keys.tokensByTerm(), '0', '-1')).map((m) => m.split('\0')[0]);
    expect(searchOwners).not.toContain('expired@example.com');
    expect(searchOwners).not.toContain('deleted@example.com');
    expect(searchOwners.filter((o) => o === 'live@example.com')).toHaveLength(2);
    expect(await r.zscore(keys.usersByEmail(), 'lapsed@example.com')).toBeNull();
    expect(await r.zscore(keys.usersByEmail(), 'live@example.com')).toBe('0');
    expect(await r.zcard(keys.sessionsByEmail())).toBe(0);
  });

  it('keeps the run in its log, with the removed items, and audits it', async () => {
    const logs = await call<{ items: Run[]; total: number; retention_days: number }>(gw, 'GET', '/api/admin/redis/cleanup/logs', {
      token: adminToken,
    });
    expect(logs.status).toBe(200);
    expect(logs.body.total).toBe(1);
    expect(logs.body.retention_days).toBe(30);
    const [summary] = logs.body.items;
    expect(summary).toMatchObject({ trigger: 'manual', actor: 'admin@example.com', deleted: 18 });
    expect(summary).not.toHaveProperty('items');
    const detail = await call<Run>(gw, 'GET', `/api/admin/redis/cleanup/logs/${summary.run_id}`, { token: adminToken });
    expect(detail.body.items).toHaveLength(16);
    expect(detail.body.items.map(itemKey).sort()).toEqual(preview.items.map(itemKey).sort());
    expect((await call(gw, 'GET', '/api/admin/redis/cleanup/logs/1764575000000-00000000', { token: adminToken })).status).toBe(404);
    expect((await call(gw, 'GET', '/api/admin/redis/cleanup/logs/not-a-run', { token: adminToken })).status).toBe(400);
    const audit = await call<{ items: Array<{ actor: string; outcome: string; status: number }> }>(
      gw,
      'GET',
      '/api/admin/audit?action=cleanup.execute',
      {
        token: adminToken,
      },
    );
    // Newest first: the admin's run, then the non-admin's refused attempt from the first test.
    expect(audit.body.items.map((e) => [e.actor, e.outcome, e.status])).toEqual([
      ['admin@example.com', 'success', 202],
      ['user@example.com', 'denied', 403],
    ]);
  });

  it('keeps an entry that came back to life between the preview and the run', async () => {
    const { record } = await gw.get<TokensService>(TokensService).create({ email: 'phoenix@example.com', name: 'p', createdVia: 'cli' });
    await gw.get<ActiveUsersService>(ActiveUsersService).admitToken('phoenix@example.com', record.tokenId, 'p');
    await gw.get<ActivityWriteBehind>(ActivityWriteBehind).flush(); // activity is written behind
    await r.del(keys.activeUser('phoenix@example.com'));
    const res = await call<Preview>(gw, 'GET', '/api/admin/redis/cleanup/preview', { token: adminToken });
    expect(res.body.items.map((i) => i.member)).toContain('phoenix@example.com');
    await gw.get<ActiveUsersService>(ActiveUsersService).admitToken('phoenix@example.com', record.tokenId, 'p');
    await gw.get<ActivityWriteBehind>(ActivityWriteBehind).flush(); // activity is written behind
    const { run } = await executeAndWait(gw, adminToken);
    expect(run.items.map((i) => i.member)).not.toContain('phoenix@example.com');
    expect(await r.zscore(keys.usersByLastAccess(), 'phoenix@example.com')).not.toBeNull();
  });

  it('lets only one of several concurrent runs execute', async () => {
    const now = Date.now();
    const stale: Array<string | number> = [];
    for (let i = 0; i < 5000; i++) stale.push(now - i, `stale-${i}@example.com`);
    await r.zadd(keys.usersByLastAccess(), ...stale);
    const runsBefore = await r.zcard(keys.cleanupRuns());
    const answers = await Promise.all([1, 2, 3].map(() => call<Job>(gw, 'POST', '/api/admin/redis/cleanup', { token: adminToken })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([202, 409, 409]);
    expect(answers.find((a) => a.status === 409)?.body).toMatchObject({ code: 'cleanup_running' });
    const started = answers.find((a) => a.status === 202)!.body;
    const progress = await followJob(gw, adminToken, started.job_id);
    expect(progress.at(-1)).toMatchObject({ state: 'finished', deleted: 5000 });
    expect(await r.zcard(keys.cleanupRuns())).toBe(runsBefore + 1);
    expect(await r.exists(keys.cleanupLock())).toBe(0);
  });

  it('refuses to run while another instance holds the lock, and removes nothing', async () => {
    await r.zadd(keys.usersByLastAccess(), Date.now(), 'held@example.com');
    await r.set(keys.cleanupLock(), 'another-instance', 'PX', 10_000);
    const res = await call(gw, 'POST', '/api/admin/redis/cleanup', { token: adminToken });
    expect(res.status).toBe(409);
    expect(await r.zscore(keys.usersByLastAccess(), 'held@example.com')).not.toBeNull();
    expect(await r.get(keys.cleanupLock())).toBe('another-instance');
    await r.del(keys.cleanupLock());
  });

  it('logs scheduled runs as such', async () => {
    const tick = Date.now();
    await gw.get<CleanupScheduler>(CleanupScheduler).runTick(tick);
    const logs = await call<{ items: Run[] }>(gw, 'GET', '/api/admin/redis/cleanup/logs?limit=1', { token: adminToken });
    expect(logs.body.items[0]).toMatchObject({
      trigger: 'scheduled',
      scheduled_for: new Date(tick).toISOString(),
      actor: 'scheduler',
      deleted: 1,
    });
  });

  it('pages through the logs', async () => {
    const first = await call<{ items: Run[]; next_cursor: string | null; total: number }>(
      gw,
      'GET',
      '/api/admin/redis/cleanup/logs?limit=2',
      { token: adminToken },
    );
    expect(first.body.items).toHaveLength(2);
    const rest = await call<{ items: Run[]; next_cursor: string | null }>(
      gw,
      'GET',
      `/api/admin/redis/cleanup/logs?limit=10&cursor=${first.body.next_cursor}`,
      {
        token: adminToken,
      },
    );
    const ids = [...first.body.items, ...rest.body.items].map((x) => x.run_id);
    expect(new Set(ids).size).toBe(first.body.total);
    expect(rest.body.next_cursor).toBeNull();
    expect((await call(gw, 'GET', '/api/admin/redis/cleanup/logs?limit=0', { token: adminToken })).status).toBe(400);
    expect((await call(gw, 'GET', '/api/admin/redis/cleanup/preview?limit=5000', { token: adminToken })).status).toBe(400);
  });

  it('runs the job to its end with nobody watching, and shows who runs it while it runs', async () => {
    const now = Date.now();
    const stale: Array<string | number> = [];
    for (let i = 0; i < 20_000; i++) stale.push(now - i, `unwatched-${i}@example.com`);
    await r.zadd(keys.usersByLastAccess(), ...stale);
    const runsBefore = await r.zcard(keys.cleanupRuns());
    const res = await call<Job>(gw, 'POST', '/api/admin/redis/cleanup', { token: adminToken });
    expect(res.status).toBe(202);
    // Whoever asks while it runs is told it runs, and by whom (or it has just finished).
    const current = await call<{ job: Job }>(gw, 'GET', '/api/admin/redis/cleanup/jobs/current', { token: adminToken });
    expect(current.body.job).toMatchObject({ job_id: res.body.job_id, actor: 'admin@example.com' });
    // The page that started it is gone: nobody polls the job. Its run still ends in the logs.
    const deadline = Date.now() + 60_000;
    while ((await r.zcard(keys.cleanupRuns())) === runsBefore && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const run = await call<Run>(gw, 'GET', `/api/admin/redis/cleanup/logs/${res.body.run_id}`, { token: adminToken });
    expect(run.body).toMatchObject({ deleted: 20_000, error: null });
    expect(await r.zcard(keys.usersByLastAccess())).toBeLessThan(100);
  });

  it('answers 404 for an unknown job and 400 for something that is not a job id', async () => {
    expect((await call(gw, 'GET', '/api/admin/redis/cleanup/jobs/1764575000000-00000000', { token: adminToken })).status).toBe(404);
    expect((await call(gw, 'GET', '/api/admin/redis/cleanup/jobs/not-a-job', { token: adminToken })).status).toBe(400);
  });
});

describe('a cleanup job when the gateway stops', () => {
  it('ends the job (finished, or stopped early with its log) and releases the lock: no job is left running', async () => {
    const redis = await startTestRedis();
    const env = testEnv(redis.url, { ADMIN_EMAILS: 'admin@example.com' });
    let gw = await startTestApp(env);
    try {
      const keys = gw.get<RedisKeys>(RedisKeys);
      const r = redis.client();
      const token = await mintToken(gw, 'admin@example.com');
      const now = Date.now();
      const stale: Array<string | number> = [];
      for (let i = 0; i < 30_000; i++) stale.push(now - i, `stopping-${i}@example.com`);
      await r.zadd(keys.usersByLastAccess(), ...stale);
      const res = await call<Job>(gw, 'POST', '/api/admin/redis/cleanup', { token });
      expect(res.status).toBe(202);
      await gw.close();
      expect(await r.exists(keys.cleanupLock())).toBe(0);
      gw = await startTestApp(env);
      const job = await call<Job>(gw, 'GET', `/api/admin/redis/cleanup/jobs/${res.body.job_id}`, { token });
      expect(['finished', 'failed']).toContain(job.body.state);
      const run = await call<Run>(gw, 'GET', `/api/admin/redis/cleanup/logs/${res.body.run_id}`, { token });
      expect(run.status).toBe(200);
      if (job.body.state === 'failed') expect(run.body.error).toBe('the gateway is shutting down');
    } finally {
      await gw.close();
      await redis.close();
    }
  });
});
