/*
 * fuzz-token-json.c: the JOSE header and the claims set of a token alone.
 * The input is parsed as strict JSON (json_strict_object), then verified
 * twice as part of a token signed on the spot: once as the header (with
 * valid claims) and once as the claims (under a valid header), so that
 * the claim checks after the signature, which a fuzzer cannot reach with
 * forged tokens, see every input too.
 *
 * The signing key is Ed25519 from a fixed seed, made once: signatures are
 * deterministic (RFC 8032), and so is every run. The verifier reads a
 * fixed clock and keeps no cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base64url.h"
#include "fuzz.h"
#include "json_strict.h"
#include "jws.h"
#include "util.h"
#include "writ.h"

#define FUZZ_NOW 1795392010.0 /* 2026-11-23T00:00:10Z */

static const char valid_header[] = "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"fuzz\"}";
static const char valid_claims[] =
	"{\"iss\":\"https://auth.example.com/oidc\",\"aud\":\"https://payment.example.com/api\","
	"\"sub\":\"cart-service\",\"client_id\":\"cart-service\",\"iat\":1795392000,"
	"\"exp\":1795392600,\"jti\":\"j1\",\"scope\":\"read:payment write:payment\"}";

struct fixture {
	EVP_PKEY *key;
	struct jws_digests digests;
	writ_verifier *v;
};

static double fixed_clock(void *arg)
{
	(void)arg;
	return FUZZ_NOW;
}

static const struct fixture *fixture(void)
{
	static struct fixture f;
	static const unsigned char seed[32] = "writ fuzz Ed25519 key, fixed...";
	unsigned char pub[32];
	size_t publen = sizeof(pub);
	char x[64], jwks[160], err[256];
	writ_keyset *keys = NULL;

	if (f.v)
		return &f;
	f.key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
	if (!f.key || !EVP_PKEY_get_raw_public_key(f.key, pub, &publen) ||
	    jws_digests_init(&f.digests) != 0)
		fuzz_setup_failed("the signing key");
	b64url_encode(pub, publen, x);
	x[b64url_encoded_len(publen)] = '\0';
	snprintf(jwks, sizeof(jwks),
	         "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"fuzz\",\"x\":\"%s\"}]}", x);
	f.v = writ_verifier_new();
	if (!f.v || writ_keyset_load(jwks, strlen(jwks), &keys, err, sizeof(err)) != WRIT_OK ||
	    writ_verifier_set_keys(f.v, keys) != WRIT_OK ||
	    writ_verifier_set_issuer(f.v, "https://auth.example.com/oidc") != WRIT_OK ||
	    writ_verifier_set_audience(f.v, "https://payment.example.com/api") != WRIT_OK ||
	    writ_verifier_set_clock(f.v, fixed_clock, NULL) != WRIT_OK ||
	    writ_verifier_set_cache(f.v, 0) != WRIT_OK)
		fuzz_setup_failed("the verifier");
	writ_keyset_unref(keys);
	return &f;
}

/* Append base64url(p[0..n)) to b. */
static void put_b64(struct buf *b, const void *p, size_t n)
{
	char *s = buf_extend(b, b64url_encoded_len(n));

	if (s)
		b64url_encode(p, n, s);
}

/* Sign header.claims with the fixture's key and verify it. */
static void verify_signed(const struct fixture *f, const char *header, size_t hlen,
                          const char *claims, size_t clen)
{
	unsigned char sig[64];
	struct buf b;
	size_t siglen;
	writ_token *t;

	buf_init(&b);
	put_b64(&b, header, hlen);
	buf_putc(&b, '.');
	put_b64(&b, claims, clen);
	if (b.oom) {
		buf_free(&b);
		return;
	}
	siglen = jws_sign(&f->digests, JWS_EDDSA, f->key, (const unsigned char *)b.data, b.len, sig);
	if (siglen != sizeof(sig))
		fuzz_setup_failed("signing");
	buf_putc(&b, '.');
	put_b64(&b, sig, siglen);
	t = writ_token_new();
	if (t && !b.oom && writ_verify(f->v, b.data, b.len, t) == WRIT_OK)
		free(writ_token_claims_json(t));
	writ_token_free(t);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fixture *f = fixture();
	const char *text = (const char *)data;
	char why[256];
	json_t *j;

	j = json_strict_object(text, size, why, sizeof(why));
	json_decref(j);
	verify_signed(f, text, size, valid_claims, strlen(valid_claims));
	verify_signed(f, valid_header, strlen(valid_header), text, size);
	return 0;
}
