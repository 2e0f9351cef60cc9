/*
 * test_secret.c: app secrets (secret.c): making PHC strings and checking
 * secrets against them.
 *
 * Known answers come from outside writ: the shipped demo hash (Python's
 * hashlib.scrypt), hashes computed with hashlib.pbkdf2_hmac and
 * hashlib.scrypt while writing these tests, and the test vectors of
 * RFC 7914 (sections 11 and 12).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "secret.h"
#include "util.h"
#include "validate.h"

#define S(x) x, strlen(x)

/* The hash in policies/payment.writ of the demo secret "demo-cart-secret". */
#define DEMO_HASH "$scrypt$ln=15,r=8,p=1$EKVVomkmE0NRLbx5lmFlTw$" \
	"Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06k4"
#define DEMO_SECRET "demo-cart-secret"

/* A well-formed salt (16 bytes) and hash (32 bytes), for strings that must
 * be refused before any hashing. */
#define SALT "EKVVomkmE0NRLbx5lmFlTw"
#define HASH "Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06k4"

static unsigned char *unhex(const char *s, size_t *len)
{
	size_t n = strlen(s), i;
	unsigned char *out = malloc(n / 2 + 1);

	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(n % 2, 0);
	for (i = 0; i < n / 2; i++) {
		unsigned v;
		ck_assert_int_eq(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
	*len = n / 2;
	return out;
}

static void verify_is(const char *phc, const char *secret, size_t len, int want)
{
	int rc = secret_verify(S(phc), secret, len);

	ck_assert_msg(rc == want, "secret_verify(\"%s\", %zu bytes) = %d (%s), expected %d",
	              phc, len, rc, writ_strerror(rc), want);
}

/* ---- known answers ---- */

START_TEST(demo_secret)
{
	verify_is(DEMO_HASH, S(DEMO_SECRET), WRIT_OK);
	verify_is(DEMO_HASH, S("demo-cart-secreT"), WRIT_EDENIED);
	verify_is(DEMO_HASH, S("demo-cart-secret\n"), WRIT_EDENIED);
	verify_is(DEMO_HASH, S("demo-cart-secre"), WRIT_EDENIED);
	verify_is(DEMO_HASH, S(""), WRIT_EDENIED);
}
END_TEST

/* The hash the shipped policy holds is the demo secret's. */
START_TEST(demo_secret_in_shipped_policy)
{
	static const char *const key = "secret \"";
	char path[4096], text[8192], *start, *end;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/policies/payment.writ", SRCDIR);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	start = strstr(text, key);
	ck_assert_msg(start != NULL, "%s has no secret line", path);
	start += strlen(key);
	end = strchr(start, '"');
	ck_assert_ptr_nonnull(end);
	ck_assert_int_eq(secret_verify(start, (size_t)(end - start), S(DEMO_SECRET)), WRIT_OK);
	ck_assert_int_eq(secret_verify(start, (size_t)(end - start), S("demo-cart")),
	                 WRIT_EDENIED);
}
END_TEST

/* Computed independently:
 *   hashlib.pbkdf2_hmac("sha256", b"correct horse battery staple",
 *                       bytes(range(0xa0, 0xb0)), 10000, 32) */
START_TEST(pbkdf2_sha256_known_answer)
{
	static const char *const phc = "$pbkdf2-sha256$i=10000$oKGio6SlpqeoqaqrrK2urw$"
	                               "4qicV7B4Vhe/vBRg4dpDl4zRfBkN45iTRM4oRapewkw";

	verify_is(phc, S("correct horse battery staple"), WRIT_OK);
	verify_is(phc, S("correct horse battery stapler"), WRIT_EDENIED);
	verify_is(phc, S("Correct horse battery staple"), WRIT_EDENIED);
	/* The same bytes under another iteration count are another hash. */
	verify_is("$pbkdf2-sha256$i=10001$oKGio6SlpqeoqaqrrK2urw$"
	          "4qicV7B4Vhe/vBRg4dpDl4zRfBkN45iTRM4oRapewkw",
	          S("correct horse battery staple"), WRIT_EDENIED);
}
END_TEST

/*
 * RFC 7914 section 12's second vector has N=1024, r=8, p=16 (r * p = 128,
 * the cap) and a 64-byte output, but its salt "NaCl" is 4 bytes: a PHC
 * string built from the RFC's bytes is refused as malformed, since
 * validate_secret_hash() wants 16 bytes of salt at least. So the RFC bytes
 * are checked through secret_scrypt() (raw_scrypt_rfc7914 below), and the
 * same parameters through secret_verify() with a 16-byte salt:
 *   hashlib.scrypt(b"password", salt=b"NaClNaClNaClNaCl", n=1024, r=8,
 *                  p=16, dklen=64)
 */
START_TEST(scrypt_rfc7914_parameters)
{
	static const char *const rfc =
		"$scrypt$ln=10,r=8,p=16$TmFDbA$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWIu"
		"rzDZLiKjiG/xCSedmDDaxyevuUqD7m2DYMvfoswGQA";
	static const char *const phc =
		"$scrypt$ln=10,r=8,p=16$TmFDbE5hQ2xOYUNsTmFDbA$ruflYSr7JKwcyP4taFgPBJI7nqmwR"
		"VvjonthQb2MSCL0ow/fg2vyqDTmljA7ecL+mO3o4sE2TAlRA7f3Ju4phw";
	bool plain;

	/* The RFC's own bytes: the salt is too short for a policy. */
	ck_assert_str_eq(validate_secret_hash(S(rfc), &plain), "its salt is shorter than 16 bytes");
	verify_is(rfc, S("password"), WRIT_EINVAL);

	verify_is(phc, S("password"), WRIT_OK);
	verify_is(phc, S("passwore"), WRIT_EDENIED);
	/* p is used: the same string with p=15 does not match. */
	verify_is("$scrypt$ln=10,r=8,p=15$TmFDbE5hQ2xOYUNsTmFDbA$ruflYSr7JKwcyP4taFgPBJI7nqmwR"
	          "VvjonthQb2MSCL0ow/fg2vyqDTmljA7ecL+mO3o4sE2TAlRA7f3Ju4phw",
	          S("password"), WRIT_EDENIED);
}
END_TEST

/* RFC 7914 section 12, vectors 1 to 3 (the fourth takes 1 GiB). */
START_TEST(raw_scrypt_rfc7914)
{
	static const struct {
		const char *password, *salt;
		unsigned ln;
		uint32_t r, p;
		const char *hex;
	} v[] = {
		{ "", "", 4, 1, 1,
		  "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
		  "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906" },
		{ "password", "NaCl", 10, 8, 16,
		  "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
		  "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640" },
		{ "pleaseletmein", "SodiumChloride", 14, 8, 1,
		  "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
		  "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887" },
	};
	unsigned char out[64], *want;
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		want = unhex(v[i].hex, &n);
		ck_assert_uint_eq(n, sizeof(out));
		ck_assert_int_eq(secret_scrypt(S(v[i].password),
		                               (const unsigned char *)v[i].salt,
		                               strlen(v[i].salt), v[i].ln, v[i].r, v[i].p,
		                               out, sizeof(out)),
		                 WRIT_OK);
		ck_assert_msg(memcmp(out, want, n) == 0, "RFC 7914 scrypt vector %zu", i + 1);
		free(want);
	}
}
END_TEST

/* RFC 7914 section 11: PBKDF2-HMAC-SHA256. */
START_TEST(raw_pbkdf2_rfc7914)
{
	static const struct {
		const char *password, *salt;
		uint32_t iterations;
		const char *hex;
	} v[] = {
		{ "passwd", "salt", 1,
		  "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
		  "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783" },
		{ "Password", "NaCl", 80000,
		  "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
		  "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d" },
	};
	unsigned char out[64], *want;
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		want = unhex(v[i].hex, &n);
		ck_assert_uint_eq(n, sizeof(out));
		ck_assert_int_eq(secret_pbkdf2_sha256(S(v[i].password),
		                                      (const unsigned char *)v[i].salt,
		                                      strlen(v[i].salt), v[i].iterations,
		                                      out, sizeof(out)),
		                 WRIT_OK);
		ck_assert_msg(memcmp(out, want, n) == 0, "RFC 7914 PBKDF2 vector %zu", i + 1);
		free(want);
	}
}
END_TEST

/* ---- lengths, not strings ---- */

/* hashlib.scrypt(b"a\0b\0c", salt=b"0123456789abcdef", n=1024, r=8, p=1,
 * dklen=32) */
START_TEST(secret_with_nul_bytes)
{
	static const char *const phc = "$scrypt$ln=10,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
	                               "/FtxcY/TQicI0JOoBtIe/wlLcamh9W6Onyuf/VBacr4";
	static const char secret[] = "a\0b\0c";
	char *made = NULL;

	verify_is(phc, secret, sizeof(secret) - 1, WRIT_OK);
	verify_is(phc, S(secret), WRIT_EDENIED); /* "a" */
	verify_is(phc, "a\0b\0d", 5, WRIT_EDENIED);
	verify_is(phc, "a\0b\0", 4, WRIT_EDENIED);
	/* HMAC (RFC 2104) pads its key with zero bytes, so PBKDF2, and scrypt
	 * through it, cannot tell a secret of under 64 bytes from the same
	 * followed by NULs: that is the KDFs, not the comparison. */
	verify_is(phc, "a\0b\0c\0", 6, WRIT_OK);

	ck_assert_int_eq(secret_hash(secret, sizeof(secret) - 1, &made), WRIT_OK);
	ck_assert_int_eq(secret_verify(S(made), secret, sizeof(secret) - 1), WRIT_OK);
	ck_assert_int_eq(secret_verify(S(made), S(secret)), WRIT_EDENIED);
	free(made);
}
END_TEST

START_TEST(phc_length_is_used)
{
	/* The string stops at phc_len: one character short, the hash is 31
	 * bytes; what follows phc_len is not read. */
	verify_is(DEMO_HASH, S(DEMO_SECRET), WRIT_OK);
	ck_assert_int_eq(secret_verify(DEMO_HASH, strlen(DEMO_HASH) - 1, S(DEMO_SECRET)),
	                 WRIT_EINVAL);
	ck_assert_int_eq(secret_verify(DEMO_HASH "\"; roles x;", strlen(DEMO_HASH),
	                               S(DEMO_SECRET)),
	                 WRIT_OK);
}
END_TEST

/* hashlib.pbkdf2_hmac("sha256", b"", b"0123456789abcdef", 1, 32) */
START_TEST(empty_secret)
{
	static const char *const phc = "$pbkdf2-sha256$i=1$MDEyMzQ1Njc4OWFiY2RlZg$"
	                               "moqAVuINiBoWSAWnx8lm5dC4MOzq9bszXOTTyglip60";

	verify_is(phc, S(""), WRIT_OK);
	ck_assert_int_eq(secret_verify(S(phc), NULL, 0), WRIT_OK);
	verify_is(phc, "x", 1, WRIT_EDENIED);
	verify_is(phc, "\0", 1, WRIT_OK); /* HMAC's zero padding, as above */
	ck_assert_int_eq(secret_verify(S(phc), NULL, 1), WRIT_EINVAL);
}
END_TEST

/* ---- making hashes ---- */

START_TEST(hash_round_trip)
{
	static const char *const prefix = "$scrypt$ln=15,r=8,p=1$";
	char *phc = NULL;
	bool plain = true;

	ck_assert_int_eq(secret_hash(S(DEMO_SECRET), &phc), WRIT_OK);
	ck_assert_ptr_nonnull(phc);
	/* 16 bytes of salt are 22 characters, 32 of hash 43. */
	ck_assert_uint_eq(strlen(phc), strlen(prefix) + 22 + 1 + 43);
	ck_assert_msg(strncmp(phc, prefix, strlen(prefix)) == 0, "%s", phc);
	ck_assert_ptr_null(validate_secret_hash(S(phc), &plain));
	ck_assert(!plain);
	ck_assert_int_eq(secret_verify(S(phc), S(DEMO_SECRET)), WRIT_OK);
	ck_assert_int_eq(secret_verify(S(phc), S("demo-cart-secreu")), WRIT_EDENIED);
	free(phc);
}
END_TEST

START_TEST(hashes_differ_by_salt)
{
	char *a = NULL, *b = NULL;
	size_t salt_end = strlen("$scrypt$ln=15,r=8,p=1$") + 22;

	ck_assert_int_eq(secret_hash(S("s3cret"), &a), WRIT_OK);
	ck_assert_int_eq(writ_secret_hash(S("s3cret"), &b), WRIT_OK);
	ck_assert_str_ne(a, b);
	/* The salts differ, not only the hashes. */
	ck_assert_int_ne(memcmp(a, b, salt_end), 0);
	ck_assert_int_eq(secret_verify(S(a), S("s3cret")), WRIT_OK);
	ck_assert_int_eq(secret_verify(S(b), S("s3cret")), WRIT_OK);
	free(a);
	free(b);
}
END_TEST

START_TEST(hash_bad_arguments)
{
	char untouched[] = "untouched", *phc = untouched;

	ck_assert_int_eq(secret_hash(NULL, 1, &phc), WRIT_EINVAL);
	ck_assert_ptr_null(phc);
	ck_assert_int_eq(secret_hash("x", 1, NULL), WRIT_EINVAL);
	ck_assert_int_eq(secret_verify(NULL, 0, "x", 1), WRIT_EINVAL);
}
END_TEST

/* ---- malformed and over-cap strings ---- */

START_TEST(malformed)
{
	static const char *const bad[] = {
		"",
		DEMO_SECRET,
		"$argon2id$v=19$m=65536,t=3,p=4$" SALT "$" HASH,
		"$scrypt$ln=15,r=8,p=1$" SALT,
		"$scrypt$ln=15,r=8$" SALT "$" HASH,
		"$scrypt$ln=0,r=8,p=1$" SALT "$" HASH,
		"$scrypt$ln=15,r=8,p=1$" SALT "==$" HASH,
		"$scrypt$ln=15,r=8,p=1$EKVVomkmE0NRLbx5lmF-Tw$" HASH,
		"$scrypt$ln=15,r=8,p=1$EKVVomkmE0NRLbx5lmFl$" HASH,
		"$pbkdf2-sha256$i=0$" SALT "$" HASH,
		"$pbkdf2-sha256$i=1000$" SALT "$" HASH "$x",
		"$pbkdf2-sha256$i=1000$" SALT "$Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06k",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		verify_is(bad[i], S(DEMO_SECRET), WRIT_EINVAL);
}
END_TEST

/* validate_secret_hash() accepts these; secret_verify() refuses to spend
 * the time or memory (the caps in secret.c). None is computed: a test
 * that did would take seconds to minutes. */
START_TEST(over_caps)
{
	static const char *const over[] = {
		"$scrypt$ln=21,r=1,p=1$" SALT "$" HASH,         /* ln > 20 */
		"$scrypt$ln=31,r=255,p=255$" SALT "$" HASH,
		"$scrypt$ln=10,r=16,p=9$" SALT "$" HASH,        /* r * p = 144 */
		"$scrypt$ln=4,r=1,p=129$" SALT "$" HASH,        /* r * p = 129 */
		"$scrypt$ln=20,r=9,p=1$" SALT "$" HASH,         /* 1.1 GiB */
		"$scrypt$ln=17,r=128,p=1$" SALT "$" HASH,       /* 2 GiB */
		"$scrypt$ln=20,r=8,p=4$" SALT "$" HASH,         /* N * r * p = 2^25 */
		"$scrypt$ln=20,r=8,p=16$" SALT "$" HASH,        /* over a minute */
		"$pbkdf2-sha256$i=10000001$" SALT "$" HASH,
		"$pbkdf2-sha256$i=100000000$" SALT "$" HASH,
	};
	bool plain;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(over); i++) {
		ck_assert_ptr_null(validate_secret_hash(S(over[i]), &plain));
		verify_is(over[i], S(DEMO_SECRET), WRIT_EINVAL);
	}
}
END_TEST

START_TEST(salt_and_hash_length_caps)
{
	char phc[1024];
	char zeros[400];
	bool plain;

	/* 256 zero bytes of salt (342 'A's), at the cap:
	 * hashlib.pbkdf2_hmac("sha256", b"x", bytes(256), 1, 32) */
	memset(zeros, 'A', sizeof(zeros));
	snprintf(phc, sizeof(phc), "$pbkdf2-sha256$i=1$%.*s$%s", 342, zeros,
	         "Uf25Y0ZSGOiBYJT7nm8Y4BdrQldqhQ0VcLa5UcEkecM");
	verify_is(phc, S("x"), WRIT_OK);
	/* 257 bytes (343 characters): over. */
	snprintf(phc, sizeof(phc), "$pbkdf2-sha256$i=1$%.*s$%s", 343, zeros, HASH);
	ck_assert_ptr_null(validate_secret_hash(S(phc), &plain));
	verify_is(phc, S("x"), WRIT_EINVAL);
	/* A 65-byte hash (87 characters): over; 64 bytes passed above, in
	 * scrypt_rfc7914_parameters. */
	snprintf(phc, sizeof(phc), "$pbkdf2-sha256$i=1$%s$%.*s", SALT, 87, zeros);
	ck_assert_ptr_null(validate_secret_hash(S(phc), &plain));
	verify_is(phc, S("x"), WRIT_EINVAL);
}
END_TEST

/* Unused trailing bits need not be zero (validate_secret_hash() allows
 * them), and they change nothing: "Tx" and "Tw" end in the same byte. */
START_TEST(trailing_bits_ignored)
{
	verify_is("$scrypt$ln=15,r=8,p=1$EKVVomkmE0NRLbx5lmFlTx$" HASH, S(DEMO_SECRET), WRIT_OK);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("secret");
	TCase *tc;

	tc = tcase_create("known answers");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, demo_secret);
	tcase_add_test(tc, demo_secret_in_shipped_policy);
	tcase_add_test(tc, pbkdf2_sha256_known_answer);
	tcase_add_test(tc, scrypt_rfc7914_parameters);
	tcase_add_test(tc, raw_scrypt_rfc7914);
	tcase_add_test(tc, raw_pbkdf2_rfc7914);
	suite_add_tcase(s, tc);

	tc = tcase_create("lengths");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, secret_with_nul_bytes);
	tcase_add_test(tc, phc_length_is_used);
	tcase_add_test(tc, empty_secret);
	suite_add_tcase(s, tc);

	tc = tcase_create("hash");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, hash_round_trip);
	tcase_add_test(tc, hashes_differ_by_salt);
	tcase_add_test(tc, hash_bad_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("refused");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, over_caps);
	tcase_add_test(tc, salt_and_hash_length_caps);
	tcase_add_test(tc, trailing_bits_ignored);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return run_suite(suite());
}
