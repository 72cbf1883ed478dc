-- wrk script: cycles through the request paths listed (one per line) in the file named by
-- BENCH_PATHS, so one run measures a mix of queries.
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  paths[#paths + 1] = line
end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
