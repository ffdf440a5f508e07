import { describe, expect, it } from '@jest/globals';
import type { IncomingHttpHeaders } from 'node:http';
import { readCredentials } from './request-credentials.js';

/** A request as Node parses it: raw headers in order, and the parsed ones (first Authorization wins). */
function req(...raw: Array<[string, string]>): { headers: IncomingHttpHeaders; rawHeaders: string[] } {
  const headers: Record<string, string> = {};
  for (const [name, value] of raw) {
    const n = name.toLowerCase();
    if (n === 'authorization') headers[n] ??= value;
    else headers[n] = headers[n] === undefined ? value : `${headers[n]}, ${value}`;
  }
  return { headers, rawHeaders: raw.flat() };
}

describe('readCredentials', () => {
  it('reads a Bearer token', () => {
    expect(readCredentials(req(['Authorization', 'Bearer abc.def.ghi']))).toEqual({ kind: 'token', token: 'abc.def.ghi' });
  });

  it('reads x-api-key', () => {
    expect(readCredentials(req(['x-api-key', 'abc.def.ghi']))).toEqual({ kind: 'token', token: 'abc.def.ghi' });
  });

  it('accepts the same token in both headers', () => {
    expect(readCredentials(req(['authorization', 'bearer t'], ['X-Api-Key', 't']))).toEqual({ kind: 'token', token: 't' });
  });

  it('refuses two different credentials', () => {
    expect(readCredentials(req(['authorization', 'Bearer a'], ['x-api-key', 'b']))).toEqual({ kind: 'invalid' });
  });

  it('refuses other authorization schemes', () => {
    expect(readCredentials(req(['authorization', 'Basic dXNlcjpwYXNz']))).toEqual({ kind: 'invalid' });
    expect(readCredentials(req(['authorization', 'Bearer a b']))).toEqual({ kind: 'invalid' });
  });

  it('refuses a credential header sent twice, even with the same value', () => {
    expect(readCredentials(req(['Authorization', 'Bearer a'], ['authorization', 'Bearer b']))).toEqual({ kind: 'invalid' });
    expect(readCredentials(req(['Authorization', 'Bearer a'], ['AUTHORIZATION', 'Bearer a']))).toEqual({ kind: 'invalid' });
    expect(readCredentials(req(['x-api-key', 'a'], ['X-API-KEY', 'a']))).toEqual({ kind: 'invalid' });
  });

  it('finds nothing when no header is sent', () => {
    expect(readCredentials(req())).toEqual({ kind: 'none' });
  });
});
