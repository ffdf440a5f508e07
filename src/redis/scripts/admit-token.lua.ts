/**
 * The hot path's one round trip for a JWT call: ban check, then allowlist check. Reads only: the
 * activity (last use, counts) is written behind, batched per user at most once a second
 * (active-users/activity-write-behind.ts, activity-flush.lua.ts). Any error fails the admission,
 * closed. Without a shebang Redis runs it even when it is out of memory (Redis 6.2 and 7 alike).
 * The allowlist check reads a field of the record (HEXISTS), so a key of the wrong type is an
 * error (WRONGTYPE), never taken for a live token.
 * KEYS: ban, token record
 * Returns {0, recordPttl, 0} admitted (recordPttl: the record's remaining life in ms, -1 when it has
 * none; the verified-token cache never keeps an admission past it), {1, 0, 0} token not on the
 * allowlist, {2, banRemainingMs, 0, reason} banned (banRemainingMs is -1 for a ban without an end;
 * reason is the admin's, false when the ban has none or its record cannot be read as a hash: the
 * refusal stands either way).
 */
export const ADMIT_TOKEN_LUA = `
local ban = redis.call('PTTL', KEYS[1])
if ban ~= -2 then
  local reason = redis.pcall('HGET', KEYS[1], 'reason')
  if type(reason) ~= 'string' then reason = false end
  return {2, ban, 0, reason}
end
if redis.call('HEXISTS', KEYS[2], 'token_id') == 0 then return {1, 0, 0} end
return {0, redis.call('PTTL', KEYS[2]), 0}
`;
