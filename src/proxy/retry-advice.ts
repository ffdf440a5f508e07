/**
 * The `x-should-retry` advice the Anthropic and OpenAI SDKs (and so Claude Code) follow: a refused
 * credential will be refused again, so they stop at once and show the message instead of
 * retrying for minutes. Redis down (503) and upstream failures (502, 504) keep the SDKs' own retries.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

const NO_RETRY = 'false';

function refusesForGood(status: number): boolean {
  return status === 401 || status === 403;
}

/** On an answer the gateway writes itself. */
export function adviseRetry(res: ServerResponse, status: number): void {
  if (refusesForGood(status)) res.setHeader('x-should-retry', NO_RETRY);
}

/** On an upstream answer passed on (its headers, before they are written to the client). */
export function adviseRetryOnUpstream(headers: IncomingHttpHeaders, status: number): void {
  if (refusesForGood(status)) headers['x-should-retry'] = NO_RETRY;
}
