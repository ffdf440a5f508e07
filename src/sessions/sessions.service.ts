/**
 * The rules of browser sessions: a session ends SESSION_TTL_SECONDS after login (absolute) or
 * SESSION_IDLE_SECONDS after its last request (idle), whichever comes first, checked on every
 * load; a new id at login; ending one, or all of a user's, removes them from every index at once.
 */
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { BackgroundIndexBuild } from '../redis/lex-index.js';
import { createHash, randomBytes } from 'node:crypto';
import type { SessionData } from 'express-session';
import { AdminsService } from '../admins/admins.service.js';
import { lexCursor, type ListPosition, type Search } from '../common/list-cursor.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { type BanNoticeState, isSessionId, sessionIdOf, type SessionAuth, type SessionView } from './session-data.js';
import { SessionsRepository } from './sessions.repository.js';

/** How long login state (between /auth/login and /auth/callback) is kept. */
export const LOGIN_STATE_TTL_SECONDS = 600;
/** A session's last-seen time is written at most this often (idle precision). */
export const TOUCH_INTERVAL_MS = 5000;
const MAX_USER_AGENT = 512;
const STATS_BATCH = 1000;

export interface SignedInPerson {
  email: string;
  name: string;
}

export interface SessionPage {
  readonly items: SessionView[];
  readonly next: ListPosition | null;
  /** Live sessions in all. */
  readonly total: number;
}

export interface SessionStats {
  readonly total: number;
  readonly uniqueUsers: number;
  /** Sessions per user, most first. */
  readonly perUser: ReadonlyArray<{ email: string; sessionCount: number }>;
}

@Injectable()
export class SessionsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SessionsService.name);
  private indexBuild: BackgroundIndexBuild | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: SessionsRepository,
    private readonly admins: AdminsService,
  ) {}

  /** Sessions signed in before the email index existed are filed in it once, beside the gateway's start. */
  onApplicationBootstrap(): void {
    const ownerOf = (json: string): string | null => {
      const auth = parseSession(json)?.auth;
      return isSessionAuth(auth) ? auth.email : null;
    };
    this.indexBuild = new BackgroundIndexBuild(this.logger, 'session', (signal) => this.repository.buildSearchIndex(ownerOf, signal));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.indexBuild?.stop();
  }

  /** When a signed-in session ends: the earlier of its absolute and idle end. */
  expiresAt(auth: Pick<SessionAuth, 'createdAt' | 'lastSeenAt'>): number {
    return Math.min(this.absoluteEnd(auth), this.idleEnd(auth));
  }

  private absoluteEnd(auth: Pick<SessionAuth, 'createdAt'>): number {
    return auth.createdAt + this.config.session.ttlSeconds * 1000;
  }

  private idleEnd(auth: Pick<SessionAuth, 'lastSeenAt'>): number {
    return auth.lastSeenAt + this.config.session.idleSeconds * 1000;
  }

  // ---- the express-session store's operations (cookie session ids) ----

  /** A live session's data, or null; an expired or unreadable session is ended on the way. */
  async load(cookieSessionId: string): Promise<SessionData | null> {
    const sessionId = sessionIdOf(cookieSessionId);
    const json = await this.repository.read(sessionId);
    if (json === null) return null;
    const data = parseSession(json);
    if (data === null) {
      this.logger.warn(`Ending unreadable session record ${sessionId}`);
      await this.repository.endOrphan(sessionId);
      return null;
    }
    if (data.banNotice !== undefined && (data.auth !== undefined || !isBanNotice(data.banNotice) || data.banNotice.until <= Date.now())) {
      await this.repository.endOrphan(sessionId);
      return null;
    }
    if (data.auth !== undefined) {
      if (!isSessionAuth(data.auth)) {
        this.logger.warn(`Ending session ${sessionId} with a malformed sign-in record`);
        await this.repository.endOrphan(sessionId);
        return null;
      }
      if (Date.now() >= this.expiresAt(data.auth)) {
        await this.repository.end(data.auth.email, [sessionId]);
        return null;
      }
    }
    return data;
  }

  /** Saves changed session data: signed-in sessions only while they exist, login state with its short TTL. */
  async save(cookieSessionId: string, data: SessionData): Promise<void> {
    const sessionId = sessionIdOf(cookieSessionId);
    const now = Date.now();
    if (data.auth !== undefined) {
      await this.repository.writeSignedIn('update', sessionId, data.auth.email, JSON.stringify(data), this.expiresAt(data.auth), now);
      return;
    }
    // A ban notice lasts until the ban ends; login state only minutes (a login started while banned keeps the notice).
    const ttlMs =
      data.banNotice === undefined ? LOGIN_STATE_TTL_SECONDS * 1000 : Math.max(LOGIN_STATE_TTL_SECONDS * 1000, data.banNotice.until - now);
    await this.repository.writeAnonymous(sessionId, JSON.stringify(data), ttlMs);
  }

  /** Records activity on an unchanged session (moves its idle end), at most every TOUCH_INTERVAL_MS. */
  async touch(cookieSessionId: string, data: SessionData): Promise<void> {
    const auth = data.auth;
    if (auth === undefined) return;
    const now = Date.now();
    if (now - auth.lastSeenAt < TOUCH_INTERVAL_MS) return;
    auth.lastSeenAt = now;
    await this.repository.writeSignedIn(
      'update',
      sessionIdOf(cookieSessionId),
      auth.email,
      JSON.stringify(data),
      this.expiresAt(auth),
      now,
    );
  }

  /** Ends the session behind a cookie session id. */
  async destroy(cookieSessionId: string): Promise<void> {
    await this.endById(sessionIdOf(cookieSessionId));
  }

  // ---- login and logout on the current request ----

  /**
   * Stores a signed-in session under a freshly generated cookie session id (the caller has
   * regenerated it, so a planted id is worthless), in the same step that checks the person's ban.
   * `sessionData` is the rest of the session (cookie settings). Null when they are banned: nothing
   * was stored.
   */
  async startSignedIn(
    cookieSessionId: string,
    sessionData: object,
    person: SignedInPerson,
    client: { ip: string; userAgent: string },
  ): Promise<SessionAuth | null> {
    const now = Date.now();
    const auth: SessionAuth = {
      email: person.email,
      name: person.name,
      createdAt: now,
      lastSeenAt: now,
      ip: client.ip,
      userAgent: client.userAgent.slice(0, MAX_USER_AGENT),
      csrfToken: randomBytes(32).toString('base64url'),
    };
    const json = JSON.stringify({ ...sessionData, auth });
    const outcome = await this.repository.writeSignedIn(
      'create',
      sessionIdOf(cookieSessionId),
      auth.email,
      json,
      this.expiresAt(auth),
      now,
    );
    if (outcome === 'banned') return null;
    if (outcome === 'refused') throw new Error('a freshly generated session id was already taken');
    return auth;
  }

  // ---- OAuth2 authorization codes ----

  /** Marks a code as used; false when it was used before (a replay). Only a hash is stored. */
  claimAuthorizationCode(code: string): Promise<boolean> {
    const hash = createHash('sha256').update(code).digest('base64url');
    return this.repository.claimAuthorizationCode(hash, LOGIN_STATE_TTL_SECONDS);
  }

  // ---- sessions by public id and by user (admins, bans) ----

  /**
   * Ends one session by its public id; the ended session, or null when there was none. An
   * `actingAdmin` (an admin over REST) is held to the admin hierarchy for the session's owner.
   */
  async endById(sessionId: string, actingAdmin?: string): Promise<SessionView | null> {
    if (!isSessionId(sessionId)) return null;
    const json = await this.repository.read(sessionId);
    const data = json === null ? null : parseSession(json);
    if (data?.auth && isSessionAuth(data.auth)) {
      if (actingAdmin !== undefined) await this.admins.assertMayActOn(actingAdmin, data.auth.email);
      const ended = await this.repository.end(data.auth.email, [sessionId]);
      return ended > 0 ? this.view(sessionId, data.auth) : null;
    }
    await this.repository.endOrphan(sessionId);
    return null;
  }

  /**
   * Ends every session of a user and removes them from every index; returns how many there were.
   * `actingAdmin` (an admin over REST) is held to the admin hierarchy for that user.
   */
  async endAllForUser(email: string, actingAdmin?: string): Promise<number> {
    if (actingAdmin !== undefined) await this.admins.assertMayActOn(actingAdmin, email);
    const ids = await this.repository.allIdsOfUser(email);
    return this.repository.end(email, ids);
  }

  /**
   * Ends every session of a user who was just banned until `until`: like endAllForUser, but each
   * record is replaced by a ban notice (see BanNoticeState), so the browser holding its cookie
   * learns of the ban on its next request instead of being sent to sign in. Returns how many
   * sessions there were.
   */
  async endAllForBan(email: string, until: number): Promise<number> {
    const ids = await this.repository.allIdsOfUser(email);
    if (ids.length === 0) return 0;
    const records = await this.repository.readMany(ids);
    const banNotice: BanNoticeState = { email, until };
    const notices = ids.map((sessionId, i) => {
      const json = records[i];
      const cookie = json === null ? undefined : parseSession(json)?.cookie;
      return { sessionId, notice: JSON.stringify({ banNotice, cookie: cookie ?? { path: '/', httpOnly: true, originalMaxAge: null } }) };
    });
    return this.repository.endForBan(email, notices, until - Date.now());
  }

  countForUser(email: string): Promise<number> {
    return this.repository.countLiveOfUser(email, Date.now());
  }

  /** A user's live sessions. */
  async liveOfUser(email: string): Promise<SessionView[]> {
    const views = await this.views(await this.repository.liveIdsOfUser(email, Date.now()));
    return views.filter((v): v is SessionView => v !== null);
  }

  countLive(): Promise<number> {
    return this.repository.countLive(Date.now());
  }

  /** Views of the given sessions, in order; null for any that ended. */
  async views(sessionIds: readonly string[]): Promise<Array<SessionView | null>> {
    const records = await this.repository.readMany(sessionIds);
    const now = Date.now();
    return records.map((json, i) => {
      const data = json === null ? null : parseSession(json);
      if (!data?.auth || !isSessionAuth(data.auth)) return null;
      const view = this.view(sessionIds[i], data.auth);
      return view.expiresAt > now ? view : null;
    });
  }

  /**
   * Live sessions, latest expiry first. A prefix search reads the email index instead (owners'
   * emails in alphabetical order); a `contains` search walks the expiry index keeping matches.
   */
  async list(after: ListPosition | null, limit: number, search?: Search): Promise<SessionPage> {
    const now = Date.now();
    const total = this.repository.countLive(now);
    if (search?.match === 'prefix') {
      const [page, count] = await Promise.all([
        this.repository.pageByEmailPrefix(search.needle, after?.member ?? null, limit, (ids) => this.views(ids)),
        total,
      ]);
      return { items: page.items, next: lexCursor(page.next), total: count };
    }
    const needle = search?.needle;
    const [page, count] = await Promise.all([
      this.repository.pageLive<SessionView>(
        now,
        after,
        limit,
        async (entries) => {
          const views = await this.views(entries.map((e) => e.member));
          return needle === undefined ? views : views.map((v) => (v !== null && v.email.includes(needle) ? v : null));
        },
        needle !== undefined,
      ),
      total,
    ]);
    return { items: page.items, next: page.next, total: count };
  }

  /** Totals over every live session: reads each record once, in batches. */
  async stats(): Promise<SessionStats> {
    const now = Date.now();
    const perUser = new Map<string, number>();
    let total = 0;
    for (let offset = 0; ; offset += STATS_BATCH) {
      const entries = await this.repository.liveEntries(now, offset, STATS_BATCH);
      const views = await this.views(entries.map((e) => e.sessionId));
      for (const view of views) {
        if (view === null) continue;
        total += 1;
        perUser.set(view.email, (perUser.get(view.email) ?? 0) + 1);
      }
      if (entries.length < STATS_BATCH) break;
    }
    const sorted = [...perUser.entries()]
      .map(([email, sessionCount]) => ({ email, sessionCount }))
      .sort((a, b) => b.sessionCount - a.sessionCount || (a.email < b.email ? -1 : 1));
    return { total, uniqueUsers: perUser.size, perUser: sorted };
  }

  private view(sessionId: string, auth: SessionAuth): SessionView {
    return {
      sessionId,
      email: auth.email,
      name: auth.name,
      createdAt: auth.createdAt,
      lastSeenAt: auth.lastSeenAt,
      expiresAt: this.expiresAt(auth),
      absoluteExpiresAt: this.absoluteEnd(auth),
      idleExpiresAt: this.idleEnd(auth),
      ip: auth.ip,
      userAgent: auth.userAgent,
    };
  }
}

function parseSession(json: string): SessionData | null {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as SessionData) : null;
  } catch {
    return null;
  }
}

function isBanNotice(value: unknown): value is BanNoticeState {
  const n = value as Partial<BanNoticeState> | null;
  return typeof n === 'object' && n !== null && typeof n.email === 'string' && n.email.length > 0 && typeof n.until === 'number';
}

function isSessionAuth(value: unknown): value is SessionAuth {
  const a = value as Partial<SessionAuth> | null;
  return (
    typeof a === 'object' &&
    a !== null &&
    typeof a.email === 'string' &&
    a.email.length > 0 &&
    typeof a.createdAt === 'number' &&
    typeof a.lastSeenAt === 'number' &&
    typeof a.csrfToken === 'string'
  );
}
