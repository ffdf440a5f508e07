/**
 * Scheduled cleanups (CLEANUP_CRON) with two gateway instances on one redis-server and one key
 * prefix, as two replicas behind a load balancer: every tick is run by one of them, once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Redis } from 'ioredis';
import { CLEANUP_JOB, CleanupScheduler } from '../src/cleanup/cleanup.scheduler.js';
import { CleanupService } from '../src/cleanup/cleanup.service.js';
import { CleanupRunSummaryDto } from '../src/cleanup/dto/cleanup-run-summary.dto.js';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

describe('scheduled cleanup (CLEANUP_CRON) across replicas', () => {
  let redis: TestRedis;
  let a: TestApp;
  let b: TestApp;
  let r: Redis;
  let keys: RedisKeys;

  /** The run logs as GET /api/admin/redis/cleanup/logs answers them (two apps in one process share passport, so read them in-process). */
  const scheduledRuns = async (): Promise<CleanupRunSummaryDto[]> => {
    const page = await a.get<CleanupService>(CleanupService).runs(null, 500);
    return page.items.map((run) => CleanupRunSummaryDto.from(run)).filter((run) => run.trigger === 'scheduled');
  };

  beforeAll(async () => {
    redis = await startTestRedis();
    // One environment (and so one key prefix) for both instances, a tick every second.
    const env = testEnv(redis.url, { CLEANUP_CRON: '* * * * * *' });
    [a, b] = await Promise.all([startTestApp(env), startTestApp(env)]);
    r = redis.client();
    keys = a.get<RedisKeys>(RedisKeys);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.close();
  });

  it('runs each tick once, in one of the instances, and logs it as scheduled with its tick', async () => {
    let runs: CleanupRunSummaryDto[] = [];
    for (let waited = 0; waited < 200 && runs.length < 4; waited++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      runs = await scheduledRuns();
    }
    expect(runs.length).toBeGreaterThanOrEqual(4);
    for (const run of runs) {
      expect(run).toMatchObject({ trigger: 'scheduled', actor: 'scheduler', error: null });
      expect(run.scheduled_for).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    }
    const ticks = runs.map((run) => run.scheduled_for);
    expect(new Set(ticks).size).toBe(ticks.length);
  });

  it('leaves a tick to the instance that claimed it, even after that run has finished', async () => {
    // A tick a minute back, so the running cron jobs never fire for it.
    const tick = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const runsOf = async (): Promise<number> =>
      (await scheduledRuns()).filter((run) => run.scheduled_for === new Date(tick).toISOString()).length;
    await a.get<CleanupScheduler>(CleanupScheduler).runTick(tick);
    expect(await runsOf()).toBe(1);
    // The second replica's timer fires late for the same tick: the cleanup lock is free by now,
    // but the tick is taken.
    await b.get<CleanupScheduler>(CleanupScheduler).runTick(tick);
    await a.get<CleanupScheduler>(CleanupScheduler).runTick(tick);
    expect(await runsOf()).toBe(1);
    const claim = keys.cleanupTick(tick);
    expect(await r.get(claim)).toMatch(/:\d+:[0-9a-f]{8}$/);
    expect(await r.pttl(claim)).toBeGreaterThan(0);
  });

  it('schedules nothing when CLEANUP_CRON is not set', async () => {
    const plain = await startTestApp(testEnv(redis.url));
    try {
      expect(plain.get<SchedulerRegistry>(SchedulerRegistry).doesExist('cron', CLEANUP_JOB)).toBe(false);
      expect(a.get<SchedulerRegistry>(SchedulerRegistry).doesExist('cron', CLEANUP_JOB)).toBe(true);
    } finally {
      await plain.close();
    }
  });
});
