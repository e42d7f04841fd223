-- Takes the requests to end sessions addressed to one replica (the fall-back for a missed kill message): answers
-- them as a flat list of session id, reason, and forgets them.
-- KEYS[1]  the replica's end requests (a hash: session id to reason)
local asked = redis.call('HGETALL', KEYS[1])
if #asked > 0 then
  redis.call('DEL', KEYS[1])
end
return asked
