#!/bin/sh
# writ serve, what an operator does and sees: start-up refusals (exit 2,
# said on stderr) and --generate-missing-keys; the throttle of failed
# client authentication; the per-address connection limit and the read
# timeout; SIGHUP under load, a reload that fails, key rotation; --watch;
# SIGINT. serve.sh tests what a client sees.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/serve-lib.sh"

# Connections held open or cut short are made with bash's /dev/tcp.
have_bash=no
command -v bash >/dev/null 2>&1 && have_bash=yes

copy_policy "$tmp/policy"
kid_a=$(cat "$tmp/policy.kid")
form="grant_type=client_credentials&resource=$aud&scope=write:payment"

# --- Start-up: what cannot be used is refused with exit 2, and said. ---
# refused MESSAGE ARG...: writ serve ARG... exits 2 at once, printing
# nothing on stdout and MESSAGE among what it says on stderr.
refused() {
	_msg=$1
	shift
	if expect_exit 2 timeout 10 "$WRIT" serve "$@"; then
		expect_output stdout ''
		checks=$((checks + 1))
		grep -Fq -- "$_msg" "$run_stderr" ||
			fail "writ serve $*: stderr does not say '$_msg':$nl$(cat "$run_stderr")"
	fi
}
# policy_like NAME: a copy of the policy (and its key) in $tmp/NAME.
policy_like() {
	mkdir "$tmp/$1" && cp -p "$tmp/policy/"* "$tmp/$1/"
}
policy_like k644
chmod 644 "$tmp/k644/issuer.pem"
for gen in '' --generate-missing-keys; do
	refused "$tmp/k644/issuer.pem is accessible by group or others (mode 0644): chmod 600 it" \
		--policy "$tmp/k644" --listen 127.0.0.1:0 $gen
done
policy_like nokey
rm "$tmp/nokey/issuer.pem"
refused "cannot read $tmp/nokey/issuer.pem: No such file or directory" \
	--policy "$tmp/nokey" --listen 127.0.0.1:0
checks=$((checks + 1))
[ ! -e "$tmp/nokey/issuer.pem" ] || fail "a key was made without --generate-missing-keys"
policy_like nosigning
sed '/signing-key/d' "$tmp/policy/issuer.writ" >"$tmp/nosigning/issuer.writ"
refused 'the issuer declares no signing key' --policy "$tmp/nosigning" --listen 127.0.0.1:0
refused 'the policy declares no issuer' --policy "$tmp/policy/payment.writ" --listen 127.0.0.1:0
policy_like broken
printf 'role broken for apps {\n' >>"$tmp/broken/payment.writ"
# The end of file is at the end of that last line, after its 22 bytes.
eof=$(wc -l <"$tmp/broken/payment.writ")
refused "$tmp/broken/payment.writ:$eof:23: error: unexpected end of file" \
	--policy "$tmp/broken" --listen 127.0.0.1:0
for listen in nonsense 127.0.0.1 :8080 127.0.0.1: '[::1' '::1:8080' 127.0.0.1:65536 \
	127.0.0.1:99999 127.0.0.1:-1 127.0.0.1:8080x; do
	refused "writ serve: --listen wants HOST:PORT or [IPV6]:PORT with a port from 0 to 65535, not '$listen'" \
		--policy "$tmp/policy" --listen "$listen"
done
refused "writ serve: cannot listen on 256.0.0.1:0: " --policy "$tmp/policy" --listen 256.0.0.1:0
refused "writ serve: --timeout wants a number from 1 to 3600, not '0'" \
	--policy "$tmp/policy" --listen 127.0.0.1:0 --timeout 0
refused "writ serve: --request-timeout wants a number from 1 to 3600, not '3601'" \
	--policy "$tmp/policy" --listen 127.0.0.1:0 --request-timeout 3601
refused 'writ serve: --policy is required' --listen 127.0.0.1:0

# --generate-missing-keys: the key made (ES256, mode 0600), and said.
mkdir "$tmp/gen"
cp "$top_srcdir/policies/"*.writ "$tmp/gen/"
if start_server gen --policy "$tmp/gen" --generate-missing-keys --watch; then
	checks=$((checks + 1))
	[ "$(stat -c %a "$tmp/gen/issuer.pem" 2>&1)" = 600 ] ||
		fail "--generate-missing-keys: the key's mode is $(stat -c %a "$tmp/gen/issuer.pem" 2>&1)"
	checks=$((checks + 1))
	[ "$(sed -n 1p "$log" | sed 's/^{"time":"[^"]*",//')" = \
		"\"event\":\"key_generated\",\"path\":\"$tmp/gen/issuer.pem\",\"alg\":\"ES256\",\"mode\":\"0600\"}" ] ||
		fail "--generate-missing-keys: the log begins $(sed -n 1p "$log")"
	if fetch_jwks "$tmp/gen.jwks"; then
		checks=$((checks + 1))
		grep -q '^{"keys":\[{"alg":"ES256","crv":"P-256","kid":"[^"]*","kty":"EC",' "$tmp/gen.jwks" ||
			fail "--generate-missing-keys: the key set is $(cat "$tmp/gen.jwks")"
	fi
	post "$form" -H "$basic"
	expect_token write:payment 600 "a token signed with the key made"
	expect_exit 0 "$WRIT" verify --jwks "$tmp/gen.jwks" --issuer "$iss" --audience "$aud" \
		--token-file "$tmp/tok"
	# The address is taken now.
	refused "writ serve: cannot listen on 127.0.0.1:$port: Address already in use" \
		--policy "$tmp/policy" --listen "127.0.0.1:$port"
fi

# --- The throttle: 3 failed authentications, then 429 for the minute. ---
if start_server thr --policy "$tmp/policy" --max-auth-failures 3 --timeout 1; then
	post "$form" -H "$basic"
	expect_token write:payment 600 "the right secret, before any failure"
	for i in 1 2 3; do
		post "$form" -H "Authorization: Basic $(printf '%s' cart-service:wrong-$i | base64)"
		expect_error 401 invalid_client "wrong secret $i of 3"
	done
	for secret in "$demo_secret" wrong-4; do
		post "$form" -H "Authorization: Basic $(printf '%s' "cart-service:$secret" | base64)"
		expect_error 429 too_many_requests "after 3 failures, secret $secret" || continue
		retry=$(header Retry-After)
		checks=$((checks + 1))
		case $retry in
		[1-9] | [1-5][0-9] | 60) ;;
		*) fail "after 3 failures: Retry-After is '$retry', not 1 to 60 seconds" ;;
		esac
	done
	# Only the token endpoint is throttled.
	http "$url/healthz"
	expect_status 200 "GET /healthz while throttled"
	if fetch_metrics; then
		expect_metric 'writ_http_requests_total{endpoint="token",outcome="invalid_client"}' 3 \
			"failed authentications"
		expect_metric 'writ_http_requests_total{endpoint="token",outcome="too_many_requests"}' 2 \
			"throttled requests"
		expect_metric 'writ_http_requests_total{endpoint="token",outcome="ok"}' 1 "tokens"
	fi

	# --- The read timeout (--timeout 1): half a request is dropped. ---
	if [ "$have_bash" = yes ]; then
		for half in 'POST /oidc/token HTTP/1.1\r\nHost: 127.0.0.1\r\n' 'POST /oidc/tok' ''; do
			start=$(date +%s)
			timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 3
				printf "$2" >&3
				cat <&3 >/dev/null' sh "$port" "$half"
			rc=$?
			took=$(($(date +%s) - start))
			checks=$((checks + 1))
			[ "$rc" -eq 0 ] && [ "$took" -le 5 ] ||
				fail "--timeout 1: a connection that sent '$half' was open ${took} s (exit $rc)"
		done
	else
		echo "note: no bash for /dev/tcp: the read timeout is not tested"
	fi
fi

# --- At most 2 connections from one address. ---
if [ "$have_bash" = yes ] && start_server lim --policy "$tmp/policy" --max-connections-per-address 2; then
	# hold N: open an idle connection held by a background process; its
	# id goes to $idle.
	idle=
	hold() {
		rm -f "$tmp/held"
		bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 3
			: >"$2"
			exec sleep 30' sh "$port" "$tmp/held" &
		idle="$idle $!"
		pids="$pids $!"
		_i=0
		while [ ! -e "$tmp/held" ] && [ "$_i" -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		checks=$((checks + 1))
		[ -e "$tmp/held" ] || fail "cannot open an idle connection to port $port"
		# Let the server take it in.
		sleep 0.2
	}
	hold
	post "$form" -H "$basic"
	expect_token write:payment 600 "a request beside one idle connection"
	hold
	http "$url/healthz"
	expect_status 000 "a third connection beside two idle ones"
	post "$form" -H "$basic"
	expect_status 000 "a token request beside two idle ones"
	for p in $idle; do
		kill_ours TERM "$p"
	done
	wait $idle 2>/dev/null
	_i=0
	code=
	while [ "$code" != 200 ] && [ "$_i" -lt 50 ]; do
		http "$url/healthz"
		_i=$((_i + 1))
		[ "$code" = 200 ] || sleep 0.1
	done
	expect_status 200 "a connection once the idle ones are closed"
fi

# --- SIGHUP under load: ≥ 360 requests, 5 reloads, all answered 200. ---
if start_server rel --policy "$tmp/policy"; then
	post "$form" -H "$basic"
	expect_token write:payment 600 "before the reloads"
	before=$(wc -l <"$tmp/rel.calls")
	jobs=
	for w in 1 2 3 4 5 6; do
		(
			out=$tmp/w$w
			n=0
			while [ "$n" -lt 60 ] || [ ! -e "$tmp/stop" ]; do
				post "$form" -H "$basic"
				n=$((n + 1))
			done
		) &
		jobs="$jobs $!"
		pids="$pids $!"
	done
	# Each reload is seen done before the next signal: signals that
	# arrive together are one.
	sent=0
	while [ "$sent" -lt 5 ]; do
		kill -HUP "$pid"
		sent=$((sent + 1))
		wait_log '"event":"reloaded"' "$sent" || break
		sleep 0.1
	done
	: >"$tmp/stop"
	wait $jobs
	tail -n "+$((before + 1))" "$tmp/rel.calls" >"$tmp/load.calls"
	n=$(wc -l <"$tmp/load.calls")
	checks=$((checks + 1))
	[ "$n" -ge 360 ] || fail "under load: only $n requests"
	checks=$((checks + 1))
	[ "$(grep -cvx '200 -' "$tmp/load.calls")" -eq 0 ] ||
		fail "under load: answers other than 200: $(grep -vx '200 -' "$tmp/load.calls" | sort | uniq -c)"
	checks=$((checks + 1))
	[ "$(count_log '"event":"reload","reason":"SIGHUP"}')" -eq 5 ] &&
		[ "$(count_log '"event":"reloaded","issuer":"https://auth\.example\.com/oidc","keys":1}')" -eq 5 ] ||
		fail "5 SIGHUP: the log says $(grep '"event":"reload' "$log")"
	if fetch_metrics; then
		expect_metric 'writ_policy_reloads_total{outcome="ok"}' 5 "reloads under load"
		expect_metric 'writ_policy_reloads_total{outcome="failed"}' 0 "failed reloads under load"
		expect_metric "writ_tokens_issued_total{client=\"cart-service\",resource=\"$aud\"}" \
			$((n + 1)) "tokens issued under load"
	fi

	# --- A reload that fails leaves the old policy serving. ---
	# The broken file also shortens the tokens: no part of it may count.
	cp "$tmp/policy/payment.writ" "$tmp/payment.good"
	sed 's/token-ttl   10m;/token-ttl   5m;/' "$tmp/payment.good" >"$tmp/payment.5m"
	checks=$((checks + 1))
	! cmp -s "$tmp/payment.good" "$tmp/payment.5m" || fail "cannot change the token-ttl"
	{
		cat "$tmp/payment.5m"
		printf 'role broken for apps {\n'
	} >"$tmp/policy/payment.writ"
	kill -HUP "$pid"
	checks=$((checks + 1))
	wait_log '"event":"reload_failed"' ||
		fail "a broken policy and SIGHUP: no reload_failed: $(tail -n 3 "$log")"
	checks=$((checks + 1))
	eof=$(wc -l <"$tmp/policy/payment.writ")
	count_log "\"event\":\"diagnostic\",\"message\":\"$tmp/policy/payment\.writ:$eof:23: error: unexpected end of file" \
		>/dev/null || fail "a broken policy: no diagnostic in the log: $(tail -n 4 "$log")"
	post "$form" -H "$basic"
	expect_token write:payment 600 "after a failed reload"
	if fetch_metrics; then
		expect_metric 'writ_policy_reloads_total{outcome="ok"}' 5 "after a failed reload"
		expect_metric 'writ_policy_reloads_total{outcome="failed"}' 1 "a failed reload"
	fi
	cp "$tmp/payment.5m" "$tmp/policy/payment.writ"
	kill -HUP "$pid"
	checks=$((checks + 1))
	wait_log '"event":"reloaded"' 6 || fail "the fixed policy and SIGHUP: no reload"
	post "$form" -H "$basic"
	expect_token write:payment 300 "the fixed policy"

	# --- Key rotation: B signs, A is still published. ---
	post "$form" -H "$basic"
	expect_token write:payment 300 "a token of key A"
	cp "$tmp/tok" "$tmp/t1"
	checks=$((checks + 1))
	[ "$(token_header "$(cat "$tmp/t1")")" = "{\"alg\":\"ES256\",\"kid\":\"$kid_a\",\"typ\":\"at+jwt\"}" ] ||
		fail "token of key A: header $(token_header "$(cat "$tmp/t1")")"
	"$WRIT" keygen --alg ES256 --out "$tmp/policy/b.pem" --jwks "$tmp/b.jwks" >/dev/null ||
		fail "keygen of key B failed"
	kid_b=$(kids "$tmp/b.jwks")
	sed 's/signing-key "issuer.pem" current;/signing-key "b.pem" current; signing-key "issuer.pem" previous;/' \
		"$tmp/policy/issuer.writ" >"$tmp/issuer.new"
	checks=$((checks + 1))
	grep -q '"b.pem" current; signing-key "issuer.pem" previous;' "$tmp/issuer.new" ||
		fail "cannot rotate the keys in $(cat "$tmp/policy/issuer.writ")"
	mv "$tmp/issuer.new" "$tmp/policy/issuer.writ"
	kill -HUP "$pid"
	checks=$((checks + 1))
	wait_log '"event":"reloaded","issuer":"https://auth\.example\.com/oidc","keys":2}' ||
		fail "rotation: no reload with 2 keys: $(tail -n 3 "$log")"
	if fetch_jwks "$tmp/ab.jwks"; then
		checks=$((checks + 1))
		[ "$(kids "$tmp/ab.jwks" | sort)" = "$(printf '%s\n' "$kid_a" "$kid_b" | sort)" ] ||
			fail "rotation: the key set's kids are $(kids "$tmp/ab.jwks"), not $kid_b and $kid_a"
		expect_exit 0 "$WRIT" verify --jwks "$tmp/ab.jwks" --issuer "$iss" --audience "$aud" \
			--scope write:payment --token-file "$tmp/t1"
		post "$form" -H "$basic"
		if expect_token write:payment 300 "a token after the rotation"; then
			checks=$((checks + 1))
			[ "$(token_header "$tok")" = "{\"alg\":\"ES256\",\"kid\":\"$kid_b\",\"typ\":\"at+jwt\"}" ] ||
				fail "a token after the rotation: header $(token_header "$tok")"
			expect_exit 0 "$WRIT" verify --jwks "$tmp/ab.jwks" --issuer "$iss" --audience "$aud" \
				--scope write:payment --token-file "$tmp/tok"
			# Key B's signature indeed: A's key set alone refuses it.
			expect_exit 1 "$WRIT" verify --jwks "$tmp/policy.jwks" --issuer "$iss" \
				--audience "$aud" --token-file "$tmp/tok"
			expect_exit 0 "$WRIT" verify --jwks "$tmp/b.jwks" --issuer "$iss" \
				--audience "$aud" --token-file "$tmp/tok"
		fi
	fi
	# The last reload with the server's log checked for secrets and tokens.
	for secret in "$demo_secret" "$(printf '%s' "$demo_basic" | tr -d =)"; do
		checks=$((checks + 1))
		! grep -Fq -- "$secret" "$log" || fail "the log holds the secret '$secret'"
	done
	checks=$((checks + 1))
	! grep -q 'eyJhbGciOi' "$log" || fail "the log holds something like a token"
fi

# --- --watch: a changed policy file is reloaded without a signal. ---
if [ -n "${gen_pid:-}" ]; then
	use gen
	sed 's/token-ttl   10m;/token-ttl   5m;/' "$tmp/gen/payment.writ" >"$tmp/gen.new"
	mv "$tmp/gen.new" "$tmp/gen/payment.writ"
	start=$(date +%s)
	checks=$((checks + 1))
	if wait_log '"event":"reloaded"'; then
		took=$(($(date +%s) - start))
		[ "$took" -le 5 ] || fail "--watch: the reload came after $took s"
	else
		fail "--watch: no reload after a change: $(tail -n 3 "$log")"
	fi
	checks=$((checks + 1))
	[ "$(count_log '"event":"reload","reason":"a watched file changed"}')" -eq 1 ] &&
		[ "$(count_log '"event":"reload"')" -eq 1 ] ||
		fail "--watch: reloads $(grep '"event":"reload"' "$log")"
	post "$form" -H "$basic"
	expect_token write:payment 300 "--watch: the changed policy"
	# SIGINT stops as SIGTERM does.
	stop_server INT
	checks=$((checks + 1))
	[ "$status" -eq 0 ] || fail "SIGINT: writ serve exited $status"
	checks=$((checks + 1))
	[ "$(tail -n 2 "$log" | sed 's/^{"time":"[^"]*",//')" = '"event":"stopping","signal":"SIGINT"}
"event":"stopped"}' ] || fail "SIGINT: the log ends with $(tail -n 2 "$log")"
fi

# --- Slow client authentication does not stall proven clients. ---
# slow-app's hash takes seconds (PBKDF2, 5,000,000 iterations; it matches
# nothing, so any secret is wrong and pays it all). Two wrong secrets for
# it keep both threads of client authentication busy; a proven client
# must meanwhile get its token from the HTTP threads, and the slow answers
# must still come (401).
copy_policy "$tmp/slow"
cat >>"$tmp/slow/payment.writ" <<'EOF'
app slow-app {
    secret "$pbkdf2-sha256$i=5000000$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
}
EOF
if start_server slow --policy "$tmp/slow" --threads 2 --max-auth-failures 0; then
	post "$form" -H "$basic"
	expect_status 200 "slow: the demo secret, proven once"
	slow_pids=
	for i in 1 2; do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 60 -H "$form_type" \
			-u slow-app:wrong --data-raw "$form" "$url/oidc/token" >"$tmp/slow.$i" &
		pids="$pids $!"
		slow_pids="$slow_pids $!"
	done
	sleep 0.5
	post "$form" -H "$basic"
	expect_status 200 "slow: a proven client while two slow hashes run"
	checks=$((checks + 1))
	[ ! -s "$tmp/slow.1" ] && [ ! -s "$tmp/slow.2" ] ||
		fail "slow: the proven client was answered only after the slow hashes: they hold the HTTP threads (unless PBKDF2 is very fast here)"
	for p in $slow_pids; do
		wait "$p"
	done
	checks=$((checks + 1))
	[ "$(cat "$tmp/slow.1" "$tmp/slow.2")" = "401
401" ] || fail "slow: the slow requests got $(cat "$tmp/slow.1" "$tmp/slow.2")"

	# --- An endless chunked body is cut off, not read for ever. ---
	if [ "$have_bash" = yes ]; then
		start=$(date +%s)
		timeout 20 bash -c 'trap "" PIPE; exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 3
			printf "POST /oidc/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n" >&3
			chunk=$(head -c 4096 /dev/zero | tr "\0" a)
			while printf "1000\r\n%s\r\n" "$chunk" >&3; do :; done 2>/dev/null
			exit 0' sh "$port"
		rc=$?
		took=$(($(date +%s) - start))
		checks=$((checks + 1))
		[ "$rc" -eq 0 ] && [ "$took" -le 10 ] ||
			fail "an endless chunked body was read for ${took} s (exit $rc)"
		checks=$((checks + 1))
		[ "$(count_log '"outcome":"payload_too_large"')" -eq 0 ] ||
			fail "the endless body was answered, not cut off"
	fi

	# --- Small chunks after the body went over the limit are cut off too:
	# a 10 KiB chunk, another that passes 16 KiB, then 1 KiB chunks
	# for ever (each of which alone would still fit). ---
	if [ "$have_bash" = yes ]; then
		start=$(date +%s)
		timeout 20 bash -c 'trap "" PIPE; exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 3
			printf "POST /oidc/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n" >&3
			big=$(head -c 10240 /dev/zero | tr "\0" a)
			small=$(head -c 1024 /dev/zero | tr "\0" a)
			printf "2800\r\n%s\r\n2800\r\n%s\r\n" "$big" "$big" >&3
			while printf "400\r\n%s\r\n" "$small" >&3; do :; done 2>/dev/null
			exit 0' sh "$port"
		rc=$?
		took=$(($(date +%s) - start))
		checks=$((checks + 1))
		[ "$rc" -eq 0 ] && [ "$took" -le 10 ] ||
			fail "small chunks after an oversized body were read for ${took} s (exit $rc)"
	fi

	# --- A stop does not wait for an idle keep-alive connection. ---
	if [ "$have_bash" = yes ]; then
		bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 3
			printf "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" >&3
			exec sleep 30' sh "$port" &
		pids="$pids $!"
		idle_pid=$!
		sleep 0.5
		start=$(date +%s)
		stop_server TERM
		took=$(($(date +%s) - start))
		kill "$idle_pid" 2>/dev/null
		checks=$((checks + 1))
		[ "$status" -eq 0 ] && [ "$took" -le 3 ] ||
			fail "SIGTERM with an idle keep-alive connection: exit $status after ${took} s"
	fi
fi

finish
