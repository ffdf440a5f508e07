/**
 * Times every command the shared Redis client sends, and counts the failed ones by kind, in one
 * place: the client's sendCommand, wrapped once when the app starts. Lua scripts are timed under
 * their name (gwAdmitToken), not as "evalsha". Per command this costs two clock reads, a lookup
 * and one promise reaction (measured in docs/OPERATIONS.md, "Metrics").
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Command, Redis } from 'ioredis';
import { classifyRedisError } from '../redis/redis-errors.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { GatewayMetrics, type HistogramChild } from './gateway-metrics.js';

/** ioredis may pass one command through sendCommand again (a resend after a reconnect): it is timed once. */
const TIMED = Symbol('llmgw.redis.timed');
type TimedCommand = Command & { [TIMED]?: true };
type SendCommand = Redis['sendCommand'];

@Injectable()
export class RedisCommandMetrics {
  constructor(@Inject(REDIS_CLIENT) redis: Redis, metrics: GatewayMetrics) {
    instrumentRedisClient(redis, metrics);
  }
}

export function instrumentRedisClient(client: Redis, metrics: GatewayMetrics): void {
  const scriptNames = scriptNamesBySha(client);
  // Kept unbound on purpose: the wrapper calls it with the client as `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const send: SendCommand = client.sendCommand;
  const timerOf = (command: Command): HistogramChild => {
    const name = command.name === 'evalsha' ? (scriptNames.get(String(command.args[0])) ?? 'evalsha') : command.name;
    return metrics.redisCommand(name);
  };
  // Every argument passes through: a Cluster's sendCommand takes a third (the node a redirection or a pipeline chose).
  client.sendCommand = function (this: Redis, command: TimedCommand, ...rest: unknown[]) {
    const forward = (): ReturnType<SendCommand> => (send as (...args: unknown[]) => ReturnType<SendCommand>).call(this, command, ...rest);
    if (command[TIMED] === true) return forward();
    command[TIMED] = true;
    const started = performance.now();
    const result = forward();
    const timer = timerOf(command);
    command.promise.then(
      () => timer.observe((performance.now() - started) / 1000),
      (err: unknown) => {
        timer.observe((performance.now() - started) / 1000);
        metrics.countRedisError(classifyRedisError(err));
      },
    );
    return result;
  };
}

/** The scripts registered with defineCommand (src/redis/redis-scripts.ts), by the SHA1 that EVALSHA sends. */
function scriptNamesBySha(client: Redis): Map<string, string> {
  // scriptsSet is typed `{}` by ioredis; each entry is its Script, which keeps the SHA1 it sends.
  const scripts = client.scriptsSet as Record<string, { sha?: unknown }>;
  const names = new Map<string, string>();
  for (const [name, script] of Object.entries(scripts)) if (typeof script.sha === 'string') names.set(script.sha, name);
  return names;
}
