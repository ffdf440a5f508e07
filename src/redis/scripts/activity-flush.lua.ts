/**
 * Writes one user's JWT activity since the last flush (active-users/activity-write-behind.ts): the
 * activity record and each used token's last_used_at. Times only move forward (several gateways
 * flush the same user), and a token record is touched only while it is live (HEXISTS token_id): a
 * record revoked since the call is never brought back as a stray hash. Best effort: the caller
 * logs a failure and never refuses a call for it.
 * KEYS: activeUser, then one token record per used token
 * ARGV: lastAccessMs, firstSeenMs, requestCount, activeUserTtlSeconds, email, lastTokenName,
 *       then one lastUsedMs per token record
 * Returns the number of token records updated.
 */
export const ACTIVITY_FLUSH_LUA = `
local user = KEYS[1]
local last = tonumber(ARGV[1])
local current = tonumber(redis.call('HGET', user, 'method_jwt') or '0') or 0
if last > current then
  redis.call('HSET', user, 'method_jwt', ARGV[1], 'last_token_name', ARGV[6])
end
local access = tonumber(redis.call('HGET', user, 'last_access') or '0') or 0
if last > access then
  redis.call('HSET', user, 'email', ARGV[5], 'last_access', ARGV[1], 'last_method', 'jwt')
else
  redis.call('HSET', user, 'email', ARGV[5])
end
redis.call('HSETNX', user, 'first_seen', ARGV[2])
redis.call('HINCRBY', user, 'request_count', ARGV[3])
redis.call('EXPIRE', user, ARGV[4])
local touched = 0
for i = 2, #KEYS do
  if redis.call('HEXISTS', KEYS[i], 'token_id') == 1 then
    local used = tonumber(ARGV[5 + i])
    local previous = tonumber(redis.call('HGET', KEYS[i], 'last_used_at') or '0') or 0
    if used > previous then redis.call('HSET', KEYS[i], 'last_used_at', ARGV[5 + i]) end
    touched = touched + 1
  end
end
return touched
`;
