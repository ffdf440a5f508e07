/**
 * Swagger UI from a signed-in browser: "Try it out" on POST/PUT/PATCH/DELETE sends the session's
 * CSRF token. Swagger UI's requestInterceptor (in swagger-ui-init.js, a script file like the rest
 * of the page's code, so a CSP without inline script holds) hands each request to the script
 * below, served as /docs/gateway-csrf.js, which reads the token from GET /api/me (fresh each time:
 * a new sign-in changes it) and adds X-CSRF-Token to same-origin unsafe requests.
 */
import type { INestApplication } from '@nestjs/common';
import type { Request, Response } from 'express';

export const CSRF_SCRIPT_NAME = 'gateway-csrf.js';

/** The script's source: plain browser JavaScript, no dependencies. */
export const CSRF_SCRIPT = `'use strict';
(function () {
  var SAFE = ['GET', 'HEAD', 'OPTIONS'];
  function sameOrigin(url) {
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch (e) {
      return false;
    }
  }
  function csrfToken() {
    return window
      .fetch(new URL('/api/me', window.location.origin).toString(), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (me) { return me && typeof me.csrf_token === 'string' ? me.csrf_token : null; })
      .catch(function () { return null; });
  }
  window.llmGatewayRequestInterceptor = function (request) {
    var method = String(request.method || 'GET').toUpperCase();
    if (SAFE.indexOf(method) !== -1 || !sameOrigin(request.url)) return request;
    return csrfToken().then(function (token) {
      if (token !== null) {
        request.headers = request.headers || {};
        request.headers['X-CSRF-Token'] = token;
      }
      return request;
    });
  };
})();
`;

/**
 * The requestInterceptor option: @nestjs/swagger writes it into swagger-ui-init.js by its source
 * text, so it only hands over to the script above (which loads first, as a customJs tag).
 */
export function swaggerRequestInterceptor(request: unknown): unknown {
  return (globalThis as unknown as { llmGatewayRequestInterceptor: (r: unknown) => unknown }).llmGatewayRequestInterceptor(request);
}

/** Serves the script at /{docsPath}/gateway-csrf.js, ahead of Swagger UI's own assets. */
export function serveCsrfScript(app: INestApplication, docsPath: string): string {
  const path = `/${docsPath}/${CSRF_SCRIPT_NAME}`;
  app.getHttpAdapter().get(path, (_req: Request, res: Response) => {
    res.setHeader('content-type', 'application/javascript; charset=utf-8');
    res.setHeader('cache-control', 'no-cache');
    res.send(CSRF_SCRIPT);
  });
  return path;
}
