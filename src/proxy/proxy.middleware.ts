/**
 * The /v1 hot path, in front of Express and Nest's router and body parsers (see app.setup.ts):
 * authenticate the token, pick an allowed LLM path, replace credentials and identity,
 * then stream to the upstream with http-proxy-middleware.
 */
import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createProxyMiddleware, type RequestHandler } from 'http-proxy-middleware';
import { readCredentials } from '../auth/request-credentials.js';
import { TokenVerifier } from '../auth/token-verifier.service.js';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import { DomainError, UserBannedError } from '../common/domain-errors.js';
import { sdkErrorBody, statusOfDomainError } from '../common/error-shapes.js';
import { setSecurityHeaders } from '../common/security-headers.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { identityHeaderNames, identityHeaders, stampBodyIdentity } from './identity.js';
import { allowedLlmPath } from './llm-path.js';
import { BodyTooLargeError, readBody } from './request-body.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What the middleware works out before handing the request to http-proxy. */
interface ProxyState {
  user: AuthenticatedUser;
  requestId: string;
  body?: Buffer;
  timedOut?: boolean;
  /** The client's Connection header asked to close its connection after this answer. */
  clientWantsClose?: boolean;
}

type ProxiedRequest = IncomingMessage & { gateway?: ProxyState };

@Injectable()
export class ProxyMiddleware implements OnApplicationShutdown {
  private readonly logger = new Logger('Proxy');
  private readonly agent: HttpAgent;
  private readonly proxy: RequestHandler<IncomingMessage, ServerResponse>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly verifier: TokenVerifier,
  ) {
    if (!config.upstream.apiKey) {
      // Clients' own credentials are always dropped, so the upstream then sees no credential at all.
      this.logger.warn('UPSTREAM_API_KEY is empty: calls reach the upstream without a credential');
    }
    const isHttps = config.upstream.url.startsWith('https:');
    const agentOptions = { keepAlive: true, maxSockets: 512, maxFreeSockets: 64, scheduling: 'lifo' as const };
    this.agent = isHttps ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.proxy = createProxyMiddleware<IncomingMessage, ServerResponse>({
      target: config.upstream.url,
      changeOrigin: true,
      xfwd: false,
      agent: this.agent,
      logger: undefined,
      on: {
        proxyReq: (proxyReq, req, res) => this.onProxyReq(proxyReq, req as ProxiedRequest, res),
        proxyRes: (proxyRes, req, res) => {
          const state = (req as ProxiedRequest).gateway;
          // http-proxy copies proxyRes.headers onto res after this event, so an upstream that
          // names requests itself (OpenAI does) would replace the id the client was promised;
          // the gateway's id wins and the upstream's is kept under its own name.
          if (state) {
            const upstreamId = proxyRes.headers['x-request-id'];
            if (upstreamId !== undefined && upstreamId !== state.requestId) proxyRes.headers['x-upstream-request-id'] = upstreamId;
            proxyRes.headers['x-request-id'] = state.requestId;
          }
          // The upstream's Connection and Keep-Alive describe the gateway's pooled connection; the
          // client's hop follows what the client asked for its own.
          delete proxyRes.headers['keep-alive'];
          proxyRes.headers.connection = state?.clientWantsClose ? 'close' : 'keep-alive';
          // Flush SSE events as they come: no proxy buffering in front of us either.
          if (String(proxyRes.headers['content-type'] ?? '').startsWith('text/event-stream')) res.setHeader('x-accel-buffering', 'no');
        },
        error: (err, req, res) => this.onProxyError(err, req as ProxiedRequest, res as ServerResponse),
      },
    });
  }

  /** Serves /v1 requests; every other request goes on to `next` (Express and Nest). */
  readonly handle = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const url = req.url ?? '';
    if (url !== '/v1' && !url.startsWith('/v1/') && !url.startsWith('/v1?')) {
      next();
      return;
    }
    void this.serve(req, url, res);
  };

  private async serve(req: IncomingMessage, url: string, res: ServerResponse): Promise<void> {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', requestId);
    setSecurityHeaders(res);

    const credentials = readCredentials(req.headers);
    if (credentials.kind !== 'token') {
      this.fail(res, 401, credentials.kind === 'invalid' ? 'Conflicting or malformed credentials' : 'Missing API token', 'invalid_credentials');
      return;
    }
    let user: AuthenticatedUser;
    try {
      user = await this.verifier.authenticate(credentials.token);
    } catch (err) {
      if (err instanceof DomainError) {
        this.fail(res, statusOfDomainError(err), err.message, err.code, err instanceof UserBannedError ? err.bannedUntil : undefined);
        return;
      }
      this.logger.error(`Auth failed unexpectedly: ${(err as Error).message}`);
      this.fail(res, 500, 'Internal error', 'internal_error');
      return;
    }

    const path = allowedLlmPath(url, this.config.upstream.allowedPaths);
    if (path === null) {
      this.fail(res, 404, 'Not found: this path is not an LLM API route of the gateway', 'route_not_found');
      return;
    }

    const state: ProxyState = { user, requestId };
    const limit = this.config.bodyLimitBytes;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      this.fail(res, 413, `Request body is larger than ${limit} bytes`, 'body_too_large', undefined, true);
      return;
    }
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    // LiteLLM reads a body as a form when its content-type mentions "form", and as JSON whatever
    // else it says; so every other body is JSON here too, and gets the verified identity stamped.
    // Form bodies cannot be stamped cheaply: they pass untouched only where uploads need them.
    const contentType = req.headers['content-type'] ?? '';
    const isForm = /form/i.test(contentType);
    if (hasBody && isForm && !(/^multipart\/form-data/i.test(contentType) && isUploadPath(path))) {
      this.fail(res, 415, 'Form bodies are accepted only for uploads under /v1/audio and /v1/images; send JSON', 'unsupported_media_type');
      return;
    }
    // An upload of declared length streams through; one without a length is read first to hold BODY_LIMIT.
    if (hasBody && (!isForm || req.headers['content-length'] === undefined)) {
      try {
        const raw = await readBody(req, limit);
        state.body = !isForm && raw.length > 0 ? this.restampJson(raw, user.email, path) : raw;
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          this.fail(res, 413, `Request body is larger than ${limit} bytes`, 'body_too_large', undefined, true);
        } else if (err instanceof InvalidJsonError) {
          this.fail(res, 400, 'Request body is not valid JSON', 'invalid_json');
        }
        // Otherwise the client went away while sending: nothing to answer.
        return;
      }
    }
    (req as ProxiedRequest).gateway = state;
    this.rewriteHeaders(req, state);
    await this.proxy(req, res, () => this.fail(res, 404, 'Not found', 'route_not_found'));
  }

  /**
   * Turns the client's headers into the upstream request's, in place, before http-proxy copies
   * them: once the outgoing request exists its headers may already be on the wire (Node sends
   * them at once for `Expect`), so nothing about identity is left to a later edit.
   */
  private rewriteHeaders(req: IncomingMessage, state: ProxyState): void {
    const headers = req.headers;
    state.clientWantsClose = /(^|,)\s*close\s*(,|$)/i.test(headers.connection ?? '');
    // Node has answered the client's `Expect: 100-continue` already; the upstream hop needs none.
    delete headers.expect;
    for (const name of hopByHopHeaderNames(headers)) delete headers[name];
    for (const name of identityHeaderNames(headers)) delete headers[name];
    // The upstream hop is the gateway's own pooled connection, whatever the client asked for its hop.
    headers.connection = 'keep-alive';
    Object.assign(headers, identityHeaders({ email: state.user.email, tokenId: state.user.tokenId, requestId: state.requestId }));
    if (this.config.upstream.apiKey) {
      if (this.config.upstream.authHeader === 'x-api-key') headers['x-api-key'] = this.config.upstream.apiKey;
      else headers.authorization = `Bearer ${this.config.upstream.apiKey}`;
    }
    if (state.body !== undefined) {
      delete headers['transfer-encoding'];
      headers['content-length'] = String(state.body.length);
    }
  }

  private restampJson(raw: Buffer, email: string, path: string): Buffer {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new InvalidJsonError();
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidJsonError();
    stampBodyIdentity(parsed as Record<string, unknown>, email, path);
    return Buffer.from(JSON.stringify(parsed), 'utf8');
  }

  private onProxyReq(proxyReq: ClientRequest, req: ProxiedRequest, res: ServerResponse): void {
    const state = req.gateway;
    if (!state) {
      proxyReq.destroy();
      return;
    }
    // Headers were settled in rewriteHeaders; only the (re-stamped) body is written here.
    if (state.body !== undefined) proxyReq.write(state.body);
    proxyReq.setTimeout(this.config.upstream.timeoutMs, () => {
      state.timedOut = true;
      proxyReq.destroy(new Error('upstream timeout'));
    });
    // The client hung up (e.g. stopped a stream): stop the upstream call too.
    res.once('close', () => {
      if (!res.writableFinished) proxyReq.destroy();
    });
  }

  private onProxyError(err: Error, req: ProxiedRequest, res: ServerResponse): void {
    if (res.destroyed || res.writableEnded) return;
    if (res.headersSent) {
      // Mid-stream failure: the status is gone; cut the stream so the client sees it end early.
      res.destroy(err);
      return;
    }
    const timedOut = req.gateway?.timedOut === true;
    this.logger.warn(`Upstream ${timedOut ? 'timed out' : 'failed'} for ${req.gateway?.requestId ?? '-'}: ${err.message}`);
    if (timedOut) this.fail(res, 504, 'The upstream did not answer in time', 'upstream_timeout');
    else this.fail(res, 502, 'The upstream LLM service is unreachable', 'upstream_unavailable');
  }

  private fail(res: ServerResponse, status: number, message: string, code: string, bannedUntil?: Date, close = false): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = JSON.stringify(sdkErrorBody(status, message, code, { bannedUntil }));
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.setHeader('content-length', Buffer.byteLength(body));
    if (close) res.setHeader('connection', 'close');
    res.end(body);
  }

  /** After the HTTP server has closed, so answers still streaming at shutdown finish first. */
  onApplicationShutdown(): void {
    this.agent.destroy();
  }
}

class InvalidJsonError extends Error {}

/** Headers that belong to the client's hop (RFC 9110 7.6.1). */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade'];
/** Never dropped on the Connection header's say-so: the request would lose its framing or target. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'host', 'content-type']);

/**
 * The client's hop-by-hop headers, including those its Connection header names: forwarded, they
 * would let a client have an intermediary in front of the upstream strip the identity headers.
 */
function hopByHopHeaderNames(headers: IncomingMessage['headers']): string[] {
  const connection = headers.connection;
  if (connection === undefined) return HOP_BY_HOP.filter((name) => headers[name] !== undefined);
  const named = connection
    .toLowerCase()
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '' && !FRAMING.has(name));
  return [...HOP_BY_HOP, ...named].filter((name) => headers[name] !== undefined);
}

/** LLM endpoints that take multipart file uploads. */
function isUploadPath(path: string): boolean {
  return path.startsWith('/v1/audio/') || path.startsWith('/v1/images/');
}
