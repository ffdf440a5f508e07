import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { RateLimitedLog } from './rate-limited-log.js';

describe('RateLimitedLog', () => {
  let lines: string[];
  const logger = {
    warn: (m: unknown) => lines.push(`warn ${String(m)}`),
    error: (m: unknown) => lines.push(`error ${String(m)}`),
    fatal: (m: unknown) => lines.push(`fatal ${String(m)}`),
  };

  beforeEach(() => {
    lines = [];
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('writes a burst, then counts, then says how many it left out', () => {
    const sut = new RateLimitedLog(logger, 3, (key, n) => `${key}: ${n} suppressed`);
    for (let i = 0; i < 100; i++) sut.write('bad_signature', 'warn', () => `line ${i}`);
    expect(lines).toEqual(['warn line 0', 'warn line 1', 'warn line 2']);
    jest.advanceTimersByTime(1000);
    expect(lines.at(-1)).toBe('warn bad_signature: 97 suppressed');
  });

  it('refills at the rate, so a steady trickle under it is never suppressed', () => {
    const sut = new RateLimitedLog(logger, 2, (key, n) => `${key}: ${n}`);
    for (let i = 0; i < 10; i++) {
      sut.write('k', 'warn', () => `line ${i}`);
      jest.advanceTimersByTime(500);
    }
    expect(lines).toHaveLength(10);
  });

  it('keeps one bucket per key', () => {
    const sut = new RateLimitedLog(logger, 1, (key, n) => `${key}: ${n}`);
    sut.write('a', 'warn', () => 'a1');
    sut.write('a', 'warn', () => 'a2');
    sut.write('b', 'error', () => 'b1');
    expect(lines).toEqual(['warn a1', 'error b1']);
  });

  it('builds a line only when it is written', () => {
    const sut = new RateLimitedLog(logger, 1, () => 'summary');
    let built = 0;
    for (let i = 0; i < 5; i++) sut.write('k', 'warn', () => String(++built));
    expect(built).toBe(1);
  });

  it('flushes pending summaries at once', () => {
    const sut = new RateLimitedLog(logger, 1, (key, n) => `${key}: ${n}`);
    for (let i = 0; i < 4; i++) sut.write('k', 'warn', () => 'x');
    sut.flush();
    expect(lines).toEqual(['warn x', 'warn k: 3']);
  });

  it('allows rates under one line a second, with a burst of one', () => {
    const sut = new RateLimitedLog(logger, 0.1, (key, n) => `${key}: ${n}`);
    sut.write('k', 'warn', () => 'first');
    sut.write('k', 'warn', () => 'second');
    expect(lines).toEqual(['warn first']);
    jest.advanceTimersByTime(10_000);
    expect(lines).toEqual(['warn first', 'warn k: 1']);
  });
});
