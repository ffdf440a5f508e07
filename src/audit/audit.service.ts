/** The audit trail: records admin actions and reads them back, kept AUDIT_RETENTION_DAYS. */
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import { InvalidInputError } from '../common/domain-errors.js';
import { canonicalEmail } from '../common/email.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { AuditEntry, AuditOutcome, NewAuditEntry } from './audit-entry.js';
import { AuditRepository } from './audit.repository.js';
import type { AuditedCall } from './audited-call.js';

export interface AuditFilter {
  readonly actor?: string;
  readonly action?: string;
  readonly target?: string;
  readonly outcome?: AuditOutcome;
  /** Substring of actor or target, matched literally. */
  readonly needle?: string;
  readonly sinceMs?: number;
  readonly untilMs?: number;
}

export interface AuditListResult {
  readonly items: AuditEntry[];
  readonly nextBeforeId: string | null;
  readonly total: number;
}

const MAX_EXAMINED = 20_000;
const FILTER_CHUNK = 1000;

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);
  /** One log line per admin action (REST, CLI or scheduled), beside the audit trail in Redis. */
  private readonly actions = new Logger('Audit');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: AuditRepository,
  ) {}

  get retentionDays(): number {
    return this.config.audit.retentionDays;
  }

  get retentionMs(): number {
    return this.config.audit.retentionDays * 86400 * 1000;
  }

  /**
   * Records one entry. A failure to record is logged, not thrown: the action it describes has
   * already happened and cannot be undone by failing the answer.
   */
  async record(entry: NewAuditEntry): Promise<void> {
    const now = Date.now();
    this.actions.log({
      event: 'admin_action',
      action: entry.action,
      actor: entry.actor,
      actor_method: entry.actorMethod,
      actor_token_id: entry.actorTokenId || null,
      target: entry.target,
      outcome: entry.outcome,
      status: entry.status,
      detail: entry.detail || null,
      request_id: entry.requestId || null,
      client: entry.ip || null,
    });
    try {
      await this.repository.append(entry, now, now - this.retentionMs);
    } catch (err) {
      this.logger.error(`Audit entry not recorded (${entry.action} by ${entry.actor} on ${entry.target}): ${(err as Error).message}`);
    }
  }

  /** Records an audited route's outcome for its caller. */
  recordCall(call: AuditedCall, user: AuthenticatedUser | undefined, outcome: AuditOutcome, status: number, detail = ''): Promise<void> {
    const { target } = call;
    return this.record({
      actor: user?.email ?? '',
      actorMethod: user?.method ?? '',
      actorTokenId: user?.tokenId ?? '',
      action: call.action,
      // An email target is recorded in its canonical spelling, so filters find it however it was typed.
      target: (canonicalEmail(target) ?? target).slice(0, 320),
      requestId: call.requestId,
      outcome,
      status,
      detail: detail.slice(0, 500),
      ip: call.ip,
    });
  }

  async list(filter: AuditFilter, beforeId: string | null, limit: number): Promise<AuditListResult> {
    if (beforeId !== null && !/^\d{1,16}-\d{1,16}$/.test(beforeId)) throw new InvalidInputError('cursor is not valid');
    const oldestKept = Date.now() - this.retentionMs;
    const filtered =
      filter.actor !== undefined ||
      filter.action !== undefined ||
      filter.target !== undefined ||
      filter.outcome !== undefined ||
      filter.needle !== undefined;
    const { needle } = filter;
    const match = (e: AuditEntry): boolean =>
      (filter.actor === undefined || e.actor === filter.actor) &&
      (filter.action === undefined || e.action === filter.action) &&
      (filter.target === undefined || e.target === filter.target) &&
      (filter.outcome === undefined || e.outcome === filter.outcome) &&
      (needle === undefined || e.actor.includes(needle) || e.target.toLowerCase().includes(needle));
    const [page, total] = await Promise.all([
      this.repository.page({
        beforeId,
        sinceMs: Math.max(oldestKept, filter.sinceMs ?? 0),
        untilMs: filter.untilMs ?? null,
        limit,
        match,
        maxExamined: MAX_EXAMINED,
        chunkSize: filtered ? FILTER_CHUNK : limit + 1,
      }),
      this.repository.count(),
    ]);
    return { items: page.items, nextBeforeId: page.nextBeforeId, total };
  }
}
