/**
 * A browser-session request's one round trip: ban check and activity update. Writes the same
 * activity record as admit-token (one per person), with the oauth2 method's own timestamp and the
 * number of live sessions, counted from the user's session index (same hash tag).
 * KEYS: ban, activeUser, userSessions
 * ARGV: nowMs, activeUserTtlSeconds, email
 * Returns {0, sessionCount} admitted, {2, banRemainingMs} banned (-1 for a ban without an end).
 */
export const ADMIT_SESSION_LUA = `
local ban = redis.call('PTTL', KEYS[1])
if ban ~= -2 then return {2, ban} end
local count = redis.call('ZCOUNT', KEYS[3], '(' .. ARGV[1], '+inf')
redis.call('HSET', KEYS[2], 'email', ARGV[3], 'last_access', ARGV[1], 'last_method', 'oauth2', 'method_oauth2', ARGV[1], 'session_count', count)
redis.call('HSETNX', KEYS[2], 'first_seen', ARGV[1])
redis.call('HINCRBY', KEYS[2], 'request_count', 1)
redis.call('EXPIRE', KEYS[2], ARGV[2])
return {0, count}
`;
