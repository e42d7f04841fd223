-- Writes a token record and its expiry in one step, so no record ever exists without a TTL.
-- KEYS[1]  the token record (a hash)
-- ARGV[1]  when Redis forgets it, epoch milliseconds; ARGV[2..] field, value, ...
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
