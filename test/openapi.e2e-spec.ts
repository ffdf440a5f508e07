import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { RequestMethod } from '@nestjs/common';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { IS_PUBLIC } from '../src/common/auth-metadata.decorators.js';
import { call, mintToken } from './support/admin-client.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

interface Operation {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{
    name: string;
    in: string;
    required?: boolean;
    example?: unknown;
    examples?: unknown;
    schema?: { example?: unknown };
  }>;
  responses: Record<string, { description?: string; content?: Record<string, { schema?: { $ref?: string }; example?: unknown }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, Record<string, string>>;
    schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
  };
}

interface Route {
  method: string;
  path: string;
  isPublic: boolean;
}

/** Every route Nest's controllers declare, read from the same metadata Nest routes by. */
function controllerRoutes(gw: TestApp): Route[] {
  const scanner = new MetadataScanner();
  const routes: Route[] = [];
  const controllers = [...gw.app.get(ModulesContainer).values()].flatMap((m) => [...m.controllers.values()]);
  for (const wrapper of controllers) {
    const type = wrapper.metatype as (new (...args: unknown[]) => unknown) | undefined;
    if (!type) continue;
    const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
    for (const name of scanner.getAllMethodNames(type.prototype as object)) {
      const handler = (type.prototype as Record<string, unknown>)[name] as object;
      const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (sub === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod].toLowerCase();
      const path = `/${[base, sub]
        .map((p) => p.replace(/^\/+|\/+$/g, ''))
        .filter(Boolean)
        .join('/')}`.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const isPublic = Reflect.getMetadata(IS_PUBLIC, handler) === true || Reflect.getMetadata(IS_PUBLIC, type) === true;
      routes.push({ method, path, isPublic });
    }
  }
  return routes;
}

describe('OpenAPI document (/docs, /docs-json)', () => {
  let redis: TestRedis;
  let gw: TestApp;
  let doc: Document;
  let adminToken: string;

  beforeAll(async () => {
    redis = await startTestRedis();
    gw = await startTestApp(testEnv(redis.url, { ADMIN_EMAILS: 'admin@example.com', SUPER_ADMIN_EMAIL: 'admin@example.com' }));
    adminToken = await mintToken(gw, 'admin@example.com');
    const res = await fetch(`${gw.url}/docs-json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Document;
  });
  afterAll(async () => {
    await gw?.close();
    await redis?.close();
  });

  it('serves Swagger UI and the JSON document without credentials', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    const ui = await fetch(`${gw.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
  });

  it('pre-fills no optional query parameter with an example ("Try it out" must not filter by made-up values)', () => {
    const prefilled: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const p of operation.parameters ?? []) {
          if (p.in !== 'query' || p.required === true) continue;
          if (p.example !== undefined || p.examples !== undefined || p.schema?.example !== undefined)
            prefilled.push(`${method.toUpperCase()} ${path} ${p.name}`);
        }
      }
    }
    expect(prefilled).toEqual([]);
    // The audit list's filters are all there, and all optional.
    const audit = doc.paths['/api/admin/audit'].get.parameters ?? [];
    expect(
      audit
        .filter((p) => p.in === 'query')
        .map((p) => [p.name, p.required ?? false])
        .sort(),
    ).toEqual(['action', 'actor', 'cursor', 'limit', 'outcome', 'q', 'since', 'target', 'until'].map((n) => [n, false]));
  });

  it('keeps no token in localStorage and hands unsafe calls to the CSRF script, with no inline script on the page', async () => {
    const html = await (await fetch(`${gw.url}/docs`)).text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc=/);
      expect(body.trim()).toBe('');
    }
    expect(scripts.map(([, attributes]) => attributes)).toEqual(expect.arrayContaining([expect.stringContaining('/docs/gateway-csrf.js')]));
    const init = await (await fetch(`${gw.url}/docs/swagger-ui-init.js`)).text();
    expect(init).toMatch(/"persistAuthorization":\s*false/);
    expect(init).toMatch(/"requestInterceptor":\s*function[^]*llmGatewayRequestInterceptor\(request\)/);
    const script = await fetch(`${gw.url}/docs/gateway-csrf.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(await script.text()).toContain('llmGatewayRequestInterceptor');
  });

  it('was generated from the current DTOs and controllers (src/metadata.ts is fresh)', async () => {
    await expect(promisify(execFile)(process.execPath, ['scripts/openapi-metadata.mjs', '--check'])).resolves.toBeDefined();
  });

  it('has every controller route, each with a security requirement unless public', () => {
    const routes = controllerRoutes(gw);
    expect(routes.length).toBeGreaterThan(20);
    const problems: string[] = [];
    for (const route of routes) {
      const operation = doc.paths[route.path]?.[route.method];
      if (operation === undefined) {
        problems.push(`missing: ${route.method.toUpperCase()} ${route.path}`);
        continue;
      }
      const secured = (operation.security?.length ?? 0) > 0;
      if (!route.isPublic && !secured) problems.push(`no security: ${route.method.toUpperCase()} ${route.path}`);
      if (route.isPublic && secured) problems.push(`public route documented as secured: ${route.method.toUpperCase()} ${route.path}`);
    }
    expect(problems).toEqual([]);
  });

  it('declares each route in one controller only (a second one would never be reached, yet documented)', () => {
    const seen = controllerRoutes(gw).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(seen.filter((route, i) => seen.indexOf(route) !== i)).toEqual([]);
  });

  it('documents both auth schemes, the cookie under its real name', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: gw.config.session.cookieName });
    const ban = doc.paths['/api/admin/sessions/revoke-user'].post;
    expect(ban.security).toEqual(expect.arrayContaining([{ bearer: [] }, { session: [] }]));
    expect(ban.operationId).toBe('banUser');
  });

  it('describes DTO properties (from the plugin metadata, also under SWC) and the query parameters', () => {
    const schemas = doc.components.schemas;
    expect(Object.keys(schemas.ActiveUserDto.properties ?? {})).toEqual(
      expect.arrayContaining([
        'email',
        'auth_methods',
        'session_count',
        'token_count',
        'created_at',
        'last_access',
        'expires_at',
        'ttl_seconds',
        'is_banned',
        'ban_remaining_seconds',
      ]),
    );
    expect(Object.keys(schemas.AdminTokenDto.properties ?? {})).toEqual(
      expect.arrayContaining(['token_id', 'token_name', 'user_email', 'scopes', 'created_at', 'expires_at', 'last_used_at', 'status']),
    );
    expect(Object.keys(schemas.BanResultDto.properties ?? {})).toEqual(
      expect.arrayContaining(['sessions_ended', 'tokens_blocked', 'banned_until']),
    );
    expect(schemas.BanUserDto.required).toEqual(['user_email']);
    const params = doc.paths['/api/admin/sessions/active-users'].get.parameters?.map((p) => `${p.in}:${p.name}`);
    expect(params).toEqual(expect.arrayContaining(['query:cursor', 'query:limit', 'query:q']));
    const tokenParams = doc.paths['/api/admin/tokens'].get.parameters?.map((p) => p.name);
    expect(tokenParams).toEqual(expect.arrayContaining(['email', 'status', 'cursor', 'limit', 'q']));
  });

  it('publishes the id patterns the DTOs check (one regex each, in common/ids.ts)', () => {
    type Param = { name: string; schema?: { pattern?: string } };
    const patternOf = (path: string, method: string, name: string): string | undefined =>
      (doc.paths[path][method].parameters as Param[] | undefined)?.find((p) => p.name === name)?.schema?.pattern;
    expect(patternOf('/api/admin/sessions/{session_id}', 'delete', 'session_id')).toBe('^[A-Za-z0-9_-]{43}$');
    expect(patternOf('/api/admin/tokens/{token_id}', 'delete', 'token_id')).toBe('^[A-Za-z0-9_-]{16,64}$');
    expect(patternOf('/api/admin/redis/cleanup/logs/{run_id}', 'get', 'run_id')).toBe('^\\d{13}-[0-9a-f]{8}$');
  });

  it('gives every admin operation a success answer with its DTO', () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/admin')) continue;
      for (const [method, operation] of Object.entries(item)) {
        const success = Object.entries(operation.responses).find(([status]) => Number(status) < 300);
        if (success?.[1].content?.['application/json']?.schema?.$ref === undefined) missing.push(`${method} ${path}`);
      }
    }
    expect(missing).toEqual([]);
    expect(doc.paths['/api/admin/sessions/active-users'].get.responses['200'].content?.['application/json'].schema?.$ref).toBe(
      '#/components/schemas/ActiveUserListDto',
    );
    expect(doc.paths['/api/admin/manage'].post.responses['201'].content?.['application/json'].schema?.$ref).toBe(
      '#/components/schemas/AdminEntryDto',
    );
  });

  it('gives every error answer of the admin API the error shape and an example', () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/admin')) continue;
      for (const [method, operation] of Object.entries(item)) {
        for (const status of ['401', '403', '503']) {
          const content = operation.responses[status]?.content?.['application/json'];
          if (content?.schema?.$ref !== '#/components/schemas/ErrorResponseDto' || content.example === undefined)
            missing.push(`${method} ${path} ${status}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents the /v1 LLM routes the proxy serves, with their auth', () => {
    expect(doc.paths['/v1/chat/completions'].post.security).toEqual([{ bearer: [] }, { 'x-api-key': [] }]);
    expect(doc.paths['/v1/messages'].post.responses['401'].content?.['application/json'].schema?.$ref).toBe(
      '#/components/schemas/SdkErrorDto',
    );
    expect(doc.paths['/v1/models'].get).toBeDefined();
  });

  it('lets an admin token alone call every admin read, as "Authorize" in Swagger UI does', async () => {
    const failures: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/admin') || path.includes('{') || item.get === undefined) continue;
      const res = await call(gw, 'GET', path, { token: adminToken });
      if (res.status !== 200) failures.push(`GET ${path}: ${res.status}`);
    }
    expect(failures).toEqual([]);
    // Unsafe calls with a Bearer token need no CSRF token either.
    expect((await call(gw, 'POST', '/api/admin/redis/cleanup', { token: adminToken })).status).toBe(202);
  });
});
