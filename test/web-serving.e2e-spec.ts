/**
 * How the gateway serves the web pages, over plain HTTP: each page's HTML shell is revalidated on
 * every visit and carries the strict CSP; it loads only external, hashed assets, which are cached
 * for a year; nothing outside the build is served; and each page's JavaScript stays in its budget.
 */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

const PAGES = ['/', '/token-manager', '/token-session-manager', '/admin-manager'];
const JS_BUDGET_GZIP = 150 * 1024;
/** The policy the pages must run under (style-src falls back to default-src 'self'). */
const STRICT_PAGE_POLICY = {
  'default-src': "'self'",
  'script-src': "'self'",
  'img-src': "'self' data:",
  'object-src': "'none'",
  'base-uri': "'none'",
  'frame-ancestors': "'none'",
  'form-action': "'self'",
};

const directives = (policy: string | null): Record<string, string> =>
  Object.fromEntries(
    (policy ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...sources]) => [name, sources.join(' ')]),
  );

const assetsOf = (html: string): string[] => [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);

describe('web pages: serving', () => {
  let stack: GatewayStack;
  let url: string;

  beforeAll(async () => {
    stack = await startGatewayStack();
    url = stack.gw.url;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it.each(PAGES)('answers %s with its HTML shell: no-cache, the strict CSP, nosniff', async (path) => {
    const res = await fetch(`${url}${path}`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(directives(res.headers.get('content-security-policy'))).toEqual(STRICT_PAGE_POLICY);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toContain('<div id="app">');
    expect(html).toMatch(/<script type="module" src="\/assets\/[\w-]+-[A-Z0-9]{8}\.js"><\/script>/);
  });

  it('puts no inline script, no <style> and no style attribute in any page', async () => {
    for (const path of PAGES) {
      const html = await (await fetch(`${url}${path}`)).text();
      for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/ src="\/assets\//);
      expect(html).not.toMatch(/<script\b[^>]*>[^<]+<\/script>/);
      expect(html).not.toMatch(/<style\b/i);
      expect(html).not.toMatch(/\sstyle=/i);
      expect(html).not.toMatch(/\son[a-z]+=/i);
    }
  });

  it('serves every asset a page loads, hashed and cached for a year, gzipped when the client accepts it', async () => {
    const html = await (await fetch(`${url}/token-session-manager`)).text();
    const assets = assetsOf(html);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    for (const asset of assets) {
      const res = await fetch(`${url}${asset}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const type = asset.endsWith('.js')
        ? 'text/javascript; charset=utf-8'
        : asset.endsWith('.css')
          ? 'text/css; charset=utf-8'
          : 'image/svg+xml';
      expect(res.headers.get('content-type')).toBe(type);
      await res.arrayBuffer();
    }
    const js = assets.find((a) => a.endsWith('.js')) ?? '';
    const plain = Buffer.from(await (await fetch(`${url}${js}`, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer());
    const gzipped = await rawGet(`${url}${js}`, { 'accept-encoding': 'gzip' });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(gzipped.headers.get('vary')).toBe('Accept-Encoding');
    expect(gunzipSync(gzipped.body).equals(plain)).toBe(true);
  });

  it('keeps each page within the JavaScript budget (gzipped, every script it loads)', async () => {
    for (const path of PAGES) {
      const html = await (await fetch(`${url}${path}`)).text();
      let total = 0;
      for (const js of assetsOf(html).filter((a) => a.endsWith('.js')))
        total += (await rawGet(`${url}${js}`, { 'accept-encoding': 'gzip' })).body.length;
      expect(total).toBeGreaterThan(1000);
      expect(total).toBeLessThan(JS_BUDGET_GZIP);
    }
  });

  it('serves nothing outside the build under /assets: unknown names, other files and path tricks are 404', async () => {
    for (const path of [
      '/assets/nope.js',
      '/assets/..%2Fpages%2Fhome.html',
      '/assets/%2e%2e/pages/home.html',
      '/assets/size-report.json',
      '/assets/',
      '/assets',
    ]) {
      const res = await fetch(`${url}${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('<div id="app">');
    }
  });

  it('answers HEAD for a page without a body, and 304 to a revalidation with the same ETag', async () => {
    const identity = { 'accept-encoding': 'identity' };
    const head = await fetch(`${url}/token-manager`, { method: 'HEAD', headers: identity });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const etag = head.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    // node:http, not fetch(): fetch adds Cache-Control: no-cache to a conditional request.
    const again = await rawGet(`${url}/token-manager`, { ...identity, 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });
});

/** The bytes as sent (fetch() would undo the gzip). */
async function rawGet(target: string, headers: Record<string, string>): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    request(target, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}
