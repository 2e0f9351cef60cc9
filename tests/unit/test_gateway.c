/*
 * test_gateway.c: the gateway (gateway.c): tokens of every issuer a policy
 * trusts, with keys from the own issuer, a JWKS file or a JWKS URL; the key
 * found by kid in exactly one issuer's set, whose iss must match; the
 * issuer's algorithms; URL fetching by Cache-Control within the trust
 * block's bounds, refetching on an unknown kid at most once per
 * refresh-min, keeping the last good set when a fetch fails, and a
 * withdrawn kid stopping its cached tokens.
 *
 * The JWKS URL is served by a libmicrohttpd server inside the test, whose
 * answer (status, body, Cache-Control) the tests set and whose requests
 * they count.
 */
#include "config.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "jwt-helpers.h"

#define RES "https://payment.example.com/api"
#define OTHER "https://other.example.com"
#define ROUTES                                            \
	"    route POST \"/payments\" requires write:payment;\n" \
	"    route GET \"/payments/{id}\" requires read:payment;\n"
#define RESOURCE                                                                  \
	"resource \"" RES "\" {\n    permission read:payment;\n    permission write:payment;\n" \
	ROUTES "}\n"

/* ---- the JWKS server ---- */

static struct {
	pthread_mutex_t lock;
	unsigned status;
	char *body;
	char cache_control[64];
	unsigned requests;
} srv = { PTHREAD_MUTEX_INITIALIZER, 200, NULL, "", 0 };

static struct MHD_Daemon *daemon_;
static unsigned short port;
static char dir[sizeof("/tmp/writ-gw-XXXXXX")];

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **state)
{
	struct MHD_Response *r;
	enum MHD_Result ok;
	unsigned status;

	(void)cls; (void)url; (void)method; (void)version; (void)data; (void)size; (void)state;
	pthread_mutex_lock(&srv.lock);
	srv.requests++;
	status = srv.status;
	r = MHD_create_response_from_buffer(strlen(srv.body ? srv.body : ""),
	                                    srv.body ? srv.body : "", MHD_RESPMEM_MUST_COPY);
	if (srv.cache_control[0])
		MHD_add_response_header(r, "Cache-Control", srv.cache_control);
	pthread_mutex_unlock(&srv.lock);
	ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static void serve(unsigned status, const char *body, const char *cache_control)
{
	pthread_mutex_lock(&srv.lock);
	srv.status = status;
	free(srv.body);
	srv.body = body ? strdup(body) : NULL;
	snprintf(srv.cache_control, sizeof(srv.cache_control), "%s", cache_control ? cache_control : "");
	pthread_mutex_unlock(&srv.lock);
}

static unsigned requests(void)
{
	unsigned n;

	pthread_mutex_lock(&srv.lock);
	n = srv.requests;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

/* ---- keys, tokens, policies ---- */

static struct test_key k_a, k_b, k_c, k_384;

/* {"keys":[...]} of the given keys' public parts. */
static char *jwks_of(const struct test_key *const *keys, size_t n)
{
	char *out = strdup("{\"keys\":["), *jwk, *next;
	size_t i;

	for (i = 0; i < n; i++) {
		jwk = test_jwk(keys[i], 1);
		next = fmt("%s%s%s", out, i ? "," : "", jwk);
		free(out);
		free(jwk);
		out = next;
	}
	next = fmt("%s]}", out);
	free(out);
	return next;
}

static char *write_file(const char *name, const char *text)
{
	char *path = fmt("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* A token of iss for aud with scope, valid now, signed by k. */
static char *token(const struct test_key *k, const char *iss, const char *scope)
{
	time_t now = time(NULL);
	char *h = test_header(k);
	char *c = fmt("{\"iss\":\"%s\",\"aud\":\"" RES "\",\"sub\":\"app\",\"client_id\":\"app\","
	              "\"scope\":\"%s\",\"iat\":%ld,\"exp\":%ld}",
	              iss, scope, (long)now, (long)now + 600);
	char *t = test_token(k, h, c);

	free(h);
	free(c);
	return t;
}

static char *bearer(const char *tok)
{
	return fmt("Bearer %s", tok);
}

static writ_decision *dec;

/* Decide GET /payments/1 with tok (NULL: no header); the status. */
static unsigned decide(writ_gateway *g, const char *tok)
{
	char *auth = tok ? bearer(tok) : NULL;
	int rc = writ_gateway_authorize(g, RES, "GET", "/payments/1", auth, NULL, dec);

	free(auth);
	ck_assert_int_eq(rc, WRIT_OK);
	return writ_decision_status(dec);
}

static const char *reason(void)
{
	return writ_decision_description(dec) ? writ_decision_description(dec) : "";
}

static void setup(void)
{
	/* The template again: without fork, every test comes here. */
	memcpy(dir, "/tmp/writ-gw-XXXXXX", sizeof(dir));
	srv.requests = 0;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	test_key_init(&k_a, JWS_ES256, "ka");
	test_key_init(&k_b, JWS_ES256, "kb");
	test_key_init(&k_c, JWS_ES256, "kc");
	test_key_init(&k_384, JWS_ES384, "k384");
	dec = writ_decision_new();
	daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
	                           NULL, answer, NULL, MHD_OPTION_SOCK_ADDR, NULL, MHD_OPTION_END);
	ck_assert_ptr_nonnull(daemon_);
	port = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT)->port;
}

static void teardown(void)
{
	char *cmd = fmt("rm -rf '%s'", dir);

	MHD_stop_daemon(daemon_);
	writ_decision_free(dec);
	test_key_free(&k_a);
	test_key_free(&k_b);
	test_key_free(&k_c);
	test_key_free(&k_384);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(srv.body);
	srv.body = NULL;
}

/* A gateway for policy text; fails the test unless it is made. */
static writ_gateway *gateway(const char *text, writ_keyset *own, unsigned flags,
                             writ_policy **pol)
{
	struct writ_gateway_options o = { sizeof(o), own, NULL, 0, flags };
	writ_gateway *g = NULL;
	char err[256] = "";

	*pol = load_ok(text);
	ck_assert_msg(writ_gateway_new(*pol, &o, &g, err, sizeof(err)) == WRIT_OK, "%s", err);
	return g;
}

static char *url_policy(const char *extra)
{
	return fmt("trust \"" OTHER "\" {\n    jwks \"http://127.0.0.1:%u/jwks\";\n%s}\n" RESOURCE,
	           (unsigned)port, extra);
}

/* ---- files and the own issuer ---- */

START_TEST(file_issuer_allows_and_denies)
{
	const struct test_key *ka[] = { &k_a };
	char *jwks = jwks_of(ka, 1), *path = write_file("a.json", jwks);
	char *text = fmt("trust \"" OTHER "\" { jwks \"%s\"; }\n" RESOURCE, path);
	char *good = token(&k_a, OTHER, "read:payment"), *noscope = token(&k_a, OTHER, "write:payment");
	char *forged = token(&k_b, OTHER, "read:payment");
	writ_policy *pol;
	writ_gateway *g = gateway(text, NULL, 0, &pol);

	ck_assert_uint_eq(writ_gateway_issuer_count(g), 1);
	ck_assert_str_eq(writ_gateway_issuer(g, 0), OTHER);
	ck_assert_uint_eq(writ_gateway_issuer_keys(g, 0), 1);
	ck_assert_uint_eq(decide(g, good), 200);
	ck_assert_str_eq(writ_token_client_id(writ_decision_token(dec)), "app");
	ck_assert_uint_eq(decide(g, noscope), 403);
	ck_assert_str_eq(writ_decision_error(dec), "insufficient_scope");
	/* A key the issuer does not publish. */
	ck_assert_uint_eq(decide(g, forged), 401);
	ck_assert_str_eq(writ_decision_error(dec), "invalid_token");
	ck_assert_str_eq(reason(), "unknown kid \"kb\"");
	ck_assert_uint_eq(decide(g, NULL), 401);
	writ_gateway_free(g);
	writ_policy_unref(pol);
	free(jwks); free(path); free(text); free(good); free(noscope); free(forged);
}
END_TEST

START_TEST(key_of_one_issuer_never_vouches_for_another)
{
	const struct test_key *ka[] = { &k_a }, *kb[] = { &k_b };
	char *ja = jwks_of(ka, 1), *jb = jwks_of(kb, 1);
	char *pa = write_file("a.json", ja), *pb = write_file("b.json", jb);
	char *text = fmt("trust \"https://a.example\" { jwks \"%s\"; }\n"
	                 "trust \"https://b.example\" { jwks \"%s\"; }\n" RESOURCE, pa, pb);
	char *a_as_b = token(&k_a, "https://b.example", "read:payment");
	char *b_ok = token(&k_b, "https://b.example", "read:payment");
	writ_policy *pol;
	writ_gateway *g = gateway(text, NULL, 0, &pol);

	ck_assert_uint_eq(decide(g, b_ok), 200);
	ck_assert_uint_eq(decide(g, a_as_b), 401);
	ck_assert_str_eq(reason(), "token is from another issuer");
	writ_gateway_free(g);
	writ_policy_unref(pol);
	free(ja); free(jb); free(pa); free(pb); free(text); free(a_as_b); free(b_ok);
}
END_TEST

START_TEST(kid_in_two_sets_is_refused)
{
	struct test_key twin;
	const struct test_key *ka[] = { &k_a }, *kt[] = { &twin };
	char *ja, *jt, *pa, *pt, *text, *tok;
	writ_policy *pol;
	writ_gateway *g;

	test_key_init(&twin, JWS_ES256, "ka"); /* same kid, another key */
	ja = jwks_of(ka, 1);
	jt = jwks_of(kt, 1);
	pa = write_file("a.json", ja);
	pt = write_file("t.json", jt);
	text = fmt("trust \"https://a.example\" { jwks \"%s\"; }\n"
	           "trust \"https://t.example\" { jwks \"%s\"; }\n" RESOURCE, pa, pt);
	tok = token(&k_a, "https://a.example", "read:payment");
	g = gateway(text, NULL, 0, &pol);
	ck_assert_uint_eq(decide(g, tok), 401);
	ck_assert_str_eq(reason(), "kid \"ka\" is published by two trusted issuers");
	writ_gateway_free(g);
	writ_policy_unref(pol);
	test_key_free(&twin);
	free(ja); free(jt); free(pa); free(pt); free(text); free(tok);
}
END_TEST

START_TEST(issuer_algorithms_are_enforced)
{
	const struct test_key *keys[] = { &k_a, &k_384 };
	char *j = jwks_of(keys, 2), *p = write_file("k.json", j);
	char *only384 = fmt("trust \"" OTHER "\" { jwks \"%s\"; algorithms ES384; }\n" RESOURCE, p);
	char *deflt = fmt("trust \"" OTHER "\" { jwks \"%s\"; }\n" RESOURCE, p);
	char *t256 = token(&k_a, OTHER, "read:payment"), *t384 = token(&k_384, OTHER, "read:payment");
	writ_policy *p1, *p2;
	writ_gateway *g1 = gateway(only384, NULL, 0, &p1), *g2 = gateway(deflt, NULL, 0, &p2);

	ck_assert_uint_eq(decide(g1, t384), 200);
	ck_assert_uint_eq(decide(g1, t256), 401);
	ck_assert_str_eq(reason(), "alg \"ES256\" is not allowed for this issuer");
	/* Without `algorithms`: DESIGN §5's default list, which lacks ES384. */
	ck_assert_uint_eq(decide(g2, t256), 200);
	ck_assert_uint_eq(decide(g2, t384), 401);
	ck_assert_str_eq(reason(), "alg \"ES384\" is not allowed for this issuer");
	writ_gateway_free(g1);
	writ_gateway_free(g2);
	writ_policy_unref(p1);
	writ_policy_unref(p2);
	free(j); free(p); free(only384); free(deflt); free(t256); free(t384);
}
END_TEST

START_TEST(own_keys_stand_for_the_own_issuer)
{
	writ_keyset *own = test_keyset(&k_c, 1);
	const struct test_key *ka[] = { &k_a };
	char *j = jwks_of(ka, 1), *p = write_file("a.json", j);
	/* The trust block naming the own issuer is skipped for the own keys. */
	char *text = fmt("issuer \"" TEST_ISSUER "\" { }\n"
	                 "trust \"" TEST_ISSUER "\" { jwks \"%s\"; }\n" RESOURCE, p);
	char *mine = token(&k_c, TEST_ISSUER, "read:payment"), *via_file = token(&k_a, TEST_ISSUER, "read:payment");
	writ_policy *pol, *pol2;
	writ_gateway *g = gateway(text, own, 0, &pol), *g2;

	ck_assert_uint_eq(writ_gateway_issuer_count(g), 1);
	ck_assert_uint_eq(decide(g, mine), 200);
	ck_assert_uint_eq(decide(g, via_file), 401);
	writ_gateway_free(g);
	/* Without own keys, the trust block's file is the own issuer's keys. */
	g2 = gateway(text, NULL, 0, &pol2);
	ck_assert_uint_eq(decide(g2, via_file), 200);
	ck_assert_uint_eq(decide(g2, mine), 401);
	writ_gateway_free(g2);
	writ_policy_unref(pol);
	writ_policy_unref(pol2);
	writ_keyset_unref(own);
	free(j); free(p); free(text); free(mine); free(via_file);
}
END_TEST

START_TEST(refusals_name_the_problem)
{
	char err[256];
	writ_gateway *g = (writ_gateway *)1;
	writ_policy *none = load_ok(RESOURCE);
	char *bad = write_file("bad.json", "{\"keys\": 3}");
	char *text = fmt("trust \"" OTHER "\" { jwks \"%s\"; }\n" RESOURCE, bad);
	char *missing = fmt("trust \"" OTHER "\" { jwks \"%s/absent.json\"; }\n" RESOURCE, dir);
	writ_policy *pbad = load_ok(text), *pmissing = load_ok(missing);

	ck_assert_int_eq(writ_gateway_new(none, NULL, &g, err, sizeof(err)), WRIT_EINVAL);
	ck_assert_ptr_null(g);
	ck_assert_str_eq(err, "the policy trusts no issuer: add a trust block naming one and its JWKS");
	ck_assert_int_eq(writ_gateway_new(pbad, NULL, &g, err, sizeof(err)), WRIT_EKEY);
	ck_assert_ptr_null(g);
	ck_assert_msg(strncmp(err, "trusted issuer " OTHER ": ", strlen("trusted issuer " OTHER ": ")) == 0, "%s", err);
	ck_assert_int_eq(writ_gateway_new(pmissing, NULL, &g, err, sizeof(err)), WRIT_EIO);
	ck_assert_msg(strstr(err, "absent.json") != NULL, "%s", err);
	ck_assert_int_eq(writ_gateway_new(NULL, NULL, &g, err, sizeof(err)), WRIT_EINVAL);
	writ_policy_unref(none);
	writ_policy_unref(pbad);
	writ_policy_unref(pmissing);
	free(bad); free(text); free(missing);
}
END_TEST

START_TEST(unknown_resource)
{
	const struct test_key *ka[] = { &k_a };
	char *j = jwks_of(ka, 1), *p = write_file("a.json", j);
	char *text = fmt("trust \"" OTHER "\" { jwks \"%s\"; }\n" RESOURCE, p);
	writ_policy *pol;
	writ_gateway *g = gateway(text, NULL, 0, &pol);

	ck_assert_int_eq(writ_gateway_authorize(g, "https://nowhere", "GET", "/", NULL, NULL, dec),
	                 WRIT_ENORESOURCE);
	ck_assert_uint_eq(writ_decision_status(dec), 0);
	/* No default resource either. */
	ck_assert_int_eq(writ_gateway_authorize(g, NULL, "GET", "/", NULL, NULL, dec), WRIT_ENORESOURCE);
	writ_gateway_free(g);
	writ_policy_unref(pol);
	free(j); free(p); free(text);
}
END_TEST

/* ---- URLs ---- */

START_TEST(url_fetched_at_creation_with_cache_control)
{
	const struct test_key *ka[] = { &k_a };
	char *j = jwks_of(ka, 1);
	char *text = url_policy("    refresh-min 10s;\n    refresh-max 1h;\n");
	char *tok = token(&k_a, OTHER, "read:payment");
	writ_policy *pol;
	writ_gateway *g;
	double next;
	unsigned long ok, failed;

	serve(200, j, "public, max-age=120");
	g = gateway(text, NULL, 0, &pol);
	ck_assert_uint_eq(requests(), 1);
	ck_assert_uint_eq(decide(g, tok), 200);
	/* Not due yet: nothing fetched, and max-age says when. */
	ck_assert_int_eq(writ_gateway_refresh(g, 0, &next), 0);
	ck_assert_uint_eq(requests(), 1);
	ck_assert_msg(next > 110 && next <= 120, "next %f", next);
	/* Bounded below by refresh-min... */
	serve(200, j, "max-age=2");
	writ_gateway_refresh(g, 1, &next);
	ck_assert_msg(next > 9 && next <= 10, "next %f", next);
	serve(200, j, "no-store");
	writ_gateway_refresh(g, 1, &next);
	ck_assert_msg(next > 9 && next <= 10, "next %f", next);
	/* ... and above by refresh-max; no max-age: an hour, within them. */
	serve(200, j, "max-age=999999");
	writ_gateway_refresh(g, 1, &next);
	ck_assert_msg(next > 3590 && next <= 3600, "next %f", next);
	serve(200, j, NULL);
	writ_gateway_refresh(g, 1, &next);
	ck_assert_msg(next > 3590 && next <= 3600, "next %f", next);
	writ_gateway_issuer_fetches(g, 0, &ok, &failed);
	ck_assert_uint_eq(ok, 5);
	ck_assert_uint_eq(failed, 0);
	writ_gateway_free(g);
	writ_policy_unref(pol);
	free(j); free(text); free(tok);
}
END_TEST

START_TEST(failed_fetch_keeps_the_last_good_set)
{
	const struct test_key *ka[] = { &k_a };
	char *j = jwks_of(ka, 1), *text = url_policy("    refresh-min 10s;\n");
	char *tok = token(&k_a, OTHER, "read:payment");
	char why[256];
	writ_policy *pol;
	writ_gateway *g;
	unsigned long ok, failed;
	double next;

	serve(200, j, NULL);
	g = gateway(text, NULL, 0, &pol);
	serve(500, "oops", NULL);
	ck_assert_int_eq(writ_gateway_refresh(g, 1, &next), 1);
	ck_assert_str_eq(writ_gateway_issuer_error(g, 0, why, sizeof(why)), "HTTP status 500");
	/* Retried after refresh-min. */
	ck_assert_msg(next > 9 && next <= 10, "next %f", next);
	ck_assert_uint_eq(writ_gateway_issuer_keys(g, 0), 1);
	ck_assert_uint_eq(decide(g, tok), 200);
	serve(200, "{\"keys\": [{\"kty\": \"oct\", \"k\": \"AAAA\", \"kid\": \"x\"}]}", NULL);
	ck_assert_int_eq(writ_gateway_refresh(g, 1, NULL), 1);
	ck_assert_ptr_nonnull(writ_gateway_issuer_error(g, 0, why, sizeof(why)));
	ck_assert_uint_eq(decide(g, tok), 200);
	serve(200, j, NULL);
	ck_assert_int_eq(writ_gateway_refresh(g, 1, NULL), 0);
	ck_assert_ptr_null(writ_gateway_issuer_error(g, 0, why, sizeof(why)));
	writ_gateway_issuer_fetches(g, 0, &ok, &failed);
	ck_assert_uint_eq(ok, 2);
	ck_assert_uint_eq(failed, 2);
	writ_gateway_free(g);
	writ_policy_unref(pol);
	free(j); free(text); free(tok);
}
END_TEST

START_TEST(unreachable_url_at_creation_is_no_failure)
{
	char *text = fmt("trust \"" OTHER "\" { jwks \"http://127.0.0.1:1/jwks\"; }\n" RESOURCE);
	char *tok = token(&k_a, OTHER, "read:payment");
	char why[256];
	writ_policy *pol;
	writ_gateway *g = gateway(text, NULL, 0, &pol);

	ck_assert_uint_eq(writ_gateway_issuer_keys(g, 0), 0);
	ck_assert_ptr_nonnull(writ_gateway_issuer_error(g, 0, why, sizeof(why)));
	ck_assert_uint_eq(decide(g, tok), 401);
	ck_assert_str_eq(reason(), "unknown kid \"ka\"");
	writ_gateway_free(g);
	writ_policy_unref(pol);
	free(text); free(tok);
}
END_TEST

/* Wait up to 5 s for the refresher thread to have made n requests. */
static bool wait_requests(unsigned n)
{
	int i;

	for (i = 0; i < 500 && requests() < n; i++)
		usleep(10000);
	return requests() >= n;
}

START_TEST(thread_fetches_and_stops)
{
	const struct test_key *both[] = { &k_a, &k_b };
	char *jab = jwks_of(both, 2), *text = url_policy("");
	char *tb = token(&k_b, OTHER, "read:payment");
	writ_policy *pol;
	writ_gateway *g;
	int i;

	serve(200, jab, "max-age=3600");
	g = gateway(text, NULL, WRIT_GATEWAY_NO_FETCH, &pol);
	ck_assert_uint_eq(requests(), 0);
	ck_assert_uint_eq(writ_gateway_issuer_keys(g, 0), 0);
	ck_assert_uint_eq(decide(g, tb), 401);
	ck_assert_int_eq(writ_gateway_start(g), WRIT_OK);
	/* The thread fetches what is due, at once. */
	ck_assert(wait_requests(1));
	for (i = 0; i < 500 && writ_gateway_issuer_keys(g, 0) == 0; i++)
		usleep(10000);
	ck_assert_uint_eq(decide(g, tb), 200);
	/* Freeing stops it (a hang fails the test by its timeout). */
	writ_gateway_free(g);
	ck_assert_uint_eq(requests(), 1);
	writ_policy_unref(pol);
	free(jab); free(text); free(tb);
}
END_TEST

START_TEST(unknown_kid_refetch_then_allowed)
{
	const struct test_key *ka[] = { &k_a }, *both[] = { &k_a, &k_b };
	char *ja = jwks_of(ka, 1), *jab = jwks_of(both, 2);
	char *text = url_policy("    refresh-min 10s;\n");
	char *tb = token(&k_b, OTHER, "read:payment"), *tc = token(&k_c, OTHER, "read:payment");
	writ_policy *pol;
	writ_gateway *g;
	double next;
	unsigned i;

	serve(200, ja, "max-age=3600");
	g = gateway(text, NULL, 0, &pol);
	ck_assert_uint_eq(requests(), 1);
	serve(200, jab, "max-age=3600");
	/* Not wanted yet: nothing due for an hour. */
	writ_gateway_refresh(g, 0, &next);
	ck_assert_uint_eq(requests(), 1);
	/* A token naming kb makes the fetch due refresh-min after the last. */
	ck_assert_uint_eq(decide(g, tb), 401);
	writ_gateway_refresh(g, 0, &next);
	ck_assert_uint_eq(requests(), 1);
	ck_assert_msg(next > 9 && next <= 10, "next %f", next);
	/* Many tokens with unknown kids ask for no more than that one fetch. */
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(decide(g, tc), 401);
	writ_gateway_refresh(g, 0, &next);
	ck_assert_uint_eq(requests(), 1);
	ck_assert_msg(next > 9 && next <= 10, "next %f", next);
	writ_gateway_free(g);
	writ_policy_unref(pol);
	free(ja); free(jab); free(text); free(tb); free(tc);
}
END_TEST

START_TEST(withdrawn_kid_stops_cached_tokens)
{
	const struct test_key *both[] = { &k_a, &k_b }, *kb[] = { &k_b };
	char *jab = jwks_of(both, 2), *jb = jwks_of(kb, 1), *text = url_policy("");
	char *ta = token(&k_a, OTHER, "read:payment"), *tb = token(&k_b, OTHER, "read:payment");
	writ_policy *pol;
	writ_gateway *g;

	serve(200, jab, NULL);
	g = gateway(text, NULL, 0, &pol);
	ck_assert_uint_eq(decide(g, ta), 200);
	ck_assert_uint_eq(decide(g, ta), 200); /* now from the cache */
	ck_assert_uint_eq(decide(g, tb), 200);
	serve(200, jb, NULL);
	ck_assert_int_eq(writ_gateway_refresh(g, 1, NULL), 0);
	ck_assert_uint_eq(decide(g, ta), 401);
	ck_assert_str_eq(reason(), "unknown kid \"ka\"");
	ck_assert_uint_eq(decide(g, tb), 200);
	writ_gateway_free(g);
	writ_policy_unref(pol);
	free(jab); free(jb); free(text); free(ta); free(tb);
}
END_TEST

START_TEST(reload_takes_over_fetched_sets)
{
	const struct test_key *ka[] = { &k_a };
	char *ja = jwks_of(ka, 1), *text = url_policy("");
	char *ta = token(&k_a, OTHER, "read:payment");
	struct writ_gateway_options o = { sizeof(o), NULL, NULL, 0, 0 };
	writ_policy *pol;
	writ_gateway *g, *g2 = NULL;
	char err[256];

	serve(200, ja, "max-age=3600");
	g = gateway(text, NULL, 0, &pol);
	ck_assert_uint_eq(requests(), 1);
	/* The issuer is down now; the reloaded gateway keeps the set and its
	 * schedule, and fetches nothing. */
	serve(503, "", NULL);
	o.previous = g;
	ck_assert_int_eq(writ_gateway_new(pol, &o, &g2, err, sizeof(err)), WRIT_OK);
	writ_gateway_free(g);
	ck_assert_uint_eq(requests(), 1);
	ck_assert_uint_eq(decide(g2, ta), 200);
	writ_gateway_free(g2);
	writ_policy_unref(pol);
	free(ja); free(text); free(ta);
}
END_TEST

START_TEST(oversized_and_redirected_answers_are_refused)
{
	const struct test_key *ka[] = { &k_a };
	char *ja = jwks_of(ka, 1), *text = url_policy(""), *big = malloc(1100000), why[256];
	writ_policy *pol;
	writ_gateway *g;

	serve(200, ja, NULL);
	g = gateway(text, NULL, 0, &pol);
	memset(big, ' ', 1099999);
	big[1099999] = '\0';
	serve(200, big, NULL);
	ck_assert_int_eq(writ_gateway_refresh(g, 1, NULL), 1);
	ck_assert_str_eq(writ_gateway_issuer_error(g, 0, why, sizeof(why)),
	                 "the key set is larger than 1048576 bytes");
	serve(302, "", NULL);
	ck_assert_int_eq(writ_gateway_refresh(g, 1, NULL), 1);
	ck_assert_str_eq(writ_gateway_issuer_error(g, 0, why, sizeof(why)), "HTTP status 302");
	ck_assert_uint_eq(writ_gateway_issuer_keys(g, 0), 1);
	writ_gateway_free(g);
	writ_policy_unref(pol);
	free(ja); free(text); free(big);
}
END_TEST

static Suite *gateway_suite(void)
{
	Suite *s = suite_create("gateway");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, file_issuer_allows_and_denies);
	tcase_add_test(tc, key_of_one_issuer_never_vouches_for_another);
	tcase_add_test(tc, kid_in_two_sets_is_refused);
	tcase_add_test(tc, issuer_algorithms_are_enforced);
	tcase_add_test(tc, own_keys_stand_for_the_own_issuer);
	tcase_add_test(tc, refusals_name_the_problem);
	tcase_add_test(tc, unknown_resource);
	tcase_add_test(tc, url_fetched_at_creation_with_cache_control);
	tcase_add_test(tc, failed_fetch_keeps_the_last_good_set);
	tcase_add_test(tc, unreachable_url_at_creation_is_no_failure);
	tcase_add_test(tc, thread_fetches_and_stops);
	tcase_add_test(tc, unknown_kid_refetch_then_allowed);
	tcase_add_test(tc, withdrawn_kid_stops_cached_tokens);
	tcase_add_test(tc, reload_takes_over_fetched_sets);
	tcase_add_test(tc, oversized_and_redirected_answers_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(gateway_suite());
}
