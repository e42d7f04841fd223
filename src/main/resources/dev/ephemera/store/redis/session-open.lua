-- Takes a place for one session unless the key holds its maximum of unexpired places. Time is Redis's own, one
-- clock for every replica.
-- KEYS[1]  the key's session places: a sorted set of session ids scored by when each place expires, epoch ms
-- ARGV[1]  maximum;  ARGV[2]  the session id;  ARGV[3]  the lease, ms
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIREAT', KEYS[1], tonumber(redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2]))
return 1
