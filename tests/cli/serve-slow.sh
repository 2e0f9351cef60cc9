#!/bin/sh
# writ serve and clients that hold connections: one that opens a
# connection and sends nothing, one that sends its request a byte a
# second, one that sends a 100 MB body (with Content-Length, and chunked).
# While they run, a normal client gets a token that verifies, at once; the
# idle connection is closed after --timeout, the slow one after
# --request-timeout (it is never idle), the big body is answered 413 or
# cut off without being kept. Then more idle or slow connections than
# --max-connections: a new client is refused while they are open, and
# served once the timeouts have closed them.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/serve-lib.sh"

# The clients that misbehave are bash's /dev/tcp.
if ! command -v bash >/dev/null 2>&1; then
	echo "SKIP: no bash for /dev/tcp connections"
	exit 77
fi

copy_policy "$tmp/policy"
form="grant_type=client_credentials&resource=$aud&scope=write:payment"
# --timeout 2 closes what is idle 2 s; --request-timeout 4 a request that
# is not in after 4 s: a client sending a byte a second meets the second
# and never the first.
idle_s=2
request_s=4

# ms: the time in milliseconds.
ms() {
	echo $(($(date +%s%N) / 1000000))
}

# held NAME HOW: a connection to the server in use, in the background,
# that HOW says what to do with: idle (send nothing) or slow (send a
# token request, a byte a second, with a header that never ends). When
# the server closes it, $tmp/NAME.closed gets the milliseconds it was open.
held() {
	rm -f "$tmp/$1.closed"
	bash -c 'trap "" PIPE
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 3
		start=$(($(date +%s%N) / 1000000))
		if [ "$3" = slow ]; then
			req=$(printf "POST /oidc/token HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
			(
				i=0
				while :; do
					c=${req:$i:1}
					printf "%s" "${c:-a}" >&3 || exit 0
					i=$((i + 1))
					sleep 1
				done
			) 2>/dev/null &
		fi
		cat <&3 >/dev/null
		echo $(($(date +%s%N) / 1000000 - start)) >"$2.tmp"
		mv "$2.tmp" "$2"
		[ "$3" = slow ] && kill $! 2>/dev/null
		exit 0' sh "$port" "$tmp/$1.closed" "$2" &
	pids="$pids $!"
}

# closed_within NAME MIN MAX WHAT: the connection NAME was closed by the
# server after MIN to MAX seconds (waiting for it up to MAX + 2 s).
closed_within() {
	_i=0
	while [ ! -e "$tmp/$1.closed" ] && [ "$_i" -lt $((($3 + 2) * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	checks=$((checks + 1))
	if [ ! -e "$tmp/$1.closed" ]; then
		fail "$4: still open after $(($3 + 2)) s"
		return 1
	fi
	_ms=$(cat "$tmp/$1.closed")
	[ "$_ms" -ge $(($2 * 1000)) ] && [ "$_ms" -le $(($3 * 1000)) ] && return 0
	fail "$4: closed after $_ms ms, expected $2 to $3 s"
	return 1
}

# rss: the server's resident memory, in KiB.
rss() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$pid/status"
}

# a_token WHAT: a token request must be answered 200 within 3 s (the bad
# clients' connections stay open longer: an answer that waited for them
# would come later) with a token that verifies against the served keys.
a_token() {
	_t0=$(ms)
	post "$form" -H "$basic"
	_took=$(($(ms) - _t0))
	expect_token write:payment 600 "$1" || return 1
	checks=$((checks + 1))
	[ "$_took" -le 3000 ] || fail "$1: the token took $_took ms"
	expect_exit 0 "$WRIT" verify --jwks "$tmp/served.jwks" --issuer "$iss" --audience "$aud" \
		--scope write:payment --token-file "$tmp/tok"
}

start_server one --policy "$tmp/policy" --threads 2 --timeout "$idle_s" \
	--request-timeout "$request_s" || finish
fetch_jwks "$tmp/served.jwks" || finish
# The demo secret proven once: the requests below are all fast ones.
a_token "before the bad clients"
rss0=$(rss)

# --- An idle client, a slow one and two 100 MB bodies at once. ---
held idle idle
held slow slow
# 100 MB, declared in Content-Length: answered 413 at once, and closed.
bash -c 'trap "" PIPE
	exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 3
	printf "POST /oidc/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000000\r\n\r\n" >&3
	head -c 100000000 /dev/zero >&3 2>/dev/null
	timeout 10 cat <&3 >"$2"' sh "$port" "$tmp/big.answer" &
big=$!
pids="$pids $big"
# 100 MB, chunked: the server cannot know the size before it is past the
# limit; it reads a little on, then closes.
bash -c 'trap "" PIPE
	exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 3
	printf "POST /oidc/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n" >&3
	chunk=$(head -c 65536 /dev/zero | tr "\0" a)
	n=0
	while [ "$n" -lt 1526 ] && printf "10000\r\n%s\r\n" "$chunk" >&3; do
		n=$((n + 1))
	done 2>/dev/null
	echo "$n" >"$2"' sh "$port" "$tmp/chunked.sent" &
chunked=$!
pids="$pids $chunked"
sleep 1
a_token "beside an idle client, a slow one and two 100 MB bodies"
http "$url/healthz"
expect_status 200 "GET /healthz beside the bad clients"

closed_within idle $((idle_s - 1)) $((idle_s + 3)) "an idle connection (--timeout $idle_s)"
# A byte a second is never idle: only the request deadline closes it.
closed_within slow $((request_s - 1)) $((request_s + 3)) \
	"a request sent a byte a second (--request-timeout $request_s)"
checks=$((checks + 1))
[ "$(count_log '"event":"request_timeout","peer":"127\.0\.0\.1"}')" -ge 1 ] ||
	fail "the slow request's close is not logged: $(tail -n 3 "$log")"

for p in $big $chunked; do
	wait "$p"
done
checks=$((checks + 1))
grep -q '^HTTP/1\.1 413 ' "$tmp/big.answer" ||
	fail "a 100 MB body with Content-Length: answered '$(head -n 1 "$tmp/big.answer")', not 413"
checks=$((checks + 1))
[ "$(cat "$tmp/chunked.sent")" -lt 1526 ] ||
	fail "a chunked 100 MB body was read to its end"
checks=$((checks + 1))
[ "$(count_log '"outcome":"payload_too_large","status":413')" -ge 1 ] ||
	fail "no 413 logged: $(tail -n 3 "$log")"
# Neither body was kept: the server grew by far less than 100 MB.
rss1=$(rss)
echo "resident memory: $rss0 KiB before the 100 MB bodies, $rss1 KiB after"
checks=$((checks + 1))
[ $((rss1 - rss0)) -lt 16384 ] ||
	fail "the server's memory grew from $rss0 KiB to $rss1 KiB with 100 MB bodies"
a_token "after the bad clients"

# --- More held connections than --max-connections. ---
stop_server TERM
start_server lim --policy "$tmp/policy" --threads 2 --max-connections 4 \
	--timeout "$idle_s" --request-timeout "$request_s" || finish

# locked_out HOW: 5 connections of HOW (idle or slow) against a limit of
# 4: a new client is refused while they are open, then served between
# MIN and MAX seconds after they opened.
locked_out() {
	for n in 1 2 3 4 5; do
		held "$1$n" "$1"
	done
	_t0=$(ms)
	sleep 0.5
	http --max-time 2 "$url/healthz"
	expect_status 000 "a new client beside 4 $1 connections (--max-connections 4)"
	code=
	while [ "$code" != 200 ] && [ $(($(ms) - _t0)) -lt $((($3 + 2) * 1000)) ]; do
		sleep 0.2
		http --max-time 2 "$url/healthz"
	done
	_took=$(($(ms) - _t0))
	expect_status 200 "a new client once the $1 connections are closed" || return 1
	checks=$((checks + 1))
	[ "$_took" -ge $(($2 * 1000)) ] && [ "$_took" -le $(($3 * 1000)) ] ||
		fail "$1 connections kept a new client out for $_took ms, expected $2 to $3 s"
}
locked_out idle $((idle_s - 1)) $((idle_s + 4))
# Slow ones are never idle: without the request deadline they would keep
# every client out for as long as they like.
locked_out slow $((request_s - 1)) $((request_s + 4))
for n in 1 2 3 4 5; do
	closed_within "slow$n" 0 $((request_s + 4)) "slow connection $n"
done

# No secret and no token in what was logged.
checks=$((checks + 1))
! grep -Fq -- "$demo_secret" "$tmp/one.log" "$tmp/lim.log" || fail "a log holds the secret"
checks=$((checks + 1))
! grep -q 'eyJhbGciOi' "$tmp/one.log" "$tmp/lim.log" || fail "a log holds something like a token"

finish
