/** The Content-Security-Policy of the web pages. */
import type { AppConfig } from '../config/app-config.js';

/** The pages run only their own scripts and styles (no inline code), and are never framed. */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/**
 * The pages' CSP on this gateway. Browsers apply form-action to the redirects after a form is sent
 * too: the sign-out form's POST /auth/logout redirects to the identity provider's logout, so that
 * one origin is allowed as a form target besides the gateway (else the sign-out is blocked).
 */
export function pageCsp(config: AppConfig): string {
  if (!config.auth0.enabled) return PAGE_CSP;
  return PAGE_CSP.replace("form-action 'self'", `form-action 'self' ${new URL(config.auth0.issuerBaseUrl).origin}`);
}
