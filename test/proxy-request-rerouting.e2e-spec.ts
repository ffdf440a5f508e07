/**
 * Nothing a client sends re-routes the call behind the gateway: headers that servers, frameworks and
 * proxies read as the real target, method, host or client address are dropped, and credential-looking
 * query parameters never reach the upstream (every other parameter passes byte for byte). The echo
 * upstream reports what arrived.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ReceivedRequest } from '../src/demo/echo-upstream.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const REROUTING_HEADERS: Record<string, string> = {
  'X-Original-URL': '/admin/delete-everything',
  'X-Original-URI': '/admin',
  'X-Rewrite-URL': '/admin',
  'X-HTTP-Method-Override': 'DELETE',
  'X-HTTP-Method': 'DELETE',
  'X-Method-Override': 'DELETE',
  'X-Forwarded-Host': 'internal.example',
  'X-Forwarded-Proto': 'https',
  'X-Forwarded-Prefix': '/admin',
  'X-Forwarded-Port': '8443',
  'X-Forwarded-Server': 'internal.example',
  Forwarded: 'for=10.0.0.1;host=internal.example;proto=https',
  'X-Original-Host': 'internal.example',
  'X-Host': 'internal.example',
  'X-Envoy-Original-Path': '/admin',
  'True-Client-IP': '10.0.0.1',
  'X-Client-IP': '10.0.0.1',
  'X-Cluster-Client-IP': '10.0.0.1',
};

let seq = 0;

describe('re-routing headers and query credentials', () => {
  let stack: GatewayStack;
  let token: string;

  beforeAll(async () => {
    stack = await startGatewayStack();
    token = (await stack.mint('router@example.com')).token;
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** Sends a request with exactly these headers and returns its status and what the upstream received. */
  function send(
    method: string,
    target: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<{ status: number; received: ReceivedRequest }> {
    const requestId = `reroute-${process.pid}-${++seq}`;
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${stack.gw.url}${target}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'x-request-id': requestId,
          ...headers,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => {
          const received = stack.upstream.requests.filter((r) => r.headers['x-request-id'] === requestId);
          if (received.length !== 1) reject(new Error(`the upstream received ${received.length} requests with id ${requestId}`));
          else resolve({ status: res.statusCode ?? 0, received: received[0] });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('drops every re-routing header from a GET and a POST, keeping the method and path the gateway checked', async () => {
    for (const [method, target, body] of [
      ['GET', '/v1/models', undefined],
      ['POST', '/v1/chat/completions', JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'hi' }] })],
    ] as const) {
      const { status, received } = await send(method, target, REROUTING_HEADERS, body);
      expect(status).toBe(200);
      expect(received.method).toBe(method);
      expect(received.url).toBe(target);
      const names = Object.keys(received.headers);
      for (const name of Object.keys(REROUTING_HEADERS)) expect(names).not.toContain(name.toLowerCase());
      expect(received.headers.host).toBe(new URL(stack.upstream.url).host);
    }
  });

  it.each([
    ['/v1/models?key=sk-mine', '/v1/models'],
    ['/v1/models?limit=5&api_key=sk-mine&after=a%2Bb', '/v1/models?limit=5&after=a%2Bb'],
    ['/v1/models?API-KEY=x&Token=t&access_token=t&ACCESS_TOKEN=t&api%5Fkey=x&apikey=x&limit=2', '/v1/models?limit=2'],
    ['/v1/models?keyword=kept&tokens=kept', '/v1/models?keyword=kept&tokens=kept'],
  ])('forwards %s as %s', async (target, forwarded) => {
    const { status, received } = await send('GET', target, {});
    expect(status).toBe(200);
    expect(received.url).toBe(forwarded);
  });
});

describe('an upstream behind a path prefix (UPSTREAM_URL with a path)', () => {
  let stack: GatewayStack;
  let prefixed: TestApp;
  let token: string;

  beforeAll(async () => {
    stack = await startGatewayStack();
    // A trailing slash too: the prefix is joined to the call's path with exactly one slash.
    prefixed = await startTestApp({ ...stack.env, UPSTREAM_URL: `${stack.upstream.url}/litellm/` });
    token = (await stack.mint('prefix@example.com')).token;
  });
  afterAll(async () => {
    await prefixed?.close();
    await stack?.close();
  });

  it('sends the call under the prefix, with its query, to the prefix host', async () => {
    const requestId = `prefix-${process.pid}`;
    const res = await fetch(`${prefixed.url}/v1/chat/completions?limit=2`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'hi' }] }),
    });
    // The echo upstream serves no route under /litellm: its 404 comes back as it is.
    expect(res.status).toBe(404);
    const received = stack.upstream.requests.filter((r) => r.headers['x-request-id'] === requestId);
    expect(received.map((r) => r.url)).toEqual(['/litellm/v1/chat/completions?limit=2']);
    expect(received[0].headers.host).toBe(new URL(stack.upstream.url).host);
    expect(received[0].json?.user).toBe('prefix@example.com');
  });
});
