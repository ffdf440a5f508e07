/**
 * One exception filter for every Nest route: domain errors and HttpExceptions become one JSON shape,
 * or a small HTML page for a browser that navigated to the route (see error-page.ts).
 */
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { classifyRedisError, isRedisUnavailableError } from '../redis/redis-errors.js';
import { type BanNotice, DomainError, SessionBannedError, UserBannedError } from './domain-errors.js';
import { type ErrorPageView, errorPage } from './error-page.js';
import { restErrorBody, sdkErrorBody, statusOfDomainError } from './error-shapes.js';

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const { status, message, code, bannedUntil, ban } = this.describe(exception, request);
    if (response.headersSent) {
      response.end();
      return;
    }
    const llm = request.path.startsWith('/v1/');
    if (!llm && prefersHtml(request)) {
      this.answerBrowser(request, response, { status, message, code, ban, path: request.originalUrl });
      return;
    }
    const body = llm
      ? sdkErrorBody(status, Array.isArray(message) ? message.join('; ') : message, code, { bannedUntil })
      : restErrorBody(status, message, code, { bannedUntil, ban });
    response.status(status).json(body);
  }

  /**
   * A browser that navigated here (it asks for HTML first) gets a small page instead of JSON; a
   * page that needs sign-in sends it through the sign-in and back.
   */
  private answerBrowser(request: Request, response: Response, view: ErrorPageView): void {
    response.setHeader('cache-control', 'no-store');
    if (view.status === 401 && view.ban === undefined && request.method === 'GET' && isPageRoute(request.path)) {
      response.redirect(302, `/auth/login?returnTo=${encodeURIComponent(view.path)}`);
      return;
    }
    response.status(view.status).type('html').send(errorPage(view, Date.now()));
  }

  private describe(
    exception: unknown,
    request: Request,
  ): { status: number; message: string | string[]; code: string; bannedUntil?: Date; ban?: BanNotice } {
    if (exception instanceof DomainError) {
      return {
        status: statusOfDomainError(exception),
        message: exception.message,
        code: exception.code,
        bannedUntil: exception instanceof UserBannedError ? exception.bannedUntil : undefined,
        ban: exception instanceof SessionBannedError ? exception.ban : undefined,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const res = exception.getResponse();
      const message = typeof res === 'string' ? res : ((res as { message?: string | string[] }).message ?? exception.message);
      const code = (typeof res === 'object' && (res as { code?: string }).code) || codeOfStatus(status);
      return { status, message, code };
    }
    // body-parser and other Express errors carry their status; anything else is a 500 that says nothing internal.
    const status = (exception as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { status, message: (exception as Error).message, code: codeOfStatus(status) };
    }
    if (isRedisUnavailableError(exception)) {
      this.logger.warn(`Redis unavailable on ${request.method} ${request.path}: ${(exception as Error).message}`);
      return { status: 503, message: 'The gateway store is temporarily unavailable; try again shortly', code: 'service_unavailable' };
    }
    // Full (OOM under noeviction), read-only after a failover, or a failed snapshot: nothing was stored.
    if (classifyRedisError(exception) === 'refusing-writes') {
      this.logger.warn(`Redis refuses writes on ${request.method} ${request.path}: ${(exception as Error).message}`);
      return { status: 503, message: 'The gateway store cannot take changes right now; try again shortly', code: 'service_unavailable' };
    }
    this.logger.error(`Unhandled error on ${request.method} ${request.path}`, (exception as Error)?.stack ?? String(exception));
    return { status: 500, message: 'Internal server error', code: 'internal_error' };
  }
}

/** True when the client asks for HTML before JSON: a browser navigating, not fetch() or an SDK. */
function prefersHtml(request: Request): boolean {
  return request.accepts(['json', 'html']) === 'html';
}

/** A page people open in the browser (not the API, login, docs or health routes). */
function isPageRoute(path: string): boolean {
  return !/^\/(?:api|auth|docs|docs-json|health|v1)(?:\/|$)/.test(path);
}

function codeOfStatus(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_input';
    case 401:
      return 'invalid_credentials';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 413:
      return 'body_too_large';
    case 429:
      return 'rate_limited';
    default:
      return status >= 500 ? 'internal_error' : 'error';
  }
}
