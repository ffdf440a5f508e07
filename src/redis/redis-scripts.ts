/**
 * Every Lua script the gateway runs, registered on the shared client with defineCommand
 * (ioredis sends EVALSHA and reloads the script after a Redis restart, in pipelines too).
 * Every script touches the keys of one Redis Cluster slot: a user's keys (they share the user's
 * hash tag), one session's key, or one global key. Writes that span slots are separate commands,
 * ordered so that a crash between them leaves only what cleanup removes or what expires by itself.
 */
import type { Redis, Result } from 'ioredis';
import { ACTIVITY_FLUSH_LUA } from './scripts/activity-flush.lua.js';
import { ADMIT_SESSION_LUA } from './scripts/admit-session.lua.js';
import { ADMIT_TOKEN_LUA } from './scripts/admit-token.lua.js';
import { BAN_SET_LUA } from './scripts/ban-set.lua.js';
import { OWNED_LOCK_LUA } from './scripts/owned-lock.lua.js';
import { SESSION_BAN_NOTICE_LUA } from './scripts/session-ban-notice.lua.js';
import { SESSION_ENROLL_LUA } from './scripts/session-enroll.lua.js';
import { SESSION_WRITE_LUA } from './scripts/session-write.lua.js';
import { TOKEN_CREATE_LUA } from './scripts/token-create.lua.js';
import { TOKEN_REVOKE_LUA } from './scripts/token-revoke.lua.js';
import { TOKEN_ROTATE_LUA } from './scripts/token-rotate.lua.js';
import { ZREM_IF_SCORE_LUA } from './scripts/zrem-if-score.lua.js';
import { ZSET_PAGE_LUA } from './scripts/zset-page.lua.js';

type Arg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    gwTokenCreate(k1: string, k2: string, k3: string, ...args: Arg[]): Result<number, Context>;
    gwTokenRevoke(numKeys: number, ...keysAndArgs: Arg[]): Result<Array<number | string>, Context>;
    gwTokenRotate(k1: string, k2: string, k3: string, k4: string, k5: string, ...args: Arg[]): Result<Array<number | string>, Context>;
    gwAdmitToken(k1: string, k2: string): Result<[number, number, number], Context>;
    gwActivityFlush(numKeys: number, ...keysAndArgs: Arg[]): Result<number, Context>;
    gwBanSet(k1: string, ...args: Arg[]): Result<number, Context>;
    gwZsetPage(k1: string, ...args: Arg[]): Result<string[], Context>;
    gwSessionWrite(k1: string, ...args: Arg[]): Result<number, Context>;
    gwSessionEnroll(k1: string, k2: string, ...args: Arg[]): Result<number, Context>;
    gwSessionBanNotice(k1: string, ...args: Arg[]): Result<number, Context>;
    gwAdmitSession(k1: string, k2: string, k3: string, ...args: Arg[]): Result<[number, number, number], Context>;
    gwZremIfScore(k1: string, ...args: Arg[]): Result<number[], Context>;
    gwOwnedLock(k1: string, ...args: Arg[]): Result<number, Context>;
  }
}

/** numberOfKeys undefined means the caller passes the key count first (variable key lists). */
const SCRIPTS: Record<string, { lua: string; numberOfKeys?: number }> = {
  gwTokenCreate: { lua: TOKEN_CREATE_LUA, numberOfKeys: 3 },
  gwTokenRevoke: { lua: TOKEN_REVOKE_LUA },
  gwTokenRotate: { lua: TOKEN_ROTATE_LUA, numberOfKeys: 5 },
  gwAdmitToken: { lua: ADMIT_TOKEN_LUA, numberOfKeys: 2 },
  gwActivityFlush: { lua: ACTIVITY_FLUSH_LUA },
  gwBanSet: { lua: BAN_SET_LUA, numberOfKeys: 1 },
  gwZsetPage: { lua: ZSET_PAGE_LUA, numberOfKeys: 1 },
  gwSessionWrite: { lua: SESSION_WRITE_LUA, numberOfKeys: 1 },
  gwSessionEnroll: { lua: SESSION_ENROLL_LUA, numberOfKeys: 2 },
  gwSessionBanNotice: { lua: SESSION_BAN_NOTICE_LUA, numberOfKeys: 1 },
  gwAdmitSession: { lua: ADMIT_SESSION_LUA, numberOfKeys: 3 },
  gwZremIfScore: { lua: ZREM_IF_SCORE_LUA, numberOfKeys: 1 },
  gwOwnedLock: { lua: OWNED_LOCK_LUA, numberOfKeys: 1 },
};

/** The scripts whose callers pass the key count first (see SCRIPTS). */
export const VARIABLE_KEY_SCRIPTS: string[] = Object.entries(SCRIPTS)
  .filter(([, script]) => script.numberOfKeys === undefined)
  .map(([name]) => name);

export function defineScripts(client: Redis): void {
  for (const [name, { lua, numberOfKeys }] of Object.entries(SCRIPTS)) {
    client.defineCommand(name, numberOfKeys === undefined ? { lua } : { lua, numberOfKeys });
  }
}
