/**
 * The gateway's Prometheus instruments, in one registry of its own: requests, upstream timings,
 * refused authentications, live streams, Redis command timings and errors, gauges the features
 * compute at scrape time, and Node's process defaults. Hot-path instruments use label children bound once and kept, so a /v1 call
 * costs a few increments and no allocation.
 */
import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RedisErrorKind } from '../redis/redis-errors.js';

export type RouteFamily = 'v1' | 'api' | 'auth' | 'health' | 'other';
export type RequestAuth = 'jwt' | 'oauth2' | 'none';

const FAMILIES: readonly RouteFamily[] = ['v1', 'api', 'auth', 'health', 'other'];
const AUTHS: readonly RequestAuth[] = ['jwt', 'oauth2', 'none'];
/** Seconds: LLM calls run from tens of milliseconds (errors, cache hits) to minutes (long streams). */
const UPSTREAM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Seconds: a Redis command on a healthy LAN takes well under a millisecond; REDIS_COMMAND_TIMEOUT_MS caps it (1 s by default). */
const REDIS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const REDIS_ERROR_KINDS: readonly RedisErrorKind[] = ['unavailable', 'refusing-writes', 'other'];

type CounterChild = ReturnType<Counter['labels']>;
export type HistogramChild = ReturnType<Histogram['labels']>;

@Injectable()
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'llmgw_http_requests_total',
    help: 'Answered HTTP requests by route family, status and authentication method',
    labelNames: ['family', 'status', 'auth'] as const,
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'llmgw_auth_refusals_total',
    help: 'Refused authentications by reason (the reasons of the auth_refused log line)',
    labelNames: ['reason', 'via'] as const,
    registers: [this.registry],
  });
  /** From the request's hand-off to the upstream until its answer has been passed on. */
  readonly upstreamDuration = new Histogram({
    name: 'llmgw_upstream_duration_seconds',
    help: 'Upstream calls, from hand-off to the end of the answer passed on',
    buckets: UPSTREAM_BUCKETS,
    registers: [this.registry],
  });
  /** From the request's hand-off until the upstream's status line and headers. */
  readonly upstreamFirstByte = new Histogram({
    name: 'llmgw_upstream_first_byte_seconds',
    help: 'Upstream time to first byte (status and headers), from hand-off',
    buckets: UPSTREAM_BUCKETS,
    registers: [this.registry],
  });
  readonly liveStreams = new Gauge({
    name: 'llmgw_live_streams',
    help: 'Server-sent event answers being streamed to clients now',
    registers: [this.registry],
  });
  /** Every command of the shared client (src/metrics/redis-command-metrics.ts), by command name; scripts by their name. */
  private readonly redisCommands = new Histogram({
    name: 'llmgw_redis_command_duration_seconds',
    help: 'Redis commands of the shared client, from send to reply (or failure), by command; Lua scripts by name',
    labelNames: ['command'] as const,
    buckets: REDIS_BUCKETS,
    registers: [this.registry],
  });
  private readonly redisErrors = new Counter({
    name: 'llmgw_redis_command_errors_total',
    help: 'Failed Redis commands by kind: unavailable (no connection, timeout), refusing-writes (OOM, READONLY), other',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly redisCommandChildren = new Map<string, HistogramChild>();
  /** Bound once, and set to 0 at start so every kind is exported before its first error. */
  private readonly redisErrorChildren = new Map<RedisErrorKind, CounterChild>(
    REDIS_ERROR_KINDS.map((kind) => [kind, this.redisErrors.labels(kind)]),
  );
  /** requestChildren[family][auth] maps a status code to its bound child. */
  private readonly requestChildren: Array<Array<Map<number, CounterChild>>> = FAMILIES.map(() =>
    AUTHS.map(() => new Map<number, CounterChild>()),
  );
  private readonly refusalChildren = new Map<string, CounterChild>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const child of this.redisErrorChildren.values()) child.inc(0);
  }

  countRequest(family: RouteFamily, status: number, auth: RequestAuth): void {
    const byStatus = this.requestChildren[FAMILIES.indexOf(family)][AUTHS.indexOf(auth)];
    let child = byStatus.get(status);
    if (child === undefined) {
      child = this.requests.labels(family, String(status), auth);
      byStatus.set(status, child);
    }
    child.inc();
  }

  countRefusal(reason: string, via: 'v1' | 'rest'): void {
    const key = `${via}:${reason}`;
    let child = this.refusalChildren.get(key);
    if (child === undefined) {
      child = this.refusals.labels(reason, via);
      this.refusalChildren.set(key, child);
    }
    child.inc();
  }

  /** The timer of one Redis command name, bound once per name. */
  redisCommand(command: string): HistogramChild {
    let child = this.redisCommandChildren.get(command);
    if (child === undefined) {
      child = this.redisCommands.labels(command);
      this.redisCommandChildren.set(command, child);
    }
    return child;
  }

  countRedisError(kind: RedisErrorKind): void {
    this.redisErrorChildren.get(kind)?.inc();
  }

  /**
   * A gauge whose value a feature computes when Prometheus scrapes (a count from its indexes).
   * A failing count leaves the gauge out of that scrape rather than failing the scrape.
   */
  addScrapeGauge(name: string, help: string, count: () => Promise<number>): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        try {
          this.set(await count());
        } catch {
          this.reset();
        }
      },
    });
  }

  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** The route family of a request path (its first segment). */
export function routeFamily(url: string): RouteFamily {
  if (url.startsWith('/v1') && (url.length === 3 || url[3] === '/' || url[3] === '?')) return 'v1';
  const end = url.indexOf('/', 1);
  const first = end === -1 ? url.split('?', 1)[0] : url.slice(0, end);
  switch (first) {
    case '/api':
      return 'api';
    case '/auth':
      return 'auth';
    case '/health':
      return 'health';
    default:
      return 'other';
  }
}
