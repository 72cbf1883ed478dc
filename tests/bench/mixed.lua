-- wrk script, make bench's mixed scenario (tests/bench/mixed-data.py writes its files into
-- BENCH_MIXED): many citizens, each with their own token, in the proportions of a working
-- day's peak — search 60 %, the citizen's application detail 20 %, the inbox 10 %, the
-- public progress query 5 %, submissions 4 % (a new Idempotency-Key each) and password logins
-- 1 % (argon2id at the production cost). Each thread draws its own random sequence.
local dir = os.getenv("BENCH_MIXED")
local function lines(name)
  local t = {}
  for line in io.lines(dir .. "/" .. name) do t[#t + 1] = line end
  return t
end
local search, citizens, progress, login = lines("search.txt"), lines("citizens.txt"),
  lines("progress.txt"), lines("login.txt")
local detail = {}
for _, line in ipairs(lines("detail.txt")) do
  local path, token = line:match("^(%S+)\t(%S+)$")
  detail[#detail + 1] = {path, "Bearer " .. token}
end
local submit_body = '{"service_code":"GA-GG-001","form":{"reason":"首次申领","address":"北京市东城区景山前街4号"},"materials":[{"name":"居民户口簿"}]}'
local json = "application/json"

local next_thread = 0
function setup(thread)
  thread:set("thread_no", next_thread)
  next_thread = next_thread + 1
end
local n, prefix
function init()
  math.randomseed(os.time() * 1000 + (thread_no or 0))
  prefix = string.format("mixed-%d-%d-%d-", os.time(), math.random(1e9), thread_no or 0)
  n = 0
end
local function pick(t) return t[math.random(#t)] end
function request()
  local r = math.random(1000)
  if r <= 600 then
    return wrk.format("GET", pick(search))
  elseif r <= 800 then
    local d = pick(detail)
    return wrk.format("GET", d[1], {Authorization = d[2]})
  elseif r <= 900 then
    return wrk.format("GET", "/api/v1/notifications?limit=20",
      {Authorization = "Bearer " .. pick(citizens)})
  elseif r <= 950 then
    return wrk.format("POST", "/api/v1/progress", {["Content-Type"] = json}, pick(progress))
  elseif r <= 990 then
    n = n + 1
    return wrk.format("POST", "/api/v1/applications", {["Content-Type"] = json,
      Authorization = "Bearer " .. pick(citizens), ["Idempotency-Key"] = prefix .. n}, submit_body)
  else
    return wrk.format("POST", "/api/v1/auth/login", {["Content-Type"] = json}, login[1])
  end
end
