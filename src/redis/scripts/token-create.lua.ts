/**
 * Creates a token record under the per-user cap, atomically. Every key is the user's (one Cluster
 * slot); the global indexes (catalog, by-created, by-expiry, search) are written by the repository
 * before this runs and taken back when it refuses (see TokenRepository.create).
 * KEYS: record, userTokens, userTokenHistory
 * ARGV: tokenId, nowMs, expiresAtMs, perUserMax, field1, value1, ...
 * Returns 1 when created, 0 when the user already holds perUserMax live tokens.
 */
export const TOKEN_CREATE_LUA = `
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 0 end
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], last[2])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 1
`;
