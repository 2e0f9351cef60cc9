# serve-lib.sh: what the tests of `writ serve` share. Source it after
# lib.sh:
#
#   . "$top_srcdir/tests/cli/lib.sh"
#   . "$top_srcdir/tests/cli/serve-lib.sh"
#
# Servers listen on a free port of 127.0.0.1 and log to $tmp/NAME.log;
# requests are made with curl. Every process started here is killed on
# exit, before $tmp is removed.

if ! command -v curl >/dev/null 2>&1; then
	echo "SKIP: no curl program to make HTTP requests"
	exit 77
fi

iss=https://auth.example.com/oidc
aud=https://payment.example.com/api
form_type='Content-Type: application/x-www-form-urlencoded'
# The shipped policy's DEMO secret for cart-service, as HTTP Basic
# credentials (RFC 7617), and its hash for policies of the tests' own.
demo_secret=demo-cart-secret
demo_basic=$(printf '%s' "cart-service:$demo_secret" | base64)
basic="Authorization: Basic $demo_basic"
demo_hash=$(sed -n 's/^ *secret "\(\$scrypt\$[^"]*\)";$/\1/p' "$top_srcdir/policies/payment.writ")
if [ -z "$demo_hash" ]; then
	echo "ERROR: no secret hash for cart-service in policies/payment.writ" >&2
	exit 99
fi

# Every server and helper process started in the background, by id.
pids=

# kill_ours SIGNAL PID: signal PID if it is still a child of this shell
# (the shell may have reaped it already, and the id have gone to another
# process); where there is no /proc to tell, signal it.
kill_ours() {
	if [ -d /proc/self ]; then
		_ppid=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$2/status" 2>/dev/null)
		[ "$_ppid" = "$$" ] || return 0
	fi
	kill "-$1" "$2" 2>/dev/null
}
# Killed at exit, quietly: shells tell of jobs killed.
trap '{
	for _p in $pids; do kill_ours KILL "$_p"; done
	wait $pids
} 2>/dev/null; rm -rf "$tmp"' EXIT

# copy_policy DIR: the shipped example policy in DIR, with a new ES256 key
# issuer.pem (mode 0600) whose key set is DIR.jwks and kid DIR.kid.
copy_policy() {
	mkdir "$1" && cp "$top_srcdir/policies/"*.writ "$1/" &&
		"$WRIT" keygen --alg ES256 --out "$1/issuer.pem" --jwks "$1.jwks" >/dev/null || {
		echo "ERROR: cannot make the policy $1" >&2
		exit 99
	}
	sed 's/.*"kid":"\([^"]*\)".*/\1/' "$1.jwks" >"$1.kid"
}

# start_server NAME ARG...: writ serve ARG... on a free port, its standard
# error in $tmp/NAME.log (or in $serve_stderr when set, for a reader that
# writes $tmp/NAME.log); then `use NAME`. Waits up to 10 s for the
# "listening" line; returns 1, the failure recorded, when none comes.
start_server() {
	_name=$1
	shift
	"$WRIT" serve --listen 127.0.0.1:0 "$@" 2>"${serve_stderr:-$tmp/$_name.log}" &
	_pid=$!
	pids="$pids $_pid"
	_port=
	_i=0
	while [ -z "$_port" ] && [ "$_i" -lt 100 ] && kill -0 "$_pid" 2>/dev/null; do
		sleep 0.1
		_port=$(sed -n 's/^{"time":"[^"]*","event":"listening","address":"127\.0\.0\.1:\([0-9][0-9]*\)".*/\1/p' \
			"$tmp/$_name.log")
		_i=$((_i + 1))
	done
	checks=$((checks + 1))
	if [ -z "$_port" ]; then
		fail "writ serve $*: no \"listening\" line in 10 s; the log:"
		sed 's/^/    /' "$tmp/$_name.log"
		return 1
	fi
	eval "${_name}_pid=\$_pid ${_name}_port=\$_port"
	use "$_name"
}

# use NAME: make the server NAME the one requests go to: sets $srv, $pid,
# $port, $url and $log.
use() {
	srv=$1
	eval "pid=\$${1}_pid port=\$${1}_port"
	url=http://127.0.0.1:$port
	log=$tmp/$1.log
}

# stop_server SIGNAL: send SIGNAL to the server in use and wait (10 s at
# most) for it to exit. Sets $status to its exit status (137 when it had
# to be killed).
stop_server() {
	kill "-$1" "$pid"
	# The watchdog is never signalled: a subshell may run this shell's
	# traps (bash does, when the signal comes early). It ends by itself
	# once the server is gone.
	(
		_i=0
		while kill -0 "$pid" 2>/dev/null; do
			if [ "$_i" -ge 100 ]; then
				kill -KILL "$pid"
				break
			fi
			sleep 0.1
			_i=$((_i + 1))
		done
	) >/dev/null 2>&1 &
	_watchdog=$!
	wait "$pid"
	status=$?
	wait "$_watchdog"
	pids=$(printf ' %s ' $pids | sed "s/ $pid / /")
}

# count_log PATTERN: how many lines of the server's log match the ERE.
count_log() {
	grep -Ec -- "$1" "$log"
}

# wait_log PATTERN [N]: wait up to 10 s until N (default 1) lines of the
# server's log match the ERE PATTERN. 1 when they do not.
wait_log() {
	_i=0
	while [ "$(count_log "$1")" -lt "${2:-1}" ]; do
		[ "$_i" -ge 100 ] && return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	return 0
}

# The files of the last answer: $out.body and $out.headers. Requests made
# at the same time need an $out each.
out=$tmp/http

# http CURL-ARG...: one request. Sets $code, the HTTP status, or 000 when
# curl got no answer; the headers are kept without their CRs.
http() {
	: >"$out.raw"
	: >"$out.body"
	code=$(curl -s --max-time 20 -o "$out.body" -D "$out.raw" -w '%{http_code}' "$@")
	tr -d '\r' <"$out.raw" >"$out.headers"
}

# token_call CURL-ARG...: a request to the token endpoint of the server in
# use. "STATUS ERROR" (ERROR - for none) is added to $tmp/SERVER.calls and
# the access token of a 200 to $tmp/SERVER.tokens.
token_call() {
	http "$url/oidc/token" "$@"
	_error=$(sed -n 's/^{"error":"\([a-z_]*\)".*/\1/p' "$out.body")
	printf '%s %s\n' "$code" "${_error:--}" >>"$tmp/$srv.calls"
	if [ "$code" = 200 ]; then
		sed -n 's/^{"access_token":"\([^"]*\)".*/\1/p' "$out.body" | awk 1 >>"$tmp/$srv.tokens"
	fi
}

# post FORM [CURL-ARG...]: POST the form (already urlencoded) to the token
# endpoint.
post() {
	_form=$1
	shift
	token_call -H "$form_type" --data-raw "$_form" "$@"
}

# header NAME: the value of the last answer's header NAME (any case).
header() {
	awk -v name="$1" '
		BEGIN { name = tolower(name) }
		{
			i = index($0, ":")
			if (i && tolower(substr($0, 1, i - 1)) == name) {
				v = substr($0, i + 1)
				sub(/^[ \t]+/, "", v)
				print v
				exit
			}
		}' "$out.headers"
}

# expect_status STATUS WHAT: the last answer's HTTP status.
expect_status() {
	checks=$((checks + 1))
	[ "$code" = "$1" ] && return 0
	fail "$2: HTTP status $code, expected $1; body: $(cat "$out.body")"
	return 1
}

# expect_header NAME VALUE WHAT: the last answer's header NAME is VALUE.
expect_header() {
	_value=$(header "$1")
	checks=$((checks + 1))
	[ "$_value" = "$2" ] && return 0
	fail "$3: header $1 is '$_value', expected '$2'"
	return 1
}

# expect_error STATUS ERROR WHAT: an error answer in the RFC 6749 section
# 5.2 shape, exactly {"error":ERROR,"error_description":TEXT}, not cached.
expect_error() {
	expect_status "$1" "$3" || return 1
	checks=$((checks + 1))
	if ! grep -Eqx "\{\"error\":\"$2\",\"error_description\":\"[^\"\\\\]+\"\}" "$out.body"; then
		fail "$3: body is '$(cat "$out.body")', expected error $2"
		return 1
	fi
	expect_header Content-Type application/json "$3"
	expect_header Cache-Control no-store "$3"
}

# expect_token SCOPE TTL WHAT: a token answer (RFC 6749 section 5.1),
# exactly {"access_token":JWS,"token_type":"Bearer","expires_in":TTL} with
# "scope":SCOPE last unless SCOPE is empty, and not to be cached. Sets
# $tok and writes it to $tmp/tok as it is (no newline).
expect_token() {
	tok=
	expect_status 200 "$3" || return 1
	_scope=
	[ -n "$1" ] && _scope=",\"scope\":\"$1\""
	_shape=$(sed 's/^{"access_token":"[A-Za-z0-9_-]\{1,\}\.[A-Za-z0-9_-]\{1,\}\.[A-Za-z0-9_-]\{1,\}"/{"access_token":"JWS"/' \
		"$out.body")
	checks=$((checks + 1))
	if [ "$_shape" != "{\"access_token\":\"JWS\",\"token_type\":\"Bearer\",\"expires_in\":$2$_scope}" ]; then
		fail "$3: body is '$(cat "$out.body")'"
		return 1
	fi
	tok=$(sed 's/^{"access_token":"\([^"]*\)".*/\1/' "$out.body")
	printf '%s' "$tok" >"$tmp/tok"
	expect_header Content-Type application/json "$3"
	expect_header Cache-Control no-store "$3"
	expect_header Pragma no-cache "$3"
}

# b64url_decode SEGMENT: the bytes of one base64url segment, on stdout.
b64url_decode() {
	_s=$(printf '%s' "$1" | tr -- '-_' '+/')
	case $((${#_s} % 4)) in
	2) _s="$_s==" ;;
	3) _s="$_s=" ;;
	esac
	printf '%s' "$_s" | base64 -d
}

# token_header TOKEN: the decoded JOSE header of a compact JWS.
token_header() {
	b64url_decode "${1%%.*}"
}

# fetch_jwks FILE: GET the server's key set into FILE.
fetch_jwks() {
	http "$url/oidc/jwks"
	expect_status 200 "GET /oidc/jwks" && cp "$out.body" "$1"
}

# kids FILE: the kids of a key set, one a line, in order.
kids() {
	grep -o '"kid":"[^"]*"' "$1" | sed 's/^"kid":"//; s/"$//'
}

# metric NAME{LABELS}: the value of one sample of the server's /metrics,
# fetched into $tmp/metrics; empty when there is no such sample.
metric() {
	awk -v k="$1" 'substr($0, 1, length(k) + 1) == k " " { print substr($0, length(k) + 2) }' \
		"$tmp/metrics"
}

# fetch_metrics: GET /metrics into $tmp/metrics.
fetch_metrics() {
	http "$url/metrics"
	expect_status 200 "GET /metrics" && cp "$out.body" "$tmp/metrics"
}

# expect_metric NAME{LABELS} VALUE WHAT: a sample of $tmp/metrics.
expect_metric() {
	_got=$(metric "$1")
	checks=$((checks + 1))
	[ "$_got" = "$2" ] && return 0
	fail "$3: /metrics has $1 '$_got', expected '$2'"
	return 1
}
