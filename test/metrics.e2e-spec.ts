/**
 * Prometheus /metrics: never public, readable with METRICS_TOKEN or by an admin, and counting
 * what the gateway did: requests by family, status and auth method, refusals by reason, upstream
 * timings and live streams, Redis command timings and errors, bans, tokens and sessions live now,
 * and Node's process defaults.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DemoOidcUser } from '../src/demo/demo-oidc-provider.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { auth0Env, signIn, startTestOidcProvider, type TestOidcProvider } from './support/oidc-provider.js';
import { freePort } from './support/redis-server.js';

const METRICS_TOKEN = 'metrics-scraper-secret-0123456789';
const SUPER_ADMIN = 'root@example.com';
const BROWSER_USER: DemoOidcUser = { email: 'browser@example.com', password: 'pw-browser', name: 'Browser User' };

/** The value of one sample (`name{labels}`) in a Prometheus text exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  let stack: GatewayStack;
  let provider: TestOidcProvider;
  let gwUrl: string;
  let adminToken: string;
  let userToken: string;

  beforeAll(async () => {
    gwUrl = `http://127.0.0.1:${await freePort()}`;
    provider = await startTestOidcProvider(gwUrl, [BROWSER_USER]);
    // A redis-server of its own: one test freezes and fills it.
    stack = await startGatewayStack({
      ownRedis: true,
      env: { ...auth0Env(provider, gwUrl), METRICS_TOKEN, SUPER_ADMIN_EMAIL: SUPER_ADMIN },
    });
    adminToken = (await stack.mint(SUPER_ADMIN, { scopes: ['llm', 'admin'] })).token;
    userToken = (await stack.mint('user@example.com')).token;
  });
  afterAll(async () => {
    await stack?.close();
    await provider?.close();
  });

  const scrape = async (headers: Record<string, string>): Promise<{ status: number; type: string | null; text: string }> => {
    const res = await fetch(`${gwUrl}/metrics`, { headers });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  it('refuses anonymous callers, a wrong bearer and a non-admin token, without showing a metric', async () => {
    const callers: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer not-the-metrics-token-0000000' },
      { authorization: `Bearer ${userToken}` },
      { 'x-api-key': METRICS_TOKEN },
    ];
    for (const headers of callers) {
      const answer = await scrape(headers);
      expect([401, 403]).toContain(answer.status);
      expect(answer.text).not.toContain('llmgw_');
    }
    expect((await scrape({})).status).toBe(401);
    expect((await scrape({ authorization: `Bearer ${userToken}` })).status).toBe(403);
  });

  it('serves the Prometheus text format to the METRICS_TOKEN bearer and to an admin', async () => {
    for (const token of [METRICS_TOKEN, adminToken]) {
      const answer = await scrape({ authorization: `Bearer ${token}` });
      expect(answer.status).toBe(200);
      expect(answer.type).toMatch(/^text\/plain/);
      expect(answer.text).toContain('# TYPE llmgw_http_requests_total counter');
      // Process defaults: event-loop lag, heap, GC.
      expect(answer.text).toContain('nodejs_eventloop_lag_seconds');
      expect(answer.text).toContain('nodejs_heap_size_used_bytes');
      expect(answer.text).toContain('nodejs_gc_duration_seconds');
    }
  });

  it('counts /v1 calls by status and auth method, refusals by reason, upstream timings and streams', async () => {
    const before = (await scrape({ authorization: `Bearer ${METRICS_TOKEN}` })).text;
    const ok = 'llmgw_http_requests_total{family="v1",status="200",auth="jwt"}';
    const refused = 'llmgw_http_requests_total{family="v1",status="401",auth="none"}';
    const badSignature = 'llmgw_auth_refusals_total{reason="bad_signature",via="v1"}';
    const [h, p] = userToken.split('.');
    const forged = `${h}.${p}.${'A'.repeat(43)}`;

    const stream = await fetch(`${gwUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'echo', stream: true, messages: [{ role: 'user', content: 'count me' }] }),
    });
    expect(stream.status).toBe(200);
    expect(await stream.text()).toContain('[DONE]');
    const refusedCall = await fetch(`${gwUrl}/v1/models`, { headers: { authorization: `Bearer ${forged}` } });
    expect(refusedCall.status).toBe(401);
    await refusedCall.text();

    const after = (await scrape({ authorization: `Bearer ${METRICS_TOKEN}` })).text;
    expect(sample(after, ok)).toBe((sample(before, ok) ?? 0) + 1);
    expect(sample(after, refused)).toBe((sample(before, refused) ?? 0) + 1);
    expect(sample(after, badSignature)).toBe((sample(before, badSignature) ?? 0) + 1);
    const timed = 'llmgw_upstream_duration_seconds_count';
    const firstByte = 'llmgw_upstream_first_byte_seconds_count';
    expect(sample(after, timed)).toBe((sample(before, timed) ?? 0) + 1);
    expect(sample(after, firstByte)).toBe((sample(before, firstByte) ?? 0) + 1);
    // The stream has ended: no stream is live.
    expect(sample(after, 'llmgw_live_streams')).toBe(0);
    // The scrapes themselves are counted as other requests, without a user.
    expect(sample(after, 'llmgw_http_requests_total{family="other",status="200",auth="none"}')).toBeGreaterThanOrEqual(1);
  });

  const scrapeText = async (): Promise<string> => (await scrape({ authorization: `Bearer ${METRICS_TOKEN}` })).text;
  const api = async (
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${gwUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('counts bans active, tokens live and sessions live from the indexes, up and down with the real actions', async () => {
    const bans = 'llmgw_bans_active';
    const tokens = 'llmgw_tokens_live';
    const sessions = 'llmgw_sessions_live';
    const start = await scrapeText();
    for (const series of [bans, tokens, sessions]) expect(sample(start, series)).toEqual(expect.any(Number));

    const banned = await api('POST', '/api/admin/sessions/revoke-user', adminToken, {
      user_email: 'banned@example.com',
      reason: 'metrics test',
    });
    expect(banned.status).toBe(200);
    const afterBan = await scrapeText();
    expect(sample(afterBan, bans)).toBe(sample(start, bans)! + 1);

    const created = await api('POST', '/api/token/generate', userToken, { token_name: 'counted' });
    expect(created.status).toBe(201);
    const afterCreate = await scrapeText();
    expect(sample(afterCreate, tokens)).toBe(sample(start, tokens)! + 1);

    const { response } = await signIn(provider.newBrowser(), gwUrl, BROWSER_USER);
    expect(response.status).toBe(302);
    const afterSignIn = await scrapeText();
    expect(sample(afterSignIn, sessions)).toBe(sample(start, sessions)! + 1);

    expect((await api('DELETE', '/api/admin/sessions/unban/banned@example.com', adminToken)).status).toBe(200);
    expect((await api('POST', '/api/token/revoke', userToken, { token_id: created.body.token_id })).status).toBe(200);
    const end = await scrapeText();
    expect(sample(end, bans)).toBe(sample(start, bans));
    expect(sample(end, tokens)).toBe(sample(start, tokens));
  });

  it('times Redis commands by name (scripts by their name) and counts failed commands by kind', async () => {
    const admit = 'llmgw_redis_command_duration_seconds_count{command="gwAdmitToken"}';
    const unavailable = 'llmgw_redis_command_errors_total{kind="unavailable"}';
    const refusingWrites = 'llmgw_redis_command_errors_total{kind="refusing-writes"}';
    const before = await scrapeText();
    // Every kind is exported before its first error, so a rate() over it starts at 0.
    expect(sample(before, 'llmgw_redis_command_errors_total{kind="other"}')).toEqual(expect.any(Number));

    const models = await fetch(`${gwUrl}/v1/models`, { headers: { authorization: `Bearer ${userToken}` } });
    expect(models.status).toBe(200);
    await models.text();
    const afterCall = await scrapeText();
    expect(sample(afterCall, admit)).toBe((sample(before, admit) ?? 0) + 1);
    expect(sample(afterCall, 'llmgw_redis_command_duration_seconds_bucket{le="+Inf",command="gwAdmitToken"}')).toBe(
      sample(afterCall, admit),
    );

    // A frozen Redis: the admission times out (REDIS_COMMAND_TIMEOUT_MS), the call is refused with 503.
    // A token never seen before, so the verified-token cache cannot answer for it.
    const uncached = (await stack.mint('frozen@example.com')).token;
    stack.redis.pause();
    try {
      const refused = await fetch(`${gwUrl}/v1/models`, {
        headers: { authorization: `Bearer ${uncached}` },
        signal: AbortSignal.timeout(10_000),
      });
      expect(refused.status).toBe(503);
      await refused.text();
    } finally {
      stack.redis.resume();
    }
    const afterOutage = await scrapeText();
    expect(sample(afterOutage, unavailable)).toBeGreaterThan(sample(afterCall, unavailable) ?? 0);

    // A full Redis (noeviction): the readiness probe's write is refused with OOM.
    const redis = stack.redis.client();
    const used = Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]);
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.config('SET', 'maxmemory', String(Math.floor(used / 2)));
    try {
      expect((await fetch(`${gwUrl}/health/ready`)).status).toBe(503);
    } finally {
      await redis.config('SET', 'maxmemory', '0');
    }
    const afterFull = await scrapeText();
    expect(sample(afterFull, refusingWrites)).toBeGreaterThan(sample(afterOutage, refusingWrites) ?? 0);
  });
});
