-- wrk script: cycles through the lines "PATH<TAB>TOKEN" of the file named by BENCH_PAIRS and
-- sends each GET with its own bearer token (make bench: the citizens' application details).
-- Each wrk thread starts at another place in the list.
local pairs_ = {}
for line in io.lines(os.getenv("BENCH_PAIRS")) do
  local path, token = line:match("^(%S+)\t(%S+)$")
  if path then
    pairs_[#pairs_ + 1] = {path, "Bearer " .. token}
  end
end
local next_thread = 0
function setup(thread)
  thread:set("thread_no", next_thread)
  next_thread = next_thread + 1
end
local i
function init()
  i = (thread_no or 0) * 7919 % #pairs_
end
function request()
  i = i % #pairs_ + 1
  return wrk.format("GET", pairs_[i][1], {Authorization = pairs_[i][2]})
end
