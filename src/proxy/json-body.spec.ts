import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from '@jest/globals';
import { stampBodyIdentity } from './identity.js';
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

  const PATHS = ['/v1/chat/completions', '/v1/messages', '/v1/messages/count_tokens', '/v1/embeddings'];
  const BODIES = [
    '{"model":"m","messages":[{"role":"user","content":"hi"}]}',
    ' \n{ "model" : "m" ,\t"stream": true }\r\n ',
    '{}',
    '{ }',
    '{"model":"m","n":1.50,"big":12345678901234567890,"e":1e2}',
    '{"model":"m","content":"caf\u00e9 \ud83d\ude00 ünïcödé 日本 \\"quoted\\" \\\\ }"}',
    '{"model":"m","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}',
    '{"model":"m","user":"mallory"}',
    '{"model":"m","metadata":{"user_id":"mallory","tag":"x"}}',
    '{"model":"m","litellm_metadata":{"user":"mallory"}}',
    '{"model":"m","safety_identifier":"mallory"}',
    '{"model":"m","\u0075ser":"mallory"}',
  ];

  it('says what stamping and re-encoding say, for bodies with and without identity fields, on every API family', () => {
    for (const path of PATHS) {
      for (const text of BODIES) {
        const expected = JSON.parse(text) as Record<string, unknown>;
        stampBodyIdentity(expected, 'alice@example.com', path);
        const out = restampJsonBody(Buffer.from(text), 'alice@example.com', path, rules);
        expect(isUtf8(out)).toBe(true);
        expect(JSON.parse(out.toString())).toEqual(expected);
      }
    }
  });

  it('keeps the bytes of a body without identity fields (numbers as written), adding the identity last', () => {
    const text = '{"model":"m","big":12345678901234567890,"n":1.50}';
    const out = restampJsonBody(Buffer.from(text), 'alice@example.com', '/v1/chat/completions', rules).toString();
    expect(out).toBe('{"model":"m","big":12345678901234567890,"n":1.50,"user":"alice@example.com"}');
    const anthropic = restampJsonBody(Buffer.from('{"model":"m"}'), 'alice@example.com', '/v1/messages', rules).toString();
    expect(anthropic).toBe('{"model":"m","metadata":{"user_id":"alice@example.com"}}');
  });

  it('re-encodes a body that is not valid UTF-8, so the upstream never reads other text than the gateway checked', () => {
    // An overlong encoding of '"' (0xC0 0xA2): the gateway reads replacement characters; a lenient
    // decoder upstream could read a quote and close the string early.
    const raw = Buffer.concat([Buffer.from('{"model":"m","content":"a'), Buffer.from([0xc0, 0xa2]), Buffer.from('"}')]);
    const out = restampJsonBody(raw, 'alice@example.com', '/v1/chat/completions', rules);
    expect(isUtf8(out)).toBe(true);
    expect(out.includes(Buffer.from([0xc0, 0xa2]))).toBe(false);
    expect(JSON.parse(out.toString())).toEqual({ model: 'm', content: 'a\ufffd\ufffd', user: 'alice@example.com' });
  });
});
