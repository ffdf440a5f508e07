/** A person's activity and their ban: who may pass, and who is stopped for how long. */
import { Inject, Injectable } from '@nestjs/common';
import { AdminsService } from '../admins/admins.service.js';
import { ConflictError, InvalidInputError } from '../common/domain-errors.js';
import { canonicalEmail } from '../common/email.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { TokensService } from '../tokens/tokens.service.js';
import { ActiveUsersRepository } from './active-users.repository.js';
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
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
    private readonly admins: AdminsService,
  ) {}

  /** Checks the ban and the token's allowlist record, and records the activity. Throws on Redis failure. */
  admitToken(email: string, tokenId: string, tokenName: string): Promise<Admission> {
    return this.repository.admitToken(email, tokenId, tokenName, Date.now(), this.config.activeUserTtlSeconds);
  }

  /** Checks the ban of a signed-in browser user and records the activity (method oauth2). Throws on Redis failure. */
  admitSession(email: string): Promise<SessionAdmission> {
    return this.repository.admitSession(email, Date.now(), this.config.activeUserTtlSeconds);
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
    const sessionsEnded = await this.sessions.endAllForUser(email);
    const tokensBlocked = await this.tokens.countLive(email);
    return { ...ban, sessionsEnded, tokensBlocked };
  }

  /** Lifts a ban; false when the user was not banned. */
  unban(email: string): Promise<boolean> {
    return this.repository.deleteBan(requireEmail(email));
  }

  findBan(email: string): Promise<Ban | null> {
    return this.repository.findBan(requireEmail(email));
  }
}

function requireEmail(input: string): string {
  const email = canonicalEmail(input);
  if (email === null) throw new InvalidInputError('email must be a plain email address');
  return email;
}
