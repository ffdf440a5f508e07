/**
 * What an audit entry needs from an HTTP request, read at the edge (interceptor, admin guard), so
 * the audit service takes values and never an Express request.
 */
import { Logger } from '@nestjs/common';
import type { Request } from 'express';
import type { AuditedOptions } from '../common/audited.decorator.js';
import { requestIdOf } from './request-id.js';

export interface AuditedCall {
  readonly action: string;
  /** The route's target as @Audited reads it ('' when it cannot be read). */
  readonly target: string;
  readonly requestId: string;
  readonly ip: string;
}

const logger = new Logger('AuditedCall');

export function auditedCallOf(req: Request, options: AuditedOptions): AuditedCall {
  let target: string;
  try {
    target = options.target?.(req) ?? '';
  } catch (err) {
    target = '';
    logger.warn(`Audit target of ${options.action} not readable: ${(err as Error).message}`);
  }
  return { action: options.action, target, requestId: requestIdOf(req), ip: req.ip ?? '' };
}
