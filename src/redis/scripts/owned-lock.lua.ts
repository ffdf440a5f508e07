/**
 * Renews or releases a lock only while the caller still owns it (its value is the owner's token),
 * so a run whose lock expired can never extend or delete the next run's lock.
 * KEYS: the lock
 * ARGV: owner token, 'renew' | 'release', ttlMs (renew only)
 * Returns 1 when done, 0 when the lock belongs to someone else or is gone.
 */
export const OWNED_LOCK_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == 'release' then return redis.call('DEL', KEYS[1]) end
return redis.call('PEXPIRE', KEYS[1], ARGV[3])
`;
