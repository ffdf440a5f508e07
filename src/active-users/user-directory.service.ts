/** The admin view of people: who is active and how, and who is banned, until when and why. */
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { BackgroundIndexBuild } from '../redis/lex-index.js';
import type { AuthMethod } from '../common/authenticated-user.js';
import { lexCursor, type ListPosition, type Search } from '../common/list-cursor.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { TokenCatalogService } from '../tokens/token-catalog.service.js';
import { TokensService } from '../tokens/tokens.service.js';
import { ActivityWriteBehind } from './activity-write-behind.js';
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

export interface DirectoryStats {
  /** Active within ACTIVE_USER_TTL_SECONDS. */
  readonly users: number;
  readonly activeLastDay: number;
  readonly banned: number;
  readonly liveSessions: number;
  readonly liveTokens: number;
  readonly blockedTokens: number;
  readonly usersByMethod: Readonly<Record<AuthMethod | 'both', number>>;
}

export interface BanView extends Ban {
  readonly remainingMs: number | null;
}

export interface BanPage {
  readonly items: BanView[];
  readonly next: ListPosition | null;
  readonly total: number;
}

const DAY_MS = 86400_000;

@Injectable()
export class UserDirectoryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(UserDirectoryService.name);
  private indexBuild: BackgroundIndexBuild | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: UserDirectoryRepository,
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
    private readonly catalog: TokenCatalogService,
    private readonly activity: ActivityWriteBehind,
  ) {}

  /**
   * Active users, most recent access first: those whose activity record is within
   * ACTIVE_USER_TTL_SECONDS of their last access. A prefix search reads the email index instead
   * (alphabetical order); a `contains` search walks the last-access index keeping matches.
   */
  async listActiveUsers(after: ListPosition | null, limit: number, search?: Search): Promise<ActiveUserPage> {
    // This gateway's activity not yet written behind goes first, so its own calls show at once.
    await this.activity.flush();
    const now = Date.now();
    const windowStart = now - this.config.activeUserTtlSeconds * 1000;
    const [page, totals, activeSessions] = await Promise.all([
      this.pageUsers(after, limit, windowStart, search),
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

  /** People seen before the email index existed are filed in it once, beside the gateway's start. */
  onApplicationBootstrap(): void {
    this.indexBuild = new BackgroundIndexBuild(this.logger, 'active-user', (signal) => this.repository.buildSearchIndex(signal));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.indexBuild?.stop();
  }

  get activeUserWindowSeconds(): number {
    return this.config.activeUserTtlSeconds;
  }

  /** The dashboard's figures, all from index counts. */
  async stats(): Promise<DirectoryStats> {
    await this.activity.flush();
    const now = Date.now();
    const windowStart = now - this.config.activeUserTtlSeconds * 1000;
    const banned = await this.bannedEmails();
    const [totals, activeLastDay, liveSessions, tokens] = await Promise.all([
      this.repository.totals(now, windowStart),
      this.repository.countActiveSince(now - DAY_MS),
      this.sessions.countLive(),
      this.catalog.summary(banned),
    ]);
    return {
      users: totals.users,
      activeLastDay,
      banned: totals.banned,
      liveSessions,
      liveTokens: tokens.active + tokens.blocked,
      blockedTokens: tokens.blocked,
      usersByMethod: {
        jwt: totals.jwtUsers,
        oauth2: totals.oauth2Users,
        both: Math.max(0, totals.jwtUsers + totals.oauth2Users - totals.users),
      },
    };
  }

  /** Everyone banned now. Bans are few (each is an admin's decision), so the set is read whole. */
  async bannedEmails(): Promise<ReadonlySet<string>> {
    return new Set(await this.repository.bannedEmails(Date.now()));
  }

  private async pageUsers(
    after: ListPosition | null,
    limit: number,
    windowStart: number,
    search?: Search,
  ): Promise<{ items: ActivityRecord[]; next: ListPosition | null }> {
    if (search?.match === 'prefix') {
      const page = await this.repository.pageUsersByEmailPrefix(search.needle, after?.member ?? null, limit);
      return { items: page.items, next: lexCursor(page.next) };
    }
    const needle = search?.needle;
    const match = needle === undefined ? undefined : (email: string) => email.includes(needle);
    return this.repository.pageUsers({ after, limit, match }, windowStart);
  }

  /** One person's activity, as the active-user list shows it; null when they were not active within ACTIVE_USER_TTL_SECONDS. */
  async findUser(email: string): Promise<ActiveUser | null> {
    await this.activity.flush();
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
