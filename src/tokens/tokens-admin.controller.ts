import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Audited } from '../common/audited.decorator.js';
import { AdminOnly, CurrentUser } from '../common/auth-metadata.decorators.js';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import { NotFoundError } from '../common/domain-errors.js';
import { canonicalEmail } from '../common/email.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { AdminRevokeUserTokensDto } from './dto/admin-revoke-user-tokens.dto.js';
import { AdminTokenIdParamDto } from './dto/admin-token-id-param.dto.js';
import { AdminTokenRevokedDto } from './dto/admin-token-revoked.dto.js';
import { AdminTokenDto } from './dto/admin-token.dto.js';
import { AdminUserTokensRevokedDto } from './dto/admin-user-tokens-revoked.dto.js';
import { TokenCatalogService } from './token-catalog.service.js';
import { TokensService } from './tokens.service.js';

const bodyUserEmail = (req: Request): string | undefined => (req.body as { user_email?: unknown } | undefined)?.user_email?.toString();

/** Revoking tokens; the list of every token is served by active-users (it shows tokens blocked by a ban). */
@ApiTags('admin: tokens')
@AdminOnly()
@Controller('api/admin/tokens')
export class TokensAdminController {
  constructor(
    private readonly tokens: TokensService,
    private readonly catalog: TokenCatalogService,
  ) {}

  @Delete(':token_id')
  @Audited('token.revoke', (req) => (req.params as { token_id?: string }).token_id)
  @ApiOperation({ summary: 'Revoke one token by id: refused from the next request on' })
  @ApiOkResponse({ type: AdminTokenRevokedDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No live token with this id' })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: "The super admin's token, or an admin's when the caller is not the super admin",
  })
  async revokeToken(@Param() params: AdminTokenIdParamDto, @CurrentUser() user: AuthenticatedUser): Promise<AdminTokenRevokedDto> {
    await this.tokens.revokeById(params.token_id, user.email, 'revoked by an admin', user.email);
    const token = await this.catalog.find(params.token_id);
    if (token === null) throw new NotFoundError('token not found');
    return { revoked: true, token: AdminTokenDto.from(token) };
  }

  @Post('revoke-user')
  @HttpCode(200)
  @Audited('token.revoke_user', bodyUserEmail)
  @ApiOperation({ summary: 'Revoke every live token of a user (browser sessions are not touched: the BAN does both)' })
  @ApiOkResponse({ type: AdminUserTokensRevokedDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Not a plain email address' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The super admin, or an admin when the caller is not the super admin' })
  async revokeUserTokens(
    @Body() body: AdminRevokeUserTokensDto,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<AdminUserTokensRevokedDto> {
    const revoked = await this.tokens.revokeAllOf(body.user_email, user.email, body.reason ?? 'revoked by an admin', user.email);
    return { user_email: canonicalEmail(body.user_email) ?? body.user_email, tokens_revoked: revoked };
  }
}
