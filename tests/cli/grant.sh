#!/bin/sh
# writ grant: output format, unknown names, usage errors, default resource.
. "$top_srcdir/tests/cli/lib.sh"

cat >policy.writ <<'POLICY'
resource "https://api.example.com" {
    permission read:item;
    permission write:item;
    permission list:item;
    permission admin:item;
    default-scope list:item, read:item;
}

resource "https://other.example.com" {
    permission read:other;
}

role editor for users {
    grant read:item, write:item, list:item on "https://api.example.com";
}

role sync for apps {
    grant list:item on "https://api.example.com";
}

user ann { roles editor; }

user bob { name "Bob, no role"; }

app importer { roles sync; }
POLICY
api=https://api.example.com
other=https://other.example.com

# One line per resource: the indicator, a tab, the granted scopes separated
# by single spaces in the order the resource declares them.
if expect_exit 0 "$WRIT" grant --policy policy.writ --user ann --resource "$api" \
	--scope 'list:item  write:item read:item'; then
	expect_output stdout "$api${tab}read:item write:item list:item"
	expect_output stderr ''
fi
# Short options; repeated and surrounding spaces in the request.
if expect_exit 0 "$WRIT" grant -p policy.writ -u ann -r "$api" -s '  write:item write:item  '; then
	expect_output stdout "$api${tab}write:item"
fi
# Nothing granted: nothing after the tab.
if expect_exit 0 "$WRIT" grant -p policy.writ -u ann -r "$api" -s admin:item; then
	expect_output stdout "$api$tab"
	expect_output stderr ''
fi
if expect_exit 0 "$WRIT" grant -p policy.writ -u ann -r "$other" -s read:other; then
	expect_output stdout "$other$tab"
fi
if expect_exit 0 "$WRIT" grant -p policy.writ -u bob -r "$api" -s read:item; then
	expect_output stdout "$api$tab"
fi
# Unknown scopes are dropped, not errors.
if expect_exit 0 "$WRIT" grant -p policy.writ -c importer -r "$api" -s 'list:item read:item no:such'; then
	expect_output stdout "$api${tab}list:item"
fi
# Several resources: one line each, in the order given.
if expect_exit 0 "$WRIT" grant -p policy.writ -u ann -r "$other" -r "$api" -s 'read:item read:other'; then
	expect_output stdout "$other$tab$nl$api${tab}read:item"
fi
# Without --scope, the resource's default scopes are requested.
if expect_exit 0 "$WRIT" grant -p policy.writ -u ann -r "$api" -r "$other"; then
	expect_output stdout "$api${tab}read:item list:item$nl$other$tab"
fi

# Unknown app, user or resource: exit 1, a message on stderr.
if expect_exit 1 "$WRIT" grant -p policy.writ -c nobody -r "$api" -s read:item; then
	expect_output stdout ''
	expect_output stderr 'writ grant: no app "nobody" in the policy'
fi
# Apps and users are apart: a user is no app.
if expect_exit 1 "$WRIT" grant -p policy.writ -c ann -r "$api" -s read:item; then
	expect_output stdout ''
	expect_output stderr 'writ grant: no app "ann" in the policy'
fi
if expect_exit 1 "$WRIT" grant -p policy.writ -u nobody -r "$api" -s read:item; then
	expect_output stdout ''
	expect_output stderr 'writ grant: no user "nobody" in the policy'
fi
if expect_exit 1 "$WRIT" grant -p policy.writ -u ann -r "$api" -r https://nowhere.example.com -s read:item; then
	expect_output stdout ''
	expect_output stderr 'writ grant: no resource "https://nowhere.example.com" in the policy'
fi

# No --resource and no default resource.
if expect_exit 1 "$WRIT" grant -p policy.writ -u ann -s read:item; then
	expect_output stdout ''
	expect_output stderr 'writ grant: no --resource given and the policy marks no default resource'
fi
# With a default resource, it is the one used.
cat >with-default.writ <<'POLICY'
resource "https://api.example.com" {
    permission read:item;
    permission write:item;
}

resource "https://other.example.com" {
    default;
    permission read:other;
    permission write:other;
    default-scope write:other;
}

role editor for users {
    grant read:item, write:item on "https://api.example.com";
    grant read:other, write:other on "https://other.example.com";
}

user ann { roles editor; }
POLICY
if expect_exit 0 "$WRIT" grant -p with-default.writ -u ann -s 'read:item read:other'; then
	expect_output stdout "$other${tab}read:other"
	expect_output stderr ''
fi
if expect_exit 0 "$WRIT" grant -p with-default.writ -u ann; then
	expect_output stdout "$other${tab}write:other"
fi
if expect_exit 0 "$WRIT" grant -p with-default.writ -u ann -r "$api" -s 'read:item read:other'; then
	expect_output stdout "$api${tab}read:item"
fi

# Usage errors: exit 2, a message on stderr, nothing on stdout.
usage_error() {
	# usage_error MESSAGE CMD...
	msg=$1
	shift
	if expect_exit 2 "$@"; then
		expect_output stdout ''
		expect_output stderr "writ grant: $msg
Try 'writ grant --help'."
	fi
}
usage_error '--policy is required' "$WRIT" grant -u ann -r "$api"
usage_error '--client or --user is required' "$WRIT" grant -p policy.writ -r "$api"
usage_error 'give one --client or one --user' "$WRIT" grant -p policy.writ -c importer -u ann -r "$api"
usage_error 'give one --client or one --user' "$WRIT" grant -p policy.writ -u ann -u bob -r "$api"
usage_error 'give --scope once, with every scope separated by spaces' \
	"$WRIT" grant -p policy.writ -u ann -r "$api" -s read:item --scope write:item
usage_error "unexpected argument 'extra'" "$WRIT" grant -p policy.writ -u ann -r "$api" extra
usage_error "unknown option '--frobnicate'" "$WRIT" grant -p policy.writ -u ann --frobnicate
usage_error "option '--scope' needs a value" "$WRIT" grant -p policy.writ -u ann -r "$api" --scope
# A malformed scope (a tab is no separator): exit 2.
if expect_exit 2 "$WRIT" grant -p policy.writ -u ann -r "$api" -s "read:item${tab}write:item"; then
	expect_output stdout ''
	expect_output stderr "writ grant: malformed --scope: scopes are separated by spaces and hold printable ASCII other than '\"' and '\\'"
fi
if expect_exit 2 "$WRIT" grant -p policy.writ -u ann -r "$api" -s 'read:"item"'; then
	expect_output stdout ''
fi

# A policy with errors: exit 2, its errors (not its warnings) on stderr.
cat >broken.writ <<'POLICY'
resource "https://api.example.com" {
    permission read:item;
    permission unused:item;
}

role editor for users {
    grant read:item on "https://api.example.com";
}

user ann { roles editr; }
POLICY
if expect_exit 2 "$WRIT" grant -p broken.writ -u ann -r "$api" -s read:item; then
	expect_output stdout ''
	expect_output stderr 'broken.writ:10:18: error: unknown role "editr" [E010]
   10 | user ann { roles editr; }
      |                  ^~~~~
      = hint: did you mean "editor"?
writ grant: cannot load the policy: the policy has errors'
fi
# A policy that cannot be read: exit 2.
if expect_exit 2 "$WRIT" grant -p no-such.writ -u ann -r "$api"; then
	expect_output stdout ''
	expect_output stderr 'no-such.writ: error: cannot read no-such.writ: No such file or directory [E006]
writ grant: cannot load the policy: a policy file could not be read'
fi
# Several --policy options are one policy.
head -11 policy.writ >part1.writ
tail -n +12 policy.writ >part2.writ
if expect_exit 0 "$WRIT" grant -p part1.writ --policy part2.writ -u ann -r "$api" -s 'read:item'; then
	expect_output stdout "$api${tab}read:item"
fi

finish
