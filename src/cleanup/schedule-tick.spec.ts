import { describe, expect, it } from '@jest/globals';
import { CronTime } from 'cron';
import { latestTick } from './schedule-tick.js';

const at = (iso: string): number => Date.parse(iso);

describe('latestTick', () => {
  it('names the tick a timer fired for, however late within the lookback', () => {
    const everySecond = new CronTime('* * * * * *', 'UTC');
    expect(latestTick(everySecond, at('2025-01-01T12:00:05.000Z'))).toBe(at('2025-01-01T12:00:05.000Z'));
    expect(latestTick(everySecond, at('2025-01-01T12:00:05.004Z'))).toBe(at('2025-01-01T12:00:05.000Z'));
    expect(latestTick(everySecond, at('2025-01-01T12:00:05.999Z'))).toBe(at('2025-01-01T12:00:05.000Z'));
  });

  it('reads the expression in UTC, whatever the local time zone', () => {
    const daily = new CronTime('0 3 * * *', 'UTC');
    expect(latestTick(daily, at('2025-01-01T03:00:00.020Z'))).toBe(at('2025-01-01T03:00:00.000Z'));
    expect(latestTick(daily, at('2025-01-01T03:00:40.000Z'))).toBe(at('2025-01-01T03:00:00.000Z'));
  });

  it('finds no tick when the last one is older than the lookback', () => {
    const daily = new CronTime('0 3 * * *', 'UTC');
    expect(latestTick(daily, at('2025-01-01T03:01:00.001Z'))).toBeNull();
    expect(latestTick(daily, at('2025-01-01T02:59:59.999Z'))).toBeNull();
  });
});
