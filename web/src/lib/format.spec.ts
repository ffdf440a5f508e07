import { describe, expect, it } from '@jest/globals';
import { bytes, duration, plural, relativeTime, shortTime } from './format.js';

const NOW = Date.parse('2026-03-12T12:00:00Z');

describe('relativeTime', () => {
  it('says how far a time is, in days up to a year', () => {
    expect(relativeTime(NOW + 6 * 86400_000, NOW)).toBe('in 6 days');
    expect(relativeTime(NOW + 30 * 86400_000, NOW)).toBe('in 30 days');
    expect(relativeTime(NOW - 3 * 3600_000, NOW)).toBe('3 hours ago');
    expect(relativeTime(NOW + 400 * 86400_000, NOW)).toBe('next year');
  });

  it('calls the last and next few seconds "now", and an unreadable time nothing', () => {
    expect(relativeTime(NOW + 20_000, NOW)).toBe('now');
    expect(relativeTime(NOW - 44_000, NOW)).toBe('now');
    expect(relativeTime('not a time', NOW)).toBe('');
  });
});

describe('duration', () => {
  it('gives the two largest units', () => {
    expect(duration(7 * 86400 - 60)).toBe('6 days 23 hours');
    expect(duration(3600)).toBe('1 hour');
    expect(duration(61)).toBe('1 minute 1 second');
    expect(duration(0)).toBe('0 seconds');
    expect(duration(-5)).toBe('0 seconds');
  });
});

describe('shortTime', () => {
  it("leaves out today's date, and the year when it is this year's", () => {
    const local = (iso: string) => new Date(iso).getTime();
    const now = local('2026-03-12T12:00:00');
    expect(shortTime(local('2026-03-12T08:05:00'), now)).not.toMatch(/2026|Mar/);
    expect(shortTime(local('2026-01-02T08:05:00'), now)).toMatch(/Jan/);
    expect(shortTime(local('2026-01-02T08:05:00'), now)).not.toMatch(/2026/);
    expect(shortTime(local('2025-01-02T08:05:00'), now)).toMatch(/2025/);
  });
});

describe('bytes and plural', () => {
  it('writes sizes and counts as people read them', () => {
    expect(bytes(320)).toBe('320 B');
    expect(bytes(1536)).toBe('1.5 KB');
    expect(bytes(5 * 1024 * 1024)).toBe('5.0 MB');
    expect(plural(1, 'session')).toBe('1 session');
    expect(plural(2, 'entry', 'entries')).toBe('2 entries');
  });
});
