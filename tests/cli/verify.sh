#!/bin/sh
# writ verify: the token as argument, '-' or --token-file taken exactly as
# given; size limits that hold on endless input; the clock, leeway, alg
# list, issuer and audience; bad key sets; usage errors; and the rule that
# the exit status is always 0 (accepted), 1 (rejected) or 2 (usage or
# configuration), whatever the token.
. "$top_srcdir/tests/cli/lib.sh"

policy=$top_srcdir/policies
iss=https://auth.example.com/oidc
aud=https://payment.example.com/api
# A fixed issue time: 2026-11-23T00:00:00Z. The payment API's tokens live
# 600 s (its token-ttl 10m).
now=1795392000

if ! "$WRIT" keygen --alg ES256 --out key.pem --jwks jwks.json >keygen.out 2>&1 ||
	! tok=$("$WRIT" token --policy "$policy" --key key.pem --client cart-service \
		--resource "$aud" --scope write:payment --now "$now" 2>token.err); then
	echo "ERROR: cannot make a key and a token:" >&2
	cat keygen.out token.err >&2
	exit 99
fi
kid=$(sed 's/.*"kid":"\([^"]*\)".*/\1/' jwks.json)

# verify ARG...: writ verify with the key set, issuer and audience of the
# payment API, at the issue time unless --now is given again (the last wins).
verify() {
	"$WRIT" verify --jwks jwks.json --issuer "$iss" --audience "$aud" --now "$now" "$@"
}

# rejected REASON CMD...: exit 1, nothing on stdout, the reason on stderr.
rejected() {
	_reason=$1
	shift
	if expect_exit 1 "$@"; then
		expect_output stdout ''
		expect_output stderr "writ verify: rejected: $_reason"
	fi
}

# usage_error MESSAGE CMD...: exit 2 with the message and the hint.
usage_error() {
	_msg=$1
	shift
	if expect_exit 2 "$@"; then
		expect_output stdout ''
		expect_output stderr "writ verify: $_msg
Try 'writ verify --help'."
	fi
}

# config_error MESSAGE CMD...: exit 2 with the message alone.
config_error() {
	_msg=$1
	shift
	if expect_exit 2 "$@"; then
		expect_output stdout ''
		expect_output stderr "writ verify: $_msg"
	fi
}

# --- The seed scenario: cart-service may write payments, not read them. ---
if expect_exit 0 verify --scope write:payment "$tok"; then
	expect_output stdout ''
	expect_output stderr ''
fi
rejected 'insufficient scope: "read:payment" is not granted' verify --scope read:payment "$tok"
# Several --scope: every one must be held; the first missing is named.
rejected 'insufficient scope: "read:payment" is not granted' \
	verify --scope write:payment --scope read:payment "$tok"
# No --scope: any valid token passes.
expect_exit 0 verify "$tok"
# A --scope that is no scope-token (RFC 6749 section 3.3) is a usage error,
# as it is for `writ token` and `writ grant`: no token could hold it. It is
# not a rejection, and above all not one that names a scope the token has.
for bad in 'write:payment read:payment' '' 'write:payment ' "write:payment$tab" 'say"hi"'; do
	if expect_exit 2 verify --scope write:payment --scope "$bad" "$tok"; then
		expect_output stdout ''
		checks=$((checks + 1))
		grep -q 'rejected' "$run_stderr" &&
			fail "--scope '$bad': a usage error reported as a rejection: $(cat "$run_stderr")"
		checks=$((checks + 1))
		[ "$(sed -n '$p' "$run_stderr")" = "Try 'writ verify --help'." ] ||
			fail "--scope '$bad': no usage hint: $(cat "$run_stderr")"
	fi
done
# By the real clock: a token made now is valid now.
if tok_now=$("$WRIT" token --policy "$policy" --key key.pem --client cart-service \
	--resource "$aud" --scope write:payment); then
	expect_exit 0 "$WRIT" verify --jwks jwks.json --issuer "$iss" --audience "$aud" \
		--scope write:payment "$tok_now"
else
	fail "writ token without --now failed"
fi

# --- --print: the claims as compact JSON with sorted keys, one line. ---
if expect_exit 0 verify --print --scope write:payment "$tok"; then
	expect_output stderr ''
	save_output stdout claims.json
	jti=$(sed -n 's/.*"jti":"\([A-Za-z0-9_-]*\)".*/\1/p' claims.json)
	checks=$((checks + 1))
	# 16 random bytes in base64url.
	[ "${#jti}" -eq 22 ] || fail "--print: jti '$jti' is not 22 base64url characters"
	expect_output stdout "{\"aud\":\"$aud\",\"client_id\":\"cart-service\",\"exp\":$((now + 600)),\"iat\":$now,\"iss\":\"$iss\",\"jti\":\"$jti\",\"scope\":\"write:payment\",\"sub\":\"cart-service\"}"
	iat=$(sed -n 's/.*"iat":\([0-9]*\)[,}].*/\1/p' claims.json)
	exp=$(sed -n 's/.*"exp":\([0-9]*\)[,}].*/\1/p' claims.json)
	checks=$((checks + 1))
	[ -n "$iat" ] && [ -n "$exp" ] && [ $((exp - iat)) -eq 600 ] ||
		fail "--print: exp - iat is not 600 (iat '$iat', exp '$exp')"
fi
# Nothing is printed for a rejected token.
rejected 'insufficient scope: "read:payment" is not granted' \
	verify --print --scope read:payment "$tok"

# --- Where the token comes from: argument, '-', --token-file. ---
printf '%s' "$tok" >tok.raw
echo "$tok" >tok.nl
printf '%s\r\n' "$tok" >tok.crlf
printf ' %s' "$tok" >tok.space
if expect_exit 0 verify --scope write:payment - <tok.raw; then
	expect_output stdout ''
	expect_output stderr ''
fi
# echo adds a newline, which is not trimmed: it is not base64url.
rejected 'signature: a character outside the base64url alphabet' verify - <tok.nl
rejected 'signature: a character outside the base64url alphabet' verify - <tok.crlf
rejected 'header: a character outside the base64url alphabet' verify - <tok.space
if expect_exit 0 verify --scope write:payment --token-file tok.raw; then
	expect_output stderr ''
fi
expect_exit 0 verify -f tok.raw
rejected 'signature: a character outside the base64url alphabet' verify --token-file tok.nl
# Through a pipe, as the help text puts it: printf '%s' works, echo not.
printf '%s' "$tok" | verify --scope write:payment - >pipe.out 2>&1
pipe_status=$?
checks=$((checks + 1))
[ "$pipe_status" -eq 0 ] && [ ! -s pipe.out ] ||
	fail "printf '%s' TOKEN | writ verify -: exit $pipe_status, output '$(cat pipe.out)'"
echo "$tok" | verify - >pipe.out 2>&1
pipe_status=$?
checks=$((checks + 1))
[ "$pipe_status" -eq 1 ] &&
	[ "$(cat pipe.out)" = 'writ verify: rejected: signature: a character outside the base64url alphabet' ] ||
	fail "echo TOKEN | writ verify -: exit $pipe_status, output '$(cat pipe.out)'"
# --token-file that cannot be read: a usage error.
config_error 'cannot read no-such-file: No such file or directory' \
	verify --token-file no-such-file
mkdir a-dir
config_error 'cannot read the token' verify --token-file a-dir

# --- Length: 64 KiB at most, decided without reading everything. ---
# 1 MiB on standard input: rejected after 65537 bytes, without hanging.
dd if=/dev/zero bs=1024 count=1024 2>/dev/null | tr '\000' A >big
checks=$((checks + 1))
[ "$(wc -c <big)" -eq 1048576 ] || fail "could not make a 1 MiB file"
rejected 'token is longer than 65536 bytes' timeout 20 "$WRIT" verify --jwks jwks.json \
	--issuer "$iss" --audience "$aud" - <big
rejected 'token is longer than 65536 bytes' timeout 20 "$WRIT" verify --jwks jwks.json \
	--issuer "$iss" --audience "$aud" --token-file big
# Endless input: /dev/zero on standard input and as the token file.
rejected 'token is longer than 65536 bytes' timeout 20 "$WRIT" verify --jwks jwks.json \
	--issuer "$iss" --audience "$aud" - </dev/zero
rejected 'token is longer than 65536 bytes' timeout 20 "$WRIT" verify --jwks jwks.json \
	--issuer "$iss" --audience "$aud" --token-file /dev/zero
# The boundary: 65536 bytes are read and judged (here: no dots), 65537 are
# too long.
head -c 65536 big >b65536
head -c 65537 big >b65537
rejected 'not three dot-separated segments' timeout 20 "$WRIT" verify --jwks jwks.json \
	--issuer "$iss" --audience "$aud" - <b65536
rejected 'token is longer than 65536 bytes' timeout 20 "$WRIT" verify --jwks jwks.json \
	--issuer "$iss" --audience "$aud" - <b65537
# As an argument the library says it, with the length.
rejected 'token of 65537 bytes is longer than 65536' verify "$(cat b65537)"

# --- Garbage and empty tokens. ---
printf '\001\002\377.\200\000.\033[0m' >garbage1
rejected 'header: a character outside the base64url alphabet' verify - <garbage1
printf '\377\376\375\374\373\372' >garbage2
rejected 'not three dot-separated segments' verify - <garbage2
printf 'a.b.c\000d' >garbage3
rejected 'header: a length that no byte string encodes to' verify - <garbage3
# A NUL inside the token read from standard input is a byte like any other:
# here the signature's, after the token's own.
{ printf '%s' "$tok"; printf '\000A'; } >with-nul
rejected 'signature: a character outside the base64url alphabet' verify - <with-nul
: >empty
rejected 'not three dot-separated segments' verify - <empty
rejected 'not three dot-separated segments' verify --token-file empty
rejected 'not three dot-separated segments' verify ''
rejected 'empty segment' verify '..'

# --- The clock: iat, exp and --leeway. ---
# Issued one second in the future.
rejected 'issued in the future (iat)' verify --now $((now - 1)) "$tok"
expect_exit 0 verify --now $((now - 1)) --leeway 1 "$tok"
# exp is the first instant the token is invalid.
expect_exit 0 verify --now $((now + 599)) "$tok"
expect_exit 0 verify --now "$((now + 599)).5" "$tok"
rejected 'expired' verify --now $((now + 600)) "$tok"
rejected 'expired' verify --now $((now + 600)) --leeway 0 "$tok"
rejected 'expired' verify --now $((now + 86400)) "$tok"
# Leeway 300: five minutes either way, and not one second more.
expect_exit 0 verify --now $((now + 899)) --leeway 300 "$tok"
rejected 'expired' verify --now $((now + 900)) --leeway 300 "$tok"
expect_exit 0 verify --now $((now - 300)) --leeway 300 "$tok"
rejected 'issued in the future (iat)' verify --now $((now - 301)) --leeway 300 "$tok"
usage_error "--leeway takes whole seconds from 0 to 300, not '301'" verify --leeway 301 "$tok"
usage_error "--leeway takes whole seconds from 0 to 300, not '-1'" verify --leeway -1 "$tok"
usage_error "--leeway takes whole seconds from 0 to 300, not '1.5'" verify --leeway 1.5 "$tok"
usage_error "--leeway takes whole seconds from 0 to 300, not 'soon'" verify --leeway soon "$tok"
usage_error "--now takes seconds since the epoch, not 'yesterday'" verify --now yesterday "$tok"
usage_error "--now takes seconds since the epoch, not 'inf'" verify --now inf "$tok"
usage_error "--now takes seconds since the epoch, not 'nan'" verify --now nan "$tok"

# --- --alg: the allowlist. ---
expect_exit 0 verify --alg ES256 "$tok"
expect_exit 0 verify --alg RS256,ES256 "$tok"
rejected 'alg "ES256" is not allowed' verify --alg RS256 "$tok"
rejected 'alg "ES256" is not allowed' verify --alg RS256,EdDSA,ES384,PS256 "$tok"
for alg in HS256 none es256 'ES256,' ',ES256' 'ES256,,RS256' '' 'ES256 ' RSA; do
	usage_error_alg="--alg: '$alg' is not a comma-separated list of ES256, ES384, RS256, PS256, EdDSA"
	config_error "$usage_error_alg" verify --alg "$alg" "$tok"
done

# --- Issuer and audience: byte for byte. ---
rejected 'token is from another issuer' verify --issuer https://evil.example.com/oidc "$tok"
rejected 'token is from another issuer' verify --issuer "$iss/" "$tok"
rejected 'token is from another issuer' verify --issuer https://AUTH.example.com/oidc "$tok"
rejected 'token is for another audience' verify --audience https://orders.example.com/api "$tok"
rejected 'token is for another audience' verify --audience "$aud/" "$tok"
rejected 'token is for another audience' verify --audience https://payment.example.com "$tok"
config_error '--issuer and --audience must not be empty' verify --issuer '' "$tok"
config_error '--issuer and --audience must not be empty' verify --audience '' "$tok"

# --- Key sets that cannot be used: exit 2, the problem named. ---
config_error 'cannot read no-such.json: No such file or directory' \
	"$WRIT" verify --jwks no-such.json --issuer "$iss" --audience "$aud" "$tok"
cp jwks.json unreadable.json
chmod 000 unreadable.json
if [ -r unreadable.json ]; then
	# Only root can read a mode 000 file; the missing file above is the
	# unreadable case then.
	echo "note: running with privileges that read a mode 000 file"
else
	config_error 'cannot read unreadable.json: Permission denied' \
		"$WRIT" verify --jwks unreadable.json --issuer "$iss" --audience "$aud" "$tok"
fi
printf 'not json\n' >notjson.json
if expect_exit 2 "$WRIT" verify --jwks notjson.json --issuer "$iss" --audience "$aud" "$tok"; then
	expect_output stdout ''
	checks=$((checks + 1))
	case $(cat "$run_stderr") in
	"writ verify: notjson.json: malformed JSON: "*) ;;
	*) fail "a key set that is not JSON: stderr is '$(cat "$run_stderr")'" ;;
	esac
fi
: >empty.json
config_error 'empty.json: empty JSON' \
	"$WRIT" verify --jwks empty.json --issuer "$iss" --audience "$aud" "$tok"
printf '[]' >array.json
config_error 'array.json: JSON is not an object' \
	"$WRIT" verify --jwks array.json --issuer "$iss" --audience "$aud" "$tok"
printf '{"keys":{}}' >nokeys.json
config_error 'nokeys.json: a JWKS is an object with a "keys" array' \
	"$WRIT" verify --jwks nokeys.json --issuer "$iss" --audience "$aud" "$tok"
# A private member: the key set is refused, not the member ignored.
sed 's/"kty":/"d":"AAAA","kty":/' jwks.json >private.json
config_error "private.json: key \"$kid\": holds the private member \"d\": publish public keys only" \
	"$WRIT" verify --jwks private.json --issuer "$iss" --audience "$aud" "$tok"
# The same key twice: one kid must name one key.
key=$(sed 's/^{"keys":\[\(.*\)\]}$/\1/' jwks.json)
printf '{"keys":[%s,%s]}\n' "$key" "$key" >dup.json
config_error "dup.json: key \"$kid\": has the same kid as an earlier key" \
	"$WRIT" verify --jwks dup.json --issuer "$iss" --audience "$aud" "$tok"
# A key set over 1 MiB is not read.
{ printf '{"keys":[],"pad":"'; cat big; printf '"}'; } >huge.json
config_error 'cannot read huge.json: larger than 1 MiB' \
	"$WRIT" verify --jwks huge.json --issuer "$iss" --audience "$aud" "$tok"
# A key set without the token's key: the token is rejected (exit 1).
"$WRIT" keygen --alg ES256 --out other.pem --jwks other.json >/dev/null 2>&1 ||
	fail "keygen of a second key failed"
rejected "unknown kid \"$kid\"" \
	"$WRIT" verify --jwks other.json --issuer "$iss" --audience "$aud" --now "$now" "$tok"
# Another key's signature under this key's kid: a bad signature.
if forged=$("$WRIT" token --policy "$policy" --key other.pem --kid "$kid" --client cart-service \
	--resource "$aud" --scope write:payment --now "$now"); then
	rejected 'signature does not verify' verify "$forged"
else
	fail "writ token with other.pem failed"
fi
# The same key under the other key's kid: the kid in the token decides.
other_kid=$(sed 's/.*"kid":"\([^"]*\)".*/\1/' other.json)
sed "s/\"kid\":\"$kid\"/\"kid\":\"$other_kid\"/" jwks.json >renamed.json
rejected "unknown kid \"$kid\"" \
	"$WRIT" verify --jwks renamed.json --issuer "$iss" --audience "$aud" --now "$now" "$tok"

# --- Usage errors. ---
usage_error '--jwks, --issuer and --audience are required' \
	"$WRIT" verify --issuer "$iss" --audience "$aud" "$tok"
usage_error '--jwks, --issuer and --audience are required' \
	"$WRIT" verify --jwks jwks.json --audience "$aud" "$tok"
usage_error '--jwks, --issuer and --audience are required' \
	"$WRIT" verify --jwks jwks.json --issuer "$iss" "$tok"
usage_error '--jwks, --issuer and --audience are required' "$WRIT" verify "$tok"
usage_error 'give the token as an argument or with --token-file, not both' \
	verify --token-file tok.raw "$tok"
usage_error 'give the token as an argument or with --token-file, not both' \
	verify --token-file tok.raw - <tok.raw
usage_error 'give exactly one token' verify "$tok" "$tok"
usage_error 'give exactly one token' verify - - <tok.raw
usage_error 'no token given' verify
usage_error "unknown option '--frobnicate'" verify --frobnicate "$tok"
usage_error "unknown option '-x'" verify -x "$tok"
usage_error "option '--jwks' needs a value" "$WRIT" verify --issuer "$iss" --audience "$aud" --jwks
usage_error "option '--scope' needs a value" verify "--scope"
if expect_exit 0 "$WRIT" verify --help; then
	expect_first_line stdout 'Usage: writ verify --jwks FILE --issuer ISS --audience AUD [--scope S]...'
	expect_output stderr ''
fi

# --- No other exit status: 1 for every mangled token, never a crash. ---
h=${tok%%.*}
rest=${tok#*.}
c=${rest%%.*}
s=${rest#*.}
: >mangled
# Truncated at every length of the first 60 bytes.
i=1
while [ "$i" -le 60 ]; do
	printf '%s\n' "$tok" | cut -c "1-$i" >>mangled
	i=$((i + 1))
done
# Segments swapped, dropped, doubled, emptied.
for m in "$h.$s.$c" "$c.$h.$s" "$c.$s.$h" "$s.$h.$c" "$s.$c.$h" "$h.$h.$s" \
	"$h.$c.$c" "$h.$c" "$c.$s" "$h.$c.$s.$s" "$h.$c.$s." ".$h.$c.$s" "$h..$s" \
	".$c.$s" "$h.$c." "$h.$c.$s.$h.$c.$s" "$h$c.$s" "$h.$c$s" "$h$c$s" "$h..$c.$s" \
	"$h.$c..$s" "$h.$c.${s}A" "$h.$c.${s%?}" "${h}A.$c.$s" "$h.${c}A.$s" \
	"$h=.$c.$s" "$h.$c=.$s" "$h.$c.$s=" "$h.$c.$s==" "A$h.$c.$s" "$h.A$c.$s" \
	"$h.$c.A$s" "$h.$c.$h" "$h.$h.$h" "..." "...." "$h" "$s" \
	"$(printf '%s' "$h" | tr 'A-Za-z' 'N-ZA-Mn-za-m').$c.$s" \
	"$h.$(printf '%s' "$c" | tr 'A-Za-z' 'N-ZA-Mn-za-m').$s" \
	"$h.$c.$(printf '%s' "$s" | tr 'A-Za-z' 'N-ZA-Mn-za-m')" \
	"$(printf '%s' "$h" | tr -- '-_' '+/').$c.$s" \
	"$h.$c.$(printf '%s' "$s" | tr -- '-_' '+/')"; do
	# A mangling that happens to change nothing (no '-' to turn into
	# '+', say) is no mangled token.
	[ "$m" = "$tok" ] || printf '%s\n' "$m" >>mangled
done
# The dots removed, one by one and all.
printf '%s\n' "$tok" | sed 's/\./X/' >>mangled
printf '%s\n' "$tok" | sed 's/\./X/2' >>mangled
printf '%s\n' "$tok" | tr -d . >>mangled
n=$(wc -l <mangled)
checks=$((checks + 1))
[ "$n" -ge 100 ] || fail "only $n mangled tokens"
while IFS= read -r m; do
	# "--": a mangled token may begin with '-' (a signature can).
	run timeout 20 "$WRIT" verify --jwks jwks.json --issuer "$iss" --audience "$aud" \
		--now "$now" -- "$m"
	checks=$((checks + 1))
	case $status in
	0 | 1 | 2) ;;
	*) fail "mangled token '$m': exit status $status, not 0, 1 or 2"; continue ;;
	esac
	checks=$((checks + 1))
	if [ "$status" -ne 1 ]; then
		fail "mangled token '$m': exit status $status, expected 1 (rejected)"
		sed 's/^/    /' "$run_stderr"
		continue
	fi
	checks=$((checks + 1))
	case $(cat "$run_stderr") in
	"writ verify: rejected: "*) ;;
	*) fail "mangled token '$m': stderr is '$(cat "$run_stderr")'" ;;
	esac
	# The same bytes on standard input are judged the same way.
	printf '%s' "$m" >m.raw
	_arg_stderr=$(cat "$run_stderr")
	run timeout 20 "$WRIT" verify --jwks jwks.json --issuer "$iss" --audience "$aud" \
		--now "$now" - <m.raw
	checks=$((checks + 1))
	[ "$status" -eq 1 ] && [ "$(cat "$run_stderr")" = "$_arg_stderr" ] ||
		fail "mangled token '$m' on stdin: exit $status, stderr '$(cat "$run_stderr")'"
done <mangled
# The unmangled token still passes, so the loop above tested rejection.
expect_exit 0 verify "$tok"

finish
