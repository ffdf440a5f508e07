import { describe, expect, it } from '@jest/globals';
import { BUILT_IN_BLOCKED_FIELDS, SteeringFields } from './steering-fields.js';

describe('SteeringFields', () => {
  const sut = new SteeringFields(['my_proxy_url']);

  it('finds a blocked field at the top level, in any case', () => {
    expect(sut.findIn({ model: 'm', api_base: 'http://evil.test' })).toBe('api_base');
    expect(sut.findIn({ model: 'm', API_KEY: 'sk' })).toBe('API_KEY');
  });

  it('finds a blocked field one level down in the objects LiteLLM reads settings from', () => {
    expect(sut.findIn({ metadata: { tags: [], aws_access_key_id: 'x' } })).toBe('metadata.aws_access_key_id');
    expect(sut.findIn({ litellm_metadata: { langfuse_host: 'http://evil.test' } })).toBe('litellm_metadata.langfuse_host');
  });

  it('adds the configured names to the built-in list', () => {
    expect(sut.findIn({ my_proxy_url: 'x' })).toBe('my_proxy_url');
    expect(new SteeringFields().findIn({ my_proxy_url: 'x' })).toBeNull();
  });

  it('passes ordinary bodies, and blocked names deeper than the setting objects (message text, tool schemas)', () => {
    expect(
      sut.findIn({
        model: 'm',
        user: 'u',
        messages: [{ role: 'user', content: 'api_key' }],
        tools: [{ type: 'function', function: { parameters: { properties: { api_key: { type: 'string' } } } } }],
        metadata: { user_id: 'u', tags: ['a'] },
        organization: 'org-1',
      }),
    ).toBeNull();
  });

  it('finds a blocked name in the query string, decoded, in any case, with "-" and "_" alike', () => {
    expect(sut.findInQuery('/v1/chat/completions?api-version=2024-01-01')).toBe('api-version');
    expect(sut.findInQuery('/v1/models?limit=1&API_BASE=x')).toBe('API_BASE');
    expect(sut.findInQuery('/v1/models?aws%5Fsecret_access_key=k')).toBe('aws_secret_access_key');
    expect(sut.findInQuery('/v1/models?my-proxy-url')).toBe('my-proxy-url');
  });

  it('passes targets without a query, and queries of ordinary parameters or values', () => {
    expect(sut.findInQuery('/v1/models')).toBeNull();
    expect(sut.findInQuery('/v1/models?limit=2&after=api_base&api_base_x=1')).toBeNull();
    // Credential parameters are dropped from the forwarded query instead (query-credentials.ts).
    expect(sut.findInQuery('/v1/models?api_key=k&API-KEY=k&api%5Fkey=k&key=k')).toBeNull();
  });

  it('keeps the built-in list free of duplicates', () => {
    expect(new Set(BUILT_IN_BLOCKED_FIELDS).size).toBe(BUILT_IN_BLOCKED_FIELDS.length);
  });
});
