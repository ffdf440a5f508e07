import { describe, expect, it } from '@jest/globals';
import type { AppConfig } from '../config/app-config.js';
import { pageCsp } from './page-csp.js';

const config = (enabled: boolean, issuerBaseUrl = 'https://tenant.eu.auth0.com/'): AppConfig =>
  ({ auth0: { enabled, issuerBaseUrl } }) as unknown as AppConfig;

describe('pageCsp', () => {
  it('is the strict policy: own scripts, styles and images (and data: images) only, no plugins, no <base>, no framing, forms only to the gateway', () => {
    expect(pageCsp(config(false))).toBe(
      "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; img-src 'self' data:",
    );
  });

  it("adds only the identity provider's origin to form-action when browser login is on (the sign-out redirects there)", () => {
    expect(pageCsp(config(true, 'https://tenant.eu.auth0.com/'))).toContain("; form-action 'self' https://tenant.eu.auth0.com;");
    expect(pageCsp(config(true, 'https://127.0.0.1:8443/some/path/'))).toContain("; form-action 'self' https://127.0.0.1:8443;");
  });
});
