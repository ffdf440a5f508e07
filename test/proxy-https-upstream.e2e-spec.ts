/**
 * An https UPSTREAM_URL, through each upstream client (UPSTREAM_CLIENT=undici and http): the call
 * reaches the upstream over TLS under UPSTREAM_URL's own path with its Host, JSON and SSE answers
 * come back whole, and an upstream whose certificate the gateway does not trust gets no call (502).
 * The gateway runs as the production build in a process of its own (`nest build` first), trusting
 * the suite's self-signed certificate through NODE_EXTRA_CA_CERTS; openssl makes the certificate.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

interface Received {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const BASE_PATH = '/litellm';

describe('an https upstream', () => {
  let dir: string;
  let certFile: string;
  let upstream: Server;
  let upstreamUrl: string;
  let stack: GatewayStack;
  let token: string;
  const received: Received[] = [];
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'https-upstream-'));
    certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    upstream = createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const text = (JSON.parse(body) as { messages: Array<{ content: string }> }).messages[0].content;
        if (body.includes('"stream":true')) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          for (const word of text.split(' ')) {
            const chunk = {
              id: 'c1',
              object: 'chat.completion.chunk',
              created: 1,
              model: 'm',
              choices: [{ index: 0, delta: { content: word } }],
            };
            res.write(`data: ${JSON.stringify(chunk)}\n\n`);
          }
          res.end('data: [DONE]\n\n');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'c1',
            object: 'chat.completion',
            created: 1,
            model: 'm',
            choices: [{ index: 0, message: { role: 'assistant', content: `tls: ${text}` }, finish_reason: 'stop' }],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as { port: number };
    upstreamUrl = `https://localhost:${port}${BASE_PATH}`;
    stack = await startGatewayStack();
    token = (await stack.mint('tls@example.com')).token;
  }, 60_000);
  afterAll(async () => {
    for (const gw of gateways) await gw.stop();
    await stack?.close();
    await new Promise((resolve) => upstream?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  async function gateway(env: Record<string, string>): Promise<GatewayProcess> {
    const gw = await startGatewayProcess({ ...stack.env, UPSTREAM_URL: upstreamUrl, ...env });
    gateways.push(gw);
    return gw;
  }

  for (const client of ['undici', 'http']) {
    it(`relays JSON and SSE answers over TLS under UPSTREAM_URL's path (UPSTREAM_CLIENT=${client})`, async () => {
      const gw = await gateway({ UPSTREAM_CLIENT: client, NODE_EXTRA_CA_CERTS: certFile });
      const openai = new OpenAI({ apiKey: token, baseURL: `${gw.url}/v1`, maxRetries: 0 });

      const answer = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `hello ${client}` }] });
      expect(answer.choices[0].message.content).toBe(`tls: hello ${client}`);
      const call = received.at(-1);
      expect(call).toMatchObject({ method: 'POST', url: `${BASE_PATH}/v1/chat/completions` });
      expect(call?.headers.host).toBe(new URL(upstreamUrl).host);
      expect(call?.headers['x-gateway-user-email']).toBe('tls@example.com');
      expect(call?.headers.authorization).toBe(`Bearer ${stack.env.UPSTREAM_API_KEY}`);

      const stream = await openai.chat.completions.create({
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: 'one two three' }],
      });
      const words: string[] = [];
      for await (const chunk of stream) words.push(chunk.choices[0]?.delta?.content ?? '');
      expect(words).toEqual(['one', 'two', 'three']);
    });

    it(`refuses an upstream whose certificate it does not trust: 502, nothing sent (UPSTREAM_CLIENT=${client})`, async () => {
      const gw = await gateway({ UPSTREAM_CLIENT: client });
      const before = received.length;
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'untrusted' }] }),
      });
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_unavailable');
      expect(received.length).toBe(before);
    });
  }
});
