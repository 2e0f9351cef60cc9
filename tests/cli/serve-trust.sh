#!/bin/sh
# Trusted issuers through writ serve's /authz: a second writ serve is the
# other issuer, and the first trusts it by its JWKS URL. Its tokens are
# allowed beside the first's own; when it rotates to a new key, the first
# token naming the new kid makes the gateway fetch the key set again (after
# refresh-min, 10 s here), after which the token is allowed; made-up kids
# cause no more fetches than that; when the other issuer is down, its last
# good set is kept.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/serve-lib.sh"

other=https://other.example/oidc
form="grant_type=client_credentials&resource=$aud&scope=write:payment"

# The other issuer: the example policy under another identifier.
copy_policy "$tmp/other"
sed -i "s|issuer \"$iss\"|issuer \"$other\"|" "$tmp/other/issuer.writ"
grep -q "issuer \"$other\"" "$tmp/other/issuer.writ" || {
	echo "ERROR: cannot rename the other issuer" >&2
	exit 99
}

# authz TOKEN: ask the gateway about POST /payments with TOKEN.
authz() {
	http "$gw_url/authz?resource=$aud" -H "X-Original-Method: POST" \
		-H "X-Original-URI: /payments" -H "Authorization: Bearer $1"
}

# token_of SERVER: a token for cart-service from SERVER, in $tok.
token_of() {
	use "$1"
	post "$form" -H "$basic"
	expect_token write:payment 600 "a token from $1"
}

if start_server other --policy "$tmp/other"; then
	other_url=$url
	token_of other
	tok_other1=$tok

	copy_policy "$tmp/gw"
	cat >>"$tmp/gw/issuer.writ" <<EOF
trust "$other" {
    jwks "$other_url/oidc/jwks";
    refresh-min 10s;
}
EOF
	if start_server gw --policy "$tmp/gw"; then
		gw_url=$url
		checks=$((checks + 2))
		grep -q "\"event\":\"trusted_issuer\",\"issuer\":\"$iss\",\"keys\":1}" "$log" ||
			fail "no trusted_issuer line for the own issuer: $(cat "$log")"
		grep -q "\"event\":\"trusted_issuer\",\"issuer\":\"$other\",\"keys\":1}" "$log" ||
			fail "no trusted_issuer line for the other issuer: $(cat "$log")"

		authz "$tok_other1"
		expect_status 200 "the other issuer's token"
		expect_header X-Writ-Client cart-service "the other issuer's token"
		token_of gw
		authz "$tok"
		expect_status 200 "the gateway's own token"
		fetch_metrics
		expect_metric "writ_trusted_issuer_keys{issuer=\"$other\"}" 1 "keys of the other issuer"
		expect_metric "writ_jwks_fetches_total{issuer=\"$other\",outcome=\"ok\"}" 1 "one fetch at start"

		# A token of the right issuer signed with a key it never
		# published: refused, and no fetch happens before refresh-min.
		"$WRIT" keygen --alg ES256 --out "$tmp/rogue.pem" >/dev/null
		rogue=$("$WRIT" token --key "$tmp/rogue.pem" --policy "$tmp/other" \
			--client cart-service --resource "$aud" --scope write:payment 2>"$tmp/rogue.err")
		if [ -n "$rogue" ]; then
			authz "$rogue"
			expect_status 401 "a token signed with an unpublished key"
		fi

		# The other issuer rotates: a new current key, the old one
		# previous (still published).
		use other
		"$WRIT" keygen --alg ES256 --out "$tmp/other/new.pem" >/dev/null
		sed -i 's|signing-key "issuer.pem" current;|signing-key "issuer.pem" previous;\n    signing-key "new.pem" current;|' \
			"$tmp/other/issuer.writ"
		kill -HUP "$pid"
		wait_log '"event":"reloaded"' || fail "the other issuer did not reload: $(cat "$log")"
		token_of other
		tok_other2=$tok
		checks=$((checks + 1))
		[ "$(token_header "$tok_other2" | sed 's/.*"kid":"\([^"]*\)".*/\1/')" != \
			"$(token_header "$tok_other1" | sed 's/.*"kid":"\([^"]*\)".*/\1/')" ] ||
			fail "the rotated issuer still signs with its old kid"

		# The new kid is unknown until the refetch, which comes within
		# refresh-min of the start-up fetch.
		authz "$tok_other2"
		first=$code
		_i=0
		while [ "$code" != 200 ] && [ "$_i" -lt 150 ]; do
			sleep 0.1
			authz "$tok_other2"
			_i=$((_i + 1))
		done
		expect_status 200 "the rotated key's token, after the refetch"
		checks=$((checks + 1))
		[ "$first" = 401 ] || [ "$first" = 200 ] || fail "the rotated key's first answer: $first"
		# A made-up kid, many times: at most one more fetch.
		for _n in 1 2 3 4 5 6 7 8 9 10; do
			authz "eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6Im5vcGUifQ.e30.AAAA"
		done
		use gw
		fetch_metrics
		expect_metric "writ_trusted_issuer_keys{issuer=\"$other\"}" 2 "keys after the rotation"
		expect_metric "writ_jwks_fetches_total{issuer=\"$other\",outcome=\"ok\"}" 2 \
			"one refetch for the new kid, none for the made-up ones"

		# The other issuer goes away: its tokens still pass with the
		# last good set; the failed fetch is counted.
		use other
		stop_server TERM
		authz "$tok_other1"
		expect_status 200 "the old key's token, with the other issuer down"
		authz "eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6Im5vcGUyIn0.e30.AAAA"
		use gw
		_i=0
		while [ "$_i" -lt 150 ]; do
			fetch_metrics
			[ "$(metric "writ_jwks_fetches_total{issuer=\"$other\",outcome=\"failed\"}")" = 1 ] && break
			sleep 0.1
			_i=$((_i + 1))
		done
		expect_metric "writ_jwks_fetches_total{issuer=\"$other\",outcome=\"failed\"}" 1 \
			"a failed fetch while the other issuer is down"
		authz "$tok_other2"
		expect_status 200 "the new key's token, with the other issuer down"
		stop_server TERM
	fi
fi
finish
