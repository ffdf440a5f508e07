/**
 * The /v1 hot path, in front of Express and Nest's router and body parsers (see app.setup.ts):
 * authenticate the token, pick an allowed LLM path, replace credentials and identity,
 * then stream to the upstream over the gateway's own keep-alive connections (upstream-relay.ts).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AuthRefusalLog } from '../auth/auth-refusal-log.js';
import { readCredentials, type RequestCredentials } from '../auth/request-credentials.js';
import { TokenVerifier } from '../auth/token-verifier.service.js';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import { DomainError, UserBannedError } from '../common/domain-errors.js';
import { sdkErrorBody, statusOfDomainError } from '../common/error-shapes.js';
import { setSecurityHeaders } from '../common/security-headers.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { TokenClaims } from '../tokens/token-claims.js';
import { writesInfoLines } from '../logging/pino-logger.service.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { UpstreamCallMetrics } from '../metrics/upstream-call-metrics.js';
import { restampJsonBody } from './json-body.js';
import { allowedLlmPath } from './llm-path.js';
import { rewriteMultipart, type RewrittenForm } from './multipart-body.js';
import { recordProxyAccess } from './proxy-access-log.js';
import { withoutCredentialParams } from './query-credentials.js';
import { BlockedFieldError, BodyAbortedError, BodyTooLargeError, type BodyLimits, readBody, RequestBodyError } from './request-body.js';
import { ResponseHeaderAllowlist } from './response-headers.js';
import { adviseRetry } from './retry-advice.js';
import { SteeringFields } from './steering-fields.js';
import { UpstreamConcurrency } from './upstream-concurrency.js';
import { UpstreamAnswers } from './upstream-response.js';
import { UpstreamHeaders, wantsClose } from './upstream-headers.js';
import { HttpUpstreamRelay } from './http-upstream-relay.js';
import { UndiciUpstreamRelay } from './undici-upstream-relay.js';
import { relayAnswer, type UpstreamAnswer, type UpstreamCall, type UpstreamRelay } from './upstream-relay.js';
import { REQUEST_ID } from '../common/ids.js';

/** What the middleware works out before handing the call to the upstream, kept on the request. */
interface ProxyState {
  requestId: string;
  /** Once admitted. */
  user?: AuthenticatedUser;
  /** A JSON body, read whole and re-stamped. */
  body?: Buffer;
  /** An upload, re-encoded as it streams. */
  form?: RewrittenForm;
  /** The upstream call, once it is handed off (it may still wait for a connection). */
  upstreamCall?: UpstreamCall;
  /** The body was refused or cut off after forwarding began: the upstream request must not complete. */
  bodyFailed?: boolean;
  /** The client's Connection header asked to close its connection after this answer. */
  clientWantsClose?: boolean;
  /** The upstream's status, for the access line (proxy-access-log.ts). */
  upstreamStatus?: number;
  /** performance.now() at the hand-off, for the upstream timings (metrics/). */
  startedAt?: number;
  /** The upstream's answer has begun: its duration is observed when the response closes; `true` for an event stream. */
  answeredStream?: boolean;
  /** The call holds a slot under the concurrency caps until its response closes. */
  holdsSlot?: boolean;
}

type ProxiedRequest = IncomingMessage & { gateway?: ProxyState };

@Injectable()
export class ProxyMiddleware implements OnApplicationShutdown {
  private readonly logger = new Logger('Proxy');
  private readonly relay: UpstreamRelay;
  private readonly upstreamHeaders: UpstreamHeaders;
  private readonly steering: SteeringFields;
  private readonly answers: UpstreamAnswers;
  private readonly concurrency: UpstreamConcurrency;
  private readonly upstreamMetrics: UpstreamCallMetrics;
  /** Access lines are info: at LOG_LEVEL warn or error none is recorded, so none is built. */
  private readonly accessLog: boolean;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly verifier: TokenVerifier,
    private readonly refusals: AuthRefusalLog,
    metrics: GatewayMetrics,
  ) {
    this.upstreamMetrics = new UpstreamCallMetrics(metrics);
    const callClosed = (res: ServerResponse): void => this.callClosed(res);
    this.onCallClosed = function (this: ServerResponse) {
      callClosed(this);
    };
    this.accessLog = writesInfoLines(config.logLevel);
    if (!config.upstream.apiKey) {
      // Clients' own credentials are always dropped, so the upstream then sees no credential at all.
      this.logger.warn('UPSTREAM_API_KEY is empty: calls reach the upstream without a credential');
    }
    const relayOptions = {
      url: config.upstream.url,
      maxSockets: config.requests.upstreamMaxSockets,
      timeoutMs: config.upstream.timeoutMs,
    };
    this.relay = config.upstream.client === 'http' ? new HttpUpstreamRelay(relayOptions) : new UndiciUpstreamRelay(relayOptions);
    this.upstreamHeaders = new UpstreamHeaders({
      host: this.relay.host,
      apiKey: config.upstream.apiKey,
      authHeader: config.upstream.authHeader,
    });
    this.steering = new SteeringFields(config.requests.blockedFields);
    this.concurrency = new UpstreamConcurrency(config.requests.upstreamMaxConcurrent, config.requests.upstreamMaxConcurrentPerUser);
    this.answers = new UpstreamAnswers({
      allowlist: new ResponseHeaderAllowlist(config.upstream.responseHeaders),
      idleTimeoutMs: config.upstream.idleTimeoutMs,
      logger: this.logger,
      writeError: (res, status, message, code, close) => this.fail(res, status, message, code, undefined, close),
    });
  }

  /** Calls waiting for an upstream socket now (UPSTREAM_MAX_SOCKETS reached). */
  get upstreamCallsWaiting(): number {
    return this.relay.waiting;
  }

  /** /v1 calls between their arrival and the close of their response. */
  private callsInFlight = 0;
  /** One 'close' listener for every call (`this` is the response): no closure per call. */
  private readonly onCallClosed: (this: ServerResponse) => void;

  /** Serves /v1 requests; every other request goes on to `next` (Express and Nest). */
  readonly handle = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const url = req.url ?? '';
    if (url !== '/v1' && !url.startsWith('/v1/') && !url.startsWith('/v1?')) {
      next();
      return;
    }
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', requestId);
    setSecurityHeaders(res);
    if (this.accessLog) recordProxyAccess(req, res, requestId);
    const state: ProxyState = { requestId };
    (req as ProxiedRequest).gateway = state;
    this.callsInFlight++;
    res.on('close', this.onCallClosed);
    // Every request gets an answer: whatever goes wrong unforeseen is a logged 500, never a hung socket.
    this.serve(req, url, res, state).catch((err: unknown) => this.failUnexpectedly(err, requestId, res));
  };

  /** The call's response has closed, however it ended: the upstream call, the timings and the slot are done with. */
  private callClosed(res: ServerResponse): void {
    this.callsInFlight--;
    const state = (res.req as ProxiedRequest).gateway;
    if (state === undefined) return;
    // The client hung up (e.g. stopped a stream): stop the upstream call too.
    if (state.upstreamCall !== undefined && !res.writableFinished) state.upstreamCall.abort();
    if (state.answeredStream !== undefined && state.startedAt !== undefined)
      this.upstreamMetrics.ended(state.startedAt, state.answeredStream);
    if (state.holdsSlot === true && state.user !== undefined) this.concurrency.release(state.user.email);
  }

  private async serve(req: IncomingMessage, url: string, res: ServerResponse, state: ProxyState): Promise<void> {
    const requestId = state.requestId;
    const credentials = readCredentials(req);
    if (credentials.kind !== 'token') {
      this.refusals.refusedOnProxy(req, requestId, credentials);
      this.fail(
        res,
        401,
        credentials.kind === 'invalid' ? 'Conflicting or malformed credentials' : 'Missing API token',
        'invalid_credentials',
      );
      return;
    }
    // CPU-only checks first (signature, path, size, content type): a call they refuse costs no Redis round trip.
    let claims: TokenClaims;
    try {
      claims = this.verifier.verifySignature(credentials.token);
    } catch (err) {
      this.refuseCredentials(req, res, requestId, credentials, err);
      return;
    }
    const path = allowedLlmPath(url, this.config.upstream.allowedPaths);
    if (path === null) {
      this.fail(res, 404, 'Not found: this path is not an LLM API route of the gateway', 'route_not_found');
      return;
    }
    const blockedParam = this.steering.findInQuery(url);
    if (blockedParam !== null) {
      this.answerBodyError(res, new BlockedFieldError(blockedParam, 'query parameter'));
      return;
    }
    const limits: BodyLimits = { limitBytes: this.config.bodyLimitBytes, idleMs: this.config.requests.bodyIdleTimeoutMs };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limits.limitBytes) {
      this.answerBodyError(res, new BodyTooLargeError(limits.limitBytes));
      return;
    }
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    // LiteLLM reads a body as a form when its content-type mentions "form", and as JSON whatever
    // else it says; so every other body is JSON here too, and gets the verified identity stamped.
    // Forms are parsed and stamped only where uploads need them.
    const contentType = req.headers['content-type'] ?? '';
    const isForm = hasBody && /form/i.test(contentType);
    if (isForm && !(/^multipart\/form-data/i.test(contentType) && isUploadPath(path))) {
      this.fail(res, 415, 'Form bodies are accepted only for uploads under /v1/audio and /v1/images; send JSON', 'unsupported_media_type');
      return;
    }

    let user: AuthenticatedUser;
    try {
      user = await this.verifier.admitSigned(claims, this.callsInFlight === 1);
    } catch (err) {
      this.refuseCredentials(req, res, requestId, credentials, err);
      return;
    }
    req.url = withoutCredentialParams(url);
    state.user = user;
    if (this.concurrency.enabled && !this.admit(state, user.email, res)) return;

    if (isForm) {
      this.forwardForm(req, res, state, user, limits);
      return;
    }
    if (hasBody) {
      try {
        const raw = await readBody(req, limits);
        if (raw.length > 0) state.body = this.restampJson(raw, user.email, path);
      } catch (err) {
        if (err instanceof BodyAbortedError) return; // The client went away while sending: nobody to answer.
        if (!(err instanceof RequestBodyError)) throw err;
        this.answerBodyError(res, err);
        return;
      }
    }
    this.handOff(req, res, state, user, state.body);
  }

  /** A token refused by the verifier: logged, and answered in the SDK shape (anything else is rethrown, a logged 500). */
  private refuseCredentials(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    credentials: RequestCredentials,
    err: unknown,
  ): void {
    this.refusals.refusedOnProxy(req, requestId, credentials, err);
    if (!(err instanceof DomainError)) throw err;
    this.fail(res, statusOfDomainError(err), err.message, err.code, err instanceof UserBannedError ? err.bannedUntil : undefined);
  }

  /** Streams an upload on once its fields before the first file have passed; refuses it otherwise. */
  private forwardForm(req: IncomingMessage, res: ServerResponse, state: ProxyState, user: AuthenticatedUser, limits: BodyLimits): void {
    let form: RewrittenForm;
    const rules = { ...limits, email: user.email, steering: this.steering, maxDepth: this.config.requests.jsonMaxDepth };
    try {
      form = rewriteMultipart(req, rules, {
        onReady: () => {
          state.form = form;
          this.handOff(req, res, state, user, form.body);
        },
        onFail: (err) => this.onFormFailure(err, res, state),
      });
    } catch (err) {
      if (!(err instanceof RequestBodyError)) throw err;
      this.answerBodyError(res, err);
    }
  }

  /** A form refused or cut off: answer (unless the client is gone), and never let the upstream request complete. */
  private onFormFailure(err: Error, res: ServerResponse, state: ProxyState): void {
    state.bodyFailed = true;
    if (err instanceof RequestBodyError) this.answerBodyError(res, err);
    else if (!(err instanceof BodyAbortedError)) this.failUnexpectedly(err, state.requestId, res);
    state.upstreamCall?.abort();
  }

  /**
   * Sends the call upstream: a JSON body in one write, a form as it streams. The relay holds the
   * body until a connection is free for the call, so a queued call's body is never lost.
   */
  private handOff(
    req: IncomingMessage,
    res: ServerResponse,
    state: ProxyState,
    user: AuthenticatedUser,
    body: Buffer | Readable | undefined,
  ): void {
    // The client left while its body was read: nothing to send.
    if (res.destroyed) return;
    state.startedAt = performance.now();
    state.clientWantsClose = wantsClose(req.headers.connection);
    // Final before the request is opened: once it exists its headers may already be on the wire.
    const headers = this.upstreamHeaders.build(req.headers, {
      email: user.email,
      tokenId: user.tokenId,
      requestId: state.requestId,
      bodyLength: state.body?.length,
      formContentType: state.form?.contentType,
    });
    const call = this.relay.send(req.method ?? 'GET', req.url ?? '/', headers, body, {
      onAnswer: (answer) => this.onUpstreamResponse(answer, res, state),
      onFailure: (err, timedOut) => this.onUpstreamError(err, timedOut, state, res),
    });
    // Aborted when the client hangs up first (callClosed).
    state.upstreamCall = call;
  }

  /** Headers allowlisted, 5xx bodies replaced, a broken-off answer ended: see upstream-response.ts. */
  private onUpstreamResponse(upstreamRes: UpstreamAnswer, res: ServerResponse, state: ProxyState): void {
    state.upstreamStatus = upstreamRes.statusCode;
    if (state.startedAt !== undefined) state.answeredStream = this.upstreamMetrics.answered(upstreamRes.headers, state.startedAt);
    // undefined: the answer was replaced (a 5xx), nothing of it is passed on.
    if (this.answers.onResponse(upstreamRes, res, state) === undefined) return;
    if (res.destroyed || res.writableEnded) {
      upstreamRes.destroy();
      return;
    }
    relayAnswer(upstreamRes, res);
  }

  /**
   * Takes a slot under the concurrency caps until the answer is over (the response closes, however
   * it ends), or refuses the call at once: 503 when the instance is full, 429 when the user is.
   */
  private admit(state: ProxyState, email: string, res: ServerResponse): boolean {
    // The client left while the token was admitted: its close has passed, so a slot taken now would never be given back.
    if (res.closed) return false;
    const admission = this.concurrency.acquire(email);
    if (admission === 'ok') {
      state.holdsSlot = true;
      return true;
    }
    res.setHeader('retry-after', '1');
    if (admission === 'user_full')
      this.fail(res, 429, 'Too many concurrent requests for this user; retry shortly', 'too_many_concurrent_requests');
    else this.fail(res, 503, 'The gateway is at its limit of concurrent upstream calls; retry shortly', 'gateway_at_capacity');
    return false;
  }

  private restampJson(raw: Buffer, email: string, path: string): Buffer {
    return restampJsonBody(raw, email, path, { steering: this.steering, maxDepth: this.config.requests.jsonMaxDepth });
  }

  private answerBodyError(res: ServerResponse, err: RequestBodyError): void {
    this.fail(res, err.status, err.message, err.code, undefined, err.closeConnection);
  }

  private failUnexpectedly(err: unknown, requestId: string, res: ServerResponse): void {
    this.logger.error(`Unexpected error on ${requestId}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    this.fail(res, 500, 'Internal error', 'internal_error', undefined, true);
  }

  /** The call failed before its answer began (a failure after goes to the answer's watch, upstream-response.ts). */
  private onUpstreamError(err: Error, timedOut: boolean, state: ProxyState, res: ServerResponse): void {
    if (res.destroyed || res.writableEnded) return;
    if (res.headersSent) {
      // Mid-stream failure: the status is gone; cut the stream so the client sees it end early.
      res.destroy(err);
      return;
    }
    this.logger.warn(`Upstream ${timedOut ? 'timed out' : 'failed'} for ${state.requestId}: ${err.message}`);
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
    adviseRetry(res, status);
    res.setHeader('content-type', 'application/json');
    res.setHeader('content-length', Buffer.byteLength(body));
    if (close) res.setHeader('connection', 'close');
    res.end(body);
  }

  /** After the HTTP server has closed, so answers still streaming at shutdown finish first. */
  onApplicationShutdown(): void {
    this.relay.close();
  }
}

/** LLM endpoints that take multipart file uploads. */
function isUploadPath(path: string): boolean {
  return path.startsWith('/v1/audio/') || path.startsWith('/v1/images/');
}
