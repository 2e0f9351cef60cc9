#!/bin/sh
# libwrit(3) documents the whole of writ.h, and its EXAMPLE is a program
# that builds against writ.h and libwrit.so alone and prints what the page
# says it prints.
. "$top_srcdir/tests/cli/lib.sh"

page=$top_srcdir/doc/libwrit.3
header=$top_srcdir/include/writ.h

# Every function writ.h declares is named in the page.
names=$(grep -o 'writ_[a-z_]*(' "$header" | tr -d '(' | sort -u)
[ -n "$names" ] || fail "no function names found in writ.h"
for name in $names; do
	checks=$((checks + 1))
	grep -qw "$name" "$page" || fail "libwrit(3) does not mention $name()"
done

# The EXAMPLE section's .EX/.EE blocks, unescaped: the first is the
# program, the second its output.
example_block() {
	awk -v want="$1" '
		/^\.SH / { in_example = ($0 == ".SH EXAMPLE"); next }
		in_example && /^\.EX/ { n++; inside = 1; next }
		in_example && /^\.EE/ { inside = 0; next }
		inside && n == want { print }
	' "$page" | sed -e 's/^\\&//' -e 's/\\-/-/g' -e 's/\\e/\\/g'
}
example_block 1 >example.c
example_block 2 >expected
checks=$((checks + 1))
[ -s example.c ] || fail "libwrit(3) has no EXAMPLE program between .EX and .EE"
checks=$((checks + 1))
[ -s expected ] || fail "libwrit(3) does not show the EXAMPLE's output"

# Built the way tests/cli/embed.sh builds examples/embed.c.
cc=${CC:-cc}
checks=$((checks + 1))
if ! $cc ${SANITIZER_CFLAGS:-} -std=c99 -Wall -Wextra -Werror -I"$top_srcdir/include" \
	-o example example.c -L"$top_builddir/.libs" -lwrit \
	-Wl,-rpath,"$top_builddir/.libs" >build.log 2>&1; then
	fail "the EXAMPLE of libwrit(3) does not build against writ.h and libwrit.so:"
	sed 's/^/    /' build.log
	finish
fi

# Run on a copy of the example policies with a fresh issuer key.
mkdir policy || exit 99
cp "$top_srcdir"/policies/*.writ policy/ || exit 99
"$WRIT" keygen --alg ES256 --out policy/issuer.pem >/dev/null || exit 99
expect_exit 0 ./example policy && expect_output stderr ""
expect_same_output stdout expected
finish
