import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { TokenClaims } from './token-claims.js';
import { TokenCodec } from './token-codec.js';

const SECRET = 'unit-test-secret-that-is-long-enough-for-hs256';
const sut = new TokenCodec({ secret: SECRET, issuer: 'gw', audience: 'gw-api', maxLifetimeSeconds: 90 * 86400 });
const now = 1_800_000_000;

function claims(overrides: Partial<Record<keyof TokenClaims, unknown>> = {}): TokenClaims {
  return {
    iss: 'gw',
    aud: 'gw-api',
    sub: 'alice@example.com',
    email: 'alice@example.com',
    jti: 'abcdefghijklmnopqrstuvwx',
    iat: now - 10,
    exp: now + 3600,
    name: 'laptop',
    scope: 'llm',
    ...overrides,
  } as TokenClaims;
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function signWith(header: unknown, payload: unknown, secret = SECRET, alg = 'sha256'): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(alg, secret).update(input).digest('base64url')}`;
}

describe('TokenCodec', () => {
  it('verifies what it signs', () => {
    expect(sut.verify(sut.sign(claims()), now)).toEqual(claims());
  });

  it('accepts a header with extra fields when alg is HS256', () => {
    expect(sut.verify(signWith({ typ: 'JWT', alg: 'HS256', kid: 'x' }, claims()), now)).not.toBeNull();
  });

  it.each([
    ['alg none', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`],
    ['alg none with a signature', () => signWith({ alg: 'none' }, claims())],
    ['HS512', () => signWith({ alg: 'HS512', typ: 'JWT' }, claims(), SECRET, 'sha512')],
    ['RS256 header over an HMAC', () => signWith({ alg: 'RS256', typ: 'JWT' }, claims())],
    ['another secret', () => signWith({ alg: 'HS256', typ: 'JWT' }, claims(), 'another-secret-that-is-also-long-enough')],
    ['a crit header', () => signWith({ alg: 'HS256', crit: ['exp'] }, claims())],
    [
      'a tampered payload',
      () => {
        const [h, , s] = sut.sign(claims()).split('.');
        return `${h}.${b64(claims({ sub: 'mallory@example.com', email: 'mallory@example.com' }))}.${s}`;
      },
    ],
    ['a truncated signature', () => sut.sign(claims()).slice(0, -2)],
    [
      'another spelling of the same signature bytes',
      () => {
        const token = sut.sign(claims());
        // 32 bytes take 43 base64url characters; the last one carries 2 unused bits.
        const last = token.at(-1) as string;
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const forged = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
        const bytes = (t: string): Buffer => Buffer.from(t.split('.')[2], 'base64url');
        expect(bytes(forged).equals(bytes(token))).toBe(true);
        return forged;
      },
    ],
    ['four segments', () => `${sut.sign(claims())}.x`],
    ['garbage', () => 'not-a-token'],
  ])('refuses %s', (_label, make) => {
    expect(sut.verify(make(), now)).toBeNull();
  });

  it.each([
    ['expired', { exp: now - 1 }],
    ['issued in the future', { iat: now + 3600, exp: now + 7200 }],
    ['wrong issuer', { iss: 'other' }],
    ['wrong audience', { aud: 'other' }],
    ['lifetime above the maximum', { iat: now - 10, exp: now - 10 + 91 * 86400 }],
    ['sub not canonical', { sub: 'Alice@Example.com', email: 'Alice@Example.com' }],
    ['email differing from sub', { email: 'bob@example.com' }],
    ['unknown scope', { scope: 'llm root' }],
    ['short jti', { jti: 'abc' }],
    ['non-integer exp', { exp: now + 0.5 }],
    ['not valid before a later time (nbf)', { nbf: now + 1 }],
    ['carrying a non-numeric nbf', { nbf: 'now' }],
  ])('refuses a correctly signed token that is %s', (_label, overrides) => {
    expect(sut.verify(signWith({ alg: 'HS256', typ: 'JWT' }, { ...claims(), ...overrides }), now)).toBeNull();
  });

  it('accepts an nbf that has passed', () => {
    expect(sut.verify(signWith({ alg: 'HS256' }, { ...claims(), nbf: now }), now)).not.toBeNull();
  });

  it('accepts an audience array that includes the audience', () => {
    expect(sut.verify(signWith({ alg: 'HS256' }, claims({ aud: ['x', 'gw-api'] })), now)).not.toBeNull();
  });
});

describe('TokenCodec signature memo', () => {
  const memo = (entries: number): TokenCodec =>
    new TokenCodec({ secret: SECRET, issuer: 'gw', audience: 'gw-api', maxLifetimeSeconds: 90 * 86400, memoEntries: entries });

  it('checks the claims of a remembered token every time: it expires on time', () => {
    const codec = memo(10);
    const token = codec.sign(claims());
    expect(codec.verify(token, now)).not.toBeNull();
    expect(codec.verify(token, now + 3600)).toBeNull();
    expect(codec.check(token, now + 3600)?.kind).toBe('expired');
  });

  it('remembers no forged token: a changed signature is refused after the genuine one was accepted', () => {
    const codec = memo(10);
    const token = codec.sign(claims());
    expect(codec.verify(token, now)).not.toBeNull();
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'AB' : 'AA'}`;
    expect(codec.verify(forged, now)).toBeNull();
    expect(codec.verify(forged, now)).toBeNull();
  });

  it('gives claims nobody can change for the next caller', () => {
    const codec = memo(10);
    const token = codec.sign(claims());
    const first = codec.verify(token, now) as unknown as Record<string, unknown>;
    expect(() => {
      first.sub = 'mallory@example.com';
    }).toThrow(TypeError);
    expect(codec.verify(token, now)?.sub).toBe('alice@example.com');
  });

  it('stays correct past its bound: every token still verifies, each with its own claims', () => {
    const codec = memo(2);
    const tokens = ['a', 'b', 'c', 'd'].map((n) => codec.sign(claims({ name: n })));
    for (let round = 0; round < 3; round++) {
      tokens.forEach((token, i) => expect(codec.verify(token, now)?.name).toBe(['a', 'b', 'c', 'd'][i]));
    }
  });

  it('a token signed with another key stays refused whatever the memo holds', () => {
    const codec = memo(10);
    const genuine = codec.sign(claims());
    expect(codec.verify(genuine, now)).not.toBeNull();
    expect(codec.verify(signWith({ alg: 'HS256', typ: 'JWT' }, claims(), 'another-secret-that-is-long-enough-too'), now)).toBeNull();
  });
});
