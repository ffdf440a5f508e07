/**
 * The hot path's one round trip for a JWT call: ban check, allowlist check, then the activity update.
 * The checks are reads (redis.call: any error fails the admission, closed). The activity writes
 * are best effort (redis.pcall): a Redis that refuses writes (full under noeviction, read-only,
 * failed snapshot) or a broken activity key never turns a valid call away; the script only says
 * that a write failed. Without a shebang Redis runs the reads even when it is out of memory
 * (Redis 6.2 and 7 alike) and refuses only the writes, which pcall catches.
 * The allowlist check reads a field of the record (HEXISTS), so a key of the wrong type is an
 * error (WRONGTYPE), never taken for a live token.
 * KEYS: ban, token record, activeUser
 * ARGV: nowMs, activeUserTtlSeconds, email, tokenName
 * Returns {0, 0, writeFailed} admitted, {1, 0, 0} token not on the allowlist, {2, banRemainingMs, 0, reason}
 * banned (banRemainingMs is -1 for a ban without an end; reason is the admin's, false when the ban
 * has none or its record cannot be read as a hash: the refusal stands either way); writeFailed is 1
 * when an activity write failed.
 */
export const ADMIT_TOKEN_LUA = `
local ban = redis.call('PTTL', KEYS[1])
if ban ~= -2 then
  local reason = redis.pcall('HGET', KEYS[1], 'reason')
  if type(reason) ~= 'string' then reason = false end
  return {2, ban, 0, reason}
end
if redis.call('HEXISTS', KEYS[2], 'token_id') == 0 then return {1, 0, 0} end
local failed = 0
local function try(...)
  local reply = redis.pcall(...)
  if type(reply) == 'table' and reply.err then failed = 1 end
end
try('HSET', KEYS[2], 'last_used_at', ARGV[1])
try('HSET', KEYS[3], 'email', ARGV[3], 'last_access', ARGV[1], 'last_method', 'jwt', 'method_jwt', ARGV[1], 'last_token_name', ARGV[4])
try('HSETNX', KEYS[3], 'first_seen', ARGV[1])
try('HINCRBY', KEYS[3], 'request_count', 1)
try('EXPIRE', KEYS[3], ARGV[2])
return {0, 0, failed}
`;
