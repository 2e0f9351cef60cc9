/*
 * secret_cache.h: the app secrets a loaded policy has already proven, so
 * that an app presenting the same secret again costs no second slow hash
 * (the secret module, modules.c).
 *
 * An entry is a tag and the index of the app's secret that matched. The
 * tag is HMAC-SHA256, under a key this process draws at random once, of
 * the app's id and the presented secret, each prefixed by its length: the
 * secret, or any hash of it an attacker could compute, is never stored.
 * Only successes are inserted; the caller checks the matched secret's
 * expiry on every hit and forgets an entry whose secret has expired.
 *
 * One cache belongs to one policy (table.h) and dies with it, so a reload
 * starts empty. It holds at most SECRET_CACHE_CAPACITY entries, all
 * allocated by secret_cache_new(); every function is safe to call from
 * any number of threads at once.
 */
#ifndef WRIT_SECRET_CACHE_H
#define WRIT_SECRET_CACHE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A set holds SECRET_CACHE_WAYS entries and drops its least recently used;
 * the capacity is the number of sets times that. */
#define SECRET_CACHE_WAYS     8
#define SECRET_CACHE_CAPACITY 1024
#define SECRET_TAG_BYTES      32

struct secret_cache;

struct secret_tag {
	unsigned char b[SECRET_TAG_BYTES];
};

/* A new, empty cache; NULL when out of memory or without random bytes for
 * the key, and then the caller does without. */
struct secret_cache *secret_cache_new(void);
/* NULL is a harmless no-op. */
void secret_cache_free(struct secret_cache *c);

/*
 * The tag of secret[0..len) (it may hold NUL bytes) presented by the app
 * app[0..app_len). False when OpenSSL fails: treat it as a miss and do not
 * insert.
 */
bool secret_cache_tag(const struct secret_cache *c, const char *app, size_t app_len,
                      const char *secret, size_t len, struct secret_tag *tag);

/* Was tag proven? *index receives the index of the secret that matched. */
bool secret_cache_lookup(struct secret_cache *c, const struct secret_tag *tag, uint32_t *index);
/* Record that tag matched the app's secret index, evicting if need be. */
void secret_cache_insert(struct secret_cache *c, const struct secret_tag *tag, uint32_t index);
/* Drop tag's entry if it still says index (that secret has expired). */
void secret_cache_forget(struct secret_cache *c, const struct secret_tag *tag, uint32_t index);
/* How many entries are in use: never more than SECRET_CACHE_CAPACITY. */
size_t secret_cache_count(struct secret_cache *c);

/* How many slow hashes (secret_verify) the secret module has run in this
 * process: the tests' way to see a hit, which no timing could prove. */
extern atomic_ulong secret_verify_calls;

#endif
