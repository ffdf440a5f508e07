import { describe, expect, it } from '@jest/globals';
import calculateSlot from 'cluster-key-slot';
import { RedisKeys } from './redis-keys.js';
import {
  ClusterMarkerKeys,
  compareMarkers,
  isConfirmation,
  persistenceOf,
  type StoreMarkerReading,
  weakestPersistence,
} from './redis-store-marker.js';

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

describe('weakestPersistence', () => {
  it('is the least durable node’s: one master without persistence makes the store not persistent', () => {
    expect(weakestPersistence([{ node: null, persistence: 'rdb' }])).toBe('rdb');
    expect(
      weakestPersistence([
        { node: 'a:1', persistence: 'aof' },
        { node: 'b:1', persistence: 'none' },
        { node: 'c:1', persistence: 'unknown' },
      ]),
    ).toBe('none');
    expect(
      weakestPersistence([
        { node: 'a:1', persistence: 'aof' },
        { node: 'b:1', persistence: 'unknown' },
        { node: 'c:1', persistence: 'rdb' },
      ]),
    ).toBe('unknown');
  });
});

/** Three masters splitting the slots as `redis-cli --cluster create` does. */
const THREE_MASTERS = (slot: number): string => (slot <= 5460 ? 'a:1' : slot <= 10922 ? 'b:1' : 'c:1');

describe('ClusterMarkerKeys', () => {
  const keys = new RedisKeys('llmgw:');
  const sut = () => new ClusterMarkerKeys((tag) => keys.clusterStoreMarker(tag));

  it('gives every master a marker key in a slot it serves, each under its own hash tag', () => {
    const markers = sut().of(THREE_MASTERS);
    expect(markers.map((m) => m.node).sort()).toEqual(['a:1', 'b:1', 'c:1']);
    for (const { key, node } of markers) {
      expect(key).toMatch(/^llmgw:store:marker:\{[0-9a-z]+\}$/);
      expect(THREE_MASTERS(calculateSlot(key))).toBe(node);
    }
  });

  it('picks the same keys for the same slot table, in every process', () => {
    expect(sut().of(THREE_MASTERS)).toEqual(sut().of(THREE_MASTERS));
  });

  it('finds a key for a master that serves a single slot, and none for a master without slots', () => {
    const lone = 4242;
    const markers = sut().of((slot) => (slot === lone ? 'lone:1' : slot < 8000 ? 'a:1' : slot < 16000 ? 'b:1' : undefined));
    expect(markers.map((m) => m.node).sort()).toEqual(['a:1', 'b:1', 'lone:1']);
    expect(calculateSlot(markers.find((m) => m.node === 'lone:1')?.key ?? '')).toBe(lone);
  });

  it('moves a master’s key when its marker’s slot goes to another master, and keeps the others', () => {
    const before = sut().of(THREE_MASTERS);
    const moved = calculateSlot(before.find((m) => m.node === 'a:1')?.key ?? '');
    const after = sut().of((slot) => (slot === moved ? 'b:1' : THREE_MASTERS(slot)));
    expect(after.find((m) => m.node === 'a:1')?.key).not.toBe(before.find((m) => m.node === 'a:1')?.key);
    expect(after.find((m) => m.node === 'c:1')).toEqual(before.find((m) => m.node === 'c:1'));
  });

  it('has no key at all when the client knows no slot yet', () => {
    expect(sut().of(() => undefined)).toEqual([]);
  });
});

describe('compareMarkers', () => {
  const at = (key: string, value: string | null): StoreMarkerReading => ({ key, node: null, value });
  const known = new Map([
    ['m1', 'boot:1'],
    ['m2', 'boot:2'],
  ]);

  it('accepts markers that did not change', () => {
    expect(compareMarkers(known, [at('m1', 'boot:1'), at('m2', 'boot:2')])).toEqual({
      lost: [],
      confirmed: false,
      unmet: [],
      accepted: known,
    });
  });

  it('calls a known marker that is gone, or replaced by one written at boot, lost, and keeps the value it knew', () => {
    const found = compareMarkers(known, [at('m1', null), at('m2', 'boot:other')]);
    expect(found.lost).toEqual([at('m1', null), at('m2', 'boot:other')]);
    expect(found.accepted).toEqual(known);
  });

  it('accepts an operator’s confirmation', () => {
    const found = compareMarkers(known, [at('m1', 'confirmed:3'), at('m2', 'confirmed:3')]);
    expect(found).toMatchObject({ lost: [], confirmed: true });
    expect([...found.accepted.values()]).toEqual(['confirmed:3', 'confirmed:3']);
  });

  it('reports a loss on one master even when another marker holds a confirmation', () => {
    const found = compareMarkers(known, [at('m1', 'confirmed:3'), at('m2', null)]);
    expect(found).toMatchObject({ lost: [at('m2', null)], confirmed: true });
  });

  it('does not call a missing marker under a key it never met lost (a Cluster master whose slots moved), and forgets keys no longer read', () => {
    const found = compareMarkers(known, [at('m1', 'boot:1'), at('m3', null), at('m4', 'boot:2')]);
    expect(found).toMatchObject({ lost: [], confirmed: false, unmet: [at('m3', null)] });
    expect(found.accepted).toEqual(
      new Map([
        ['m1', 'boot:1'],
        ['m4', 'boot:2'],
      ]),
    );
  });
});
