/**
 * Cursor pagination over a sorted-set index, with bounded work per page. Lists read indexes this
 * way instead of scanning the keyspace; a filter is applied while walking, and a page stops after
 * `maxExamined` index entries even when it holds fewer than `limit` items (its cursor goes on).
 */
import type { Redis } from 'ioredis';

/** A place in a sorted set: the last entry a page handed out. */
export interface SortedSetPosition {
  readonly score: number;
  readonly member: string;
}

export interface SortedSetWalk<T> {
  readonly key: string;
  readonly order: 'asc' | 'desc';
  /** Inclusive score window; entries outside it are not walked. */
  readonly min?: number;
  readonly max?: number;
  readonly after: SortedSetPosition | null;
  readonly limit: number;
  /** Cheap test on the member alone (e.g. an email substring), before anything is loaded. */
  readonly match?: (member: string) => boolean;
  /** Loads the items of some entries; null drops an entry (stale index entry, filtered out). */
  readonly load: (entries: readonly SortedSetPosition[]) => Promise<ReadonlyArray<T | null>>;
  /**
   * Set when `load` itself filters (drops many entries): how many entries to load per call.
   * By default a call loads what the page still needs, plus one.
   */
  readonly loadBatch?: number;
  /** Entries fetched per round trip when filtering (default 1000). */
  readonly chunkSize?: number;
  /** Work bound of one page, in index entries examined (default 20,000). */
  readonly maxExamined?: number;
}

export interface SortedSetPage<T> {
  readonly items: T[];
  /** Where the next page starts; null when the walk reached the end of the index. */
  readonly next: SortedSetPosition | null;
}

export const DEFAULT_CHUNK = 1000;
export const DEFAULT_MAX_EXAMINED = 20_000;

export async function walkSortedSet<T>(redis: Redis, walk: SortedSetWalk<T>): Promise<SortedSetPage<T>> {
  const chunkSize = walk.chunkSize ?? DEFAULT_CHUNK;
  const maxExamined = walk.maxExamined ?? DEFAULT_MAX_EXAMINED;
  const sparse = walk.match !== undefined || walk.loadBatch !== undefined;
  const low = walk.min === undefined ? '-inf' : String(walk.min);
  const high = walk.max === undefined ? '+inf' : String(walk.max);
  const items: T[] = [];
  let position = walk.after;
  let examined = 0;

  for (;;) {
    // Without a filter, one entry past what is needed tells whether there is a next page.
    const want = sparse ? chunkSize : Math.min(chunkSize, walk.limit - items.length + 1);
    const flat = await redis.gwZsetPage(
      walk.key,
      walk.order,
      low,
      high,
      position === null ? '' : String(position.score),
      position === null ? '' : position.member,
      want,
    );
    const entries: SortedSetPosition[] = [];
    for (let k = 0; k < flat.length; k += 2) entries.push({ member: flat[k], score: Number(flat[k + 1]) });
    if (entries.length === 0) return { items, next: null };

    let i = 0;
    while (i < entries.length && items.length < walk.limit) {
      const batchSize = walk.loadBatch ?? walk.limit - items.length + 1;
      const batch: number[] = [];
      let j = i;
      for (; j < entries.length && batch.length < batchSize; j++) {
        if (walk.match === undefined || walk.match(entries[j].member)) batch.push(j);
      }
      const loaded = batch.length > 0 ? await walk.load(batch.map((k) => entries[k])) : [];
      let b = 0;
      while (i < j) {
        position = entries[i];
        const isCandidate = b < batch.length && batch[b] === i;
        i += 1;
        if (!isCandidate) continue;
        const item = loaded[b];
        b += 1;
        if (item === null || item === undefined) continue;
        items.push(item);
        if (items.length === walk.limit) break;
      }
    }
    examined += i;

    if (items.length === walk.limit) {
      const more = i < entries.length || entries.length === want;
      return { items, next: more ? position : null };
    }
    if (entries.length < want) return { items, next: null };
    if (examined >= maxExamined) return { items, next: position };
  }
}
