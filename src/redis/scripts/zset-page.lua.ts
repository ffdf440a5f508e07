/**
 * One page of a sorted set after a cursor position, read-only and on one key (Cluster-safe).
 * The cursor is the last entry a caller saw (score and member). While that entry is still in
 * place the page continues from its rank, so ties and concurrent inserts elsewhere cannot repeat
 * or skip an entry; if it moved or left, the page continues by score and skips the ties already
 * passed (members compared byte by byte, as Redis orders them, not by the server's locale).
 * KEYS: the sorted set
 * ARGV: order ('asc' | 'desc'), low score, high score (window, inclusive; '-inf' / '+inf' allowed),
 *       after score ('' for the first page), after member, count
 * Returns a flat list: member, score, member, score, ...
 */
export const ZSET_PAGE_LUA = `
local key = KEYS[1]
local desc = ARGV[1] == 'desc'
local low, high = ARGV[2], ARGV[3]
local count = tonumber(ARGV[6])
local lowN = low == '-inf' and -math.huge or tonumber(low)
local highN = high == '+inf' and math.huge or tonumber(high)

if ARGV[4] == '' then
  if desc then return redis.call('ZREVRANGEBYSCORE', key, high, low, 'WITHSCORES', 'LIMIT', 0, count) end
  return redis.call('ZRANGEBYSCORE', key, low, high, 'WITHSCORES', 'LIMIT', 0, count)
end

local afterScore = tonumber(ARGV[4])
local afterMember = ARGV[5]
local out = {}

local function bytesLess(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local current = redis.call('ZSCORE', key, afterMember)
if current and tonumber(current) == afterScore then
  local rank, got
  if desc then
    rank = redis.call('ZREVRANK', key, afterMember)
    got = redis.call('ZREVRANGE', key, rank + 1, rank + count, 'WITHSCORES')
  else
    rank = redis.call('ZRANK', key, afterMember)
    got = redis.call('ZRANGE', key, rank + 1, rank + count, 'WITHSCORES')
  end
  for i = 1, #got, 2 do
    local s = tonumber(got[i + 1])
    if s < lowN or s > highN then break end
    out[#out + 1] = got[i]
    out[#out + 1] = got[i + 1]
  end
  return out
end

local offset = 0
while true do
  local got
  if desc then
    local top = ARGV[4]
    if afterScore > highN then top = high end
    got = redis.call('ZREVRANGEBYSCORE', key, top, low, 'WITHSCORES', 'LIMIT', offset, count)
  else
    local bottom = ARGV[4]
    if afterScore < lowN then bottom = low end
    got = redis.call('ZRANGEBYSCORE', key, bottom, high, 'WITHSCORES', 'LIMIT', offset, count)
  end
  for i = 1, #got, 2 do
    local m = got[i]
    local s = tonumber(got[i + 1])
    local passed = false
    if s == afterScore then
      if desc then passed = not bytesLess(m, afterMember) else passed = not bytesLess(afterMember, m) end
    end
    if not passed then
      out[#out + 1] = m
      out[#out + 1] = got[i + 1]
      if #out >= count * 2 then return out end
    end
  end
  if #got < count * 2 then return out end
  offset = offset + count
end
`;
