/*
 * test_jwt.c: the access-token validator against DESIGN §5, rule by rule,
 * and the issuer side (writ_key_generate, writ_signer_load, writ_mint)
 * through round trips.
 *
 * Every rule of §5 is a security boundary, so each has a token that passes
 * and tokens that fail, and every failure is asserted exactly: the result
 * of writ_verify(), writ_token_error() and the text of writ_token_reason().
 * Tokens are made by hand (jwt-helpers.c signs any header and claims), so
 * a malformed part can still carry a valid signature and reach the very
 * check that must refuse it.
 *
 * Keys are made once per TCase by an unchecked fixture (RSA generation is
 * the slow part); each test gets a fresh verifier, key set and token object
 * from a checked fixture.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base64url.h"
#include "helpers.h"
#include "jwk.h"
#include "jws.h"
#include "jwt-helpers.h"
#include "util.h"

/* ---- the claims and headers most tests start from ---- */

#define ISS "\"iss\":\"" TEST_ISSUER "\""
#define AUD "\"aud\":\"" TEST_AUDIENCE "\""
#define EXP_AT (TEST_NOW + 600)
#define EXP "\"exp\":1795392600" /* EXP_AT */
#define CLAIMS "{" ISS "," AUD "," EXP ",\"scope\":\"write:payment\"}"

#define HDR_ES "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"es\"}"
#define HDR_ES384 "{\"alg\":\"ES384\",\"typ\":\"at+jwt\",\"kid\":\"es384\"}"
#define HDR_ED "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"ed\"}"
#define HDR_RSA "{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"rsa\"}"
#define HDR_PS "{\"alg\":\"PS256\",\"typ\":\"at+jwt\",\"kid\":\"ps\"}"

/* The reasons of base64url.c, as writ_verify prefixes them. */
#define B64_CHAR "a character outside the base64url alphabet"
#define B64_LENGTH "a length that no byte string encodes to"
#define B64_BITS "non-zero trailing bits (not the canonical encoding)"

#define NOT_VERIFIED "signature does not verify"
#define OUT_OF_RANGE "signature value out of range"

/* Group orders n of P-256 and P-384 (SEC 2 §2.4.2, §2.5.1), big-endian. */
static const unsigned char p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};
static const unsigned char p384_n[48] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf, 0x58, 0x1a, 0x0d, 0xb2,
	0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
};
/* L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 §5.1),
 * little-endian as S is encoded. */
static const unsigned char ed25519_l[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2,
	0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

static const char b64url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* ---- keys (unchecked fixture: once per TCase) ---- */

static struct test_key es;      /* ES256, kid "es" */
static struct test_key es_twin; /* another ES256 key that also says "es" */
static struct test_key es_b;    /* ES256, kid "es-b", configured too */
static struct test_key es384;   /* ES384, kid "es384" */
static struct test_key ed;      /* EdDSA, kid "ed" */
static struct test_key rsa;     /* RS256, 2048 bits, kid "rsa" */
static struct test_key ps;      /* the same RSA key as PS256, kid "ps" */

static void keys_setup(void)
{
	test_key_init(&es, JWS_ES256, "es");
	test_key_init(&es_twin, JWS_ES256, "es");
	test_key_init(&es_b, JWS_ES256, "es-b");
	test_key_init(&es384, JWS_ES384, "es384");
	test_key_init(&ed, JWS_EDDSA, "ed");
}

static void keys_setup_rsa(void)
{
	keys_setup();
	test_key_init(&rsa, JWS_RS256, "rsa");
	/* One RSA key serves PS256 too: it shares rsa's EVP_PKEY. */
	ps = rsa;
	ps.alg = JWS_PS256;
	snprintf(ps.kid, sizeof(ps.kid), "ps");
}

static void keys_teardown(void)
{
	test_key_free(&es);
	test_key_free(&es_twin);
	test_key_free(&es_b);
	test_key_free(&es384);
	test_key_free(&ed);
	test_key_free(&rsa);
	memset(&ps, 0, sizeof(ps));
}

/* ---- the verifier under test (checked fixture: once per test) ---- */

static writ_keyset *keys;
static writ_verifier *v;
static writ_token *t;
static double now;

/* Every key of the TCase is configured, each with its alg. */
static void verifier_setup(void)
{
	const struct test_key *pool[] = { &es, &es_b, &es384, &ed, &rsa, &ps };
	struct test_key set[ARRAY_SIZE(pool)];
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(pool); i++)
		if (pool[i]->pkey)
			set[n++] = *pool[i];
	keys = test_keyset(set, n);
	now = TEST_NOW;
	v = test_verifier(keys, &now);
	t = writ_token_new();
	ck_assert_ptr_nonnull(t);
}

static void verifier_teardown(void)
{
	writ_token_free(t);
	/* The verifier first: it holds a reference to the set (see
	 * config_keyset_dropped_early for the other order). */
	writ_verifier_free(v);
	writ_keyset_unref(keys);
	t = NULL;
	v = NULL;
	keys = NULL;
}

/* Replace the fixture's verifier by one over this JWKS text. */
static void use_jwks(const char *jwks)
{
	char err[256] = "";

	writ_verifier_free(v);
	writ_keyset_unref(keys);
	keys = NULL;
	ck_assert_msg(writ_keyset_load(jwks, strlen(jwks), &keys, err, sizeof(err)) == WRIT_OK,
	              "key set refused: %s", err);
	v = test_verifier(keys, &now);
}

/* ---- small text helpers ---- */

/* s with `what` inserted at offset at; caller frees. */
static char *insert_at(const char *s, size_t at, const char *what)
{
	return fmt("%.*s%s%s", (int)at, s, what, s + at);
}

/* A JSON object text with spaces after its '{' so that its length is
 * r modulo 3: its base64url form then ends in a partial quantum of r + 1
 * characters (none for r = 0). */
static char *spaced(const char *json, size_t r)
{
	size_t len = strlen(json), pad = (r + 3 - len % 3) % 3;

	return fmt("{%*s%s", (int)pad, "", json + 1);
}

/* The JWKS of these keys (each JWK with its alg unless with_alg is 0). */
static char *jwks_of(const struct test_key *const *ks, size_t n, int with_alg)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	buf_puts(&b, "{\"keys\":[");
	for (i = 0; i < n; i++) {
		char *jwk = test_jwk(ks[i], with_alg);
		buf_printf(&b, "%s%s", i ? "," : "", jwk);
		free(jwk);
	}
	buf_puts(&b, "]}");
	return buf_steal(&b);
}

/* ---- verifying and asserting ---- */

/* Verify tok[0..len) and assert the whole outcome. */
static void expect_n(const char *tok, size_t len, enum writ_token_error e,
                     const char *reason)
{
	int rc = writ_verify(v, tok, len, t);
	int want = e == WRIT_TOKEN_VALID ? WRIT_OK : WRIT_ETOKEN;

	ck_assert_msg(rc == want && writ_token_error(t) == e &&
	              strcmp(writ_token_reason(t), reason) == 0,
	              "token \"%.70s\" (%zu bytes): got rc %d, error %d \"%s\"; "
	              "expected rc %d, error %d \"%s\"",
	              tok, len, rc, (int)writ_token_error(t), writ_token_reason(t),
	              want, (int)e, reason);
}

static void expect(const char *tok, enum writ_token_error e, const char *reason)
{
	expect_n(tok, strlen(tok), e, reason);
}

static void expect_valid(const char *tok)
{
	expect(tok, WRIT_TOKEN_VALID, "valid");
}

/* The same, taking ownership of tok. */
static void expect_free(char *tok, enum writ_token_error e, const char *reason)
{
	expect(tok, e, reason);
	free(tok);
}

static void valid_free(char *tok)
{
	expect_free(tok, WRIT_TOKEN_VALID, "valid");
}

/* A token of the ES256 key with this header and the usual claims. */
static void header_is(const char *header, enum writ_token_error e, const char *reason)
{
	expect_free(test_token(&es, header, CLAIMS), e, reason);
}

/* A token of the ES256 key with the usual header and these claims. */
static void claims_are(const char *claims, enum writ_token_error e, const char *reason)
{
	expect_free(test_token(&es, HDR_ES, claims), e, reason);
}

static void claims_valid(const char *claims)
{
	claims_are(claims, WRIT_TOKEN_VALID, "valid");
}

/* ---- tokens made by parts ---- */

struct parts {
	char *h64, *c64;
	unsigned char sig[1024];
	size_t siglen;
};

static void parts_sign(struct parts *p, const struct test_key *k)
{
	char *input = fmt("%s.%s", p->h64, p->c64);

	p->siglen = test_sign(k, input, strlen(input), p->sig);
	free(input);
}

/* header[0..hlen) and claims[0..clen), encoded and signed by k. */
static void parts_make_n(struct parts *p, const struct test_key *k, const char *header,
                         size_t hlen, const char *claims, size_t clen)
{
	p->h64 = test_b64(header, hlen);
	p->c64 = test_b64(claims, clen);
	parts_sign(p, k);
}

static void parts_make(struct parts *p, const struct test_key *k, const char *header,
                       const char *claims)
{
	parts_make_n(p, k, header, strlen(header), claims, strlen(claims));
}

/* The token with this signature in place of the one made. */
static char *parts_token_sig(const struct parts *p, const unsigned char *sig, size_t n)
{
	return test_token_parts(p->h64, p->c64, sig, n);
}

static char *parts_token(const struct parts *p)
{
	return parts_token_sig(p, p->sig, p->siglen);
}

static void parts_free(struct parts *p)
{
	free(p->h64);
	free(p->c64);
	p->h64 = p->c64 = NULL;
}

/* A token over raw bytes (JSON that strlen() cannot carry). */
static char *token_n(const struct test_key *k, const char *header, size_t hlen,
                     const char *claims, size_t clen)
{
	struct parts p;
	char *tok;

	parts_make_n(&p, k, header, hlen, claims, clen);
	tok = parts_token(&p);
	parts_free(&p);
	return tok;
}

/* =========================================================================
 * Size: tokens over 64 KiB are refused before any decoding.
 * ========================================================================= */

/* A valid ES256 token of exactly `total` bytes: a "pad" claim fills it. */
static char *sized_token(size_t total)
{
	char *header = NULL, *h64, *tok;
	size_t r, want = 0, n;
	struct buf b;

	/* A header whose length leaves the claims a length that some text
	 * encodes to (never 1 modulo 4). 86: a 64-byte signature. */
	for (r = 0; r < 3; r++) {
		header = spaced(HDR_ES, r);
		h64 = test_b64(header, strlen(header));
		want = total - strlen(h64) - 2 - 86;
		free(h64);
		if (want % 4 != 1)
			break;
		free(header);
	}
	ck_assert_uint_lt(r, 3);
	n = b64url_decoded_max(want);
	buf_init(&b);
	buf_puts(&b, "{" ISS "," AUD "," EXP ",\"pad\":\"");
	while (b.len < n - 2)
		buf_putc(&b, 'x');
	buf_puts(&b, "\"}");
	tok = test_token(&es, header, b.data);
	buf_free(&b);
	free(header);
	ck_assert_uint_eq(strlen(tok), total);
	return tok;
}

START_TEST(size_limit_is_65536)
{
	/* Exactly 64 KiB is read, and this one is valid throughout. */
	valid_free(sized_token(65536));
	/* One byte more is refused whole, good signature or not. */
	expect_free(sized_token(65537), WRIT_TOKEN_TOO_LONG,
	            "token of 65537 bytes is longer than 65536");
}
END_TEST

START_TEST(size_checked_before_decoding)
{
	char *junk = malloc(65537);

	ck_assert_ptr_nonnull(junk);
	memset(junk, 'a', 65537);
	/* 65536 bytes reach the segment check; 65537 never do. */
	expect_n(junk, 65536, WRIT_TOKEN_MALFORMED, "not three dot-separated segments");
	expect_n(junk, 65537, WRIT_TOKEN_TOO_LONG, "token of 65537 bytes is longer than 65536");
	memset(junk, '.', 65537);
	expect_n(junk, 65537, WRIT_TOKEN_TOO_LONG, "token of 65537 bytes is longer than 65536");
	free(junk);
}
END_TEST

START_TEST(size_max_length_setting)
{
	char *tok = test_token(&es, HDR_ES, CLAIMS), *why;
	size_t len = strlen(tok);

	ck_assert_int_eq(writ_verifier_set_max_length(v, 0), WRIT_EINVAL);
	ck_assert_int_eq(writ_verifier_set_max_length(v, 65537), WRIT_EINVAL);
	ck_assert_int_eq(writ_verifier_set_max_length(v, (size_t)-1), WRIT_EINVAL);
	ck_assert_int_eq(writ_verifier_set_max_length(NULL, 100), WRIT_EINVAL);
	ck_assert_int_eq(writ_verifier_set_max_length(v, 65536), WRIT_OK);
	/* The bound is inclusive. */
	ck_assert_int_eq(writ_verifier_set_max_length(v, len), WRIT_OK);
	expect_valid(tok);
	ck_assert_int_eq(writ_verifier_set_max_length(v, len - 1), WRIT_OK);
	why = fmt("token of %zu bytes is longer than %zu", len, len - 1);
	expect(tok, WRIT_TOKEN_TOO_LONG, why);
	/* A refused setting leaves the last good one. */
	ck_assert_int_eq(writ_verifier_set_max_length(v, 0), WRIT_EINVAL);
	expect(tok, WRIT_TOKEN_TOO_LONG, why);
	free(why);
	free(tok);
}
END_TEST

/* =========================================================================
 * Encoding: exactly three canonical, unpadded base64url segments.
 * ========================================================================= */

START_TEST(encoding_segment_count)
{
	char *tok = test_token(&es, HDR_ES, CLAIMS), *s;

	expect_valid(tok);
	/* Two segments: the signature dropped. */
	s = fmt("%.*s", (int)(strrchr(tok, '.') - tok), tok);
	expect(s, WRIT_TOKEN_MALFORMED, "not three dot-separated segments");
	free(s);
	/* Four and five (JWE compact has five). */
	s = fmt("%s.AAAA", tok);
	expect(s, WRIT_TOKEN_MALFORMED, "not three dot-separated segments");
	free(s);
	s = fmt("%s.", tok);
	expect(s, WRIT_TOKEN_MALFORMED, "not three dot-separated segments");
	free(s);
	s = fmt("%s.AAAA.AAAA", tok);
	expect(s, WRIT_TOKEN_MALFORMED, "not three dot-separated segments");
	free(s);
	expect("eyJhbGciOiJFUzI1NiJ9", WRIT_TOKEN_MALFORMED, "not three dot-separated segments");
	expect("", WRIT_TOKEN_MALFORMED, "not three dot-separated segments");
	free(tok);
}
END_TEST

START_TEST(encoding_empty_segments)
{
	struct parts p;
	char *s64, *s;

	parts_make(&p, &es, HDR_ES, CLAIMS);
	s64 = test_b64(p.sig, p.siglen);
	s = fmt(".%s.%s", p.c64, s64);
	expect(s, WRIT_TOKEN_MALFORMED, "empty segment");
	free(s);
	s = fmt("%s..%s", p.h64, s64);
	expect(s, WRIT_TOKEN_MALFORMED, "empty segment");
	free(s);
	s = fmt("%s.%s.", p.h64, p.c64);
	expect(s, WRIT_TOKEN_MALFORMED, "empty segment");
	free(s);
	expect("..", WRIT_TOKEN_MALFORMED, "empty segment");
	free(s64);
	parts_free(&p);
}
END_TEST

/*
 * The three segments of a valid ES256 token whose header and claims JSON
 * are r modulo 3 long (r = 1: the encoding ends in 2 characters carrying 4
 * unused bits; r = 2: 3 characters, 2 unused bits) and hold runs of '~' and
 * '?', which base64url encodes with '-' and '_'. The signature (64 bytes:
 * 86 characters, 4 unused bits) is made until it holds '-' or '_' too.
 */
struct segs {
	char *s[3];
};

enum seg { SEG_HEADER, SEG_CLAIMS, SEG_SIG };
static const char *const seg_name[] = { "header", "claims", "signature" };

#define HDR_X "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"es\",\"x\":\"~~~~~~??????\"}"
#define CLAIMS_X "{" ISS "," AUD "," EXP ",\"x\":\"~~~~~~??????\"}"

static void segs_make(struct segs *g, size_t r)
{
	char *h = spaced(HDR_X, r), *c = spaced(CLAIMS_X, r);
	struct parts p;
	int tries;

	parts_make(&p, &es, h, c);
	g->s[SEG_SIG] = NULL;
	for (tries = 0; tries < 500; tries++) {
		free(g->s[SEG_SIG]);
		parts_sign(&p, &es);
		g->s[SEG_SIG] = test_b64(p.sig, p.siglen);
		if (strpbrk(g->s[SEG_SIG], "-_"))
			break;
	}
	g->s[SEG_HEADER] = p.h64;
	g->s[SEG_CLAIMS] = p.c64;
	ck_assert_ptr_nonnull(strpbrk(g->s[SEG_HEADER], "-"));
	ck_assert_ptr_nonnull(strpbrk(g->s[SEG_HEADER], "_"));
	ck_assert_ptr_nonnull(strpbrk(g->s[SEG_CLAIMS], "-"));
	ck_assert_ptr_nonnull(strpbrk(g->s[SEG_CLAIMS], "_"));
	ck_assert_ptr_nonnull(strpbrk(g->s[SEG_SIG], "-_"));
	free(h);
	free(c);
}

static void segs_free(struct segs *g)
{
	free(g->s[0]);
	free(g->s[1]);
	free(g->s[2]);
}

/*
 * The token of g with segment `which` replaced by text. A replaced header
 * or claims segment is signed as it stands, so that only its own check can
 * refuse it. why NULL: the token must be valid; else it is MALFORMED with
 * "<segment>: <why>".
 */
static void segment_case(const struct segs *g, enum seg which, const char *text,
                         const char *why)
{
	struct parts p = { 0 };
	char *s64, *tok;

	if (which == SEG_SIG) {
		tok = fmt("%s.%s.%s", g->s[0], g->s[1], text);
	} else {
		p.h64 = strdup(which == SEG_HEADER ? text : g->s[SEG_HEADER]);
		p.c64 = strdup(which == SEG_CLAIMS ? text : g->s[SEG_CLAIMS]);
		parts_sign(&p, &es);
		s64 = test_b64(p.sig, p.siglen);
		tok = fmt("%s.%s.%s", p.h64, p.c64, s64);
		free(s64);
		parts_free(&p);
	}
	if (why) {
		char *reason = fmt("%s: %s", seg_name[which], why);
		expect(tok, WRIT_TOKEN_MALFORMED, reason);
		free(reason);
	} else {
		expect_valid(tok);
	}
	free(tok);
}

START_TEST(encoding_canonical_accepted)
{
	struct segs g;
	size_t r;
	int i;

	for (r = 1; r <= 2; r++) {
		segs_make(&g, r);
		for (i = SEG_HEADER; i <= SEG_SIG; i++)
			segment_case(&g, (enum seg)i, g.s[i], NULL);
		segs_free(&g);
	}
}
END_TEST

START_TEST(encoding_whitespace)
{
	static const char *const ws[] = { " ", "\n", "\t", "\r", "\r\n", "\v", "\f" };
	struct segs g;
	char *tok, *s;
	size_t i, at;
	int k;

	/* Every segment is 2 modulo 4 long, so one or two more characters
	 * still make a possible length: only the character is wrong. */
	segs_make(&g, 1);
	for (k = SEG_HEADER; k <= SEG_SIG; k++) {
		size_t len = strlen(g.s[k]);
		size_t where[] = { 0, len / 2, len };
		for (i = 0; i < ARRAY_SIZE(ws); i++) {
			for (at = 0; at < ARRAY_SIZE(where); at++) {
				s = insert_at(g.s[k], where[at], ws[i]);
				segment_case(&g, (enum seg)k, s, B64_CHAR);
				free(s);
			}
		}
	}
	/* Whole tokens with a newline or space added at either end, as a
	 * careless HTTP layer would leave them: never trimmed. */
	tok = fmt("%s.%s.%s", g.s[0], g.s[1], g.s[2]);
	expect_valid(tok);
	s = fmt("%s\n", tok);
	expect(s, WRIT_TOKEN_MALFORMED, "signature: " B64_CHAR);
	free(s);
	s = fmt("%s\r\n", tok);
	expect(s, WRIT_TOKEN_MALFORMED, "signature: " B64_CHAR);
	free(s);
	s = fmt(" %s", tok);
	expect(s, WRIT_TOKEN_MALFORMED, "header: " B64_CHAR);
	free(s);
	/* Seven more characters make an impossible length, checked first. */
	s = fmt("Bearer %s", tok);
	expect(s, WRIT_TOKEN_MALFORMED, "header: " B64_LENGTH);
	free(s);
	free(tok);
	segs_free(&g);
}
END_TEST

START_TEST(encoding_padding)
{
	struct segs g;
	char *s;
	int k;

	/* Two characters of padding complete the 2-modulo-4 segments. */
	segs_make(&g, 1);
	for (k = SEG_HEADER; k <= SEG_SIG; k++) {
		s = fmt("%s==", g.s[k]);
		segment_case(&g, (enum seg)k, s, B64_CHAR);
		free(s);
		s = fmt("%s=", g.s[k]);
		segment_case(&g, (enum seg)k, s, B64_CHAR);
		free(s);
	}
	segs_free(&g);
	/* One completes the 3-modulo-4 header and claims. */
	segs_make(&g, 2);
	for (k = SEG_HEADER; k <= SEG_CLAIMS; k++) {
		s = fmt("%s=", g.s[k]);
		segment_case(&g, (enum seg)k, s, B64_CHAR);
		free(s);
	}
	segs_free(&g);
}
END_TEST

START_TEST(encoding_standard_alphabet)
{
	struct segs g;
	char *s, *c;
	int k;

	/* The same bytes in standard base64: '+' for '-', '/' for '_'. */
	segs_make(&g, 1);
	for (k = SEG_HEADER; k <= SEG_SIG; k++) {
		s = strdup(g.s[k]);
		for (c = s; *c; c++)
			*c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
		segment_case(&g, (enum seg)k, s, B64_CHAR);
		free(s);
	}
	segs_free(&g);
}
END_TEST

/* Set the lowest unused bit of the last character: the same bytes, not
 * the canonical encoding (RFC 4648 §3.5, RFC 7515 §2). */
static char *noncanonical(const char *seg)
{
	char *s = strdup(seg), *last = s + strlen(s) - 1;
	const char *at = strchr(b64url_alphabet, *last);

	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq((at - b64url_alphabet) & 1, 0);
	*last = b64url_alphabet[(at - b64url_alphabet) | 1];
	return s;
}

START_TEST(encoding_nonzero_trailing_bits)
{
	struct segs g;
	char *s;
	size_t r;
	int k;

	for (r = 1; r <= 2; r++) {
		segs_make(&g, r);
		for (k = SEG_HEADER; k <= SEG_SIG; k++) {
			s = noncanonical(g.s[k]);
			segment_case(&g, (enum seg)k, s, B64_BITS);
			free(s);
		}
		segs_free(&g);
	}
}
END_TEST

START_TEST(encoding_impossible_length)
{
	struct segs g;
	char *s;
	size_t r;
	int k;

	/* Cut to 1 modulo 4: no byte string encodes to that length (the
	 * signature is always 2 modulo 4 long). */
	for (r = 1; r <= 2; r++) {
		segs_make(&g, r);
		for (k = SEG_HEADER; k <= SEG_SIG; k++) {
			s = strdup(g.s[k]);
			s[strlen(s) - (k == SEG_SIG ? 1 : r)] = '\0';
			segment_case(&g, (enum seg)k, s, B64_LENGTH);
			free(s);
		}
		segs_free(&g);
	}
}
END_TEST

/* =========================================================================
 * JSON: strict RFC 8259 in the header and in the claims.
 * ========================================================================= */

/* obj (a JSON object text) with a first member "x" holding `levels` nested
 * arrays, or objects, so that the document is levels + 1 deep. */
static char *nested(const char *obj, size_t levels, bool objects)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	buf_puts(&b, "{\"x\":");
	for (i = 0; i < levels; i++)
		buf_puts(&b, !objects ? "[" : i + 1 < levels ? "{\"a\":" : "{");
	for (i = 0; i < levels; i++)
		buf_putc(&b, objects ? '}' : ']');
	buf_printf(&b, ",%s", obj + 1);
	return buf_steal(&b);
}

/* The header or the claims as given, the other part the usual one. */
static void json_case(bool header, const char *json, size_t len, const char *why)
{
	char *tok = header ? token_n(&es, json, len, CLAIMS, strlen(CLAIMS))
	                   : token_n(&es, HDR_ES, strlen(HDR_ES), json, len);

	if (why) {
		char *reason = fmt("%s: %s", header ? "header" : "claims", why);
		expect(tok, header ? WRIT_TOKEN_BAD_HEADER : WRIT_TOKEN_BAD_CLAIMS, reason);
		free(reason);
	} else {
		expect_valid(tok);
	}
	free(tok);
}

/* The same with a member `member` (text such as "\"x\":1") added first. */
static void json_member_case(bool header, const char *member, const char *why)
{
	const char *base = header ? HDR_ES : CLAIMS;
	char *json = fmt("{%s,%s", member, base + 1);

	json_case(header, json, strlen(json), why);
	free(json);
}

START_TEST(json_utf8)
{
	static const char *const bad[] = {
		"\xff", "\x80", "\xfe",
		"\xc0\xaf", "\xc1\xbf",         /* overlong "/" and U+007F */
		"\xe0\x80\xaf",                 /* overlong, three bytes */
		"\xf0\x80\x80\xaf",             /* overlong, four bytes */
		"\xc0\x80",                     /* overlong NUL */
		"\xed\xa0\x80", "\xed\xbf\xbf", /* UTF-16 surrogates */
		"\xf4\x90\x80\x80",             /* above U+10FFFF */
		"\xe2\x82",                     /* truncated */
	};
	static const char *const good[] = {
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
		"\xef\xbb\xbf", /* U+FEFF inside a string is only a character */
	};
	size_t i;
	int h;

	for (h = 0; h <= 1; h++) {
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			char *m = fmt("\"x\":\"%s\"", bad[i]);
			json_member_case(h, m, "invalid UTF-8 in JSON");
			free(m);
		}
		for (i = 0; i < ARRAY_SIZE(good); i++) {
			char *m = fmt("\"x\":\"%s\"", good[i]);
			json_member_case(h, m, NULL);
			free(m);
		}
		/* In a member name too. */
		json_member_case(h, "\"\xc0\xaf\":1", "invalid UTF-8 in JSON");
	}
}
END_TEST

START_TEST(json_bom)
{
	int h;

	for (h = 0; h <= 1; h++) {
		const char *base = h ? HDR_ES : CLAIMS;
		char *json = fmt("\xef\xbb\xbf%s", base);
		json_case(h, json, strlen(json), "JSON starts with a byte-order mark");
		free(json);
		json_case(h, base, strlen(base), NULL);
	}
}
END_TEST

START_TEST(json_top_level)
{
	int h;

	for (h = 0; h <= 1; h++) {
		const char *base = h ? HDR_ES : CLAIMS;
		char *json = fmt("[%s]", base);
		json_case(h, json, strlen(json), "JSON is not an object");
		free(json);
		json_case(h, "[]", 2, "JSON is not an object");
		json_case(h, "\"abc\"", 5, "malformed JSON: '[' or '{' expected near '\"abc\"'");
		json_case(h, "42", 2, "malformed JSON: '[' or '{' expected near '42'");
		json_case(h, "null", 4, "malformed JSON: '[' or '{' expected near 'null'");
	}
}
END_TEST

START_TEST(json_trailing_garbage)
{
	int h;

	for (h = 0; h <= 1; h++) {
		const char *base = h ? HDR_ES : CLAIMS;
		size_t len = strlen(base);
		char *json = fmt("%sx", base);
		json_case(h, json, len + 1, "malformed JSON: end of file expected near 'x'");
		free(json);
		json = fmt("%s%s", base, base);
		json_case(h, json, 2 * len, "malformed JSON: end of file expected near '{'");
		free(json);
		json = fmt("%s,{}", base);
		json_case(h, json, len + 3, "malformed JSON: end of file expected near ','");
		free(json);
		/* A NUL byte after the object (the JSON has a length, not an
		 * end marker). */
		json = fmt("%s?", base);
		json[len] = '\0';
		json_case(h, json, len + 1, "malformed JSON: end of file expected near end of file");
		free(json);
	}
}
END_TEST

START_TEST(json_duplicate_members)
{
	/* Top level: the classic "which aud wins" ambiguity. */
	json_case(false, "{" ISS "," AUD "," AUD "," EXP "}",
	          strlen("{" ISS "," AUD "," AUD "," EXP "}"), "duplicate member \"aud\"");
	json_member_case(false, "\"aud\":\"https://attacker.example\"",
	                 "duplicate member \"aud\"");
	json_member_case(false, "\"x\":{\"aud\":1,\"aud\":2}", "duplicate member \"aud\"");
	json_member_case(false, "\"x\":[{\"y\":[{\"aud\":1,\"aud\":2}]}]",
	                 "duplicate member \"aud\"");
	/* The same name spelt with an escape is the same name (found at the
	 * plain "aud" that follows it). */
	json_member_case(false, "\"\\u0061ud\":\"x\"", "duplicate member \"aud\"");
	json_member_case(true, "\"kid\":\"es-b\"", "duplicate member \"kid\"");
	json_member_case(true, "\"alg\":\"ES256\"", "duplicate member \"alg\"");
	json_member_case(true, "\"jwk\":{\"kty\":\"EC\",\"kty\":\"EC\"}",
	                 "duplicate member \"kty\"");
	/* The same name in sibling objects is no duplicate. */
	json_member_case(false, "\"x\":{\"aud\":1},\"y\":{\"aud\":2}", NULL);
	json_member_case(true, "\"x\":{\"kid\":1},\"y\":[{\"kid\":2}]", NULL);
}
END_TEST

START_TEST(json_depth)
{
	int h, objects;

	for (h = 0; h <= 1; h++) {
		for (objects = 0; objects <= 1; objects++) {
			char *ok = nested(h ? HDR_ES : CLAIMS, 63, objects);
			char *deep = nested(h ? HDR_ES : CLAIMS, 64, objects);
			json_case(h, ok, strlen(ok), NULL);
			json_case(h, deep, strlen(deep), "JSON nested deeper than 64 levels");
			free(ok);
			free(deep);
		}
	}
}
END_TEST

START_TEST(json_depth_ignores_strings)
{
	struct buf b;
	int h, i;

	/* Brackets inside strings, after escaped quotes too, are text. */
	for (h = 0; h <= 1; h++) {
		buf_init(&b);
		buf_puts(&b, "\"x\":\"\\\"");
		for (i = 0; i < 100; i++)
			buf_puts(&b, "[{");
		buf_puts(&b, "\\\\\",\"y\":\"\\\\\"");
		json_member_case(h, b.data, NULL);
		buf_free(&b);
	}
}
END_TEST

START_TEST(json_nul)
{
	/* \u0000 would end the string for any C caller that reads it. */
	json_member_case(true, "\"x\":\"es\\u0000\"",
	                 "malformed JSON: \\u0000 is not allowed without JSON_ALLOW_NUL "
	                 "near '\"es\\u0000\"'");
	json_member_case(false, "\"sub\":\"a\\u0000b\"",
	                 "malformed JSON: \\u0000 is not allowed without JSON_ALLOW_NUL "
	                 "near '\"a\\u0000b\"'");
	/* The expected audience followed by a NUL never matches it. */
	claims_are("{" ISS ",\"aud\":\"" TEST_AUDIENCE "\\u0000\"," EXP "}",
	           WRIT_TOKEN_BAD_CLAIMS,
	           "claims: malformed JSON: \\u0000 is not allowed without JSON_ALLOW_NUL");
}
END_TEST

START_TEST(json_raw_control_characters)
{
	static const char header[] =
		"{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"es\",\"x\":\"a\0b\"}";
	static const char claims[] = "{" ISS "," AUD "," EXP ",\"x\":\"a\nb\"}";
	char *tok;

	tok = token_n(&es, header, sizeof(header) - 1, CLAIMS, strlen(CLAIMS));
	expect(tok, WRIT_TOKEN_BAD_HEADER,
	       "header: malformed JSON: control character 0x0 near '\"a'");
	free(tok);
	tok = token_n(&es, HDR_ES, strlen(HDR_ES), claims, sizeof(claims) - 1);
	expect(tok, WRIT_TOKEN_BAD_CLAIMS,
	       "claims: malformed JSON: unexpected newline near '\"a'");
	free(tok);
}
END_TEST

/* =========================================================================
 * Header: alg, typ, kid, crit, and the key-carrying headers.
 * ========================================================================= */

/* The header {"alg":alg,"typ":"at+jwt","kid":kid} plus more members. */
static char *hdr(const char *alg, const char *kid, const char *more)
{
	return fmt("{\"alg\":%s,\"typ\":\"at+jwt\",\"kid\":\"%s\"%s%s}", alg, kid,
	           more ? "," : "", more ? more : "");
}

START_TEST(header_alg)
{
	static const char *const not_strings[] = { "256", "null", "true", "[\"ES256\"]", "{}" };
	static const char *const refused[] = {
		"none", "None", "NONE", "HS256", "HS384", "HS512", "es256", "Es256",
		"ES256 ", " ES256", "", "RS512", "ES512", "EdDSA25519", "Ed25519",
		"RSA-OAEP", "dir",
	};
	size_t i;
	char *h, *why;

	header_is("{\"typ\":\"at+jwt\",\"kid\":\"es\"}", WRIT_TOKEN_BAD_ALG,
	          "header has no \"alg\" string");
	for (i = 0; i < ARRAY_SIZE(not_strings); i++) {
		h = hdr(not_strings[i], "es", NULL);
		header_is(h, WRIT_TOKEN_BAD_ALG, "header has no \"alg\" string");
		free(h);
	}
	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		char *alg = fmt("\"%s\"", refused[i]);
		h = hdr(alg, "es", NULL);
		why = fmt("alg \"%s\" is not allowed", refused[i]);
		header_is(h, WRIT_TOKEN_BAD_ALG, why);
		free(why);
		free(h);
		free(alg);
	}
	/* The default allowlist: ES256, RS256 and EdDSA, each exactly. */
	valid_free(test_token(&es, HDR_ES, CLAIMS));
	valid_free(test_token(&rsa, HDR_RSA, CLAIMS));
	valid_free(test_token(&ed, HDR_ED, CLAIMS));
	expect_free(test_token(&ps, HDR_PS, CLAIMS), WRIT_TOKEN_BAD_ALG,
	            "alg \"PS256\" is not allowed");
	expect_free(test_token(&es384, HDR_ES384, CLAIMS), WRIT_TOKEN_BAD_ALG,
	            "alg \"ES384\" is not allowed");
}
END_TEST

START_TEST(header_alg_none)
{
	static const char none[] = "{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"es\"}";
	char *h64 = test_b64(none, strlen(none)), *c64 = test_b64(CLAIMS, strlen(CLAIMS));
	char *tok = fmt("%s.%s.", h64, c64), *s;

	/* The unsecured JWS of RFC 7519 §6.1: an empty third segment. */
	expect(tok, WRIT_TOKEN_MALFORMED, "empty segment");
	/* With something in the signature, alg itself is refused. */
	s = fmt("%sAAAA", tok);
	expect(s, WRIT_TOKEN_BAD_ALG, "alg \"none\" is not allowed");
	free(s);
	/* Even when the caller allows every algorithm writ knows. */
	ck_assert_int_eq(writ_verifier_set_algorithms(v, "ES256,ES384,RS256,PS256,EdDSA"), WRIT_OK);
	s = fmt("%sAAAA", tok);
	expect(s, WRIT_TOKEN_BAD_ALG, "alg \"none\" is not allowed");
	free(s);
	free(tok);
	free(h64);
	free(c64);
}
END_TEST

START_TEST(header_allowlist)
{
	static const char *const refused[] = {
		"none", "HS256", "es256", "", ",", "ES256,", ",ES256", "ES256,,RS256",
		" ES256", "ES256, RS256", "ES256;RS256", "ES512", "RSA1_5",
	};
	size_t i;

	/* PS256 is off by default and on when asked for. */
	expect_free(test_token(&ps, HDR_PS, CLAIMS), WRIT_TOKEN_BAD_ALG,
	            "alg \"PS256\" is not allowed");
	ck_assert_int_eq(writ_verifier_set_algorithms(v, "PS256"), WRIT_OK);
	valid_free(test_token(&ps, HDR_PS, CLAIMS));
	/* The list replaces the defaults. */
	expect_free(test_token(&es, HDR_ES, CLAIMS), WRIT_TOKEN_BAD_ALG,
	            "alg \"ES256\" is not allowed");
	/* "none", HMAC and unknown or misspelt names are never set, and a
	 * refused list leaves the last good one. */
	for (i = 0; i < ARRAY_SIZE(refused); i++)
		ck_assert_msg(writ_verifier_set_algorithms(v, refused[i]) == WRIT_EINVAL,
		              "\"%s\" accepted", refused[i]);
	ck_assert_int_eq(writ_verifier_set_algorithms(v, NULL), WRIT_EINVAL);
	ck_assert_int_eq(writ_verifier_set_algorithms(NULL, "ES256"), WRIT_EINVAL);
	valid_free(test_token(&ps, HDR_PS, CLAIMS));
	expect_free(test_token(&es, HDR_ES, CLAIMS), WRIT_TOKEN_BAD_ALG,
	            "alg \"ES256\" is not allowed");
	ck_assert_int_eq(writ_verifier_set_algorithms(v, "ES256,PS256"), WRIT_OK);
	valid_free(test_token(&es, HDR_ES, CLAIMS));
	valid_free(test_token(&ps, HDR_PS, CLAIMS));
	expect_free(test_token(&rsa, HDR_RSA, CLAIMS), WRIT_TOKEN_BAD_ALG,
	            "alg \"RS256\" is not allowed");
}
END_TEST

/* A token with header {"alg":alg,"typ":"at+jwt","kid":kid} whose
 * "signature" is an HMAC under the key bytes given (RFC 8725 §2.1). */
static char *hmac_token(const char *alg, const char *kid, const EVP_MD *md,
                        const void *key, size_t keylen)
{
	char *a = fmt("\"%s\"", alg), *h = hdr(a, kid, NULL), *input, *tok;
	struct parts p;
	unsigned int n = 0;

	p.h64 = test_b64(h, strlen(h));
	p.c64 = test_b64(CLAIMS, strlen(CLAIMS));
	input = fmt("%s.%s", p.h64, p.c64);
	ck_assert_ptr_nonnull(HMAC(md, key, (int)keylen, (const unsigned char *)input,
	                           strlen(input), p.sig, &n));
	tok = parts_token_sig(&p, p.sig, n);
	free(input);
	parts_free(&p);
	free(h);
	free(a);
	return tok;
}

/* The PEM text of a key's public part; caller frees. */
static char *public_pem(EVP_PKEY *pkey)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL, *out;
	long n;

	ck_assert_ptr_nonnull(bio);
	ck_assert_int_eq(PEM_write_bio_PUBKEY(bio, pkey), 1);
	n = BIO_get_mem_data(bio, &data);
	ck_assert_int_gt(n, 0);
	out = fmt("%.*s", (int)n, data);
	BIO_free(bio);
	return out;
}

START_TEST(header_alg_confusion)
{
	const struct test_key *victims[] = { &rsa, &es, &ed };
	static const char *const hs[] = { "HS256", "HS384", "HS512" };
	const EVP_MD *mds[] = { EVP_sha256(), EVP_sha384(), EVP_sha512() };
	size_t i, j;

	/* Allow everything writ can verify: HMAC must still never be. */
	ck_assert_int_eq(writ_verifier_set_algorithms(v, "ES256,ES384,RS256,PS256,EdDSA"), WRIT_OK);
	for (i = 0; i < ARRAY_SIZE(victims); i++) {
		char *pem = public_pem(victims[i]->pkey), *jwk = test_jwk(victims[i], 1);
		for (j = 0; j < ARRAY_SIZE(hs); j++) {
			char *why = fmt("alg \"%s\" is not allowed", hs[j]);
			/* The public key as the HMAC secret: PEM, PEM without
			 * its final newline, and the JWK text. */
			expect_free(hmac_token(hs[j], victims[i]->kid, mds[j], pem, strlen(pem)),
			            WRIT_TOKEN_BAD_ALG, why);
			expect_free(hmac_token(hs[j], victims[i]->kid, mds[j], pem, strlen(pem) - 1),
			            WRIT_TOKEN_BAD_ALG, why);
			expect_free(hmac_token(hs[j], victims[i]->kid, mds[j], jwk, strlen(jwk)),
			            WRIT_TOKEN_BAD_ALG, why);
			free(why);
		}
		free(pem);
		free(jwk);
	}
}
END_TEST

START_TEST(header_typ)
{
	static const char *const accepted[] = {
		"at+jwt", "AT+JWT", "At+Jwt", "application/at+jwt", "APPLICATION/AT+JWT",
		"Application/At+JWT",
	};
	static const char *const refused[] = {
		"\"JWT\"", "\"jwt\"", "\"application/jwt\"", "\"at+jwt \"", "\" at+jwt\"",
		"\"at+jwtx\"", "\"at+JWS\"", "\"application/at+jwt; x=1\"", "\"\"",
		"\"application/\"", "\"JOSE\"", "1", "null", "[\"at+jwt\"]",
	};
	size_t i;
	char *h;

	for (i = 0; i < ARRAY_SIZE(accepted); i++) {
		h = fmt("{\"alg\":\"ES256\",\"typ\":\"%s\",\"kid\":\"es\"}", accepted[i]);
		header_is(h, WRIT_TOKEN_VALID, "valid");
		free(h);
	}
	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		h = fmt("{\"alg\":\"ES256\",\"typ\":%s,\"kid\":\"es\"}", refused[i]);
		header_is(h, WRIT_TOKEN_BAD_HEADER, "typ is not \"at+jwt\"");
		free(h);
	}
	header_is("{\"alg\":\"ES256\",\"kid\":\"es\"}", WRIT_TOKEN_BAD_HEADER,
	          "header has no \"typ\" (RFC 9068 section 4)");
	/* A "cty" does not stand in for typ. */
	header_is("{\"alg\":\"ES256\",\"cty\":\"at+jwt\",\"kid\":\"es\"}", WRIT_TOKEN_BAD_HEADER,
	          "header has no \"typ\" (RFC 9068 section 4)");
}
END_TEST

START_TEST(header_kid)
{
	static const char *const unknown[] = { "nope", "ES", "Es", "es ", " es", "", "es-B", "e" };
	size_t i;
	char *h, *why;

	header_is("{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}", WRIT_TOKEN_BAD_HEADER,
	          "header has no \"kid\" string");
	header_is("{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":7}", WRIT_TOKEN_BAD_HEADER,
	          "header has no \"kid\" string");
	header_is("{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":null}", WRIT_TOKEN_BAD_HEADER,
	          "header has no \"kid\" string");
	header_is("{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":[\"es\"]}", WRIT_TOKEN_BAD_HEADER,
	          "header has no \"kid\" string");
	/* Looked up by exact string: no case folding, trimming or prefix. */
	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		h = hdr("\"ES256\"", unknown[i], NULL);
		why = fmt("unknown kid \"%s\"", unknown[i]);
		header_is(h, WRIT_TOKEN_UNKNOWN_KID, why);
		free(why);
		free(h);
	}
	/* Another configured kid, with its own key. */
	valid_free(test_token(&es_b, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"es-b\"}",
	                      CLAIMS));
}
END_TEST

START_TEST(header_no_key_fallback)
{
	/* Signed by another configured key of the same alg, named "es": the
	 * key named "es" is the only one tried. */
	expect_free(test_token(&es_b, HDR_ES, CLAIMS), WRIT_TOKEN_BAD_SIGNATURE, NOT_VERIFIED);
	/* And no kid is no license to try them all. */
	header_is("{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}", WRIT_TOKEN_BAD_HEADER,
	          "header has no \"kid\" string");
}
END_TEST

START_TEST(header_crit)
{
	static const char *const crit[] = {
		"\"crit\":[]",
		"\"crit\":[\"b64\"],\"b64\":false",
		"\"crit\":[\"b64\"],\"b64\":true",
		"\"crit\":[\"exp\"],\"exp\":1795392600",
		"\"crit\":null",
		"\"crit\":\"b64\"",
	};
	size_t i;
	char *h;

	for (i = 0; i < ARRAY_SIZE(crit); i++) {
		h = hdr("\"ES256\"", "es", crit[i]);
		header_is(h, WRIT_TOKEN_BAD_HEADER, "header has \"crit\": no extension is supported");
		free(h);
	}
	/* "b64" alone is not crit and changes nothing (the payload stays
	 * base64url): the token is an ordinary one. */
	h = hdr("\"ES256\"", "es", "\"b64\":false");
	header_is(h, WRIT_TOKEN_VALID, "valid");
	free(h);
}
END_TEST

START_TEST(header_key_carrying_members)
{
	struct test_key attacker;
	json_t *jwk;
	char *ajwk, *der64, *members[4], *h;
	unsigned char *der = NULL;
	int derlen;
	size_t i;

	/* The attacker's own key, offered in every way JOSE allows, under the
	 * kid of a configured key. */
	test_key_init(&attacker, JWS_ES256, "es");
	jwk = jwk_public_json(attacker.pkey, attacker.type);
	ck_assert_ptr_nonnull(jwk);
	json_object_set_new(jwk, "kid", json_string("es"));
	ajwk = json_dumps(jwk, JSON_COMPACT | JSON_SORT_KEYS);
	derlen = i2d_PUBKEY(attacker.pkey, &der);
	ck_assert_int_gt(derlen, 0);
	der64 = test_b64(der, (size_t)derlen);
	members[0] = fmt("\"jwk\":%s", ajwk);
	members[1] = fmt("\"jku\":\"https://attacker.example/jwks.json\"");
	members[2] = fmt("\"x5u\":\"https://attacker.example/cert.pem\"");
	members[3] = fmt("\"x5c\":[\"%s\"]", der64);
	for (i = 0; i < ARRAY_SIZE(members); i++) {
		h = hdr("\"ES256\"", "es", members[i]);
		/* Signed by the attacker: only the configured key counts. */
		expect_free(test_token(&attacker, h, CLAIMS), WRIT_TOKEN_BAD_SIGNATURE,
		            NOT_VERIFIED);
		/* Signed by the configured key: the member is ignored. */
		valid_free(test_token(&es, h, CLAIMS));
		free(h);
		/* The attacker's kid names nothing here. */
		h = hdr("\"ES256\"", "attacker", members[i]);
		expect_free(test_token(&attacker, h, CLAIMS), WRIT_TOKEN_UNKNOWN_KID,
		            "unknown kid \"attacker\"");
		free(h);
		free(members[i]);
	}
	OPENSSL_free(der);
	free(der64);
	free(ajwk);
	json_decref(jwk);
	test_key_free(&attacker);
}
END_TEST

/* =========================================================================
 * Key sets: refused as a whole, with a message naming the key.
 * ========================================================================= */

static json_t *jwk_json(const struct test_key *k, int with_alg)
{
	char *s = test_jwk(k, with_alg);
	json_t *j = json_loads(s, 0, NULL);

	free(s);
	ck_assert_ptr_nonnull(j);
	return j;
}

/* Member `name` of a JWK decoded from base64url; caller frees. */
static unsigned char *jwk_bytes(json_t *jwk, const char *name, size_t *len)
{
	const char *s = json_string_value(json_object_get(jwk, name));
	unsigned char *out;

	ck_assert_ptr_nonnull(s);
	out = malloc(b64url_decoded_max(strlen(s)) + 1);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(b64url_decode(s, strlen(s), out, len, NULL), B64URL_OK);
	return out;
}

static void jwk_set_bytes(json_t *jwk, const char *name, const unsigned char *p, size_t n)
{
	char *s = test_b64(p, n);

	json_object_set_new(jwk, name, json_string(s));
	free(s);
}

/* {"keys":[a good Ed25519 key, bad]} must be refused with this message
 * (and no set); steals bad. */
static void keyset_refused(json_t *bad, const char *message)
{
	json_t *doc = json_pack("{s:[o,o]}", "keys", jwk_json(&ed, 1), bad);
	char *text, err[256] = "";
	writ_keyset *set = (writ_keyset *)&err; /* must be reset to NULL */
	int rc;

	ck_assert_ptr_nonnull(doc);
	text = json_dumps(doc, JSON_COMPACT);
	rc = writ_keyset_load(text, strlen(text), &set, err, sizeof(err));
	ck_assert_msg(rc == WRIT_EKEY, "rc %d for %s", rc, text);
	ck_assert_ptr_null(set);
	ck_assert_str_eq(err, message);
	free(text);
	json_decref(doc);
}

static void keyset_accepted(json_t *jwk, size_t count)
{
	json_t *doc = json_pack("{s:[o,o]}", "keys", jwk_json(&ed, 1), jwk);
	char *text, err[256] = "";
	writ_keyset *set = NULL;

	text = json_dumps(doc, JSON_COMPACT);
	ck_assert_msg(writ_keyset_load(text, strlen(text), &set, err, sizeof(err)) == WRIT_OK,
	              "refused: %s", err);
	ck_assert_uint_eq(writ_keyset_count(set), count);
	writ_keyset_unref(set);
	free(text);
	json_decref(doc);
}

START_TEST(keyset_duplicate_kid)
{
	json_t *doc = json_pack("{s:[o,o]}", "keys", jwk_json(&es, 1), jwk_json(&es_twin, 1));
	char *text = json_dumps(doc, JSON_COMPACT), err[256] = "";
	writ_keyset *set = NULL;

	ck_assert_int_eq(writ_keyset_load(text, strlen(text), &set, err, sizeof(err)), WRIT_EKEY);
	ck_assert_ptr_null(set);
	ck_assert_str_eq(err, "key \"es\": has the same kid as an earlier key");
	free(text);
	json_decref(doc);
	/* Even the same key twice. */
	doc = json_pack("{s:[o,o]}", "keys", jwk_json(&es, 1), jwk_json(&es, 1));
	text = json_dumps(doc, JSON_COMPACT);
	ck_assert_int_eq(writ_keyset_load(text, strlen(text), &set, err, sizeof(err)), WRIT_EKEY);
	ck_assert_str_eq(err, "key \"es\": has the same kid as an earlier key");
	free(text);
	json_decref(doc);
}
END_TEST

START_TEST(keyset_private_members)
{
	static const char *const members[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(members); i++) {
		json_t *k = jwk_json(i == 0 ? &es : &rsa, 1);
		char *why = fmt("key \"%s\": holds the private member \"%s\": publish public keys only",
		                i == 0 ? "es" : "rsa", members[i]);
		json_object_set_new(k, members[i], json_string("AQAB"));
		keyset_refused(k, why);
		free(why);
	}
}
END_TEST

START_TEST(keyset_kty_and_usage)
{
	json_t *k;

	keyset_refused(json_pack("{s:s, s:s}", "kty", "oct", "kid", "sym"),
	               "key \"sym\": unsupported key type \"oct\"");
	keyset_refused(json_pack("{s:s, s:s}", "kty", "ec", "kid", "low"),
	               "key \"low\": unsupported key type \"ec\"");
	keyset_refused(json_pack("{s:s}", "kid", "none"), "key \"none\": has no \"kty\"");
	k = jwk_json(&es, 1);
	json_object_del(k, "kid");
	keyset_refused(k, "key 2: has no \"kid\" (tokens name their key by kid)");
	k = jwk_json(&es, 1);
	json_object_set_new(k, "crv", json_string("P-521"));
	keyset_refused(k, "key \"es\": unsupported EC curve P-521");
	k = jwk_json(&ed, 0);
	json_object_set_new(k, "crv", json_string("X25519"));
	keyset_refused(k, "key \"ed\": unsupported OKP curve X25519");
	k = jwk_json(&es, 1);
	json_object_set_new(k, "use", json_string("enc"));
	keyset_refused(k, "key \"es\": \"use\" is not \"sig\"");
	k = jwk_json(&es, 1);
	json_object_set_new(k, "key_ops", json_pack("[s]", "sign"));
	keyset_refused(k, "key \"es\": \"key_ops\" does not allow \"verify\"");
	k = jwk_json(&es, 1);
	json_object_set_new(k, "key_ops", json_pack("[s,s]", "encrypt", "wrapKey"));
	keyset_refused(k, "key \"es\": \"key_ops\" does not allow \"verify\"");
	k = jwk_json(&es, 1);
	json_object_set_new(k, "key_ops", json_array());
	keyset_refused(k, "key \"es\": \"key_ops\" does not allow \"verify\"");
	k = jwk_json(&es, 1);
	json_object_set_new(k, "alg", json_string("HS256"));
	keyset_refused(k, "key \"es\": unsupported \"alg\" HS256");
	k = jwk_json(&rsa, 1);
	json_object_set_new(k, "alg", json_string("ES256"));
	keyset_refused(k, "key \"rsa\": \"alg\" ES256 does not fit the key type");
	/* What is allowed. */
	k = jwk_json(&es, 1);
	json_object_set_new(k, "use", json_string("sig"));
	json_object_set_new(k, "key_ops", json_pack("[s,s]", "sign", "verify"));
	keyset_accepted(k, 2);
	keyset_accepted(jwk_json(&es, 0), 2);
}
END_TEST

START_TEST(keyset_ec_points)
{
	unsigned char *x, *y, buf[64];
	size_t xlen, ylen;
	json_t *k;

	k = jwk_json(&es, 1);
	x = jwk_bytes(k, "x", &xlen);
	y = jwk_bytes(k, "y", &ylen);
	ck_assert_uint_eq(xlen, 32);
	/* RFC 7518 §6.2.1.2: coordinates are exactly 32 bytes for P-256. */
	jwk_set_bytes(k, "x", x + 1, 31);
	keyset_refused(k, "key \"es\": EC coordinates must be 32 bytes each");
	k = jwk_json(&es, 1);
	buf[0] = 0;
	memcpy(buf + 1, y, 32);
	jwk_set_bytes(k, "y", buf, 33);
	keyset_refused(k, "key \"es\": EC coordinates must be 32 bytes each");
	k = jwk_json(&es384, 1);
	jwk_set_bytes(k, "x", x, 32);
	keyset_refused(k, "key \"es384\": EC coordinates must be 48 bytes each");
	/* A point off the curve (invalid-curve attacks). */
	k = jwk_json(&es, 1);
	memcpy(buf, y, 32);
	buf[31] ^= 1;
	jwk_set_bytes(k, "y", buf, 32);
	keyset_refused(k, "key \"es\": EC public key is invalid");
	/* Not canonical base64url. */
	k = jwk_json(&es, 1);
	json_object_set_new(k, "x", json_string("AAAA="));
	keyset_refused(k, "key \"es\": member \"x\" is not canonical base64url");
	free(x);
	free(y);
}
END_TEST

START_TEST(keyset_rsa_values)
{
	unsigned char *n, *buf;
	size_t nlen;
	json_t *k;

	k = jwk_json(&rsa, 1);
	n = jwk_bytes(k, "n", &nlen);
	ck_assert_uint_eq(nlen, 256);
	buf = malloc(nlen + 1);
	ck_assert_ptr_nonnull(buf);
	buf[0] = 0;
	memcpy(buf + 1, n, nlen);
	/* RFC 7518 §6.3.1.1: n is minimal, no leading zero octet. */
	jwk_set_bytes(k, "n", buf, nlen + 1);
	keyset_refused(k, "key \"rsa\": RSA n and e must not have leading zero octets");
	k = jwk_json(&rsa, 1);
	json_object_set_new(k, "e", json_string("AAEAAQ"));
	keyset_refused(k, "key \"rsa\": RSA n and e must not have leading zero octets");
	/* Even exponents. */
	k = jwk_json(&rsa, 1);
	json_object_set_new(k, "e", json_string("AQAA")); /* 65536 */
	keyset_refused(k, "key \"rsa\": RSA exponent must be odd, at least 3 and at most 64 bits");
	k = jwk_json(&rsa, 1);
	json_object_set_new(k, "e", json_string("Ag")); /* 2 */
	keyset_refused(k, "key \"rsa\": RSA exponent must be odd, at least 3 and at most 64 bits");
	k = jwk_json(&rsa, 1);
	json_object_set_new(k, "e", json_string("AQ")); /* 1 */
	keyset_refused(k, "key \"rsa\": RSA exponent must be odd, at least 3 and at most 64 bits");
	free(buf);
	free(n);
}
END_TEST

START_TEST(keyset_rsa_size)
{
	static const size_t bits[] = { 1024, 2047 };
	struct test_key small;
	size_t i;

	/* DESIGN §5: RSA of at least 2048 bits; 2048 itself is the fixture's. */
	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		memset(&small, 0, sizeof(small));
		small.pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits[i]);
		ck_assert_ptr_nonnull(small.pkey);
		ck_assert_int_eq(EVP_PKEY_get_bits(small.pkey), (int)bits[i]);
		small.type = JWS_KEY_RSA;
		small.alg = JWS_RS256;
		snprintf(small.kid, sizeof(small.kid), "small");
		keyset_refused(jwk_json(&small, 1), "key \"small\": RSA modulus must be 2048 to 16384 bits");
		test_key_free(&small);
	}
	ck_assert_int_eq(EVP_PKEY_get_bits(rsa.pkey), 2048);
	keyset_accepted(jwk_json(&rsa, 1), 2);
}
END_TEST

START_TEST(keyset_ed25519_points)
{
	static const char *const bad[] = {
		/* Small order: the identity (with it as A, R = identity and
		 * S = 0 verify for every message), orders 2, 4 and 8. */
		"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"7P_______________________________________38",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"xxdqcD1N2E-6PAt2DRBnDyogU_osOczGTsf9d5KsA3o",
		"JuiVj8KyJ7BFw_SJ8u-Y8NXfrAXTxjM5sTgCiG1T_AU",
		/* y = 2: no x solves the curve equation. */
		"AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		/* y = p + 1: the identity again, not canonically encoded. */
		"7v_______________________________________38",
	};
	size_t i;

	/* A malformed key is refused (writ.h), as EC points off their curve
	 * are (keyset_ec_points). */
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		keyset_refused(json_pack("{s:s, s:s, s:s, s:s}", "kty", "OKP", "crv", "Ed25519",
		                         "kid", "weak", "x", bad[i]),
		               "key \"weak\": Ed25519 public key is invalid");
	/* RFC 8037 appendix A.2's public key is fine. */
	keyset_accepted(json_pack("{s:s, s:s, s:s, s:s}", "kty", "OKP", "crv", "Ed25519",
	                          "kid", "rfc8037", "x",
	                          "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"), 2);
}
END_TEST

/* =========================================================================
 * Key binding: the JWK's alg and the key's kind must fit the header's alg.
 * ========================================================================= */

START_TEST(binding_jwk_alg)
{
	/* A P-384 key that says ES384 does not serve ES256. */
	expect_free(test_token(&es, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"es384\"}", CLAIMS),
	            WRIT_TOKEN_KEY_MISMATCH, "key \"es384\" is for ES384, not ES256");
	/* The fixture's key "rsa" says alg RS256, "ps" (the same key) PS256. */
	ck_assert_int_eq(writ_verifier_set_algorithms(v, "RS256,PS256"), WRIT_OK);
	expect_free(test_token(&ps, "{\"alg\":\"PS256\",\"typ\":\"at+jwt\",\"kid\":\"rsa\"}", CLAIMS),
	            WRIT_TOKEN_KEY_MISMATCH, "key \"rsa\" is for RS256, not PS256");
	expect_free(test_token(&rsa, "{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"ps\"}", CLAIMS),
	            WRIT_TOKEN_KEY_MISMATCH, "key \"ps\" is for PS256, not RS256");
	valid_free(test_token(&rsa, HDR_RSA, CLAIMS));
	valid_free(test_token(&ps, HDR_PS, CLAIMS));
}
END_TEST

START_TEST(binding_jwk_without_alg)
{
	const struct test_key *set[] = { &rsa };
	char *jwks = jwks_of(set, 1, 0);

	/* No alg in the JWK: an RSA key serves both RSA algorithms. */
	use_jwks(jwks);
	ck_assert_int_eq(writ_verifier_set_algorithms(v, "RS256,PS256"), WRIT_OK);
	valid_free(test_token(&ps, "{\"alg\":\"PS256\",\"typ\":\"at+jwt\",\"kid\":\"rsa\"}", CLAIMS));
	valid_free(test_token(&rsa, HDR_RSA, CLAIMS));
	free(jwks);
}
END_TEST

/* A token with header {"alg":alg,...,"kid":kid} and a 64-byte ES256
 * signature: the key check comes before the signature. */
static void mismatch(const char *alg, const char *kid, const struct test_key *signer)
{
	char *a = fmt("\"%s\"", alg), *h = hdr(a, kid, NULL);
	char *why = fmt("key \"%s\" does not fit %s", kid, alg);

	expect_free(test_token(signer, h, CLAIMS), WRIT_TOKEN_KEY_MISMATCH, why);
	free(why);
	free(h);
	free(a);
}

START_TEST(binding_key_kind)
{
	const struct test_key *set[] = { &es, &es384, &ed, &rsa };
	char *jwks = jwks_of(set, ARRAY_SIZE(set), 0);

	/* JWKs without alg: only kty and crv bind them. */
	use_jwks(jwks);
	ck_assert_int_eq(writ_verifier_set_algorithms(v, "ES256,ES384,RS256,PS256,EdDSA"), WRIT_OK);
	mismatch("ES256", "es384", &es);
	mismatch("ES384", "es", &es384);
	mismatch("EdDSA", "rsa", &ed);
	mismatch("ES256", "ed", &es);
	mismatch("ES256", "rsa", &es);
	mismatch("RS256", "es", &rsa);
	mismatch("PS256", "ed", &ps);
	mismatch("EdDSA", "es", &ed);
	mismatch("RS256", "ed", &rsa);
	/* Each key with its own alg. */
	valid_free(test_token(&es, HDR_ES, CLAIMS));
	valid_free(test_token(&es384, HDR_ES384, CLAIMS));
	valid_free(test_token(&ed, HDR_ED, CLAIMS));
	valid_free(test_token(&rsa, HDR_RSA, CLAIMS));
	free(jwks);
}
END_TEST

/* =========================================================================
 * Signatures, per alg.
 * ========================================================================= */

START_TEST(sig_es256_length)
{
	static const size_t lengths[] = { 0, 1, 32, 63, 65, 72, 96, 128 };
	unsigned char sig[256] = { 0 };
	struct parts p;
	size_t i;

	parts_make(&p, &es, HDR_ES, CLAIMS);
	valid_free(parts_token(&p));
	for (i = 0; i < ARRAY_SIZE(lengths); i++) {
		char *why;
		if (lengths[i] == 0)
			continue; /* an empty segment: see encoding_empty_segments */
		memcpy(sig, p.sig, lengths[i] < 64 ? lengths[i] : 64);
		why = fmt("signature length %zu, expected 64", lengths[i]);
		expect_free(parts_token_sig(&p, sig, lengths[i]), WRIT_TOKEN_BAD_SIGNATURE, why);
		free(why);
	}
	parts_free(&p);
}
END_TEST

/* The DER form (RFC 3279) of a raw r || s signature. */
static size_t to_der(const unsigned char *rs, size_t half, unsigned char *der)
{
	ECDSA_SIG *es_sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(rs, (int)half, NULL), *s = BN_bin2bn(rs + half, (int)half, NULL);
	unsigned char *p = der;
	int n;

	ck_assert_int_eq(ECDSA_SIG_set0(es_sig, r, s), 1);
	n = i2d_ECDSA_SIG(es_sig, &p);
	ck_assert_int_gt(n, 0);
	ECDSA_SIG_free(es_sig);
	return (size_t)n;
}

START_TEST(sig_es256_der)
{
	unsigned char der[128];
	struct parts p;
	size_t n;
	char *why;

	/* DER is what OpenSSL makes and takes; JWS wants r || s only. */
	parts_make(&p, &es, HDR_ES, CLAIMS);
	n = to_der(p.sig, 32, der);
	ck_assert_uint_ge(n, 8);
	why = fmt("signature length %zu, expected 64", n);
	expect_free(parts_token_sig(&p, der, n), WRIT_TOKEN_BAD_SIGNATURE, why);
	free(why);
	parts_free(&p);
}
END_TEST

/* out = n - x for big-endian numbers of `len` bytes. */
static void sub_from(const unsigned char *n, const unsigned char *x, size_t len,
                     unsigned char *out)
{
	BIGNUM *a = BN_bin2bn(n, (int)len, NULL), *b = BN_bin2bn(x, (int)len, NULL);

	ck_assert_int_eq(BN_sub(a, a, b), 1);
	ck_assert_int_eq(BN_bn2binpad(a, out, (int)len), (int)len);
	BN_free(a);
	BN_free(b);
}

/* The ECDSA range rules for one curve: r and s in [1, n). */
static void ecdsa_range(const struct test_key *k, const char *header, const unsigned char *order,
                        size_t half)
{
	unsigned char sig[96], one[48] = { 0 };
	struct parts p;
	int which;

	parts_make(&p, k, header, CLAIMS);
	ck_assert_uint_eq(p.siglen, 2 * half);
	one[half - 1] = 1;
	for (which = 0; which <= 1; which++) {
		unsigned char *x = sig + which * half;
		/* 0 */
		memcpy(sig, p.sig, 2 * half);
		memset(x, 0, half);
		expect_free(parts_token_sig(&p, sig, 2 * half), WRIT_TOKEN_BAD_SIGNATURE, OUT_OF_RANGE);
		/* n */
		memcpy(x, order, half);
		expect_free(parts_token_sig(&p, sig, 2 * half), WRIT_TOKEN_BAD_SIGNATURE, OUT_OF_RANGE);
		/* above n: all ones */
		memset(x, 0xff, half);
		expect_free(parts_token_sig(&p, sig, 2 * half), WRIT_TOKEN_BAD_SIGNATURE, OUT_OF_RANGE);
		/* 1 and n - 1 are in range: they fail only as signatures */
		memcpy(sig, p.sig, 2 * half);
		memcpy(x, one, half);
		expect_free(parts_token_sig(&p, sig, 2 * half), WRIT_TOKEN_BAD_SIGNATURE, NOT_VERIFIED);
		sub_from(order, one, half, x);
		expect_free(parts_token_sig(&p, sig, 2 * half), WRIT_TOKEN_BAD_SIGNATURE, NOT_VERIFIED);
	}
	/* High S: (r, n - s) is as valid as (r, s) (DESIGN §5 keeps it). */
	valid_free(parts_token(&p));
	memcpy(sig, p.sig, half);
	sub_from(order, p.sig + half, half, sig + half);
	valid_free(parts_token_sig(&p, sig, 2 * half));
	parts_free(&p);
}

START_TEST(sig_es256_range)
{
	ecdsa_range(&es, HDR_ES, p256_n, 32);
}
END_TEST

START_TEST(sig_es256_high_s)
{
	unsigned char sig[64];
	struct parts p;
	int i, high = 0;

	/* Until both a low-S and a high-S signature were seen: each, and its
	 * counterpart n - s, is valid. */
	for (i = 0; i < 64 && high != 3; i++) {
		parts_make(&p, &es, HDR_ES, CLAIMS);
		high |= memcmp(p.sig + 32, "\x7f\xff\xff\xff\x80", 5) > 0 ? 2 : 1;
		valid_free(parts_token(&p));
		memcpy(sig, p.sig, 32);
		sub_from(p256_n, p.sig + 32, 32, sig + 32);
		valid_free(parts_token_sig(&p, sig, 64));
		parts_free(&p);
	}
	ck_assert_int_eq(high, 3);
}
END_TEST

START_TEST(sig_es384)
{
	unsigned char sig[96];
	struct parts p;

	expect_free(test_token(&es384, HDR_ES384, CLAIMS), WRIT_TOKEN_BAD_ALG,
	            "alg \"ES384\" is not allowed");
	ck_assert_int_eq(writ_verifier_set_algorithms(v, "ES256,ES384"), WRIT_OK);
	parts_make(&p, &es384, HDR_ES384, CLAIMS);
	valid_free(parts_token(&p));
	memcpy(sig, p.sig, 96);
	expect_free(parts_token_sig(&p, sig, 95), WRIT_TOKEN_BAD_SIGNATURE,
	            "signature length 95, expected 96");
	expect_free(parts_token_sig(&p, sig, 64), WRIT_TOKEN_BAD_SIGNATURE,
	            "signature length 64, expected 96");
	sig[50] ^= 1;
	expect_free(parts_token_sig(&p, sig, 96), WRIT_TOKEN_BAD_SIGNATURE, NOT_VERIFIED);
	parts_free(&p);
	ecdsa_range(&es384, HDR_ES384, p384_n, 48);
}
END_TEST

/* s += L, little-endian (S < L < 2^253, so no carry leaves the 32 bytes). */
static void add_l(unsigned char *s)
{
	unsigned carry = 0, x;
	int i;

	for (i = 0; i < 32; i++) {
		x = s[i] + ed25519_l[i] + carry;
		s[i] = (unsigned char)x;
		carry = x >> 8;
	}
	ck_assert_uint_eq(carry, 0);
}

START_TEST(sig_eddsa)
{
	unsigned char sig[80] = { 0 };
	struct parts p;

	parts_make(&p, &ed, HDR_ED, CLAIMS);
	ck_assert_uint_eq(p.siglen, 64);
	valid_free(parts_token(&p));
	/* RFC 8032 §5.1.7: S + L is the same scalar modulo L, and refused. */
	memcpy(sig, p.sig, 64);
	add_l(sig + 32);
	expect_free(parts_token_sig(&p, sig, 64), WRIT_TOKEN_BAD_SIGNATURE, OUT_OF_RANGE);
	/* S = L exactly; S = L - 1 is in range and simply wrong. */
	memcpy(sig + 32, ed25519_l, 32);
	expect_free(parts_token_sig(&p, sig, 64), WRIT_TOKEN_BAD_SIGNATURE, OUT_OF_RANGE);
	sig[32] -= 1;
	expect_free(parts_token_sig(&p, sig, 64), WRIT_TOKEN_BAD_SIGNATURE, NOT_VERIFIED);
	memset(sig + 32, 0xff, 32);
	expect_free(parts_token_sig(&p, sig, 64), WRIT_TOKEN_BAD_SIGNATURE, OUT_OF_RANGE);
	memcpy(sig, p.sig, 64);
	expect_free(parts_token_sig(&p, sig, 63), WRIT_TOKEN_BAD_SIGNATURE,
	            "signature length 63, expected 64");
	expect_free(parts_token_sig(&p, sig, 65), WRIT_TOKEN_BAD_SIGNATURE,
	            "signature length 65, expected 64");
	parts_free(&p);
}
END_TEST

START_TEST(sig_rs256_length)
{
	unsigned char sig[260];
	struct parts p = { 0 };
	int i;

	/* A signature whose first byte is zero (1 in 256): stripping it keeps
	 * the number but not the length of RFC 8017 §8.2.2. */
	for (i = 0; i < 6000; i++) {
		char *claims = fmt("{" ISS "," AUD "," EXP ",\"jti\":\"%d\"}", i);
		parts_free(&p);
		parts_make(&p, &rsa, HDR_RSA, claims);
		free(claims);
		if (p.sig[0] == 0)
			break;
	}
	ck_assert_uint_eq(p.siglen, 256);
	ck_assert_int_eq(p.sig[0], 0);
	valid_free(parts_token(&p));
	expect_free(parts_token_sig(&p, p.sig + 1, 255), WRIT_TOKEN_BAD_SIGNATURE,
	            "signature length 255, expected 256");
	sig[0] = 0;
	memcpy(sig + 1, p.sig, 256);
	expect_free(parts_token_sig(&p, sig, 257), WRIT_TOKEN_BAD_SIGNATURE,
	            "signature length 257, expected 256");
	expect_free(parts_token_sig(&p, sig, 64), WRIT_TOKEN_BAD_SIGNATURE,
	            "signature length 64, expected 256");
	parts_free(&p);
	/* A leading zero added to an ordinary signature. */
	parts_make(&p, &rsa, HDR_RSA, CLAIMS);
	memcpy(sig + 1, p.sig, 256);
	expect_free(parts_token_sig(&p, sig, 257), WRIT_TOKEN_BAD_SIGNATURE,
	            "signature length 257, expected 256");
	parts_free(&p);
}
END_TEST

/* A PSS signature with this salt length (RFC 7518 §3.5 wants 32). */
static size_t sign_pss(EVP_PKEY *pkey, const char *input, int saltlen, unsigned char *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t n = 512;

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, pkey), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, saltlen), 1);
	ck_assert_int_eq(EVP_DigestSign(ctx, sig, &n, (const unsigned char *)input,
	                                strlen(input)), 1);
	EVP_MD_CTX_free(ctx);
	return n;
}

START_TEST(sig_ps256)
{
	unsigned char sig[512];
	struct parts p;
	char *input;
	size_t n;

	ck_assert_int_eq(writ_verifier_set_algorithms(v, "PS256"), WRIT_OK);
	parts_make(&p, &ps, HDR_PS, CLAIMS);
	valid_free(parts_token(&p));
	expect_free(parts_token_sig(&p, p.sig, 255), WRIT_TOKEN_BAD_SIGNATURE,
	            "signature length 255, expected 256");
	memcpy(sig, p.sig, 256);
	sig[100] ^= 0x10;
	expect_free(parts_token_sig(&p, sig, 256), WRIT_TOKEN_BAD_SIGNATURE, NOT_VERIFIED);
	/* PKCS#1 v1.5 under a PS256 header, and PSS with a salt other than
	 * the hash's length, are not PS256. */
	input = fmt("%s.%s", p.h64, p.c64);
	n = test_sign(&rsa, input, strlen(input), sig);
	expect_free(parts_token_sig(&p, sig, n), WRIT_TOKEN_BAD_SIGNATURE, NOT_VERIFIED);
	n = sign_pss(ps.pkey, input, 20, sig);
	expect_free(parts_token_sig(&p, sig, n), WRIT_TOKEN_BAD_SIGNATURE, NOT_VERIFIED);
	n = sign_pss(ps.pkey, input, 32, sig);
	valid_free(parts_token_sig(&p, sig, n));
	free(input);
	parts_free(&p);
}
END_TEST

START_TEST(sig_rs256_not_pss)
{
	unsigned char sig[512];
	struct parts p;
	char *input;
	size_t n;

	/* A PSS signature under an RS256 header. */
	parts_make(&p, &rsa, HDR_RSA, CLAIMS);
	input = fmt("%s.%s", p.h64, p.c64);
	n = sign_pss(rsa.pkey, input, 32, sig);
	expect_free(parts_token_sig(&p, sig, n), WRIT_TOKEN_BAD_SIGNATURE, NOT_VERIFIED);
	free(input);
	parts_free(&p);
}
END_TEST

/* One bit changed in the signature, the header text or the claims text:
 * each is refused by the signature alone. */
static void flipped_bits(const struct test_key *k, const char *header)
{
	unsigned char sig[512];
	struct parts p, q;
	char *h2, *c2, *pos;

	parts_make(&p, k, header, CLAIMS);
	valid_free(parts_token(&p));
	memcpy(sig, p.sig, p.siglen);
	sig[p.siglen / 2] ^= 0x01;
	expect_free(parts_token_sig(&p, sig, p.siglen), WRIT_TOKEN_BAD_SIGNATURE, NOT_VERIFIED);
	/* (The first byte: a high bit of EdDSA's S would make it >= L.) */
	memcpy(sig, p.sig, p.siglen);
	sig[0] ^= 0x01;
	expect_free(parts_token_sig(&p, sig, p.siglen), WRIT_TOKEN_BAD_SIGNATURE, NOT_VERIFIED);
	/* "at+jwt" to "At+jwt" (0x61 to 0x41): still a valid typ. */
	h2 = strdup(header);
	pos = strstr(h2, "at+jwt");
	*pos ^= 0x20;
	/* "write:payment" to "write:paymenu" (0x74 to 0x75). */
	c2 = strdup(CLAIMS);
	pos = strstr(c2, "payment\"");
	pos[6] ^= 0x01;
	parts_make(&q, k, h2, c2);
	valid_free(parts_token(&q)); /* both are fine when signed */
	/* The changed header with the original claims and signature. */
	free(q.c64);
	q.c64 = strdup(p.c64);
	expect_free(parts_token_sig(&q, p.sig, p.siglen), WRIT_TOKEN_BAD_SIGNATURE, NOT_VERIFIED);
	free(q.h64);
	q.h64 = strdup(p.h64);
	free(q.c64);
	q.c64 = test_b64(c2, strlen(c2));
	expect_free(parts_token_sig(&q, p.sig, p.siglen), WRIT_TOKEN_BAD_SIGNATURE, NOT_VERIFIED);
	parts_free(&q);
	parts_free(&p);
	free(h2);
	free(c2);
}

START_TEST(sig_flipped_bits)
{
	flipped_bits(&es, HDR_ES);
	flipped_bits(&ed, HDR_ED);
	flipped_bits(&rsa, HDR_RSA);
}
END_TEST

START_TEST(sig_other_key_same_kid)
{
	struct test_key ed_twin;

	/* Valid signatures, by keys that are not the one named "es"/"ed". */
	expect_free(test_token(&es_twin, HDR_ES, CLAIMS), WRIT_TOKEN_BAD_SIGNATURE, NOT_VERIFIED);
	test_key_init(&ed_twin, JWS_EDDSA, "ed");
	expect_free(test_token(&ed_twin, HDR_ED, CLAIMS), WRIT_TOKEN_BAD_SIGNATURE, NOT_VERIFIED);
	test_key_free(&ed_twin);
	valid_free(test_token(&es, HDR_ES, CLAIMS));
	valid_free(test_token(&ed, HDR_ED, CLAIMS));
}
END_TEST

/* =========================================================================
 * Claims: iss, aud, exp / nbf / iat types and ranges.
 * ========================================================================= */

START_TEST(claims_issuer)
{
	static const char *const others[] = {
		"https://auth.example.com/oid",       /* a prefix */
		"https://auth.example.com/oidc/",     /* a trailing slash */
		"https://AUTH.example.com/oidc",      /* case */
		"HTTPS://auth.example.com/oidc",
		"https://auth.example.com/oidc2",
		"https://auth.example.com/oidc?",
		"https://auth.example.com:443/oidc",  /* equivalent, not equal */
		"https://auth.example.com/oid\\u0063", /* equal once decoded: accepted below */
		"",
	};
	size_t i;

	claims_valid("{" ISS "," AUD "," EXP "}");
	claims_are("{" AUD "," EXP "}", WRIT_TOKEN_WRONG_ISSUER, "claim \"iss\" is missing");
	for (i = 0; i < ARRAY_SIZE(others); i++) {
		char *c = fmt("{\"iss\":\"%s\"," AUD "," EXP "}", others[i]);
		if (strstr(others[i], "\\u0063"))
			claims_valid(c); /* JSON escapes are the same string */
		else
			claims_are(c, WRIT_TOKEN_WRONG_ISSUER, "token is from another issuer");
		free(c);
	}
}
END_TEST

START_TEST(claims_issuer_type)
{
	/* writ.h: a claim of the wrong type is WRIT_TOKEN_BAD_CLAIMS, as for
	 * aud, exp and sub. */
	claims_are("{\"iss\":[\"" TEST_ISSUER "\"]," AUD "," EXP "}", WRIT_TOKEN_BAD_CLAIMS,
	           "claim \"iss\" is not a string");
	claims_are("{\"iss\":1," AUD "," EXP "}", WRIT_TOKEN_BAD_CLAIMS,
	           "claim \"iss\" is not a string");
}
END_TEST

START_TEST(claims_audience)
{
	static const char *const others[] = {
		"\"https://payment.example.com/ap\"",      /* a prefix of it */
		"\"https://payment.example.com/api/v2\"",  /* it as a prefix */
		"\"https://payment.example.com/apix\"",
		"\"payment.example.com/api\"",             /* a suffix of it */
		"\"xhttps://payment.example.com/api\"",
		"\"https://payment.example.com/api/\"",    /* a trailing slash */
		"\"https://Payment.example.com/api\"",     /* case */
		"\"HTTPS://payment.example.com/api\"",
		"\"https://payment.example.com/API\"",
		"\"\"",
		"[]",
		"[\"https://other.example.com\"]",
		"[\"https://payment.example.com/api/\",\"https://payment.example.com/ap\"]",
	};
	static const char *const bad_type[] = {
		"1", "true", "null", "{\"aud\":\"" TEST_AUDIENCE "\"}",
	};
	static const char *const bad_member[] = {
		"[\"" TEST_AUDIENCE "\",1]", "[1,\"" TEST_AUDIENCE "\"]", "[null]",
		"[[\"" TEST_AUDIENCE "\"]]",
	};
	size_t i;
	char *c;

	claims_valid("{" ISS ",\"aud\":\"" TEST_AUDIENCE "\"," EXP "}");
	claims_valid("{" ISS ",\"aud\":[\"" TEST_AUDIENCE "\"]," EXP "}");
	claims_valid("{" ISS ",\"aud\":[\"https://a.example\",\"" TEST_AUDIENCE "\"]," EXP "}");
	claims_are("{" ISS "," EXP "}", WRIT_TOKEN_WRONG_AUDIENCE, "claim \"aud\" is missing");
	for (i = 0; i < ARRAY_SIZE(others); i++) {
		c = fmt("{" ISS ",\"aud\":%s," EXP "}", others[i]);
		claims_are(c, WRIT_TOKEN_WRONG_AUDIENCE, "token is for another audience");
		free(c);
	}
	for (i = 0; i < ARRAY_SIZE(bad_type); i++) {
		c = fmt("{" ISS ",\"aud\":%s," EXP "}", bad_type[i]);
		claims_are(c, WRIT_TOKEN_BAD_CLAIMS, "claim \"aud\" is neither a string nor an array");
		free(c);
	}
	/* An array of strings only, even when it also holds the audience. */
	for (i = 0; i < ARRAY_SIZE(bad_member); i++) {
		c = fmt("{" ISS ",\"aud\":%s," EXP "}", bad_member[i]);
		claims_are(c, WRIT_TOKEN_BAD_CLAIMS, "claim \"aud\" holds a non-string");
		free(c);
	}
}
END_TEST

/* The claims with this exp (or nbf / iat) member text. */
static void time_member(const char *name, const char *value, enum writ_token_error e,
                        const char *reason)
{
	char *c = strcmp(name, "exp") == 0
	          ? fmt("{" ISS "," AUD ",\"exp\":%s}", value)
	          : fmt("{" ISS "," AUD "," EXP ",\"%s\":%s}", name, value);

	claims_are(c, e, reason);
	free(c);
}

START_TEST(claims_exp_type)
{
	static const char *const not_numbers[] = {
		"\"1795392600\"", "true", "false", "null", "[1795392600]", "{}",
	};
	size_t i;

	claims_are("{" ISS "," AUD "}", WRIT_TOKEN_BAD_CLAIMS, "claim \"exp\" is missing");
	for (i = 0; i < ARRAY_SIZE(not_numbers); i++)
		time_member("exp", not_numbers[i], WRIT_TOKEN_BAD_CLAIMS, "claim \"exp\" is not a number");
	/* Fractions are NumericDates too (RFC 7519 §2). */
	time_member("exp", "1795392600.5", WRIT_TOKEN_VALID, "valid");
	ck_assert(writ_token_expires(t) == 1795392600.5);
	time_member("exp", "1.7953926e9", WRIT_TOKEN_VALID, "valid");
}
END_TEST

START_TEST(claims_exp_range)
{
	/* |exp| <= 2^53: 2^53 itself is fine, beyond it is not. */
	time_member("exp", "9007199254740992", WRIT_TOKEN_VALID, "valid");
	ck_assert(writ_token_expires(t) == 9007199254740992.0);
	time_member("exp", "9007199254740992.0", WRIT_TOKEN_VALID, "valid");
	time_member("exp", "9007199254740994", WRIT_TOKEN_BAD_CLAIMS, "claim \"exp\" is out of range");
	time_member("exp", "9007199254740996", WRIT_TOKEN_BAD_CLAIMS, "claim \"exp\" is out of range");
	time_member("exp", "9223372036854775807", WRIT_TOKEN_BAD_CLAIMS, "claim \"exp\" is out of range");
	time_member("exp", "1e16", WRIT_TOKEN_BAD_CLAIMS, "claim \"exp\" is out of range");
	time_member("exp", "1e308", WRIT_TOKEN_BAD_CLAIMS, "claim \"exp\" is out of range");
	time_member("exp", "-9007199254740994", WRIT_TOKEN_BAD_CLAIMS, "claim \"exp\" is out of range");
	time_member("exp", "-1e300", WRIT_TOKEN_BAD_CLAIMS, "claim \"exp\" is out of range");
	time_member("exp", "-9223372036854775808", WRIT_TOKEN_BAD_CLAIMS,
	            "claim \"exp\" is out of range");
	/* In range but long past. */
	time_member("exp", "-9007199254740992", WRIT_TOKEN_EXPIRED, "expired");
	/* Not even a double: the JSON parser refuses it. */
	time_member("exp", "1e400", WRIT_TOKEN_BAD_CLAIMS,
	            "claims: malformed JSON: real number overflow near '1e400'");
	time_member("exp", "-1e400", WRIT_TOKEN_BAD_CLAIMS,
	            "claims: malformed JSON: real number overflow near '-1e400'");
	time_member("exp", "99999999999999999999", WRIT_TOKEN_BAD_CLAIMS,
	            "claims: malformed JSON: too big integer near '99999999999999999999'");
	time_member("exp", "NaN", WRIT_TOKEN_BAD_CLAIMS,
	            "claims: malformed JSON: invalid token near 'NaN'");
	time_member("exp", "Infinity", WRIT_TOKEN_BAD_CLAIMS,
	            "claims: malformed JSON: invalid token near 'Infinity'");
}
END_TEST

START_TEST(claims_exp_range_exact_integers)
{
	/* 2^53 + 1 is exactly representable as a JSON integer (and in
	 * jansson's json_int_t), and its magnitude is over 2^53; it only
	 * looks like 2^53 once rounded to a double. */
	time_member("exp", "9007199254740993", WRIT_TOKEN_BAD_CLAIMS, "claim \"exp\" is out of range");
	time_member("exp", "-9007199254740993", WRIT_TOKEN_BAD_CLAIMS, "claim \"exp\" is out of range");
	time_member("nbf", "-9007199254740993", WRIT_TOKEN_BAD_CLAIMS, "claim \"nbf\" is out of range");
}
END_TEST

START_TEST(claims_nbf_iat_type_and_range)
{
	static const char *const names[] = { "nbf", "iat" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		char *not_number = fmt("claim \"%s\" is not a number", names[i]);
		char *range = fmt("claim \"%s\" is out of range", names[i]);
		time_member(names[i], "\"0\"", WRIT_TOKEN_BAD_CLAIMS, not_number);
		time_member(names[i], "null", WRIT_TOKEN_BAD_CLAIMS, not_number);
		time_member(names[i], "true", WRIT_TOKEN_BAD_CLAIMS, not_number);
		time_member(names[i], "[0]", WRIT_TOKEN_BAD_CLAIMS, not_number);
		time_member(names[i], "9007199254740994", WRIT_TOKEN_BAD_CLAIMS, range);
		time_member(names[i], "-9007199254740994", WRIT_TOKEN_BAD_CLAIMS, range);
		time_member(names[i], "-1e300", WRIT_TOKEN_BAD_CLAIMS, range);
		time_member(names[i], "-9007199254740992", WRIT_TOKEN_VALID, "valid");
		time_member(names[i], "1795391999.25", WRIT_TOKEN_VALID, "valid");
		free(not_number);
		free(range);
	}
}
END_TEST

/* =========================================================================
 * Time: exp, nbf and iat at their exact edges, with and without leeway.
 * ========================================================================= */

/* The token with exp, nbf and iat as given (NAN: absent) at time `at`. */
static void at_time(double exp, double nbf, double iat, double at, enum writ_token_error e,
                    const char *reason)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "{" ISS "," AUD ",\"exp\":%.17g", exp);
	if (!isnan(nbf))
		buf_printf(&b, ",\"nbf\":%.17g", nbf);
	if (!isnan(iat))
		buf_printf(&b, ",\"iat\":%.17g", iat);
	buf_puts(&b, "}");
	now = at;
	claims_are(b.data, e, reason);
	buf_free(&b);
}

#define EXPIRED WRIT_TOKEN_EXPIRED, "expired"
#define NOT_YET WRIT_TOKEN_NOT_YET_VALID, "not valid yet (nbf is in the future)"
#define FUTURE WRIT_TOKEN_ISSUED_IN_FUTURE, "issued in the future (iat)"
#define VALID WRIT_TOKEN_VALID, "valid"

START_TEST(time_exp_edges)
{
	const double e = EXP_AT;

	at_time(e, NAN, NAN, e - 1, VALID);
	at_time(e, NAN, NAN, e - 0.25, VALID);
	at_time(e, NAN, NAN, e, EXPIRED);
	at_time(e, NAN, NAN, e + 1, EXPIRED);
	at_time(e + 0.5, NAN, NAN, e, VALID);
	at_time(e + 0.5, NAN, NAN, e + 0.5, EXPIRED);
	/* Leeway moves the edge by exactly its size. */
	ck_assert_int_eq(writ_verifier_set_leeway(v, 30), WRIT_OK);
	at_time(e, NAN, NAN, e, VALID);
	at_time(e, NAN, NAN, e + 29, VALID);
	at_time(e, NAN, NAN, e + 29.75, VALID);
	at_time(e, NAN, NAN, e + 30, EXPIRED);
	at_time(e, NAN, NAN, e + 31, EXPIRED);
}
END_TEST

START_TEST(time_nbf_edges)
{
	const double n = TEST_NOW + 100, e = n + 600;

	at_time(e, n, NAN, n, VALID);
	at_time(e, n, NAN, n + 1, VALID);
	at_time(e, n, NAN, n - 1, NOT_YET);
	at_time(e, n, NAN, n - 0.25, NOT_YET);
	ck_assert_int_eq(writ_verifier_set_leeway(v, 30), WRIT_OK);
	at_time(e, n, NAN, n - 1, VALID);
	at_time(e, n, NAN, n - 30, VALID);
	at_time(e, n, NAN, n - 30.25, NOT_YET);
	at_time(e, n, NAN, n - 31, NOT_YET);
}
END_TEST

START_TEST(time_iat_edges)
{
	const double at = TEST_NOW, e = EXP_AT;

	at_time(e, NAN, at, at, VALID);
	at_time(e, NAN, at - 1, at, VALID);
	at_time(e, NAN, at + 1, at, FUTURE);
	at_time(e, NAN, at + 0.25, at, FUTURE);
	ck_assert_int_eq(writ_verifier_set_leeway(v, 30), WRIT_OK);
	at_time(e, NAN, at + 1, at, VALID);
	at_time(e, NAN, at + 30, at, VALID);
	at_time(e, NAN, at + 30.25, at, FUTURE);
	at_time(e, NAN, at + 31, at, FUTURE);
}
END_TEST

START_TEST(time_leeway_bounds)
{
	const double e = EXP_AT;

	ck_assert_int_eq(writ_verifier_set_leeway(v, 301), WRIT_EINVAL);
	ck_assert_int_eq(writ_verifier_set_leeway(v, (unsigned)-1), WRIT_EINVAL);
	ck_assert_int_eq(writ_verifier_set_leeway(NULL, 1), WRIT_EINVAL);
	/* A refused leeway leaves the default of 0. */
	at_time(e, NAN, NAN, e, EXPIRED);
	ck_assert_int_eq(writ_verifier_set_leeway(v, 300), WRIT_OK);
	at_time(e, NAN, NAN, e + 299, VALID);
	at_time(e, NAN, NAN, e + 300, EXPIRED);
	ck_assert_int_eq(writ_verifier_set_leeway(v, 301), WRIT_EINVAL);
	at_time(e, NAN, NAN, e + 299, VALID);
	ck_assert_int_eq(writ_verifier_set_leeway(v, 0), WRIT_OK);
	at_time(e, NAN, NAN, e, EXPIRED);
}
END_TEST

START_TEST(time_order_of_checks)
{
	/* exp, nbf and iat all wrong at once: the reason is the first. */
	at_time(TEST_NOW - 1, TEST_NOW + 5, TEST_NOW + 5, TEST_NOW, EXPIRED);
	at_time(TEST_NOW + 60, TEST_NOW + 5, TEST_NOW + 5, TEST_NOW, NOT_YET);
}
END_TEST

/* =========================================================================
 * Scope: a string of scope-tokens separated by single spaces.
 * ========================================================================= */

static void scope_is(const char *scope_json, enum writ_token_error e, const char *reason)
{
	char *c = fmt("{" ISS "," AUD "," EXP ",\"scope\":%s}", scope_json);

	claims_are(c, e, reason);
	free(c);
}

START_TEST(scope_valid)
{
	const char *a_b[] = { "a", "b" }, *c[] = { "c" }, *upper[] = { "A" };
	size_t missing = 9;

	scope_is("\"a b\"", VALID);
	ck_assert_str_eq(writ_token_scope(t), "a b");
	ck_assert_int_eq(writ_check(writ_token_scope(t), strlen(writ_token_scope(t)), a_b, 2, NULL),
	                 WRIT_OK);
	ck_assert_int_eq(writ_check(writ_token_scope(t), strlen(writ_token_scope(t)), c, 1, &missing),
	                 WRIT_EDENIED);
	ck_assert_uint_eq(missing, 0);
	/* Case-sensitive. */
	ck_assert_int_eq(writ_check(writ_token_scope(t), strlen(writ_token_scope(t)), upper, 1, NULL),
	                 WRIT_EDENIED);
	scope_is("\"write:payment read:payment !#[]~\"", VALID);
	ck_assert_str_eq(writ_token_scope(t), "write:payment read:payment !#[]~");
}
END_TEST

START_TEST(scope_malformed)
{
	static const char *const bad[] = {
		"\"a  b\"", "\" a\"", "\"a \"", "\" \"", "\"a\\tb\"", "\"a\\nb\"", "\"a\\rb\"",
		"\"a\\u00a0b\"", "\"caf\\u00e9\"", "\"a\\\"b\"", "\"a\\\\b\"", "\"a\\u007fb\"",
		"\"a,b\\u000b\"",
	};
	static const char *const not_strings[] = { "1", "true", "null", "[\"a\",\"b\"]", "{}" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		scope_is(bad[i], WRIT_TOKEN_BAD_SCOPE, "claim \"scope\" is malformed");
	for (i = 0; i < ARRAY_SIZE(not_strings); i++)
		scope_is(not_strings[i], WRIT_TOKEN_BAD_SCOPE, "claim \"scope\" is not a string");
}
END_TEST

START_TEST(scope_empty_and_absent)
{
	const char *need[] = { "write:payment" };

	/* What writ does: "" is taken as no scope at all, like an absent
	 * claim (RFC 6749's scope grammar needs one token, so this is a
	 * choice, not a requirement). */
	scope_is("\"\"", VALID);
	ck_assert_str_eq(writ_token_scope(t), "");
	ck_assert_int_eq(writ_check("", 0, need, 1, NULL), WRIT_EDENIED);
	claims_valid("{" ISS "," AUD "," EXP "}");
	ck_assert_str_eq(writ_token_scope(t), "");
}
END_TEST

START_TEST(scope_scp_ignored)
{
	const char *need[] = { "write:payment" };
	size_t missing = 9;

	/* A vendor "scp" claim is never read as the scope. */
	claims_valid("{" ISS "," AUD "," EXP ",\"scp\":[\"write:payment\"]}");
	ck_assert_str_eq(writ_token_scope(t), "");
	ck_assert_int_eq(writ_check(writ_token_scope(t), strlen(writ_token_scope(t)), need, 1,
	                            &missing), WRIT_EDENIED);
	ck_assert_uint_eq(missing, 0);
	claims_valid("{" ISS "," AUD "," EXP ",\"scp\":\"write:payment\"}");
	ck_assert_str_eq(writ_token_scope(t), "");
	ck_assert_int_eq(writ_check(writ_token_scope(t), 0, need, 1, NULL), WRIT_EDENIED);
	/* Beside a real scope, only the real one counts. */
	claims_valid("{" ISS "," AUD "," EXP ",\"scope\":\"read:payment\",\"scp\":\"write:payment\"}");
	ck_assert_str_eq(writ_token_scope(t), "read:payment");
	ck_assert_int_eq(writ_check(writ_token_scope(t), strlen(writ_token_scope(t)), need, 1,
	                            NULL), WRIT_EDENIED);
}
END_TEST

/* =========================================================================
 * Reading claims, and reusing the token object.
 * ========================================================================= */

#define FULL_CLAIMS \
	"{" ISS "," AUD ",\"sub\":\"cart-service\",\"client_id\":\"cart-app\",\"iat\":1795391990," \
	EXP ",\"jti\":\"j1\",\"scope\":\"write:payment\",\"tenant\":\"t1\",\"n\":5}"

static void assert_cleared(void)
{
	char *json = writ_token_claims_json(t);

	ck_assert_ptr_null(writ_token_scope(t));
	ck_assert_ptr_null(writ_token_subject(t));
	ck_assert_ptr_null(writ_token_client_id(t));
	ck_assert_ptr_null(writ_token_jti(t));
	ck_assert(writ_token_expires(t) == 0);
	ck_assert_ptr_null(writ_token_claim_string(t, "iss"));
	ck_assert_ptr_null(writ_token_claim_string(t, "tenant"));
	ck_assert_ptr_null(json);
}

static void assert_full(void)
{
	char *json = writ_token_claims_json(t);

	ck_assert_str_eq(writ_token_subject(t), "cart-service");
	ck_assert_str_eq(writ_token_client_id(t), "cart-app");
	ck_assert_str_eq(writ_token_jti(t), "j1");
	ck_assert_str_eq(writ_token_scope(t), "write:payment");
	ck_assert(writ_token_expires(t) == EXP_AT);
	ck_assert_str_eq(writ_token_claim_string(t, "iss"), TEST_ISSUER);
	ck_assert_str_eq(writ_token_claim_string(t, "tenant"), "t1");
	ck_assert_ptr_null(writ_token_claim_string(t, "n"));
	ck_assert_ptr_null(writ_token_claim_string(t, "iat"));
	ck_assert_ptr_null(writ_token_claim_string(t, "nope"));
	ck_assert_ptr_null(writ_token_claim_string(t, NULL));
	ck_assert_str_eq(json, "{\"aud\":\"" TEST_AUDIENCE "\",\"client_id\":\"cart-app\","
	                       "\"exp\":1795392600,\"iat\":1795391990,\"iss\":\"" TEST_ISSUER "\","
	                       "\"jti\":\"j1\",\"n\":5,\"scope\":\"write:payment\","
	                       "\"sub\":\"cart-service\",\"tenant\":\"t1\"}");
	free(json);
}

START_TEST(reading_claims)
{
	claims_valid(FULL_CLAIMS);
	assert_full();
	/* Rejected after the claims were parsed: nothing is left readable. */
	now = EXP_AT;
	claims_are(FULL_CLAIMS, EXPIRED);
	assert_cleared();
	now = TEST_NOW;
	claims_valid(FULL_CLAIMS);
	/* Rejected at the header. */
	header_is("{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"es\"}", WRIT_TOKEN_BAD_ALG,
	          "alg \"none\" is not allowed");
	assert_cleared();
}
END_TEST

START_TEST(reading_claim_types)
{
	claims_are("{" ISS "," AUD "," EXP ",\"sub\":5}", WRIT_TOKEN_BAD_CLAIMS,
	           "claim \"sub\" is not a string");
	assert_cleared();
	claims_are("{" ISS "," AUD "," EXP ",\"client_id\":[\"a\"]}", WRIT_TOKEN_BAD_CLAIMS,
	           "claim \"client_id\" is not a string");
	assert_cleared();
	claims_are("{" ISS "," AUD "," EXP ",\"jti\":null}", WRIT_TOKEN_BAD_CLAIMS,
	           "claim \"jti\" is not a string");
	assert_cleared();
}
END_TEST

START_TEST(reading_reuse)
{
	/* A, then B without client_id, jti or scope, then a failure, then A:
	 * never a value left over from an earlier token. */
	claims_valid(FULL_CLAIMS);
	assert_full();
	claims_valid("{" ISS "," AUD ",\"exp\":1795392500,\"sub\":\"other\"}");
	ck_assert_str_eq(writ_token_subject(t), "other");
	ck_assert_ptr_null(writ_token_client_id(t));
	ck_assert_ptr_null(writ_token_jti(t));
	ck_assert_str_eq(writ_token_scope(t), "");
	ck_assert_ptr_null(writ_token_claim_string(t, "tenant"));
	ck_assert(writ_token_expires(t) == 1795392500.0);
	expect("a.b", WRIT_TOKEN_MALFORMED, "not three dot-separated segments");
	assert_cleared();
	claims_valid(FULL_CLAIMS);
	assert_full();
	expect_free(test_token(&es_twin, HDR_ES, FULL_CLAIMS), WRIT_TOKEN_BAD_SIGNATURE, NOT_VERIFIED);
	assert_cleared();
}
END_TEST

START_TEST(reading_null_token)
{
	char *tok = test_token(&es, HDR_ES, CLAIMS);

	ck_assert_int_eq(writ_verify(v, tok, strlen(tok), NULL), WRIT_EINVAL);
	ck_assert_ptr_null(writ_token_subject(NULL));
	ck_assert_ptr_null(writ_token_scope(NULL));
	ck_assert_ptr_null(writ_token_claims_json(NULL));
	ck_assert_str_eq(writ_token_reason(NULL), "no token");
	ck_assert_int_eq(writ_token_error(NULL), WRIT_TOKEN_UNVERIFIED);
	free(tok);
}
END_TEST

/* A token object that no verification has succeeded on never reads as
 * valid: fresh, or after the verifier refused to run (WRIT_EINVAL). */
START_TEST(reading_unverified_token)
{
	writ_verifier *bare = writ_verifier_new();
	writ_token *fresh = writ_token_new();
	char *tok = test_token(&es, HDR_ES, CLAIMS);

	ck_assert_int_eq(writ_token_error(fresh), WRIT_TOKEN_UNVERIFIED);
	ck_assert_str_eq(writ_token_reason(fresh), "not verified");
	ck_assert_int_eq(writ_verify(v, tok, strlen(tok), fresh), WRIT_OK);
	ck_assert_int_eq(writ_token_error(fresh), WRIT_TOKEN_VALID);
	/* The same object, given to a verifier with no keys. */
	ck_assert_int_eq(writ_verify(bare, tok, strlen(tok), fresh), WRIT_EINVAL);
	ck_assert_int_eq(writ_token_error(fresh), WRIT_TOKEN_UNVERIFIED);
	ck_assert_ptr_null(writ_token_scope(fresh));
	free(tok);
	writ_token_free(fresh);
	writ_verifier_free(bare);
}
END_TEST

/* =========================================================================
 * Configuration: a verifier must have keys, an issuer and an audience.
 * ========================================================================= */

static double fixed_clock(void *arg)
{
	return *(const double *)arg;
}

START_TEST(config_incomplete_verifier)
{
	char *tok = test_token(&es, HDR_ES, CLAIMS);
	int what;

	/* Each of the three missing in turn. */
	for (what = 0; what < 3; what++) {
		writ_verifier *w = writ_verifier_new();
		ck_assert_ptr_nonnull(w);
		ck_assert_int_eq(writ_verifier_set_clock(w, fixed_clock, &now), WRIT_OK);
		if (what != 0)
			ck_assert_int_eq(writ_verifier_set_keys(w, keys), WRIT_OK);
		if (what != 1)
			ck_assert_int_eq(writ_verifier_set_issuer(w, TEST_ISSUER), WRIT_OK);
		if (what != 2)
			ck_assert_int_eq(writ_verifier_set_audience(w, TEST_AUDIENCE), WRIT_OK);
		claims_valid(CLAIMS); /* t holds a valid token's claims... */
		ck_assert_int_eq(writ_verify(w, tok, strlen(tok), t), WRIT_EINVAL);
		ck_assert_ptr_null(writ_token_scope(t)); /* ...and no longer */
		ck_assert_ptr_null(writ_token_claims_json(t));
		writ_verifier_free(w);
	}
	ck_assert_int_eq(writ_verify(NULL, tok, strlen(tok), t), WRIT_EINVAL);
	ck_assert_int_eq(writ_verify(v, NULL, 5, t), WRIT_EINVAL);
	ck_assert_int_eq(writ_verifier_set_issuer(v, ""), WRIT_EINVAL);
	ck_assert_int_eq(writ_verifier_set_issuer(v, NULL), WRIT_EINVAL);
	ck_assert_int_eq(writ_verifier_set_audience(v, ""), WRIT_EINVAL);
	ck_assert_int_eq(writ_verifier_set_keys(v, NULL), WRIT_EINVAL);
	/* The refused settings left the verifier as it was. */
	expect_valid(tok);
	free(tok);
}
END_TEST

START_TEST(config_issuer_audience_set)
{
	/* The verifier checks against what it was told, byte for byte. */
	ck_assert_int_eq(writ_verifier_set_issuer(v, "https://auth.example.com/oidc/"), WRIT_OK);
	claims_are(CLAIMS, WRIT_TOKEN_WRONG_ISSUER, "token is from another issuer");
	ck_assert_int_eq(writ_verifier_set_issuer(v, TEST_ISSUER), WRIT_OK);
	ck_assert_int_eq(writ_verifier_set_audience(v, "https://payment.example.com"), WRIT_OK);
	claims_are(CLAIMS, WRIT_TOKEN_WRONG_AUDIENCE, "token is for another audience");
	ck_assert_int_eq(writ_verifier_set_audience(v, TEST_AUDIENCE), WRIT_OK);
	claims_valid(CLAIMS);
}
END_TEST

START_TEST(config_keyset_dropped_early)
{
	writ_keyset *ks = test_keyset(&es, 1);
	writ_verifier *w = writ_verifier_new();
	char *tok = test_token(&es, HDR_ES, CLAIMS);

	/* writ.h: set_keys "takes its own reference", so the caller may drop
	 * its own at once. The verifier must keep working, and once it is
	 * freed nothing may be left allocated (the sanitizer build's leak
	 * check sees the handle if it is). */
	ck_assert_int_eq(writ_verifier_set_keys(w, ks), WRIT_OK);
	writ_keyset_unref(ks);
	ck_assert_int_eq(writ_verifier_set_issuer(w, TEST_ISSUER), WRIT_OK);
	ck_assert_int_eq(writ_verifier_set_audience(w, TEST_AUDIENCE), WRIT_OK);
	ck_assert_int_eq(writ_verifier_set_clock(w, fixed_clock, &now), WRIT_OK);
	ck_assert_int_eq(writ_verify(w, tok, strlen(tok), t), WRIT_OK);
	writ_verifier_free(w);
	free(tok);
}
END_TEST

START_TEST(config_keyset_refs)
{
	writ_keyset *ks = test_keyset(&es, 1), *again;

	ck_assert_uint_eq(writ_keyset_count(ks), 1);
	ck_assert_str_eq(writ_keyset_kid(ks, 0), "es");
	ck_assert_ptr_null(writ_keyset_kid(ks, 1));
	again = writ_keyset_ref(ks);
	writ_keyset_unref(ks);
	ck_assert_str_eq(writ_keyset_kid(again, 0), "es");
	writ_keyset_unref(again);
	writ_keyset_unref(NULL);
}
END_TEST

/* =========================================================================
 * Thumbprints (RFC 7638), the kid of every key writ signs with.
 * ========================================================================= */

#define RFC7638_N \
	"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAt" \
	"VT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn6" \
	"4tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2" \
	"QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbO" \
	"pbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_x" \
	"BniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"

START_TEST(thumbprint_rfc7638)
{
	json_t *jwk = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kty", "RSA", "n", RFC7638_N,
	                        "e", "AQAB", "alg", "RS256", "kid", "2011-04-29");
	char *tp, *text, *k, err[256] = "";
	writ_keyset *set = NULL;

	/* RFC 7638 §3.1: members other than e, kty, n do not count. */
	ck_assert_ptr_nonnull(jwk);
	tp = jwk_thumbprint(jwk);
	ck_assert_str_eq(tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
	free(tp);
	/* And the key loads as a verification key. */
	k = json_dumps(jwk, JSON_COMPACT);
	text = fmt("{\"keys\":[%s]}", k);
	free(k);
	ck_assert_msg(writ_keyset_load(text, strlen(text), &set, err, sizeof(err)) == WRIT_OK,
	              "%s", err);
	ck_assert_str_eq(writ_keyset_kid(set, 0), "2011-04-29");
	writ_keyset_unref(set);
	free(text);
	json_decref(jwk);
}
END_TEST

START_TEST(thumbprint_rfc8037)
{
	/* RFC 8037 appendix A.3: the Ed25519 key of A.2. */
	json_t *jwk = json_pack("{s:s, s:s, s:s}", "kty", "OKP", "crv", "Ed25519",
	                        "x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
	char *tp = jwk_thumbprint(jwk);

	ck_assert_str_eq(tp, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
	free(tp);
	json_decref(jwk);
}
END_TEST

/* =========================================================================
 * The issuer: key files, signers, minted tokens.
 * ========================================================================= */

static char keydir[256];
static writ_policy *policy;

static const char *const gen_algs[] = { "ES256", "RS256", "EdDSA" };

static char *key_path(const char *name)
{
	return fmt("%s/%s", keydir, name);
}

static char *alg_path(const char *alg)
{
	return fmt("%s/%s.pem", keydir, alg);
}

static void keyfiles_setup(void)
{
	const char *tmp = getenv("TMPDIR");
	const char *paths[] = { SRCDIR "/policies" };
	char err[256] = "";
	size_t i;

	snprintf(keydir, sizeof(keydir), "%s/writ-test-jwt-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(keydir));
	for (i = 0; i < ARRAY_SIZE(gen_algs); i++) {
		char *path = alg_path(gen_algs[i]);
		ck_assert_msg(writ_key_generate(gen_algs[i], path, err, sizeof(err)) == WRIT_OK,
		              "%s", err);
		free(path);
	}
	ck_assert_int_eq(writ_policy_load(paths, 1, 0, NULL, &policy), WRIT_OK);
}

static void keyfiles_teardown(void)
{
	DIR *d = opendir(keydir);
	struct dirent *e;

	/* Whatever a failed test left behind goes too. */
	if (d) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
				char *path = key_path(e->d_name);
				unlink(path);
				free(path);
			}
		}
		closedir(d);
	}
	rmdir(keydir);
	writ_policy_unref(policy);
	policy = NULL;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(65536);
	size_t n;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(buf);
	n = fread(buf, 1, 65535, f);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* A copy of a key file with the given mode, set after creation so the
 * umask plays no part. */
static char *copy_with_mode(const char *from, const char *name, mode_t mode)
{
	size_t len;
	char *data = slurp(from, &len), *path = key_path(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	free(data);
	return path;
}

START_TEST(keygen_files)
{
	char err[256] = "", *path, *before, *after, *why;
	size_t i, blen, alen;
	struct stat st;

	for (i = 0; i < ARRAY_SIZE(gen_algs); i++) {
		path = alg_path(gen_algs[i]);
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert(S_ISREG(st.st_mode));
		ck_assert_uint_eq(st.st_mode & 07777, 0600);
		/* Never overwritten, and left as it was. */
		before = slurp(path, &blen);
		ck_assert_int_eq(writ_key_generate(gen_algs[i], path, err, sizeof(err)), WRIT_EIO);
		why = fmt("cannot create %s: %s", path, strerror(EEXIST));
		ck_assert_str_eq(err, why);
		after = slurp(path, &alen);
		ck_assert_uint_eq(alen, blen);
		ck_assert_int_eq(memcmp(before, after, blen), 0);
		free(why);
		free(before);
		free(after);
		free(path);
	}
	/* No key for algorithms writ does not sign with, and no file. */
	path = key_path("hs.pem");
	ck_assert_int_eq(writ_key_generate("HS256", path, err, sizeof(err)), WRIT_EINVAL);
	ck_assert_str_eq(err, "unknown algorithm: use ES256, ES384, RS256 or EdDSA");
	ck_assert_int_eq(stat(path, &st), -1);
	ck_assert_int_eq(writ_key_generate("es256", path, err, sizeof(err)), WRIT_EINVAL);
	ck_assert_int_eq(stat(path, &st), -1);
	free(path);
}
END_TEST

START_TEST(keygen_signer_mode)
{
	static const mode_t modes[] = { 0644, 0640, 0604, 0620, 0602, 0660, 0666 };
	char err[512] = "", *from = alg_path("ES256"), *path, *why;
	writ_signer *s = (writ_signer *)&err; /* must be reset to NULL */
	size_t i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		path = copy_with_mode(from, "open.pem", modes[i]);
		ck_assert_int_eq(writ_signer_load(path, NULL, &s, err, sizeof(err)), WRIT_EKEY);
		ck_assert_ptr_null(s);
		why = fmt("%s is accessible by group or others (mode %04o): chmod 600 it", path,
		          (unsigned)modes[i]);
		ck_assert_str_eq(err, why);
		free(why);
		unlink(path);
		free(path);
	}
	/* Owner-only modes are fine. */
	path = copy_with_mode(from, "closed.pem", 0400);
	ck_assert_int_eq(writ_signer_load(path, NULL, &s, err, sizeof(err)), WRIT_OK);
	writ_signer_free(s);
	unlink(path);
	free(path);
	free(from);
}
END_TEST

START_TEST(keygen_signer_small_rsa)
{
	EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	char err[512] = "", *path = key_path("small.pem");
	writ_signer *s = NULL;
	FILE *f;
	int fd;

	ck_assert_ptr_nonnull(small);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_int_eq(PEM_write_PrivateKey(f, small, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	ck_assert_int_eq(writ_signer_load(path, NULL, &s, err, sizeof(err)), WRIT_EKEY);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err, "RSA key of 1024 bits: at least 2048 are required");
	unlink(path);
	free(path);
	EVP_PKEY_free(small);
}
END_TEST

/* Decode a token's first segment as JSON. */
static json_t *token_header(const char *tok)
{
	const char *dot = strchr(tok, '.');
	unsigned char buf[512];
	size_t n;
	json_t *h;

	ck_assert_ptr_nonnull(dot);
	ck_assert_uint_lt((size_t)(dot - tok), 600);
	ck_assert_int_eq(b64url_decode(tok, (size_t)(dot - tok), buf, &n, NULL), B64URL_OK);
	h = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, NULL);
	ck_assert_ptr_nonnull(h);
	return h;
}

static void mint_round_trip(const char *alg)
{
	static const char request[] = "write:payment read:payment";
	char err[256] = "", *path = alg_path(alg), *jwk, *jwks, *tok, *cj;
	writ_signer *s = NULL;
	json_t *pub, *h, *c;
	char *thumb;
	const char *jti;
	long r;

	ck_assert_msg(writ_signer_load(path, NULL, &s, err, sizeof(err)) == WRIT_OK, "%s", err);
	ck_assert_str_eq(writ_signer_alg(s), alg);
	/* The kid is the RFC 7638 thumbprint of the public key. */
	jwk = writ_signer_public_jwk(s);
	pub = json_loads(jwk, 0, NULL);
	ck_assert_ptr_nonnull(pub);
	thumb = jwk_thumbprint(pub);
	ck_assert_str_eq(writ_signer_kid(s), thumb);
	ck_assert_str_eq(json_string_value(json_object_get(pub, "kid")), thumb);
	ck_assert_str_eq(json_string_value(json_object_get(pub, "alg")), alg);
	ck_assert_ptr_null(json_object_get(pub, "d"));
	jwks = fmt("{\"keys\":[%s]}", jwk);
	use_jwks(jwks);

	r = writ_resource_find(policy, TEST_AUDIENCE);
	ck_assert_int_ge(r, 0);
	ck_assert_uint_eq(writ_resource_token_ttl(policy, (size_t)r), 600);
	ck_assert_int_eq(writ_mint(s, policy, "cart-service", TEST_AUDIENCE, request,
	                           strlen(request), 0, TEST_NOW, &tok), WRIT_OK);
	expect_valid(tok);

	h = token_header(tok);
	ck_assert_uint_eq(json_object_size(h), 3);
	ck_assert_str_eq(json_string_value(json_object_get(h, "alg")), alg);
	ck_assert_str_eq(json_string_value(json_object_get(h, "typ")), "at+jwt");
	ck_assert_str_eq(json_string_value(json_object_get(h, "kid")), thumb);

	cj = writ_token_claims_json(t);
	c = json_loads(cj, 0, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(json_object_size(c), 8);
	ck_assert_str_eq(json_string_value(json_object_get(c, "iss")), TEST_ISSUER);
	ck_assert_str_eq(json_string_value(json_object_get(c, "aud")), TEST_AUDIENCE);
	ck_assert_str_eq(json_string_value(json_object_get(c, "sub")), "cart-service");
	ck_assert_str_eq(json_string_value(json_object_get(c, "client_id")), "cart-service");
	/* cart-service holds write:payment only (role checkout). */
	ck_assert_str_eq(json_string_value(json_object_get(c, "scope")), "write:payment");
	ck_assert_str_eq(writ_token_scope(t), "write:payment");
	ck_assert(json_is_integer(json_object_get(c, "iat")));
	ck_assert(json_is_integer(json_object_get(c, "exp")));
	ck_assert_int_eq(json_integer_value(json_object_get(c, "iat")), (json_int_t)TEST_NOW);
	ck_assert_int_eq(json_integer_value(json_object_get(c, "exp")), (json_int_t)TEST_NOW + 600);
	jti = json_string_value(json_object_get(c, "jti"));
	ck_assert_ptr_nonnull(jti);
	ck_assert_uint_eq(strlen(jti), 22);
	ck_assert_uint_eq(strspn(jti, b64url_alphabet), 22);
	/* Alive for exactly the resource's lifetime. */
	now = TEST_NOW + 599;
	expect_valid(tok);
	now = TEST_NOW + 600;
	expect(tok, EXPIRED);

	json_decref(c);
	free(cj);
	json_decref(h);
	free(tok);
	free(jwks);
	free(thumb);
	json_decref(pub);
	free(jwk);
	writ_signer_free(s);
	free(path);
}

START_TEST(mint_es256)
{
	mint_round_trip("ES256");
}
END_TEST

START_TEST(mint_rs256)
{
	mint_round_trip("RS256");
}
END_TEST

START_TEST(mint_eddsa)
{
	mint_round_trip("EdDSA");
}
END_TEST

START_TEST(mint_details)
{
	static const char nothing[] = "read:payment";
	char err[256] = "", *path = alg_path("ES256"), *jwk, *jwks, *tok, *tok2, *tok3, *j1;
	writ_signer *s = NULL;
	json_t *h;

	/* A kid given at load is used as it is. */
	ck_assert_int_eq(writ_signer_load(path, "k-2026", &s, err, sizeof(err)), WRIT_OK);
	ck_assert_str_eq(writ_signer_kid(s), "k-2026");
	jwk = writ_signer_public_jwk(s);
	jwks = fmt("{\"keys\":[%s]}", jwk);
	use_jwks(jwks);
	/* Nothing granted: no scope claim at all. An explicit ttl, and a
	 * fractional now (iat is its whole second). */
	ck_assert_int_eq(writ_mint(s, policy, "cart-service", TEST_AUDIENCE, nothing,
	                           strlen(nothing), 60, TEST_NOW + 0.75, &tok), WRIT_OK);
	expect_valid(tok);
	h = token_header(tok);
	ck_assert_str_eq(json_string_value(json_object_get(h, "kid")), "k-2026");
	json_decref(h);
	ck_assert_str_eq(writ_token_scope(t), "");
	ck_assert_ptr_null(writ_token_claim_string(t, "scope"));
	ck_assert(writ_token_expires(t) == TEST_NOW + 60);
	/* Two tokens never share a jti. */
	ck_assert_int_eq(writ_mint(s, policy, "cart-service", TEST_AUDIENCE, nothing,
	                           strlen(nothing), 60, TEST_NOW, &tok2), WRIT_OK);
	j1 = strdup(writ_token_jti(t));
	expect_valid(tok2);
	ck_assert_str_ne(j1, writ_token_jti(t));
	free(j1);
	/* Only apps of the policy get tokens. */
	ck_assert_int_eq(writ_mint(s, policy, "nobody", TEST_AUDIENCE, nothing, strlen(nothing),
	                           0, TEST_NOW, &tok3), WRIT_ENOPRINCIPAL);
	ck_assert_ptr_null(tok3);
	free(tok2);
	free(jwk);
	free(tok);
	free(jwks);
	writ_signer_free(s);
	free(path);
}
END_TEST

/* ---- the suite ---- */

static TCase *tcase(Suite *s, const char *name, void (*keys_fn)(void))
{
	TCase *tc = tcase_create(name);

	if (keys_fn)
		tcase_add_unchecked_fixture(tc, keys_fn, keys_teardown);
	tcase_add_checked_fixture(tc, verifier_setup, verifier_teardown);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tc;
}

/* =========================================================================
 * One verifier, many threads: configured once, then only read.
 * ========================================================================= */

struct worker {
	const char *good, *bad;
	int wrong; /* answers that differed from the expected ones */
};

static void *verify_many(void *arg)
{
	struct worker *w = arg;
	writ_token *mine = writ_token_new();
	int i;

	for (i = 0; i < 300 && mine; i++) {
		if (writ_verify(v, w->good, strlen(w->good), mine) != WRIT_OK ||
		    strcmp(writ_token_scope(mine), "write:payment") != 0)
			w->wrong++;
		if (writ_verify(v, w->bad, strlen(w->bad), mine) != WRIT_ETOKEN ||
		    writ_token_error(mine) != WRIT_TOKEN_BAD_SIGNATURE)
			w->wrong++;
	}
	if (!mine)
		w->wrong++;
	writ_token_free(mine);
	return NULL;
}

START_TEST(threads_share_a_verifier)
{
	const struct test_key *signers[] = { &es, &ed, &es384 };
	struct worker workers[8];
	pthread_t threads[8];
	char *good[3], *bad[3], *claims = test_claims("write:payment");
	size_t i;

	ck_assert_int_eq(writ_verifier_set_algorithms(v, "ES256,ES384,EdDSA"), WRIT_OK);
	for (i = 0; i < 3; i++) {
		char *h = test_header(signers[i]);
		good[i] = test_token(signers[i], h, claims);
		bad[i] = strdup(good[i]);
		/* A changed claims character: the signature no longer holds. */
		bad[i][strchr(bad[i], '.') - bad[i] + 5] ^= 1;
		free(h);
	}
	for (i = 0; i < 8; i++) {
		workers[i] = (struct worker){ good[i % 3], bad[i % 3], 0 };
		ck_assert_int_eq(pthread_create(&threads[i], NULL, verify_many, &workers[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
		ck_assert_msg(workers[i].wrong == 0, "thread %zu: %d wrong answers", i,
		              workers[i].wrong);
	}
	for (i = 0; i < 3; i++) {
		free(good[i]);
		free(bad[i]);
	}
	free(claims);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("jwt");
	TCase *tc;

	tc = tcase(s, "size", keys_setup);
	tcase_add_test(tc, size_limit_is_65536);
	tcase_add_test(tc, size_checked_before_decoding);
	tcase_add_test(tc, size_max_length_setting);

	tc = tcase(s, "encoding", keys_setup);
	tcase_add_test(tc, encoding_segment_count);
	tcase_add_test(tc, encoding_empty_segments);
	tcase_add_test(tc, encoding_canonical_accepted);
	tcase_add_test(tc, encoding_whitespace);
	tcase_add_test(tc, encoding_padding);
	tcase_add_test(tc, encoding_standard_alphabet);
	tcase_add_test(tc, encoding_nonzero_trailing_bits);
	tcase_add_test(tc, encoding_impossible_length);

	tc = tcase(s, "json", keys_setup);
	tcase_add_test(tc, json_utf8);
	tcase_add_test(tc, json_bom);
	tcase_add_test(tc, json_top_level);
	tcase_add_test(tc, json_trailing_garbage);
	tcase_add_test(tc, json_duplicate_members);
	tcase_add_test(tc, json_depth);
	tcase_add_test(tc, json_depth_ignores_strings);
	tcase_add_test(tc, json_nul);
	tcase_add_test(tc, json_raw_control_characters);

	tc = tcase(s, "header", keys_setup_rsa);
	tcase_add_test(tc, header_alg);
	tcase_add_test(tc, header_alg_none);
	tcase_add_test(tc, header_allowlist);
	tcase_add_test(tc, header_alg_confusion);
	tcase_add_test(tc, header_typ);
	tcase_add_test(tc, header_kid);
	tcase_add_test(tc, header_no_key_fallback);
	tcase_add_test(tc, header_crit);
	tcase_add_test(tc, header_key_carrying_members);

	tc = tcase(s, "keyset", keys_setup_rsa);
	tcase_add_test(tc, keyset_duplicate_kid);
	tcase_add_test(tc, keyset_private_members);
	tcase_add_test(tc, keyset_kty_and_usage);
	tcase_add_test(tc, keyset_ec_points);
	tcase_add_test(tc, keyset_rsa_values);
	tcase_add_test(tc, keyset_rsa_size);
	tcase_add_test(tc, keyset_ed25519_points);
	tcase_add_test(tc, binding_jwk_alg);
	tcase_add_test(tc, binding_jwk_without_alg);
	tcase_add_test(tc, binding_key_kind);

	tc = tcase(s, "signature", keys_setup_rsa);
	tcase_add_test(tc, sig_es256_length);
	tcase_add_test(tc, sig_es256_der);
	tcase_add_test(tc, sig_es256_range);
	tcase_add_test(tc, sig_es256_high_s);
	tcase_add_test(tc, sig_es384);
	tcase_add_test(tc, sig_eddsa);
	tcase_add_test(tc, sig_rs256_length);
	tcase_add_test(tc, sig_ps256);
	tcase_add_test(tc, sig_rs256_not_pss);
	tcase_add_test(tc, sig_flipped_bits);
	tcase_add_test(tc, sig_other_key_same_kid);

	tc = tcase(s, "claims", keys_setup);
	tcase_add_test(tc, claims_issuer);
	tcase_add_test(tc, claims_issuer_type);
	tcase_add_test(tc, claims_audience);
	tcase_add_test(tc, claims_exp_type);
	tcase_add_test(tc, claims_exp_range);
	tcase_add_test(tc, claims_exp_range_exact_integers);
	tcase_add_test(tc, claims_nbf_iat_type_and_range);

	tc = tcase(s, "time", keys_setup);
	tcase_add_test(tc, time_exp_edges);
	tcase_add_test(tc, time_nbf_edges);
	tcase_add_test(tc, time_iat_edges);
	tcase_add_test(tc, time_leeway_bounds);
	tcase_add_test(tc, time_order_of_checks);

	tc = tcase(s, "scope", keys_setup);
	tcase_add_test(tc, scope_valid);
	tcase_add_test(tc, scope_malformed);
	tcase_add_test(tc, scope_empty_and_absent);
	tcase_add_test(tc, scope_scp_ignored);

	tc = tcase(s, "reading", keys_setup);
	tcase_add_test(tc, reading_claims);
	tcase_add_test(tc, reading_claim_types);
	tcase_add_test(tc, reading_reuse);
	tcase_add_test(tc, reading_null_token);
	tcase_add_test(tc, reading_unverified_token);

	tc = tcase(s, "config", keys_setup);
	tcase_add_test(tc, config_incomplete_verifier);
	tcase_add_test(tc, config_issuer_audience_set);
	tcase_add_test(tc, config_keyset_dropped_early);
	tcase_add_test(tc, config_keyset_refs);

	tc = tcase(s, "threads", keys_setup);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, threads_share_a_verifier);

	tc = tcase_create("thumbprint");
	tcase_add_test(tc, thumbprint_rfc7638);
	tcase_add_test(tc, thumbprint_rfc8037);
	suite_add_tcase(s, tc);

	tc = tcase(s, "issuer", NULL);
	tcase_add_unchecked_fixture(tc, keyfiles_setup, keyfiles_teardown);
	tcase_add_test(tc, keygen_files);
	tcase_add_test(tc, keygen_signer_mode);
	tcase_add_test(tc, keygen_signer_small_rsa);
	tcase_add_test(tc, mint_es256);
	tcase_add_test(tc, mint_rs256);
	tcase_add_test(tc, mint_eddsa);
	tcase_add_test(tc, mint_details);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
