import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { Audited } from '../common/audited.decorator.js';
import { CurrentUser, SuperAdminOnly } from '../common/auth-metadata.decorators.js';
import type { AuthenticatedUser } from '../common/authenticated-user.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { AdminsService } from './admins.service.js';
import { AdminEmailDto } from './dto/admin-email.dto.js';
import { AdminEntryDto } from './dto/admin-entry.dto.js';
import { AdminListDto } from './dto/admin-list.dto.js';
import { AdminRemovedDto } from './dto/admin-removed.dto.js';

const bodyEmail = (req: Request): string | undefined => (req.body as { email?: unknown } | undefined)?.email?.toString();

@ApiTags('admin: admins')
@SuperAdminOnly()
@Controller('api/admin/manage')
export class AdminsController {
  constructor(private readonly admins: AdminsService) {}

  @Get()
  @ApiOperation({ summary: 'Every admin: from the environment (not removable) and added at run time' })
  async listAdmins(): Promise<AdminListDto> {
    const { admins, domains } = await this.admins.list();
    return { items: admins.map((a) => AdminEntryDto.from(a)), next_cursor: null, admin_domains: [...domains] };
  }

  @Post()
  @Audited('admin.add', bodyEmail)
  @ApiOperation({ summary: 'Make someone an admin (stored in Redis; idempotent)' })
  @ApiCreatedResponse({ type: AdminEntryDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Not a plain email address' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Already an admin through the environment' })
  async addAdmin(@Body() body: AdminEmailDto, @CurrentUser() user: AuthenticatedUser): Promise<AdminEntryDto> {
    return AdminEntryDto.from(await this.admins.add(body.email, user.email));
  }

  @Delete()
  @HttpCode(200)
  @Audited('admin.remove', bodyEmail)
  @ApiOperation({ summary: 'Remove a run-time admin; admins from the environment are refused (409)' })
  @ApiOkResponse({ type: AdminRemovedDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Not a plain email address' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Not a run-time admin' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'An admin through the environment: not removable here' })
  async removeAdmin(@Body() body: AdminEmailDto): Promise<AdminRemovedDto> {
    return { email: await this.admins.remove(body.email), removed: true };
  }
}
