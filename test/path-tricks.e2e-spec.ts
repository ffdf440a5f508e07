/**
 * Only plain LLM API paths reach the upstream. Request targets are written raw on a socket,
 * because fetch and http.request would normalise `..`, encoded dots and absolute forms away
 * before the gateway ever saw them.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/** Sends one request exactly as written and reads the answer until the server closes. */
function rawRequest(port: number, method: string, target: string, headers: Record<string, string>, body = ''): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer to ${method} ${target}`)));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = split === -1 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: split === -1 ? '' : text.slice(split + 4) });
    });
    const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    if (body !== '') lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
    // write, not end: Node's HTTP server drops a request whose client half-closes before the answer.
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  });
}

const CHAT_BODY = JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'x' }] });

describe('path tricks and management routes', () => {
  let stack: GatewayStack;
  let token: string;
  let port: number;

  beforeAll(async () => {
    stack = await startGatewayStack();
    token = (await stack.mint('paula@example.com')).token;
    port = Number(new URL(stack.gw.url).port);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const send = (method: string, target: string, authenticated = true): Promise<RawAnswer> =>
    rawRequest(port, method, target, authenticated ? { Authorization: `Bearer ${token}` } : {}, method === 'POST' ? CHAT_BODY : '');

  it('forwards the plain paths (the raw client itself works)', async () => {
    const before = stack.upstream.requests.length;
    expect((await send('GET', '/v1/models')).status).toBe(200);
    expect((await send('POST', '/v1/chat/completions')).status).toBe(200);
    expect(stack.upstream.requests.slice(before).map((r) => r.url)).toEqual(['/v1/models', '/v1/chat/completions']);
  });

  it('closes the client connection when the client asked, though the upstream keeps its own alive', async () => {
    const answer = await send('GET', '/v1/models');
    expect(answer.head).toMatch(/\r\nconnection: close/i);
    expect(answer.head).not.toMatch(/keep-alive/i);
    expect(stack.upstream.requests.at(-1)?.headers.connection).toBe('keep-alive');
  });

  const tricks: Array<[string, string]> = [
    ['GET', '/v1/../key/generate'],
    ['POST', '/v1/chat/completions/../../../key/generate'],
    ['GET', '/v1/models/../../config/yaml'],
    ['GET', '/v1/models/..'],
    ['GET', '/v1/./models'],
    ['GET', '/v1/%2e%2e/key/generate'],
    ['GET', '/v1/%2E%2E/user/list'],
    ['GET', '/v1/models/%2e%2e/%2e%2e/key/info'],
    ['GET', '/v1/models/.%2e/.%2e/key/info'],
    ['POST', '/v1/chat%2fcompletions'],
    ['POST', '/v1/chat%2Fcompletions'],
    ['POST', '/v1/chat%5ccompletions'],
    ['POST', '/v1/chat%5Ccompletions'],
    ['GET', '/v1/models/..%2f..%2fkey%2fgenerate'],
    ['GET', '/v1/models/..%5c..%5ckey%5cgenerate'],
    ['GET', '/v1/models/%252e%252e/key/generate'],
    ['GET', '/v1/models/..;/..;/key/generate'],
    ['GET', '/v1/models;/../../key/generate'],
    ['GET', '/v1//models'],
    ['POST', '//v1/chat/completions'],
    ['POST', '/v1/chat//completions'],
    ['GET', '/v1/models/'],
    ['GET', 'http://evil.example/v1/models'],
    ['GET', 'http://127.0.0.1/v1/models'],
    ['POST', 'https://evil.example/v1/chat/completions'],
    ['GET', '//evil.example/v1/models'],
    ['GET', '*'],
    ['POST', '/key/generate'],
    ['POST', '/user/new'],
    ['POST', '/config/update'],
    ['POST', '/model/new'],
    ['POST', '/team/new'],
    ['GET', '/spend/logs'],
    ['POST', '/v1/key/generate'],
    ['POST', '/v1/user/new'],
    ['POST', '/v1/config/update'],
    ['POST', '/v1/model/new'],
    ['GET', '/v1/spend/logs'],
    ['POST', '/V1/chat/completions'],
    ['POST', '/v1/chat/completionsX'],
    ['GET', '/v1'],
    ['GET', '/v1/'],
  ];

  it.each(tricks)('never forwards %s %s, with a token or without, and answers 4xx', async (method, target) => {
    const before = stack.upstream.requests.length;
    for (const authenticated of [true, false]) {
      const answer = await send(method, target, authenticated);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    }
    expect(stack.upstream.requests.slice(before)).toEqual([]);
  });

  it('answers a refused /v1 path with the SDK-shaped 404 once the caller is authenticated', async () => {
    const answer = await send('POST', '/v1/key/generate');
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: 'Not found: this path is not an LLM API route of the gateway', code: 'route_not_found' },
    });
  });

  it('asks for credentials before saying anything about a /v1 path', async () => {
    const answer = await send('POST', '/v1/key/generate', false);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });
});
