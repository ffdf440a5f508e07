/** Redis durability (docs/OPERATIONS.md, "Redis came back empty"): what the store keeps, and confirming a reset. */
import { RedisStoreMarker } from '../../redis/redis-store-marker.js';
import type { CliCommand } from '../cli-command.js';

export const redisCommands: CliCommand[] = [
  {
    name: 'redis status',
    summary: 'Whether Redis persists its data, and whether its store marker is in place',
    flags: {},
    async run(app) {
      const marker = app.get(RedisStoreMarker);
      const value = await marker.read();
      return { persistence: await marker.persistence(), marker: value === null ? 'missing' : 'present', marker_value: value };
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
        marker_was: before === null ? 'missing' : 'present',
        marker_value: value,
        persistence: await marker.persistence(),
      };
    },
  },
];
