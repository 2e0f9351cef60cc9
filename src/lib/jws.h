/*
 * jws.h: JWS signature algorithms (RFC 7518 §3, RFC 8037 §3.1) over keys
 * parsed once into EVP_PKEY. One verification function serves the token
 * validator and the signature test vectors alike, so the vectors test the
 * code that guards the door.
 */
#ifndef WRIT_JWS_H
#define WRIT_JWS_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

enum jws_alg {
	JWS_ES256,
	JWS_ES384,
	JWS_RS256,
	JWS_PS256,
	JWS_EDDSA,
	JWS_ALG_COUNT,
};

/* The key families a JWK may hold (RFC 7518 §6, RFC 8037 §2). */
enum jws_key_type {
	JWS_KEY_EC_P256,
	JWS_KEY_EC_P384,
	JWS_KEY_RSA,
	JWS_KEY_ED25519,
};

/* "ES256", ... */
const char *jws_alg_name(enum jws_alg alg);
/* The alg named exactly (case-sensitive) by s[0..len), or -1. */
int jws_alg_parse(const char *s, size_t len);
/* Does a key of this type fit this alg (DESIGN §5 key binding)? */
bool jws_alg_fits_key(enum jws_alg alg, enum jws_key_type type);

/* Digests fetched once and shared read-only by every verification. */
struct jws_digests {
	EVP_MD *sha256, *sha384;
};
int jws_digests_init(struct jws_digests *d);
void jws_digests_free(struct jws_digests *d);

/*
 * A public key made ready once for verification: for each algorithm it
 * fits, a context with padding and digest set, which each verification
 * copies (setting one up costs as much as a tenth of an RSA verification).
 * The key itself is borrowed.
 */
struct jws_vkey {
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *pctx[JWS_ALG_COUNT]; /* ECDSA and RSA: verify a digest */
	EVP_MD_CTX *mdctx;                 /* EdDSA: verify the message */
};

int jws_vkey_init(struct jws_vkey *vk, EVP_PKEY *pkey, enum jws_key_type type,
                  const struct jws_digests *d);
void jws_vkey_free(struct jws_vkey *vk);

/*
 * Verify a signature of data under key for alg, with the exact length and
 * range rules of DESIGN §5:
 *  - ES256/ES384: exactly 2 * 32 or 2 * 48 octets r || s with 1 <= r, s < n
 *    (high S is valid); DER is not accepted;
 *  - EdDSA: 64 octets with S < L (RFC 8032 §5.1.7);
 *  - RS256/PS256: exactly the modulus length, nothing stripped or added.
 * The caller has checked that the key fits the alg. Returns true when the
 * signature is valid; otherwise false with a short reason in why.
 */
bool jws_verify(const struct jws_digests *d, enum jws_alg alg, const struct jws_vkey *key,
                const unsigned char *data, size_t len,
                const unsigned char *sig, size_t siglen,
                char *why, size_t whylen);

/*
 * Sign data under a private key for alg; sig must hold jws_sig_max(key)
 * bytes. Returns the signature length (ECDSA as fixed-size r || s), or 0.
 */
size_t jws_sign(const struct jws_digests *d, enum jws_alg alg, EVP_PKEY *key,
                const unsigned char *data, size_t len, unsigned char *sig);
size_t jws_sig_max(EVP_PKEY *key);

#endif
