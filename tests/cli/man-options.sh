#!/bin/sh
# writ(1) documents every command that `writ --help` lists, each in a
# section of its own (.SS "writ COMMAND ..."), and every long option that
# `writ help COMMAND` lists is named in that section.
. "$top_srcdir/tests/cli/lib.sh"

# The page as text: \- written as -.
sed 's/\\-/-/g' "$top_srcdir/doc/writ.1" >page

expect_exit 0 "$WRIT" --help
save_output stdout usage
commands=$(awk '/^Commands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }' usage)
checks=$((checks + 1))
[ -n "$commands" ] || fail "writ --help lists no commands"

for option in --help --version; do
	checks=$((checks + 1))
	grep -q -e "$option" page || fail "writ(1) does not name writ $option"
done

for command in $commands; do
	# The command's section: from its .SS line to the next .SS or .SH.
	awk -v c="$command" '
		/^\.S[SH] / { on = index($0, ".SS \"writ " c " ") == 1 ||
		                   $0 == ".SS \"writ " c "\"" }
		on { print }
	' page >section
	checks=$((checks + 1))
	if [ ! -s section ]; then
		fail "writ(1) has no section .SS \"writ $command ...\""
		continue
	fi
	expect_exit 0 "$WRIT" help "$command" || continue
	for option in $(grep -o -e '--[a-z][a-z0-9-]*' "$run_stdout" | sort -u); do
		[ "$option" = --help ] && continue
		checks=$((checks + 1))
		grep -q -e "$option" section ||
			fail "writ(1), section writ $command, does not name $option"
	done
done
finish
