-- Takes deliveries that are due, each held for a lease: its score moves to now + lease, so that another replica
-- takes it only if this one does not record an outcome in time.
-- KEYS[1]  deliveries by when they are due (epoch ms);  ARGV[1] now, ms;  ARGV[2] lease, ms;  ARGV[3] how many
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local held = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], held, id)
end
return ids
