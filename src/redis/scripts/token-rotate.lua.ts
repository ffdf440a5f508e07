/**
 * Rotates a token, atomically: creates its successor (as token-create does, the old token's slot
 * counting for the new one under the per-user cap) and marks the old record `rotated_to`. The old
 * token keeps working for the grace: its record and index entry end then, and its tombstone
 * (written now, revoked_at = the grace's end) shows it revoked afterwards. A token is rotated once.
 * Every key is the user's (one Cluster slot): the repository writes the successor's global index
 * entries before (and takes them back on a refusal) and the old token's tombstone index entry after.
 * KEYS: old record, old tombstone, userTokens, new record, userTokenHistory
 * ARGV: oldId, newId, nowMs, newExpiresAtMs, perUserMax, graceMs, rotatedBy, invalidation channel,
 *       email, then the new record's field1, value1, ...
 * A rotation shortens the old token's life (to the grace, or ends it now): it publishes the email on
 * the invalidation channel, so cached admissions of the old token are read again (and then kept no
 * longer than the record's new TTL).
 * Returns {1, tombstoneEndMs or 0} rotated, {0} the user is at the cap, {-1} the old token is not
 * live, {-2} it was rotated already.
 */
export const TOKEN_ROTATE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
if redis.call('HEXISTS', KEYS[1], 'rotated_to') == 1 then return {-2} end
local now = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local live = redis.call('ZCARD', KEYS[3])
if redis.call('ZSCORE', KEYS[3], ARGV[1]) then live = live - 1 end
if live >= tonumber(ARGV[5]) then return {0} end

local fields = {}
for i = 10, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[4], unpack(fields))
redis.call('PEXPIREAT', KEYS[4], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
redis.call('ZADD', KEYS[5], now, ARGV[2])

local grace = tonumber(ARGV[6])
local pttl = redis.call('PTTL', KEYS[1])
local tombstoneEnd = 0
redis.call('HSET', KEYS[1], 'rotated_to', ARGV[2], 'rotated_at', ARGV[3])
if pttl > grace then
  redis.call('HSET', KEYS[2], unpack(redis.call('HGETALL', KEYS[1])))
  redis.call('HSET', KEYS[2], 'revoked_at', now + grace, 'revoked_by', ARGV[7], 'revoke_reason', 'rotated')
  redis.call('PEXPIRE', KEYS[2], pttl)
  tombstoneEnd = now + pttl
  if grace > 0 then
    redis.call('PEXPIRE', KEYS[1], grace)
    redis.call('ZADD', KEYS[3], 'XX', now + grace, ARGV[1])
  else
    redis.call('DEL', KEYS[1])
    redis.call('ZREM', KEYS[3], ARGV[1])
  end
end
local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[3], last[2])
redis.call('PUBLISH', ARGV[8], ARGV[9])
return {1, tostring(tombstoneEnd)}
`;
