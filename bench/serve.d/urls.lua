-- wrk script for bench/serve: each thread walks its own share of the URL list in the file
-- $URLS (one path a line, already shuffled), so no URL is asked for twice until the list
-- has been walked through. At the end it says how many requests that was against the list.
local urls = {}
for line in io.lines(os.getenv("URLS")) do urls[#urls + 1] = line end

local threads = 0
function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
end

local next_index, step
function init(args)
  next_index = first
  step = tonumber(os.getenv("THREADS"))
end

function request()
  local path = urls[next_index % #urls + 1]
  next_index = next_index + step
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  io.write(string.format("urls %d requests %d\n", #urls, summary.requests))
end
