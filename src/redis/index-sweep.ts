/**
 * The incremental reads and removals every owner's cleanup uses on its own keys: batches of at
 * most BATCH commands (redis-batch.ts: Cluster-safe), SCAN steps of SCAN_COUNT, so Redis is never blocked for long.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { ChainableCommander, Redis } from 'ioredis';
import type { EndedEntry, RemovalOp } from './ended-entries.js';
import { redisBatch } from './redis-batch.js';
import { REDIS_CLIENT } from './redis.constants.js';

/** Commands per pipeline. */
export const BATCH = 1000;
/** Members per SCAN or XRANGE step. */
export const SCAN_COUNT = 2000;
/** Members per ZRANGE step of a members-only walk. */
const RANGE_COUNT = 5000;

export interface ScoredMember {
  readonly member: string;
  readonly score: number;
}

/** A provider of RedisModule: every owner's cleanup repository injects the one sweep. */
@Injectable()
export class IndexSweep {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  /** Members scored in [-inf, max], a step at a time (the caller removes them only after the walk). */
  async rangeUpTo(key: string, max: number, onStep: (entries: ScoredMember[]) => void | Promise<void>): Promise<void> {
    for (let offset = 0; ; offset += SCAN_COUNT) {
      const flat = await this.redis.zrangebyscore(key, '-inf', max, 'WITHSCORES', 'LIMIT', offset, SCAN_COUNT);
      const entries: ScoredMember[] = [];
      for (let i = 0; i < flat.length; i += 2) entries.push({ member: flat[i], score: Number(flat[i + 1]) });
      if (entries.length > 0) await onStep(entries);
      if (entries.length < SCAN_COUNT) return;
    }
  }

  /** ZSCAN over a whole sorted set, a step at a time (members may repeat across steps: callers dedupe). */
  async zscanAll(key: string, onStep: (entries: ScoredMember[]) => Promise<void>): Promise<void> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.zscan(key, cursor, 'COUNT', SCAN_COUNT);
      cursor = next;
      const entries: ScoredMember[] = [];
      for (let i = 0; i < flat.length; i += 2) entries.push({ member: flat[i], score: Number(flat[i + 1]) });
      if (entries.length > 0) await onStep(entries);
    } while (cursor !== '0');
  }

  /**
   * Members only, by rank: half the reply of ZSCAN. An entry shifted past by concurrent inserts is
   * found by the next run, so callers check what they report.
   */
  async membersOf(key: string, onStep: (members: string[]) => void): Promise<void> {
    for (let start = 0; ; start += RANGE_COUNT) {
      const members = await this.redis.zrange(key, String(start), String(start + RANGE_COUNT - 1));
      onStep(members);
      if (members.length < RANGE_COUNT) return;
    }
  }

  /** HSCAN over a whole hash, a step at a time. */
  async hscanAll(key: string, onStep: (fields: Array<[field: string, value: string]>) => Promise<void>): Promise<void> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(key, cursor, 'COUNT', SCAN_COUNT);
      cursor = next;
      const fields: Array<[string, string]> = [];
      for (let i = 0; i < flat.length; i += 2) fields.push([flat[i], flat[i + 1]]);
      await onStep(fields);
    } while (cursor !== '0');
  }

  /**
   * The items none of whose keys exist. One EXISTS per key (keys of different items live in
   * different Cluster slots), sent a batch at a time: one round trip per node for each batch.
   */
  async absent<T>(list: readonly T[], keysOf: (item: T) => string[]): Promise<T[]> {
    const out: T[] = [];
    for (let start = 0; start < list.length; start += BATCH) {
      const part = list.slice(start, start + BATCH);
      const keys = part.map(keysOf);
      const batch = redisBatch(this.redis);
      for (const key of keys.flat()) batch.exists(key);
      const replies = (await batch.exec()) ?? [];
      let at = 0;
      part.forEach((item, i) => {
        let present = 0;
        for (let k = 0; k < keys[i].length; k++, at++) {
          const [err, n] = replies[at];
          if (err) throw err;
          present += Number(n);
        }
        if (present === 0) out.push(item);
      });
    }
    return out;
  }

  /**
   * Queues `perItem(pipeline, item)` for every item, BATCH commands per pipeline, and returns the
   * replies grouped per item (one reply when the item queued one command, an array when several).
   */
  async inBatches<T>(
    list: readonly T[],
    perItem: (pipeline: ChainableCommander, item: T) => void,
    commandsOf: (item: T) => number = () => 1,
  ): Promise<unknown[]> {
    const out: unknown[] = [];
    let start = 0;
    while (start < list.length) {
      const pipeline = redisBatch(this.redis);
      const sizes: number[] = [];
      let queued = 0;
      let end = start;
      while (end < list.length && queued < BATCH) {
        perItem(pipeline, list[end]);
        const n = commandsOf(list[end]);
        sizes.push(n);
        queued += n;
        end += 1;
      }
      const results = (await pipeline.exec()) ?? [];
      let k = 0;
      for (const n of sizes) {
        const replies = results.slice(k, k + n).map(([err, reply]) => {
          if (err) throw err;
          return reply;
        });
        out.push(n === 1 ? replies[0] : replies);
        k += n;
      }
      start = end;
    }
    return out;
  }

  /** Carries out the entries' steps, phase by phase, BATCH commands per pipeline (see EndedEntriesOwner.removeEnded). */
  async remove(entries: readonly EndedEntry[], onRemoved: (index: number) => void, beforeBatch: () => Promise<void>): Promise<void> {
    for (const phase of [1, 2, 3] as const) {
      const steps: Array<{ entry: number; op: RemovalOp }> = [];
      entries.forEach((entry, i) => {
        for (const op of entry.ops) if (op.phase === phase) steps.push({ entry: i, op });
      });
      for (let start = 0; start < steps.length; start += BATCH) {
        await beforeBatch();
        const chunk = steps.slice(start, start + BATCH);
        const pipeline = redisBatch(this.redis);
        for (const { op } of chunk) queueRemoval(pipeline, op);
        const results = (await pipeline.exec()) ?? [];
        chunk.forEach(({ entry }, k) => {
          const [err, reply] = results[k] ?? [new Error('missing pipeline reply'), null];
          if (err) throw err;
          const n = Array.isArray(reply) ? Number(reply[0]) : Number(reply);
          if (n > 0) onRemoved(entry);
        });
      }
    }
  }
}

function queueRemoval(pipeline: ChainableCommander, op: RemovalOp): void {
  switch (op.type) {
    case 'zrem':
      pipeline.zrem(op.key, op.member);
      return;
    case 'zrem-if-score':
      pipeline.gwZremIfScore(op.key, op.member, op.score);
      return;
    case 'hdel':
      pipeline.hdel(op.key, op.field);
      return;
    case 'xtrim':
      pipeline.xtrim(op.key, 'MINID', op.minId);
      return;
  }
}

/** An index entry removed only while its score is unchanged. */
export function zremIfScore(category: string, key: string, e: ScoredMember, reason: string, phase: 1 | 2 = 2): EndedEntry {
  return {
    category,
    key,
    member: e.member,
    reason,
    count: 1,
    ops: [{ phase, type: 'zrem-if-score', key, member: e.member, score: e.score }],
  };
}

/** An index entry removed whatever its score (ids that never come back). */
export function zrem(category: string, key: string, member: string, reason: string): EndedEntry {
  return { category, key, member, reason, count: 1, ops: [{ phase: 2, type: 'zrem', key, member }] };
}
