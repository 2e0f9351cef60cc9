/*
 * test_keys.c: signing keys declared in the issuer block: states, kids and
 * paths resolved from the directory of the policy file that names them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static const char keys_policy[] =
	"issuer \"https://auth.example.com/oidc\" {\n"
	"    signing-key \"keys/a.pem\";\n"
	"    signing-key \"keys/b.pem\" next kid \"rotation-2\";\n"
	"    signing-key \"/etc/writ/old.pem\" previous;\n"
	"}\n";

START_TEST(keys_states_kids_paths)
{
	writ_policy *p = NULL;
	writ_diagnostics *d = writ_diagnostics_new();

	/* A buffer named conf/issuer.writ: relative paths start at conf/. */
	ck_assert_int_eq(writ_policy_load_buffer("conf/issuer.writ", keys_policy,
	                                         strlen(keys_policy), 0, d, &p), WRIT_OK);
	ck_assert_uint_eq(writ_issuer_key_count(p), 3);
	ck_assert_str_eq(writ_issuer_key_path(p, 0), "conf/keys/a.pem");
	ck_assert_int_eq(writ_issuer_key_state(p, 0), WRIT_KEY_CURRENT);
	ck_assert_ptr_null(writ_issuer_key_kid(p, 0));
	ck_assert_str_eq(writ_issuer_key_path(p, 1), "conf/keys/b.pem");
	ck_assert_int_eq(writ_issuer_key_state(p, 1), WRIT_KEY_NEXT);
	ck_assert_str_eq(writ_issuer_key_kid(p, 1), "rotation-2");
	ck_assert_str_eq(writ_issuer_key_path(p, 2), "/etc/writ/old.pem");
	ck_assert_int_eq(writ_issuer_key_state(p, 2), WRIT_KEY_PREVIOUS);
	ck_assert_ptr_null(writ_issuer_key_path(p, 3));
	ck_assert_int_eq(writ_issuer_key_state(p, 3), 0);
	writ_policy_unref(p);
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(keys_none)
{
	writ_policy *p = load_ok("issuer \"https://a.example/\" { }\n");

	ck_assert_uint_eq(writ_issuer_key_count(p), 0);
	ck_assert_ptr_null(writ_issuer_key_path(p, 0));
	writ_policy_unref(p);
}
END_TEST

static void expect_one(const char *text, const char *line)
{
	int rc;
	writ_diagnostics *d = load_diags(text, &rc, NULL);
	char *got = diag_line(d, 0);

	ck_assert_int_eq(rc, WRIT_EPOLICY);
	ck_assert_str_eq(got, line);
	free(got);
	writ_diagnostics_free(d);
}

START_TEST(keys_errors)
{
	expect_one("issuer \"https://a.example/\" { signing-key \"a.pem\" next; }\n",
	           "E032 1:8 no signing key is current: mark the one that signs");
	expect_one("issuer \"https://a.example/\" { signing-key \"a.pem\"; signing-key \"b.pem\"; }\n",
	           "E032 1:64 a second current signing key: one key signs, others are next or previous");
	expect_one("issuer \"https://a.example/\" { signing-key \"c.pem\"; "
	           "signing-key \"a.pem\" next previous; }\n",
	           "E032 1:77 a signing key has one state; this is a second");
	expect_one("issuer \"https://a.example/\" { signing-key \"a.pem\" soon; }\n",
	           "E032 1:51 unknown signing-key option \"soon\"");
	expect_one("issuer \"https://a.example/\" { signing-key \"a.pem\" kid; }\n",
	           "E032 1:51 kid needs a value: kid \"ID\"");
	expect_one("issuer \"https://a.example/\" { signing-key \"\"; }\n",
	           "E032 1:43 a signing key needs a file");
	expect_one("issuer \"https://a.example/\" { signing-key \"a.pem\" kid \"k\"; "
	           "signing-key \"b.pem\" next kid \"k\"; }\n",
	           "E009 1:89 signing key kid \"k\" is defined twice");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("keys");
	TCase *tc = tcase_create("issuer");

	tcase_add_test(tc, keys_states_kids_paths);
	tcase_add_test(tc, keys_none);
	tcase_add_test(tc, keys_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
