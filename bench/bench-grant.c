/*
 * bench-grant.c: what a decision costs, in time and in allocations.
 *
 * Always: what a stack costs a grant decision. The same question (an app
 * asking for two scopes, one held) is answered with the built-in default
 * stack (rbac alone) and with a stack of four built-in modules, in
 * alternating rounds of 100000 decisions; the difference of the two is
 * the stack's cost (issue: PAM-style stacks, at most 50 ns added).
 *
 * With POLICY (bench/gen-policy's, DESIGN §7: 10k roles, 100k permissions,
 * 100k apps), three decisions on it, each timed one by one (the clock's
 * own cost, measured, taken off) over questions spread across the policy,
 * beside a reference measured in the same rounds:
 *  - grant: writ_grant_request for an app, a resource and two scopes, one
 *    held; reference: the same call on a policy of one app;
 *  - check: writ_check of two required permissions against a token's
 *    scope claim; reference: strstr of each in the claim, which is what
 *    the check does at the least (and not correctly);
 *  - authorize: writ_gateway_authorize of a routed request with a token
 *    the gateway has seen (the verified-token cache answers), as writ
 *    serve's /authz and the nginx module call it; reference: writ_verify
 *    of one cached token, the part of it that is the token.
 * Each gives its median and 99th percentile and the allocations per
 * decision, counted by the malloc family of this program, which glibc
 * and libwrit call (DESIGN §7: zero). The count is shown to see libwrit's
 * allocations by a probe: writ_diagnostics_new() must count one or more.
 *
 * Usage: bench-grant ROUNDS [POLICY]. Prints one line per figure:
 *   row TAB name TAB figure TAB unit TAB target TAB reference TAB its value TAB note
 * for bench/run.sh's table.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "writ.h"

/* ------------------------------------------------------------------------
 * Counting allocations: this program's malloc family forwards to glibc's
 * and counts. Shared libraries (libwrit, OpenSSL, jansson) call these, as
 * the executable's definitions come first in symbol lookup.
 * ------------------------------------------------------------------------ */

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define COUNT_ALLOCS 1
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

static unsigned long allocations;

static void counted(void)
{
	__atomic_fetch_add(&allocations, 1, __ATOMIC_RELAXED);
}

void *malloc(size_t size)
{
	counted();
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	counted();
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	counted();
	return __libc_realloc(p, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	counted();
	p = __libc_memalign(align, size);
	if (!p)
		return 12; /* ENOMEM */
	*out = p;
	return 0;
}

void *aligned_alloc(size_t align, size_t size)
{
	counted();
	return __libc_memalign(align, size);
}

void free(void *p)
{
	__libc_free(p);
}

static unsigned long allocs_now(void)
{
	return __atomic_load_n(&allocations, __ATOMIC_RELAXED);
}
#else
#define COUNT_ALLOCS 0
static unsigned long allocs_now(void)
{
	return 0;
}
#endif

/* ------------------------------------------------------------------------
 * The stack's cost, on a policy of one app.
 * ------------------------------------------------------------------------ */

#define SMALL_APP      "cart-service"
#define SMALL_RESOURCE "https://payment.example.com/api"
#define SMALL_SCOPE    "write:payment read:payment"

static const char base[] =
	"issuer \"https://auth.example.com/oidc\" { }\n"
	"resource \"https://payment.example.com/api\" {\n"
	"    permission read:payment; permission write:payment;\n"
	"}\n"
	"role checkout for apps { grant write:payment on \"https://payment.example.com/api\"; }\n"
	"app cart-service { roles checkout; }\n";

static const char stacked[] =
	"stack grant {\n"
	"    required rbac;\n"
	"    requisite network allow=10.0.0.0/8,127.0.0.0/8;\n"
	"    optional time days=mon-sun hours=00:00-24:00 tz=UTC;\n"
	"    required permit;\n"
	"}\n";

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void row(const char *name, double figure, const char *unit, const char *target,
                const char *ref, double ref_value, const char *note)
{
	printf("row\t%s\t%.1f\t%s\t%s\t%s\t%.1f\t%s\n", name, figure, unit, target, ref, ref_value,
	       note);
}

static int small_grant(const writ_policy *p, const struct writ_request *req)
{
	char out[64];

	return writ_grant_request(p, WRIT_PRINCIPAL_APP, SMALL_APP, SMALL_RESOURCE, SMALL_SCOPE,
	                          sizeof(SMALL_SCOPE) - 1, req, NULL, out, sizeof(out), NULL) ==
	               WRIT_OK &&
	       strcmp(out, "write:payment") == 0;
}

/* ns per decision over one batch. */
static double batch(const writ_policy *p, const struct writ_request *req)
{
	enum { N = 100000 };
	uint64_t t0 = now_ns();
	int i;

	for (i = 0; i < N; i++)
		if (!small_grant(p, req)) {
			fprintf(stderr, "bench-grant: wrong answer on the one-app policy\n");
			exit(1);
		}
	return (double)(now_ns() - t0) / N;
}

static int stack_cost(int rounds, const writ_policy *plain, const writ_policy *four)
{
	struct writ_request req = { .size = sizeof(req), .peer = "10.1.2.3", .now = 1795392000 };
	double *plain_ns = calloc((size_t)rounds, sizeof(double));
	double *four_ns = calloc((size_t)rounds, sizeof(double));
	double *diff = calloc((size_t)rounds, sizeof(double));
	double p, f;
	char note[96];
	int r;

	if (!plain_ns || !four_ns || !diff)
		return -1;
	/* Alternate the two, so that a burst of load on a shared machine
	 * falls on both; the cost is the median of the paired differences. */
	for (r = 0; r < rounds; r++) {
		plain_ns[r] = batch(plain, &req);
		four_ns[r] = batch(four, &req);
		diff[r] = four_ns[r] - plain_ns[r];
	}
	snprintf(note, sizeof(note), "mean of 100000, median of %d rounds", rounds);
	p = median(plain_ns, rounds);
	f = median(four_ns, rounds);
	row("grant, stack of 4 modules", f, "ns", "", "grant, default stack (rbac)", p, note);
	snprintf(note, sizeof(note), "median of %d paired rounds", rounds);
	row("grant, stack of 4 modules adds", median(diff, rounds), "ns", "<=50",
	    "grant, default stack (rbac)", p, note);
	free(plain_ns);
	free(four_ns);
	free(diff);
	return 0;
}

/* ------------------------------------------------------------------------
 * Decisions on a large policy.
 * ------------------------------------------------------------------------ */

enum { QUESTIONS = 4096, TOKENS = 256, PER_ROUND = 20000 };

struct grant_q {
	const char *app, *resource;
	char scope[160];
	size_t scope_len;
};

struct check_q {
	char claim[2048];
	size_t claim_len;
	const char *required[2];
};

struct authz_q {
	const char *resource;
	char method[16];
	char target[160];
	char *authorization;
};

struct bench {
	const writ_policy *policy, *small;
	struct grant_q *grant;
	struct check_q *check;
	struct authz_q *authz;
	writ_gateway *gateway;
	writ_decision *decision;
	writ_verifier *verifier;
	writ_token *token;
	char *ref_token;
	size_t ref_len;
	uint64_t overhead; /* the clock's own cost, ns */
};

/* Timings and allocations of one kind of decision and its reference. */
struct series {
	uint32_t *ns, *ref_ns;
	size_t n, nref;
	unsigned long allocs, decisions;
};

static uint64_t seed = 88172645463325252u;

static unsigned long pick(unsigned long n)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return n ? (unsigned long)(seed % n) : 0;
}

/* A random (app, role, grant) of the policy: its resource and permission
 * indexes; -1 when the app has no role with a grant. */
static long pick_grant(const writ_policy *p, size_t *app, size_t *res, size_t *perm)
{
	size_t apps = writ_principal_count(p, WRIT_PRINCIPAL_APP), nroles, ngrants;
	long role;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		*app = pick(apps);
		nroles = writ_principal_role_count(p, WRIT_PRINCIPAL_APP, *app);
		role = writ_principal_role(p, WRIT_PRINCIPAL_APP, *app, pick(nroles));
		if (role < 0)
			continue;
		ngrants = writ_role_grant_count(p, (size_t)role);
		if (!ngrants)
			continue;
		if (writ_role_grant(p, (size_t)role, pick(ngrants), res, perm) == WRIT_OK)
			return role;
	}
	return -1;
}

static int make_grant_questions(struct bench *b)
{
	size_t i, app, res, perm, nperm;

	for (i = 0; i < QUESTIONS; i++) {
		struct grant_q *q = &b->grant[i];

		if (pick_grant(b->policy, &app, &res, &perm) < 0)
			return -1;
		nperm = writ_resource_permission_count(b->policy, res);
		q->app = writ_principal_id(b->policy, WRIT_PRINCIPAL_APP, app);
		q->resource = writ_resource_indicator(b->policy, res);
		snprintf(q->scope, sizeof(q->scope), "%s %s",
		         writ_resource_permission(b->policy, res, perm),
		         writ_resource_permission(b->policy, res, pick(nperm)));
		q->scope_len = strlen(q->scope);
	}
	return 0;
}

/* A token's scope claim: every permission a role grants on one resource. */
static int make_check_questions(struct bench *b)
{
	size_t i, j, app, res, perm, r2, p2, n, len;
	long role;

	for (i = 0; i < QUESTIONS; i++) {
		struct check_q *q = &b->check[i];
		const char *names[64];
		size_t nnames = 0;

		if ((role = pick_grant(b->policy, &app, &res, &perm)) < 0)
			return -1;
		n = writ_role_grant_count(b->policy, (size_t)role);
		len = 0;
		for (j = 0; j < n && nnames < 64; j++) {
			if (writ_role_grant(b->policy, (size_t)role, j, &r2, &p2) != WRIT_OK ||
			    r2 != res)
				continue;
			names[nnames] = writ_resource_permission(b->policy, r2, p2);
			len += (size_t)snprintf(q->claim + len, sizeof(q->claim) - len, "%s%s",
			                        len ? " " : "", names[nnames]);
			if (len >= sizeof(q->claim))
				return -1;
			nnames++;
		}
		q->claim_len = len;
		q->required[0] = names[pick(nnames)];
		q->required[1] = names[pick(nnames)];
	}
	return 0;
}

/* The route of resource res that requires perm, as METHOD and a target
 * with its {id} filled in. */
static int route_for(const writ_policy *p, size_t res, const char *perm, struct authz_q *q)
{
	size_t i, n = writ_route_count(p, res), plen = strlen(perm);
	const char *text, *m, *t, *end, *id;

	for (i = 0; i < n; i++) {
		text = writ_route_text(p, res, i);
		end = text + strlen(text);
		/* route METHOD "TEMPLATE" requires PERM */
		if (strncmp(text, "route ", 6) != 0 || (size_t)(end - text) < plen + 16 ||
		    strncmp(end - plen - 9, "requires ", 9) != 0 || strcmp(end - plen, perm) != 0)
			continue;
		m = text + 6;
		t = strchr(m, '"');
		if (!t || (size_t)(t - m - 1) >= sizeof(q->method))
			continue;
		memcpy(q->method, m, (size_t)(t - m - 1));
		q->method[t - m - 1] = 0;
		t++;
		end = strchr(t, '"');
		id = strstr(t, "{id}");
		if (!end || !id || id > end || (size_t)(end - t) + 8 >= sizeof(q->target))
			continue;
		snprintf(q->target, sizeof(q->target), "%.*s42%.*s", (int)(id - t), t,
		         (int)(end - id - 4), id + 4);
		return 0;
	}
	return -1;
}

static int make_authz_questions(struct bench *b, writ_signer *signer)
{
	double now = (double)time(NULL);
	size_t i, app, res, perm, tries = 0;
	char *token;
	int rc;

	for (i = 0; i < TOKENS; i++) {
		struct authz_q *q = &b->authz[i];
		const char *name;

		/* A held permission that a route requires. */
		do {
			if (pick_grant(b->policy, &app, &res, &perm) < 0 ||
			    ++tries > 100 * TOKENS) {
				fprintf(stderr, "bench-grant: no route needs a held permission\n");
				return -1;
			}
			name = writ_resource_permission(b->policy, res, perm);
		} while (route_for(b->policy, res, name, q) != 0);
		q->resource = writ_resource_indicator(b->policy, res);
		rc = writ_mint(signer, b->policy,
		               writ_principal_id(b->policy, WRIT_PRINCIPAL_APP, app), q->resource,
		               name, strlen(name), 3600, now, &token);
		if (rc != WRIT_OK) {
			fprintf(stderr, "bench-grant: cannot mint a token: %s\n",
			        writ_strerror(rc));
			return -1;
		}
		q->authorization = malloc(strlen(token) + 8);
		if (!q->authorization)
			return -1;
		sprintf(q->authorization, "Bearer %s", token);
		if (i == 0) {
			b->ref_token = token;
			b->ref_len = strlen(token);
		} else {
			free(token);
		}
	}
	return 0;
}

/* The gateway with the policy's own issuer's key, and a verifier for the
 * reference; mints the tokens. */
static int setup_authz(struct bench *b)
{
	char dir[] = "/tmp/writ-bench-grant-XXXXXX", path[64], err[256], jwks[8192];
	struct writ_gateway_options opt = { .size = sizeof(opt), .flags = WRIT_GATEWAY_NO_FETCH };
	writ_signer *signer = NULL;
	writ_keyset *keys = NULL;
	char *jwk = NULL;
	int ok = -1;

	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	if (writ_key_generate("ES256", path, err, sizeof(err)) != WRIT_OK ||
	    writ_signer_load(path, NULL, &signer, err, sizeof(err)) != WRIT_OK) {
		fprintf(stderr, "bench-grant: %s\n", err);
		goto out;
	}
	jwk = writ_signer_public_jwk(signer);
	snprintf(jwks, sizeof(jwks), "{\"keys\":[%s]}", jwk ? jwk : "");
	if (writ_keyset_load(jwks, strlen(jwks), &keys, err, sizeof(err)) != WRIT_OK) {
		fprintf(stderr, "bench-grant: %s\n", err);
		goto out;
	}
	opt.own_keys = keys;
	if (writ_gateway_new(b->policy, &opt, &b->gateway, err, sizeof(err)) != WRIT_OK) {
		fprintf(stderr, "bench-grant: the gateway: %s\n", err);
		goto out;
	}
	if (make_authz_questions(b, signer) != 0)
		goto out;
	b->verifier = writ_verifier_new();
	b->token = writ_token_new();
	b->decision = writ_decision_new();
	if (!b->verifier || !b->token || !b->decision ||
	    writ_verifier_set_keys(b->verifier, keys) != WRIT_OK ||
	    writ_verifier_set_issuer(b->verifier, writ_issuer(b->policy)) != WRIT_OK ||
	    writ_verifier_set_audience(b->verifier, b->authz[0].resource) != WRIT_OK)
		goto out;
	ok = 0;
out:
	free(jwk);
	unlink(path);
	rmdir(dir);
	writ_keyset_unref(keys);
	writ_signer_free(signer);
	return ok;
}

/* One decision of each kind; 1 when it gave the expected answer. */
static int do_grant(const struct bench *b, size_t i)
{
	const struct grant_q *q = &b->grant[i % QUESTIONS];
	char out[160];

	return writ_grant_request(b->policy, WRIT_PRINCIPAL_APP, q->app, q->resource, q->scope,
	                          q->scope_len, NULL, NULL, out, sizeof(out), NULL) == WRIT_OK &&
	       out[0] != 0;
}

static int do_grant_ref(const struct bench *b, size_t i)
{
	(void)i;
	return small_grant(b->small, NULL);
}

static int do_check(const struct bench *b, size_t i)
{
	const struct check_q *q = &b->check[i % QUESTIONS];

	return writ_check(q->claim, q->claim_len, q->required, 2, NULL) == WRIT_OK;
}

static int do_check_ref(const struct bench *b, size_t i)
{
	const struct check_q *q = &b->check[i % QUESTIONS];

	return strstr(q->claim, q->required[0]) && strstr(q->claim, q->required[1]);
}

static int do_authz(const struct bench *b, size_t i)
{
	const struct authz_q *q = &b->authz[i % TOKENS];

	return writ_gateway_authorize(b->gateway, q->resource, q->method, q->target,
	                              q->authorization, NULL, b->decision) == WRIT_OK &&
	       writ_decision_allowed(b->decision);
}

static int do_authz_ref(const struct bench *b, size_t i)
{
	(void)i;
	return writ_verify(b->verifier, b->ref_token, b->ref_len, b->token) == WRIT_OK;
}

typedef int (*decide_fn)(const struct bench *b, size_t i);

/* n decisions, each timed; their allocations added to *allocs. */
static int timed(const struct bench *b, decide_fn fn, size_t from, uint32_t *ns, size_t n,
                 unsigned long *allocs)
{
	unsigned long a0 = allocs_now();
	uint64_t t0, t1;
	size_t i;
	int ok = 1;

	for (i = 0; i < n; i++) {
		t0 = now_ns();
		ok &= fn(b, from + i);
		t1 = now_ns();
		t1 -= t0;
		ns[i] = (uint32_t)(t1 > b->overhead ? t1 - b->overhead : 0);
	}
	*allocs += allocs_now() - a0;
	return ok;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double quantile(uint32_t *v, size_t n, double q)
{
	qsort(v, n, sizeof(*v), cmp_u32);
	return v[(size_t)((double)(n - 1) * q)];
}

/* The clock's own cost: the median of back-to-back readings. */
static uint64_t clock_overhead(void)
{
	enum { N = 100001 };
	static uint32_t v[N];
	uint64_t t0;
	size_t i;

	for (i = 0; i < N; i++) {
		t0 = now_ns();
		v[i] = (uint32_t)(now_ns() - t0);
	}
	return (uint64_t)quantile(v, N, 0.5);
}

static int measure(const struct bench *b, int rounds, decide_fn fn, decide_fn ref,
                   struct series *s)
{
	size_t total = (size_t)rounds * PER_ROUND;
	unsigned long ref_allocs = 0;
	int r, ok = 1;

	s->ns = calloc(total, sizeof(uint32_t));
	s->ref_ns = calloc(total, sizeof(uint32_t));
	if (!s->ns || !s->ref_ns)
		return -1;
	/* Warm: the first answer of each question (and the token cache). */
	for (r = 0; r < QUESTIONS; r++)
		if (!fn(b, (size_t)r) || !ref(b, (size_t)r))
			return -1;
	for (r = 0; r < rounds; r++) {
		ok &= timed(b, fn, (size_t)r * PER_ROUND, s->ns + (size_t)r * PER_ROUND, PER_ROUND,
		            &s->allocs);
		ok &= timed(b, ref, (size_t)r * PER_ROUND, s->ref_ns + (size_t)r * PER_ROUND,
		            PER_ROUND, &ref_allocs);
	}
	s->n = s->nref = total;
	s->decisions = total;
	return ok ? 0 : -1;
}

static void report(const char *what, struct series *s, const char *ref, const char *target,
                   const char *shape, double probe)
{
	char name[96], note[256];
	double med, p99, rmed, rp99;

	med = quantile(s->ns, s->n, 0.5);
	p99 = quantile(s->ns, s->n, 0.99);
	rmed = quantile(s->ref_ns, s->nref, 0.5);
	rp99 = quantile(s->ref_ns, s->nref, 0.99);
	snprintf(note, sizeof(note), "%s; %zu decisions timed one by one", shape, s->n);
	snprintf(name, sizeof(name), "%s decision, median", what);
	row(name, med, "ns", target, ref, rmed, note);
	snprintf(name, sizeof(name), "%s decision, p99", what);
	row(name, p99, "ns", "", ref, rp99, note);
	snprintf(name, sizeof(name), "%s allocations per decision", what);
	if (COUNT_ALLOCS)
		row(name, (double)s->allocs / (double)s->decisions, "allocs", "=0",
		    "probe: writ_diagnostics_new()", probe,
		    "counted by this program's malloc family; the probe shows it sees libwrit's");
	else
		printf("row\t%s\t-\tallocs\t=0\t-\t-\tnot counted in this build (sanitizer or "
		       "not glibc)\n",
		       name);
	free(s->ns);
	free(s->ref_ns);
}

/* Allocations that writ_diagnostics_new() makes: more than 0, or the
 * counter does not see the library's. */
static double probe_allocs(void)
{
	unsigned long a0 = allocs_now();
	writ_diagnostics *d = writ_diagnostics_new();
	double n = (double)(allocs_now() - a0);

	writ_diagnostics_free(d);
	return n;
}

static int decisions(int rounds, const char *path, const writ_policy *small)
{
	struct bench b = { .small = small };
	struct series grant = { 0 }, check = { 0 }, authz = { 0 };
	writ_diagnostics *diags = writ_diagnostics_new();
	writ_policy *policy = NULL;
	char shape[160];
	size_t r, perms = 0;
	double probe;
	int rc = -1, i;

	if (writ_policy_load(&path, 1, 0, diags, &policy) != WRIT_OK) {
		fprintf(stderr, "bench-grant: %s does not load (see writ lint)\n", path);
		goto out;
	}
	b.policy = policy;
	for (r = 0; r < writ_resource_count(policy); r++)
		perms += writ_resource_permission_count(policy, r);
	snprintf(shape, sizeof(shape), "%zu roles, %zu permissions on %zu resources, %zu apps",
	         writ_role_count(policy), perms, writ_resource_count(policy),
	         writ_principal_count(policy, WRIT_PRINCIPAL_APP));
	b.grant = calloc(QUESTIONS, sizeof(*b.grant));
	b.check = calloc(QUESTIONS, sizeof(*b.check));
	b.authz = calloc(TOKENS, sizeof(*b.authz));
	if (!b.grant || !b.check || !b.authz || make_grant_questions(&b) != 0 ||
	    make_check_questions(&b) != 0 || setup_authz(&b) != 0) {
		fprintf(stderr, "bench-grant: cannot make the questions of %s\n", path);
		goto out;
	}
	probe = probe_allocs();
	if (COUNT_ALLOCS && probe < 1) {
		fprintf(stderr, "bench-grant: the allocation counter does not see libwrit's\n");
		goto out;
	}
	b.overhead = clock_overhead();
	if (measure(&b, rounds, do_grant, do_grant_ref, &grant) != 0 ||
	    measure(&b, rounds, do_check, do_check_ref, &check) != 0 ||
	    measure(&b, rounds, do_authz, do_authz_ref, &authz) != 0) {
		fprintf(stderr, "bench-grant: a decision gave a wrong answer\n");
		goto out;
	}
	report("grant", &grant, "grant on a policy of one app", "<=100", shape, probe);
	report("check", &check, "strstr per required scope", "<=100", shape, probe);
	report("authorize (cached token)", &authz, "writ_verify, cached token", "", shape,
	       probe);
	printf("note\tdecision times are each minus the clock's own cost, %u ns\n",
	       (unsigned)b.overhead);
	rc = 0;
out:
	for (i = 0; b.authz && i < TOKENS; i++)
		free(b.authz[i].authorization);
	free(b.grant);
	free(b.check);
	free(b.authz);
	free(b.ref_token);
	writ_decision_free(b.decision);
	writ_token_free(b.token);
	writ_verifier_free(b.verifier);
	writ_gateway_free(b.gateway);
	writ_policy_unref(policy);
	writ_diagnostics_free(diags);
	return rc;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 21;
	char both[sizeof(base) + sizeof(stacked)];
	writ_policy *plain = NULL, *four = NULL;
	int rc = 0;

	if (rounds < 1)
		rounds = 1;
	snprintf(both, sizeof(both), "%s%s", base, stacked);
	if (writ_policy_load_buffer("plain.writ", base, strlen(base), 0, NULL, &plain) != WRIT_OK ||
	    writ_policy_load_buffer("stack.writ", both, strlen(both), 0, NULL, &four) != WRIT_OK) {
		fprintf(stderr, "bench-grant: the benchmark policies do not load\n");
		return 2;
	}
	if (stack_cost(rounds, plain, four) != 0 ||
	    (argc > 2 && decisions(rounds, argv[2], plain) != 0))
		rc = 1;
	fflush(stdout);
	writ_policy_unref(plain);
	writ_policy_unref(four);
	return rc;
}
