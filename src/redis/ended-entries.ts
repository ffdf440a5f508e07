/**
 * The contract between the cleanup and the features that own keys: each owner finds its own ended
 * entries (a score range of an index scored by expiry or last access) and its orphans (entries whose
 * record was deleted by hand), describes how to remove each, and removes them. Owners register
 * here; the cleanup only ever talks to the registry, so it reads no feature's keys itself.
 */
import { Injectable } from '@nestjs/common';

/**
 * One removal step. `phase` orders an owner's steps: per-user keys (1), then global indexes (2),
 * then the owner's catalog (3), so an interrupted run leaves entries the next run still finds.
 */
export type RemovalOp =
  | { readonly phase: 1 | 2 | 3; readonly type: 'zrem'; readonly key: string; readonly member: string }
  /** Removes the member only while its score is unchanged (the entry was not refreshed meanwhile). */
  | { readonly phase: 1 | 2 | 3; readonly type: 'zrem-if-score'; readonly key: string; readonly member: string; readonly score: number }
  | { readonly phase: 1 | 2 | 3; readonly type: 'hdel'; readonly key: string; readonly field: string }
  /** Trims a stream below an id; removes `count` entries. */
  | { readonly phase: 1 | 2 | 3; readonly type: 'xtrim'; readonly key: string; readonly minId: string; readonly count: number };

/** An ended or orphaned entry, as its owner found it. */
export interface EndedEntry {
  /** The cleanup category it is reported under (see cleanup-plan.ts). */
  readonly category: string;
  /** The key the entry is in. */
  readonly key: string;
  /** The member, field or token id; null for a whole range (audit). */
  readonly member: string | null;
  readonly reason: string;
  /** Entries this item stands for (1, or the number of audit entries). */
  readonly count: number;
  readonly ops: readonly RemovalOp[];
}

/** Hears how many entries a step examined (progress); it may throw to stop the search. */
export type OnScanned = (n: number) => void;

export interface EndedEntriesOwner {
  /** Entries that have ended by `nowMs`. Read-only. */
  findEnded(nowMs: number, onScanned: OnScanned): Promise<EndedEntry[]>;
  /**
   * Entries whose record is gone though their score says it should live (deleted by hand, or a
   * crash between two writes), other than `ended`. Read-only; a separate pass because it checks
   * records one by one, where findEnded reads a score range.
   */
  findOrphans(nowMs: number, ended: readonly EndedEntry[], onScanned: OnScanned): Promise<EndedEntry[]>;
  /**
   * Carries out the steps of entries this owner found, in phase order; `onRemoved(i)` when entry i
   * removed something, as it goes; `beforeBatch` runs before every pipeline (and may throw to stop).
   */
  removeEnded(entries: readonly EndedEntry[], onRemoved: (index: number) => void, beforeBatch: () => Promise<void>): Promise<void>;
}

/** The owners of keys, in the order they registered. Provided by the global RedisModule. */
@Injectable()
export class EndedEntriesRegistry {
  private readonly list: EndedEntriesOwner[] = [];

  register(owner: EndedEntriesOwner): void {
    if (!this.list.includes(owner)) this.list.push(owner);
  }

  owners(): readonly EndedEntriesOwner[] {
    return this.list;
  }
}
