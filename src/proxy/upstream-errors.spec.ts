import { describe, expect, it } from '@jest/globals';
import { redactSecrets, UPSTREAM_ERROR_LOG_BYTES, upstreamErrorExcerpt } from './upstream-errors.js';

describe('redactSecrets', () => {
  it.each([
    ['an environment assignment', 'LITELLM_MASTER_KEY=sk-1234567890abcdef', 'LITELLM_MASTER_KEY=[REDACTED]', 'sk-1234567890abcdef'],
    ['a quoted assignment', "AZURE_API_SECRET='s3cr3t value'", 'AZURE_API_SECRET=[REDACTED]', 's3cr3t'],
    ['a database URL', 'DATABASE_URL=postgresql://llm:hunter2@db:5432/litellm', 'DATABASE_URL=[REDACTED]', 'hunter2'],
    ['a password in a query', 'connect?user=a&password=hunter2&x=1', 'password=[REDACTED]&x=1', 'hunter2'],
    ['credentials in a URL', 'could not reach redis://:r3dispass@cache:6379/0', 'redis://[REDACTED]@cache:6379/0', 'r3dispass'],
    [
      'a bearer token',
      'sent Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig to the backend',
      'Bearer [REDACTED] to the backend',
      'eyJhbGciOiJIUzI1NiJ9',
    ],
    ['an Authorization header line', 'Authorization: Basic dXNlcjpwYXNz\nnext', 'Authorization: [REDACTED]\nnext', 'dXNlcjpwYXNz'],
    ['an x-api-key header in a dict', "headers={'x-api-key': 'abc123def'}", "'x-api-key': '[REDACTED]", 'abc123def'],
    ['a JSON key', '{"api_key": "not-an-sk-key", "model": "gpt"}', '"api_key": "[REDACTED]", "model": "gpt"', 'not-an-sk-key'],
    [
      'a JSON key inside a JSON-encoded message',
      String.raw`{"message":"bad config {\"aws_secret_access_key\": \"wJalrXUtnFEMI\"}"}`,
      '"aws_secret_access_key": "[REDACTED]"',
      'wJalrXUtnFEMI',
    ],
    ['a bare provider key', 'Incorrect API key provided: sk-proj-abcdefghijklmnop.', 'sk-[REDACTED]', 'abcdefghijklmnop'],
    ['an AWS access key id', 'key id AKIAIOSFODNN7EXAMPLE was refused', 'key id [REDACTED] was refused', 'AKIAIOSFODNN7EXAMPLE'],
  ])('redacts %s', (_label, input, expected, secret) => {
    const out = redactSecrets(input);
    expect(out).toContain(expected);
    expect(out).not.toContain(secret);
  });

  it('leaves text without secrets as it is', () => {
    const text = 'litellm.InternalServerError: model gpt-4o timed out after 600s (deployment eu-1)';
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('upstreamErrorExcerpt', () => {
  it('keeps a short body whole, redacted and on one line', () => {
    const excerpt = upstreamErrorExcerpt(Buffer.from('Traceback:\n  PASSWORD=abc\n'), false);
    expect(excerpt).toBe(JSON.stringify('Traceback:\n  PASSWORD=[REDACTED]\n'));
  });

  it('cuts a long body before its last partial word, so a cut secret is not left behind', () => {
    const body = Buffer.from(`${'x '.repeat(UPSTREAM_ERROR_LOG_BYTES / 2 - 10)}postgres://user:hunter2-and-more-of-it@db`);
    const excerpt = upstreamErrorExcerpt(body, true);
    expect(excerpt).not.toContain('hunter2');
    expect(excerpt).toContain('[truncated]');
    expect(excerpt.length).toBeLessThan(UPSTREAM_ERROR_LOG_BYTES + 32);
  });
});
