/*
 * jwk.h: JSON Web Keys (RFC 7517) for verifying and signing tokens. A key
 * set is parsed once into EVP_PKEYs and then only read, by any number of
 * threads. A set with any bad key is refused as a whole, with a message
 * that names the key.
 */
#ifndef WRIT_JWK_H
#define WRIT_JWK_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stdatomic.h>

#include "jws.h"

struct jwk {
	char *kid;
	enum jws_key_type type;
	int alg;            /* the key's "alg" as enum jws_alg, or -1 */
	EVP_PKEY *pkey;
	struct jws_vkey vkey; /* pkey, prepared for verification */
	char *thumbprint;   /* RFC 7638, SHA-256, base64url */
};

struct jwk_set {
	atomic_uint refs;
	struct jwk *keys;
	size_t nkeys;
};

/*
 * Parse a JWKS document ({"keys": [...]}) of public keys. Returns the set
 * or NULL with the reason in why (naming the key by kid or position).
 */
struct jwk_set *jwk_set_parse(const char *json, size_t len, char *why,
                              size_t whylen);
/* The key with exactly this kid, or NULL. */
const struct jwk *jwk_set_find(const struct jwk_set *set, const char *kid,
                               size_t len);
void jwk_set_unref(struct jwk_set *set);

/*
 * The type of a key parsed from PEM, checked as a JWK is (curve, RSA size).
 * Returns 0, or -1 with a reason.
 */
int jwk_key_type(EVP_PKEY *pkey, enum jws_key_type *type, char *why, size_t whylen);
/* The public JWK of a key as a new JSON object (kty, crv/x/y or n/e). */
json_t *jwk_public_json(EVP_PKEY *pkey, enum jws_key_type type);
/* RFC 7638 thumbprint of a public JWK object, base64url; free() it. */
char *jwk_thumbprint(const json_t *jwk);

#endif
