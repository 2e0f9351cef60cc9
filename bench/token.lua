-- bench/token.lua: a wrk script for writ serve's token endpoint. Every
-- request is the seed's client_credentials request (RFC 6749 section 4.4)
-- with a resource indicator (RFC 8707), authenticated with HTTP Basic:
--
--   wrk -t1 -c32 -d10s -s bench/token.lua http://127.0.0.1:PORT/oidc/token
--
-- done() prints one line for bench/run.sh to parse:
--
--   wrk-result requests=N duration_s=S requests_per_sec=R p50_ms=..
--     p90_ms=.. p99_ms=.. max_ms=.. non2xx=N socket_errors=N errors=N
--
-- errors = non2xx + socket_errors; anything but 0 means the run measured
-- something other than issued tokens, and the harness fails.

wrk.method = "POST"
-- base64("cart-service:demo-cart-secret"), the demo secret of
-- policies/payment.writ.
wrk.headers["Authorization"] = "Basic Y2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ="
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=client_credentials"
	.. "&resource=https://payment.example.com/api&scope=write:payment"

-- The counting and the wrk-result line: bench/wrk-result.lua, beside this.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk-result.lua")
