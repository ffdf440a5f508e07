/** The audit trail, with the REST API's filters. */
import { AuditController } from '../../audit/audit.controller.js';
import type { AuditListDto } from '../../audit/dto/audit-list.dto.js';
import { ListAuditQueryDto } from '../../audit/dto/list-audit-query.dto.js';
import { type CliCommand, LIST_FLAGS, pick } from '../cli-command.js';
import { validated } from '../cli-validation.js';

export const auditCommands: CliCommand[] = [
  {
    name: 'audit list',
    summary: 'Admin and CLI actions, newest first',
    flags: {
      actor: { type: 'string', value: 'ACTOR', description: 'only this actor (an email, cli:user@host, scheduler)' },
      action: { type: 'string', value: 'ACTION', description: 'only this action, e.g. user.ban, token.revoke, token.rotate' },
      target: { type: 'string', value: 'TARGET', description: 'only this target (an email, a token or session id)' },
      outcome: { type: 'string', value: 'success|failure|denied', description: 'only this outcome' },
      since: { type: 'string', value: 'ISO8601', description: 'entries at or after this time' },
      until: { type: 'string', value: 'ISO8601', description: 'entries at or before this time' },
      ...LIST_FLAGS,
      q: { type: 'string', value: 'TEXT', description: 'only entries whose actor or target contains TEXT' },
    },
    tables: {
      items: [
        ['TIME', 'time'],
        ['ACTOR', 'actor'],
        ['ACTION', 'action'],
        ['TARGET', 'target'],
        ['OUTCOME', 'outcome'],
        ['DETAIL', 'detail'],
      ],
    },
    async run(app, flags): Promise<AuditListDto> {
      const query = pick(flags, ['actor', 'action', 'target', 'outcome', 'since', 'until', 'q', 'limit', 'cursor']);
      return app.get(AuditController).listAudit(await validated(ListAuditQueryDto, query));
    },
  },
];
