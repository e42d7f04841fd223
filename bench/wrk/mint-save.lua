-- Mints tokens with many uses and appends their values to $OUT, for the redeem run.
wrk.method = "POST"
wrk.body = '{"provider":"openai","max_uses":100,"ttl_seconds":600}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEY")
local out = io.open(os.getenv("OUT"), "a")
response = function(status, headers, body)
  if status == 201 then
    local value = body:match('"value":"(eph_[%w]+)"')
    if value then out:write(value, "\n"); out:flush() end
  end
end
