/**
 * Removes sorted-set members only if their score is still the one the caller saw, so an entry
 * refreshed in the meantime (a user active again, a ban renewed, a session touched) stays.
 * KEYS: the sorted set
 * ARGV: member, expected score, member, expected score, ...
 * Returns one flag per member: 1 removed, 0 kept.
 */
export const ZREM_IF_SCORE_LUA = `
local out = {}
for i = 1, #ARGV, 2 do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) == tonumber(ARGV[i + 1]) then
    redis.call('ZREM', KEYS[1], ARGV[i])
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
`;
