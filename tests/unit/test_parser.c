/* test_parser.c: the grammar of grammar/policy.y, seen through the loader
 * and the public iteration API. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "util.h"

#define SCRYPT "$scrypt$ln=15,r=8,p=1$EKVVomkmE0NRLbx5lmFlTw$Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06k4"
#define PBKDF2 "$pbkdf2-sha256$i=600000$EKVVomkmE0NRLbx5lmFlTw$Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06k4"

/*
 * A resource for roles to grant from. Roles in these tests grant something:
 * a role without grants is tested, with its warning, in test_diagnostics.
 */
#define RES "resource \"https://a.example/\" { permission a; }\n"
#define GRANT_A "grant a on \"https://a.example/\";"

#define APP WRIT_PRINCIPAL_APP
#define USER WRIT_PRINCIPAL_USER

/*
 * Load text and check that its diagnostics are exactly `want` (diag_line()
 * forms, NULL-terminated) in order; the load must fail when any is an
 * error. Returns the diagnostics for more checks; caller frees.
 */
static writ_diagnostics *expect_diags(const char *text, const char *const *want)
{
	writ_diagnostics *d;
	writ_policy *p;
	size_t i, n = 0;
	int rc;

	d = load_diags(text, &rc, &p);
	while (want[n])
		n++;
	for (i = 0; i < n && i < writ_diagnostics_count(d); i++) {
		char *line = diag_line(d, i);
		ck_assert_str_eq(line, want[i]);
		free(line);
	}
	ck_assert_uint_eq(writ_diagnostics_count(d), n);
	if (writ_diagnostics_errors(d) > 0) {
		ck_assert_int_eq(rc, WRIT_EPOLICY);
		ck_assert_ptr_null(p);
	}
	writ_policy_unref(p);
	return d;
}

static void expect_only(const char *text, const char *const *want)
{
	writ_diagnostics_free(expect_diags(text, want));
}

/* The one E001 of text is `want` (diag_line() form); other records, such
 * as warnings the semantic pass adds, are ignored. */
static void expect_syntax_error(const char *text, const char *want)
{
	writ_diagnostics *d;
	size_t i, found = 0;
	int rc;

	d = load_diags(text, &rc, NULL);
	ck_assert_int_eq(rc, WRIT_EPOLICY);
	for (i = 0; i < writ_diagnostics_count(d); i++) {
		char *line;
		if (strcmp(writ_diagnostics_get(d, i)->code, "E001") != 0)
			continue;
		line = diag_line(d, i);
		ck_assert_str_eq(line, want);
		free(line);
		found++;
	}
	ck_assert_uint_eq(found, 1);
	writ_diagnostics_free(d);
}

static size_t count_code(const writ_diagnostics *d, const char *code)
{
	size_t i, n = 0;

	for (i = 0; i < writ_diagnostics_count(d); i++)
		if (strcmp(writ_diagnostics_get(d, i)->code, code) == 0)
			n++;
	return n;
}

/* Grant g of role r is (resource, permission). */
static void expect_grant(const writ_policy *p, size_t r, size_t g,
                         size_t resource, size_t permission)
{
	size_t res = 99, perm = 99;

	ck_assert_int_eq(writ_role_grant(p, r, g, &res, &perm), WRIT_OK);
	ck_assert_uint_eq(res, resource);
	ck_assert_uint_eq(perm, permission);
}

/* ---- every statement and item ---- */

static const char full_policy[] =
	"issuer \"https://auth.example.com\" {\n"
	"    token-ttl 30m;\n"
	"}\n"
	"\n"
	"resource \"https://api.example.com/orders\" {\n"
	"    name \"Orders\";\n"
	"    description \"Order service\";\n"
	"    token-ttl 5m;\n"
	"    default;\n"
	"    default-scope orders:list, orders:read;\n"
	"    permission orders:read \"Read orders\";\n"
	"    permission orders:list;\n"
	"    permission \"orders:write\" \"Write orders\";\n"
	"}\n"
	"\n"
	"resource \"urn:example:billing\" {\n"
	"    permission invoice.read;\n"
	"}\n"
	"\n"
	"role reader for apps {\n"
	"    description \"Reads orders\";\n"
	"    grant invoice.read on \"urn:example:billing\";\n"
	"    grant orders:list, orders:read on \"https://api.example.com/orders\";\n"
	"}\n"
	"\n"
	"role writer for users {\n"
	"    grant \"orders:write\" on \"https://api.example.com/orders\";\n"
	"}\n"
	"\n"
	"app cart-service {\n"
	"    name \"Cart\";\n"
	"    description \"The cart\";\n"
	"    secret \"" SCRYPT "\";\n"
	"    secret \"" PBKDF2 "\" expires \"2027-01-31T00:00:00Z\";\n"
	"    roles reader;\n"
	"}\n"
	"\n"
	"user alice {\n"
	"    name \"Alice\";\n"
	"    description \"Operations\";\n"
	"    roles writer;\n"
	"}\n";

START_TEST(full_policy_loads_clean)
{
	static const char *const none[] = { NULL };

	expect_only(full_policy, none);
}
END_TEST

START_TEST(issuer_block)
{
	writ_policy *p = load_ok(full_policy);

	ck_assert_str_eq(writ_issuer(p), "https://auth.example.com");
	ck_assert_uint_eq(writ_issuer_token_ttl(p), 1800);
	writ_policy_unref(p);
}
END_TEST

START_TEST(resource_items)
{
	writ_policy *p = load_ok(full_policy);

	ck_assert_uint_eq(writ_resource_count(p), 2);
	ck_assert_int_eq(writ_resource_default(p), 0);
	ck_assert_int_eq(writ_resource_find(p, "urn:example:billing"), 1);
	ck_assert_str_eq(writ_resource_indicator(p, 0), "https://api.example.com/orders");
	ck_assert_str_eq(writ_resource_name(p, 0), "Orders");
	ck_assert_str_eq(writ_resource_description(p, 0), "Order service");
	ck_assert_uint_eq(writ_resource_token_ttl(p, 0), 300);
	/* Declaration order, not the order of default-scope. */
	ck_assert_str_eq(writ_resource_default_scope(p, 0), "orders:list orders:read");
	ck_assert_uint_eq(writ_resource_permission_count(p, 0), 3);
	ck_assert_str_eq(writ_resource_permission(p, 0, 0), "orders:read");
	ck_assert_str_eq(writ_resource_permission_description(p, 0, 0), "Read orders");
	ck_assert_str_eq(writ_resource_permission(p, 0, 1), "orders:list");
	ck_assert_ptr_null(writ_resource_permission_description(p, 0, 1));
	ck_assert_str_eq(writ_resource_permission(p, 0, 2), "orders:write");
	ck_assert_str_eq(writ_resource_permission_description(p, 0, 2), "Write orders");
	writ_policy_unref(p);
}
END_TEST

START_TEST(resource_without_optional_items)
{
	writ_policy *p = load_ok(full_policy);

	ck_assert_str_eq(writ_resource_indicator(p, 1), "urn:example:billing");
	ck_assert_ptr_null(writ_resource_name(p, 1));
	ck_assert_ptr_null(writ_resource_description(p, 1));
	/* No token-ttl of its own: the issuer's. */
	ck_assert_uint_eq(writ_resource_token_ttl(p, 1), 1800);
	ck_assert_str_eq(writ_resource_default_scope(p, 1), "");
	ck_assert_uint_eq(writ_resource_permission_count(p, 1), 1);
	ck_assert_str_eq(writ_resource_permission(p, 1, 0), "invoice.read");
	writ_policy_unref(p);
}
END_TEST

START_TEST(role_items)
{
	writ_policy *p = load_ok(full_policy);

	ck_assert_uint_eq(writ_role_count(p), 2);
	ck_assert_int_eq(writ_role_find(p, "writer"), 1);
	ck_assert_str_eq(writ_role_name(p, 0), "reader");
	ck_assert_str_eq(writ_role_description(p, 0), "Reads orders");
	ck_assert_int_eq(writ_role_kind(p, 0), APP);
	/* Sorted (resource, permission) pairs, whatever the grant order. */
	ck_assert_uint_eq(writ_role_grant_count(p, 0), 3);
	expect_grant(p, 0, 0, 0, 0);
	expect_grant(p, 0, 1, 0, 1);
	expect_grant(p, 0, 2, 1, 0);
	ck_assert_str_eq(writ_role_name(p, 1), "writer");
	ck_assert_ptr_null(writ_role_description(p, 1));
	ck_assert_int_eq(writ_role_kind(p, 1), USER);
	ck_assert_uint_eq(writ_role_grant_count(p, 1), 1);
	expect_grant(p, 1, 0, 0, 2);
	writ_policy_unref(p);
}
END_TEST

START_TEST(app_and_user_items)
{
	writ_policy *p = load_ok(full_policy);

	ck_assert_uint_eq(writ_principal_count(p, APP), 1);
	ck_assert_str_eq(writ_principal_id(p, APP, 0), "cart-service");
	ck_assert_str_eq(writ_principal_name(p, APP, 0), "Cart");
	ck_assert_str_eq(writ_principal_description(p, APP, 0), "The cart");
	ck_assert_uint_eq(writ_principal_role_count(p, APP, 0), 1);
	ck_assert_int_eq(writ_principal_role(p, APP, 0, 0), 0);
	ck_assert_uint_eq(writ_principal_count(p, USER), 1);
	ck_assert_int_eq(writ_principal_find(p, USER, "alice"), 0);
	ck_assert_str_eq(writ_principal_name(p, USER, 0), "Alice");
	ck_assert_str_eq(writ_principal_description(p, USER, 0), "Operations");
	ck_assert_uint_eq(writ_principal_role_count(p, USER, 0), 1);
	ck_assert_int_eq(writ_principal_role(p, USER, 0, 0), 1);
	writ_policy_unref(p);
}
END_TEST

START_TEST(empty_policy_and_empty_blocks)
{
	writ_policy *p = load_ok("");

	ck_assert_uint_eq(writ_resource_count(p), 0);
	ck_assert_ptr_null(writ_issuer(p));
	ck_assert_uint_eq(writ_issuer_token_ttl(p), 3600);
	writ_policy_unref(p);

	p = load_ok("# only a comment\n\nissuer \"https://a.example\" {}\n");
	ck_assert_str_eq(writ_issuer(p), "https://a.example");
	ck_assert_uint_eq(writ_issuer_token_ttl(p), 3600);
	writ_policy_unref(p);
}
END_TEST

/* Write text to dir/name. */
static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(include_statement)
{
	static const char main_text[] =
		"include \"inc.writ\";\n"
		"role r for apps { grant read on \"https://inc.example/\"; }\n"
		"app a { roles r; }\n";
	/* Relative to where the tests run: no machine path. */
	char dir[] = "writ-test-XXXXXX", name[512], inc[512];
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p = NULL;
	int rc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file(dir, "inc.writ", "resource \"https://inc.example/\" { permission read; }\n");
	/* Relative includes are found next to the buffer's name. */
	snprintf(name, sizeof(name), "%s/main.writ", dir);
	rc = writ_policy_load_buffer(name, main_text, strlen(main_text), 0, d, &p);
	snprintf(inc, sizeof(inc), "%s/inc.writ", dir);
	unlink(inc);
	rmdir(dir);
	ck_assert_int_eq(rc, WRIT_OK);
	ck_assert_uint_eq(writ_diagnostics_count(d), 0);
	ck_assert_uint_eq(writ_resource_count(p), 1);
	ck_assert_str_eq(writ_resource_permission(p, 0, 0), "read");
	ck_assert_uint_eq(writ_role_grant_count(p, 0), 1);
	writ_policy_unref(p);
	writ_diagnostics_free(d);
}
END_TEST

/* ---- names ---- */

static const char *const keyword_names[] = {
	"include", "issuer", "resource", "permission", "role", "for", "apps",
	"users", "grant", "on", "app", "user", "roles", "name", "description",
	"token-ttl", "default", "default-scope", "secret", "expires",
};

START_TEST(every_keyword_is_a_permission_name)
{
	size_t i, n = ARRAY_SIZE(keyword_names);
	writ_policy *p;
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "resource \"https://a.example/\" {\n");
	for (i = 0; i < n; i++)
		buf_printf(&b, "permission %s;\n", keyword_names[i]);
	buf_puts(&b, "}\n");
	ck_assert(!b.oom);
	p = load_ok(b.data);
	buf_free(&b);
	ck_assert_uint_eq(writ_resource_permission_count(p, 0), n);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(writ_resource_permission(p, 0, i), keyword_names[i]);
	writ_policy_unref(p);
}
END_TEST

START_TEST(keyword_secret_as_name)
{
	/* `secret` switches the scanner to redacting mode; as a name it must
	 * still be an ordinary name. */
	writ_policy *p = load_ok(
		"resource \"https://a.example/\" {\n"
		"    permission secret;\n"
		"}\n"
		"role role for users { grant secret on \"https://a.example/\"; }\n"
		"user default { roles role; }\n");

	ck_assert_str_eq(writ_resource_permission(p, 0, 0), "secret");
	ck_assert_str_eq(writ_role_name(p, 0), "role");
	ck_assert_uint_eq(writ_role_grant_count(p, 0), 1);
	ck_assert_str_eq(writ_principal_id(p, USER, 0), "default");
	writ_policy_unref(p);
}
END_TEST

START_TEST(keywords_as_names)
{
	writ_policy *p = load_ok(
		"resource \"https://a.example/\" {\n"
		"    default-scope on, for;\n"
		"    permission on;\n"
		"    permission for \"a description\";\n"
		"}\n"
		"role for for apps { grant on, for on \"https://a.example/\"; }\n"
		"role app for users { grant on on \"https://a.example/\"; }\n"
		"app app { roles for; }\n"
		"user user { roles app; }\n");

	ck_assert_str_eq(writ_resource_default_scope(p, 0), "on for");
	ck_assert_str_eq(writ_resource_permission(p, 0, 0), "on");
	ck_assert_str_eq(writ_resource_permission(p, 0, 1), "for");
	ck_assert_str_eq(writ_resource_permission_description(p, 0, 1), "a description");
	ck_assert_str_eq(writ_role_name(p, 0), "for");
	ck_assert_int_eq(writ_role_kind(p, 0), APP);
	ck_assert_uint_eq(writ_role_grant_count(p, 0), 2);
	ck_assert_str_eq(writ_role_name(p, 1), "app");
	ck_assert_int_eq(writ_role_kind(p, 1), USER);
	ck_assert_str_eq(writ_principal_id(p, APP, 0), "app");
	ck_assert_int_eq(writ_principal_role(p, APP, 0, 0), 0);
	ck_assert_str_eq(writ_principal_id(p, USER, 0), "user");
	ck_assert_int_eq(writ_principal_role(p, USER, 0, 0), 1);
	writ_policy_unref(p);
}
END_TEST

START_TEST(quoted_names)
{
	writ_policy *p = load_ok(
		"resource \"https://a.example/\" {\n"
		"    permission \"read:all\" \"Read everything\";\n"
		"    default-scope \"read:all\";\n"
		"}\n"
		"role \"ops team\" for users { grant \"read:all\" on \"https://a.example/\"; }\n"
		"role \"x\\u00e9\" for apps { grant \"read:all\" on \"https://a.example/\"; }\n"
		"app \"client 1\" { roles \"x\\u00e9\"; }\n"
		"user \"Jos\xc3\xa9\" { roles \"ops team\"; }\n");

	ck_assert_str_eq(writ_resource_permission(p, 0, 0), "read:all");
	ck_assert_str_eq(writ_resource_default_scope(p, 0), "read:all");
	ck_assert_str_eq(writ_role_name(p, 0), "ops team");
	ck_assert_str_eq(writ_role_name(p, 1), "x\xc3\xa9");
	ck_assert_str_eq(writ_principal_id(p, APP, 0), "client 1");
	ck_assert_int_eq(writ_principal_role(p, APP, 0, 0), 1);
	ck_assert_str_eq(writ_principal_id(p, USER, 0), "Jos\xc3\xa9");
	ck_assert_int_eq(writ_principal_role(p, USER, 0, 0), 0);
	writ_policy_unref(p);
}
END_TEST

START_TEST(word_and_string_name_the_same)
{
	/* A bare word and the same text quoted are one name. */
	writ_policy *p = load_ok(
		"resource \"https://a.example/\" { permission read; }\n"
		"role r for apps { grant \"read\" on \"https://a.example/\"; }\n"
		"app a { roles \"r\"; }\n");

	ck_assert_uint_eq(writ_role_grant_count(p, 0), 1);
	ck_assert_int_eq(writ_principal_role(p, APP, 0, 0), 0);
	writ_policy_unref(p);
}
END_TEST

/* ---- lists ---- */

START_TEST(grant_lists)
{
	writ_policy *p = load_ok(
		"resource \"https://a.example/\" { permission a; permission b; permission c; }\n"
		"resource \"https://b.example/\" { permission a; permission b; }\n"
		"role r for apps {\n"
		"    grant b, a on \"https://b.example/\", \"https://a.example/\";\n"
		"    grant c on \"https://a.example/\";\n"
		"}\n"
		"app x { roles r; }\n");

	ck_assert_uint_eq(writ_role_grant_count(p, 0), 5);
	expect_grant(p, 0, 0, 0, 0);
	expect_grant(p, 0, 1, 0, 1);
	expect_grant(p, 0, 2, 0, 2);
	expect_grant(p, 0, 3, 1, 0);
	expect_grant(p, 0, 4, 1, 1);
	writ_policy_unref(p);
}
END_TEST

START_TEST(roles_lists)
{
	writ_policy *p = load_ok(
		"resource \"https://a.example/\" { permission a; permission b; permission c; }\n"
		"role ra for users { grant a on \"https://a.example/\"; }\n"
		"role rb for users { grant b on \"https://a.example/\"; }\n"
		"role rc for users { grant c on \"https://a.example/\"; }\n"
		"user u {\n"
		"    roles rc, ra;\n"
		"    roles rb;\n"
		"}\n");

	/* In the order written, over both roles lines. */
	ck_assert_uint_eq(writ_principal_role_count(p, USER, 0), 3);
	ck_assert_int_eq(writ_principal_role(p, USER, 0, 0), 2);
	ck_assert_int_eq(writ_principal_role(p, USER, 0, 1), 0);
	ck_assert_int_eq(writ_principal_role(p, USER, 0, 2), 1);
	writ_policy_unref(p);
}
END_TEST

/* ---- syntax errors ---- */

START_TEST(error_expected_semicolon_or_comma)
{
	expect_syntax_error("app a { roles r }",
	                    "E001 1:17 unexpected '}'; expected ';' or ','");
	expect_syntax_error(RES "role r for apps { " GRANT_A " grant a on \"x\" }",
	                    "E001 2:67 unexpected '}'; expected ';' or ','");
	expect_syntax_error("role r for apps { grant a b on \"x\"; " GRANT_A " }\n" RES,
	                    "E001 1:27 unexpected name \"b\"; expected 'on' or ','");
}
END_TEST

START_TEST(error_expected_audience)
{
	expect_syntax_error("role r for everyone { }",
	                    "E001 1:12 unexpected name \"everyone\"; expected 'apps' or 'users'");
	expect_syntax_error("role r apps { }",
	                    "E001 1:8 unexpected 'apps'; expected 'for'");
	expect_syntax_error("role r for apps;",
	                    "E001 1:16 unexpected ';'; expected '{'");
}
END_TEST

START_TEST(error_expected_name_or_string)
{
	/* Where a name fits, keywords fit too: they are not listed one by one. */
	expect_syntax_error("role { }",
	                    "E001 1:6 unexpected '{'; expected a name or a string");
	expect_syntax_error("resource \"https://a.example/\" { permission; }",
	                    "E001 1:43 unexpected ';'; expected a name or a string");
	/* token-ttl takes a word, not a string. */
	expect_syntax_error("issuer \"https://a.example\" { token-ttl \"1h\"; }",
	                    "E001 1:40 unexpected string \"1h\"; expected a name");
}
END_TEST

START_TEST(error_expected_string)
{
	expect_syntax_error("resource https://a.example/ { }",
	                    "E001 1:10 unexpected name \"https://a.example/\"; expected a string");
	expect_syntax_error("include inc.writ;",
	                    "E001 1:9 unexpected name \"inc.writ\"; expected a string");
	expect_syntax_error("resource \"https://a.example/\" { permission read }",
	                    "E001 1:49 unexpected '}'; expected a string or ';'");
}
END_TEST

START_TEST(error_at_top_level)
{
	expect_syntax_error("}",
	                    "E001 1:1 unexpected '}'; expected end of file, 'include', 'issuer', 'trust', 'resource', 'role', 'app', 'user' or 'stack'");
	expect_syntax_error("\n  permission x;",
	                    "E001 2:3 unexpected 'permission'; expected end of file, 'include', 'issuer', 'trust', 'resource', 'role', 'app', 'user' or 'stack'");
	expect_syntax_error("roles x;",
	                    "E001 1:1 unexpected 'roles'; expected end of file, 'include', 'issuer', 'trust', 'resource', 'role', 'app', 'user' or 'stack'");
}
END_TEST

START_TEST(error_in_blocks_lists_items)
{
	expect_syntax_error("role r for apps { \"x\"; " GRANT_A " }\n" RES,
	                    "E001 1:19 unexpected string \"x\"; expected 'grant', 'description' or '}'");
	expect_syntax_error("app a { grant x; }",
	                    "E001 1:9 unexpected 'grant'; expected 'roles', 'name', 'description', 'secret' or '}'");
	expect_syntax_error("user u { secret \"x\"; }",
	                    "E001 1:10 unexpected 'secret'; expected 'roles', 'name', 'description' or '}'");
	expect_syntax_error("issuer \"https://a.example\" { name \"x\"; }",
	                    "E001 1:30 unexpected 'name'; expected 'token-ttl', 'signing-key' or '}'");
}
END_TEST

START_TEST(error_message_quotes_token)
{
	char text[256], want[256];
	const char *word = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz";

	/* Quotes and backslashes in the found string are escaped. */
	expect_syntax_error("role r for apps { \"a\\\"b\\\\c\"; " GRANT_A " }\n" RES,
	                    "E001 1:19 unexpected string \"a\\\"b\\\\c\"; expected 'grant', 'description' or '}'");
	/* A long token is cut after 60 bytes. */
	snprintf(text, sizeof(text), "role r for apps { %s; " GRANT_A " }\n" RES, word);
	snprintf(want, sizeof(want),
	         "E001 1:19 unexpected name \"%.60s\"...; expected 'grant', 'description' or '}'",
	         word);
	expect_syntax_error(text, want);
}
END_TEST

START_TEST(error_at_end_of_file)
{
	/* The end of the file is where the text ends: just after the '{'. */
	expect_syntax_error("resource \"https://a.example/\" {",
	                    "E001 1:32 unexpected end of file; expected 'permission', 'name', 'description', 'token-ttl', 'default', 'default-scope', 'stack', 'route', 'unrouted' or '}'");
	/* Blanks and comments after the last token change nothing. */
	expect_syntax_error("resource \"https://a.example/\" {\n\n# more to come\n",
	                    "E001 1:32 unexpected end of file; expected 'permission', 'name', 'description', 'token-ttl', 'default', 'default-scope', 'stack', 'route', 'unrouted' or '}'");
	expect_syntax_error(RES "role r for apps { " GRANT_A " grant x on \"y\"",
	                    "E001 2:66 unexpected end of file; expected ';' or ','");
}
END_TEST

START_TEST(error_at_end_of_file_after_string)
{
	/* An unterminated last string is one error, and the end of the file
	 * another, after the string, not on it. */
	writ_diagnostics *d;
	int rc;
	size_t i;

	d = load_diags("resource \"https://a.example/\" { permission read \"abc", &rc, NULL);
	ck_assert_int_eq(rc, WRIT_EPOLICY);
	ck_assert_uint_eq(count_code(d, "E003"), 1);
	ck_assert_uint_eq(count_code(d, "E001"), 1);
	for (i = 0; i < writ_diagnostics_count(d); i++) {
		const struct writ_diagnostic *r = writ_diagnostics_get(d, i);
		if (strcmp(r->code, "E001") != 0)
			continue;
		ck_assert_str_eq(r->message, "unexpected end of file; expected ';'");
		ck_assert_uint_eq(r->line, 1);
		ck_assert_uint_eq(r->column, 53);
	}
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(recovery_reports_errors_in_two_statements)
{
	static const char *const want[] = {
		"E001 1:12 unexpected name \"everyone\"; expected 'apps' or 'users'",
		"W003 2:5 app \"a\" holds no role, so it is granted nothing",
		"E001 2:17 unexpected name \"r\"; expected ';' or ','",
		NULL,
	};

	expect_only("role r for everyone { }\n"
	            "app a { roles q r; }\n", want);
}
END_TEST

START_TEST(recovery_within_a_block)
{
	static const char *const want[] = {
		"E001 2:19 unexpected name \"b\"; expected a string or ';'",
		"W001 3:17 no role grants permission \"c\"",
		"E001 4:6 unexpected 'grant'; expected 'permission', 'name', 'description', 'token-ttl', 'default', 'default-scope', 'stack', 'route', 'unrouted' or '}'",
		NULL,
	};

	/* A bad item resumes after its ';': the next item is read. */
	expect_only("resource \"https://a.example/\" {\n"
	            "     permission a b;\n"
	            "     permission c;\n"
	            "     grant c on x;\n"
	            "}\n", want);
}
END_TEST

START_TEST(recovery_after_missing_semicolon_before_brace)
{
	writ_diagnostics *d;
	int rc;

	/* Forgetting the ';' before '}' must not swallow the statements that
	 * follow: each of the three is reported. */
	d = load_diags("resource \"https://a.example/\" { permission read }\n"
	               "role r for apps { grant read on \"https://a.example/\" }\n"
	               "app a { roles r }\n", &rc, NULL);
	ck_assert_int_eq(rc, WRIT_EPOLICY);
	ck_assert_uint_eq(count_code(d, "E001"), 3);
	writ_diagnostics_free(d);
}
END_TEST

/* ---- duplicate settings ---- */

/* text has a setting twice: E017 with `message` at line:col, then a note
 * "first set here". */
static void expect_duplicate_setting(const char *text, const char *error)
{
	writ_diagnostics *d;
	size_t i;
	int rc;

	d = load_diags(text, &rc, NULL);
	ck_assert_int_eq(rc, WRIT_EPOLICY);
	for (i = 0; i < writ_diagnostics_count(d); i++)
		if (strcmp(writ_diagnostics_get(d, i)->code, "E017") == 0)
			break;
	ck_assert_uint_lt(i + 1, writ_diagnostics_count(d));
	{
		char *line = diag_line(d, i);
		ck_assert_str_eq(line, error);
		free(line);
	}
	ck_assert_int_eq(writ_diagnostics_get(d, i + 1)->severity, WRIT_SEVERITY_NOTE);
	ck_assert_str_eq(writ_diagnostics_get(d, i + 1)->message, "first set here");
	ck_assert_str_eq(writ_diagnostics_get(d, i + 1)->code, "");
	ck_assert_uint_eq(count_code(d, "E017"), 1);
	writ_diagnostics_free(d);
}

START_TEST(duplicate_settings)
{
	expect_duplicate_setting("issuer \"https://a.example\" {\n token-ttl 1h;\n token-ttl 2h;\n}\n",
	                         "E017 3:2 token-ttl is set twice in this issuer");
	expect_duplicate_setting("resource \"https://a.example/\" {\n name \"A\";\n name \"B\";\n}\n",
	                         "E017 3:2 name is set twice in this resource");
	expect_duplicate_setting("resource \"https://a.example/\" {\n description \"A\";\n description \"B\";\n}\n",
	                         "E017 3:2 description is set twice in this resource");
	expect_duplicate_setting("resource \"https://a.example/\" {\n token-ttl 1h;\n token-ttl 1h;\n}\n",
	                         "E017 3:2 token-ttl is set twice in this resource");
	expect_duplicate_setting("resource \"https://a.example/\" {\n default;\n default;\n}\n",
	                         "E017 3:2 default is set twice in this resource");
	expect_duplicate_setting("resource \"https://a.example/\" {\n permission a;\n default-scope a;\n default-scope a;\n}\n",
	                         "E017 4:2 default-scope is set twice in this resource");
	expect_duplicate_setting("role r for apps {\n description \"A\";\n description \"B\";\n " GRANT_A "\n}\n" RES,
	                         "E017 3:2 description is set twice in this role");
	expect_duplicate_setting("app a {\n name \"A\";\n name \"B\";\n}\n",
	                         "E017 3:2 name is set twice in this app");
	expect_duplicate_setting("app a {\n description \"A\";\n description \"B\";\n}\n",
	                         "E017 3:2 description is set twice in this app");
	expect_duplicate_setting("user u {\n name \"A\";\n name \"B\";\n}\n",
	                         "E017 3:2 name is set twice in this user");
	expect_duplicate_setting("user u {\n description \"A\";\n description \"B\";\n}\n",
	                         "E017 3:2 description is set twice in this user");
}
END_TEST

START_TEST(duplicate_setting_keeps_first_value)
{
	writ_diagnostics *d;
	int rc;

	/* Only the repeat is reported; a third setting is reported again. */
	d = load_diags("resource \"https://a.example/\" {\n name \"A\";\n name \"B\";\n name \"C\";\n}\n",
	               &rc, NULL);
	ck_assert_uint_eq(count_code(d, "E017"), 2);
	writ_diagnostics_free(d);
}
END_TEST

/* The note of a repeated setting points where the error points for the
 * repeat: at the setting's keyword. */
static void expect_first_set_at(const char *text, unsigned line, unsigned col,
                                unsigned end_col)
{
	writ_diagnostics *d;
	const struct writ_diagnostic *n;
	size_t i;
	int rc;

	d = load_diags(text, &rc, NULL);
	for (i = 0; i < writ_diagnostics_count(d); i++)
		if (strcmp(writ_diagnostics_get(d, i)->code, "E017") == 0)
			break;
	n = writ_diagnostics_get(d, i + 1);
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n->message, "first set here");
	ck_assert_msg(n->line == line && n->column == col && n->end_column == end_col,
	              "note at %u:%u-%u, expected %u:%u-%u for:\n%s", n->line,
	              n->column, n->end_column, line, col, end_col, text);
	writ_diagnostics_free(d);
}

START_TEST(duplicate_setting_note_at_first_keyword)
{
	expect_first_set_at("resource \"https://a.example/\" {\n default;\n default;\n}\n", 2, 2, 9);
	expect_first_set_at("resource \"https://a.example/\" {\n permission a;\n default-scope a;\n default-scope a;\n}\n",
	                    3, 2, 15);
	expect_first_set_at("issuer \"https://a.example\" {\n token-ttl 1h;\n token-ttl 2h;\n}\n", 2, 2, 11);
	expect_first_set_at("resource \"https://a.example/\" {\n name \"A\";\n name \"B\";\n}\n", 2, 2, 6);
	expect_first_set_at("role r for apps {\n description \"A\";\n description \"B\";\n " GRANT_A "\n}\n" RES, 2, 2, 13);
	expect_first_set_at("app a {\n name \"A\";\n name \"B\";\n}\n", 2, 2, 6);
}
END_TEST

/* ---- byte order mark ---- */

static const char bom_text[] =
	"resource \"https://a.example/\" { permission read; }\n"
	"role r for apps { grant read on \"https://a.example/\"; }\n"
	"app a { roles r; }\n";

START_TEST(bom_accepted)
{
	char text[512];
	writ_policy *p;

	snprintf(text, sizeof(text), "\xef\xbb\xbf%s", bom_text);
	p = load_ok(text);
	ck_assert_str_eq(writ_resource_indicator(p, 0), "https://a.example/");
	writ_policy_unref(p);
}
END_TEST

START_TEST(bom_not_counted_in_columns)
{
	char text[512];
	writ_diagnostics *d;
	const struct writ_diagnostic *r;
	int rc;

	/* The mark is not part of the text: columns on line 1 are those of
	 * the file without it. */
	snprintf(text, sizeof(text), "\xef\xbb\xbfresource \"https://a.example/\" { }\n");
	d = load_diags(text, &rc, NULL);
	ck_assert_uint_eq(writ_diagnostics_count(d), 1);
	r = writ_diagnostics_get(d, 0);
	ck_assert_str_eq(r->code, "W005");
	ck_assert_uint_eq(r->line, 1);
	ck_assert_uint_eq(r->column, 10);
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(bom_only_at_start)
{
	static const char *const want[] = {
		"E002 2:1 unexpected character U+FEFF",
		NULL,
	};

	expect_only("\n\xef\xbb\xbf", want);
}
END_TEST

START_TEST(bom_not_in_source_line)
{
	char text[512];
	writ_diagnostics *d;
	const struct writ_diagnostic *r;
	int rc;

	/* The quoted line is the text the columns count in. */
	snprintf(text, sizeof(text), "\xef\xbb\xbfresource \"https://a.example/\" { }\n");
	d = load_diags(text, &rc, NULL);
	r = writ_diagnostics_get(d, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->source, "resource \"https://a.example/\" { }");
	writ_diagnostics_free(d);
}
END_TEST

/* ---- secrets in syntax errors ---- */

/* Every rendered diagnostic of text: the secret never appears. */
static char *render_secret_case(const char *text, const char *secret)
{
	writ_diagnostics *d;
	char *all;
	int rc;

	d = load_diags(text, &rc, NULL);
	ck_assert_int_eq(rc, WRIT_EPOLICY);
	all = render_all(d);
	ck_assert_msg(strstr(all, secret) == NULL, "secret \"%s\" echoed in:\n%s",
	              secret, all);
	writ_diagnostics_free(d);
	return all;
}

START_TEST(secret_word_not_echoed)
{
	static const char text[] =
		"role r for apps { " GRANT_A " }\n"
		"app a {\n"
		"  secret hunter2;\n"
		"  roles r;\n"
		"}\n" RES;
	static const char *const want[] = {
		"E001 3:10 unexpected name; expected a string",
		NULL,
	};
	char *all;

	writ_diagnostics_free(expect_diags(text, want));
	all = render_secret_case(text, "hunter2");
	ck_assert_str_eq(all,
	                 "test.writ:3:10: error: unexpected name; expected a string [E001]\n"
	                 "    3 |   secret *******;\n"
	                 "      |          ^~~~~~~\n");
	free(all);
}
END_TEST

START_TEST(secret_second_string_not_echoed)
{
	char *all;

	all = render_secret_case("role r for apps { " GRANT_A " }\n"
	                         "app a {\n"
	                         "  secret \"" SCRYPT "\" \"hunter2\";\n"
	                         "  roles r;\n"
	                         "}\n" RES, "hunter2");
	ck_assert_ptr_nonnull(strstr(all, "error: unexpected string; expected 'expires' or ';' [E001]\n"));
	free(all);
}
END_TEST

START_TEST(secret_string_not_echoed_after_it)
{
	char *all;

	/* The error is on what follows the secret, but the line quoted with it
	 * holds the secret too. */
	all = render_secret_case("role r for apps { " GRANT_A " }\n"
	                         "app a {\n"
	                         "  secret \"hunter2\" oops;\n"
	                         "  roles r;\n"
	                         "}\n" RES, "hunter2");
	free(all);
	all = render_secret_case("role r for apps { " GRANT_A " }\n"
	                         "app a {\n"
	                         "  secret \"hunter2\" expires;\n"
	                         "  roles r;\n"
	                         "}\n" RES, "hunter2");
	free(all);
}
END_TEST

START_TEST(secret_as_name_hides_nothing)
{
	writ_diagnostics *d;
	size_t i;
	int rc;

	/* `secret` as a permission name introduces no secret: the indicator
	 * after it is quoted as written. */
	d = load_diags("resource \"https://a.example/\" { permission secret; }\n"
	               "role r for apps { grant secret on \"https://a.exmple/\"; }\n"
	               "app a { roles r; }\n", &rc, NULL);
	ck_assert_int_eq(rc, WRIT_EPOLICY);
	for (i = 0; i < writ_diagnostics_count(d); i++) {
		const struct writ_diagnostic *r = writ_diagnostics_get(d, i);
		if (strcmp(r->code, "E010") != 0)
			continue;
		ck_assert_uint_eq(r->line, 2);
		ck_assert_str_eq(r->source,
		                 "role r for apps { grant secret on \"https://a.exmple/\"; }");
	}
	ck_assert_uint_eq(count_code(d, "E010"), 1);
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(secret_mode_ends_at_semicolon)
{
	/* After the secret's ';' names are quoted in messages again. */
	expect_syntax_error("role r for apps { " GRANT_A " }\n"
	                    "app a {\n"
	                    "  secret \"" SCRYPT "\";\n"
	                    "  roles r x;\n"
	                    "}\n" RES,
	                    "E001 4:11 unexpected name \"x\"; expected ';' or ','");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("parser");
	TCase *tc;

	tc = tcase_create("statements");
	tcase_add_test(tc, full_policy_loads_clean);
	tcase_add_test(tc, issuer_block);
	tcase_add_test(tc, resource_items);
	tcase_add_test(tc, resource_without_optional_items);
	tcase_add_test(tc, role_items);
	tcase_add_test(tc, app_and_user_items);
	tcase_add_test(tc, empty_policy_and_empty_blocks);
	tcase_add_test(tc, include_statement);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, every_keyword_is_a_permission_name);
	tcase_add_test(tc, keywords_as_names);
	tcase_add_test(tc, keyword_secret_as_name);
	tcase_add_test(tc, quoted_names);
	tcase_add_test(tc, word_and_string_name_the_same);
	suite_add_tcase(s, tc);

	tc = tcase_create("lists");
	tcase_add_test(tc, grant_lists);
	tcase_add_test(tc, roles_lists);
	suite_add_tcase(s, tc);

	tc = tcase_create("syntax errors");
	tcase_add_test(tc, error_expected_semicolon_or_comma);
	tcase_add_test(tc, error_expected_audience);
	tcase_add_test(tc, error_expected_name_or_string);
	tcase_add_test(tc, error_expected_string);
	tcase_add_test(tc, error_at_top_level);
	tcase_add_test(tc, error_in_blocks_lists_items);
	tcase_add_test(tc, error_message_quotes_token);
	tcase_add_test(tc, error_at_end_of_file);
	tcase_add_test(tc, error_at_end_of_file_after_string);
	suite_add_tcase(s, tc);

	tc = tcase_create("recovery");
	tcase_add_test(tc, recovery_reports_errors_in_two_statements);
	tcase_add_test(tc, recovery_within_a_block);
	tcase_add_test(tc, recovery_after_missing_semicolon_before_brace);
	suite_add_tcase(s, tc);

	tc = tcase_create("duplicate settings");
	tcase_add_test(tc, duplicate_settings);
	tcase_add_test(tc, duplicate_setting_keeps_first_value);
	tcase_add_test(tc, duplicate_setting_note_at_first_keyword);
	suite_add_tcase(s, tc);

	tc = tcase_create("byte order mark");
	tcase_add_test(tc, bom_accepted);
	tcase_add_test(tc, bom_not_counted_in_columns);
	tcase_add_test(tc, bom_only_at_start);
	tcase_add_test(tc, bom_not_in_source_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("secrets");
	tcase_add_test(tc, secret_word_not_echoed);
	tcase_add_test(tc, secret_second_string_not_echoed);
	tcase_add_test(tc, secret_string_not_echoed_after_it);
	tcase_add_test(tc, secret_mode_ends_at_semicolon);
	tcase_add_test(tc, secret_as_name_hides_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
