/*
 * test_alloc_fail.c: every allocation of a policy load, a token
 * verification and a token issuance may fail, and each failure ends in an
 * error code, with nothing leaked and nothing half made.
 *
 * This program defines malloc, calloc, realloc, free and the aligned
 * allocators itself, over glibc's __libc_* entry points, so that the
 * allocations of libwrit and of everything it calls (OpenSSL, jansson,
 * glibc's own stdio and directory reading) all pass through here. Each
 * operation is run once to count its allocations (C), then once for each
 * N = 1..C with the Nth allocation failing. Every run must either return
 * an error code with no result, or succeed with the same result as the
 * counted run (an allocation the code may do without); and the number of
 * live blocks and bytes must be what it was before the run.
 *
 * OpenSSL keeps a per-thread error queue whose entries hold allocated text,
 * and per-thread random generators; OPENSSL_thread_stop() frees them, so
 * the live counts are taken after it, before and after every run. OpenSSL's
 * and writ's process-wide caches (fetched algorithms, the secret cache's
 * thread key) are filled by a first run before any is counted.
 *
 * AddressSanitizer and valgrind own malloc: under ASan this test skips
 * (exit 77), and make check-valgrind leaves it out (valgrind's malloc
 * replaces this one, which then counts nothing).
 *
 * To find what a failure is about: WRIT_ALLOC_FAIL_ONLY=N fails only the
 * Nth allocation of each operation and prints the call stacks of that
 * allocation and of every block the run left live; WRIT_ALLOC_FAIL_SHOW=1
 * prints what each run that succeeded despite its failed allocation made.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <execinfo.h>
#include <jansson.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "jwt-helpers.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#ifndef UNDER_ASAN

/* ---- the allocator ---- */

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

/* Allocations asked for while armed; the one to fail (0: none). */
static unsigned long asked;
static unsigned long fail_at;
static int armed;
/* Live blocks and bytes, over the whole process. */
static long live_blocks;
static long live_bytes;

static int tracing;
static void trace_failure(void);

static int must_fail(void)
{
	if (!__atomic_load_n(&armed, __ATOMIC_RELAXED))
		return 0;
	if (__atomic_add_fetch(&asked, 1, __ATOMIC_RELAXED) != fail_at)
		return 0;
	if (tracing)
		trace_failure();
	return 1;
}

/*
 * With WRIT_ALLOC_FAIL_ONLY=N only the Nth allocation of each operation
 * fails, and the call stacks of that allocation and of the blocks that the
 * run left live are printed: a leak's origin. Allocations are then traced
 * while armed.
 */
#define TRACED 4096
#define DEPTH  12
static __thread int in_trace;
static struct traced {
	void *p;
	void *stack[DEPTH];
	int depth;
} traced[TRACED];

static void trace_add(void *p)
{
	size_t i;

	if (!tracing || in_trace || !__atomic_load_n(&armed, __ATOMIC_RELAXED))
		return;
	in_trace = 1;
	for (i = 0; i < TRACED; i++) {
		if (!traced[i].p) {
			traced[i].p = p;
			traced[i].depth = backtrace(traced[i].stack, DEPTH);
			break;
		}
	}
	in_trace = 0;
}

static void trace_remove(void *p)
{
	size_t i;

	if (!tracing)
		return;
	for (i = 0; i < TRACED; i++) {
		if (traced[i].p == p) {
			traced[i].p = NULL;
			return;
		}
	}
}

static void trace_failure(void)
{
	void *stack[DEPTH];
	int depth;

	in_trace = 1;
	depth = backtrace(stack, DEPTH);
	fprintf(stderr, "allocation %lu fails in:\n", fail_at);
	backtrace_symbols_fd(stack, depth, 2);
	in_trace = 0;
}

static void trace_report(void)
{
	size_t i;

	for (i = 0; i < TRACED; i++) {
		if (traced[i].p) {
			fprintf(stderr, "live block %p from:\n", traced[i].p);
			backtrace_symbols_fd(traced[i].stack, traced[i].depth, 2);
			traced[i].p = NULL;
		}
	}
}

static void *counted(void *p)
{
	if (p) {
		trace_add(p);
		__atomic_add_fetch(&live_blocks, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&live_bytes, (long)malloc_usable_size(p), __ATOMIC_RELAXED);
	}
	return p;
}

static void uncount(void *p)
{
	trace_remove(p);
	__atomic_sub_fetch(&live_blocks, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&live_bytes, (long)malloc_usable_size(p), __ATOMIC_RELAXED);
}

void *malloc(size_t n)
{
	if (must_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return counted(__libc_malloc(n));
}

void *calloc(size_t n, size_t size)
{
	if (must_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return counted(__libc_calloc(n, size));
}

void *realloc(void *p, size_t n)
{
	void *q;
	long before = 0;

	if (n > 0 && must_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	if (p)
		before = (long)malloc_usable_size(p);
	q = __libc_realloc(p, n);
	if (p && !q && n > 0)
		return NULL; /* failed: p is as it was */
	if (p) {
		trace_remove(p);
		__atomic_sub_fetch(&live_blocks, 1, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&live_bytes, before, __ATOMIC_RELAXED);
	}
	return counted(q);
}

void free(void *p)
{
	if (!p)
		return;
	uncount(p);
	__libc_free(p);
}

static void *aligned(size_t align, size_t n)
{
	if (must_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return counted(__libc_memalign(align, n));
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	p = aligned(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
	return aligned(align, n);
}

void *memalign(size_t align, size_t n)
{
	return aligned(align, n);
}

void *valloc(size_t n)
{
	return aligned((size_t)sysconf(_SC_PAGESIZE), n);
}

/* ---- the runs ---- */

/*
 * One operation: run() does it (allocations may fail), and returns 0 on
 * success, with what it made in *made; same() tells whether a success made
 * what the counted run made; drop() frees it.
 */
struct operation {
	const char *name;
	int (*run)(void *ctx, void **made);
	int (*same)(void *ctx, void *made);
	char *(*show)(void *made); /* a success's result, for messages */
	void (*drop)(void *ctx, void *made);
	void *ctx;
};

struct live {
	long blocks, bytes;
};

static struct live settled(void)
{
	struct live l;

	ERR_clear_error();
	OPENSSL_thread_stop();
	l.blocks = __atomic_load_n(&live_blocks, __ATOMIC_RELAXED);
	l.bytes = __atomic_load_n(&live_bytes, __ATOMIC_RELAXED);
	return l;
}

/* Run op once with the Nth allocation failing (0: none); returns the
 * allocations it asked for. */
static unsigned long run_once(const struct operation *op, unsigned long n, int *rc, void **made)
{
	*made = NULL;
	asked = 0;
	fail_at = n;
	__atomic_store_n(&armed, 1, __ATOMIC_SEQ_CST);
	*rc = op->run(op->ctx, made);
	__atomic_store_n(&armed, 0, __ATOMIC_SEQ_CST);
	fail_at = 0;
	return asked;
}

static void fail_each(const struct operation *op)
{
	const char *env = getenv("WRIT_ALLOC_FAIL_ONLY");
	unsigned long only = env ? strtoul(env, NULL, 10) : 0;
	unsigned long count, n, failed = 0, recovered = 0, codes[32] = {0};
	struct live before, after;
	void *made;
	int rc;

	if (only) {
		void *warm[1];

		backtrace(warm, 1); /* its first call loads libgcc_s */
		tracing = 1;
	}

	/* Fill the process-wide caches, then count. */
	run_once(op, 0, &rc, &made);
	ck_assert_msg(rc == 0, "%s: the first run failed", op->name);
	op->drop(op->ctx, made);
	before = settled();
	count = run_once(op, 0, &rc, &made);
	ck_assert_msg(rc == 0, "%s: the counted run failed", op->name);
	op->drop(op->ctx, made);
	after = settled();
	ck_assert_msg(after.blocks == before.blocks && after.bytes == before.bytes,
	              "%s: a successful run leaves %ld blocks, %ld bytes", op->name,
	              after.blocks - before.blocks, after.bytes - before.bytes);
	ck_assert_msg(count > 0, "%s: no allocation was counted", op->name);

	for (n = 1; n <= count; n++) {
		if (only && n != only)
			continue;
		before = settled();
		run_once(op, n, &rc, &made);
		if (rc == 0) {
			char *what = op->show(made);

			ck_assert_msg(op->same(op->ctx, made),
			              "%s: allocation %lu of %lu failed, and it succeeded with "
			              "another result: %s",
			              op->name, n, count, what);
			recovered++;
			if (getenv("WRIT_ALLOC_FAIL_SHOW"))
				printf("%s: allocation %lu failed, and it succeeded: %s\n", op->name, n,
				       what);
			free(what);
		} else {
			ck_assert_msg(rc < 0 && rc > -32, "%s: allocation %lu of %lu failed: %d is no "
			              "error code", op->name, n, count, rc);
			ck_assert_msg(made == NULL,
			              "%s: allocation %lu of %lu failed: error %d, with a result",
			              op->name, n, count, rc);
			failed++;
			codes[-rc]++;
		}
		op->drop(op->ctx, made);
		after = settled();
		if (tracing)
			trace_report();
		/* Fewer bytes is no leak: a failure inside EVP_KDF_fetch() leaves
		 * one of OpenSSL's name caches 16 bytes smaller than it was. */
		ck_assert_msg(after.blocks <= before.blocks && after.bytes <= before.bytes,
		              "%s: allocation %lu of %lu failed: %ld blocks, %ld bytes leaked",
		              op->name, n, count, after.blocks - before.blocks,
		              after.bytes - before.bytes);
	}
	printf("%s: %lu allocations; each failed in turn: %lu errors, %lu complete successes\n",
	       op->name, count, failed, recovered);
	for (n = 1; n < 32; n++)
		if (codes[n])
			printf("  %lu times %s\n", codes[n], writ_strerror(-(int)n));
}

/* ---- a policy load ---- */

struct load_ctx {
	const char *path;
	char *reference; /* the counted run's answers */
};

/* What a loaded policy answers, as text: its names, routes and keys. */
static char *describe(const writ_policy *p)
{
	size_t r, i, n = writ_resource_count(p);
	char *s = fmt("issuer %s keys %zu roles %zu apps %zu users %zu", writ_issuer(p) ? writ_issuer(p) : "-",
	              writ_issuer_key_count(p), writ_role_count(p),
	              writ_principal_count(p, WRIT_PRINCIPAL_APP),
	              writ_principal_count(p, WRIT_PRINCIPAL_USER));

	for (r = 0; r < n; r++) {
		char *t = fmt("%s\n%s perms %zu routes %zu", s, writ_resource_indicator(p, r),
		              writ_resource_permission_count(p, r), writ_route_count(p, r));
		free(s);
		s = t;
		for (i = 0; i < writ_route_count(p, r); i++) {
			t = fmt("%s\n  %s", s, writ_route_text(p, r, i));
			free(s);
			s = t;
		}
	}
	return s;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every diagnostic rendered, in sorted order: diagnostics_sort() may leave
 * them in the order found when it has no memory, which is as correct. */
static char *render_sorted(const writ_diagnostics *d)
{
	size_t i, n = writ_diagnostics_count(d);
	char **each = calloc(n + 1, sizeof(*each));
	char *all = fmt("%s", "");

	ck_assert_ptr_nonnull(each);
	for (i = 0; i < n; i++) {
		each[i] = writ_diagnostic_render(d, i);
		ck_assert_ptr_nonnull(each[i]);
	}
	qsort(each, n, sizeof(*each), str_cmp);
	for (i = 0; i < n; i++) {
		char *more = fmt("%s%s", all, each[i]);
		free(all);
		free(each[i]);
		all = more;
	}
	free(each);
	return all;
}

/* A load's result: the policy, and what it says of it with every
 * diagnostic rendered. */
struct loaded {
	writ_policy *policy;
	char *text;
};

static void load_drop(void *ctx, void *made)
{
	struct loaded *l = made;

	(void)ctx;
	if (l) {
		writ_policy_unref(l->policy);
		free(l->text);
		free(l);
	}
}

static int load_run(void *ctx, void **made)
{
	struct load_ctx *c = ctx;
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p = NULL;
	struct loaded *l;
	char *what, *diags;
	int was, rc;

	if (!d)
		return WRIT_ENOMEM;
	rc = writ_policy_load(&c->path, 1, 0, d, &p);
	if (rc != WRIT_OK || !p) {
		writ_diagnostics_free(d);
		*made = p; /* must be NULL: fail_each says so when not */
		return rc != WRIT_OK ? rc : -1000;
	}
	/* Describing it is the test's work, not the load's. */
	was = __atomic_exchange_n(&armed, 0, __ATOMIC_SEQ_CST);
	l = calloc(1, sizeof(*l));
	ck_assert_ptr_nonnull(l);
	what = describe(p);
	diags = render_sorted(d);
	l->policy = p;
	l->text = fmt("%s\n%s", what, diags);
	free(what);
	free(diags);
	writ_diagnostics_free(d);
	__atomic_store_n(&armed, was, __ATOMIC_SEQ_CST);
	*made = l;
	return 0;
}

static int load_same(void *ctx, void *made)
{
	struct load_ctx *c = ctx;
	const struct loaded *l = made;

	return strcmp(l->text, c->reference) == 0;
}

static char *load_show(void *made)
{
	const struct loaded *l = made;

	return strdup(l->text);
}

static void fail_load(const char *path)
{
	struct load_ctx c = {path, NULL};
	struct operation op = {path, load_run, load_same, load_show, load_drop, &c};
	struct loaded *l = NULL;

	ck_assert_int_eq(load_run(&c, (void **)&l), 0);
	c.reference = strdup(l->text);
	ck_assert_ptr_nonnull(c.reference);
	load_drop(&c, l);
	fail_each(&op);
	free(c.reference);
}

START_TEST(load_example_policy)
{
	fail_load(SRCDIR "/policies");
}
END_TEST

/* A key directory made by the fixture, with a signing key and a key set. */
static char dir[256];
static char pem_path[300];
static char jwks_path[300];
static char policy_path[300];
static writ_signer *signer;
static writ_keyset *keyset;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static void keys_setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char err[256] = "";
	char *jwk, *jwks;
	struct phc cart;
	char *text;

	snprintf(dir, sizeof(dir), "%s/writ-test-alloc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(pem_path, sizeof(pem_path), "%s/issuer.pem", dir);
	snprintf(jwks_path, sizeof(jwks_path), "%s/issuer.jwks", dir);
	snprintf(policy_path, sizeof(policy_path), "%s/policy.writ", dir);
	ck_assert_msg(writ_key_generate("ES256", pem_path, err, sizeof(err)) == WRIT_OK, "%s", err);
	ck_assert_msg(writ_signer_load(pem_path, NULL, &signer, err, sizeof(err)) == WRIT_OK, "%s",
	              err);
	jwk = writ_signer_public_jwk(signer);
	ck_assert_ptr_nonnull(jwk);
	jwks = fmt("{\"keys\":[%s]}", jwk);
	write_file(jwks_path, jwks);
	ck_assert_msg(writ_keyset_load(jwks, strlen(jwks), &keyset, err, sizeof(err)) == WRIT_OK,
	              "%s", err);
	free(jwks);
	free(jwk);

	/* Every kind of statement: a signing key, a trusted key set, routes,
	 * stacks of built-in modules, secrets, users. */
	phc_of("cart-secret", strlen("cart-secret"), &cart);
	text = fmt("issuer \"" TEST_ISSUER "\" {\n"
	           "    signing-key \"issuer.pem\";\n"
	           "    token-ttl 1h;\n"
	           "}\n"
	           "trust \"https://other.example.com\" { jwks \"issuer.jwks\"; }\n"
	           "resource \"" TEST_AUDIENCE "\" {\n"
	           "    token-ttl 10m;\n"
	           "    permission read:payment \"Read payments\";\n"
	           "    permission write:payment \"Create payments\";\n"
	           "    route POST \"/payments\" requires write:payment;\n"
	           "    route GET \"/payments/{id}\" requires read:payment;\n"
	           "    stack access {\n"
	           "        required scope;\n"
	           "        required time days=mon-fri hours=09:00-17:00 tz=UTC;\n"
	           "    }\n"
	           "}\n"
	           "role checkout for apps { grant write:payment, read:payment on \"" TEST_AUDIENCE
	           "\"; }\n"
	           "role reader for users { grant read:payment on \"" TEST_AUDIENCE "\"; }\n"
	           "app cart-service {\n"
	           "    name \"Cart service\";\n"
	           "    secret \"%s\";\n"
	           "    secret \"%s\" expires \"2020-01-01T00:00:00Z\";\n"
	           "    roles checkout;\n"
	           "}\n"
	           "user alice { roles reader; }\n"
	           "stack grant {\n"
	           "    required rbac;\n"
	           "    requisite network allow=10.0.0.0/8,127.0.0.0/8,192.0.2.0/24;\n"
	           "}\n",
	           cart.s, cart.s);
	write_file(policy_path, text);
	free(text);
}

static void keys_teardown(void)
{
	writ_keyset_unref(keyset);
	writ_signer_free(signer);
	keyset = NULL;
	signer = NULL;
	unlink(policy_path);
	unlink(jwks_path);
	unlink(pem_path);
	rmdir(dir);
}

START_TEST(load_every_statement)
{
	fail_load(policy_path);
}
END_TEST

/* ---- a token issuance ---- */

/*
 * The token endpoint with a policy loaded before each run (outside the
 * counted allocations), so that every run authenticates the client with its
 * slow hash and fills the policy's secret cache, as a first request does.
 */
struct issue_ctx {
	writ_policy *policy;
	unsigned status;
	char *scope;
};

static int issue_run(void *ctx, void **made)
{
	struct issue_ctx *c = ctx;
	static const char body[] = "grant_type=client_credentials&resource=" TEST_AUDIENCE
	                           "&scope=write:payment&client_id=cart-service"
	                           "&client_secret=cart-secret";
	struct writ_token_request req;
	writ_reply *reply = writ_reply_new();
	int rc;

	if (!reply)
		return WRIT_ENOMEM;
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.peer = "192.0.2.7";
	req.now = TEST_NOW;
	req.body = body;
	req.body_len = strlen(body);
	rc = writ_token_endpoint(c->policy, signer, &req, reply);
	if (rc != WRIT_OK) {
		writ_reply_free(reply);
		return rc;
	}
	*made = reply;
	return 0;
}

static int member_is(const json_t *o, const char *name, const char *want)
{
	const char *v = json_string_value(json_object_get(o, name));

	return v && strcmp(v, want) == 0;
}

/*
 * A success is the counted run's answer: 200, the token response's members
 * with their values, and a token that verifies, for cart-service, with the
 * scope granted.
 */
static int issue_same(void *ctx, void *made)
{
	struct issue_ctx *c = ctx;
	double at = TEST_NOW;
	const char *scope = writ_reply_scope(made), *body, *token, *sub;
	writ_verifier *v;
	writ_token *t;
	json_t *answer;
	size_t len;
	int same;

	body = writ_reply_body(made, &len);
	if (writ_reply_status(made) != c->status || !body || !scope || strcmp(scope, c->scope))
		return 0;
	answer = json_loadb(body, len, 0, NULL);
	token = json_string_value(json_object_get(answer, "access_token"));
	if (!token || json_object_size(answer) != 4 ||
	    !member_is(answer, "token_type", "Bearer") ||
	    json_integer_value(json_object_get(answer, "expires_in")) != 600 ||
	    !member_is(answer, "scope", c->scope)) {
		json_decref(answer);
		return 0;
	}
	v = test_verifier(keyset, &at);
	t = writ_token_new();
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(writ_verifier_set_cache(v, 0), WRIT_OK);
	sub = NULL;
	same = writ_verify(v, token, strlen(token), t) == WRIT_OK &&
	       strcmp(writ_token_scope(t), c->scope) == 0 && (sub = writ_token_subject(t)) &&
	       strcmp(sub, "cart-service") == 0;
	writ_token_free(t);
	writ_verifier_free(v);
	json_decref(answer);
	return same;
}

static char *issue_show(void *made)
{
	size_t len;
	const char *body = writ_reply_body(made, &len);

	return fmt("%u %.*s", writ_reply_status(made), body ? (int)len : 0, body ? body : "");
}

/* The reply, then the policy it was made from. */
static void issue_drop(void *ctx, void *made)
{
	struct issue_ctx *c = ctx;

	writ_reply_free(made);
	writ_policy_unref(c->policy);
	c->policy = NULL;
}

/* Each run gets a policy of its own, loaded while no allocation fails. */
static int issue_fresh_run(void *ctx, void **made)
{
	struct issue_ctx *c = ctx;
	const char *path = policy_path;
	int was = __atomic_exchange_n(&armed, 0, __ATOMIC_SEQ_CST);
	int rc;

	rc = writ_policy_load(&path, 1, 0, NULL, &c->policy);
	__atomic_store_n(&armed, was, __ATOMIC_SEQ_CST);
	if (rc != WRIT_OK)
		return -1000; /* not the allocations under test: never happens */
	return issue_run(ctx, made);
}

/* ---- a token verification ---- */

struct verify_ctx {
	writ_verifier *v;
	const char *token;
	char *claims;
};

static int verify_run(void *ctx, void **made)
{
	struct verify_ctx *c = ctx;
	writ_token *t = writ_token_new();
	int rc;

	if (!t)
		return WRIT_ENOMEM;
	rc = writ_verify(c->v, c->token, strlen(c->token), t);
	if (rc != WRIT_OK) {
		writ_token_free(t);
		return rc;
	}
	*made = t;
	return 0;
}

static int verify_same(void *ctx, void *made)
{
	struct verify_ctx *c = ctx;
	char *claims = writ_token_claims_json(made);
	int same = claims && strcmp(claims, c->claims) == 0;

	free(claims);
	return same;
}

static char *verify_show(void *made)
{
	char *claims = writ_token_claims_json(made);

	return claims ? claims : strdup("(no claims)");
}

static void verify_drop(void *ctx, void *made)
{
	(void)ctx;
	writ_token_free(made);
}

static double now = TEST_NOW;

/* Every allocation of writ_verify(token) fails in turn. */
static void fail_verify(const char *name, writ_keyset *keys, const char *token)
{
	struct verify_ctx c = {NULL, token, NULL};
	struct operation op = {name, verify_run, verify_same, verify_show, verify_drop, &c};
	writ_token *t;

	/* No cache: every run verifies in full (a cache keeps what it is
	 * given, which is no leak). */
	c.v = test_verifier(keys, &now);
	ck_assert_int_eq(writ_verifier_set_cache(c.v, 0), WRIT_OK);
	t = writ_token_new();
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(writ_verify(c.v, token, strlen(token), t), WRIT_OK);
	c.claims = writ_token_claims_json(t);
	ck_assert_ptr_nonnull(c.claims);
	writ_token_free(t);

	fail_each(&op);

	free(c.claims);
	writ_verifier_free(c.v);
}

START_TEST(verify_issued_token)
{
	struct issue_ctx ic = {NULL, 0, NULL};
	writ_reply *reply = NULL;
	json_t *answer;
	char *token;

	/* A token of the policy's issuer, from its token endpoint. */
	ck_assert_int_eq(issue_fresh_run(&ic, (void **)&reply), 0);
	answer = json_loads(writ_reply_body(reply, NULL), 0, NULL);
	ck_assert_ptr_nonnull(answer);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(answer, "access_token")));
	token = strdup(json_string_value(json_object_get(answer, "access_token")));
	ck_assert_ptr_nonnull(token);
	json_decref(answer);
	issue_drop(&ic, reply);
	fail_verify("writ_verify (issued token)", keyset, token);
	free(token);
}
END_TEST

/*
 * A token whose first long string is its scope: jansson's token buffer
 * grows there, and a byte lost in that growth made another scope that
 * nothing else checks (json_strict.c, load_whole).
 */
START_TEST(verify_scope_first_token)
{
	struct test_key k;
	writ_keyset *keys;
	char *header, *token;

	test_key_init(&k, JWS_ES256, "k1");
	keys = test_keyset(&k, 1);
	header = test_header(&k);
	token = test_token(&k, header,
	                   "{\"scope\":\"read:payment write:payment read:refund write:refund\","
	                   "\"iss\":\"" TEST_ISSUER "\",\"aud\":\"" TEST_AUDIENCE "\","
	                   "\"sub\":\"cart-service\",\"exp\":1795395600}");
	fail_verify("writ_verify (scope first)", keys, token);
	free(token);
	free(header);
	writ_keyset_unref(keys);
	test_key_free(&k);
}
END_TEST

START_TEST(issue_token)
{
	struct issue_ctx c = {NULL, 200, NULL};
	struct operation op = {"writ_token_endpoint", issue_fresh_run, issue_same, issue_show,
	                       issue_drop, &c};
	writ_reply *reply = NULL;

	ck_assert_int_eq(issue_fresh_run(&c, (void **)&reply), 0);
	ck_assert_uint_eq(writ_reply_status(reply), 200);
	ck_assert_ptr_nonnull(writ_reply_scope(reply));
	ck_assert_str_eq(writ_reply_scope(reply), "write:payment");
	c.scope = strdup(writ_reply_scope(reply));
	ck_assert_ptr_nonnull(c.scope);
	issue_drop(&c, reply);

	fail_each(&op);
	free(c.scope);
}
END_TEST

static Suite *alloc_fail_suite(void)
{
	Suite *s = suite_create("alloc_fail");
	TCase *tc = tcase_create("every allocation fails in turn");

	tcase_add_unchecked_fixture(tc, keys_setup, keys_teardown);
	/* Thousands of runs each; valgrind makes them slower still. */
	tcase_set_timeout(tc, 1200);
	tcase_add_test(tc, load_example_policy);
	tcase_add_test(tc, load_every_statement);
	tcase_add_test(tc, verify_issued_token);
	tcase_add_test(tc, verify_scope_first_token);
	tcase_add_test(tc, issue_token);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(alloc_fail_suite());
}

#else /* UNDER_ASAN */

int main(void)
{
	puts("SKIP: AddressSanitizer owns malloc; this test counts and fails allocations "
	     "through its own malloc, which cannot be under ASan at once");
	return 77;
}

#endif
