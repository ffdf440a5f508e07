/**
 * HS256 JWT signing and verification for gateway tokens, with the HMAC key held as a cached
 * KeyObject. This is the hot path of every /v1 call: a general JWT library costs 25 to 85
 * times more per verify (see docs/ARCHITECTURE.md), and gateway tokens have exactly one shape.
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { isCanonicalEmail } from '../common/email.js';
import type { AppConfig } from '../config/app-config.js';
import { parseScopes, type TokenClaims } from './token-claims.js';
import { TOKEN_ID } from '../common/ids.js';

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const B64URL = /^[A-Za-z0-9_-]+$/;
/** Clock skew tolerated on iat. */
const SKEW_SECONDS = 60;

export interface TokenCodecOptions {
  secret: string;
  issuer: string;
  audience: string;
  maxLifetimeSeconds: number;
  /**
   * Most tokens whose signature is remembered as checked (TOKEN_CACHE_MAX_ENTRIES; 0: none). A
   * signature is a property of the token's text and the key, so a token seen before costs a map
   * lookup instead of an HMAC and a JSON parse; its claims (expiry included) are checked every time.
   */
  memoEntries?: number;
}

/** Why a token was refused (log only); `problem` is null for a token verify() accepts. */
export interface TokenDiagnosis {
  readonly problem: 'malformed_token' | 'bad_signature' | 'expired' | 'invalid_claims' | null;
  /** Subject and token id, only when the signature is valid. */
  readonly sub?: string;
  readonly jti?: string;
}

/**
 * One check of a token for the verifier: valid, or expired but otherwise valid (its signature and
 * every other claim hold, so its expiry may be told to the client), or refused (null).
 */
export type TokenCheck =
  { readonly kind: 'valid'; readonly claims: TokenClaims } | { readonly kind: 'expired'; readonly claims: TokenClaims };

/** The one codec of a gateway, from its configuration (TokensModule provides it). */
export function tokenCodecOf(config: AppConfig): TokenCodec {
  return new TokenCodec({
    secret: config.jwt.secret,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    maxLifetimeSeconds: config.tokens.maxDays * 86400,
    memoEntries: config.tokenCache.maxEntries,
  });
}

export class TokenCodec {
  private readonly key: KeyObject;
  /** Payloads of tokens whose signature was valid, by the token's exact text; oldest first. */
  private readonly checked = new Map<string, Readonly<Record<string, unknown>>>();
  private readonly memoEntries: number;

  constructor(private readonly options: TokenCodecOptions) {
    this.key = createSecretKey(Buffer.from(options.secret, 'utf8'));
    this.memoEntries = options.memoEntries ?? 0;
  }

  sign(claims: TokenClaims): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signingInput = `${HEADER}.${payload}`;
    const signature = createHmac('sha256', this.key).update(signingInput).digest('base64url');
    return `${signingInput}.${signature}`;
  }

  /** The claims of a valid token, or null. Never says why: callers answer one generic 401. */
  verify(token: string, nowSeconds: number = Math.floor(Date.now() / 1000)): TokenClaims | null {
    const claims = this.signedPayload(token);
    return claims !== null && this.claimsAreValid(claims, nowSeconds) ? (claims as unknown as TokenClaims) : null;
  }

  /** Like verify(), with one HMAC, but tells an expired, otherwise valid token apart from a refused one. */
  check(token: string, nowSeconds: number = Math.floor(Date.now() / 1000)): TokenCheck | null {
    const claims = this.signedPayload(token);
    if (claims === null) return null;
    if (this.claimsAreValid(claims, nowSeconds)) return { kind: 'valid', claims: claims as unknown as TokenClaims };
    const exp = claims.exp;
    // Valid a second before its expiry: then nothing but the time refuses it.
    if (typeof exp === 'number' && Number.isInteger(exp) && exp <= nowSeconds && this.claimsAreValid(claims, exp - 1)) {
      return { kind: 'expired', claims: claims as unknown as TokenClaims };
    }
    return null;
  }

  /**
   * Why a token that verify() refused was refused, for the server's log only (clients get one
   * generic 401). The subject and token id are given only when the signature is valid.
   */
  diagnose(token: string, nowSeconds: number = Math.floor(Date.now() / 1000)): TokenDiagnosis {
    const claims = this.signedPayload(token);
    if (claims === null) {
      const parts = token.split('.');
      const wellFormed = token.length <= 4096 && parts.length === 3 && parts.every((part) => B64URL.test(part));
      return { problem: wellFormed ? 'bad_signature' : 'malformed_token' };
    }
    const sub = typeof claims.sub === 'string' ? claims.sub.slice(0, 320) : undefined;
    const jti = typeof claims.jti === 'string' ? claims.jti.slice(0, 64) : undefined;
    if (this.claimsAreValid(claims, nowSeconds)) return { problem: null, sub, jti };
    const expired = typeof claims.exp === 'number' && claims.exp <= nowSeconds;
    return { problem: expired ? 'expired' : 'invalid_claims', sub, jti };
  }

  /**
   * The payload of a well-formed HS256 token whose signature is valid, or null. Only valid
   * signatures are remembered: a forged token is checked (and refused) every time.
   */
  private signedPayload(token: string): Readonly<Record<string, unknown>> | null {
    const known = this.checked.get(token);
    if (known !== undefined) return known;
    const payload = this.verifiedPayload(token);
    if (payload !== null && this.memoEntries > 0) {
      if (this.checked.size >= this.memoEntries) this.checked.delete(this.checked.keys().next().value as string);
      this.checked.set(token, Object.freeze(payload));
    }
    return payload;
  }

  private verifiedPayload(token: string): Record<string, unknown> | null {
    if (token.length > 4096) return null;
    const firstDot = token.indexOf('.');
    const secondDot = token.indexOf('.', firstDot + 1);
    if (firstDot <= 0 || secondDot <= firstDot + 1 || token.indexOf('.', secondDot + 1) !== -1) return null;
    const headerPart = token.slice(0, firstDot);
    const payloadPart = token.slice(firstDot + 1, secondDot);
    const signaturePart = token.slice(secondDot + 1);
    if (!B64URL.test(headerPart) || !B64URL.test(payloadPart) || !B64URL.test(signaturePart)) return null;

    // The header must say HS256: `none`, RS256 and every other algorithm are refused.
    if (headerPart !== HEADER) {
      const header = parseJson(headerPart);
      if (header === null || header.alg !== 'HS256' || (header.typ !== undefined && header.typ !== 'JWT') || 'crit' in header) {
        return null;
      }
    }

    // Compared as text, not as decoded bytes: base64url decoding ignores the low bits of the last
    // character, so several spellings of a signature decode alike; only the canonical one is valid.
    const expected = Buffer.from(createHmac('sha256', this.key).update(token.slice(0, secondDot)).digest('base64url'));
    const given = Buffer.from(signaturePart);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;

    return parseJson(payloadPart);
  }

  /** The claim rules, shared by every verifier of gateway tokens. */
  claimsAreValid(c: Readonly<Record<string, unknown>>, nowSeconds: number): boolean {
    const { iss, aud, sub, email, jti, iat, exp, nbf, name, scope } = c;
    if (iss !== this.options.issuer) return false;
    if (aud !== this.options.audience && !(Array.isArray(aud) && aud.includes(this.options.audience))) return false;
    if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isInteger(iat) || !Number.isInteger(exp)) return false;
    if (exp <= nowSeconds || iat > nowSeconds + SKEW_SECONDS) return false;
    // Gateway tokens carry no nbf; one that does is honoured as jsonwebtoken does on /api (no skew).
    if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf) || nbf > nowSeconds)) return false;
    if (exp - iat > this.options.maxLifetimeSeconds) return false;
    if (typeof sub !== 'string' || !isCanonicalEmail(sub) || email !== sub) return false;
    if (typeof jti !== 'string' || !TOKEN_ID.test(jti)) return false;
    if (typeof name !== 'string' || typeof scope !== 'string' || parseScopes(scope) === null) return false;
    return true;
  }
}

function parseJson(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
