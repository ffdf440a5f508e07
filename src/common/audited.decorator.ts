/**
 * Marks an admin route as audited: the global audit interceptor (audit/) records actor, action,
 * target, time, request id and outcome after the handler runs, whether it succeeded or failed.
 */
import { SetMetadata } from '@nestjs/common';
import type { Request } from 'express';

export const AUDITED = 'llmgw:audited';

export interface AuditedOptions {
  /** Stable action name, e.g. "user.ban", "token.revoke", "session.delete". */
  action: string;
  /** Picks the target (an email, a token id, a session id) from the request. */
  target?: (req: Request) => string | undefined;
}

export const Audited = (action: string, target?: (req: Request) => string | undefined): MethodDecorator =>
  SetMetadata(AUDITED, { action, target } satisfies AuditedOptions);
