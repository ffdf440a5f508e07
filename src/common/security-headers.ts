/**
 * The security headers every answer of the gateway carries: pages, the REST API, /health, /docs,
 * errors and 404s (setupApp sets them first thing for everything Express serves), and whatever
 * else calls setSecurityHeaders on a Node response. No page runs inline script; a page that needs
 * an inline style names its hash (see contentSecurityPolicy).
 */
import type { ServerResponse } from 'node:http';

export interface PolicyAdditions {
  /** Extra style sources, e.g. a `'sha256-...'` hash of a page's one inline style block. */
  readonly styleSrc?: readonly string[];
  /** Extra image sources. */
  readonly imgSrc?: readonly string[];
  /** Extra places a form may be sent to, or redirected to after it was sent (the identity provider's logout). */
  readonly formAction?: readonly string[];
}

/** The strict policy: only this origin's own files, no plugins, no <base>, never inside a frame, forms only to itself. */
export function contentSecurityPolicy(additions: PolicyAdditions = {}): string {
  const directives: Array<[string, readonly string[]]> = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
    ['form-action', ["'self'", ...(additions.formAction ?? [])]],
  ];
  if (additions.styleSrc?.length) directives.push(['style-src', ["'self'", ...additions.styleSrc]]);
  if (additions.imgSrc?.length) directives.push(['img-src', ["'self'", ...additions.imgSrc]]);
  return directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/** Sets the four headers on a response (plain Node or Express); cheap enough for every answer. */
export function setSecurityHeaders(res: ServerResponse, policy: string = CONTENT_SECURITY_POLICY): void {
  res.setHeader('content-security-policy', policy);
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'same-origin');
}
