-- Adds a token to the index of the tokens its API key minted (for cascading revocation), in one step.
-- KEYS[1]  the key's index: a sorted set of token ids scored by expiry, epoch milliseconds
-- ARGV[1]  the token's expiry;  ARGV[2]  its id;  ARGV[3]  when Redis may forget the index;
-- ARGV[4]  ids scored at or below this are expired and dropped
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
return 1
