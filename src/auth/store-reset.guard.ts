/**
 * The first global guard: while Redis waits for an operator to confirm that it lost its data,
 * no route that could sign someone in, mint a token or act on the forgotten bans runs: every
 * route answers 503 with the reason, except those marked @ServesDuringStoreReset() (/health).
 * It reads a flag kept by the store checker; no Redis round trip.
 */
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ServiceUnavailableError } from '../common/domain-errors.js';
import { SERVES_DURING_STORE_RESET } from '../common/store-reset.decorator.js';
import { RedisDurabilityService, STORE_RESET_MESSAGE } from '../redis/redis-durability.service.js';

@Injectable()
export class StoreResetGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly durability: RedisDurabilityService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.durability.storeResetDetected) return true;
    if (this.reflector.getAllAndOverride<boolean>(SERVES_DURING_STORE_RESET, [context.getHandler(), context.getClass()])) return true;
    throw new ServiceUnavailableError(STORE_RESET_MESSAGE);
  }
}
