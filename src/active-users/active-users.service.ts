/** A person's activity and their ban: who may pass, and who is stopped for how long. */
import { Inject, Injectable } from '@nestjs/common';
import { AdminsService } from '../admins/admins.service.js';
import { SlackNotifier } from '../alerts/slack-notifier.service.js';
import { type BanNotice, ConflictError, InvalidInputError } from '../common/domain-errors.js';
import { canonicalEmail } from '../common/email.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { TokensService } from '../tokens/tokens.service.js';
import { ActiveUsersRepository } from './active-users.repository.js';
import { ActivityWriteBehind } from './activity-write-behind.js';
import { HourlyUsageService } from './hourly-usage.service.js';
import type { Admission, Ban, SessionAdmission } from './ban.js';

export interface BanInput {
  email: string;
  bannedBy: string;
  reason?: string;
  /** The admin asking over REST, held to the admin hierarchy; absent for the operator's CLI (root). */
  actingAdmin?: string;
}

/** A ban and what it did at once. */
export interface BanOutcome extends Ban {
  /** Browser sessions ended. */
  readonly sessionsEnded: number;
  /** Live tokens that are refused for the ban's life (they work again after an unban). */
  readonly tokensBlocked: number;
}

@Injectable()
export class ActiveUsersService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: ActiveUsersRepository,
    private readonly usage: HourlyUsageService,
    private readonly activity: ActivityWriteBehind,
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
    private readonly admins: AdminsService,
    private readonly alerts: SlackNotifier,
  ) {}

  /**
   * Checks the ban and the token's allowlist record (one read), and records an admitted call's
   * activity in memory (written behind, see recordTokenUse). Throws on Redis failure.
   */
  async admitToken(email: string, tokenId: string, tokenName: string): Promise<Admission> {
    const admission = await this.repository.admitToken(email, tokenId);
    if (admission.kind === 'admitted') this.recordTokenUse(email, tokenId, tokenName);
    return admission;
  }

  /**
   * A JWT call admitted (by Redis or by the verified-token cache): its activity and hourly usage,
   * in memory, written to Redis within about a second (activity-write-behind.ts).
   */
  recordTokenUse(email: string, tokenId: string, tokenName: string): void {
    const now = Date.now();
    this.activity.record(email, tokenId, tokenName, now);
    this.usage.record(email, 'jwt', now);
  }

  /** Checks the ban of a signed-in browser user and records the activity (method oauth2). Throws on Redis failure. */
  async admitSession(email: string): Promise<SessionAdmission> {
    const now = Date.now();
    const admission = await this.repository.admitSession(email, now, this.config.activeUserTtlSeconds);
    if (admission.kind === 'admitted') this.usage.record(email, 'oauth2', now);
    return admission;
  }

  /**
   * Bans a user for BAN_TTL_SECONDS (renewing a running ban) and ends all their browser sessions.
   * The user need never have been seen. The ban is written first (one script: record + index):
   * from then on every token and session request of theirs is refused by the admission checks,
   * so ending the sessions (one script per user) can follow without a window in which they pass,
   * and a failure there leaves them banned; repeating the ban finishes the job.
   */
  async ban(input: BanInput): Promise<BanOutcome> {
    const email = requireEmail(input.email);
    if (email === input.bannedBy) throw new ConflictError('an admin cannot ban themselves', 'self_ban');
    if (input.actingAdmin !== undefined) await this.admins.assertMayActOn(input.actingAdmin, email);
    const now = Date.now();
    const ban: Ban = {
      email,
      bannedAt: now,
      until: now + this.config.banTtlSeconds * 1000,
      bannedBy: input.bannedBy,
      reason: (input.reason ?? '').slice(0, 500),
    };
    await this.repository.setBan(ban);
    const sessionsEnded = await this.sessions.endAllForBan(email, ban.until);
    const tokensBlocked = await this.tokens.countLive(email);
    this.alerts.userBanned({ ...ban, sessionsEnded, tokensBlocked });
    return { ...ban, sessionsEnded, tokensBlocked };
  }

  /** Lifts a ban; false when the user was not banned. */
  async unban(input: string, unbannedBy = '', reason = ''): Promise<boolean> {
    const email = requireEmail(input);
    const lifted = await this.repository.deleteBan(email);
    if (lifted) this.alerts.userUnbanned({ email, unbannedBy, reason });
    return lifted;
  }

  /** Bans running now (the llmgw_bans_active gauge). */
  countActiveBans(): Promise<number> {
    return this.repository.countActiveBans(Date.now());
  }

  findBan(email: string): Promise<Ban | null> {
    return this.repository.findBan(requireEmail(email));
  }

  /** A person's running ban as they may see it (not who banned them); null when not banned. */
  async banNotice(email: string): Promise<BanNotice | null> {
    const ban = await this.repository.findBan(email);
    if (ban === null || ban.until <= Date.now()) return null;
    return { email: ban.email, bannedAt: ban.bannedAt, until: ban.until, reason: ban.reason };
  }
}

function requireEmail(input: string): string {
  const email = canonicalEmail(input);
  if (email === null) throw new InvalidInputError('email must be a plain email address');
  return email;
}
