/**
 * Bans survive a lost Redis by not pretending: when Redis comes back empty (FLUSHALL, or a
 * restart without persistence) the store marker is gone, and the gateway closes: /v1, sign-in and
 * token minting answer 503 with the reason, readiness fails and a fatal line is logged, until an
 * operator confirms the reset with `npm run cli -- redis confirm-reset` (audited); an alert goes out
 * (SLACK_WEBHOOK_URL, to a local receiver here). Old tokens are then unknown (401); new ones work.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEchoUpstream, type EchoUpstream } from '../src/demo/echo-upstream.js';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { STORE_RESET_MESSAGE } from '../src/redis/redis-durability.service.js';
import { TokensService } from '../src/tokens/tokens.service.js';
import { LogCapture } from './support/log-capture.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { eventually, jsonRequest } from './support/polling.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

describe('Redis that came back empty', () => {
  let redis: TestRedis;
  let upstream: EchoUpstream;
  let gw: TestApp;
  let logs: LogCapture;
  let receiver: WebhookReceiver;
  let env: Record<string, string>;

  const v1 = (token: string) => jsonRequest(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
  const mint = async (email: string) => (await gw.get<TokensService>(TokensService).create({ email, createdVia: 'cli' })).token;
  const cli = (...args: string[]) => {
    const { PATH, HOME } = process.env;
    const run = spawnSync(process.execPath, ['dist/cli.js', ...args], { env: { PATH, HOME, ...env }, encoding: 'utf8', timeout: 20_000 });
    if (run.status !== 0) throw new Error(`CLI exited ${String(run.status)}: ${run.stderr}`);
    return JSON.parse(run.stdout) as Record<string, unknown>;
  };
  const isClosedForReset = async (): Promise<boolean> => {
    const res = await jsonRequest(`${gw.url}/health`);
    return res.status === 503 && res.body.reason === 'Redis lost its data; an operator must confirm the reset';
  };

  beforeAll(async () => {
    // Its own server: the suite flushes and restarts it.
    redis = await startTestRedis({ forceOwn: true });
    upstream = await startEchoUpstream();
    logs = new LogCapture();
    receiver = await startWebhookReceiver();
    env = testEnv(redis.url, { UPSTREAM_URL: upstream.url, ADMIN_EMAILS: 'root@example.com', SLACK_WEBHOOK_URL: receiver.url });
    gw = await startTestApp(env, { logger: logs });
  });
  afterAll(async () => {
    await gw?.close();
    await receiver?.close();
    await upstream?.close();
    await redis?.close();
  });

  it('closes /v1, sign-in and minting with 503 after a FLUSHALL, fails readiness and logs a fatal line, until confirm-reset', async () => {
    const old = await mint('alice@example.com');
    const admin = await mint('root@example.com');
    expect((await v1(old)).status).toBe(200);
    expect((await jsonRequest(`${gw.url}/health`)).status).toBe(200);

    await redis.client().flushall();

    // Readiness looks at the marker on every check.
    expect(await jsonRequest(`${gw.url}/health`)).toEqual({
      status: 503,
      body: { status: 'unavailable', redis: 'down', reason: 'Redis lost its data; an operator must confirm the reset' },
    });
    const before = upstream.requests.length;
    expect(await v1(old)).toEqual({
      status: 503,
      body: { type: 'error', error: { type: 'overloaded_error', message: STORE_RESET_MESSAGE, code: 'service_unavailable' } },
    });
    const login = await jsonRequest(`${gw.url}/auth/login`, { headers: { accept: 'application/json' }, redirect: 'manual' });
    expect(login.status).toBe(503);
    expect(login.body).toMatchObject({ statusCode: 503, message: STORE_RESET_MESSAGE, code: 'service_unavailable' });
    const minted = await jsonRequest(`${gw.url}/api/token/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token_name: 'after-the-loss' }),
    });
    expect(minted).toEqual({
      status: 503,
      body: { statusCode: 503, error: 'Service Unavailable', message: STORE_RESET_MESSAGE, code: 'service_unavailable' },
    });
    expect(upstream.requests.length).toBe(before);
    expect(
      logs
        .of('RedisDurability')
        .filter((line) => line.level === 'fatal')
        .map((line) => line.message),
    ).toEqual([expect.stringMatching(/^Redis lost its data .*redis confirm-reset/)]);
    // And an alert went out (SLACK_WEBHOOK_URL).
    expect(await receiver.waitFor(/Redis lost its data\*: the store marker is gone/)).toHaveLength(1);

    const confirmed = cli('redis', 'confirm-reset');
    expect(confirmed).toMatchObject({ confirmed: true, marker_was: 'missing', persistence: 'none' });
    await eventually('/health is ready again', async () => (await jsonRequest(`${gw.url}/health`)).status === 200);

    // The allowlist went with the data: the old token is unknown now; a new one works.
    expect((await v1(old)).status).toBe(401);
    expect((await v1(await mint('alice@example.com'))).status).toBe(200);
    // The confirmation is in the audit trail, naming the operator's account.
    const audit = await redis.client().xrange(gw.get<RedisKeys>(RedisKeys).auditLog(), '-', '+');
    const entries = audit.map(([, fields]) => {
      const entry: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) entry[fields[i]] = fields[i + 1];
      return entry;
    });
    expect(entries.filter((e) => e.action === 'redis.confirm-reset')).toEqual([
      expect.objectContaining({
        action: 'redis.confirm-reset',
        actor: expect.stringMatching(/^cli:/),
        actor_method: 'cli',
        outcome: 'success',
      }),
    ]);
  });

  it('detects a Redis restarted empty on its own (reconnect and periodic checks), without a readiness probe', async () => {
    const token = await mint('bob@example.com');
    expect((await v1(token)).status).toBe(200);
    await redis.stop();
    await redis.start();
    // Only /v1 is called: the gateway must find out by itself.
    await eventually('/v1 answers 503 for the reset', async () => {
      const res = await v1(token);
      return res.status === 503 && (res.body.error as { message?: string } | undefined)?.message === STORE_RESET_MESSAGE;
    });
    expect(await isClosedForReset()).toBe(true);

    cli('redis', 'confirm-reset');
    await eventually('/health is ready again', async () => (await jsonRequest(`${gw.url}/health`)).status === 200);
    expect((await v1(await mint('bob@example.com'))).status).toBe(200);
  });

  it('reports the store with `redis status`', () => {
    expect(cli('redis', 'status')).toMatchObject({
      persistence: 'none',
      marker: 'present',
      marker_value: expect.stringMatching(/^confirmed:/),
    });
  });
});
