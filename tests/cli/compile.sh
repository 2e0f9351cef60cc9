#!/bin/sh
# writ compile: the snapshot it writes (mode 0600, replaced atomically)
# answers every command as the policy does, writ serve issues tokens from
# it, and a snapshot that is damaged, cut short or named with other paths is
# refused with its reason. The format's refusals one by one are in
# tests/unit/test_snapshot.c.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/serve-lib.sh"

policies=$top_srcdir/policies

# --- Usage errors. ---
if expect_exit 2 "$WRIT" compile "$policies"; then
	expect_output stdout ''
	expect_output stderr "writ compile: -o FILE is required
Try 'writ compile --help'."
fi
if expect_exit 2 "$WRIT" compile -o p.wdt; then
	expect_output stderr "writ compile: no PATH given
Try 'writ compile --help'."
fi
if expect_exit 2 "$WRIT" compile -o; then
	expect_output stderr "writ compile: option '-o' needs a value
Try 'writ compile --help'."
fi
if expect_exit 2 "$WRIT" compile --bogus -o p.wdt "$policies"; then
	expect_output stderr "writ compile: unknown option '--bogus'
Try 'writ compile --help'."
fi
if expect_exit 2 "$WRIT" compile -o a.wdt -o b.wdt "$policies"; then
	expect_output stderr "writ compile: give -o once
Try 'writ compile --help'."
fi
if expect_exit 0 "$WRIT" compile --help; then
	expect_first_line stdout 'Usage: writ compile [--module-dir DIR] [-v] -o FILE PATH...'
fi
checks=$((checks + 1))
[ ! -e p.wdt ] && [ ! -e a.wdt ] || fail "a usage error wrote a file"

# --- The snapshot: nothing said, mode 0600; -v says one line. ---
if expect_exit 0 "$WRIT" compile -o p.wdt "$policies"; then
	expect_output stdout ''
	expect_output stderr ''
fi
checks=$((checks + 1))
mode=$(stat -c %a p.wdt 2>/dev/null)
[ "$mode" = 600 ] || fail "p.wdt: mode $mode, not 600"
size=$(wc -c <p.wdt | tr -d ' ')
if expect_exit 0 "$WRIT" compile -v -o p.wdt "$policies"; then
	expect_output stdout ''
	expect_output stderr "writ compile: wrote p.wdt, $size bytes"
fi
checks=$((checks + 1))
[ -z "$(ls -a | grep '^p\.wdt\.')" ] || fail "a temporary file was left: $(ls -a)"

# --- It answers as the policy does. ---
if expect_exit 0 "$WRIT" diff "$policies" p.wdt; then
	expect_output stdout 'no differences'
fi
if expect_exit 0 "$WRIT" lint p.wdt; then
	expect_output stdout 'p.wdt: ok, 0 warnings (3 resources, 4 roles, 2 apps, 1 user)'
fi
same() {
	# same WHAT ARG...: writ WHAT ARG... gives the same outputs and status
	# with --policy p.wdt as with --policy $policies.
	_what=$1
	shift
	run "$WRIT" "$_what" --policy "$policies" "$@"
	_want_status=$status
	cp "$run_stdout" want.out
	cp "$run_stderr" want.err
	if expect_exit "$_want_status" "$WRIT" "$_what" --policy p.wdt "$@"; then
		expect_same_output stdout want.out
		expect_same_output stderr want.err
	fi
}
same grant --client cart-service --resource https://payment.example.com/api \
	--scope 'write:payment read:payment'
same grant --user alice --resource https://api-1.store.io --resource https://api-2.store.io \
	--scope 'read:order write:order custom_data'
same grant --client nobody --resource https://payment.example.com/api
same explain --client cart-service --resource https://payment.example.com/api \
	--scope 'write:payment read:payment'
same explain --user alice --resource https://api-1.store.io --scope 'read:order write:order'

# --- A policy with errors: exit 1, nothing written, the old file kept. ---
cp p.wdt keep.wdt
printf 'user ann { roles nosuchrole; }\n' >bad.writ
if expect_exit 1 "$WRIT" compile -o p.wdt bad.writ; then
	expect_output stdout ''
	checks=$((checks + 1))
	grep -q 'E010' "$run_stderr" || fail "compile bad.writ: no E010 in: $(cat "$run_stderr")"
fi
checks=$((checks + 1))
cmp -s p.wdt keep.wdt || fail "a refused policy changed p.wdt"
if expect_exit 2 "$WRIT" compile -o x.wdt nosuch.writ; then
	checks=$((checks + 1))
	grep -q 'cannot read nosuch.writ' "$run_stderr" || fail "nosuch.writ: $(cat "$run_stderr")"
fi
if expect_exit 2 "$WRIT" compile -o nodir/x.wdt "$policies"; then
	checks=$((checks + 1))
	grep -q '^writ compile: cannot create a file beside nodir/x.wdt' "$run_stderr" ||
		fail "nodir/x.wdt: $(cat "$run_stderr")"
fi
cp bad.writ over.writ
if expect_exit 2 "$WRIT" compile -o over.writ over.writ; then
	expect_output stderr 'writ compile: over.writ is one of the policy'"'"'s paths: write the snapshot elsewhere'
fi

# --- Refusals: damaged, cut short, not alone. ---
cp p.wdt bad.wdt
printf 'X' | dd of=bad.wdt bs=1 seek=700 conv=notrunc 2>/dev/null
if expect_exit 2 "$WRIT" grant --policy bad.wdt --client cart-service; then
	expect_output stdout ''
	expect_output stderr 'bad.wdt: error: checksum mismatch: the file is corrupted [E038]
writ grant: cannot load the policy: the policy has errors'
fi
head -c 300 p.wdt >short.wdt
if expect_exit 1 "$WRIT" lint short.wdt; then
	expect_output stdout "short.wdt: error: truncated (300 bytes, the header says $size) [E038]
short.wdt: 1 error, 0 warnings"
fi
: >empty.wdt
if expect_exit 2 "$WRIT" grant --policy empty.wdt --client cart-service; then
	expect_output stderr 'empty.wdt: error: not a writ snapshot (the file is empty) [E038]
writ grant: cannot load the policy: the policy has errors'
fi
if expect_exit 2 "$WRIT" grant --policy p.wdt --policy "$policies" --client cart-service; then
	expect_output stderr 'p.wdt: error: a compiled snapshot is a whole policy: load it alone, not with other paths [E038]
writ grant: cannot load the policy: the policy has errors'
fi

# --- writ serve: a token from the snapshot of a policy with its key. ---
copy_policy "$tmp/policy"
if expect_exit 0 "$WRIT" compile -o policy.wdt policy; then
	# Its key is found from any directory: the snapshot holds its path
	# made absolute.
	mkdir elsewhere
	cd elsewhere || exit 99
	if start_server main --policy ../policy.wdt; then
		token_call -X POST -H "$basic" -H "$form_type" \
			-d 'grant_type=client_credentials&resource=https://payment.example.com/api&scope=write:payment'
		expect_token write:payment 600 "a token from the snapshot"
		stop_server TERM
	fi
	cd "$tmp" || exit 99
fi

finish
