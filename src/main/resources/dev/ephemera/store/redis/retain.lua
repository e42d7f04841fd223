-- Keeps a key at least until a time: its expiry is moved later, never earlier. 1 when the key exists.
-- KEYS[1]  the key;  ARGV[1]  epoch ms
local at = tonumber(ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then
  return 0
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ttl >= 0 and now + ttl < at then
  redis.call('PEXPIREAT', KEYS[1], at)
end
return 1
