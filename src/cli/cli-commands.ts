/**
 * The ops commands: each takes parsed flags and the app context, and returns one JSON-serialisable
 * result. Errors are thrown; cli.ts prints them to stderr and exits non-zero.
 */
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { INestApplicationContext } from '@nestjs/common';
import { ActiveUsersService } from '../active-users/active-users.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { TokenScope } from '../common/authenticated-user.js';
import { InvalidInputError } from '../common/domain-errors.js';
import { canonicalEmail } from '../common/email.js';
import { RedisStoreMarker } from '../redis/redis-store-marker.js';
import type { TokenRecord } from '../tokens/token-record.js';
import { TokensService } from '../tokens/tokens.service.js';

export type Flags = Record<string, string | undefined>;

export interface CliCommand {
  readonly usage: string;
  /** Audit action name for commands that change who may do what; recorded like admin API actions. */
  readonly audit?: { action: string; target: (flags: Flags) => string | undefined };
  run(app: INestApplicationContext, flags: Flags): Promise<unknown>;
}

/** Who the audit trail and tombstones name as the actor of CLI actions: the operator's account. */
const CLI_ACTOR = `cli:${safeUserName()}@${hostname()}`;

/** Runs a command, recording audited ones with their outcome (the failure's message included). */
export async function runCommand(app: INestApplicationContext, command: CliCommand, flags: Flags): Promise<unknown> {
  if (!command.audit) return command.run(app, flags);
  const base = {
    actor: CLI_ACTOR,
    actorMethod: 'cli',
    actorTokenId: '',
    action: command.audit.action,
    target: command.audit.target(flags) ?? '',
    requestId: randomUUID(),
    ip: '',
  };
  const audit = app.get(AuditService);
  try {
    const result = await command.run(app, flags);
    await audit.record({ ...base, outcome: 'success', status: 0, detail: '' });
    return result;
  } catch (err) {
    await audit.record({ ...base, outcome: 'failure', status: 1, detail: (err as Error).message });
    throw err;
  }
}

export const COMMANDS: Record<string, CliCommand> = {
  'token create': {
    usage: 'token create --email E [--name N] [--days D] [--scopes llm,admin]',
    async run(app, flags) {
      const days = flags.days === undefined ? undefined : parseDays(flags.days);
      const { token, record } = await app.get(TokensService).create({
        email: required(flags, 'email'),
        name: flags.name ?? 'cli',
        lifetimeSeconds: days === undefined ? undefined : Math.round(days * 86400),
        scopes: flags.scopes === undefined ? undefined : (flags.scopes.split(',').map((s) => s.trim()) as TokenScope[]),
        createdVia: 'cli',
      });
      return { token, token_type: 'Bearer', ...describeToken(record) };
    },
  },
  'token list': {
    usage: 'token list --email E',
    async run(app, flags) {
      const records = await app.get(TokensService).list(required(flags, 'email'));
      return { items: records.map(describeToken) };
    },
  },
  'token revoke': {
    usage: 'token revoke --id ID',
    audit: { action: 'token.revoke', target: (flags) => flags.id },
    async run(app, flags) {
      const record = await app.get(TokensService).revokeById(required(flags, 'id'), CLI_ACTOR, 'revoked with the CLI');
      return { revoked: true, ...describeToken(record), status: 'revoked' };
    },
  },
  ban: {
    usage: 'ban --email E [--reason R]',
    audit: { action: 'user.ban', target: (flags) => canonicalEmail(flags.email) ?? flags.email },
    async run(app, flags) {
      const ban = await app.get(ActiveUsersService).ban({ email: required(flags, 'email'), bannedBy: CLI_ACTOR, reason: flags.reason });
      return {
        banned: true,
        user_email: ban.email,
        banned_until: new Date(ban.until).toISOString(),
        reason: ban.reason,
        sessions_ended: ban.sessionsEnded,
        tokens_blocked: ban.tokensBlocked,
      };
    },
  },
  unban: {
    usage: 'unban --email E',
    audit: { action: 'user.unban', target: (flags) => canonicalEmail(flags.email) ?? flags.email },
    async run(app, flags) {
      const email = required(flags, 'email');
      const lifted = await app.get(ActiveUsersService).unban(email);
      return { unbanned: lifted, user_email: canonicalEmail(email) };
    },
  },
  // Redis durability: docs/OPERATIONS.md, "Redis came back empty".
  'redis status': {
    usage: 'redis status',
    async run(app) {
      const marker = app.get(RedisStoreMarker);
      const value = await marker.read();
      return { persistence: await marker.persistence(), marker: value === null ? 'missing' : 'present', marker_value: value };
    },
  },
  'redis confirm-reset': {
    usage: 'redis confirm-reset',
    audit: { action: 'redis.confirm-reset', target: () => 'store' },
    async run(app) {
      const marker = app.get(RedisStoreMarker);
      const before = await marker.read();
      const value = await marker.confirm();
      return { confirmed: true, marker_was: before === null ? 'missing' : 'present', marker_value: value, persistence: await marker.persistence() };
    },
  },
};

export function describeToken(record: TokenRecord): Record<string, unknown> {
  return {
    token_id: record.tokenId,
    token_name: record.name,
    user_email: record.email,
    scopes: record.scopes,
    created_at: new Date(record.createdAt).toISOString(),
    expires_at: new Date(record.expiresAt).toISOString(),
    last_used_at: record.lastUsedAt === null ? null : new Date(record.lastUsedAt).toISOString(),
    status: record.status,
  };
}

function required(flags: Flags, name: string): string {
  const value = flags[name];
  if (value === undefined || value.trim() === '') throw new InvalidInputError(`--${name} is required`);
  return value;
}

function parseDays(value: string): number {
  const days = Number(value);
  if (!Number.isFinite(days) || days <= 0) throw new InvalidInputError('--days must be a positive number');
  return days;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
