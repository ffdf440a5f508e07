import { describe, expect, it } from '@jest/globals';
import { describeValue, toError } from './unknown-value.js';

describe('describeValue', () => {
  it('gives strings as they are and other primitives as String() does', () => {
    expect(describeValue('a b')).toBe('a b');
    expect(describeValue(200)).toBe('200');
    expect(describeValue(false)).toBe('false');
    expect(describeValue(10n)).toBe('10');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
  });

  it('prints plain objects and arrays as JSON, never as [object Object]', () => {
    expect(describeValue({ a: 1, b: ['x'] })).toBe('{"a":1,"b":["x"]}');
    expect(describeValue([{ a: 1 }, 'y'])).toBe('[{"a":1},"y"]');
    expect(describeValue(Object.assign(Object.create(null) as object, { a: 1 }))).toBe('{"a":1}');
  });

  it('uses the toString of objects that have their own', () => {
    expect(describeValue(new Error('boom'))).toBe('Error: boom');
    expect(describeValue(new URL('http://example.test/x'))).toBe('http://example.test/x');
  });

  it('still describes what JSON cannot hold', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    expect(describeValue(circular)).toBe('<ref *1> { a: 1, self: [Circular *1] }');
    expect(describeValue({ n: 1n })).toBe('{ n: 1n }');
  });
});

describe('toError', () => {
  it('gives an Error back as it is', () => {
    const err = new TypeError('bad');
    expect(toError(err)).toBe(err);
  });

  it('wraps anything else, keeping it as the cause', () => {
    const thrown = { code: 'E_X' };
    const err = toError(thrown);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('{"code":"E_X"}');
    expect(err.cause).toBe(thrown);
    expect(toError('plain text').message).toBe('plain text');
  });
});
