import { describe, expect, it } from '@jest/globals';
import { readCredentials } from './request-credentials.js';

describe('readCredentials', () => {
  it('reads a Bearer token', () => {
    expect(readCredentials({ authorization: 'Bearer abc.def.ghi' })).toEqual({ kind: 'token', token: 'abc.def.ghi' });
  });

  it('reads x-api-key', () => {
    expect(readCredentials({ 'x-api-key': 'abc.def.ghi' })).toEqual({ kind: 'token', token: 'abc.def.ghi' });
  });

  it('accepts the same token in both headers', () => {
    expect(readCredentials({ authorization: 'bearer t', 'x-api-key': 't' })).toEqual({ kind: 'token', token: 't' });
  });

  it('refuses two different credentials', () => {
    expect(readCredentials({ authorization: 'Bearer a', 'x-api-key': 'b' })).toEqual({ kind: 'invalid' });
  });

  it('refuses other authorization schemes', () => {
    expect(readCredentials({ authorization: 'Basic dXNlcjpwYXNz' })).toEqual({ kind: 'invalid' });
    expect(readCredentials({ authorization: 'Bearer a b' })).toEqual({ kind: 'invalid' });
  });

  it('finds nothing when no header is sent', () => {
    expect(readCredentials({})).toEqual({ kind: 'none' });
  });
});
