/**
 * passport-auth0 (authorization code with state, PKCE and a nonce-checked ID token) through
 * @nestjs/passport. AUTH0_ISSUER_BASE_URL points it at any Auth0-shaped issuer (tests and the
 * demo use a local OpenID provider); AUTH0_CA_FILE adds a CA to the agent that talks to it.
 * The strategy only reads the identity provider's answer; LoginService decides who gets in.
 */
import { readFileSync } from 'node:fs';
import { Agent, type AgentOptions, type RequestOptions } from 'node:https';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { rootCertificates } from 'node:tls';
import { PassportStrategy } from '@nestjs/passport';
import type { Request, Response } from 'express';
import passport from 'passport';
import Auth0StrategyBase from 'passport-auth0';
import type { AppConfig } from '../config/app-config.js';
import { describeValue, toError } from '../common/unknown-value.js';

export const AUTH0_STRATEGY = Symbol('AUTH0_STRATEGY');
/** What the gateway asks the identity provider for. */
export const AUTH0_SCOPE = 'openid email profile';
const IDP_TIMEOUT_MS = 10_000;

/** The identity provider's claims about the person, before the gateway's own rules. */
export interface IdpIdentity {
  readonly subject: string;
  readonly email: string | undefined;
  readonly emailVerified: boolean;
  readonly name: string;
}

interface Auth0Profile {
  id?: string;
  displayName?: string;
  emails?: Array<{ value?: unknown }>;
  _json?: Record<string, unknown>;
}

/** The parts of node-oauth's OAuth2 client (the strategy's protected `_oauth2`) configured here. */
interface OAuth2Client {
  setAgent(agent: Agent): void;
  useAuthorizationHeaderforGET(use: boolean): void;
}

export class Auth0Strategy extends PassportStrategy(Auth0StrategyBase, 'auth0', 5) {
  constructor(config: AppConfig) {
    const issuer = config.auth0.issuerBaseUrl.endsWith('/') ? config.auth0.issuerBaseUrl : `${config.auth0.issuerBaseUrl}/`;
    super({
      domain: config.auth0.domain,
      clientID: config.auth0.clientId,
      clientSecret: config.auth0.clientSecret,
      callbackURL: config.auth0.callbackUrl,
      state: true,
      pkce: 'S256',
      authorizationURL: `${issuer}authorize`,
      tokenURL: `${issuer}oauth/token`,
      userInfoURL: `${issuer}userinfo`,
      expectedIssuer: issuer,
    } as ConstructorParameters<typeof Auth0StrategyBase>[0]);
    const oauth2 = (this as unknown as { _oauth2: OAuth2Client })._oauth2;
    // The access token goes in the Authorization header, not the query string (and so not into logs).
    oauth2.useAuthorizationHeaderforGET(true);
    const ca = config.auth0.caFile ? [...rootCertificates, readCaFile(config.auth0.caFile)] : undefined;
    oauth2.setAgent(new IdpAgent({ keepAlive: true, ...(ca ? { ca } : {}) }));
  }

  /** passport-auth0 calls this with (accessToken, refreshToken, extraParams, profile). */
  validate(_accessToken: string, _refreshToken: string, _extraParams: unknown, profile: Auth0Profile): IdpIdentity {
    const claims = profile._json ?? {};
    const email =
      typeof claims.email === 'string'
        ? claims.email
        : typeof profile.emails?.[0]?.value === 'string'
          ? profile.emails[0].value
          : undefined;
    const name = typeof claims.name === 'string' ? claims.name : (profile.displayName ?? '');
    return {
      subject: describeValue(claims.sub ?? profile.id ?? ''),
      email,
      // Only an explicit true counts: a missing claim is not a verified address.
      emailVerified: claims.email_verified === true,
      name: name.slice(0, 200),
    };
  }
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`AUTH0_CA_FILE cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
}

/** node-oauth sets no timeout: a socket to the identity provider that goes quiet is cut, and the login fails cleanly. */
class IdpAgent extends Agent {
  constructor(options: AgentOptions) {
    super(options);
  }

  override createConnection(options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    if (socket instanceof Socket)
      socket.setTimeout(IDP_TIMEOUT_MS, () => socket.destroy(new Error('the identity provider did not answer in time')));
    return socket;
  }
}

export type StrategyOutcome =
  | { readonly kind: 'redirect' }
  | { readonly kind: 'success'; readonly identity: IdpIdentity }
  | { readonly kind: 'fail'; readonly message: string }
  | { readonly kind: 'error'; readonly error: Error };

/**
 * Runs the strategy on one request and says how it ended. A fresh object per request (as passport
 * does for named strategies), so concurrent logins never share per-request state, and the
 * instance is used directly rather than through passport's process-wide registry by name.
 */
export function runAuth0(strategy: Auth0Strategy, req: Request, res: Response, options: Record<string, unknown>): Promise<StrategyOutcome> {
  return new Promise<StrategyOutcome>((resolve) => {
    const redirected = (): void => resolve({ kind: 'redirect' });
    res.once('finish', redirected);
    res.once('close', redirected);
    const done = (outcome: StrategyOutcome): void => {
      res.off('finish', redirected);
      res.off('close', redirected);
      resolve(outcome);
    };
    const middleware = passport.authenticate(
      Object.create(strategy) as Auth0Strategy,
      { ...options, session: false },
      (err: unknown, user: unknown, info: unknown) => {
        if (err) done({ kind: 'error', error: toError(err) });
        else if (!user) done({ kind: 'fail', message: failureMessage(info) });
        else done({ kind: 'success', identity: user as IdpIdentity });
      },
    ) as (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
    middleware(req, res, (err?: unknown) => done(err ? { kind: 'error', error: toError(err) } : { kind: 'fail', message: '' }));
  });
}

function failureMessage(info: unknown): string {
  if (typeof info === 'string') return info;
  if (typeof info === 'object' && info !== null && typeof (info as { message?: unknown }).message === 'string')
    return (info as { message: string }).message;
  return '';
}
