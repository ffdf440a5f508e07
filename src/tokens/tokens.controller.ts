import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
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
import { Audited } from '../common/audited.decorator.js';
import { Authenticated, CurrentUser } from '../common/auth-metadata.decorators.js';
import type { AuthenticatedUser, RequestWithUser } from '../common/authenticated-user.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { GenerateTokenDto } from './dto/generate-token.dto.js';
import { IssuedTokenDto } from './dto/issued-token.dto.js';
import { RotateTokenDto } from './dto/rotate-token.dto.js';
import { RotatedTokenDto } from './dto/rotated-token.dto.js';
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
  constructor(private readonly tokens: TokensService) {}

  @Post('generate')
  @ApiOperation({ summary: 'Creates an API token for the caller; the token is shown only in this answer' })
  @ApiCreatedResponse({ type: IssuedTokenDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'An unknown field, a wrong type or an out-of-range lifetime' })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'The admin scope was asked for without an admin browser session, or the CSRF check failed',
  })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The caller already holds TOKENS_PER_USER_MAX tokens' })
  async generateToken(@CurrentUser() user: AuthenticatedUser, @Body() body: GenerateTokenDto): Promise<IssuedTokenDto> {
    return this.tokens.issueForCaller(user, { name: body.token_name, lifetimeSeconds: body.expires_in, scopes: body.scopes });
  }

  @Post('rotate')
  @Audited('token.rotate', (req) => (req as RequestWithUser).user?.tokenId)
  @ApiOperation({
    summary: 'Replaces the calling token with a new one (same name and scopes, fresh lifetime)',
    description:
      'Call it with the token to rotate (Authorization: Bearer or x-api-key). The old token keeps working for TOKEN_ROTATION_GRACE_SECONDS (default 300), then counts as revoked. A token is rotated once: rotating it again answers 409.',
  })
  @ApiCreatedResponse({ type: RotatedTokenDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'days is not a whole number from 1 to TOKEN_MAX_DAYS' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Called with a browser session, not a token' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The token was rotated already (token_already_rotated)' })
  async rotateToken(@CurrentUser() user: AuthenticatedUser, @Body() body: RotateTokenDto): Promise<RotatedTokenDto> {
    return this.tokens.rotateCallerToken(user, body?.days);
  }

  @Get('list')
  @ApiOperation({ summary: "The caller's active tokens" })
  @ApiOkResponse({ type: TokenListDto })
  async listTokens(@CurrentUser() user: AuthenticatedUser): Promise<TokenListDto> {
    return this.tokens.listOfCaller(user.email);
  }

  @Get('info')
  @ApiOperation({ summary: "One of the caller's tokens, active or revoked" })
  @ApiOkResponse({ type: TokenDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such token of the caller' })
  async tokenInfo(@CurrentUser() user: AuthenticatedUser, @Query() query: TokenIdDto): Promise<TokenDto> {
    return this.tokens.infoOfCaller(user.email, query.token_id);
  }

  @Post('revoke')
  @HttpCode(200)
  @ApiOperation({ summary: "Revokes one of the caller's tokens: refused from the next request on" })
  @ApiOkResponse({ type: TokenRevokedDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such active token of the caller' })
  async revokeToken(@CurrentUser() user: AuthenticatedUser, @Body() body: TokenIdDto): Promise<TokenRevokedDto> {
    return this.tokens.revokeByOwner(user.email, body.token_id);
  }
}
