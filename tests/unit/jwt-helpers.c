/* jwt-helpers.c: keys, key sets and tokens for tests (jwt-helpers.h). */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "helpers.h"
#include "jwk.h"
#include "jwt-helpers.h"
#include "util.h"

void test_key_init(struct test_key *k, enum jws_alg alg, const char *kid)
{
	char why[128];

	memset(k, 0, sizeof(*k));
	k->alg = alg;
	snprintf(k->kid, sizeof(k->kid), "%s", kid);
	switch (alg) {
	case JWS_ES256:
		k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case JWS_ES384:
		k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case JWS_RS256:
	case JWS_PS256:
		k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case JWS_EDDSA:
		k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	default:
		ck_abort_msg("no such alg");
	}
	ck_assert_ptr_nonnull(k->pkey);
	ck_assert_int_eq(jwk_key_type(k->pkey, &k->type, why, sizeof(why)), 0);
}

void test_key_free(struct test_key *k)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
}

char *test_jwk(const struct test_key *k, int with_alg)
{
	json_t *j = jwk_public_json(k->pkey, k->type);
	char *s;

	ck_assert_ptr_nonnull(j);
	json_object_set_new(j, "kid", json_string(k->kid));
	if (with_alg)
		json_object_set_new(j, "alg", json_string(jws_alg_name(k->alg)));
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	ck_assert_ptr_nonnull(s);
	return s;
}

writ_keyset *test_keyset(const struct test_key *keys, size_t n)
{
	struct buf b;
	writ_keyset *set = NULL;
	char err[256];
	size_t i;

	buf_init(&b);
	buf_puts(&b, "{\"keys\":[");
	for (i = 0; i < n; i++) {
		char *jwk = test_jwk(&keys[i], 1);
		if (i)
			buf_putc(&b, ',');
		buf_puts(&b, jwk);
		free(jwk);
	}
	buf_puts(&b, "]}");
	ck_assert_msg(writ_keyset_load(b.data, b.len, &set, err, sizeof(err)) == WRIT_OK,
	              "key set refused: %s", err);
	buf_free(&b);
	return set;
}

char *test_b64(const void *s, size_t len)
{
	char *out = malloc(b64url_encoded_len(len) + 1);

	ck_assert_ptr_nonnull(out);
	b64url_encode(s, len, out);
	out[b64url_encoded_len(len)] = '\0';
	return out;
}

size_t test_sign(const struct test_key *k, const char *input, size_t len,
                 unsigned char *sig)
{
	struct jws_digests d;
	size_t n;

	ck_assert_int_eq(jws_digests_init(&d), 0);
	n = jws_sign(&d, k->alg, k->pkey, (const unsigned char *)input, len, sig);
	jws_digests_free(&d);
	ck_assert_uint_gt(n, 0);
	return n;
}

char *test_token_parts(const char *h64, const char *c64, const unsigned char *sig,
                       size_t siglen)
{
	char *s64 = test_b64(sig, siglen);
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "%s.%s.%s", h64, c64, s64);
	free(s64);
	return buf_steal(&b);
}

char *test_token(const struct test_key *k, const char *header, const char *claims)
{
	char *h64 = test_b64(header, strlen(header)), *c64 = test_b64(claims, strlen(claims));
	unsigned char sig[1024];
	struct buf input;
	size_t n;
	char *t;

	buf_init(&input);
	buf_printf(&input, "%s.%s", h64, c64);
	n = test_sign(k, input.data, input.len, sig);
	t = test_token_parts(h64, c64, sig, n);
	buf_free(&input);
	free(h64);
	free(c64);
	return t;
}

char *test_header(const struct test_key *k)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "{\"alg\":\"%s\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}",
	           jws_alg_name(k->alg), k->kid);
	return buf_steal(&b);
}

char *test_claims(const char *scope)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"cart-service\","
	           "\"client_id\":\"cart-service\",\"iat\":%.0f,\"exp\":%.0f,"
	           "\"jti\":\"j1\",\"scope\":\"%s\"}",
	           TEST_ISSUER, TEST_AUDIENCE, TEST_NOW - 10, TEST_NOW + 600, scope);
	return buf_steal(&b);
}

static double read_clock(void *arg)
{
	return *(const double *)arg;
}

writ_verifier *test_verifier(writ_keyset *keys, double *now)
{
	writ_verifier *v = writ_verifier_new();

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(writ_verifier_set_keys(v, keys), WRIT_OK);
	ck_assert_int_eq(writ_verifier_set_issuer(v, TEST_ISSUER), WRIT_OK);
	ck_assert_int_eq(writ_verifier_set_audience(v, TEST_AUDIENCE), WRIT_OK);
	ck_assert_int_eq(writ_verifier_set_clock(v, read_clock, now), WRIT_OK);
	return v;
}
