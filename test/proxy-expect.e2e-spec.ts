/**
 * `Expect: 100-continue` (curl sends it for large bodies) must not change what the upstream sees:
 * Node writes an outgoing request's headers at once when it carries `Expect`, so the gateway
 * settles every header before the upstream request exists. GET, JSON and multipart uploads.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGatewayStack, UPSTREAM_API_KEY, type GatewayStack } from './support/gateway-stack.js';

const EMAIL = 'expect@example.com';
const SPOOFED = {
  'x-litellm-customer-id': 'evil@example.com',
  'x-litellm-api-key': 'sk-clients-own-litellm-key',
  'x-user-email': 'evil@example.com',
};

interface Answer {
  status: number;
  body: string;
}

/** Sends a request the way curl does for a large body: headers with Expect first, body after 100 Continue. */
function sendWithExpect(url: string, method: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method,
      headers: { ...headers, expect: '100-continue', ...(body ? { 'content-length': String(body.length) } : {}) },
    });
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('continue', () => req.end(body));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    if (!body) req.end();
  });
}

describe('Expect: 100-continue through the proxy', () => {
  let stack: GatewayStack;
  let token: string;

  beforeAll(async () => {
    stack = await startGatewayStack();
    token = (await stack.mint(EMAIL)).token;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const lastReceived = () => {
    const received = stack.upstream.requests.at(-1);
    if (!received) throw new Error('the upstream received nothing');
    return received;
  };

  const expectGatewayIdentity = (): void => {
    const { headers } = lastReceived();
    expect(headers.authorization).toBe(`Bearer ${UPSTREAM_API_KEY}`);
    expect(headers['x-api-key']).toBeUndefined();
    expect(headers['x-litellm-customer-id']).toBe(EMAIL);
    expect(headers['x-litellm-end-user-id']).toBe(EMAIL);
    expect(headers['x-gateway-user-email']).toBe(EMAIL);
    expect(headers['x-litellm-api-key']).toBeUndefined();
    expect(headers['x-user-email']).toBeUndefined();
    expect(headers.expect).toBeUndefined();
    expect(JSON.stringify(headers)).not.toContain(token);
  };

  it('replaces credentials and identity on a GET', async () => {
    const answer = await sendWithExpect(`${stack.gw.url}/v1/models`, 'GET', { 'x-api-key': token, ...SPOOFED });
    expect(answer.status).toBe(200);
    expectGatewayIdentity();
  });

  it('forwards a JSON body re-stamped with the verified email, and answers', async () => {
    const body = Buffer.from(JSON.stringify({ model: 'echo-1', user: 'evil@example.com', messages: [{ role: 'user', content: 'hi' }] }));
    const answer = await sendWithExpect(
      `${stack.gw.url}/v1/chat/completions`,
      'POST',
      { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...SPOOFED },
      body,
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ choices: [{ message: { content: 'echo: hi' } }] });
    expectGatewayIdentity();
    expect(lastReceived().json?.user).toBe(EMAIL);
  });

  it('replaces credentials and identity on a multipart upload', async () => {
    const boundary = 'gatewayboundary';
    const body = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--${boundary}--\r\n`);
    const answer = await sendWithExpect(
      `${stack.gw.url}/v1/audio/transcriptions`,
      'POST',
      { 'x-api-key': token, 'content-type': `multipart/form-data; boundary=${boundary}`, ...SPOOFED },
      body,
    );
    expect(answer.status).toBe(200);
    expectGatewayIdentity();
    // Re-encoded under the gateway's own boundary, with the verified user added.
    expect(lastReceived().form?.fields).toEqual({ model: ['whisper-1'], user: [EMAIL] });
  });
});
