/**
 * Files a session whose record is written in the user's index, unless the user is banned: the
 * ban check and the index entry are one step on the user's slot. With the record written first
 * (session-write), a ban issued while a login is in flight either comes first (this refuses, and
 * the repository deletes the record) or finds the session in the user's index and ends it (see
 * ActiveUsersService.ban, which writes the ban before it reads that index).
 * KEYS: userSessions, ban
 * ARGV: expiresAtMs, sessionId, checkBan ('1' at sign-in, '0' on a rewrite)
 * Returns 1 when filed, 2 when refused because the user is banned.
 */
export const SESSION_ENROLL_LUA = `
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then return 2 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1
`;
