/**
 * Prometheus /metrics: never public, readable with METRICS_TOKEN or by an admin, and counting
 * what the gateway did: requests by family, status and auth method, refusals by reason, upstream
 * timings and live streams, and Node's process defaults.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

const METRICS_TOKEN = 'metrics-scraper-secret-0123456789';
const SUPER_ADMIN = 'root@example.com';

/** The value of one sample (`name{labels}`) in a Prometheus text exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  let stack: GatewayStack;
  let adminToken: string;
  let userToken: string;

  beforeAll(async () => {
    stack = await startGatewayStack({ env: { METRICS_TOKEN, SUPER_ADMIN_EMAIL: SUPER_ADMIN } });
    adminToken = (await stack.mint(SUPER_ADMIN, { scopes: ['llm', 'admin'] })).token;
    userToken = (await stack.mint('user@example.com')).token;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const scrape = async (headers: Record<string, string>): Promise<{ status: number; type: string | null; text: string }> => {
    const res = await fetch(`${stack.gw.url}/metrics`, { headers });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  it('refuses anonymous callers, a wrong bearer and a non-admin token, without showing a metric', async () => {
    const callers: Array<Record<string, string>> = [{}, { authorization: 'Bearer not-the-metrics-token-0000000' }, { authorization: `Bearer ${userToken}` }, { 'x-api-key': METRICS_TOKEN }];
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

    const stream = await fetch(`${stack.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'echo', stream: true, messages: [{ role: 'user', content: 'count me' }] }),
    });
    expect(stream.status).toBe(200);
    expect(await stream.text()).toContain('[DONE]');
    const refusedCall = await fetch(`${stack.gw.url}/v1/models`, { headers: { authorization: `Bearer ${forged}` } });
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
});
