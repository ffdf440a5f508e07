/**
 * Ends sessions of one user: deletes each record and removes it from every index, atomically.
 * KEYS: sessionsByExpiry, userSessions, sessionsByEmail, then one session key per id
 * ARGV: the owner's email, then the session id of each session key, in the same order
 * Returns how many session records existed.
 */
export const SESSION_END_LUA = `
local ended = 0
local owner = ARGV[1] .. string.char(0)
for i = 4, #KEYS do
  local id = ARGV[i - 2]
  ended = ended + redis.call('DEL', KEYS[i])
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], owner .. id)
end
return ended
`;
