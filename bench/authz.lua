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

-- A refusal's first non-2xx shows its challenge.
function bad_detail(headers, body)
	return headers["WWW-Authenticate"] or ""
end

-- The counting and the wrk-result line: bench/wrk-result.lua, beside this.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk-result.lua")
