-- bench/authz.lua: a wrk script for writ serve's GET /authz, asked as
-- nginx's auth_request asks it: the original request (POST /payments of
-- the example payment API) in X-Original-Method and X-Original-URI, and a
-- token that allows it in the Authorization header. The same token every
-- time, as a gateway sees a client's token again and again: the verifier's
-- cache answers after the first request.
--
--   WRIT_BENCH_TOKEN=eyJ... wrk -t1 -c32 -d10s -s bench/authz.lua \
--     'http://127.0.0.1:PORT/authz?resource=https://payment.example.com/api'
--
-- done() prints one line for bench/run.sh to parse, as bench/token.lua's:
--
--   wrk-result requests=N duration_s=S requests_per_sec=R p50_ms=..
--     p90_ms=.. p99_ms=.. max_ms=.. non2xx=N socket_errors=N errors=N
--
-- errors = non2xx + socket_errors; anything but 0 means the run measured
-- something other than allowed requests, and the harness fails.

local token = os.getenv("WRIT_BENCH_TOKEN")
if not token or token == "" then
	io.stderr:write("bench/authz.lua: set WRIT_BENCH_TOKEN to an access token\n")
	os.exit(2)
end

wrk.method = "GET"
wrk.headers["X-Original-Method"] = "POST"
wrk.headers["X-Original-URI"] = "/payments"
wrk.headers["Authorization"] = "Bearer " .. token

-- Non-2xx answers are counted by each thread, as in bench/token.lua (wrk's
-- own count misses 1xx and 3xx).
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
