#!/bin/sh
# make bench: measure writ beside its peers in the same run and print one
# table. Each figure is the best of ROUNDS alternating runs of writ and of
# its peer, so that a burst of load on a shared machine hurts neither side
# more than the other. BENCH_QUICK=1 runs each measurement briefly, only to
# show that the harness still works (as CI does); its figures mean little.
set -eu
builddir=${1:-.}
if [ "${BENCH_QUICK:-0}" = 1 ]; then seconds=0.2 rounds=1; else seconds=3 rounds=3; fi
command -v openssl >/dev/null || { echo "bench: the openssl command is needed (apt-get install openssl)"; exit 2; }

# openssl speed's verify/s (its last column) for one algorithm and size.
peer() {
	openssl speed -seconds "$(printf '%.0f' "$seconds" | sed 's/^0$/1/')" "$1" 2>/dev/null |
		awk -v pat="$2" '$0 ~ pat { v = $NF } END { print v + 0 }'
}
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b) ? a : b }'; }

echo "writ benchmark: $(nproc) cores, $(uname -m), best of $rounds rounds"
status=0
for spec in "ES256 ecdsap256 nistp256" "RS256 rsa3072 ^rsa.3072.bits" "EdDSA ed25519 Ed25519"; do
	set -- $spec
	best_writ=0 best_peer=0
	i=0
	while [ $i -lt $rounds ]; do
		w=$(BENCH_ONLY=$1 "$builddir/bench/bench-verify" --rate "$seconds") || status=1
		p=$(peer "$2" "$3")
		best_writ=$(max "$best_writ" "${w:-0}")
		best_peer=$(max "$best_peer" "$p")
		i=$((i + 1))
	done
	awk -v alg="$1" -v w="$best_writ" -v p="$best_peer" -v size="$2" 'BEGIN {
		r = (p > 0) ? w / p : 0
		verdict = "short"
		if (p == 0)
			verdict = "no peer"
		else if (r >= 0.9)
			verdict = "pass"
		printf "verify %-6s %10.0f/s   openssl speed %-10s %10.0f/s   %6.1f%%   target >= 90%%   %s\n", alg, w, size, p, 100 * r, verdict
	}'
done
if [ "${BENCH_QUICK:-0}" = 1 ]; then rounds=1; else rounds=21; fi
"$builddir/bench/bench-grant" "$rounds" || status=1
exit $status
