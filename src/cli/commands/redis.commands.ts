/** The Redis store itself: is it persistent, and confirming that it came back empty (docs/OPERATIONS.md, "Redis came back empty"). */
import { RedisStoreMarker } from '../../redis/redis-store-marker.js';
import type { CliCommand } from '../cli-command.js';

export const redisCommands: CliCommand[] = [
  {
    name: 'redis status',
    summary: "Redis persistence and whether the gateway's store marker is present",
    flags: {},
    async run(app): Promise<object> {
      const marker = app.get(RedisStoreMarker);
      const value = await marker.read();
      return { persistence: await marker.persistence(), marker: value === null ? 'missing' : 'present', marker_value: value };
    },
  },
  {
    name: 'redis confirm-reset',
    summary: 'Accept that Redis lost its data (bans, tokens, sessions) and reopen sign-in, minting and /v1',
    flags: {},
    audit: { action: 'redis.confirm-reset', target: () => 'store' },
    async run(app): Promise<object> {
      const marker = app.get(RedisStoreMarker);
      const before = await marker.read();
      const value = await marker.confirm();
      return { confirmed: true, marker_was: before === null ? 'missing' : 'present', marker_value: value, persistence: await marker.persistence() };
    },
  },
];
