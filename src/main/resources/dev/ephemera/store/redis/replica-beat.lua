-- A replica's heartbeat: it is alive now (Redis's clock, one for every replica). Answers the replicas whose last
-- beat is older than the lease (they died, and a surviving replica cleans up after them), then, when ARGV[3] is
-- '1', the requests to end sessions addressed to this replica (the fall-back for a missed kill message), as a flat
-- list of session id, request, which are forgotten. Both keys share one hash tag (one slot on a Cluster).
-- KEYS[1]  the replicas: a sorted set of replica ids scored by their last beat, epoch ms
-- KEYS[2]  this replica's end requests (a hash: session id to request)
-- ARGV[1]  this replica's id;  ARGV[2]  the lease, ms;  ARGV[3]  '1' when it holds sessions
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]), 'LIMIT', 0, 10)
local asked = {}
if ARGV[3] == '1' then
  asked = redis.call('HGETALL', KEYS[2])
  if #asked > 0 then
    redis.call('DEL', KEYS[2])
  end
end
return {dead, asked}
