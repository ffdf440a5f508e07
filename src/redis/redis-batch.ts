/**
 * Several commands sent together, on any topology. A MULTI or a pipeline of ioredis must keep to
 * one Cluster slot; a batch sends each command on its own in the same tick, and the client's
 * auto-pipelining writes those of one node in one go: one round trip per node touched, as a
 * pipeline would on a single node. Like a pipeline (and unlike MULTI) nothing is atomic: use a
 * batch where each command stands on its own, and a script on one slot where the writes must hang
 * together. `exec()` answers as a pipeline does: one [error, reply] pair per command, in order.
 */
import type { ChainableCommander, Redis } from 'ioredis';

type Reply = [Error | null, unknown];

export function redisBatch(redis: Redis): ChainableCommander {
  const queued: Array<() => Promise<unknown>> = [];
  const batch: ChainableCommander = new Proxy({} as ChainableCommander, {
    get(_target, property) {
      if (property === 'exec') {
        return async (): Promise<Reply[]> => {
          const settled = await Promise.allSettled(queued.map((send) => send()));
          return settled.map((s): Reply =>
            s.status === 'fulfilled' ? [null, s.value] : [s.reason instanceof Error ? s.reason : new Error(String(s.reason)), null],
          );
        };
      }
      if (property === 'length') return queued.length;
      if (typeof property !== 'string') return undefined;
      const command = (redis as unknown as Record<string, unknown>)[property];
      if (typeof command !== 'function') return undefined;
      return (...args: unknown[]) => {
        queued.push(() => (command as (...a: unknown[]) => Promise<unknown>).apply(redis, args));
        return batch;
      };
    },
  });
  return batch;
}
