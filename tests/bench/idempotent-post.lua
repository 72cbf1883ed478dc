-- wrk script: POSTs the JSON body in BENCH_BODY with the bearer token in BENCH_TOKEN and a
-- new Idempotency-Key on every request (make bench: POST /api/v1/applications).
local body, auth = os.getenv("BENCH_BODY"), "Bearer " .. os.getenv("BENCH_TOKEN")
local next_thread = 0
function setup(thread)
  thread:set("thread_no", next_thread)
  next_thread = next_thread + 1
end
local prefix, n
function init()
  prefix = string.format("bench-%d-%d-%d-", os.time(), math.random(1e9), thread_no or 0)
  n = 0
end
function request()
  n = n + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", Authorization = auth,
    ["Idempotency-Key"] = prefix .. n}, body)
end
