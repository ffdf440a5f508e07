/**
 * Browser login through Auth0: /auth/login sends the browser to the identity provider with state,
 * PKCE and a nonce; /auth/callback turns its answer into a Redis session on a new session id;
 * POST /auth/logout (with the CSRF token) ends it and sends the browser through the provider's
 * logout; GET /auth/logout only shows a form that does that POST. Failures end on a page that
 * says why, with no session. `/` and the other pages belong to the web pages (src/web).
 */
import { Controller, Get, Inject, Logger, Post, Req, Res, UseFilters } from '@nestjs/common';
import {
  ApiFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ActiveUsersService } from '../active-users/active-users.service.js';
import { Public } from '../common/auth-metadata.decorators.js';
import { ServiceUnavailableError } from '../common/domain-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { SessionAuth } from '../sessions/session-data.js';
import { LOGIN_STATE_TTL_SECONDS, SessionsService } from '../sessions/sessions.service.js';
import { AUTH0_SCOPE, AUTH0_STRATEGY, type Auth0Strategy, runAuth0 } from './auth0.strategy.js';
import { LoginError } from './login-error.js';
import { logoutConfirmPage, pagePolicy } from './login-pages.js';
import { LoginPageFilter } from './login-page.filter.js';
import { LoginService } from './login.service.js';
import { safeReturnTo } from './return-to.js';
import { sessionAuthOf } from './session-user.js';
import { destroySession, regenerateSession, saveSession } from '../sessions/redis-session.store.js';

@ApiTags('login')
@ApiProduces('text/html')
@ApiServiceUnavailableResponse({ description: 'Browser login is not configured (AUTH0_* unset)' })
@UseFilters(LoginPageFilter)
@Controller()
export class LoginController {
  private readonly logger = new Logger('Login');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(AUTH0_STRATEGY) private readonly strategy: Auth0Strategy | null,
    private readonly login: LoginService,
    private readonly sessions: SessionsService,
    private readonly activeUsers: ActiveUsersService,
  ) {}

  /** Starts a login; `returnTo` (a path on this gateway) is where the browser lands afterwards. */
  @Public()
  @Get('auth/login')
  @ApiOperation({ summary: 'Starts a browser login through Auth0' })
  @ApiQuery({ name: 'returnTo', required: false, description: 'A path on this gateway to land on afterwards (anything else lands on /)' })
  @ApiFoundResponse({ description: "Redirect to Auth0's /authorize" })
  async startLogin(@Req() req: Request, @Res() res: Response): Promise<void> {
    const strategy = this.requireStrategy();
    const session = req.session;
    // A login that is never finished leaves nothing behind for long.
    if (!session.auth) session.cookie.maxAge = LOGIN_STATE_TTL_SECONDS * 1000;
    session.login = { returnTo: safeReturnTo(req.query.returnTo), startedAt: Date.now() };
    // Stored before the browser is sent away: with the store down this is a 503 here, not a failed callback later.
    try {
      await saveSession(req.session);
    } catch (err) {
      this.logger.warn(`Could not store the login state: ${(err as Error).message}`);
      throw new ServiceUnavailableError('Sign-in is temporarily unavailable; try again shortly');
    }
    const outcome = await runAuth0(strategy, req, res, { scope: AUTH0_SCOPE });
    if (outcome.kind === 'redirect') return;
    throw this.failure(outcome.kind === 'error' ? outcome.error : new Error(outcome.kind));
  }

  /** Where the identity provider sends the browser back with a code and the state. */
  @Public()
  @Get('auth/callback')
  @ApiOperation({ summary: 'Auth0 sends the browser back here; on success a session cookie is set' })
  @ApiFoundResponse({ description: 'Signed in: redirect to the returnTo path' })
  async finishLogin(@Req() req: Request, @Res() res: Response): Promise<void> {
    const strategy = this.requireStrategy();
    try {
      await this.finish(strategy, req, res);
    } catch (err) {
      await this.dropAttempt(req);
      throw err;
    }
  }

  /**
   * A failed attempt leaves no session behind: the login-state session is destroyed. A session that
   * was already signed in only loses the attempt's state (a stray callback link cannot log anyone out).
   */
  private async dropAttempt(req: Request): Promise<void> {
    const session = req.session as Request['session'] | undefined;
    if (!session) return;
    try {
      if (session.auth) delete session.login;
      else await destroySession(session);
    } catch (err) {
      this.logger.warn(`Could not drop the login attempt's session: ${(err as Error).message}`);
    }
  }

  private async finish(strategy: Auth0Strategy, req: Request, res: Response): Promise<void> {
    const { code, error, state } = req.query;
    if (typeof error === 'string') {
      const description = typeof req.query.error_description === 'string' ? req.query.error_description.slice(0, 300) : error.slice(0, 100);
      throw new LoginError(403, 'idp_refused', 'Sign-in refused', `The identity provider refused the sign-in: ${description}`);
    }
    if (typeof code !== 'string' || code === '' || typeof state !== 'string' || state === '') {
      throw new LoginError(
        400,
        'login_incomplete',
        'Sign-in incomplete',
        'The sign-in response is missing its code or state. Start again from the sign-in page.',
      );
    }
    const loginState = req.session.login;
    if (!loginState) {
      throw new LoginError(
        403,
        'login_state_missing',
        'Sign-in not recognised',
        'This sign-in was not started in this browser, or it took too long. Start again.',
      );
    }
    await this.login.refuseReplayedCode(code);
    const outcome = await runAuth0(strategy, req, res, {});
    switch (outcome.kind) {
      case 'success':
        break;
      case 'fail':
        throw new LoginError(
          403,
          'state_mismatch',
          'Sign-in not recognised',
          'The sign-in response does not match the sign-in this browser started. Start again.',
        );
      case 'error':
        throw this.failure(outcome.error);
      case 'redirect':
        return;
    }
    let auth: SessionAuth;
    try {
      const person = await this.login.admit(outcome.identity);
      // A new session id at sign-in: the one the browser came with (and its login state) is destroyed.
      await regenerateSession(req.session);
      const client = { ip: req.ip ?? '', userAgent: String(req.headers['user-agent'] ?? '') };
      const started = await this.sessions.startSignedIn(req.sessionID, { ...req.session }, person, client);
      // Banned since admit() looked: the store refused the session in the same step that checks the ban.
      if (started === null) throw await this.login.bannedDuringLogin(person.email);
      auth = started;
      req.session.auth = auth;
    } catch (err) {
      // A banned person lands on / with a ban notice instead of a session: the page shows the ban
      // (GET /api/me answers 403 user_banned with it) and offers no sign-in that would loop back here.
      if (!(err instanceof LoginError) || err.bannedEmail === undefined || err.bannedUntil === undefined) throw err;
      // The ban notice rides on a new session id, like a sign-in.
      await regenerateSession(req.session);
      req.session.banNotice = { email: err.bannedEmail, until: err.bannedUntil.getTime() };
      await saveSession(req.session);
      res.setHeader('cache-control', 'no-store');
      res.redirect(302, '/');
      return;
    }
    await this.activeUsers.admitSession(auth.email);
    this.logger.log(`Signed in ${auth.email}`);
    res.setHeader('cache-control', 'no-store');
    res.redirect(302, loginState.returnTo);
  }

  /**
   * Logout by link (GET or HEAD) changes nothing: it shows a form that signs out by POST with the
   * session's CSRF token, so no other site can sign anyone out with a link, an image or a prefetch.
   */
  @Public()
  @Get('auth/logout')
  @ApiOperation({ summary: 'A confirmation page whose form signs out (POST /auth/logout); ends nothing by itself' })
  @ApiOkResponse({ description: 'An HTML page with the sign-out form' })
  logoutPage(@Req() req: Request, @Res() res: Response): void {
    this.sendPage(res, logoutConfirmPage(sessionAuthOf(req)?.csrfToken ?? null));
  }

  /** Logout by form or script; the CSRF guard has checked the token when a session rides on the cookie. */
  @Public()
  @Post('auth/logout')
  @ApiOperation({ summary: 'Ends the session (send X-CSRF-Token or the csrf_token form field) and goes through Auth0 logout' })
  @ApiFoundResponse({ description: "Redirect to Auth0's /v2/logout, which returns to /" })
  async logoutByForm(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.logout(req, res);
  }

  private async logout(req: Request, res: Response): Promise<void> {
    const auth = sessionAuthOf(req);
    await destroySession(req.session);
    const { cookieName, secureCookie } = this.config.session;
    res.clearCookie(cookieName, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookie });
    res.setHeader('cache-control', 'no-store');
    if (auth) this.logger.log(`Signed out ${auth.email}`);
    res.redirect(302, this.login.enabled ? this.login.logoutUrl() : '/');
  }

  /** A page that may hold the logout form, under the pages' CSP; never cached (it can carry the CSRF token). */
  private sendPage(res: Response, html: string): void {
    res.setHeader('cache-control', 'no-store');
    res.setHeader('content-security-policy', pagePolicy(this.login.logoutOrigins()));
    res.type('html').send(html);
  }

  private requireStrategy(): Auth0Strategy {
    this.login.requireEnabled();
    if (!this.strategy) throw new Error('Auth0 is configured but its strategy was not built');
    return this.strategy;
  }

  private failure(err: Error): LoginError {
    this.logger.warn(`Sign-in failed: ${err.message}`);
    return new LoginError(502, 'idp_error', 'Sign-in failed', 'The identity provider could not complete the sign-in. Please try again.');
  }
}
