/** The token model's rules: lifetimes, names, scopes, the per-user cap, the allowlist. */
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AdminsService } from '../admins/admins.service.js';
import type { AuthenticatedUser, TokenScope } from '../common/authenticated-user.js';
import {
  ConflictError,
  ForbiddenError,
  InvalidCredentialsError,
  InvalidInputError,
  LimitReachedError,
  NotFoundError,
} from '../common/domain-errors.js';
import { canonicalEmail } from '../common/email.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { IssuedTokenDto } from './dto/issued-token.dto.js';
import { RotatedTokenDto } from './dto/rotated-token.dto.js';
import type { TokenListDto } from './dto/token-list.dto.js';
import type { TokenRevokedDto } from './dto/token-revoked.dto.js';
import { TokenDto } from './dto/token.dto.js';
import type { TokenClaims } from './token-claims.js';
import { TokenCodec } from './token-codec.js';
import type { TokenCreatedVia, TokenRecord } from './token-record.js';
import { TokenRepository } from './token.repository.js';

export const MIN_TOKEN_LIFETIME_SECONDS = 3600;
/**
 * Token names: 1 to 64 printable characters, markup included (the pages render them as text).
 * Control and format characters (e.g. bidi overrides, zero-width joiners), line and paragraph
 * separators, surrogates, private-use and unassigned code points are refused: a name shows as what it is.
 */
export const TOKEN_NAME = /^[^\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]{1,64}$/u;
/** What TOKEN_NAME asks for, in an error message. */
export const TOKEN_NAME_RULE = '1 to 64 printable characters (no control or format characters)';

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

export interface RotateTokenInput {
  /** The owner (canonical email) and the id of the live token to replace. */
  email: string;
  tokenId: string;
  /** The new token's lifetime; TOKEN_DEFAULT_DAYS when absent. */
  lifetimeSeconds?: number;
  /** Who rotated it: the owner, or an operator (`cli:user@host`). */
  rotatedBy: string;
  createdVia: TokenCreatedVia;
}

export interface RotatedToken extends IssuedToken {
  /** The replaced token and the moment it stops working (the grace's end, or its own expiry if sooner). */
  readonly previous: { readonly tokenId: string; readonly validUntil: number };
}

/** Tokens that end within this are "expiring soon" (/api/me, the CLI). */
export const EXPIRING_SOON_MS = 7 * 86400_000;

@Injectable()
export class TokensService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: TokenRepository,
    private readonly admins: AdminsService,
    private readonly codec: TokenCodec,
  ) {}

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
      throw new InvalidInputError(`token name must be ${TOKEN_NAME_RULE}`);
    }
    const scopes = normaliseScopes(input.scopes ?? ['llm']);
    let lifetime = this.lifetime(input.lifetimeSeconds);
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
    const issued = this.issue(email, name, scopes, lifetime, input.createdVia, iat);
    const created = await this.repository.create(issued.record, this.config.tokens.perUserMax);
    if (!created) throw this.limitReached();
    return issued;
  }

  /**
   * Replaces a live token with a new one of the same owner, name and scopes and a fresh lifetime:
   * the one way a token's life is extended (a token minted with a token ends no later than it).
   * The old token keeps working for TOKEN_ROTATION_GRACE_SECONDS (so clients holding it can switch
   * over), then counts as revoked. A token is rotated once: rotating it again is a conflict.
   */
  async rotate(input: RotateTokenInput): Promise<RotatedToken> {
    const old = await this.repository.find(input.email, input.tokenId);
    if (old === null || old.status !== 'active') throw new NotFoundError('token not found');
    if (old.rotatedTo !== undefined) throw alreadyRotated();
    const lifetime = this.lifetime(input.lifetimeSeconds);
    const issued = this.issue(old.email, old.name, old.scopes, lifetime, input.createdVia);
    const graceMs = this.config.tokens.rotationGraceSeconds * 1000;
    const outcome = await this.repository.rotate(old.tokenId, issued.record, this.config.tokens.perUserMax, graceMs, input.rotatedBy);
    switch (outcome) {
      case 'rotated':
        return {
          ...issued,
          record: { ...issued.record, rotatedFrom: old.tokenId },
          previous: { tokenId: old.tokenId, validUntil: Math.min(old.expiresAt, issued.record.createdAt + graceMs) },
        };
      case 'already-rotated':
        throw alreadyRotated();
      case 'not-live':
        throw new NotFoundError('token not found');
      case 'limit-reached':
        throw this.limitReached();
    }
  }

  /** Rotates a token by id alone (the CLI). */
  async rotateById(tokenId: string, input: Omit<RotateTokenInput, 'email' | 'tokenId'>): Promise<RotatedToken> {
    const owner = await this.repository.findOwner(tokenId);
    if (owner === null) throw new NotFoundError('token not found');
    return this.rotate({ ...input, email: owner, tokenId });
  }

  /** A lifetime in seconds, TOKEN_DEFAULT_DAYS when absent; refused outside [1 hour, TOKEN_MAX_DAYS]. */
  private lifetime(seconds: number | undefined): number {
    const lifetime = seconds ?? this.defaultLifetimeSeconds;
    if (!Number.isInteger(lifetime) || lifetime < MIN_TOKEN_LIFETIME_SECONDS || lifetime > this.maxLifetimeSeconds) {
      throw new InvalidInputError(`lifetime must be between ${MIN_TOKEN_LIFETIME_SECONDS} seconds and ${this.config.tokens.maxDays} days`);
    }
    return lifetime;
  }

  /** A new token's claims (signed) and record, issued at `iat` (epoch seconds); nothing is stored yet. */
  private issue(
    email: string,
    name: string,
    scopes: readonly TokenScope[],
    lifetime: number,
    createdVia: TokenCreatedVia,
    iat = Math.floor(Date.now() / 1000),
  ): IssuedToken {
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
      createdVia,
      status: 'active',
    };
    return { token: this.codec.sign(claims), record };
  }

  private limitReached(): LimitReachedError {
    return new LimitReachedError(`a user may hold at most ${this.config.tokens.perUserMax} active tokens; revoke one first`);
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

  /** A user's live tokens that end within 7 days (EXPIRING_SOON_MS), the soonest first; rotated ones are replaced already. */
  async expiringSoon(email: string): Promise<TokenRecord[]> {
    const now = Date.now();
    const records = await this.repository.listLive(email, now, now + EXPIRING_SOON_MS);
    return records.filter((r) => r.rotatedTo === undefined).sort((a, b) => a.expiresAt - b.expiresAt);
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

  // ---- self-service (/api/token): the caller's own tokens ----

  /**
   * Creates a token for the caller: a lifetime within TOKEN_MAX_DAYS, and the admin scope only for
   * an admin signed in through the browser (never minted by another token).
   */
  async issueForCaller(
    caller: AuthenticatedUser,
    request: { name: string; lifetimeSeconds?: number; scopes?: TokenScope[] },
  ): Promise<IssuedTokenDto> {
    if (request.lifetimeSeconds !== undefined && request.lifetimeSeconds > this.maxLifetimeSeconds) {
      throw new InvalidInputError(
        `expires_in must not be greater than ${this.maxLifetimeSeconds} (TOKEN_MAX_DAYS is ${this.config.tokens.maxDays} days)`,
      );
    }
    const scopes = request.scopes ?? ['llm'];
    if (scopes.includes('admin')) await this.requireAdminSession(caller);
    const issued = await this.create({
      email: caller.email,
      name: request.name,
      lifetimeSeconds: request.lifetimeSeconds,
      scopes,
      createdVia: caller.method === 'oauth2' ? 'oauth2' : 'jwt',
      parentTokenId: caller.method === 'jwt' ? caller.tokenId : undefined,
    });
    return IssuedTokenDto.from(issued);
  }

  /** Replaces the token the caller authenticated with; refused for a browser session. */
  async rotateCallerToken(caller: AuthenticatedUser, days?: number): Promise<RotatedTokenDto> {
    if (caller.method !== 'jwt' || caller.tokenId === undefined) {
      throw new ForbiddenError(
        'Rotate is called with the token to rotate (Authorization: Bearer); a browser session creates tokens with /api/token/generate',
        'token_required',
      );
    }
    const rotated = await this.rotate({
      email: caller.email,
      tokenId: caller.tokenId,
      lifetimeSeconds: days === undefined ? undefined : days * 86400,
      rotatedBy: caller.email,
      createdVia: 'jwt',
    });
    return RotatedTokenDto.from(rotated);
  }

  async listOfCaller(email: string): Promise<TokenListDto> {
    const records = await this.list(email);
    return {
      items: records.map((r) => TokenDto.from(r)),
      next_cursor: null,
      total: records.length,
      max_tokens: this.config.tokens.perUserMax,
    };
  }

  async infoOfCaller(email: string, tokenId: string): Promise<TokenDto> {
    return TokenDto.from(await this.get(email, tokenId));
  }

  async revokeByOwner(email: string, tokenId: string): Promise<TokenRevokedDto> {
    await this.revoke(email, tokenId, email, 'revoked by owner');
    return { token_id: tokenId, revoked: true, revoked_at: new Date().toISOString() };
  }

  private async requireAdminSession(caller: AuthenticatedUser): Promise<void> {
    if (caller.method !== 'oauth2') {
      throw new ForbiddenError(
        'An API token cannot create an admin token; sign in through the browser as an admin',
        'admin_scope_forbidden',
      );
    }
    if (!(await this.admins.isAdmin(caller.email))) throw new ForbiddenError('Only admins may create admin tokens', 'not_admin');
  }
}

function alreadyRotated(): ConflictError {
  return new ConflictError('this token was rotated already; use the token that replaced it', 'token_already_rotated');
}

function normaliseScopes(scopes: readonly TokenScope[]): TokenScope[] {
  const set = new Set<TokenScope>(scopes);
  for (const s of set) if (s !== 'llm' && s !== 'admin') throw new InvalidInputError(`unknown scope: ${String(s)}`);
  set.add('llm');
  return (['llm', 'admin'] as const).filter((s) => set.has(s));
}
