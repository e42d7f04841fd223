-- One request against a fixed window: counts it and answers {count, milliseconds until the window resets}.
-- KEYS[1]  the window's counter
-- ARGV[1]  window length, milliseconds
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
