/*
 * test_grant.c: the questions a policy answers, writ_grant, writ_grant_each
 * and writ_check, held to the contract in writ.h (RFC 6749 §3.3 scope
 * strings, RFC 8707 §2.2 several resources).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "util.h"

#define API "https://api.example.com"
#define OTHER "https://other.example.com"
#define BARE "https://bare.example.com"

static const char policy_text[] =
	"resource \"" API "\" {\n"
	"\tdefault;\n"
	"\tdefault-scope write, read, admin;\n"
	"\tpermission read \"Read\";\n"
	"\tpermission write \"Write\";\n"
	"\tpermission delete \"Delete\";\n"
	"\tpermission admin \"Administer\";\n"
	"}\n"
	"resource \"" OTHER "\" {\n"
	"\tpermission report \"Reports\";\n"
	"\tpermission read \"Read other\";\n"
	"}\n"
	"resource \"" BARE "\" { permission x; }\n"
	"role editor for users {\n"
	"\tgrant delete, write, read on \"" API "\";\n"
	"\tgrant read on \"" OTHER "\";\n"
	"\tgrant x on \"" BARE "\";\n"
	"}\n"
	"role viewer for users { grant read on \"" API "\"; }\n"
	"role bot for apps {\n"
	"\tgrant admin, read on \"" API "\";\n"
	"\tgrant report on \"" OTHER "\";\n"
	"}\n"
	"user alice { roles editor; }\n"
	"user same { roles viewer; }\n"
	"app same { roles bot; }\n";

#define USER WRIT_PRINCIPAL_USER
#define APP WRIT_PRINCIPAL_APP

static writ_policy *policy;

static void policy_setup(void)
{
	policy = load_ok(policy_text);
}

static void policy_teardown(void)
{
	writ_policy_unref(policy);
	policy = NULL;
}

static void expect(enum writ_principal_kind kind, const char *who,
                   const char *resource, const char *scope, const char *want)
{
	int rc;
	const char *got = grant_str(policy, kind, who, resource, scope, &rc);

	ck_assert_msg(rc == WRIT_OK, "%s on %s asking \"%s\": %s", who,
	              resource ? resource : "(default)", scope ? scope : "(null)",
	              writ_strerror(rc));
	ck_assert_str_eq(got, want);
}

/* A grant that must fail with rc and leave "" in the output. */
static void expect_error(enum writ_principal_kind kind, const char *who,
                         const char *resource, const char *scope, size_t len,
                         int want)
{
	char out[64];

	memset(out, 'X', sizeof(out));
	ck_assert_int_eq(writ_grant(policy, kind, who, resource, scope, len, out,
	                            sizeof(out), NULL), want);
	ck_assert_str_eq(out, "");
}

#define MALFORMED(scope) \
	expect_error(USER, "alice", API, (scope), sizeof(scope) - 1, WRIT_EMALFORMED)

/* ---- writ_grant ---- */

START_TEST(intersection)
{
	/* admin is declared but not held; the rest are not declared here. */
	expect(USER, "alice", API, "admin delete read unknown write:x", "read delete");
	expect(USER, "alice", API, "report", "");
	expect(USER, "alice", API, "READ Read", "");
	expect(USER, "alice", API, "rea reads", "");
	expect(USER, "alice", OTHER, "report read write", "read");
	expect(USER, "alice", BARE, "x read", "x");
}
END_TEST

START_TEST(declaration_order)
{
	expect(USER, "alice", API, "delete write read", "read write delete");
	expect(USER, "alice", API, "write delete read", "read write delete");
	expect(USER, "alice", API, "delete read", "read delete");
	expect(APP, "same", API, "admin write read", "read admin");
}
END_TEST

START_TEST(duplicates_granted_once)
{
	expect(USER, "alice", API, "read read write read write", "read write");
	expect(USER, "alice", API, "delete delete", "delete");
	expect(USER, "alice", API, "admin admin", "");
}
END_TEST

START_TEST(runs_of_spaces)
{
	expect(USER, "alice", API, "  read   write  ", "read write");
	expect(USER, "alice", API, "delete    read", "read delete");
	expect(USER, "alice", API, " x ", "");
}
END_TEST

START_TEST(malformed_request)
{
	MALFORMED("read\twrite");
	MALFORMED("\t");
	MALFORMED("read\t");
	MALFORMED("read \"write\"");
	MALFORMED("read\\ write");
	MALFORMED("read caf\xc3\xa9");
	MALFORMED("\x80");
	MALFORMED("read\x7f");
	MALFORMED("read\nwrite");
	MALFORMED("read\rwrite");
	MALFORMED("read\x01");
	MALFORMED("read\0write");
	/* Malformed even where nothing would have been granted. */
	expect_error(USER, "same", OTHER, "read\twrite", 10, WRIT_EMALFORMED);
	expect_error(USER, "alice", BARE, "unknown\t", 8, WRIT_EMALFORMED);
}
END_TEST

START_TEST(nothing_requested)
{
	char out[64];
	size_t len = 99;

	/* The default scopes are the request, in declaration order. */
	expect(USER, "alice", API, NULL, "read write");
	expect(USER, "alice", API, "", "read write");
	expect(USER, "alice", API, "    ", "read write");
	expect(APP, "same", API, NULL, "read admin");
	expect(USER, "same", API, "", "read");
	/* A resource without default scopes grants nothing. */
	expect(USER, "alice", BARE, NULL, "");
	expect(USER, "alice", OTHER, " ", "");
	/* Only scope_len bytes count: none of "read" is requested here. */
	ck_assert_int_eq(writ_grant(policy, USER, "alice", API, "delete", 0, out,
	                            sizeof(out), &len), WRIT_OK);
	ck_assert_str_eq(out, "read write");
	ck_assert_uint_eq(len, 10);
}
END_TEST

START_TEST(default_resource)
{
	writ_policy *p;
	char out[64];

	expect(USER, "alice", NULL, "delete admin", "delete");
	expect(APP, "same", NULL, NULL, "read admin");

	p = load_ok("resource \"https://x.example\" { permission a; }\n"
	            "role r for users { grant a on \"https://x.example\"; }\n"
	            "user u { roles r; }\n");
	memset(out, 'X', sizeof(out));
	ck_assert_int_eq(writ_grant(p, USER, "u", NULL, "a", 1, out, sizeof(out), NULL),
	                 WRIT_ENORESOURCE);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(writ_grant(p, USER, "u", "https://x.example", "a", 1, out,
	                            sizeof(out), NULL), WRIT_OK);
	ck_assert_str_eq(out, "a");
	writ_policy_unref(p);
}
END_TEST

START_TEST(unknown_names)
{
	expect_error(USER, "mallory", API, "read", 4, WRIT_ENOPRINCIPAL);
	expect_error(USER, "Alice", API, "read", 4, WRIT_ENOPRINCIPAL);
	expect_error(USER, "", API, "read", 4, WRIT_ENOPRINCIPAL);
	expect_error(USER, "alice", "https://nope.example", "read", 4, WRIT_ENORESOURCE);
	expect_error(USER, "alice", API "/", "read", 4, WRIT_ENORESOURCE);
	expect_error(USER, "alice", "", "read", 4, WRIT_ENORESOURCE);
	expect_error(0, "alice", API, "read", 4, WRIT_EINVAL);
	expect_error(3, "alice", API, "read", 4, WRIT_EINVAL);
}
END_TEST

START_TEST(apps_and_users_apart)
{
	/* app "same" and user "same" are two principals. */
	expect(APP, "same", API, "read write delete admin", "read admin");
	expect(USER, "same", API, "read write delete admin", "read");
	expect(APP, "same", OTHER, "report read", "report");
	expect(USER, "same", OTHER, "report read", "");
	expect_error(APP, "alice", API, "read", 4, WRIT_ENOPRINCIPAL);
}
END_TEST

START_TEST(principal_without_roles)
{
	/* Declared, so known (not WRIT_ENOPRINCIPAL), but granted nothing. */
	writ_policy *p = load_ok("resource \"https://x.example\" {\n"
	                         "\tdefault-scope a;\n"
	                         "\tpermission a;\n"
	                         "}\n"
	                         "user nobody {}\n"
	                         "app none { name \"No roles\"; }\n");
	char out[16];
	size_t len = 99;

	ck_assert_int_eq(writ_grant(p, USER, "nobody", "https://x.example", "a", 1,
	                            out, sizeof(out), &len), WRIT_OK);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(writ_grant(p, USER, "nobody", "https://x.example", NULL, 0,
	                            out, sizeof(out), &len), WRIT_OK);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(writ_grant(p, APP, "none", "https://x.example", "a", 1,
	                            out, sizeof(out), &len), WRIT_OK);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(writ_grant(p, USER, "nobody", "https://x.example", "a\t", 2,
	                            out, sizeof(out), &len), WRIT_EMALFORMED);
	writ_policy_unref(p);
}
END_TEST

START_TEST(output_buffer_size)
{
	static const char req[] = "delete write read";
	static const char want[] = "read write delete";
	const size_t n = sizeof(want) - 1;
	char out[64];
	size_t len;

	/* Asking for the length only. */
	len = 0;
	ck_assert_int_eq(writ_grant(policy, USER, "alice", API, req, strlen(req), NULL,
	                            0, &len), WRIT_ERANGE);
	ck_assert_uint_eq(len, n);

	/* out_size 0: nothing at all is written. */
	memset(out, 'X', sizeof(out));
	len = 0;
	ck_assert_int_eq(writ_grant(policy, USER, "alice", API, req, strlen(req), out,
	                            0, &len), WRIT_ERANGE);
	ck_assert_uint_eq(len, n);
	ck_assert_int_eq(out[0], 'X');

	/* One byte short: "" and the length needed, nothing past out_size. */
	memset(out, 'X', sizeof(out));
	len = 0;
	ck_assert_int_eq(writ_grant(policy, USER, "alice", API, req, strlen(req), out,
	                            n, &len), WRIT_ERANGE);
	ck_assert_uint_eq(len, n);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(out[n], 'X');

	/* Exactly long enough. */
	memset(out, 'X', sizeof(out));
	len = 0;
	ck_assert_int_eq(writ_grant(policy, USER, "alice", API, req, strlen(req), out,
	                            n + 1, &len), WRIT_OK);
	ck_assert_uint_eq(len, n);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(out[n + 1], 'X');
	ck_assert_int_eq(writ_grant(policy, USER, "alice", API, req, strlen(req), out,
	                            n + 1, NULL), WRIT_OK);
	ck_assert_str_eq(out, want);

	/* An empty answer still needs its NUL. */
	len = 99;
	ck_assert_int_eq(writ_grant(policy, USER, "alice", API, "admin", 5, out, 1,
	                            &len), WRIT_OK);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(out, "");
	len = 99;
	ck_assert_int_eq(writ_grant(policy, USER, "alice", API, "admin", 5, NULL, 0,
	                            &len), WRIT_ERANGE);
	ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(request_length_suffices)
{
	static const char *const reqs[] = {
		"read", "write read", "  read   read write  ", "delete write read",
		"read read read read", "admin read", "x y z read",
	};
	char out[64];
	size_t i, len;

	/* writ.h: scope_len + 1 bytes always suffice for a non-empty request. */
	for (i = 0; i < ARRAY_SIZE(reqs); i++) {
		size_t n = strlen(reqs[i]);
		ck_assert_int_eq(writ_grant(policy, USER, "alice", API, reqs[i], n, out,
		                            n + 1, &len), WRIT_OK);
		ck_assert_uint_le(len, n);
	}
}
END_TEST

START_TEST(request_not_nul_terminated)
{
	char *req = malloc(10);
	char out[64];
	size_t len;

	/* Exactly the bytes given, so that a read past them is caught. */
	ck_assert_ptr_nonnull(req);
	memcpy(req, "write read", 10);
	ck_assert_int_eq(writ_grant(policy, USER, "alice", API, req, 10, out,
	                            sizeof(out), &len), WRIT_OK);
	ck_assert_str_eq(out, "read write");
	ck_assert_int_eq(writ_grant(policy, USER, "alice", API, req, 5, out,
	                            sizeof(out), &len), WRIT_OK);
	ck_assert_str_eq(out, "write");
	ck_assert_int_eq(writ_grant(policy, USER, "alice", API, req, 4, out,
	                            sizeof(out), &len), WRIT_OK);
	ck_assert_str_eq(out, "");
	free(req);
}
END_TEST

/* ---- more than 64 scopes: decide.c grants in batches of 64 ---- */

enum { BIG = 150 };

/* Not granted: one in each batch of 64 and in the tail. */
static int big_held(int i)
{
	return i != 5 && i != 70 && i != 140;
}

static char *big_policy(void)
{
	struct buf b;
	int i;

	buf_init(&b);
	buf_puts(&b, "resource \"https://big.example\" {\n");
	for (i = 0; i < BIG; i++)
		buf_printf(&b, "\tpermission s%03d;\n", i);
	buf_puts(&b, "}\nrole all for users {\n");
	for (i = BIG - 1; i >= 0; i--)
		if (big_held(i))
			buf_printf(&b, "\tgrant s%03d on \"https://big.example\";\n", i);
	buf_puts(&b, "}\nuser u { roles all; }\n");
	return buf_steal(&b);
}

/*
 * The first `count` permissions asked for in a scrambled order, each twice;
 * *want receives what must be granted, in declaration order.
 */
static char *big_request(int count, char **want)
{
	struct buf req, exp;
	int i, k;

	buf_init(&req);
	buf_init(&exp);
	for (k = 0; k < 2; k++)
		for (i = 0; i < BIG; i++) {
			int j = (i * 7 + k * 31) % BIG; /* 7 is prime to 150 */
			if (j < count)
				buf_printf(&req, "s%03d ", j);
		}
	for (i = 0; i < count; i++)
		if (big_held(i))
			buf_printf(&exp, "%ss%03d", exp.len ? " " : "", i);
	*want = buf_steal(&exp);
	return buf_steal(&req);
}

START_TEST(more_than_64_scopes)
{
	static const int counts[] = { 1, 63, 64, 65, 66, 70, 71, 128, 129, 130, 131, 140, 150 };
	char *text = big_policy();
	writ_policy *p;
	size_t i;

	ck_assert_ptr_nonnull(text);
	p = load_ok(text);
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		char *want, *req = big_request(counts[i], &want);
		const char *got;
		char out[1024];
		size_t len = 0;
		int rc;

		ck_assert_ptr_nonnull(req);
		ck_assert_ptr_nonnull(want);
		got = grant_str(p, USER, "u", "https://big.example", req, &rc);
		ck_assert_int_eq(rc, WRIT_OK);
		ck_assert_str_eq(got, want);
		/* The length needed counts every batch. */
		ck_assert_int_eq(writ_grant(p, USER, "u", "https://big.example", req,
		                            strlen(req), out, strlen(want), &len),
		                 WRIT_ERANGE);
		ck_assert_uint_eq(len, strlen(want));
		free(req);
		free(want);
	}
	writ_policy_unref(p);
	free(text);
}
END_TEST

/* ---- writ_grant_each ---- */

static int grant_each(enum writ_principal_kind kind, const char *who,
                      const char *const *res, size_t n, const char *scope,
                      char *out, size_t out_size, size_t *offsets, size_t *len)
{
	return writ_grant_each(policy, kind, who, res, n, scope,
	                       scope ? strlen(scope) : 0, out, out_size, offsets, len);
}

START_TEST(each_resource_downscoped)
{
	static const char *const three[] = { API, OTHER, BARE };
	static const char *const two[] = { BARE, API };
	static const char *const app[] = { OTHER, API };
	char out[128];
	size_t off[3], len;

	ck_assert_int_eq(grant_each(USER, "alice", three, 3, "report x read write",
	                            out, sizeof(out), off, &len), WRIT_OK);
	ck_assert_uint_eq(off[0], 0);
	ck_assert_str_eq(out + off[0], "read write");
	ck_assert_uint_eq(off[1], 11);
	ck_assert_str_eq(out + off[1], "read");
	ck_assert_uint_eq(off[2], 16);
	ck_assert_str_eq(out + off[2], "x");
	ck_assert_uint_eq(len, 18);

	/* Answers in the order of the resources asked for. */
	ck_assert_int_eq(grant_each(USER, "alice", two, 2, "write x read", out,
	                            sizeof(out), off, &len), WRIT_OK);
	ck_assert_str_eq(out + off[0], "x");
	ck_assert_uint_eq(off[1], 2);
	ck_assert_str_eq(out + off[1], "read write");
	ck_assert_uint_eq(len, 13);

	ck_assert_int_eq(grant_each(APP, "same", app, 2, "read report read", out,
	                            sizeof(out), off, &len), WRIT_OK);
	ck_assert_str_eq(out + off[0], "report");
	ck_assert_str_eq(out + off[1], "read");
	ck_assert_uint_eq(len, 12);

	/* Nothing requested: each resource's own default scopes. */
	ck_assert_int_eq(grant_each(USER, "alice", three, 3, NULL, out, sizeof(out),
	                            off, &len), WRIT_OK);
	ck_assert_str_eq(out + off[0], "read write");
	ck_assert_str_eq(out + off[1], "");
	ck_assert_str_eq(out + off[2], "");
	ck_assert_uint_eq(len, 13);
}
END_TEST

START_TEST(each_fails_as_a_whole)
{
	static const char *const unknown[] = { API, "https://nope.example" };
	static const char *const good[] = { API, OTHER };
	char out[64];
	size_t off[2], len;

	memset(out, 'X', sizeof(out));
	ck_assert_int_eq(grant_each(USER, "alice", unknown, 2, "read", out,
	                            sizeof(out), off, &len), WRIT_ENORESOURCE);
	ck_assert_str_eq(out, "");
	memset(out, 'X', sizeof(out));
	ck_assert_int_eq(grant_each(USER, "mallory", good, 2, "read", out,
	                            sizeof(out), off, &len), WRIT_ENOPRINCIPAL);
	ck_assert_str_eq(out, "");
	memset(out, 'X', sizeof(out));
	ck_assert_int_eq(grant_each(USER, "alice", good, 2, "read\twrite", out,
	                            sizeof(out), off, &len), WRIT_EMALFORMED);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(each_output_buffer_size)
{
	static const char *const good[] = { API, OTHER };
	char out[64];
	size_t off[2], len;

	/* "read write\0read\0": 16 bytes. */
	len = 0;
	ck_assert_int_eq(grant_each(USER, "alice", good, 2, "write read", NULL, 0,
	                            off, &len), WRIT_ERANGE);
	ck_assert_uint_eq(len, 16);
	memset(out, 'X', sizeof(out));
	len = 0;
	ck_assert_int_eq(grant_each(USER, "alice", good, 2, "write read", out, 0,
	                            off, &len), WRIT_ERANGE);
	ck_assert_uint_eq(len, 16);
	ck_assert_int_eq(out[0], 'X');
	memset(out, 'X', sizeof(out));
	len = 0;
	ck_assert_int_eq(grant_each(USER, "alice", good, 2, "write read", out, 15,
	                            off, &len), WRIT_ERANGE);
	ck_assert_uint_eq(len, 16);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(out[15], 'X');
	/* Short in the first answer, too. */
	len = 0;
	ck_assert_int_eq(grant_each(USER, "alice", good, 2, "write read", out, 5,
	                            off, &len), WRIT_ERANGE);
	ck_assert_uint_eq(len, 16);
	ck_assert_str_eq(out, "");
	memset(out, 'X', sizeof(out));
	ck_assert_int_eq(grant_each(USER, "alice", good, 2, "write read", out, 16,
	                            off, &len), WRIT_OK);
	ck_assert_uint_eq(len, 16);
	ck_assert_str_eq(out + off[0], "read write");
	ck_assert_str_eq(out + off[1], "read");
	ck_assert_int_eq(out[16], 'X');
}
END_TEST

/* ---- writ_check ---- */

static int check(const char *claim, const char *const *req, size_t n,
                 size_t *missing)
{
	return writ_check(claim, strlen(claim), req, n, missing);
}

START_TEST(check_held)
{
	static const char *const both[] = { "write:payment", "read:payment" };
	static const char *const one[] = { "read:payment" };
	const char *claim = "read:payment write:payment";
	size_t missing = 99;

	ck_assert_int_eq(check(claim, both, 2, &missing), WRIT_OK);
	ck_assert_int_eq(check(claim, one, 1, NULL), WRIT_OK);
	ck_assert_int_eq(check("read:payment", one, 1, &missing), WRIT_OK);
	ck_assert_int_eq(check(claim, NULL, 0, &missing), WRIT_OK);
	ck_assert_int_eq(check(claim, both, 0, NULL), WRIT_OK);
	/* A token may carry scopes no policy declares: they are just not asked for. */
	ck_assert_int_eq(check("x read:payment !#$%&'()*+,-./:;<=>?@[]^_`{|}~", one,
	                       1, NULL), WRIT_OK);
}
END_TEST

START_TEST(check_exact_match)
{
	static const char *const upper[] = { "read:Payment" };
	static const char *const prefix[] = { "read" };
	static const char *const longer[] = { "read:payments" };
	static const char *const suffix[] = { "payment" };
	static const char *const second[] = { "read:payment", "delete:payment" };
	static const char *const first[] = { "delete:payment", "read:payment" };
	const char *claim = "read:payment write:payment";
	size_t missing;

	missing = 99;
	ck_assert_int_eq(check(claim, upper, 1, &missing), WRIT_EDENIED);
	ck_assert_uint_eq(missing, 0);
	missing = 99;
	ck_assert_int_eq(check(claim, prefix, 1, &missing), WRIT_EDENIED);
	ck_assert_uint_eq(missing, 0);
	ck_assert_int_eq(check(claim, longer, 1, &missing), WRIT_EDENIED);
	ck_assert_int_eq(check(claim, suffix, 1, &missing), WRIT_EDENIED);
	missing = 99;
	ck_assert_int_eq(check(claim, second, 2, &missing), WRIT_EDENIED);
	ck_assert_uint_eq(missing, 1);
	missing = 99;
	ck_assert_int_eq(check(claim, first, 2, &missing), WRIT_EDENIED);
	ck_assert_uint_eq(missing, 0);
	ck_assert_int_eq(check(claim, first, 2, NULL), WRIT_EDENIED);
	/* Only claim_len bytes are the claim. */
	ck_assert_int_eq(writ_check(claim, 12, second, 1, NULL), WRIT_OK);
	missing = 99;
	ck_assert_int_eq(writ_check(claim, 11, second, 1, &missing), WRIT_EDENIED);
	ck_assert_uint_eq(missing, 0);
	ck_assert_int_eq(writ_check("read:payment ", 12, second, 1, NULL), WRIT_OK);
}
END_TEST

START_TEST(check_malformed)
{
	static const char *const one[] = { "read" };
	static const char *const bad[] = {
		" read", "read ", "read  write", "read\twrite", "\tread", " ",
		"read\"", "read\\", "caf\xc3\xa9", "read\x7f", "read\nwrite",
		"read \x80",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_msg(check(bad[i], one, 1, NULL) == WRIT_EMALFORMED,
		              "claim %zu", i);
		/* Malformed whatever is required. */
		ck_assert_int_eq(check(bad[i], NULL, 0, NULL), WRIT_EMALFORMED);
	}
	ck_assert_int_eq(writ_check("read\0write", 10, one, 1, NULL), WRIT_EMALFORMED);
}
END_TEST

/* The claim is read sixteen bytes at a time: every bad byte and every
 * doubled space at every offset of a long claim, block boundaries
 * included, is still found, and a good claim of every length passes. */
START_TEST(check_malformed_every_offset)
{
	static const char *const one[] = { "read" };
	static const unsigned char bad_bytes[] = { 0x00, 0x09, 0x1f, 0x22, 0x5c, 0x7f, 0x80, 0xff };
	char claim[41], good[41];
	size_t len, at, b;

	/* "read abcd efgh ...": tokens of four letters, single spaces. */
	for (at = 0; at < sizeof(good) - 1; at++)
		good[at] = at % 5 == 4 ? ' ' : (char)('a' + at % 26);
	memcpy(good, "read", 4);
	for (len = 1; len <= 39; len++) {
		if (good[len - 1] == ' ')
			continue;
		ck_assert_int_eq(writ_check(good, len, NULL, 0, NULL), WRIT_OK);
		if (len >= 4)
			ck_assert_int_eq(writ_check(good, len, one, 1, NULL), WRIT_OK);
		for (at = 0; at < len; at++) {
			memcpy(claim, good, len);
			for (b = 0; b < sizeof(bad_bytes); b++) {
				claim[at] = (char)bad_bytes[b];
				ck_assert_msg(writ_check(claim, len, one, 1, NULL) == WRIT_EMALFORMED,
				              "byte %02x at %zu of %zu", bad_bytes[b], at, len);
			}
			/* A space next to a space, or at either end. */
			memcpy(claim, good, len);
			claim[at] = ' ';
			if (at == 0 || at == len - 1 || good[at - 1] == ' ' || good[at + 1] == ' ')
				ck_assert_msg(writ_check(claim, len, NULL, 0, NULL) == WRIT_EMALFORMED,
				              "space at %zu of %zu", at, len);
			else
				ck_assert_msg(writ_check(claim, len, NULL, 0, NULL) == WRIT_OK,
				              "single space at %zu of %zu", at, len);
		}
	}
}
END_TEST

/* writ_check as the RFC reads, a byte at a time: the reference the
 * block-wise scan is compared with. */
static int check_reference(const char *claim, size_t len, const char *const *req, size_t n,
                           size_t *missing)
{
	size_t i, k, start;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)claim[i];
		bool space = c == ' ';
		if (!space && (c < 0x21 || c > 0x7e || c == '"' || c == '\\'))
			return WRIT_EMALFORMED;
		if (space && (i == 0 || i == len - 1 || claim[i - 1] == ' '))
			return WRIT_EMALFORMED;
	}
	for (k = 0; k < n; k++) {
		size_t rlen = strlen(req[k]);
		bool found = false;
		for (start = 0; start < len && !found;) {
			size_t end = start;
			while (end < len && claim[end] != ' ')
				end++;
			found = end - start == rlen && memcmp(claim + start, req[k], rlen) == 0;
			start = end + 1;
		}
		if (!found) {
			*missing = k;
			return WRIT_EDENIED;
		}
	}
	return WRIT_OK;
}

/* Random claims over a small alphabet, so that tokens repeat, are
 * prefixes of one another and land on every block boundary: the scan
 * agrees with the reference on the result and on the first missing. */
START_TEST(check_agrees_with_reference)
{
	static const char alphabet[] = "aab b  \"\x7f";
	static const char *const words[] = { "a", "b", "ab", "ba", "aa", "bb", "aab", "aba",
		                                 "aaaaaaaaaaaaaaaaa" };
	char claim[80];
	const char *req[3];
	unsigned seed = 12345;
	int round;

	for (round = 0; round < 200000; round++) {
		size_t len, n, i, m1 = 99, m2 = 99;
		int got, want;
		seed = seed * 1103515245u + 12345u;
		len = (seed >> 8) % sizeof(claim);
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Mostly letters and single spaces: mostly well formed. */
			claim[i] = (seed >> 16) % 64 ? (i % 3 == 2 ? ' ' : "ab"[(seed >> 9) & 1])
			                             : alphabet[(seed >> 10) % (sizeof(alphabet) - 1)];
		}
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 12) % 4;
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			req[i] = words[(seed >> 13) % ARRAY_SIZE(words)];
		}
		got = writ_check(claim, len, req, n, &m1);
		want = check_reference(claim, len, req, n, &m2);
		ck_assert_msg(got == want, "round %d: %d, not %d, for \"%.*s\"", round, got, want,
		              (int)len, claim);
		if (want == WRIT_EDENIED)
			ck_assert_uint_eq(m1, m2);
	}
}
END_TEST

/* More required scopes than one pass tracks (64): all held, then the
 * first missing found past the first pass. */
START_TEST(check_many_required)
{
	char claim[100 * 6], names[100][6];
	const char *req[100];
	size_t len = 0, i, missing = 0;

	for (i = 0; i < 100; i++) {
		snprintf(names[i], sizeof(names[i]), "s%03zu", i);
		req[i] = names[i];
		len += (size_t)snprintf(claim + len, sizeof(claim) - len, "%s%s", i ? " " : "",
		                        names[i]);
	}
	ck_assert_int_eq(writ_check(claim, len, req, 100, &missing), WRIT_OK);
	names[66][0] = 't';
	names[90][0] = 't';
	ck_assert_int_eq(writ_check(claim, len, req, 100, &missing), WRIT_EDENIED);
	ck_assert_uint_eq(missing, 66);
}
END_TEST

START_TEST(check_invalid_arguments)
{
	static const char *const empty[] = { "" };
	static const char *const space[] = { "read write" };
	static const char *const tab[] = { "read\t" };
	static const char *const quote[] = { "a\"b" };
	static const char *const utf8[] = { "caf\xc3\xa9" };
	static const char *const null[] = { "read", NULL };
	const char *claim = "read write";

	ck_assert_int_eq(check(claim, empty, 1, NULL), WRIT_EINVAL);
	ck_assert_int_eq(check(claim, space, 1, NULL), WRIT_EINVAL);
	ck_assert_int_eq(check(claim, tab, 1, NULL), WRIT_EINVAL);
	ck_assert_int_eq(check(claim, quote, 1, NULL), WRIT_EINVAL);
	ck_assert_int_eq(check(claim, utf8, 1, NULL), WRIT_EINVAL);
	ck_assert_int_eq(check(claim, null, 2, NULL), WRIT_EINVAL);
	ck_assert_int_eq(check(claim, NULL, 1, NULL), WRIT_EINVAL);
	ck_assert_int_eq(writ_check(NULL, 4, space, 0, NULL), WRIT_EINVAL);
}
END_TEST

/* ---- the seed scenarios, on the shipped policies ---- */

static writ_policy *shipped(void)
{
	const char *paths[] = { SRCDIR "/policies" };
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p = NULL;

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(writ_policy_load(paths, 1, 0, d, &p), WRIT_OK);
	ck_assert_uint_eq(writ_diagnostics_count(d), 0);
	writ_diagnostics_free(d);
	return p;
}

START_TEST(seed_cart_service)
{
	static const char *const pay[] = { "https://payment.example.com/api" };
	writ_policy *p = shipped();
	const char *got;
	char out[64];
	size_t off[1], len;
	int rc;

	got = grant_str(p, APP, "cart-service", pay[0], "write:payment read:payment", &rc);
	ck_assert_int_eq(rc, WRIT_OK);
	ck_assert_str_eq(got, "write:payment");
	got = grant_str(p, APP, "cart-service", pay[0],
	                "write:payment read:payment custom_data", &rc);
	ck_assert_int_eq(rc, WRIT_OK);
	ck_assert_str_eq(got, "write:payment");
	ck_assert_int_eq(writ_grant_each(p, APP, "cart-service", pay, 1,
	                                 "write:payment read:payment", 26, out,
	                                 sizeof(out), off, &len), WRIT_OK);
	ck_assert_str_eq(out + off[0], "write:payment");
	ck_assert_uint_eq(len, 14);
	/* The other app of the file, and the namespaces. */
	got = grant_str(p, APP, "reconciliation", pay[0], "write:payment read:payment", &rc);
	ck_assert_int_eq(rc, WRIT_OK);
	ck_assert_str_eq(got, "read:payment");
	grant_str(p, USER, "cart-service", pay[0], "write:payment", &rc);
	ck_assert_int_eq(rc, WRIT_ENOPRINCIPAL);
	writ_policy_unref(p);
}
END_TEST

static void alice_both_apis(const writ_policy *p, const char *scope)
{
	static const char *const apis[] = {
		"https://api-1.store.io", "https://api-2.store.io",
	};
	char out[128];
	size_t off[2], len;

	ck_assert_int_eq(writ_grant_each(p, USER, "alice", apis, 2, scope,
	                                 strlen(scope), out, sizeof(out), off, &len),
	                 WRIT_OK);
	ck_assert_uint_eq(off[0], 0);
	ck_assert_str_eq(out + off[0], "read:order write:order");
	ck_assert_uint_eq(off[1], 23);
	ck_assert_str_eq(out + off[1], "read:order");
	ck_assert_uint_eq(len, 34);
}

START_TEST(seed_alice)
{
	writ_policy *p = shipped();
	const char *got;
	int rc;

	alice_both_apis(p, "read:order write:order");
	alice_both_apis(p, "read:order write:order custom_data");
	alice_both_apis(p, "custom_data write:order read:order");
	got = grant_str(p, USER, "alice", "https://api-2.store.io",
	                "read:order write:order custom_data", &rc);
	ck_assert_int_eq(rc, WRIT_OK);
	ck_assert_str_eq(got, "read:order");
	grant_str(p, APP, "alice", "https://api-1.store.io", "read:order", &rc);
	ck_assert_int_eq(rc, WRIT_ENOPRINCIPAL);
	writ_policy_unref(p);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("grant");
	TCase *grant = tcase_create("grant");
	TCase *each = tcase_create("grant_each");
	TCase *chk = tcase_create("check");
	TCase *seed = tcase_create("seed");

	tcase_add_checked_fixture(grant, policy_setup, policy_teardown);
	tcase_add_test(grant, intersection);
	tcase_add_test(grant, declaration_order);
	tcase_add_test(grant, duplicates_granted_once);
	tcase_add_test(grant, runs_of_spaces);
	tcase_add_test(grant, malformed_request);
	tcase_add_test(grant, nothing_requested);
	tcase_add_test(grant, default_resource);
	tcase_add_test(grant, unknown_names);
	tcase_add_test(grant, apps_and_users_apart);
	tcase_add_test(grant, principal_without_roles);
	tcase_add_test(grant, output_buffer_size);
	tcase_add_test(grant, request_length_suffices);
	tcase_add_test(grant, request_not_nul_terminated);
	tcase_add_test(grant, more_than_64_scopes);
	suite_add_tcase(s, grant);

	tcase_add_checked_fixture(each, policy_setup, policy_teardown);
	tcase_add_test(each, each_resource_downscoped);
	tcase_add_test(each, each_fails_as_a_whole);
	tcase_add_test(each, each_output_buffer_size);
	suite_add_tcase(s, each);

	tcase_add_test(chk, check_held);
	tcase_add_test(chk, check_exact_match);
	tcase_add_test(chk, check_malformed);
	tcase_add_test(chk, check_malformed_every_offset);
	tcase_add_test(chk, check_agrees_with_reference);
	tcase_add_test(chk, check_many_required);
	tcase_add_test(chk, check_invalid_arguments);
	suite_add_tcase(s, chk);

	tcase_add_test(seed, seed_cart_service);
	tcase_add_test(seed, seed_alice);
	suite_add_tcase(s, seed);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
