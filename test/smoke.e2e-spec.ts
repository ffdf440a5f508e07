import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { startEchoUpstream, type EchoUpstream } from '../src/demo/echo-upstream.js';
import { TokensService } from '../src/tokens/tokens.service.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

describe('smoke', () => {
  let redis: TestRedis;
  let upstream: EchoUpstream;
  let gw: TestApp;

  beforeAll(async () => {
    redis = await startTestRedis();
    upstream = await startEchoUpstream();
    gw = await startTestApp(testEnv(redis.url, { UPSTREAM_URL: upstream.url }));
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
    await redis?.close();
  });

  it('proxies a chat completion', async () => {
    const { token } = await gw.get<TokensService>(TokensService).create({ email: 'a@example.com', createdVia: 'cli' });
    const client = new OpenAI({ apiKey: token, baseURL: `${gw.url}/v1` });
    const res = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi there' }] });
    expect(res.choices[0].message.content).toBe('echo: hi there');
    expect(upstream.requests.at(-1)?.headers['x-gateway-user-email']).toBe('a@example.com');
    const health = await fetch(`${gw.url}/health`);
    expect(health.status).toBe(200);
  });
});
