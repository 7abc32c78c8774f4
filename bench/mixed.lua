-- A mixed load for wrk (one thread): 90% reads spread over five routes, 10% writes.
-- `bench.mixed` writes the values this script needs above it: KEY (the API key), SEED,
-- INTEGRATIONS (every integration's id), BUSY (the one with 150 pending posts), WRITABLE
-- (where posts at an explicit time go), SLOTTED (where "next_slot" posts go) and POSTS
-- (ids of posts that exist before the run).
--
-- Writes: 8 in 10 create a post at an explicit time 8 to 178 days ahead (beyond the week
-- next-slot looks at, so they never fill it), 1 in 10 creates one at "next_slot", 1 in 10
-- cancels a post this run created. Reads of /v1/posts/{id} ask for a post this run created
-- half of the time. `done` prints one BENCH_JSON line: wrk's summary, the answers by
-- status and how many 201 (posts created) this run was given.

threads = {}

function setup(thread)
  table.insert(threads, thread)
end

created = 0
by_status = {}
local fresh = {}
local counter = 0
local auth = "Bearer " .. KEY

local function pick(list)
  return list[math.random(#list)]
end

local function get(path)
  return wrk.format("GET", path, {["Authorization"] = auth})
end

function init(args)
  math.randomseed(SEED)
end

local function read()
  local r = math.random(5)
  if r == 1 then
    return get("/v1/integrations")
  elseif r == 2 then
    return get("/v1/integrations/" .. pick(INTEGRATIONS))
  elseif r == 3 then
    local id = math.random(2) == 1 and BUSY or pick(SLOTTED)
    return get("/v1/integrations/" .. id .. "/next-slot")
  elseif r == 4 then
    return get("/v1/posts")
  end
  local id = (#fresh > 0 and math.random(2) == 1) and fresh[math.random(#fresh)] or pick(POSTS)
  return get("/v1/posts/" .. id)
end

local function write()
  local r = math.random(10)
  if r == 1 and #fresh > 0 then
    local i = math.random(#fresh)
    local id = fresh[i]
    fresh[i] = fresh[#fresh]
    fresh[#fresh] = nil
    return wrk.format("DELETE", "/v1/posts/" .. id, {["Authorization"] = auth})
  end
  counter = counter + 1
  local when, target
  if r == 2 then
    when, target = '"next_slot"', pick(SLOTTED)
  else
    local at = os.time() + 8 * 86400 + math.random(0, 170 * 86400)
    when, target = '"' .. os.date("!%Y-%m-%dT%H:%M:%SZ", at) .. '"', pick(WRITABLE)
  end
  local body = '{"content":"Mixed load post ' .. counter .. '","integrations":["' .. target
    .. '"],"schedule_at":' .. when .. '}'
  local headers = {["Authorization"] = auth, ["Content-Type"] = "application/json"}
  return wrk.format("POST", "/v1/posts", headers, body)
end

function request()
  if math.random(10) == 1 then
    return write()
  end
  return read()
end

function response(status, headers, body)
  by_status[status] = (by_status[status] or 0) + 1
  if status == 201 then
    created = created + 1
    local id = string.match(body, '"id":"([^"]+)"')
    if id and #fresh < 20000 then
      table.insert(fresh, id)
    end
  end
end

function done(summary, latency, requests)
  local made, counts = 0, {}
  for _, thread in ipairs(threads) do
    made = made + thread:get("created")
    for status, n in pairs(thread:get("by_status")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, ' ..
    '"created": %d, "by_status": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout, made,
    table.concat(parts, ", ")))
end
