-- Redeems one use of a pre-minted token per request (introspect with consume=true), cycling through $TOKENS.
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
local i = math.random(#tokens)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEY")
request = function()
  i = i % #tokens + 1
  return wrk.format(nil, nil, nil, "consume=true&token=" .. tokens[i])
end
