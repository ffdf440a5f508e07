/**
 * The request id of a REST call: the caller's X-Request-Id when it is a plain token, otherwise a
 * new UUID; kept on the request (so the guard and the interceptor name the same id) and echoed back.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { RequestWithUser } from '../common/authenticated-user.js';
import { REQUEST_ID } from '../common/ids.js';

export function requestIdOf(req: Request, res?: Response): string {
  const carrier = req as Request & RequestWithUser;
  if (carrier.requestId === undefined) {
    const given = req.headers['x-request-id'];
    carrier.requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  }
  if (res !== undefined && !res.headersSent) res.setHeader('x-request-id', carrier.requestId);
  return carrier.requestId;
}
