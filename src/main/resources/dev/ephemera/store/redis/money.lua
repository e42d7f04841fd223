-- A token's usage on its key's ledgers and one turn of its money (SPEC §11), atomically. Every key shares the hash
-- tag of the key id, so that this is one script on one node under Redis Cluster.
-- KEYS[1] the key's day   KEYS[2] the key's month   KEYS[3] the subject's day   KEYS[4] the token's spend
-- KEYS[5] the key's day of the reservation released   KEYS[6] the subject's day of it
-- ARGV[1] how long a day, a month or a subject's day is kept (ms)   ARGV[2] how long a token's spend is kept (ms)
-- ARGV[3] '1' when the subject's ledger counts (a subject budget holds)   ARGV[4] '1' when the token's does
-- ARGV[5] micro-dollars released   ARGV[6] at least, ARGV[7] at most to reserve (-1: only answer what is left)
-- ARGV[8..11] the limits of the token, the key's day, its month and the subject's day ('' none)
-- ARGV[12] the group of the usage for /v1/usage ('' none)   ARGV[13] n, then n count names and n deltas
-- Answers {reserved (-1: less than the least was left; what is left when asked only that), 1 when the key's day
-- was new}.
local keep, tokenKeep = tonumber(ARGV[1]), tonumber(ARGV[2])
local subject, token = ARGV[3] == '1', ARGV[4] == '1'
local function touch(key, ms)
  if redis.call('PTTL', key) < ms then
    redis.call('PEXPIRE', key, ms)
  end
end
-- Adds delta to field on a day's ledger (if one is named), the subject's ledger of that day and the token's, where
-- they count.
local function ledgers(day, subjectDay, field, delta)
  if day then
    redis.call('HINCRBY', day, field, delta)
  end
  if subject then
    redis.call('HINCRBY', subjectDay, field, delta)
  end
  if token then
    redis.call('HINCRBY', KEYS[4], field, delta)
  end
end
local newDay = redis.call('EXISTS', KEYS[1]) == 0 and 1 or 0
local n = tonumber(ARGV[13])
local cost = 0
for i = 1, n do
  local name, delta = ARGV[13 + i], tonumber(ARGV[13 + n + i])
  if delta ~= 0 then
    redis.call('HINCRBY', KEYS[1], name, delta)
    if ARGV[12] ~= '' then
      redis.call('HINCRBY', KEYS[1], ARGV[12] .. '\t' .. name, delta)
    end
    if name == 'cost_micros' then
      cost = delta
    end
  end
end
if cost > 0 then
  -- The key's day counted it with the other counts.
  redis.call('HINCRBY', KEYS[2], 'cost_micros', cost)
  touch(KEYS[2], keep)
  ledgers(nil, KEYS[3], 'cost_micros', cost)
end
local release = tonumber(ARGV[5])
if release > 0 then
  ledgers(KEYS[5], KEYS[6], 'reserved_micros', -release)
  touch(KEYS[5], keep)
  if subject then
    touch(KEYS[6], keep)
  end
end
local function held(key)
  local f = redis.call('HMGET', key, 'cost_micros', 'reserved_micros')
  return (tonumber(f[1]) or 0) + math.max(0, tonumber(f[2]) or 0)
end
local granted = 0
local most = tonumber(ARGV[7])
if most ~= 0 then
  local left = most > 0 and most or 2 ^ 52
  local function under(limit, used)
    if limit ~= '' then
      left = math.min(left, tonumber(limit) - used)
    end
  end
  under(ARGV[8], token and held(KEYS[4]) or 0)
  under(ARGV[9], held(KEYS[1]))
  -- The month's spend is counted on its own; what is reserved is on the day it was reserved.
  local month = tonumber(redis.call('HGET', KEYS[2], 'cost_micros')) or 0
  local reservedToday = math.max(0, tonumber(redis.call('HGET', KEYS[1], 'reserved_micros')) or 0)
  under(ARGV[10], month + reservedToday)
  under(ARGV[11], subject and held(KEYS[3]) or 0)
  if most < 0 then
    granted = math.max(0, left)
  elseif left < tonumber(ARGV[6]) or left <= 0 then
    granted = -1
  else
    granted = left
    ledgers(KEYS[1], KEYS[3], 'reserved_micros', granted)
  end
end
touch(KEYS[1], keep)
if subject then
  touch(KEYS[3], keep)
end
if token then
  touch(KEYS[4], tokenKeep)
end
return {granted, newDay}
