-- Load for one endpoint of tiepcan, driven by wrk.
--   wrk ... -s scripts/bench/wrk.lua URL -- MODE [ARGS]
-- MODE "get" COOKIE: GET the URL with the session cookie (pages; gzip as a browser asks).
-- MODE "file" TOKENS_FILE AGENCY_ID: POST /api/v1/requests with a bearer token
--   taken in turn from the file, and a body no other request had.
-- Prints one line "RESULT {json}" with throughput, percentiles and errors.

local counter = 0
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  mode = args[1]
  if mode == "file" then
    tokens = {}
    for line in io.lines(args[2]) do
      if #line > 0 then tokens[#tokens + 1] = line end
    end
    agency = args[3]
  elseif mode == "get" then
    headers = { ["Accept-Encoding"] = "gzip" }
    if args[2] and #args[2] > 0 then headers["Cookie"] = "tiepcan_session=" .. args[2] end
  end
end

function request()
  counter = counter + 1
  if mode == "file" then
    local tok = tokens[(tid * 7 + counter) % #tokens + 1]
    local body = string.format(
      '{"agency_id":"%s","kind":"information","subject":"Số liệu tiêm chủng đợt %d-%d",' ..
      '"body":"Đề nghị Sở Y tế cung cấp số liệu tiêm chủng của huyện, yêu cầu số %d-%d."}',
      agency, tid, counter, tid, counter)
    return wrk.format("POST", "/api/v1/requests",
      { ["Authorization"] = "Bearer " .. tok, ["Content-Type"] = "application/json" }, body)
  end
  return wrk.format("GET", nil, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local secs = summary.duration / 1e6
  io.write(string.format(
    'RESULT {"requests":%d,"seconds":%.2f,"rps":%.0f,"p50_ms":%.3f,"p95_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"errors":%d,"non_2xx":%d}\n',
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, errors, e.status))
end
