/*
 * fuzz-route.c: HTTP requests through the path normaliser (path_normalize)
 * and the route matcher, alone (route_match) and inside the gateway
 * decision (writ_authorize), against the fixed policy below.
 *
 * The input is "METHOD\nTARGET\nAUTHORIZATION": the method and the
 * request-target, then the Authorization header's value (absent when
 * there is no second newline). The target's raw bytes, NULs included, go
 * to path_normalize; writ_authorize gets each part up to a NUL.
 * Authorization headers may carry the seed tokens, signed by the keys of
 * fuzz_jwks, so that requests reach the access stack. The verifier and the
 * stacks read a fixed clock.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "path.h"
#include "route.h"
#include "table.h"
#include "writ.h"

#define FUZZ_NOW 1795392010.0 /* 2026-11-23T00:00:10Z */
#define PAYMENTS "https://payment.example.com/api"

static const char route_policy[] =
	"issuer \"https://auth.example.com/oidc\" { }\n"
	"resource \"" PAYMENTS "\" {\n"
	"    default;\n"
	"    permission read:payment;\n"
	"    permission write:payment;\n"
	"    route POST \"/payments\"                   requires write:payment;\n"
	"    route GET, HEAD \"/payments/{id}\"         requires read:payment;\n"
	"    route GET \"/payments/{id}/receipt\"       requires any read:payment, write:payment;\n"
	"    route GET \"/reports/{year}/summary\"      requires read:payment;\n"
	"    route GET \"/reports/2026/{part}\"         requires read:payment;\n"
	"    route GET \"/caf\\u00e9/{id}\"              requires read:payment;\n"
	"    route get \"/health\"                      public;\n"
	"    route any \"/docs/*\"                      public;\n"
	"    route DELETE \"/payments/{id}/*\"          requires write:payment, read:payment;\n"
	"    unrouted token;\n"
	"    stack access {\n"
	"        requisite network allow=10.0.0.0/8,127.0.0.0/8;\n"
	"        required scope;\n"
	"        optional claim name=client_id in=cart-service,reconciliation;\n"
	"        required time days=mon-sun hours=00:00-23:59;\n"
	"    }\n"
	"}\n"
	"resource \"https://admin.example.com\" {\n"
	"    permission admin;\n"
	"    route any \"/admin/*\" requires admin;\n"
	"    route PUT \"/admin/users/{name}/\" requires admin;\n"
	"    unrouted deny;\n"
	"}\n";

struct fixture {
	writ_policy *policy;
	writ_verifier *v;
	writ_decision *d;
};

static double fixed_clock(void *arg)
{
	(void)arg;
	return FUZZ_NOW;
}

static const struct fixture *fixture(void)
{
	static struct fixture f;
	writ_keyset *keys = NULL;
	char err[256];

	if (f.d)
		return &f;
	if (writ_policy_load_buffer("route.writ", route_policy, strlen(route_policy), 0, NULL,
	                            &f.policy) != WRIT_OK)
		fuzz_setup_failed("the policy");
	f.v = writ_verifier_new();
	if (!f.v || writ_keyset_load(fuzz_jwks, strlen(fuzz_jwks), &keys, err, sizeof(err)) != WRIT_OK ||
	    writ_verifier_set_keys(f.v, keys) != WRIT_OK ||
	    writ_verifier_set_issuer(f.v, "https://auth.example.com/oidc") != WRIT_OK ||
	    writ_verifier_set_audience(f.v, PAYMENTS) != WRIT_OK ||
	    writ_verifier_set_clock(f.v, fixed_clock, NULL) != WRIT_OK ||
	    writ_verifier_set_cache(f.v, 0) != WRIT_OK)
		fuzz_setup_failed("the verifier");
	writ_keyset_unref(keys);
	f.d = writ_decision_new();
	if (!f.d)
		fuzz_setup_failed("the decision");
	return &f;
}

/* The next part of data[*pos..size) up to '\n' (or the end); NULL when
 * there is none left. */
static const uint8_t *next_part(const uint8_t *data, size_t size, size_t *pos, size_t *len)
{
	const uint8_t *start, *nl;

	if (*pos > size)
		return NULL;
	start = data + *pos;
	nl = memchr(start, '\n', size - *pos);
	*len = nl ? (size_t)(nl - start) : size - *pos;
	*pos += *len + 1;
	return start;
}

/* path_normalize on the raw target, with what path.h promises checked. */
static void normalize(const struct fixture *f, const char *method, const uint8_t *target,
                      size_t len)
{
	char out[PATH_MAX_LEN + 1], why[256];
	size_t out_len = 1, pos = 0, seglen, r;
	const char *seg;

	if (path_normalize((const char *)target, len, out, sizeof(out), &out_len, why,
	                   sizeof(why)) != WRIT_OK) {
		if (out[0] != '\0' || out_len != 0)
			abort(); /* path.h: on error out is "" */
		return;
	}
	if (out_len > len || strlen(out) != out_len || out[0] != '/')
		abort(); /* path.h: never longer, one string, starting with '/' */
	while (path_next_segment(out, out_len, &pos, &seg, &seglen))
		if (seg < out || seg + seglen > out + out_len)
			abort();
	for (r = 0; r < f->policy->nresources; r++)
		route_match(f->policy, (uint32_t)r, method, out, out_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const resources[] = { PAYMENTS, "https://admin.example.com" };
	const struct fixture *f = fixture();
	const uint8_t *m, *tg, *au;
	size_t pos = 0, mlen = 0, tlen = 0, alen = 0, i;
	char *method, *target, *authorization = NULL;
	struct writ_request req;

	m = next_part(data, size, &pos, &mlen);
	tg = next_part(data, size, &pos, &tlen);
	au = next_part(data, size, &pos, &alen);
	if (!m || !tg)
		return 0;
	method = fuzz_string(m, mlen);
	target = fuzz_string(tg, tlen);
	if (au)
		authorization = fuzz_string(au, size - (size_t)(au - data));
	normalize(f, method, tg, tlen);
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.peer = "10.0.0.7";
	req.now = FUZZ_NOW;
	for (i = 0; i < 2; i++)
		writ_authorize(f->policy, f->v, resources[i], method, target, authorization, &req,
		               f->d);
	free(method);
	free(target);
	free(authorization);
	return 0;
}
