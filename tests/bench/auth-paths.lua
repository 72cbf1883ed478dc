-- wrk script: cycles through the lines of the file named by BENCH_PAIRS and sends each as its
-- own request: "PATH<TAB>TOKEN" a GET with that bearer token (make bench: the citizens'
-- application details and inboxes), "PATH<TAB>TOKEN|-<TAB>JSON" a POST of that body (the
-- public progress query: no token). Each wrk thread starts at another place in the list.
local reqs = {}
for line in io.lines(os.getenv("BENCH_PAIRS")) do
  local path, token, body = line:match("^(%S+)\t(%S+)\t?(.*)$")
  if path then
    local headers = {}
    if token ~= "-" then headers.Authorization = "Bearer " .. token end
    if body ~= "" then headers["Content-Type"] = "application/json" end
    reqs[#reqs + 1] = {body ~= "" and "POST" or "GET", path, headers, body ~= "" and body or nil}
  end
end
local next_thread = 0
function setup(thread)
  thread:set("thread_no", next_thread)
  next_thread = next_thread + 1
end
local i
function init()
  i = (thread_no or 0) * 7919 % #reqs
end
function request()
  i = i % #reqs + 1
  local r = reqs[i]
  return wrk.format(r[1], r[2], r[3], r[4])
end
