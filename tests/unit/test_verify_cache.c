/*
 * test_verify_cache.c: the verifier's cache of verified tokens
 * (token_cache.c, and its use by writ_verify in jwt.c).
 *
 * A hit is seen by counting the signatures writ_verify checks
 * (token_signature_checks), never by timing. What a hit must give is
 * compared with what a full verification gives: the same result code,
 * error, reason and claims. Every check that the cache settles at insert
 * time is shown to be redone after the setter that changes it, and every
 * check it must not settle (the clock's) to be redone on the cached path.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "jwt-helpers.h"
#include "token_cache.h"

#define EXP_AT (TEST_NOW + 600)

/* ---- keys (unchecked fixture: once per TCase) ---- */

static struct test_key es;   /* ES256, kid "es" */
static struct test_key es_b; /* ES256, kid "es-b" */
static struct test_key ed;   /* EdDSA, kid "ed" */

static void keys_setup(void)
{
	test_key_init(&es, JWS_ES256, "es");
	test_key_init(&es_b, JWS_ES256, "es-b");
	test_key_init(&ed, JWS_EDDSA, "ed");
}

static void keys_teardown(void)
{
	test_key_free(&es);
	test_key_free(&es_b);
	test_key_free(&ed);
}

/* ---- the verifier under test (checked fixture: once per test) ---- */

static writ_keyset *keys;
static writ_verifier *v;
static writ_token *t;
static double now;

static void verifier_setup(void)
{
	struct test_key set[] = { es, es_b, ed };

	keys = test_keyset(set, 3);
	now = TEST_NOW;
	v = test_verifier(keys, &now);
	t = writ_token_new();
	ck_assert_ptr_nonnull(t);
}

static void verifier_teardown(void)
{
	writ_token_free(t);
	writ_verifier_free(v);
	writ_keyset_unref(keys);
	t = NULL;
	v = NULL;
	keys = NULL;
}

/* ---- helpers ---- */

/* Signatures writ_verify checked since the last call. */
static unsigned long new_checks(void)
{
	static unsigned long seen;
	unsigned long n = atomic_load(&token_signature_checks);
	unsigned long d = n - seen;

	seen = n;
	return d;
}

/* Claims for TEST_ISSUER and TEST_AUDIENCE, expiring at EXP_AT, with this
 * jti and extra members (either "" or starting with a comma). */
static char *claims_with(const char *jti, const char *extra)
{
	return fmt("{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"user-%s\",\"client_id\":\"app-%s\","
	           "\"exp\":%.0f,\"jti\":\"%s\",\"scope\":\"read:payment write:payment\"%s}",
	           TEST_ISSUER, TEST_AUDIENCE, jti, jti, EXP_AT, jti, extra);
}

/* A token signed by k with claims_with(jti, extra); caller frees. */
static char *token_of(const struct test_key *k, const char *jti, const char *extra)
{
	char *h = test_header(k), *c = claims_with(jti, extra), *tok = test_token(k, h, c);

	free(h);
	free(c);
	return tok;
}

/* Change a base64url character into another one of the alphabet (a flipped
 * bit could leave it: '-' ^ 1 is ','). */
static void other_char(char *c)
{
	*c = *c == 'A' ? 'B' : 'A';
}

/* Verify and assert the outcome; returns the result code. */
static int verify_as(writ_token *tk, const char *tok, size_t len, enum writ_token_error e,
                     const char *reason)
{
	int rc = writ_verify(v, tok, len, tk);
	int want = e == WRIT_TOKEN_VALID ? WRIT_OK : WRIT_ETOKEN;

	ck_assert_msg(rc == want && writ_token_error(tk) == e &&
	                      strcmp(writ_token_reason(tk), reason) == 0,
	              "token \"%.60s\": got rc %d, error %d \"%s\"; "
	              "expected rc %d, error %d \"%s\"",
	              tok, rc, (int)writ_token_error(tk), writ_token_reason(tk), want, (int)e,
	              reason);
	return rc;
}

static void expect(const char *tok, enum writ_token_error e, const char *reason)
{
	verify_as(t, tok, strlen(tok), e, reason);
}

static void expect_valid(const char *tok)
{
	expect(tok, WRIT_TOKEN_VALID, "valid");
}

/* What a full verification (a verifier without a cache, configured as v
 * but for the cache, with the same clock) says of tok. */
static void expect_full(const char *tok, enum writ_token_error *e, char *reason,
                        size_t reason_size)
{
	writ_verifier *full = test_verifier(keys, &now);
	writ_token *ft = writ_token_new();

	ck_assert_int_eq(writ_verifier_set_cache(full, 0), WRIT_OK);
	writ_verify(full, tok, strlen(tok), ft);
	*e = writ_token_error(ft);
	snprintf(reason, reason_size, "%s", writ_token_reason(ft));
	writ_token_free(ft);
	writ_verifier_free(full);
}

/* Every accessor of two tokens agrees. */
static void assert_same_claims(const writ_token *a, const writ_token *b)
{
	char *ja = writ_token_claims_json(a), *jb = writ_token_claims_json(b);

	ck_assert_ptr_nonnull(ja);
	ck_assert_ptr_nonnull(jb);
	ck_assert_str_eq(ja, jb);
	ck_assert_str_eq(writ_token_scope(a), writ_token_scope(b));
	ck_assert_str_eq(writ_token_subject(a), writ_token_subject(b));
	ck_assert_str_eq(writ_token_client_id(a), writ_token_client_id(b));
	ck_assert_str_eq(writ_token_jti(a), writ_token_jti(b));
	ck_assert_str_eq(writ_token_claim_string(a, "iss"), writ_token_claim_string(b, "iss"));
	ck_assert(writ_token_expires(a) == writ_token_expires(b));
	free(ja);
	free(jb);
}

/* =========================================================================
 * Hits
 * ========================================================================= */

START_TEST(default_verifier_has_a_cache)
{
	ck_assert_uint_eq(verifier_cache_capacity(v), TOKEN_CACHE_DEFAULT);
	ck_assert_uint_eq(verifier_cache_count(v), 0);
}
END_TEST

/* The second verification of a token checks no signature and fills the
 * token exactly as the first did. */
START_TEST(hit_skips_signature)
{
	char *tok = token_of(&es, "j1", ",\"acr\":\"2\"");
	writ_token *again = writ_token_new();

	new_checks();
	expect_valid(tok);
	ck_assert_uint_eq(new_checks(), 1);
	ck_assert_uint_eq(verifier_cache_count(v), 1);

	ck_assert_int_eq(verify_as(again, tok, strlen(tok), WRIT_TOKEN_VALID, "valid"), WRIT_OK);
	ck_assert_uint_eq(new_checks(), 0);
	assert_same_claims(t, again);
	ck_assert_str_eq(writ_token_subject(again), "user-j1");
	ck_assert_str_eq(writ_token_client_id(again), "app-j1");
	ck_assert_str_eq(writ_token_jti(again), "j1");
	ck_assert_str_eq(writ_token_scope(again), "read:payment write:payment");
	ck_assert_str_eq(writ_token_claim_string(again, "acr"), "2");
	ck_assert(writ_token_expires(again) == EXP_AT);

	/* The same token object, reused, is filled again from the cache. */
	expect_valid(tok);
	ck_assert_uint_eq(new_checks(), 0);
	assert_same_claims(t, again);
	ck_assert_uint_eq(verifier_cache_count(v), 1);
	writ_token_free(again);
	free(tok);
}
END_TEST

/* A token filled from the cache keeps its claims when the entry goes. */
START_TEST(hit_outlives_its_entry)
{
	char *tok = token_of(&es, "j1", ""), *other = token_of(&es, "j2", "");
	writ_token *held = writ_token_new();

	expect_valid(tok);
	ck_assert_int_eq(verify_as(held, tok, strlen(tok), WRIT_TOKEN_VALID, "valid"), WRIT_OK);
	/* Emptied, then the first token object is reused for another token. */
	ck_assert_int_eq(writ_verifier_set_leeway(v, 0), WRIT_OK);
	ck_assert_uint_eq(verifier_cache_count(v), 0);
	expect_valid(other);
	ck_assert_str_eq(writ_token_jti(t), "j2");
	ck_assert_str_eq(writ_token_subject(held), "user-j1");
	ck_assert_str_eq(writ_token_jti(held), "j1");
	ck_assert_str_eq(writ_token_claim_string(held, "sub"), "user-j1");
	writ_token_free(held);
	free(tok);
	free(other);
}
END_TEST

/* A token one byte different, shorter or longer is another token: a miss,
 * checked in full and refused, though every set of the cache is full. */
START_TEST(differing_bytes_miss)
{
	char *tok = token_of(&es, "j1", ""), *flipped = strdup(tok), *longer = fmt("%sA", tok);
	char *sigflip = strdup(tok);
	size_t len = strlen(tok), i;

	ck_assert_int_eq(writ_verifier_set_cache(v, TOKEN_CACHE_UNIT), WRIT_OK);
	for (i = 0; i < 4 * TOKEN_CACHE_UNIT; i++) {
		char jti[32], *other;
		snprintf(jti, sizeof(jti), "t%zu", i);
		other = token_of(&es, jti, "");
		expect_valid(other);
		free(other);
	}
	ck_assert_uint_eq(verifier_cache_count(v), TOKEN_CACHE_UNIT);
	expect_valid(tok);
	new_checks();
	/* A changed claims character: the signature no longer holds. */
	other_char(&flipped[strchr(flipped, '.') - flipped + 5]);
	expect(flipped, WRIT_TOKEN_BAD_SIGNATURE, "signature does not verify");
	ck_assert_uint_eq(new_checks(), 1);
	/* The first signature character (its low bits are not trailing). */
	other_char(&sigflip[strrchr(sigflip, '.') - sigflip + 1]);
	expect(sigflip, WRIT_TOKEN_BAD_SIGNATURE, "signature does not verify");
	ck_assert_uint_eq(new_checks(), 1);
	/* A prefix (refused before any signature check) and an extension. */
	ck_assert_int_eq(verify_as(t, tok, len - 1, WRIT_TOKEN_MALFORMED,
	                           "signature: a length that no byte string encodes to"),
	                 WRIT_ETOKEN);
	ck_assert_uint_eq(new_checks(), 0);
	expect(longer, WRIT_TOKEN_BAD_SIGNATURE, "signature length 65, expected 64");
	ck_assert_uint_eq(new_checks(), 1);
	ck_assert_uint_eq(verifier_cache_count(v), TOKEN_CACHE_UNIT);
	/* The original is still a hit. */
	expect_valid(tok);
	ck_assert_uint_eq(new_checks(), 0);
	free(tok);
	free(flipped);
	free(longer);
	free(sigflip);
}
END_TEST

/* =========================================================================
 * The clock, checked on every hit
 * ========================================================================= */

/* A cached token expires on time, with the error of a full check, and its
 * entry goes. */
START_TEST(expiry_on_cached_path)
{
	char *tok = token_of(&es, "j1", "");
	enum writ_token_error e;
	char reason[160];

	expect_valid(tok);
	now = EXP_AT - 0.5;
	new_checks();
	expect_valid(tok);
	ck_assert_uint_eq(new_checks(), 0);

	now = EXP_AT; /* RFC 7519 §4.1.4: on or after exp, refused */
	expect_full(tok, &e, reason, sizeof(reason));
	new_checks();
	ck_assert_int_eq(e, WRIT_TOKEN_EXPIRED);
	expect(tok, e, reason);
	ck_assert_uint_eq(new_checks(), 0); /* refused on the cached path */
	ck_assert_ptr_null(writ_token_subject(t));
	ck_assert_ptr_null(writ_token_claims_json(t));
	ck_assert_uint_eq(verifier_cache_count(v), 0);

	/* Gone: the clock set back, the token is checked in full again. */
	now = TEST_NOW;
	expect_valid(tok);
	ck_assert_uint_eq(new_checks(), 1);
	free(tok);
}
END_TEST

/* The leeway of the moment applies on the cached path. */
START_TEST(expiry_with_leeway)
{
	char *tok = token_of(&es, "j1", "");

	ck_assert_int_eq(writ_verifier_set_leeway(v, 30), WRIT_OK);
	expect_valid(tok);
	new_checks();
	now = EXP_AT + 29;
	expect_valid(tok);
	ck_assert_uint_eq(new_checks(), 0);
	now = EXP_AT + 30;
	expect(tok, WRIT_TOKEN_EXPIRED, "expired");
	ck_assert_uint_eq(new_checks(), 0);
	free(tok);
}
END_TEST

/* nbf and iat are checked on the cached path too (a clock set back), with
 * the errors of a full check. */
START_TEST(nbf_and_iat_on_cached_path)
{
	char *nbf = token_of(&es, "n", ",\"nbf\":1795391990"); /* TEST_NOW - 10 */
	char *iat = token_of(&es, "i", ",\"iat\":1795391990");
	enum writ_token_error e;
	char reason[160];

	expect_valid(nbf);
	expect_valid(iat);
	ck_assert_uint_eq(verifier_cache_count(v), 2);
	now = TEST_NOW - 11;
	new_checks();
	expect_full(nbf, &e, reason, sizeof(reason));
	ck_assert_int_eq(e, WRIT_TOKEN_NOT_YET_VALID);
	new_checks();
	expect(nbf, e, reason);
	expect_full(iat, &e, reason, sizeof(reason));
	ck_assert_int_eq(e, WRIT_TOKEN_ISSUED_IN_FUTURE);
	new_checks();
	expect(iat, e, reason);
	ck_assert_uint_eq(new_checks(), 0);
	ck_assert_uint_eq(verifier_cache_count(v), 0);
	free(nbf);
	free(iat);
}
END_TEST

/* A token not valid yet is refused, not kept, and valid once its time
 * comes. */
START_TEST(nbf_in_future_not_cached)
{
	char *tok = token_of(&es, "j1", ",\"nbf\":1795392100"); /* TEST_NOW + 100 */

	new_checks();
	expect(tok, WRIT_TOKEN_NOT_YET_VALID, "not valid yet (nbf is in the future)");
	expect(tok, WRIT_TOKEN_NOT_YET_VALID, "not valid yet (nbf is in the future)");
	ck_assert_uint_eq(new_checks(), 2);
	ck_assert_uint_eq(verifier_cache_count(v), 0);
	now = TEST_NOW + 100;
	expect_valid(tok);
	expect_valid(tok);
	ck_assert_uint_eq(new_checks(), 1);
	free(tok);
}
END_TEST

static double read_double(void *arg)
{
	return *(const double *)arg;
}

/* Setting a clock does not empty the cache: it is read on every hit, so
 * the new clock rules the cached path at once. */
START_TEST(clock_setter_keeps_entries)
{
	char *tok = token_of(&es, "j1", "");
	double later = EXP_AT + 1;

	expect_valid(tok);
	ck_assert_int_eq(writ_verifier_set_clock(v, read_double, &later), WRIT_OK);
	ck_assert_uint_eq(verifier_cache_count(v), 1);
	new_checks();
	expect(tok, WRIT_TOKEN_EXPIRED, "expired");
	ck_assert_uint_eq(new_checks(), 0);
	ck_assert_int_eq(writ_verifier_set_clock(v, read_double, &now), WRIT_OK);
	expect_valid(tok);
	ck_assert_uint_eq(new_checks(), 1);
	free(tok);
}
END_TEST

/* =========================================================================
 * What is settled at insert time is redone after a reload
 * ========================================================================= */

START_TEST(reload_keys)
{
	char *tok = token_of(&es, "j1", "");
	struct test_key only_b[] = { es_b };
	writ_keyset *other = test_keyset(only_b, 1);

	expect_valid(tok);
	/* The same set again still empties: a reload is a reload. */
	ck_assert_int_eq(writ_verifier_set_keys(v, keys), WRIT_OK);
	ck_assert_uint_eq(verifier_cache_count(v), 0);
	new_checks();
	expect_valid(tok);
	ck_assert_uint_eq(new_checks(), 1);
	/* The signing key rotated out: the token is refused. */
	ck_assert_int_eq(writ_verifier_set_keys(v, other), WRIT_OK);
	expect(tok, WRIT_TOKEN_UNKNOWN_KID, "unknown kid \"es\"");
	writ_keyset_unref(other);
	free(tok);
}
END_TEST

START_TEST(reload_issuer)
{
	char *tok = token_of(&es, "j1", "");

	expect_valid(tok);
	ck_assert_int_eq(writ_verifier_set_issuer(v, "https://other.example.com"), WRIT_OK);
	ck_assert_uint_eq(verifier_cache_count(v), 0);
	new_checks();
	expect(tok, WRIT_TOKEN_WRONG_ISSUER, "token is from another issuer");
	ck_assert_uint_eq(new_checks(), 1);
	/* Back to the token's issuer: valid, from a full check. */
	ck_assert_int_eq(writ_verifier_set_issuer(v, TEST_ISSUER), WRIT_OK);
	expect_valid(tok);
	ck_assert_uint_eq(new_checks(), 1);
	free(tok);
}
END_TEST

START_TEST(reload_audience)
{
	char *tok = token_of(&es, "j1", "");

	expect_valid(tok);
	ck_assert_int_eq(writ_verifier_set_audience(v, "https://store.example.com/api"), WRIT_OK);
	ck_assert_uint_eq(verifier_cache_count(v), 0);
	new_checks();
	expect(tok, WRIT_TOKEN_WRONG_AUDIENCE, "token is for another audience");
	ck_assert_uint_eq(new_checks(), 1);
	free(tok);
}
END_TEST

START_TEST(reload_algorithms)
{
	char *tok = token_of(&es, "j1", "");

	expect_valid(tok);
	ck_assert_int_eq(writ_verifier_set_algorithms(v, "EdDSA"), WRIT_OK);
	ck_assert_uint_eq(verifier_cache_count(v), 0);
	expect(tok, WRIT_TOKEN_BAD_ALG, "alg \"ES256\" is not allowed");
	free(tok);
}
END_TEST

START_TEST(reload_max_length)
{
	char *tok = token_of(&es, "j1", "");
	size_t len = strlen(tok);

	expect_valid(tok);
	ck_assert_int_eq(writ_verifier_set_max_length(v, len - 1), WRIT_OK);
	ck_assert_uint_eq(verifier_cache_count(v), 0);
	{
		char *why = fmt("token of %zu bytes is longer than %zu", len, len - 1);
		expect(tok, WRIT_TOKEN_TOO_LONG, why);
		free(why);
	}
	ck_assert_int_eq(writ_verifier_set_max_length(v, len), WRIT_OK);
	new_checks();
	expect_valid(tok);
	ck_assert_uint_eq(new_checks(), 1);
	free(tok);
}
END_TEST

START_TEST(reload_leeway)
{
	char *tok = token_of(&es, "j1", "");

	expect_valid(tok);
	ck_assert_int_eq(writ_verifier_set_leeway(v, 10), WRIT_OK);
	ck_assert_uint_eq(verifier_cache_count(v), 0);
	/* A refused setting changes nothing, and empties nothing. */
	expect_valid(tok);
	ck_assert_int_eq(writ_verifier_set_leeway(v, 301), WRIT_EINVAL);
	ck_assert_int_eq(writ_verifier_set_issuer(v, ""), WRIT_EINVAL);
	ck_assert_uint_eq(verifier_cache_count(v), 1);
	free(tok);
}
END_TEST

/* =========================================================================
 * Failures are never kept
 * ========================================================================= */

START_TEST(failures_never_cached)
{
	char *good = token_of(&es, "j1", ""), *bad = strdup(good);
	char *h = test_header(&es);
	char *wrong_aud = test_token(&es, h,
	                             "{\"iss\":\"" TEST_ISSUER "\",\"aud\":\"https://x.example\","
	                             "\"exp\":1795392600}");
	char *expired = test_token(&es, h,
	                           "{\"iss\":\"" TEST_ISSUER "\",\"aud\":\"" TEST_AUDIENCE "\","
	                           "\"exp\":1795392000}");
	/* A malformed scope (a tab) under a valid signature. */
	char *bad_scope = test_token(&es, h,
	                             "{\"iss\":\"" TEST_ISSUER "\",\"aud\":\"" TEST_AUDIENCE "\","
	                             "\"exp\":1795392600,"
	                             "\"scope\":\"read:payment\\twrite:payment\"}");
	int i;

	bad[strchr(bad, '.') - bad + 5] ^= 1;
	new_checks();
	for (i = 0; i < 2; i++) {
		expect(bad, WRIT_TOKEN_BAD_SIGNATURE, "signature does not verify");
		expect(wrong_aud, WRIT_TOKEN_WRONG_AUDIENCE, "token is for another audience");
		expect(expired, WRIT_TOKEN_EXPIRED, "expired");
		expect(bad_scope, WRIT_TOKEN_BAD_SCOPE, "claim \"scope\" is malformed");
	}
	ck_assert_uint_eq(new_checks(), 8);
	ck_assert_uint_eq(verifier_cache_count(v), 0);
	/* And the good token, between them, is kept. */
	expect_valid(good);
	expect_valid(good);
	ck_assert_uint_eq(new_checks(), 1);
	ck_assert_uint_eq(verifier_cache_count(v), 1);
	free(good);
	free(bad);
	free(h);
	free(wrong_aud);
	free(expired);
	free(bad_scope);
}
END_TEST

/* =========================================================================
 * Bounds
 * ========================================================================= */

/* Far more tokens than the capacity: the count never passes it, and the
 * oldest are gone. */
START_TEST(capacity_bounded)
{
	char *first = token_of(&es, "first", "");
	char jti[32];
	size_t cap, i;

	ck_assert_int_eq(writ_verifier_set_cache(v, 200), WRIT_OK);
	cap = verifier_cache_capacity(v);
	ck_assert_uint_eq(cap, 256); /* rounded up to whole sets */
	expect_valid(first);
	for (i = 0; i < 4 * cap; i++) {
		char *tok;
		snprintf(jti, sizeof(jti), "t%zu", i);
		tok = token_of(&es, jti, "");
		expect_valid(tok);
		free(tok);
		ck_assert_uint_le(verifier_cache_count(v), cap);
	}
	ck_assert_uint_ge(verifier_cache_count(v), cap / 2);
	new_checks();
	expect_valid(first);
	ck_assert_uint_eq(new_checks(), 1); /* evicted long ago */
	free(first);
}
END_TEST

/* Replacement is least recently used: a token used between every insert
 * is never evicted, though its set sees many times its ways. */
START_TEST(lru_keeps_a_hot_token)
{
	char *hot = token_of(&es, "hot", "");
	char jti[32];
	size_t i;

	ck_assert_int_eq(writ_verifier_set_cache(v, TOKEN_CACHE_UNIT), WRIT_OK);
	ck_assert_uint_eq(verifier_cache_capacity(v), TOKEN_CACHE_UNIT);
	new_checks();
	expect_valid(hot);
	for (i = 0; i < 4 * TOKEN_CACHE_UNIT; i++) {
		char *tok;
		snprintf(jti, sizeof(jti), "t%zu", i);
		tok = token_of(&es, jti, "");
		expect_valid(tok);
		free(tok);
		expect_valid(hot);
	}
	ck_assert_uint_eq(new_checks(), 1 + 4 * TOKEN_CACHE_UNIT);
	free(hot);
}
END_TEST

/* Tokens over TOKEN_CACHE_MAX_TOKEN bytes are verified every time. */
START_TEST(long_tokens_not_cached)
{
	char pad[TOKEN_CACHE_MAX_TOKEN];
	char *extra, *tok;

	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	extra = fmt(",\"pad\":\"%s\"", pad);
	tok = token_of(&es, "long", extra);
	ck_assert_uint_gt(strlen(tok), TOKEN_CACHE_MAX_TOKEN);
	new_checks();
	expect_valid(tok);
	expect_valid(tok);
	ck_assert_uint_eq(new_checks(), 2);
	ck_assert_uint_eq(verifier_cache_count(v), 0);
	free(extra);
	free(tok);
}
END_TEST

/* Size 0 turns the cache off: every verification checks the signature. */
START_TEST(cache_off_always_verifies)
{
	char *tok = token_of(&es, "j1", "");
	writ_token *first = writ_token_new();
	int i;

	ck_assert_int_eq(writ_verifier_set_cache(v, 0), WRIT_OK);
	ck_assert_uint_eq(verifier_cache_capacity(v), 0);
	ck_assert_int_eq(verify_as(first, tok, strlen(tok), WRIT_TOKEN_VALID, "valid"), WRIT_OK);
	new_checks();
	for (i = 0; i < 3; i++) {
		expect_valid(tok);
		assert_same_claims(first, t);
	}
	ck_assert_uint_eq(new_checks(), 3);
	ck_assert_uint_eq(verifier_cache_count(v), 0);

	/* On again, at the smallest size. */
	ck_assert_int_eq(writ_verifier_set_cache(v, 1), WRIT_OK);
	ck_assert_uint_eq(verifier_cache_capacity(v), TOKEN_CACHE_UNIT);
	expect_valid(tok);
	expect_valid(tok);
	ck_assert_uint_eq(new_checks(), 1);
	writ_token_free(first);
	free(tok);
}
END_TEST

START_TEST(set_cache_arguments)
{
	ck_assert_int_eq(writ_verifier_set_cache(NULL, 16), WRIT_EINVAL);
	ck_assert_int_eq(writ_verifier_set_cache(v, TOKEN_CACHE_MAX + 1), WRIT_EINVAL);
	ck_assert_int_eq(writ_verifier_set_cache(v, (size_t)-1), WRIT_EINVAL);
	ck_assert_uint_eq(verifier_cache_capacity(v), TOKEN_CACHE_DEFAULT);
	ck_assert_int_eq(writ_verifier_set_cache(v, TOKEN_CACHE_MAX), WRIT_OK);
	ck_assert_uint_eq(verifier_cache_capacity(v), TOKEN_CACHE_MAX);
}
END_TEST

/* =========================================================================
 * Threads
 * ========================================================================= */

enum { NGOOD = 40, NBAD = 3, ROUNDS = 600 };

struct case_ {
	char *tok;
	enum writ_token_error e;
	char jti[16]; /* of a good token */
};

static struct case_ cases[NGOOD + NBAD];

struct worker {
	int start;
	int wrong;
};

static void *verify_many(void *arg)
{
	struct worker *w = arg;
	writ_token *mine = writ_token_new();
	int i;

	for (i = 0; i < ROUNDS && mine; i++) {
		const struct case_ *c = &cases[(w->start + i * 7) % (NGOOD + NBAD)];
		int rc = writ_verify(v, c->tok, strlen(c->tok), mine);
		if (writ_token_error(mine) != c->e)
			w->wrong++;
		else if (c->e == WRIT_TOKEN_VALID &&
		         (rc != WRIT_OK || !writ_token_jti(mine) ||
		          strcmp(writ_token_jti(mine), c->jti) != 0 ||
		          strncmp(writ_token_subject(mine), "user-", 5) != 0 ||
		          strcmp(writ_token_subject(mine) + 5, c->jti) != 0))
			w->wrong++;
		else if (c->e != WRIT_TOKEN_VALID && (rc != WRIT_ETOKEN || writ_token_jti(mine)))
			w->wrong++;
	}
	if (!mine)
		w->wrong++;
	writ_token_free(mine);
	return NULL;
}

/* Threads share a small cache, evicting each other's entries, over good
 * and bad tokens of two algorithms: every answer is the right one. */
START_TEST(threads_share_the_cache)
{
	struct worker workers[8];
	pthread_t threads[8];
	char *h = test_header(&es);
	size_t i;

	ck_assert_int_eq(writ_verifier_set_cache(v, TOKEN_CACHE_UNIT), WRIT_OK);
	for (i = 0; i < NGOOD; i++) {
		snprintf(cases[i].jti, sizeof(cases[i].jti), "g%zu", i);
		cases[i].tok = token_of(i % 2 ? &ed : &es, cases[i].jti, "");
		cases[i].e = WRIT_TOKEN_VALID;
	}
	{
		char *bad = strdup(cases[0].tok);
		bad[strchr(bad, '.') - bad + 5] ^= 1;
		cases[NGOOD] = (struct case_){ bad, WRIT_TOKEN_BAD_SIGNATURE, "" };
	}
	cases[NGOOD + 1] = (struct case_){
		test_token(&es, h,
		           "{\"iss\":\"" TEST_ISSUER "\",\"aud\":\"" TEST_AUDIENCE "\","
		           "\"exp\":1795392000}"),
		WRIT_TOKEN_EXPIRED, ""
	};
	cases[NGOOD + 2] = (struct case_){
		test_token(&es, h,
		           "{\"iss\":\"" TEST_ISSUER "\",\"aud\":\"https://x.example\","
		           "\"exp\":1795392600}"),
		WRIT_TOKEN_WRONG_AUDIENCE, ""
	};
	for (i = 0; i < 8; i++) {
		workers[i] = (struct worker){ (int)i * 5, 0 };
		ck_assert_int_eq(pthread_create(&threads[i], NULL, verify_many, &workers[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
		ck_assert_msg(workers[i].wrong == 0, "thread %zu: %d wrong answers", i,
		              workers[i].wrong);
	}
	ck_assert_uint_le(verifier_cache_count(v), TOKEN_CACHE_UNIT);
	ck_assert_uint_gt(verifier_cache_count(v), 0);
	for (i = 0; i < NGOOD + NBAD; i++)
		free(cases[i].tok);
	free(h);
}
END_TEST

/* The cache itself, under keys made by hand: a hit needs the very bytes,
 * not just the hash, and the cache keeps its own copy of them. */
START_TEST(hash_alone_never_hits)
{
	struct token_cache *c = token_cache_new(TOKEN_CACHE_UNIT);
	struct token_claims *claims = token_claims_new(json_object()), *got;
	char mine[] = "aaaa.bbbb.cccc", other[] = "aaaa.bbbb.cccd";
	struct token_key k_mine, k_other, k_prefix;

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(claims);
	token_cache_key(c, mine, strlen(mine), &k_mine);
	/* Another token, and a prefix of this one, under the same hash. */
	k_other = k_mine;
	k_other.token = other;
	k_prefix = k_mine;
	k_prefix.len--;
	token_cache_insert(c, &k_mine, claims);
	ck_assert_ptr_null(token_cache_lookup(c, &k_other));
	ck_assert_ptr_null(token_cache_lookup(c, &k_prefix));
	/* The caller's buffer changes after the insert: the entry does not. */
	mine[0] = 'X';
	ck_assert_ptr_null(token_cache_lookup(c, &k_mine));
	mine[0] = 'a';
	got = token_cache_lookup(c, &k_mine);
	ck_assert_ptr_eq(got, claims);
	token_claims_unref(got);
	/* Forgetting goes by the claims, and takes the entry's copy with it. */
	token_cache_forget(c, &k_mine, claims);
	ck_assert_uint_eq(token_cache_count(c), 0);
	ck_assert_ptr_null(token_cache_lookup(c, &k_mine));
	token_claims_unref(claims);
	token_cache_free(c);
}
END_TEST

static TCase *tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, keys_setup, keys_teardown);
	tcase_add_checked_fixture(tc, verifier_setup, verifier_teardown);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *suite(void)
{
	Suite *s = suite_create("verify_cache");
	TCase *tc;

	tc = tcase(s, "hits");
	tcase_add_test(tc, default_verifier_has_a_cache);
	tcase_add_test(tc, hit_skips_signature);
	tcase_add_test(tc, hit_outlives_its_entry);
	tcase_add_test(tc, differing_bytes_miss);
	tcase_add_test(tc, hash_alone_never_hits);

	tc = tcase(s, "clock");
	tcase_add_test(tc, expiry_on_cached_path);
	tcase_add_test(tc, expiry_with_leeway);
	tcase_add_test(tc, nbf_and_iat_on_cached_path);
	tcase_add_test(tc, nbf_in_future_not_cached);
	tcase_add_test(tc, clock_setter_keeps_entries);

	tc = tcase(s, "reload");
	tcase_add_test(tc, reload_keys);
	tcase_add_test(tc, reload_issuer);
	tcase_add_test(tc, reload_audience);
	tcase_add_test(tc, reload_algorithms);
	tcase_add_test(tc, reload_max_length);
	tcase_add_test(tc, reload_leeway);

	tc = tcase(s, "failures");
	tcase_add_test(tc, failures_never_cached);

	tc = tcase(s, "bounds");
	tcase_add_test(tc, capacity_bounded);
	tcase_add_test(tc, lru_keeps_a_hot_token);
	tcase_add_test(tc, long_tokens_not_cached);
	tcase_add_test(tc, cache_off_always_verifies);
	tcase_add_test(tc, set_cache_arguments);

	tc = tcase(s, "threads");
	tcase_add_test(tc, threads_share_the_cache);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
