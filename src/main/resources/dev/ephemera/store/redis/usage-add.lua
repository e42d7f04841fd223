-- Adds usage counts to one hash (a live session, a token's receipt or a key's day) and answers the counts after it.
-- KEYS[1]  the hash
-- ARGV[1]  'live': only while the hash exists (a session that ended is not brought back), answering also its
--          'end' field; else the hash is made if need be and kept for at least ARGV[2] ms more
-- ARGV[2]  retention, ms;  ARGV[3]  how many count names follow;  ARGV[4..]  the count names, then their deltas
local live = ARGV[1] == 'live'
if live and redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local n = tonumber(ARGV[3])
local names = {}
for i = 1, n do
  names[i] = ARGV[3 + i]
  local delta = tonumber(ARGV[3 + n + i])
  if delta ~= 0 then
    redis.call('HINCRBY', KEYS[1], names[i], delta)
  end
end
if not live then
  local keep = tonumber(ARGV[2])
  if redis.call('PTTL', KEYS[1]) < keep then
    redis.call('PEXPIRE', KEYS[1], keep)
  end
end
local out = redis.call('HMGET', KEYS[1], unpack(names))
if live then
  out[n + 1] = redis.call('HGET', KEYS[1], 'end') or ''
end
return out
