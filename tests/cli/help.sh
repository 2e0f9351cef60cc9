#!/bin/sh
# writ's help, version and top-level usage errors.
. "$top_srcdir/tests/cli/lib.sh"

main_usage='Usage: writ COMMAND [OPTION]... [ARG]...'
lint_usage='Usage: writ lint [--format FORMAT] [--werror] [--disable CODE]... [-q]'
grant_usage='Usage: writ grant --policy PATH (--client ID | --user ID)'

# The main help: the same text on stdout for --help, -h and help.
if expect_exit 0 "$WRIT" --help; then
	expect_first_line stdout "$main_usage"
	expect_output stderr ''
fi
save_output stdout help.txt
for form in -h help; do
	if expect_exit 0 "$WRIT" $form; then
		expect_same_output stdout "$tmp/help.txt"
		expect_output stderr ''
	fi
done
# It names every command with its summary.
for line in \
	'  lint         check policy files and report every error and warning' \
	'  grant        print the scopes a principal gets on resources' \
	'  verify       validate a JWT access token against a key set' \
	'  token        mint a signed access token offline through the grant API' \
	'  keygen       generate a signing key and its public key set' \
	'  hash-secret  hash an app secret for a policy' \
	'  explain      explain a grant or access decision, line by line' \
	'  diff         compare the effective permissions of two policy versions' \
	'  fmt          lay out policy files in the canonical layout' \
	"  compile      write a policy's decision table as a snapshot file" \
	'  help         show help for writ or for a command'
do
	checks=$((checks + 1))
	grep -Fxq -- "$line" "$tmp/help.txt" || fail "writ --help: no line '$line'"
done

# A command's help: writ help CMD, writ CMD --help and writ CMD -h agree.
for cmd in lint grant; do
	eval "usage=\$${cmd}_usage"
	if expect_exit 0 "$WRIT" help "$cmd"; then
		expect_first_line stdout "$usage"
		expect_output stderr ''
	fi
	save_output stdout "help-$cmd.txt"
	for form in --help -h; do
		if expect_exit 0 "$WRIT" "$cmd" "$form"; then
			expect_same_output stdout "$tmp/help-$cmd.txt"
			expect_output stderr ''
		fi
	done
done
# --help wins over other arguments, even invalid ones.
if expect_exit 0 "$WRIT" grant --bogus -h; then
	expect_same_output stdout "$tmp/help-grant.txt"
fi
if expect_exit 0 "$WRIT" help help; then
	expect_output stdout "Usage: writ help [COMMAND]

Show help for writ or for COMMAND."
	expect_output stderr ''
fi

# writ alone: the usage, on stderr, and exit 2.
if expect_exit 2 "$WRIT"; then
	expect_output stdout ''
	expect_same_output stderr "$tmp/help.txt"
fi

# Unknown commands and options are named.
if expect_exit 2 "$WRIT" frobnicate; then
	expect_output stdout ''
	expect_output stderr "writ: unknown command 'frobnicate'
Try 'writ help'."
fi
if expect_exit 2 "$WRIT" help frobnicate; then
	expect_output stdout ''
	expect_output stderr "writ: unknown command 'frobnicate'
Try 'writ help'."
fi
if expect_exit 2 "$WRIT" --frobnicate; then
	expect_output stdout ''
	expect_output stderr "writ: unknown option '--frobnicate'
Try 'writ help'."
fi
if expect_exit 2 "$WRIT" -x; then
	expect_output stdout ''
	expect_output stderr "writ: unknown option '-x'
Try 'writ help'."
fi
if expect_exit 2 "$WRIT" help lint grant; then
	expect_output stdout ''
	expect_output stderr "writ help: too many arguments
Usage: writ help [COMMAND]"
fi

# The version is the one configure was given.
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")
if [ -z "$version" ]; then
	fail "no PACKAGE_VERSION in $top_builddir/config.h"
else
	for form in --version -V; do
		if expect_exit 0 "$WRIT" $form; then
			expect_output stdout "writ $version"
			expect_output stderr ''
		fi
	done
fi

finish
