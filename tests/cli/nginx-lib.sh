# nginx-lib.sh: a real nginx in front of writ, for the gateway tests.
# Source it after lib.sh and serve-lib.sh:
#
#   . "$top_srcdir/tests/cli/lib.sh"
#   . "$top_srcdir/tests/cli/serve-lib.sh"
#   . "$top_srcdir/tests/cli/nginx-lib.sh"
#
# nginx runs as this shell's child (daemon off), on 127.0.0.1, from a
# configuration written into $tmp/nginx: every path it writes (pid, logs,
# temporary files) is in there. It serves two things:
#
#   the upstream   a static file tree, $tmp/nginx/www, on $upstream_port:
#                  GET /payments/123 is a payment, GET /admin a page that no
#                  request through the front end may ever reach, POST
#                  /payments answers 201. It adds X-Seen-Client, the
#                  X-Client header it was sent, to its answers, and logs
#                  every request it serves to $tmp/nginx/upstream.log.
#   the front end  whatever the test gives start_nginx, on $front_port:
#                  the gateway under test, in front of the upstream.
#
# The nginx program is $NGINX, else nginx in the PATH, else /usr/sbin/nginx
# (not in a Debian user's PATH). Without one the test is skipped (77),
# unless WRIT_REQUIRE_NGINX is set (CI sets it): then it fails (99).
#
#   gateway_setup POLICY_DIR    mint the matrix's tokens
#   start_nginx FRONT [MAIN]    write the configuration, start nginx, wait
#   stop_nginx                  stop it
#   gateway_matrix URL_BASE     every check of a gateway that decides by
#                               the example payment API's routes

nginx_bin=${NGINX:-$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)}
if [ ! -x "$nginx_bin" ]; then
	if [ -n "${WRIT_REQUIRE_NGINX:-}" ]; then
		echo "ERROR: no nginx program ($nginx_bin), and WRIT_REQUIRE_NGINX is set (Debian: apt-get install nginx)" >&2
		exit 99
	fi
	echo "SKIP: no nginx program (Debian: apt-get install nginx)"
	exit 77
fi

ngx=$tmp/nginx
nginx_pid=
front_port=
upstream_port=
# What the upstream serves, and what must never come out of the front end
# unless the request was allowed.
payment_body='payment 123: 42.00 EUR, settled'
admin_body='ADMIN PAGE: never served through the gateway'

# A port from 20000 to 32767, below Linux's ephemeral range, so that no
# outgoing connection of this machine holds it by chance.
random_port() {
	echo $((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12768))
}

# nginx_conf FRONT MAIN: the whole configuration, on stdout.
nginx_conf() {
	# Workers run as the user who starts nginx; as root nginx would switch
	# them to nobody, who cannot read $tmp (mode 0700).
	[ "$(id -u)" = 0 ] && echo "user root $(id -gn);"
	cat <<EOF
daemon off;
worker_processes 1;
pid $ngx/nginx.pid;
error_log $ngx/error.log info;
$2
events {
	worker_connections 128;
}
http {
	access_log $ngx/access.log;
	client_body_temp_path $ngx/client_body;
	proxy_temp_path $ngx/proxy;
	fastcgi_temp_path $ngx/fastcgi;
	uwsgi_temp_path $ngx/uwsgi;
	scgi_temp_path $ngx/scgi;
	default_type text/plain;

	server {
		listen 127.0.0.1:$upstream_port;
		access_log $ngx/upstream.log;
		root $ngx/www;
		add_header X-Seen-Client "\$http_x_client" always;
		location = /payments {
			return 201 "payment created\n";
		}
	}

$(printf '%s\n' "$1" | sed -e "s|@FRONT_PORT@|$front_port|g" \
		-e "s|@UPSTREAM_PORT@|$upstream_port|g" -e "s|@DIR@|$ngx|g")
}
EOF
}

# start_nginx FRONT [MAIN]: nginx with the upstream and FRONT, the front
# end's server block(s) inside http { }, in which @FRONT_PORT@,
# @UPSTREAM_PORT@ and @DIR@ ($tmp/nginx) are replaced; MAIN goes in the
# main context (load_module). Sets $front_port, $upstream_port and
# $nginx_pid once nginx answers; ports in use are tried again with others.
# Returns 1, the failure recorded, when nginx does not start.
start_nginx() {
	mkdir -p "$ngx/www/payments" "$ngx/client_body" "$ngx/proxy" "$ngx/fastcgi" \
		"$ngx/uwsgi" "$ngx/scgi"
	printf '%s\n' "$payment_body" >"$ngx/www/payments/123"
	printf '%s\n' "$admin_body" >"$ngx/www/admin"
	_try=0
	while [ "$_try" -lt 8 ]; do
		_try=$((_try + 1))
		front_port=$(random_port)
		upstream_port=$(random_port)
		[ "$front_port" != "$upstream_port" ] || continue
		nginx_conf "$1" "${2:-}" >"$ngx/nginx.conf"
		: >"$ngx/error.log"
		"$nginx_bin" -p "$ngx" -c "$ngx/nginx.conf" -e stderr 2>"$ngx/stderr.log" &
		nginx_pid=$!
		pids="$pids $nginx_pid"
		# nginx binds every listening socket before it starts a worker:
		# once the upstream answers, the front end is there too.
		_i=0
		while [ "$_i" -lt 100 ] && kill -0 "$nginx_pid" 2>/dev/null; do
			_c=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' \
				"http://127.0.0.1:$upstream_port/.ready") || :
			[ "$_c" = 404 ] && return 0
			sleep 0.1
			_i=$((_i + 1))
		done
		kill_ours TERM "$nginx_pid"
		wait "$nginx_pid" 2>/dev/null
		pids=$(printf ' %s ' $pids | sed "s/ $nginx_pid / /")
		nginx_pid=
		grep -q 'Address already in use' "$ngx/stderr.log" "$ngx/error.log" || break
	done
	checks=$((checks + 1))
	fail "nginx did not start; its configuration, then its errors:"
	sed 's/^/    /' "$ngx/nginx.conf" "$ngx/stderr.log" "$ngx/error.log"
	return 1
}

# stop_nginx: stop nginx (SIGQUIT: a graceful stop) and wait for it, 10 s
# at most.
stop_nginx() {
	[ -n "$nginx_pid" ] || return 0
	kill_ours QUIT "$nginx_pid"
	_i=0
	while kill -0 "$nginx_pid" 2>/dev/null && [ "$_i" -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill_ours KILL "$nginx_pid"
	wait "$nginx_pid" 2>/dev/null
	pids=$(printf ' %s ' $pids | sed "s/ $nginx_pid / /")
	nginx_pid=
}

# upstream_requests: how many requests the upstream has served.
upstream_requests() {
	if [ -f "$ngx/upstream.log" ]; then wc -l <"$ngx/upstream.log" | tr -d ' '; else echo 0; fi
}

# gw_mint POLICY_DIR ARG...: writ token with POLICY_DIR and its issuer key.
gw_mint() {
	_mp=$1
	shift
	"$WRIT" token --policy "$_mp" --key "$_mp/issuer.pem" "$@" 2>"$tmp/mint.err" || {
		echo "ERROR: writ token $*: $(cat "$tmp/mint.err")" >&2
		exit 99
	}
}

# gateway_setup POLICY_DIR: the tokens of the matrix, minted by `writ
# token` with the issuer key POLICY_DIR/issuer.pem (copy_policy's):
#   gw_write    cart-service, write:payment
#   gw_read     reconciliation (no secret: minted only), read:payment
#   gw_expired  cart-service, write:payment, expired an hour ago
#   gw_other    cart-service, for another audience (https://api-1.store.io)
#   gw_tampered gw_write's header and signature around gw_read's claims
# A test may replace gw_write by a token of writ serve's.
gateway_setup() {
	_p=$1
	gw_write=$(gw_mint "$_p" --client cart-service --resource "$aud" --scope write:payment)
	gw_read=$(gw_mint "$_p" --client reconciliation --resource "$aud" --scope read:payment)
	gw_expired=$(gw_mint "$_p" --client cart-service --resource "$aud" --scope write:payment \
		--now $(($(date +%s) - 7200)) --ttl 3600)
	gw_other=$(gw_mint "$_p" --client cart-service --resource https://api-1.store.io)
	_claims=${gw_read#*.}
	gw_tampered=${gw_write%%.*}.${_claims%%.*}.${gw_write##*.}
	if [ -z "$gw_write" ] || [ -z "$gw_read" ] || [ -z "$gw_expired" ] || [ -z "$gw_other" ]; then
		echo "ERROR: the tokens of the matrix could not be minted" >&2
		exit 99
	fi
}

# gw_request METHOD PATH [CURL-ARG...]: one request through the front end
# at $gw_base, PATH sent as it is. Sets $code, the answer's files (as
# `http` does) and $gw_reached, yes when the upstream served a request
# meanwhile.
gw_request() {
	_m=$1 _p=$2
	shift 2
	_before=$(upstream_requests)
	http --path-as-is -X "$_m" "$gw_base$_p" "$@"
	gw_reached=no
	[ "$(upstream_requests)" = "$_before" ] || gw_reached=yes
}

# gw_allowed BODY CLIENT WHAT: the last request went through: 2xx, the
# upstream's BODY, the upstream saw X-Client CLIENT.
gw_allowed() {
	checks=$((checks + 1))
	case $code in
	2??) ;;
	*) fail "$3: HTTP status $code, expected 2xx; WWW-Authenticate '$(header WWW-Authenticate)'" ;;
	esac
	checks=$((checks + 1))
	[ "$(cat "$out.body")" = "$1" ] || fail "$3: the body is '$(cat "$out.body")', expected '$1'"
	expect_header X-Seen-Client "$2" "$3"
	checks=$((checks + 1))
	[ "$gw_reached" = yes ] || fail "$3: the upstream saw no request"
}

# gw_refused STATUS CHALLENGE WHAT: the last request was refused with
# STATUS and exactly one WWW-Authenticate header, matching the ERE
# CHALLENGE; the upstream saw nothing and nothing of it came back.
gw_refused() {
	expect_status "$1" "$3"
	checks=$((checks + 1))
	_n=$(grep -ci '^WWW-Authenticate:' "$out.headers")
	[ "$_n" = 1 ] || fail "$3: $_n WWW-Authenticate headers: $(grep -i '^WWW-Authenticate:' "$out.headers")"
	checks=$((checks + 1))
	header WWW-Authenticate | grep -Eq -- "$2" ||
		fail "$3: WWW-Authenticate is '$(header WWW-Authenticate)', expected /$2/"
	checks=$((checks + 1))
	[ "$gw_reached" = no ] || fail "$3: the upstream served it"
	checks=$((checks + 1))
	! grep -Fq -e "$payment_body" -e "$admin_body" "$out.body" ||
		fail "$3: the upstream's content came back: $(cat "$out.body")"
}

# gateway_matrix URL_BASE: every check of a gateway in front of the
# upstream that decides by the routes of policies/payment.writ for the
# resource $aud, with gateway_setup's tokens. Statuses as the client sees
# them: 401 and 403 as writ decides them, and 400 for invalid_request.
gateway_matrix() {
	gw_base=$1
	_realm="Bearer realm=\"$aud\""
	_invalid="^$_realm, error=\"invalid_request\", error_description=\"[^\"]+\"\$"
	_bad_token="^$_realm, error=\"invalid_token\", error_description=\"[^\"]+\"\$"

	gw_request GET /payments/123 -H "Authorization: Bearer $gw_read"
	gw_allowed "$payment_body" reconciliation "GET /payments/123 with read:payment"
	gw_request POST /payments -H "Authorization: Bearer $gw_write"
	gw_allowed "payment created" cart-service "POST /payments with write:payment"
	expect_status 201 "POST /payments with write:payment"
	gw_request GET '/payments/123?expand=all' -H "Authorization: Bearer $gw_read"
	gw_allowed "$payment_body" reconciliation "GET /payments/123?expand=all"
	# The client's own X-Client never reaches the upstream.
	gw_request GET /payments/123 -H "Authorization: Bearer $gw_read" -H 'X-Client: admin'
	gw_allowed "$payment_body" reconciliation "GET /payments/123 with X-Client: admin"

	gw_request GET /payments/123
	gw_refused 401 "^$_realm\$" "no token"
	gw_request GET /payments/123 -H "Authorization: Bearer $gw_expired"
	gw_refused 401 "$_bad_token" "an expired token"
	gw_request GET /payments/123 -H "Authorization: Bearer $gw_other"
	gw_refused 401 "$_bad_token" "a token for another audience"
	gw_request GET /payments/123 -H "Authorization: Bearer $gw_tampered"
	gw_refused 401 "$_bad_token" "a tampered token"
	gw_request GET /payments/123 -H "Authorization: Basic $demo_basic"
	gw_refused 400 "$_invalid" "Basic credentials instead of a token"

	gw_request GET /payments/123 -H "Authorization: Bearer $gw_write"
	gw_refused 403 "^$_realm, error=\"insufficient_scope\", error_description=\"[^\"]+\", scope=\"read:payment\"\$" \
		"GET /payments/123 with write:payment only"
	gw_request POST /payments -H "Authorization: Bearer $gw_read"
	gw_refused 403 "^$_realm, error=\"insufficient_scope\", error_description=\"[^\"]+\", scope=\"write:payment\"\$" \
		"POST /payments with read:payment only"

	# The admin page: no route allows it, and no spelling reaches it.
	gw_request GET /admin
	gw_refused 401 "^$_realm\$" "GET /admin without a token"
	gw_request GET /admin -H "Authorization: Bearer $gw_read"
	gw_refused 403 "^$_realm, error=\"insufficient_scope\", error_description=\"no route of this resource allows GET /admin\"\$" \
		"GET /admin"
	gw_request GET /payments/../admin -H "Authorization: Bearer $gw_read"
	gw_refused 403 "^$_realm, error=\"insufficient_scope\", error_description=\"no route of this resource allows GET /admin\"\$" \
		"GET /payments/../admin"
	gw_request GET /payments/%2e%2e/admin -H "Authorization: Bearer $gw_read"
	gw_refused 400 "$_invalid" "GET /payments/%2e%2e/admin"
	gw_request GET /payments/%2E%2E/admin -H "Authorization: Bearer $gw_read"
	gw_refused 400 "$_invalid" "GET /payments/%2E%2E/admin"
	# Paths nginx and its upstream read as /payments/123, and writ refuses.
	gw_request GET /payments%2F123 -H "Authorization: Bearer $gw_read"
	gw_refused 400 "$_invalid" "GET /payments%2F123"
	gw_request GET //payments/123 -H "Authorization: Bearer $gw_read"
	gw_refused 400 "$_invalid" "GET //payments/123"
	gw_request GET /payments/./123 -H "Authorization: Bearer $gw_read"
	gw_allowed "$payment_body" reconciliation "GET /payments/./123, which is /payments/123"
	gw_request GET /payments/%31%32%33 -H "Authorization: Bearer $gw_read"
	gw_allowed "$payment_body" reconciliation "GET /payments/%31%32%33, which is /payments/123"
	gw_request GET '/payments/123;x=1' -H "Authorization: Bearer $gw_read"
	gw_refused 400 "$_invalid" "GET /payments/123;x=1"
	# nginx itself refuses an encoded NUL in the request line, before any
	# gateway is asked: 400 with no challenge.
	gw_request GET /payments/123%00 -H "Authorization: Bearer $gw_read"
	expect_status 400 "GET /payments/123%00"
	checks=$((checks + 1))
	[ "$gw_reached" = no ] || fail "GET /payments/123%00: the upstream served it"
}
