#!/bin/sh
# writ serve's GET /authz, as nginx's auth_request asks it: the original
# method and URI in X-Original-Method and X-Original-URI, the token in the
# Authorization header, the resource in ?resource=. Decided by the routes
# of the example payment API: POST /payments needs write:payment, GET
# /payments/{id} read:payment.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/serve-lib.sh"

copy_policy "$tmp/policy"
form="grant_type=client_credentials&resource=$aud&scope=write:payment"

# authz METHOD URI [CURL-ARG...]: ask /authz about a request.
authz() {
	_m=$1 _u=$2
	shift 2
	http "$url/authz?resource=$aud" -H "X-Original-Method: $_m" -H "X-Original-URI: $_u" "$@"
}

if start_server authz --policy "$tmp/policy"; then
	post "$form" -H "$basic"
	expect_status 200 "a token for the cart service"
	token=$(sed -n 's/^{"access_token":"\([^"]*\)".*/\1/p' "$out.body")
	bearer="Authorization: Bearer $token"

	authz POST /payments -H "$bearer"
	expect_status 200 "POST /payments with write:payment"
	expect_header X-Writ-Client cart-service "allowed"
	expect_header X-Writ-Subject cart-service "allowed"
	expect_header X-Writ-Scope write:payment "allowed"
	checks=$((checks + 1))
	[ ! -s "$out.body" ] || fail "allowed: a body: $(cat "$out.body")"

	# ?resource= percent-encoded: writ decodes it (libmicrohttpd leaves
	# the query as it came).
	http "$url/authz?resource=https%3A%2F%2Fpayment.example.com%2Fapi" \
		-H "X-Original-Method: POST" -H "X-Original-URI: /payments" -H "$bearer"
	expect_status 200 "POST /payments, ?resource= percent-encoded"
	expect_header X-Writ-Client cart-service "?resource= percent-encoded"

	# The query of the original request is not part of the match.
	authz POST '/payments?amount=10' -H "$bearer"
	expect_status 200 "POST /payments?amount=10"

	authz GET /payments/42 -H "$bearer"
	expect_status 403 "GET /payments/42 without read:payment"
	expect_header WWW-Authenticate "Bearer realm=\"$aud\", error=\"insufficient_scope\", error_description=\"insufficient scope: read:payment is not granted\", scope=\"read:payment\"" \
		"insufficient scope"

	authz POST /payments
	expect_status 401 "no token"
	expect_header WWW-Authenticate "Bearer realm=\"$aud\"" "no token"

	authz POST /payments -H "Authorization: Bearer ${token}x"
	expect_status 401 "a tampered token"
	checks=$((checks + 1))
	header WWW-Authenticate | grep -q '^Bearer realm="[^"]*", error="invalid_token", error_description="' ||
		fail "a tampered token: WWW-Authenticate is '$(header WWW-Authenticate)'"

	authz POST /payments -H "Authorization: Basic $demo_basic"
	expect_status 400 "Basic instead of Bearer"

	# Path tricks: normalized first, or refused.
	authz POST /payments/../admin -H "$bearer"
	expect_status 403 "/payments/../admin is /admin, which no route allows"
	authz POST /payments%2Fx -H "$bearer"
	expect_status 400 "an encoded slash"
	authz POST //payments -H "$bearer"
	expect_status 400 "an empty segment"

	# A token for another audience.
	post "grant_type=client_credentials&resource=https://api-1.store.io" -H "$basic"
	if [ "$code" = 200 ]; then
		other=$(sed -n 's/^{"access_token":"\([^"]*\)".*/\1/p' "$out.body")
		authz POST /payments -H "Authorization: Bearer $other"
		expect_status 401 "a token for another audience"
	fi

	authz POST /payments -H "$bearer" -H "$bearer"
	expect_status 400 "two Authorization headers"
	http "$url/authz?resource=$aud" -H "$bearer"
	expect_status 400 "no X-Original-Method and X-Original-URI"
	http "$url/authz?resource=https://nowhere.example" -H "X-Original-Method: GET" \
		-H "X-Original-URI: /" -H "$bearer"
	expect_status 400 "an unknown resource"

	# No line of the log holds the token.
	checks=$((checks + 1))
	! grep -Fq "$token" "$log" || fail "the log holds the token"
	checks=$((checks + 1))
	[ "$(count_log '"event":"authz"')" -ge 9 ] || fail "authz log lines: $(count_log '"event":"authz"')"
	stop_server TERM
fi

finish
