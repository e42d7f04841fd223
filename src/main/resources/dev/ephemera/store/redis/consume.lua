-- Takes one use of a token, atomically, or says why not. Nothing is changed unless the answer is 'ok'.
-- KEYS[1]  the token record (a hash)
-- ARGV[1]  now, epoch milliseconds (the broker's clock)
-- ARGV[2..4]  expected provider, model, origin; '' = not checked. A record without the field is not bound by it.
-- ARGV[5]  the endpoints the request is, each between newlines; '' = not checked. A record that lists endpoints
--          ('endp', newline-separated) matches when it lists one of them.
-- ARGV[6]  '1' when the broker cannot measure the request's usage: a record with limits of tokens, responses or
--          money ('lim_tok', 'lim_resp', 'lim_cost', 'lim_kday', 'lim_kmon', 'lim_sday') does not match it (SPEC §7,
--          usage_not_measurable).
-- Returns {outcome, detail, field1, value1, ...} where outcome is unknown|expired|mismatch|used|ok.
-- Whether the newline-separated list 'listed' has one of the endpoints in 'requested'.
local function lists_one_of(listed, requested)
  for endpoint in string.gmatch(listed, '[^\n]+') do
    if string.find(requested, '\n' .. endpoint .. '\n', 1, true) then
      return true
    end
  end
  return false
end

local f = redis.call('HMGET', KEYS[1], 'left', 'exp', 'prov', 'model', 'origin', 'endp', 'lim_tok', 'lim_resp',
  'lim_cost', 'lim_kday', 'lim_kmon', 'lim_sday')
if not f[1] then
  return {'unknown', ''}
end
local outcome, detail = 'ok', ''
if tonumber(ARGV[1]) >= tonumber(f[2]) then
  outcome = 'expired'
elseif ARGV[2] ~= '' and f[3] and ARGV[2] ~= f[3] then
  outcome, detail = 'mismatch', 'provider'
elseif ARGV[3] ~= '' and f[4] and ARGV[3] ~= f[4] then
  outcome, detail = 'mismatch', 'model'
elseif ARGV[4] ~= '' and f[5] and ARGV[4] ~= f[5] then
  outcome, detail = 'mismatch', 'origin'
elseif ARGV[5] ~= '' and f[6] and not lists_one_of(f[6], ARGV[5]) then
  outcome, detail = 'mismatch', 'endpoint'
elseif ARGV[6] == '1' and (f[7] or f[8] or f[9] or f[10] or f[11] or f[12]) then
  outcome, detail = 'mismatch', 'usage'
elseif tonumber(f[1]) <= 0 then
  outcome = 'used'
else
  redis.call('HINCRBY', KEYS[1], 'left', -1)
end
local result = {outcome, detail}
for _, v in ipairs(redis.call('HGETALL', KEYS[1])) do
  result[#result + 1] = v
end
return result
