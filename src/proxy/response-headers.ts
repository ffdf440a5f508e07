/**
 * Which upstream response headers reach the client: a fixed allowlist that the SDKs and clients
 * read, plus the names an operator adds with UPSTREAM_RESPONSE_HEADERS. Everything else stays
 * behind the gateway: LiteLLM's internal `x-litellm-*` headers (deployment URLs, key spend),
 * Set-Cookie, and whatever a backend adds tomorrow.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Exact names passed on: body framing, caching, back-off and the request ids. */
const ALWAYS_PASSED = [
  'content-type',
  'content-length',
  // The body is passed on as the upstream encoded it (the client's Accept-Encoding is forwarded).
  'content-encoding',
  'cache-control',
  'retry-after',
  'x-request-id',
  'request-id',
];

/** Name prefixes passed on: the providers' own headers and rate-limit state (anthropic-ratelimit-* included). */
const PASSED_PREFIXES = ['openai-', 'anthropic-', 'x-ratelimit-'] as const;

/** Headers that describe the body; an answer the gateway writes itself replaces them. */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding']);

export class ResponseHeaderAllowlist {
  private readonly names: ReadonlySet<string>;

  /** `extra`: lower-case names from UPSTREAM_RESPONSE_HEADERS (the config refuses unsafe ones). */
  constructor(extra: readonly string[]) {
    this.names = new Set([...ALWAYS_PASSED, ...extra]);
  }

  /** `name` is lower-case, as Node gives it in `IncomingMessage.headers`. */
  allows(name: string): boolean {
    if (this.names.has(name)) return true;
    for (const prefix of PASSED_PREFIXES) if (name.startsWith(prefix)) return true;
    return false;
  }

  /** Removes, in place, every header the client may not see. */
  filterInPlace(headers: IncomingHttpHeaders): void {
    for (const name of Object.keys(headers)) if (!this.allows(name)) delete headers[name];
  }

  /**
   * The allowed headers that still mean something when the gateway replaces the body with its
   * own (rate-limit state, Retry-After, the upstream's ids), without the body's own headers.
   */
  *passedWithoutBody(headers: IncomingHttpHeaders): Generator<[string, string | string[]]> {
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined && !BODY_HEADERS.has(name) && this.allows(name)) yield [name, value];
    }
  }
}
