/** Who is calling, as established by the gateway (never by anything the client sent). */
export type AuthMethod = 'jwt' | 'oauth2';

export type TokenScope = 'llm' | 'admin';

export interface AuthenticatedUser {
  /** Canonical email: the identity. */
  readonly email: string;
  readonly name?: string;
  readonly method: AuthMethod;
  readonly scopes: readonly TokenScope[];
  /** Set for JWT callers. */
  readonly tokenId?: string;
  readonly tokenName?: string;
  /** Set for browser-session callers. */
  readonly sessionId?: string;
}

/** What the gateway stores on the Express request once a caller is authenticated. */
export interface RequestWithUser {
  user?: AuthenticatedUser;
  requestId?: string;
}
