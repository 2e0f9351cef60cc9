/* test_validate.c: the value syntax rules of validate.c. */
#include "config.h"

#include <string.h>

#include "helpers.h"
#include "validate.h"

#define S(x) x, strlen(x)

START_TEST(scope_tokens)
{
	ck_assert_ptr_null(validate_scope_token(S("read:payment")));
	ck_assert_ptr_null(validate_scope_token(S("!#[]^~")));
	ck_assert_ptr_nonnull(validate_scope_token(S("")));
	ck_assert_ptr_nonnull(validate_scope_token(S("a b")));
	ck_assert_ptr_nonnull(validate_scope_token(S("a\"b")));
	ck_assert_ptr_nonnull(validate_scope_token(S("a\\b")));
	ck_assert_ptr_nonnull(validate_scope_token(S("a\tb")));
	ck_assert_ptr_nonnull(validate_scope_token(S("caf\xc3\xa9")));
	ck_assert_ptr_nonnull(validate_scope_token(S("a\x7f")));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("scope");

	tcase_add_test(tc, scope_tokens);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
