/**
 * The gateway's whole configuration: one typed object, read from the environment once at boot.
 * Every variable here is listed in .env.example with its default.
 */
export type AuthFailMode = 'closed' | 'open';

/** A `host:port` of REDIS_SENTINELS or REDIS_CLUSTER_NODES. */
export interface RedisNodeAddress {
  readonly host: string;
  readonly port: number;
}

export type RedisTopologyConfig =
  | { readonly kind: 'single' }
  | { readonly kind: 'sentinel'; readonly sentinels: readonly RedisNodeAddress[]; readonly name: string; readonly sentinelPassword: string | undefined }
  | { readonly kind: 'cluster'; readonly nodes: readonly RedisNodeAddress[] };

export interface AppConfig {
  readonly nodeEnv: string;
  readonly port: number;
  readonly host: string;
  /** Origin the gateway is reached at by browsers, without a trailing slash. */
  readonly publicUrl: string;
  readonly trustProxy: boolean | number | string;
  readonly logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  /** json: one JSON object per line (pino); pretty: the same lines readable on a terminal. */
  readonly logFormat: 'json' | 'pretty';

  readonly redis: {
    /** A single node; with Sentinel or Cluster, its credentials and TLS (rediss://) still apply. */
    readonly url: string;
    /** Where Redis is: one node (REDIS_URL), a Sentinel-watched master, or a Cluster. */
    readonly topology: RedisTopologyConfig;
    readonly keyPrefix: string;
    readonly connectTimeoutMs: number;
    readonly commandTimeoutMs: number;
    /**
     * How long a ban, an unban or a revocation waits for a Redis replica to acknowledge it (WAIT)
     * where the master has replicas; 0 turns the wait off.
     */
    readonly replicaWaitMs: number;
  };

  readonly jwt: {
    readonly secret: string;
    readonly issuer: string;
    readonly audience: string;
  };

  readonly tokens: {
    readonly maxDays: number;
    readonly defaultDays: number;
    readonly perUserMax: number;
    /** How long a rotated token keeps working after POST /api/token/rotate (0: stops at once). */
    readonly rotationGraceSeconds: number;
  };

  readonly upstream: {
    readonly url: string;
    readonly apiKey: string;
    /** Header that carries UPSTREAM_API_KEY: "authorization" (Bearer, LiteLLM/OpenAI) or "x-api-key" (Anthropic). */
    readonly authHeader: 'authorization' | 'x-api-key';
    readonly timeoutMs: number;
    /** Path prefixes under /v1 that may reach the upstream, e.g. "/v1/chat/completions". */
    readonly allowedPaths: readonly string[];
    /** Longest silence of the upstream once its answer has begun (UPSTREAM_TIMEOUT_MS bounds the wait for it to begin). */
    readonly idleTimeoutMs: number;
    /** Upstream response headers passed to clients on top of the built-in allowlist (lower-case names). */
    readonly responseHeaders: readonly string[];
  };

  readonly banTtlSeconds: number;
  readonly activeUserTtlSeconds: number;
  readonly authFailMode: AuthFailMode;
  /** Largest request body accepted, in bytes. */
  readonly bodyLimitBytes: number;

  readonly auth0: {
    /** False when AUTH0_DOMAIN, AUTH0_CLIENT_ID or AUTH0_CLIENT_SECRET is missing: browser login is off. */
    readonly enabled: boolean;
    readonly domain: string;
    readonly clientId: string;
    readonly clientSecret: string;
    readonly callbackUrl: string;
    /** Issuer base URL (https://DOMAIN/ by default); tests and the demo point it at a local provider. */
    readonly issuerBaseUrl: string;
    /** PEM file of an extra CA to trust for the IdP's certificate (local providers only). */
    readonly caFile: string | undefined;
  };

  readonly session: {
    readonly secret: string;
    readonly ttlSeconds: number;
    readonly idleSeconds: number;
    readonly cookieName: string;
    readonly secureCookie: boolean;
  };

  readonly admins: {
    readonly emails: readonly string[];
    readonly domains: readonly string[];
    readonly superAdminEmail: string | undefined;
  };

  readonly cleanup: {
    readonly logRetentionDays: number;
    /** Cron expression (UTC) of scheduled runs; undefined turns them off. */
    readonly cron: string | undefined;
  };

  readonly alerts: {
    /** Slack incoming webhook (or any URL taking the same JSON); undefined turns alerts off. A secret. */
    readonly slackWebhookUrl: string | undefined;
    /** A cleanup that deletes more than this many entries sends an alert. */
    readonly cleanupThreshold: number;
    /** Per attempt; an alert is tried twice. */
    readonly timeoutMs: number;
  };

  readonly audit: {
    readonly retentionDays: number;
  };

  readonly docs: {
    readonly enabled: boolean;
  };

  /** /metrics (docs/OPERATIONS.md, "Metrics (Prometheus)"). */
  readonly observability: {
    /** Bearer that a Prometheus scraper sends to /metrics; undefined: only admins may read it. A secret. */
    readonly metricsToken: string | undefined;
  };

  /** What a /v1 client may send, and how slowly (docs/SECURITY.md, "The /v1 boundary: requests"). */
  readonly requests: {
    /** Body fields refused on top of the built-in list of upstream-steering fields (src/proxy/steering-fields.ts). */
    readonly blockedFields: readonly string[];
    /** Deepest nesting of arrays and objects accepted in a JSON body. */
    readonly jsonMaxDepth: number;
    /** The request line and headers must arrive within this (server.headersTimeout). */
    readonly headersTimeoutMs: number;
    /** The whole request must arrive within this (server.requestTimeout); answers are not bounded by it. */
    readonly requestTimeoutMs: number;
    /** A request body that sends nothing for this long gets 408. */
    readonly bodyIdleTimeoutMs: number;
    /** Most sockets the proxy opens to the upstream at once (Infinity unless UPSTREAM_MAX_SOCKETS is set); calls past it wait for a socket. */
    readonly upstreamMaxSockets: number;
    /** Most /v1 calls in flight at once on this instance; past it a call is answered 503 at once. 0 = no cap. */
    readonly upstreamMaxConcurrent: number;
    /** Most /v1 calls in flight at once for one user (email) on this instance; past it 429 at once. 0 = no cap. */
    readonly upstreamMaxConcurrentPerUser: number;
  };

  /** Failing closed: Redis durability, the refusal log and the shutdown deadline (docs/OPERATIONS.md). */
  readonly failClosed: {
    /** REDIS_ALLOW_EPHEMERAL: start against a Redis that keeps nothing on disk (demo, tests). */
    readonly redisAllowEphemeral: boolean;
    /** How often the store marker is checked, besides every reconnect and health check. */
    readonly redisCheckIntervalMs: number;
    /** Refused-authentication log lines per second and reason, before they are counted instead. */
    readonly authRefusalLogPerSecond: number;
    /** How long SIGTERM waits for requests in flight before it ends them. */
    readonly shutdownGraceMs: number;
  };
}

/** Injection token for the typed configuration object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
