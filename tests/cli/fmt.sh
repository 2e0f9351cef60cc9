#!/bin/sh
# writ fmt: the exact layout of a messy file (indentation, spacing, comments
# everywhere, blank lines, strings with escapes and '#'); idempotence and
# unchanged meaning over every example policy and valid fixture; --check,
# --write (the mode kept), --diff; a syntax error refused; usage errors.
. "$top_srcdir/tests/cli/lib.sh"

printf '\t# leading tab comment   \nresource"https://api.example.com"{ # after brace\n  name   "Items # not a comment \\"q\\"";description "Tab\\tand \\u00e9";\n\n\n      permission read:item "Read";   # trailing\n  permission   write:item;\n  route GET,HEAD "/items" requires read:item ;\n    route POST "/items/{id}"  requires   any read:item,write:item;\n  stack access{\n\t[success=1   default=ignore]   scope allow=10.0.0.0/8,127.0.0.0/8  x = y;\n     required scope;\n\n  }\n\n}\nrole reader for apps { grant read:item ,\n   # inside an item\n   write:item on "https://api.example.com"; }\napp job { roles reader; }   \n' >messy.writ
cp messy.writ messy.orig

cat >formatted.want <<'POLICY'
# leading tab comment
resource "https://api.example.com" {  # after brace
    name        "Items # not a comment \"q\"";
    description "Tab\tand \u00e9";

    permission read:item "Read";  # trailing
    permission write:item;
    route GET, HEAD "/items"      requires read:item;
    route POST      "/items/{id}" requires any read:item, write:item;
    stack access {
        [success=1 default=ignore] scope allow=10.0.0.0/8,127.0.0.0/8 x = y;
        required scope;
    }
}

role reader for apps {
    # inside an item
    grant read:item, write:item on "https://api.example.com";
}

app job {
    roles reader;
}
POLICY

# Printing: the canonical text on stdout, the file untouched.
expect_exit 0 "$WRIT" fmt messy.writ && expect_same_output stdout formatted.want
expect_output stderr ''
cmp -s messy.writ messy.orig || fail "writ fmt without --write changed the file"

# --check names the file and exits 1; on formatted text it is silent.
expect_exit 1 "$WRIT" fmt --check messy.writ && expect_output stdout 'messy.writ'
cp formatted.want done.writ
expect_exit 0 "$WRIT" fmt --check done.writ && expect_output stdout ''
expect_exit 1 "$WRIT" fmt -c done.writ messy.writ && expect_output stdout 'messy.writ'

# --diff: a unified diff that turns the file into the formatted text.
expect_exit 1 "$WRIT" fmt --diff messy.writ
expect_first_line stdout '--- messy.writ'
save_output stdout messy.diff
if command -v patch >/dev/null 2>&1; then
	patch -s -o patched.writ messy.writ <messy.diff >/dev/null 2>&1 ||
		fail "patch could not apply the --diff output"
	cmp -s patched.writ formatted.want || fail "the --diff output does not give the formatted text"
fi
expect_exit 0 "$WRIT" fmt --diff done.writ && expect_output stdout ''

# A one-line change: the hunk exactly.
printf 'user ann {\n    name  "Ann";\n      roles reader;\n}\n' >one.writ
expect_exit 1 "$WRIT" fmt --diff one.writ && expect_output stdout '--- one.writ
+++ one.writ
@@ -1,4 +1,4 @@
 user ann {
     name  "Ann";
-      roles reader;
+    roles reader;
 }'

# --write: rewritten in place, its mode kept; then nothing to change.
chmod 640 messy.writ
expect_exit 0 "$WRIT" fmt --write messy.writ && expect_output stdout ''
cmp -s messy.writ formatted.want || fail "--write did not write the formatted text"
mode=$(stat -c %a messy.writ)
[ "$mode" = 640 ] || fail "--write changed the mode to $mode"
ls -a | grep -q '\.fmt-' && fail "--write left a temporary file"
expect_exit 0 "$WRIT" fmt --check messy.writ

# CR LF, a missing final newline and a byte order mark become the canonical
# form.
printf '\357\273\277user ann {\r\n  roles reader; }' >crlf.writ
expect_exit 0 "$WRIT" fmt crlf.writ && expect_output stdout 'user ann {
    roles reader;
}'

# The layout of lint's meaning: every example policy and every valid fixture,
# formatted twice, gives the same text the second time, the same compiled
# policy (writ diff) and the same diagnostics but for their places.
cp -R "$top_srcdir/tests/policies" orig
cp -R "$top_srcdir/tests/policies" fmt1
mkdir ex-orig ex-fmt
cp "$top_srcdir"/policies/* ex-orig/
cp "$top_srcdir"/policies/* ex-fmt/
diagnostics() { # FILE TREE: the messages without places; TREE/ named TREE/
	"$WRIT" lint "$1" 2>&1 |
		sed -n 's/^[^ ]*:[0-9]*:[0-9]*: //p; s/^[^ ]*: ok, /ok, /p' |
		sed "s#$2/#TREE/#g" | sort
}
check_same_meaning() { # ORIG FORMATTED: the files, in trees ${1%%/*} and ${2%%/*}
	expect_exit 0 "$WRIT" fmt --write "$2" || return
	expect_exit 0 "$WRIT" fmt --check "$2" || return
	expect_exit 0 "$WRIT" diff "$1" "$2" && expect_output stdout 'no differences'
	checks=$((checks + 1))
	diagnostics "$1" "${1%%/*}" >a.txt
	diagnostics "$2" "${2%%/*}" >b.txt
	if ! cmp -s a.txt b.txt; then
		fail "$2: lint reports differ after formatting"
		diff -u a.txt b.txt | sed 's/^/    /'
	fi
}
n=0
for f in "$top_srcdir"/tests/policies/valid/*.writ; do
	f=${f##*/}
	check_same_meaning "orig/valid/$f" "fmt1/valid/$f"
	n=$((n + 1))
done
for f in ex-orig/*.writ; do
	f=${f##*/}
	check_same_meaning "ex-orig/$f" "ex-fmt/$f"
	n=$((n + 1))
done
[ "$n" -gt 10 ] || fail "only $n policies were formatted"
# The example policies are written in the canonical layout.
expect_exit 0 "$WRIT" fmt --check "$top_srcdir/policies" && expect_output stdout ''
# A directory: its *.writ files, in name order.
expect_exit 0 "$WRIT" fmt --check fmt1/valid && expect_output stdout ''

# A syntax error: diagnostics, exit 2, the file untouched.
printf 'resource "https://api.example.com" {\n    permission read:item\n}\n' >broken.writ
cp broken.writ broken.orig
expect_exit 2 "$WRIT" fmt --write broken.writ
expect_output stdout ''
grep -q '^broken.writ:3:1: error: .*\[E001\]' "$run_stderr" ||
	fail "no E001 diagnostic for broken.writ: $(cat "$run_stderr")"
grep -q '^writ fmt: broken.writ: not formatted: 1 syntax error$' "$run_stderr" ||
	fail "no summary line for broken.writ"
cmp -s broken.writ broken.orig || fail "a file with a syntax error was changed"
printf 'user ann { name "open; }\n' >unterminated.writ
expect_exit 2 "$WRIT" fmt --check unterminated.writ
# Errors about meaning are lint's, not fmt's.
printf 'user ann { roles nobody; }\n' >unknown-role.writ
expect_exit 0 "$WRIT" fmt unknown-role.writ

# Usage errors.
expect_exit 2 "$WRIT" fmt
expect_output stderr "writ fmt: no PATH given
Try 'writ fmt --help'."
expect_exit 2 "$WRIT" fmt --check --write messy.writ
expect_output stderr "writ fmt: --check, --write and --diff exclude each other
Try 'writ fmt --help'."
expect_exit 2 "$WRIT" fmt --frobnicate messy.writ
expect_output stderr "writ fmt: unknown option '--frobnicate'
Try 'writ fmt --help'."
expect_exit 2 "$WRIT" fmt messy.writ done.writ
expect_output stderr "writ fmt: messy.writ: to print, name one file (2 found); use --check, --write or --diff for several
Try 'writ fmt --help'."
expect_exit 2 "$WRIT" fmt --check no-such-file.writ
expect_output stderr "writ fmt: cannot read no-such-file.writ: No such file or directory"
expect_exit 0 "$WRIT" fmt --help && expect_first_line stdout 'Usage: writ fmt [--check | --write | --diff] PATH...'

finish
