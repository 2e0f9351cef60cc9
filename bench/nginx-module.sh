#!/bin/sh
# bench/nginx-module.sh BUILDDIR: the "nginx module overhead" row of `make
# bench` (bench/run.sh runs it). One nginx with one worker serves the same
# static file on two ports: plainly, and with `writ on` deciding each
# request (GET /payments/{id}, allowed by a valid token, the same one every
# time: the verified-token cache answers after the first). wrk -t1 -c32
# runs against each in alternating rounds, so that a burst of load on a
# shared machine hurts neither more than the other; the fastest round of
# each is printed, then what the module adds per request: the difference
# of the median and 99th-percentile latencies, and of the time per request
# of the one busy worker (1/rate). The worker time is the module's own
# cost; with 32 requests queued at the worker, the latencies grow by about
# 32 times that (Little's law), which is what a client sees under load.
#
# Prints the rows of bench/run.sh's table, "row" and its fields separated
# by tabs (see add_row there); exits 0, 1 when the measurement failed, 2
# when a tool is missing. BENCH_QUICK=1: one short round, only to show that
# the harness works.
set -eu
builddir=$(cd "${1:-.}" && pwd)
srcdir=$(cd "$(dirname "$0")/.." && pwd)
module=$builddir/nginx/ngx_http_writ_module.so
aud=https://payment.example.com/api
if [ "${BENCH_QUICK:-0}" = 1 ]; then rounds=1 seconds=1; else rounds=3 seconds=5; fi
wrk_threads=1 wrk_connections=32
label="nginx module (writ on), requests/s"
conditions="wrk -t$wrk_threads -c$wrk_connections, 1 worker"
# not_measured VERDICT WHY: the row of a run that measured nothing.
not_measured() {
	printf 'row\t%s\t-\trequests/s\t\t\t\t%s\t%s\n' "$label" "$2" "$1"
}

nginx_bin=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
if [ ! -x "$nginx_bin" ]; then
	not_measured 'skipped: no nginx' 'apt-get install nginx'
	exit 2
fi
if ! command -v wrk >/dev/null; then
	not_measured 'skipped: no wrk' 'apt-get install wrk'
	exit 2
fi
if [ ! -f "$module" ]; then
	not_measured 'skipped: not built' 'the module is not built (apt-get install nginx-dev, then ./configure)'
	exit 0
fi

tmp='' master='' client=''
cleanup() {
	[ -z "$client" ] || kill "$client" 2>/dev/null || :
	if [ -n "$master" ] && kill -0 "$master" 2>/dev/null; then
		kill -QUIT "$master" 2>/dev/null || :
		i=0
		while kill -0 "$master" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$master" 2>/dev/null || :
		wait "$master" 2>/dev/null || :
	fi
	[ -z "$tmp" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

tmp=$(mktemp -d "${TMPDIR:-/tmp}/writ-bench-nginx.XXXXXX")
mkdir -p "$tmp/gw" "$tmp/www/payments" "$tmp/temp"
cp "$srcdir"/policies/*.writ "$tmp/gw/"
"$builddir/writ" keygen --alg ES256 --out "$tmp/issuer.pem" --jwks "$tmp/issuer.jwks" >/dev/null
iss=$(sed -n 's/^issuer "\([^"]*\)".*/\1/p' "$srcdir/policies/issuer.writ")
printf 'trust "%s" { jwks "%s"; }\n' "$iss" "$tmp/issuer.jwks" >"$tmp/gw/trust.writ"
token=$("$builddir/writ" token --policy "$tmp/gw" --key "$tmp/issuer.pem" \
	--client reconciliation --resource "$aud" --scope read:payment --ttl 3600)
printf 'payment 123: 42.00 EUR, settled\n' >"$tmp/www/payments/123"

# start_nginx: nginx on two free ports; sets master, plain and decided.
start_nginx() {
	try=0
	while [ $try -lt 8 ]; do
		try=$((try + 1))
		plain=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12768))
		decided=$((plain + 1))
		{
			[ "$(id -u)" != 0 ] || echo "user root $(id -gn);"
			cat <<EOF
load_module $module;
daemon off;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $tmp/temp/body;
	proxy_temp_path $tmp/temp/proxy;
	fastcgi_temp_path $tmp/temp/fastcgi;
	uwsgi_temp_path $tmp/temp/uwsgi;
	scgi_temp_path $tmp/temp/scgi;
	writ_policy $tmp/gw;
	root $tmp/www;
	server { listen 127.0.0.1:$plain; }
	server {
		listen 127.0.0.1:$decided;
		writ on;
		writ_resource $aud;
	}
}
EOF
		} >"$tmp/nginx.conf"
		: >"$tmp/error.log"
		"$nginx_bin" -p "$tmp" -c "$tmp/nginx.conf" -e stderr 2>>"$tmp/error.log" &
		master=$!
		i=0
		while [ $i -lt 100 ] && kill -0 "$master" 2>/dev/null; do
			c=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' \
				"http://127.0.0.1:$plain/payments/123") || :
			[ "$c" = 200 ] && return 0
			sleep 0.1
			i=$((i + 1))
		done
		kill "$master" 2>/dev/null || :
		wait "$master" 2>/dev/null || :
		master=''
		grep -q 'Address already in use' "$tmp/error.log" || break
	done
	echo "bench: nginx did not start:" >&2
	cat "$tmp/error.log" >&2
	return 1
}

# measure PORT [TOKEN]: one wrk run; sets result to its wrk-result line.
measure() {
	WRIT_BENCH_TOKEN=${2:-} wrk -t$wrk_threads -c$wrk_connections -d"${seconds}s" \
		-s "$srcdir/bench/nginx.lua" "http://127.0.0.1:$1/payments/123" >"$tmp/wrk.out" 2>&1 &
	client=$!
	rc=0
	wait "$client" || rc=$?
	client=''
	result=$(grep '^wrk-result ' "$tmp/wrk.out") || rc=1
	if [ $rc != 0 ] || [ "$(field errors)" != 0 ]; then
		printf 'bench: wrk on port %s failed:\n%s\n' "$1" "$(cat "$tmp/wrk.out")" >&2
		return 1
	fi
}
field() { printf '%s\n' "$result" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

if ! start_nginx; then
	not_measured failed 'nginx did not start'
	exit 1
fi
# The module decides: no token is refused, the token is allowed.
c=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$decided/payments/123")
t=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
	"http://127.0.0.1:$decided/payments/123")
if [ "$c" != 401 ] || [ "$t" != 200 ]; then
	echo "bench: with writ on, no token got $c (not 401), the token $t (not 200)" >&2
	not_measured failed 'writ on does not decide'
	exit 1
fi

best_plain='' best_writ='' rps_plain=0 rps_writ=0
i=0
while [ $i -lt $rounds ]; do
	measure "$plain" || { not_measured failed 'wrk failed on plain nginx'; exit 1; }
	r=$(field requests_per_sec)
	if awk -v a="$r" -v b="$rps_plain" 'BEGIN { exit !(a > b) }'; then
		best_plain=$result rps_plain=$r
	fi
	measure "$decided" "$token" || { not_measured failed 'wrk failed with writ on'; exit 1; }
	r=$(field requests_per_sec)
	if awk -v a="$r" -v b="$rps_writ" 'BEGIN { exit !(a > b) }'; then
		best_writ=$result rps_writ=$r
	fi
	i=$((i + 1))
done

result=$best_plain
p50_plain=$(field p50_ms) p99_plain=$(field p99_ms)
result=$best_writ
p50_writ=$(field p50_ms) p99_writ=$(field p99_ms)
# The rows: rate, latencies and the worker's time per request, each
# beside plain nginx's.
awk -v label="$label" -v cond="$conditions, best of $rounds rounds of ${seconds} s" \
	-v rp="$rps_plain" -v rw="$rps_writ" \
	-v a50="$p50_plain" -v a99="$p99_plain" -v b50="$p50_writ" -v b99="$p99_writ" 'BEGIN {
	printf "row\t%s\t%.0f\trequests/s\t\tplain nginx\t%.0f\t%s\n", label, rw, rp, cond
	printf "row\tnginx module (writ on), p50 latency\t%.3f\tms\t\tplain nginx\t%.3f\t%s\n", b50, a50, cond
	printf "row\tnginx module (writ on), p99 latency\t%.3f\tms\t\tplain nginx\t%.3f\t%s\n", b99, a99, cond
	if (rw > 0 && rp > 0)
		printf "row\tnginx module (writ on), worker time per request\t%.1f\tus\t\tplain nginx\t%.1f\tthe module adds %.1f us: 1/rate of the one busy worker\n", 1e6 / rw, 1e6 / rp, 1e6 / rw - 1e6 / rp
}'
