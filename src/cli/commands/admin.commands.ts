/** Who is an admin: the environment's (not removable here) and those added at run time. */
import { AdminsController } from '../../admins/admins.controller.js';
import { AdminsService } from '../../admins/admins.service.js';
import { AdminEmailDto } from '../../admins/dto/admin-email.dto.js';
import { AdminEntryDto } from '../../admins/dto/admin-entry.dto.js';
import type { AdminListDto } from '../../admins/dto/admin-list.dto.js';
import type { AdminRemovedDto } from '../../admins/dto/admin-removed.dto.js';
import { CLI_ACTOR, type CliCommand, str } from '../cli-command.js';
import { validated } from '../cli-validation.js';

const emailFlag = { email: { type: 'string', value: 'EMAIL', required: true, description: 'the person' } } as const;

export const adminCommands: CliCommand[] = [
  {
    name: 'admins list',
    summary: 'Every admin: SUPER_ADMIN_EMAIL, ADMIN_EMAILS, ADMIN_DOMAINS and those added at run time',
    flags: {},
    tables: {
      items: [
        ['EMAIL', 'email'],
        ['SOURCE', 'source'],
        ['REMOVABLE', 'removable'],
        ['ADDED BY', 'added_by'],
        ['ADDED', 'added_at'],
      ],
    },
    async run(app): Promise<AdminListDto> {
      return app.get(AdminsController).listAdmins();
    },
  },
  {
    name: 'admins add',
    summary: 'Make someone an admin (kept in Redis)',
    flags: emailFlag,
    audit: { action: 'admin.add', target: (flags) => str(flags, 'email') },
    async run(app, flags): Promise<AdminEntryDto> {
      const body = await validated(AdminEmailDto, { email: str(flags, 'email') }, 'body');
      return AdminEntryDto.from(await app.get(AdminsService).add(body.email, CLI_ACTOR));
    },
  },
  {
    name: 'admins remove',
    summary: 'Remove an admin added at run time (those from the environment are refused)',
    flags: emailFlag,
    audit: { action: 'admin.remove', target: (flags) => str(flags, 'email') },
    async run(app, flags): Promise<AdminRemovedDto> {
      const body = await validated(AdminEmailDto, { email: str(flags, 'email') }, 'body');
      return { email: await app.get(AdminsService).remove(body.email), removed: true };
    },
  },
];
