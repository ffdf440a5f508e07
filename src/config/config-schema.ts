/**
 * The whole configuration, declared once: every environment variable with its rule and default,
 * in the shape the code reads. AppConfig is derived from this schema; .env.example and
 * docs/OPERATIONS.md list the same variables. Rules across variables are in CROSS_RULES.
 */
import { env, type Field, type RawEnv } from './env-fields.js';

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

/** LOG_LEVEL in Nest's names or pino's: info is log, trace is verbose. */
const LOG_LEVEL_ALIASES = {
  error: 'error',
  warn: 'warn',
  log: 'log',
  info: 'log',
  debug: 'debug',
  verbose: 'verbose',
  trace: 'verbose',
} as const;

const publicUrlOf = (raw: RawEnv): string => (raw.get('PUBLIC_URL') ?? `http://127.0.0.1:${raw.peekInt('PORT', 8080)}`).replace(/\/+$/, '');
const isHttps = (raw: RawEnv): boolean => publicUrlOf(raw).startsWith('https://');
/** Browser login is on when the three Auth0 variables are set. */
const auth0Enabled = (raw: RawEnv): boolean =>
  ['AUTH0_DOMAIN', 'AUTH0_CLIENT_ID', 'AUTH0_CLIENT_SECRET'].every((name) => raw.get(name) !== undefined);

export const CONFIG_SCHEMA = {
  nodeEnv: env.str('NODE_ENV', 'production'),
  port: env.int('PORT', 8080, 0, 65535),
  host: env.str('HOST', '127.0.0.1'),
  publicUrl: env.url('PUBLIC_URL', (raw) => `http://127.0.0.1:${raw.peekInt('PORT', 8080)}`, true),
  trustProxy: env.trustProxy('TRUST_PROXY'),
  logLevel: mapped(
    env.oneOf('LOG_LEVEL', ['error', 'warn', 'log', 'info', 'debug', 'verbose', 'trace'], 'log'),
    (level) => LOG_LEVEL_ALIASES[level],
  ),
  logFormat: env.oneOf('LOG_FORMAT', ['json', 'pretty'], 'json'),
  redis: {
    url: env.redisUrl('REDIS_URL', 'redis://127.0.0.1:6379'),
    keyPrefix: env.keyPrefix('REDIS_KEY_PREFIX', 'llmgw:'),
    connectTimeoutMs: env.int('REDIS_CONNECT_TIMEOUT_MS', 2000, 100, 60000),
    commandTimeoutMs: env.int('REDIS_COMMAND_TIMEOUT_MS', 1000, 50, 60000),
    /** How long a ban, an unban or a revocation waits for a replica's acknowledgement (WAIT); 0: not at all. */
    replicaWaitMs: env.int('REDIS_REPLICA_WAIT_MS', 500, 0, 10000),
    /** A Redis Cluster's nodes (src/redis/redis-topology.ts reads the topology from these). */
    clusterNodes: env.nodeList('REDIS_CLUSTER_NODES'),
    /** Sentinels watching the master named sentinelName. */
    sentinels: env.nodeList('REDIS_SENTINELS'),
    sentinelName: env.plainName('REDIS_SENTINEL_NAME'),
    sentinelPassword: env.optional('REDIS_SENTINEL_PASSWORD'),
  },
  jwt: {
    secret: env.secret('JWT_SECRET', () => true),
    issuer: env.str('JWT_ISSUER', 'llm-gateway'),
    audience: env.str('JWT_AUDIENCE', 'llm-gateway-api'),
  },
  tokens: {
    maxDays: env.int('TOKEN_MAX_DAYS', 90, 1, 3650),
    defaultDays: env.int('TOKEN_DEFAULT_DAYS', 30, 1, 3650),
    perUserMax: env.int('TOKENS_PER_USER_MAX', 20, 1, 10000),
    rotationGraceSeconds: env.int('TOKEN_ROTATION_GRACE_SECONDS', 300, 0, 86400),
  },
  upstream: {
    url: env.url('UPSTREAM_URL', 'http://127.0.0.1:4000', true),
    /** UPSTREAM_CLIENT: the client that carries /v1 calls upstream (proxy/upstream-relay.ts). */
    client: env.oneOf('UPSTREAM_CLIENT', ['undici', 'http'], 'undici'),
    apiKey: env.str('UPSTREAM_API_KEY', ''),
    authHeader: env.oneOf('UPSTREAM_AUTH_HEADER', ['authorization', 'x-api-key'], 'authorization'),
    timeoutMs: env.int('UPSTREAM_TIMEOUT_MS', 600000, 1000, 3600000),
    allowedPaths: env.pathList('UPSTREAM_ALLOWED_PATHS', DEFAULT_ALLOWED_PATHS),
    idleTimeoutMs: env.int('UPSTREAM_IDLE_TIMEOUT_MS', 120000, 100, 3600000),
    responseHeaders: env.responseHeaderList('UPSTREAM_RESPONSE_HEADERS'),
  },
  banTtlSeconds: env.int('BAN_TTL_SECONDS', 604800, 60, 31536000),
  activeUserTtlSeconds: env.int('ACTIVE_USER_TTL_SECONDS', 86400, 60, 31536000),
  /** The verified-token cache (tokens/token-admission-cache.ts): TOKEN_CACHE_TTL_MS (0 turns it off), TOKEN_CACHE_MAX_ENTRIES. */
  tokenCache: {
    ttlMs: env.int('TOKEN_CACHE_TTL_MS', 5000, 0, 60000),
    maxEntries: env.int('TOKEN_CACHE_MAX_ENTRIES', 10000, 1, 1000000),
  },
  authFailMode: env.oneOf('AUTH_FAIL_MODE', ['closed', 'open'], 'closed'),
  bodyLimitBytes: env.bytes('BODY_LIMIT', '10mb'),
  auth0: {
    enabled: env.derived(auth0Enabled),
    domain: env.str('AUTH0_DOMAIN', ''),
    clientId: env.str('AUTH0_CLIENT_ID', ''),
    clientSecret: env.str('AUTH0_CLIENT_SECRET', ''),
    callbackUrl: env.url('AUTH0_CALLBACK_URL', (raw) => `${publicUrlOf(raw)}/auth/callback`),
    issuerBaseUrl: env.url('AUTH0_ISSUER_BASE_URL', (raw) => {
      const domain = raw.get('AUTH0_DOMAIN');
      return domain === undefined ? 'https://invalid.local/' : `https://${domain}/`;
    }),
    caFile: env.optional('AUTH0_CA_FILE'),
  },
  session: {
    secret: env.secret('SESSION_SECRET', auth0Enabled),
    ttlSeconds: env.int('SESSION_TTL_SECONDS', 86400, 60, 2592000),
    idleSeconds: env.int('SESSION_IDLE_SECONDS', 3600, 60, 2592000),
    cookieName: env.derived((raw) => (isHttps(raw) ? '__Host-llmgw.sid' : 'llmgw.sid')),
    secureCookie: env.derived(isHttps),
  },
  admins: {
    emails: env.emailList('ADMIN_EMAILS'),
    domains: env.domainList('ADMIN_DOMAINS'),
    superAdminEmail: env.optionalEmail('SUPER_ADMIN_EMAIL'),
  },
  cleanup: {
    logRetentionDays: env.int('CLEANUP_LOG_RETENTION_DAYS', 30, 1, 3650),
    cron: env.cron('CLEANUP_CRON'),
  },
  alerts: {
    slackWebhookUrl: env.optionalUrl('SLACK_WEBHOOK_URL'),
    cleanupThreshold: env.int('CLEANUP_ALERT_THRESHOLD', 10000, 0, 1_000_000_000),
    timeoutMs: env.int('ALERT_TIMEOUT_MS', 5000, 100, 60000),
  },
  audit: {
    retentionDays: env.int('AUDIT_RETENTION_DAYS', 90, 1, 3650),
  },
  docs: {
    enabled: env.bool('DOCS_ENABLED', true),
  },
  observability: {
    metricsToken: env.secretOfAtLeast('METRICS_TOKEN', 16),
    /** READY_CHECKS_UPSTREAM: /health/ready also needs an HTTP answer from UPSTREAM_URL. */
    readyChecksUpstream: env.bool('READY_CHECKS_UPSTREAM', false),
  },
  requests: {
    blockedFields: env.fieldList('UPSTREAM_BLOCKED_FIELDS'),
    jsonMaxDepth: env.int('JSON_MAX_DEPTH', 64, 2, 512),
    headersTimeoutMs: env.int('CLIENT_HEADERS_TIMEOUT_MS', 30000, 100, 600000),
    requestTimeoutMs: env.int('CLIENT_REQUEST_TIMEOUT_MS', 300000, 100, 3600000),
    bodyIdleTimeoutMs: env.int('CLIENT_BODY_IDLE_TIMEOUT_MS', 30000, 100, 600000),
    // 0 (the default) leaves the agent unbounded: long streams must never wait in silence for a socket.
    upstreamMaxSockets: mapped(env.int('UPSTREAM_MAX_SOCKETS', 0, 0, 1_000_000), (n) => n || Infinity),
    upstreamMaxConcurrent: env.int('UPSTREAM_MAX_CONCURRENT', 0, 0, 1_000_000),
    upstreamMaxConcurrentPerUser: env.int('UPSTREAM_MAX_CONCURRENT_PER_USER', 0, 0, 1_000_000),
  },
  failClosed: {
    redisAllowEphemeral: env.bool('REDIS_ALLOW_EPHEMERAL', false),
    redisCheckIntervalMs: env.int('REDIS_CHECK_INTERVAL_MS', 5000, 100, 3600000),
    authRefusalLogPerSecond: env.int('AUTH_REFUSAL_LOG_PER_SECOND', 10, 1, 10000),
    shutdownGraceMs: env.int('SHUTDOWN_GRACE_MS', 30000, 0, 3600000),
  },
};

/** Rules across variables, checked once every variable passed its own. */
export const CROSS_RULES: ReadonlyArray<(config: AppConfig, raw: RawEnv) => string | null> = [
  (c) =>
    c.redis.clusterNodes !== undefined && c.redis.sentinels !== undefined
      ? 'REDIS_CLUSTER_NODES and REDIS_SENTINELS must not both be set: Redis is either a Cluster or watched by Sentinel'
      : null,
  (c) =>
    c.redis.sentinels !== undefined && c.redis.sentinelName === undefined
      ? 'REDIS_SENTINEL_NAME is required with REDIS_SENTINELS: the master name the sentinels monitor'
      : null,
  (c) =>
    c.redis.sentinels === undefined && c.redis.sentinelName !== undefined ? 'REDIS_SENTINEL_NAME is set without REDIS_SENTINELS' : null,
  (c) => (c.tokens.defaultDays > c.tokens.maxDays ? 'TOKEN_DEFAULT_DAYS must not exceed TOKEN_MAX_DAYS' : null),
  (c) =>
    c.requests.headersTimeoutMs > c.requests.requestTimeoutMs
      ? 'CLIENT_HEADERS_TIMEOUT_MS must not exceed CLIENT_REQUEST_TIMEOUT_MS'
      : null,
  // Replaced by CLEANUP_CRON: refused rather than ignored, so an upgrade cannot silently stop scheduled cleanups.
  (_c, raw) =>
    (raw.get('CLEANUP_INTERVAL_MINUTES') ?? '0') !== '0'
      ? "CLEANUP_INTERVAL_MINUTES is no longer read: set CLEANUP_CRON instead (e.g. '0 */6 * * *' for every 6 hours) and remove it"
      : null,
];

/** A field whose value is transformed once read (the rule and message stay the field's). */
function mapped<T, U>(inner: Field<T>, map: (value: T) => U): Field<U> {
  return { variable: inner.variable, read: (raw, problems) => map(inner.read(raw, problems)) };
}

type Schema = { readonly [key: string]: Field<unknown> | Schema };
type Parsed<S> = S extends Field<infer T> ? T : { readonly [K in keyof S]: Parsed<S[K]> };

/** The typed configuration the gateway reads, as CONFIG_SCHEMA declares it. */
export type AppConfig = Parsed<typeof CONFIG_SCHEMA>;
export type AuthFailMode = AppConfig['authFailMode'];

/** Reads every field of the schema, in order, into the configuration's shape. */
export function readSchema(raw: RawEnv, problems: string[]): AppConfig {
  return readNode(CONFIG_SCHEMA, raw, problems) as AppConfig;
}

/** Every variable the schema reads (for docs and .env.example checks). */
export function schemaVariables(node: Schema = CONFIG_SCHEMA): string[] {
  return Object.values(node).flatMap((child) =>
    isField(child) ? (child.variable === undefined ? [] : [child.variable]) : schemaVariables(child),
  );
}

function readNode(node: Schema, raw: RawEnv, problems: string[]): unknown {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(node)) out[key] = isField(child) ? child.read(raw, problems) : readNode(child, raw, problems);
  return out;
}

function isField(node: Field<unknown> | Schema): node is Field<unknown> {
  return typeof (node as Field<unknown>).read === 'function';
}
