import { describe, expect, it } from '@jest/globals';
import { isSessionId, newCookieSessionId, sessionIdOf } from './session-data.js';

describe('session ids', () => {
  it('makes cookie ids of 256 random bits', () => {
    const ids = new Set(Array.from({ length: 100 }, () => newCookieSessionId()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(Buffer.from(id, 'base64url')).toHaveLength(32);
  });

  it('stores a session under the SHA-256 of its cookie id, which is a well-formed public id', () => {
    const cookieId = newCookieSessionId();
    const id = sessionIdOf(cookieId);
    expect(id).not.toBe(cookieId);
    expect(sessionIdOf(cookieId)).toBe(id);
    expect(isSessionId(id)).toBe(true);
    // A known vector: SHA-256("abc"), base64url.
    expect(sessionIdOf('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it.each(['', 'short', `${'a'.repeat(42)}*`, `${'a'.repeat(42)}?`, `${'a'.repeat(42)}/`, 'a'.repeat(44), `{${'a'.repeat(41)}}`])(
    'refuses %s as a session id',
    (value) => {
      expect(isSessionId(value)).toBe(false);
    },
  );
});
