/**
 * The scraper's door to /metrics: `Authorization: Bearer <METRICS_TOKEN>`, compared in constant
 * time, answered here ahead of Nest's guards (the token is not a gateway JWT). Any other caller
 * goes on to the admin-only route (metrics.controller.ts), which refuses everyone but admins.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayMetrics } from './gateway-metrics.js';

export const METRICS_PATH = '/metrics';

export function metricsTokenHandler(
  token: string | undefined,
  metrics: GatewayMetrics,
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  // Digests have one length whatever was sent, so the comparison leaks neither content nor length.
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  return (req, res, next) => {
    const given = req.headers.authorization;
    if (
      expected === undefined ||
      req.method !== 'GET' ||
      req.url !== METRICS_PATH ||
      given === undefined ||
      !timingSafeEqual(digest(given), expected)
    ) {
      next();
      return;
    }
    metrics.scrape().then(
      ({ contentType, body }) => {
        res.setHeader('content-type', contentType);
        res.setHeader('cache-control', 'no-store');
        res.end(body);
      },
      () => {
        res.statusCode = 500;
        res.end();
      },
    );
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
