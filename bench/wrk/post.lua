-- wrk script for bench/: POST GraphQL request bodies with the JSON content type and
-- an x-user-id (1 unless BENCH_USERS names others), and print a one-line JSON summary.
-- BENCH_BODY names a file with one body, sent every time; BENCH_BODIES (--variation
-- varied) a file with one body per line, sent in turn (a counter over the lines), and
-- BENCH_USERS, when set, a file with the x-user-id of each of those lines (deep_chain's
-- varied callers), one per line in the same order.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["x-user-id"] = "1"

local function lines(path)
  local out = {}
  for line in io.lines(path) do
    if line ~= "" then
      out[#out + 1] = line
    end
  end
  return out
end

local bodies_path = os.getenv("BENCH_BODIES")
if bodies_path ~= nil and bodies_path ~= "" then
  local bodies = lines(bodies_path)
  assert(#bodies > 0, "BENCH_BODIES: no bodies in " .. bodies_path)
  local users_path = os.getenv("BENCH_USERS")
  local users = nil
  if users_path ~= nil and users_path ~= "" then
    users = lines(users_path)
    assert(#users == #bodies, "BENCH_USERS: one x-user-id per body wanted in " .. users_path)
  end
  local next_body = 0
  local requests = {}
  -- Built once per body in init (wrk sets the Host header just before it): request()
  -- then costs one table lookup per request.
  init = function(args)
    for i, body in ipairs(bodies) do
      local headers = nil -- wrk.headers
      if users ~= nil then
        -- wrk.format takes these instead of wrk.headers (it adds Host and Content-Length).
        headers = {}
        for name, value in pairs(wrk.headers) do
          headers[name] = value
        end
        headers["x-user-id"] = users[i]
      end
      requests[i] = wrk.format(nil, nil, headers, body)
    end
  end
  request = function()
    next_body = next_body % #requests + 1
    return requests[next_body]
  end
else
  local file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
  wrk.body = file:read("*a")
  file:close()
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
