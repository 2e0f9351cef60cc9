#!/bin/sh
# The manual pages render with no groff warning, and writ.policy(5) lists
# every diagnostic code that writ defines.
set -u
command -v groff >/dev/null 2>&1 || { echo "groff is not installed"; exit 77; }
status=0
for page in "$top_srcdir/doc/writ.1" "$top_builddir/doc/writ.policy.5" \
	"$top_srcdir/doc/libwrit.3"; do
	out=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	if [ -n "$out" ]; then
		echo "FAIL: $page renders with warnings:"
		printf '%s\n' "$out"
		status=1
	fi
done
codes=$(grep -o '"[EW][0-9][0-9][0-9]"' "$top_srcdir/src/lib/codes.h" | tr -d '"')
[ -n "$codes" ] || { echo "FAIL: no codes found in codes.h"; exit 1; }
for code in $codes; do
	if ! grep -q "^\.B $code " "$top_builddir/doc/writ.policy.5"; then
		echo "FAIL: writ.policy(5) does not document $code"
		status=1
	fi
done
[ $status -eq 0 ] && echo "ok: man pages render cleanly and document every code"
exit $status
