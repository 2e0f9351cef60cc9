/* jwt-helpers.h: making keys, key sets and tokens in tests. */
#ifndef WRIT_TEST_JWT_HELPERS_H
#define WRIT_TEST_JWT_HELPERS_H

#include <openssl/evp.h>

#include "jws.h"
#include "writ.h"

#define TEST_ISSUER "https://auth.example.com/oidc"
#define TEST_AUDIENCE "https://payment.example.com/api"
/* The fixed "now" of token tests: 2026-11-23T00:00:00Z. */
#define TEST_NOW 1795392000.0

struct test_key {
	EVP_PKEY *pkey;
	enum jws_alg alg;
	enum jws_key_type type;
	char kid[64];
};

/* A fresh key for alg (RSA keys are 2048-bit) named kid. */
void test_key_init(struct test_key *k, enum jws_alg alg, const char *kid);
void test_key_free(struct test_key *k);

/*
 * The JWK of a key's public part as compact JSON with kid (and alg unless
 * with_alg is 0); caller frees with free().
 */
char *test_jwk(const struct test_key *k, int with_alg);
/* A key set of n keys (each with its alg); fails the test if refused. */
writ_keyset *test_keyset(const struct test_key *keys, size_t n);

/* base64url of s[0..len); caller frees with free(). */
char *test_b64(const void *s, size_t len);
/* "b64(header).b64(claims).b64(signature)" signed by k over the first two
 * segments as given; caller frees with free(). */
char *test_token(const struct test_key *k, const char *header, const char *claims);
/* The same from already-encoded segments and raw signature bytes. */
char *test_token_parts(const char *h64, const char *c64, const unsigned char *sig,
                       size_t siglen);
/* Sign "h64.c64" with k; returns the signature length (r||s for ECDSA). */
size_t test_sign(const struct test_key *k, const char *input, size_t len,
                 unsigned char *sig);
/* The header {"alg":ALG,"typ":"at+jwt","kid":KID} of a key. */
char *test_header(const struct test_key *k);
/* Valid claims for TEST_ISSUER/TEST_AUDIENCE at TEST_NOW with scope. */
char *test_claims(const char *scope);

/* A verifier for TEST_ISSUER and TEST_AUDIENCE whose clock reads *now. */
writ_verifier *test_verifier(writ_keyset *keys, double *now);

#endif
