-- soak.lua - wrk script for tests/exporter/soak.sh: asks for OpenMetrics,
-- checks every response (status 200, every line a HELP/TYPE/UNIT comment or
-- a sample "name{labels} value", the three energy families present, "# EOF"
-- last) and counts responses; soak.sh repeats short runs until it has N.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  count = 0
  bad = 0
  wrk.headers["Accept"] = "application/openmetrics-text; version=1.0.0"
end

local function valid(body)
  if not body:find("# EOF\n$") then return false end
  if not body:find("\nwattnet_energy_joules_total{", 1, true) then return false end
  if not body:find("\nwattnet_power_watts{", 1, true) then return false end
  if not body:find("\nwattnet_meter_up{", 1, true) then return false end
  for line in body:gmatch("([^\n]*)\n") do
    local ok = line == "# EOF"
      or line:match("^# HELP [a-z_]+ .+$")
      or line:match("^# TYPE [a-z_]+ [a-z]+$")
      or line:match("^# UNIT [a-z_]+ [a-z]+$")
      or line:match('^[a-z_]+{[a-z_]+="[^"]*"[^}]*} [-+0-9.eENaInf]+$')
      or line:match("^[a-z_]+ [-+0-9.eENaInf]+$")
    if not ok then return false end
  end
  return true
end

function response(status, headers, body)
  count = count + 1
  if status ~= 200 or not valid(body) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local c, b = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("count")
    b = b + t:get("bad")
  end
  io.write(string.format("SOAK responses=%d invalid=%d errors=%d\n", c, b,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout))
end
