export class SessionUserCountDto {
  /** @example "alice@example.com" */
  email: string;
  session_count: number;
}

export class SessionStatsDto {
  /** Live sessions. */
  total: number;
  /** People with at least one live session. */
  unique_users: number;
  /** Sessions per user, most first; at most `limit` rows (see per_user_truncated). */
  per_user: SessionUserCountDto[];
  /** True when more users have sessions than per_user lists. */
  per_user_truncated: boolean;
}
