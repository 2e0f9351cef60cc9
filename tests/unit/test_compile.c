/*
 * test_compile.c: the decision table as seen through the public iteration
 * API, and loading policies from files, directories and includes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "util.h"

#define RES_A "https://a.example.com/api"
#define RES_B "https://b.example.com"

static const char policy_text[] =
	"issuer \"https://auth.example.com\" { token-ttl 2h; }\n"
	"resource \"" RES_A "\" {\n"
	"\tname \"Service A\";\n"
	"\tdescription \"The first service\";\n"
	"\ttoken-ttl 10m;\n"
	"\tdefault;\n"
	"\tdefault-scope list, read;\n"
	"\tpermission list \"List things\";\n"
	"\tpermission read \"Read things\";\n"
	"\tpermission write \"Write things\";\n"
	"}\n"
	"resource \"" RES_B "\" {\n"
	"\tpermission read \"Read B\";\n"
	"\tpermission admin;\n"
	"}\n"
	"role reader for users {\n"
	"\tdescription \"Reads everything\";\n"
	"\tgrant read on \"" RES_B "\", \"" RES_A "\";\n"
	"}\n"
	"role writer for apps {\n"
	"\tgrant write, list on \"" RES_A "\";\n"
	"}\n"
	"role admin for users {\n"
	"\tdescription \"Administers B\";\n"
	"\tgrant admin, read on \"" RES_B "\";\n"
	"\tgrant list on \"" RES_A "\";\n"
	"}\n"
	"app svc {\n"
	"\tname \"Service\";\n"
	"\tdescription \"Calls A\";\n"
	"\troles writer;\n"
	"}\n"
	"user bob {\n"
	"\tname \"Bob\";\n"
	"\troles admin, reader;\n"
	"}\n"
	"user carol { roles reader; }\n";

/* ---- helpers ---- */

/* Assert that role `role` grants exactly the sorted pairs in `want`. */
static void assert_grants(const writ_policy *p, size_t role,
                          const size_t (*want)[2], size_t n)
{
	size_t i, r, perm;

	ck_assert_uint_eq(writ_role_grant_count(p, role), n);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(writ_role_grant(p, role, i, &r, &perm), WRIT_OK);
		ck_assert_uint_eq(r, want[i][0]);
		ck_assert_uint_eq(perm, want[i][1]);
	}
	ck_assert_int_eq(writ_role_grant(p, role, n, &r, &perm), WRIT_EINVAL);
}

/* Assert that a principal's roles are exactly `want`, in order. */
static void assert_roles(const writ_policy *p, enum writ_principal_kind kind,
                         size_t i, const long *want, size_t n)
{
	size_t j;

	ck_assert_uint_eq(writ_principal_role_count(p, kind, i), n);
	for (j = 0; j < n; j++)
		ck_assert_int_eq(writ_principal_role(p, kind, i, j), want[j]);
	ck_assert_int_eq(writ_principal_role(p, kind, i, n), -1);
}

static void assert_grant(const writ_policy *p, enum writ_principal_kind kind,
                         const char *who, const char *resource,
                         const char *scope, const char *want)
{
	int rc;
	const char *got = grant_str(p, kind, who, resource, scope, &rc);

	ck_assert_int_eq(rc, WRIT_OK);
	ck_assert_str_eq(got, want);
}

/*
 * Scratch space: the suite's directory is made and removed by an unchecked
 * fixture, which runs in the parent process, so that it goes away even
 * when a forked test dies half-way. Each test makes its own directory in it.
 */
static char scratch[PATH_MAX];

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void scratch_setup(void)
{
	snprintf(scratch, sizeof(scratch), "/tmp/writ-test-compile-XXXXXX");
	if (!mkdtemp(scratch)) {
		perror("mkdtemp");
		abort();
	}
}

static void scratch_teardown(void)
{
	remove_tree(scratch);
}

/* A new empty directory for one test, in `dir`. */
static void new_dir(char *dir, size_t size)
{
	int n = snprintf(dir, size, "%s/t-XXXXXX", scratch);

	ck_assert(n > 0 && (size_t)n < size);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	ck_assert(n > 0 && (size_t)n < size);
}

static void put_dir(const char *dir, const char *name)
{
	char path[PATH_MAX];

	join(path, sizeof(path), dir, name);
	ck_assert_int_eq(mkdir(path, 0700), 0);
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	join(path, sizeof(path), dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

/* A one-permission resource with this indicator, as policy text. */
static const char *resource_text(char *buf, size_t size, const char *indicator)
{
	snprintf(buf, size, "resource \"%s\" { permission x; }\n", indicator);
	return buf;
}

static writ_diagnostics *load_path(const char *path, int *rc, writ_policy **out)
{
	writ_diagnostics *d = writ_diagnostics_new();
	const char *paths[] = { path };

	ck_assert_ptr_nonnull(d);
	*rc = writ_policy_load(paths, 1, 0, d, out);
	return d;
}

/* Index of the only diagnostic with this code; fails when not exactly one. */
static size_t only(const writ_diagnostics *d, const char *code)
{
	size_t i, found = 0, at = 0;

	for (i = 0; i < writ_diagnostics_count(d); i++) {
		if (strcmp(writ_diagnostics_get(d, i)->code, code) == 0) {
			found++;
			at = i;
		}
	}
	ck_assert_msg(found == 1, "%zu diagnostics %s, wanted 1", found, code);
	return at;
}

static void assert_indicators(const writ_policy *p, const char *const *want,
                              size_t n)
{
	size_t i;

	ck_assert_uint_eq(writ_resource_count(p), n);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(writ_resource_indicator(p, i), want[i]);
}

/* ---- the table ---- */

START_TEST(resources)
{
	writ_policy *p = load_ok(policy_text);

	ck_assert_uint_eq(writ_resource_count(p), 2);
	ck_assert_str_eq(writ_resource_indicator(p, 0), RES_A);
	ck_assert_str_eq(writ_resource_name(p, 0), "Service A");
	ck_assert_str_eq(writ_resource_description(p, 0), "The first service");
	ck_assert_str_eq(writ_resource_indicator(p, 1), RES_B);
	/* Settings a resource leaves out have no value. */
	ck_assert_ptr_null(writ_resource_name(p, 1));
	ck_assert_ptr_null(writ_resource_description(p, 1));

	ck_assert_uint_eq(writ_resource_permission_count(p, 0), 3);
	ck_assert_str_eq(writ_resource_permission(p, 0, 0), "list");
	ck_assert_str_eq(writ_resource_permission(p, 0, 1), "read");
	ck_assert_str_eq(writ_resource_permission(p, 0, 2), "write");
	ck_assert_str_eq(writ_resource_permission_description(p, 0, 0), "List things");
	ck_assert_str_eq(writ_resource_permission_description(p, 0, 1), "Read things");
	ck_assert_str_eq(writ_resource_permission_description(p, 0, 2), "Write things");
	ck_assert_uint_eq(writ_resource_permission_count(p, 1), 2);
	ck_assert_str_eq(writ_resource_permission(p, 1, 0), "read");
	ck_assert_str_eq(writ_resource_permission(p, 1, 1), "admin");
	ck_assert_str_eq(writ_resource_permission_description(p, 1, 0), "Read B");
	ck_assert_ptr_null(writ_resource_permission_description(p, 1, 1));

	/* Out of range: NULL or 0. */
	ck_assert_ptr_null(writ_resource_indicator(p, 2));
	ck_assert_ptr_null(writ_resource_name(p, 2));
	ck_assert_ptr_null(writ_resource_default_scope(p, 2));
	ck_assert_uint_eq(writ_resource_permission_count(p, 2), 0);
	ck_assert_uint_eq(writ_resource_token_ttl(p, 2), 0);
	ck_assert_ptr_null(writ_resource_permission(p, 0, 3));
	ck_assert_ptr_null(writ_resource_permission_description(p, 1, 2));
	ck_assert_ptr_null(writ_resource_permission(p, 2, 0));
	writ_policy_unref(p);
}
END_TEST

START_TEST(roles)
{
	static const size_t reader[][2] = { { 0, 1 }, { 1, 0 } };
	static const size_t writer[][2] = { { 0, 0 }, { 0, 2 } };
	static const size_t admin[][2] = { { 0, 0 }, { 1, 0 }, { 1, 1 } };
	writ_policy *p = load_ok(policy_text);
	size_t r, perm;

	ck_assert_uint_eq(writ_role_count(p), 3);
	ck_assert_str_eq(writ_role_name(p, 0), "reader");
	ck_assert_str_eq(writ_role_name(p, 1), "writer");
	ck_assert_str_eq(writ_role_name(p, 2), "admin");
	ck_assert_int_eq(writ_role_kind(p, 0), WRIT_PRINCIPAL_USER);
	ck_assert_int_eq(writ_role_kind(p, 1), WRIT_PRINCIPAL_APP);
	ck_assert_int_eq(writ_role_kind(p, 2), WRIT_PRINCIPAL_USER);
	ck_assert_str_eq(writ_role_description(p, 0), "Reads everything");
	ck_assert_ptr_null(writ_role_description(p, 1));
	ck_assert_str_eq(writ_role_description(p, 2), "Administers B");

	/* Sorted by (resource, permission) whatever the grant order. */
	assert_grants(p, 0, reader, 2);
	assert_grants(p, 1, writer, 2);
	assert_grants(p, 2, admin, 3);

	ck_assert_ptr_null(writ_role_name(p, 3));
	ck_assert_ptr_null(writ_role_description(p, 3));
	ck_assert_int_eq(writ_role_kind(p, 3), 0);
	ck_assert_uint_eq(writ_role_grant_count(p, 3), 0);
	ck_assert_int_eq(writ_role_grant(p, 3, 0, &r, &perm), WRIT_EINVAL);
	writ_policy_unref(p);
}
END_TEST

START_TEST(principals)
{
	static const long svc_roles[] = { 1 };
	static const long bob_roles[] = { 2, 0 };
	static const long carol_roles[] = { 0 };
	writ_policy *p = load_ok(policy_text);

	ck_assert_uint_eq(writ_principal_count(p, WRIT_PRINCIPAL_APP), 1);
	ck_assert_uint_eq(writ_principal_count(p, WRIT_PRINCIPAL_USER), 2);

	ck_assert_str_eq(writ_principal_id(p, WRIT_PRINCIPAL_APP, 0), "svc");
	ck_assert_str_eq(writ_principal_name(p, WRIT_PRINCIPAL_APP, 0), "Service");
	ck_assert_str_eq(writ_principal_description(p, WRIT_PRINCIPAL_APP, 0), "Calls A");
	assert_roles(p, WRIT_PRINCIPAL_APP, 0, svc_roles, 1);

	ck_assert_str_eq(writ_principal_id(p, WRIT_PRINCIPAL_USER, 0), "bob");
	ck_assert_str_eq(writ_principal_name(p, WRIT_PRINCIPAL_USER, 0), "Bob");
	ck_assert_ptr_null(writ_principal_description(p, WRIT_PRINCIPAL_USER, 0));
	/* Roles in the order the principal lists them, not role order. */
	assert_roles(p, WRIT_PRINCIPAL_USER, 0, bob_roles, 2);

	ck_assert_str_eq(writ_principal_id(p, WRIT_PRINCIPAL_USER, 1), "carol");
	ck_assert_ptr_null(writ_principal_name(p, WRIT_PRINCIPAL_USER, 1));
	assert_roles(p, WRIT_PRINCIPAL_USER, 1, carol_roles, 1);

	/* Out of range, and kinds that are neither. */
	ck_assert_ptr_null(writ_principal_id(p, WRIT_PRINCIPAL_APP, 1));
	ck_assert_ptr_null(writ_principal_name(p, WRIT_PRINCIPAL_USER, 2));
	ck_assert_ptr_null(writ_principal_description(p, WRIT_PRINCIPAL_USER, 2));
	ck_assert_uint_eq(writ_principal_role_count(p, WRIT_PRINCIPAL_USER, 2), 0);
	ck_assert_int_eq(writ_principal_role(p, WRIT_PRINCIPAL_USER, 2, 0), -1);
	ck_assert_uint_eq(writ_principal_count(p, 0), 0);
	ck_assert_uint_eq(writ_principal_count(p, 3), 0);
	ck_assert_ptr_null(writ_principal_id(p, 0, 0));
	ck_assert_ptr_null(writ_principal_id(p, 3, 0));
	writ_policy_unref(p);
}
END_TEST

START_TEST(find)
{
	writ_policy *p = load_ok(policy_text);

	ck_assert_int_eq(writ_resource_find(p, RES_A), 0);
	ck_assert_int_eq(writ_resource_find(p, RES_B), 1);
	/* Indicators match exactly: no normalisation, no prefixes. */
	ck_assert_int_eq(writ_resource_find(p, "https://b.example.com/"), -1);
	ck_assert_int_eq(writ_resource_find(p, "https://B.example.com"), -1);
	ck_assert_int_eq(writ_resource_find(p, "https://a.example.com"), -1);
	ck_assert_int_eq(writ_resource_find(p, ""), -1);
	ck_assert_int_eq(writ_resource_find(p, NULL), -1);

	ck_assert_int_eq(writ_role_find(p, "reader"), 0);
	ck_assert_int_eq(writ_role_find(p, "writer"), 1);
	ck_assert_int_eq(writ_role_find(p, "admin"), 2);
	ck_assert_int_eq(writ_role_find(p, "Admin"), -1);
	ck_assert_int_eq(writ_role_find(p, "read"), -1);
	ck_assert_int_eq(writ_role_find(p, NULL), -1);

	ck_assert_int_eq(writ_principal_find(p, WRIT_PRINCIPAL_APP, "svc"), 0);
	ck_assert_int_eq(writ_principal_find(p, WRIT_PRINCIPAL_USER, "bob"), 0);
	ck_assert_int_eq(writ_principal_find(p, WRIT_PRINCIPAL_USER, "carol"), 1);
	/* Apps and users are separate namespaces. */
	ck_assert_int_eq(writ_principal_find(p, WRIT_PRINCIPAL_USER, "svc"), -1);
	ck_assert_int_eq(writ_principal_find(p, WRIT_PRINCIPAL_APP, "bob"), -1);
	ck_assert_int_eq(writ_principal_find(p, WRIT_PRINCIPAL_USER, "dave"), -1);
	ck_assert_int_eq(writ_principal_find(p, WRIT_PRINCIPAL_USER, NULL), -1);
	ck_assert_int_eq(writ_principal_find(p, 0, "bob"), -1);
	writ_policy_unref(p);
}
END_TEST

START_TEST(token_lifetimes)
{
	writ_policy *p = load_ok(policy_text);

	ck_assert_str_eq(writ_issuer(p), "https://auth.example.com");
	ck_assert_uint_eq(writ_issuer_token_ttl(p), 7200);
	ck_assert_uint_eq(writ_resource_token_ttl(p, 0), 600); /* its own */
	ck_assert_uint_eq(writ_resource_token_ttl(p, 1), 7200); /* the issuer's */
	writ_policy_unref(p);

	/* No issuer: an hour, except where a resource says otherwise. */
	p = load_ok("resource \"https://x.example\" { permission a; }\n"
	            "resource \"https://y.example\" { token-ttl 90; permission a; }\n");
	ck_assert_ptr_null(writ_issuer(p));
	ck_assert_uint_eq(writ_issuer_token_ttl(p), 3600);
	ck_assert_uint_eq(writ_resource_token_ttl(p, 0), 3600);
	ck_assert_uint_eq(writ_resource_token_ttl(p, 1), 90);
	writ_policy_unref(p);

	/* An issuer without a lifetime of its own. */
	p = load_ok("issuer \"https://auth.example.com\" {}\n"
	            "resource \"https://x.example\" { permission a; }\n"
	            "resource \"https://y.example\" { token-ttl 2d; permission a; }\n");
	ck_assert_str_eq(writ_issuer(p), "https://auth.example.com");
	ck_assert_uint_eq(writ_issuer_token_ttl(p), 3600);
	ck_assert_uint_eq(writ_resource_token_ttl(p, 0), 3600);
	ck_assert_uint_eq(writ_resource_token_ttl(p, 1), 172800);
	writ_policy_unref(p);
}
END_TEST

START_TEST(defaults)
{
	writ_policy *p = load_ok(policy_text);

	ck_assert_int_eq(writ_resource_default(p), 0);
	ck_assert_str_eq(writ_resource_default_scope(p, 0), "list read");
	ck_assert_str_eq(writ_resource_default_scope(p, 1), "");
	writ_policy_unref(p);

	/* The default need not be the first resource, and may be absent. */
	p = load_ok("resource \"https://x.example\" { permission a; }\n"
	            "resource \"https://y.example\" { default; permission a; }\n");
	ck_assert_int_eq(writ_resource_default(p), 1);
	writ_policy_unref(p);
	p = load_ok("resource \"https://x.example\" { default-scope a; permission a; }\n");
	ck_assert_int_eq(writ_resource_default(p), -1);
	ck_assert_str_eq(writ_resource_default_scope(p, 0), "a");
	writ_policy_unref(p);
}
END_TEST

START_TEST(shared_permission_names)
{
	static const size_t r_grants[][2] = { { 0, 1 }, { 1, 1 } };
	writ_policy *p = load_ok(
		"resource \"https://x.example\" {\n"
		"\tpermission read \"X read\";\n"
		"\tpermission write \"X write\";\n"
		"}\n"
		"resource \"https://y.example\" {\n"
		"\tpermission write \"Y write\";\n"
		"\tpermission read \"Y read\";\n"
		"}\n"
		"role r for users {\n"
		"\tgrant read on \"https://y.example\";\n"
		"\tgrant write on \"https://x.example\";\n"
		"}\n"
		"user u { roles r; }\n");

	ck_assert_str_eq(writ_resource_permission(p, 0, 0), "read");
	ck_assert_str_eq(writ_resource_permission(p, 1, 1), "read");
	ck_assert_str_eq(writ_resource_permission_description(p, 0, 0), "X read");
	ck_assert_str_eq(writ_resource_permission_description(p, 1, 1), "Y read");
	ck_assert_str_eq(writ_resource_permission_description(p, 0, 1), "X write");
	ck_assert_str_eq(writ_resource_permission_description(p, 1, 0), "Y write");
	assert_grants(p, 0, r_grants, 2);
	/* Holding "read" on y says nothing about "read" on x. */
	assert_grant(p, WRIT_PRINCIPAL_USER, "u", "https://x.example", "read write", "write");
	assert_grant(p, WRIT_PRINCIPAL_USER, "u", "https://y.example", "read write", "read");
	writ_policy_unref(p);
}
END_TEST

enum { WIDE = 130 };

/* "p000 p001 ... p129" in reverse, each twice, for requests. */
static char *wide_request(void)
{
	struct buf b;
	int i;

	buf_init(&b);
	for (i = WIDE - 1; i >= 0; i--)
		buf_printf(&b, "p%03d p%03d ", i, i);
	return buf_steal(&b);
}

static char *wide_policy(void)
{
	struct buf b;
	int i;

	buf_init(&b);
	buf_puts(&b, "resource \"https://wide.example\" {\n");
	for (i = 0; i < WIDE; i++)
		buf_printf(&b, "\tpermission p%03d;\n", i);
	buf_puts(&b, "}\n"
	         "resource \"https://after.example\" { permission x; permission y; }\n"
	         "role low for users {\n"
	         "\tgrant p000, p001, p063, p064 on \"https://wide.example\";\n"
	         "}\n"
	         "role high for users {\n"
	         "\tgrant y on \"https://after.example\";\n"
	         "\tgrant p129, p128, p127, p065, p064 on \"https://wide.example\";\n"
	         "}\n"
	         "role mid for users {\n"
	         "\tgrant p001, p100, p128 on \"https://wide.example\";\n"
	         "}\n"
	         "user many { roles high, low, mid; }\n"
	         "user one { roles high; }\n"
	         "user twice { roles mid, low, mid; }\n"
	         "user none {}\n");
	return buf_steal(&b);
}

START_TEST(wide_resource_and_overlapping_roles)
{
	static const size_t high[][2] = {
		{ 0, 64 }, { 0, 65 }, { 0, 127 }, { 0, 128 }, { 0, 129 }, { 1, 1 },
	};
	static const long many_roles[] = { 1, 0, 2 };
	static const long twice_roles[] = { 2, 0 };
	char *text = wide_policy(), *req = wide_request();
	writ_policy *p;
	writ_diagnostics *d;
	int rc;

	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(req);
	p = load_ok(text);
	ck_assert_uint_eq(writ_resource_permission_count(p, 0), WIDE);
	ck_assert_str_eq(writ_resource_permission(p, 0, 64), "p064");
	ck_assert_str_eq(writ_resource_permission(p, 0, 129), "p129");
	ck_assert_str_eq(writ_resource_permission(p, 1, 0), "x");
	assert_grants(p, 1, high, ARRAY_SIZE(high));

	assert_roles(p, WRIT_PRINCIPAL_USER, 0, many_roles, 3);
	/* A role given twice is held once (and warned about, W006). */
	assert_roles(p, WRIT_PRINCIPAL_USER, 2, twice_roles, 2);

	/* The union of the roles, across all three bitset words. */
	assert_grant(p, WRIT_PRINCIPAL_USER, "many", "https://wide.example", req,
	             "p000 p001 p063 p064 p065 p100 p127 p128 p129");
	assert_grant(p, WRIT_PRINCIPAL_USER, "many", "https://after.example", "x y", "y");
	assert_grant(p, WRIT_PRINCIPAL_USER, "one", "https://wide.example", req,
	             "p064 p065 p127 p128 p129");
	assert_grant(p, WRIT_PRINCIPAL_USER, "twice", "https://wide.example", req,
	             "p000 p001 p063 p064 p100 p128");
	assert_grant(p, WRIT_PRINCIPAL_USER, "twice", "https://after.example", "x y", "");
	assert_grant(p, WRIT_PRINCIPAL_USER, "none", "https://wide.example", req, "");
	writ_policy_unref(p);

	d = load_diags(text, &rc, NULL);
	ck_assert_int_eq(rc, WRIT_OK);
	only(d, "W006");
	writ_diagnostics_free(d);
	free(text);
	free(req);
}
END_TEST

/*
 * Nothing to hold: a role without grants, principals without roles or with
 * only empty roles. Each is the first of its kind in the policy, so the
 * compiler meets it with nothing allocated yet.
 */
START_TEST(empty_roles_and_principals)
{
	static const long v_roles[] = { 0 };
	static const long w_roles[] = { 0, 1 };
	static const long x_roles[] = { 0, 2 };
	writ_policy *p = load_ok(
		"resource \"https://x.example\" { permission a; permission b; }\n"
		"role empty for users {}\n"
		"role also_empty for users { description \"Nothing\"; }\n"
		"role full for users { grant b on \"https://x.example\"; }\n"
		"app lone {}\n"
		"user u {}\n"
		"user v { roles empty; }\n"
		"user w { roles empty, also_empty; }\n"
		"user x { roles empty; roles full; }\n");

	ck_assert_uint_eq(writ_role_count(p), 3);
	ck_assert_uint_eq(writ_role_grant_count(p, 0), 0);
	ck_assert_uint_eq(writ_role_grant_count(p, 1), 0);
	ck_assert_uint_eq(writ_role_grant_count(p, 2), 1);
	ck_assert_uint_eq(writ_principal_role_count(p, WRIT_PRINCIPAL_APP, 0), 0);
	ck_assert_uint_eq(writ_principal_role_count(p, WRIT_PRINCIPAL_USER, 0), 0);
	assert_roles(p, WRIT_PRINCIPAL_USER, 1, v_roles, 1);
	assert_roles(p, WRIT_PRINCIPAL_USER, 2, w_roles, 2);
	/* Two roles lines add up. */
	assert_roles(p, WRIT_PRINCIPAL_USER, 3, x_roles, 2);
	assert_grant(p, WRIT_PRINCIPAL_USER, "u", "https://x.example", "a b", "");
	assert_grant(p, WRIT_PRINCIPAL_USER, "v", "https://x.example", "a b", "");
	assert_grant(p, WRIT_PRINCIPAL_USER, "w", "https://x.example", "a b", "");
	assert_grant(p, WRIT_PRINCIPAL_USER, "x", "https://x.example", "a b", "b");
	assert_grant(p, WRIT_PRINCIPAL_APP, "lone", "https://x.example", "a b", "");
	writ_policy_unref(p);
}
END_TEST

enum { MANY = 40 };

/*
 * MANY resources of two permissions; role "even" grants p on every even
 * one, role "third" q on every third: many holds to search per principal.
 */
static char *many_policy(void)
{
	struct buf b;
	int i;

	buf_init(&b);
	for (i = 0; i < MANY; i++)
		buf_printf(&b, "resource \"https://r%02d.example\" { permission p; permission q; }\n", i);
	buf_puts(&b, "role even for users {\n");
	for (i = 0; i < MANY; i += 2)
		buf_printf(&b, "\tgrant p on \"https://r%02d.example\";\n", i);
	buf_puts(&b, "}\nrole third for users {\n");
	for (i = MANY - 1; i >= 0; i--)
		if (i % 3 == 0)
			buf_printf(&b, "\tgrant q on \"https://r%02d.example\";\n", i);
	buf_puts(&b, "}\nuser u { roles third, even; }\n");
	return buf_steal(&b);
}

START_TEST(many_resources)
{
	char *text = many_policy();
	char res[64];
	writ_policy *p;
	size_t r, perm;
	int i;

	ck_assert_ptr_nonnull(text);
	p = load_ok(text);
	ck_assert_uint_eq(writ_resource_count(p), MANY);
	ck_assert_uint_eq(writ_role_grant_count(p, 1), (MANY + 2) / 3);
	for (i = 0; i < (MANY + 2) / 3; i++) {
		ck_assert_int_eq(writ_role_grant(p, 1, (size_t)i, &r, &perm), WRIT_OK);
		ck_assert_uint_eq(r, (size_t)i * 3);
		ck_assert_uint_eq(perm, 1);
	}
	for (i = 0; i < MANY; i++) {
		const char *want = i % 2 == 0 && i % 3 == 0 ? "p q"
		                 : i % 2 == 0 ? "p" : i % 3 == 0 ? "q" : "";
		snprintf(res, sizeof(res), "https://r%02d.example", i);
		ck_assert_int_eq(writ_resource_find(p, res), i);
		assert_grant(p, WRIT_PRINCIPAL_USER, "u", res, "q p", want);
	}
	writ_policy_unref(p);
	free(text);
}
END_TEST

/* ---- loading files ---- */

START_TEST(directory_in_name_order)
{
	static const char *const want[] = {
		"https://upper.example", /* "Z.writ": byte order, not the locale's */
		"https://a.example",
		"https://a1.example",
		"https://b.example",
	};
	char dir[PATH_MAX], text[256];
	writ_diagnostics *d;
	writ_policy *p = NULL;
	int rc;

	new_dir(dir, sizeof(dir));
	put_file(dir, "b.writ", resource_text(text, sizeof(text), "https://b.example"));
	put_file(dir, "a1.writ", resource_text(text, sizeof(text), "https://a1.example"));
	put_file(dir, "a.writ", resource_text(text, sizeof(text), "https://a.example"));
	put_file(dir, "Z.writ", resource_text(text, sizeof(text), "https://upper.example"));
	/* None of these is read: each would be a syntax error or a duplicate. */
	put_file(dir, ".hidden.writ", resource_text(text, sizeof(text), "https://a.example"));
	put_file(dir, ".writ", "not a policy");
	put_file(dir, "notes.txt", "not a policy");
	put_file(dir, "a.writ.bak", "not a policy");
	put_file(dir, "b.WRIT", "not a policy");
	put_file(dir, "writ", "not a policy");

	d = load_path(dir, &rc, &p);
	ck_assert_int_eq(rc, WRIT_OK);
	ck_assert_uint_eq(writ_diagnostics_errors(d), 0);
	assert_indicators(p, want, ARRAY_SIZE(want));
	writ_policy_unref(p);
	writ_diagnostics_free(d);
	remove_tree(dir);
}
END_TEST

START_TEST(several_paths_form_one_policy)
{
	static const char *const want[] = {
		"https://one.example", "https://two.example", "https://three.example",
	};
	char dir[PATH_MAX], file[PATH_MAX], sub[PATH_MAX], text[256];
	const char *paths[2];
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p = NULL;

	ck_assert_ptr_nonnull(d);
	new_dir(dir, sizeof(dir));
	put_file(dir, "one.writ", resource_text(text, sizeof(text), "https://one.example"));
	put_dir(dir, "sub");
	put_file(dir, "sub/2.writ", resource_text(text, sizeof(text), "https://two.example"));
	put_file(dir, "sub/3.writ", resource_text(text, sizeof(text), "https://three.example"));
	put_file(dir, "sub/role.writ",
	         "role r for users { grant x on \"https://one.example\", \"https://three.example\"; }\n"
	         "user u { roles r; }\n");
	join(file, sizeof(file), dir, "one.writ");
	join(sub, sizeof(sub), dir, "sub");
	paths[0] = file;
	paths[1] = sub;

	ck_assert_int_eq(writ_policy_load(paths, 2, 0, d, &p), WRIT_OK);
	assert_indicators(p, want, ARRAY_SIZE(want));
	/* Names resolve across files. */
	assert_grant(p, WRIT_PRINCIPAL_USER, "u", "https://three.example", "x", "x");
	writ_policy_unref(p);
	writ_diagnostics_free(d);
	remove_tree(dir);
}
END_TEST

START_TEST(include_relative_to_includer)
{
	static const char *const want[] = {
		"https://extra.example", "https://leaf.example",
		"https://d1.example", "https://d2.example",
	};
	char dir[PATH_MAX], main_path[PATH_MAX], text[256];
	writ_diagnostics *d;
	writ_policy *p = NULL;
	int rc, cwd;

	new_dir(dir, sizeof(dir));
	put_dir(dir, "sub");
	put_dir(dir, "sub/conf.d");
	put_file(dir, "main.writ", "include \"sub/extra.writ\";\n");
	put_file(dir, "sub/extra.writ",
	         "resource \"https://extra.example\" { permission x; }\n"
	         "include \"leaf.writ\";\n"
	         "include \"conf.d\";\n");
	/* sub/leaf.writ is meant; a leaf.writ beside main.writ is not. */
	put_file(dir, "sub/leaf.writ", resource_text(text, sizeof(text), "https://leaf.example"));
	put_file(dir, "leaf.writ", "this is not a policy");
	put_file(dir, "sub/conf.d/20.writ", resource_text(text, sizeof(text), "https://d2.example"));
	put_file(dir, "sub/conf.d/10.writ", resource_text(text, sizeof(text), "https://d1.example"));
	put_file(dir, "sub/conf.d/README", "not a policy");
	join(main_path, sizeof(main_path), dir, "main.writ");

	d = load_path(main_path, &rc, &p);
	ck_assert_int_eq(rc, WRIT_OK);
	ck_assert_uint_eq(writ_diagnostics_errors(d), 0);
	assert_indicators(p, want, ARRAY_SIZE(want));
	writ_policy_unref(p);
	writ_diagnostics_free(d);

	/* The same from a relative path, which has no directory part. */
	cwd = open(".", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(cwd, 0);
	ck_assert_int_eq(chdir(dir), 0);
	d = load_path("main.writ", &rc, &p);
	ck_assert_int_eq(fchdir(cwd), 0);
	close(cwd);
	ck_assert_int_eq(rc, WRIT_OK);
	assert_indicators(p, want, ARRAY_SIZE(want));
	writ_policy_unref(p);
	writ_diagnostics_free(d);
	remove_tree(dir);
}
END_TEST

START_TEST(include_from_buffer)
{
	char dir[PATH_MAX], name[PATH_MAX], text[256];
	static const char buffer[] = "include \"inc.writ\";\n";
	writ_policy *p = NULL;

	new_dir(dir, sizeof(dir));
	put_file(dir, "inc.writ", resource_text(text, sizeof(text), "https://inc.example"));
	/* The buffer's name says where its relative includes are. */
	join(name, sizeof(name), dir, "buffer.writ");
	ck_assert_int_eq(writ_policy_load_buffer(name, buffer, strlen(buffer), 0,
	                                         NULL, &p), WRIT_OK);
	ck_assert_uint_eq(writ_resource_count(p), 1);
	ck_assert_str_eq(writ_resource_indicator(p, 0), "https://inc.example");
	writ_policy_unref(p);
	remove_tree(dir);
}
END_TEST

/* Load `start` in dir and expect exactly one E007 with this message. */
static void expect_cycle(const char *dir, const char *start, const char *where,
                         unsigned line, const char *message)
{
	char path[PATH_MAX], file[PATH_MAX];
	const struct writ_diagnostic *rec;
	writ_diagnostics *d;
	writ_policy *p = NULL;
	int rc;

	join(path, sizeof(path), dir, start);
	join(file, sizeof(file), dir, where);
	d = load_path(path, &rc, &p);
	ck_assert_int_eq(rc, WRIT_EPOLICY);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(writ_diagnostics_errors(d), 1);
	rec = writ_diagnostics_get(d, only(d, "E007"));
	ck_assert_int_eq(rec->severity, WRIT_SEVERITY_ERROR);
	ck_assert_str_eq(rec->message, message);
	/* Reported at the include that closes the cycle. */
	ck_assert_str_eq(rec->file, file);
	ck_assert_uint_eq(rec->line, line);
	ck_assert_uint_eq(rec->column, 9);
	writ_diagnostics_free(d);
}

START_TEST(include_cycles)
{
	char dir[PATH_MAX], path[PATH_MAX], lnk[PATH_MAX], msg[4 * PATH_MAX];

	new_dir(dir, sizeof(dir));
	put_file(dir, "self.writ", "include \"self.writ\";\n");
	snprintf(msg, sizeof(msg), "include cycle: %s/self.writ -> %s/self.writ",
	         dir, dir);
	expect_cycle(dir, "self.writ", "self.writ", 1, msg);

	/* top -> a -> b -> a: the chain names the cycle, from a. */
	put_file(dir, "top.writ", "include \"a.writ\";\n");
	put_file(dir, "a.writ", "include \"b.writ\";\n");
	put_file(dir, "b.writ", "# b\ninclude \"a.writ\";\n");
	snprintf(msg, sizeof(msg), "include cycle: %s/a.writ -> %s/b.writ -> %s/a.writ",
	         dir, dir, dir);
	expect_cycle(dir, "top.writ", "b.writ", 2, msg);

	/* Through a directory, with paths as the includes reach them. */
	put_dir(dir, "sub");
	put_file(dir, "main.writ", "include \"sub\";\n");
	put_file(dir, "sub/x.writ", "include \"../main.writ\";\n");
	snprintf(msg, sizeof(msg),
	         "include cycle: %s/main.writ -> %s/sub/x.writ -> %s/sub/../main.writ",
	         dir, dir, dir);
	expect_cycle(dir, "main.writ", "sub/x.writ", 1, msg);

	/* The same file under another name is the same file. */
	put_file(dir, "real.writ", "include \"link.writ\";\n");
	join(path, sizeof(path), dir, "real.writ");
	join(lnk, sizeof(lnk), dir, "link.writ");
	ck_assert_int_eq(symlink(path, lnk), 0);
	snprintf(msg, sizeof(msg), "include cycle: %s/real.writ -> %s/link.writ",
	         dir, dir);
	expect_cycle(dir, "real.writ", "real.writ", 1, msg);
	remove_tree(dir);
}
END_TEST

START_TEST(include_missing)
{
	char dir[PATH_MAX], path[PATH_MAX], msg[2 * PATH_MAX];
	const struct writ_diagnostic *rec;
	writ_diagnostics *d;
	writ_policy *p = NULL;
	int rc;

	new_dir(dir, sizeof(dir));
	put_file(dir, "main.writ", "resource \"https://x.example\" { permission x; }\n"
	                           "include \"nope.writ\";\n");
	join(path, sizeof(path), dir, "main.writ");
	d = load_path(path, &rc, &p);
	/* An include is part of the policy, not a path the caller named. */
	ck_assert_int_eq(rc, WRIT_EPOLICY);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(writ_diagnostics_errors(d), 1);
	rec = writ_diagnostics_get(d, only(d, "E006"));
	snprintf(msg, sizeof(msg), "cannot read %s/nope.writ: %s", dir, strerror(ENOENT));
	ck_assert_str_eq(rec->message, msg);
	ck_assert_str_eq(rec->file, path);
	ck_assert_uint_eq(rec->line, 2);
	ck_assert_uint_eq(rec->column, 9);
	writ_diagnostics_free(d);
	remove_tree(dir);
}
END_TEST

START_TEST(include_twice)
{
	char dir[PATH_MAX], path[PATH_MAX], msg[2 * PATH_MAX];
	const struct writ_diagnostic *rec;
	writ_diagnostics *d;
	writ_policy *p = NULL;
	int rc;

	new_dir(dir, sizeof(dir));
	put_file(dir, "main.writ", "include \"common.writ\";\n"
	                           "include \"other.writ\";\n");
	put_file(dir, "other.writ", "include \"common.writ\";\n");
	put_file(dir, "common.writ", "resource \"https://common.example\" { permission x; }\n");
	join(path, sizeof(path), dir, "main.writ");
	d = load_path(path, &rc, &p);
	/* Read once: a second reading would define the resource twice. */
	ck_assert_int_eq(rc, WRIT_OK);
	ck_assert_uint_eq(writ_diagnostics_errors(d), 0);
	rec = writ_diagnostics_get(d, only(d, "W007"));
	snprintf(msg, sizeof(msg), "%s/common.writ is already part of this policy; it is read once",
	         dir);
	ck_assert_int_eq(rec->severity, WRIT_SEVERITY_WARNING);
	ck_assert_str_eq(rec->message, msg);
	join(path, sizeof(path), dir, "other.writ");
	ck_assert_str_eq(rec->file, path);
	ck_assert_uint_eq(rec->line, 1);
	ck_assert_uint_eq(writ_resource_count(p), 1);
	writ_policy_unref(p);
	writ_diagnostics_free(d);

	/* A directory whose first file includes the next one. */
	put_dir(dir, "both");
	put_file(dir, "both/a.writ", "include \"b.writ\";\n");
	put_file(dir, "both/b.writ", "resource \"https://b.example\" { permission x; }\n");
	join(path, sizeof(path), dir, "both");
	d = load_path(path, &rc, &p);
	ck_assert_int_eq(rc, WRIT_OK);
	rec = writ_diagnostics_get(d, only(d, "W007"));
	snprintf(msg, sizeof(msg), "%s/both/b.writ is already part of this policy; it is read once",
	         dir);
	ck_assert_str_eq(rec->message, msg);
	ck_assert_uint_eq(rec->line, 0);
	ck_assert_uint_eq(writ_resource_count(p), 1);
	writ_policy_unref(p);
	writ_diagnostics_free(d);
	remove_tree(dir);
}
END_TEST

START_TEST(empty_directory)
{
	char dir[PATH_MAX], path[PATH_MAX], msg[2 * PATH_MAX];
	const struct writ_diagnostic *rec;
	writ_diagnostics *d;
	writ_policy *p = NULL;
	int rc;

	new_dir(dir, sizeof(dir));
	put_dir(dir, "empty");
	put_file(dir, "empty/notes.txt", "not a policy");
	join(path, sizeof(path), dir, "empty");
	d = load_path(path, &rc, &p);
	/* Only a warning: an empty policy is a policy. */
	ck_assert_int_eq(rc, WRIT_OK);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(writ_resource_count(p), 0);
	ck_assert_uint_eq(writ_diagnostics_count(d), 1);
	rec = writ_diagnostics_get(d, only(d, "W008"));
	snprintf(msg, sizeof(msg), "directory %s holds no *.writ file", path);
	ck_assert_str_eq(rec->message, msg);
	ck_assert_str_eq(rec->file, path);
	ck_assert_uint_eq(rec->line, 0);
	writ_policy_unref(p);
	writ_diagnostics_free(d);

	/* Included, it is reported at the include. */
	put_file(dir, "main.writ", "include \"empty\";\n");
	join(path, sizeof(path), dir, "main.writ");
	p = NULL;
	d = load_path(path, &rc, &p);
	ck_assert_int_eq(rc, WRIT_OK);
	rec = writ_diagnostics_get(d, only(d, "W008"));
	ck_assert_str_eq(rec->file, path);
	ck_assert_uint_eq(rec->line, 1);
	ck_assert_uint_eq(rec->column, 9);
	writ_policy_unref(p);
	writ_diagnostics_free(d);
	remove_tree(dir);
}
END_TEST

/* f00.writ includes f01.writ ... up to f<last>.writ, each with a resource. */
static void include_chain(const char *dir, int last)
{
	char name[32], text[256];
	int i;

	for (i = 0; i <= last; i++) {
		int n;
		snprintf(name, sizeof(name), "f%02d.writ", i);
		n = snprintf(text, sizeof(text),
		             "resource \"https://r%02d.example\" { permission x; }\n", i);
		if (i < last)
			snprintf(text + n, sizeof(text) - (size_t)n,
			         "include \"f%02d.writ\";\n", i + 1);
		put_file(dir, name, text);
	}
}

START_TEST(include_depth)
{
	char dir[PATH_MAX], path[PATH_MAX], where[PATH_MAX];
	const struct writ_diagnostic *rec;
	writ_diagnostics *d;
	writ_policy *p = NULL;
	int rc;

	/* Sixteen levels of includes below the top file are allowed. */
	new_dir(dir, sizeof(dir));
	include_chain(dir, 16);
	join(path, sizeof(path), dir, "f00.writ");
	d = load_path(path, &rc, &p);
	ck_assert_int_eq(rc, WRIT_OK);
	ck_assert_uint_eq(writ_diagnostics_errors(d), 0);
	ck_assert_uint_eq(writ_resource_count(p), 17);
	ck_assert_str_eq(writ_resource_indicator(p, 16), "https://r16.example");
	writ_policy_unref(p);
	writ_diagnostics_free(d);
	remove_tree(dir);

	/* The seventeenth is not. */
	new_dir(dir, sizeof(dir));
	include_chain(dir, 17);
	join(path, sizeof(path), dir, "f00.writ");
	d = load_path(path, &rc, &p);
	ck_assert_int_eq(rc, WRIT_EPOLICY);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(writ_diagnostics_errors(d), 1);
	rec = writ_diagnostics_get(d, only(d, "E008"));
	ck_assert_str_eq(rec->message, "includes nested more than 16 levels deep");
	join(where, sizeof(where), dir, "f16.writ");
	ck_assert_str_eq(rec->file, where);
	ck_assert_uint_eq(rec->line, 2);
	writ_diagnostics_free(d);
	remove_tree(dir);
}
END_TEST

START_TEST(missing_path)
{
	char dir[PATH_MAX], path[PATH_MAX], good[PATH_MAX], msg[2 * PATH_MAX];
	const struct writ_diagnostic *rec;
	const char *paths[2];
	writ_diagnostics *d;
	writ_policy *p, *old = load_ok("");
	int rc;

	new_dir(dir, sizeof(dir));
	join(path, sizeof(path), dir, "absent.writ");
	p = old; /* to see that a failed load sets *out to NULL */
	d = load_path(path, &rc, &p);
	ck_assert_int_eq(rc, WRIT_EIO);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(writ_diagnostics_count(d), 1);
	rec = writ_diagnostics_get(d, 0);
	ck_assert_str_eq(rec->code, "E006");
	ck_assert_int_eq(rec->severity, WRIT_SEVERITY_ERROR);
	snprintf(msg, sizeof(msg), "cannot read %s: %s", path, strerror(ENOENT));
	ck_assert_str_eq(rec->message, msg);
	ck_assert_str_eq(rec->file, path);
	ck_assert_uint_eq(rec->line, 0);
	writ_diagnostics_free(d);

	/* One missing path fails the whole load. */
	put_file(dir, "good.writ", "resource \"https://x.example\" { permission x; }\n");
	join(good, sizeof(good), dir, "good.writ");
	paths[0] = good;
	paths[1] = path;
	d = writ_diagnostics_new();
	ck_assert_int_eq(writ_policy_load(paths, 2, 0, d, &p), WRIT_EIO);
	ck_assert_ptr_null(p);
	only(d, "E006");
	writ_diagnostics_free(d);
	writ_policy_unref(old);
	remove_tree(dir);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("compile");
	TCase *tc = tcase_create("table");
	TCase *files = tcase_create("files");

	tcase_add_test(tc, resources);
	tcase_add_test(tc, roles);
	tcase_add_test(tc, principals);
	tcase_add_test(tc, find);
	tcase_add_test(tc, token_lifetimes);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, shared_permission_names);
	tcase_add_test(tc, wide_resource_and_overlapping_roles);
	tcase_add_test(tc, many_resources);
	tcase_add_test(tc, empty_roles_and_principals);
	suite_add_tcase(s, tc);

	tcase_add_unchecked_fixture(files, scratch_setup, scratch_teardown);
	tcase_add_test(files, directory_in_name_order);
	tcase_add_test(files, several_paths_form_one_policy);
	tcase_add_test(files, include_relative_to_includer);
	tcase_add_test(files, include_from_buffer);
	tcase_add_test(files, include_cycles);
	tcase_add_test(files, include_missing);
	tcase_add_test(files, include_twice);
	tcase_add_test(files, empty_directory);
	tcase_add_test(files, include_depth);
	tcase_add_test(files, missing_path);
	suite_add_tcase(s, files);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
