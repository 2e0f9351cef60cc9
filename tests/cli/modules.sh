#!/bin/sh
# Loadable modules through the real dlopen path of the writ program: the
# example module subject_prefix (examples/modules/subject_prefix.c: success
# when the token's subject starts with prefix=TEXT, else deny; it takes
# exactly one argument prefix=TEXT and serves access stacks only) in an
# access stack, explained for a token made with writ keygen and writ token;
# its argument checked by writ lint; unknown without --module-dir.
. "$top_srcdir/tests/cli/lib.sh"

moddir=$top_builddir/examples/modules/.libs
if [ ! -f "$moddir/subject_prefix.so" ]; then
	echo "ERROR: $moddir/subject_prefix.so is not built (make examples/modules/subject_prefix.la)" >&2
	exit 99
fi

iss=https://auth.example.com/oidc
aud=https://payment.example.com/api
now=1795392000

# The policy the token is minted from, with no loadable module in it.
cat >token.writ <<'POLICY'
issuer "https://auth.example.com/oidc" {
    token-ttl 1h;
}
resource "https://payment.example.com/api" {
    permission write:payment;
}
role checkout for apps { grant write:payment on "https://payment.example.com/api"; }
app cart-service { roles checkout; }
POLICY

# access_policy PREFIX-ARGUMENT: the same policy with an access stack on the
# payment resource; subject_prefix's argument starts on line 8, column 33.
access_policy() {
	cat <<POLICY
issuer "https://auth.example.com/oidc" {
    token-ttl 1h;
}
resource "https://payment.example.com/api" {
    permission write:payment;
    stack access {
        required scope write:payment;
        required subject_prefix $1;
    }
}
role checkout for apps { grant write:payment on "https://payment.example.com/api"; }
app cart-service { roles checkout; }
POLICY
}
access_policy prefix=cart- >cart.writ
access_policy prefix=svc- >svc.writ
access_policy suffix=cart- >bad.writ

if ! "$WRIT" keygen --alg ES256 --out key.pem --jwks jwks.json >keygen.out 2>&1; then
	cat keygen.out
	echo "ERROR: writ keygen failed" >&2
	exit 99
fi
if ! "$WRIT" token --policy token.writ --key key.pem --client cart-service --resource "$aud" \
	--scope write:payment --now "$now" >token 2>token.err; then
	cat token.err
	echo "ERROR: writ token failed" >&2
	exit 99
fi
tok=$(cat token)

# prefix=cart-: both lines say yes; allowed, exit 0.
if expect_exit 0 "$WRIT" explain --policy cart.writ --access --jwks jwks.json --issuer "$iss" \
	--resource "$aud" --now "$now" --module-dir "$moddir" "$tok"; then
	expect_output stdout "token for $aud:
  valid: sub cart-service, scope \"write:payment\"
  write:payment from role checkout
access stack:
  required scope write:payment: success -> ok (every required scope is granted)
  required subject_prefix prefix=cart-: success -> ok (the subject starts with cart-)
verdict: allow"
	expect_output stderr ''
fi

# prefix=svc-: the module says deny, required makes it bad; denied, exit 1.
if expect_exit 1 "$WRIT" explain --policy svc.writ --access --jwks jwks.json --issuer "$iss" \
	--resource "$aud" --now "$now" --module-dir "$moddir" "$tok"; then
	expect_output stdout "token for $aud:
  valid: sub cart-service, scope \"write:payment\"
  write:payment from role checkout
access stack:
  required scope write:payment: success -> ok (every required scope is granted)
  required subject_prefix prefix=svc-: deny -> bad (the subject does not start with svc-)
verdict: deny"
	expect_output stderr ''
fi

# The token read from a file (exactly as it is: no newline) gives the same
# decision.
printf '%s' "$tok" >token.raw
if expect_exit 0 "$WRIT" explain --policy cart.writ --access --jwks jwks.json --issuer "$iss" \
	--resource "$aud" --now "$now" --module-dir "$moddir" --token-file token.raw; then
	expect_first_line stdout "token for $aud:"
fi

# lint with the module directory: the cart policy is clean ...
if expect_exit 0 "$WRIT" lint --module-dir "$moddir" cart.writ; then
	expect_output stdout 'cart.writ: ok, 0 warnings (1 resource, 1 role, 1 app, 0 users)'
	expect_output stderr ''
fi
# ... and an argument the module refuses is E030 at that argument.
if expect_exit 1 "$WRIT" lint --module-dir "$moddir" bad.writ; then
	expect_output stdout 'bad.writ:8:33: error: subject_prefix: subject_prefix takes prefix=TEXT [E030]
    8 |         required subject_prefix suffix=cart-;
      |                                 ^~~~~~~~~~~~
bad.writ: 1 error, 0 warnings'
	expect_output stderr ''
fi

# Without --module-dir the module is looked for in the installed module
# directory, where it is not: unknown module, E031 at the module's name.
if expect_exit 1 "$WRIT" lint cart.writ; then
	expect_first_line stdout 'cart.writ:8:18: error: unknown module "subject_prefix" (no subject_prefix.so in the module directory) [E031]'
	expect_output stderr ''
fi
# A module directory without it: the same.
mkdir empty
if expect_exit 1 "$WRIT" lint --module-dir empty cart.writ; then
	expect_first_line stdout 'cart.writ:8:18: error: unknown module "subject_prefix" (no subject_prefix.so in the module directory) [E031]'
fi
# explain cannot load the policy then: exit 2, the error on stderr.
if expect_exit 2 "$WRIT" explain --policy cart.writ --access --jwks jwks.json --issuer "$iss" \
	--resource "$aud" --now "$now" "$tok"; then
	expect_output stdout ''
	expect_first_line stderr 'cart.writ:8:18: error: unknown module "subject_prefix" (no subject_prefix.so in the module directory) [E031]'
fi

# subject_prefix serves access stacks only.
cat >grant.writ <<'POLICY'
resource "https://payment.example.com/api" {
    permission write:payment;
}
role checkout for apps { grant write:payment on "https://payment.example.com/api"; }
app cart-service { roles checkout; }
stack grant {
    required rbac;
    required subject_prefix prefix=cart-;
}
POLICY
if expect_exit 1 "$WRIT" lint --module-dir "$moddir" grant.writ; then
	expect_first_line stdout 'grant.writ:8:14: error: module "subject_prefix" cannot stand in a grant stack [E030]'
fi

# A copy of the module that group members could replace is refused.
mkdir shared
cp "$moddir/subject_prefix.so" shared/
chmod 664 shared/subject_prefix.so
if expect_exit 1 "$WRIT" lint --module-dir shared cart.writ; then
	expect_first_line stdout "cart.writ:8:18: error: shared/subject_prefix.so is writable by group or others: refused [E031]"
fi
chmod 644 shared/subject_prefix.so
expect_exit 0 "$WRIT" lint --module-dir shared cart.writ

finish
