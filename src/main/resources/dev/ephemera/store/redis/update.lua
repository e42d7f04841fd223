-- Sets fields of a hash only if the hash exists, and returns it as it is afterwards ({} when it does not exist).
-- KEYS[1]  the hash
-- ARGV[1]  when Redis should forget it, epoch milliseconds, or '' to leave its expiry alone
-- ARGV[2..]  field, value, ...
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {}
end
if #ARGV > 1 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 2))
end
if ARGV[1] ~= '' then
  redis.call('PEXPIREAT', KEYS[1], ARGV[1])
end
return redis.call('HGETALL', KEYS[1])
