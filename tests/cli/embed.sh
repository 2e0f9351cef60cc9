#!/bin/sh
# An embedder needs nothing but writ.h and the exported libwrit.so: build
# examples/embed.c that way and check its answer for the seed's request.
set -u
cc=${CC:-cc}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# Sanitizer builds need the same runtime in the example (CFLAGS carries it).
if ! $cc ${SANITIZER_CFLAGS:-} -std=c99 -Wall -Wextra -Werror -I"$top_srcdir/include" \
	-o "$tmp/embed" "$top_srcdir/examples/embed.c" \
	-L"$top_builddir/.libs" -lwrit -Wl,-rpath,"$top_builddir/.libs"; then
	echo "FAIL: examples/embed.c does not build against writ.h and libwrit.so alone"
	exit 1
fi
out=$("$tmp/embed" "$top_srcdir/policies" cart-service \
	https://payment.example.com/api "write:payment read:payment")
status=$?
if [ $status -ne 0 ] || [ "$out" != "write:payment" ]; then
	echo "FAIL: embed printed '$out' (exit $status), expected 'write:payment'"
	exit 1
fi
echo "ok: an embedder built from writ.h alone gets write:payment"
