/**
 * Sets (or renews) a ban: one key, replaced whole. The bans index is written by the repository
 * before this runs (an index entry without its record is a ban that ended, and cleanup removes it).
 * KEYS: ban
 * ARGV: email, nowMs, untilMs, bannedBy, reason, invalidation channel
 * Publishes the email on the invalidation channel: every gateway drops the user's cached admissions.
 */
export const BAN_SET_LUA = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'email', ARGV[1], 'banned_at', ARGV[2], 'until', ARGV[3], 'banned_by', ARGV[4], 'reason', ARGV[5])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[6], ARGV[1])
return 1
`;
