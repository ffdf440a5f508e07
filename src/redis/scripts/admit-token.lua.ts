/**
 * The hot path's one round trip for a JWT call: ban check, allowlist check and activity update.
 * KEYS: ban, token record, activeUser
 * ARGV: nowMs, activeUserTtlSeconds, email, tokenName
 * Returns {0, 0} admitted, {1, 0} token not on the allowlist, {2, banRemainingMs} banned
 * (banRemainingMs is -1 for a ban without an end).
 */
export const ADMIT_TOKEN_LUA = `
local ban = redis.call('PTTL', KEYS[1])
if ban ~= -2 then return {2, ban} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {1, 0} end
redis.call('HSET', KEYS[2], 'last_used_at', ARGV[1])
redis.call('HSET', KEYS[3], 'email', ARGV[3], 'last_access', ARGV[1], 'last_method', 'jwt', 'method_jwt', ARGV[1], 'last_token_name', ARGV[4])
redis.call('HSETNX', KEYS[3], 'first_seen', ARGV[1])
redis.call('HINCRBY', KEYS[3], 'request_count', 1)
redis.call('EXPIRE', KEYS[3], ARGV[2])
return {0, 0}
`;
