/*
 * Snapshots (writ_policy_save, and loading a *.wdt through
 * writ_policy_load_ex): every example policy and valid fixture survives the
 * round trip with everything the public API shows unchanged; a snapshot
 * that is cut short, changed, foreign, of another version or hostile (with
 * a correct checksum over out-of-range indexes) is refused with its error,
 * never read out of bounds.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "helpers.h"
#include "stack.h"
#include "table.h"

#define MODDIR BUILDDIR "/tests/modules/.libs"
#define HEADER 64
#define SECTION_ENTRY 24
#define NSECTIONS 22
#define HEADER_SIZE (HEADER + NSECTIONS * SECTION_ENTRY)

/* Section ids of format version 1 (snapshot.c). */
enum {
	S_META = 1, S_RESOURCES, S_PERMS, S_ROLES, S_APPS, S_USERS, S_SECRETS,
	S_ROLE_PERMS, S_PRINCIPAL_ROLES, S_HOLDS, S_BITS, S_PERM_SLOTS, S_ROUTES,
	S_SEGS, S_METHODS, S_ROUTE_PERMS, S_KEYS, S_TRUSTS, S_STACKS, S_LINES, S_ARGS,
	S_STRINGS,
};

#define SCRATCH_TEMPLATE "/tmp/writ-snapshot-XXXXXX"
static char scratch[sizeof(SCRATCH_TEMPLATE)];

/* mkdtemp() fills the template in: a fresh one each time, for the runs in
 * one process (CK_FORK=no, as make check-valgrind runs it). */
static void make_scratch(void)
{
	memcpy(scratch, SCRATCH_TEMPLATE, sizeof(scratch));
	ck_assert_ptr_nonnull(mkdtemp(scratch));
}

static void remove_scratch(void)
{
	char *cmd = fmt("rm -rf '%s'", scratch);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static writ_policy *load_paths(const char *const *paths, size_t n, int *rc,
                               writ_diagnostics *d)
{
	struct writ_load_options o = { .size = sizeof(o), .module_dir = MODDIR };
	writ_policy *p = NULL;

	*rc = writ_policy_load_ex(paths, n, &o, d, &p);
	return p;
}

static writ_policy *load_path(const char *path, int *rc, writ_diagnostics *d)
{
	return load_paths(&path, 1, rc, d);
}

static void eq_str(const char *a, const char *b, const char *what)
{
	if (!a || !b)
		ck_assert_msg(a == b, "%s: %s vs %s", what, a ? a : "NULL", b ? b : "NULL");
	else
		ck_assert_msg(strcmp(a, b) == 0, "%s: \"%s\" vs \"%s\"", what, a, b);
}

/* A relative file path of the policy is absolute in the snapshot. */
static void eq_path(const char *a, const char *b)
{
	char *cwd, *full;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	if (a[0] == '/') {
		eq_str(a, b, "path");
		return;
	}
	cwd = getcwd(NULL, 0);
	full = fmt("%s/%s", cwd, a);
	eq_str(full, b, "path");
	free(full);
	free(cwd);
}

static void compare_grants(const writ_policy *a, const writ_policy *b, size_t r)
{
	const char *res = writ_resource_indicator(a, r);
	char scope[4096] = "", out1[4096], out2[4096];
	size_t i, len1, len2, at = 0;
	int k;

	for (i = 0; i < writ_resource_permission_count(a, r); i++)
		at += (size_t)snprintf(scope + at, sizeof(scope) - at, "%s%s", i ? " " : "",
		                       writ_resource_permission(a, r, i));
	ck_assert_uint_lt(at, sizeof(scope));
	for (k = WRIT_PRINCIPAL_APP; k <= WRIT_PRINCIPAL_USER; k++) {
		for (i = 0; i < writ_principal_count(a, (enum writ_principal_kind)k); i++) {
			const char *id = writ_principal_id(a, (enum writ_principal_kind)k, i);
			int rc1, rc2;

			len1 = len2 = 0;
			rc1 = writ_grant(a, (enum writ_principal_kind)k, id, res, scope, strlen(scope),
			                 out1, sizeof(out1), &len1);
			rc2 = writ_grant(b, (enum writ_principal_kind)k, id, res, scope, strlen(scope),
			                 out2, sizeof(out2), &len2);
			ck_assert_int_eq(rc1, rc2);
			if (rc1 == WRIT_OK)
				ck_assert_msg(len1 == len2 && memcmp(out1, out2, len1) == 0,
				              "grant %s on %s differs", id, res);
			/* No scope requested: the default scope, when declared. */
			rc1 = writ_grant(a, (enum writ_principal_kind)k, id, res, NULL, 0, out1,
			                 sizeof(out1), &len1);
			rc2 = writ_grant(b, (enum writ_principal_kind)k, id, res, NULL, 0, out2,
			                 sizeof(out2), &len2);
			ck_assert_int_eq(rc1, rc2);
			if (rc1 == WRIT_OK)
				ck_assert(len1 == len2 && memcmp(out1, out2, len1) == 0);
		}
	}
}

static void compare_stacks(const writ_policy *a, const writ_policy *b)
{
	long r;
	int f;
	size_t i;

	for (r = -1; r < (long)writ_resource_count(a); r++) {
		for (f = WRIT_FACILITY_CLIENT; f <= WRIT_FACILITY_ACCESS; f++) {
			size_t n = writ_stack_count(a, r, (enum writ_facility)f);
			ck_assert_uint_eq(n, writ_stack_count(b, r, (enum writ_facility)f));
			for (i = 0; i < n; i++)
				eq_str(writ_stack_line(a, r, (enum writ_facility)f, i),
				       writ_stack_line(b, r, (enum writ_facility)f, i), "stack line");
		}
	}
	/* Inside: the same modules, actions and arguments in every slot. */
	for (i = 0; i < ((size_t)a->nresources + 1) * 4; i++) {
		const struct t_stack *x = &a->stacks[i], *y = &b->stacks[i];
		uint32_t j, k;

		ck_assert_uint_eq(x->nlines, y->nlines);
		ck_assert_int_eq(x->declared, y->declared);
		for (j = 0; j < x->nlines; j++) {
			const struct t_line *l = &x->lines[j], *m = &y->lines[j];
			ck_assert_int_eq(l->module == NULL, m->module == NULL);
			if (l->module)
				eq_str(l->module->name, m->module->name, "module");
			ck_assert_int_eq(l->level, m->level);
			ck_assert_int_eq(l->substack, m->substack);
			ck_assert(memcmp(l->actions, m->actions, sizeof(l->actions)) == 0);
			ck_assert_uint_eq(l->nargs, m->nargs);
			for (k = 0; k < l->nargs; k++)
				eq_str(l->args[k], m->args[k], "argument");
		}
	}
}

/* Everything observable of a and b is the same. */
static void compare_policies(const writ_policy *a, const writ_policy *b)
{
	size_t r, i, j, g;
	int k;

	eq_str(writ_issuer(a), writ_issuer(b), "issuer");
	ck_assert_uint_eq(writ_issuer_token_ttl(a), writ_issuer_token_ttl(b));
	ck_assert_uint_eq(writ_issuer_key_count(a), writ_issuer_key_count(b));
	for (i = 0; i < writ_issuer_key_count(a); i++) {
		eq_path(writ_issuer_key_path(a, i), writ_issuer_key_path(b, i));
		eq_str(writ_issuer_key_kid(a, i), writ_issuer_key_kid(b, i), "kid");
		ck_assert_int_eq(writ_issuer_key_state(a, i), writ_issuer_key_state(b, i));
	}
	ck_assert_uint_eq(a->ntrusts, b->ntrusts);
	for (i = 0; i < a->ntrusts; i++) {
		eq_str(a->trusts[i].issuer, b->trusts[i].issuer, "trust");
		if (a->trusts[i].url)
			eq_str(a->trusts[i].jwks, b->trusts[i].jwks, "jwks");
		else
			eq_path(a->trusts[i].jwks, b->trusts[i].jwks);
		ck_assert_int_eq(a->trusts[i].url, b->trusts[i].url);
		ck_assert_uint_eq(a->trusts[i].refresh_min, b->trusts[i].refresh_min);
		ck_assert_uint_eq(a->trusts[i].refresh_max, b->trusts[i].refresh_max);
		ck_assert_uint_eq(a->trusts[i].algs, b->trusts[i].algs);
	}
	ck_assert_int_eq(writ_resource_default(a), writ_resource_default(b));
	ck_assert_uint_eq(writ_resource_count(a), writ_resource_count(b));
	for (r = 0; r < writ_resource_count(a); r++) {
		const char *ind = writ_resource_indicator(a, r);
		eq_str(ind, writ_resource_indicator(b, r), "indicator");
		ck_assert_int_eq(writ_resource_find(b, ind), (long)r);
		eq_str(writ_resource_name(a, r), writ_resource_name(b, r), "name");
		eq_str(writ_resource_description(a, r), writ_resource_description(b, r), "desc");
		eq_str(writ_resource_default_scope(a, r), writ_resource_default_scope(b, r), "scope");
		ck_assert_uint_eq(writ_resource_token_ttl(a, r), writ_resource_token_ttl(b, r));
		ck_assert_uint_eq(writ_resource_permission_count(a, r),
		                  writ_resource_permission_count(b, r));
		for (i = 0; i < writ_resource_permission_count(a, r); i++) {
			eq_str(writ_resource_permission(a, r, i), writ_resource_permission(b, r, i), "perm");
			eq_str(writ_resource_permission_description(a, r, i),
			       writ_resource_permission_description(b, r, i), "perm desc");
		}
		ck_assert_int_eq(writ_route_unrouted_token(a, r), writ_route_unrouted_token(b, r));
		ck_assert_uint_eq(writ_route_count(a, r), writ_route_count(b, r));
		for (i = 0; i < writ_route_count(a, r); i++)
			eq_str(writ_route_text(a, r, i), writ_route_text(b, r, i), "route");
		compare_grants(a, b, r);
	}
	ck_assert_uint_eq(writ_role_count(a), writ_role_count(b));
	for (i = 0; i < writ_role_count(a); i++) {
		eq_str(writ_role_name(a, i), writ_role_name(b, i), "role");
		ck_assert_int_eq(writ_role_find(b, writ_role_name(a, i)), (long)i);
		eq_str(writ_role_description(a, i), writ_role_description(b, i), "role desc");
		ck_assert_int_eq(writ_role_kind(a, i), writ_role_kind(b, i));
		ck_assert_uint_eq(writ_role_grant_count(a, i), writ_role_grant_count(b, i));
		for (g = 0; g < writ_role_grant_count(a, i); g++) {
			size_t r1, p1, r2, p2;
			ck_assert_int_eq(writ_role_grant(a, i, g, &r1, &p1), WRIT_OK);
			ck_assert_int_eq(writ_role_grant(b, i, g, &r2, &p2), WRIT_OK);
			ck_assert(r1 == r2 && p1 == p2);
		}
	}
	for (k = WRIT_PRINCIPAL_APP; k <= WRIT_PRINCIPAL_USER; k++) {
		enum writ_principal_kind kind = (enum writ_principal_kind)k;
		ck_assert_uint_eq(writ_principal_count(a, kind), writ_principal_count(b, kind));
		for (i = 0; i < writ_principal_count(a, kind); i++) {
			const char *id = writ_principal_id(a, kind, i);
			eq_str(id, writ_principal_id(b, kind, i), "principal");
			ck_assert_int_eq(writ_principal_find(b, kind, id), (long)i);
			eq_str(writ_principal_name(a, kind, i), writ_principal_name(b, kind, i), "name");
			eq_str(writ_principal_description(a, kind, i),
			       writ_principal_description(b, kind, i), "desc");
			ck_assert_uint_eq(writ_principal_role_count(a, kind, i),
			                  writ_principal_role_count(b, kind, i));
			for (j = 0; j < writ_principal_role_count(a, kind, i); j++)
				ck_assert_int_eq(writ_principal_role(a, kind, i, j),
				                 writ_principal_role(b, kind, i, j));
			if (kind == WRIT_PRINCIPAL_APP) {
				const struct t_principal *x = &a->principals[0][i], *y = &b->principals[0][i];
				ck_assert_uint_eq(x->nsecrets, y->nsecrets);
				for (j = 0; j < x->nsecrets; j++) {
					eq_str(x->secrets[j].hash, y->secrets[j].hash, "secret");
					ck_assert(x->secrets[j].expires_at == y->secrets[j].expires_at);
				}
			}
		}
	}
	compare_stacks(a, b);
}

/* Load path, save it, load the snapshot, compare; then once more from the
 * snapshot itself, which must give the same bytes. */
static void round_trip(const char *path)
{
	char *snap = fmt("%s/rt.wdt", scratch), *snap2 = fmt("%s/rt2.wdt", scratch);
	char err[256];
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *a, *b;
	struct stat st;
	int rc;

	a = load_path(path, &rc, d);
	ck_assert_msg(rc == WRIT_OK, "%s: %s", path, writ_strerror(rc));
	ck_assert_int_eq(writ_policy_save(a, snap, err, sizeof(err)), WRIT_OK);
	ck_assert_int_eq(stat(snap, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	writ_diagnostics_clear(d);
	b = load_path(snap, &rc, d);
	ck_assert_msg(rc == WRIT_OK, "%s: snapshot: %s %s", path, writ_strerror(rc),
	              writ_diagnostics_count(d) ? writ_diagnostics_get(d, 0)->message : "");
	ck_assert_uint_eq(writ_diagnostics_count(d), 0);
	compare_policies(a, b);
	/* A snapshot of a snapshot is the same file. */
	ck_assert_int_eq(writ_policy_save(b, snap2, err, sizeof(err)), WRIT_OK);
	{
		size_t n1, n2;
		char *x = NULL, *y = NULL;
		FILE *f1 = fopen(snap, "rb"), *f2 = fopen(snap2, "rb");
		ck_assert(f1 && f2);
		x = malloc((size_t)st.st_size + 1);
		y = malloc((size_t)st.st_size + 1);
		n1 = fread(x, 1, (size_t)st.st_size + 1, f1);
		n2 = fread(y, 1, (size_t)st.st_size + 1, f2);
		fclose(f1);
		fclose(f2);
		ck_assert_msg(n1 == n2 && memcmp(x, y, n1) == 0, "%s: resaved snapshot differs", path);
		free(x);
		free(y);
	}
	writ_policy_unref(a);
	writ_policy_unref(b);
	writ_diagnostics_free(d);
	unlink(snap);
	unlink(snap2);
	free(snap);
	free(snap2);
}

START_TEST(examples_round_trip)
{
	make_scratch();
	round_trip(SRCDIR "/policies");
	remove_scratch();
}
END_TEST

START_TEST(fixtures_round_trip)
{
	const char *dir = SRCDIR "/tests/policies/valid";
	struct dirent *de;
	DIR *dp = opendir(dir);
	size_t n = 0;

	ck_assert_ptr_nonnull(dp);
	make_scratch();
	while ((de = readdir(dp))) {
		size_t len = strlen(de->d_name);
		char *path;
		if (len < 6 || strcmp(de->d_name + len - 5, ".writ") != 0)
			continue;
		path = fmt("%s/%s", dir, de->d_name);
		round_trip(path);
		free(path);
		n++;
	}
	closedir(dp);
	ck_assert_uint_gt(n, 10);
	remove_scratch();
}
END_TEST

/* ---- refusals ---- */

/* A policy with a bit of everything a snapshot stores. */
static const char rich_policy[] =
	"issuer \"https://auth.example.com\" {\n"
	"    signing-key \"keys/a.pem\" current;\n"
	"    signing-key \"keys/b.pem\" next kid \"b1\";\n"
	"    token-ttl 600;\n"
	"}\n"
	"trust \"https://login.example.com\" { jwks \"login.jwks\"; algorithms ES256, RS256; }\n"
	"resource \"https://api.example.com\" {\n"
	"    name \"API\";\n"
	"    default;\n"
	"    permission read:item \"Read\";\n"
	"    permission write:item;\n"
	"    default-scope read:item;\n"
	"    route GET, HEAD \"/items/{id}\" requires read:item;\n"
	"    route any \"/items/*\" requires any read:item, write:item;\n"
	"    route GET \"/health\" public;\n"
	"    stack access { required scope; optional network allow=10.0.0.0/8; }\n"
	"}\n"
	"resource \"https://other.example.com\" {\n"
	"    permission read:other;\n"
	"    route GET \"/o\" requires read:other;\n"
	"}\n"
	"role reader for users { grant read:item on \"https://api.example.com\"; }\n"
	"role sync for apps {\n"
	"    grant write:item on \"https://api.example.com\";\n"
	"    grant read:other on \"https://other.example.com\";\n"
	"}\n"
	"role both for apps { grant read:item on \"https://api.example.com\"; }\n"
	"app importer { roles sync, both; secret \"%s\"; }\n"
	"user ann { roles reader; }\n"
	"stack gate for grant { required rbac; requisite network allow=127.0.0.0/8; }\n"
	"stack grant { substack gate; [success=ok default=bad] rbac; }\n";

static unsigned char *file;
static size_t file_len;
static char *rich_snap, *bad_snap;

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void setup_rich(void)
{
	struct phc phc;
	char *text, *dir, *policy;
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p;
	char err[256];
	FILE *f;
	int rc;

	make_scratch();
	phc_of("s3cret-s3cret", 13, &phc);
	text = fmt(rich_policy, phc.s);
	policy = fmt("%s/rich.writ", scratch);
	write_file(policy, text, strlen(text));
	dir = fmt("%s/keys", scratch);
	mkdir(dir, 0700);
	p = load_path(policy, &rc, d);
	ck_assert_msg(rc == WRIT_OK, "rich policy: %s %s", writ_strerror(rc),
	              writ_diagnostics_count(d) ? writ_diagnostics_get(d, 0)->message : "");
	rich_snap = fmt("%s/rich.wdt", scratch);
	bad_snap = fmt("%s/bad.wdt", scratch);
	ck_assert_int_eq(writ_policy_save(p, rich_snap, err, sizeof(err)), WRIT_OK);
	f = fopen(rich_snap, "rb");
	ck_assert_ptr_nonnull(f);
	file = malloc(1 << 20);
	file_len = fread(file, 1, 1 << 20, f);
	fclose(f);
	ck_assert_uint_gt(file_len, HEADER_SIZE);
	writ_policy_unref(p);
	writ_diagnostics_free(d);
	free(text);
	free(dir);
	free(policy);
}

static void teardown_rich(void)
{
	free(file);
	free(rich_snap);
	free(bad_snap);
	remove_scratch();
}

/* Load buf as bad.wdt: refused, with one E038 error whose message starts
 * with want (when not NULL). */
static void expect_refused(const void *buf, size_t len, const char *want)
{
	writ_diagnostics *d = writ_diagnostics_new();
	const struct writ_diagnostic *rec;
	writ_policy *p;
	int rc;

	write_file(bad_snap, buf, len);
	p = load_path(bad_snap, &rc, d);
	ck_assert_ptr_null(p);
	ck_assert_msg(rc == WRIT_EPOLICY, "length %zu: %s", len, writ_strerror(rc));
	ck_assert_uint_eq(writ_diagnostics_count(d), 1);
	rec = writ_diagnostics_get(d, 0);
	eq_str(rec->code, "E038", "code");
	eq_str(rec->file, bad_snap, "file");
	if (want)
		ck_assert_msg(strncmp(rec->message, want, strlen(want)) == 0,
		              "length %zu: \"%s\", wanted \"%s...\"", len, rec->message, want);
	writ_diagnostics_free(d);
}

START_TEST(the_rich_policy_round_trips)
{
	char *policy = fmt("%s/rich.writ", scratch);
	round_trip(policy);
	free(policy);
}
END_TEST

START_TEST(truncated)
{
	size_t len;
	char *want;

	expect_refused(file, 0, "not a writ snapshot (the file is empty)");
	for (len = 1; len < HEADER; len++)
		expect_refused(file, len, "truncated (");
	for (len = HEADER; len < file_len; len += len < HEADER_SIZE + 64 ? 1 : 7) {
		want = fmt("truncated (%zu bytes, the header says %zu)", len, file_len);
		expect_refused(file, len, want);
		free(want);
	}
}
END_TEST

START_TEST(flipped_bytes)
{
	unsigned char *copy = malloc(file_len);
	size_t at;

	for (at = 0; at < file_len; at += at < HEADER_SIZE ? 1 : 3) {
		memcpy(copy, file, file_len);
		copy[at] ^= 0x5a;
		/* Past the fields the loader reads first, the checksum says it. */
		expect_refused(copy, file_len, at >= 32 ? "checksum mismatch: the file is corrupted"
		                                        : NULL);
	}
	/* Bytes added at the end. */
	memcpy(copy, file, file_len);
	{
		unsigned char *longer = malloc(file_len + 8);
		memcpy(longer, file, file_len);
		memset(longer + file_len, 0, 8);
		expect_refused(longer, file_len + 8, NULL);
		free(longer);
	}
	free(copy);
}
END_TEST

START_TEST(foreign_and_other_version)
{
	unsigned char *copy = malloc(file_len);
	char *want;

	memcpy(copy, file, file_len);
	copy[8] = file[11];
	copy[9] = file[10];
	copy[10] = file[9];
	copy[11] = file[8];
	expect_refused(copy, file_len, "written on a machine of the other byte order");
	memcpy(copy, file, file_len);
	copy[12] ^= 3; /* version 1 -> 2, in either byte order's low byte */
	if (copy[12] == 0)
		copy[15] ^= 3;
	want = fmt("snapshot format version %u, this writ reads 1", *(uint32_t *)(copy + 12));
	expect_refused(copy, file_len, want);
	free(want);
	memcpy(copy, file, file_len);
	copy[0] = 'X';
	expect_refused(copy, file_len, "not a writ snapshot");
	free(copy);
}
END_TEST

/* ---- hostile files with a correct checksum ---- */

static void section(const unsigned char *f, int id, uint64_t *offset, uint64_t *count)
{
	const unsigned char *e = f + HEADER + (size_t)(id - 1) * SECTION_ENTRY;
	uint32_t sid;

	memcpy(&sid, e, 4);
	ck_assert_int_eq((int)sid, id);
	memcpy(offset, e + 8, 8);
	memcpy(count, e + 16, 8);
}

static void reseal(unsigned char *f, size_t len)
{
	ck_assert(EVP_Digest(f + HEADER, len - HEADER, f + 32, NULL, EVP_sha256(), NULL));
}

/* Set the u32 at byte `at` of record `rec` of section id, reseal, and
 * expect a refusal naming want. */
static void poke(int id, uint32_t rec, size_t at, uint32_t value, const char *want)
{
	unsigned char *copy = malloc(file_len);
	uint64_t off, count;
	size_t size;

	memcpy(copy, file, file_len);
	section(copy, id, &off, &count);
	{
		uint32_t es;
		memcpy(&es, copy + HEADER + (size_t)(id - 1) * SECTION_ENTRY + 4, 4);
		size = es;
	}
	ck_assert_msg(rec < count, "section %d has %llu records", id, (unsigned long long)count);
	memcpy(copy + off + rec * size + at, &value, 4);
	reseal(copy, file_len);
	expect_refused(copy, file_len, want);
	free(copy);
}

START_TEST(hostile_indexes)
{
	poke(S_HOLDS, 0, 0, 999, "section holds, record 0: resource 999 out of range");
	poke(S_HOLDS, 0, 4, 0xfffffff0u, "section holds, record 0: bitset");
	poke(S_ROLE_PERMS, 0, 0, 1000, "section role-permissions, record 0: index 1000");
	poke(S_PRINCIPAL_ROLES, 0, 0, 77, "section principal-roles, record 0: index 77");
	poke(S_ROLES, 0, 12, 0xffffff00u, "section roles, record 0: role-permissions");
	poke(S_ROLES, 1, 20, 5000, "section roles, record 1: holds");
	poke(S_RESOURCES, 0, 24, 1000, "section resources, record 0: permissions");
	poke(S_RESOURCES, 1, 20, 0, "section permissions, record 2: outside");
	poke(S_RESOURCES, 0, 28, 0xfffffffeu, "section resources, record 0: routes");
	poke(S_RESOURCES, 0, 0, 0xfffffff0u, "section resources, record 0: string offset");
	poke(S_PERMS, 2, 12, 0, "section permissions, record 2: outside");
	poke(S_PERMS, 0, 12, 9, "section permissions, record 0: resource 9 out of range");
	poke(S_PERMS, 0, 8, 99, "section permissions, record 0: length 99");
	poke(S_APPS, 0, 12, 500, "section apps, record 0: principal-roles");
	poke(S_APPS, 0, 28, 500, "section apps, record 0: secrets");
	poke(S_USERS, 0, 0, 0xfffffff0u, "section users, record 0: string offset");
	poke(S_SECRETS, 0, 0, 0xfffffffeu, "section secrets, record 0: string offset");
	poke(S_ROUTES, 0, 16, 100, "section routes, record 0: route-segments");
	poke(S_ROUTES, 0, 4, 7, "section routes, record 0: bad rule 7");
	poke(S_ROUTE_PERMS, 0, 0, 2, "section routes, record");
	poke(S_ROUTE_PERMS, 0, 0, 1000, "section route-permissions, record 0: index 1000");
	poke(S_SEGS, 0, 0, 9, "section route-segments, record 0: bad kind 9");
	poke(S_METHODS, 0, 0, 0xfffffff0u, "section route-methods, record 0: string offset");
	poke(S_KEYS, 0, 8, 4, "section keys, record 0: bad state 4");
	poke(S_TRUSTS, 0, 20, 0xffffffffu, "section trusts, record 0: bad settings");
	poke(S_STACKS, 1, 4, 1000, "section stacks, record 1: stack-lines");
	poke(S_STACKS, 0, 4, 1, "section stacks, record 0: bad stack");
	poke(S_LINES, 0, 0, 99, "section stack-lines, record 0: bad level");
	poke(S_LINES, 0, 8, 0x7fff7fffu, "section stack-lines, record 0: bad action");
	poke(S_LINES, 0, 24, 1000, "section stack-lines, record 0: stack-arguments");
	poke(S_META, 0, 8, 1000, "section meta: default resource 1000");
	{
		/* Every hash slot taken: a probe would never end. */
		unsigned char *copy = malloc(file_len);
		uint64_t off, count, i;
		uint32_t one = 1;

		memcpy(copy, file, file_len);
		section(copy, S_PERM_SLOTS, &off, &count);
		for (i = 0; i < count; i++)
			memcpy(copy + off + i * 4, &one, 4);
		reseal(copy, file_len);
		expect_refused(copy, file_len, "section permission-slots has no free slot");
		free(copy);
	}
	{
		/* A taken slot pointing at another permission: the one it held
		 * is no longer where a lookup finds it. */
		unsigned char *copy = malloc(file_len);
		uint64_t off, count, i;
		uint32_t v, first = 0;

		memcpy(copy, file, file_len);
		section(copy, S_PERM_SLOTS, &off, &count);
		for (i = 0; i < count; i++) {
			memcpy(&v, copy + off + i * 4, 4);
			if (v && !first) {
				first = v;
			} else if (v) {
				memcpy(copy + off + i * 4, &first, 4);
				break;
			}
		}
		ck_assert_uint_lt(i, count);
		reseal(copy, file_len);
		expect_refused(copy, file_len, "section permission-slots: permission ");
		free(copy);
	}
	{
		/* The string blob must end with its NUL. */
		unsigned char *copy = malloc(file_len);
		uint64_t off, count;

		memcpy(copy, file, file_len);
		section(copy, S_STRINGS, &off, &count);
		copy[off + count - 1] = 'x';
		reseal(copy, file_len);
		expect_refused(copy, file_len, "section strings does not end with a NUL byte");
		free(copy);
	}
	{
		/* The section table: out of bounds, misaligned, wrong sizes. */
		unsigned char *copy = malloc(file_len);
		unsigned char *e = copy + HEADER + (S_BITS - 1) * SECTION_ENTRY;
		uint64_t big = 1ULL << 40, odd;
		uint32_t es = 7;

		memcpy(copy, file, file_len);
		memcpy(e + 16, &big, 8);
		reseal(copy, file_len);
		expect_refused(copy, file_len, "section bits out of bounds");
		memcpy(copy, file, file_len);
		memcpy(&odd, e + 8, 8);
		odd += 4;
		memcpy(e + 8, &odd, 8);
		reseal(copy, file_len);
		expect_refused(copy, file_len, "section bits out of bounds");
		memcpy(copy, file, file_len);
		memcpy(e + 4, &es, 4);
		reseal(copy, file_len);
		expect_refused(copy, file_len, "section bits has records of 7 bytes");
		memcpy(copy, file, file_len);
		memcpy(e, &es, 4);
		reseal(copy, file_len);
		expect_refused(copy, file_len, "damaged section table");
		free(copy);
	}
}
END_TEST

START_TEST(misuse)
{
	writ_diagnostics *d = writ_diagnostics_new();
	char err[256], *dir = fmt("%s/adir", scratch), *text = fmt("%s/rich.writ", scratch);
	const char *both[2] = { rich_snap, text };
	writ_policy *p;
	int rc;

	/* A snapshot is a whole policy: not with another path. */
	p = load_paths(both, 2, &rc, d);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(rc, WRIT_EPOLICY);
	ck_assert_uint_eq(writ_diagnostics_count(d), 1);
	eq_str(writ_diagnostics_get(d, 0)->code, "E038", "code");
	ck_assert_ptr_nonnull(strstr(writ_diagnostics_get(d, 0)->message, "alone"));
	/* Not over a directory; nothing left beside it. */
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	writ_diagnostics_clear(d);
	p = load_path(rich_snap, &rc, d);
	ck_assert_int_eq(rc, WRIT_OK);
	ck_assert_int_eq(writ_policy_save(p, dir, err, sizeof(err)), WRIT_EIO);
	ck_assert_ptr_nonnull(strstr(err, dir));
	ck_assert_int_eq(writ_policy_save(p, "/nonexistent-dir/x.wdt", err, sizeof(err)), WRIT_EIO);
	ck_assert_int_eq(writ_policy_save(NULL, rich_snap, err, sizeof(err)), WRIT_EINVAL);
	ck_assert_int_eq(writ_policy_save(p, "", err, 0), WRIT_EINVAL);
	/* Others may not be able to change it under its readers. */
	ck_assert_int_eq(chmod(rich_snap, 0620), 0);
	{
		writ_diagnostics *d2 = writ_diagnostics_new();
		writ_policy *q = load_path(rich_snap, &rc, d2);
		ck_assert_ptr_null(q);
		ck_assert_int_eq(rc, WRIT_EPOLICY);
		ck_assert_ptr_nonnull(strstr(writ_diagnostics_get(d2, 0)->message,
		                             "writable by group or others"));
		writ_diagnostics_free(d2);
	}
	/* A loaded snapshot is replaced under its reader: the mapping stays. */
	ck_assert_int_eq(writ_policy_save(p, rich_snap, err, sizeof(err)), WRIT_OK);
	ck_assert_int_eq(writ_principal_find(p, WRIT_PRINCIPAL_USER, "ann"), 0);
	writ_policy_unref(p);
	writ_diagnostics_free(d);
	free(dir);
	free(text);
}
END_TEST

START_TEST(missing_module)
{
	/* A snapshot that needs a loadable module, loaded without its dir. */
	const char *text = "stack grant { required result success; }\n";
	char *policy = fmt("%s/mod.writ", scratch), *snap = fmt("%s/mod.wdt", scratch);
	struct writ_load_options o = { .size = sizeof(o), .module_dir = scratch };
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p;
	char err[256];
	int rc;

	write_file(policy, text, strlen(text));
	p = load_path(policy, &rc, d);
	ck_assert_int_eq(rc, WRIT_OK);
	ck_assert_int_eq(writ_policy_save(p, snap, err, sizeof(err)), WRIT_OK);
	writ_policy_unref(p);
	p = NULL;
	rc = writ_policy_load_ex((const char *const *)&snap, 1, &o, d, &p);
	ck_assert_int_eq(rc, WRIT_EPOLICY);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(writ_diagnostics_count(d), 1);
	eq_str(writ_diagnostics_get(d, 0)->code, "E031", "code");
	ck_assert_ptr_nonnull(strstr(writ_diagnostics_get(d, 0)->message, "unknown module \"result\""));
	/* With it, the module decides as before. */
	writ_diagnostics_clear(d);
	p = load_path(snap, &rc, d);
	ck_assert_int_eq(rc, WRIT_OK);
	ck_assert_uint_eq(writ_stack_count(p, -1, WRIT_FACILITY_GRANT), 1);
	writ_policy_unref(p);
	writ_diagnostics_free(d);
	free(policy);
	free(snap);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc;

	tc = tcase_create("round trip");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, examples_round_trip);
	tcase_add_test(tc, fixtures_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup_rich, teardown_rich);
	tcase_add_test(tc, the_rich_policy_round_trips);
	tcase_add_test(tc, truncated);
	tcase_add_test(tc, flipped_bytes);
	tcase_add_test(tc, foreign_and_other_version);
	tcase_add_test(tc, hostile_indexes);
	tcase_add_test(tc, misuse);
	tcase_add_test(tc, missing_module);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
