/**
 * Slack alerts (SLACK_WEBHOOK_URL) against a local receiver that speaks the incoming-webhook
 * protocol: bans and unbans, cleanups that fail or remove many entries, a scheduled cleanup that
 * cannot start, a Redis that lost its data; delivery in the background with a timeout, one retry
 * and a bounded queue.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { ALERT_QUEUE_SIZE, SlackNotifier } from '../src/alerts/slack-notifier.service.js';
import { CleanupScheduler } from '../src/cleanup/cleanup.scheduler.js';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { call, mintToken } from './support/admin-client.js';
import { startGatewayProcess } from './support/gateway-process.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

const ADMIN = 'admin@example.com';

describe('Slack alerts', () => {
  let redis: TestRedis;
  let receiver: WebhookReceiver;
  let gw: TestApp;
  let r: Redis;
  let keys: RedisKeys;
  let adminToken: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startTestRedis({ forceOwn: true });
    receiver = await startWebhookReceiver();
    env = testEnv(redis.url, {
      ADMIN_EMAILS: ADMIN,
      SLACK_WEBHOOK_URL: receiver.url,
      CLEANUP_ALERT_THRESHOLD: '3',
      ALERT_TIMEOUT_MS: '500',
      PUBLIC_URL: 'https://gateway.example.com',
    });
    gw = await startTestApp(env);
    r = redis.client();
    keys = gw.get<RedisKeys>(RedisKeys);
    adminToken = await mintToken(gw, ADMIN);
  });

  afterAll(async () => {
    receiver?.release();
    await gw?.close();
    await receiver?.close();
    await redis?.close();
  });

  it('alerts a ban and an unban: who, whom and why, with what a person typed escaped', async () => {
    const ban = await call(gw, 'POST', '/api/admin/sessions/revoke-user', {
      token: adminToken,
      body: { user_email: 'mallory@example.com', reason: 'posted the token in <!channel> & <https://evil.example|a link>' },
    });
    expect(ban.status).toBe(200);
    const [banned] = await receiver.waitFor(/mallory@example\.com was banned/);
    expect(banned.contentType).toBe('application/json');
    expect(banned.path).toBe('/services/T000/B000/webhook-secret-part');
    expect(banned.body.text).toContain(`by ${ADMIN}`);
    expect(banned.body.text).toContain('Reason: posted the token in &lt;!channel&gt; &amp; &lt;https://evil.example|a link&gt;');
    expect(banned.body.text).not.toContain('<!channel>');
    expect(banned.body.text).toContain(`until ${String((ban.body as { banned_until: string }).banned_until)}`);
    expect(banned.body.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: banned.body.text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: expect.stringContaining('LLM gateway https://gateway.example.com') }] },
    ]);

    const unban = await call(
      gw,
      'DELETE',
      `/api/admin/sessions/unban/mallory@example.com?reason=${encodeURIComponent('appeal accepted')}`,
      { token: adminToken },
    );
    expect(unban.status).toBe(200);
    const [unbanned] = await receiver.waitFor(/mallory@example\.com was unbanned/);
    expect(unbanned.body.text).toContain(`by ${ADMIN}. Reason: appeal accepted.`);
  });

  it('answers the request that raised an alert without waiting for the webhook', async () => {
    // A replica that would wait a minute for the webhook: an answer within the test's time shows nothing waits.
    const patient = await startGatewayProcess({ ...env, ALERT_TIMEOUT_MS: '60000' });
    try {
      receiver.answer([], { kind: 'hold' });
      const ban = await fetch(`${patient.url}/api/admin/sessions/revoke-user`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ user_email: 'patient@example.com', reason: 'test' }),
      });
      expect(ban.status).toBe(200);
      await receiver.waitFor(/patient@example\.com was banned/);
      expect(receiver.held).toBe(1);
    } finally {
      receiver.release();
      await patient.stop();
    }
  });

  it('retries once when the webhook does not answer within ALERT_TIMEOUT_MS', async () => {
    receiver.answer([{ kind: 'hold' }, { kind: 'ok' }]);
    const ban = await call(gw, 'POST', '/api/admin/sessions/revoke-user', {
      token: adminToken,
      body: { user_email: 'slow@example.com', reason: 'test' },
    });
    expect(ban.status).toBe(200);
    const attempts = await receiver.waitFor(/slow@example\.com was banned/, 2);
    expect(attempts).toHaveLength(2);
    expect(attempts[1].body).toEqual(attempts[0].body);
  });

  it('retries once after a 5xx, and not after a 4xx', async () => {
    receiver.answer([{ kind: 'status', status: 503 }]);
    gw.get<SlackNotifier>(SlackNotifier).redisDataLost('retry-after-5xx');
    expect(await receiver.waitFor(/retry-after-5xx/, 2)).toHaveLength(2);

    receiver.answer([{ kind: 'status', status: 404 }]);
    gw.get<SlackNotifier>(SlackNotifier).redisDataLost('no-retry-after-4xx');
    gw.get<SlackNotifier>(SlackNotifier).redisDataLost('next-alert');
    // Alerts go out in order: once the next one has arrived, a retry of the first would have too.
    await receiver.waitFor(/next-alert/);
    expect((await receiver.waitFor(/no-retry-after-4xx/)).length).toBe(1);
  });

  /** Starts a cleanup job (202) and follows it to its end (bounded): its last progress. */
  async function cleanupJob(): Promise<{ run_id: string; state: string; deleted: number; error: string | null }> {
    const started = await call<{ job_id: string }>(gw, 'POST', '/api/admin/redis/cleanup', { token: adminToken });
    expect(started.status).toBe(202);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const job = await call<{ run_id: string; state: string; deleted: number; error: string | null }>(
        gw,
        'GET',
        `/api/admin/redis/cleanup/jobs/${started.body.job_id}`,
        { token: adminToken },
      );
      if (job.body.state !== 'running') return job.body;
      if (Date.now() > deadline) throw new Error('cleanup job still running after 30 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('alerts a cleanup that removes more than CLEANUP_ALERT_THRESHOLD entries, and not one below it', async () => {
    const future = Date.now() + 3600_000;
    // Ban index entries whose ban record is gone: stale.
    await r.zadd(keys.bans(), future, 'ghost1@example.com', future, 'ghost2@example.com');
    const small = await cleanupJob();
    expect(small).toMatchObject({ state: 'finished', deleted: 2 });

    await r.zadd(
      keys.bans(),
      future,
      'ghost3@example.com',
      future,
      'ghost4@example.com',
      future,
      'ghost5@example.com',
      future,
      'ghost6@example.com',
    );
    const large = await cleanupJob();
    expect(large.deleted).toBe(4);
    const [alert] = await receiver.waitFor(/Redis cleanup removed 4 stale entries/);
    expect(alert.body.text).toContain('more than CLEANUP_ALERT_THRESHOLD, 3');
    expect(alert.body.text).toContain(`manual run \`${large.run_id}\` by ${ADMIN}`);
    expect(receiver.received.filter((a) => a.body.text.includes(small.run_id))).toEqual([]);
  });

  it('alerts a cleanup that stops early', async () => {
    // A token catalog of the wrong type makes the run fail part-way.
    await r.set(keys.tokenCatalog(), 'not a hash');
    try {
      const job = await cleanupJob();
      expect(job.state).toBe('failed');
      expect(job.error).toMatch(/WRONGTYPE/);
      const [alert] = await receiver.waitFor(/Redis cleanup failed/);
      expect(alert.body.text).toMatch(/manual run `\d{13}-[0-9a-f]{8}` by admin@example\.com\): WRONGTYPE/);
    } finally {
      await r.del(keys.tokenCatalog());
    }
  });

  it('sends what the Redis data-loss detection reports', async () => {
    gw.get<SlackNotifier>(SlackNotifier).redisDataLost('the boot marker key is gone');
    const [alert] = await receiver.waitFor(/the boot marker key is gone/);
    expect(alert.body.text).toMatch(/^:rotating_light: \*Redis lost its data\*: the boot marker key is gone\./);
  });

  it('drops the oldest waiting alert when the queue is full', async () => {
    receiver.answer([], { kind: 'hold' });
    const notifier = gw.get<SlackNotifier>(SlackNotifier);
    notifier.redisDataLost('queue-0');
    await receiver.waitFor(/queue-0/);
    // queue-0 is in flight; queue-1 .. queue-N wait, and one more pushes queue-1 out.
    for (let i = 1; i <= ALERT_QUEUE_SIZE + 1; i++) notifier.redisDataLost(`queue-${i}`);
    receiver.release();
    await receiver.waitFor(new RegExp(`queue-${ALERT_QUEUE_SIZE + 1}\\b`));
    const texts = new Set(receiver.received.map((a) => /queue-(\d+)/.exec(a.body.text)?.[1]).filter((n) => n !== undefined));
    expect(texts.has('0')).toBe(true);
    expect(texts.has('1')).toBe(false);
    expect(texts.has('2')).toBe(true);
    expect(texts.size).toBe(ALERT_QUEUE_SIZE + 1);
  });

  it('alerts a scheduled cleanup that cannot start, once for a run of failures', async () => {
    const scheduler = gw.get<CleanupScheduler>(CleanupScheduler);
    redis.pause();
    try {
      await scheduler.runTick(Date.now() - 2000);
      await scheduler.runTick(Date.now() - 1000);
    } finally {
      redis.resume();
    }
    gw.get<SlackNotifier>(SlackNotifier).redisDataLost('marker-after-scheduled-failures');
    await receiver.waitFor(/marker-after-scheduled-failures/);
    expect(receiver.received.filter((a) => /Scheduled Redis cleanup failed to run/.test(a.body.text))).toHaveLength(1);
  });
});
