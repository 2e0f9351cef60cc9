/*
 * validate.h: the syntax rules of the values a policy holds: scope-tokens,
 * resource indicators, issuer identifiers, durations, times, secret hashes.
 * Each returns NULL when the value is fine, or a static English reason.
 */
#ifndef WRIT_VALIDATE_H
#define WRIT_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
static inline bool scope_char(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != 0x22 && c != 0x5c;
}

/* A reason for s being no scope-token, or NULL. */
const char *validate_scope_token(const char *s, size_t len);
/* RFC 8707 §2: an absolute URI (RFC 3986 §4.3) with no fragment. */
const char *validate_indicator(const char *s, size_t len);
/* RFC 8414 §2: https, no query, no fragment. *loopback_http is set when the
 * URL uses http on localhost or a loopback address (accepted with a warning). */
const char *validate_issuer(const char *s, size_t len, bool *loopback_http);
/* A URL to fetch keys from: https with a host (a query allowed, no
 * fragment), or http on a loopback host, *loopback_http set. */
const char *validate_jwks_url(const char *s, size_t len, bool *loopback_http);
/* "600", "10m", "1h", "2d": 1 to 2^31-1 seconds. */
const char *parse_duration(const char *s, size_t len, uint32_t *seconds);
/* RFC 3339 date-time with a time zone offset, to seconds since the epoch. */
const char *parse_time(const char *s, size_t len, int64_t *epoch);
/*
 * A secret hash in PHC string form: $scrypt$ln=L,r=R,p=P$SALT$HASH or
 * $pbkdf2-sha256$i=N$SALT$HASH (SALT and HASH in unpadded standard base64).
 * *plaintext is set when the string is no hash at all.
 */
const char *validate_secret_hash(const char *s, size_t len, bool *plaintext);

/* A secret hash taken apart by parse_secret_hash(). */
enum secret_hash_scheme {
	SECRET_HASH_SCRYPT = 1,
	SECRET_HASH_PBKDF2_SHA256 = 2,
};

struct secret_hash {
	enum secret_hash_scheme scheme;
	unsigned ln, r, p;       /* scrypt: N = 2^ln, block size r, parallelism p */
	uint32_t iterations;     /* pbkdf2-sha256 */
	const char *salt;        /* the salt field, in s: unpadded base64 */
	size_t salt_len;         /* its length in characters */
	size_t salt_bytes;       /* its length once decoded */
	const char *hash;        /* the hash field, likewise */
	size_t hash_len;
	size_t hash_bytes;
};

/*
 * validate_secret_hash(), keeping what it read in *out when the string is
 * fine (the fields point into s). The base64 is checked for its alphabet
 * and length only: unused trailing bits are not required to be zero.
 */
const char *parse_secret_hash(const char *s, size_t len, struct secret_hash *out,
                              bool *plaintext);
/* RFC 6749 appendix A.1: client-id = *VSCHAR, and not empty here. */
const char *validate_client_id(const char *s, size_t len);
/* Any other name: not empty, no control character. */
const char *validate_name(const char *s, size_t len);

/*
 * The candidate closest to `name` by edit distance (insertions, deletions,
 * substitutions, transpositions), if close enough to be a likely typo.
 */
struct suggest {
	const char *name;
	size_t len;
	const char *best;
	unsigned best_distance;
};
void suggest_init(struct suggest *sg, const char *name, size_t len);
void suggest_offer(struct suggest *sg, const char *candidate, size_t len);
/* The best candidate, or NULL when none is close. */
const char *suggest_best(const struct suggest *sg);

#endif
