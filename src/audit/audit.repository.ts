/** The only place that reads and writes the audit stream. */
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisKeys } from '../redis/redis-keys.js';
import type { AuditEntry, AuditOutcome, NewAuditEntry } from './audit-entry.js';

export interface AuditPageQuery {
  /** Entries strictly older than this id (the cursor). */
  readonly beforeId: string | null;
  readonly sinceMs: number;
  readonly untilMs: number | null;
  readonly limit: number;
  readonly match: (entry: AuditEntry) => boolean;
  readonly maxExamined: number;
  readonly chunkSize: number;
}

export interface AuditPage {
  readonly items: AuditEntry[];
  /** Id of the last entry examined, when there may be more. */
  readonly nextBeforeId: string | null;
}

@Injectable()
export class AuditRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Appends an entry and trims what is older than the retention (approximately: whole stream nodes). */
  async append(entry: NewAuditEntry, nowMs: number, oldestKeptMs: number): Promise<string> {
    const id = await this.redis.xadd(
      this.keys.auditLog(),
      'MINID',
      '~',
      String(oldestKeptMs),
      '*',
      'ts',
      String(nowMs),
      'actor',
      entry.actor,
      'actor_method',
      entry.actorMethod,
      'actor_token_id',
      entry.actorTokenId,
      'action',
      entry.action,
      'target',
      entry.target,
      'request_id',
      entry.requestId,
      'outcome',
      entry.outcome,
      'status',
      String(entry.status),
      'detail',
      entry.detail,
      'ip',
      entry.ip,
    );
    return id ?? '';
  }

  count(): Promise<number> {
    return this.redis.xlen(this.keys.auditLog());
  }

  /** Newest first, from the cursor back to sinceMs, examining at most maxExamined entries. */
  async page(query: AuditPageQuery): Promise<AuditPage> {
    const items: AuditEntry[] = [];
    let end = query.beforeId === null ? (query.untilMs === null ? '+' : String(query.untilMs)) : `(${query.beforeId}`;
    const start = String(query.sinceMs);
    let examined = 0;
    let lastId: string | null = null;
    for (;;) {
      const raw = await this.redis.xrevrange(this.keys.auditLog(), end, start, 'COUNT', query.chunkSize);
      for (let i = 0; i < raw.length; i++) {
        const [id, fields] = raw[i];
        examined += 1;
        lastId = id;
        const entry = toEntry(id, fields);
        if (!query.match(entry)) continue;
        items.push(entry);
        if (items.length === query.limit) {
          const more = i < raw.length - 1 || raw.length === query.chunkSize;
          return { items, nextBeforeId: more ? id : null };
        }
      }
      if (raw.length < query.chunkSize) return { items, nextBeforeId: null };
      if (examined >= query.maxExamined) return { items, nextBeforeId: lastId };
      end = `(${lastId}`;
    }
  }
}

function toEntry(id: string, fields: string[]): AuditEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
  return {
    id,
    time: Number(f.ts ?? id.split('-')[0]),
    actor: f.actor ?? '',
    actorMethod: f.actor_method ?? '',
    actorTokenId: f.actor_token_id ?? '',
    action: f.action ?? '',
    target: f.target ?? '',
    requestId: f.request_id ?? '',
    outcome: (f.outcome ?? 'success') as AuditOutcome,
    status: Number(f.status ?? 0),
    detail: f.detail ?? '',
    ip: f.ip ?? '',
  };
}
