/**
 * Ends sessions of one user: deletes each record and removes it from both indexes, atomically.
 * KEYS: sessionsByExpiry, userSessions, then one session key per id
 * ARGV: the session id of each session key, in the same order
 * Returns how many session records existed.
 */
export const SESSION_END_LUA = `
local ended = 0
for i = 3, #KEYS do
  ended = ended + redis.call('DEL', KEYS[i])
  redis.call('ZREM', KEYS[1], ARGV[i - 2])
  redis.call('ZREM', KEYS[2], ARGV[i - 2])
end
return ended
`;
