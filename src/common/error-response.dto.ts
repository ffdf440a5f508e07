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
}
