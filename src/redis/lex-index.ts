/**
 * Prefix search over a lexicographic index: a sorted set whose members all have score 0 and read
 * `term\0id` (the search term, normalised by indexTerm, then the id of what it points at), so
 * ZRANGEBYLEX `[q` `[q\xff` returns exactly the members whose term starts with q, in byte order,
 * in O(log n + page). The feature that owns the items keeps its index beside them; a page skips
 * entries whose item has gone (the cleanup removes those) within a bounded amount of work.
 */
import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

/** Separates the term from the id in a member; below every character a term can hold. */
const SEPARATOR = '\0';
/** Above every byte of UTF-8 text: `[q\xff` is past every member that starts with q. */
const AFTER_ALL = Buffer.from([0xff]);

/** The member that indexes `id` under `term` (a term from indexTerm). */
export function lexMember(term: string, id: string): string {
  return `${term}${SEPARATOR}${id}`;
}

/** The id a member points at (the whole member when it has no separator: the term is the id). */
export function lexMemberId(member: string): string {
  const at = member.lastIndexOf(SEPARATOR);
  return at === -1 ? member : member.slice(at + 1);
}

/** The term a member is filed under. */
export function lexMemberTerm(member: string): string {
  const at = member.lastIndexOf(SEPARATOR);
  return at === -1 ? member : member.slice(0, at);
}

export interface LexWalk<T> {
  readonly key: string;
  /** The normalised text every listed member's term starts with (not empty). */
  readonly prefix: string;
  /** The last member the previous page handed out; null for the first page. */
  readonly after: string | null;
  readonly limit: number;
  /** Loads the items of some members, in order; null drops a member (its item has gone, or a filter). */
  readonly load: (members: readonly string[]) => Promise<ReadonlyArray<T | null>>;
  /** Members fetched per round trip (default: what the page still needs, growing while pages come out short). */
  readonly chunkSize?: number;
  /** Work bound of one page, in members examined (default 10,000). */
  readonly maxExamined?: number;
  /** Time bound of one page (default 40 ms). */
  readonly budgetMs?: number;
}

export interface LexPage<T> {
  readonly items: T[];
  /** The member to pass as `after` for the next page; null at the end of the matches. */
  readonly next: string | null;
}

const MAX_CHUNK = 1000;

export async function walkLexIndex<T>(redis: Redis, walk: LexWalk<T>): Promise<LexPage<T>> {
  const maxExamined = walk.maxExamined ?? 10_000;
  const deadline = performance.now() + (walk.budgetMs ?? 40);
  const high = Buffer.concat([Buffer.from(`[${walk.prefix}`), AFTER_ALL]);
  const items: T[] = [];
  let position = walk.after;
  let examined = 0;
  let want = Math.min(MAX_CHUNK, walk.chunkSize ?? walk.limit + 1);
  for (;;) {
    const low = position === null ? `[${walk.prefix}` : `(${position}`;
    const members = await redis.zrangebylex(walk.key, low, high, 'LIMIT', 0, want);
    if (members.length === 0) return { items, next: null };
    const loaded = await walk.load(members);
    for (let i = 0; i < members.length; i++) {
      position = members[i];
      examined += 1;
      const item = loaded[i];
      if (item === null || item === undefined) continue;
      items.push(item);
      if (items.length === walk.limit) {
        const more = i < members.length - 1 || members.length === want;
        return { items, next: more ? position : null };
      }
    }
    if (members.length < want) return { items, next: null };
    if (examined >= maxExamined || performance.now() > deadline) return { items, next: position };
    want = Math.min(MAX_CHUNK, want * 4);
  }
}

/**
 * Builds a search index from its owner's existing data once per Redis (data written before the
 * index existed); `marker` is a hash that records which indexes were built. Writes that happen
 * meanwhile add their own entries, so the build only ever adds. `build` checks `signal` between
 * chunks, so a gateway that stops does not wait for it.
 */
export async function buildIndexOnce(
  redis: Redis,
  marker: string,
  index: string,
  signal: AbortSignal,
  build: () => Promise<void>,
): Promise<boolean> {
  if ((await redis.hexists(marker, index)) === 1) return false;
  await build();
  signal.throwIfAborted();
  await redis.hset(marker, index, String(Date.now()));
  return true;
}

/**
 * A search index build that runs beside the gateway instead of holding up its start (on a large
 * Redis it takes seconds; prefix searches meanwhile find what is already filed). A failure is
 * logged and the build is tried again at the next start; stop() ends it early.
 */
export class BackgroundIndexBuild {
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;

  constructor(logger: Logger, what: string, build: (signal: AbortSignal) => Promise<boolean>) {
    this.done = build(this.abort.signal).then(
      (built) => {
        if (built) logger.log(`Built the ${what} search index from existing data`);
      },
      (err: unknown) => {
        if (!this.abort.signal.aborted)
          logger.warn(`The ${what} search index was not built (tried again at the next start): ${(err as Error).message}`);
      },
    );
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
