/** Redis durability (docs/OPERATIONS.md, "Redis came back empty"): what the store keeps, and confirming a reset. */
import { type NodePersistence, RedisStoreMarker, type StoreMarkerReading, weakestPersistence } from '../../redis/redis-store-marker.js';
import type { CliCommand } from '../cli-command.js';

export const redisCommands: CliCommand[] = [
  {
    name: 'redis status',
    summary: 'Whether Redis persists its data, and whether its store marker is in place (on a Cluster: every master)',
    flags: {},
    async run(app) {
      const marker = app.get(RedisStoreMarker);
      const markers = await marker.read();
      const nodes = await marker.persistenceByNode();
      return {
        persistence: weakestPersistence(nodes),
        marker: anyMissing(markers) ? 'missing' : 'present',
        marker_value: sharedValue(markers),
        ...perMaster(nodes, markers),
      };
    },
  },
  {
    name: 'redis confirm-reset',
    summary: 'After Redis lost its data: confirm it, so the gateways reopen (re-ban whoever must stay banned first)',
    flags: {},
    audit: { action: 'redis.confirm-reset', target: () => 'store' },
    async run(app) {
      const marker = app.get(RedisStoreMarker);
      const before = await marker.read();
      const value = await marker.confirm();
      return {
        confirmed: true,
        marker_was: anyMissing(before) ? 'missing' : 'present',
        marker_value: value,
        persistence: await marker.persistence(),
      };
    },
  },
];

function anyMissing(markers: readonly StoreMarkerReading[]): boolean {
  return markers.some((m) => m.value === null);
}

/** The markers' value when they all hold the same one (always on one node or Sentinel; on a Cluster after a confirmation), else null. */
function sharedValue(markers: readonly StoreMarkerReading[]): string | null {
  const values = new Set(markers.map((m) => m.value));
  return values.size === 1 ? [...values][0] : null;
}

/** On a Cluster, each master's persistence and marker by address; nothing on one node or Sentinel. */
function perMaster(nodes: readonly NodePersistence[], markers: readonly StoreMarkerReading[]): Record<string, unknown> {
  if (nodes.every((n) => n.node === null)) return {};
  return {
    persistence_by_master: Object.fromEntries(nodes.map((n) => [n.node, n.persistence])),
    marker_by_master: Object.fromEntries(markers.map((m) => [m.node, m.value])),
  };
}
