import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { schemaVariables } from './config-schema.js';
import { ConfigError, EXAMPLE_SECRETS, loadConfig } from './load-config.js';

const SECRET = 'a-perfectly-random-secret-of-more-than-32-bytes';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ JWT_SECRET: SECRET });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.tokens).toEqual({ maxDays: 90, defaultDays: 30, perUserMax: 20, rotationGraceSeconds: 300 });
    expect(config.session.ttlSeconds).toBe(86400);
    expect(config.cleanup.cron).toBeUndefined();
    expect(config.alerts).toEqual({ slackWebhookUrl: undefined, cleanupThreshold: 10000, timeoutMs: 5000 });
    expect(config.banTtlSeconds).toBe(604800);
    expect(config.activeUserTtlSeconds).toBe(86400);
    expect(config.tokenCache).toEqual({ ttlMs: 5000, maxEntries: 10000 });
    expect(loadConfig({ JWT_SECRET: SECRET, TOKEN_CACHE_TTL_MS: '0' }).tokenCache.ttlMs).toBe(0);
    expect(config.authFailMode).toBe('closed');
    expect(config.bodyLimitBytes).toBe(10 * 1024 * 1024);
    expect(config.redis.keyPrefix).toBe('llmgw:');
    expect(config.auth0.enabled).toBe(false);
  });

  it('refuses a Redis topology it cannot use, naming the variables and never echoing the value', () => {
    expect(problemsOf({ JWT_SECRET: SECRET, REDIS_SENTINELS: 's1:26379' })).toEqual([
      'REDIS_SENTINEL_NAME is required with REDIS_SENTINELS: the master name the sentinels monitor',
    ]);
    expect(problemsOf({ JWT_SECRET: SECRET, REDIS_SENTINEL_NAME: 'gateway' })).toEqual([
      'REDIS_SENTINEL_NAME is set without REDIS_SENTINELS',
    ]);
    expect(problemsOf({ JWT_SECRET: SECRET, REDIS_CLUSTER_NODES: 'a:1', REDIS_SENTINELS: 'b:2', REDIS_SENTINEL_NAME: 'x' })).toEqual([
      'REDIS_CLUSTER_NODES and REDIS_SENTINELS must not both be set: Redis is either a Cluster or watched by Sentinel',
    ]);
    const bad = problemsOf({ JWT_SECRET: SECRET, REDIS_CLUSTER_NODES: 'secret-host-without-port,x:99999' });
    expect(bad).toEqual(['REDIS_CLUSTER_NODES must be a comma-separated list of host:port']);
    expect(bad.join(' ')).not.toContain('secret-host');
  });

  it('refuses a missing, short or placeholder JWT_SECRET without printing it', () => {
    expect(problemsOf({})).toEqual(['JWT_SECRET is required (at least 32 bytes of random data)']);
    expect(problemsOf({ JWT_SECRET: 'short-secret' })).toEqual(['JWT_SECRET must be at least 32 bytes long']);
    expect(problemsOf({ JWT_SECRET: EXAMPLE_SECRETS[0] })).toEqual(['JWT_SECRET still holds the placeholder from .env.example']);
    const message = (() => {
      try {
        loadConfig({ JWT_SECRET: 'short-secret' });
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    expect(message).not.toContain('short-secret');
  });

  it('collects every problem and names each variable', () => {
    const problems = problemsOf({
      JWT_SECRET: SECRET,
      PORT: 'eighty',
      AUTH_FAIL_MODE: 'sometimes',
      REDIS_URL: 'http://nope',
      TOKEN_DEFAULT_DAYS: '100',
      BODY_LIMIT: 'lots',
    });
    // Each variable's own rule in the schema's order, then the rules across variables.
    expect(problems).toEqual([
      'PORT must be an integer',
      'REDIS_URL must be a redis:// or rediss:// URL',
      'AUTH_FAIL_MODE must be one of: closed, open',
      'BODY_LIMIT must be a size such as 512kb or 10mb',
      'TOKEN_DEFAULT_DAYS must not exceed TOKEN_MAX_DAYS',
    ]);
  });

  it('parses sizes, email lists and path lists', () => {
    const config = loadConfig({
      JWT_SECRET: SECRET,
      BODY_LIMIT: '512kb',
      ADMIN_EMAILS: ' Root@Example.com, ops@example.com ',
      UPSTREAM_ALLOWED_PATHS: '/v1/chat/completions,/v1/models',
    });
    expect(config.bodyLimitBytes).toBe(512 * 1024);
    expect(config.admins.emails).toEqual(['root@example.com', 'ops@example.com']);
    expect(config.upstream.allowedPaths).toEqual(['/v1/chat/completions', '/v1/models']);
  });

  it('refuses allowed paths outside /v1 or with dot segments', () => {
    expect(problemsOf({ JWT_SECRET: SECRET, UPSTREAM_ALLOWED_PATHS: '/key/generate' })).toHaveLength(1);
    expect(problemsOf({ JWT_SECRET: SECRET, UPSTREAM_ALLOWED_PATHS: '/v1/../key' })).toHaveLength(1);
  });

  it('reads the request-side settings with their defaults', () => {
    expect(loadConfig({ JWT_SECRET: SECRET }).requests).toEqual({
      blockedFields: [],
      jsonMaxDepth: 64,
      headersTimeoutMs: 30000,
      requestTimeoutMs: 300000,
      bodyIdleTimeoutMs: 30000,
      upstreamMaxSockets: Infinity,
      upstreamMaxConcurrent: 0,
      upstreamMaxConcurrentPerUser: 0,
    });
    expect(loadConfig({ JWT_SECRET: SECRET, UPSTREAM_MAX_SOCKETS: '64' }).requests.upstreamMaxSockets).toBe(64);
    expect(problemsOf({ JWT_SECRET: SECRET, UPSTREAM_MAX_CONCURRENT: '-1' })).toHaveLength(1);
    expect(loadConfig({ JWT_SECRET: SECRET, UPSTREAM_BLOCKED_FIELDS: ' corp_url ,x-key,' }).requests.blockedFields).toEqual([
      'corp_url',
      'x-key',
    ]);
  });

  it('refuses blocked fields that are not plain names, and a headers timeout above the request timeout', () => {
    expect(problemsOf({ JWT_SECRET: SECRET, UPSTREAM_BLOCKED_FIELDS: 'ok,not ok' })).toEqual([
      'UPSTREAM_BLOCKED_FIELDS entries must be field names of letters, digits and _ . - (at most 128)',
    ]);
    expect(problemsOf({ JWT_SECRET: SECRET, CLIENT_HEADERS_TIMEOUT_MS: '5000', CLIENT_REQUEST_TIMEOUT_MS: '1000' })).toEqual([
      'CLIENT_HEADERS_TIMEOUT_MS must not exceed CLIENT_REQUEST_TIMEOUT_MS',
    ]);
  });

  it('carries /v1 calls with undici unless UPSTREAM_CLIENT says http, and refuses any other client', () => {
    expect(loadConfig({ JWT_SECRET: SECRET }).upstream.client).toBe('undici');
    expect(loadConfig({ JWT_SECRET: SECRET, UPSTREAM_CLIENT: 'http' }).upstream.client).toBe('http');
    expect(problemsOf({ JWT_SECRET: SECRET, UPSTREAM_CLIENT: 'fetch' })).toEqual(['UPSTREAM_CLIENT must be one of: undici, http']);
  });

  it('reads the upstream answer settings, and refuses response headers no client may get', () => {
    const defaults = loadConfig({ JWT_SECRET: SECRET });
    expect(defaults.upstream.idleTimeoutMs).toBe(120000);
    expect(defaults.upstream.responseHeaders).toEqual([]);
    const config = loadConfig({
      JWT_SECRET: SECRET,
      UPSTREAM_IDLE_TIMEOUT_MS: '5000',
      UPSTREAM_RESPONSE_HEADERS: ' X-LiteLLM-Response-Cost, x-ratelimit-remaining-tokens ',
    });
    expect(config.upstream.idleTimeoutMs).toBe(5000);
    expect(config.upstream.responseHeaders).toEqual(['x-litellm-response-cost', 'x-ratelimit-remaining-tokens']);
    for (const name of [
      'set-cookie',
      'x-litellm-key-spend',
      'x-api-key',
      'www-authenticate',
      'x-session-token',
      'transfer-encoding',
      'connection',
      'bad header',
    ]) {
      expect(problemsOf({ JWT_SECRET: SECRET, UPSTREAM_RESPONSE_HEADERS: `x-fine, ${name}` })).toHaveLength(1);
    }
  });

  it('uses Secure __Host- cookies when PUBLIC_URL is https', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, PUBLIC_URL: 'https://gw.example.com/' });
    expect(config.publicUrl).toBe('https://gw.example.com');
    expect(config.session.secureCookie).toBe(true);
    expect(config.session.cookieName.startsWith('__Host-')).toBe(true);
  });

  it('reads CLEANUP_CRON with or without seconds and refuses what is not a cron expression', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, CLEANUP_CRON: '0 3 * * *' }).cleanup.cron).toBe('0 3 * * *');
    expect(loadConfig({ JWT_SECRET: SECRET, CLEANUP_CRON: '*/10 * * * * *' }).cleanup.cron).toBe('*/10 * * * * *');
    for (const bad of ['61 * * * *', 'every hour', '* * * *', '0 0 0 * * * *']) {
      expect(problemsOf({ JWT_SECRET: SECRET, CLEANUP_CRON: bad })).toEqual([
        'CLEANUP_CRON must be a cron expression of 5 fields (minute hour day month weekday), or 6 with seconds first',
      ]);
    }
  });

  it('refuses the replaced CLEANUP_INTERVAL_MINUTES unless it is 0, naming its successor', () => {
    expect(problemsOf({ JWT_SECRET: SECRET, CLEANUP_INTERVAL_MINUTES: '0' })).toEqual([]);
    expect(problemsOf({ JWT_SECRET: SECRET, CLEANUP_INTERVAL_MINUTES: '60' })).toEqual([
      "CLEANUP_INTERVAL_MINUTES is no longer read: set CLEANUP_CRON instead (e.g. '0 */6 * * *' for every 6 hours) and remove it",
    ]);
  });

  it('refuses a SLACK_WEBHOOK_URL that is not http(s) without printing it', () => {
    const problems = problemsOf({ JWT_SECRET: SECRET, SLACK_WEBHOOK_URL: 'ftp://hooks.example.com/T000/B000/secret-part' });
    expect(problems).toEqual(['SLACK_WEBHOOK_URL must be an http(s) URL']);
    expect(problems.join(' ')).not.toContain('secret-part');
  });
});

describe('loadConfig: failing closed', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({ JWT_SECRET: SECRET }).failClosed).toEqual({
      redisAllowEphemeral: false,
      redisCheckIntervalMs: 5000,
      authRefusalLogPerSecond: 10,
      shutdownGraceMs: 30000,
    });
  });

  it('reads the variables and refuses out-of-range values by name', () => {
    const config = loadConfig({
      JWT_SECRET: SECRET,
      REDIS_ALLOW_EPHEMERAL: 'true',
      REDIS_CHECK_INTERVAL_MS: '250',
      AUTH_REFUSAL_LOG_PER_SECOND: '3',
      SHUTDOWN_GRACE_MS: '0',
    });
    expect(config.failClosed).toEqual({
      redisAllowEphemeral: true,
      redisCheckIntervalMs: 250,
      authRefusalLogPerSecond: 3,
      shutdownGraceMs: 0,
    });
    expect(
      problemsOf({ JWT_SECRET: SECRET, REDIS_ALLOW_EPHEMERAL: 'maybe', SHUTDOWN_GRACE_MS: '-1', AUTH_REFUSAL_LOG_PER_SECOND: '0' }),
    ).toEqual([
      'REDIS_ALLOW_EPHEMERAL must be true or false',
      'AUTH_REFUSAL_LOG_PER_SECOND must be between 1 and 10000',
      'SHUTDOWN_GRACE_MS must be between 0 and 3600000',
    ]);
  });
});

describe('the configuration schema', () => {
  it('never puts a value in its messages: every variable set to a bad, secret-looking value', () => {
    const leak = 'sk-live-SECRET-VALUE-%%%';
    const env = Object.fromEntries(schemaVariables().map((name) => [name, leak]));
    let message = '';
    try {
      loadConfig(env);
    } catch (err) {
      message = (err as Error).message;
    }
    // Many variables refuse it, each by name; none repeats it.
    expect(message).toContain('PORT must be an integer');
    expect(message).toContain('JWT_SECRET must be at least 32 bytes long');
    expect(message).toContain('SLACK_WEBHOOK_URL must be an http(s) URL');
    expect(message).not.toContain('SECRET-VALUE');
  });

  it('lists every variable it reads in .env.example', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const missing = schemaVariables().filter((name) => !new RegExp(`^#?\\s*${name}=`, 'm').test(example));
    expect(missing).toEqual([]);
  });
});
