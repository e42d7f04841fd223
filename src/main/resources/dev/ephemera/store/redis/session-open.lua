-- Takes a concurrent-session slot unless the maximum is reached.
-- KEYS[1]  the key's session counter;  ARGV[1]  maximum;  ARGV[2]  expiry of the counter, milliseconds
local open = tonumber(redis.call('GET', KEYS[1]) or '0')
if open >= tonumber(ARGV[1]) then
  return 0
end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
