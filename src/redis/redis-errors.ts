/**
 * Sorts the errors a Redis call can end with, once, for every caller: whether Redis could not be
 * reached (or could not answer yet), refused a write, or answered something wrong. Only the first
 * may ever open a door (AUTH_FAIL_MODE=open); the others fail closed.
 */

/**
 * - `unavailable`: no answer from Redis: connection refused or lost, command timed out, not
 *   connected with the offline queue off, Redis still loading its data, cluster down or failing over.
 * - `refusing-writes`: Redis answered, but will not write: out of memory under `noeviction`, a
 *   read-only replica, too few replicas, or a failed snapshot that stops writes.
 * - `other`: everything else: a script bug, a wrong-typed key (WRONGTYPE), a reply of the wrong
 *   shape, a script that cannot be loaded, a programming error.
 */
export type RedisErrorKind = 'unavailable' | 'refusing-writes' | 'other';

/** Thrown by repositories when Redis answers something the gateway does not expect. */
export class UnexpectedRedisReplyError extends Error {
  constructor(what: string) {
    super(`Unexpected Redis reply: ${what}`);
    this.name = 'UnexpectedRedisReplyError';
  }
}

/** Socket-level codes of a connection that is gone or never came. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTCONN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** ioredis's own errors for a client that cannot send or did not hear back. */
const UNAVAILABLE_MESSAGES = [
  'Connection is closed',
  "Stream isn't writeable",
  'Command timed out',
  'Reached the max retries per request limit',
  'None of the sentinels are available',
  'Failed to refresh slots cache',
];

/** Redis error replies (their first word) that mean "not now", not "never". */
const UNAVAILABLE_REPLIES = new Set(['LOADING', 'CLUSTERDOWN', 'MASTERDOWN', 'TRYAGAIN', 'BUSY']);

/** Redis error replies that mean "reachable, but writes are refused". */
const REFUSING_WRITES_REPLIES = new Set(['OOM', 'READONLY', 'NOREPLICAS', 'MISCONF']);

export function classifyRedisError(err: unknown): RedisErrorKind {
  if (!(err instanceof Error)) return 'other';
  if (err.name === 'MaxRetriesPerRequestError' || err.name === 'ClusterAllFailedError') return 'unavailable';
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return 'unavailable';
  if (err.name === 'ReplyError') {
    const first = /^[A-Z]+/.exec(err.message)?.[0] ?? '';
    if (UNAVAILABLE_REPLIES.has(first)) return 'unavailable';
    if (REFUSING_WRITES_REPLIES.has(first)) return 'refusing-writes';
    return 'other';
  }
  if (UNAVAILABLE_MESSAGES.some((m) => err.message.includes(m))) return 'unavailable';
  return 'other';
}

/** Redis could not be reached or could not answer yet: the one case AUTH_FAIL_MODE=open admits. */
export function isRedisUnavailableError(err: unknown): boolean {
  return classifyRedisError(err) === 'unavailable';
}
