#!/bin/sh
# nginx in front of writ serve, with auth_request: the gateway matrix of
# nginx-lib.sh (allowed requests reach the upstream with the app's id in
# X-Client; refusals carry writ's status and WWW-Authenticate and never
# the upstream's content; path tricks never reach /admin), through the
# configuration README's Gateways section shows. nginx turns any
# subrequest status but 2xx, 401 and 403 into 500; the configuration maps
# writ's 400 (invalid_request) back to 400 with its challenge.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/serve-lib.sh"
. "$top_srcdir/tests/cli/nginx-lib.sh"

copy_policy "$tmp/policy"
gateway_setup "$tmp/policy"
encoded_aud=https%3A%2F%2Fpayment.example.com%2Fapi

# The front end: auth_request to writ serve's /authz, with the resource in
# the query, percent-encoded.
front() {
	cat <<CONF
	server {
		listen 127.0.0.1:@FRONT_PORT@;

		location / {
			auth_request /_writ;
			auth_request_set \$writ_client \$upstream_http_x_writ_client;
			auth_request_set \$writ_challenge \$upstream_http_www_authenticate;
			auth_request_set \$writ_status \$upstream_status;
			# A 401's challenge is copied by auth_request itself; a 403's
			# and a 400's are not (and a 400 becomes 500).
			error_page 403 = @writ_forbidden;
			error_page 500 = @writ_failed;
			proxy_set_header X-Client \$writ_client;
			proxy_pass http://127.0.0.1:@UPSTREAM_PORT@;
		}

		location = /_writ {
			internal;
			proxy_pass http://127.0.0.1:$1/authz?resource=$encoded_aud;
			proxy_pass_request_body off;
			proxy_set_header Content-Length "";
			proxy_set_header X-Original-URI \$request_uri;
			proxy_set_header X-Original-Method \$request_method;
		}

		location @writ_forbidden {
			add_header WWW-Authenticate \$writ_challenge always;
			return 403;
		}

		location @writ_failed {
			add_header WWW-Authenticate \$writ_challenge always;
			if (\$writ_status = 400) {
				return 400;
			}
			return 500;
		}
	}
CONF
}

if start_server writ --policy "$tmp/policy"; then
	# The cart service's token from writ serve itself.
	post "grant_type=client_credentials&resource=$aud&scope=write:payment" -H "$basic"
	expect_status 200 "a token from writ serve"
	gw_write=$(sed -n 's/^{"access_token":"\([^"]*\)".*/\1/p' "$out.body")

	if start_nginx "$(front "$port")"; then
		gateway_matrix "http://127.0.0.1:$front_port"

		# Every decision was writ's, and logged.
		checks=$((checks + 1))
		[ "$(count_log '"event":"authz"')" -ge 20 ] ||
			fail "authz log lines: $(count_log '"event":"authz"')"
		checks=$((checks + 1))
		! grep -q 'ADMIN\|GET /admin HTTP' "$ngx/upstream.log" ||
			fail "the upstream served /admin: $(grep admin "$ngx/upstream.log")"

		# writ serve gone: nginx answers 500, fails closed.
		stop_server TERM
		checks=$((checks + 1))
		[ "$status" = 0 ] || fail "writ serve exited $status; the end of its log: $(tail -n 20 "$log")"
		gw_request GET /payments/123 -H "Authorization: Bearer $gw_read"
		expect_status 500 "writ serve stopped"
		checks=$((checks + 1))
		[ "$gw_reached" = no ] || fail "writ serve stopped: the upstream served the request"
		stop_nginx
	else
		stop_server TERM
	fi
fi

finish
