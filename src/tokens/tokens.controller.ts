import { Body, Controller, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminsService } from '../admins/admins.service.js';
import { Authenticated, CurrentUser } from '../common/auth-metadata.decorators.js';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import { ForbiddenError, InvalidInputError } from '../common/domain-errors.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { GenerateTokenDto } from './dto/generate-token.dto.js';
import { IssuedTokenDto } from './dto/issued-token.dto.js';
import { TokenIdDto } from './dto/token-id.dto.js';
import { TokenListDto } from './dto/token-list.dto.js';
import { TokenRevokedDto } from './dto/token-revoked.dto.js';
import { TokenDto } from './dto/token.dto.js';
import { TokensService } from './tokens.service.js';

/**
 * Self-service tokens: a signed-in person (browser session) or a script holding one of their
 * tokens creates, lists, inspects and revokes their own API tokens. Someone else's id is a 404.
 */
@ApiTags('tokens')
@Authenticated()
@Controller('api/token')
export class TokensController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: TokensService,
    private readonly admins: AdminsService,
  ) {}

  @Post('generate')
  @ApiOperation({ summary: 'Creates an API token for the caller; the token is shown only in this answer' })
  @ApiCreatedResponse({ type: IssuedTokenDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'An unknown field, a wrong type or an out-of-range lifetime' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The admin scope was asked for without an admin browser session, or the CSRF check failed' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The caller already holds TOKENS_PER_USER_MAX tokens' })
  async generateToken(@CurrentUser() user: AuthenticatedUser, @Body() body: GenerateTokenDto): Promise<IssuedTokenDto> {
    if (body.expires_in !== undefined && body.expires_in > this.tokens.maxLifetimeSeconds) {
      throw new InvalidInputError(`expires_in must not be greater than ${this.tokens.maxLifetimeSeconds} (TOKEN_MAX_DAYS is ${this.config.tokens.maxDays} days)`);
    }
    const scopes = body.scopes ?? ['llm'];
    if (scopes.includes('admin')) await this.requireAdminSession(user);
    const issued = await this.tokens.create({
      email: user.email,
      name: body.token_name,
      lifetimeSeconds: body.expires_in,
      scopes,
      createdVia: user.method === 'oauth2' ? 'oauth2' : 'jwt',
      parentTokenId: user.method === 'jwt' ? user.tokenId : undefined,
    });
    const { record } = issued;
    return {
      token: issued.token,
      token_type: 'Bearer',
      token_id: record.tokenId,
      token_name: record.name,
      expires_in: Math.round((record.expiresAt - record.createdAt) / 1000),
      expires_at: new Date(record.expiresAt).toISOString(),
      created_at: new Date(record.createdAt).toISOString(),
      scopes: [...record.scopes],
      user_email: record.email,
    };
  }

  @Get('list')
  @ApiOperation({ summary: "The caller's active tokens" })
  @ApiOkResponse({ type: TokenListDto })
  async listTokens(@CurrentUser() user: AuthenticatedUser): Promise<TokenListDto> {
    const records = await this.tokens.list(user.email);
    return { items: records.map((r) => TokenDto.from(r)), next_cursor: null, total: records.length, max_tokens: this.config.tokens.perUserMax };
  }

  @Get('info')
  @ApiOperation({ summary: 'One of the caller\'s tokens, active or revoked' })
  @ApiOkResponse({ type: TokenDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such token of the caller' })
  async tokenInfo(@CurrentUser() user: AuthenticatedUser, @Query() query: TokenIdDto): Promise<TokenDto> {
    return TokenDto.from(await this.tokens.get(user.email, query.token_id));
  }

  @Post('revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revokes one of the caller\'s tokens: refused from the next request on' })
  @ApiOkResponse({ type: TokenRevokedDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such active token of the caller' })
  async revokeToken(@CurrentUser() user: AuthenticatedUser, @Body() body: TokenIdDto): Promise<TokenRevokedDto> {
    await this.tokens.revoke(user.email, body.token_id, user.email, 'revoked by owner');
    return { token_id: body.token_id, revoked: true, revoked_at: new Date().toISOString() };
  }

  /** An admin token is minted only for an admin who signed in through the browser, never by another token. */
  private async requireAdminSession(user: AuthenticatedUser): Promise<void> {
    if (user.method !== 'oauth2') {
      throw new ForbiddenError('An API token cannot create an admin token; sign in through the browser as an admin', 'admin_scope_forbidden');
    }
    if (!(await this.admins.isAdmin(user.email))) throw new ForbiddenError('Only admins may create admin tokens', 'not_admin');
  }
}
