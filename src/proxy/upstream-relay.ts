/**
 * The upstream hop of a /v1 call, as the proxy drives it: send the call, hear of its answer (or its
 * failure before one), pass the answer's body on. Two clients carry it (UPSTREAM_CLIENT):
 * undici-upstream-relay.ts (a pool of undici connections) and http-upstream-relay.ts (Node's
 * `http.request` over a keep-alive agent). Both keep the same promises: the target's base path
 * joined to the request path, the Host of the target, a body written whenever a connection is
 * free for the call however long it waits (UPSTREAM_MAX_SOCKETS), a call dropped without being
 * sent when it is aborted while it waits, and UPSTREAM_TIMEOUT_MS on the wait for the answer to begin.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

export interface UpstreamRelayOptions {
  /** UPSTREAM_URL, without a trailing slash. */
  readonly url: string;
  /** UPSTREAM_MAX_SOCKETS (Infinity: unbounded). */
  readonly maxSockets: number;
  /** UPSTREAM_TIMEOUT_MS: longest wait, once the call is on a connection, for its answer to begin. */
  readonly timeoutMs: number;
}

export interface UpstreamRelay {
  /** What the upstream request's Host header says: the target's host and port as UPSTREAM_URL gives them. */
  readonly host: string;
  /** Calls waiting for a connection now (only ever more than 0 under UPSTREAM_MAX_SOCKETS). */
  readonly waiting: number;
  /**
   * Sends a call whose headers are final: a body read whole in one write, a stream as it comes.
   * `handler` hears of the answer or of the failure before one, once.
   */
  send(
    method: string,
    url: string,
    headers: OutgoingHttpHeaders,
    body: Buffer | Readable | undefined,
    handler: UpstreamCallHandler,
  ): UpstreamCall;
  /** Closes the pooled connections (after the HTTP server has closed, so answers still streaming finish first). */
  close(): void;
}

export interface UpstreamCallHandler {
  /** The answer's status and headers have come (informational 1xx answers are not told). */
  onAnswer(answer: UpstreamAnswer): void;
  /** The call failed before its answer began; `timedOut`: UPSTREAM_TIMEOUT_MS passed first. */
  onFailure(err: Error, timedOut: boolean): void;
}

export interface UpstreamCall {
  /** Drops the call: never sent if it still waits for a connection; else its connection is closed. */
  abort(): void;
}

/** What the watch over an answer being passed on hears of its body (upstream-response.ts). */
export interface AnswerWatch {
  onData(chunk: Buffer): void;
  onEnd(): void;
  /** The body broke off: the connection was lost or the call was dropped before the body's end. */
  onLost(err?: Error): void;
}

/** An answer that has begun: status and headers, then its body. */
export interface UpstreamAnswer {
  readonly statusCode: number;
  /** As Node's IncomingMessage gives them (lower-case names, repeats joined); the proxy filters them in place. */
  readonly headers: IncomingHttpHeaders;
  /** The whole body has arrived. */
  readonly complete: boolean;
  /** Tells `watch` of the body as it comes; one watch per answer, set before the body is passed on. */
  watch(watch: AnswerWatch): void;
  /** Writes the body to `res` as it comes, holding the upstream back while `res` is full; ends `res` at the body's end. */
  pipeTo(res: ServerResponse): void;
  /** The body as a stream (read to the log when the answer is replaced). */
  stream(): Readable;
  /** Drops what is left of the answer (its connection too, unless the body has all arrived). */
  destroy(): void;
}

/**
 * The answer's status and (already filtered) headers onto the client's response, then its body as
 * it comes. The headers are set, not written: they leave with the first chunk, so an upstream that
 * dies before its body can still be answered with a plain error (upstream-response.ts).
 */
export function relayAnswer(answer: UpstreamAnswer, res: ServerResponse): void {
  res.statusCode = answer.statusCode;
  const headers = answer.headers;
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) res.setHeader(name, value);
  }
  answer.pipeTo(res);
}

/** The upstream path of a request path: UPSTREAM_URL's own path first, repeated slashes folded. */
export function upstreamPath(basePath: string, url: string): string {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const joined = basePath + (path.includes('//') ? path.replace(/\/{2,}/g, '/') : path);
  return query === -1 ? joined : joined + url.slice(query);
}
