/**
 * A browser-session request's one round trip: ban check and activity update. Writes the same
 * activity record as admit-token (one per person), with the oauth2 method's own timestamp and the
 * number of live sessions, counted from the user's session index (same hash tag).
 * Like admit-token, the checks are reads that fail the admission on any error, and the activity
 * writes are best effort (redis.pcall), so a Redis that refuses writes does not stop the user.
 * KEYS: ban, activeUser, userSessions
 * ARGV: nowMs, activeUserTtlSeconds, email
 * Returns {0, sessionCount, writeFailed} admitted, {2, banRemainingMs, 0} banned (-1 for a ban
 * without an end); writeFailed is 1 when an activity write failed.
 */
export const ADMIT_SESSION_LUA = `
local ban = redis.call('PTTL', KEYS[1])
if ban ~= -2 then return {2, ban, 0} end
local count = redis.call('ZCOUNT', KEYS[3], '(' .. ARGV[1], '+inf')
local failed = 0
local function try(...)
  local reply = redis.pcall(...)
  if type(reply) == 'table' and reply.err then failed = 1 end
end
try('HSET', KEYS[2], 'email', ARGV[3], 'last_access', ARGV[1], 'last_method', 'oauth2', 'method_oauth2', ARGV[1], 'session_count', count)
try('HSETNX', KEYS[2], 'first_seen', ARGV[1])
try('HINCRBY', KEYS[2], 'request_count', 1)
try('EXPIRE', KEYS[2], ARGV[2])
return {0, count, failed}
`;
