/** The token model's rules: lifetimes, names, scopes, the per-user cap, the allowlist. */
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AdminsService } from '../admins/admins.service.js';
import type { TokenScope } from '../common/authenticated-user.js';
import { InvalidCredentialsError, InvalidInputError, LimitReachedError, NotFoundError } from '../common/domain-errors.js';
import { canonicalEmail } from '../common/email.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { TokenClaims } from './token-claims.js';
import { TokenCodec } from './token-codec.js';
import type { TokenCreatedVia, TokenRecord } from './token-record.js';
import { TokenRepository } from './token.repository.js';

export const MIN_TOKEN_LIFETIME_SECONDS = 3600;
/** Token names: 1 to 64 letters, digits, spaces or . _ : @ + - */
export const TOKEN_NAME = /^[\p{L}\p{N} ._:@+-]{1,64}$/u;

export interface CreateTokenInput {
  email: string;
  name?: string;
  lifetimeSeconds?: number;
  scopes?: readonly TokenScope[];
  createdVia: TokenCreatedVia;
  /**
   * The token this one is minted with (a script calling /api/token/generate with a Bearer token):
   * the new token expires no later than it. Asking for longer is refused; the default lifetime is
   * cut to the parent's end. Absent for a browser session, an admin or the CLI.
   */
  parentTokenId?: string;
}

export interface IssuedToken {
  /** The JWT itself: shown once, never stored. */
  readonly token: string;
  readonly record: TokenRecord;
}

@Injectable()
export class TokensService {
  readonly codec: TokenCodec;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: TokenRepository,
    private readonly admins: AdminsService,
  ) {
    this.codec = new TokenCodec({
      secret: config.jwt.secret,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      maxLifetimeSeconds: this.maxLifetimeSeconds,
    });
  }

  get maxLifetimeSeconds(): number {
    return this.config.tokens.maxDays * 86400;
  }

  get defaultLifetimeSeconds(): number {
    return this.config.tokens.defaultDays * 86400;
  }

  async create(input: CreateTokenInput): Promise<IssuedToken> {
    const email = canonicalEmail(input.email);
    if (email === null) throw new InvalidInputError('email must be a plain email address');
    const name = (input.name ?? 'default').trim();
    if (!TOKEN_NAME.test(name)) {
      throw new InvalidInputError('token name must be 1 to 64 letters, digits, spaces or . _ : @ + -');
    }
    let lifetime = input.lifetimeSeconds ?? this.defaultLifetimeSeconds;
    if (!Number.isInteger(lifetime) || lifetime < MIN_TOKEN_LIFETIME_SECONDS || lifetime > this.maxLifetimeSeconds) {
      throw new InvalidInputError(
        `lifetime must be between ${MIN_TOKEN_LIFETIME_SECONDS} seconds and ${this.config.tokens.maxDays} days`,
      );
    }
    const scopes = normaliseScopes(input.scopes ?? ['llm']);

    const iat = Math.floor(Date.now() / 1000);
    if (input.parentTokenId !== undefined) {
      const parentEnd = await this.parentEnd(email, input.parentTokenId);
      if (iat + lifetime > parentEnd) {
        if (input.lifetimeSeconds !== undefined) {
          throw new InvalidInputError(
            `a token minted with a token expires no later than that token: expires_in must not be greater than ${parentEnd - iat} (it expires at ${new Date(parentEnd * 1000).toISOString()})`,
          );
        }
        lifetime = parentEnd - iat;
      }
    }
    const exp = iat + lifetime;
    // Hex, so an id never starts with '-' and reads as a flag on a command line (`--id <token_id>`).
    const tokenId = randomBytes(16).toString('hex');
    const claims: TokenClaims = {
      iss: this.config.jwt.issuer,
      aud: this.config.jwt.audience,
      sub: email,
      email,
      jti: tokenId,
      iat,
      exp,
      name,
      scope: scopes.join(' '),
    };
    const record: TokenRecord = {
      tokenId,
      email,
      name,
      scopes,
      createdAt: iat * 1000,
      expiresAt: exp * 1000,
      lastUsedAt: null,
      createdVia: input.createdVia,
      status: 'active',
    };
    const created = await this.repository.create(record, this.config.tokens.perUserMax);
    if (!created) {
      throw new LimitReachedError(`a user may hold at most ${this.config.tokens.perUserMax} active tokens; revoke one first`);
    }
    return { token: this.codec.sign(claims), record };
  }

  /** When the parent token ends (epoch seconds); it must be a live token of the same person. */
  private async parentEnd(email: string, parentTokenId: string): Promise<number> {
    const parent = await this.repository.find(email, parentTokenId);
    const end = parent === null || parent.status !== 'active' ? 0 : Math.floor(parent.expiresAt / 1000);
    // Revoked, expired or gone between its check and this read: the caller's credential is no longer valid.
    if (end <= Math.floor(Date.now() / 1000)) throw new InvalidCredentialsError();
    return end;
  }

  list(email: string): Promise<TokenRecord[]> {
    return this.repository.listLive(email, Date.now());
  }

  /** One of the user's tokens; someone else's id is "not found". */
  async get(email: string, tokenId: string): Promise<TokenRecord> {
    const record = await this.repository.find(email, tokenId);
    if (record === null) throw new NotFoundError('token not found');
    return record;
  }

  /** Revokes one of the user's own tokens. */
  async revoke(email: string, tokenId: string, revokedBy: string, reason = 'revoked by owner'): Promise<TokenRecord> {
    const record = await this.repository.find(email, tokenId);
    if (record === null || record.status !== 'active') throw new NotFoundError('token not found');
    await this.repository.revoke(email, [tokenId], Date.now(), revokedBy, reason);
    return record;
  }

  /**
   * Revokes a token by id alone (admins and the CLI). An `actingAdmin` (an admin over REST) is held
   * to the admin hierarchy for the token's owner; the CLI passes none.
   */
  async revokeById(tokenId: string, revokedBy: string, reason = 'revoked by admin', actingAdmin?: string): Promise<TokenRecord> {
    const owner = await this.repository.findOwner(tokenId);
    if (owner === null) throw new NotFoundError('token not found');
    if (actingAdmin !== undefined) await this.admins.assertMayActOn(actingAdmin, owner);
    return this.revoke(owner, tokenId, revokedBy, reason);
  }

  /** Revokes every live token of a user; returns how many. `actingAdmin` as for revokeById. */
  async revokeAllOf(input: string, revokedBy: string, reason: string, actingAdmin?: string): Promise<number> {
    const email = canonicalEmail(input);
    if (email === null) throw new InvalidInputError('email must be a plain email address');
    if (actingAdmin !== undefined) await this.admins.assertMayActOn(actingAdmin, email);
    const now = Date.now();
    const ids = await this.repository.liveIds(email, now);
    return this.repository.revoke(email, ids, now, revokedBy, reason);
  }

  /** Numbers of live tokens of several users (canonical emails), in order. */
  countLiveOf(emails: readonly string[]): Promise<number[]> {
    return this.repository.countLiveMany(emails, Date.now());
  }

  /** Number of live tokens of a user. */
  async countLive(email: string): Promise<number> {
    return (await this.repository.liveIds(email, Date.now())).length;
  }
}

function normaliseScopes(scopes: readonly TokenScope[]): TokenScope[] {
  const set = new Set<TokenScope>(scopes);
  for (const s of set) if (s !== 'llm' && s !== 'admin') throw new InvalidInputError(`unknown scope: ${String(s)}`);
  set.add('llm');
  return (['llm', 'admin'] as const).filter((s) => set.has(s));
}
