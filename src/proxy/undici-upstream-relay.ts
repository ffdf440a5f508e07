/**
 * The upstream hop over undici (UPSTREAM_CLIENT=undici): a pool of keep-alive connections to
 * UPSTREAM_URL (at most UPSTREAM_MAX_SOCKETS), each call dispatched with a handler that writes the
 * answer's chunks straight to the client's response. Node's own client costs more CPU per call
 * (its agent, ClientRequest and IncomingMessage streams): docs/BENCHMARKS.md has the figures.
 *
 * The pool keeps a queued call, body and all, until a connection is free. A call aborted while
 * it waits is never written: undici hands it a connection, the handler refuses it there, and that
 * connection is closed (undici has no other way to take a call out of its queue).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { type Dispatcher, errors, Pool } from 'undici';
import {
  type AnswerWatch,
  type UpstreamAnswer,
  type UpstreamCall,
  type UpstreamCallHandler,
  upstreamPath,
  type UpstreamRelay,
  type UpstreamRelayOptions,
} from './upstream-relay.js';

export class UndiciUpstreamRelay implements UpstreamRelay {
  readonly host: string;
  private readonly pool: Pool;
  private readonly basePath: string;
  /** `Basic ...` from UPSTREAM_URL's user and password, sent when the call has no Authorization of its own (as Node's `auth` option does). */
  private readonly basicAuth: string | undefined;

  constructor(options: UpstreamRelayOptions) {
    const target = new URL(options.url);
    this.host = target.host;
    this.basePath = target.pathname.replace(/\/+$/, '');
    this.basicAuth = target.username
      ? `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`
      : undefined;
    this.pool = new Pool(target.origin, {
      connections: Number.isFinite(options.maxSockets) ? options.maxSockets : null,
      // From the call's last byte written until the answer's headers are in.
      headersTimeout: options.timeoutMs,
      // Silence mid-answer is the proxy's to judge (UPSTREAM_IDLE_TIMEOUT_MS, upstream-response.ts).
      bodyTimeout: 0,
    });
  }

  send(
    method: string,
    url: string,
    headers: OutgoingHttpHeaders,
    body: Buffer | Readable | undefined,
    handler: UpstreamCallHandler,
  ): UpstreamCall {
    // undici frames the body itself and refuses a Transfer-Encoding header (one can remain on an empty chunked body).
    if (headers['transfer-encoding'] !== undefined) delete headers['transfer-encoding'];
    if (this.basicAuth !== undefined && headers.authorization === undefined) headers.authorization = this.basicAuth;
    const call = new UndiciCall(handler);
    this.pool.dispatch(
      { path: upstreamPath(this.basePath, url), method, headers: headers as IncomingHttpHeaders, body: body ?? null },
      call,
    );
    return call;
  }

  get waiting(): number {
    return this.pool.stats.queued;
  }

  close(): void {
    this.pool.destroy().catch(() => undefined);
  }
}

/** Why the gateway dropped a call (the client left, the body failed, the answer went silent). */
class CallDropped extends Error {
  constructor() {
    super('upstream call dropped by the gateway');
  }
}

/**
 * One call: undici's handler for it, the proxy's handle on it, and its answer once it has begun
 * (one object for the three, so a call allocates little on the hot path).
 */
class UndiciCall implements Dispatcher.DispatchHandler, UpstreamCall, UpstreamAnswer {
  statusCode = 0;
  headers: IncomingHttpHeaders = {};
  complete = false;
  private controller: Dispatcher.DispatchController | undefined;
  /** abort() came before undici gave the call a connection. */
  private dropped = false;
  private answered = false;
  private failed = false;
  private watcher: AnswerWatch | undefined;
  private sink: ServerResponse | undefined;
  private readable: Readable | undefined;

  constructor(private readonly handler: UpstreamCallHandler) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.dropped) controller.abort(new CallDropped());
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return;
    this.statusCode = statusCode;
    this.headers = nodeHeaders(headers);
    this.answered = true;
    this.handler.onAnswer(this);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.watcher?.onData(chunk);
    const sink = this.sink;
    if (sink !== undefined) {
      if (!sink.write(chunk)) {
        controller.pause();
        sink.once('drain', this.resume);
      }
    } else if (this.readable !== undefined && !this.readable.push(chunk)) {
      controller.pause();
    }
  }

  onResponseEnd(): void {
    this.complete = true;
    this.watcher?.onEnd();
    this.sink?.end();
    this.readable?.push(null);
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    if (this.failed || this.complete) return;
    this.failed = true;
    if (!this.answered) {
      // A connection not made within undici's connect timeout (10 s) is an unreachable upstream (502), as a refused one is.
      this.handler.onFailure(err, err instanceof errors.HeadersTimeoutError);
      return;
    }
    this.watcher?.onLost(err);
    this.readable?.destroy(err);
  }

  abort(): void {
    if (this.complete || this.failed) return;
    if (this.controller === undefined) this.dropped = true;
    else this.controller.abort(new CallDropped());
  }

  watch(watch: AnswerWatch): void {
    this.watcher = watch;
  }

  pipeTo(res: ServerResponse): void {
    this.sink = res;
  }

  stream(): Readable {
    this.readable ??= new Readable({ read: () => this.controller?.resume() });
    return this.readable;
  }

  destroy(): void {
    this.abort();
  }

  private readonly resume = (): void => this.controller?.resume();
}

/** Node's IncomingMessage keeps the first of these when a header repeats; undici keeps them all. */
const SINGLE_VALUED = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/** undici's headers in IncomingMessage's shape: a repeated header joined (Set-Cookie stays a list, single-valued ones keep the first). */
function nodeHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  for (const name in headers) {
    const value = headers[name];
    if (!Array.isArray(value) || name === 'set-cookie') continue;
    headers[name] = SINGLE_VALUED.has(name) ? value[0] : value.join(name === 'cookie' ? '; ' : ', ');
  }
  return headers;
}
