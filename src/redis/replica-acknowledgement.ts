/**
 * Redis replicates asynchronously: a ban that returned could still be lost if the master fails
 * before a replica has it. After each security write (ban, unban, revocation) the owning
 * repository asks here for a replica's acknowledgement: on a connection of its own, a probe key in
 * the user's slot (so on the master that took the write, after it) is written, then WAIT 1 holds
 * until a replica has everything up to the probe, for at most REDIS_REPLICA_WAIT_MS. A master
 * without replicas is not waited on. When no replica acknowledged in time the write stands; a
 * warning is logged and the audit entry of the request says so (acknowledgementNotes).
 */
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RequestNotes } from '../common/request-notes.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { createRedisClient } from './redis-client.factory.js';
import { RedisKeys } from './redis-keys.js';

/** Notes about unacknowledged writes, collected per audited request (see AuditInterceptor). */
export const acknowledgementNotes = new RequestNotes();

const PROBE_TTL_MS = 60_000;

@Injectable()
export class ReplicaAcknowledgement implements OnApplicationShutdown {
  private readonly logger = new Logger(ReplicaAcknowledgement.name);
  private connection: Promise<Redis> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: RedisKeys,
  ) {}

  /**
   * Waits (bounded) for a replica to hold the user's latest security write, `what` naming it for
   * the log. Resolves 'acknowledged', 'no-replicas' (nothing to wait for, or the wait is off) or
   * 'unacknowledged'; never throws: the write itself has succeeded.
   */
  async confirm(email: string, what: string): Promise<'acknowledged' | 'no-replicas' | 'unacknowledged'> {
    const waitMs = this.config.redis.replicaWaitMs;
    if (waitMs === 0) return 'no-replicas';
    let problem: string;
    try {
      const client = await this.client();
      const probe = this.keys.replicationProbe(email);
      const [probed, info] = (await client.pipeline().set(probe, Date.now(), 'PX', PROBE_TTL_MS).info('replication').exec()) ?? [];
      const probeFailed = probed?.[0] ?? info?.[0];
      if (probeFailed) throw probeFailed;
      if (!/^connected_slaves:[1-9]/m.test(String(info?.[1]))) return 'no-replicas';
      const [again, waited] = (await client.pipeline().set(probe, Date.now(), 'PX', PROBE_TTL_MS).call('WAIT', 1, waitMs).exec()) ?? [];
      const waitFailed = again?.[0] ?? waited?.[0];
      if (waitFailed) throw waitFailed;
      if (Number(waited?.[1]) >= 1) return 'acknowledged';
      problem = `no Redis replica acknowledged it within ${waitMs} ms`;
    } catch (err) {
      problem = `its replication could not be confirmed (${(err as Error).message})`;
    }
    this.logger.warn(`${what}: ${problem}; a Redis failover now could lose it`);
    acknowledgementNotes.note(`${what}: ${problem}`);
    return 'unacknowledged';
  }

  async onApplicationShutdown(): Promise<void> {
    const client = await this.connection?.catch(() => undefined);
    if (client === undefined || client.status === 'end') return;
    client.disconnect();
  }

  private client(): Promise<Redis> {
    this.connection ??= createRedisClient(this.config, 'replica-wait');
    return this.connection;
  }
}
