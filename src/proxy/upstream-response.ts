/**
 * The upstream's answer on its way back to the client: headers cut down to the allowlist, a failed
 * answer (5xx) replaced by a generic error and logged redacted, and an answer that breaks off
 * (the upstream dies or goes silent mid-stream) ended for the client at once instead of left open.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Logger } from '@nestjs/common';
import { sdkErrorBody } from '../common/error-shapes.js';
import type { ResponseHeaderAllowlist } from './response-headers.js';
import { adviseRetryOnUpstream } from './retry-advice.js';
import { UPSTREAM_ERROR_LOG_BYTES, upstreamErrorExcerpt } from './upstream-errors.js';
import type { AnswerWatch, UpstreamAnswer } from './upstream-relay.js';

/** What the proxy knows of the call an answer belongs to. */
export interface AnswerContext {
  readonly requestId: string;
  readonly clientWantsClose?: boolean;
}

/** The proxy's one writer of its own SDK-shaped errors. */
export type ErrorWriter = (res: ServerResponse, status: number, message: string, code: string, close: boolean) => void;

export interface UpstreamAnswersOptions {
  readonly allowlist: ResponseHeaderAllowlist;
  /** UPSTREAM_IDLE_TIMEOUT_MS: longest silence once the answer has begun. */
  readonly idleTimeoutMs: number;
  readonly logger: Pick<Logger, 'warn'>;
  readonly writeError: ErrorWriter;
}

export class UpstreamAnswers {
  constructor(private readonly options: UpstreamAnswersOptions) {}

  /**
   * For an answer that has begun, before its status and headers are copied onto `res` and its body
   * passed on (upstream-relay.ts, relayAnswer): so headers are filtered in place here, and a 5xx
   * is answered here (then nothing is passed on). Returns the watch over an answer that is passed on.
   */
  onResponse(proxyRes: UpstreamAnswer, res: ServerResponse, call: AnswerContext): RelayedAnswer | undefined {
    const upstreamId = proxyRes.headers['x-request-id'];
    if (proxyRes.statusCode >= 500) {
      this.replaceFailure(proxyRes, res, call, upstreamId);
      return undefined;
    }
    const headers = proxyRes.headers;
    this.options.allowlist.filterInPlace(headers);
    // The gateway's request id wins; an upstream that names requests itself (OpenAI does) keeps
    // its id under its own name.
    if (upstreamId !== undefined && upstreamId !== call.requestId) headers['x-upstream-request-id'] = upstreamId;
    headers['x-request-id'] = call.requestId;
    adviseRetryOnUpstream(headers, proxyRes.statusCode);
    // The upstream's Connection and Keep-Alive described the gateway's pooled connection (the
    // allowlist dropped them); the client's hop follows what the client asked for its own.
    headers.connection = call.clientWantsClose ? 'close' : 'keep-alive';
    const sse = isEventStream(headers);
    // Flush SSE events as they come: no proxy buffering in front of us either.
    if (sse) res.setHeader('x-accel-buffering', 'no');
    return new RelayedAnswer(proxyRes, res, call, sse && canAppendEvent(headers), this.options);
  }

  /** A 5xx: the client gets the status and a generic error; the body goes to the log, redacted. */
  private replaceFailure(
    proxyRes: UpstreamAnswer,
    res: ServerResponse,
    call: AnswerContext,
    upstreamId: string | string[] | undefined,
  ): void {
    const status = proxyRes.statusCode;
    for (const [name, value] of this.options.allowlist.passedWithoutBody(proxyRes.headers)) {
      if (name !== 'x-request-id') res.setHeader(name, value);
    }
    if (upstreamId !== undefined && upstreamId !== call.requestId) res.setHeader('x-upstream-request-id', upstreamId);
    const message = `The upstream LLM service failed (HTTP ${status}); request id ${call.requestId}`;
    this.options.writeError(res, status, message, 'upstream_error', call.clientWantsClose === true);
    this.logFailedBody(proxyRes, status, call.requestId);
  }

  /** Reads at most UPSTREAM_ERROR_LOG_BYTES of a failed answer (decoded) for the log, then lets go of it. */
  private logFailedBody(proxyRes: UpstreamAnswer, status: number, requestId: string): void {
    const encoding = String(proxyRes.headers['content-encoding'] ?? 'identity').toLowerCase();
    const decoder = decoderFor(encoding);
    const chunks: Buffer[] = [];
    let size = 0;
    let cut = false;
    let logged = false;
    const finish = (): void => {
      if (logged) return;
      logged = true;
      clearTimeout(idle);
      const body =
        decoder === undefined && encoding !== 'identity'
          ? `(${size} bytes in content-encoding ${JSON.stringify(encoding)}, not decoded)`
          : upstreamErrorExcerpt(Buffer.concat(chunks), cut || !proxyRes.complete);
      this.options.logger.warn(
        `Upstream answered ${status} for request ${requestId}; the client got a generic error. Upstream body (redacted): ${body}`,
      );
      if (!proxyRes.complete) proxyRes.destroy();
      decoder?.destroy();
    };
    const idle = setTimeout(finish, this.options.idleTimeoutMs).unref();
    const body = proxyRes.stream();
    const source: Readable = decoder ? body.pipe(decoder) : body;
    source.on('data', (chunk: Buffer) => {
      if (logged) return;
      chunks.push(chunk);
      size += chunk.length;
      idle.refresh();
      if (size >= UPSTREAM_ERROR_LOG_BYTES) {
        cut = true;
        finish();
      }
    });
    source.once('end', finish);
    source.once('error', finish);
    if (decoder) body.once('error', finish);
    body.once('close', () => {
      if (!proxyRes.complete) finish();
    });
  }
}

type Break = 'lost' | 'idle';

const LF = 0x0a;
const CR = 0x0d;

/**
 * One answer being passed on. A body passed on as it comes that breaks off never ends the client's
 * response by itself: without this watch the client keeps its 200 and waits forever. So when
 * the upstream connection is lost, or stays silent for UPSTREAM_IDLE_TIMEOUT_MS, the client's
 * answer is ended: a final SSE `error` event when the stream stands between events (both SDKs
 * throw on it), else the connection is cut, which every client reads as a failed answer.
 */
export class RelayedAnswer implements AnswerWatch {
  private readonly idle: NodeJS.Timeout;
  private settled = false;
  private bytes = 0;
  /** The last three bytes passed on (event streams only), newest lowest. */
  private tail = 0;

  constructor(
    private readonly proxyRes: UpstreamAnswer,
    private readonly res: ServerResponse,
    private readonly call: AnswerContext,
    /** An event stream the gateway can append an event to (not encoded, no declared length). */
    private readonly appendable: boolean,
    private readonly options: UpstreamAnswersOptions,
  ) {
    this.idle = setTimeout(this.onIdle, options.idleTimeoutMs).unref();
    proxyRes.watch(this);
  }

  onData(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.idle.refresh();
    if (!this.appendable) return;
    const n = chunk.length;
    if (n >= 3) this.tail = (chunk[n - 3] << 16) | (chunk[n - 2] << 8) | chunk[n - 1];
    else for (const byte of chunk) this.tail = ((this.tail << 8) | byte) & 0xffffff;
  }

  onEnd(): void {
    this.settled = true;
    clearTimeout(this.idle);
  }

  onLost(err?: Error): void {
    this.break('lost', err);
  }

  private readonly onIdle = (): void => {
    if (this.settled) return;
    // A client that does not read holds the upstream back: that is not the upstream's silence.
    if (this.res.writableNeedDrain) {
      this.idle.refresh();
      return;
    }
    this.break('idle');
  };

  private break(why: Break, err?: Error): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.idle);
    const res = this.res;
    if (!res.destroyed && !res.writableEnded) {
      const what = why === 'idle' ? `went silent for ${this.options.idleTimeoutMs} ms` : 'connection was lost';
      const cause = err ? ` (${err.message})` : '';
      this.options.logger.warn(
        `Upstream ${what} mid-answer for request ${this.call.requestId} after ${this.bytes} bytes${cause}; the client's answer was ended`,
      );
      this.endClient(why);
    }
    // Whatever is left of the upstream call (a silent one still holds its connection) is dropped.
    this.proxyRes.destroy();
  }

  private endClient(why: Break): void {
    const res = this.res;
    const status = why === 'idle' ? 504 : 502;
    const message = `${why === 'idle' ? 'upstream went silent' : 'upstream connection lost'}; request id ${this.call.requestId}`;
    const code = why === 'idle' ? 'upstream_idle_timeout' : 'upstream_connection_lost';
    if (!res.headersSent) {
      // Nothing has reached the client yet: it can still get a plain error answer, without the
      // headers that described the upstream's body (the gateway's own stay).
      for (const name of Object.keys(this.proxyRes.headers))
        if (name !== 'x-request-id' && name !== 'x-upstream-request-id') res.removeHeader(name);
      res.removeHeader('x-accel-buffering');
      this.options.writeError(res, status, message, code, this.call.clientWantsClose === true);
      return;
    }
    if (this.appendable && this.betweenEvents()) {
      res.end(`event: error\ndata: ${JSON.stringify(sdkErrorBody(status, message, code))}\n\n`);
      return;
    }
    res.destroy();
  }

  /** True when what was passed on ends with a blank line (or nothing was): an event can follow. */
  private betweenEvents(): boolean {
    if (this.bytes === 0) return true;
    const last = this.tail & 0xff;
    const beforeLast = (this.tail >> 8) & 0xff;
    let beforeTerminator: number;
    if (last === LF && beforeLast === CR) beforeTerminator = (this.tail >> 16) & 0xff;
    else if (last === LF || last === CR) beforeTerminator = beforeLast;
    else return false;
    return beforeTerminator === LF || beforeTerminator === CR;
  }
}

function isEventStream(headers: IncomingHttpHeaders): boolean {
  return (headers['content-type'] ?? '').toLowerCase().startsWith('text/event-stream');
}

function canAppendEvent(headers: IncomingHttpHeaders): boolean {
  const encoding = headers['content-encoding'];
  return headers['content-length'] === undefined && (encoding === undefined || encoding.toLowerCase() === 'identity');
}

function decoderFor(encoding: string): Transform | undefined {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}
