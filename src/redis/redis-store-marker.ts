/**
 * What the gateway can learn about its Redis's durability: whether it persists its data (AOF or
 * an RDB save policy), and the store marker, a key whose disappearance means Redis lost its data.
 * On a Redis Cluster both look at every master: each master holds a marker of its own (a master
 * that loses its data loses only its own slots) and each master's persistence is read.
 * Shared by the server's checker (redis-durability.service.ts) and the CLI's `redis` commands.
 */
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import calculateSlot from 'cluster-key-slot';
import type { Cluster, Redis } from 'ioredis';
import { clusterOf } from './redis-client.factory.js';
import { REDIS_CLIENT } from './redis.constants.js';
import { RedisKeys } from './redis-keys.js';

/**
 * - `aof`: append-only file on; `rdb`: a snapshot save policy (loses the last minutes on a crash);
 * - `none`: neither: a restart loses everything;
 * - `unknown`: no AOF, and CONFIG is refused (managed Redis often disables it), so the save policy cannot be read.
 */
export type RedisPersistence = 'aof' | 'rdb' | 'none' | 'unknown';

/** One data node's persistence; `node` is its address (host:port) on a Cluster, null on one node or Sentinel. */
export interface NodePersistence {
  readonly node: string | null;
  readonly persistence: RedisPersistence;
}

/** Where a store marker lives: its key, and on a Cluster the master serving its slot (host:port); null otherwise. */
export interface StoreMarkerLocation {
  readonly key: string;
  readonly node: string | null;
}

/** A store marker as read: its value, or null when it is missing. */
export interface StoreMarkerReading extends StoreMarkerLocation {
  readonly value: string | null;
}

/** Marker values: who wrote it. A `confirmed:` value is an operator's confirmation of a reset. */
const BOOT = 'boot:';
const CONFIRMED = 'confirmed:';

/** The persistence of a Redis from its `INFO persistence` text and its `save` setting (null: CONFIG refused). */
export function persistenceOf(info: string, savePolicy: string | null): RedisPersistence {
  if (/^aof_enabled:1\s*$/m.test(info)) return 'aof';
  if (savePolicy === null) return 'unknown';
  return savePolicy.trim() === '' ? 'none' : 'rdb';
}

const WEAKEST_FIRST: readonly RedisPersistence[] = ['none', 'unknown', 'rdb', 'aof'];

/** A store is as durable as its least durable node: a Cluster master without persistence loses its slots on a restart. */
export function weakestPersistence(nodes: readonly NodePersistence[]): RedisPersistence {
  if (nodes.length === 0) throw new Error('no Redis node to read the persistence of');
  return WEAKEST_FIRST[Math.min(...nodes.map((n) => WEAKEST_FIRST.indexOf(n.persistence)))];
}

export function isConfirmation(marker: string): boolean {
  return marker.startsWith(CONFIRMED);
}

/** What a check of the markers found, against the values this process had accepted before. */
export interface MarkerComparison {
  /** Markers gone, or replaced by one written at boot: the master holding them lost its data. */
  readonly lost: StoreMarkerReading[];
  /** At least one known marker now holds an operator's confirmation. */
  readonly confirmed: boolean;
  /**
   * Missing markers under keys this process never met: on a Cluster, a master whose slots changed
   * (a resharding, a master added) has its marker under a new key. To be written, not a loss.
   */
  readonly unmet: StoreMarkerReading[];
  /**
   * The values to keep for the next check, by key: the value read, or the known one for a lost
   * marker (so the loss stays seen until an operator confirms it). Keys no longer read are dropped:
   * their slot went to another master, and the marker with it.
   */
  readonly accepted: Map<string, string>;
}

export function compareMarkers(known: ReadonlyMap<string, string>, readings: readonly StoreMarkerReading[]): MarkerComparison {
  const lost: StoreMarkerReading[] = [];
  const unmet: StoreMarkerReading[] = [];
  const accepted = new Map<string, string>();
  let confirmed = false;
  for (const reading of readings) {
    const before = known.get(reading.key);
    if (before === undefined) {
      if (reading.value === null) unmet.push(reading);
      else accepted.set(reading.key, reading.value);
    } else if (reading.value === before) {
      accepted.set(reading.key, before);
    } else if (reading.value !== null && isConfirmation(reading.value)) {
      confirmed = true;
      accepted.set(reading.key, reading.value);
    } else {
      lost.push(reading);
      accepted.set(reading.key, before);
    }
  }
  return { lost, confirmed, unmet, accepted };
}

/** A Cluster has 16384 slots. */
const CLUSTER_SLOTS = 16384;
/** Far more candidate tags than a master serving a single slot needs (about 16384 on average). */
const MAX_TAG_CANDIDATES = 1 << 20;

/**
 * Picks the key of each Cluster master's marker: the first candidate tag (0, 1, ..., z, 10, 11, ...,
 * counting in base 36) whose key lands in a slot that master serves. The same slot table gives every
 * gateway and the CLI the same keys; when slots move, a master's key can change (see compareMarkers).
 */
export class ClusterMarkerKeys {
  /** The slot of each candidate's key, computed once. */
  private readonly slots: number[] = [];

  constructor(private readonly keyOf: (tag: string) => string) {}

  /** `masterOf(slot)`: the address of the master serving a slot, undefined when none does. Masters without slots get no marker. */
  of(masterOf: (slot: number) => string | undefined): StoreMarkerLocation[] {
    const masters = new Set<string>();
    for (let slot = 0; slot < CLUSTER_SLOTS; slot++) {
      const master = masterOf(slot);
      if (master !== undefined) masters.add(master);
    }
    const found = new Map<string, string>();
    for (let i = 0; found.size < masters.size; i++) {
      if (i === MAX_TAG_CANDIDATES) throw new Error('no store marker key found for every Redis Cluster master');
      const key = this.keyOf(i.toString(36));
      this.slots[i] ??= calculateSlot(key);
      const master = masterOf(this.slots[i]);
      if (master !== undefined && !found.has(master)) found.set(master, key);
    }
    return [...found].map(([node, key]) => ({ key, node }));
  }
}

@Injectable()
export class RedisStoreMarker {
  private readonly cluster: Cluster | null;
  private readonly clusterKeys: ClusterMarkerKeys;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.cluster = clusterOf(redis);
    this.clusterKeys = new ClusterMarkerKeys((tag) => keys.clusterStoreMarker(tag));
  }

  /** The least durable node's persistence (the only node's on one node or Sentinel). */
  async persistence(): Promise<RedisPersistence> {
    return weakestPersistence(await this.persistenceByNode());
  }

  /** Every master's persistence on a Cluster (one round trip or two each); the one node's otherwise. */
  async persistenceByNode(): Promise<NodePersistence[]> {
    if (this.cluster === null) return [{ node: null, persistence: await persistenceOfNode(this.redis) }];
    const masters = this.cluster.nodes('master');
    if (masters.length === 0) throw new Error('the Redis Cluster client knows no master yet');
    return Promise.all(masters.map(async (master) => ({ node: addressOf(master), persistence: await persistenceOfNode(master) })));
  }

  /** The markers this Redis should hold, read: one key on one node or Sentinel, one per master on a Cluster. */
  read(): Promise<StoreMarkerReading[]> {
    return Promise.all(this.locations().map(async (at) => ({ ...at, value: await this.redis.get(at.key) })));
  }

  /** Writes a boot marker wherever one is missing (SET NX); returns the markers in place afterwards. */
  async ensure(locations: readonly StoreMarkerLocation[] = this.locations()): Promise<StoreMarkerReading[]> {
    const value = newValue(BOOT);
    return Promise.all(
      locations.map(async (at) => {
        await this.redis.set(at.key, value, 'NX');
        const now = await this.redis.get(at.key);
        if (now === null) throw new Error('the store marker vanished right after it was written');
        return { ...at, value: now };
      }),
    );
  }

  /** An operator's confirmation that Redis was reset: rewrites every marker. Returns the new value. */
  async confirm(): Promise<string> {
    const value = newValue(CONFIRMED);
    await Promise.all(this.locations().map((at) => this.redis.set(at.key, value)));
    return value;
  }

  /** Recomputed on every call on a Cluster, from the client's slot table, so a resharding is followed. */
  private locations(): StoreMarkerLocation[] {
    const cluster = this.cluster;
    if (cluster === null) return [{ key: this.keys.storeMarker(), node: null }];
    const locations = this.clusterKeys.of((slot) => cluster.slots[slot]?.[0]);
    if (locations.length === 0) throw new Error('the Redis Cluster client does not know which master serves which slot yet');
    return locations;
  }
}

async function persistenceOfNode(node: Redis): Promise<RedisPersistence> {
  const info = await node.info('persistence');
  if (persistenceOf(info, null) === 'aof') return 'aof';
  let savePolicy: string | null;
  try {
    const reply = await node.config('GET', 'save');
    savePolicy = reply.length >= 2 ? reply[1] : null;
  } catch (err) {
    // CONFIG renamed away or refused by an ACL: the policy cannot be read. Anything else is a real failure.
    if (!/unknown command|NOPERM|no permissions/i.test((err as Error).message)) throw err;
    savePolicy = null;
  }
  return persistenceOf(info, savePolicy);
}

/** A Cluster node's address as the client's slot table names it. */
function addressOf(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}

function newValue(kind: string): string {
  return `${kind}${new Date().toISOString()}:${randomBytes(6).toString('hex')}`;
}
