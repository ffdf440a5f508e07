import { Matches } from 'class-validator';

export class SessionIdParamDto {
  /**
   * A session id from GET /api/admin/sessions (43 base64url characters).
   * @example "3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
   */
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'session_id must be a session id from GET /api/admin/sessions' })
  session_id: string;
}
