import { describe, expect, it } from '@jest/globals';
import { ReplyError } from 'ioredis';
import { classifyRedisError, isRedisUnavailableError, UnexpectedRedisReplyError } from './redis-errors.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function reply(message: string): Error {
  return new (ReplyError as new (message: string) => Error)(message);
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
