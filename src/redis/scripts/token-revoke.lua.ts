/**
 * Revokes tokens of one user: deletes each live record and its index entry and leaves a
 * tombstone (the record plus revoked_at/by/reason) until the token would have expired. Every key
 * is the user's (one Cluster slot); the global index of tombstones is written by the repository
 * from the reply (a crash in between only leaves a tombstone out of that index until it expires).
 * KEYS: userTokens, then pairs of (record, tombstone)
 * ARGV: nowMs, revokedBy, reason, invalidation channel, email, then the token id of each pair
 * Publishes the email on the invalidation channel (RedisKeys.tokenInvalidations) when a token was
 * live, so every gateway drops the user's cached admissions at once.
 * Returns {revoked count, then per tombstone written: token id, its end (ms)}.
 */
export const TOKEN_REVOKE_LUA = `
local revoked = 0
local tombstones = {}
local n = (#KEYS - 1) / 2
for i = 1, n do
  local record = KEYS[2 * i]
  local tombstone = KEYS[2 * i + 1]
  local id = ARGV[5 + i]
  local pttl = redis.call('PTTL', record)
  if pttl ~= -2 then
    local fields = redis.call('HGETALL', record)
    redis.call('DEL', record)
    if pttl > 0 and #fields > 0 then
      redis.call('HSET', tombstone, unpack(fields))
      redis.call('HSET', tombstone, 'revoked_at', ARGV[1], 'revoked_by', ARGV[2], 'revoke_reason', ARGV[3])
      redis.call('PEXPIRE', tombstone, pttl)
      tombstones[#tombstones + 1] = id
      tombstones[#tombstones + 1] = tostring(tonumber(ARGV[1]) + pttl)
    end
    revoked = revoked + 1
  end
  redis.call('ZREM', KEYS[1], id)
end
if revoked > 0 then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
local reply = {revoked}
for i = 1, #tombstones do reply[#reply + 1] = tombstones[i] end
return reply
`;
