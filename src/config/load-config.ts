import { canonicalEmail, isCanonicalEmail } from '../common/email.js';
import type { AppConfig, AuthFailMode } from './app-config.js';

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

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

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
    logLevel: r.oneOf('LOG_LEVEL', ['error', 'warn', 'log', 'debug', 'verbose'] as const, 'log'),
    redis: {
      url: r.redisUrl('REDIS_URL', 'redis://127.0.0.1:6379'),
      keyPrefix: r.keyPrefix('REDIS_KEY_PREFIX', 'llmgw:'),
      connectTimeoutMs: r.int('REDIS_CONNECT_TIMEOUT_MS', 2000, 100, 60000),
      commandTimeoutMs: r.int('REDIS_COMMAND_TIMEOUT_MS', 1000, 50, 60000),
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
    },
    upstream: {
      url: r.url('UPSTREAM_URL', 'http://127.0.0.1:4000').replace(/\/+$/, ''),
      apiKey: r.str('UPSTREAM_API_KEY', ''),
      authHeader: r.oneOf('UPSTREAM_AUTH_HEADER', ['authorization', 'x-api-key'] as const, 'authorization'),
      timeoutMs: r.int('UPSTREAM_TIMEOUT_MS', 600000, 1000, 3600000),
      allowedPaths: r.pathList('UPSTREAM_ALLOWED_PATHS', DEFAULT_ALLOWED_PATHS),
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
      intervalMinutes: r.int('CLEANUP_INTERVAL_MINUTES', 0, 0, 10080),
    },
    audit: {
      retentionDays: r.int('AUDIT_RETENTION_DAYS', 90, 1, 3650),
    },
    docs: {
      enabled: r.bool('DOCS_ENABLED', true),
    },
    failClosed: {
      redisAllowEphemeral: r.bool('REDIS_ALLOW_EPHEMERAL', false),
      redisCheckIntervalMs: r.int('REDIS_CHECK_INTERVAL_MS', 5000, 100, 3600000),
      authRefusalLogPerSecond: r.int('AUTH_REFUSAL_LOG_PER_SECOND', 10, 1, 10000),
      shutdownGraceMs: r.int('SHUTDOWN_GRACE_MS', 30000, 0, 3600000),
    },
  };

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
