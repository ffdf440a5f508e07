export class UnbanResultDto {
  /** @example "mallory@example.com" */
  user_email: string;
  unbanned: true;
}
