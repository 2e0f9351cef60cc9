/*
 * secret_cache.c: proven app secrets (secret_cache.h).
 *
 * The entries are split into shards, each under its own mutex so that
 * threads authenticating different apps rarely wait on one another; a
 * shard is a set-associative array, each set replacing its least recently
 * used way. The tag picks the shard and the set: being keyed, it cannot be
 * steered by a client to flood one set and evict the others' entries.
 *
 * What reading this process's memory would give: the key and the tags
 * let guesses at a proven secret be tested at HMAC speed, not scrypt's.
 * Such a reader sees the presented secrets themselves as requests pass,
 * and a generated secret (writ hash-secret --generate: 256 bits) is out of
 * reach of guessing at any speed. The tags are wiped with the policy.
 */
#include "config.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "secret_cache.h"

#define SHARDS 16
#define SETS   (SECRET_CACHE_CAPACITY / SHARDS / SECRET_CACHE_WAYS) /* per shard */

_Static_assert((SHARDS & (SHARDS - 1)) == 0 && SHARDS <= 256, "a tag byte picks the shard");
_Static_assert(SETS >= 1 && SETS <= 256, "a tag byte picks the set");
_Static_assert(SHARDS * SETS * SECRET_CACHE_WAYS == SECRET_CACHE_CAPACITY,
               "the capacity is whole sets");

struct entry {
	struct secret_tag tag;
	uint32_t index; /* into the app's secrets */
	uint64_t used;  /* 0: empty; otherwise the shard's clock when last used */
};

struct shard {
	pthread_mutex_t lock;
	uint64_t clock;
	struct entry sets[SETS][SECRET_CACHE_WAYS];
};

struct secret_cache {
	EVP_MAC *hmac;
	struct shard shards[SHARDS];
};

atomic_ulong secret_verify_calls;

/* One key for the process: the tags never leave it, so nothing needs to
 * agree on a key, and a key per policy would buy nothing. */
static unsigned char cache_key[32];
static bool cache_key_ready;
static pthread_once_t cache_key_once = PTHREAD_ONCE_INIT;

static void cache_key_make(void)
{
	cache_key_ready = RAND_bytes(cache_key, sizeof(cache_key)) == 1;
}

static void cache_destroy(struct secret_cache *c, int nlocks)
{
	while (nlocks-- > 0)
		pthread_mutex_destroy(&c->shards[nlocks].lock);
	EVP_MAC_free(c->hmac);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

struct secret_cache *secret_cache_new(void)
{
	struct secret_cache *c;
	int i;

	if (pthread_once(&cache_key_once, cache_key_make) != 0 || !cache_key_ready)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->hmac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (!c->hmac) {
		cache_destroy(c, 0);
		return NULL;
	}
	for (i = 0; i < SHARDS; i++) {
		if (pthread_mutex_init(&c->shards[i].lock, NULL) != 0) {
			cache_destroy(c, i);
			return NULL;
		}
	}
	return c;
}

void secret_cache_free(struct secret_cache *c)
{
	if (c)
		cache_destroy(c, SHARDS);
}

/* s[0..len) after its length (8 bytes, big-endian), so that no two
 * (app, secret) pairs make the same message. */
static bool mac_framed(EVP_MAC_CTX *m, const char *s, size_t len)
{
	unsigned char n[8];
	uint64_t v = len;
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		n[i] = (unsigned char)v;
	return EVP_MAC_update(m, n, sizeof(n)) == 1 &&
	       (len == 0 || EVP_MAC_update(m, (const unsigned char *)s, len) == 1);
}

bool secret_cache_tag(const struct secret_cache *c, const char *app, size_t app_len,
                      const char *secret, size_t len, struct secret_tag *tag)
{
	EVP_MAC_CTX *m = EVP_MAC_CTX_new(c->hmac);
	OSSL_PARAM params[2];
	size_t out = 0;
	bool ok;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = m && EVP_MAC_init(m, cache_key, sizeof(cache_key), params) == 1 &&
	     mac_framed(m, app, app_len) && mac_framed(m, secret, len) &&
	     EVP_MAC_final(m, tag->b, &out, sizeof(tag->b)) == 1 && out == sizeof(tag->b);
	EVP_MAC_CTX_free(m);
	if (!ok)
		OPENSSL_cleanse(tag, sizeof(*tag));
	return ok;
}

static struct shard *shard_of(struct secret_cache *c, const struct secret_tag *tag)
{
	return &c->shards[tag->b[0] & (SHARDS - 1)];
}

static struct entry *set_of(struct shard *s, const struct secret_tag *tag)
{
	return s->sets[tag->b[1] % SETS];
}

/* The way of set that holds tag, or NULL. With the shard locked. */
static struct entry *find(struct entry *set, const struct secret_tag *tag)
{
	int w;

	for (w = 0; w < SECRET_CACHE_WAYS; w++)
		if (set[w].used && CRYPTO_memcmp(set[w].tag.b, tag->b, sizeof(tag->b)) == 0)
			return &set[w];
	return NULL;
}

/* Where a new entry goes: an empty way (used 0), else the least recently
 * used. With the shard locked. */
static struct entry *victim(struct entry *set)
{
	struct entry *v = &set[0];
	int w;

	for (w = 1; w < SECRET_CACHE_WAYS && v->used; w++)
		if (set[w].used < v->used)
			v = &set[w];
	return v;
}

bool secret_cache_lookup(struct secret_cache *c, const struct secret_tag *tag, uint32_t *index)
{
	struct shard *s = shard_of(c, tag);
	struct entry *e;

	pthread_mutex_lock(&s->lock);
	e = find(set_of(s, tag), tag);
	if (e) {
		e->used = ++s->clock;
		*index = e->index;
	}
	pthread_mutex_unlock(&s->lock);
	return e != NULL;
}

void secret_cache_insert(struct secret_cache *c, const struct secret_tag *tag, uint32_t index)
{
	struct shard *s = shard_of(c, tag);
	struct entry *set, *e;

	pthread_mutex_lock(&s->lock);
	set = set_of(s, tag);
	/* Two threads may prove the same secret at once: one entry. */
	e = find(set, tag);
	if (!e) {
		e = victim(set);
		e->tag = *tag;
	}
	e->index = index;
	e->used = ++s->clock;
	pthread_mutex_unlock(&s->lock);
}

void secret_cache_forget(struct secret_cache *c, const struct secret_tag *tag, uint32_t index)
{
	struct shard *s = shard_of(c, tag);
	struct entry *e;

	pthread_mutex_lock(&s->lock);
	e = find(set_of(s, tag), tag);
	/* Another thread may have proven the secret against another of the
	 * app's secrets meanwhile: that entry stays. */
	if (e && e->index == index)
		OPENSSL_cleanse(e, sizeof(*e));
	pthread_mutex_unlock(&s->lock);
}

size_t secret_cache_count(struct secret_cache *c)
{
	size_t n = 0;
	int i, j, w;

	for (i = 0; i < SHARDS; i++) {
		struct shard *s = &c->shards[i];
		pthread_mutex_lock(&s->lock);
		for (j = 0; j < SETS; j++)
			for (w = 0; w < SECRET_CACHE_WAYS; w++)
				n += s->sets[j][w].used != 0;
		pthread_mutex_unlock(&s->lock);
	}
	return n;
}
