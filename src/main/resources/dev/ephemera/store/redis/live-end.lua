-- Asks a live session to end: marks it with the reason (the first reason stays). 1 when it is live, else 0.
-- KEYS[1]  the live session (a hash);  ARGV[1]  the reason
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSETNX', KEYS[1], 'end', ARGV[1])
return 1
