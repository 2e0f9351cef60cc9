/*
 * token_cache.c: verified access tokens (token_cache.h).
 *
 * The entries are split into shards, each under its own mutex so that
 * threads verifying different tokens rarely wait on one another; a shard
 * is a set-associative array, each set replacing its least recently used
 * way. The key picks the shard and the set. A hit holds the lock for a
 * compare, a reference count increment and an LRU stamp: the claims are
 * shared, not copied, and anything that could take longer (freeing an
 * evicted entry's claims) happens after the unlock.
 *
 * The key is a 64-bit hash of the token under a seed drawn at random for
 * each cache: it picks the shard and the set and is a quick first test,
 * and a hit is decided by comparing every byte of the token with the
 * entry's copy, in constant time. No digest context is allocated on the
 * way (OpenSSL 3 allocates one for every SHA-256), so a hit costs no
 * allocation at all. Only tokens the issuer signed get in, and the seed
 * is unknown outside the process, so no one can aim entries at one set.
 */
#include "config.h"

#include <openssl/rand.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token_cache.h"
#include "util.h"

_Static_assert((TOKEN_CACHE_SHARDS & (TOKEN_CACHE_SHARDS - 1)) == 0 && TOKEN_CACHE_SHARDS <= 256,
               "a key byte picks the shard");
_Static_assert(TOKEN_CACHE_MAX % TOKEN_CACHE_UNIT == 0 &&
                   TOKEN_CACHE_DEFAULT % TOKEN_CACHE_UNIT == 0,
               "the capacities are whole sets");

struct entry {
	uint64_t used; /* 0: empty; otherwise the shard's clock when last used */
	uint64_t hash;
	struct token_claims *claims;
	char *token; /* the entry's own copy of the token's bytes */
	size_t len;
};

/* Each shard on cache lines of its own: two threads hitting two shards do
 * not pass a line back and forth. */
struct shard {
	_Alignas(64) pthread_mutex_t lock;
	uint64_t clock;
	struct entry *sets; /* nsets * TOKEN_CACHE_WAYS */
};

struct token_cache {
	struct shard shards[TOKEN_CACHE_SHARDS];
	uint64_t seed;
	size_t nsets; /* per shard */
	struct entry *entries;
};

/* ---- claims ---- */

struct token_claims *token_claims_new(json_t *json)
{
	struct token_claims *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	atomic_init(&c->refs, 1);
	c->json = json;
	return c;
}

static struct token_claims *token_claims_ref(struct token_claims *c)
{
	if (c)
		atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
	return c;
}

void token_claims_unref(struct token_claims *c)
{
	/* acq_rel: every other holder's reads happen before the free. */
	if (!c || atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
		return;
	json_decref(c->json);
	free(c);
}

/* ---- the cache ---- */

static void cache_destroy(struct token_cache *c, int nlocks)
{
	size_t i, n = c->nsets * TOKEN_CACHE_SHARDS * TOKEN_CACHE_WAYS;

	while (nlocks-- > 0)
		pthread_mutex_destroy(&c->shards[nlocks].lock);
	if (c->entries)
		for (i = 0; i < n; i++) {
			token_claims_unref(c->entries[i].claims);
			free(c->entries[i].token);
		}
	free(c->entries);
	free(c);
}

struct token_cache *token_cache_new(size_t entries)
{
	struct token_cache *c;
	size_t size = (sizeof(*c) + 63) / 64 * 64;
	int i;

	if (entries == 0 || entries > TOKEN_CACHE_MAX)
		return NULL;
	c = aligned_alloc(64, size);
	if (!c)
		return NULL;
	memset(c, 0, size);
	c->nsets = (entries + TOKEN_CACHE_UNIT - 1) / TOKEN_CACHE_UNIT;
	c->entries = calloc(c->nsets * TOKEN_CACHE_UNIT, sizeof(*c->entries));
	if (!c->entries || RAND_bytes((unsigned char *)&c->seed, sizeof(c->seed)) != 1) {
		cache_destroy(c, 0);
		return NULL;
	}
	for (i = 0; i < TOKEN_CACHE_SHARDS; i++) {
		if (pthread_mutex_init(&c->shards[i].lock, NULL) != 0) {
			cache_destroy(c, i);
			return NULL;
		}
		c->shards[i].sets = c->entries + (size_t)i * c->nsets * TOKEN_CACHE_WAYS;
	}
	return c;
}

void token_cache_free(struct token_cache *c)
{
	if (c)
		cache_destroy(c, TOKEN_CACHE_SHARDS);
}

size_t token_cache_capacity(const struct token_cache *c)
{
	return c ? c->nsets * TOKEN_CACHE_UNIT : 0;
}

void token_cache_key(const struct token_cache *c, const char *token, size_t len,
                     struct token_key *key)
{
	key->hash = hash_bytes(token, len, c->seed);
	key->token = token;
	key->len = len;
}

static struct shard *shard_of(struct token_cache *c, const struct token_key *key)
{
	return &c->shards[key->hash & (TOKEN_CACHE_SHARDS - 1)];
}

static struct entry *set_of(const struct token_cache *c, struct shard *s,
                            const struct token_key *key)
{
	return s->sets + (size_t)((key->hash >> 8) % c->nsets) * TOKEN_CACHE_WAYS;
}

/* Are a[0..n) and b[0..n) the same bytes? In a time that depends on n
 * only: the differences of every word are gathered, never tested one by
 * one. CRYPTO_memcmp does the same a byte at a time, which for a token of
 * a few hundred bytes cost more than the rest of a hit. */
static bool same_bytes(const char *a, const char *b, size_t n)
{
	uint64_t diff = 0, x, y;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		diff |= x ^ y;
	}
	for (; i < n; i++)
		diff |= (uint64_t)((unsigned char)a[i] ^ (unsigned char)b[i]);
	return diff == 0;
}

/* The way of set that holds key's token, or NULL. With the shard locked.
 * The hash only narrows the search; the decision is the full,
 * constant-time compare of the token's bytes. */
static struct entry *find(struct entry *set, const struct token_key *key)
{
	int w;

	for (w = 0; w < TOKEN_CACHE_WAYS; w++)
		if (set[w].used && set[w].hash == key->hash && set[w].len == key->len &&
		    same_bytes(set[w].token, key->token, key->len))
			return &set[w];
	return NULL;
}

/* Where a new entry goes: an empty way (used 0), else the least recently
 * used. With the shard locked. */
static struct entry *victim(struct entry *set)
{
	struct entry *v = &set[0];
	int w;

	for (w = 1; w < TOKEN_CACHE_WAYS && v->used; w++)
		if (set[w].used < v->used)
			v = &set[w];
	return v;
}

struct token_claims *token_cache_lookup(struct token_cache *c, const struct token_key *key)
{
	struct shard *s = shard_of(c, key);
	struct token_claims *claims = NULL;
	struct entry *e;

	pthread_mutex_lock(&s->lock);
	e = find(set_of(c, s, key), key);
	if (e) {
		e->used = ++s->clock;
		claims = token_claims_ref(e->claims);
	}
	pthread_mutex_unlock(&s->lock);
	return claims;
}

void token_cache_insert(struct token_cache *c, const struct token_key *key,
                        struct token_claims *claims)
{
	struct shard *s = shard_of(c, key);
	struct token_claims *old = NULL;
	struct entry *set, *e;
	char *copy = malloc(key->len);

	/* The cache only saves work: without memory, the token is not kept. */
	if (!copy)
		return;
	memcpy(copy, key->token, key->len);
	pthread_mutex_lock(&s->lock);
	set = set_of(c, s, key);
	/* Two threads may verify the same token at once: one entry, the
	 * first one's. */
	e = find(set, key);
	if (!e) {
		e = victim(set);
		old = e->claims;
		/* Swapped, so that the evicted copy is freed after the unlock. */
		char *evicted = e->token;
		e->token = copy;
		copy = evicted;
		e->hash = key->hash;
		e->len = key->len;
		e->claims = token_claims_ref(claims);
	}
	e->used = ++s->clock;
	pthread_mutex_unlock(&s->lock);
	token_claims_unref(old);
	free(copy);
}

void token_cache_forget(struct token_cache *c, const struct token_key *key,
                        const struct token_claims *claims)
{
	struct shard *s = shard_of(c, key);
	struct token_claims *old = NULL;
	char *token = NULL;
	struct entry *e;

	pthread_mutex_lock(&s->lock);
	e = find(set_of(c, s, key), key);
	/* The entry may have been evicted and the token verified afresh
	 * meanwhile: only the claims that failed go. */
	if (e && e->claims == claims) {
		old = e->claims;
		token = e->token;
		memset(e, 0, sizeof(*e));
	}
	pthread_mutex_unlock(&s->lock);
	token_claims_unref(old);
	free(token);
}

void token_cache_clear(struct token_cache *c)
{
	size_t n, i;
	int k;

	if (!c)
		return;
	n = c->nsets * TOKEN_CACHE_WAYS;
	for (k = 0; k < TOKEN_CACHE_SHARDS; k++) {
		struct shard *s = &c->shards[k];
		pthread_mutex_lock(&s->lock);
		for (i = 0; i < n; i++) {
			token_claims_unref(s->sets[i].claims);
			free(s->sets[i].token);
		}
		memset(s->sets, 0, n * sizeof(*s->sets));
		s->clock = 0;
		pthread_mutex_unlock(&s->lock);
	}
}

size_t token_cache_count(struct token_cache *c)
{
	size_t n = 0, per = c ? c->nsets * TOKEN_CACHE_WAYS : 0, i;
	int k;

	for (k = 0; c && k < TOKEN_CACHE_SHARDS; k++) {
		struct shard *s = &c->shards[k];
		pthread_mutex_lock(&s->lock);
		for (i = 0; i < per; i++)
			n += s->sets[i].used != 0;
		pthread_mutex_unlock(&s->lock);
	}
	return n;
}
