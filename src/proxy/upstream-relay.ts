/**
 * The upstream hop of a /v1 call: one `http.request` (or `https.request`) per call over a pooled
 * keep-alive agent, and the upstream's answer written back to the client.
 *
 * This replaced http-proxy (through http-proxy-middleware) on the hot path: the proxy already
 * chose every header, read and re-stamped the body and filtered the answer itself, so what
 * http-proxy still did was copy headers twice, run its pass lists, wrap the body in a stream and
 * emit events; measured with `npm run bench`, that was most of the gateway's CPU over a bare Node
 * pipe (docs/ARCHITECTURE.md, docs/BENCHMARKS.md). What it did that still matters is here:
 * the target's base path joined to the request path, the Host of the target, and a body written
 * whenever the agent has a socket for the call, however long the agent queues it.
 */
import {
  Agent as HttpAgent,
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request as httpRequest,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface UpstreamRelayOptions {
  /** UPSTREAM_URL, without a trailing slash. */
  readonly url: string;
  /** UPSTREAM_MAX_SOCKETS (Infinity: unbounded). */
  readonly maxSockets: number;
}

export class UpstreamRelay {
  /** What the upstream request's Host header says: the target's host and port as UPSTREAM_URL gives them. */
  readonly host: string;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;
  private readonly hostname: string;
  private readonly port: string;
  private readonly basePath: string;
  private readonly auth: string | undefined;

  constructor(options: UpstreamRelayOptions) {
    const target = new URL(options.url);
    const isHttps = target.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: 64, scheduling: 'lifo' as const };
    this.agent = isHttps ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.send = isHttps ? httpsRequest : httpRequest;
    this.host = target.host;
    // URL keeps IPv6 literals in brackets; the socket wants the bare address.
    this.hostname = target.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = target.port || (isHttps ? '443' : '80');
    this.basePath = target.pathname.replace(/\/+$/, '');
    this.auth = target.username ? `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}` : undefined;
  }

  /**
   * Opens the upstream request for a call whose headers are final. Nothing is sent until the
   * caller ends it (`end(body)` or a piped stream); Node holds what is written until the agent
   * gives the request a socket.
   */
  open(method: string, url: string, headers: OutgoingHttpHeaders): ClientRequest {
    return this.send({
      hostname: this.hostname,
      port: this.port,
      method,
      path: this.pathOf(url),
      headers,
      agent: this.agent,
      auth: this.auth,
      // The proxy checked the headers it sends; Node checks them again on setHeader either way.
      setHost: false,
    });
  }

  /** The upstream path of a request path: UPSTREAM_URL's own path first, repeated slashes folded. */
  pathOf(url: string): string {
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const joined = this.basePath + (path.includes('//') ? path.replace(/\/{2,}/g, '/') : path);
    return query === -1 ? joined : joined + url.slice(query);
  }

  /** Calls waiting for a socket now (only ever more than 0 under UPSTREAM_MAX_SOCKETS). */
  get waiting(): number {
    let n = 0;
    for (const queue of Object.values(this.agent.requests)) n += queue?.length ?? 0;
    return n;
  }

  /** Closes the pooled connections (after the HTTP server has closed, so answers still streaming finish first). */
  close(): void {
    this.agent.destroy();
  }
}

/**
 * The answer's status and (already filtered) headers onto the client's response, then its body as
 * it comes. The headers are set, not written: they leave with the first chunk, so an upstream that
 * dies before its body can still be answered with a plain error (upstream-response.ts).
 */
export function relayAnswer(upstreamRes: IncomingMessage, res: ServerResponse): void {
  res.statusCode = upstreamRes.statusCode ?? 502;
  const headers = upstreamRes.headers;
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) res.setHeader(name, value);
  }
  upstreamRes.pipe(res);
}
