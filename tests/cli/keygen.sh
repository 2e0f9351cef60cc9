#!/bin/sh
# writ keygen: a private key in a new file of mode 0600, never over an
# existing file; the public key set printed or written with --jwks, with
# kty/crv/alg/kid/use and no private member; --kid; usage errors; and the
# key set verifies a token `writ token` signs with the key.
. "$top_srcdir/tests/cli/lib.sh"

policy=$top_srcdir/policies
iss=https://auth.example.com/oidc
aud=https://payment.example.com/api
b64='[A-Za-z0-9_-]'

# member NAME FILE: the string value of the JSON member NAME in FILE (one
# line of compact JSON, as writ writes it).
member() {
	sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$2"
}

# thumbprint JSON: the RFC 7638 SHA-256 thumbprint of the required-members
# JSON given, in base64url (openssl does the hashing).
thumbprint() {
	printf '%s' "$1" | openssl dgst -sha256 -binary | openssl base64 -A |
		tr '+/' '-_' | tr -d '='
}
if command -v openssl >/dev/null 2>&1; then
	have_openssl=yes
else
	have_openssl=no
	echo "note: no openssl program: kid thumbprints are not recomputed"
fi

# The shape of each alg's key set, exactly, as an extended regular
# expression: members in sorted order, the public members at their full
# length, nothing else (no "d", "p", ...). $2 is the kid's pattern.
shape() {
	_o='\{' _c='\}' _lb='\[' _rb='\]'
	case $1 in
	ES256) printf '%s\n' "$_o\"keys\":$_lb$_o\"alg\":\"ES256\",\"crv\":\"P-256\",\"kid\":\"$2\",\"kty\":\"EC\",\"use\":\"sig\",\"x\":\"$b64{43}\",\"y\":\"$b64{43}\"$_c$_rb$_c" ;;
	ES384) printf '%s\n' "$_o\"keys\":$_lb$_o\"alg\":\"ES384\",\"crv\":\"P-384\",\"kid\":\"$2\",\"kty\":\"EC\",\"use\":\"sig\",\"x\":\"$b64{64}\",\"y\":\"$b64{64}\"$_c$_rb$_c" ;;
	# 3072-bit RSA: n is 384 octets, 512 characters.
	RS256) printf '%s\n' "$_o\"keys\":$_lb$_o\"alg\":\"RS256\",\"e\":\"AQAB\",\"kid\":\"$2\",\"kty\":\"RSA\",\"n\":\"$b64{512}\",\"use\":\"sig\"$_c$_rb$_c" ;;
	EdDSA) printf '%s\n' "$_o\"keys\":$_lb$_o\"alg\":\"EdDSA\",\"crv\":\"Ed25519\",\"kid\":\"$2\",\"kty\":\"OKP\",\"use\":\"sig\",\"x\":\"$b64{43}\"$_c$_rb$_c" ;;
	esac
}

# required ALG FILE: the RFC 7638 required members of the key in FILE.
required() {
	case $1 in
	ES256 | ES384) printf '{"crv":"%s","kty":"EC","x":"%s","y":"%s"}' \
		"$(member crv "$2")" "$(member x "$2")" "$(member y "$2")" ;;
	RS256) printf '{"e":"%s","kty":"RSA","n":"%s"}' "$(member e "$2")" "$(member n "$2")" ;;
	EdDSA) printf '{"crv":"Ed25519","kty":"OKP","x":"%s"}' "$(member x "$2")" ;;
	esac
}

# A token from the key, checked with the key set; ES384 is not among
# verify's default algs, so it needs --alg.
token_verifies() {
	_alg=$1 _key=$2 _jwks=$3
	if ! expect_exit 0 "$WRIT" token --policy "$policy" --key "$_key" --client cart-service \
		--resource "$aud" --scope write:payment; then
		return
	fi
	_tok=$(cat "$run_stdout")
	if [ "$_alg" = ES384 ]; then
		if expect_exit 1 "$WRIT" verify --jwks "$_jwks" --issuer "$iss" --audience "$aud" "$_tok"; then
			expect_output stderr 'writ verify: rejected: alg "ES384" is not allowed'
		fi
		set -- --alg ES384
	else
		set --
	fi
	if expect_exit 0 "$WRIT" verify --jwks "$_jwks" --issuer "$iss" --audience "$aud" \
		--scope write:payment "$@" "$_tok"; then
		expect_output stderr ''
	fi
}

for alg in ES256 ES384 RS256 EdDSA; do
	# --- Printed key set. ---
	if expect_exit 0 "$WRIT" keygen --alg "$alg" --out "$alg.pem"; then
		expect_output stderr ''
		save_output stdout "$alg.jwks"
		checks=$((checks + 1))
		[ "$(wc -l <"$alg.jwks")" -eq 1 ] || fail "keygen $alg: the key set is not one line"
		checks=$((checks + 1))
		grep -Exq "$(shape "$alg" "$b64{43}")" "$alg.jwks" ||
			fail "keygen $alg: the key set is not of the expected shape: $(cat "$alg.jwks")"
		checks=$((checks + 1))
		if grep -Eq '"(d|p|q|dp|dq|qi|oth|k)":' "$alg.jwks"; then
			fail "keygen $alg: the key set holds a private member: $(cat "$alg.jwks")"
		fi
		if [ "$have_openssl" = yes ]; then
			checks=$((checks + 1))
			want=$(thumbprint "$(required "$alg" "$alg.jwks")")
			[ "$(member kid "$alg.jwks")" = "$want" ] ||
				fail "keygen $alg: kid '$(member kid "$alg.jwks")' is not the RFC 7638 thumbprint '$want'"
		fi
	fi
	# The key file: PEM, mode 0600.
	checks=$((checks + 1))
	[ -f "$alg.pem" ] && [ "$(stat -c %a "$alg.pem")" = 600 ] ||
		fail "keygen $alg: $alg.pem is not a file of mode 600 ($(stat -c %a "$alg.pem" 2>&1))"
	checks=$((checks + 1))
	[ "$(sed -n 1p "$alg.pem")" = '-----BEGIN PRIVATE KEY-----' ] ||
		fail "keygen $alg: $alg.pem does not begin as a PEM private key"
	# The key set verifies a token signed with the key.
	token_verifies "$alg" "$alg.pem" "$alg.jwks"

	# --- Mode 0600 whatever the umask. ---
	if (umask 000 && "$WRIT" keygen --alg "$alg" --out "$alg-umask.pem" >/dev/null 2>&1); then
		checks=$((checks + 1))
		[ "$(stat -c %a "$alg-umask.pem")" = 600 ] ||
			fail "keygen $alg with umask 000: mode $(stat -c %a "$alg-umask.pem"), expected 600"
	else
		fail "keygen $alg with umask 000 failed"
	fi

	# --- --jwks FILE: written there, nothing printed. ---
	if expect_exit 0 "$WRIT" keygen --alg "$alg" --out "$alg-2.pem" --jwks "$alg-2.json"; then
		expect_output stdout ''
		expect_output stderr ''
		checks=$((checks + 1))
		grep -Exq "$(shape "$alg" "$b64{43}")" "$alg-2.json" ||
			fail "keygen $alg --jwks: the file is not a key set: $(cat "$alg-2.json" 2>&1)"
		checks=$((checks + 1))
		[ "$(stat -c %a "$alg-2.pem")" = 600 ] || fail "keygen $alg --jwks: key mode is not 600"
		# A new key each time.
		checks=$((checks + 1))
		[ "$(member kid "$alg-2.json")" != "$(member kid "$alg.jwks")" ] ||
			fail "keygen $alg: two runs made the same key"
		token_verifies "$alg" "$alg-2.pem" "$alg-2.json"
	fi

	# --- --kid: published as given, and writ token names it with --kid. ---
	if expect_exit 0 "$WRIT" keygen --alg "$alg" --out "$alg-kid.pem" --kid "signing-$alg-2026"; then
		save_output stdout "$alg-kid.jwks"
		checks=$((checks + 1))
		grep -Exq "$(shape "$alg" "signing-$alg-2026")" "$alg-kid.jwks" ||
			fail "keygen $alg --kid: $(cat "$alg-kid.jwks")"
		if expect_exit 0 "$WRIT" token --policy "$policy" --key "$alg-kid.pem" \
			--kid "signing-$alg-2026" --client cart-service --resource "$aud"; then
			tok=$(cat "$run_stdout")
			expect_exit 0 "$WRIT" verify --jwks "$alg-kid.jwks" --issuer "$iss" \
				--audience "$aud" --alg "$alg" "$tok"
		fi
	fi

	# --- An existing --out file is never replaced: exit 2, unchanged. ---
	printf 'precious\n' >"$alg-existing.pem"
	chmod 600 "$alg-existing.pem"
	cp "$alg-existing.pem" "$alg-existing.orig"
	if expect_exit 2 "$WRIT" keygen --alg "$alg" --out "$alg-existing.pem"; then
		expect_output stdout ''
		expect_output stderr "writ keygen: cannot create $alg-existing.pem: File exists"
	fi
	checks=$((checks + 1))
	cmp -s "$alg-existing.pem" "$alg-existing.orig" ||
		fail "keygen $alg: the existing key file was changed"
	# The key just made is not replaced by a second run either.
	cp "$alg.pem" "$alg.pem.orig"
	expect_exit 2 "$WRIT" keygen --alg "$alg" --out "$alg.pem"
	checks=$((checks + 1))
	cmp -s "$alg.pem" "$alg.pem.orig" || fail "keygen $alg: a second run changed $alg.pem"
done

# --- Links are not followed into a new file: O_EXCL refuses them. ---
ln -s target.pem link.pem
if expect_exit 2 "$WRIT" keygen --alg ES256 --out link.pem; then
	expect_output stdout ''
	expect_output stderr 'writ keygen: cannot create link.pem: File exists'
fi
checks=$((checks + 1))
[ ! -e target.pem ] || fail "keygen wrote through a symbolic link to target.pem"

# --- An existing --jwks file is not replaced either. ---
printf 'old key set\n' >keys.json
cp keys.json keys.json.orig
if expect_exit 2 "$WRIT" keygen --alg ES256 --out fresh.pem --jwks keys.json; then
	expect_output stdout ''
	expect_output stderr "writ keygen: keys.json exists: writ never overwrites it
Try 'writ keygen --help'."
fi
checks=$((checks + 1))
cmp -s keys.json keys.json.orig || fail "keygen replaced an existing --jwks file"
# A failed keygen leaves no private key whose public key went nowhere (a
# second run would then refuse, as fresh.pem exists).
checks=$((checks + 1))
[ ! -e fresh.pem ] ||
	fail "keygen exited 2 (the --jwks file exists) but left the new private key fresh.pem behind"

# --- A directory that does not exist: exit 2, nothing made. ---
if expect_exit 2 "$WRIT" keygen --alg ES256 --out no-such-dir/key.pem; then
	expect_output stdout ''
	expect_output stderr 'writ keygen: cannot create no-such-dir/key.pem: No such file or directory'
fi

# --- Usage errors: exit 2, the message and the hint, no file made. ---
usage_error() {
	_msg=$1
	shift
	if expect_exit 2 "$@"; then
		expect_output stdout ''
		expect_output stderr "writ keygen: $_msg
Try 'writ keygen --help'."
	fi
}
unknown='unknown algorithm: use ES256, ES384, RS256 or EdDSA'
for alg in HS256 none PS256 es256 ES512 Ed25519 RS384 ''; do
	usage_error "$unknown" "$WRIT" keygen --alg "$alg" --out unknown.pem
	checks=$((checks + 1))
	[ ! -e unknown.pem ] || { fail "keygen --alg '$alg' created unknown.pem"; rm -f unknown.pem; }
done
usage_error '--alg and --out are required' "$WRIT" keygen --alg ES256
usage_error '--alg and --out are required' "$WRIT" keygen --alg ES256 --jwks missing-out.json
checks=$((checks + 1))
[ ! -e missing-out.json ] || fail "keygen without --out wrote missing-out.json"
usage_error '--alg and --out are required' "$WRIT" keygen --out no-alg.pem
checks=$((checks + 1))
[ ! -e no-alg.pem ] || fail "keygen without --alg created no-alg.pem"
usage_error '--alg and --out are required' "$WRIT" keygen
usage_error '--kid must not be empty' "$WRIT" keygen --alg ES256 --out empty-kid.pem --kid ''
checks=$((checks + 1))
[ ! -e empty-kid.pem ] || fail "keygen --kid '' created empty-kid.pem"
usage_error "unexpected argument 'extra'" "$WRIT" keygen --alg ES256 --out extra.pem extra
usage_error "unknown option '--frobnicate'" "$WRIT" keygen --alg ES256 --out x.pem --frobnicate
usage_error "option '--out' needs a value" "$WRIT" keygen --alg ES256 --out
if expect_exit 0 "$WRIT" keygen --help; then
	expect_first_line stdout 'Usage: writ keygen --alg ES256|ES384|RS256|EdDSA --out KEY.pem'
	expect_output stderr ''
fi

finish
