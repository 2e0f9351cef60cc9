#!/bin/sh
# writ explain: for a grant, each stack line with what it put into the grant
# (+) or took out (-), the granted scopes with the roles that give them, and
# each dropped scope with its reason (not declared, not held, taken out by
# which line, never put in); for a token, whether this policy's roles give
# each of its scopes, and with --path the whole gateway decision: the
# route, the access stack, the status and challenge.
. "$top_srcdir/tests/cli/lib.sh"

moddir=$top_builddir/examples/modules/.libs
if [ ! -f "$moddir/scope_drop.so" ]; then
	echo "ERROR: $moddir/scope_drop.so is not built (make examples/modules/scope_drop.la)" >&2
	exit 99
fi
api=https://payment.example.com/api
iss=https://auth.example.com/oidc
now=1795392000

# --- Grants on the example policy ---

# Granted with its role; a scope held by no role of the app, an undeclared
# one, and a repeated one (reported once).
if expect_exit 0 "$WRIT" explain --policy "$top_srcdir/policies" --client cart-service \
	--resource "$api" --scope "write:payment read:payment foo read:payment"; then
	expect_output stdout "grant stack for $api, app cart-service:
  required rbac (built-in default): success -> ok (requested scopes the resource declares and the roles hold)
      + write:payment
verdict: allow
granted:
  write:payment from role checkout
dropped:
  read:payment: no role of app cart-service grants it
  foo: $api declares no such permission"
	expect_output stderr ''
fi

# Nothing requested: the resource's default scope is what is asked for.
cat >grants.writ <<POLICY
issuer "$iss" { token-ttl 1h; }
resource "$api" {
    permission read:payment;
    permission write:payment;
    permission refund:payment;
    default-scope read:payment, write:payment;
}
role reader for apps { grant read:payment on "$api"; }
role writer for apps { grant read:payment, write:payment on "$api"; }
role refunder for users { grant refund:payment on "$api"; }
app both { roles reader, writer; }
user ann { roles refunder; }
POLICY
if expect_exit 0 "$WRIT" explain --policy grants.writ --client both --resource "$api"; then
	expect_output stdout "grant stack for $api, app both:
  required rbac (built-in default): success -> ok (requested scopes the resource declares and the roles hold)
      + read:payment write:payment
verdict: allow
granted:
  read:payment from role reader, role writer
  write:payment from role writer"
fi

# A user, granted nothing: every scope dropped, still allowed (exit 0).
if expect_exit 0 "$WRIT" explain --policy grants.writ --user ann --resource "$api" \
	--scope "read:payment"; then
	expect_output stdout "grant stack for $api, user ann:
  required rbac (built-in default): success -> ok (requested scopes the resource declares and the roles hold)
verdict: allow
granted: nothing
dropped:
  read:payment: no role of user ann grants it"
fi

# --- A grant stack whose module takes scopes out ---

cat >drop.writ <<POLICY
resource "$api" {
    permission read:payment;
    permission write:payment;
    permission refund:payment;
    stack grant {
        required rbac;
        optional scope_drop scopes=refund:payment,write:payment;
    }
}
role all for apps { grant read:payment, write:payment, refund:payment on "$api"; }
app ops { roles all; }
POLICY
if expect_exit 0 "$WRIT" explain --policy drop.writ --module-dir "$moddir" --client ops \
	--resource "$api" --scope "write:payment read:payment refund:payment"; then
	expect_output stdout "grant stack for $api, app ops:
  required rbac: success -> ok (requested scopes the resource declares and the roles hold)
      + read:payment write:payment refund:payment
  optional scope_drop scopes=refund:payment,write:payment: success -> ok (took out refund:payment write:payment)
      - write:payment refund:payment
verdict: allow
granted:
  read:payment from role all
dropped:
  write:payment: taken out by stack line 2, optional scope_drop scopes=refund:payment,write:payment
  refund:payment: taken out by stack line 2, optional scope_drop scopes=refund:payment,write:payment"
fi
# writ grant agrees.
expect_exit 0 "$WRIT" grant --policy drop.writ --module-dir "$moddir" --client ops \
	--resource "$api" --scope "write:payment read:payment refund:payment" &&
	expect_output stdout "$api	read:payment"

# A stack that allows before rbac runs: held scopes never put in.
cat >early.writ <<POLICY
resource "$api" {
    permission read:payment;
    stack grant {
        sufficient permit;
        required rbac;
    }
}
role reader for apps { grant read:payment on "$api"; }
app job { roles reader; }
POLICY
if expect_exit 0 "$WRIT" explain --policy early.writ --client job --resource "$api" \
	--scope read:payment 2>/dev/null; then
	expect_output stdout "grant stack for $api, app job:
  sufficient permit: success -> done (always)
verdict: allow
granted: nothing
dropped:
  read:payment: held, but no rbac line ran, and only rbac puts scopes into a grant"
fi

# A stack that denies: nothing granted, exit 1.
cat >net.writ <<POLICY
resource "$api" {
    permission read:payment;
    stack grant {
        required rbac;
        requisite network allow=10.0.0.0/8;
    }
}
role reader for apps { grant read:payment on "$api"; }
app job { roles reader; }
POLICY
if expect_exit 1 "$WRIT" explain --policy net.writ --client job --resource "$api" \
	--scope read:payment --peer 192.0.2.1; then
	expect_output stdout "grant stack for $api, app job:
  required rbac: success -> ok (requested scopes the resource declares and the roles hold)
      + read:payment
  requisite network allow=10.0.0.0/8: deny -> die (192.0.2.1 is outside the allowed networks)
verdict: deny
granted: nothing, the grant stack denies"
fi

# --- Access decisions ---

if ! "$WRIT" keygen --alg ES256 --out key.pem --jwks jwks.json >keygen.out 2>&1; then
	cat keygen.out
	echo "ERROR: writ keygen failed" >&2
	exit 99
fi
cat >gw.writ <<POLICY
issuer "$iss" { token-ttl 1h; }
resource "$api" {
    permission read:payment;
    permission write:payment;
    route POST "/payments"      requires write:payment;
    route GET  "/payments/{id}" requires read:payment;
}
role checkout for apps { grant write:payment on "$api"; }
role reader for apps { grant read:payment on "$api"; }
app cart-service { roles checkout, reader; }
POLICY
if ! "$WRIT" token --policy gw.writ --key key.pem --client cart-service --resource "$api" \
	--scope "write:payment read:payment" --now "$now" >token 2>token.err; then
	cat token.err
	echo "ERROR: writ token failed" >&2
	exit 99
fi
tok=$(cat token)
# The policy as it is now: the app lost its reader role since the token was
# issued, and read:payment is no longer declared on the second policy.
sed 's/roles checkout, reader;/roles checkout;/' gw.writ >now.writ

explain_access() { # POLICY ARGS...
	p=$1
	shift
	"$WRIT" explain --policy "$p" --access --jwks jwks.json --issuer "$iss" --resource "$api" \
		--now "$now" "$@"
}

# Allowed by its route; each scope of the token with the role that gives it.
if expect_exit 0 explain_access gw.writ --method POST --path /payments "$tok"; then
	expect_output stdout "token for $api:
  valid: sub cart-service, scope \"read:payment write:payment\"
  read:payment from role reader
  write:payment from role checkout
route POST \"/payments\" requires write:payment
access stack:
  required scope (built-in default): success -> ok (every scope the route requires is granted)
verdict: allow (200)"
	expect_output stderr ''
fi

# The policy changed since: the token still carries read:payment, which no
# role of the app gives any more; the route decides on the token.
if expect_exit 0 explain_access now.writ --method GET --path /payments/42 "$tok"; then
	expect_output stdout "token for $api:
  valid: sub cart-service, scope \"read:payment write:payment\"
  read:payment: no role of app cart-service grants it in this policy
  write:payment from role checkout
route GET \"/payments/{id}\" requires read:payment
access stack:
  required scope (built-in default): success -> ok (every scope the route requires is granted)
verdict: allow (200)"
fi

# A token without the route's scope: 403 insufficient_scope, the challenge.
"$WRIT" token --policy gw.writ --key key.pem --client cart-service --resource "$api" \
	--scope write:payment --now "$now" >token2 2>token.err || fail "writ token failed"
if expect_exit 1 explain_access gw.writ --path /payments/42 "$(cat token2)"; then
	expect_output stdout "token for $api:
  valid: sub cart-service, scope \"write:payment\"
  write:payment from role checkout
route GET \"/payments/{id}\" requires read:payment
access stack:
  required scope (built-in default): deny -> bad (insufficient scope: read:payment is not granted)
verdict: deny (403 insufficient_scope: insufficient scope: read:payment is not granted)
WWW-Authenticate: Bearer realm=\"$api\", error=\"insufficient_scope\", error_description=\"insufficient scope: read:payment is not granted\", scope=\"read:payment\""
fi

# No route for the request: refused before any stack runs.
if expect_exit 1 explain_access gw.writ --method DELETE --path /payments/42 "$tok"; then
	expect_output stdout "token for $api:
  valid: sub cart-service, scope \"read:payment write:payment\"
  read:payment from role reader
  write:payment from role checkout
route: none matches DELETE /payments/42 (unrouted deny)
verdict: deny (403 insufficient_scope: no route of this resource allows DELETE /payments/42)
WWW-Authenticate: Bearer realm=\"$api\", error=\"insufficient_scope\", error_description=\"no route of this resource allows DELETE /payments/42\""
fi

# A path the gateway refuses: 400, no route line.
if expect_exit 1 explain_access gw.writ --method GET --path /payments%2F42 "$tok"; then
	save_output stdout refused.out
	grep -q '^route' refused.out && fail "a refused path printed a route line"
	grep -q '^verdict: deny (400 invalid_request: the request path is refused: ' refused.out ||
		fail "a refused path did not give 400 invalid_request"
fi

# Without --path: the access stack alone, with no route to require anything.
if expect_exit 0 explain_access gw.writ "$tok"; then
	expect_output stdout "token for $api:
  valid: sub cart-service, scope \"read:payment write:payment\"
  read:payment from role reader
  write:payment from role checkout
access stack:
  required scope (built-in default): success -> ok (nothing required)
verdict: allow"
fi

# A token this policy's app list no longer knows.
sed 's/app cart-service/app other/' gw.writ >gone.writ
if expect_exit 0 explain_access gone.writ --method POST --path /payments "$tok"; then
	expect_output stdout "token for $api:
  valid: sub cart-service, scope \"read:payment write:payment\"
  read:payment: app cart-service is not in this policy
  write:payment: app cart-service is not in this policy
route POST \"/payments\" requires write:payment
access stack:
  required scope (built-in default): success -> ok (every scope the route requires is granted)
verdict: allow (200)"
fi

# A rejected token: its reason, deny, no stack.
if expect_exit 1 "$WRIT" explain --policy gw.writ --access --jwks jwks.json --issuer "$iss" \
	--resource "$api" --now $((now + 7200)) --path /payments "$tok"; then
	expect_output stdout "token for $api:
  rejected: expired
verdict: deny"
fi

finish
