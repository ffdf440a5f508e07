/** Browser sessions: list them, end one (force logout). */
import { NotFoundError } from '../../common/domain-errors.js';
import { ListSessionsQueryDto } from '../../sessions/dto/list-sessions-query.dto.js';
import type { SessionEndedDto } from '../../sessions/dto/session-ended.dto.js';
import { SessionIdParamDto } from '../../sessions/dto/session-id-param.dto.js';
import type { SessionListDto } from '../../sessions/dto/session-list.dto.js';
import { SessionsAdminController } from '../../sessions/sessions-admin.controller.js';
import { SessionsService } from '../../sessions/sessions.service.js';
import { type CliCommand, LIST_FLAGS, pick, str } from '../cli-command.js';
import { validated } from '../cli-validation.js';

export const sessionCommands: CliCommand[] = [
  {
    name: 'sessions list',
    summary: 'Live browser sessions, most recently active first',
    flags: LIST_FLAGS,
    tables: {
      items: [
        ['SESSION', 'session_id'],
        ['EMAIL', 'email'],
        ['SIGNED IN', 'created_at'],
        ['LAST SEEN', 'last_seen_at'],
        ['EXPIRES', 'expires_at'],
        ['IP', 'ip'],
      ],
    },
    async run(app, flags): Promise<SessionListDto> {
      return app.get(SessionsAdminController).listSessions(await validated(ListSessionsQueryDto, pick(flags, ['q', 'limit', 'cursor'])));
    },
  },
  {
    name: 'sessions end',
    summary: 'Force logout: end one session; its cookie is refused from the next request on',
    flags: { id: { type: 'string', value: 'SESSION_ID', required: true, description: 'the session_id from sessions list' } },
    audit: { action: 'session.delete', target: (flags) => str(flags, 'id') },
    async run(app, flags): Promise<SessionEndedDto> {
      const { session_id: id } = await validated(SessionIdParamDto, { session_id: str(flags, 'id') }, 'param');
      const ended = await app.get(SessionsService).endById(id);
      if (ended === null) throw new NotFoundError('session not found');
      return { session_id: ended.sessionId, email: ended.email, ended: true };
    },
  },
];
