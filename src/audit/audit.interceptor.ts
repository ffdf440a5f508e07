/**
 * The global interceptor behind @Audited: after an audited handler answers, or fails, it records
 * actor, action, target, time, request id and outcome. It also gives every REST answer an
 * X-Request-Id. Features only mark routes; they never call the audit trail themselves.
 */
import {
  type CallHandler,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  type NestInterceptor,
  RequestMethod,
} from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { Observable, type Subscription, catchError, from, mergeMap, throwError } from 'rxjs';
import { AUDITED, type AuditedOptions } from '../common/audited.decorator.js';
import type { RequestWithUser } from '../common/authenticated-user.js';
import { DomainError } from '../common/domain-errors.js';
import { statusOfDomainError } from '../common/error-shapes.js';
import { acknowledgementNotes } from '../redis/replica-acknowledgement.js';
import { AuditService } from './audit.service.js';
import { requestIdOf } from './request-id.js';
import { auditedCallOf } from './audited-call.js';

@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const req = http.getRequest<Request & RequestWithUser>();
    requestIdOf(req, http.getResponse<Response>());
    const options = this.reflector.get<AuditedOptions | undefined>(AUDITED, context.getHandler());
    if (options === undefined) return next.handle();
    const handler = context.getHandler();
    // Security writes the handler makes note here when no Redis replica acknowledged them in time.
    const notes: string[] = [];
    const handled = new Observable<unknown>((subscriber) => {
      let subscription: Subscription | undefined;
      const collecting = acknowledgementNotes.collect(notes, () => {
        subscription = next.handle().subscribe(subscriber);
      });
      // Over however the handler ends (value, error, or the client gone): the collector is disabled.
      return () => {
        subscription?.unsubscribe();
        collecting.close();
      };
    });
    return handled.pipe(
      mergeMap((value: unknown) =>
        from(
          this.audit
            .recordCall(auditedCallOf(req, options), req.user, 'success', successStatus(handler), notes.join('; '))
            .then(() => value),
        ),
      ),
      catchError((err: unknown) => {
        const { status, message } = describeError(err);
        return from(this.audit.recordCall(auditedCallOf(req, options), req.user, 'failure', status, message)).pipe(
          mergeMap(() => throwError(() => err)),
        );
      }),
    );
  }
}

/** The status Nest will answer with: @HttpCode, or 201 for POST and 200 otherwise. */
function successStatus(handler: object): number {
  const code = Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined;
  if (code !== undefined) return code;
  const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
  return method === RequestMethod.POST ? HttpStatus.CREATED : HttpStatus.OK;
}

function describeError(err: unknown): { status: number; message: string } {
  if (err instanceof DomainError) return { status: statusOfDomainError(err), message: err.message };
  if (err instanceof HttpException) {
    const res = err.getResponse();
    const message = typeof res === 'object' && res !== null && 'message' in res ? res.message : err.message;
    return { status: err.getStatus(), message: Array.isArray(message) ? message.join('; ') : String(message) };
  }
  return { status: 500, message: 'internal error' };
}
