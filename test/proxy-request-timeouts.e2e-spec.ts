/**
 * Slow clients are bounded: headers must arrive within CLIENT_HEADERS_TIMEOUT_MS, a body that sends
 * nothing for CLIENT_BODY_IDLE_TIMEOUT_MS gets 408 in the SDK shape, and the whole request must arrive
 * within CLIENT_REQUEST_TIMEOUT_MS. None of them cuts an answer: a stream longer than every timeout
 * arrives whole, and an idle keep-alive connection is reused. Raw sockets, so nothing in between hurries.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

const TIMEOUT_MS = 500;
const REQUEST_TIMEOUT_MS = 3000;
/** Generous: far above each timeout, far below the 30 to 300 s the defaults would take. */
const BOUND_MS = 10_000;

interface Exchange {
  /** Everything the gateway wrote before closing (or before the bound). */
  text: string;
  /** The gateway closed the connection. */
  closed: boolean;
}

/**
 * Opens a connection, writes `first`, then each of `later` `everyMs` apart, and reads until the gateway
 * closes the connection, `until` matches what arrived, or BOUND_MS passes.
 */
function exchange(port: number, first: string, later: string[] = [], everyMs = 0, until?: RegExp): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timers: NodeJS.Timeout[] = [];
    const done = (closed: boolean): void => {
      for (const t of timers) clearTimeout(t);
      socket.destroy();
      resolve({ text, closed });
    };
    timers.push(setTimeout(() => done(false), BOUND_MS));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (until?.test(text)) done(false);
    });
    socket.on('close', () => done(true));
    socket.on('error', (err) => {
      if (text === '') reject(err);
    });
    socket.on('connect', () => {
      socket.write(first);
      later.forEach((piece, i) => timers.push(setTimeout(() => socket.write(piece), everyMs * (i + 1))));
    });
  });
}

function jsonOf(response: string): unknown {
  return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
}

describe('slow clients', () => {
  let stack: GatewayStack;
  let token: string;
  let port: number;

  beforeAll(async () => {
    stack = await startGatewayStack({
      env: {
        CLIENT_HEADERS_TIMEOUT_MS: String(TIMEOUT_MS),
        CLIENT_BODY_IDLE_TIMEOUT_MS: String(TIMEOUT_MS),
        CLIENT_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      },
      upstream: { eventDelayMs: 150 },
    });
    token = (await stack.mint('slow@example.com')).token;
    port = Number(new URL(stack.gw.url).port);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const head = (path: string, headers: string[]): string =>
    [`POST ${path} HTTP/1.1`, 'Host: gateway', `Authorization: Bearer ${token}`, ...headers, '', ''].join('\r\n');

  it('answers 408 and closes when the headers stop coming, on /v1 and elsewhere', async () => {
    for (const path of ['/v1/chat/completions', '/api/me']) {
      const { text, closed } = await exchange(port, `POST ${path} HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bea`);
      expect(closed).toBe(true);
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
    }
  });

  it('answers 408 in the SDK shape when a JSON body stalls, forwarding nothing', async () => {
    const before = stack.upstream.requests.length;
    const { text, closed } = await exchange(
      port,
      `${head('/v1/chat/completions', ['Content-Type: application/json', 'Content-Length: 200'])}{"model":"echo-1",`,
    );
    expect(closed).toBe(true);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    expect(jsonOf(text)).toEqual({
      type: 'error',
      error: { type: 'timeout_error', message: `The request body stalled: nothing arrived for ${TIMEOUT_MS} ms`, code: 'body_timeout' },
    });
    expect(stack.upstream.requests.length).toBe(before);
  });

  it('answers 408 in the SDK shape when an upload stalls mid-file, and the upstream never gets it complete', async () => {
    const before = stack.upstream.requests.length;
    const part = '--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\nRIFF';
    const { text, closed } = await exchange(
      port,
      `${head('/v1/audio/transcriptions', ['Content-Type: multipart/form-data; boundary=b', 'Content-Length: 5000'])}${part}`,
    );
    expect(closed).toBe(true);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(jsonOf(text)).toMatchObject({ type: 'error', error: { type: 'timeout_error', code: 'body_timeout' } });
    expect(stack.upstream.requests.length).toBe(before);
  });

  it('forwards a body that arrives slowly but never pauses as long as the idle timeout', async () => {
    const body = JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'slow but steady' }] });
    const pieces = body.match(/.{1,8}/g) ?? [];
    const { text } = await exchange(
      port,
      head('/v1/chat/completions', ['Content-Type: application/json', `Content-Length: ${body.length}`]),
      pieces,
      TIMEOUT_MS / 4,
      /"finish_reason":"stop"/,
    );
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text).toContain('echo: slow but steady');
  });

  it('answers 408 when the whole request takes longer than CLIENT_REQUEST_TIMEOUT_MS, however steady', async () => {
    const pieces = Array.from({ length: 40 }, () => 'x');
    const { text, closed } = await exchange(
      port,
      head('/v1/chat/completions', ['Content-Type: application/json', 'Content-Length: 40']),
      pieces,
      REQUEST_TIMEOUT_MS / 20,
    );
    expect(closed).toBe(true);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('streams an answer that lasts longer than every timeout to its end', async () => {
    const words = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ');
    const client = new OpenAI({ apiKey: token, baseURL: `${stack.gw.url}/v1`, maxRetries: 0 });
    // 22 events 150 ms apart (upstream eventDelayMs): the answer lasts several times every timeout above.
    const stream = await client.chat.completions.create({ model: 'echo-1', stream: true, messages: [{ role: 'user', content: words }] });
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta?.content ?? '';
    expect(content).toBe(`echo: ${words}`);
  });

  it('keeps an idle keep-alive connection open past the headers timeout and serves its next request', async () => {
    const get = `GET /v1/models HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${token}\r\n\r\n`;
    const { text, closed } = await exchange(port, get, [get], TIMEOUT_MS * 3, /"object":"list"[\s\S]*"object":"list"/);
    expect(closed).toBe(false);
    expect(text.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
  });
});
