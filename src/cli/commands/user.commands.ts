/** People: who is active, one person in full, bans. */
import { ActiveUsersAdminController } from '../../active-users/active-users-admin.controller.js';
import { ActiveUsersService } from '../../active-users/active-users.service.js';
import { ActiveUserDto } from '../../active-users/dto/active-user.dto.js';
import { BanItemDto } from '../../active-users/dto/ban-item.dto.js';
import type { BanListDto } from '../../active-users/dto/ban-list.dto.js';
import type { ActiveUserListDto } from '../../active-users/dto/active-user-list.dto.js';
import { ListActiveUsersQueryDto } from '../../active-users/dto/list-active-users-query.dto.js';
import { ListBansQueryDto } from '../../active-users/dto/list-bans-query.dto.js';
import { UserDirectoryService } from '../../active-users/user-directory.service.js';
import { SessionItemDto } from '../../sessions/dto/session-item.dto.js';
import { SessionsService } from '../../sessions/sessions.service.js';
import { ExpiringTokenDto } from '../../tokens/dto/expiring-token.dto.js';
import { TokenDto } from '../../tokens/dto/token.dto.js';
import { TokensService } from '../../tokens/tokens.service.js';
import { CLI_ACTOR, type CliCommand, LIST_FLAGS, pick, str } from '../cli-command.js';
import { validated } from '../cli-validation.js';
import { email } from './flag-values.js';

const BAN_COLUMNS = [
  ['EMAIL', 'email'],
  ['UNTIL', 'banned_until'],
  ['BY', 'banned_by'],
  ['REASON', 'reason'],
] as const;

export const userCommands: CliCommand[] = [
  {
    name: 'users list',
    summary: 'Active users (tokens and browser sessions), most recent first, with totals',
    flags: LIST_FLAGS,
    tables: {
      items: [
        ['EMAIL', 'email'],
        ['LAST ACCESS', 'last_access'],
        ['METHODS', 'auth_methods'],
        ['REQUESTS', 'request_count'],
        ['SESSIONS', 'session_count'],
        ['TOKENS', 'token_count'],
        ['BANNED', 'is_banned'],
      ],
    },
    async run(app, flags): Promise<ActiveUserListDto> {
      return app
        .get(ActiveUsersAdminController)
        .listActiveUsers(await validated(ListActiveUsersQueryDto, pick(flags, ['q', 'limit', 'cursor'])));
    },
  },
  {
    name: 'users show',
    summary: 'One person: activity, ban, live tokens (and which expire within 7 days), browser sessions',
    flags: { email: { type: 'string', value: 'EMAIL', required: true, description: 'the person' } },
    tables: {
      tokens: [
        ['ID', 'token_id'],
        ['NAME', 'token_name'],
        ['SCOPES', 'scopes'],
        ['EXPIRES', 'expires_at'],
        ['LAST USED', 'last_used_at'],
      ],
      tokens_expiring_soon: [
        ['ID', 'token_id'],
        ['NAME', 'token_name'],
        ['EXPIRES', 'expires_at'],
      ],
      sessions: [
        ['SESSION', 'session_id'],
        ['SIGNED IN', 'created_at'],
        ['LAST SEEN', 'last_seen_at'],
        ['EXPIRES', 'expires_at'],
        ['IP', 'ip'],
      ],
    },
    async run(app, flags) {
      const person = email(flags);
      const sessions = app.get(SessionsService);
      const tokens = app.get(TokensService);
      const [activity, ban, live, expiring, views] = await Promise.all([
        app.get(UserDirectoryService).findUser(person),
        app.get(ActiveUsersService).findBan(person),
        tokens.list(person),
        tokens.expiringSoon(person),
        sessions.liveOfUser(person),
      ]);
      const now = Date.now();
      return {
        email: person,
        active_user: activity === null ? null : ActiveUserDto.from(activity, now),
        ban: ban === null ? null : BanItemDto.from({ ...ban, remainingMs: Math.max(0, ban.until - now) }),
        tokens: live.map((r) => TokenDto.from(r)),
        tokens_expiring_soon: expiring.map((r) => ExpiringTokenDto.from(r)),
        sessions: views.map((v) => SessionItemDto.from(v, now)),
      };
    },
  },
  {
    name: 'ban',
    summary: 'BAN: refuse every token and end every browser session of a person for BAN_TTL_SECONDS',
    flags: {
      email: { type: 'string', value: 'EMAIL', required: true, description: 'the person (need not have been seen)' },
      reason: { type: 'string', value: 'TEXT', description: 'why: shown in the ban list, the audit trail and the alert' },
    },
    audit: { action: 'user.ban', target: (flags) => str(flags, 'email') },
    async run(app, flags) {
      const ban = await app.get(ActiveUsersService).ban({ email: email(flags), bannedBy: CLI_ACTOR, reason: str(flags, 'reason') });
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
  {
    name: 'unban',
    summary: 'Lift a ban at once',
    flags: {
      email: { type: 'string', value: 'EMAIL', required: true, description: 'the person' },
      reason: { type: 'string', value: 'TEXT', description: 'why: sent with the alert' },
    },
    audit: { action: 'user.unban', target: (flags) => str(flags, 'email') },
    async run(app, flags) {
      const person = email(flags);
      const lifted = await app.get(ActiveUsersService).unban(person, CLI_ACTOR, str(flags, 'reason') ?? '');
      return { unbanned: lifted, user_email: person };
    },
  },
  {
    name: 'bans list',
    summary: 'Current bans, the latest ending first: until when, by whom, why',
    flags: LIST_FLAGS,
    tables: { items: BAN_COLUMNS },
    async run(app, flags): Promise<BanListDto> {
      return app.get(ActiveUsersAdminController).listBans(await validated(ListBansQueryDto, pick(flags, ['q', 'limit', 'cursor'])));
    },
  },
];
