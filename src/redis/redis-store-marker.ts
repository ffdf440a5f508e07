/**
 * What the gateway can learn about its Redis's durability: whether it persists its data (AOF or
 * an RDB save policy), and the store marker, a key whose disappearance means Redis lost its data.
 * Shared by the server's checker (redis-durability.service.ts) and the CLI's `redis` commands.
 */
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from './redis.constants.js';
import { RedisKeys } from './redis-keys.js';

/**
 * - `aof`: append-only file on; `rdb`: a snapshot save policy (loses the last minutes on a crash);
 * - `none`: neither: a restart loses everything;
 * - `unknown`: no AOF, and CONFIG is refused (managed Redis often disables it), so the save policy cannot be read.
 */
export type RedisPersistence = 'aof' | 'rdb' | 'none' | 'unknown';

/** Marker values: who wrote it. A `confirmed:` value is an operator's confirmation of a reset. */
const BOOT = 'boot:';
const CONFIRMED = 'confirmed:';

/** The persistence of a Redis from its `INFO persistence` text and its `save` setting (null: CONFIG refused). */
export function persistenceOf(info: string, savePolicy: string | null): RedisPersistence {
  if (/^aof_enabled:1\s*$/m.test(info)) return 'aof';
  if (savePolicy === null) return 'unknown';
  return savePolicy.trim() === '' ? 'none' : 'rdb';
}

export function isConfirmation(marker: string): boolean {
  return marker.startsWith(CONFIRMED);
}

@Injectable()
export class RedisStoreMarker {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async persistence(): Promise<RedisPersistence> {
    const info = await this.redis.info('persistence');
    if (persistenceOf(info, null) === 'aof') return 'aof';
    let savePolicy: string | null;
    try {
      const reply = await this.redis.config('GET', 'save');
      savePolicy = reply.length >= 2 ? reply[1] : null;
    } catch (err) {
      // CONFIG renamed away or refused by an ACL: the policy cannot be read. Anything else is a real failure.
      if (!/unknown command|NOPERM|no permissions/i.test((err as Error).message)) throw err;
      savePolicy = null;
    }
    return persistenceOf(info, savePolicy);
  }

  /** The marker's value, or null when it is missing. */
  read(): Promise<string | null> {
    return this.redis.get(this.keys.storeMarker());
  }

  /** Writes a boot marker unless one exists (SET NX); returns the marker in place afterwards. */
  async ensure(): Promise<string> {
    const key = this.keys.storeMarker();
    await this.redis.set(key, newValue(BOOT), 'NX');
    const value = await this.redis.get(key);
    if (value === null) throw new Error('the store marker vanished right after it was written');
    return value;
  }

  /** An operator's confirmation that Redis was reset: rewrites the marker. Returns the new value. */
  async confirm(): Promise<string> {
    const value = newValue(CONFIRMED);
    await this.redis.set(this.keys.storeMarker(), value);
    return value;
  }
}

function newValue(kind: string): string {
  return `${kind}${new Date().toISOString()}:${randomBytes(6).toString('hex')}`;
}
