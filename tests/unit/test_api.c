/*
 * test_api.c: the conventions of the public interface: versions, result
 * codes, NULL handling, diagnostics being optional, reference counting and
 * queries from many threads at once.
 */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "util.h"

static const char policy_text[] =
	"resource \"https://pay.example\" {\n"
	"\tdefault;\n"
	"\tdefault-scope read;\n"
	"\tpermission read;\n"
	"\tpermission write;\n"
	"}\n"
	"resource \"https://shop.example\" {\n"
	"\tpermission read;\n"
	"\tpermission order;\n"
	"\tpermission refund;\n"
	"}\n"
	"role payer for apps { grant write on \"https://pay.example\"; }\n"
	"role auditor for apps {\n"
	"\tgrant read on \"https://pay.example\", \"https://shop.example\";\n"
	"}\n"
	"role shopper for users {\n"
	"\tgrant read, order on \"https://shop.example\";\n"
	"\tgrant read on \"https://pay.example\";\n"
	"}\n"
	"role clerk for users { grant refund on \"https://shop.example\"; }\n"
	"app cart { roles payer; }\n"
	"app audit { roles auditor, payer; }\n"
	"user ann { roles shopper, clerk; }\n"
	"user bo { roles clerk; }\n";

/* ---- versions and codes ---- */

START_TEST(version)
{
	char want[32];

	ck_assert_str_eq(writ_version(), WRIT_VERSION_STRING);
	ck_assert_uint_eq(writ_version_number(), WRIT_VERSION_NUMBER);
	snprintf(want, sizeof(want), "%d.%d.%d", WRIT_VERSION_MAJOR,
	         WRIT_VERSION_MINOR, WRIT_VERSION_PATCH);
	ck_assert_str_eq(writ_version(), want);
	ck_assert_uint_eq(writ_version_number(),
	                  ((unsigned)WRIT_VERSION_MAJOR << 16) |
	                  ((unsigned)WRIT_VERSION_MINOR << 8) | WRIT_VERSION_PATCH);
	/* A static string: the same one every time. */
	ck_assert_ptr_eq(writ_version(), writ_version());
}
END_TEST

START_TEST(strerror_codes)
{
	static const int codes[] = {
		WRIT_OK, WRIT_ENOMEM, WRIT_EINVAL, WRIT_EIO, WRIT_EPOLICY,
		WRIT_ENOPRINCIPAL, WRIT_ENORESOURCE, WRIT_ERANGE, WRIT_EMALFORMED,
		WRIT_EDENIED,
	};
	static const int unknown[] = { -10, -100, 1, 42, INT_MIN, INT_MAX };
	size_t i, j;

	/* The codes themselves are part of the ABI. */
	ck_assert_int_eq(WRIT_OK, 0);
	ck_assert_int_eq(WRIT_ENOMEM, -1);
	ck_assert_int_eq(WRIT_EINVAL, -2);
	ck_assert_int_eq(WRIT_EIO, -3);
	ck_assert_int_eq(WRIT_EPOLICY, -4);
	ck_assert_int_eq(WRIT_ENOPRINCIPAL, -5);
	ck_assert_int_eq(WRIT_ENORESOURCE, -6);
	ck_assert_int_eq(WRIT_ERANGE, -7);
	ck_assert_int_eq(WRIT_EMALFORMED, -8);
	ck_assert_int_eq(WRIT_EDENIED, -9);

	/* Every code has a description of its own. */
	for (i = 0; i < ARRAY_SIZE(codes); i++) {
		const char *s = writ_strerror(codes[i]);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_gt(strlen(s), 0);
		ck_assert_ptr_eq(writ_strerror(codes[i]), s); /* static */
		for (j = 0; j < i; j++)
			ck_assert_str_ne(s, writ_strerror(codes[j]));
	}
	/* An unknown code is described, and not as any known one. */
	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		const char *s = writ_strerror(unknown[i]);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_gt(strlen(s), 0);
		for (j = 0; j < ARRAY_SIZE(codes); j++)
			ck_assert_str_ne(s, writ_strerror(codes[j]));
	}
}
END_TEST

/* ---- NULL and bad arguments ---- */

START_TEST(null_handles)
{
	size_t r, perm;

	writ_policy_unref(NULL);
	ck_assert_ptr_null(writ_policy_ref(NULL));
	writ_diagnostics_free(NULL);
	writ_diagnostics_clear(NULL);
	ck_assert_uint_eq(writ_diagnostics_count(NULL), 0);
	ck_assert_uint_eq(writ_diagnostics_errors(NULL), 0);
	ck_assert_uint_eq(writ_diagnostics_warnings(NULL), 0);
	ck_assert_ptr_null(writ_diagnostics_get(NULL, 0));
	ck_assert_ptr_null(writ_diagnostic_render(NULL, 0));

	ck_assert_ptr_null(writ_issuer(NULL));
	ck_assert_uint_eq(writ_resource_count(NULL), 0);
	ck_assert_int_eq(writ_resource_find(NULL, "https://pay.example"), -1);
	ck_assert_int_eq(writ_resource_default(NULL), -1);
	ck_assert_ptr_null(writ_resource_indicator(NULL, 0));
	ck_assert_uint_eq(writ_resource_permission_count(NULL, 0), 0);
	ck_assert_uint_eq(writ_role_count(NULL), 0);
	ck_assert_int_eq(writ_role_find(NULL, "payer"), -1);
	ck_assert_int_eq(writ_role_grant(NULL, 0, 0, &r, &perm), WRIT_EINVAL);
	ck_assert_uint_eq(writ_principal_count(NULL, WRIT_PRINCIPAL_APP), 0);
	ck_assert_int_eq(writ_principal_find(NULL, WRIT_PRINCIPAL_APP, "cart"), -1);
	ck_assert_ptr_null(writ_principal_id(NULL, WRIT_PRINCIPAL_USER, 0));
	ck_assert_int_eq(writ_scope_token_valid(NULL, 0), 0);
	ck_assert_int_eq(writ_scope_token_valid(NULL, 4), 0);
}
END_TEST

START_TEST(load_bad_arguments)
{
	static const char text[] = "resource \"https://x.example\" { permission a; }\n";
	const char *paths[] = { SRCDIR "/policies" };
	const char *null_path[] = { NULL };
	writ_policy *sentinel = load_ok(text), *p;

	/* *out is NULL after any failure. */
	p = sentinel;
	ck_assert_int_eq(writ_policy_load(NULL, 1, 0, NULL, &p), WRIT_EINVAL);
	ck_assert_ptr_null(p);
	p = sentinel;
	ck_assert_int_eq(writ_policy_load(null_path, 1, 0, NULL, &p), WRIT_EINVAL);
	ck_assert_ptr_null(p);
	p = sentinel;
	ck_assert_int_eq(writ_policy_load(paths, 1, 1, NULL, &p), WRIT_EINVAL);
	ck_assert_ptr_null(p);
	p = sentinel;
	ck_assert_int_eq(writ_policy_load(paths, 1, 0x80000000u, NULL, &p), WRIT_EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(writ_policy_load(paths, 1, 0, NULL, NULL), WRIT_EINVAL);

	p = sentinel;
	ck_assert_int_eq(writ_policy_load_buffer(NULL, text, strlen(text), 0, NULL, &p),
	                 WRIT_EINVAL);
	ck_assert_ptr_null(p);
	p = sentinel;
	ck_assert_int_eq(writ_policy_load_buffer("t.writ", NULL, 5, 0, NULL, &p),
	                 WRIT_EINVAL);
	ck_assert_ptr_null(p);
	p = sentinel;
	ck_assert_int_eq(writ_policy_load_buffer("t.writ", text, strlen(text), 2, NULL, &p),
	                 WRIT_EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(writ_policy_load_buffer("t.writ", text, strlen(text), 0, NULL,
	                                         NULL), WRIT_EINVAL);

	/* No bytes at all is an empty policy. */
	ck_assert_int_eq(writ_policy_load_buffer("t.writ", NULL, 0, 0, NULL, &p), WRIT_OK);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(writ_resource_count(p), 0);
	writ_policy_unref(p);
	writ_policy_unref(sentinel);
}
END_TEST

START_TEST(query_bad_arguments)
{
	static const char *const res[] = { "https://pay.example" };
	static const char *const req[] = { "read" };
	writ_policy *p = load_ok(policy_text);
	char out[32];
	size_t off[1], len, r, perm;

	memset(out, 'X', sizeof(out));
	ck_assert_int_eq(writ_grant(NULL, WRIT_PRINCIPAL_APP, "cart", NULL, "write", 5,
	                            out, sizeof(out), &len), WRIT_EINVAL);
	ck_assert_str_eq(out, "");
	memset(out, 'X', sizeof(out));
	ck_assert_int_eq(writ_grant(p, WRIT_PRINCIPAL_APP, NULL, NULL, "write", 5,
	                            out, sizeof(out), &len), WRIT_EINVAL);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(writ_grant(p, WRIT_PRINCIPAL_APP, "cart", NULL, NULL, 5,
	                            out, sizeof(out), &len), WRIT_EINVAL);
	ck_assert_int_eq(writ_grant(p, WRIT_PRINCIPAL_APP, "cart", NULL, "write", 5,
	                            NULL, sizeof(out), &len), WRIT_EINVAL);
	ck_assert_int_eq(writ_grant(p, 0, "cart", NULL, "write", 5, out, sizeof(out),
	                            &len), WRIT_EINVAL);
	ck_assert_int_eq(writ_grant(p, WRIT_PRINCIPAL_APP | WRIT_PRINCIPAL_USER, "cart",
	                            NULL, "write", 5, out, sizeof(out), &len),
	                 WRIT_EINVAL);

	ck_assert_int_eq(writ_grant_each(NULL, WRIT_PRINCIPAL_APP, "cart", res, 1,
	                                 "write", 5, out, sizeof(out), off, &len),
	                 WRIT_EINVAL);
	ck_assert_int_eq(writ_grant_each(p, WRIT_PRINCIPAL_APP, NULL, res, 1,
	                                 "write", 5, out, sizeof(out), off, &len),
	                 WRIT_EINVAL);
	ck_assert_int_eq(writ_grant_each(p, WRIT_PRINCIPAL_APP, "cart", NULL, 1,
	                                 "write", 5, out, sizeof(out), off, &len),
	                 WRIT_EINVAL);
	ck_assert_int_eq(writ_grant_each(p, WRIT_PRINCIPAL_APP, "cart", res, 1,
	                                 "write", 5, out, sizeof(out), NULL, &len),
	                 WRIT_EINVAL);
	ck_assert_int_eq(writ_grant_each(p, WRIT_PRINCIPAL_APP, "cart", res, 1,
	                                 NULL, 5, out, sizeof(out), off, &len),
	                 WRIT_EINVAL);
	ck_assert_int_eq(writ_grant_each(p, WRIT_PRINCIPAL_APP, "cart", res, 1,
	                                 "write", 5, NULL, sizeof(out), off, &len),
	                 WRIT_EINVAL);
	ck_assert_int_eq(writ_grant_each(p, 7, "cart", res, 1, "write", 5, out,
	                                 sizeof(out), off, &len), WRIT_EINVAL);

	ck_assert_int_eq(writ_check(NULL, 4, req, 1, NULL), WRIT_EINVAL);
	ck_assert_int_eq(writ_check("read", 4, NULL, 1, NULL), WRIT_EINVAL);
	ck_assert_int_eq(writ_role_grant(p, 0, 0, NULL, &perm), WRIT_EINVAL);
	ck_assert_int_eq(writ_role_grant(p, 0, 0, &r, NULL), WRIT_EINVAL);
	ck_assert_int_eq(writ_role_grant(p, 0, 0, &r, &perm), WRIT_OK);
	writ_policy_unref(p);
}
END_TEST

/* ---- loading without diagnostics ---- */

START_TEST(load_without_diagnostics)
{
	static const char bad[] = "user u { roles nope; }\n"; /* E010 */
	const char *shipped[] = { SRCDIR "/policies" };
	char dir[] = "/tmp/writ-test-api-XXXXXX", missing[64];
	const char *absent[] = { missing };
	writ_policy *p = NULL;

	ck_assert_int_eq(writ_policy_load_buffer("t.writ", policy_text,
	                                         strlen(policy_text), 0, NULL, &p),
	                 WRIT_OK);
	ck_assert_ptr_nonnull(p);
	writ_policy_unref(p);
	ck_assert_int_eq(writ_policy_load_buffer("t.writ", bad, strlen(bad), 0, NULL, &p),
	                 WRIT_EPOLICY);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(writ_policy_load(shipped, 1, 0, NULL, &p), WRIT_OK);
	ck_assert_uint_eq(writ_resource_count(p), 3);
	writ_policy_unref(p);

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(missing, sizeof(missing), "%s/absent.writ", dir);
	p = NULL;
	ck_assert_int_eq(writ_policy_load(absent, 1, 0, NULL, &p), WRIT_EIO);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(diagnostics_are_appended)
{
	/* W001: no role grants the permission */
	static const char warn[] = "resource \"https://x.example\" { permission a; }\n";
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p = NULL;

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(writ_policy_load_buffer("a.writ", warn, strlen(warn), 0, d, &p),
	                 WRIT_OK);
	writ_policy_unref(p);
	ck_assert_int_eq(writ_policy_load_buffer("b.writ", warn, strlen(warn), 0, d, &p),
	                 WRIT_OK);
	writ_policy_unref(p);
	ck_assert_uint_eq(writ_diagnostics_count(d), 2);
	ck_assert_uint_eq(writ_diagnostics_warnings(d), 2);
	ck_assert_str_eq(writ_diagnostics_get(d, 0)->file, "a.writ");
	ck_assert_str_eq(writ_diagnostics_get(d, 1)->file, "b.writ");
	writ_diagnostics_clear(d);
	ck_assert_uint_eq(writ_diagnostics_count(d), 0);
	ck_assert_uint_eq(writ_diagnostics_warnings(d), 0);
	ck_assert_ptr_null(writ_diagnostics_get(d, 0));
	writ_diagnostics_free(d);
}
END_TEST

/* ---- reference counting ---- */

START_TEST(reference_counting)
{
	writ_policy *p = load_ok(policy_text), *q;
	int rc;

	q = writ_policy_ref(p);
	ck_assert_ptr_eq(q, p);
	writ_policy_unref(p);
	/* Still alive through q: a use after free here is caught by ASan. */
	ck_assert_str_eq(grant_str(q, WRIT_PRINCIPAL_APP, "cart", NULL, "write read", &rc),
	                 "write");
	ck_assert_int_eq(rc, WRIT_OK);
	writ_policy_unref(q);
}
END_TEST

/* ---- many threads, one policy ---- */

enum { THREADS = 8, QUERIES = 100000 };

struct query {
	enum writ_principal_kind kind;
	const char *who, *resource, *scope;
	int rc;
	const char *want;
};

static const struct query queries[] = {
	{ WRIT_PRINCIPAL_APP, "cart", "https://pay.example", "read write", WRIT_OK, "write" },
	{ WRIT_PRINCIPAL_APP, "audit", "https://pay.example", "write read", WRIT_OK, "read write" },
	{ WRIT_PRINCIPAL_APP, "audit", "https://shop.example", "order read", WRIT_OK, "read" },
	{ WRIT_PRINCIPAL_APP, "audit", NULL, "", WRIT_OK, "read" },
	{ WRIT_PRINCIPAL_USER, "ann", "https://shop.example", "refund order read", WRIT_OK,
	  "read order refund" },
	{ WRIT_PRINCIPAL_USER, "ann", NULL, NULL, WRIT_OK, "read" },
	{ WRIT_PRINCIPAL_USER, "bo", "https://shop.example", "refund read", WRIT_OK, "refund" },
	{ WRIT_PRINCIPAL_USER, "bo", "https://pay.example", "read", WRIT_OK, "" },
	{ WRIT_PRINCIPAL_USER, "cart", "https://pay.example", "write", WRIT_ENOPRINCIPAL, "" },
	{ WRIT_PRINCIPAL_APP, "cart", "https://nope.example", "write", WRIT_ENORESOURCE, "" },
	{ WRIT_PRINCIPAL_APP, "cart", "https://pay.example", "wri\tte", WRIT_EMALFORMED, "" },
};

struct worker {
	pthread_t thread;
	writ_policy *policy; /* the worker's own reference */
	pthread_barrier_t *start;
	long failures;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char out[64];
	long i;

	pthread_barrier_wait(w->start);
	for (i = 0; i < QUERIES; i++) {
		const struct query *q = &queries[(size_t)i % ARRAY_SIZE(queries)];
		size_t len = 99;
		int rc = writ_grant(w->policy, q->kind, q->who, q->resource, q->scope,
		                    q->scope ? strlen(q->scope) : 0, out, sizeof(out),
		                    &len);
		if (rc != q->rc || strcmp(out, q->want) != 0 ||
		    (rc == WRIT_OK && len != strlen(q->want)))
			w->failures++;
	}
	writ_policy_unref(w->policy);
	return NULL;
}

START_TEST(concurrent_queries)
{
	struct worker workers[THREADS];
	pthread_barrier_t start;
	writ_policy *p = load_ok(policy_text);
	int i;

	ck_assert_int_eq(pthread_barrier_init(&start, NULL, THREADS + 1), 0);
	for (i = 0; i < THREADS; i++) {
		workers[i].policy = writ_policy_ref(p);
		workers[i].start = &start;
		workers[i].failures = 0;
		ck_assert_int_eq(pthread_create(&workers[i].thread, NULL, work,
		                                &workers[i]), 0);
	}
	/* From here on only the workers keep the policy alive; the last one
	 * to finish frees it. */
	writ_policy_unref(p);
	pthread_barrier_wait(&start);
	for (i = 0; i < THREADS; i++) {
		ck_assert_int_eq(pthread_join(workers[i].thread, NULL), 0);
		ck_assert_int_eq(workers[i].failures, 0);
	}
	pthread_barrier_destroy(&start);
}
END_TEST

/* ---- buffers that are not strings ---- */

static int has_code(const writ_diagnostics *d, const char *code)
{
	size_t i;

	for (i = 0; i < writ_diagnostics_count(d); i++)
		if (strcmp(writ_diagnostics_get(d, i)->code, code) == 0)
			return 1;
	return 0;
}

START_TEST(buffer_not_nul_terminated)
{
	static const char text[] =
		"resource \"https://x.example\" { permission a; }\n"
		"resource \"https://y.example\" { permission b; }\n";
	size_t first = strlen("resource \"https://x.example\" { permission a; }\n");
	/* Exactly len bytes, so that reading past them is caught by ASan. */
	char *data = malloc(first);
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p = NULL;

	ck_assert_ptr_nonnull(data);
	ck_assert_ptr_nonnull(d);
	memcpy(data, text, first);
	ck_assert_int_eq(writ_policy_load_buffer("t.writ", data, first, 0, d, &p), WRIT_OK);
	ck_assert_uint_eq(writ_resource_count(p), 1);
	ck_assert_str_eq(writ_resource_indicator(p, 0), "https://x.example");
	writ_policy_unref(p);
	free(data);

	/* Cut inside the second resource: what is left is a syntax error. */
	ck_assert_int_eq(writ_policy_load_buffer("t.writ", text, first + 20, 0, d, &p),
	                 WRIT_EPOLICY);
	ck_assert_ptr_null(p);
	ck_assert(has_code(d, "E003"));
	writ_diagnostics_free(d);

	/* Cut just before the closing brace of the first. */
	d = writ_diagnostics_new();
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(writ_policy_load_buffer("t.writ", text, first - 2, 0, d, &p),
	                 WRIT_EPOLICY);
	ck_assert_ptr_null(p);
	ck_assert(has_code(d, "E001"));
	writ_diagnostics_free(d);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("api");
	TCase *threads = tcase_create("threads");

	tcase_add_test(tc, version);
	tcase_add_test(tc, strerror_codes);
	tcase_add_test(tc, null_handles);
	tcase_add_test(tc, load_bad_arguments);
	tcase_add_test(tc, query_bad_arguments);
	tcase_add_test(tc, load_without_diagnostics);
	tcase_add_test(tc, diagnostics_are_appended);
	tcase_add_test(tc, reference_counting);
	tcase_add_test(tc, buffer_not_nul_terminated);
	suite_add_tcase(s, tc);

	/* 800000 queries, possibly under a sanitizer on a slow machine. */
	tcase_set_timeout(threads, 300);
	tcase_add_test(threads, concurrent_queries);
	suite_add_tcase(s, threads);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
