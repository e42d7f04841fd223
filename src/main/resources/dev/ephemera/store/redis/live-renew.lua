-- Holds a live session for another lease and answers why it was asked to end ('' when it was not); false when it
-- is gone (ended, or its lease ran out).
-- KEYS[1]  the live session (a hash);  ARGV[1]  the lease, ms
if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then
  return false
end
return redis.call('HGET', KEYS[1], 'end') or ''
