-- POST $BODY with the API key in $KEY and, on every request, a backend's W3C traceparent with a new trace id.
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEY")
math.randomseed(os.time())
local hex = "0123456789abcdef"
local function id(n)
  local t = {}
  for i = 1, n do
    local k = math.random(1, 16)
    t[i] = hex:sub(k, k)
  end
  return table.concat(t)
end
request = function()
  wrk.headers["traceparent"] = "00-" .. id(32) .. "-" .. id(16) .. "-01"
  return wrk.format()
end
