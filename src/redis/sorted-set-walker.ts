/**
 * Cursor pagination over a sorted-set index, with bounded work per page. Lists read indexes this
 * way instead of scanning the keyspace; a filter is applied while walking, and a page stops after
 * `maxExamined` index entries or `budgetMs` even when it holds fewer than `limit` items (its
 * cursor goes on), so a search that matches little never makes one request slow.
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
   * Set when `load` itself drops many entries (a filter on what it loads): the walk then fetches
   * and loads ever larger slices while pages come out short.
   */
  readonly sparse?: boolean;
  /** Most entries fetched or loaded per round trip (default 1000). */
  readonly chunkSize?: number;
  /** Work bound of one page, in index entries examined (default 10,000). */
  readonly maxExamined?: number;
  /** Time bound of one page (default 40 ms): after it, the page ends with what it has and a cursor. */
  readonly budgetMs?: number;
}

export interface SortedSetPage<T> {
  readonly items: T[];
  /** Where the next page starts; null when the walk reached the end of the index. */
  readonly next: SortedSetPosition | null;
}

export const DEFAULT_CHUNK = 1000;
export const DEFAULT_MAX_EXAMINED = 10_000;
export const DEFAULT_BUDGET_MS = 40;

export async function walkSortedSet<T>(redis: Redis, walk: SortedSetWalk<T>): Promise<SortedSetPage<T>> {
  const chunkSize = walk.chunkSize ?? DEFAULT_CHUNK;
  const maxExamined = walk.maxExamined ?? DEFAULT_MAX_EXAMINED;
  const deadline = performance.now() + (walk.budgetMs ?? DEFAULT_BUDGET_MS);
  const low = walk.min === undefined ? '-inf' : String(walk.min);
  const high = walk.max === undefined ? '+inf' : String(walk.max);
  const items: T[] = [];
  let position = walk.after;
  let examined = 0;
  // A member filter costs nothing per entry: fetch whole chunks. Otherwise start with what the
  // page needs (plus one, to know whether a next page exists) and grow while pages come out short.
  let fetchSize = walk.match !== undefined ? chunkSize : walk.limit + 1;
  let loadSize = walk.limit + 1;

  for (;;) {
    const want = Math.min(chunkSize, Math.max(fetchSize, walk.limit - items.length + 1));
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
      const batchSize = Math.min(chunkSize, Math.max(loadSize, walk.limit - items.length + 1));
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
      if (walk.sparse === true) loadSize *= 4;
    }
    examined += i;

    if (items.length === walk.limit) {
      const more = i < entries.length || entries.length === want;
      return { items, next: more ? position : null };
    }
    if (entries.length < want) return { items, next: null };
    if (examined >= maxExamined || performance.now() > deadline) return { items, next: position };
    fetchSize *= 4;
  }
}
