/** The only place that reads and writes token keys. */
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { TokenScope } from '../common/authenticated-user.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { TokenAdmissionCache } from './token-admission-cache.js';
import { encodeCatalogEntry, parseCatalogEntry, type TokenCatalogEntry } from './token-catalog-entry.js';
import type { TokenCreatedVia, TokenRecord } from './token-record.js';
import { tokenSearchMembers } from './token-search.js';
import { redisBatch } from '../redis/redis-batch.js';
import { ReplicaAcknowledgement } from '../redis/replica-acknowledgement.js';

export interface NewTokenRecord {
  tokenId: string;
  email: string;
  name: string;
  scopes: readonly TokenScope[];
  createdAt: number;
  expiresAt: number;
  createdVia: TokenCreatedVia;
}

/** Outcome of a rotation, as the script decided it. */
export type RotationOutcome = 'rotated' | 'limit-reached' | 'not-live' | 'already-rotated';

const ROTATION_OUTCOMES: Record<number, RotationOutcome> = { 1: 'rotated', 0: 'limit-reached', [-1]: 'not-live', [-2]: 'already-rotated' };

@Injectable()
export class TokenRepository {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly replicas: ReplicaAcknowledgement,
    private readonly admissions: TokenAdmissionCache,
  ) {}

  /**
   * Stores the record unless the user is at the cap; false when the cap was reached. The global
   * indexes go first and are taken back on a refusal: a crash in between leaves index entries
   * without a record, which lists skip and cleanup removes, never a token no list can find.
   */
  async create(record: NewTokenRecord, perUserMax: number): Promise<boolean> {
    const { tokenId, email } = record;
    await this.indexNew(record);
    const created = await this.redis.gwTokenCreate(
      this.keys.token(email, tokenId),
      this.keys.userTokens(email),
      this.keys.userTokenHistory(email),
      tokenId,
      record.createdAt,
      record.expiresAt,
      perUserMax,
      ...recordFields(record),
    );
    if (created !== 1) await this.unindexNew(record);
    return created === 1;
  }

  /**
   * Replaces a live token of the same user with `successor` (one script on the user's slot): the
   * old token works for `graceMs` more (never past its own expiry), then counts as revoked by
   * `rotatedBy`. The successor's global index entries go first (taken back on a refusal), the old
   * token's tombstone entry after.
   */
  async rotate(
    oldTokenId: string,
    successor: NewTokenRecord,
    perUserMax: number,
    graceMs: number,
    rotatedBy: string,
  ): Promise<RotationOutcome> {
    const { email } = successor;
    await this.indexNew(successor);
    const [code, tombstoneEnd] = await this.redis.gwTokenRotate(
      this.keys.token(email, oldTokenId),
      this.keys.revokedToken(email, oldTokenId),
      this.keys.userTokens(email),
      this.keys.token(email, successor.tokenId),
      this.keys.userTokenHistory(email),
      oldTokenId,
      successor.tokenId,
      successor.createdAt,
      successor.expiresAt,
      perUserMax,
      graceMs,
      rotatedBy,
      this.keys.tokenInvalidations(),
      email,
      ...recordFields(successor),
      'rotated_from',
      oldTokenId,
    );
    const outcome = ROTATION_OUTCOMES[Number(code)] ?? 'not-live';
    // The script published the user for every gateway; this one need not wait for the message.
    if (outcome === 'rotated') this.admissions.invalidateUser(email);
    if (outcome !== 'rotated') await this.unindexNew(successor);
    else if (Number(tombstoneEnd) > 0) await this.redis.zadd(this.keys.revokedTokens(), Number(tombstoneEnd), oldTokenId);
    return outcome;
  }

  /** The global index entries of a token about to be stored (catalog, by created, by expiry, search). */
  private async indexNew(record: NewTokenRecord): Promise<void> {
    const { tokenId, email } = record;
    const [owner, name] = tokenSearchMembers(email, record.name, tokenId);
    const results = await redisBatch(this.redis)
      .hset(this.keys.tokenCatalog(), tokenId, catalogEntryOf(record))
      .zadd(this.keys.tokensByCreated(), record.createdAt, tokenId)
      .zadd(this.keys.tokensByExpiry(), record.expiresAt, tokenId)
      .zadd(this.keys.tokensByTerm(), 0, owner, 0, name)
      .exec();
    for (const [err] of results ?? []) if (err) throw err;
  }

  /** Takes back indexNew's entries for a token that was not stored (best effort: cleanup removes leftovers). */
  private async unindexNew(record: NewTokenRecord): Promise<void> {
    const { tokenId, email } = record;
    await redisBatch(this.redis)
      .hdel(this.keys.tokenCatalog(), tokenId)
      .zrem(this.keys.tokensByCreated(), tokenId)
      .zrem(this.keys.tokensByExpiry(), tokenId)
      .zrem(this.keys.tokensByTerm(), ...tokenSearchMembers(email, record.name, tokenId))
      .exec();
  }

  /** A user's live tokens, newest expiry last; with `untilMs`, only those that end by then. */
  async listLive(email: string, nowMs: number, untilMs?: number): Promise<TokenRecord[]> {
    const ids = await this.redis.zrangebyscore(this.keys.userTokens(email), nowMs, untilMs ?? '+inf');
    if (ids.length === 0) return [];
    const pipeline = redisBatch(this.redis);
    for (const id of ids) pipeline.hgetall(this.keys.token(email, id));
    const results = (await pipeline.exec()) ?? [];
    const records: TokenRecord[] = [];
    for (const [err, fields] of results) {
      if (err) throw err;
      const record = toRecord(fields as Record<string, string>, 'active');
      if (record) records.push(record);
    }
    return records;
  }

  /** A user's token by id: live, or revoked while its tombstone lasts; null otherwise. */
  async find(email: string, tokenId: string): Promise<TokenRecord | null> {
    const [[e1, live], [e2, revoked]] = ((await redisBatch(this.redis)
      .hgetall(this.keys.token(email, tokenId))
      .hgetall(this.keys.revokedToken(email, tokenId))
      .exec()) ?? []) as Array<[Error | null, Record<string, string>]>;
    const failed = e1 ?? e2;
    if (failed) throw failed;
    return toRecord(live, 'active') ?? toRecord(revoked, 'revoked');
  }

  /** The owner of a token id, from the catalog (also for expired and revoked tokens until cleanup). */
  async findOwner(tokenId: string): Promise<string | null> {
    const raw = await this.redis.hget(this.keys.tokenCatalog(), tokenId);
    if (raw === null) return null;
    return parseCatalogEntry(raw)?.e ?? null;
  }

  /**
   * Revokes the given tokens of one user atomically (one script on the user's slot, which tells
   * every gateway's token cache); returns how many were live. The tombstones join the global index
   * of revoked tokens afterwards, then a replica is asked to acknowledge the revocation.
   */
  async revoke(email: string, tokenIds: readonly string[], nowMs: number, revokedBy: string, reason: string): Promise<number> {
    if (tokenIds.length === 0) return 0;
    const keys: string[] = [this.keys.userTokens(email)];
    for (const id of tokenIds) keys.push(this.keys.token(email, id), this.keys.revokedToken(email, id));
    let reply: Array<number | string>;
    try {
      reply = await this.redis.gwTokenRevoke(
        keys.length,
        ...keys,
        nowMs,
        revokedBy,
        reason,
        this.keys.tokenInvalidations(),
        email,
        ...tokenIds,
      );
    } finally {
      // Published for every gateway by the script; this one drops its entries now (also if the reply was lost).
      this.admissions.invalidateUser(email);
    }
    const [revoked, ...tombstones] = reply;
    if (tombstones.length > 0) {
      const entries: Array<string | number> = [];
      for (let i = 0; i < tombstones.length; i += 2) entries.push(Number(tombstones[i + 1]), String(tombstones[i]));
      await this.redis.zadd(this.keys.revokedTokens(), ...entries);
    }
    if (Number(revoked) > 0)
      await this.replicas.confirm(
        email,
        `revocation of ${tokenIds.length === 1 ? `token ${tokenIds[0]}` : `${tokenIds.length} tokens`} of ${email}`,
      );
    return Number(revoked);
  }

  /** Live-token counts of many users, in one round trip. */
  async countLiveMany(emails: readonly string[], nowMs: number): Promise<number[]> {
    if (emails.length === 0) return [];
    const pipeline = redisBatch(this.redis);
    for (const email of emails) pipeline.zcount(this.keys.userTokens(email), `(${nowMs}`, '+inf');
    return ((await pipeline.exec()) ?? []).map(([err, n]) => {
      if (err) throw err;
      return Number(n);
    });
  }

  /** Ids of the live tokens of some people, per person, in one round trip. */
  async liveIdsMany(emails: readonly string[], nowMs: number): Promise<string[][]> {
    if (emails.length === 0) return [];
    const pipeline = redisBatch(this.redis);
    for (const email of emails) pipeline.zrangebyscore(this.keys.userTokens(email), `(${nowMs}`, '+inf');
    return ((await pipeline.exec()) ?? []).map(([err, ids]) => {
      if (err) throw err;
      return ids as string[];
    });
  }

  /** Ids of a user's live tokens. */
  async liveIds(email: string, nowMs: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.userTokens(email), nowMs, '+inf');
  }
}

function catalogEntryOf(record: NewTokenRecord): string {
  const entry: TokenCatalogEntry = {
    e: record.email,
    n: record.name,
    c: record.createdAt,
    x: record.expiresAt,
    s: record.scopes.join(' '),
  };
  return encodeCatalogEntry(entry);
}

/** A new record's hash fields, as field, value pairs. */
function recordFields(record: NewTokenRecord): Array<string | number> {
  return [
    'token_id',
    record.tokenId,
    'email',
    record.email,
    'name',
    record.name,
    'scopes',
    record.scopes.join(' '),
    'created_at',
    record.createdAt,
    'expires_at',
    record.expiresAt,
    'last_used_at',
    '',
    'created_via',
    record.createdVia,
  ];
}

function toRecord(fields: Record<string, string>, status: 'active' | 'revoked'): TokenRecord | null {
  if (!fields.token_id) return null;
  const revokedAt = fields.revoked_at ? Number(fields.revoked_at) : undefined;
  return {
    tokenId: fields.token_id,
    email: fields.email,
    name: fields.name,
    scopes: fields.scopes.split(' ').filter(Boolean) as TokenScope[],
    createdAt: Number(fields.created_at),
    expiresAt: Number(fields.expires_at),
    lastUsedAt: fields.last_used_at ? Number(fields.last_used_at) : null,
    createdVia: fields.created_via as TokenCreatedVia,
    status,
    ...(revokedAt !== undefined ? { revokedAt, revokedBy: fields.revoked_by } : {}),
    ...(fields.rotated_to ? { rotatedTo: fields.rotated_to } : {}),
    ...(fields.rotated_from ? { rotatedFrom: fields.rotated_from } : {}),
  };
}
