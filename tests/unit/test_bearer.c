/* test_bearer.c: RFC 6750 Authorization headers and challenges. */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bearer.h"
#include "helpers.h"

/* ---- bearer_token ---- */

static void token_ok(const char *header, const char *want)
{
	const char *tok = NULL;
	size_t len = 0;
	char why[128] = "";
	int rc = bearer_token(header, strlen(header), &tok, &len, why, sizeof(why));

	ck_assert_msg(rc == WRIT_OK, "\"%s\": %s", header, why);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_msg(memcmp(tok, want, len) == 0, "\"%s\": token %.*s", header, (int)len, tok);
}

static void token_refused(const char *header, size_t len, const char *reason)
{
	const char *tok = header;
	size_t tlen = 99;
	char why[128] = "";
	int rc = bearer_token(header, len, &tok, &tlen, why, sizeof(why));

	ck_assert_msg(rc == WRIT_EINVAL, "\"%.*s\" accepted", (int)len, header ? header : "");
	ck_assert_ptr_null(tok);
	ck_assert_uint_eq(tlen, 0);
	ck_assert_msg(strstr(why, reason) != NULL, "\"%.*s\": reason \"%s\", want \"%s\"",
	              (int)len, header ? header : "", why, reason);
}

START_TEST(token_accepted)
{
	token_ok("Bearer abc.def.ghi", "abc.def.ghi");
	/* The scheme in any case (RFC 9110 section 11.1). */
	token_ok("bearer abc", "abc");
	token_ok("BEARER abc", "abc");
	/* Every b64token character, and trailing '='. */
	token_ok("Bearer AZaz09-._~+/==", "AZaz09-._~+/==");
	token_ok("Bearer x=", "x=");
}
END_TEST

START_TEST(token_refusals)
{
	token_refused(NULL, 0, "no Authorization header");
	token_refused("Basic Y2FydDpz", 14, "not \"Bearer\"");
	token_refused("Bearer", 6, "not \"Bearer\"");
	token_refused("Bearerabc", 9, "not \"Bearer\"");
	token_refused("Bearer\tabc", 10, "not \"Bearer\"");
	token_refused("Bearer ", 7, "no token");
	token_refused("Bearer  abc", 11, "more than one space");
	token_refused("Bearer abc ", 11, "at byte 4");
	token_refused("Bearer abc def", 14, "at byte 4");
	token_refused("Bearer a=b", 10, "at byte 3");
	token_refused("Bearer a\"b", 10, "at byte 2");
	token_refused("Bearer =abc", 11, "no token");
	/* A NUL inside the given length is a character like any other. */
	token_refused("Bearer ab\0c", 11, "at byte 3");
}
END_TEST

/* Long tokens are scanned sixteen bytes at a time: every byte value at
 * every offset of a 50-byte token, block boundaries included, is judged
 * as RFC 6750's b64token grammar says, and a refusal names its byte. */
START_TEST(every_byte_at_every_offset)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                          "0123456789-._~+/";
	char header[7 + 50], want[32];
	size_t at;
	int c;

	memcpy(header, "Bearer ", 7);
	for (at = 0; at < 50; at++) {
		for (c = 0; c < 256; c++) {
			const char *tok = NULL;
			size_t len = 0;
			char why[160] = "";
			bool in_set = c != 0 && strchr(set, c) != NULL;
			int rc;

			memset(header + 7, 'a', 50);
			header[7 + at] = (char)c;
			rc = bearer_token(header, sizeof(header), &tok, &len, why, sizeof(why));
			/* '=' passes only as trailing padding: here, last. */
			if (in_set || (c == '=' && at == 49)) {
				ck_assert_msg(rc == WRIT_OK, "byte %02x at %zu: %s", c, at, why);
				ck_assert_uint_eq(len, 50);
			} else {
				ck_assert_msg(rc == WRIT_EINVAL, "byte %02x at %zu accepted", c, at);
				if (at > 0 && c != '=') {
					snprintf(want, sizeof(want), "at byte %zu", at + 1);
					ck_assert_msg(strstr(why, want), "byte %02x at %zu: %s", c, at, why);
				}
			}
		}
	}
}
END_TEST

START_TEST(reason_hides_the_header)
{
	static const char h[] = "Bearer secret-token-value secret";
	const char *tok;
	size_t len;
	char why[256] = "";

	ck_assert_int_eq(bearer_token(h, strlen(h), &tok, &len, why, sizeof(why)), WRIT_EINVAL);
	ck_assert_ptr_null(strstr(why, "secret"));
}
END_TEST

/* ---- bearer_challenge ---- */

static void challenge_is(const char *realm, const char *error, const char *desc,
                         const char *scope, const char *want)
{
	char out[512];
	size_t len = 0;
	int rc = bearer_challenge(realm, error, desc, scope, out, sizeof(out), &len);

	ck_assert_msg(rc == WRIT_OK, "%s", writ_strerror(rc));
	ck_assert_str_eq(out, want);
	ck_assert_uint_eq(len, strlen(want));
}

START_TEST(challenges)
{
	challenge_is("payment", NULL, NULL, NULL, "Bearer realm=\"payment\"");
	challenge_is("payment", "invalid_token", "the token expired", NULL,
	             "Bearer realm=\"payment\", error=\"invalid_token\", "
	             "error_description=\"the token expired\"");
	challenge_is("payment", "insufficient_scope", "write:payment is needed", "write:payment",
	             "Bearer realm=\"payment\", error=\"insufficient_scope\", "
	             "error_description=\"write:payment is needed\", scope=\"write:payment\"");
	challenge_is("payment", "invalid_request", NULL, NULL,
	             "Bearer realm=\"payment\", error=\"invalid_request\"");
	/* What a quoted string would need escaping for becomes '?'. */
	challenge_is("a\"b\\c", "invalid_token", "kid \"x\"\n\xc3\xa9", NULL,
	             "Bearer realm=\"a?b?c\", error=\"invalid_token\", "
	             "error_description=\"kid ?x??\?\?\"");
}
END_TEST

START_TEST(challenge_refusals)
{
	char out[256];
	size_t len = 7;

	ck_assert_int_eq(bearer_challenge(NULL, NULL, NULL, NULL, out, sizeof(out), &len),
	                 WRIT_EINVAL);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(out, "");
	/* Only RFC 6750's error codes. */
	ck_assert_int_eq(bearer_challenge("r", "access_denied", NULL, NULL, out, sizeof(out), NULL),
	                 WRIT_EINVAL);
	ck_assert_int_eq(bearer_challenge("r", "invalid_token\"", NULL, NULL, out, sizeof(out), NULL),
	                 WRIT_EINVAL);
	/* A scope must be scope-tokens separated by single spaces. */
	ck_assert_int_eq(bearer_challenge("r", "insufficient_scope", NULL, "a\"b", out, sizeof(out),
	                                  NULL),
	                 WRIT_EINVAL);
	ck_assert_int_eq(bearer_challenge("r", "insufficient_scope", NULL, "a  b", out, sizeof(out),
	                                  NULL),
	                 WRIT_EINVAL);
	ck_assert_int_eq(bearer_challenge("r", "insufficient_scope", NULL, "", out, sizeof(out),
	                                  NULL),
	                 WRIT_EINVAL);
	/* A description or a scope without an error means nothing. */
	ck_assert_int_eq(bearer_challenge("r", NULL, "why", NULL, out, sizeof(out), NULL),
	                 WRIT_EINVAL);
	/* Two scopes are fine. */
	ck_assert_int_eq(bearer_challenge("r", "insufficient_scope", NULL, "a b", out, sizeof(out),
	                                  NULL),
	                 WRIT_OK);
}
END_TEST

START_TEST(challenge_range)
{
	char out[16], exact[sizeof("Bearer realm=\"r\"")];
	size_t len = 0;

	ck_assert_int_eq(bearer_challenge("payment", "invalid_token", NULL, NULL, out, sizeof(out),
	                                  &len),
	                 WRIT_ERANGE);
	ck_assert_uint_eq(len, strlen("Bearer realm=\"payment\", error=\"invalid_token\""));
	ck_assert_str_eq(out, "");
	/* Exactly the size needed. */
	ck_assert_int_eq(bearer_challenge("r", NULL, NULL, NULL, exact, sizeof(exact), &len),
	                 WRIT_OK);
	ck_assert_str_eq(exact, "Bearer realm=\"r\"");
	ck_assert_int_eq(bearer_challenge("r", NULL, NULL, NULL, exact, sizeof(exact) - 1, &len),
	                 WRIT_ERANGE);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bearer");
	TCase *tc = tcase_create("bearer");

	tcase_add_test(tc, token_accepted);
	tcase_add_test(tc, token_refusals);
	tcase_add_test(tc, every_byte_at_every_offset);
	tcase_add_test(tc, reason_hides_the_header);
	tcase_add_test(tc, challenges);
	tcase_add_test(tc, challenge_refusals);
	tcase_add_test(tc, challenge_range);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
