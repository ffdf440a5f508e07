/**
 * Who may sign in through the browser: the identity provider must vouch for the email
 * (email_verified true), the email must be a plain one, and the person must not be banned.
 * Also builds the identity provider's logout URL.
 */
import { Inject, Injectable } from '@nestjs/common';
import { ActiveUsersService } from '../active-users/active-users.service.js';
import { describeDuration } from '../common/domain-errors.js';
import { canonicalEmail } from '../common/email.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { type SignedInPerson, SessionsService } from '../sessions/sessions.service.js';
import type { IdpIdentity } from './auth0.strategy.js';
import { LoginError, loginDisabled } from './login-error.js';

@Injectable()
export class LoginService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly activeUsers: ActiveUsersService,
    private readonly sessions: SessionsService,
  ) {}

  get enabled(): boolean {
    return this.config.auth0.enabled;
  }

  requireEnabled(): void {
    if (!this.enabled) throw loginDisabled();
  }

  /** The person an identity provider answer signs in, or a LoginError saying why not. */
  async admit(identity: IdpIdentity): Promise<SignedInPerson> {
    if (!identity.emailVerified) {
      throw new LoginError(
        403,
        'email_not_verified',
        'Email address not verified',
        'Your identity provider has not verified your email address. Verify it there, then sign in again.',
      );
    }
    const email = canonicalEmail(identity.email);
    if (email === null) {
      throw new LoginError(
        403,
        'email_not_plain',
        'Email address not accepted',
        'Your account has no plain email address, which this gateway needs as your identity.',
      );
    }
    const ban = await this.activeUsers.findBan(email);
    if (ban !== null && ban.until > Date.now()) throw bannedError(email, ban.until);
    return { email, name: identity.name };
  }

  /** Refuses an authorization code that was used before (a replayed callback); claims it otherwise. */
  async refuseReplayedCode(code: string): Promise<void> {
    if (!(await this.sessions.claimAuthorizationCode(code))) {
      throw new LoginError(
        403,
        'code_replayed',
        'Sign-in link already used',
        'This sign-in response was already used. Start again from the sign-in page.',
      );
    }
  }

  /**
   * The page for a person whose ban came while their sign-in was in flight: the session store
   * refused the new session (see SessionsService.startSignedIn), so nothing was written.
   */
  async bannedDuringLogin(email: string): Promise<LoginError> {
    const ban = await this.activeUsers.findBan(email);
    return bannedError(email, ban !== null && ban.until > Date.now() ? ban.until : null);
  }

  /** Auth0's logout endpoint, which sends the browser back to the gateway's home page. */
  logoutUrl(): string {
    const url = new URL('v2/logout', this.issuer());
    url.searchParams.set('client_id', this.config.auth0.clientId);
    url.searchParams.set('returnTo', `${this.config.publicUrl}/`);
    return url.toString();
  }

  /** Where the logout form's POST is redirected to, for the pages' form-action (none when login is off). */
  logoutOrigins(): string[] {
    return this.enabled ? [new URL(this.issuer()).origin] : [];
  }

  private issuer(): string {
    const base = this.config.auth0.issuerBaseUrl;
    return base.endsWith('/') ? base : `${base}/`;
  }
}

function bannedError(email: string, until: number | null): LoginError {
  if (until === null) return new LoginError(403, 'user_banned', 'Access suspended', 'Your access to this gateway is suspended.');
  const at = new Date(until);
  return new LoginError(
    403,
    'user_banned',
    'Access suspended',
    `Your access to this gateway is suspended for ${describeDuration(until - Date.now())}, until ${at.toISOString()}.`,
    at,
    email,
  );
}
