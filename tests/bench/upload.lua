-- wrk script: POSTs the files listed in BENCH_FILES (one path a line, all read at start) as raw
-- upload bodies with Content-Type BENCH_TYPE and the bearer token in BENCH_TOKEN, each thread
-- cycling through them from another place (make bench: POST /api/v1/uploads). Distinct files
-- make distinct objects: the store writes each one (the same bytes again would be kept).
local files, auth, ctype = {}, "Bearer " .. os.getenv("BENCH_TOKEN"), os.getenv("BENCH_TYPE")
for path in io.lines(os.getenv("BENCH_FILES")) do
  local f = assert(io.open(path, "rb"))
  files[#files + 1] = f:read("*a")
  f:close()
end
local next_thread = 0
function setup(thread)
  thread:set("thread_no", next_thread)
  next_thread = next_thread + 1
end
local i
function init()
  i = (thread_no or 0) * 17 % #files
end
function request()
  i = i % #files + 1
  return wrk.format("POST", nil, {["Content-Type"] = ctype, Authorization = auth}, files[i])
end
