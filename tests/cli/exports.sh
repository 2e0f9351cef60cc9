#!/bin/sh
# libwrit.so exports the public API only: every dynamic symbol it defines
# starts with writ_ (src/lib/libwrit.sym), apart from the version node.
. "$top_srcdir/tests/cli/lib.sh"

if ! command -v nm >/dev/null 2>&1; then
	echo "SKIP: nm is not installed"
	exit 77
fi

lib=$top_builddir/.libs/libwrit.so
if [ ! -e "$lib" ]; then
	fail "$lib does not exist"
	finish
fi

# The version nodes the version script defines, such as WRIT_0: the linker
# adds each as an absolute symbol.
sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_.]*\)[[:space:]]*{.*/\1/p' \
	"$top_srcdir/src/lib/libwrit.sym" >nodes
checks=$((checks + 1))
[ -s nodes ] || fail "no version node found in src/lib/libwrit.sym"

run nm -D --defined-only "$lib"
checks=$((checks + 1))
if [ "$status" -ne 0 ]; then
	fail "nm -D --defined-only $lib exited $status: $(cat "$run_stderr")"
	finish
fi
cp "$run_stdout" symbols

# "value type name[@version]": keep type and bare name.
awk 'NF >= 2 { name = $NF; sub(/@.*/, "", name); print $(NF - 1), name }' symbols >defined
exported=0
while read -r type name; do
	if [ "$type" = A ] && grep -Fxq -- "$name" nodes; then
		continue
	fi
	checks=$((checks + 1))
	case $name in
	writ_*) exported=$((exported + 1)) ;;
	*) fail "libwrit.so exports $name ($type), which is not part of the writ_ API" ;;
	esac
done <defined

# And it does export the API (an empty list would pass the loop above).
for sym in writ_policy_load writ_grant writ_check writ_diagnostics_new writ_version; do
	checks=$((checks + 1))
	awk -v s="$sym" '$2 == s { found = 1 } END { exit !found }' defined ||
		fail "libwrit.so does not export $sym"
done
echo "$exported writ_ symbols exported"

finish
