-- Asks a live session to end: marks it with the request (the first request stays). Answers the id of the replica that
-- holds it ('' when it names none), or false when it is not live.
-- KEYS[1]  the live session (a hash);  ARGV[1]  the request: "<reason> <epoch ms>" (EndRequests)
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
redis.call('HSETNX', KEYS[1], 'end', ARGV[1])
return redis.call('HGET', KEYS[1], 'replica') or ''
