/** The Content-Security-Policy of the web pages. */
import { contentSecurityPolicy } from '../common/security-headers.js';
import type { AppConfig } from '../config/app-config.js';

/**
 * The strict policy (only the gateway's own scripts, styles and images, no inline code, never
 * framed) plus `data:` images, and the identity provider's origin as a form target: browsers apply
 * form-action to the redirects after a form is sent too, and the sign-out form's POST /auth/logout
 * redirects to the provider's logout.
 */
export function pageCsp(config: AppConfig): string {
  return contentSecurityPolicy({ imgSrc: ['data:'], formAction: config.auth0.enabled ? [new URL(config.auth0.issuerBaseUrl).origin] : [] });
}
