/**
 * Counts every answered request (proxy, REST, pages, 404s) by route family, status and how the
 * caller authenticated. One listener function per app, added to each response: no per-request closure.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import { type GatewayMetrics, type RequestAuth, routeFamily } from './gateway-metrics.js';

/** Where the caller's identity is found once authenticated: `user` (REST, passport), `gateway.user` (/v1 proxy). */
type ObservedRequest = IncomingMessage & { user?: AuthenticatedUser; gateway?: { user?: AuthenticatedUser } };

export function requestObserver(metrics: GatewayMetrics): (req: IncomingMessage, res: ServerResponse) => void {
  function onClose(this: ServerResponse): void {
    const req = this.req as ObservedRequest;
    const user = req.gateway?.user ?? req.user;
    const auth: RequestAuth = user?.method ?? 'none';
    // A client that left before an answer began: counted as 499, as proxies log it.
    const status = this.headersSent ? this.statusCode : 499;
    metrics.countRequest(routeFamily(req.url ?? ''), status, auth);
  }
  return (_req, res) => {
    res.once('close', onClose);
  };
}
