import { describe, expect, it } from '@jest/globals';
import { InvalidInputError } from './domain-errors.js';
import { decodeCursor, encodeCursor, searchNeedle } from './list-cursor.js';

describe('list cursors', () => {
  it('round-trips a position', () => {
    const cursor = encodeCursor({ score: 1764575000123, member: 'a*b?@example.com' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor ?? undefined)).toEqual({ score: 1764575000123, member: 'a*b?@example.com' });
  });

  it('means the first page when absent', () => {
    expect(decodeCursor(undefined)).toBeNull();
    expect(decodeCursor('')).toBeNull();
    expect(encodeCursor(null)).toBeNull();
  });

  it.each([
    ['not base64 JSON', 'bm90IGpzb24'],
    ['an empty object', Buffer.from('{}').toString('base64url')],
    ['a string score', Buffer.from('{"s":"1","m":"a"}').toString('base64url')],
    ['an infinite score', Buffer.from('{"s":1e400,"m":"a"}').toString('base64url')],
    ['an empty member', Buffer.from('{"s":1,"m":""}').toString('base64url')],
    ['a huge member', Buffer.from(JSON.stringify({ s: 1, m: 'x'.repeat(600) })).toString('base64url')],
    ['null', Buffer.from('null').toString('base64url')],
  ])('refuses %s', (_label, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(InvalidInputError);
  });
});

describe('searchNeedle', () => {
  it('keeps glob characters as they are, lower-cased and trimmed', () => {
    expect(searchNeedle('  A*B?[x]\\ ')).toBe('a*b?[x]\\');
  });

  it('treats an empty search as none', () => {
    expect(searchNeedle('   ')).toBeUndefined();
    expect(searchNeedle(undefined)).toBeUndefined();
  });
});
