import { describe, expect, it } from '@jest/globals';
import { TokenAdmissionCache } from './token-admission-cache.js';

function cacheAt(ttlMs = 5000, maxEntries = 100): { cache: TokenAdmissionCache; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  const cache = new TokenAdmissionCache(ttlMs, maxEntries, () => clock.now);
  cache.resume();
  return { cache, clock };
}

function admit(cache: TokenAdmissionCache, email: string, tokenId: string, recordTtlMs = 60_000): void {
  cache.put(cache.ticket(), email, tokenId, recordTtlMs);
}

describe('TokenAdmissionCache', () => {
  it('serves an admission for its TTL, then drops it', () => {
    const { cache, clock } = cacheAt(5000);
    admit(cache, 'a@x.io', 't1');
    expect(cache.has('a@x.io', 't1')).toBe(true);
    expect(cache.has('a@x.io', 't2')).toBe(false);
    expect(cache.has('b@x.io', 't1')).toBe(false);
    clock.now += 4999;
    expect(cache.has('a@x.io', 't1')).toBe(true);
    clock.now += 1;
    expect(cache.has('a@x.io', 't1')).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('never keeps an entry past its allowlist record (a rotation grace, the expiry), nor one with no life left', () => {
    const { cache, clock } = cacheAt(5000);
    admit(cache, 'a@x.io', 'grace', 800);
    admit(cache, 'a@x.io', 'gone', 0);
    expect(cache.has('a@x.io', 'gone')).toBe(false);
    clock.now += 799;
    expect(cache.has('a@x.io', 'grace')).toBe(true);
    clock.now += 1;
    expect(cache.has('a@x.io', 'grace')).toBe(false);
    // -1: a record without a TTL: the cache's own TTL bounds it.
    admit(cache, 'a@x.io', 'no-ttl', -1);
    clock.now += 4999;
    expect(cache.has('a@x.io', 'no-ttl')).toBe(true);
  });

  it('drops every entry of a user on their invalidation, and only theirs', () => {
    const { cache } = cacheAt();
    admit(cache, 'a@x.io', 't1');
    admit(cache, 'a@x.io', 't2');
    admit(cache, 'b@x.io', 't3');
    cache.invalidateUser('a@x.io');
    expect(cache.has('a@x.io', 't1')).toBe(false);
    expect(cache.has('a@x.io', 't2')).toBe(false);
    expect(cache.has('b@x.io', 't3')).toBe(true);
    expect(cache.size).toBe(1);
  });

  it('does not keep a read that was in flight when an invalidation arrived (any user), or when the connection changed', () => {
    const { cache } = cacheAt();
    let ticket = cache.ticket();
    cache.invalidateUser('a@x.io');
    cache.put(ticket, 'a@x.io', 't1', 60_000);
    expect(cache.has('a@x.io', 't1')).toBe(false);

    ticket = cache.ticket();
    cache.suspend();
    cache.resume();
    cache.put(ticket, 'a@x.io', 't1', 60_000);
    expect(cache.has('a@x.io', 't1')).toBe(false);

    ticket = cache.ticket();
    cache.clear();
    cache.put(ticket, 'a@x.io', 't1', 60_000);
    expect(cache.has('a@x.io', 't1')).toBe(false);

    // A read begun after the change is kept.
    admit(cache, 'a@x.io', 't1');
    expect(cache.has('a@x.io', 't1')).toBe(true);
  });

  it('is empty and unused while suspended (lost subscription), and reads begun then are never kept', () => {
    const { cache } = cacheAt();
    admit(cache, 'a@x.io', 't1');
    cache.suspend();
    expect(cache.active).toBe(false);
    expect(cache.has('a@x.io', 't1')).toBe(false);
    expect(cache.size).toBe(0);
    const ticket = cache.ticket();
    cache.put(ticket, 'a@x.io', 't1', 60_000);
    cache.resume();
    cache.put(ticket, 'a@x.io', 't1', 60_000);
    expect(cache.has('a@x.io', 't1')).toBe(false);
  });

  it('is never used before its subscription is confirmed, nor with a TTL of 0', () => {
    const clock = { now: 0 };
    const fresh = new TokenAdmissionCache(5000, 10, () => clock.now);
    fresh.put(fresh.ticket(), 'a@x.io', 't1', 60_000);
    expect(fresh.has('a@x.io', 't1')).toBe(false);
    const off = new TokenAdmissionCache(0, 10, () => clock.now);
    off.resume();
    expect(off.active).toBe(false);
    off.put(off.ticket(), 'a@x.io', 't1', 60_000);
    expect(off.has('a@x.io', 't1')).toBe(false);
  });

  it('stays within its size cap: ended entries go first, then the users cached longest ago', () => {
    const { cache, clock } = cacheAt(5000, 10);
    for (let i = 0; i < 5; i++) admit(cache, `old${i}@x.io`, 't', 100);
    clock.now += 200;
    for (let i = 0; i < 10; i++) admit(cache, `u${i}@x.io`, 't');
    expect(cache.size).toBeLessThanOrEqual(10);
    expect(cache.has('u9@x.io', 't')).toBe(true);
    for (let i = 10; i < 40; i++) admit(cache, `u${i}@x.io`, 't');
    expect(cache.size).toBeLessThanOrEqual(10);
    expect(cache.has('u39@x.io', 't')).toBe(true);
    expect(cache.has('u0@x.io', 't')).toBe(false);
    // Re-admitting a cached token neither grows the cache nor evicts.
    const before = cache.size;
    admit(cache, 'u39@x.io', 't');
    expect(cache.size).toBe(before);
  });
});
