#!/bin/sh
# SECURITY.md points into the code: each `FILE: NAME(), NAME()` names a
# file of the source tree and functions defined in it, `FILE` alone a file
# or directory, and a bare `NAME()` a function defined somewhere in src/ or
# grammar/. Every reference must still hold, so that the page cannot rot
# silently. The checker is first run on a page of wrong references, to
# show that it catches each kind.
. "$top_srcdir/tests/cli/lib.sh"

doc=$top_srcdir/SECURITY.md

# The inline code spans of a Markdown file, one per line, line breaks
# inside a span read as one space.
code_spans() {
	awk '
		{ text = text $0 " " }
		END {
			n = split(text, part, "`")
			for (i = 2; i <= n; i += 2) {
				s = part[i]
				gsub(/[ \t]+/, " ", s)
				sub(/^ /, "", s)
				sub(/ $/, "", s)
				print s
			}
		}
	' "$1"
}

# defined FILE NAME: FILE (a C source) defines the function NAME: a line
# that starts with its return type and NAME( or with NAME( itself, whose
# signature, maybe over several lines, is followed by a line "{".
defined() {
	awk -v name="$2" '
		BEGIN { start = "^([A-Za-z_][A-Za-z0-9_ \t*]*[ \t*])?" name "\\(" }
		pending {
			if ($0 == "{") { found = 1; exit }
			if ($0 ~ /;[ \t]*$/ || $0 ~ /^[^ \t]/)
				pending = 0
		}
		!pending && $0 ~ start {
			if ($0 ~ /\)[ \t]*\{[ \t]*$/) { found = 1; exit }
			if ($0 !~ /;[ \t]*$/)
				pending = 1
		}
		END { exit !found }
	' "$1"
}

# defined_anywhere NAME: a C source of src/ or grammar/ defines NAME.
defined_anywhere() {
	for _f in $(find "$top_srcdir/src" "$top_srcdir/grammar" -name '*.[cyl]' | sort); do
		defined "$_f" "$1" && return 0
	done
	return 1
}

# check_refs FILE: print one line per wrong reference of FILE; then
# "checked N" with the number of functions checked beside a file.
check_refs() {
	_n=0
	code_spans "$1" >"$tmp/.run/spans"
	while IFS= read -r span; do
		case $span in
		src/* | include/* | grammar/* | tests/* | doc/* | examples/* | build-aux/* | policies/* | bench/*)
			path=${span%%:*}
			case $path in
			*' '* | *..*)
				echo "malformed reference \`$span\`: write \`FILE: NAME(), NAME()\`"
				continue
				;;
			esac
			if [ ! -e "$top_srcdir/$path" ]; then
				echo "\`$span\`: no file $path"
				continue
			fi
			[ "$path" = "$span" ] && continue
			names=${span#"$path:"}
			if ! printf '%s\n' "$names" |
				grep -Eq '^ [A-Za-z_][A-Za-z0-9_]*\(\)(, [A-Za-z_][A-Za-z0-9_]*\(\))*$'; then
				echo "malformed reference \`$span\`: write \`FILE: NAME(), NAME()\`"
				continue
			fi
			for name in $(printf '%s\n' "$names" | tr -d ' ()' | tr ',' ' '); do
				_n=$((_n + 1))
				defined "$top_srcdir/$path" "$name" ||
					echo "\`$span\`: $path does not define $name()"
			done
			;;
		*)
			printf '%s\n' "$span" | grep -Eq '^[A-Za-z_][A-Za-z0-9_]*\(\)$' || continue
			name=${span%"()"}
			defined_anywhere "$name" || echo "\`$span\`: no C source defines $name()"
			;;
		esac
	done <"$tmp/.run/spans"
	echo "checked $_n"
}

# The checker against a page of wrong references: each is reported, and
# the right ones beside them are not.
cat >bad.md <<'EOF'
Right: `src/lib/jwt.c: writ_verify()`, `src/lib/jws.c: jws_verify(),
jws_alg_parse()`, `src/lib/path.h`, `tests/cli/`, `writ_check()`.

Wrong: `src/lib/no-such-file.c: writ_verify()`, `src/lib/jwt.c:
no_such_function()`, `src/lib/jwt.c: jws_verify()`, `include/writ.h:
writ_verify()`, `src/lib/jwt.c: writ_verify`, `src/lib/jwt.c writ_verify()`,
`src/lib/../lib/jwt.c`, `no_such_function()`.
EOF
check_refs bad.md >bad.out
cat >bad.expected <<'EOF'
`src/lib/no-such-file.c: writ_verify()`: no file src/lib/no-such-file.c
`src/lib/jwt.c: no_such_function()`: src/lib/jwt.c does not define no_such_function()
`src/lib/jwt.c: jws_verify()`: src/lib/jwt.c does not define jws_verify()
`include/writ.h: writ_verify()`: include/writ.h does not define writ_verify()
malformed reference `src/lib/jwt.c: writ_verify`: write `FILE: NAME(), NAME()`
malformed reference `src/lib/jwt.c writ_verify()`: write `FILE: NAME(), NAME()`
malformed reference `src/lib/../lib/jwt.c`: write `FILE: NAME(), NAME()`
`no_such_function()`: no C source defines no_such_function()
checked 6
EOF
checks=$((checks + 1))
if ! cmp -s bad.expected bad.out; then
	fail "the checker does not report the wrong references as it should (- expected, + actual):"
	diff -u bad.expected bad.out | sed '1,2d; s/^/    /'
fi

# SECURITY.md itself.
checks=$((checks + 1))
if [ ! -f "$doc" ]; then
	fail "no SECURITY.md at the top of the source tree"
	finish
fi
check_refs "$doc" >doc.out
grep -v '^checked ' doc.out >doc.problems
while IFS= read -r line; do
	checks=$((checks + 1))
	fail "SECURITY.md: $line"
done <doc.problems
# A page whose references the checker no longer sees would pass too: the
# page names some eighty functions beside their files.
count=$(sed -n 's/^checked //p' doc.out)
checks=$((checks + 1))
[ "${count:-0}" -ge 50 ] ||
	fail "SECURITY.md: only ${count:-0} functions checked beside their files, expected at least 50"
finish
