/**
 * Writes a signed-in browser session and its two index entries, atomically.
 * 'create' only writes a new id (login), and only while the user is not banned: the ban check and
 * the write are one step, so a ban issued while a login is in flight either comes first (the
 * session is refused) or finds the session in the user's index and ends it (see
 * ActiveUsersService.ban, which writes the ban before it reads that index).
 * 'update' only rewrites a session that still exists, so a late save or touch can never bring
 * back a session that logout, an admin or a ban ended.
 * KEYS: session, userSessions, sessionsByExpiry, ban (the ban and userSessions share the user's hash tag)
 * ARGV: mode ('create' | 'update'), json, ttlMs, expiresAtMs, sessionId
 * Returns 1 when written, 0 when refused, 2 when refused because the user is banned.
 */
export const SESSION_WRITE_LUA = `
local ok
if ARGV[1] == 'create' then
  if redis.call('EXISTS', KEYS[4]) == 1 then return 2 end
  ok = redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3], 'NX')
else
  ok = redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3], 'XX')
end
if not ok then return 0 end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], last[2])
return 1
`;
