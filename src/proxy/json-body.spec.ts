import { describe, expect, it } from '@jest/globals';
import { nestsDeeperThan, parseJsonObject, restampJsonBody } from './json-body.js';
import { BlockedFieldError, InvalidBodyError } from './request-body.js';
import { SteeringFields } from './steering-fields.js';

const nested = (depth: number): string => `${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}`;

describe('nestsDeeperThan', () => {
  it('counts the top object as level 1 and every array or object inside as one more', () => {
    expect(nestsDeeperThan({ a: { b: [1] } }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: { b: [[1]] } }, 3)).toBe(true);
    expect(nestsDeeperThan({ a: 'x', b: 1, c: null }, 1)).toBe(false);
  });

  it('stops at the limit on nesting far too deep to re-encode', () => {
    const value = JSON.parse(`{"a":${nested(100_000)}}`) as object;
    expect(nestsDeeperThan(value, 64)).toBe(true);
  });
});

describe('parseJsonObject', () => {
  it('refuses text that is not a JSON object, and objects nested deeper than the limit', () => {
    for (const text of ['{"a":', '[]', '"s"', 'null']) expect(() => parseJsonObject(text, 64)).toThrow(InvalidBodyError);
    expect(() => parseJsonObject(`{"a":${nested(65)}}`, 64)).toThrow('deeper than 64 levels');
    expect(parseJsonObject(`{"a":${nested(64)}}`, 64)).toEqual({ a: JSON.parse(nested(64)) as unknown });
  });
});

describe('restampJsonBody', () => {
  const rules = { steering: new SteeringFields(), maxDepth: 64 };

  it('stamps the identity and re-encodes', () => {
    const out = restampJsonBody(Buffer.from('{"model":"m","user":"mallory"}'), 'alice@example.com', '/v1/chat/completions', rules);
    expect(JSON.parse(out.toString())).toEqual({ model: 'm', user: 'alice@example.com' });
  });

  it('refuses a steering field, naming it', () => {
    const raw = Buffer.from('{"model":"m","metadata":{"api_base":"http://evil.test"}}');
    expect(() => restampJsonBody(raw, 'alice@example.com', '/v1/chat/completions', rules)).toThrow(BlockedFieldError);
    expect(() => restampJsonBody(raw, 'alice@example.com', '/v1/chat/completions', rules)).toThrow('metadata.api_base');
  });
});
