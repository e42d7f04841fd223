-- Writes fields of a token's receipt and keeps it for at least the retention from now.
-- KEYS[1]  the receipt (a hash)
-- ARGV[1]  retention, ms;  ARGV[2]  how many field-value pairs follow that are written only where absent (the
--          token's facts, its revocation time); the pairs after those are always written
-- Answers the receipt's fields after the write, as a flat list.
local keep = tonumber(ARGV[1])
local once = tonumber(ARGV[2])
for i = 3, 2 + once * 2, 2 do
  redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1])
end
for i = 3 + once * 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
if redis.call('PTTL', KEYS[1]) < keep then
  redis.call('PEXPIRE', KEYS[1], keep)
end
return redis.call('HGETALL', KEYS[1])
