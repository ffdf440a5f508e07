import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { SESSION_ID } from '../../common/ids.js';

export class SessionIdParamDto {
  /**
   * A session id from GET /api/admin/sessions (43 base64url characters).
   * @example "3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
   */
  @ApiProperty({ pattern: SESSION_ID.source })
  @Matches(SESSION_ID, { message: 'session_id must be a session id from GET /api/admin/sessions' })
  session_id: string;
}
