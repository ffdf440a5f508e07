/**
 * Cleanup maths against a real redis-server: what counts as ended (a score range), what as an
 * orphan (a separate pass), what a preview counts and frees, and that execute removes exactly that.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ActiveUsersModule } from '../../src/active-users/active-users.module.js';
import { ActiveUsersService } from '../../src/active-users/active-users.service.js';
import { AuditModule } from '../../src/audit/audit.module.js';
import { CleanupModule } from '../../src/cleanup/cleanup.module.js';
import { CleanupService } from '../../src/cleanup/cleanup.service.js';
import type { CleanupReport } from '../../src/cleanup/cleanup-run.js';
import { SessionsModule } from '../../src/sessions/sessions.module.js';
import { TokensModule } from '../../src/tokens/tokens.module.js';
import { TokensService } from '../../src/tokens/tokens.service.js';
import { startServiceModule, type ServiceModule } from '../support/service-module.js';

const DAY = 86400_000;
const TTL_SECONDS = 3600;

describe('CleanupService (against Redis)', () => {
  let m: ServiceModule;
  let sut: CleanupService;

  beforeAll(async () => {
    m = await startServiceModule([TokensModule, SessionsModule, AuditModule, ActiveUsersModule, CleanupModule], {
      ACTIVE_USER_TTL_SECONDS: String(TTL_SECONDS),
    });
    sut = m.get(CleanupService);
  });
  afterAll(async () => {
    await m?.close();
  });
  beforeEach(async () => {
    const stale = await sut.preview(1000);
    if (stale.found > 0) await sut.execute('spec', 'manual');
  });

  const memory = async (key: string): Promise<number> => Number(await m.redis.call('MEMORY', 'USAGE', key));
  const category = (r: CleanupReport, name: string): { count: number; bytes: number } => r.categories.find((c) => c.category === name)!;

  it('takes an index entry scored before now as ended, and frees its share of the key', async () => {
    const now = Date.now();
    await m.redis.zadd(m.keys.bans(), now - 1000, 'ended@example.com');
    await m.get(ActiveUsersService).ban({ email: 'banned@example.com', bannedBy: 'spec' });
    const bytes = await memory(m.keys.bans());

    const preview = await sut.preview(100);
    expect(preview.items.map((i) => [i.category, i.member, i.reason])).toEqual([['ban-index', 'ended@example.com', 'ban has ended']]);
    // One of two entries goes: half the key's MEMORY USAGE.
    expect(category(preview, 'ban-index')).toMatchObject({ count: 1, bytes: Math.round(bytes / 2) });
    expect(preview.bytes).toBe(Math.round(bytes / 2));

    const run = await sut.execute('spec', 'manual');
    expect([run.found, run.deleted, run.error]).toEqual([1, 1, null]);
    expect(await m.redis.zrange(m.keys.bans(), '0', '-1')).toEqual(['banned@example.com']);
    expect((await sut.preview(100)).found).toBe(0);
  });

  it('counts all of a key when every entry of it goes (the key disappears)', async () => {
    await m.redis.zadd(m.keys.usersByMethod('oauth2'), Date.now(), 'nobody@example.com');
    const bytes = await memory(m.keys.usersByMethod('oauth2'));
    const preview = await sut.preview(100);
    expect(category(preview, 'active-user-indexes')).toMatchObject({ count: 1, bytes });
    await sut.execute('spec', 'manual');
    expect(await m.redis.exists(m.keys.usersByMethod('oauth2'))).toBe(0);
  });

  it('takes run-index entries older than CLEANUP_LOG_RETENTION_DAYS as ended', async () => {
    const old = `${Date.now() - 400 * DAY}-deadbeef`;
    await m.redis.zadd(m.keys.cleanupRuns(), Date.now() - 400 * DAY, old);
    const preview = await sut.preview(100);
    expect(preview.items.map((i) => [i.category, i.member, i.reason])).toEqual([['cleanup-log-index', old, 'run log has expired']]);
    const run = await sut.execute('spec', 'manual');
    expect(await m.redis.zscore(m.keys.cleanupRuns(), old)).toBeNull();
    expect(await m.redis.zscore(m.keys.cleanupRuns(), run.runId)).not.toBeNull();
  });

  it('takes activity as ended a minute after ACTIVE_USER_TTL_SECONDS, whatever the record says', async () => {
    const now = Date.now();
    const past = now - TTL_SECONDS * 1000 - 2 * 60_000;
    const withinSlack = now - TTL_SECONDS * 1000 - 10_000;
    for (const [email, score] of [
      ['lapsed@example.com', past],
      ['recent@example.com', withinSlack],
    ] as const) {
      await m.redis.zadd(m.keys.usersByLastAccess(), score, email);
      await m.redis.zadd(m.keys.usersByEmail(), 0, email);
      await m.redis.hset(m.keys.activeUser(email), 'email', email);
    }
    const preview = await sut.preview(100);
    expect(preview.items.map((i) => `${i.key} ${i.member}`).sort()).toEqual([
      `${m.keys.usersByEmail()} lapsed@example.com`,
      `${m.keys.usersByLastAccess()} lapsed@example.com`,
    ]);
    await sut.execute('spec', 'manual');
    expect(await m.redis.zscore(m.keys.usersByLastAccess(), 'recent@example.com')).not.toBeNull();
  });

  it('finds orphans in a separate pass: an entry whose record was deleted by hand goes, one whose record lives stays', async () => {
    const now = Date.now();
    for (const email of ['deleted@example.com', 'alive@example.com']) await m.redis.zadd(m.keys.usersByLastAccess(), now, email);
    await m.redis.hset(m.keys.activeUser('alive@example.com'), 'email', 'alive@example.com');
    await m.redis.zadd(m.keys.sessionsByExpiry(), now + DAY, 'sessionDeletedByHand');

    const preview = await sut.preview(100);
    expect(preview.items.map((i) => [i.category, i.member]).sort()).toEqual([
      ['active-user-indexes', 'deleted@example.com'],
      ['session-indexes', 'sessionDeletedByHand'],
    ]);
  });

  it('takes a token past its expiry out of the catalog with its per-user, global and search entries', async () => {
    const tokens = m.get(TokensService);
    const issued = await tokens.create({ email: 'old@example.com', name: 'Laptop', createdVia: 'cli' });
    const id = issued.record.tokenId;
    const past = Date.now() - 60_000;
    const entry = JSON.parse((await m.redis.hget(m.keys.tokenCatalog(), id))!) as { x: number };
    await m.redis.hset(m.keys.tokenCatalog(), id, JSON.stringify({ ...entry, x: past }));
    await m.redis.zadd(m.keys.tokensByExpiry(), past, id);
    await m.redis.del(m.keys.token('old@example.com', id));

    const preview = await sut.preview(100);
    expect(preview.found).toBe(3);
    expect(preview.items.map((i) => [i.category, i.member])).toEqual([
      ['tokens', id],
      ['token-indexes', `old@example.com\0${id}`],
      ['token-indexes', `laptop\0${id}`],
    ]);
    const run = await sut.execute('spec', 'manual');
    expect(run.deleted).toBe(3);
    expect(await m.redis.hexists(m.keys.tokenCatalog(), id)).toBe(0);
    for (const key of [
      m.keys.tokensByCreated(),
      m.keys.tokensByExpiry(),
      m.keys.userTokens('old@example.com'),
      m.keys.userTokenHistory('old@example.com'),
    ]) {
      expect([key, await m.redis.zscore(key, id)]).toEqual([key, null]);
    }
    expect(await m.redis.zcard(m.keys.tokensByTerm())).toBe(0);
  });
});
