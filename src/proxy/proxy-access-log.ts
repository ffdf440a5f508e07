/**
 * One access line per /v1 call, written when the answer has finished or the connection closed:
 *   {"level":"info","time":"...","context":"Access","event":"access","via":"v1","request_id":"...",
 *    "method":"POST","path":"/v1/chat/completions","status":200,"upstream_status":200,"duration_ms":812,
 *    "bytes_in":312,"bytes_out":2048,"client":"10.0.0.7","user":"a@b.c","token_id":"..."}
 * Cheap on the hot path: one small object and one 'close' listener per call (no closure, nothing per
 * chunk); bytes come from the request's content-length (or the socket's read count) and the socket's
 * written count, as deltas over the call. The path loses credential-looking query parameters here;
 * the logger's sanitiser (src/logging) cleans whatever else looks like a secret.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { withoutCredentialParams } from './query-credentials.js';

/** What the proxy keeps on the request (ProxyState in proxy.middleware.ts), as far as the line needs it. */
interface CallState {
  user?: { email: string; tokenId?: string };
  upstreamStatus?: number;
}

interface AccessRecord {
  req: IncomingMessage & { gateway?: CallState };
  requestId: string;
  startedAt: number;
  readAtStart: number;
  writtenAtStart: number;
  /** The client's Content-Length, read before the proxy rewrites it for the upstream. */
  declaredIn: string | undefined;
}

type RecordedResponse = ServerResponse & { accessRecord?: AccessRecord };

const logger = new Logger('Access');
const MAX_PATH = 512;

/** Registers the access line of one /v1 call; written once, when `res` closes. */
export function recordProxyAccess(req: IncomingMessage, res: ServerResponse, requestId: string): void {
  const socket = req.socket;
  (res as RecordedResponse).accessRecord = {
    req,
    requestId,
    startedAt: performance.now(),
    readAtStart: socket.bytesRead,
    writtenAtStart: socket.bytesWritten,
    declaredIn: req.headers['content-length'],
  };
  res.once('close', writeAccessLine);
}

function writeAccessLine(this: RecordedResponse): void {
  const record = this.accessRecord;
  if (record === undefined) return;
  this.accessRecord = undefined;
  const { req } = record;
  const socket = req.socket;
  const declared = record.declaredIn;
  const state = req.gateway;
  const url = req.url ?? '';
  try {
    logger.log({
      event: 'access',
      via: 'v1',
      request_id: record.requestId,
      method: req.method,
      path: (url.includes('?') ? withoutCredentialParams(url) : url).slice(0, MAX_PATH),
      status: this.statusCode,
      // The status the client got may differ (a 5xx becomes the gateway's own error); null: no upstream answer.
      upstream_status: state?.upstreamStatus ?? null,
      completed: this.writableFinished,
      duration_ms: Math.round(performance.now() - record.startedAt),
      bytes_in: declared !== undefined ? Number(declared) : socket.bytesRead - record.readAtStart,
      bytes_out: socket.bytesWritten - record.writtenAtStart,
      client: socket.remoteAddress ?? null,
      user: state?.user?.email ?? null,
      token_id: state?.user?.tokenId ?? null,
    });
  } catch {
    // A log line must never break an answer (this runs in an event handler: a throw would end the process).
  }
}
