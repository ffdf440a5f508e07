/**
 * Sorts the errors a Redis call can end with, once, for every caller: whether Redis could not be
 * reached (or could not answer yet), refused a write, or answered something wrong. Only the first
 * may ever open a door (AUTH_FAIL_MODE=open); the others fail closed.
 */

/**
 * - `unavailable`: no answer from Redis: connection refused or lost, command timed out, not
 *   connected with the offline queue off, Redis still loading its data, cluster down or failing over,
 *   a Cluster not ready (no node reached, slots not known) or whose redirections ran out.
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

/** ioredis's own errors for a client that cannot send or did not hear back (Cluster ones included). */
const UNAVAILABLE_MESSAGES = [
  'Connection is closed',
  "Stream isn't writeable",
  'Command timed out',
  'Reached the max retries per request limit',
  'Command aborted due to connection close',
  'None of the sentinels are available',
  "Cluster isn't ready",
  'None of startup nodes is available',
  'Failed to refresh slots cache',
  'Cluster is ended',
];

/**
 * ioredis's Cluster gave up following one command's MOVED/ASK redirections and TRYAGAIN/CLUSTERDOWN
 * retries; the message ends with the last error as text (`ReplyError: CLUSTERDOWN ...`), which says why.
 */
const REDIRECTIONS_EXHAUSTED = 'Too many Cluster redirections. Last error: ';

/** Redirections that never settled: the slot's owner kept moving (resharding or failover under way). */
const REDIRECTION_REPLIES = new Set(['MOVED', 'ASK']);

/** Redis error replies (their first word) that mean "not now", not "never". */
const UNAVAILABLE_REPLIES = new Set(['LOADING', 'CLUSTERDOWN', 'MASTERDOWN', 'TRYAGAIN', 'BUSY']);

/** Redis error replies that mean "reachable, but writes are refused". */
const REFUSING_WRITES_REPLIES = new Set(['OOM', 'READONLY', 'NOREPLICAS', 'MISCONF']);

export function classifyRedisError(err: unknown): RedisErrorKind {
  if (!(err instanceof Error)) return 'other';
  if (err.name === 'MaxRetriesPerRequestError' || err.name === 'ClusterAllFailedError') return 'unavailable';
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return 'unavailable';
  if (err.name === 'ReplyError') return classifyReply(err.message);
  if (err.message.startsWith(REDIRECTIONS_EXHAUSTED)) return classifyLastRedirection(err.message.slice(REDIRECTIONS_EXHAUSTED.length));
  return classifyMessage(err.message);
}

function classifyReply(message: string): RedisErrorKind {
  const first = /^[A-Z]+/.exec(message)?.[0] ?? '';
  if (UNAVAILABLE_REPLIES.has(first)) return 'unavailable';
  if (REFUSING_WRITES_REPLIES.has(first)) return 'refusing-writes';
  return 'other';
}

function classifyMessage(message: string): RedisErrorKind {
  return UNAVAILABLE_MESSAGES.some((m) => message.includes(m)) ? 'unavailable' : 'other';
}

/** The last error of a command whose Cluster redirections ran out, as ioredis wrote it: `<name>: <message>`. */
function classifyLastRedirection(last: string): RedisErrorKind {
  const reply = /^ReplyError: (.*)$/s.exec(last)?.[1];
  if (reply === undefined) return classifyMessage(last);
  return REDIRECTION_REPLIES.has(/^[A-Z]+/.exec(reply)?.[0] ?? '') ? 'unavailable' : classifyReply(reply);
}

/** Redis could not be reached or could not answer yet: the one case AUTH_FAIL_MODE=open admits. */
export function isRedisUnavailableError(err: unknown): boolean {
  return classifyRedisError(err) === 'unavailable';
}
