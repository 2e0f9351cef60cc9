/*
 * fuzz-token.c: whole tokens through the verifier (writ_verify), as a
 * gateway gets them, and a valid token's claims read back and checked.
 *
 * The verifier trusts the keys of fuzz_jwks (fuzz.h: one per key type,
 * kid fuzz-ALG), allows every algorithm writ knows, and reads a fixed
 * clock; its cache is off, so that every run parses and verifies, whatever
 * ran before. The seed corpus holds tokens
 * these keys signed (tests/fuzz/README.md).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "writ.h"

/* 2026-11-23T00:00:10Z: the seed tokens were issued ten seconds before. */
#define FUZZ_NOW 1795392010.0

static double fixed_clock(void *arg)
{
	(void)arg;
	return FUZZ_NOW;
}

static writ_verifier *verifier(void)
{
	static writ_verifier *v;
	writ_keyset *keys = NULL;
	char err[256];

	if (v)
		return v;
	v = writ_verifier_new();
	if (!v || writ_keyset_load(fuzz_jwks, strlen(fuzz_jwks), &keys, err, sizeof(err)) != WRIT_OK)
		fuzz_setup_failed("the key set");
	if (writ_verifier_set_keys(v, keys) != WRIT_OK ||
	    writ_verifier_set_issuer(v, "https://auth.example.com/oidc") != WRIT_OK ||
	    writ_verifier_set_audience(v, "https://payment.example.com/api") != WRIT_OK ||
	    writ_verifier_set_algorithms(v, "ES256,ES384,RS256,PS256,EdDSA") != WRIT_OK ||
	    writ_verifier_set_clock(v, fixed_clock, NULL) != WRIT_OK ||
	    writ_verifier_set_cache(v, 0) != WRIT_OK)
		fuzz_setup_failed("the verifier");
	writ_keyset_unref(keys);
	return v;
}

static void read_claims(const writ_token *t)
{
	static const char *const required[] = { "read:payment", "write:payment" };
	const char *scope = writ_token_scope(t);
	size_t missing;

	writ_token_subject(t);
	writ_token_client_id(t);
	writ_token_jti(t);
	writ_token_expires(t);
	writ_token_claim_string(t, "iss");
	free(writ_token_claims_json(t));
	if (scope)
		writ_check(scope, strlen(scope), required, 2, &missing);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	writ_verifier *v = verifier();
	writ_token *t = writ_token_new();

	if (!t)
		return 0;
	if (writ_verify(v, (const char *)data, size, t) == WRIT_OK)
		read_claims(t);
	else
		writ_token_reason(t);
	writ_token_free(t);
	return 0;
}
