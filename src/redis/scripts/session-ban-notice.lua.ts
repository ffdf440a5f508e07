/**
 * Ends one session of a banned user: a record that still exists is replaced by a ban notice (no
 * sign-in in it: only who was banned), kept for the shorter of its remaining life and the ban's,
 * so the browser that holds the cookie is told about the ban instead of being sent to sign in.
 * session-write refuses to turn a notice back into a session. One key (the session's slot): the
 * repository removes the index entries beside it.
 * KEYS: session
 * ARGV: banRemainingMs, notice JSON
 * Returns 1 when a signed-in record existed, else 0.
 */
export const SESSION_BAN_NOTICE_LUA = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ended = 0
if string.sub(current, 1, 13) ~= '{"banNotice":' then ended = 1 end
local banMs = tonumber(ARGV[1])
local pttl = redis.call('PTTL', KEYS[1])
if pttl < 0 or pttl > banMs then pttl = banMs end
if pttl > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', pttl)
else
  redis.call('DEL', KEYS[1])
end
return ended
`;
