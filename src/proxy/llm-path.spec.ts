import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ALLOWED_PATHS } from '../config/load-config.js';
import { allowedLlmPath } from './llm-path.js';

describe('allowedLlmPath', () => {
  it.each([
    '/v1/chat/completions',
    '/v1/messages',
    '/v1/messages/count_tokens',
    '/v1/models',
    '/v1/models/claude-3-5-sonnet-20241022',
    '/v1/embeddings?foo=bar',
    '/v1/responses',
  ])('lets %s through', (url) => {
    expect(allowedLlmPath(url, DEFAULT_ALLOWED_PATHS)).not.toBeNull();
  });

  it.each([
    '/v1/../key/generate',
    '/v1/chat/../../key/generate',
    '/v1/chat/completions/..',
    '/v1/%2e%2e/key/generate',
    '/v1/chat%2fcompletions',
    '/v1/chat%2Fcompletions',
    '/v1/chat\\completions',
    '/v1//chat/completions',
    '/v1/./chat/completions',
    '/v1/models/..;/..;/key/generate',
    '/v1/chat/completions;jsessionid=x',
    'http://evil.example/v1/chat/completions',
    '//evil.example/v1/chat/completions',
    '/key/generate',
    '/user/new',
    '/config/update',
    '/v1/key/generate',
    '/v1/chat/completionsX',
    '/v1',
    '/v1/',
    '*',
  ])('refuses %s', (url) => {
    expect(allowedLlmPath(url, DEFAULT_ALLOWED_PATHS)).toBeNull();
  });

  it('honours a configured allowlist', () => {
    expect(allowedLlmPath('/v1/embeddings', ['/v1/chat/completions'])).toBeNull();
  });
});
