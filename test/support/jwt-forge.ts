/**
 * Builds JWTs by hand, so a test can change exactly one thing about a genuine token (a claim,
 * the header's algorithm, the signature) and show that this one change is refused.
 */
import { createHmac } from 'node:crypto';

export type JwtPart = Record<string, unknown>;

export function b64url(value: JwtPart | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

export function decodeJwt(token: string): { header: JwtPart; payload: JwtPart; signature: string } {
  const [header, payload, signature] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as JwtPart,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JwtPart,
    signature,
  };
}

/** Signs header.payload with HMAC; `hash` picks the HMAC (sha256 for HS256, sha512 for HS512). */
export function signJwt(header: JwtPart, payload: JwtPart, secret: string, hash: 'sha256' | 'sha512' = 'sha256'): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}
