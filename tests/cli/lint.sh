#!/bin/sh
# writ lint: exit statuses, output streams, --werror, -q, several PATHs.
. "$top_srcdir/tests/cli/lib.sh"

# The shipped example policy is clean.
if expect_exit 0 "$WRIT" lint "$top_srcdir/policies"; then
	expect_output stdout "$top_srcdir/policies: ok, 0 warnings (3 resources, 4 roles, 2 apps, 1 user)"
	expect_output stderr ''
fi
mkdir shipped
cp "$top_srcdir/policies/"*.writ shipped/
if expect_exit 0 "$WRIT" lint shipped/issuer.writ shipped/payment.writ shipped/store.writ; then
	expect_output stdout "shipped/issuer.writ shipped/payment.writ shipped/store.writ: ok, 0 warnings (3 resources, 4 roles, 2 apps, 1 user)"
fi
if expect_exit 0 "$WRIT" lint --werror shipped; then
	expect_output stdout "shipped: ok, 0 warnings (3 resources, 4 roles, 2 apps, 1 user)"
fi

# Warnings alone: exit 0, or 1 with --werror (-W); the output is the same.
cat >warn.writ <<'POLICY'
resource "https://api.example.com" {
    permission read:item;
    permission delete:item;
}

role reader for users {
    grant read:item on "https://api.example.com";
}

user ann { roles reader; }
POLICY
warn_out='warn.writ:3:16: warning: no role grants permission "delete:item" [W001]
    3 |     permission delete:item;
      |                ^~~~~~~~~~~
warn.writ: ok, 1 warning (1 resource, 1 role, 0 apps, 1 user)'
if expect_exit 0 "$WRIT" lint warn.writ; then
	expect_output stdout "$warn_out"
	expect_output stderr ''
fi
for opt in --werror -W; do
	if expect_exit 1 "$WRIT" lint $opt warn.writ; then
		expect_output stdout "$warn_out"
		expect_output stderr ''
	fi
done
# -q drops warnings and the summary, but --werror still counts them.
if expect_exit 0 "$WRIT" lint -q warn.writ; then
	expect_output stdout ''
	expect_output stderr ''
fi
if expect_exit 1 "$WRIT" lint -q --werror warn.writ; then
	expect_output stdout ''
	expect_output stderr ''
fi

# Errors: exit 1, every diagnostic on stdout, nothing on stderr.
cat >bad.writ <<'POLICY'
resource "https://api.example.com" {
    permission read:item;
    permission delete:item;
}

role reader for users {
    grant read:item on "https://api.example.com";
}

user ann { roles raeder; }
POLICY
bad_error='bad.writ:10:18: error: unknown role "raeder" [E010]
   10 | user ann { roles raeder; }
      |                  ^~~~~~
      = hint: did you mean "reader"?'
bad_warnings='bad.writ:3:16: warning: no role grants permission "delete:item" [W001]
    3 |     permission delete:item;
      |                ^~~~~~~~~~~
bad.writ:6:6: warning: role "reader" is given to no user [W002]
    6 | role reader for users {
      |      ^~~~~~'
if expect_exit 1 "$WRIT" lint bad.writ; then
	expect_output stdout "$bad_warnings$nl$bad_error${nl}bad.writ: 1 error, 2 warnings"
	expect_output stderr ''
fi
if expect_exit 1 "$WRIT" lint --werror bad.writ; then
	expect_output stdout "$bad_warnings$nl$bad_error${nl}bad.writ: 1 error, 2 warnings"
fi
for opt in -q --quiet; do
	if expect_exit 1 "$WRIT" lint $opt bad.writ; then
		expect_output stdout "$bad_error"
		expect_output stderr ''
	fi
done

# Several PATHs are one policy: names resolve across them.
cat >resources.writ <<'POLICY'
resource "https://api.example.com" {
    permission read:item;
}
POLICY
cat >people.writ <<'POLICY'
role reader for users {
    grant read:item on "https://api.example.com";
}

user ann { roles reader; }
POLICY
if expect_exit 0 "$WRIT" lint resources.writ people.writ; then
	expect_output stdout 'resources.writ people.writ: ok, 0 warnings (1 resource, 1 role, 0 apps, 1 user)'
	expect_output stderr ''
fi
if expect_exit 1 "$WRIT" lint people.writ; then
	expect_output stdout 'people.writ:2:24: error: unknown resource "https://api.example.com" [E010]
    2 |     grant read:item on "https://api.example.com";
      |                        ^~~~~~~~~~~~~~~~~~~~~~~~~
people.writ: 1 error, 0 warnings'
fi
# A directory PATH reads its *.writ files; other files are ignored.
mkdir dir
cp resources.writ people.writ dir/
echo 'not a policy' >dir/README
if expect_exit 0 "$WRIT" lint dir; then
	expect_output stdout 'dir: ok, 0 warnings (1 resource, 1 role, 0 apps, 1 user)'
fi
# Diagnostics of several files come file by file, each in line order.
cat >other.writ <<'POLICY'
app cart { roles nosuch; }
POLICY
other_error='other.writ:1:18: error: unknown role "nosuch" [E010]
    1 | app cart { roles nosuch; }
      |                  ^~~~~~'
if expect_exit 1 "$WRIT" lint other.writ bad.writ; then
	expect_output stdout "$other_error$nl$bad_warnings$nl$bad_error${nl}other.writ bad.writ: 2 errors, 2 warnings"
fi
if expect_exit 1 "$WRIT" lint bad.writ other.writ; then
	expect_output stdout "$bad_warnings$nl$bad_error$nl$other_error${nl}bad.writ other.writ: 2 errors, 2 warnings"
fi

# A PATH that cannot be read: exit 2, still reported on stdout.
if expect_exit 2 "$WRIT" lint no-such.writ; then
	expect_output stdout 'no-such.writ: error: cannot read no-such.writ: No such file or directory [E006]
no-such.writ: 1 error, 0 warnings'
	expect_output stderr ''
fi
if expect_exit 2 "$WRIT" lint resources.writ people.writ no-such-dir/; then
	expect_output stdout 'no-such-dir/: error: cannot read no-such-dir/: No such file or directory [E006]
resources.writ people.writ no-such-dir/: 1 error, 0 warnings'
fi

# W017: a signing key file that group or others may read or write; a mode
# cannot live in a fixture, so the file is made here. A key that does not
# exist yet draws nothing (writ serve can make it).
mkdir -p keys
cat >keys.writ <<'POLICY'
issuer "https://auth.example.com" {
    signing-key "keys/a.pem" current;
    signing-key "keys/b.pem" next;
}
POLICY
printf 'not read by lint\n' >keys/a.pem
chmod 640 keys/a.pem
if expect_exit 0 "$WRIT" lint keys.writ; then
	expect_output stdout 'keys.writ:2:17: warning: the signing key file is accessible by group or others (mode 0640) [W017]
    2 |     signing-key "keys/a.pem" current;
      |                 ^~~~~~~~~~~~
      = hint: chmod 600 the file: writ serve refuses to start with it
keys.writ: ok, 1 warning (0 resources, 0 roles, 0 apps, 0 users)'
fi
expect_exit 1 "$WRIT" lint --werror keys.writ
chmod 600 keys/a.pem
if expect_exit 0 "$WRIT" lint --werror keys.writ; then
	expect_output stdout 'keys.writ: ok, 0 warnings (0 resources, 0 roles, 0 apps, 0 users)'
fi

# Infos (W019, W020) are shown and counted apart; they never fail a run,
# not even with --werror; -q hides them; they are silenced like warnings.
cat >info.writ <<'POLICY'
resource "https://api.example.com" {
    permission read:item;
    permission audit:item;
    route GET "/items" requires read:item;
}
role reader for apps { grant read:item, audit:item on "https://api.example.com"; }
app importer { roles reader; }
POLICY
if expect_exit 0 "$WRIT" lint --werror info.writ; then
	expect_output stdout 'info.writ:3:16: info: no route of this resource requires permission "audit:item" [W019]
    3 |     permission audit:item;
      |                ^~~~~~~~~~
      = hint: a gateway never asks for it; the resource server may still check it itself
info.writ:7:5: info: app "importer" can be granted every permission of "https://api.example.com" [W020]
    7 | app importer { roles reader; }
      |     ^~~~~~~~
      = hint: check that it needs them all; a narrower role limits what a leaked secret can do
info.writ: ok, 0 warnings, 2 infos (1 resource, 1 role, 1 app, 0 users)'
fi
if expect_exit 0 "$WRIT" lint -q --werror info.writ; then
	expect_output stdout ''
fi
if expect_exit 0 "$WRIT" lint --disable W019 info.writ; then
	expect_first_line stdout 'info.writ:7:5: info: app "importer" can be granted every permission of "https://api.example.com" [W020]'
fi
if expect_exit 0 "$WRIT" lint --format github --werror info.writ; then
	expect_first_line stdout '::notice file=info.writ,line=3,col=16,endLine=3,endColumn=26,title=W019::no route of this resource requires permission "audit:item"%0Ahint: a gateway never asks for it; the resource server may still check it itself'
fi
if expect_exit 0 "$WRIT" lint --format json info.writ; then
	[ "$(grep -c '"severity": *"info"' "$run_stdout")" = 2 ] || fail "infos are not JSON severity info"
fi
if command -v jq >/dev/null 2>&1 && expect_exit 0 "$WRIT" lint --format sarif info.writ; then
	[ "$(jq -c '[.runs[0].results[].level, .runs[0].tool.driver.rules[].defaultConfiguration.level]' "$run_stdout")" = '["note","note","note","note"]' ] ||
		fail "infos are not SARIF notes"
fi
sed 's/^app importer { roles reader; }$/app importer { roles reader; }  # writ: ignore[W020]/' info.writ >info2.writ
if expect_exit 0 "$WRIT" lint --disable W019 info2.writ; then
	expect_output stdout 'info2.writ: ok, 0 warnings (1 resource, 1 role, 1 app, 0 users)'
fi

# Usage errors: exit 2, a message on stderr, nothing on stdout.
if expect_exit 2 "$WRIT" lint; then
	expect_output stdout ''
	expect_output stderr "writ lint: no PATH given
Try 'writ lint --help'."
fi
if expect_exit 2 "$WRIT" lint --werror; then
	expect_output stdout ''
	expect_output stderr "writ lint: no PATH given
Try 'writ lint --help'."
fi
if expect_exit 2 "$WRIT" lint --frobnicate warn.writ; then
	expect_output stdout ''
	expect_output stderr "writ lint: unknown option '--frobnicate'
Try 'writ lint --help'."
fi
if expect_exit 2 "$WRIT" lint -x warn.writ; then
	expect_output stdout ''
	expect_output stderr "writ lint: unknown option '-x'
Try 'writ lint --help'."
fi

finish
