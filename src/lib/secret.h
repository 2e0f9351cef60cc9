/*
 * secret.h: app (client) secrets, stored as PHC strings (validate.h):
 * making a new hash, and checking a presented secret against one.
 *
 * Secrets are byte strings of a given length: they may hold NUL bytes.
 * Every function returns WRIT_OK or a negative WRIT_E* code (writ.h).
 */
#ifndef WRIT_SECRET_H
#define WRIT_SECRET_H

#include <stddef.h>
#include <stdint.h>

struct secret_hash;

/* What secret_hash() makes: scrypt with N = 2^15, r = 8, p = 1 (32 MiB),
 * a 16-byte random salt and a 32-byte hash. */
#define SECRET_SCRYPT_LN  15
#define SECRET_SCRYPT_R   8
#define SECRET_SCRYPT_P   1
#define SECRET_SALT_BYTES 16
#define SECRET_HASH_BYTES 32

/*
 * A new PHC string for secret[0..len): $scrypt$ln=15,r=8,p=1$SALT$HASH.
 * *phc receives it, NUL-terminated; caller frees with free(). Returns
 * WRIT_OK, WRIT_ENOMEM, WRIT_ECRYPTO (no random bytes, or the KDF failed)
 * or WRIT_EINVAL (a NULL argument).
 */
int secret_hash(const char *secret, size_t len, char **phc);

/*
 * A well-formed hash with the parameters secret_hash() uses, that no
 * secret matches in practice: checking a presented secret against it costs
 * what a wrong secret for a real app costs, so that an unknown client is
 * not told apart by the time its answer takes.
 */
extern const char secret_dummy_hash[];

/*
 * Does secret[0..len) match the PHC string phc[0..phc_len)? WRIT_OK when it
 * does, WRIT_EDENIED when not; WRIT_EINVAL when phc is malformed (by the
 * rules of validate_secret_hash()) or asks for more work than writ agrees
 * to do (the caps are in secret.c); WRIT_ECRYPTO when OpenSSL fails. The
 * comparison takes the same time wherever the hashes differ.
 */
int secret_verify(const char *phc, size_t phc_len, const char *secret, size_t len);

/*
 * The limit of what secret_verify() agrees to compute that the hash h
 * (parse_secret_hash(), validate.h) is beyond, in words, or NULL when it
 * is within them all. A hash beyond one never matches any secret, so the
 * semantic pass refuses it.
 */
const char *secret_hash_beyond_caps(const struct secret_hash *h);

/* The PHC string "B64" of in[0..n): standard base64 without padding,
 * NUL-terminated; out holds at least 4 * ceil(n / 3) + 1 bytes. */
void secret_b64_encode(const unsigned char *in, size_t n, char *out);

/*
 * The raw KDFs, with no cap on their parameters beyond scrypt's memory
 * limit of a little over 1 GiB (for the test vectors, and for the
 * functions above). out receives out_len bytes. WRIT_OK or WRIT_ECRYPTO.
 */
int secret_scrypt(const void *secret, size_t len, const unsigned char *salt,
                  size_t salt_len, unsigned ln, uint32_t r, uint32_t p,
                  unsigned char *out, size_t out_len);
int secret_pbkdf2_sha256(const void *secret, size_t len, const unsigned char *salt,
                         size_t salt_len, uint32_t iterations, unsigned char *out,
                         size_t out_len);

#endif
