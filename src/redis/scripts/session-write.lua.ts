/**
 * Writes the record of a signed-in browser session: its one key (the session id's own slot).
 * 'create' only writes a new id (login); 'update' only rewrites a session that still exists, so a
 * late save or touch can never bring back a session that logout, an admin or a ban ended (a ban
 * leaves a notice in the record's place, see session-ban-notice; it is never overwritten here).
 * The user's index and the ban check follow in session-enroll (the user's slot), then the global
 * indexes (see SessionsRepository.writeSignedIn).
 * KEYS: session
 * ARGV: mode ('create' | 'update'), json, ttlMs
 * Returns 1 when written, 0 when refused.
 */
export const SESSION_WRITE_LUA = `
local ok
if ARGV[1] == 'create' then
  ok = redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3], 'NX')
else
  local current = redis.call('GET', KEYS[1])
  if not current or string.sub(current, 1, 13) == '{"banNotice":' then return 0 end
  ok = redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3], 'XX')
end
if not ok then return 0 end
return 1
`;
