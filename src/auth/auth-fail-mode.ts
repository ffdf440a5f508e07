/**
 * AUTH_FAIL_MODE, decided in one place for every admission check (tokens and sessions): an
 * admission that failed may pass unchecked only in open mode, and only when Redis could not be
 * reached. A script bug, a wrong-typed key or a reply of the wrong shape fails closed in both modes.
 */
import type { AuthFailMode } from '../config/app-config.js';
import { isRedisUnavailableError } from '../redis/redis-errors.js';

export function admitsUnchecked(mode: AuthFailMode, err: unknown): boolean {
  return mode === 'open' && isRedisUnavailableError(err);
}
