import { describe, expect, it } from '@jest/globals';
import { Cluster, ReplyError } from 'ioredis';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { classifyRedisError, isRedisUnavailableError, UnexpectedRedisReplyError } from './redis-errors.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function reply(message: string): Error {
  return new (ReplyError as new (message: string) => Error)(message);
}

/** redis-errors' AbortError, the very class ioredis rejects with (resolved from ioredis's own dependencies). */
const { AbortError } = createRequire(createRequire(import.meta.url).resolve('ioredis'))('redis-errors') as {
  AbortError: new (message: string) => Error;
};

/** How ioredis's Cluster words a command whose redirections and retries ran out (cluster/index.js, handleError). */
function redirectionsExhausted(last: Error): Error {
  return new Error('Too many Cluster redirections. Last error: ' + String(last));
}

/** A local port nobody listens on: a connection to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (err: unknown) => err,
  );
}

describe('classifyRedisError', () => {
  it('calls unreachable, slow, not connected, loading and cluster-down Redis unavailable', () => {
    const unavailable = [
      withCode('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      withCode('connect ETIMEDOUT', 'ETIMEDOUT'),
      new Error('Command timed out'),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error('Connection is closed.'),
      Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' }),
      reply('LOADING Redis is loading the dataset in memory'),
      reply('CLUSTERDOWN The cluster is down'),
      reply('MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no'),
      reply('TRYAGAIN Multiple keys request during rehashing of slot'),
    ];
    for (const err of unavailable)
      expect({ message: err.message, kind: classifyRedisError(err) }).toEqual({ message: err.message, kind: 'unavailable' });
  });

  it('calls a Redis that answers but refuses writes refusing-writes', () => {
    for (const message of [
      "OOM command not allowed when used memory > 'maxmemory'.",
      "READONLY You can't write against a read only replica.",
      'NOREPLICAS Not enough good replicas to write.',
      'MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.',
    ]) {
      expect(classifyRedisError(reply(message))).toBe('refusing-writes');
    }
  });

  it('calls script bugs, wrong types, missing scripts, bad replies and other errors other: those never open a door', () => {
    const other = [
      reply('WRONGTYPE Operation against a key holding the wrong kind of value script: abc, on @user_script:1.'),
      reply('NOSCRIPT No matching script. Please use EVAL.'),
      reply('ERR user_script:1: Script attempted to access nonexistent global variable'),
      new UnexpectedRedisReplyError('admit-token answered null'),
      new TypeError("Cannot read properties of undefined (reading '0')"),
      'not an error',
      undefined,
    ];
    for (const err of other) {
      expect(classifyRedisError(err)).toBe('other');
      expect(isRedisUnavailableError(err)).toBe(false);
    }
  });

  it('does not read an unavailable-sounding message inside a reply as an outage', () => {
    expect(classifyRedisError(reply('ERR Error running script: Connection is closed'))).toBe('other');
  });
});

describe('classifyRedisError on a Redis Cluster', () => {
  it('calls the errors of a real Cluster that cannot reach a node unavailable: not ready, no startup node, slots not refreshed, closed', async () => {
    const port = await closedPort();
    // The gateway's own Cluster settings that matter here: no offline queue; no retry, so it gives up at once.
    const cluster = new Cluster([{ host: '127.0.0.1', port }], {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: () => null,
      // The slots refresher's refused socket is closed already: its disconnect would otherwise wait the default 2 s.
      redisOptions: { disconnectTimeout: 10 },
    });
    const emitted: unknown[] = [];
    cluster.on('error', (err: unknown) => emitted.push(err));
    try {
      const connecting = failure(cluster.connect());
      const notReady = await failure(cluster.get('k'));
      const noStartupNode = await connecting;
      const closed = await failure(cluster.get('k'));

      const seen = [notReady, noStartupNode, ...emitted, closed].map((err) => ({
        name: (err as Error).name,
        message: (err as Error).message,
        kind: classifyRedisError(err),
      }));
      expect(seen).toEqual([
        { name: 'Error', message: "Cluster isn't ready and enableOfflineQueue options is false", kind: 'unavailable' },
        { name: 'Error', message: 'None of startup nodes is available', kind: 'unavailable' },
        { name: 'ClusterAllFailedError', message: 'Failed to refresh slots cache.', kind: 'unavailable' },
        { name: 'Error', message: 'Connection is closed.', kind: 'unavailable' },
      ]);
      expect(isRedisUnavailableError(notReady)).toBe(true);
    } finally {
      cluster.disconnect();
    }
  });

  it('calls a command whose redirections or retries ran out during a failover or resharding unavailable', () => {
    for (const last of [
      reply('CLUSTERDOWN The cluster is down'),
      reply('TRYAGAIN Multiple keys request during rehashing of slot'),
      reply('MOVED 3999 127.0.0.1:7002'),
      reply('ASK 3999 127.0.0.1:7002'),
      new Error('Connection is closed.'),
    ]) {
      const err = redirectionsExhausted(last);
      expect({ message: err.message, kind: classifyRedisError(err) }).toEqual({ message: err.message, kind: 'unavailable' });
    }
  });

  it('still calls a script bug other when it is the last error after redirections', () => {
    expect(classifyRedisError(redirectionsExhausted(reply('WRONGTYPE Operation against a key holding the wrong kind of value')))).toBe(
      'other',
    );
    expect(classifyRedisError(redirectionsExhausted(reply('OOM command not allowed')))).toBe('refusing-writes');
  });

  it('calls a command aborted because the connection or the Cluster ended unavailable, but not a CROSSSLOT abort', () => {
    expect(classifyRedisError(new AbortError('Cluster is ended.'))).toBe('unavailable');
    expect(classifyRedisError(new AbortError('Command aborted due to connection close'))).toBe('unavailable');
    expect(classifyRedisError(new AbortError('Possible CROSSSLOT error: All channels must hash to the same slot'))).toBe('other');
  });
});
