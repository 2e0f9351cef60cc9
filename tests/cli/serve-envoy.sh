#!/bin/sh
# writ serve --authz-prefix, asked as Envoy's ext_authz HTTP service asks
# it: the client's request itself, its method kept, its path and query
# after path_prefix, its own Authorization header; the resource of
# --authz-resource. Decided by the routes of the example payment API: POST
# /payments needs write:payment, GET /payments/{id} read:payment. Also the
# options' refusals at start-up, and /authz's ?resource=, which writ
# decodes itself now that libmicrohttpd leaves escapes as they came.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/serve-lib.sh"

copy_policy "$tmp/policy"
prefix=/ext-authz

# envoy METHOD TARGET [CURL-ARG...]: the request Envoy sends for METHOD
# TARGET: PREFIX then the target as it is (curl must not resolve dots).
envoy() {
	_m=$1 _t=$2
	shift 2
	http --path-as-is -X "$_m" "$url$prefix$_t" "$@"
}

# expect_refused STATUS ERROR WHAT: a decision's refusal: STATUS, no body,
# WWW-Authenticate with the realm and error="ERROR", and no X-Writ-Client.
expect_refused() {
	expect_status "$1" "$3" || return 1
	checks=$((checks + 1))
	header WWW-Authenticate | grep -q "^Bearer realm=\"$aud\", error=\"$2\"" ||
		fail "$3: WWW-Authenticate is '$(header WWW-Authenticate)'"
	checks=$((checks + 1))
	[ ! -s "$out.body" ] || fail "$3: a body: $(cat "$out.body")"
	checks=$((checks + 1))
	[ -z "$(header X-Writ-Client)" ] || fail "$3: X-Writ-Client is '$(header X-Writ-Client)'"
}

# expect_clean_exit WHAT: the server just stopped exited 0 (a sanitizer's
# report at exit would make it fail).
expect_clean_exit() {
	checks=$((checks + 1))
	[ "$status" = 0 ] && return 0
	fail "$1: exited $status; the end of its log:"
	tail -n 20 "$log" | sed 's/^/    /'
}

# The options' refusals, before anything listens.
for bad in ext-authz / /ext-authz/ //x /a//b /a/../b /./a /a%2Fb '/a b' '/a;b'; do
	expect_exit 2 "$WRIT" serve --policy "$tmp/policy" --listen 127.0.0.1:0 --authz-prefix "$bad"
	checks=$((checks + 1))
	grep -q -- "--authz-prefix wants a path" "$run_stderr" ||
		fail "--authz-prefix '$bad': stderr is '$(cat "$run_stderr")'"
done
for covering in /oidc /oidc/token /healthz /authz /.well-known; do
	expect_exit 2 "$WRIT" serve --policy "$tmp/policy" --listen 127.0.0.1:0 \
		--authz-prefix "$covering"
	case $covering in
	/oidc) covered=/oidc/token ;;
	/.well-known) covered=/.well-known/oauth-authorization-server/oidc ;;
	*) covered=$covering ;;
	esac
	checks=$((checks + 1))
	grep -Fqx "writ serve: --authz-prefix $covering covers $covered, a path of writ serve's own" \
		"$run_stderr" || fail "--authz-prefix $covering: stderr is '$(cat "$run_stderr")'"
done
expect_exit 2 "$WRIT" serve --policy "$tmp/policy" --listen 127.0.0.1:0 \
	--authz-resource https://nowhere.example
checks=$((checks + 1))
grep -Fqx "writ serve: --authz-resource https://nowhere.example is not a resource of the policy" \
	"$run_stderr" || fail "an unknown --authz-resource: stderr is '$(cat "$run_stderr")'"

if start_server envoy --policy "$tmp/policy" --authz-prefix "$prefix" --authz-resource "$aud"; then
	post "grant_type=client_credentials&resource=$aud&scope=write:payment" -H "$basic"
	expect_status 200 "a token for the cart service"
	token=$(sed -n 's/^{"access_token":"\([^"]*\)".*/\1/p' "$out.body")
	bearer="Authorization: Bearer $token"
	# The reconciliation job holds read:payment only; it has no secret,
	# so its token is minted with the issuer's key.
	reader=$("$WRIT" token --policy "$tmp/policy" --key "$tmp/policy/issuer.pem" \
		--client reconciliation --resource "$aud" --scope read:payment)
	reading="Authorization: Bearer $reader"

	envoy POST /payments -H "$bearer" -H 'Content-Length: 0'
	expect_status 200 "POST /payments with write:payment"
	expect_header X-Writ-Client cart-service "allowed"
	expect_header X-Writ-Subject cart-service "allowed"
	expect_header X-Writ-Scope write:payment "allowed"
	checks=$((checks + 1))
	[ -z "$(header WWW-Authenticate)" ] || fail "allowed: WWW-Authenticate is '$(header WWW-Authenticate)'"
	checks=$((checks + 1))
	[ ! -s "$out.body" ] || fail "allowed: a body: $(cat "$out.body")"

	envoy GET /payments/123 -H "$reading"
	expect_status 200 "GET /payments/123 with read:payment"
	expect_header X-Writ-Client reconciliation "GET /payments/123"

	# The method is the request's own: each route wants its own scope.
	envoy GET /payments/123 -H "$bearer"
	expect_refused 403 insufficient_scope "GET /payments/123 with write:payment only"
	expect_header WWW-Authenticate "Bearer realm=\"$aud\", error=\"insufficient_scope\", error_description=\"insufficient scope: read:payment is not granted\", scope=\"read:payment\"" \
		"GET /payments/123 with write:payment only"
	envoy POST /payments -H "$reading"
	expect_refused 403 insufficient_scope "POST /payments with read:payment only"
	expect_header WWW-Authenticate "Bearer realm=\"$aud\", error=\"insufficient_scope\", error_description=\"insufficient scope: write:payment is not granted\", scope=\"write:payment\"" \
		"POST /payments with read:payment only"
	envoy GET /payments -H "$bearer"
	expect_refused 403 insufficient_scope "GET /payments, which no route allows"
	envoy PUT /payments -H "$bearer"
	expect_refused 403 insufficient_scope "PUT /payments, which no route allows"
	# X-Original-* headers are /authz's; under the prefix they are ignored.
	envoy GET /payments/123 -H "$bearer" -H 'X-Original-Method: POST' -H 'X-Original-URI: /payments'
	expect_refused 403 insufficient_scope "X-Original-* under the prefix"

	# The query is not part of the match.
	envoy POST '/payments?amount=10&currency=EUR' -H "$bearer"
	expect_status 200 "POST /payments?amount=10&currency=EUR"
	envoy GET '/payments/123?x=%2F' -H "$reading"
	expect_status 200 "GET /payments/123?x=%2F"

	envoy POST /payments
	expect_status 401 "no token"
	expect_header WWW-Authenticate "Bearer realm=\"$aud\"" "no token"
	checks=$((checks + 1))
	[ ! -s "$out.body" ] || fail "no token: a body: $(cat "$out.body")"
	envoy POST /payments -H "Authorization: Bearer ${token}x"
	expect_refused 401 invalid_token "a tampered token"
	envoy POST /payments -H "$bearer" -H "$bearer"
	expect_error 400 invalid_request "two Authorization headers"

	# Path tricks, each in the path after the prefix: refused, or
	# normalized within the target.
	envoy POST /payments%2F1 -H "$bearer"
	expect_refused 400 invalid_request "an encoded slash"
	envoy POST /payments%2f1 -H "$bearer"
	expect_refused 400 invalid_request "an encoded slash in lower case"
	envoy POST //payments -H "$bearer"
	expect_refused 400 invalid_request "an empty segment"
	envoy POST /../admin -H "$bearer"
	expect_refused 400 invalid_request "a path that climbs out of the prefix"
	envoy GET /../healthz -H "$bearer"
	expect_refused 400 invalid_request "a climb to one of writ's own paths"
	envoy POST /payments/../admin -H "$bearer"
	expect_refused 403 insufficient_scope "/payments/../admin, which is /admin"
	envoy POST /payments/%2e%2e/admin -H "$bearer"
	expect_refused 400 invalid_request "an encoded dot-segment"
	envoy POST /payments/%2E%2E/admin -H "$bearer"
	expect_refused 400 invalid_request "an encoded dot-segment in upper case"
	envoy POST /payments%zz -H "$bearer"
	expect_refused 400 invalid_request "a malformed escape"
	envoy POST /payments%2 -H "$bearer"
	expect_refused 400 invalid_request "a truncated escape"
	envoy POST /payments%00 -H "$bearer"
	expect_refused 400 invalid_request "an encoded NUL"
	envoy POST '/payments;x=1' -H "$bearer"
	expect_refused 400 invalid_request "a path parameter"
	envoy POST '' -H "$bearer"
	expect_refused 400 invalid_request "the prefix alone"
	envoy POST '?x=1' -H "$bearer"
	expect_refused 400 invalid_request "the prefix and a query"

	# Outside the prefix nothing is decided: writ's own 404.
	authz_lines=$(count_log '"event":"authz"')
	for outside in "${prefix}x/payments" "${prefix%z}/payments" /payments "/EXT-AUTHZ/payments" \
		"${prefix}%2Fpayments"; do
		http --path-as-is -X POST "$url$outside" -H "$bearer"
		expect_error 404 not_found "POST $outside"
	done
	checks=$((checks + 1))
	[ "$(count_log '"event":"authz"')" = "$authz_lines" ] ||
		fail "requests outside the prefix were decided: $(grep '"event":"authz"' "$log" | tail -n 1)"

	# writ's own paths are matched as they came: an escape is no path.
	http "$url/healthz"
	expect_status 200 "GET /healthz"
	http --path-as-is "$url/health%7Az"
	expect_error 404 not_found "GET /health%7Az"
	http --path-as-is "$url/oidc%2Fjwks"
	expect_error 404 not_found "GET /oidc%2Fjwks"
	http --path-as-is -H "$form_type" -H "$basic" \
		--data-raw "grant_type=client_credentials&resource=$aud" "$url/oidc%2Ftoken"
	expect_error 404 not_found "POST /oidc%2Ftoken"

	# /authz beside it: without ?resource=, --authz-resource.
	http "$url/authz" -H 'X-Original-Method: POST' -H 'X-Original-URI: /payments' -H "$bearer"
	expect_status 200 "/authz without ?resource="
	expect_header X-Writ-Client cart-service "/authz without ?resource="

	# Every decision is logged and counted as /authz's.
	checks=$((checks + 1))
	[ "$(count_log '"event":"authz"')" -ge 25 ] ||
		fail "authz log lines: $(count_log '"event":"authz"')"
	checks=$((checks + 1))
	! grep -Fq "$token" "$log" || fail "the log holds the token"
	fetch_metrics
	expect_metric 'writ_http_requests_total{endpoint="authz",outcome="ok"}' 5 "allowed"

	# A reload whose policy lacks --authz-resource is refused; the old
	# policy keeps deciding.
	cp "$tmp/policy/payment.writ" "$tmp/payment.writ.orig"
	sed 's|https://payment\.example\.com/api|https://pay.example.com/api|' \
		"$tmp/payment.writ.orig" >"$tmp/policy/payment.writ"
	kill -HUP "$pid"
	checks=$((checks + 1))
	wait_log '"event":"reload_failed"' ||
		fail "a reload without the --authz-resource: no reload_failed line"
	checks=$((checks + 1))
	grep -Fq 'is not a resource of the policy' "$log" ||
		fail "a reload without the --authz-resource: the reason is not logged"
	envoy POST /payments -H "$bearer"
	expect_status 200 "POST /payments after the refused reload"
	cp "$tmp/payment.writ.orig" "$tmp/policy/payment.writ"
	stop_server TERM
	expect_clean_exit "writ serve --authz-prefix"
fi

# /authz's ?resource=, percent-encoded, is decoded by writ; a malformed or
# doubled one is refused.
if start_server plain --policy "$tmp/policy"; then
	post "grant_type=client_credentials&resource=$aud&scope=write:payment" -H "$basic"
	expect_status 200 "a token for the cart service"
	bearer="Authorization: Bearer $(sed -n 's/^{"access_token":"\([^"]*\)".*/\1/p' "$out.body")"
	encoded=https%3A%2F%2Fpayment.example.com%2Fapi
	for query in "resource=$encoded" "resource=https%3a%2f%2fpayment%2Eexample.com/api" \
		"other=1&resource=$encoded" "resource=$aud&x=%2F"; do
		http "$url/authz?$query" -H 'X-Original-Method: POST' -H 'X-Original-URI: /payments' \
			-H "$bearer"
		expect_status 200 "/authz?$query"
		expect_header X-Writ-Client cart-service "/authz?$query"
	done
	for query in "resource=https%3A%2F%2Fpayment.example.com%2Fap%" "resource=$aud%zz" \
		"resource=$aud%00" "resource=$aud&resource=$aud" "re%zzsource=$aud"; do
		http "$url/authz?$query" -H 'X-Original-Method: POST' -H 'X-Original-URI: /payments' \
			-H "$bearer"
		expect_error 400 invalid_request "/authz?$query"
	done
	http "$url/authz?resource=https%3A%2F%2Fnowhere.example" -H 'X-Original-Method: POST' \
		-H 'X-Original-URI: /payments' -H "$bearer"
	expect_error 400 invalid_target "an unknown resource, encoded"
	# Without --authz-resource and ?resource=, the policy's default; this
	# one has none.
	http "$url/authz" -H 'X-Original-Method: POST' -H 'X-Original-URI: /payments' -H "$bearer"
	expect_error 400 invalid_target "no resource and no default"
	# No prefix given: /ext-authz is no path of writ's.
	http -X POST "$url$prefix/payments" -H "$bearer"
	expect_error 404 not_found "POST $prefix/payments without --authz-prefix"
	stop_server TERM
	expect_clean_exit "writ serve"
fi

finish
