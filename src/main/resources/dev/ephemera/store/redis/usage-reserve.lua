-- Reserves the output of one relayed request on a token's receipt (SPEC §7): refused (-1) when the responses done
-- and outstanding reach the limit, or when nothing is left of the tokens after those used and reserved; else what is
-- left is reserved and answered (0 without a limit of tokens). Released with usage-add.lua's negative deltas.
-- KEYS[1]  the receipt
-- ARGV[1]  the limit of total tokens, '' for none;  ARGV[2]  the limit of responses, '' for none
-- ARGV[3]  retention, ms
local f = redis.call('HMGET', KEYS[1], 'total_tokens', 'responses', 'reserved_tokens', 'reserved_responses')
local used = tonumber(f[1]) or 0
local responses = tonumber(f[2]) or 0
local reserved = tonumber(f[3]) or 0
local outstanding = tonumber(f[4]) or 0
if ARGV[2] ~= '' and responses + outstanding >= tonumber(ARGV[2]) then
  return -1
end
local cap = 0
if ARGV[1] ~= '' then
  cap = tonumber(ARGV[1]) - used - reserved
  if cap <= 0 then
    return -1
  end
end
redis.call('HINCRBY', KEYS[1], 'reserved_tokens', cap)
redis.call('HINCRBY', KEYS[1], 'reserved_responses', 1)
local keep = tonumber(ARGV[3])
if redis.call('PTTL', KEYS[1]) < keep then
  redis.call('PEXPIRE', KEYS[1], keep)
end
return cap
