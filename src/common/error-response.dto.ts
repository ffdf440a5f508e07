/** A banned person's own ban, in the 403 `user_banned` a browser session gets. */
export class BanNoticeDto {
  /** @example "mallory@example.com" */
  email: string;
  /** Why, as the admin wrote it (any text: render it as text). */
  reason: string;
  banned_at: string;
  banned_until: string;
  /** @example 604000 */
  remaining_seconds: number;
}

/** The REST error shape, for the OpenAPI document (see common/error-shapes.ts). */
export class ErrorResponseDto {
  /**
   * HTTP status.
   * @example 400
   */
  statusCode: number;
  /**
   * HTTP reason phrase.
   * @example "Bad Request"
   */
  error: string;
  /**
   * What went wrong; a list when several fields were refused.
   * @example "limit must not be greater than 500"
   */
  message: string | string[];
  /**
   * Stable machine-readable reason.
   * @example "invalid_input"
   */
  code: string;
  /** When the caller is banned: the ban's end (ISO 8601). */
  banned_until?: string;
  /** A banned browser session (403 `user_banned`): the ban, so the page can show it. */
  ban?: BanNoticeDto;
}
