/**
 * Service tier: the prefix walk over a lexicographic index (src/redis/lex-index.ts), against a real redis-server: what a prefix finds,
 * in what order, page by page, and how it skips members whose item has gone.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { lexMember, lexMemberId, lexMemberTerm, walkLexIndex } from '../src/redis/lex-index.js';

describe('walkLexIndex', () => {
  let server: TestRedis;
  let redis: Redis;
  const key = `lex-spec:${process.pid}`;
  const terms = ['alice@a.example', 'alice@b.example', 'alicia@a.example', 'bob@a.example', 'ålice@a.example', 'al'];

  beforeAll(async () => {
    server = await startTestRedis();
    redis = server.client();
    await redis.del(key);
    await redis.zadd(key, ...terms.flatMap((t, i) => [0, lexMember(t, `id${i}`)]));
  });
  afterAll(async () => {
    await redis?.del(key);
    await server?.close();
  });

  const all = async (
    prefix: string,
    limit: number,
    drop: (member: string) => boolean = () => false,
  ): Promise<{ ids: string[]; pages: number }> => {
    const ids: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: { items: string[]; next: string | null } = await walkLexIndex<string>(redis, {
        key,
        prefix,
        after,
        limit,
        load: (members) => Promise.resolve(members.map((m) => (drop(m) ? null : lexMemberId(m)))),
      });
      ids.push(...page.items);
      after = page.next;
      pages += 1;
    } while (after !== null && pages < 20);
    return { ids, pages };
  };

  it('finds exactly the members whose term starts with the prefix, in byte order', async () => {
    expect((await all('alic', 10)).ids).toEqual(['id0', 'id1', 'id2']);
    expect((await all('alice@', 10)).ids).toEqual(['id0', 'id1']);
    // The separator sorts below every character: a term that is the prefix itself comes first.
    expect((await all('al', 10)).ids).toEqual(['id5', 'id0', 'id1', 'id2']);
    // Non-ASCII terms are found by their own prefix, and only by it.
    expect((await all('å', 10)).ids).toEqual(['id4']);
    expect((await all('z', 10)).ids).toEqual([]);
  });

  it('pages through the matches, each once, with full pages until the last', async () => {
    const { ids, pages } = await all('al', 1);
    expect(ids).toEqual(['id5', 'id0', 'id1', 'id2']);
    expect(pages).toBe(4);
  });

  it('skips members whose item has gone and still fills the page', async () => {
    const page = await walkLexIndex<string>(redis, {
      key,
      prefix: 'al',
      after: null,
      limit: 2,
      load: (members) => Promise.resolve(members.map((m) => (lexMemberTerm(m) === 'alice@a.example' ? null : lexMemberId(m)))),
    });
    expect(page.items).toEqual(['id5', 'id1']);
    expect(page.next).not.toBeNull();
  });

  it('splits a member into its term and id, the id after the last separator', () => {
    const member = lexMember('laptop claude', 'abc123');
    expect([lexMemberTerm(member), lexMemberId(member)]).toEqual(['laptop claude', 'abc123']);
    expect(lexMemberId('plain@example.com')).toBe('plain@example.com');
  });
});
