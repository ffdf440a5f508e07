/**
 * Everything main.ts does to a created app before listen(), shared with the e2e harness so tests
 * run exactly the production wiring: the proxy ahead of the body parsers, then Nest's routes.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ActiveUsersService } from './active-users/active-users.service.js';
import { requestIdOf } from './audit/request-id.js';
import { setSecurityHeaders } from './common/security-headers.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { SHUTDOWN_SIGNALS } from './lifecycle/shutdown-signals.js';
import { restAccessLog } from './logging/rest-access-log.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { requestObserver } from './metrics/http-metrics.js';
import { registerLiveGauges } from './metrics/live-gauges.js';
import { metricsTokenHandler } from './metrics/metrics-token.js';
import { setupOpenApi } from './openapi/openapi.js';
import { ProxyMiddleware } from './proxy/proxy.middleware.js';
import { SessionMiddleware } from './sessions/session.middleware.js';
import { SessionsService } from './sessions/sessions.service.js';
import { TokenCatalogService } from './tokens/token-catalog.service.js';

export function setupApp(app: NestExpressApplication): AppConfig {
  const config = app.get<AppConfig>(APP_CONFIG);
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.enableShutdownHooks(SHUTDOWN_SIGNALS);
  matchPathsCaseSensitively(app);
  // Idle keep-alive sockets outlive the clients' and load balancers' own idle timers (often 60 s), so a
  // client never sends a request on a socket the gateway is closing at that moment.
  const server = app.getHttpServer() as Server & { connectionsCheckingInterval: number };
  server.keepAliveTimeout = 65_000;
  // Slow clients are bounded (docs/SECURITY.md): the headers must arrive within CLIENT_HEADERS_TIMEOUT_MS
  // and the whole request within CLIENT_REQUEST_TIMEOUT_MS, else Node answers 408 and closes; answers (long
  // streams) are bounded by neither. Idle keep-alive sockets wait for keepAliveTimeout, not these. A /v1
  // body that stalls gets the proxy's own 408 (CLIENT_BODY_IDLE_TIMEOUT_MS). Node checks the two timeouts
  // every connectionsCheckingInterval (30 s unless set before listen).
  server.headersTimeout = config.requests.headersTimeoutMs;
  server.requestTimeout = config.requests.requestTimeoutMs;
  server.connectionsCheckingInterval = Math.min(1000, Math.ceil(config.requests.headersTimeoutMs / 4));
  // The /v1 proxy answers straight from the HTTP server, ahead of Express: bodies stream to it
  // untouched by the body parsers, and the hot path skips Express's per-request work (about half
  // of the gateway's CPU per call, measured with npm run bench). Everything else goes on to Express.
  const proxy = app.get(ProxyMiddleware);
  const [expressHandler] = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  // Metrics: every answer is counted (metrics/http-metrics.ts).
  const metrics = app.get(GatewayMetrics);
  const observe = requestObserver(metrics);
  // Bans, tokens and sessions live now, counted by their owners when Prometheus scrapes (metrics/live-gauges.ts).
  const [activeUsers, tokenCatalog, sessions] = [app.get(ActiveUsersService), app.get(TokenCatalogService), app.get(SessionsService)];
  registerLiveGauges(metrics, {
    bansActive: () => activeUsers.countActiveBans(),
    tokensLive: () => tokenCatalog.countLive(),
    sessionsLive: () => sessions.countLive(),
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    observe(req, res);
    proxy.handle(req, res, () => expressHandler(req, res));
  });
  // Every answer Express gives (pages, REST, /health, /docs, errors, 404s) carries the security headers.
  app.use((_req: IncomingMessage, res: ServerResponse, next: () => void) => {
    setSecurityHeaders(res);
    next();
  });
  // One access line per answer Express gives (src/logging/rest-access-log.ts); /v1 has its own (proxy-access-log.ts).
  app.use(restAccessLog(requestIdOf));
  // A scraper's METRICS_TOKEN is answered here, ahead of the guards; admins reach /metrics through Nest.
  app.use(metricsTokenHandler(config.observability.metricsToken, metrics));
  // Browser sessions only on /, /auth/* and /api/*: the proxy above never sees them.
  app.use(app.get(SessionMiddleware).handle);
  app.useBodyParser('json', { limit: config.bodyLimitBytes });
  app.useBodyParser('urlencoded', { limit: config.bodyLimitBytes, extended: false });
  // /docs and /docs-json (DOCS_ENABLED); served outside Nest's guards, like /health they need no credentials.
  setupOpenApi(app, config);
  return config;
}

/**
 * Paths are matched one way: case-sensitively, as the session middleware, the CSRF and returnTo
 * checks and the /v1 proxy match them, so `/AUTH/logout` is a 404 rather than the logout route
 * without its session and CSRF check. Express reads `case sensitive routing` only when it creates
 * its router, which Nest's ExpressAdapter has already done (its constructor adds a middleware);
 * the router reads its `caseSensitive` flag for every route added, and Nest adds its routes in
 * init(), after this. Trailing slashes stay tolerated: `/auth/logout/` is the same route, with the
 * same session and checks.
 */
function matchPathsCaseSensitively(app: NestExpressApplication): void {
  const express = app.getHttpAdapter().getInstance();
  express.set('case sensitive routing', true);
  (express.router as unknown as { caseSensitive: boolean }).caseSensitive = true;
}
