#!/bin/sh
# Every policy fixture on disk is listed in tests/fixtures.am (so that
# `make check` runs it), and every file listed there exists.
. "$top_srcdir/tests/cli/lib.sh"

am=$top_srcdir/tests/fixtures.am
if [ ! -f "$am" ]; then
	fail "no $am"
	finish
fi

# "VAR WORD" for every word assigned to a variable, continuations joined.
awk '
{
	line = $0
	buf = cont ? buf " " line : line
	if (line ~ /\\$/) {
		sub(/\\$/, "", buf)
		cont = 1
		next
	}
	cont = 0
	if (buf ~ /^[ \t]*#/ || buf !~ /=/) {
		buf = ""
		next
	}
	var = buf
	sub(/[ \t]*[+:]?=.*/, "", var)
	gsub(/[ \t]/, "", var)
	vals = buf
	sub(/^[^=]*=/, "", vals)
	n = split(vals, w, /[ \t]+/)
	for (i = 1; i <= n; i++)
		if (w[i] != "")
			print var, w[i]
	buf = ""
}' "$am" >words || { fail "cannot parse $am"; finish; }
sed -n 's/^FIXTURES //p' words >fixtures
sed -n 's/^FIXTURE_FILES //p' words >files

checks=$((checks + 1))
[ -s fixtures ] || fail "$am lists no fixture"

# Every *.writ directly under invalid/ and valid/ is a listed fixture.
for d in invalid valid; do
	for f in "$top_srcdir/tests/policies/$d/"*.writ; do
		[ -e "$f" ] || continue
		rel=tests/policies/$d/${f##*/}
		checks=$((checks + 1))
		grep -Fxq -- "$rel" fixtures || fail "$rel is not listed in FIXTURES in tests/fixtures.am"
	done
done

# Every listed fixture exists, is a fixture, and has its NAME.expected.
while read -r f; do
	checks=$((checks + 1))
	case $f in
	tests/policies/invalid/*/* | tests/policies/valid/*/*)
		fail "FIXTURES lists $f, which is not directly under tests/policies/invalid or valid"
		continue ;;
	tests/policies/invalid/*.writ | tests/policies/valid/*.writ) ;;
	*)
		fail "FIXTURES lists $f, which is no tests/policies/{invalid,valid}/*.writ"
		continue ;;
	esac
	if [ ! -f "$top_srcdir/$f" ]; then
		fail "FIXTURES lists $f, which does not exist"
		continue
	fi
	checks=$((checks + 1))
	[ -f "$top_srcdir/${f%.writ}.expected" ] || fail "$f has no ${f%.writ}.expected"
done <fixtures

# Every listed file exists.
while read -r f; do
	checks=$((checks + 1))
	[ -f "$top_srcdir/$f" ] || fail "FIXTURE_FILES lists $f, which does not exist"
done <files

# What fixtures read besides themselves is listed too, so that it is
# distributed: every NAME.expected and every file under an inc/ directory.
for d in invalid valid; do
	for f in "$top_srcdir/tests/policies/$d/"*.expected; do
		[ -e "$f" ] || continue
		rel=tests/policies/$d/${f##*/}
		checks=$((checks + 1))
		grep -Fxq -- "$rel" files || fail "$rel is not listed in FIXTURE_FILES in tests/fixtures.am"
	done
	if [ -d "$top_srcdir/tests/policies/$d/inc" ]; then
		(cd "$top_srcdir" && find "tests/policies/$d/inc" -type f) >on-disk
		while read -r rel; do
			checks=$((checks + 1))
			grep -Fxq -- "$rel" files || fail "$rel is not listed in FIXTURE_FILES in tests/fixtures.am"
		done <on-disk
	fi
done

# Each list is sorted and names each file once.
for list in fixtures files; do
	LC_ALL=C sort -u "$list" >sorted
	checks=$((checks + 1))
	if ! cmp -s sorted "$list"; then
		fail "the $list of tests/fixtures.am are not sorted, or list a file twice:"
		diff -u sorted "$list" | sed '1,2d; s/^/    /'
	fi
done

finish
