/**
 * express-session, mounted by setupApp after the /v1 proxy and only on the paths a browser uses
 * (/, /auth/*, /api/*): LLM calls and /health never read or write a session. Off entirely when
 * browser login is not configured. A store failure answers 503; it never counts as signed out.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { restErrorBody } from '../common/error-shapes.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { RedisSessionStore } from './redis-session.store.js';
import { newCookieSessionId } from './session-data.js';

const SESSION_PATHS = /^\/(?:$|auth(?:\/|$)|api(?:\/|$))/;

@Injectable()
export class SessionMiddleware {
  private readonly logger = new Logger('Sessions');
  readonly handle: RequestHandler;
  private warnedInsecure = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    store: RedisSessionStore,
  ) {
    if (!config.auth0.enabled) {
      this.handle = (_req, _res, next) => next();
      return;
    }
    const middleware = session({
      store,
      secret: config.session.secret,
      name: config.session.cookieName,
      genid: newCookieSessionId,
      resave: false,
      saveUninitialized: false,
      rolling: false,
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        secure: config.session.secureCookie,
        path: '/',
        maxAge: config.session.ttlSeconds * 1000,
      },
    });
    this.handle = (req: Request, res: Response, next: NextFunction): void => {
      if (!SESSION_PATHS.test(req.path)) {
        next();
        return;
      }
      this.warnIfCookieCannotBeSet(req);
      let passed = false;
      middleware(req, res, (err?: unknown) => {
        if (passed) {
          // express-session reports a failed save or touch after the answer went out.
          if (err) this.logger.warn(`Session write failed: ${(err as Error).message}`);
          return;
        }
        passed = true;
        if (!err) {
          next();
          return;
        }
        this.logger.warn(`Session store unavailable: ${(err as Error).message}`);
        if (res.headersSent) {
          res.end();
          return;
        }
        res.status(503).json(restErrorBody(503, 'Sign-in sessions are temporarily unavailable; try again shortly', 'service_unavailable'));
      });
    };
  }

  /** A Secure cookie is silently not sent on a plain-HTTP request: say why once, instead of a login loop. */
  private warnIfCookieCannotBeSet(req: Request): void {
    if (!this.config.session.secureCookie || req.secure || this.warnedInsecure) return;
    this.warnedInsecure = true;
    this.logger.warn(
      'PUBLIC_URL is https but this request arrived over plain HTTP, so the Secure session cookie cannot be set. ' +
        'Behind a TLS-terminating proxy set TRUST_PROXY (e.g. TRUST_PROXY=1) so X-Forwarded-Proto is honoured.',
    );
  }
}
