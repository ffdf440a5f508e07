export class UserSessionsEndedDto {
  /** @example "alice@example.com" */
  user_email: string;
  /** Browser sessions ended. @example 2 */
  sessions_ended: number;
}
