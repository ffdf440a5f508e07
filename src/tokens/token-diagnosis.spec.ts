import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { TokenCodec } from './token-codec.js';

const SECRET = 'unit-test-secret-that-is-long-enough-for-hs256';
const sut = new TokenCodec({ secret: SECRET, issuer: 'gw', audience: 'gw-api', maxLifetimeSeconds: 90 * 86400 });
const now = 1_800_000_000;
const CLAIMS = {
  iss: 'gw',
  aud: 'gw-api',
  sub: 'alice@example.com',
  email: 'alice@example.com',
  jti: 'abcdefghijklmnopqrstuvwx',
  iat: now - 10,
  exp: now + 3600,
  name: 'laptop',
  scope: 'llm',
};

function sign(payload: Record<string, unknown>, secret = SECRET): string {
  const input = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('TokenCodec.diagnose (why a token was refused, for the log)', () => {
  it('names a valid token as no problem, with its subject and id', () => {
    expect(sut.diagnose(sign(CLAIMS), now)).toEqual({ problem: null, sub: 'alice@example.com', jti: CLAIMS.jti });
  });

  it('says malformed for something that is not a JWT, and names nobody', () => {
    for (const token of ['garbage', 'a.b', 'a.b.c.d', 'a.b!.c', `${'a'.repeat(4100)}.b.c`])
      expect(sut.diagnose(token, now)).toEqual({ problem: 'malformed_token' });
  });

  it('says bad signature for a JWT signed with another key, and does not trust its claims', () => {
    expect(sut.diagnose(sign(CLAIMS, 'another-secret-that-is-also-long-enough'), now)).toEqual({ problem: 'bad_signature' });
  });

  it('says expired for a validly signed token past its exp, naming its subject and id', () => {
    expect(sut.diagnose(sign({ ...CLAIMS, exp: now - 1 }), now)).toEqual({ problem: 'expired', sub: 'alice@example.com', jti: CLAIMS.jti });
  });

  it('says invalid claims for a validly signed token with a wrong claim', () => {
    expect(sut.diagnose(sign({ ...CLAIMS, aud: 'elsewhere' }), now)).toMatchObject({ problem: 'invalid_claims', sub: 'alice@example.com' });
  });

  it('agrees with verify(): a token verify() refuses always has a problem', () => {
    for (const token of [sign({ ...CLAIMS, exp: now - 1 }), sign({ ...CLAIMS, scope: 'root' }), sign(CLAIMS, 'x'.repeat(40)), 'nope']) {
      expect(sut.verify(token, now)).toBeNull();
      expect(sut.diagnose(token, now).problem).not.toBeNull();
    }
  });
});
