/** The admin view of people: who is active and how, and who is banned, until when and why. */
import { Inject, Injectable } from '@nestjs/common';
import type { AuthMethod } from '../common/authenticated-user.js';
import type { ListPosition } from '../common/list-cursor.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { TokensService } from '../tokens/tokens.service.js';
import type { Ban } from './ban.js';
import { type ActivityRecord, UserDirectoryRepository } from './user-directory.repository.js';

export interface ActiveUser extends ActivityRecord {
  readonly authMethods: AuthMethod[];
  readonly sessionCount: number;
  readonly tokenCount: number;
}

export interface ActiveUserPage {
  readonly items: ActiveUser[];
  readonly next: ListPosition | null;
  readonly totals: {
    readonly users: number;
    readonly banned: number;
    readonly activeSessions: number;
    readonly usersByMethod: Readonly<Record<AuthMethod, number>>;
  };
}

export interface BanView extends Ban {
  readonly remainingMs: number | null;
}

export interface BanPage {
  readonly items: BanView[];
  readonly next: ListPosition | null;
  readonly total: number;
}

@Injectable()
export class UserDirectoryService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: UserDirectoryRepository,
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
  ) {}

  /**
   * Active users, most recent access first: those whose activity record is within
   * ACTIVE_USER_TTL_SECONDS of their last access. `needle` keeps emails containing it, literally.
   */
  async listActiveUsers(after: ListPosition | null, limit: number, needle?: string): Promise<ActiveUserPage> {
    const now = Date.now();
    const windowStart = now - this.config.activeUserTtlSeconds * 1000;
    const match = needle === undefined ? undefined : (email: string) => email.includes(needle);
    const [page, totals, activeSessions] = await Promise.all([
      this.repository.pageUsers({ after, limit, match }, windowStart),
      this.repository.totals(now, windowStart),
      this.sessions.countLive(),
    ]);
    const emails = page.items.map((r) => r.email);
    const [sessionCounts, tokenCounts] = await Promise.all([
      Promise.all(emails.map((email) => this.sessions.countForUser(email))),
      this.tokens.countLiveOf(emails),
    ]);
    const items = page.items.map((record, i) => activeUser(record, sessionCounts[i], tokenCounts[i]));
    return {
      items,
      next: page.next,
      totals: {
        users: totals.users,
        banned: totals.banned,
        activeSessions,
        usersByMethod: { jwt: totals.jwtUsers, oauth2: totals.oauth2Users },
      },
    };
  }

  /** One person's activity, as the active-user list shows it; null when they were not active within ACTIVE_USER_TTL_SECONDS. */
  async findUser(email: string): Promise<ActiveUser | null> {
    const [record] = await this.repository.activity([email]);
    if (!record) return null;
    const [sessionCount, [tokenCount]] = await Promise.all([this.sessions.countForUser(email), this.tokens.countLiveOf([email])]);
    return activeUser(record, sessionCount, tokenCount);
  }

  /** Current bans, the latest ending first. */
  async listBans(after: ListPosition | null, limit: number, needle?: string): Promise<BanPage> {
    const now = Date.now();
    const match = needle === undefined ? undefined : (email: string) => email.includes(needle);
    const [page, totals] = await Promise.all([
      this.repository.pageBans({ after, limit, match }, now),
      this.repository.totals(now, now - this.config.activeUserTtlSeconds * 1000),
    ]);
    return { items: page.items, next: page.next, total: totals.banned };
  }
}

function activeUser(record: ActivityRecord, sessionCount: number, tokenCount: number): ActiveUser {
  const authMethods: AuthMethod[] = [];
  if (record.methodJwt !== null) authMethods.push('jwt');
  if (record.methodOauth2 !== null) authMethods.push('oauth2');
  return { ...record, authMethods, sessionCount, tokenCount };
}
