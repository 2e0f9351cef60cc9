/*
 * test_issue.c: the token endpoint's decisions (writ_token_endpoint,
 * issue.c) without HTTP: a form body and Authorization headers in, a
 * status, an RFC 6749 §5.2 error or a signed token out.
 *
 * Every answer is asserted whole: the status, the error code, the
 * challenge and auth_failed flags, and the JSON body (an error has exactly
 * error and error_description; a token answer has access_token,
 * token_type, expires_in and scope only when something is granted). No
 * body and no log field may ever hold a secret that was presented.
 *
 * Tokens are checked the way a resource server would: writ_verify() against
 * the signer's public key as a key set, for the issuer and the audience.
 *
 * The key, the signer, the key set and the policies are made once per TCase
 * by an unchecked fixture; app secrets are scrypt with ln=4 (N = 16), so
 * that authentication is cheap.
 */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base64url.h"
#include "helpers.h"
#include "jwt-helpers.h"
#include "mint.h"
#include "secret.h"
#include "util.h"

#define PAYMENT TEST_AUDIENCE /* "https://payment.example.com/api" */
#define ORDERS  "https://orders.example.com/api"
#define NOW     1700000000.0 /* 2023-11-14T22:13:20Z */

/* cart-service's secret holds '+', '%', ':' and a space: Basic carries it
 * form-urlencoded before base64 (RFC 6749 §2.3.1), and so does a body. */
#define SECRET      "p+a%ss: w0rd"
#define SECRET_FORM "p%2Ba%25ss%3A+w0rd"
/* A secret no app has, and old-service's (expired since 2020). */
#define WRONG      "not-the-secret"
#define OLD_SECRET "old-secret"

#define GRANT       "grant_type=client_credentials"
#define TO_PAYMENT  "&resource=" PAYMENT
#define BODY_CREDS  "&client_id=cart-service&client_secret=" SECRET_FORM
#define BODY_WRONG  "&client_id=cart-service&client_secret=" WRONG
#define BODY_NOBODY "&client_id=nobody&client_secret=" WRONG

/* ---- helpers ---- */

/* "Basic " and the padded standard base64 of "id:secret" (RFC 7617 §2),
 * both already form-urlencoded by the caller; caller frees. */
static char *basic(const char *id, const char *secret)
{
	char *raw = fmt("%s:%s", id, secret);
	unsigned char *b64 = malloc(strlen(raw) / 3 * 4 + 5);
	char *h;

	ck_assert_ptr_nonnull(b64);
	EVP_EncodeBlock(b64, (const unsigned char *)raw, (int)strlen(raw));
	h = fmt("Basic %s", (const char *)b64);
	free(raw);
	free(b64);
	return h;
}

/* ---- fixture: key, signer, key set, policies (once per TCase) ---- */

static char keydir[256];
static char pem[300];
static writ_signer *signer;
static writ_keyset *keyset;
static writ_policy *pol;         /* no default resource */
static writ_policy *pol_default; /* ORDERS is the default; old-service's secret expired */
static writ_policy *pol_no_issuer;

static void world_setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char err[256] = "";
	struct phc cart, old;
	char *jwk, *jwks, *text;

	snprintf(keydir, sizeof(keydir), "%s/writ-test-issue-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(keydir));
	snprintf(pem, sizeof(pem), "%s/es256.pem", keydir);
	ck_assert_msg(writ_key_generate("ES256", pem, err, sizeof(err)) == WRIT_OK, "%s", err);
	ck_assert_msg(writ_signer_load(pem, NULL, &signer, err, sizeof(err)) == WRIT_OK, "%s", err);
	jwk = writ_signer_public_jwk(signer);
	ck_assert_ptr_nonnull(jwk);
	jwks = fmt("{\"keys\":[%s]}", jwk);
	ck_assert_msg(writ_keyset_load(jwks, strlen(jwks), &keyset, err, sizeof(err)) == WRIT_OK,
	              "%s", err);
	free(jwks);
	free(jwk);

	phc_of(SECRET, strlen(SECRET), &cart);
	phc_of(OLD_SECRET, strlen(OLD_SECRET), &old);
	text = fmt("issuer \"" TEST_ISSUER "\" { token-ttl 1h; }\n"
	           "resource \"" PAYMENT "\" {\n"
	           "    token-ttl 10m;\n"
	           "    permission read:payment \"Read payments\";\n"
	           "    permission write:payment \"Create payments\";\n"
	           "}\n"
	           "role checkout for apps { grant write:payment on \"" PAYMENT "\"; }\n"
	           "app cart-service { secret \"%s\"; roles checkout; }\n",
	           cart.s);
	pol = load_ok(text);
	free(text);
	text = fmt("issuer \"" TEST_ISSUER "\" { token-ttl 1h; }\n"
	           "resource \"" PAYMENT "\" {\n"
	           "    token-ttl 10m;\n"
	           "    permission read:payment;\n"
	           "    permission write:payment;\n"
	           "}\n"
	           "resource \"" ORDERS "\" {\n"
	           "    default;\n"
	           "    default-scope read:orders, write:orders;\n"
	           "    permission read:orders;\n"
	           "    permission write:orders;\n"
	           "}\n"
	           "role orders for apps { grant read:orders, write:orders on \"" ORDERS "\"; }\n"
	           "app cart-service { secret \"%s\"; roles orders; }\n"
	           "app old-service {\n"
	           "    secret \"%s\" expires \"2020-01-01T00:00:00Z\";\n"
	           "    roles orders;\n"
	           "}\n",
	           cart.s, old.s);
	pol_default = load_ok(text);
	free(text);
	text = fmt("resource \"" PAYMENT "\" { permission write:payment; }\n"
	           "role checkout for apps { grant write:payment on \"" PAYMENT "\"; }\n"
	           "app cart-service { secret \"%s\"; roles checkout; }\n",
	           cart.s);
	pol_no_issuer = load_ok(text);
	free(text);
}

static void world_teardown(void)
{
	writ_policy_unref(pol);
	writ_policy_unref(pol_default);
	writ_policy_unref(pol_no_issuer);
	writ_keyset_unref(keyset);
	writ_signer_free(signer);
	unlink(pem);
	rmdir(keydir);
	pol = pol_default = pol_no_issuer = NULL;
	keyset = NULL;
	signer = NULL;
}

/* ---- the call under test (checked fixture: a reply per test) ---- */

static writ_reply *reply;
/* The clock around the last call, for requests with now = 0. */
static time_t called_lo, called_hi;

static void reply_setup(void)
{
	reply = writ_reply_new();
	ck_assert_ptr_nonnull(reply);
}

static void reply_teardown(void)
{
	writ_reply_free(reply);
	reply = NULL;
}

/* One request: body, the Authorization headers, the time (0: the clock). */
static int call(const writ_policy *p, const char *body, const char *const *auth, size_t nauth,
                double now)
{
	struct writ_token_request req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.peer = "192.0.2.7";
	req.now = now;
	req.authorization = auth;
	req.nauthorization = nauth;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	called_lo = time(NULL);
	rc = writ_token_endpoint(p, signer, &req, reply);
	called_hi = time(NULL);
	return rc;
}

/* A request that must be answered (token or error alike). */
static void answer(const writ_policy *p, const char *body, const char *const *auth, size_t nauth,
                   double now)
{
	int rc = call(p, body, auth, nauth, now);

	ck_assert_msg(rc == WRIT_OK, "\"%s\": %s", body ? body : "(null)", writ_strerror(rc));
}

/* The body at NOW, on the first policy, with no Authorization header. */
static void post(const char *body)
{
	answer(pol, body, NULL, 0, NOW);
}

/* The body at NOW, with one Authorization header. */
static void post_auth(const char *header, const char *body)
{
	const char *h[1] = {header};

	answer(pol, body, h, 1, NOW);
}

/* The body at NOW with Basic credentials id:secret (form-urlencoded). */
static void post_basic(const char *id, const char *secret, const char *body)
{
	char *h = basic(id, secret);

	post_auth(h, body);
	free(h);
}

/* No secret ever presented in these tests shows in s, in any form. */
static void no_secret_in(const char *what, const char *s)
{
	static const char *const secrets[] = {
	    SECRET, SECRET_FORM, WRONG, OLD_SECRET, "w0rd", "not-the",
	};
	size_t i;

	if (!s)
		return;
	for (i = 0; i < ARRAY_SIZE(secrets); i++)
		ck_assert_msg(!strstr(s, secrets[i]), "%s holds the secret \"%s\": %s", what,
		              secrets[i], s);
}

/* The body, which must be a JSON object; the caller json_decref()s it. */
static json_t *reply_json_body(void)
{
	size_t len = 12345;
	const char *body = writ_reply_body(reply, &len);
	json_error_t e;
	json_t *j;

	ck_assert_ptr_nonnull(body);
	ck_assert_uint_eq(len, strlen(body));
	no_secret_in("the body", body);
	no_secret_in("the client field", writ_reply_client(reply));
	no_secret_in("the resource field", writ_reply_resource(reply));
	no_secret_in("the requested scope field", writ_reply_requested_scope(reply));
	no_secret_in("the scope field", writ_reply_scope(reply));
	no_secret_in("the jti field", writ_reply_jti(reply));
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
	ck_assert_msg(j && json_is_object(j), "body is not a JSON object (%s): %s", e.text, body);
	return j;
}

/* The last answer is this RFC 6749 §5.2 error, and nothing else. */
static void expect_error_at(int line, unsigned status, const char *error, int challenge,
                            int auth_failed)
{
	const char *got = writ_reply_error(reply), *desc;
	json_t *j = reply_json_body();

	ck_assert_msg(got && strcmp(got, error) == 0 && writ_reply_status(reply) == status &&
	                  writ_reply_challenge(reply) == challenge &&
	                  writ_reply_auth_failed(reply) == auth_failed,
	              "line %d: got %u %s challenge=%d auth_failed=%d, want %u %s challenge=%d "
	              "auth_failed=%d; body %s",
	              line, writ_reply_status(reply), got ? got : "(no error)",
	              writ_reply_challenge(reply), writ_reply_auth_failed(reply), status, error,
	              challenge, auth_failed, writ_reply_body(reply, NULL));
	ck_assert_uint_eq(json_object_size(j), 2);
	ck_assert_str_eq(json_string_value(json_object_get(j, "error")), error);
	desc = json_string_value(json_object_get(j, "error_description"));
	ck_assert_ptr_nonnull(desc);
	ck_assert_uint_gt(strlen(desc), 0);
	/* An error has no token, so none of a token's fields either. */
	ck_assert_ptr_null(writ_reply_jti(reply));
	ck_assert_ptr_null(writ_reply_scope(reply));
	ck_assert_uint_eq(writ_reply_expires_in(reply), 0);
	json_decref(j);
}

#define EXPECT_ERROR(...) expect_error_at(__LINE__, __VA_ARGS__)

/* Shorthands for the answers that recur. */
#define EXPECT_INVALID_REQUEST() EXPECT_ERROR(400, "invalid_request", 0, 0)
#define EXPECT_INVALID_TARGET()  EXPECT_ERROR(400, "invalid_target", 0, 0)
#define EXPECT_INVALID_SCOPE()   EXPECT_ERROR(400, "invalid_scope", 0, 0)
#define EXPECT_BAD_SECRET()      EXPECT_ERROR(401, "invalid_client", 1, 1)

static double verify_clock;

/*
 * The last answer is a token for client on aud with exactly scope (NULL:
 * nothing granted, no scope member nor claim), lifetime ttl, issued at
 * now (0: the clock during the call). Returns the token's claims; the
 * caller json_decref()s them.
 */
static json_t *expect_token_at(int line, const char *client, const char *aud, const char *scope,
                               uint32_t ttl, double now)
{
	json_t *j = reply_json_body(), *claims, *member;
	const char *tok, *jti = writ_reply_jti(reply);
	writ_verifier *v;
	writ_token *t;
	json_int_t iat, exp;
	char *cj;

	ck_assert_msg(writ_reply_status(reply) == 200 && !writ_reply_error(reply),
	              "line %d: got %u %s; body %s", line, writ_reply_status(reply),
	              writ_reply_error(reply) ? writ_reply_error(reply) : "(no error)",
	              writ_reply_body(reply, NULL));
	ck_assert_int_eq(writ_reply_challenge(reply), 0);
	ck_assert_int_eq(writ_reply_auth_failed(reply), 0);
	ck_assert_uint_eq(json_object_size(j), scope ? 4 : 3);
	tok = json_string_value(json_object_get(j, "access_token"));
	ck_assert_ptr_nonnull(tok);
	ck_assert_str_eq(json_string_value(json_object_get(j, "token_type")), "Bearer");
	member = json_object_get(j, "expires_in");
	ck_assert(json_is_integer(member));
	ck_assert_int_eq(json_integer_value(member), ttl);
	ck_assert_uint_eq(writ_reply_expires_in(reply), ttl);
	if (scope)
		ck_assert_str_eq(json_string_value(json_object_get(j, "scope")), scope);
	else
		ck_assert_ptr_null(json_object_get(j, "scope"));
	ck_assert_str_eq(writ_reply_scope(reply), scope ? scope : "");
	ck_assert_str_eq(writ_reply_client(reply), client);
	ck_assert_str_eq(writ_reply_resource(reply), aud);
	ck_assert_ptr_nonnull(jti);
	ck_assert_uint_eq(strlen(jti), MINT_JTI_SIZE - 1);

	/* As a resource server sees it. */
	verify_clock = now != 0 ? now : (double)time(NULL);
	v = test_verifier(keyset, &verify_clock);
	ck_assert_int_eq(writ_verifier_set_audience(v, aud), WRIT_OK);
	t = writ_token_new();
	ck_assert_ptr_nonnull(t);
	ck_assert_msg(writ_verify(v, tok, strlen(tok), t) == WRIT_OK, "line %d: token refused: %s",
	              line, writ_token_reason(t));
	cj = writ_token_claims_json(t);
	ck_assert_ptr_nonnull(cj);
	claims = json_loads(cj, JSON_REJECT_DUPLICATES, NULL);
	ck_assert_ptr_nonnull(claims);
	ck_assert_str_eq(json_string_value(json_object_get(claims, "iss")), TEST_ISSUER);
	ck_assert_str_eq(json_string_value(json_object_get(claims, "aud")), aud);
	ck_assert_str_eq(json_string_value(json_object_get(claims, "sub")), client);
	ck_assert_str_eq(json_string_value(json_object_get(claims, "client_id")), client);
	ck_assert_str_eq(json_string_value(json_object_get(claims, "jti")), jti);
	if (scope)
		ck_assert_str_eq(json_string_value(json_object_get(claims, "scope")), scope);
	else
		ck_assert_ptr_null(json_object_get(claims, "scope"));
	iat = json_integer_value(json_object_get(claims, "iat"));
	exp = json_integer_value(json_object_get(claims, "exp"));
	ck_assert_int_eq(exp - iat, ttl);
	if (now != 0) {
		ck_assert_int_eq(iat, (json_int_t)floor(now));
	} else {
		ck_assert_int_ge(iat, called_lo);
		ck_assert_int_le(iat, called_hi);
	}
	free(cj);
	writ_token_free(t);
	writ_verifier_free(v);
	json_decref(j);
	return claims;
}

static void expect_token_line(int line, const char *client, const char *aud, const char *scope,
                              uint32_t ttl, double now)
{
	json_decref(expect_token_at(line, client, aud, scope, ttl, now));
}

#define EXPECT_TOKEN(...) expect_token_line(__LINE__, __VA_ARGS__)
/* cart-service's usual token at NOW: write:payment on PAYMENT, 10 minutes. */
#define EXPECT_PAYMENT_TOKEN() EXPECT_TOKEN("cart-service", PAYMENT, "write:payment", 600, NOW)

/* ---- success ---- */

START_TEST(success_basic)
{
	/* The id and the secret are form-urlencoded, then base64'd together:
	 * '+' stands for a space, %2B for '+', %25 for '%', %3A for ':'. */
	post_basic("cart-service", SECRET_FORM, GRANT TO_PAYMENT "&scope=write:payment");
	EXPECT_PAYMENT_TOKEN();
	ck_assert_str_eq(writ_reply_requested_scope(reply), "write:payment");
	/* The id is decoded too. */
	post_basic("cart%2Dservice", SECRET_FORM, GRANT TO_PAYMENT "&scope=write:payment");
	EXPECT_PAYMENT_TOKEN();
	/* A '+' sent unescaped decodes to a space: "p a%ss: w0rd", which is
	 * another secret. */
	post_basic("cart-service", "p+a%25ss%3A+w0rd", GRANT TO_PAYMENT "&scope=write:payment");
	EXPECT_BAD_SECRET();
	/* The scheme's name is case-insensitive (RFC 7235 §2.1). */
	{
		char *h = basic("cart-service", SECRET_FORM);
		memcpy(h, "bASIC", 5);
		post_auth(h, GRANT TO_PAYMENT "&scope=write:payment");
		free(h);
	}
	EXPECT_PAYMENT_TOKEN();
}
END_TEST

START_TEST(success_body)
{
	post(GRANT TO_PAYMENT "&scope=write:payment" BODY_CREDS);
	EXPECT_PAYMENT_TOKEN();
	/* The order of the parameters plays no part, nor do empty pairs, and
	 * the resource may be percent-encoded as a client would. */
	post("&&scope=write:payment&client_secret=" SECRET_FORM "&resource=https%3A%2F%2Fpayment"
	     ".example.com%2Fapi&client_id=cart-service&" GRANT "&");
	EXPECT_PAYMENT_TOKEN();
	/* %20 is a space as '+' is; an unescaped '+' is a space too, and so
	 * another secret. */
	post(GRANT TO_PAYMENT "&client_id=cart-service&client_secret=p%2Ba%25ss%3A%20w0rd");
	EXPECT_TOKEN("cart-service", PAYMENT, NULL, 600, NOW);
	post(GRANT TO_PAYMENT "&client_id=cart-service&client_secret=p+a%25ss%3A+w0rd");
	EXPECT_BAD_SECRET();
}
END_TEST

START_TEST(success_nothing_granted)
{
	/* read:payment is declared but not held: a token without a scope. */
	post(GRANT TO_PAYMENT "&scope=read:payment" BODY_CREDS);
	EXPECT_TOKEN("cart-service", PAYMENT, NULL, 600, NOW);
	ck_assert_str_eq(writ_reply_requested_scope(reply), "read:payment");
	/* No scope asked for, and the resource has no default scopes. */
	post(GRANT TO_PAYMENT BODY_CREDS);
	EXPECT_TOKEN("cart-service", PAYMENT, NULL, 600, NOW);
	ck_assert_ptr_null(writ_reply_requested_scope(reply));
}
END_TEST

START_TEST(downscoping)
{
	post(GRANT TO_PAYMENT "&scope=write:payment+read:payment" BODY_CREDS);
	EXPECT_PAYMENT_TOKEN();
	ck_assert_str_eq(writ_reply_requested_scope(reply), "write:payment read:payment");
	/* Unknown scopes are dropped, not errors. */
	post(GRANT TO_PAYMENT "&scope=admin:all+write:payment+delete:payment" BODY_CREDS);
	EXPECT_PAYMENT_TOKEN();
	post(GRANT TO_PAYMENT "&scope=admin:all" BODY_CREDS);
	EXPECT_TOKEN("cart-service", PAYMENT, NULL, 600, NOW);
	/* Granted in the order the resource declares them. */
	answer(pol_default, GRANT "&scope=write:orders+read:orders" BODY_CREDS, NULL, 0, NOW);
	EXPECT_TOKEN("cart-service", ORDERS, "read:orders write:orders", 3600, NOW);
}
END_TEST

START_TEST(fixed_now)
{
	json_t *claims;

	post(GRANT TO_PAYMENT "&scope=write:payment" BODY_CREDS);
	claims = expect_token_at(__LINE__, "cart-service", PAYMENT, "write:payment", 600, NOW);
	ck_assert_int_eq(json_integer_value(json_object_get(claims, "iat")), 1700000000);
	ck_assert_int_eq(json_integer_value(json_object_get(claims, "exp")), 1700000600);
	json_decref(claims);
	/* A fractional now: iat is its whole second. */
	answer(pol, GRANT TO_PAYMENT "&scope=write:payment" BODY_CREDS, NULL, 0, NOW + 0.75);
	claims =
	    expect_token_at(__LINE__, "cart-service", PAYMENT, "write:payment", 600, NOW + 0.75);
	ck_assert_int_eq(json_integer_value(json_object_get(claims, "iat")), 1700000000);
	json_decref(claims);
}
END_TEST

START_TEST(clock_now)
{
	/* now = 0: the clock, read once for the request. */
	answer(pol, GRANT TO_PAYMENT "&scope=write:payment" BODY_CREDS, NULL, 0, 0);
	EXPECT_TOKEN("cart-service", PAYMENT, "write:payment", 600, 0);
}
END_TEST

/* ---- client authentication ---- */

/* The body and flags of the last answer, to compare two answers. */
struct snapshot {
	unsigned status;
	char error[64];
	int challenge, auth_failed;
	char body[512];
};

static void snap(struct snapshot *s)
{
	const char *body = writ_reply_body(reply, NULL);

	memset(s, 0, sizeof(*s));
	s->status = writ_reply_status(reply);
	snprintf(s->error, sizeof(s->error), "%s", writ_reply_error(reply));
	s->challenge = writ_reply_challenge(reply);
	s->auth_failed = writ_reply_auth_failed(reply);
	ck_assert_ptr_nonnull(body);
	ck_assert_uint_lt(strlen(body), sizeof(s->body));
	snprintf(s->body, sizeof(s->body), "%s", body);
}

static void same_answer(const struct snapshot *a, const struct snapshot *b)
{
	ck_assert_uint_eq(a->status, b->status);
	ck_assert_str_eq(a->error, b->error);
	ck_assert_int_eq(a->challenge, b->challenge);
	ck_assert_int_eq(a->auth_failed, b->auth_failed);
	ck_assert_str_eq(a->body, b->body);
}

START_TEST(unknown_client_is_a_wrong_secret)
{
	struct snapshot wrong, unknown;

	/* In the body. */
	post(GRANT TO_PAYMENT BODY_WRONG);
	EXPECT_BAD_SECRET();
	ck_assert_str_eq(writ_reply_client(reply), "cart-service");
	snap(&wrong);
	post(GRANT TO_PAYMENT BODY_NOBODY);
	EXPECT_BAD_SECRET();
	ck_assert_str_eq(writ_reply_client(reply), "nobody");
	snap(&unknown);
	same_answer(&wrong, &unknown);
	/* Through Basic: the same answer again. */
	post_basic("cart-service", WRONG, GRANT TO_PAYMENT);
	EXPECT_BAD_SECRET();
	snap(&unknown);
	same_answer(&wrong, &unknown);
	post_basic("nobody", WRONG, GRANT TO_PAYMENT);
	EXPECT_BAD_SECRET();
	snap(&unknown);
	same_answer(&wrong, &unknown);
	/* An empty secret is a wrong one. */
	post_basic("cart-service", "", GRANT TO_PAYMENT);
	EXPECT_BAD_SECRET();
	snap(&unknown);
	same_answer(&wrong, &unknown);
}
END_TEST

START_TEST(dummy_hash_does_the_work)
{
	/* The unknown-client path checks the secret against secret_dummy_hash
	 * so that it costs what a wrong secret costs. A hash that
	 * secret_verify() refuses as malformed costs nothing. */
	int rc = secret_verify(secret_dummy_hash, strlen(secret_dummy_hash), "x", 1);

	ck_assert_msg(rc == WRIT_EDENIED,
	              "secret_verify(secret_dummy_hash) gives %s, not WRIT_EDENIED: the unknown "
	              "client path does no hashing",
	              writ_strerror(rc));
}
END_TEST

START_TEST(credentials_in_both_places)
{
	/* RFC 6749 §2.3: one authentication method per request. */
	post_basic("cart-service", SECRET_FORM, GRANT TO_PAYMENT BODY_CREDS);
	EXPECT_INVALID_REQUEST();
	post_basic("cart-service", SECRET_FORM, GRANT TO_PAYMENT "&client_secret=" SECRET_FORM);
	EXPECT_INVALID_REQUEST();
	/* A client_id in the body that differs from Basic's. */
	post_basic("cart-service", SECRET_FORM, GRANT TO_PAYMENT "&client_id=other-service");
	EXPECT_INVALID_REQUEST();
	post_basic("cart-service", SECRET_FORM, GRANT TO_PAYMENT "&client_id=cart-servicE");
	EXPECT_INVALID_REQUEST();
	/* The same one is fine. */
	post_basic("cart-service", SECRET_FORM,
	           GRANT TO_PAYMENT "&scope=write:payment&client_id=cart-service");
	EXPECT_PAYMENT_TOKEN();
}
END_TEST

START_TEST(authorization_headers)
{
	char *good = basic("cart-service", SECRET_FORM);
	const char *two[2] = {good, good};

	/* Two Authorization headers, even good ones. */
	answer(pol, GRANT TO_PAYMENT, two, 2, NOW);
	EXPECT_INVALID_REQUEST();
	/* Another scheme: this is no token for this endpoint. */
	post_auth("Bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln", GRANT TO_PAYMENT);
	EXPECT_ERROR(401, "invalid_client", 1, 0);
	post_auth("Basic", GRANT TO_PAYMENT);
	EXPECT_ERROR(401, "invalid_client", 1, 0);
	/* Basic, but not well formed. */
	post_auth("Basic !!!!", GRANT TO_PAYMENT);
	EXPECT_INVALID_REQUEST();
	post_auth("Basic Y2FydC1zZXJ2aWNlOng", GRANT TO_PAYMENT); /* no padding */
	EXPECT_INVALID_REQUEST();
	post_auth("Basic  Y2FydC1zZXJ2aWNlOng=", GRANT TO_PAYMENT); /* two spaces */
	EXPECT_INVALID_REQUEST();
	post_auth("Basic Y2FydC1zZXJ2aWNl", GRANT TO_PAYMENT); /* "cart-service": no ':' */
	EXPECT_INVALID_REQUEST();
	post_auth("Basic Og==", GRANT TO_PAYMENT); /* ":": empty id */
	EXPECT_INVALID_REQUEST();
	/* The header wins nothing over a good one when it is the only one. */
	post_auth(good, GRANT TO_PAYMENT "&scope=write:payment");
	EXPECT_PAYMENT_TOKEN();
	free(good);
}
END_TEST

START_TEST(no_credentials)
{
	post(GRANT TO_PAYMENT);
	EXPECT_ERROR(401, "invalid_client", 1, 0);
	/* A secret without an id is no credentials either. */
	post(GRANT TO_PAYMENT "&client_secret=" SECRET_FORM);
	EXPECT_ERROR(401, "invalid_client", 1, 0);
	/* An id without a secret: a failed attempt, counted as one. */
	post(GRANT TO_PAYMENT "&client_id=cart-service");
	EXPECT_ERROR(401, "invalid_client", 1, 1);
	/* An id that is no client id (RFC 6749 appendix A.1: VSCHAR). */
	post(GRANT TO_PAYMENT "&client_id=&client_secret=" SECRET_FORM);
	EXPECT_INVALID_REQUEST();
	post(GRANT TO_PAYMENT "&client_id=caf%C3%A9&client_secret=" SECRET_FORM);
	EXPECT_INVALID_REQUEST();
}
END_TEST

START_TEST(expired_secret)
{
	static const char body[] = GRANT "&client_id=old-service&client_secret=" OLD_SECRET;

	answer(pol_default, body, NULL, 0, NOW);
	EXPECT_BAD_SECRET();
	/* The expiry is the reason: the same secret before 2020 works. */
	answer(pol_default, body, NULL, 0, 1500000000.0);
	EXPECT_TOKEN("old-service", ORDERS, "read:orders write:orders", 3600, 1500000000.0);
}
END_TEST

/* ---- resource ---- */

START_TEST(resource_absent)
{
	/* No resource and no default. */
	post(GRANT "&scope=write:payment" BODY_CREDS);
	EXPECT_INVALID_TARGET();
	/* No resource: the default one, with its default scopes. */
	answer(pol_default, GRANT BODY_CREDS, NULL, 0, NOW);
	EXPECT_TOKEN("cart-service", ORDERS, "read:orders write:orders", 3600, NOW);
	ck_assert_str_eq(writ_reply_resource(reply), ORDERS);
	answer(pol_default, GRANT "&scope=write:orders" BODY_CREDS, NULL, 0, NOW);
	EXPECT_TOKEN("cart-service", ORDERS, "write:orders", 3600, NOW);
	/* The default resource named explicitly is the same. */
	answer(pol_default, GRANT "&scope=write:orders&resource=" ORDERS BODY_CREDS, NULL, 0, NOW);
	EXPECT_TOKEN("cart-service", ORDERS, "write:orders", 3600, NOW);
}
END_TEST

START_TEST(resource_invalid)
{
	/* RFC 8707 §2: an absolute URI without a fragment. */
	post(GRANT "&resource=/api" BODY_CREDS);
	EXPECT_INVALID_TARGET();
	ck_assert_str_eq(writ_reply_resource(reply), "/api");
	post(GRANT "&resource=payment.example.com" BODY_CREDS);
	EXPECT_INVALID_TARGET();
	post(GRANT "&resource=" BODY_CREDS);
	EXPECT_INVALID_TARGET();
	post(GRANT "&resource=" PAYMENT "%23frag" BODY_CREDS);
	EXPECT_INVALID_TARGET();
	post(GRANT "&resource=" PAYMENT "#" BODY_CREDS);
	EXPECT_INVALID_TARGET();
	/* Well formed but unknown; compared byte for byte. */
	post(GRANT "&resource=https://nowhere.example.com/api" BODY_CREDS);
	EXPECT_INVALID_TARGET();
	post(GRANT "&resource=" PAYMENT "/" BODY_CREDS);
	EXPECT_INVALID_TARGET();
	post(GRANT "&resource=HTTPS://payment.example.com/api" BODY_CREDS);
	EXPECT_INVALID_TARGET();
}
END_TEST

START_TEST(resource_repeated)
{
	/* A token is for one audience here. */
	answer(pol_default, GRANT "&resource=" PAYMENT "&resource=" ORDERS BODY_CREDS, NULL, 0,
	       NOW);
	EXPECT_INVALID_TARGET();
	post(GRANT TO_PAYMENT "&resource=https://nowhere.example.com/" BODY_CREDS);
	EXPECT_INVALID_TARGET();
	/* The same one twice is one. */
	post(GRANT TO_PAYMENT "&scope=write:payment" TO_PAYMENT BODY_CREDS);
	EXPECT_PAYMENT_TOKEN();
	post(GRANT TO_PAYMENT "&scope=write:payment&resource=https%3A%2F%2Fpayment.example.com"
	                      "%2Fapi" BODY_CREDS);
	EXPECT_PAYMENT_TOKEN();
}
END_TEST

START_TEST(resource_after_authentication)
{
	/* Which resources exist is told only to an authenticated client. */
	post(GRANT "&resource=https://nowhere.example.com/api" BODY_WRONG);
	EXPECT_BAD_SECRET();
	post(GRANT "&resource=https://nowhere.example.com/api" BODY_NOBODY);
	EXPECT_BAD_SECRET();
	post_basic("cart-service", WRONG, GRANT "&resource=https://nowhere.example.com/api");
	EXPECT_BAD_SECRET();
	/* No resource and no default: likewise. */
	post(GRANT BODY_WRONG);
	EXPECT_BAD_SECRET();
	/* A resource that is no URI at all is judged from the request alone. */
	post(GRANT "&resource=/api" BODY_WRONG);
	EXPECT_INVALID_TARGET();
}
END_TEST

/* ---- parameters ---- */

START_TEST(repeated_parameters)
{
	/* RFC 6749 §3.2: parameters must not be included more than once. */
	post(GRANT "&" GRANT TO_PAYMENT BODY_CREDS);
	EXPECT_INVALID_REQUEST();
	post(GRANT TO_PAYMENT "&scope=write:payment&scope=write:payment" BODY_CREDS);
	EXPECT_INVALID_REQUEST();
	post(GRANT TO_PAYMENT "&client_id=cart-service" BODY_CREDS);
	EXPECT_INVALID_REQUEST();
	post(GRANT TO_PAYMENT "&client_secret=" SECRET_FORM BODY_CREDS);
	EXPECT_INVALID_REQUEST();
	/* Even with an empty value. */
	post(GRANT TO_PAYMENT "&scope=&scope=write:payment" BODY_CREDS);
	EXPECT_INVALID_REQUEST();
	/* Repeated with Basic credentials: still refused, before them. */
	post_basic("cart-service", SECRET_FORM, GRANT TO_PAYMENT "&client_id=a&client_id=b");
	EXPECT_INVALID_REQUEST();
	/* Unknown parameters are ignored, repeated or not. */
	post(GRANT TO_PAYMENT "&scope=write:payment&state=1&state=2&audience=x" BODY_CREDS);
	EXPECT_PAYMENT_TOKEN();
}
END_TEST

START_TEST(grant_type)
{
	post(TO_PAYMENT "&scope=write:payment" BODY_CREDS);
	EXPECT_INVALID_REQUEST();
	post("grant_type=password&username=u&password=p" TO_PAYMENT BODY_CREDS);
	EXPECT_ERROR(400, "unsupported_grant_type", 0, 0);
	post("grant_type=" TO_PAYMENT BODY_CREDS);
	EXPECT_ERROR(400, "unsupported_grant_type", 0, 0);
	/* Compared exactly. */
	post("grant_type=Client_Credentials" TO_PAYMENT BODY_CREDS);
	EXPECT_ERROR(400, "unsupported_grant_type", 0, 0);
	post("grant_type=client_credentials+" TO_PAYMENT BODY_CREDS);
	EXPECT_ERROR(400, "unsupported_grant_type", 0, 0);
	/* Judged before the client: no slow hash for a wrong grant. */
	post("grant_type=password" TO_PAYMENT BODY_WRONG);
	EXPECT_ERROR(400, "unsupported_grant_type", 0, 0);
}
END_TEST

START_TEST(scope_characters)
{
	/* RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
	post(GRANT TO_PAYMENT "&scope=write:payment+%22x%22" BODY_CREDS);
	EXPECT_INVALID_SCOPE();
	post(GRANT TO_PAYMENT "&scope=write%5Cpayment" BODY_CREDS);
	EXPECT_INVALID_SCOPE();
	post(GRANT TO_PAYMENT "&scope=caf%C3%A9" BODY_CREDS);
	EXPECT_INVALID_SCOPE();
	/* Judged before the client. */
	post(GRANT TO_PAYMENT "&scope=%22" BODY_WRONG);
	EXPECT_INVALID_SCOPE();
	/* Controls never reach the scope check: the form refuses them. */
	post(GRANT TO_PAYMENT "&scope=write:payment%09read:payment" BODY_CREDS);
	EXPECT_INVALID_REQUEST();
	post(GRANT TO_PAYMENT "&scope=write:payment%01" BODY_CREDS);
	EXPECT_INVALID_REQUEST();
	post(GRANT TO_PAYMENT "&scope=write:payment%7F" BODY_CREDS);
	EXPECT_INVALID_REQUEST();
}
END_TEST

START_TEST(scope_spaces)
{
	/* The grant API tolerates runs of spaces in a request (writ.h,
	 * writ_grant) and answers canonically; so does the endpoint. */
	post(GRANT TO_PAYMENT "&scope=read:payment++write:payment" BODY_CREDS);
	EXPECT_PAYMENT_TOKEN();
	ck_assert_str_eq(writ_reply_requested_scope(reply), "read:payment  write:payment");
	post(GRANT TO_PAYMENT "&scope=+write:payment+" BODY_CREDS);
	EXPECT_PAYMENT_TOKEN();
	/* Only spaces, or empty, asks for nothing: no default scopes here. */
	post(GRANT TO_PAYMENT "&scope=+++" BODY_CREDS);
	EXPECT_TOKEN("cart-service", PAYMENT, NULL, 600, NOW);
	post(GRANT TO_PAYMENT "&scope=" BODY_CREDS);
	EXPECT_TOKEN("cart-service", PAYMENT, NULL, 600, NOW);
}
END_TEST

START_TEST(scope_empty_means_default)
{
	/* writ.h, writ_grant: "When nothing is requested (scope NULL, empty or
	 * only spaces), the resource's default scopes are the request". An
	 * empty scope parameter must then fit the default scopes' answer. */
	answer(pol_default, GRANT "&scope=" BODY_CREDS, NULL, 0, NOW);
	EXPECT_TOKEN("cart-service", ORDERS, "read:orders write:orders", 3600, NOW);
	answer(pol_default, GRANT "&scope=+" BODY_CREDS, NULL, 0, NOW);
	EXPECT_TOKEN("cart-service", ORDERS, "read:orders write:orders", 3600, NOW);
}
END_TEST

START_TEST(malformed_body)
{
	post("%zz");
	EXPECT_INVALID_REQUEST();
	post(GRANT TO_PAYMENT BODY_CREDS "&x=%zz");
	EXPECT_INVALID_REQUEST();
	post(GRANT TO_PAYMENT BODY_CREDS "&x=%4");
	EXPECT_INVALID_REQUEST();
	post(GRANT TO_PAYMENT BODY_CREDS "&x=%00");
	EXPECT_INVALID_REQUEST();
	post(GRANT TO_PAYMENT BODY_CREDS "&x=%FF");
	EXPECT_INVALID_REQUEST();
	/* A bad escape in the secret itself: refused, and not echoed. */
	post(GRANT TO_PAYMENT "&client_id=cart-service&client_secret=not-the-secret%zz");
	EXPECT_INVALID_REQUEST();
	/* An empty body: no grant_type. */
	post("");
	EXPECT_INVALID_REQUEST();
	answer(pol, NULL, NULL, 0, NOW);
	EXPECT_INVALID_REQUEST();
}
END_TEST

/* ---- what the caller logs ---- */

START_TEST(log_fields)
{
	post(GRANT TO_PAYMENT "&scope=read:payment+write:payment+x" BODY_CREDS);
	EXPECT_PAYMENT_TOKEN();
	ck_assert_str_eq(writ_reply_client(reply), "cart-service");
	ck_assert_str_eq(writ_reply_resource(reply), PAYMENT);
	ck_assert_str_eq(writ_reply_requested_scope(reply), "read:payment write:payment x");
	ck_assert_str_eq(writ_reply_scope(reply), "write:payment");
	/* A wrong secret: the client and what it asked for, nothing granted. */
	post_basic("cart-service", WRONG, GRANT TO_PAYMENT "&scope=write:payment");
	EXPECT_BAD_SECRET();
	ck_assert_str_eq(writ_reply_client(reply), "cart-service");
	ck_assert_str_eq(writ_reply_resource(reply), PAYMENT);
	ck_assert_str_eq(writ_reply_requested_scope(reply), "write:payment");
	/* Refused before authentication: no client is known. */
	post(GRANT TO_PAYMENT "&scope=%22" BODY_CREDS);
	EXPECT_INVALID_SCOPE();
	ck_assert_ptr_null(writ_reply_client(reply));
	ck_assert_str_eq(writ_reply_requested_scope(reply), "\"");
	/* A malformed body: nothing at all. */
	post("%zz" BODY_CREDS);
	EXPECT_INVALID_REQUEST();
	ck_assert_ptr_null(writ_reply_client(reply));
	ck_assert_ptr_null(writ_reply_resource(reply));
	ck_assert_ptr_null(writ_reply_requested_scope(reply));
}
END_TEST

/* ---- arguments and the reply object ---- */

static void expect_empty_reply(void)
{
	size_t len = 99;

	ck_assert_uint_eq(writ_reply_status(reply), 0);
	ck_assert_ptr_null(writ_reply_body(reply, &len));
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_null(writ_reply_error(reply));
	ck_assert_int_eq(writ_reply_challenge(reply), 0);
	ck_assert_int_eq(writ_reply_auth_failed(reply), 0);
	ck_assert_ptr_null(writ_reply_client(reply));
	ck_assert_ptr_null(writ_reply_resource(reply));
	ck_assert_ptr_null(writ_reply_requested_scope(reply));
	ck_assert_ptr_null(writ_reply_scope(reply));
	ck_assert_ptr_null(writ_reply_jti(reply));
	ck_assert_uint_eq(writ_reply_expires_in(reply), 0);
}

START_TEST(bad_arguments)
{
	static const char body[] = GRANT TO_PAYMENT "&scope=write:payment" BODY_CREDS;
	struct writ_token_request req;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.now = NOW;
	req.body = body;
	req.body_len = strlen(body);
	/* Each call follows a good answer, which it must clear. */
	ck_assert_int_eq(writ_token_endpoint(pol, signer, &req, reply), WRIT_OK);
	EXPECT_PAYMENT_TOKEN();
	ck_assert_int_eq(writ_token_endpoint(NULL, signer, &req, reply), WRIT_EINVAL);
	expect_empty_reply();
	post(body);
	ck_assert_int_eq(writ_token_endpoint(pol, NULL, &req, reply), WRIT_EINVAL);
	expect_empty_reply();
	post(body);
	ck_assert_int_eq(writ_token_endpoint(pol, signer, NULL, reply), WRIT_EINVAL);
	expect_empty_reply();
	ck_assert_int_eq(writ_token_endpoint(pol, signer, &req, NULL), WRIT_EINVAL);
	/* A caller built against an older, smaller struct. */
	post(body);
	req.size = sizeof(req) - 1;
	ck_assert_int_eq(writ_token_endpoint(pol, signer, &req, reply), WRIT_EINVAL);
	expect_empty_reply();
	req.size = 0;
	ck_assert_int_eq(writ_token_endpoint(pol, signer, &req, reply), WRIT_EINVAL);
	req.size = sizeof(req);
	/* Lengths without their pointers. */
	req.body = NULL;
	ck_assert_int_eq(writ_token_endpoint(pol, signer, &req, reply), WRIT_EINVAL);
	req.body = body;
	req.nauthorization = 1;
	ck_assert_int_eq(writ_token_endpoint(pol, signer, &req, reply), WRIT_EINVAL);
	expect_empty_reply();
	req.nauthorization = 0;
	/* A policy without an issuer cannot issue. */
	post(body);
	ck_assert_int_eq(writ_token_endpoint(pol_no_issuer, signer, &req, reply), WRIT_EINVAL);
	expect_empty_reply();
	/* With the clock too (now = 0 takes another path first). */
	req.now = 0;
	ck_assert_int_eq(writ_token_endpoint(pol_no_issuer, signer, &req, reply), WRIT_EINVAL);
	expect_empty_reply();
	req.size = sizeof(req) - 1;
	ck_assert_int_eq(writ_token_endpoint(pol, signer, &req, reply), WRIT_EINVAL);
	expect_empty_reply();
	req.size = sizeof(req);
	req.now = NOW;
	/* Whatever the request: no answer is made without an issuer. */
	req.body = GRANT TO_PAYMENT BODY_WRONG;
	req.body_len = strlen(req.body);
	ck_assert_int_eq(writ_token_endpoint(pol_no_issuer, signer, &req, reply), WRIT_EINVAL);
	expect_empty_reply();
	req.body = "%zz";
	req.body_len = strlen(req.body);
	ck_assert_int_eq(writ_token_endpoint(pol_no_issuer, signer, &req, reply), WRIT_EINVAL);
	expect_empty_reply();
	/* Freeing NULL is harmless; reading a NULL reply gives nothing. */
	writ_reply_free(NULL);
	ck_assert_uint_eq(writ_reply_status(NULL), 0);
	ck_assert_ptr_null(writ_reply_body(NULL, NULL));
	ck_assert_ptr_null(writ_reply_jti(NULL));
}
END_TEST

START_TEST(reply_reused)
{
	post(GRANT TO_PAYMENT "&scope=write:payment" BODY_CREDS);
	EXPECT_PAYMENT_TOKEN();
	/* An error on the same reply keeps nothing of the token. */
	post(GRANT TO_PAYMENT BODY_WRONG);
	EXPECT_BAD_SECRET();
	/* An error made before authentication keeps nothing either. */
	post(GRANT TO_PAYMENT "&scope=write:payment" BODY_CREDS);
	EXPECT_PAYMENT_TOKEN();
	post("grant_type=password");
	EXPECT_ERROR(400, "unsupported_grant_type", 0, 0);
	ck_assert_ptr_null(writ_reply_client(reply));
	ck_assert_ptr_null(writ_reply_resource(reply));
	ck_assert_ptr_null(writ_reply_requested_scope(reply));
	/* And a token after errors has no error, challenge or failure flag. */
	post(GRANT TO_PAYMENT BODY_NOBODY);
	EXPECT_BAD_SECRET();
	post(GRANT TO_PAYMENT "&scope=read:payment" BODY_CREDS);
	EXPECT_TOKEN("cart-service", PAYMENT, NULL, 600, NOW);
	/* Two tokens never share a jti. */
	{
		char *first = strdup(writ_reply_jti(reply));
		post(GRANT TO_PAYMENT "&scope=read:payment" BODY_CREDS);
		EXPECT_TOKEN("cart-service", PAYMENT, NULL, 600, NOW);
		ck_assert_str_ne(first, writ_reply_jti(reply));
		free(first);
	}
}
END_TEST

/* ---- the suite ---- */

/* The fast path: an answer only when no slow hash is needed. */
static int call_fast(const writ_policy *p, const char *body)
{
	struct writ_token_request req;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.now = NOW;
	req.body = body;
	req.body_len = strlen(body);
	req.flags = WRIT_TOKEN_FAST_ONLY;
	return writ_token_endpoint(p, signer, &req, reply);
}

START_TEST(fast_only)
{
	const char *good = GRANT TO_PAYMENT "&scope=write:payment" BODY_CREDS;
	const char *wrong = GRANT TO_PAYMENT "&client_id=cart-service&client_secret=nope";
	const char *unknown = GRANT TO_PAYMENT "&client_id=nobody&client_secret=nope";
	struct phc cart;
	writ_policy *fresh, *reloaded;
	char *text;

	/* A policy of its own, so that its cache starts empty. */
	phc_of(SECRET, strlen(SECRET), &cart);
	text = fmt("issuer \"" TEST_ISSUER "\" {}\n"
	           "resource \"" PAYMENT "\" { token-ttl 10m; permission write:payment; }\n"
	           "role checkout for apps { grant write:payment on \"" PAYMENT "\"; }\n"
	           "app cart-service { secret \"%s\"; roles checkout; }\n",
	           cart.s);
	fresh = load_ok(text);
	reloaded = load_ok(text);
	free(text);

	/* Not yet proven: no answer, and the reply is left empty. */
	ck_assert_int_eq(call_fast(fresh, good), WRIT_EAGAIN);
	expect_empty_reply();
	/* A wrong secret and an unknown client always need the slow hash. */
	ck_assert_int_eq(call_fast(fresh, wrong), WRIT_EAGAIN);
	ck_assert_int_eq(call_fast(fresh, unknown), WRIT_EAGAIN);
	/* What is refused before authentication is answered at once. */
	ck_assert_int_eq(call_fast(fresh, "grant_type=password" BODY_CREDS), WRIT_OK);
	ck_assert_str_eq(writ_reply_error(reply), "unsupported_grant_type");

	/* The slow answer proves the secret... */
	answer(fresh, good, NULL, 0, NOW);
	ck_assert_ptr_null(writ_reply_error(reply));
	/* ...and from then on the fast path answers with a token. */
	ck_assert_int_eq(call_fast(fresh, good), WRIT_OK);
	ck_assert_ptr_null(writ_reply_error(reply));
	ck_assert_str_eq(writ_reply_scope(reply), "write:payment");
	ck_assert_ptr_nonnull(writ_reply_jti(reply));
	/* A wrong secret is still never answered on the fast path. */
	ck_assert_int_eq(call_fast(fresh, wrong), WRIT_EAGAIN);
	/* The same policy loaded again (a reload) starts with its own,
	 * empty cache. */
	ck_assert_int_eq(call_fast(reloaded, good), WRIT_EAGAIN);
	writ_policy_unref(fresh);
	writ_policy_unref(reloaded);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("issue");
	TCase *tc;

	tc = tcase_create("endpoint");
	tcase_add_unchecked_fixture(tc, world_setup, world_teardown);
	tcase_add_checked_fixture(tc, reply_setup, reply_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, success_basic);
	tcase_add_test(tc, success_body);
	tcase_add_test(tc, success_nothing_granted);
	tcase_add_test(tc, downscoping);
	tcase_add_test(tc, fixed_now);
	tcase_add_test(tc, clock_now);
	tcase_add_test(tc, unknown_client_is_a_wrong_secret);
	tcase_add_test(tc, dummy_hash_does_the_work);
	tcase_add_test(tc, credentials_in_both_places);
	tcase_add_test(tc, authorization_headers);
	tcase_add_test(tc, no_credentials);
	tcase_add_test(tc, expired_secret);
	tcase_add_test(tc, resource_absent);
	tcase_add_test(tc, resource_invalid);
	tcase_add_test(tc, resource_repeated);
	tcase_add_test(tc, resource_after_authentication);
	tcase_add_test(tc, repeated_parameters);
	tcase_add_test(tc, grant_type);
	tcase_add_test(tc, scope_characters);
	tcase_add_test(tc, scope_spaces);
	tcase_add_test(tc, scope_empty_means_default);
	tcase_add_test(tc, malformed_body);
	tcase_add_test(tc, log_fields);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, reply_reused);
	tcase_add_test(tc, fast_only);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
