#!/bin/sh
# make bench: measure writ beside its peers in the same run and print one
# table. BENCH_QUICK=1 runs each measurement briefly, only to show that the
# harness still works (as CI does); figures from it mean little.
set -eu
builddir=${1:-.}
if [ "${BENCH_QUICK:-0}" = 1 ]; then seconds=0.2; else seconds=3; fi

# openssl speed's verify/s for the same algorithm and key size; its last
# column is verify/s.
peer() {
	openssl speed -seconds "$(printf '%.0f' "$seconds" | sed 's/^0$/1/')" "$1" 2>/dev/null |
		awk -v pat="$2" '$0 ~ pat { v = $NF } END { print v + 0 }'
}
command -v openssl >/dev/null || { echo "bench: the openssl command is needed (apt-get install openssl)"; exit 2; }
es256=$(peer ecdsap256 'nistp256')
rs256=$(peer rsa3072 '^rsa 3072 bits')
eddsa=$(peer ed25519 'Ed25519')
echo "writ benchmark ($(nproc) cores, $(date -u +%Y-%m-%d))"
"$builddir/bench/bench-verify" "$seconds" "$es256" "$rs256" "$eddsa"
