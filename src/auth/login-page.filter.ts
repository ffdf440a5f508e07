/**
 * Errors on the browser login routes become a small page (or the REST JSON shape for clients
 * that ask for JSON), with the status of what went wrong and never anything internal.
 */
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, UserBannedError } from '../common/domain-errors.js';
import { restErrorBody, statusOfDomainError } from '../common/error-shapes.js';
import { LoginError } from './login-error.js';
import { outcomePage, pagePolicy } from './login-pages.js';

interface Shown {
  status: number;
  code: string;
  title: string;
  message: string;
  bannedUntil?: Date;
}

@Catch()
export class LoginPageFilter implements ExceptionFilter {
  private readonly logger = new Logger('Login');

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const shown = this.describe(exception, req);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(shown.status).setHeader('cache-control', 'no-store');
    if (req.accepts(['html', 'json']) === 'json') {
      res.json(restErrorBody(shown.status, shown.message, shown.code, { bannedUntil: shown.bannedUntil }));
      return;
    }
    res.setHeader('content-security-policy', pagePolicy());
    res
      .type('html')
      .send(
        outcomePage(
          shown.title,
          shown.message,
          shown.status === 503 && shown.code === 'login_disabled' ? [{ label: 'Home', href: '/' }] : undefined,
        ),
      );
  }

  private describe(exception: unknown, req: Request): Shown {
    if (exception instanceof LoginError) {
      return {
        status: exception.status,
        code: exception.code,
        title: exception.title,
        message: exception.message,
        bannedUntil: exception.bannedUntil,
      };
    }
    if (exception instanceof UserBannedError) {
      return {
        status: 403,
        code: exception.code,
        title: 'Access suspended',
        message: exception.message,
        bannedUntil: exception.bannedUntil,
      };
    }
    if (exception instanceof DomainError) {
      const status = statusOfDomainError(exception);
      return { status, code: exception.code, title: status === 503 ? 'Try again shortly' : 'Sign-in failed', message: exception.message };
    }
    if (exception instanceof HttpException) {
      return { status: exception.getStatus(), code: 'error', title: 'Sign-in failed', message: exception.message };
    }
    this.logger.error(`Login failed unexpectedly on ${req.method} ${req.path}`, (exception as Error)?.stack ?? String(exception));
    return {
      status: 500,
      code: 'internal_error',
      title: 'Sign-in failed',
      message: 'The sign-in could not be completed. Please try again.',
    };
  }
}
