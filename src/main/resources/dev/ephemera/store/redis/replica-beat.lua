-- A replica's heartbeat: it is alive now (Redis's clock, one for every replica). Answers the replicas whose last
-- beat is older than the lease: they died, and a surviving replica cleans up after them.
-- KEYS[1]  the replicas: a sorted set of replica ids scored by their last beat, epoch ms
-- ARGV[1]  this replica's id;  ARGV[2]  the lease, ms
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]), 'LIMIT', 0, 10)
