/** The only place that reads and writes the run-time admin list. */
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisKeys } from '../redis/redis-keys.js';

export interface RuntimeAdmin {
  readonly email: string;
  readonly addedBy: string;
  readonly addedAt: number;
}

@Injectable()
export class AdminsRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async exists(email: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.runtimeAdmins(), email)) === 1;
  }

  async list(): Promise<RuntimeAdmin[]> {
    const all = await this.redis.hgetall(this.keys.runtimeAdmins());
    return Object.entries(all).map(([email, raw]) => parse(email, raw));
  }

  /** Adds an admin; false when they were already on the list (the first entry is kept). */
  async add(admin: RuntimeAdmin): Promise<boolean> {
    const value = JSON.stringify({ added_by: admin.addedBy, added_at: admin.addedAt });
    return (await this.redis.hsetnx(this.keys.runtimeAdmins(), admin.email, value)) === 1;
  }

  async find(email: string): Promise<RuntimeAdmin | null> {
    const raw = await this.redis.hget(this.keys.runtimeAdmins(), email);
    return raw === null ? null : parse(email, raw);
  }

  /** Removes an admin; false when they were not on the list. */
  async remove(email: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.runtimeAdmins(), email)) === 1;
  }
}

function parse(email: string, raw: string): RuntimeAdmin {
  let value: { added_by?: unknown; added_at?: unknown } = {};
  try {
    value = JSON.parse(raw) as typeof value;
  } catch {
    // An entry written by hand still makes an admin; only its provenance is unknown.
    value = {};
  }
  return {
    email,
    addedBy: typeof value.added_by === 'string' ? value.added_by : '',
    addedAt: typeof value.added_at === 'number' ? value.added_at : 0,
  };
}
