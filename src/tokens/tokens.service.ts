/** The token model's rules: lifetimes, names, scopes, the per-user cap, the allowlist. */
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { TokenScope } from '../common/authenticated-user.js';
import { InvalidInputError, LimitReachedError, NotFoundError } from '../common/domain-errors.js';
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
    const lifetime = input.lifetimeSeconds ?? this.defaultLifetimeSeconds;
    if (!Number.isInteger(lifetime) || lifetime < MIN_TOKEN_LIFETIME_SECONDS || lifetime > this.maxLifetimeSeconds) {
      throw new InvalidInputError(
        `lifetime must be between ${MIN_TOKEN_LIFETIME_SECONDS} seconds and ${this.config.tokens.maxDays} days`,
      );
    }
    const scopes = normaliseScopes(input.scopes ?? ['llm']);

    const iat = Math.floor(Date.now() / 1000);
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

  /** Revokes a token by id alone (admins and the CLI). */
  async revokeById(tokenId: string, revokedBy: string, reason = 'revoked by admin'): Promise<TokenRecord> {
    const owner = await this.repository.findOwner(tokenId);
    if (owner === null) throw new NotFoundError('token not found');
    return this.revoke(owner, tokenId, revokedBy, reason);
  }

  /** Revokes every live token of a user; returns how many. */
  async revokeAllOf(input: string, revokedBy: string, reason: string): Promise<number> {
    const email = canonicalEmail(input);
    if (email === null) throw new InvalidInputError('email must be a plain email address');
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
