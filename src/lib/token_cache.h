/*
 * token_cache.h: the access tokens a verifier has already verified, so that
 * a gateway seeing the same token again pays a hash and a lookup, not a
 * signature check (DESIGN §7: a repeated token at 1,000,000 validations/s
 * per core).
 *
 * An entry is a copy of the exact token bytes and what the successful
 * verification found: the claims, shared read-only by reference count with
 * every writ_token filled from it. Only successes are inserted. Whatever
 * depends only on the token and the verifier's configuration (signature,
 * header, iss, aud, claim types, scope) was settled at insert time; the
 * caller checks exp, nbf and iat against its clock on every hit, and
 * forgets an entry that fails them.
 *
 * One cache belongs to one verifier configuration: jwt.c empties it
 * whenever a setter changes what was settled. It holds at most
 * token_cache_capacity() entries, all allocated by token_cache_new();
 * lookup, insert, forget and count are safe to call from any number of
 * threads at once.
 */
#ifndef WRIT_TOKEN_CACHE_H
#define WRIT_TOKEN_CACHE_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writ.h"

/* A set holds TOKEN_CACHE_WAYS entries and drops its least recently used;
 * the shards times the ways is the unit the capacity is rounded up to. */
#define TOKEN_CACHE_WAYS   8
#define TOKEN_CACHE_SHARDS 16
#define TOKEN_CACHE_UNIT   (TOKEN_CACHE_WAYS * TOKEN_CACHE_SHARDS)
/* The default capacity, and the largest a caller may ask for. */
#define TOKEN_CACHE_DEFAULT 4096
#define TOKEN_CACHE_MAX     1048576
/* Longer tokens are verified every time: this bounds the memory an entry's
 * claims can take (RFC 9068 tokens are typically under 2 KiB). */
#define TOKEN_CACHE_MAX_TOKEN 8192

/*
 * The claims of a verified token. Filled in by one thread while it alone
 * holds it; once inserted in a cache it is never written again, so any
 * number of threads may read it (jansson >= 2.14 reads and dumps a value
 * without writing to it).
 */
struct token_claims {
	atomic_uint refs;
	json_t *json;
	/* Into json; scope is "" when the token has none. */
	const char *scope, *subject, *client_id, *jti;
	double exp, nbf, iat; /* nbf and iat are NAN when absent */
	/* Verified with a key of this source (keysource.h) at this generation
	 * of it; NULL when the verifier has no sources. */
	const struct key_source *source;
	unsigned generation;
};

/* New claims holding json's reference (with refs 1); NULL when out of
 * memory, and then json is untouched. */
struct token_claims *token_claims_new(json_t *json);
/* The last reference frees the claims; NULL is a harmless no-op. */
void token_claims_unref(struct token_claims *c);

struct token_cache;

/* Where a token is looked for: its hash under the cache's seed, and the
 * token itself (borrowed from the caller, who keeps it for the key's use),
 * which a hit must match byte for byte. */
struct token_key {
	uint64_t hash;
	const char *token;
	size_t len;
};

/* A new, empty cache of at least entries (1 to TOKEN_CACHE_MAX) entries,
 * rounded up to whole TOKEN_CACHE_UNITs; NULL when out of memory. */
struct token_cache *token_cache_new(size_t entries);
/* NULL is a harmless no-op. */
void token_cache_free(struct token_cache *c);

/* The key of token[0..len), 1 <= len <= TOKEN_CACHE_MAX_TOKEN. */
void token_cache_key(const struct token_cache *c, const char *token, size_t len,
                     struct token_key *key);

/* The claims stored under key, with a new reference for the caller; NULL
 * when there are none. */
struct token_claims *token_cache_lookup(struct token_cache *c, const struct token_key *key);
/* Store claims (the cache takes its own reference) and a copy of key's
 * token, evicting the set's least recently used entry if need be. Out of
 * memory, nothing is stored. */
void token_cache_insert(struct token_cache *c, const struct token_key *key,
                        struct token_claims *claims);
/* Drop key's entry if it still holds claims (they failed a time check). */
void token_cache_forget(struct token_cache *c, const struct token_key *key,
                        const struct token_claims *claims);
/* Drop every entry. */
void token_cache_clear(struct token_cache *c);
/* How many entries are in use: never more than the capacity. */
size_t token_cache_count(struct token_cache *c);
size_t token_cache_capacity(const struct token_cache *c);

/* The count and capacity of a verifier's cache (0 and 0 when it has none):
 * for the tests, through jwt.c, which owns the verifier. */
size_t verifier_cache_count(const writ_verifier *v);
size_t verifier_cache_capacity(const writ_verifier *v);

/* How many signatures writ_verify has checked in this process: the tests'
 * way to see a hit, which no timing could prove. */
extern atomic_ulong token_signature_checks;

#endif
