/* test_diagnostics.c: every diagnostic a buffer can produce, the records'
 * fields, their order and their rendering. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "util.h"

#define SCRYPT "$scrypt$ln=15,r=8,p=1$EKVVomkmE0NRLbx5lmFlTw$Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06k4"
/* 22 base64 characters are 16 bytes of salt, 43 are 32 bytes of hash. */
#define SALT "EKVVomkmE0NRLbx5lmFlTw"
#define HASH "Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06k4"

#define RES "resource \"https://a.example/\" { permission a; }\n"
#define GRANT_A "grant a on \"https://a.example/\";"

/* Each record's severity is the one its code says: E, W, or a note. */
static void check_severities(const writ_diagnostics *d)
{
	size_t i;

	for (i = 0; i < writ_diagnostics_count(d); i++) {
		const struct writ_diagnostic *r = writ_diagnostics_get(d, i);
		enum writ_severity want = r->code[0] == 'E' ? WRIT_SEVERITY_ERROR
		                        : r->code[0] == 'W' ? WRIT_SEVERITY_WARNING
		                                            : WRIT_SEVERITY_NOTE;
		ck_assert_msg(r->severity == want, "record %zu (%s: %s) has severity %d",
		              i, r->code, r->message, (int)r->severity);
		ck_assert_str_eq(r->file, "test.writ");
	}
}

/* Load text; a load with an error must give WRIT_EPOLICY and no policy,
 * one without must give a policy. */
static writ_diagnostics *load_checked(const char *text)
{
	writ_diagnostics *d;
	writ_policy *p;
	int rc;

	d = load_diags(text, &rc, &p);
	check_severities(d);
	if (writ_diagnostics_errors(d) > 0) {
		ck_assert_int_eq(rc, WRIT_EPOLICY);
		ck_assert_ptr_null(p);
	} else {
		ck_assert_int_eq(rc, WRIT_OK);
		ck_assert_ptr_nonnull(p);
	}
	writ_policy_unref(p);
	return d;
}

/*
 * The records of d are exactly want (diag_line() forms, NULL-terminated),
 * in order; with a code, only that code's records and their notes count.
 */
static void expect_records(const writ_diagnostics *d, const char *code,
                           const char *const *want)
{
	size_t i, n = 0;
	bool in_group = false;

	for (i = 0; i < writ_diagnostics_count(d); i++) {
		const struct writ_diagnostic *r = writ_diagnostics_get(d, i);
		char *line;

		/* With a code: its records and the notes right behind them. */
		if (code) {
			if (r->severity != WRIT_SEVERITY_NOTE)
				in_group = strcmp(r->code, code) == 0;
			if (!in_group)
				continue;
		}
		line = diag_line(d, i);
		ck_assert_msg(want[n] != NULL, "unexpected record \"%s\"", line);
		ck_assert_str_eq(line, want[n]);
		free(line);
		n++;
	}
	ck_assert_msg(want[n] == NULL, "missing record \"%s\"", want[n]);
}

/* Every record of text is in want. */
static void expect_all(const char *text, const char *const *want)
{
	writ_diagnostics *d = load_checked(text);

	expect_records(d, NULL, want);
	writ_diagnostics_free(d);
}

/* The records of text with this code (and their notes) are want. */
static void expect_code(const char *text, const char *code,
                        const char *const *want)
{
	writ_diagnostics *d = load_checked(text);

	expect_records(d, code, want);
	writ_diagnostics_free(d);
}

/* Shorthand for one expected record of this code, or none (want NULL). */
static void expect_one(const char *text, const char *code, const char *want)
{
	const char *const list[] = { want, NULL };

	expect_code(text, code, list);
}

/* The hint of record k (from 0) among those with this code. */
static const char *nth_hint(const writ_diagnostics *d, const char *code, size_t k)
{
	size_t i;

	for (i = 0; i < writ_diagnostics_count(d); i++) {
		const struct writ_diagnostic *r = writ_diagnostics_get(d, i);
		if (strcmp(r->code, code) == 0 && k-- == 0)
			return r->hint;
	}
	ck_abort_msg("no such %s record", code);
	return NULL;
}

/* The hint of the only record with this code. */
static void expect_hint(const char *text, const char *code, const char *hint)
{
	writ_diagnostics *d = load_checked(text);
	size_t i, n = 0;

	for (i = 0; i < writ_diagnostics_count(d); i++) {
		const struct writ_diagnostic *r = writ_diagnostics_get(d, i);
		if (strcmp(r->code, code) != 0)
			continue;
		if (hint)
			ck_assert_pstr_eq(r->hint, hint);
		else
			ck_assert_ptr_null(r->hint);
		n++;
	}
	ck_assert_uint_eq(n, 1);
	writ_diagnostics_free(d);
}

/* ---- E005: not UTF-8 text ---- */

/* Load len bytes (which may hold NUL): one E005 record, want. */
static void expect_not_utf8(const char *data, size_t len, const char *want)
{
	writ_diagnostics *d = writ_diagnostics_new();
	const struct writ_diagnostic *r;
	writ_policy *p = NULL;
	char *line;

	ck_assert_int_eq(writ_policy_load_buffer("test.writ", data, len, 0, d, &p),
	                 WRIT_EPOLICY);
	ck_assert_ptr_null(p);
	/* The file is refused whole: one record, the first bad byte. */
	ck_assert_uint_eq(writ_diagnostics_count(d), 1);
	line = diag_line(d, 0);
	ck_assert_str_eq(line, want);
	free(line);
	r = writ_diagnostics_get(d, 0);
	ck_assert_int_eq(r->severity, WRIT_SEVERITY_ERROR);
	ck_assert_uint_eq(r->end_line, r->line);
	ck_assert_uint_eq(r->end_column, r->column + 1);
	writ_diagnostics_free(d);
}

#define NOT_UTF8(lit, want) expect_not_utf8(lit, sizeof(lit) - 1, want)

START_TEST(e005_invalid_utf8)
{
	NOT_UTF8("role r\xff", "E005 1:7 invalid UTF-8 byte 0xff: policy files are UTF-8 text");
	/* Columns count code points before the bad byte. */
	NOT_UTF8("# \xc3\xa9\xe2\x82\xac\x80", "E005 1:5 invalid UTF-8 byte 0x80: policy files are UTF-8 text");
	NOT_UTF8("a\n\tb\xc0\xaf", "E005 2:3 invalid UTF-8 byte 0xc0: policy files are UTF-8 text");
	/* An encoded surrogate, a code point above U+10FFFF, a cut sequence. */
	NOT_UTF8("\xed\xa0\x80", "E005 1:1 invalid UTF-8 byte 0xed: policy files are UTF-8 text");
	NOT_UTF8("\xf4\x90\x80\x80", "E005 1:1 invalid UTF-8 byte 0xf4: policy files are UTF-8 text");
	NOT_UTF8("ab\xe2\x82", "E005 1:3 invalid UTF-8 byte 0xe2: policy files are UTF-8 text");
	NOT_UTF8("\"\xe0\x80\xaf\"", "E005 1:2 invalid UTF-8 byte 0xe0: policy files are UTF-8 text");
}
END_TEST

START_TEST(e005_nul_and_control)
{
	NOT_UTF8("role\0x", "E005 1:5 NUL byte: policy files are UTF-8 text");
	NOT_UTF8("\"a\x01\" \x02", "E005 1:3 control character U+0001: policy files are UTF-8 text");
	NOT_UTF8("x\n\x1b[31m", "E005 2:1 control character U+001B: policy files are UTF-8 text");
	NOT_UTF8("\x7f", "E005 1:1 control character U+007F: policy files are UTF-8 text");
	NOT_UTF8("\x0c", "E005 1:1 control character U+000C: policy files are UTF-8 text");
}
END_TEST

START_TEST(e005_tab_cr_lf_allowed)
{
	static const char *const none[] = { NULL };

	expect_all("\t# comment\r\n\r\n", none);
}
END_TEST

START_TEST(e005_after_bom)
{
	/* The byte order mark is not part of the text (test_parser): it is no
	 * column either. */
	NOT_UTF8("\xef\xbb\xbf\xff", "E005 1:1 invalid UTF-8 byte 0xff: policy files are UTF-8 text");
}
END_TEST

/* ---- E009: duplicates ---- */

START_TEST(e009_second_issuer)
{
	static const char *const want[] = {
		"E009 2:8 a policy has one issuer block; this is a second one",
		"note 1:8 first defined here",
		NULL,
	};

	expect_all("issuer \"https://a.example\" { }\n"
	           "issuer \"https://b.example\" { }\n", want);
}
END_TEST

START_TEST(e009_resource_and_permission)
{
	static const char *const want[] = {
		"E009 1:58 permission \"a\" is defined twice",
		"note 1:44 first defined here",
		"E009 2:10 resource \"https://a.example/\" is defined twice",
		"note 1:10 first defined here",
		NULL,
	};

	expect_code("resource \"https://a.example/\" { permission a; permission a; }\n"
	            "resource \"https://a.example/\" { permission b; }\n"
	            "role r for apps { " GRANT_A " }\n"
	            "app x { roles r; }\n", "E009", want);
}
END_TEST

START_TEST(e009_role_app_user)
{
	static const char *const want[] = {
		"E009 3:6 role \"r\" is defined twice",
		"note 2:6 first defined here",
		"E009 5:5 app \"x\" is defined twice",
		"note 4:5 first defined here",
		"E009 7:6 user \"u\" is defined twice",
		"note 6:6 first defined here",
		NULL,
	};

	expect_code(RES
	            "role r for apps { " GRANT_A " }\n"
	            "role r for apps { " GRANT_A " }\n"
	            "app x { roles r; }\n"
	            "app x { roles r; }\n"
	            "user u { }\n"
	            "user u { }\n", "E009", want);
}
END_TEST

START_TEST(e009_same_name_different_kinds)
{
	static const char *const none[] = { NULL };

	/* Apps and users are separate name spaces. */
	expect_all(RES
	           "role r for apps { " GRANT_A " }\n"
	           "role q for users { " GRANT_A " }\n"
	           "app x { roles r; }\n"
	           "user x { roles q; }\n", none);
}
END_TEST

START_TEST(e009_duplicate_role_not_unused)
{
	static const char *const want[] = {
		"E009 3:6 role \"r\" is defined twice",
		"note 2:6 first defined here",
		NULL,
	};

	/* Like a duplicate resource (no W005) or permission (no W001), the
	 * ignored second role is not also reported as unused (W002). */
	expect_all(RES
	           "role r for apps { " GRANT_A " }\n"
	           "role r for users { " GRANT_A " }\n"
	           "app x { roles r; }\n", want);
}
END_TEST

START_TEST(e009_duplicate_app_not_roleless)
{
	static const char *const want[] = {
		"E009 4:5 app \"x\" is defined twice",
		"note 3:5 first defined here",
		NULL,
	};

	/* Nor is the second app reported as holding no role (W003). */
	expect_all(RES
	           "role r for apps { " GRANT_A " }\n"
	           "app x { roles r; }\n"
	           "app x { }\n", want);
}
END_TEST

/* ---- E010, E011: unknown names ---- */

START_TEST(e010_unknown_role)
{
	static const char *const want[] = {
		"E010 3:15 unknown role \"chekout\"",
		"E010 3:24 unknown role \"zzz\"",
		NULL,
	};
	static const char text[] =
		RES
		"role checkout for apps { " GRANT_A " }\n"
		"app x { roles chekout, zzz, checkout; }\n";
	writ_diagnostics *d = load_checked(text);

	expect_records(d, "E010", want);
	/* A transposition is close: a hint; nothing is close to "zzz". */
	ck_assert_pstr_eq(nth_hint(d, "E010", 0), "did you mean \"checkout\"?");
	ck_assert_ptr_null(nth_hint(d, "E010", 1));
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(e010_hint_only_same_kind)
{
	/* A user role is never suggested for an app: it could not hold it. */
	expect_hint(RES
	            "role reader for users { " GRANT_A " }\n"
	            "app x { roles readr; }\n"
	            "user u { roles reader; }\n", "E010", NULL);
	expect_hint(RES
	            "role reader for users { " GRANT_A " }\n"
	            "role writer for apps { " GRANT_A " }\n"
	            "app x { roles writr, writer; }\n"
	            "user u { roles reader; }\n", "E010", "did you mean \"writer\"?");
}
END_TEST

START_TEST(e010_unknown_resource)
{
	static const char *const want[] = {
		"E010 2:30 unknown resource \"https://a.example\"",
		"E010 3:30 unknown resource \"https://elsewhere.example/\"",
		NULL,
	};
	static const char text[] =
		RES
		"role r for apps { grant a on \"https://a.example\"; " GRANT_A " }\n"
		"role q for apps { grant a on \"https://elsewhere.example/\"; " GRANT_A " }\n"
		"app x { roles r, q; }\n";
	writ_diagnostics *d = load_checked(text);

	expect_records(d, "E010", want);
	ck_assert_pstr_eq(nth_hint(d, "E010", 0), "did you mean \"https://a.example/\"?");
	ck_assert_ptr_null(nth_hint(d, "E010", 1));
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(e011_undeclared_permission)
{
	static const char *const want[] = {
		"E011 2:25 resource \"https://a.example/\" declares no permission \"raed\"",
		"E011 2:31 resource \"https://a.example/\" declares no permission \"delete\"",
		NULL,
	};
	static const char text[] =
		"resource \"https://a.example/\" { permission read; }\n"
		"role r for apps { grant raed, delete, read on \"https://a.example/\"; }\n"
		"app x { roles r; }\n";
	writ_diagnostics *d = load_checked(text);

	expect_records(d, NULL, want);
	ck_assert_pstr_eq(nth_hint(d, "E011", 0), "did you mean \"read\"?");
	ck_assert_ptr_null(nth_hint(d, "E011", 1));
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(e011_default_scope)
{
	static const char *const want[] = {
		"E011 2:19 default-scope names \"raed\", which this resource does not declare",
		"E011 2:25 default-scope names \"nothing\", which this resource does not declare",
		NULL,
	};
	static const char text[] =
		"resource \"https://a.example/\" {\n"
		"    default-scope raed, nothing, read;\n"
		"    permission read;\n"
		"}\n"
		"role r for apps { grant read on \"https://a.example/\"; }\n"
		"app x { roles r; }\n";
	writ_diagnostics *d = load_checked(text);

	expect_records(d, NULL, want);
	ck_assert_pstr_eq(nth_hint(d, "E011", 0), "did you mean \"read\"?");
	ck_assert_ptr_null(nth_hint(d, "E011", 1));
	writ_diagnostics_free(d);
}
END_TEST

/* ---- E012: role kinds ---- */

START_TEST(e012_user_role_on_app)
{
	static const char *const want[] = {
		"E012 4:15 role \"u\" is for users; app \"x\" cannot hold it",
		"note 2:6 role \"u\" is declared here",
		NULL,
	};
	writ_diagnostics *d = load_checked(RES
	                                   "role u for users { " GRANT_A " }\n"
	                                   "user v { roles u; }\n"
	                                   "app x { roles u; }\n");

	/* The note follows its error even though it points at an earlier
	 * line. */
	expect_records(d, "E012", want);
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(e012_app_role_on_user)
{
	static const char *const want[] = {
		"E012 4:16 role \"a\" is for apps; user \"v\" cannot hold it",
		"note 2:6 role \"a\" is declared here",
		NULL,
	};

	expect_code(RES
	            "role a for apps { " GRANT_A " }\n"
	            "app x { roles a; }\n"
	            "user v { roles a; }\n", "E012", want);
}
END_TEST

/* ---- E013, E014, E015: values ---- */

static void expect_indicator(const char *indicator, const char *why)
{
	char text[512], want[512];

	snprintf(text, sizeof(text),
	         "resource \"%s\" { permission a; }\nrole r for apps { grant a on \"%s\"; }\n"
	         "app x { roles r; }\n", indicator, indicator);
	snprintf(want, sizeof(want), "E013 1:10 invalid resource indicator: %s", why);
	expect_one(text, "E013", want);
}

START_TEST(e013_indicators)
{
	expect_indicator("", "it is empty");
	expect_indicator("api.example.com", "it is not an absolute URI: it has no scheme");
	expect_indicator("/orders", "it is not an absolute URI: it must start with a scheme such as https:");
	expect_indicator("https:", "it has nothing after the scheme");
	expect_indicator("https://a.example/#top",
	                 "it has a fragment, which a resource indicator must not have (RFC 8707 section 2)");
	expect_indicator("https://a.example/a b", "it contains a space");
	expect_indicator("https://a.example/%zz", "it contains a malformed percent-escape");
	expect_indicator("https://caf\xc3\xa9.example/",
	                 "it contains a character outside ASCII (percent-encode it)");
	expect_indicator("https://a.example/<x>", "it contains a character that a URI cannot hold");
}
END_TEST

START_TEST(e013_valid_indicators)
{
	static const char *const none[] = { NULL };

	/* A query is allowed (RFC 8707 section 2), and any scheme. */
	expect_code("resource \"https://a.example/?v=1\" { permission a; }\n"
	            "resource \"urn:example:orders\" { permission a; }\n",
	            "E013", none);
}
END_TEST

static void expect_permission_name(const char *name, const char *why)
{
	char text[512], want[512];

	snprintf(text, sizeof(text),
	         "resource \"https://a.example/\" {\n    permission \"%s\";\n}\n", name);
	snprintf(want, sizeof(want),
	         "E014 2:16 invalid permission name: %s (RFC 6749 section 3.3)", why);
	expect_one(text, "E014", want);
}

START_TEST(e014_permission_names)
{
	expect_permission_name("", "a scope-token cannot be empty");
	expect_permission_name("read all", "a scope-token cannot contain a space");
	expect_permission_name("a\\\"b", "a scope-token cannot contain '\"' or '\\'");
	expect_permission_name("a\\\\b", "a scope-token cannot contain '\"' or '\\'");
	expect_permission_name("caf\xc3\xa9", "a scope-token is printable ASCII only");
	expect_permission_name("a\\tb", "a scope-token cannot contain a control character");
}
END_TEST

START_TEST(e014_no_unused_warning)
{
	static const char *const want[] = {
		"E014 2:16 invalid permission name: a scope-token cannot contain a space (RFC 6749 section 3.3)",
		NULL,
	};

	/* An invalid permission is not also reported as never granted. */
	expect_all("resource \"https://a.example/\" {\n    permission \"a b\";\n}\n", want);
}
END_TEST

static void expect_duration(const char *value, const char *why)
{
	char text[512], want[512];

	snprintf(text, sizeof(text),
	         "resource \"https://a.example/\" {\n    token-ttl %s;\n    permission a;\n}\n",
	         value);
	snprintf(want, sizeof(want), "E015 2:15 invalid token-ttl: %s", why);
	expect_one(text, "E015", want);
}

START_TEST(e015_durations)
{
	expect_duration("0", "a duration must be at least 1 second");
	expect_duration("0d", "a duration must be at least 1 second");
	expect_duration("2147483648", "the duration is longer than 2147483647 seconds");
	expect_duration("24856d", "the duration is longer than 2147483647 seconds");
	expect_duration("99999999999999999999", "the duration is longer than 2147483647 seconds");
	expect_duration("10x", "a duration is a whole number, optionally followed by s, m, h or d");
	expect_duration("1.5h", "a duration is a whole number, optionally followed by s, m, h or d");
	expect_duration("h", "a duration starts with a number");
}
END_TEST

START_TEST(e015_issuer_duration)
{
	expect_one("issuer \"https://auth.example.com\" {\n    token-ttl 10M;\n}\n", "E015",
	           "E015 2:15 invalid token-ttl: a duration is a whole number, optionally followed by s, m, h or d");
}
END_TEST

/* ---- E016: plaintext secrets ---- */

static const char plaintext_policy[] =
	RES
	"role r for apps { " GRANT_A " }\n"
	"app x {\n"
	"    secret \"hunter2\" expires \"2027-01-31T00:00:00Z\";\n"
	"    roles r;\n"
	"}\n";

START_TEST(e016_plaintext_secret)
{
	static const char *const want[] = {
		"E016 4:12 app secret is not a hash: a plaintext secret is refused",
		NULL,
	};

	expect_all(plaintext_policy, want);
	expect_hint(plaintext_policy, "E016",
	            "store the hash that `writ hash-secret` prints, never the secret");
}
END_TEST

START_TEST(e016_rendered_redacted)
{
	writ_diagnostics *d = load_checked(plaintext_policy);
	char *all = render_all(d);

	ck_assert_str_eq(all,
	                 "test.writ:4:12: error: app secret is not a hash: a plaintext secret is refused [E016]\n"
	                 "    4 |     secret \"*******\" expires \"2027-01-31T00:00:00Z\";\n"
	                 "      |            ^~~~~~~~~\n"
	                 "      = hint: store the hash that `writ hash-secret` prints, never the secret\n");
	/* The record's own copy of the line is masked too. */
	ck_assert_ptr_null(strstr(writ_diagnostics_get(d, 0)->source, "hunter2"));
	free(all);
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(e016_secret_never_rendered)
{
	writ_diagnostics *d;
	char *all;
	int rc;

	/* Other records on the secret's line quote that line too: a warning
	 * about the app, an error about the expiry. None may show it. */
	d = load_diags("app x { secret \"hunter2\" expires \"soon\"; }\n", &rc, NULL);
	ck_assert_int_eq(rc, WRIT_EPOLICY);
	ck_assert_uint_eq(writ_diagnostics_count(d), 3);
	all = render_all(d);
	ck_assert_msg(strstr(all, "hunter2") == NULL, "secret rendered in:\n%s", all);
	free(all);
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(e016_multibyte_secret_redacted)
{
	writ_diagnostics *d = load_checked(RES
	                                   "role r for apps { " GRANT_A " }\n"
	                                   "app x { roles r; secret \"p\xc3\xa4ss\xe2\x82\xac\"; }\n");
	const struct writ_diagnostic *r = writ_diagnostics_get(d, 0);

	/* One '*' per code point keeps the columns of the line true. */
	ck_assert_str_eq(r->code, "E016");
	ck_assert_str_eq(r->source, "app x { roles r; secret \"*****\"; }");
	writ_diagnostics_free(d);
}
END_TEST

/* ---- E017, E019: settings ---- */

START_TEST(e017_duplicate_setting)
{
	static const char *const want[] = {
		"E017 3:5 default is set twice in this resource",
		"note 2:5 first set here",
		NULL,
	};

	/* test_parser checks every setting; here the record and its note. */
	expect_code("resource \"https://a.example/\" {\n"
	            "    default;\n"
	            "    default;\n"
	            "    permission a;\n"
	            "}\n", "E017", want);
}
END_TEST

START_TEST(e019_two_defaults)
{
	static const char *const want[] = {
		"E019 2:47 a second resource is marked default",
		"note 1:47 the first default resource is marked here",
		"E019 3:47 a second resource is marked default",
		"note 1:47 the first default resource is marked here",
		NULL,
	};

	expect_code("resource \"https://a.example/\" { permission a; default; }\n"
	            "resource \"https://b.example/\" { permission a; default; }\n"
	            "resource \"https://c.example/\" { permission a; default; }\n",
	            "E019", want);
}
END_TEST

/* ---- E018, W009: issuer ---- */

static void expect_issuer(const char *url, const char *why)
{
	char text[512], want[512];

	snprintf(text, sizeof(text), "issuer \"%s\" { }\n", url);
	snprintf(want, sizeof(want), "E018 1:8 invalid issuer identifier: %s", why);
	expect_one(text, "E018", want);
}

START_TEST(e018_issuers)
{
	expect_issuer("http://auth.example.com", "it must use https (RFC 8414 section 2)");
	expect_issuer("http://localhost.example.com/", "it must use https (RFC 8414 section 2)");
	expect_issuer("ftp://auth.example.com", "it must use https (RFC 8414 section 2)");
	expect_issuer("https://auth.example.com/?tenant=1",
	              "it has a query, which an issuer identifier must not have (RFC 8414 section 2)");
	expect_issuer("https://auth.example.com/#x",
	              "it has a fragment, which an issuer identifier must not have (RFC 8414 section 2)");
	expect_issuer("https:///path", "it has no host (write https://host/path)");
	expect_issuer("https:auth.example.com", "it has no host (write https://host/path)");
	expect_issuer("auth.example.com", "it is not an absolute URI: it has no scheme");
}
END_TEST

START_TEST(w009_http_loopback)
{
	static const char *const urls[] = {
		"http://localhost", "http://localhost:8080/realm", "http://127.0.0.1",
		"http://127.1.2.3:9000", "http://[::1]", "http://[::1]:8443/x",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(urls); i++) {
		char text[256];
		snprintf(text, sizeof(text), "issuer \"%s\" { }\n", urls[i]);
		/* A warning only: the policy loads. */
		expect_one(text, "W009",
		           "W009 1:8 the issuer uses http: acceptable on a loopback host for testing only");
	}
}
END_TEST

/* ---- E020: times ---- */

static void expect_expiry(const char *when, const char *why)
{
	char text[512], want[512];

	snprintf(text, sizeof(text),
	         "app x {\n    secret \"" SCRYPT "\"\n        expires \"%s\";\n}\n", when);
	snprintf(want, sizeof(want), "E020 3:17 invalid expiry time: %s", why);
	expect_one(text, "E020", want);
}

START_TEST(e020_times)
{
	expect_expiry("tomorrow", "a time is written like 2027-01-31T00:00:00Z (RFC 3339)");
	expect_expiry("2027-02-30T00:00:00Z", "the date does not exist");
	expect_expiry("2027-13-01T00:00:00Z", "the date does not exist");
	expect_expiry("2027-01-31T24:00:00Z", "the time of day is out of range");
	expect_expiry("2027-01-31T00:00:00+24:00", "the time zone offset is out of range");
	expect_expiry("2027-01-31T00:00:00.5", "a time needs a time zone: Z or an offset such as +02:00");
}
END_TEST

/* ---- E022: malformed hashes ---- */

static void expect_hash(const char *hash, const char *why)
{
	char text[512], want[512];

	snprintf(text, sizeof(text), "app x {\n    secret \"%s\";\n}\n", hash);
	snprintf(want, sizeof(want), "E022 2:12 malformed secret hash: %s", why);
	expect_one(text, "E022", want);
}

START_TEST(e022_hashes)
{
	expect_hash("$scrypt$ln=0,r=8,p=1$" SALT "$" HASH, "a parameter is out of range");
	expect_hash("$scrypt$ln=32,r=8,p=1$" SALT "$" HASH, "a parameter is out of range");
	expect_hash("$scrypt$ln=15,r=256,p=1$" SALT "$" HASH, "a parameter is out of range");
	expect_hash("$scrypt$ln=15,r=8$" SALT "$" HASH, "its parameters are malformed");
	expect_hash("$scrypt$r=8,ln=15,p=1$" SALT "$" HASH, "its parameters are malformed");
	expect_hash("$pbkdf2-sha256$i=0$" SALT "$" HASH, "a parameter is out of range");
	expect_hash("$pbkdf2-sha256$n=1000$" SALT "$" HASH, "its parameters are malformed");
	expect_hash("$scrypt$ln=15,r=8,p=1$EKVVomkmE0NRLbx5lmFl$" HASH,
	            "its salt is shorter than 16 bytes");
	expect_hash("$scrypt$ln=15,r=8,p=1$" SALT "$Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06k",
	            "its hash is shorter than 32 bytes");
	expect_hash("$scrypt$ln=15,r=8,p=1$" SALT "==$" HASH,
	            "its salt or hash is not unpadded base64");
}
END_TEST

/* ---- E023: identifiers ---- */

START_TEST(e023_empty_names)
{
	expect_one(RES "role \"\" for apps { " GRANT_A " }\n", "E023",
	           "E023 2:6 invalid role name: a name cannot be empty");
	expect_one("app \"\" { }\n", "E023",
	           "E023 1:5 invalid client id: a client id cannot be empty");
	expect_one("user \"\" { }\n", "E023",
	           "E023 1:6 invalid user id: a name cannot be empty");
}
END_TEST

START_TEST(e023_client_id_characters)
{
	expect_one("app \"caf\xc3\xa9\" { }\n", "E023",
	           "E023 1:5 invalid client id: a client id is printable ASCII only (RFC 6749 appendix A.1)");
	expect_one("app \"a\\tb\" { }\n", "E023",
	           "E023 1:5 invalid client id: a client id is printable ASCII only (RFC 6749 appendix A.1)");
	expect_one("app \"a\\u007f\" { }\n", "E023",
	           "E023 1:5 invalid client id: a client id is printable ASCII only (RFC 6749 appendix A.1)");
	/* RFC 6749 VSCHAR includes the space. */
	expect_one(RES "role r for apps { " GRANT_A " }\n"
	           "app \"client 1\" { roles r; }\n", "E023", NULL);
}
END_TEST

START_TEST(e023_control_in_names)
{
	expect_one(RES "role \"a\\nb\" for apps { " GRANT_A " }\n", "E023",
	           "E023 2:6 invalid role name: a name cannot contain a control character");
	expect_one("user \"a\\u0001\" { }\n", "E023",
	           "E023 1:6 invalid user id: a name cannot contain a control character");
	/* A user id may be any text. */
	expect_one(RES "role r for users { " GRANT_A " }\n"
	           "user \"Jos\xc3\xa9 \xe2\x82\xac\" { roles r; }\n", "E023", NULL);
}
END_TEST

/* ---- E006: includes from a buffer ---- */

START_TEST(e006_includes)
{
	expect_one("include \"\";\n", "E006", "E006 1:9 include names no file");
	expect_one("\ninclude \"no-such-file.writ\";\n", "E006",
	           "E006 2:9 cannot read no-such-file.writ: No such file or directory");
}
END_TEST

/* ---- warnings ---- */

START_TEST(w001_permission_never_granted)
{
	static const char *const want[] = {
		"W001 1:58 no role grants permission \"b\"",
		NULL,
	};

	expect_all("resource \"https://a.example/\" { permission a; permission b; }\n"
	           "role r for apps { " GRANT_A " }\n"
	           "app x { roles r; }\n", want);
}
END_TEST

START_TEST(w002_role_given_to_nobody)
{
	static const char *const want[] = {
		"W002 2:6 role \"r\" is given to no app",
		"W002 3:6 role \"s\" is given to no user",
		NULL,
	};

	expect_all(RES
	           "role r for apps { " GRANT_A " }\n"
	           "role s for users { " GRANT_A " }\n", want);
}
END_TEST

START_TEST(w002_role_without_grants)
{
	static const char *const want[] = {
		"W001 1:44 no role grants permission \"a\"",
		"W002 2:6 role \"r\" is given to no app",
		NULL,
	};

	/* A role may be empty; only its being unused is worth a warning.
	 * (Under the sanitizers this also checks that an empty grant list is
	 * handled without undefined behaviour.) */
	expect_all(RES "role r for apps { }\n", want);
}
END_TEST

START_TEST(w003_principal_without_roles)
{
	static const char *const want[] = {
		"W003 1:5 app \"x\" holds no role, so it is granted nothing",
		"W003 2:6 user \"u\" holds no role, so it is granted nothing",
		NULL,
	};

	/* Warnings only: the policy compiles, principals without roles too. */
	expect_all("app x { name \"X\"; }\n"
	           "user u { }\n", want);
}
END_TEST

START_TEST(w004_grant_twice)
{
	static const char *const want[] = {
		"W004 2:28 role grants \"a\" on \"https://a.example/\" twice",
		"W004 3:11 role grants \"a\" on \"https://a.example/\" twice",
		NULL,
	};

	expect_all(RES
	           "role r for apps { grant a, a on \"https://a.example/\";\n"
	           "    grant a on \"https://a.example/\"; }\n"
	           "app x { roles r; }\n", want);
}
END_TEST

START_TEST(w005_resource_without_permissions)
{
	static const char *const want[] = {
		"W005 1:10 resource declares no permission",
		NULL,
	};

	expect_all("resource \"https://a.example/\" { name \"A\"; }\n", want);
}
END_TEST

START_TEST(w006_role_given_twice)
{
	static const char *const want[] = {
		"W006 3:18 role \"r\" is given to app \"x\" twice",
		"W006 4:25 role \"q\" is given to user \"u\" twice",
		NULL,
	};

	expect_all(RES
	           "role r for apps { " GRANT_A " }\n"
	           "app x { roles r, r; }\n"
	           "user u { roles q; roles q; }\n"
	           "role q for users { " GRANT_A " }\n", want);
}
END_TEST

/* ---- inline suppressions ---- */

START_TEST(w014_suppressions)
{
	/* Same line, line above, lists; what is left is reported. */
	static const char *const want[] = {
		"W014 4:41 this suppression of W003 is unused: no W003 on line 4",
		"W014 7:20 this suppression of W001 is unused: no W001 on line 8",
		NULL,
	};

	expect_all("resource \"https://a.example/\" {\n"
	           "    permission a;\n"
	           "    permission b;  # writ: ignore[W001]\n"
	           "    permission c;  # writ: ignore[W001, W003]\n"
	           "    # writ: ignore[W001]\n"
	           "    permission e;\n"
	           "    # writ: ignore[W001]\n"
	           "\n"
	           "}\n"
	           "role r for users { " GRANT_A " }\n"
	           "user u { roles r; }\n",
	           want);
}
END_TEST

START_TEST(w014_counts_and_notes)
{
	/* A suppressed warning is not counted, and its notes go with it. */
	static const char text[] =
		"resource \"https://a.example/\" {\r\n"
		"    permission a;\r\n"
		"    route GET \"/{kind}/new\" public;\r\n"
		"    route GET \"/items/{id}\" requires a; # writ: ignore[W012]\r\n"
		"}\r\n"
		"role r for users { " GRANT_A " }\r\n"
		"user u { roles r; }  # writ: ignore[W999]\r\n";
	writ_diagnostics *d = load_checked(text);

	ck_assert_uint_eq(writ_diagnostics_count(d), 1);
	ck_assert_uint_eq(writ_diagnostics_warnings(d), 1);
	ck_assert_str_eq(writ_diagnostics_get(d, 0)->code, "W014");
	/* The span of the code ends before the line's CR. */
	ck_assert_uint_eq(writ_diagnostics_get(d, 0)->column, 37);
	ck_assert_uint_eq(writ_diagnostics_get(d, 0)->end_column, 41);
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(w014_errors_not_suppressed)
{
	/* An error stays; with one, unused codes are not reported (W005). */
	static const char *const want[] = {
		"W002 2:6 role \"r\" is given to no user",
		"E010 3:16 unknown role \"nobody\"",
		"W014 3:42 E010 is an error: errors cannot be suppressed, only warnings",
		NULL,
	};

	expect_all(RES
	           "role r for users { " GRANT_A " }\n"
	           "user u { roles nobody; }  # writ: ignore[E010, W005]\n",
	           want);
}
END_TEST

START_TEST(w014_second_load)
{
	/* A load appending to a list leaves the records before it alone. */
	static const char first[] = "app x { }\n";
	static const char second[] = "app y { }  # writ: ignore[W003]\n";
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p = NULL;

	ck_assert_int_eq(writ_policy_load_buffer("one.writ", first, strlen(first), 0, d, &p),
	                 WRIT_OK);
	writ_policy_unref(p);
	ck_assert_int_eq(writ_policy_load_buffer("two.writ", second, strlen(second), 0, d, &p),
	                 WRIT_OK);
	writ_policy_unref(p);
	ck_assert_uint_eq(writ_diagnostics_count(d), 1);
	ck_assert_uint_eq(writ_diagnostics_warnings(d), 1);
	ck_assert_str_eq(writ_diagnostics_get(d, 0)->file, "one.writ");
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(codes_documented)
{
	size_t i, n = writ_diagnostic_code_count();

	ck_assert_uint_gt(n, 0);
	for (i = 0; i < n; i++) {
		const char *code = writ_diagnostic_code(i);
		ck_assert_ptr_nonnull(code);
		ck_assert_uint_eq(strlen(code), 4);
		ck_assert(code[0] == 'E' || code[0] == 'W');
		if (i > 0)
			ck_assert_int_lt(strcmp(writ_diagnostic_code(i - 1), code), 0);
		ck_assert_ptr_nonnull(writ_diagnostic_code_title(code));
		ck_assert_ptr_nonnull(writ_diagnostic_code_help(code));
		ck_assert_ptr_nonnull(writ_diagnostic_code_example(code));
		ck_assert(writ_diagnostic_code_example(code)[strlen(writ_diagnostic_code_example(code)) - 1] == '\n');
	}
	ck_assert_ptr_null(writ_diagnostic_code(n));
	ck_assert_ptr_null(writ_diagnostic_code_title("E999"));
	ck_assert_ptr_null(writ_diagnostic_code_help(NULL));
	ck_assert_str_eq(writ_diagnostic_code_title("E010"), "unknown-name");
}
END_TEST

/* ---- rendering ---- */

/* The rendering of the first record with this code. */
static char *render_code(const writ_diagnostics *d, const char *code)
{
	size_t i;

	for (i = 0; i < writ_diagnostics_count(d); i++)
		if (strcmp(writ_diagnostics_get(d, i)->code, code) == 0)
			return writ_diagnostic_render(d, i);
	ck_abort_msg("no %s record", code);
	return NULL;
}

START_TEST(render_error_with_hint)
{
	writ_diagnostics *d = load_checked(
		"role checkout for apps { grant a on \"https://a.example/\"; }\n"
		"app x {\n"
		"    roles chekout;\n"
		"}\n" RES);
	char *s = render_code(d, "E010");

	ck_assert_str_eq(s,
	                 "test.writ:3:11: error: unknown role \"chekout\" [E010]\n"
	                 "    3 |     roles chekout;\n"
	                 "      |           ^~~~~~~\n"
	                 "      = hint: did you mean \"checkout\"?\n");
	free(s);
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(render_warning_and_note)
{
	writ_diagnostics *d = load_checked(
		"resource \"https://a.example/\" { }\n"
		"resource \"https://a.example/\" { }\n");
	char *s;

	ck_assert_uint_eq(writ_diagnostics_count(d), 3);
	s = writ_diagnostic_render(d, 0);
	ck_assert_str_eq(s,
	                 "test.writ:1:10: warning: resource declares no permission [W005]\n"
	                 "    1 | resource \"https://a.example/\" { }\n"
	                 "      |          ^~~~~~~~~~~~~~~~~~~~\n");
	free(s);
	/* A note has no code. */
	s = writ_diagnostic_render(d, 2);
	ck_assert_str_eq(s,
	                 "test.writ:1:10: note: first defined here\n"
	                 "    1 | resource \"https://a.example/\" { }\n"
	                 "      |          ^~~~~~~~~~~~~~~~~~~~\n");
	free(s);
	ck_assert_ptr_null(writ_diagnostic_render(d, 3));
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(render_keeps_tabs)
{
	writ_diagnostics *d = load_checked(
		"resource \"https://a.example/\" {\n"
		"\tpermission\t\"a b\";\n"
		"}\n");
	char *s = render_code(d, "E014");

	/* Tabs before the caret stay tabs, so it lines up on any terminal. */
	ck_assert_str_eq(s,
	                 "test.writ:2:13: error: invalid permission name: a scope-token cannot contain a space (RFC 6749 section 3.3) [E014]\n"
	                 "    2 | \tpermission\t\"a b\";\n"
	                 "      | \t          \t^~~~~\n");
	free(s);
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(render_after_multibyte)
{
	writ_diagnostics *d = load_checked("app \"\xc3\xa9\" { roles zz; }\n");
	char *s = render_code(d, "E010");

	/* One space per code point before the caret, not per byte. */
	ck_assert_str_eq(s,
	                 "test.writ:1:17: error: unknown role \"zz\" [E010]\n"
	                 "    1 | app \"\xc3\xa9\" { roles zz; }\n"
	                 "      |                 ^~\n");
	free(s);
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(render_wide_line_numbers)
{
	struct buf b;
	writ_diagnostics *d;
	char *s;
	int i;

	buf_init(&b);
	for (i = 1; i < 10000; i++)
		buf_putc(&b, '\n');
	buf_puts(&b, "resource \"https://a.example/\" { }\n");
	ck_assert(!b.oom);
	d = load_checked(b.data);
	buf_free(&b);
	s = writ_diagnostic_render(d, 0);
	/* The gutter grows with the line number. */
	ck_assert_str_eq(s,
	                 "test.writ:10000:10: warning: resource declares no permission [W005]\n"
	                 " 10000 | resource \"https://a.example/\" { }\n"
	                 "       |          ^~~~~~~~~~~~~~~~~~~~\n");
	free(s);
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(render_crlf_source)
{
	writ_diagnostics *d = load_checked("resource \"https://a.example/\" { }\r\n");
	char *s = writ_diagnostic_render(d, 0);

	/* The CR of a CRLF line end is not part of the quoted line. */
	ck_assert_str_eq(writ_diagnostics_get(d, 0)->source, "resource \"https://a.example/\" { }");
	ck_assert_str_eq(s,
	                 "test.writ:1:10: warning: resource declares no permission [W005]\n"
	                 "    1 | resource \"https://a.example/\" { }\n"
	                 "      |          ^~~~~~~~~~~~~~~~~~~~\n");
	free(s);
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(render_file_diagnostic)
{
	const char *const paths[] = { "no-such-dir/policy.writ" };
	writ_diagnostics *d = writ_diagnostics_new();
	const struct writ_diagnostic *r;
	writ_policy *p = NULL;
	char *s;

	/* A diagnostic about a whole file has no line and no source. */
	ck_assert_int_eq(writ_policy_load(paths, 1, 0, d, &p), WRIT_EIO);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(writ_diagnostics_count(d), 1);
	r = writ_diagnostics_get(d, 0);
	ck_assert_uint_eq(r->line, 0);
	ck_assert_ptr_null(r->source);
	ck_assert_str_eq(r->code, "E006");
	s = writ_diagnostic_render(d, 0);
	ck_assert_str_eq(s,
	                 "no-such-dir/policy.writ: error: cannot read no-such-dir/policy.writ: No such file or directory [E006]\n");
	free(s);
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(render_records_beyond_limit)
{
	struct buf b;
	writ_diagnostics *d;
	char *s;
	int i, rc;

	/* 10002 errors: the first 10000 are kept, the rest only counted. */
	buf_init(&b);
	for (i = 0; i < 10002; i++)
		buf_puts(&b, "(\n");
	ck_assert(!b.oom);
	d = load_diags(b.data, &rc, NULL);
	buf_free(&b);
	ck_assert_int_eq(rc, WRIT_EPOLICY);
	ck_assert_uint_eq(writ_diagnostics_count(d), 10000);
	ck_assert_uint_eq(writ_diagnostics_errors(d), 10002);
	s = writ_diagnostic_render(d, 9999);
	ck_assert_ptr_nonnull(strstr(s, "\nnote: 2 more diagnostics were not recorded\n"));
	free(s);
	s = writ_diagnostic_render(d, 0);
	ck_assert_ptr_null(strstr(s, "not recorded"));
	free(s);
	writ_diagnostics_free(d);
}
END_TEST

/* ---- the list ---- */

START_TEST(sorted_by_line)
{
	static const char *const want[] = {
		"W005 1:10 resource declares no permission",
		"E010 3:15 unknown role \"nobody\"",
		"W003 4:5 app \"y\" holds no role, so it is granted nothing",
		"E001 4:17 unexpected name \"b\"; expected ';' or ','",
		"E009 5:10 resource \"https://a.example/\" is defined twice",
		"note 1:10 first defined here",
		NULL,
	};

	/* The syntax error is found first, the rest by the semantic pass;
	 * notes stay behind their record. */
	expect_all("resource \"https://a.example/\" { }\n"
	           "\n"
	           "app x { roles nobody; }\n"
	           "app y { roles a b; }\n"
	           "resource \"https://a.example/\" { }\n", want);
}
END_TEST

START_TEST(counts_and_clear)
{
	writ_diagnostics *d = load_checked(
		"resource \"https://a.example/\" { }\n"
		"resource \"https://a.example/\" { }\n"
		"app x { roles nobody; }\n");

	/* W005, E009 and its note, E010. */
	ck_assert_uint_eq(writ_diagnostics_count(d), 4);
	ck_assert_uint_eq(writ_diagnostics_errors(d), 2);
	ck_assert_uint_eq(writ_diagnostics_warnings(d), 1);
	ck_assert_ptr_null(writ_diagnostics_get(d, 4));
	writ_diagnostics_clear(d);
	ck_assert_uint_eq(writ_diagnostics_count(d), 0);
	ck_assert_uint_eq(writ_diagnostics_errors(d), 0);
	ck_assert_uint_eq(writ_diagnostics_warnings(d), 0);
	ck_assert_ptr_null(writ_diagnostics_get(d, 0));
	ck_assert_ptr_null(writ_diagnostic_render(d, 0));
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(reuse_after_clear)
{
	static const char text[] = "resource \"https://a.example/\" { }\n";
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p = NULL;
	int i;

	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(writ_policy_load_buffer("test.writ", text, strlen(text), 0, d, &p),
		                 WRIT_OK);
		writ_policy_unref(p);
		ck_assert_uint_eq(writ_diagnostics_count(d), 1);
		ck_assert_uint_eq(writ_diagnostics_warnings(d), 1);
		ck_assert_str_eq(writ_diagnostics_get(d, 0)->code, "W005");
		writ_diagnostics_clear(d);
	}
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(loads_append)
{
	static const char first[] = "\n\nresource \"https://a.example/\" { }\n";
	static const char second[] = "app x { roles nobody; }\n";
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p = NULL;

	/* A second load adds its records after the first's, sorted among
	 * themselves only. */
	ck_assert_int_eq(writ_policy_load_buffer("one.writ", first, strlen(first), 0, d, &p),
	                 WRIT_OK);
	writ_policy_unref(p);
	ck_assert_int_eq(writ_policy_load_buffer("two.writ", second, strlen(second), 0, d, &p),
	                 WRIT_EPOLICY);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(writ_diagnostics_count(d), 2);
	ck_assert_uint_eq(writ_diagnostics_errors(d), 1);
	ck_assert_uint_eq(writ_diagnostics_warnings(d), 1);
	ck_assert_str_eq(writ_diagnostics_get(d, 0)->file, "one.writ");
	ck_assert_uint_eq(writ_diagnostics_get(d, 0)->line, 3);
	ck_assert_str_eq(writ_diagnostics_get(d, 1)->file, "two.writ");
	ck_assert_uint_eq(writ_diagnostics_get(d, 1)->line, 1);
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(null_lists)
{
	writ_diagnostics_clear(NULL);
	writ_diagnostics_free(NULL);
	ck_assert_uint_eq(writ_diagnostics_count(NULL), 0);
	ck_assert_uint_eq(writ_diagnostics_errors(NULL), 0);
	ck_assert_uint_eq(writ_diagnostics_warnings(NULL), 0);
	ck_assert_ptr_null(writ_diagnostics_get(NULL, 0));
	ck_assert_ptr_null(writ_diagnostic_render(NULL, 0));
}
END_TEST

START_TEST(errors_give_epolicy_and_no_policy)
{
	static const char text[] = "app x { roles nobody; }\n";
	writ_policy *p = (writ_policy *)&p;

	/* Without a list to fill, the answer is the same. */
	ck_assert_int_eq(writ_policy_load_buffer("test.writ", text, strlen(text), 0, NULL, &p),
	                 WRIT_EPOLICY);
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(warnings_still_load)
{
	static const char text[] = "resource \"https://a.example/\" { }\n";
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p = NULL;

	ck_assert_int_eq(writ_policy_load_buffer("test.writ", text, strlen(text), 0, d, &p),
	                 WRIT_OK);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(writ_diagnostics_errors(d), 0);
	ck_assert_uint_eq(writ_diagnostics_warnings(d), 1);
	writ_policy_unref(p);
	writ_diagnostics_free(d);
}
END_TEST

/* ---- infos: W019, W020 ---- */

/* An info is its own severity: counted as neither error nor warning, so
 * the policy loads and --werror has nothing to fail on. */
START_TEST(infos_are_not_warnings)
{
	const char *text =
		"resource \"https://api.example.com\" {\n"
		"    permission read:item;\n"
		"    permission audit:item;\n"
		"    route GET \"/items\" requires read:item;\n"
		"}\n"
		"role reader for apps { grant read:item, audit:item on \"https://api.example.com\"; }\n"
		"app importer { roles reader; }\n";
	const struct writ_diagnostic *r;
	writ_diagnostics *d;
	writ_policy *p;
	char *out;
	int rc;

	d = load_diags(text, &rc, &p);
	ck_assert_int_eq(rc, WRIT_OK);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(writ_diagnostics_count(d), 2);
	ck_assert_uint_eq(writ_diagnostics_errors(d), 0);
	ck_assert_uint_eq(writ_diagnostics_warnings(d), 0);
	r = writ_diagnostics_get(d, 0);
	ck_assert_int_eq(r->severity, WRIT_SEVERITY_INFO);
	ck_assert_str_eq(r->code, "W019");
	ck_assert_int_eq(writ_diagnostics_get(d, 1)->severity, WRIT_SEVERITY_INFO);
	ck_assert_str_eq(writ_diagnostics_get(d, 1)->code, "W020");
	ck_assert_str_eq(writ_severity_name(WRIT_SEVERITY_INFO), "info");
	out = writ_diagnostic_render(d, 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(out, ":3:16: info: no route of this resource requires permission \"audit:item\" [W019]\n"));
	free(out);
	writ_policy_unref(p);
	writ_diagnostics_free(d);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("diagnostics");
	TCase *tc;

	tc = tcase_create("E005 text");
	tcase_add_test(tc, infos_are_not_warnings);
	tcase_add_test(tc, e005_invalid_utf8);
	tcase_add_test(tc, e005_nul_and_control);
	tcase_add_test(tc, e005_tab_cr_lf_allowed);
	tcase_add_test(tc, e005_after_bom);
	suite_add_tcase(s, tc);

	tc = tcase_create("E009 duplicates");
	tcase_add_test(tc, e009_second_issuer);
	tcase_add_test(tc, e009_resource_and_permission);
	tcase_add_test(tc, e009_role_app_user);
	tcase_add_test(tc, e009_same_name_different_kinds);
	tcase_add_test(tc, e009_duplicate_role_not_unused);
	tcase_add_test(tc, e009_duplicate_app_not_roleless);
	suite_add_tcase(s, tc);

	tc = tcase_create("E010-E012 names");
	tcase_add_test(tc, e010_unknown_role);
	tcase_add_test(tc, e010_hint_only_same_kind);
	tcase_add_test(tc, e010_unknown_resource);
	tcase_add_test(tc, e011_undeclared_permission);
	tcase_add_test(tc, e011_default_scope);
	tcase_add_test(tc, e012_user_role_on_app);
	tcase_add_test(tc, e012_app_role_on_user);
	suite_add_tcase(s, tc);

	tc = tcase_create("E013-E015 values");
	tcase_add_test(tc, e013_indicators);
	tcase_add_test(tc, e013_valid_indicators);
	tcase_add_test(tc, e014_permission_names);
	tcase_add_test(tc, e014_no_unused_warning);
	tcase_add_test(tc, e015_durations);
	tcase_add_test(tc, e015_issuer_duration);
	suite_add_tcase(s, tc);

	tc = tcase_create("E016 plaintext secrets");
	tcase_add_test(tc, e016_plaintext_secret);
	tcase_add_test(tc, e016_rendered_redacted);
	tcase_add_test(tc, e016_secret_never_rendered);
	tcase_add_test(tc, e016_multibyte_secret_redacted);
	suite_add_tcase(s, tc);

	tc = tcase_create("E017 E019 settings");
	tcase_add_test(tc, e017_duplicate_setting);
	tcase_add_test(tc, e019_two_defaults);
	suite_add_tcase(s, tc);

	tc = tcase_create("E018 W009 issuer");
	tcase_add_test(tc, e018_issuers);
	tcase_add_test(tc, w009_http_loopback);
	suite_add_tcase(s, tc);

	tc = tcase_create("E020 E022 secrets");
	tcase_add_test(tc, e020_times);
	tcase_add_test(tc, e022_hashes);
	suite_add_tcase(s, tc);

	tc = tcase_create("E023 E006 loader");
	tcase_add_test(tc, e023_empty_names);
	tcase_add_test(tc, e023_client_id_characters);
	tcase_add_test(tc, e023_control_in_names);
	tcase_add_test(tc, e006_includes);
	suite_add_tcase(s, tc);

	tc = tcase_create("W014 suppressions, documented codes");
	tcase_add_test(tc, w014_suppressions);
	tcase_add_test(tc, w014_counts_and_notes);
	tcase_add_test(tc, w014_errors_not_suppressed);
	tcase_add_test(tc, codes_documented);
	suite_add_tcase(s, tc);

	tc = tcase_create("warnings");
	tcase_add_test(tc, w001_permission_never_granted);
	tcase_add_test(tc, w002_role_given_to_nobody);
	tcase_add_test(tc, w002_role_without_grants);
	tcase_add_test(tc, w003_principal_without_roles);
	tcase_add_test(tc, w004_grant_twice);
	tcase_add_test(tc, w005_resource_without_permissions);
	tcase_add_test(tc, w006_role_given_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("rendering");
	tcase_add_test(tc, render_error_with_hint);
	tcase_add_test(tc, render_warning_and_note);
	tcase_add_test(tc, render_keeps_tabs);
	tcase_add_test(tc, render_after_multibyte);
	tcase_add_test(tc, render_wide_line_numbers);
	tcase_add_test(tc, render_crlf_source);
	tcase_add_test(tc, render_file_diagnostic);
	tcase_add_test(tc, render_records_beyond_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("list");
	tcase_add_test(tc, sorted_by_line);
	tcase_add_test(tc, counts_and_clear);
	tcase_add_test(tc, reuse_after_clear);
	tcase_add_test(tc, loads_append);
	tcase_add_test(tc, w014_second_load);
	tcase_add_test(tc, null_lists);
	tcase_add_test(tc, errors_give_epolicy_and_no_policy);
	tcase_add_test(tc, warnings_still_load);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
