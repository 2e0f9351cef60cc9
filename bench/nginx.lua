-- bench/nginx.lua: a wrk script for nginx in front of a static file, with
-- or without ngx_http_writ_module deciding (bench/nginx-module.sh). Every
-- request is GET of the path in the URL; with WRIT_BENCH_TOKEN set, it
-- carries that token, the same every time, as a gateway sees a client's
-- token again and again: the verifier's cache answers after the first.
--
--   WRIT_BENCH_TOKEN=eyJ... wrk -t1 -c32 -d10s -s bench/nginx.lua \
--     http://127.0.0.1:PORT/payments/123
--
-- done() prints one line for the harness, as bench/token.lua's:
--
--   wrk-result requests=N duration_s=S requests_per_sec=R p50_ms=..
--     p90_ms=.. p99_ms=.. max_ms=.. non2xx=N socket_errors=N errors=N

local token = os.getenv("WRIT_BENCH_TOKEN")
if token and token ~= "" then
	wrk.headers["Authorization"] = "Bearer " .. token
end

-- Non-2xx answers are counted by each thread (wrk's own count misses 1xx
-- and 3xx), and done() collects the counts.
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
			first_bad = status .. " " .. (headers["WWW-Authenticate"] or "")
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
