/*
 * test_secret_cache.c: the cache of proven app secrets (secret_cache.c)
 * and the secret module's use of it (modules.c).
 *
 * A hit is seen by counting the slow hashes the module runs
 * (secret_verify_calls), never by timing. The hashes are scrypt with
 * ln=4 (N = 16), so that hashing is cheap and the counts are the point.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "helpers.h"
#include "secret.h"
#include "secret_cache.h"
#include "table.h"
#include "util.h"

#define S(x) x, strlen(x)

#define RES "resource \"https://r.example.com\" { permission read:x; }\n"

/* Before and after "2026-06-01T00:00:00Z", 1780272000. */
#define EXPIRY_TEXT "2026-06-01T00:00:00Z"
#define EXPIRY      1780272000.0
#define BEFORE      (EXPIRY - 1)
#define AFTER       (EXPIRY + 1)

/* ---- helpers ---- */

/* Slow hashes the secret module ran since the last call. */
static unsigned long new_hashes(void)
{
	static unsigned long seen;
	unsigned long now = atomic_load(&secret_verify_calls);
	unsigned long d = now - seen;

	seen = now;
	return d;
}

static int auth_trace(const writ_policy *p, const char *app, const char *secret, size_t len,
                      double now, writ_trace *tr)
{
	struct writ_request req;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.secret = secret;
	req.secret_len = len;
	req.now = now;
	return writ_authenticate(p, app, &req, tr);
}

static int auth(const writ_policy *p, const char *app, const char *secret, size_t len, double now)
{
	return auth_trace(p, app, secret, len, now, NULL);
}

/* Authenticate and check both the answer and the slow hashes it took. */
static void expect_auth(int line, const writ_policy *p, const char *app, const char *secret,
                        size_t len, double now, int rc, unsigned long hashes)
{
	int got = auth(p, app, secret, len, now);
	unsigned long ran = new_hashes();

	ck_assert_msg(got == rc && ran == hashes,
	              "line %d: %s after %lu slow hashes, expected %s after %lu", line,
	              writ_strerror(got), ran, writ_strerror(rc), hashes);
}

#define EXPECT_AUTH(...) expect_auth(__LINE__, __VA_ARGS__)

static size_t entries(const writ_policy *p)
{
	ck_assert_ptr_nonnull(p->secret_cache);
	return secret_cache_count(p->secret_cache);
}

/* A policy with one app "a" holding the hash of secret[0..len). */
static writ_policy *one_app(const char *secret, size_t len)
{
	struct phc h;
	writ_policy *p;
	char *text;

	phc_of(secret, len, &h);
	text = fmt(RES "app a { secret \"%s\"; }\n", h.s);
	p = load_ok(text);
	free(text);
	return p;
}

static void tag_of(struct secret_cache *c, const char *app, const char *secret, size_t len,
                   struct secret_tag *tag)
{
	ck_assert(secret_cache_tag(c, app, strlen(app), secret, len, tag));
}

/* ---- through writ_authenticate ---- */

START_TEST(second_authentication_skips_hash)
{
	writ_policy *p = one_app(S("s3cret"));
	writ_trace *tr = writ_trace_new();
	char *first;
	int i;

	new_hashes();
	ck_assert_int_eq(auth_trace(p, "a", S("s3cret"), BEFORE, tr), WRIT_OK);
	ck_assert_uint_eq(new_hashes(), 1);
	ck_assert_uint_eq(entries(p), 1);
	first = strdup(writ_trace_line(tr, 0));
	ck_assert_ptr_nonnull(strstr(first, "(the secret matches)"));
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(auth_trace(p, "a", S("s3cret"), BEFORE, tr), WRIT_OK);
		ck_assert_uint_eq(new_hashes(), 0);
		/* A trace does not depend on what the process did before. */
		ck_assert_str_eq(writ_trace_line(tr, 0), first);
	}
	ck_assert_uint_eq(entries(p), 1);
	free(first);
	writ_trace_free(tr);
	writ_policy_unref(p);
}
END_TEST

START_TEST(wrong_secret_never_cached)
{
	writ_policy *p = one_app(S("s3cret"));

	new_hashes();
	EXPECT_AUTH(p, "a", S("guess"), BEFORE, WRIT_EDENIED, 1);
	EXPECT_AUTH(p, "a", S("guess"), BEFORE, WRIT_EDENIED, 1);
	ck_assert_uint_eq(entries(p), 0);
	EXPECT_AUTH(p, "a", S("s3cret"), BEFORE, WRIT_OK, 1);
	EXPECT_AUTH(p, "a", S("guess"), BEFORE, WRIT_EDENIED, 1);
	EXPECT_AUTH(p, "a", S("s3creT"), BEFORE, WRIT_EDENIED, 1);
	EXPECT_AUTH(p, "a", S(""), BEFORE, WRIT_EDENIED, 1);
	EXPECT_AUTH(p, "a", S("s3cret"), BEFORE, WRIT_OK, 0);
	ck_assert_uint_eq(entries(p), 1);
	writ_policy_unref(p);
}
END_TEST

/* a holds the hashes of "one" and "two", b that of "one". */
START_TEST(other_secret_or_app_misses)
{
	struct phc one, two;
	writ_policy *p;
	char *text;

	phc_of(S("one"), &one);
	phc_of(S("two"), &two);
	text = fmt(RES "app a { secret \"%s\"; secret \"%s\"; }\napp b { secret \"%s\"; }\n", one.s,
	           two.s, one.s);
	p = load_ok(text);
	new_hashes();
	EXPECT_AUTH(p, "a", S("one"), BEFORE, WRIT_OK, 1);
	/* Another secret of the same app: both hashes are tried. */
	EXPECT_AUTH(p, "a", S("two"), BEFORE, WRIT_OK, 2);
	/* The same secret for another app. */
	EXPECT_AUTH(p, "b", S("one"), BEFORE, WRIT_OK, 1);
	/* a's proven "two" is nothing to b. */
	EXPECT_AUTH(p, "b", S("two"), BEFORE, WRIT_EDENIED, 1);
	ck_assert_uint_eq(entries(p), 3);
	EXPECT_AUTH(p, "a", S("one"), BEFORE, WRIT_OK, 0);
	EXPECT_AUTH(p, "a", S("two"), BEFORE, WRIT_OK, 0);
	EXPECT_AUTH(p, "b", S("one"), BEFORE, WRIT_OK, 0);
	EXPECT_AUTH(p, "b", S("two"), BEFORE, WRIT_EDENIED, 1);
	writ_policy_unref(p);
	free(text);
}
END_TEST

/* "old" expires; "new" does not. */
START_TEST(expired_secret_is_a_miss)
{
	struct phc old, new;
	writ_trace *tr = writ_trace_new();
	writ_policy *p;
	char *text;

	phc_of(S("old"), &old);
	phc_of(S("new"), &new);
	text = fmt(RES "app a {\n    secret \"%s\" expires \"" EXPIRY_TEXT "\";\n"
	               "    secret \"%s\";\n}\n",
	           old.s, new.s);
	p = load_ok(text);
	new_hashes();
	EXPECT_AUTH(p, "a", S("old"), BEFORE, WRIT_OK, 1);
	EXPECT_AUTH(p, "a", S("old"), BEFORE, WRIT_OK, 0);
	ck_assert_uint_eq(entries(p), 1);
	/* Past the expiry the entry is no answer: only "new" is hashed, and
	 * the entry goes. */
	ck_assert_int_eq(auth_trace(p, "a", S("old"), AFTER, tr), WRIT_EDENIED);
	ck_assert_uint_eq(new_hashes(), 1);
	ck_assert_ptr_nonnull(strstr(writ_trace_line(tr, 0), "does not match an unexpired one"));
	ck_assert_uint_eq(entries(p), 0);
	EXPECT_AUTH(p, "a", S("old"), AFTER, WRIT_EDENIED, 1);
	/* A request dated before the expiry proves it again... */
	EXPECT_AUTH(p, "a", S("old"), BEFORE, WRIT_OK, 1);
	ck_assert_uint_eq(entries(p), 1);
	/* ...and the expiry instant itself is past it. */
	EXPECT_AUTH(p, "a", S("old"), EXPIRY, WRIT_EDENIED, 1);
	ck_assert_uint_eq(entries(p), 0);
	/* The unexpired secret is cached across the expiry of the other. */
	EXPECT_AUTH(p, "a", S("new"), BEFORE, WRIT_OK, 2);
	EXPECT_AUTH(p, "a", S("new"), AFTER, WRIT_OK, 0);
	writ_trace_free(tr);
	writ_policy_unref(p);
	free(text);
}
END_TEST

/* With no unexpired secret to try, a wrong secret still costs one slow
 * hash, the work an unknown client's answer costs (issue.c), so that the
 * time of the answer does not tell such an app from another. */
START_TEST(nothing_to_try_costs_a_hash)
{
	struct phc old;
	writ_policy *p;
	char *text;

	phc_of(S("old"), &old);
	text = fmt(RES "app a { secret \"%s\" expires \"" EXPIRY_TEXT "\"; }\n"
	               "app b { }\n",
	           old.s);
	p = load_ok(text);
	new_hashes();
	EXPECT_AUTH(p, "a", S("old"), BEFORE, WRIT_OK, 1);
	EXPECT_AUTH(p, "a", S("old"), AFTER, WRIT_EDENIED, 1);
	EXPECT_AUTH(p, "a", S("guess"), AFTER, WRIT_EDENIED, 1);
	EXPECT_AUTH(p, "b", S("guess"), BEFORE, WRIT_EDENIED, 1);
	ck_assert_uint_eq(entries(p), 0);
	writ_policy_unref(p);
	free(text);
}
END_TEST

START_TEST(reload_starts_empty)
{
	struct phc h;
	writ_policy *p1, *p2;
	char *text;

	phc_of(S("s3cret"), &h);
	text = fmt(RES "app a { secret \"%s\"; }\n", h.s);
	p1 = load_ok(text);
	new_hashes();
	EXPECT_AUTH(p1, "a", S("s3cret"), BEFORE, WRIT_OK, 1);
	EXPECT_AUTH(p1, "a", S("s3cret"), BEFORE, WRIT_OK, 0);
	p2 = load_ok(text);
	ck_assert_ptr_ne(p2->secret_cache, p1->secret_cache);
	ck_assert_uint_eq(entries(p2), 0);
	EXPECT_AUTH(p2, "a", S("s3cret"), BEFORE, WRIT_OK, 1);
	EXPECT_AUTH(p2, "a", S("s3cret"), BEFORE, WRIT_OK, 0);
	/* The old policy keeps its own until it goes. */
	EXPECT_AUTH(p1, "a", S("s3cret"), BEFORE, WRIT_OK, 0);
	writ_policy_unref(p1);
	EXPECT_AUTH(p2, "a", S("s3cret"), BEFORE, WRIT_OK, 0);
	writ_policy_unref(p2);
	free(text);
}
END_TEST

/* "a\0b\0c" is five bytes, and every one of them counts. */
START_TEST(secret_with_nul_bytes)
{
	static const char secret[] = "a\0b\0c";
	writ_policy *p = one_app(secret, 5);

	new_hashes();
	EXPECT_AUTH(p, "a", secret, 5, BEFORE, WRIT_OK, 1);
	EXPECT_AUTH(p, "a", secret, 5, BEFORE, WRIT_OK, 0);
	EXPECT_AUTH(p, "a", "a\0b\0d", 5, BEFORE, WRIT_EDENIED, 1);
	EXPECT_AUTH(p, "a", "a", 1, BEFORE, WRIT_EDENIED, 1);
	EXPECT_AUTH(p, "a", "a\0b\0", 4, BEFORE, WRIT_EDENIED, 1);
	/* The KDF cannot tell a trailing NUL (test_secret.c says why); the
	 * cache can, and only repeats what the hash said. */
	EXPECT_AUTH(p, "a", "a\0b\0c\0", 6, BEFORE, WRIT_OK, 1);
	EXPECT_AUTH(p, "a", "a\0b\0c\0", 6, BEFORE, WRIT_OK, 0);
	ck_assert_uint_eq(entries(p), 2);
	writ_policy_unref(p);
}
END_TEST

/* A policy whose cache could not be made checks every secret. */
START_TEST(without_cache_every_check_hashes)
{
	writ_policy *p = one_app(S("s3cret"));

	secret_cache_free(p->secret_cache);
	p->secret_cache = NULL;
	new_hashes();
	EXPECT_AUTH(p, "a", S("s3cret"), BEFORE, WRIT_OK, 1);
	EXPECT_AUTH(p, "a", S("s3cret"), BEFORE, WRIT_OK, 1);
	EXPECT_AUTH(p, "a", S("guess"), BEFORE, WRIT_EDENIED, 1);
	writ_policy_unref(p);
}
END_TEST

START_TEST(no_secrets_no_cache)
{
	writ_policy *p = load_ok(RES "app a { }\n");

	ck_assert_ptr_null(p->secret_cache);
	ck_assert_int_eq(auth(p, "a", S("s3cret"), BEFORE), WRIT_EDENIED);
	writ_policy_unref(p);
}
END_TEST

/* ---- concurrency ---- */

#define APPS    4
#define THREADS 8
#define ROUNDS  40

struct worker {
	pthread_t thread;
	const writ_policy *policy;
	pthread_barrier_t *start;
	int id;
	long failures, wrong;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char app[16], right[16], wrong[16];
	int i;

	pthread_barrier_wait(w->start);
	for (i = 0; i < ROUNDS; i++) {
		int k = (w->id + i) % APPS;
		snprintf(app, sizeof(app), "app%d", k);
		snprintf(right, sizeof(right), "secret-%d", k);
		/* Another app's secret, then a near miss. */
		snprintf(wrong, sizeof(wrong), "secret-%d", (k + 1) % APPS);
		if (auth(w->policy, app, S(right), BEFORE) != WRIT_OK)
			w->failures++;
		if (auth(w->policy, app, S(wrong), BEFORE) != WRIT_EDENIED)
			w->failures++;
		wrong[strlen(wrong) - 1] = 'x';
		if (auth(w->policy, app, S(wrong), BEFORE) != WRIT_EDENIED)
			w->failures++;
		w->wrong += 2;
	}
	return NULL;
}

static char *apps_policy(void)
{
	struct buf b;
	char secret[16];
	struct phc h;
	int k;

	buf_init(&b);
	buf_puts(&b, RES);
	for (k = 0; k < APPS; k++) {
		snprintf(secret, sizeof(secret), "secret-%d", k);
		phc_of(S(secret), &h);
		buf_printf(&b, "app app%d { secret \"%s\"; }\n", k, h.s);
	}
	return buf_steal(&b);
}

START_TEST(threads_right_and_wrong)
{
	struct worker workers[THREADS];
	pthread_barrier_t start;
	char *text = apps_policy();
	writ_policy *p = load_ok(text);
	unsigned long hashes;
	long wrong = 0;
	int i;

	new_hashes();
	ck_assert_int_eq(pthread_barrier_init(&start, NULL, THREADS), 0);
	for (i = 0; i < THREADS; i++) {
		workers[i].policy = p;
		workers[i].start = &start;
		workers[i].id = i;
		workers[i].failures = workers[i].wrong = 0;
		ck_assert_int_eq(pthread_create(&workers[i].thread, NULL, work, &workers[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		ck_assert_int_eq(pthread_join(workers[i].thread, NULL), 0);
		ck_assert_int_eq(workers[i].failures, 0);
		wrong += workers[i].wrong;
	}
	pthread_barrier_destroy(&start);
	ck_assert_uint_eq(entries(p), APPS);
	/* Every wrong secret was hashed; a right one at most once per thread
	 * and app, before some thread's proof was cached. */
	hashes = new_hashes();
	ck_assert_uint_ge(hashes, (unsigned long)wrong + APPS);
	ck_assert_uint_le(hashes, (unsigned long)wrong + APPS * THREADS);
	writ_policy_unref(p);
	free(text);
}
END_TEST

/* ---- the cache itself ---- */

START_TEST(tag_binds_app_and_secret)
{
	struct secret_cache *c = secret_cache_new();
	struct secret_tag t1, t2;

	ck_assert_ptr_nonnull(c);
	tag_of(c, "a", S("secret"), &t1);
	tag_of(c, "a", S("secret"), &t2);
	ck_assert_mem_eq(t1.b, t2.b, sizeof(t1.b));
	tag_of(c, "b", S("secret"), &t2);
	ck_assert(memcmp(t1.b, t2.b, sizeof(t1.b)) != 0);
	tag_of(c, "a", S("secreT"), &t2);
	ck_assert(memcmp(t1.b, t2.b, sizeof(t1.b)) != 0);
	/* Lengths frame the two parts. */
	tag_of(c, "ab", S("c"), &t1);
	tag_of(c, "a", S("bc"), &t2);
	ck_assert(memcmp(t1.b, t2.b, sizeof(t1.b)) != 0);
	tag_of(c, "a", "x\0y", 3, &t1);
	tag_of(c, "a", "x\0z", 3, &t2);
	ck_assert(memcmp(t1.b, t2.b, sizeof(t1.b)) != 0);
	tag_of(c, "a", "x", 1, &t2);
	ck_assert(memcmp(t1.b, t2.b, sizeof(t1.b)) != 0);
	secret_cache_free(c);
	secret_cache_free(NULL);
}
END_TEST

START_TEST(insert_lookup_forget)
{
	struct secret_cache *c = secret_cache_new();
	struct secret_tag t, other;
	uint32_t index = 99;

	ck_assert_ptr_nonnull(c);
	tag_of(c, "a", S("secret"), &t);
	tag_of(c, "a", S("other"), &other);
	ck_assert(!secret_cache_lookup(c, &t, &index));
	ck_assert_uint_eq(index, 99);
	secret_cache_insert(c, &t, 1);
	secret_cache_insert(c, &t, 2); /* the same tag: one entry */
	ck_assert_uint_eq(secret_cache_count(c), 1);
	ck_assert(secret_cache_lookup(c, &t, &index));
	ck_assert_uint_eq(index, 2);
	ck_assert(!secret_cache_lookup(c, &other, &index));
	/* Forgetting another index leaves the entry. */
	secret_cache_forget(c, &t, 1);
	ck_assert(secret_cache_lookup(c, &t, &index));
	secret_cache_forget(c, &other, 2);
	ck_assert_uint_eq(secret_cache_count(c), 1);
	secret_cache_forget(c, &t, 2);
	ck_assert(!secret_cache_lookup(c, &t, &index));
	ck_assert_uint_eq(secret_cache_count(c), 0);
	secret_cache_free(c);
}
END_TEST

#define MANY (10 * SECRET_CACHE_CAPACITY)

static struct secret_tag *many_tags(struct secret_cache *c)
{
	struct secret_tag *tags = calloc(MANY, sizeof(*tags));
	char secret[32];
	int i;

	ck_assert_ptr_nonnull(tags);
	for (i = 0; i < MANY; i++) {
		snprintf(secret, sizeof(secret), "secret-%d", i);
		tag_of(c, "a", S(secret), &tags[i]);
	}
	return tags;
}

START_TEST(bounded)
{
	struct secret_cache *c = secret_cache_new();
	struct secret_tag *tags, never;
	uint32_t index;
	size_t hits = 0;
	int i;

	ck_assert_ptr_nonnull(c);
	tags = many_tags(c);
	for (i = 0; i < MANY; i++) {
		secret_cache_insert(c, &tags[i], (uint32_t)(i % 7));
		ck_assert_uint_le(secret_cache_count(c), SECRET_CACHE_CAPACITY);
	}
	/* Ten times the capacity over its sets fills every one. */
	ck_assert_uint_eq(secret_cache_count(c), SECRET_CACHE_CAPACITY);
	/* The last few inserted are in, whichever sets they went to. */
	for (i = MANY - SECRET_CACHE_WAYS; i < MANY; i++) {
		ck_assert(secret_cache_lookup(c, &tags[i], &index));
		ck_assert_uint_eq(index, (uint32_t)(i % 7));
	}
	/* Every hit is an entry inserted, with its own index. */
	for (i = 0; i < MANY; i++) {
		if (!secret_cache_lookup(c, &tags[i], &index))
			continue;
		hits++;
		ck_assert_uint_eq(index, (uint32_t)(i % 7));
	}
	ck_assert_uint_eq(hits, SECRET_CACHE_CAPACITY);
	tag_of(c, "a", S("never inserted"), &never);
	ck_assert(!secret_cache_lookup(c, &never, &index));
	free(tags);
	secret_cache_free(c);
}
END_TEST

/* The entry in use stays however many others come: least recently used,
 * not first in, goes. */
START_TEST(used_entry_stays)
{
	struct secret_cache *c = secret_cache_new();
	struct secret_tag *tags, kept;
	uint32_t index;
	int i;

	ck_assert_ptr_nonnull(c);
	tags = many_tags(c);
	tag_of(c, "a", S("kept"), &kept);
	secret_cache_insert(c, &kept, 5);
	for (i = 0; i < MANY; i++) {
		secret_cache_insert(c, &tags[i], 0);
		ck_assert_msg(secret_cache_lookup(c, &kept, &index),
		              "the entry in use was evicted after %d inserts", i + 1);
		ck_assert_uint_eq(index, 5);
	}
	/* The first of the others, never used again, is long gone. */
	ck_assert(!secret_cache_lookup(c, &tags[0], &index));
	free(tags);
	secret_cache_free(c);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("secret_cache");
	TCase *tc;

	tc = tcase_create("authenticate");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, second_authentication_skips_hash);
	tcase_add_test(tc, wrong_secret_never_cached);
	tcase_add_test(tc, other_secret_or_app_misses);
	tcase_add_test(tc, expired_secret_is_a_miss);
	tcase_add_test(tc, nothing_to_try_costs_a_hash);
	tcase_add_test(tc, reload_starts_empty);
	tcase_add_test(tc, secret_with_nul_bytes);
	tcase_add_test(tc, without_cache_every_check_hashes);
	tcase_add_test(tc, no_secrets_no_cache);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, threads_right_and_wrong);
	suite_add_tcase(s, tc);

	tc = tcase_create("cache");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tag_binds_app_and_secret);
	tcase_add_test(tc, insert_lookup_forget);
	tcase_add_test(tc, bounded);
	tcase_add_test(tc, used_entry_stays);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return run_suite(suite());
}
