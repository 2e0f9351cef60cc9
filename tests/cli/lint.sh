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
