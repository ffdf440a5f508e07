/**
 * Errors answer a browser that navigated to a route with a small HTML page (and a page that needs
 * sign-in with a trip through the sign-in), and every API client with the JSON error shape.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get } from '@nestjs/common';
import { call, mintToken } from './support/admin-client.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

/** A page route that needs a signed-in caller, as a server-rendered page of the web app would. */
@Controller('probe-page')
class ProbePageController {
  @Get()
  page(): string {
    return 'a page';
  }
}

/** What a browser sends when it navigates. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('error answers: HTML pages for browsers, JSON for API clients', () => {
  let redis: TestRedis;
  let gw: TestApp;

  beforeAll(async () => {
    redis = await startTestRedis();
    gw = await startTestApp(testEnv(redis.url, { ADMIN_EMAILS: 'admin@example.com' }), { controllers: [ProbePageController] });
  });
  afterAll(async () => {
    await gw?.close();
    await redis?.close();
  });

  const navigate = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${gw.url}${path}`, { headers: { accept: BROWSER_ACCEPT, ...headers }, redirect: 'manual' });

  it('shows a browser a 404 page, and gives an API client the JSON shape', async () => {
    const page = await navigate('/no-such-page?x=<b>');
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<h1>Not found</h1>');
    expect(html).not.toMatch(/<script|<style|<b>/i);
    for (const accept of [undefined, '*/*', 'application/json', 'application/json, text/html']) {
      const res = await fetch(`${gw.url}/no-such-page`, { headers: accept === undefined ? {} : { accept } });
      expect([accept, res.status, res.headers.get('content-type')?.split(';')[0]]).toEqual([accept, 404, 'application/json']);
      expect(await res.json()).toMatchObject({ statusCode: 404, code: 'not_found' });
    }
  });

  it('sends a browser that is not signed in from a page through the sign-in and back', async () => {
    const page = await navigate('/probe-page?tab=tokens');
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe(`/auth/login?returnTo=${encodeURIComponent('/probe-page?tab=tokens')}`);
    // An API client is told 401, not redirected.
    expect((await fetch(`${gw.url}/probe-page`, { redirect: 'manual' })).status).toBe(401);
  });

  it('shows a 401 page with a sign-in link for an API route opened in the browser (no redirect)', async () => {
    const page = await navigate('/api/token/list');
    expect(page.status).toBe(401);
    const html = await page.text();
    expect(html).toContain('Please sign in');
    expect(html).toContain(`href="/auth/login?returnTo=${encodeURIComponent('/api/token/list')}"`);
  });

  it('shows a 403 page to a browser that is not allowed, and the JSON shape to fetch()', async () => {
    const token = await mintToken(gw, 'plain@example.com', ['llm', 'admin']);
    const page = await navigate('/api/admin/bans', { authorization: `Bearer ${token}` });
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('<h1>Not allowed</h1>');
    const json = await call(gw, 'GET', '/api/admin/bans', { token });
    expect(json).toMatchObject({ status: 403, body: { code: 'not_admin' } });
  });

  it('leaves /v1 errors in the SDK shape whatever the client accepts', async () => {
    const res = await navigate('/v1/models');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });
});
