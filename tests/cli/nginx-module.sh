#!/bin/sh
# ngx_http_writ_module: nginx decides each request itself (`writ on`, the
# access phase, no subrequest), with the tokens of an issuer the policy
# trusts through a `trust` block and its JWKS file.
#  1. The gateway matrix of nginx-lib.sh, the same as nginx-authz.sh's,
#     through examples/nginx/writ.conf (allowed requests reach the
#     upstream with $writ_client_id in X-Client; refusals carry writ's
#     status and WWW-Authenticate on nginx's own error page; no path trick
#     reaches /admin); no log line holds a token.
#  2. What is the module's own: $writ_client_id, $writ_subject and
#     $writ_scope reach the upstream through proxy_set_header, empty when
#     nothing was decided; `writ off` lets requests through; `satisfy any`
#     composes with the access module (and drops the challenge when it
#     allows); `nginx -s reload` with a changed policy decides by the new
#     one, and a reload whose policy has errors keeps the old one; an
#     internal redirect keeps the decision, made once.
#  3. `nginx -t`: writ's diagnostics for a policy with errors, an unknown
#     writ_resource, `writ on` with no writ_policy, an unreadable JWKS.
#  4. A JWKS URL (writ serve's /oidc/jwks): fetched by the master, used by
#     the workers, which stop promptly with their refresh thread.
. "$top_srcdir/tests/cli/lib.sh"

# Its manual page renders with no groff warning, built or not.
if command -v groff >/dev/null 2>&1; then
	expect_exit 0 groff -man -Tutf8 -ww -z "$top_srcdir/doc/ngx_http_writ_module.8" &&
		expect_output stderr ''
fi

# The module: built when configure found nginx's build tree (nginx-dev).
# make sets WRIT_NGINX_MODULE, empty when it is not built; by hand, the
# build tree's.
WRIT_NGINX_MODULE=${WRIT_NGINX_MODULE-$top_builddir/nginx/ngx_http_writ_module.so}
if [ -z "$WRIT_NGINX_MODULE" ] || [ ! -f "$WRIT_NGINX_MODULE" ]; then
	if [ -n "${SANITIZER_CFLAGS:-}" ]; then
		echo "SKIP: the nginx module is not built with --enable-sanitizers"
		exit 77
	fi
	if [ -n "${WRIT_REQUIRE_NGINX:-}" ]; then
		echo "ERROR: the nginx module is not built (${WRIT_NGINX_MODULE:-configure found no nginx build tree}), and WRIT_REQUIRE_NGINX is set (Debian: apt-get install nginx-dev, then ./configure)" >&2
		exit 99
	fi
	echo "SKIP: the nginx module is not built (Debian: apt-get install nginx-dev, then ./configure)"
	exit 77
fi

. "$top_srcdir/tests/cli/serve-lib.sh"
. "$top_srcdir/tests/cli/nginx-lib.sh"

load="load_module $WRIT_NGINX_MODULE;"

# The issuer's policy, whose key mints the tokens; the gateway's policy:
# the same resources and routes, trusting that issuer by its key set.
copy_policy "$tmp/policy"
gateway_setup "$tmp/policy"
mkdir "$tmp/gw" && cp "$top_srcdir/policies/"*.writ "$tmp/gw/" || exit 99
printf 'trust "%s" { jwks "%s"; }\n' "$iss" "$tmp/policy.jwks" >"$tmp/gw/trust.writ"

# nginx_ctl ARG...: the nginx program on the running configuration.
nginx_ctl() {
	"$nginx_bin" -p "$ngx" -c "$ngx/nginx.conf" -e stderr "$@"
}

# no_token_logged WHAT: no line of nginx's logs holds a token of the test.
no_token_logged() {
	checks=$((checks + 1))
	for _t in "$gw_write" "$gw_read" "$gw_expired" "$gw_other" "$gw_tampered"; do
		if grep -Fq -e "${_t#*.}" "$ngx/error.log" "$ngx/stderr.log" "$ngx/access.log"; then
			fail "$1: a log of nginx holds a token"
			return
		fi
	done
}

# --- 1. The gateway matrix. ---------------------------------------------

# The front end: README's example, examples/nginx/writ.conf, with the
# test's policy, port and upstream.
matrix_front() {
	sed -e "s|^writ_policy /etc/writ/policy.d;|writ_policy $1;|" \
		-e 's|server 127\.0\.0\.1:9000;|server 127.0.0.1:@UPSTREAM_PORT@;|' \
		-e 's|listen 80;|listen 127.0.0.1:@FRONT_PORT@;|' "$top_srcdir/examples/nginx/writ.conf"
}
checks=$((checks + 1))
[ "$(matrix_front "$tmp/gw" | grep -c "writ_policy $tmp/gw;\|@UPSTREAM_PORT@\|@FRONT_PORT@")" = 3 ] ||
	fail "examples/nginx/writ.conf: no writ_policy, upstream or listen line to replace"

if start_nginx "$(matrix_front "$tmp/gw")" "$load"; then
	gateway_matrix "http://127.0.0.1:$front_port"
	checks=$((checks + 1))
	! grep -q 'GET /admin HTTP' "$ngx/upstream.log" ||
		fail "the upstream served /admin: $(grep admin "$ngx/upstream.log")"
	# Refusals are logged at info, with writ's reason and no token.
	checks=$((checks + 1))
	grep -q 'writ: refused with 403 insufficient_scope: no route of this resource allows GET /admin' \
		"$ngx/error.log" || fail "no 'refused' line for GET /admin in the error log"
	stop_nginx
	no_token_logged "the matrix"
fi

# --- 1b. The same matrix from a snapshot. --------------------------------

# writ compile's table, loaded by the module as gateways with many workers
# are meant to load it: the answers must be the policy's.
checks=$((checks + 1))
if "$WRIT" compile -o "$tmp/gw.wdt" "$tmp/gw" >"$tmp/compile.out" 2>&1; then
	if start_nginx "$(matrix_front "$tmp/gw.wdt")" "$load"; then
		gateway_matrix "http://127.0.0.1:$front_port"
		checks=$((checks + 1))
		grep -q 'writ: refused with 403 insufficient_scope: no route of this resource allows GET /admin' \
			"$ngx/error.log" || fail "snapshot: no 'refused' line for GET /admin in the error log"
		stop_nginx
		no_token_logged "the matrix from a snapshot"
	fi
else
	fail "writ compile -o gw.wdt: $(cat "$tmp/compile.out")"
fi

# --- 2. Variables, writ off, satisfy any, reload. ------------------------

# One front end, servers told apart by Host. The default one passes all
# three variables to the upstream in X-Client.
module_front() {
	cat <<CONF
	writ_policy $tmp/gw;
	writ_cache 256;
	writ_resource $aud;
	proxy_set_header X-Client "\$writ_client_id/\$writ_subject/\$writ_scope";

	server {
		listen 127.0.0.1:@FRONT_PORT@;
		writ on;
		location / {
			proxy_pass http://127.0.0.1:@UPSTREAM_PORT@;
		}
		location /payments/open/ {
			writ off;
			proxy_pass http://127.0.0.1:@UPSTREAM_PORT@/payments/;
		}
	}
	server {
		listen 127.0.0.1:@FRONT_PORT@;
		server_name any-local.test;
		location / {
			satisfy any;
			allow 127.0.0.1;
			deny all;
			writ on;
			proxy_pass http://127.0.0.1:@UPSTREAM_PORT@;
		}
	}
	server {
		listen 127.0.0.1:@FRONT_PORT@;
		server_name redirect.test;
		writ on;
		location / {
			try_files /nowhere @upstream;
		}
		location @upstream {
			proxy_pass http://127.0.0.1:@UPSTREAM_PORT@;
		}
	}
	server {
		listen 127.0.0.1:@FRONT_PORT@;
		server_name any-none.test;
		location / {
			satisfy any;
			deny all;
			writ on;
			proxy_pass http://127.0.0.1:@UPSTREAM_PORT@;
		}
	}
CONF
}

# Debian's nginx is built --with-debug: the module's debug lines say
# when it decides.
if start_nginx "$(module_front)" "$load${nl}error_log $ngx/debug.log debug;"; then
	gw_base=http://127.0.0.1:$front_port
	realm="Bearer realm=\"$aud\""

	gw_request GET /payments/123 -H "Authorization: Bearer $gw_read"
	gw_allowed "$payment_body" "reconciliation/reconciliation/read:payment" \
		"the three variables through proxy_set_header"
	gw_request POST /payments -H "Authorization: Bearer $gw_write"
	gw_allowed "payment created" "cart-service/cart-service/write:payment" \
		"the three variables for the cart service"
	# The same token again: the verified-token cache answers the same.
	gw_request POST /payments -H "Authorization: Bearer $gw_write"
	gw_allowed "payment created" "cart-service/cart-service/write:payment" \
		"the cart service's token a second time"

	# writ off: through, with no token, and nothing decided.
	gw_request GET /payments/open/123
	gw_allowed "$payment_body" "//" "writ off, no token"
	gw_request GET /payments/open/123 -H "Authorization: Bearer $gw_tampered"
	gw_allowed "$payment_body" "//" "writ off, a tampered token"

	# satisfy any: the access module allows 127.0.0.1, so no token is
	# needed, and the challenge writ would have sent is dropped.
	gw_request GET /payments/123 -H 'Host: any-local.test'
	gw_allowed "$payment_body" "//" "satisfy any, allowed by address"
	checks=$((checks + 1))
	[ -z "$(header WWW-Authenticate)" ] ||
		fail "satisfy any, allowed by address: WWW-Authenticate '$(header WWW-Authenticate)'"
	gw_request GET /payments/123 -H 'Host: any-none.test'
	gw_refused 401 "^$realm\$" "satisfy any, denied by address, no token"
	gw_request GET /payments/123 -H 'Host: any-none.test' -H "Authorization: Bearer $gw_read"
	gw_allowed "$payment_body" "reconciliation/reconciliation/read:payment" \
		"satisfy any, denied by address, allowed by writ"
	gw_request GET /payments/123 -H 'Host: any-none.test' -H "Authorization: Bearer $gw_write"
	expect_status 403 "satisfy any, denied by address and by writ"

	# An internal redirect (try_files to a named location) keeps the
	# decision, made once, and the variables.
	decided=$(grep -c 'writ: decided: ' "$ngx/debug.log")
	gw_request GET /payments/123 -H 'Host: redirect.test' -H "Authorization: Bearer $gw_read"
	gw_allowed "$payment_body" "reconciliation/reconciliation/read:payment" \
		"an internal redirect after the decision"
	checks=$((checks + 1))
	if [ "$(grep -c 'writ: decided: ' "$ngx/debug.log")" != $((decided + 1)) ] ||
		! grep -q 'writ: decided already: 0' "$ngx/debug.log"; then
		fail "an internal redirect: not decided exactly once: $(grep 'writ: decided' "$ngx/debug.log")"
	fi
	gw_request GET /payments/123 -H 'Host: redirect.test'
	gw_refused 401 "^$realm\$" "an internal redirect, no token"

	# A HEAD is not a GET: no route allows it.
	gw_request HEAD /payments/123 --head -H "Authorization: Bearer $gw_read"
	expect_status 403 "HEAD /payments/123"

	# nginx -s reload with a changed policy: GET /payments/{id} now needs
	# write:payment.
	gw_request GET /payments/123 -H "Authorization: Bearer $gw_write"
	expect_status 403 "GET /payments/123 with write:payment, before the reload"
	sed 's|route GET  "/payments/{id}" requires read:payment;|route GET  "/payments/{id}" requires write:payment;|' \
		"$top_srcdir/policies/payment.writ" >"$tmp/gw/payment.writ"
	checks=$((checks + 1))
	grep -q 'requires write:payment;$' "$tmp/gw/payment.writ" ||
		fail "the policy's route could not be changed"
	# The workers of the old configuration may still take a connection
	# until they have seen the master's signal: wait until they are gone.
	old_workers=$(for _d in /proc/[0-9]*; do
		[ "$(sed -n 's/^PPid:[[:space:]]*//p' "$_d/status" 2>/dev/null)" = "$nginx_pid" ] &&
			echo "${_d#/proc/}"
	done)
	checks=$((checks + 1))
	[ -n "$old_workers" ] || fail "nginx has no worker to wait for"
	expect_exit 0 nginx_ctl -s reload
	_i=0
	while :; do
		_alive=
		for _w in $old_workers; do
			kill -0 "$_w" 2>/dev/null && _alive=$_w
		done
		[ -z "$_alive" ] || [ "$_i" -ge 100 ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	checks=$((checks + 1))
	[ -z "$_alive" ] || fail "nginx -s reload: the old worker $_alive is still there after 10 s"
	gw_request GET /payments/123 -H "Authorization: Bearer $gw_write"
	gw_allowed "$payment_body" "cart-service/cart-service/write:payment" \
		"GET /payments/123 with write:payment, after the reload"
	gw_request GET /payments/123 -H "Authorization: Bearer $gw_read"
	gw_refused 403 "^$realm, error=\"insufficient_scope\", error_description=\"[^\"]+\", scope=\"write:payment\"\$" \
		"GET /payments/123 with read:payment, after the reload"

	# A policy with an error: `nginx -s reload` reads the configuration
	# first, so it refuses with writ's diagnostic and signals nothing; a
	# SIGHUP makes the master log it and keep the running policy.
	printf 'app broken { roles chekout; }\n' >"$tmp/gw/broken.writ"
	expect_exit 1 nginx_ctl -s reload
	checks=$((checks + 1))
	grep -Eq "\[emerg\] .*$tmp/gw/broken\.writ:1:[0-9]+: error: unknown role \"chekout\" \[E010\]\$" \
		"$run_stderr" || fail "nginx -s reload with a broken policy: stderr has no diagnostic: $(cat "$run_stderr")"
	kill -HUP "$nginx_pid"
	_i=0
	while ! grep -q 'unknown role "chekout"' "$ngx/stderr.log" "$ngx/error.log" &&
		[ "$_i" -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	checks=$((checks + 1))
	grep -q 'unknown role "chekout"' "$ngx/stderr.log" "$ngx/error.log" ||
		fail "SIGHUP with a broken policy: nginx logged no diagnostic"
	gw_request GET /payments/123 -H "Authorization: Bearer $gw_write"
	gw_allowed "$payment_body" "cart-service/cart-service/write:payment" \
		"after a reload with a broken policy, the running policy decides"
	rm -f "$tmp/gw/broken.writ"
	cp "$top_srcdir/policies/payment.writ" "$tmp/gw/payment.writ"

	stop_nginx
	no_token_logged "variables, satisfy and reloads"
fi

# --- 3. nginx -t. --------------------------------------------------------

# test_conf FRONT: `nginx -t` of a configuration with FRONT.
test_conf() {
	nginx_conf "$1" "$load" >"$ngx/test.conf"
	run "$nginx_bin" -t -p "$ngx" -c "$ngx/test.conf" -e stderr
}

# expect_test_failure MESSAGE WHAT: the last `nginx -t` failed, and its
# standard error has a line that ends with the emerg MESSAGE (after the
# time and process ids of the error log's format).
expect_test_failure() {
	checks=$((checks + 1))
	if [ "$status" -eq 0 ] || ! awk -v m="$1" '
		index($0, "[emerg] ") && substr($0, length($0) - length(m) + 1) == m { found = 1 }
		END { exit !found }' "$run_stderr"; then
		fail "$2: nginx -t exited $status; expected a failure with '$1'; stderr:"
		sed 's/^/    /' "$run_stderr"
	fi
}

# expect_test_error TEXT WHAT: the last `nginx -t` failed, and its
# standard error holds TEXT.
expect_test_error() {
	checks=$((checks + 1))
	if [ "$status" -eq 0 ] || ! grep -Fq -- "$1" "$run_stderr"; then
		fail "$2: nginx -t exited $status; expected a failure with '$1'; stderr:"
		sed 's/^/    /' "$run_stderr"
	fi
}

mkdir -p "$ngx/bad"
printf 'app a {\n    roles chekout;\n}\n' >"$ngx/bad/a.writ"
# A relative path is taken from the directory of nginx.conf.
test_conf "writ_policy bad;"
expect_test_failure "$ngx/bad/a.writ:2:11: error: unknown role \"chekout\" [E010]" \
	"a policy with an error"
checks=$((checks + 1))
if ! grep -Fxq '    2 |     roles chekout;' "$run_stderr" ||
	! grep -Eq "^ += loaded by \"writ_policy\" in $ngx/test.conf:[0-9]+\$" "$run_stderr"; then
	fail "a policy with an error: no source line or no place in nginx.conf: $(cat "$run_stderr")"
fi

test_conf "writ_policy $tmp/gw; server { listen 127.0.0.1:@FRONT_PORT@; writ on; writ_resource https://nowhere.example; }"
expect_test_failure "writ_resource \"https://nowhere.example\" is not a resource of the policy in $ngx/test.conf:$(grep -n 'writ_resource https://nowhere' "$ngx/test.conf" | cut -d: -f1)" \
	"an unknown writ_resource"
# Before writ_policy (in a server block read first, say): found once the
# whole http block is read.
test_conf "writ_resource https://nowhere.example; writ on; writ_policy $tmp/gw;"
expect_test_error 'writ_resource "https://nowhere.example" is not a resource of the policy' \
	"an unknown writ_resource before writ_policy"
test_conf "server { listen 127.0.0.1:@FRONT_PORT@; location / { writ on; } }"
expect_test_error '"writ on" needs a "writ_policy" in the http block' "writ on with no writ_policy"
test_conf "writ_policy $tmp/gw; writ_policy $tmp/gw;"
expect_test_error '"writ_policy" directive is duplicate' "two writ_policy"
test_conf "writ_policy $tmp/gw; writ_cache 0;"
expect_test_error 'value must be between 1 and 1048576' "writ_cache 0"

mkdir "$tmp/nokeys" && cp "$tmp/gw/"*.writ "$tmp/nokeys/" || exit 99
printf 'trust "%s" { jwks "%s"; }\n' "$iss" "$tmp/missing.jwks" >"$tmp/nokeys/trust.writ"
test_conf "writ_policy $tmp/nokeys;"
expect_test_error "$tmp/missing.jwks" "an unreadable JWKS file"

# A snapshot cut short is refused, with the loader's reason.
if [ -f "$tmp/gw.wdt" ]; then
	head -c 100 "$tmp/gw.wdt" >"$tmp/short.wdt" && chmod 600 "$tmp/short.wdt" || exit 99
	test_conf "writ_policy $tmp/short.wdt;"
	expect_test_error "$tmp/short.wdt: error: truncated (100 bytes, the header says $(wc -c <"$tmp/gw.wdt" | tr -d ' ')) [E038]" \
		"a truncated snapshot"
fi

test_conf "writ_policy $tmp/gw; server { listen 127.0.0.1:@FRONT_PORT@; writ on; writ_resource $aud; }"
checks=$((checks + 1))
[ "$status" -eq 0 ] || fail "a good configuration: nginx -t exited $status: $(cat "$run_stderr")"

# --- 4. A JWKS URL. ------------------------------------------------------

if start_server issuer --policy "$tmp/policy"; then
	mkdir "$tmp/byurl" && cp "$top_srcdir/policies/"*.writ "$tmp/byurl/" || exit 99
	printf 'trust "%s" { jwks "%s/oidc/jwks"; }\n' "$iss" "$url" >"$tmp/byurl/trust.writ"
	if start_nginx "$(matrix_front "$tmp/byurl")" "$load"; then
		gw_base=http://127.0.0.1:$front_port
		gw_request GET /payments/123 -H "Authorization: Bearer $gw_read"
		gw_allowed "$payment_body" reconciliation "keys from a JWKS URL"
		gw_request GET /payments/123 -H "Authorization: Bearer $gw_tampered"
		gw_refused 401 "invalid_token" "a tampered token, keys from a JWKS URL"
		# The master fetched the key set once; the worker uses its copy.
		fetch_metrics
		expect_metric 'writ_http_requests_total{endpoint="jwks",outcome="ok"}' 1 \
			"the key set fetched by nginx's master"
		# A graceful stop with the refresh thread running: prompt.
		_t0=$(date +%s)
		stop_nginx
		checks=$((checks + 1))
		[ $(($(date +%s) - _t0)) -lt 5 ] ||
			fail "nginx took $(($(date +%s) - _t0)) s to stop with a JWKS URL"
	fi
	stop_server TERM
fi

finish
