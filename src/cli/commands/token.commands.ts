/** Tokens: one person's (`token ...`) and every token of the gateway (`tokens ...`). */
import { AdminTokenListController } from '../../active-users/admin-token-list.controller.js';
import { InvalidInputError } from '../../common/domain-errors.js';
import type { TokenScope } from '../../common/authenticated-user.js';
import { AdminListTokensQueryDto } from '../../tokens/dto/admin-list-tokens-query.dto.js';
import type { AdminTokenListDto } from '../../tokens/dto/admin-token-list.dto.js';
import type { AdminUserTokensRevokedDto } from '../../tokens/dto/admin-user-tokens-revoked.dto.js';
import { ExpiringTokenDto } from '../../tokens/dto/expiring-token.dto.js';
import { IssuedTokenDto } from '../../tokens/dto/issued-token.dto.js';
import { RotatedTokenDto } from '../../tokens/dto/rotated-token.dto.js';
import { TokenDto } from '../../tokens/dto/token.dto.js';
import { TokenCodec } from '../../tokens/token-codec.js';
import { TokensService } from '../../tokens/tokens.service.js';
import { CLI_ACTOR, type CliCommand, type Column, LIST_FLAGS, pick, str } from '../cli-command.js';
import { validated } from '../cli-validation.js';
import { days, email, required } from './flag-values.js';

const TOKEN_COLUMNS: readonly Column[] = [
  ['ID', 'token_id'],
  ['NAME', 'token_name'],
  ['OWNER', 'user_email'],
  ['SCOPES', 'scopes'],
  ['STATUS', 'status'],
  ['EXPIRES', 'expires_at'],
  ['LAST USED', 'last_used_at'],
];

export const tokenCommands: CliCommand[] = [
  {
    name: 'token create',
    summary: 'Mint a token for someone; prints it once',
    flags: {
      email: { type: 'string', value: 'EMAIL', required: true, description: 'the owner' },
      name: { type: 'string', value: 'NAME', description: 'a name to recognise it by (default cli)' },
      days: { type: 'string', value: 'D', description: 'lifetime in days (default TOKEN_DEFAULT_DAYS, at most TOKEN_MAX_DAYS)' },
      scopes: { type: 'string', value: 'llm,admin', description: 'scopes (default llm)' },
    },
    audit: { action: 'token.create', target: (flags) => str(flags, 'email') },
    async run(app, flags) {
      const lifetime = days(flags, 'days');
      const scopes = str(flags, 'scopes');
      const issued = await app.get(TokensService).create({
        email: required(flags, 'email'),
        name: str(flags, 'name') ?? 'cli',
        lifetimeSeconds: lifetime === undefined ? undefined : Math.round(lifetime * 86400),
        scopes: scopes === undefined ? undefined : (scopes.split(',').map((s) => s.trim()) as TokenScope[]),
        createdVia: 'cli',
      });
      return IssuedTokenDto.from(issued);
    },
  },
  {
    name: 'token list',
    summary: "One person's live tokens, and which of them expire within 7 days",
    flags: { email: { type: 'string', value: 'EMAIL', required: true, description: 'the owner' } },
    tables: {
      items: TOKEN_COLUMNS.filter(([, field]) => field !== 'user_email'),
      tokens_expiring_soon: [
        ['ID', 'token_id'],
        ['NAME', 'token_name'],
        ['EXPIRES', 'expires_at'],
      ],
    },
    async run(app, flags) {
      const owner = email(flags);
      const tokens = app.get(TokensService);
      const [records, expiring] = await Promise.all([tokens.list(owner), tokens.expiringSoon(owner)]);
      return {
        user_email: owner,
        items: records.map((r) => TokenDto.from(r)),
        total: records.length,
        tokens_expiring_soon: expiring.map((r) => ExpiringTokenDto.from(r)),
      };
    },
  },
  {
    name: 'token revoke',
    summary: 'Revoke one token: refused from the next request on',
    flags: {
      id: { type: 'string', value: 'ID', required: true, description: 'the token id' },
      reason: { type: 'string', value: 'TEXT', description: 'kept on the revoked token' },
    },
    audit: { action: 'token.revoke', target: (flags) => str(flags, 'id') },
    async run(app, flags) {
      const record = await app
        .get(TokensService)
        .revokeById(required(flags, 'id'), CLI_ACTOR, str(flags, 'reason') ?? 'revoked with the CLI');
      return { revoked: true, ...TokenDto.from(record), status: 'revoked', revoked_at: new Date().toISOString() };
    },
  },
  {
    name: 'token rotate',
    summary: 'Replace a token with a new one (same owner, name and scopes); the old one works TOKEN_ROTATION_GRACE_SECONDS more',
    flags: {
      id: { type: 'string', value: 'ID', description: 'the token id (or --token)' },
      token: { type: 'string', value: 'JWT', description: 'the token itself (or --id)' },
      days: { type: 'string', value: 'D', description: 'lifetime of the new token in days (default TOKEN_DEFAULT_DAYS)' },
    },
    audit: { action: 'token.rotate', target: (flags, app) => str(flags, 'id') ?? tokenIdOf(app.get(TokenCodec), str(flags, 'token')) },
    async run(app, flags) {
      const tokens = app.get(TokensService);
      const [id, token] = [str(flags, 'id'), str(flags, 'token')];
      if ((id === undefined) === (token === undefined)) throw new InvalidInputError('give one of --id and --token');
      const lifetime = days(flags, 'days');
      const input = {
        lifetimeSeconds: lifetime === undefined ? undefined : Math.round(lifetime * 86400),
        rotatedBy: CLI_ACTOR,
        createdVia: 'cli' as const,
      };
      if (id !== undefined) return RotatedTokenDto.from(await tokens.rotateById(id, input));
      const claims = app.get(TokenCodec).verify(token ?? '');
      if (claims === null)
        throw new InvalidInputError('--token is not a valid token of this gateway (signature, issuer, audience or expiry)');
      return RotatedTokenDto.from(await tokens.rotate({ ...input, email: claims.sub, tokenId: claims.jti }));
    },
  },
  {
    name: 'tokens list',
    summary: 'Every token of the gateway, newest first (live ones unless --all or --status)',
    flags: {
      all: { type: 'boolean', description: 'live, expired and revoked tokens' },
      status: {
        type: 'string',
        value: 'active|blocked|expired|revoked',
        description: 'only tokens in this state (blocked: of a banned person)',
      },
      email: { type: 'string', value: 'EMAIL', description: "one person's tokens (all states)" },
      ...LIST_FLAGS,
    },
    tables: { items: TOKEN_COLUMNS },
    async run(app, flags): Promise<AdminTokenListDto> {
      const query = pick(flags, ['status', 'email', 'q', 'limit', 'cursor']);
      if (flags.all === true && query.status !== undefined) throw new InvalidInputError('give --all or --status, not both');
      if (flags.all !== true && query.status === undefined && query.email === undefined) query.status = 'active';
      return app.get(AdminTokenListController).listTokens(await validated(AdminListTokensQueryDto, query));
    },
  },
  {
    name: 'tokens revoke-user',
    summary: 'Revoke every live token of a person (their browser sessions stay: ban does both)',
    flags: {
      email: { type: 'string', value: 'EMAIL', required: true, description: 'the owner' },
      reason: { type: 'string', value: 'TEXT', description: 'kept on the revoked tokens' },
    },
    audit: { action: 'token.revoke_user', target: (flags) => str(flags, 'email') },
    async run(app, flags): Promise<AdminUserTokensRevokedDto> {
      const owner = email(flags);
      const revoked = await app.get(TokensService).revokeAllOf(owner, CLI_ACTOR, str(flags, 'reason') ?? 'revoked with the CLI');
      return { user_email: owner, tokens_revoked: revoked };
    },
  },
];

/** The id (jti) of a token whose signature checks out, for the audit trail; undefined otherwise. */
function tokenIdOf(codec: TokenCodec, token: string | undefined): string | undefined {
  return token === undefined ? undefined : (codec.verify(token)?.jti ?? undefined);
}
