-- bench/wrk-result.lua: what the wrk scripts of bench/ share, loaded by
-- each with dofile. Every thread counts its non-2xx answers itself (wrk's
-- own summary.errors.status counts only statuses above 399: a 1xx or 3xx
-- would pass unnoticed), and done() collects the counts through the thread
-- handles kept by setup() and prints one line for the harness to parse:
--
--   wrk-result requests=N duration_s=S requests_per_sec=R p50_ms=..
--     p90_ms=.. p99_ms=.. max_ms=.. non2xx=N socket_errors=N errors=N
--
-- errors = non2xx + socket_errors; anything but 0 means the run measured
-- something other than the answers it was meant to, and the harness fails.
-- Before it, "wrk-first-non2xx STATUS DETAIL" shows the first such answer,
-- DETAIL being what the script's bad_detail(headers, body) picks (the
-- body's start by default).
--
-- Defining response() makes wrk hand it the headers and body. On the
-- 2-core machine of DESIGN.md section 7 (-t1 -c32, 5 alternating 5 s runs)
-- wrk spent 16-24 us of CPU per request with it and 16-21 us without:
-- within the noise.

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	non2xx = 0
	first_bad = nil
end

function response(status, headers, body)
	if status < 200 or status > 299 then
		non2xx = non2xx + 1
		if not first_bad then
			local detail = bad_detail and bad_detail(headers, body)
				or string.sub(body or "", 1, 200)
			first_bad = status .. " " .. detail
		end
	end
end

function done(summary, latency, requests)
	local non2xx, bad = 0, nil
	for _, t in ipairs(threads) do
		non2xx = non2xx + (t:get("non2xx") or 0)
		bad = bad or t:get("first_bad")
	end
	local e = summary.errors
	local socket = e.connect + e.read + e.write + e.timeout
	local seconds = summary.duration / 1e6
	if bad then
		io.write(string.format("wrk-first-non2xx %s\n", bad))
	end
	io.write(string.format("wrk-result requests=%d duration_s=%.3f requests_per_sec=%.1f "
		.. "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f "
		.. "non2xx=%d socket_errors=%d errors=%d\n",
		summary.requests, seconds, summary.requests / seconds,
		latency:percentile(50) / 1000, latency:percentile(90) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000,
		non2xx, socket, non2xx + socket))
end
