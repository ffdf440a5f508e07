import { describe, expect, it } from '@jest/globals';
import { isConfirmation, persistenceOf } from './redis-store-marker.js';

const INFO = (aof: 0 | 1): string =>
  `# Persistence\r\nloading:0\r\nrdb_changes_since_last_save:0\r\naof_enabled:${aof}\r\naof_rewrite_in_progress:0\r\n`;

describe('persistenceOf', () => {
  it('reads AOF from INFO persistence, whatever the save policy', () => {
    expect(persistenceOf(INFO(1), '')).toBe('aof');
    expect(persistenceOf(INFO(1), null)).toBe('aof');
  });

  it('reads an RDB save policy when AOF is off', () => {
    expect(persistenceOf(INFO(0), '3600 1 300 100 60 10000')).toBe('rdb');
  });

  it('says none when neither is on', () => {
    expect(persistenceOf(INFO(0), '')).toBe('none');
    expect(persistenceOf(INFO(0), '  ')).toBe('none');
  });

  it('says unknown when AOF is off and the save policy cannot be read (CONFIG disabled)', () => {
    expect(persistenceOf(INFO(0), null)).toBe('unknown');
  });
});

describe('isConfirmation', () => {
  it('tells an operator’s confirmation from a marker written at boot', () => {
    expect(isConfirmation('confirmed:2026-01-01T00:00:00.000Z:abcdef')).toBe(true);
    expect(isConfirmation('boot:2026-01-01T00:00:00.000Z:abcdef')).toBe(false);
  });
});
