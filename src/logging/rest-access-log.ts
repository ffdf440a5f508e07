/**
 * One access line per call that Express serves (the REST API, /auth, /health, pages, /docs), written
 * when the answer has finished or the connection closed:
 *   {"level":"info","time":"...","context":"Access","event":"access","via":"rest","request_id":"...",
 *    "method":"DELETE","path":"/api/admin/tokens/abc","status":200,"duration_ms":4,"client":"10.0.0.7","user":"admin@b.c"}
 * The query string's credential-looking values (token, key, code ...) are censored by the logger's
 * sanitiser (log-redaction.ts), like every other string field.
 */
import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

interface RestRecord {
  req: Request & { user?: { email?: string } };
  requestId: string;
  startedAt: number;
}

type RecordedResponse = Response & { restAccessRecord?: RestRecord };

const logger = new Logger('Access');
const MAX_PATH = 512;

/**
 * The middleware; `requestIdOf` names (and echoes) the request's id, the same one the guards and the
 * audit trail use.
 */
export function restAccessLog(requestIdOf: (req: Request, res: Response) => string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    (res as RecordedResponse).restAccessRecord = { req, requestId: requestIdOf(req, res), startedAt: performance.now() };
    res.once('close', writeAccessLine);
    next();
  };
}

function writeAccessLine(this: RecordedResponse): void {
  const record = this.restAccessRecord;
  if (record === undefined) return;
  this.restAccessRecord = undefined;
  const { req } = record;
  try {
    logger.log({
      event: 'access',
      via: 'rest',
      request_id: record.requestId,
      method: req.method,
      path: req.originalUrl.slice(0, MAX_PATH),
      status: this.statusCode,
      completed: this.writableFinished,
      duration_ms: Math.round(performance.now() - record.startedAt),
      client: req.ip ?? req.socket.remoteAddress ?? null,
      user: req.user?.email ?? null,
    });
  } catch {
    // A log line must never break an answer (this runs in an event handler: a throw would end the process).
  }
}
