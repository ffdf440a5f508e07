import { describe, expect, it } from '@jest/globals';
import { describeDuration, UserBannedError } from './domain-errors.js';

describe('describeDuration', () => {
  it.each([
    [7 * 86400 * 1000 - 3600 * 1000, '6 days 23 hours'],
    [86400 * 1000, '1 day'],
    [3600 * 1000 + 120 * 1000, '1 hour 2 minutes'],
    [40 * 1000, '40 seconds'],
    [1, '1 second'],
    [0, '0 seconds'],
  ])('describes %d ms as "%s"', (ms, text) => {
    expect(describeDuration(ms)).toBe(text);
  });

  it('stops at the first gap after the largest unit', () => {
    expect(describeDuration(86400 * 1000 + 30 * 1000)).toBe('1 day');
  });

  it('puts the remaining time in the ban message', () => {
    const err = new UserBannedError(new Date(), 2 * 3600 * 1000);
    expect(err.message).toBe('User is banned for 2 hours');
    expect(err.code).toBe('user_banned');
  });
});
