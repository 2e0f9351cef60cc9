/*
 * test_authorize.c: the gateway decision (writ_authorize, authorize.c):
 * a method, a request-target and an Authorization header in; allowed or
 * not, the status, the RFC 6750 error, scope and challenge out.
 *
 * Tokens are ES256 JWTs signed by a test key for TEST_ISSUER and
 * TEST_AUDIENCE, which is also the resource (and so the realm).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "jwt-helpers.h"

#define RES TEST_AUDIENCE
#define REALM "Bearer realm=\"" RES "\""

#define ROUTES                                                                     \
	"    route POST \"/payments\" requires write:payment;\n"                   \
	"    route GET \"/payments/{id}\" requires read:payment;\n"                \
	"    route GET \"/reports/*\" requires any read:payment, write:payment;\n" \
	"    route any \"/health\" public;\n"

static const char *const base_policy =
	"resource \"" RES "\" {\n"
	"    permission read:payment;\n"
	"    permission write:payment;\n" ROUTES "}\n";

static const char *const token_policy =
	"resource \"" RES "\" {\n"
	"    permission read:payment;\n"
	"    permission write:payment;\n" ROUTES "    unrouted token;\n}\n";

static const char *const deny_policy =
	"resource \"" RES "\" {\n"
	"    permission read:payment;\n"
	"    permission write:payment;\n" ROUTES
	"    stack access {\n        required scope;\n        required deny;\n    }\n}\n";

static const char *const args_policy =
	"resource \"" RES "\" {\n"
	"    permission read:payment;\n"
	"    permission write:payment;\n" ROUTES
	"    stack access {\n        required scope write:payment;\n    }\n}\n";

static struct test_key key;
static writ_verifier *ver;
static double now = TEST_NOW;
static writ_policy *pol, *pol_token, *pol_deny, *pol_args;
static writ_decision *dec;

static void setup(void)
{
	writ_keyset *keys;

	test_key_init(&key, JWS_ES256, "k1");
	keys = test_keyset(&key, 1);
	ver = test_verifier(keys, &now);
	writ_keyset_unref(keys);
	pol = load_ok(base_policy);
	pol_token = load_ok(token_policy);
	pol_deny = load_ok(deny_policy);
	pol_args = load_ok(args_policy);
	dec = writ_decision_new();
	ck_assert_ptr_nonnull(dec);
}

static void teardown(void)
{
	writ_decision_free(dec);
	writ_policy_unref(pol);
	writ_policy_unref(pol_token);
	writ_policy_unref(pol_deny);
	writ_policy_unref(pol_args);
	writ_verifier_free(ver);
	test_key_free(&key);
}

/* "Bearer " and a token of these claims; caller frees with free(). */
static char *bearer_of(const char *claims)
{
	char *hdr = test_header(&key), *tok = test_token(&key, hdr, claims);
	char *s = fmt("Bearer %s", tok);

	free(hdr);
	free(tok);
	return s;
}

static char *bearer_scope(const char *scope)
{
	char *c = test_claims(scope), *s = bearer_of(c);

	free(c);
	return s;
}

static void decide(const writ_policy *p, const char *method, const char *target,
                   const char *authorization)
{
	ck_assert_int_eq(writ_authorize(p, ver, RES, method, target, authorization, NULL, dec),
	                 WRIT_OK);
}

static void expect(unsigned status, const char *error, const char *scope, const char *challenge)
{
	ck_assert_uint_eq(writ_decision_status(dec), status);
	ck_assert_int_eq(writ_decision_allowed(dec), status == 200);
	ck_assert_pstr_eq(writ_decision_error(dec), error);
	ck_assert_pstr_eq(writ_decision_scope(dec), scope);
	if (status == 200)
		ck_assert_ptr_null(writ_decision_challenge(dec));
	else if (challenge)
		ck_assert_str_eq(writ_decision_challenge(dec), challenge);
	else
		ck_assert_ptr_nonnull(writ_decision_challenge(dec));
}

START_TEST(allow_with_scope)
{
	char *h = bearer_scope("write:payment");

	decide(pol, "POST", "/payments", h);
	expect(200, NULL, NULL, NULL);
	ck_assert_str_eq(writ_decision_route(dec), "route POST \"/payments\" requires write:payment");
	ck_assert_ptr_nonnull(writ_decision_token(dec));
	ck_assert_str_eq(writ_token_subject(writ_decision_token(dec)), "cart-service");
	/* The query is not part of the match. */
	decide(pol, "POST", "/payments?x=1", h);
	expect(200, NULL, NULL, NULL);
	ck_assert_str_eq(writ_decision_route(dec), "route POST \"/payments\" requires write:payment");
	free(h);
}
END_TEST

START_TEST(insufficient_scope)
{
	char *h = bearer_scope("read:payment");

	decide(pol, "POST", "/payments", h);
	expect(403, "insufficient_scope", "write:payment",
	       REALM ", error=\"insufficient_scope\", error_description=\"insufficient scope: "
	             "write:payment is not granted\", scope=\"write:payment\"");
	ck_assert_ptr_null(writ_decision_token(dec));
	ck_assert_str_eq(writ_decision_route(dec), "route POST \"/payments\" requires write:payment");
	free(h);
	/* An empty scope claim. */
	h = bearer_scope("");
	decide(pol, "GET", "/payments/42", h);
	expect(403, "insufficient_scope", "read:payment", NULL);
	free(h);
}
END_TEST

START_TEST(requires_any)
{
	char *r = bearer_scope("read:payment"), *w = bearer_scope("write:payment");
	char *none = bearer_scope("other");

	decide(pol, "GET", "/reports/2026/q1", r);
	expect(200, NULL, NULL, NULL);
	decide(pol, "GET", "/reports/x", w);
	expect(200, NULL, NULL, NULL);
	decide(pol, "GET", "/reports/x", none);
	expect(403, "insufficient_scope", "read:payment write:payment", NULL);
	free(r);
	free(w);
	free(none);
}
END_TEST

START_TEST(public_route)
{
	decide(pol, "GET", "/health", NULL);
	expect(200, NULL, NULL, NULL);
	ck_assert_str_eq(writ_decision_route(dec), "route any \"/health\" public");
	ck_assert_ptr_null(writ_decision_token(dec));
	decide(pol, "DELETE", "/health", "garbage \x01 header");
	expect(200, NULL, NULL, NULL);
	decide(pol, "GET", "/health", "Bearer not.a.token");
	expect(200, NULL, NULL, NULL);
	ck_assert_ptr_null(writ_decision_token(dec));
}
END_TEST

START_TEST(credentials)
{
	char *c, *h;

	/* RFC 6750 §3.1: no credentials, no error code. */
	decide(pol, "POST", "/payments", NULL);
	expect(401, NULL, NULL, REALM);
	ck_assert_ptr_null(writ_decision_description(dec));
	decide(pol, "POST", "/payments", "Basic x");
	expect(400, "invalid_request", NULL, NULL);
	ck_assert_ptr_nonnull(strstr(writ_decision_challenge(dec), "error=\"invalid_request\""));
	decide(pol, "POST", "/payments", "Bearer  abc");
	expect(400, "invalid_request", NULL, NULL);

	/* Expired. */
	c = fmt("{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"s\",\"client_id\":\"s\",\"iat\":%.0f,"
	        "\"exp\":%.0f,\"jti\":\"j\",\"scope\":\"write:payment\"}",
	        TEST_ISSUER, TEST_AUDIENCE, TEST_NOW - 1000, TEST_NOW - 10);
	h = bearer_of(c);
	decide(pol, "POST", "/payments", h);
	expect(401, "invalid_token", NULL,
	       REALM ", error=\"invalid_token\", error_description=\"expired\"");
	ck_assert_str_eq(writ_decision_description(dec), "expired");
	ck_assert_ptr_null(writ_decision_token(dec));
	free(c);
	free(h);

	/* Another audience. */
	c = fmt("{\"iss\":\"%s\",\"aud\":\"https://other.example.com\",\"sub\":\"s\","
	        "\"client_id\":\"s\",\"iat\":%.0f,\"exp\":%.0f,\"jti\":\"j\","
	        "\"scope\":\"write:payment\"}",
	        TEST_ISSUER, TEST_NOW - 10, TEST_NOW + 600);
	h = bearer_of(c);
	decide(pol, "POST", "/payments", h);
	expect(401, "invalid_token", NULL, NULL);
	ck_assert_str_eq(writ_decision_description(dec), "token is for another audience");
	free(c);
	free(h);

	/* Tampered: the last signature character changed. */
	h = bearer_scope("write:payment");
	h[strlen(h) - 1] = h[strlen(h) - 1] == 'A' ? 'B' : 'A';
	decide(pol, "POST", "/payments", h);
	expect(401, "invalid_token", NULL, NULL);
	/* The description never holds the token. */
	ck_assert_ptr_null(strstr(writ_decision_challenge(dec), h + 7));
	ck_assert_ptr_null(strstr(writ_decision_description(dec), h + 7));
	free(h);
}
END_TEST

START_TEST(paths)
{
	char *h = bearer_scope("read:payment write:payment");

	decide(pol, "GET", "/payments/../admin", h);
	expect(403, "insufficient_scope", NULL,
	       REALM ", error=\"insufficient_scope\", error_description=\"no route of this "
	             "resource allows GET /admin\"");
	ck_assert_ptr_null(writ_decision_route(dec));
	decide(pol, "GET", "/payments%2Fx", h);
	expect(400, "invalid_request", NULL, NULL);
	ck_assert_ptr_nonnull(strstr(writ_decision_description(dec), "the request path is refused"));
	decide(pol, "POST", "//payments", h);
	expect(400, "invalid_request", NULL, NULL);
	/* A refused path is refused before the header is read. */
	decide(pol, "GET", "/a;b", NULL);
	expect(400, "invalid_request", NULL, NULL);
	/* HEAD is not GET. */
	decide(pol, "GET", "/payments/1", h);
	expect(200, NULL, NULL, NULL);
	decide(pol, "HEAD", "/payments/1", h);
	expect(403, "insufficient_scope", NULL, NULL);
	ck_assert_str_eq(writ_decision_description(dec),
	                 "no route of this resource allows HEAD /payments/1");
	/* Unrouted, without a token: still 401 (routes are not probed). */
	decide(pol, "GET", "/admin", NULL);
	expect(401, NULL, NULL, REALM);
	free(h);
}
END_TEST

START_TEST(unrouted_token)
{
	char *h = bearer_scope("");

	decide(pol_token, "GET", "/anything/else", h);
	expect(200, NULL, NULL, NULL);
	ck_assert_ptr_null(writ_decision_route(dec));
	ck_assert_ptr_nonnull(writ_decision_token(dec));
	decide(pol_token, "GET", "/anything/else", NULL);
	expect(401, NULL, NULL, REALM);
	/* Routes still decide. */
	decide(pol_token, "POST", "/payments", h);
	expect(403, "insufficient_scope", "write:payment", NULL);
	free(h);
}
END_TEST

START_TEST(other_module_denies)
{
	char *h = bearer_scope("write:payment");
	char *r = bearer_scope("read:payment");

	decide(pol_deny, "POST", "/payments", h);
	expect(403, NULL, NULL, REALM);
	ck_assert_str_eq(writ_decision_description(dec), "always");
	/* The scope line fails first: its answer. */
	decide(pol_deny, "POST", "/payments", r);
	expect(403, "insufficient_scope", "write:payment", NULL);
	free(h);
	free(r);
}
END_TEST

START_TEST(scope_with_arguments)
{
	char *r = bearer_scope("read:payment"), *w = bearer_scope("write:payment");

	/* The arguments, not the route, decide. */
	decide(pol_args, "GET", "/payments/1", w);
	expect(200, NULL, NULL, NULL);
	decide(pol_args, "GET", "/payments/1", r);
	expect(403, "insufficient_scope", "write:payment", NULL);
	free(r);
	free(w);
}
END_TEST

START_TEST(errors)
{
	char *h = bearer_scope("write:payment");

	ck_assert_int_eq(writ_authorize(pol, ver, "https://nope", "GET", "/", h, NULL, dec),
	                 WRIT_ENORESOURCE);
	ck_assert_uint_eq(writ_decision_status(dec), 0);
	ck_assert_int_eq(writ_authorize(pol, ver, RES, "POST", "/payments", h, NULL, dec), WRIT_OK);
	expect(200, NULL, NULL, NULL);
	ck_assert_int_eq(writ_authorize(NULL, ver, NULL, "GET", "/", h, NULL, dec), WRIT_EINVAL);
	ck_assert_int_eq(writ_authorize(pol, NULL, RES, "GET", "/", h, NULL, dec), WRIT_EINVAL);
	ck_assert_int_eq(writ_authorize(pol, ver, NULL, NULL, "/", h, NULL, dec), WRIT_EINVAL);
	ck_assert_int_eq(writ_authorize(pol, ver, NULL, "GET", NULL, h, NULL, dec), WRIT_EINVAL);
	ck_assert_int_eq(writ_authorize(pol, ver, NULL, "GET", "/", h, NULL, NULL), WRIT_EINVAL);
	ck_assert_int_eq(writ_decision_allowed(NULL), 0);
	ck_assert_ptr_null(writ_decision_token(NULL));
	writ_decision_free(NULL);
	free(h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("authorize");
	TCase *tc = tcase_create("authorize");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, allow_with_scope);
	tcase_add_test(tc, insufficient_scope);
	tcase_add_test(tc, requires_any);
	tcase_add_test(tc, public_route);
	tcase_add_test(tc, credentials);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, unrouted_token);
	tcase_add_test(tc, other_module_denies);
	tcase_add_test(tc, scope_with_arguments);
	tcase_add_test(tc, errors);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
