import type { HourUsage } from '../hourly-usage.repository.js';

/** One UTC hour of use. */
export class HourUsageDto {
  /** The hour's start (ISO 8601, UTC). */
  hour: string;
  /** Requests admitted (API tokens on /v1 and /api, and browser sessions on /api). @example 512 */
  requests: number;
  /** @example 480 */
  requests_jwt: number;
  /** @example 32 */
  requests_oauth2: number;
  /** Distinct people (estimated, within about 1 %). @example 37 */
  active_users: number;
  /** Distinct people with an API token. @example 30 */
  active_users_jwt: number;
  /** Distinct people with a browser session. @example 12 */
  active_users_oauth2: number;

  static from(u: HourUsage): HourUsageDto {
    return {
      hour: new Date(u.hourStartMs).toISOString(),
      requests: u.requests.jwt + u.requests.oauth2,
      requests_jwt: u.requests.jwt,
      requests_oauth2: u.requests.oauth2,
      active_users: u.users,
      active_users_jwt: u.usersByMethod.jwt,
      active_users_oauth2: u.usersByMethod.oauth2,
    };
  }
}

export class HourlyRequestTotalsDto {
  /** @example 9000 */
  requests: number;
  /** @example 8000 */
  requests_jwt: number;
  /** @example 1000 */
  requests_oauth2: number;
}

/** Requests and active people per hour, oldest first; the last hour is the current one, still filling. */
export class HourlyStatsDto {
  generated_at: string;
  hours: HourUsageDto[];
  /** Over the hours listed. */
  totals: HourlyRequestTotalsDto;
}
