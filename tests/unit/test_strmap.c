/*
 * test_strmap.c: the string -> index map behind every name lookup of a
 * compiled table (util.c): insert, find, duplicates, growth.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "util.h"

/* Keys that differ only in their last byte, are prefixes of one another,
 * or are empty, are all told apart. */
START_TEST(similar_keys)
{
	static const char *const keys[] = { "", "a", "ab", "abc", "abd", "abcdefgh", "abcdefgi",
		                            "abcdefghi", "app-000001", "app-000002" };
	struct strmap m;
	size_t i;

	ck_assert(strmap_init(&m, 4));
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		ck_assert_int_eq(strmap_put(&m, keys[i], strlen(keys[i]), (uint32_t)i), -1);
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		ck_assert_int_eq(strmap_get(&m, keys[i], strlen(keys[i])), (long)i);
	ck_assert_int_eq(strmap_get(&m, "abcd", 4), -1);
	ck_assert_int_eq(strmap_get(&m, "app-000003", 10), -1);
	/* A length shorter than the string: the prefix, which is a key. */
	ck_assert_int_eq(strmap_get(&m, "abcdefghi", 8), 5);
	strmap_free(&m);
}
END_TEST

/* A key already present keeps its first value; put says which. */
START_TEST(duplicate_keeps_first)
{
	struct strmap m;

	ck_assert(strmap_init(&m, 1));
	ck_assert_int_eq(strmap_put(&m, "read", 4, 0), -1);
	ck_assert_int_eq(strmap_put(&m, "read", 4, 7), 0);
	ck_assert_int_eq(strmap_get(&m, "read", 4), 0);
	ck_assert_uint_eq(m.count, 1);
	strmap_free(&m);
}
END_TEST

/* Far more keys than the map was made for: it grows many times, and
 * every key is still found with its value, and no absent one is. */
START_TEST(grows_keeping_every_key)
{
	enum { N = 50000 };
	char (*names)[16] = malloc(N * sizeof(*names));
	struct strmap m;
	size_t i;

	ck_assert_ptr_nonnull(names);
	ck_assert(strmap_init(&m, 1));
	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "k%zu", i * 7919);
		ck_assert_int_eq(strmap_put(&m, names[i], strlen(names[i]), (uint32_t)i), -1);
	}
	ck_assert_uint_eq(m.count, N);
	ck_assert_uint_ge(m.nslots, 2 * N);
	for (i = 0; i < N; i++)
		ck_assert_int_eq(strmap_get(&m, names[i], strlen(names[i])), (long)i);
	ck_assert_int_eq(strmap_get(&m, "k1", 2), -1);
	ck_assert_int_eq(strmap_get(&m, "k7918", 5), -1);
	strmap_free(&m);
	free(names);
}
END_TEST

/* An empty (freed or never made) map finds nothing and takes nothing. */
START_TEST(empty_map)
{
	struct strmap m;

	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(strmap_get(&m, "a", 1), -1);
	ck_assert_int_eq(strmap_put(&m, "a", 1, 0), -2);
	ck_assert(strmap_init(&m, 0));
	ck_assert_int_eq(strmap_get(&m, "a", 1), -1);
	strmap_free(&m);
	ck_assert_int_eq(strmap_get(&m, "a", 1), -1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("strmap");
	TCase *tc = tcase_create("strmap");

	tcase_add_test(tc, similar_keys);
	tcase_add_test(tc, duplicate_keeps_first);
	tcase_add_test(tc, grows_keeping_every_key);
	tcase_add_test(tc, empty_map);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
