#!/bin/sh
# writ serve over HTTP, what a client sees: the discovery documents and
# key set; the seed's token request, its token verified with the served
# key set; downscoping, body credentials and a default resource; every
# refusal of the token endpoint (RFC 6749 section 5.2, RFC 8707) and of
# HTTP (method, content type, body size, path); 100 clients at once; the
# metrics and the log lines counted against the requests made; SIGTERM.
# serve-ops.sh tests what an operator does: reloads, keys, limits, start-up.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/serve-lib.sh"

copy_policy "$tmp/policy"
kid=$(cat "$tmp/policy.kid")
start_server main --policy "$tmp/policy" --pid-file "$tmp/serve.pid" || finish
checks=$((checks + 1))
[ "$(cat "$tmp/serve.pid" 2>/dev/null)" = "$pid" ] ||
	fail "--pid-file: the file holds '$(cat "$tmp/serve.pid" 2>/dev/null)', not $pid"

# --- Discovery: healthz, the key set and the metadata (RFC 8414). ---
http "$url/healthz"
if expect_status 200 "GET /healthz"; then
	checks=$((checks + 1))
	[ "$(cat "$out.body")" = ok ] || fail "GET /healthz: body '$(cat "$out.body")'"
fi
# The key set is the public half of the key, as keygen printed it.
http "$url/oidc/jwks"
if expect_status 200 "GET /oidc/jwks"; then
	expect_header Content-Type application/jwk-set+json "GET /oidc/jwks"
	checks=$((checks + 1))
	[ "$(cat "$out.body")" = "$(cat "$tmp/policy.jwks")" ] ||
		fail "GET /oidc/jwks: '$(cat "$out.body")', not keygen's '$(cat "$tmp/policy.jwks")'"
	cp "$out.body" "$tmp/jwks.json"
fi
http -I "$url/oidc/jwks"
if expect_status 200 "HEAD /oidc/jwks"; then
	expect_header Content-Type application/jwk-set+json "HEAD /oidc/jwks"
	checks=$((checks + 1))
	cmp -s "$out.body" "$out.raw" || fail "HEAD /oidc/jwks: a body"
fi
metadata="{\"issuer\":\"$iss\",\"token_endpoint\":\"$iss/token\",\"jwks_uri\":\"$iss/jwks\",\
\"grant_types_supported\":[\"client_credentials\"],\
\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\",\"client_secret_post\"],\
\"response_types_supported\":[],\
\"scopes_supported\":[\"read:payment\",\"write:payment\",\"read:order\",\"write:order\"],\
\"access_token_signing_alg_values_supported\":[\"ES256\"]}"
for path in /oidc/.well-known/openid-configuration /.well-known/oauth-authorization-server \
	/.well-known/oauth-authorization-server/oidc; do
	http "$url$path"
	expect_status 200 "GET $path" || continue
	expect_header Content-Type application/json "GET $path"
	# Indented JSON without a space in any value: compacted by deleting.
	checks=$((checks + 1))
	[ "$(tr -d ' \n' <"$out.body")" = "$metadata" ] ||
		fail "GET $path: metadata is $(cat "$out.body")"
done

# --- The seed's request, verbatim; the token verified with the key set. ---
token_call -X POST -H "Authorization: Basic $demo_basic" \
	-H 'Content-Type: application/x-www-form-urlencoded' \
	-d 'grant_type=client_credentials&resource=https://payment.example.com/api&scope=write:payment'
if expect_token write:payment 600 "the seed's request"; then
	seed_tok=$tok
	checks=$((checks + 1))
	[ "$(token_header "$tok")" = "{\"alg\":\"ES256\",\"kid\":\"$kid\",\"typ\":\"at+jwt\"}" ] ||
		fail "the seed's token: header $(token_header "$tok")"
	if expect_exit 0 "$WRIT" verify --jwks "$tmp/jwks.json" --issuer "$iss" --audience "$aud" \
		--scope write:payment --print --token-file "$tmp/tok"; then
		seed_jti=$(sed -n 's/.*"jti":"\([A-Za-z0-9_-]*\)".*/\1/p' "$run_stdout")
		iat=$(sed -n 's/.*"iat":\([0-9]*\)[,}].*/\1/p' "$run_stdout")
		exp=$(sed -n 's/.*"exp":\([0-9]*\)[,}].*/\1/p' "$run_stdout")
		checks=$((checks + 1))
		[ "${#seed_jti}" -eq 22 ] && [ -n "$iat" ] && [ "$exp" = $((iat + 600)) ] ||
			fail "the seed's token: jti '$seed_jti', iat '$iat', exp '$exp'"
		expect_output stdout "{\"aud\":\"$aud\",\"client_id\":\"cart-service\",\"exp\":$exp,\
\"iat\":$iat,\"iss\":\"$iss\",\"jti\":\"$seed_jti\",\"scope\":\"write:payment\",\"sub\":\"cart-service\"}"
	fi
	# Not a token for reading payments.
	expect_exit 1 "$WRIT" verify --jwks "$tmp/jwks.json" --issuer "$iss" --audience "$aud" \
		--scope read:payment --token-file "$tmp/tok"
fi
# Again: another token, another jti.
post "grant_type=client_credentials&resource=$aud&scope=write:payment" -H "$basic"
if expect_token write:payment 600 "the seed's request again"; then
	checks=$((checks + 1))
	[ "$tok" != "$seed_tok" ] || fail "the same token twice"
	expect_exit 0 "$WRIT" verify --jwks "$tmp/jwks.json" --issuer "$iss" --audience "$aud" \
		--print --token-file "$tmp/tok"
	jti2=$(sed -n 's/.*"jti":"\([A-Za-z0-9_-]*\)".*/\1/p' "$run_stdout")
	checks=$((checks + 1))
	[ -n "$jti2" ] && [ "$jti2" != "${seed_jti:-}" ] || fail "two tokens with the jti '$jti2'"
fi

# --- Downscoping: read:payment is not cart-service's to have. ---
# Spaces encoded as %20 and as + (the form encoding).
for scope in 'write:payment%20read:payment' 'write:payment+read:payment' 'read:payment+write:payment'; do
	post "grant_type=client_credentials&resource=$aud&scope=$scope" -H "$basic"
	if expect_token write:payment 600 "scope=$scope"; then
		expect_exit 0 "$WRIT" verify --jwks "$tmp/jwks.json" --issuer "$iss" --audience "$aud" \
			--scope write:payment --print --token-file "$tmp/tok"
		checks=$((checks + 1))
		grep -q '"scope":"write:payment",' "$run_stdout" ||
			fail "scope=$scope: claims $(cat "$run_stdout")"
	fi
done
# Only read:payment: a token with no scope at all.
post "grant_type=client_credentials&resource=$aud&scope=read:payment" -H "$basic"
expect_token '' 600 "scope=read:payment"

# --- Client credentials in the body (client_secret_post). ---
post "grant_type=client_credentials&client_id=cart-service&client_secret=$demo_secret&resource=$aud&scope=write:payment"
if expect_token write:payment 600 "credentials in the body"; then
	expect_exit 0 "$WRIT" verify --jwks "$tmp/jwks.json" --issuer "$iss" --audience "$aud" \
		--scope write:payment --token-file "$tmp/tok"
fi
# A client_id in the body beside Basic: the same one, or refused.
post "grant_type=client_credentials&client_id=cart-service&resource=$aud&scope=write:payment" -H "$basic"
expect_token write:payment 600 "Basic with the same client_id in the body"
post "grant_type=client_credentials&client_id=reconciliation&resource=$aud" -H "$basic"
expect_error 400 invalid_request "Basic with another client_id in the body"

# --- Failed client authentication: one answer for all, with a challenge. ---
expect_challenge() {
	expect_error 401 invalid_client "$1" &&
		expect_header WWW-Authenticate 'Basic realm="writ", charset="UTF-8"' "$1"
}
post "grant_type=client_credentials&resource=$aud" \
	-H "Authorization: Basic $(printf '%s' nobody:$demo_secret | base64)"
expect_challenge "an unknown client"
cp "$out.body" "$tmp/unknown.body"
post "grant_type=client_credentials&resource=$aud" \
	-H "Authorization: Basic $(printf '%s' cart-service:wrong-secret | base64)"
expect_challenge "a wrong secret"
checks=$((checks + 1))
cmp -s "$out.body" "$tmp/unknown.body" ||
	fail "an unknown client and a wrong secret: '$(cat "$tmp/unknown.body")' and '$(cat "$out.body")'"
post "grant_type=client_credentials&client_id=cart-service&client_secret=wrong-secret&resource=$aud"
expect_challenge "a wrong secret in the body"
checks=$((checks + 1))
cmp -s "$out.body" "$tmp/unknown.body" || fail "a wrong secret in the body: '$(cat "$out.body")'"
# Authentication comes before the resource: no probing for resources.
post "grant_type=client_credentials&resource=https://nowhere.example.com/api" \
	-H "Authorization: Basic $(printf '%s' cart-service:wrong-secret | base64)"
expect_challenge "a wrong secret for an unknown resource"
post "grant_type=client_credentials&resource=$aud"
expect_challenge "no credentials"
post "grant_type=client_credentials&client_id=cart-service&resource=$aud"
expect_challenge "a client_id without a secret"
post "grant_type=client_credentials&resource=$aud" -H 'Authorization: Bearer abc'
expect_challenge "an Authorization header that is not Basic"

# --- Malformed requests: 400 and the RFC 6749 section 5.2 error. ---
post "grant_type=client_credentials&resource=$aud&client_secret=$demo_secret" -H "$basic"
expect_error 400 invalid_request "Basic and client_secret in the body"
post "grant_type=client_credentials&resource=$aud" -H "$basic" -H "$basic"
expect_error 400 invalid_request "two Authorization headers"
post "grant_type=client_credentials&grant_type=client_credentials&resource=$aud" -H "$basic"
expect_error 400 invalid_request "grant_type twice"
post "grant_type=client_credentials&resource=$aud&scope=write:payment&scope=write:payment" -H "$basic"
expect_error 400 invalid_request "scope twice"
post "resource=$aud&scope=write:payment" -H "$basic"
expect_error 400 invalid_request "no grant_type"
post "grant_type=password&resource=$aud&username=u&password=p" -H "$basic"
expect_error 400 unsupported_grant_type "grant_type=password"
post "grant_type=authorization_code&resource=$aud&code=c" -H "$basic"
expect_error 400 unsupported_grant_type "grant_type=authorization_code"
# A double quote and a backslash are outside the scope-token set.
for scope in 'write:payment%20say%22hi%22' 'a%5Cb'; do
	post "grant_type=client_credentials&resource=$aud&scope=$scope" -H "$basic"
	expect_error 400 invalid_scope "scope=$scope"
done

# --- Resource indicators (RFC 8707 section 2): invalid_target. ---
post "grant_type=client_credentials&scope=write:payment" -H "$basic"
expect_error 400 invalid_target "no resource, and no default resource"
for resource in payment.example.com/api /api "$aud%23fragment" 'https://nowhere.example.com/api' \
	"$aud/"; do
	post "grant_type=client_credentials&resource=$resource&scope=write:payment" -H "$basic"
	expect_error 400 invalid_target "resource=$resource"
done
post "grant_type=client_credentials&resource=$aud&resource=https://api-1.store.io" -H "$basic"
expect_error 400 invalid_target "two resources"
post "grant_type=client_credentials&resource=$aud&resource=$aud&scope=write:payment" -H "$basic"
expect_token write:payment 600 "the same resource twice"

# --- What HTTP refuses: method, content type, size, path. ---
token_call
if expect_error 405 method_not_allowed "GET /oidc/token"; then
	expect_header Allow POST "GET /oidc/token"
fi
http -X POST -H "$form_type" --data-raw x "$url/oidc/jwks"
if expect_error 405 method_not_allowed "POST /oidc/jwks"; then
	expect_header Allow 'GET, HEAD' "POST /oidc/jwks"
fi
token_call -H 'Content-Type: application/json' -H "$basic" \
	--data-raw "{\"grant_type\":\"client_credentials\",\"resource\":\"$aud\"}"
expect_error 415 invalid_request "a JSON body"
token_call -H "$basic" --data-raw "grant_type=client_credentials&resource=$aud" \
	-H 'Content-Type: text/plain'
expect_error 415 invalid_request "a text/plain body"
# A parameter or another case is the same type.
token_call -H "$basic" -H 'Content-Type: Application/X-WWW-Form-Urlencoded; charset=UTF-8' \
	--data-raw "grant_type=client_credentials&resource=$aud&scope=write:payment"
expect_token write:payment 600 "a form with a charset"
# 16 KiB of body is the most: a request padded to exactly that is
# answered, one byte more is not, with a Content-Length or chunked.
pad_form="grant_type=client_credentials&resource=$aud&scope=write:payment&pad="
for size in 16384 16385; do
	{
		printf '%s' "$pad_form"
		head -c $((size - ${#pad_form})) /dev/zero | tr '\000' a
	} >"$tmp/b$size"
done
checks=$((checks + 1))
[ "$(wc -c <"$tmp/b16385")" -eq 16385 ] || fail "cannot make a body of 16385 bytes"
for how in Content-Length chunked; do
	te=
	[ "$how" = chunked ] && te='Transfer-Encoding: chunked'
	token_call -H "$form_type" -H "$basic" ${te:+-H "$te"} --data-binary "@$tmp/b16384"
	expect_token write:payment 600 "a body of 16384 bytes ($how)"
	token_call -H "$form_type" -H "$basic" ${te:+-H "$te"} --data-binary "@$tmp/b16385"
	expect_error 413 invalid_request "a body of 16385 bytes ($how)"
	token_call -H "$form_type" -H "$basic" ${te:+-H "$te"} --data-binary "@$tmp/b16385" \
		--data-binary "@$tmp/b16385"
	expect_error 413 invalid_request "a body of 32 KiB ($how)"
done
for path in /nowhere /oidc /oidc/token/ /token /oidc/jwks.json; do
	http "$url$path"
	expect_error 404 not_found "GET $path"
done

# --- A resource marked default: the token when none is named. ---
mkdir "$tmp/dflt"
"$WRIT" keygen --alg ES256 --out "$tmp/dflt/issuer.pem" --jwks "$tmp/dflt.jwks" >/dev/null ||
	fail "keygen for the default resource's policy failed"
printf '%s\n' \
	"issuer \"$iss\" { signing-key \"issuer.pem\" current; }" \
	'resource "https://orders.example.com/api" {' \
	'    default;' \
	'    token-ttl 5m;' \
	'    permission read:order;' \
	'    permission write:order;' \
	'    default-scope read:order;' \
	'}' \
	'role orders for apps { grant read:order, write:order on "https://orders.example.com/api"; }' \
	"app cart-service { secret \"$demo_hash\"; roles orders; }" >"$tmp/dflt/dflt.writ"
if start_server dflt --policy "$tmp/dflt"; then
	fetch_jwks "$tmp/dflt-served.jwks"
	post "grant_type=client_credentials" -H "$basic"
	if expect_token read:order 300 "no resource, a default one"; then
		expect_exit 0 "$WRIT" verify --jwks "$tmp/dflt-served.jwks" --issuer "$iss" \
			--audience https://orders.example.com/api --scope read:order --token-file "$tmp/tok"
	fi
	post "grant_type=client_credentials&scope=write:order" -H "$basic"
	expect_token write:order 300 "no resource, a scope"
	post "grant_type=client_credentials&resource=$aud" -H "$basic"
	expect_error 400 invalid_target "the payment API, which this policy has not"
	# The log names the resource given by default.
	checks=$((checks + 1))
	[ "$(count_log '"event":"token",.*"resource":"https://orders\.example\.com/api","scope_requested":null,"scope_granted":"read:order","outcome":"issued"')" -eq 1 ] ||
		fail "no log line of the defaulted resource: $(grep '"event":"token"' "$log")"
	use main
fi

# --- 100 clients at once: 100 tokens, all different. ---
jobs=
i=0
while [ "$i" -lt 100 ]; do
	(
		out=$tmp/c$i
		post "grant_type=client_credentials&resource=$aud&scope=write:payment" -H "$basic"
	) &
	jobs="$jobs $!"
	i=$((i + 1))
done
wait $jobs
n=$(awk 1 "$tmp"/c*.body | grep -c '^{"access_token":"[^"]*","token_type":"Bearer","expires_in":600,"scope":"write:payment"}$')
checks=$((checks + 1))
[ "$n" -eq 100 ] || fail "100 clients at once: $n tokens; $(grep -L access_token "$tmp"/c*.body | head -3)"
n=$(awk 1 "$tmp"/c*.body | sed -n 's/^{"access_token":"\([^"]*\)".*/\1/p' | sort -u | wc -l)
checks=$((checks + 1))
[ "$n" -eq 100 ] || fail "100 clients at once: $n different tokens"

# --- Metrics: every answer of the token endpoint counted by outcome. ---
# Outcomes of what HTTP refuses are named after the status; the others
# after the error.
awk '
	$1 == 200 { o = "ok" }
	$1 == 405 { o = "method_not_allowed" }
	$1 == 413 { o = "payload_too_large" }
	$1 == 415 { o = "unsupported_media_type" }
	$1 == 400 || $1 == 401 { o = $2 }
	{ n[o]++ }
	END {
		for (o in n)
			printf "writ_http_requests_total{endpoint=\"token\",outcome=\"%s\"} %d\n", o, n[o]
	}' "$tmp/main.calls" | sort >"$tmp/metrics.want"
issued=$(grep -c '^200 ' "$tmp/main.calls")
# Every answer of the token endpoint is timed and logged, refusals of
# HTTP itself (405, 413, 415) included.
answered=$(grep -c '^[1-5][0-9][0-9] ' "$tmp/main.calls")
if fetch_metrics; then
	expect_header Content-Type 'text/plain; version=0.0.4; charset=utf-8' "GET /metrics"
	grep '^writ_http_requests_total{endpoint="token",' "$tmp/metrics" | sort >"$tmp/metrics.got"
	checks=$((checks + 1))
	cmp -s "$tmp/metrics.want" "$tmp/metrics.got" || {
		fail "token requests in /metrics (- expected, + actual):"
		diff -u "$tmp/metrics.want" "$tmp/metrics.got" | sed '1,2d; s/^/    /'
	}
	expect_metric "writ_tokens_issued_total{client=\"cart-service\",resource=\"$aud\"}" "$issued" \
		"tokens issued"
	checks=$((checks + 1))
	[ "$(grep -c '^writ_tokens_issued_total{' "$tmp/metrics")" -eq 1 ] ||
		fail "tokens issued for other pairs: $(grep '^writ_tokens_issued_total{' "$tmp/metrics")"
	# The latency of every request the token endpoint answered.
	expect_metric writ_token_request_duration_seconds_count "$answered" "latency count"
	expect_metric 'writ_token_request_duration_seconds_bucket{le="+Inf"}' "$answered" \
		"latency +Inf bucket"
	checks=$((checks + 1))
	grep '^writ_token_request_duration_seconds_bucket{' "$tmp/metrics" |
		awk '$2 < last { bad = 1 } { last = $2 } END { exit bad }' ||
		fail "latency buckets are not cumulative"
	for p in /oidc/jwks /healthz; do
		ep=${p##*/}
		checks=$((checks + 1))
		[ "$(metric "writ_http_requests_total{endpoint=\"$ep\",outcome=\"ok\"}")" -ge 1 ] ||
			fail "no $ep request in /metrics"
	done
	expect_metric 'writ_http_requests_total{endpoint="other",outcome="not_found"}' 5 "paths not found"
	expect_metric 'writ_http_requests_total{endpoint="jwks",outcome="method_not_allowed"}' 1 \
		"POST /oidc/jwks"
	expect_metric 'writ_policy_reloads_total{outcome="ok"}' 0 "reloads"
	expect_metric 'writ_policy_reloads_total{outcome="failed"}' 0 "failed reloads"
fi

# --- SIGTERM: exit 0, the pid file removed. ---
stop_server TERM
checks=$((checks + 1))
[ "$status" -eq 0 ] || fail "SIGTERM: writ serve exited $status"
checks=$((checks + 1))
[ ! -e "$tmp/serve.pid" ] || fail "SIGTERM: the pid file is still there"
checks=$((checks + 1))
[ "$(tail -n 2 "$log" | sed 's/^{"time":"[^"]*",//')" = '"event":"stopping","signal":"SIGTERM"}
"event":"stopped"}' ] || fail "SIGTERM: the log ends with $(tail -n 2 "$log")"
http "$url/healthz"
expect_status 000 "GET /healthz after SIGTERM"

# --- The log: JSON lines; one per token request; no secret, no token. ---
checks=$((checks + 1))
bad=$(grep -Evx '\{"time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z","event":"[a-z_]+"(,.*)?\}' "$log")
[ -z "$bad" ] || fail "log lines not of the form {time, event, ...}: $bad"
str='"([^"\\]|\\.)*"'
token_line="\{\"time\":\"[^\"]*\",\"event\":\"token\",\"peer\":\"127\.0\.0\.1\",\"client\":(null|$str),\
\"resource\":(null|$str),\"scope_requested\":(null|$str),\"scope_granted\":(null|$str),\
\"outcome\":\"[a-z_]+\",\"status\":[0-9]{3},\"jti\":(null|\"[A-Za-z0-9_-]{22}\"),\"latency_ms\":[0-9.e+-]+\}"
checks=$((checks + 1))
[ "$(count_log '"event":"token"')" -eq "$answered" ] ||
	fail "$(count_log '"event":"token"') token log lines for $answered token requests answered"
checks=$((checks + 1))
[ "$(grep -Ecx "$token_line" "$log")" -eq "$answered" ] ||
	fail "token log lines of another shape: $(grep '"event":"token"' "$log" | grep -Evx "$token_line")"
checks=$((checks + 1))
[ "$(count_log '"outcome":"issued","status":200,"jti":"')" -eq "$issued" ] ||
	fail "$(count_log '"outcome":"issued","status":200,"jti":"') issued lines for $issued tokens"
checks=$((checks + 1))
[ "$(count_log '"outcome":"invalid_client","status":401,"jti":null,')" -eq \
	"$(grep -c '^401 invalid_client$' "$tmp/main.calls")" ] ||
	fail "invalid_client lines: $(count_log '"outcome":"invalid_client"')"
# The seed's request, field by field.
checks=$((checks + 1))
[ "$(grep "\"jti\":\"${seed_jti:-none}\"" "$log" | sed 's/^{"time":"[^"]*",//; s/,"latency_ms":[0-9.e+-]*}$//')" = \
	"\"event\":\"token\",\"peer\":\"127.0.0.1\",\"client\":\"cart-service\",\"resource\":\"$aud\",\
\"scope_requested\":\"write:payment\",\"scope_granted\":\"write:payment\",\"outcome\":\"issued\",\
\"status\":200,\"jti\":\"${seed_jti:-none}\"" ] ||
	fail "the seed's log line: $(grep "\"jti\":\"${seed_jti:-none}\"" "$log")"
# A refusal: what was asked, nothing granted.
checks=$((checks + 1))
count_log '"client":null,"resource":"https://payment\.example\.com/api","scope_requested":"a\\\\b","scope_granted":null,"outcome":"invalid_scope","status":400,"jti":null,' >/dev/null ||
	fail "no log line of scope=a%5Cb: $(grep 'invalid_scope' "$log")"
for secret in "$demo_secret" wrong-secret "$(printf '%s' "$demo_basic" | tr -d =)" \
	"$(printf '%s' cart-service:wrong-secret | base64 | tr -d =)"; do
	checks=$((checks + 1))
	! grep -Fq -- "$secret" "$log" "$tmp/dflt.log" || fail "the log holds the secret '$secret'"
done
checks=$((checks + 1))
[ "$(wc -l <"$tmp/main.tokens")" -eq "$issued" ] || fail "tokens kept: $(wc -l <"$tmp/main.tokens")"
checks=$((checks + 1))
! grep -Fq -f "$tmp/main.tokens" "$log" || fail "the log holds an access token"
# Nor any part of one: every JOSE header of writ begins so.
checks=$((checks + 1))
! grep -q 'eyJhbGciOi' "$log" "$tmp/dflt.log" || fail "the log holds something like a token"

finish
