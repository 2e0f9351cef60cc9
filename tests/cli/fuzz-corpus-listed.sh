#!/bin/sh
# Every file of the fuzzing corpora (tests/fuzz/NAME/ and
# tests/fuzz/crashes/NAME/) is listed in tests/fuzz/corpus.am, so that it
# is distributed and replayed by `make check` after `make distcheck`
# unpacks the tree; every file listed there exists; the list is sorted.
. "$top_srcdir/tests/cli/lib.sh"

am=$top_srcdir/tests/fuzz/corpus.am
if [ ! -f "$am" ]; then
	fail "no $am"
	finish
fi

# The words of FUZZ_CORPUS, continuations joined.
sed -n '/^FUZZ_CORPUS +=/,/[^\\]$/p' "$am" | sed 's/^FUZZ_CORPUS +=//; s/\\$//' |
	tr -s ' \t' '\n\n' | sed '/^$/d' >listed

checks=$((checks + 1))
[ -s listed ] || fail "$am lists no file"

(cd "$top_srcdir" && find tests/fuzz -mindepth 2 -type f) | LC_ALL=C sort >on-disk
while read -r f; do
	checks=$((checks + 1))
	grep -Fxq -- "$f" listed || fail "$f is not listed in FUZZ_CORPUS in tests/fuzz/corpus.am"
done <on-disk
while read -r f; do
	checks=$((checks + 1))
	[ -f "$top_srcdir/$f" ] || fail "FUZZ_CORPUS lists $f, which does not exist"
done <listed

LC_ALL=C sort -u listed >sorted
checks=$((checks + 1))
if ! cmp -s sorted listed; then
	fail "FUZZ_CORPUS in tests/fuzz/corpus.am is not sorted, or lists a file twice:"
	diff -u sorted listed | sed '1,2d; s/^/    /'
fi

finish
