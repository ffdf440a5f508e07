import { CronTime } from 'cron';
import { canonicalEmail, isCanonicalEmail } from '../common/email.js';
import type { AppConfig, AuthFailMode, RedisNodeAddress, RedisTopologyConfig } from './app-config.js';

/** The placeholder secrets shipped in .env.example; the gateway refuses to run with them. */
export const EXAMPLE_SECRETS: readonly string[] = [
  'change-me-to-a-random-string-of-at-least-32-bytes',
  'change-me-to-another-random-string-of-32-bytes',
];

export const DEFAULT_ALLOWED_PATHS: readonly string[] = [
  '/v1/messages',
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/responses',
  '/v1/models',
  '/v1/moderations',
  '/v1/audio',
  '/v1/images',
  '/v1/rerank',
];

/** Response headers no configuration may pass to clients: cookies, anything key- or secret-like, hop-by-hop. */
const UNPASSABLE_RESPONSE_HEADER =
  /cookie|key|secret|passw|token(?!s)|credential|auth|^(connection|keep-alive|proxy-.*|te|trailer|transfer-encoding|upgrade)$/;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** LOG_LEVEL in Nest's names or pino's. */
const LOG_LEVEL_ALIASES = { error: 'error', warn: 'warn', log: 'log', info: 'log', debug: 'debug', verbose: 'verbose', trace: 'verbose' } as const;

/**
 * Reads and validates the environment. Collects every problem before failing, and names
 * the variable and the rule in each message, never the value (it may be a secret).
 */
export function loadConfig(env: Env): AppConfig {
  const problems: string[] = [];
  const r = new EnvReader(env, problems);

  const publicUrlRaw = r.url('PUBLIC_URL', `http://127.0.0.1:${r.peekInt('PORT', 8080)}`);
  const publicUrl = publicUrlRaw.replace(/\/+$/, '');
  const isHttps = publicUrl.startsWith('https://');

  const jwtSecret = r.secret('JWT_SECRET', true);
  const maxDays = r.int('TOKEN_MAX_DAYS', 90, 1, 3650);
  const defaultDays = r.int('TOKEN_DEFAULT_DAYS', 30, 1, 3650);
  if (defaultDays > maxDays) problems.push('TOKEN_DEFAULT_DAYS must not exceed TOKEN_MAX_DAYS');

  const auth0Domain = r.str('AUTH0_DOMAIN', '');
  const auth0ClientId = r.str('AUTH0_CLIENT_ID', '');
  const auth0ClientSecret = r.str('AUTH0_CLIENT_SECRET', '');
  const auth0Enabled = auth0Domain !== '' && auth0ClientId !== '' && auth0ClientSecret !== '';
  const sessionSecret = r.secret('SESSION_SECRET', auth0Enabled);

  const authFailMode = r.oneOf('AUTH_FAIL_MODE', ['closed', 'open'] as const, 'closed') as AuthFailMode;

  const config: AppConfig = {
    nodeEnv: r.str('NODE_ENV', 'production'),
    port: r.int('PORT', 8080, 0, 65535),
    host: r.str('HOST', '127.0.0.1'),
    publicUrl,
    trustProxy: r.trustProxy('TRUST_PROXY'),
    // pino's names are accepted too: info is log, trace is verbose.
    logLevel: LOG_LEVEL_ALIASES[r.oneOf('LOG_LEVEL', ['error', 'warn', 'log', 'info', 'debug', 'verbose', 'trace'] as const, 'log')],
    logFormat: r.oneOf('LOG_FORMAT', ['json', 'pretty'] as const, 'json'),
    redis: {
      url: r.redisUrl('REDIS_URL', 'redis://127.0.0.1:6379'),
      topology: r.redisTopology(),
      keyPrefix: r.keyPrefix('REDIS_KEY_PREFIX', 'llmgw:'),
      connectTimeoutMs: r.int('REDIS_CONNECT_TIMEOUT_MS', 2000, 100, 60000),
      commandTimeoutMs: r.int('REDIS_COMMAND_TIMEOUT_MS', 1000, 50, 60000),
      replicaWaitMs: r.int('REDIS_REPLICA_WAIT_MS', 500, 0, 10000),
    },
    jwt: {
      secret: jwtSecret,
      issuer: r.str('JWT_ISSUER', 'llm-gateway'),
      audience: r.str('JWT_AUDIENCE', 'llm-gateway-api'),
    },
    tokens: {
      maxDays,
      defaultDays,
      perUserMax: r.int('TOKENS_PER_USER_MAX', 20, 1, 10000),
      rotationGraceSeconds: r.int('TOKEN_ROTATION_GRACE_SECONDS', 300, 0, 86400),
    },
    upstream: {
      url: r.url('UPSTREAM_URL', 'http://127.0.0.1:4000').replace(/\/+$/, ''),
      apiKey: r.str('UPSTREAM_API_KEY', ''),
      authHeader: r.oneOf('UPSTREAM_AUTH_HEADER', ['authorization', 'x-api-key'] as const, 'authorization'),
      timeoutMs: r.int('UPSTREAM_TIMEOUT_MS', 600000, 1000, 3600000),
      allowedPaths: r.pathList('UPSTREAM_ALLOWED_PATHS', DEFAULT_ALLOWED_PATHS),
      idleTimeoutMs: r.int('UPSTREAM_IDLE_TIMEOUT_MS', 120000, 100, 3600000),
      responseHeaders: r.responseHeaderList('UPSTREAM_RESPONSE_HEADERS'),
    },
    banTtlSeconds: r.int('BAN_TTL_SECONDS', 604800, 60, 31536000),
    activeUserTtlSeconds: r.int('ACTIVE_USER_TTL_SECONDS', 86400, 60, 31536000),
    authFailMode,
    bodyLimitBytes: r.bytes('BODY_LIMIT', '10mb'),
    auth0: {
      enabled: auth0Enabled,
      domain: auth0Domain,
      clientId: auth0ClientId,
      clientSecret: auth0ClientSecret,
      callbackUrl: r.url('AUTH0_CALLBACK_URL', `${publicUrl}/auth/callback`),
      issuerBaseUrl: r.url('AUTH0_ISSUER_BASE_URL', auth0Domain ? `https://${auth0Domain}/` : 'https://invalid.local/'),
      caFile: r.optional('AUTH0_CA_FILE'),
    },
    session: {
      secret: sessionSecret,
      ttlSeconds: r.int('SESSION_TTL_SECONDS', 86400, 60, 2592000),
      idleSeconds: r.int('SESSION_IDLE_SECONDS', 3600, 60, 2592000),
      cookieName: isHttps ? '__Host-llmgw.sid' : 'llmgw.sid',
      secureCookie: isHttps,
    },
    admins: {
      emails: r.emailList('ADMIN_EMAILS'),
      domains: r.domainList('ADMIN_DOMAINS'),
      superAdminEmail: r.optionalEmail('SUPER_ADMIN_EMAIL'),
    },
    cleanup: {
      logRetentionDays: r.int('CLEANUP_LOG_RETENTION_DAYS', 30, 1, 3650),
      cron: r.cron('CLEANUP_CRON'),
    },
    alerts: {
      slackWebhookUrl: r.optionalUrl('SLACK_WEBHOOK_URL'),
      cleanupThreshold: r.int('CLEANUP_ALERT_THRESHOLD', 10000, 0, 1_000_000_000),
      timeoutMs: r.int('ALERT_TIMEOUT_MS', 5000, 100, 60000),
    },
    audit: {
      retentionDays: r.int('AUDIT_RETENTION_DAYS', 90, 1, 3650),
    },
    docs: {
      enabled: r.bool('DOCS_ENABLED', true),
    },
    observability: {
      metricsToken: r.secretOfAtLeast('METRICS_TOKEN', 16),
    },
    requests: {
      blockedFields: r.fieldList('UPSTREAM_BLOCKED_FIELDS'),
      jsonMaxDepth: r.int('JSON_MAX_DEPTH', 64, 2, 512),
      headersTimeoutMs: r.int('CLIENT_HEADERS_TIMEOUT_MS', 30000, 100, 600000),
      requestTimeoutMs: r.int('CLIENT_REQUEST_TIMEOUT_MS', 300000, 100, 3600000),
      bodyIdleTimeoutMs: r.int('CLIENT_BODY_IDLE_TIMEOUT_MS', 30000, 100, 600000),
      // 0 (the default) leaves the agent unbounded: long streams must never wait in silence for a socket.
      upstreamMaxSockets: r.int('UPSTREAM_MAX_SOCKETS', 0, 0, 1_000_000) || Infinity,
      upstreamMaxConcurrent: r.int('UPSTREAM_MAX_CONCURRENT', 0, 0, 1_000_000),
      upstreamMaxConcurrentPerUser: r.int('UPSTREAM_MAX_CONCURRENT_PER_USER', 0, 0, 1_000_000),
    },
    failClosed: {
      redisAllowEphemeral: r.bool('REDIS_ALLOW_EPHEMERAL', false),
      redisCheckIntervalMs: r.int('REDIS_CHECK_INTERVAL_MS', 5000, 100, 3600000),
      authRefusalLogPerSecond: r.int('AUTH_REFUSAL_LOG_PER_SECOND', 10, 1, 10000),
      shutdownGraceMs: r.int('SHUTDOWN_GRACE_MS', 30000, 0, 3600000),
    },
  };
  if (config.requests.headersTimeoutMs > config.requests.requestTimeoutMs) {
    problems.push('CLIENT_HEADERS_TIMEOUT_MS must not exceed CLIENT_REQUEST_TIMEOUT_MS');
  }

  // Replaced by CLEANUP_CRON: refused rather than ignored, so an upgrade cannot silently stop scheduled cleanups.
  if ((r.optional('CLEANUP_INTERVAL_MINUTES') ?? '0') !== '0') {
    problems.push("CLEANUP_INTERVAL_MINUTES is no longer read: set CLEANUP_CRON instead (e.g. '0 */6 * * *' for every 6 hours) and remove it");
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  str(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  peekInt(name: string, fallback: number): number {
    const value = Number(this.raw(name));
    return Number.isInteger(value) ? value : fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value)) {
      this.problems.push(`${name} must be an integer`);
      return fallback;
    }
    const n = Number(value);
    if (n < min || n > max) {
      this.problems.push(`${name} must be between ${min} and ${max}`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    this.problems.push(`${name} must be true or false`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name} must be one of: ${allowed.join(', ')}`);
    return fallback;
  }

  url(name: string, fallback: string): string {
    const value = this.raw(name) ?? fallback;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
    } catch {
      this.problems.push(`${name} must be an http(s) URL`);
    }
    return value;
  }

  /** An optional secret of at least `minLength` characters; its value never appears in a message. */
  secretOfAtLeast(name: string, minLength: number): string | undefined {
    const value = this.raw(name);
    if (value !== undefined && value.length < minLength) this.problems.push(`${name} must be at least ${minLength} characters`);
    return value;
  }

  /** An optional http(s) URL; its value never appears in a message (webhook URLs hold secrets). */
  optionalUrl(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
    } catch {
      this.problems.push(`${name} must be an http(s) URL`);
    }
    return value;
  }

  /** An optional cron expression: 5 fields, or 6 with seconds first. */
  cron(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const fields = value.split(/\s+/).length;
    if ((fields !== 5 && fields !== 6) || !CronTime.validateCronExpression(value).valid) {
      this.problems.push(`${name} must be a cron expression of 5 fields (minute hour day month weekday), or 6 with seconds first`);
    }
    return value;
  }

  redisUrl(name: string, fallback: string): string {
    const value = this.raw(name) ?? fallback;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error('scheme');
    } catch {
      this.problems.push(`${name} must be a redis:// or rediss:// URL`);
    }
    return value;
  }

  /**
   * REDIS_CLUSTER_NODES wins over REDIS_SENTINELS, which wins over REDIS_URL's host (whose
   * password and TLS still apply). Setting both lists is refused: one of them is a mistake.
   */
  redisTopology(): RedisTopologyConfig {
    const cluster = this.nodeList('REDIS_CLUSTER_NODES');
    const sentinels = this.nodeList('REDIS_SENTINELS');
    const name = this.raw('REDIS_SENTINEL_NAME');
    const sentinelPassword = this.raw('REDIS_SENTINEL_PASSWORD');
    if (cluster !== undefined && sentinels !== undefined) {
      this.problems.push('REDIS_CLUSTER_NODES and REDIS_SENTINELS must not both be set: Redis is either a Cluster or watched by Sentinel');
    }
    if (cluster !== undefined) return { kind: 'cluster', nodes: cluster };
    if (sentinels !== undefined) {
      if (name === undefined || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
        this.problems.push('REDIS_SENTINEL_NAME is required with REDIS_SENTINELS: the master name the sentinels monitor (letters, digits, _ . -)');
      }
      return { kind: 'sentinel', sentinels, name: name ?? '', sentinelPassword };
    }
    if (name !== undefined) this.problems.push('REDIS_SENTINEL_NAME is set without REDIS_SENTINELS');
    return { kind: 'single' };
  }

  /** A comma-separated `host:port` list, or undefined when the variable is not set. */
  private nodeList(name: string): RedisNodeAddress[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const nodes: RedisNodeAddress[] = [];
    for (const item of value.split(',').map((part) => part.trim())) {
      const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(item);
      const port = match ? Number(match[2]) : 0;
      if (!match || port < 1 || port > 65535) {
        this.problems.push(`${name} must be a comma-separated list of host:port`);
        return [];
      }
      nodes.push({ host: match[1].replace(/^\[|\]$/g, ''), port });
    }
    return nodes;
  }

  keyPrefix(name: string, fallback: string): string {
    const value = this.raw(name) ?? fallback;
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(value)) {
      this.problems.push(`${name} may only hold letters, digits and _ . : - (at most 64)`);
    }
    return value;
  }

  /** A secret must be present (when required), at least 32 bytes, and not the .env.example placeholder. */
  secret(name: string, required: boolean): string {
    const value = this.raw(name);
    if (value === undefined) {
      if (required) this.problems.push(`${name} is required (at least 32 bytes of random data)`);
      return '';
    }
    if (Buffer.byteLength(value, 'utf8') < 32) this.problems.push(`${name} must be at least 32 bytes long`);
    if (EXAMPLE_SECRETS.includes(value)) this.problems.push(`${name} still holds the placeholder from .env.example`);
    return value;
  }

  bytes(name: string, fallback: string): number {
    const value = (this.raw(name) ?? fallback).toLowerCase();
    const match = /^(\d+)\s*(b|kb|mb|gb)?$/.exec(value);
    if (!match) {
      this.problems.push(`${name} must be a size such as 512kb or 10mb`);
      return 10 * 1024 * 1024;
    }
    const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? 'b') as 'b' | 'kb' | 'mb' | 'gb'];
    return Number(match[1]) * unit;
  }

  trustProxy(name: string): boolean | number | string {
    const value = this.raw(name);
    if (value === undefined || value === 'false') return false;
    if (value === 'true') return true;
    if (/^\d+$/.test(value)) return Number(value);
    return value;
  }

  pathList(name: string, fallback: readonly string[]): readonly string[] {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const items = value.split(',').map((p) => p.trim()).filter(Boolean);
    for (const item of items) {
      if (!/^\/v1(\/[A-Za-z0-9_.-]+)+$/.test(item) || item.includes('..')) {
        this.problems.push(`${name} entries must be plain paths under /v1, such as /v1/chat/completions`);
        break;
      }
    }
    return items;
  }

  /** A comma list of JSON field names (letters, digits, _ . -). */
  fieldList(name: string): readonly string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const items = value.split(',').map((f) => f.trim()).filter(Boolean);
    if (items.some((item) => !/^[A-Za-z0-9_.-]{1,128}$/.test(item))) {
      this.problems.push(`${name} entries must be field names of letters, digits and _ . - (at most 128)`);
    }
    return items;
  }

  /**
   * Extra upstream response headers for clients. Names that carry credentials or cookies, or that
   * describe the gateway's own connection, are refused: no setting can hand them to clients.
   */
  responseHeaderList(name: string): readonly string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const items = value.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
    for (const item of items) {
      if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(item)) {
        this.problems.push(`${name} entries must be header names`);
        break;
      }
      if (UNPASSABLE_RESPONSE_HEADER.test(item)) {
        this.problems.push(`${name} may not name cookie, credential or hop-by-hop headers`);
        break;
      }
    }
    return items;
  }

  emailList(name: string): readonly string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const out: string[] = [];
    for (const item of value.split(',').map((e) => e.trim()).filter(Boolean)) {
      const email = canonicalEmail(item);
      if (email === null) {
        this.problems.push(`${name} holds an entry that is not a plain email address`);
        continue;
      }
      out.push(email);
    }
    return out;
  }

  optionalEmail(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const email = canonicalEmail(value);
    if (email === null || !isCanonicalEmail(email)) {
      this.problems.push(`${name} must be a plain email address`);
      return undefined;
    }
    return email;
  }

  domainList(name: string): readonly string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const items = value.split(',').map((d) => d.trim().toLowerCase()).filter(Boolean);
    for (const item of items) {
      if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(item)) {
        this.problems.push(`${name} entries must be plain domain names`);
        break;
      }
    }
    return items;
  }
}
