#!/bin/sh
# writ hash-secret: the secret read from standard input (one trailing
# newline or CRLF removed) gives a PHC string that lints clean as an app
# secret and, when python3 is there to recompute it, is the scrypt hash of
# exactly that secret; --generate prints a 43-character base64url secret
# and its hash; empty and over-long secrets, and usage errors, exit 2.
. "$top_srcdir/tests/cli/lib.sh"

b64='[A-Za-z0-9+/]'
phc_re="^\\\$scrypt\\\$ln=15,r=8,p=1\\\$$b64{22}\\\$$b64{43}\$"

if command -v python3 >/dev/null 2>&1 && python3 -c 'import hashlib; hashlib.scrypt' 2>/dev/null; then
	have_python=yes
else
	have_python=no
	echo "note: no python3 with hashlib.scrypt: hashes are not recomputed"
fi

# policy_with HASH: a policy file (app.writ) whose app holds HASH.
policy_with() {
	cat >app.writ <<EOF
resource "https://api.example.com" {
    permission read:thing "Read things";
}

role reader for apps {
    grant read:thing on "https://api.example.com";
}

app svc {
    secret "$1";
    roles  reader;
}
EOF
}

# lints_clean HASH: a policy holding HASH as an app secret lints clean.
lints_clean() {
	policy_with "$1"
	if expect_exit 0 "$WRIT" lint --werror app.writ; then
		expect_output stderr ''
	fi
}

# matches SECRET-FILE HASH: recompute the scrypt hash of the bytes of
# SECRET-FILE with HASH's parameters and salt, and compare (python3).
matches() {
	[ "$have_python" = yes ] || return 0
	checks=$((checks + 1))
	python3 - "$1" "$2" <<'EOF' || fail "the hash $2 does not match the secret in $1 ($(od -c "$1" | head -n 3))"
import base64, hashlib, sys
secret = open(sys.argv[1], "rb").read()
_, scheme, params, salt, want = sys.argv[2].split("$")
p = dict(kv.split("=") for kv in params.split(","))
b64 = lambda s: base64.b64decode(s + "=" * (-len(s) % 4))
got = hashlib.scrypt(secret, salt=b64(salt), n=2 ** int(p["ln"]), r=int(p["r"]),
                     p=int(p["p"]), dklen=len(b64(want)), maxmem=2 ** 26)
sys.exit(0 if scheme == "scrypt" and got == b64(want) else 1)
EOF
}

# hash_of INPUT-FILE EXPECTED-SECRET-FILE: hash-secret reads INPUT-FILE;
# its one line of output is a PHC string of the expected secret.
hash_of() {
	if expect_exit 0 "$WRIT" hash-secret <"$1"; then
		expect_output stderr ''
		checks=$((checks + 1))
		[ "$(wc -l <"$run_stdout")" -eq 1 ] || fail "hash-secret <$1: not one line of output"
		_phc=$(cat "$run_stdout")
		checks=$((checks + 1))
		printf '%s\n' "$_phc" | grep -Eq "$phc_re" ||
			fail "hash-secret <$1: '$_phc' is not an scrypt PHC string"
		lints_clean "$_phc"
		matches "$2" "$_phc"
	fi
}

# --- The secret as typed, with and without a newline. ---
printf 'demo-cart-secret' >plain.want
printf 'demo-cart-secret' >no-newline.in
printf 'demo-cart-secret\n' >newline.in
printf 'demo-cart-secret\r\n' >crlf.in
for input in no-newline newline crlf; do
	hash_of "$input.in" plain.want
done
# Only one newline goes: the rest is the secret.
printf 'demo-cart-secret\n\n' >two-newlines.in
printf 'demo-cart-secret\n' >two-newlines.want
hash_of two-newlines.in two-newlines.want
printf 'demo-cart-secret\r' >cr.in
hash_of cr.in cr.in
# Spaces, inner newlines and NUL bytes are kept.
printf ' pass phrase \nline two\000x' >odd.in
hash_of odd.in odd.in

# The demo secret with the shipped hash: recomputing checks the test itself.
matches plain.want '$scrypt$ln=15,r=8,p=1$EKVVomkmE0NRLbx5lmFlTw$Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06k4'

# A new salt each time: two hashes of one secret differ.
if expect_exit 0 "$WRIT" hash-secret <newline.in; then
	save_output stdout first
	if expect_exit 0 "$WRIT" hash-secret <newline.in; then
		checks=$((checks + 1))
		! cmp -s "$tmp/first" "$run_stdout" || fail "hash-secret gave the same hash twice"
	fi
fi

# 1024 bytes is the longest secret, newline or not.
head -c 1024 /dev/zero | tr '\0' 'k' >max.want
cp max.want max.in
hash_of max.in max.want
{ cat max.want; printf '\r\n'; } >max-crlf.in
hash_of max-crlf.in max.want

# --- --generate: two lines, a strong secret, and its hash. ---
secret=
if expect_exit 0 "$WRIT" hash-secret --generate </dev/null; then
	expect_output stderr ''
	save_output stdout generated
	checks=$((checks + 1))
	[ "$(wc -l <generated)" -eq 2 ] || fail "hash-secret --generate: not two lines: $(cat generated)"
	secret=$(sed -n 's/^secret: //p' generated)
	phc=$(sed -n 's/^hash: //p' generated)
	checks=$((checks + 1))
	[ "$(sed -n 1p generated)" = "secret: $secret" ] && [ "$(sed -n 2p generated)" = "hash: $phc" ] ||
		fail "hash-secret --generate: not 'secret: ...' then 'hash: ...': $(cat generated)"
	checks=$((checks + 1))
	printf '%s\n' "$secret" | grep -Eq '^[A-Za-z0-9_-]{43}$' ||
		fail "hash-secret --generate: the secret '$secret' is not 43 base64url characters"
	checks=$((checks + 1))
	printf '%s\n' "$phc" | grep -Eq "$phc_re" ||
		fail "hash-secret --generate: '$phc' is not an scrypt PHC string"
	lints_clean "$phc"
	printf '%s' "$secret" >generated.secret
	matches generated.secret "$phc"
	# Feeding the printed secret back hashes the same secret (new salt).
	printf '%s\n' "$secret" >generated.in
	hash_of generated.in generated.secret
fi
# Standard input is not read, nor needed.
if expect_exit 0 "$WRIT" hash-secret --generate <newline.in; then
	checks=$((checks + 1))
	! grep -q 'demo-cart-secret' "$run_stdout" || fail "hash-secret --generate read standard input"
	checks=$((checks + 1))
	[ "$(sed -n 's/^secret: //p' "$run_stdout")" != "$secret" ] ||
		fail "hash-secret --generate made the same secret twice"
fi
expect_exit 0 "$WRIT" hash-secret -g </dev/null

# --- Empty and over-long secrets: exit 2, nothing printed. ---
input_error() {
	_msg=$1
	if expect_exit 2 "$WRIT" hash-secret <"$2"; then
		expect_output stdout ''
		expect_output stderr "writ hash-secret: $_msg"
	fi
}
: >empty.in
printf '\n' >lf.in
printf '\r\n' >crlf-only.in
for f in empty.in lf.in crlf-only.in; do
	input_error 'the secret is empty' "$f"
done
{ cat max.want; printf 'k'; } >long.in
{ cat max.want; printf 'k\n'; } >long-lf.in
{ cat max.want; printf '\n\n'; } >long-2lf.in
head -c 100000 /dev/zero | tr '\0' 'k' >huge.in
for f in long.in long-lf.in long-2lf.in huge.in; do
	input_error 'the secret is longer than 1024 bytes' "$f"
done

# --- Usage errors. ---
usage_error() {
	_msg=$1
	shift
	if expect_exit 2 "$@" </dev/null; then
		expect_output stdout ''
		expect_output stderr "writ hash-secret: $_msg
Try 'writ hash-secret --help'."
	fi
}
usage_error "unexpected argument 'demo-cart-secret'" "$WRIT" hash-secret demo-cart-secret
usage_error "unknown option '--frobnicate'" "$WRIT" hash-secret --frobnicate
usage_error "unknown option '--generate=yes'" "$WRIT" hash-secret --generate=yes
if expect_exit 0 "$WRIT" hash-secret --help; then
	expect_first_line stdout 'Usage: writ hash-secret [--generate]'
	expect_output stderr ''
	checks=$((checks + 1))
	grep -q 'newline' "$run_stdout" || fail "hash-secret --help does not say the newline is removed"
fi
if expect_exit 0 "$WRIT" help hash-secret; then
	expect_first_line stdout 'Usage: writ hash-secret [--generate]'
fi

finish
