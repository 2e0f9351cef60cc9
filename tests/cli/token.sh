#!/bin/sh
# writ token: a compact JWS of three base64url segments whose header is
# {alg, kid, typ at+jwt} and whose claims are what the grant API gives;
# --ttl, --now, --kid; unknown app or resource (exit 1); unusable keys,
# policies and flags (exit 2).
. "$top_srcdir/tests/cli/lib.sh"

# The header and claims are decoded with `openssl base64`.
if ! command -v openssl >/dev/null 2>&1; then
	echo "SKIP: no openssl program to decode base64"
	exit 77
fi

policy=$top_srcdir/policies
iss=https://auth.example.com/oidc
aud=https://payment.example.com/api
now=1795392000

# b64url_decode SEGMENT: the bytes of one base64url segment, on stdout.
b64url_decode() {
	_s=$(printf '%s' "$1" | tr -- '-_' '+/')
	case $((${#_s} % 4)) in
	0) ;;
	2) _s="$_s==" ;;
	3) _s="$_s=" ;;
	*) echo "ERROR: '$1' is not base64url of any length" >&2; return 1 ;;
	esac
	printf '%s' "$_s" | openssl base64 -d -A
}

# token ARG...: writ token with the shipped policy for cart-service.
token() {
	"$WRIT" token --policy "$policy" --client cart-service "$@"
}

# check_token FILE ALG KID SIGLEN: FILE (a command's stdout) is one line, a
# compact JWS whose header is exactly {"alg":ALG,"kid":KID,"typ":"at+jwt"}
# and whose signature segment has SIGLEN characters. Sets $tok, $claims.
check_token() {
	checks=$((checks + 1))
	if [ "$(wc -l <"$1")" -ne 1 ] ||
		! grep -Exq '[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+' "$1"; then
		fail "$2: the output is not one line of three base64url segments: $(cat "$1")"
		tok='' claims=''
		return 1
	fi
	tok=$(cat "$1")
	_h=${tok%%.*}
	_rest=${tok#*.}
	_c=${_rest%%.*}
	_s=${_rest#*.}
	checks=$((checks + 1))
	_header=$(b64url_decode "$_h")
	[ "$_header" = "{\"alg\":\"$2\",\"kid\":\"$3\",\"typ\":\"at+jwt\"}" ] ||
		fail "$2: header is '$_header'"
	checks=$((checks + 1))
	[ "${#_s}" -eq "$4" ] || fail "$2: signature segment of ${#_s} characters, expected $4"
	claims=$(b64url_decode "$_c")
}

# The claims for --now $now, with the random jti put as JTI.
jti_free() {
	printf '%s' "$1" | sed 's/"jti":"[A-Za-z0-9_-]\{22\}"/"jti":"JTI"/'
}
expected_claims="{\"aud\":\"$aud\",\"client_id\":\"cart-service\",\"exp\":$((now + 600)),\"iat\":$now,\"iss\":\"$iss\",\"jti\":\"JTI\",\"scope\":\"write:payment\",\"sub\":\"cart-service\"}"

# --- Each alg: the token's shape, header and claims; verify accepts it. ---
# Signature segment lengths: 64, 96, 384 (3072-bit RSA), 64 octets.
for spec in ES256:86 ES384:128 RS256:512 EdDSA:86; do
	alg=${spec%%:*}
	siglen=${spec#*:}
	if ! "$WRIT" keygen --alg "$alg" --out "$alg.pem" --jwks "$alg.json" >keygen.out 2>&1; then
		cat keygen.out
		fail "keygen $alg failed"
		continue
	fi
	kid=$(sed 's/.*"kid":"\([^"]*\)".*/\1/' "$alg.json")
	if expect_exit 0 token --key "$alg.pem" --resource "$aud" --scope write:payment --now "$now"; then
		expect_output stderr ''
		if check_token "$run_stdout" "$alg" "$kid" "$siglen"; then
			checks=$((checks + 1))
			[ "$(jti_free "$claims")" = "$expected_claims" ] ||
				fail "$alg: claims are '$claims'"
			expect_exit 0 "$WRIT" verify --jwks "$alg.json" --issuer "$iss" --audience "$aud" \
				--now "$now" --alg "$alg" --scope write:payment "$tok"
		fi
	fi
done

# --- The claims: what the grant API grants. ---
# Unknown and ungranted scopes are dropped; the order is the resource's.
if expect_exit 0 token --key ES256.pem --resource "$aud" --now "$now" \
	--scope 'read:payment write:payment no:such'; then
	check_token "$run_stdout" ES256 "$(sed 's/.*"kid":"\([^"]*\)".*/\1/' ES256.json)" 86
	checks=$((checks + 1))
	[ "$(jti_free "$claims")" = "$expected_claims" ] || fail "downscoped claims are '$claims'"
fi
# Nothing granted: no scope claim at all. The store API has no token-ttl,
# so the issuer's 1h applies.
if expect_exit 0 token --key ES256.pem --resource https://api-1.store.io --now "$now" \
	--scope read:order; then
	check_token "$run_stdout" ES256 "$(sed 's/.*"kid":"\([^"]*\)".*/\1/' ES256.json)" 86
	checks=$((checks + 1))
	[ "$(jti_free "$claims")" = "{\"aud\":\"https://api-1.store.io\",\"client_id\":\"cart-service\",\"exp\":$((now + 3600)),\"iat\":$now,\"iss\":\"$iss\",\"jti\":\"JTI\",\"sub\":\"cart-service\"}" ] ||
		fail "claims without a grant are '$claims'"
fi
# Two tokens never share a jti.
token --key ES256.pem --resource "$aud" --now "$now" >t1 2>&1
token --key ES256.pem --resource "$aud" --now "$now" >t2 2>&1
checks=$((checks + 1))
[ "$(b64url_decode "$(cut -d. -f2 t1)")" != "$(b64url_decode "$(cut -d. -f2 t2)")" ] ||
	fail "two tokens have the same claims, jti included"

# --- --ttl and --now. ---
for ttl in 1 60 86400 2147483647; do
	if expect_exit 0 token --key EdDSA.pem --resource "$aud" --now "$now" --ttl "$ttl"; then
		check_token "$run_stdout" EdDSA "$(sed 's/.*"kid":"\([^"]*\)".*/\1/' EdDSA.json)" 86
		iat=$(printf '%s' "$claims" | sed -n 's/.*"iat":\([0-9]*\)[,}].*/\1/p')
		exp=$(printf '%s' "$claims" | sed -n 's/.*"exp":\([0-9]*\)[,}].*/\1/p')
		checks=$((checks + 1))
		[ "$iat" = "$now" ] && [ -n "$exp" ] && [ $((exp - iat)) -eq "$ttl" ] ||
			fail "--ttl $ttl: iat '$iat', exp '$exp' in $claims"
	fi
done
# A fractional --now is floored for iat.
if expect_exit 0 token --key EdDSA.pem --resource "$aud" --now "$now.75" --ttl 60; then
	check_token "$run_stdout" EdDSA "$(sed 's/.*"kid":"\([^"]*\)".*/\1/' EdDSA.json)" 86
	checks=$((checks + 1))
	case $claims in
	*"\"exp\":$((now + 60)),\"iat\":$now,"*) ;;
	*) fail "--now $now.75: claims are $claims" ;;
	esac
fi
# Without --now: iat is the clock's, exp - iat still the resource's 600.
before=$(date +%s)
if expect_exit 0 token --key EdDSA.pem --resource "$aud"; then
	after=$(date +%s)
	check_token "$run_stdout" EdDSA "$(sed 's/.*"kid":"\([^"]*\)".*/\1/' EdDSA.json)" 86
	iat=$(printf '%s' "$claims" | sed -n 's/.*"iat":\([0-9]*\)[,}].*/\1/p')
	exp=$(printf '%s' "$claims" | sed -n 's/.*"exp":\([0-9]*\)[,}].*/\1/p')
	checks=$((checks + 1))
	[ -n "$iat" ] && [ "$iat" -ge "$before" ] && [ "$iat" -le "$after" ] &&
		[ $((exp - iat)) -eq 600 ] || fail "no --now: iat '$iat', exp '$exp' ($before..$after)"
fi

# --- --kid: the header names it. ---
if expect_exit 0 token --key ES256.pem --kid key-2026-11 --resource "$aud" --now "$now"; then
	check_token "$run_stdout" ES256 key-2026-11 86
fi

# --- Unknown app or resource: exit 1. ---
failed() {
	_msg=$1
	shift
	if expect_exit 1 "$@"; then
		expect_output stdout ''
		expect_output stderr "writ token: $_msg"
	fi
}
failed 'no app "nobody" in the policy' \
	"$WRIT" token --policy "$policy" --key ES256.pem --client nobody --resource "$aud"
# A user is no app.
failed 'no app "alice" in the policy' \
	"$WRIT" token --policy "$policy" --key ES256.pem --client alice --resource "$aud"
failed 'no resource "https://nowhere.example.com" in the policy' \
	token --key ES256.pem --resource https://nowhere.example.com
failed "no resource \"$aud/\" in the policy" token --key ES256.pem --resource "$aud/"
failed 'no --resource given and the policy marks no default resource' token --key ES256.pem

# --- Keys that may not or cannot be used: exit 2. ---
config_error() {
	_msg=$1
	shift
	if expect_exit 2 "$@"; then
		expect_output stdout ''
		expect_output stderr "writ token: $_msg"
	fi
}
for mode in 644 640 604 660 606 700; do
	cp ES256.pem "key$mode.pem"
	chmod "$mode" "key$mode.pem"
	if [ "$mode" = 700 ]; then
		# Owner-only, executable or not, is allowed.
		expect_exit 0 token --key "key$mode.pem" --resource "$aud"
		continue
	fi
	config_error "key$mode.pem is accessible by group or others (mode 0$mode): chmod 600 it" \
		token --key "key$mode.pem" --resource "$aud"
done
cp ES256.pem key400.pem
chmod 400 key400.pem
expect_exit 0 token --key key400.pem --resource "$aud"
config_error 'cannot read no-such.pem: No such file or directory' \
	token --key no-such.pem --resource "$aud"
config_error '/dev/null is not a regular file' token --key /dev/null --resource "$aud"
printf 'not a key\n' >junk.pem
chmod 600 junk.pem
config_error 'junk.pem holds no PEM private key, or an encrypted one (writ takes unencrypted keys of mode 0600)' \
	token --key junk.pem --resource "$aud"
# The public key set is no private key.
chmod 600 ES256.json
config_error 'ES256.json holds no PEM private key, or an encrypted one (writ takes unencrypted keys of mode 0600)' \
	token --key ES256.json --resource "$aud"
# A key writ does not sign with: P-521.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.pem 2>/dev/null
chmod 600 p521.pem
config_error 'unsupported key: writ signs with P-256, P-384, RSA or Ed25519 keys' \
	token --key p521.pem --resource "$aud"
# An encrypted key is refused without asking for a pass phrase: the library
# never prints, and never reads standard input, even when it holds the
# right pass phrase.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-256-cbc \
	-pass pass:secret -out enc.pem 2>/dev/null
chmod 600 enc.pem
config_error 'enc.pem holds no PEM private key, or an encrypted one (writ takes unencrypted keys of mode 0600)' \
	timeout 20 "$WRIT" token --policy "$policy" --key enc.pem --client cart-service \
	--resource "$aud" </dev/null
printf 'secret\n' >passphrase
config_error 'enc.pem holds no PEM private key, or an encrypted one (writ takes unencrypted keys of mode 0600)' \
	timeout 20 "$WRIT" token --policy "$policy" --key enc.pem --client cart-service \
	--resource "$aud" <passphrase

# --- Malformed --scope: exit 2. ---
scope_msg="malformed --scope: scopes are separated by spaces and hold printable ASCII other than '\"' and '\\'"
config_error "$scope_msg" token --key ES256.pem --resource "$aud" --scope "write:payment${tab}read:payment"
config_error "$scope_msg" token --key ES256.pem --resource "$aud" --scope "write:payment${nl}"
config_error "$scope_msg" token --key ES256.pem --resource "$aud" --scope 'write:"payment"'

# --- Policies that cannot give a token: exit 2. ---
cat >errors.writ <<'POLICY'
issuer "https://auth.example.com/oidc" { token-ttl 1h; }

resource "https://a.example.com" {
    permission read:x;
}

role r for apps { grant nope on "https://a.example.com"; }

app a { roles r; }
POLICY
if expect_exit 2 "$WRIT" token --policy errors.writ --key ES256.pem --client a; then
	expect_output stdout ''
	checks=$((checks + 1))
	grep -q '^errors\.writ:7:25: error: .*\[E011\]$' "$run_stderr" ||
		fail "the policy's error is not shown: $(cat "$run_stderr")"
	checks=$((checks + 1))
	[ "$(sed -n '$p' "$run_stderr")" = 'writ token: cannot load the policy: the policy has errors' ] ||
		fail "last line of stderr: $(sed -n '$p' "$run_stderr")"
fi
cat >no-issuer.writ <<'POLICY'
resource "https://a.example.com" {
    permission read:x;
}

role r for apps { grant read:x on "https://a.example.com"; }

app a { roles r; }
POLICY
config_error 'the policy declares no issuer block, so a token has no iss' \
	"$WRIT" token --policy no-issuer.writ --key ES256.pem --client a
if expect_exit 2 "$WRIT" token --policy no-such.writ --key ES256.pem --client a; then
	expect_output stdout ''
	checks=$((checks + 1))
	[ "$(sed -n '$p' "$run_stderr")" = 'writ token: cannot load the policy: a policy file could not be read' ] ||
		fail "a missing policy: $(cat "$run_stderr")"
fi

# --- Usage errors: exit 2, the message and the hint. ---
usage_error() {
	_msg=$1
	shift
	if expect_exit 2 "$@"; then
		expect_output stdout ''
		expect_output stderr "writ token: $_msg
Try 'writ token --help'."
	fi
}
required='--policy, --key and --client are required'
usage_error "$required" "$WRIT" token --key ES256.pem --client cart-service
usage_error "$required" "$WRIT" token --policy "$policy" --client cart-service
usage_error "$required" "$WRIT" token --policy "$policy" --key ES256.pem
usage_error "$required" "$WRIT" token
for ttl in 0 -5 2147483648 10m abc ''; do
	usage_error "--ttl takes 1 to 2147483647 seconds, not '$ttl'" \
		token --key ES256.pem --resource "$aud" --ttl "$ttl"
done
for n in -1 soon inf nan ''; do
	usage_error "--now takes seconds since the epoch (0 to 2^53 - 2^32), not '$n'" \
		token --key ES256.pem --resource "$aud" --now "$n"
done
# An empty --kid is refused as `writ keygen` refuses it (not with whatever
# happens to be in an error buffer).
usage_error '--kid must not be empty' token --key ES256.pem --resource "$aud" --kid ''
usage_error "unexpected argument 'extra'" token --key ES256.pem --resource "$aud" extra
usage_error "unknown option '--frobnicate'" token --key ES256.pem --frobnicate
usage_error "option '--key' needs a value" token --key
if expect_exit 0 "$WRIT" token --help; then
	expect_first_line stdout 'Usage: writ token --policy PATH --key KEY.pem --client ID'
	expect_output stderr ''
fi

finish
