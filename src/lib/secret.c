/* secret.c: hashing and checking app secrets (secret.h). */
#include "config.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "secret.h"
#include "validate.h"
#include "writ.h"

/*
 * What secret_verify() agrees to compute. validate_secret_hash() accepts
 * every parameter a PHC string can carry (scrypt ln up to 31 and r, p up
 * to 255; pbkdf2 up to 10^8 iterations), and some of those would make one
 * authentication take minutes or gigabytes: a policy file is not trusted
 * to ask for that. The caps sit far above what writ hash-secret makes
 * (ln=15, r=8, p=1: 32 MiB, a tenth of a second) and admit every
 * parameter set of the RFC 7914 test vectors (section 12):
 *  - scrypt: ln <= 20 (N <= 2^20); r * p <= 128, so that N=1024, r=8,
 *    p=16 (RFC 7914's second vector) passes; memory 128 * r * N <= 1 GiB
 *    (ln=20 with r=8 at most); and work N * r * p <= 2^24, twice that of
 *    ln=20, r=8, p=1 (some seconds), which bounds the time the other caps
 *    alone would not (ln=20, r=8, p=16 is over a minute);
 *  - pbkdf2-sha256: at most 10,000,000 iterations (a few seconds);
 *  - a salt of at most 256 bytes and a hash of at most 64 bytes: pbkdf2
 *    runs all its iterations again for every 32 bytes of hash.
 */
#define CAP_SCRYPT_LN        20
#define CAP_SCRYPT_RP        128
#define CAP_SCRYPT_MEM_LOG2  30 /* 128 * r * N <= 2^30 bytes */
#define CAP_SCRYPT_WORK_LOG2 24 /* N * r * p <= 2^24 */
#define CAP_PBKDF2_ITER      10000000
#define CAP_SALT_BYTES       256
#define CAP_HASH_BYTES       64

/* OpenSSL's memory limit for scrypt: V (128 * r * (N + 2) bytes) and B
 * (128 * r * p bytes) of the largest computation the caps allow, with
 * room to spare. */
#define SCRYPT_MAXMEM ((uint64_t)1 << CAP_SCRYPT_MEM_LOG2 | (uint64_t)1 << 21)

/* The salt is "writ dummy salt!" (16 bytes, the least a hash may have);
 * the hash is 32 zero bytes. */
const char secret_dummy_hash[] = "$scrypt$ln=15,r=8,p=1$d3JpdCBkdW1teSBzYWx0IQ$"
                                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/* Unpadded base64 length of n bytes, as a constant expression. */
#define B64_LEN(n) ((n) / 3 * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))

/* OSSL_PARAM holds a void *; the KDFs only read what it points to. */
static void *unconst(const void *p)
{
	return (void *)(uintptr_t)p;
}

static int derive(const char *name, OSSL_PARAM *params, unsigned char *out,
                  size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, name, NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	int rc = WRIT_ECRYPTO;

	if (ctx && EVP_KDF_derive(ctx, out, out_len, params) == 1)
		rc = WRIT_OK;
	else
		OPENSSL_cleanse(out, out_len);
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

int secret_scrypt(const void *secret, size_t len, const unsigned char *salt,
                  size_t salt_len, unsigned ln, uint32_t r, uint32_t p,
                  unsigned char *out, size_t out_len)
{
	uint64_t n = (uint64_t)1 << ln, maxmem = SCRYPT_MAXMEM;
	OSSL_PARAM params[7];

	if (ln < 1 || ln > 63)
		return WRIT_ECRYPTO;
	/* OpenSSL takes the pointer of an empty password as given. */
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	                                              unconst(len ? secret : ""), len);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	                                              unconst(salt), salt_len);
	params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	params[3] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	params[4] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
	params[5] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem);
	params[6] = OSSL_PARAM_construct_end();
	return derive(OSSL_KDF_NAME_SCRYPT, params, out, out_len);
}

int secret_pbkdf2_sha256(const void *secret, size_t len, const unsigned char *salt,
                         size_t salt_len, uint32_t iterations, unsigned char *out,
                         size_t out_len)
{
	uint64_t iter = iterations;
	int no_checks = 1; /* our own rules apply, not SP 800-132's minimums */
	OSSL_PARAM params[6];

	params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	                                              unconst(len ? secret : ""), len);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	                                              unconst(salt), salt_len);
	params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &iter);
	params[3] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	params[4] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &no_checks);
	params[5] = OSSL_PARAM_construct_end();
	return derive(OSSL_KDF_NAME_PBKDF2, params, out, out_len);
}

/* ---- the PHC "B64" encoding: standard base64 without padding ---- */

void secret_b64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i, len = b64url_encoded_len(n);

	b64url_encode(in, n, out);
	for (i = 0; i < len; i++) {
		if (out[i] == '-')
			out[i] = '+';
		else if (out[i] == '_')
			out[i] = '/';
	}
	out[len] = '\0';
}

/*
 * Decode in[0..n), already checked by parse_secret_hash() (alphabet, and
 * n % 4 != 1), into out; returns the number of bytes. Unused trailing bits
 * are dropped, as validate_secret_hash() does not require them to be zero.
 */
static size_t b64_decode(const char *in, size_t n, unsigned char *out)
{
	size_t i, o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 6 | (uint32_t)b64_std_value((unsigned char)in[i])) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o;
}

/* ---- hashing and checking ---- */

int secret_hash(const char *secret, size_t len, char **phc)
{
	unsigned char salt[SECRET_SALT_BYTES], hash[SECRET_HASH_BYTES];
	char salt64[B64_LEN(SECRET_SALT_BYTES) + 1], hash64[B64_LEN(SECRET_HASH_BYTES) + 1];
	size_t size;
	char *s;
	int rc;

	if (!phc)
		return WRIT_EINVAL;
	*phc = NULL;
	if (!secret && len)
		return WRIT_EINVAL;
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return WRIT_ECRYPTO;
	rc = secret_scrypt(secret, len, salt, sizeof(salt), SECRET_SCRYPT_LN,
	                   SECRET_SCRYPT_R, SECRET_SCRYPT_P, hash, sizeof(hash));
	if (rc != WRIT_OK)
		return rc;
	secret_b64_encode(salt, sizeof(salt), salt64);
	secret_b64_encode(hash, sizeof(hash), hash64);
	OPENSSL_cleanse(hash, sizeof(hash));
	size = sizeof("$scrypt$ln=NN,r=N,p=N$$") + strlen(salt64) + strlen(hash64);
	s = malloc(size);
	if (!s) {
		OPENSSL_cleanse(hash64, sizeof(hash64));
		return WRIT_ENOMEM;
	}
	snprintf(s, size, "$scrypt$ln=%d,r=%d,p=%d$%s$%s", SECRET_SCRYPT_LN,
	         SECRET_SCRYPT_R, SECRET_SCRYPT_P, salt64, hash64);
	OPENSSL_cleanse(hash64, sizeof(hash64));
	*phc = s;
	return WRIT_OK;
}

/* Which cap above h is beyond, or NULL (the comment there says why). */
const char *secret_hash_beyond_caps(const struct secret_hash *h)
{
	if (h->salt_bytes > CAP_SALT_BYTES)
		return "its salt is longer than 256 bytes";
	if (h->hash_bytes > CAP_HASH_BYTES)
		return "its hash is longer than 64 bytes";
	if (h->scheme == SECRET_HASH_PBKDF2_SHA256)
		return h->iterations > CAP_PBKDF2_ITER ? "more than 10000000 iterations" : NULL;
	/* validate.c bounds r and p by 255, so none of this overflows. */
	if (h->ln > CAP_SCRYPT_LN)
		return "scrypt ln above 20";
	if (h->r * h->p > CAP_SCRYPT_RP)
		return "scrypt r*p above 128";
	if (((uint64_t)h->r << h->ln) > (uint64_t)1 << (CAP_SCRYPT_MEM_LOG2 - 7))
		return "scrypt memory 128*r*2^ln above 1 GiB";
	if (((uint64_t)h->r * h->p << h->ln) > (uint64_t)1 << CAP_SCRYPT_WORK_LOG2)
		return "scrypt work r*p*2^ln above 2^24";
	return NULL;
}

int secret_verify(const char *phc, size_t phc_len, const char *secret, size_t len)
{
	unsigned char salt[CAP_SALT_BYTES], want[CAP_HASH_BYTES], got[CAP_HASH_BYTES];
	struct secret_hash h;
	bool plaintext;
	int rc;

	if (!phc || (!secret && len))
		return WRIT_EINVAL;
	if (parse_secret_hash(phc, phc_len, &h, &plaintext) || secret_hash_beyond_caps(&h))
		return WRIT_EINVAL;
	if (b64_decode(h.salt, h.salt_len, salt) != h.salt_bytes ||
	    b64_decode(h.hash, h.hash_len, want) != h.hash_bytes)
		return WRIT_EINVAL; /* cannot happen: parse_secret_hash counted them */
	if (h.scheme == SECRET_HASH_SCRYPT)
		rc = secret_scrypt(secret, len, salt, h.salt_bytes, h.ln, h.r, h.p,
		                   got, h.hash_bytes);
	else
		rc = secret_pbkdf2_sha256(secret, len, salt, h.salt_bytes, h.iterations,
		                          got, h.hash_bytes);
	if (rc == WRIT_OK)
		rc = CRYPTO_memcmp(got, want, h.hash_bytes) == 0 ? WRIT_OK : WRIT_EDENIED;
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_cleanse(want, sizeof(want));
	return rc;
}

int writ_secret_hash(const char *secret, size_t len, char **phc)
{
	return secret_hash(secret, len, phc);
}
