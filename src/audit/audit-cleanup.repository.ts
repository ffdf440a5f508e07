/**
 * Cleans the audit stream: entries older than AUDIT_RETENTION_DAYS (an id range: stream ids are
 * times). Every append trims approximately too; this removes the rest exactly. Registered with the cleanup.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { type EndedEntriesOwner, EndedEntriesRegistry, type EndedEntry, type OnScanned } from '../redis/ended-entries.js';
import { IndexSweep, SCAN_COUNT } from '../redis/index-sweep.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisKeys } from '../redis/redis-keys.js';

@Injectable()
export class AuditCleanupRepository implements EndedEntriesOwner {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly sweep: IndexSweep,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    registry: EndedEntriesRegistry,
  ) {
    registry.register(this);
  }

  /** One entry standing for every audit entry past the retention (counted a step at a time). */
  async findEnded(nowMs: number, onScanned: OnScanned): Promise<EndedEntry[]> {
    const key = this.keys.auditLog();
    const oldestKeptMs = nowMs - this.config.audit.retentionDays * 86400 * 1000;
    let count = 0;
    let start = '-';
    for (;;) {
      const entries = await this.redis.xrange(key, start, String(oldestKeptMs - 1), 'COUNT', SCAN_COUNT);
      onScanned(entries.length);
      count += entries.length;
      if (entries.length < SCAN_COUNT) break;
      start = `(${entries[entries.length - 1][0]}`;
    }
    if (count === 0) return [];
    const reason = `${count} entries older than ${new Date(oldestKeptMs).toISOString()}`;
    return [
      { category: 'audit', key, member: null, reason, count, ops: [{ phase: 2, type: 'xtrim', key, minId: String(oldestKeptMs), count }] },
    ];
  }

  /** A stream has no index to outlive its entries. */
  findOrphans(): Promise<EndedEntry[]> {
    return Promise.resolve([]);
  }

  removeEnded(entries: readonly EndedEntry[], onRemoved: (index: number) => void, beforeBatch: () => Promise<void>): Promise<void> {
    return this.sweep.remove(entries, onRemoved, beforeBatch);
  }
}
