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
 * The key is an unkeyed SHA-256: only tokens the issuer signed get in, so
 * no one can fill a set with entries of his choosing, and what the key
 * reveals of a token is nothing a preimage-resistant hash gives away.
 */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token_cache.h"

_Static_assert((TOKEN_CACHE_SHARDS & (TOKEN_CACHE_SHARDS - 1)) == 0 && TOKEN_CACHE_SHARDS <= 256,
               "a key byte picks the shard");
_Static_assert(TOKEN_CACHE_MAX % TOKEN_CACHE_UNIT == 0 &&
                   TOKEN_CACHE_DEFAULT % TOKEN_CACHE_UNIT == 0,
               "the capacities are whole sets");

struct entry {
	uint64_t used; /* 0: empty; otherwise the shard's clock when last used */
	struct token_claims *claims;
	struct token_key key;
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
	EVP_MD *sha256;
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
		for (i = 0; i < n; i++)
			token_claims_unref(c->entries[i].claims);
	free(c->entries);
	EVP_MD_free(c->sha256);
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
	c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!c->entries || !c->sha256) {
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

bool token_cache_key(const struct token_cache *c, const char *token, size_t len,
                     struct token_key *key)
{
	unsigned int n = 0;

	return EVP_Digest(token, len, key->b, &n, c->sha256, NULL) == 1 && n == sizeof(key->b);
}

static uint64_t key_word(const struct token_key *key, size_t at)
{
	uint64_t w;

	memcpy(&w, key->b + at, sizeof(w));
	return w;
}

static struct shard *shard_of(struct token_cache *c, const struct token_key *key)
{
	return &c->shards[key->b[0] & (TOKEN_CACHE_SHARDS - 1)];
}

static struct entry *set_of(const struct token_cache *c, struct shard *s,
                            const struct token_key *key)
{
	uint32_t h;

	memcpy(&h, key->b + 1, sizeof(h));
	return s->sets + (size_t)(h % c->nsets) * TOKEN_CACHE_WAYS;
}

/* The way of set that holds key, or NULL. With the shard locked. Key
 * bytes 8..15 (not those that picked the shard and set) are a quick first
 * test that only narrows the search; the decision is the full,
 * constant-time compare. */
static struct entry *find(struct entry *set, const struct token_key *key)
{
	uint64_t tag = key_word(key, 8);
	int w;

	for (w = 0; w < TOKEN_CACHE_WAYS; w++)
		if (set[w].used && key_word(&set[w].key, 8) == tag &&
		    CRYPTO_memcmp(set[w].key.b, key->b, sizeof(key->b)) == 0)
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

	pthread_mutex_lock(&s->lock);
	set = set_of(c, s, key);
	/* Two threads may verify the same token at once: one entry, the
	 * first one's. */
	e = find(set, key);
	if (!e) {
		e = victim(set);
		old = e->claims;
		e->key = *key;
		e->claims = token_claims_ref(claims);
	}
	e->used = ++s->clock;
	pthread_mutex_unlock(&s->lock);
	token_claims_unref(old);
}

void token_cache_forget(struct token_cache *c, const struct token_key *key,
                        const struct token_claims *claims)
{
	struct shard *s = shard_of(c, key);
	struct token_claims *old = NULL;
	struct entry *e;

	pthread_mutex_lock(&s->lock);
	e = find(set_of(c, s, key), key);
	/* The entry may have been evicted and the token verified afresh
	 * meanwhile: only the claims that failed go. */
	if (e && e->claims == claims) {
		old = e->claims;
		memset(e, 0, sizeof(*e));
	}
	pthread_mutex_unlock(&s->lock);
	token_claims_unref(old);
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
		for (i = 0; i < n; i++)
			token_claims_unref(s->sets[i].claims);
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
