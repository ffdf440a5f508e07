/**
 * The upstream hop over Node's own client (UPSTREAM_CLIENT=http): one `http.request` (or
 * `https.request`) per call over a pooled keep-alive agent. Node holds what is written to a request
 * until the agent gives it a socket, so a queued call's body is never lost; a request destroyed
 * while it waits leaves the agent's queue unsent.
 */
import {
  Agent as HttpAgent,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request as httpRequest,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import {
  type AnswerWatch,
  type UpstreamAnswer,
  type UpstreamCall,
  type UpstreamCallHandler,
  upstreamPath,
  type UpstreamRelay,
  type UpstreamRelayOptions,
} from './upstream-relay.js';

export class HttpUpstreamRelay implements UpstreamRelay {
  readonly host: string;
  private readonly agent: HttpAgent;
  private readonly request: typeof httpRequest;
  private readonly hostname: string;
  private readonly port: string;
  private readonly basePath: string;
  private readonly auth: string | undefined;
  private readonly timeoutMs: number;

  constructor(options: UpstreamRelayOptions) {
    const target = new URL(options.url);
    const isHttps = target.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: 64, scheduling: 'lifo' as const };
    this.agent = isHttps ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.request = isHttps ? httpsRequest : httpRequest;
    this.host = target.host;
    // URL keeps IPv6 literals in brackets; the socket wants the bare address.
    this.hostname = target.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = target.port || (isHttps ? '443' : '80');
    this.basePath = target.pathname.replace(/\/+$/, '');
    this.auth = target.username ? `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}` : undefined;
    this.timeoutMs = options.timeoutMs;
  }

  send(
    method: string,
    url: string,
    headers: OutgoingHttpHeaders,
    body: Buffer | Readable | undefined,
    handler: UpstreamCallHandler,
  ): UpstreamCall {
    const req = this.request({
      hostname: this.hostname,
      port: this.port,
      method,
      path: upstreamPath(this.basePath, url),
      headers,
      agent: this.agent,
      auth: this.auth,
      // The proxy checked the headers it sends; Node checks them again on setHeader either way.
      setHost: false,
    });
    let timedOut = false;
    let answer: HttpAnswer | undefined;
    req.setTimeout(this.timeoutMs, () => {
      timedOut = true;
      req.destroy(new Error('upstream timeout'));
    });
    req.on('response', (res: IncomingMessage) => {
      // UPSTREAM_TIMEOUT_MS bounded the wait for the answer to begin; from here the idle watch rules.
      res.socket?.setTimeout(0);
      answer = new HttpAnswer(res);
      handler.onAnswer(answer);
    });
    req.on('error', (err: Error) => {
      if (answer) answer.lost(err);
      else handler.onFailure(err, timedOut);
    });
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
    return { abort: () => req.destroy() };
  }

  get waiting(): number {
    let n = 0;
    for (const queue of Object.values(this.agent.requests)) n += queue?.length ?? 0;
    return n;
  }

  close(): void {
    this.agent.destroy();
  }
}

class HttpAnswer implements UpstreamAnswer {
  private watcher: AnswerWatch | undefined;

  constructor(private readonly res: IncomingMessage) {}

  get statusCode(): number {
    return this.res.statusCode ?? 502;
  }

  get headers(): IncomingHttpHeaders {
    return this.res.headers;
  }

  get complete(): boolean {
    return this.res.complete;
  }

  watch(watch: AnswerWatch): void {
    this.watcher = watch;
    const res = this.res;
    res.on('data', (chunk: Buffer) => watch.onData(chunk));
    res.once('end', () => watch.onEnd());
    res.on('error', (err: Error) => watch.onLost(err));
    res.once('close', () => {
      if (!res.complete) watch.onLost();
    });
  }

  /** The request failed after its answer began. */
  lost(err: Error): void {
    this.watcher?.onLost(err);
  }

  pipeTo(res: ServerResponse): void {
    this.res.pipe(res);
  }

  stream(): Readable {
    return this.res;
  }

  destroy(): void {
    if (!this.res.destroyed) this.res.destroy();
  }
}
