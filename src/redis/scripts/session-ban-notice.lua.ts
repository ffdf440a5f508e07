/**
 * Ends sessions of one banned user: each record that still exists is replaced by a ban notice
 * (no sign-in in it: only who was banned), kept for the shorter of its remaining life and the
 * ban's, so the browser that holds the cookie is told about the ban instead of being sent to sign
 * in; both index entries go at once. session-write refuses to turn a notice back into a session.
 * KEYS: sessionsByExpiry, userSessions, sessionsByEmail, then one session key per id
 * ARGV: banRemainingMs, the owner's email, then per session key: session id, notice JSON
 * Returns how many signed-in session records existed.
 */
export const SESSION_BAN_NOTICE_LUA = `
local ended = 0
local banMs = tonumber(ARGV[1])
local owner = ARGV[2] .. string.char(0)
for i = 4, #KEYS do
  local id = ARGV[3 + (i - 4) * 2]
  local notice = ARGV[4 + (i - 4) * 2]
  local current = redis.call('GET', KEYS[i])
  if current then
    if string.sub(current, 1, 13) ~= '{"banNotice":' then ended = ended + 1 end
    local pttl = redis.call('PTTL', KEYS[i])
    if pttl < 0 or pttl > banMs then pttl = banMs end
    if pttl > 0 then
      redis.call('SET', KEYS[i], notice, 'PX', pttl)
    else
      redis.call('DEL', KEYS[i])
    end
  end
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], owner .. id)
end
return ended
`;
