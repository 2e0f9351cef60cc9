/*
 * fuzz.h: what every harness of tests/fuzz shares. Each fuzz-NAME.c defines
 * LLVMFuzzerTestOneInput; linked with libFuzzer it is a fuzzer (`make
 * fuzz`), linked with replay.c it replays the corpus in tests/fuzz/NAME and
 * the reproducers in tests/fuzz/crashes/NAME (`make check`).
 *
 * A harness is deterministic (no clock, no randomness that changes what
 * code runs) and frees everything it makes in a run: what it sets up once
 * stays reachable from a static and is never counted as a leak.
 */
#ifndef WRIT_FUZZ_H
#define WRIT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stop the run when a harness's own set-up fails: that is no finding. */
void fuzz_setup_failed(const char *what) __attribute__((noreturn));

/* data[0..size) as a NUL-terminated string (cut at a NUL it holds);
 * caller frees with free(). */
char *fuzz_string(const uint8_t *data, size_t size);

/*
 * The public keys (JWKS) that verify the seed tokens of tests/fuzz/token
 * and tests/fuzz/route: ES256, ES384, RS256 and EdDSA, kid fuzz-es256 and
 * so on, for issuer https://auth.example.com/oidc.
 */
extern const char fuzz_jwks[];

#endif
