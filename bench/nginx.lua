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

-- A refusal's first non-2xx shows its challenge.
function bad_detail(headers, body)
	return headers["WWW-Authenticate"] or ""
end

-- The counting and the wrk-result line: bench/wrk-result.lua, beside this.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk-result.lua")
