-- POST /v1/posts bodies for wrk, each request a new post: the content carries a counter, the
-- integration rotates over OPENPOST_WRK_INTEGRATIONS (comma-separated ids), the schedule is
-- OPENPOST_WRK_SCHEDULE (a JSON value), and with OPENPOST_WRK_KEYS set every request has
-- its own Idempotency-Key (that prefix and the counter). Then the report of wrk_report.lua.
local ids = {}
for id in string.gmatch(os.getenv("OPENPOST_WRK_INTEGRATIONS") or "", "[^,]+") do
  ids[#ids + 1] = id
end
local schedule = os.getenv("OPENPOST_WRK_SCHEDULE") or "null"
local keys = os.getenv("OPENPOST_WRK_KEYS")
local counter = 0

request = function()
  counter = counter + 1
  local body = '{"content":"Benchmark write ' .. counter .. '","integrations":["' ..
    ids[counter % #ids + 1] .. '"],"schedule_at":' .. schedule .. '}'
  local headers = {["Content-Type"] = "application/json"}
  for name, value in pairs(wrk.headers) do  -- the -H headers (Authorization) and Host
    headers[name] = value
  end
  if keys then
    headers["Idempotency-Key"] = keys .. "-" .. counter
  end
  return wrk.format("POST", nil, headers, body)
end

dofile(os.getenv("OPENPOST_WRK_REPORT"))
