/* jws.c: JWS signature verification and signing (jws.h). */
#include "config.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <string.h>

#include "jws.h"

static const char *const alg_names[JWS_ALG_COUNT] = {
	[JWS_ES256] = "ES256",
	[JWS_ES384] = "ES384",
	[JWS_RS256] = "RS256",
	[JWS_PS256] = "PS256",
	[JWS_EDDSA] = "EdDSA",
};

/* Group orders n of P-256 and P-384 (SEC 2 §2.4.2, §2.5.1), big-endian. */
static const unsigned char p256_order[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};
static const unsigned char p384_order[48] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf, 0x58, 0x1a, 0x0d, 0xb2,
	0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
};
/* L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 §5.1),
 * little-endian as S is encoded. */
static const unsigned char ed25519_l[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2,
	0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

const char *jws_alg_name(enum jws_alg alg)
{
	return (unsigned)alg < JWS_ALG_COUNT ? alg_names[alg] : "?";
}

int jws_alg_parse(const char *s, size_t len)
{
	int i;

	for (i = 0; i < JWS_ALG_COUNT; i++)
		if (strlen(alg_names[i]) == len && memcmp(alg_names[i], s, len) == 0)
			return i;
	return -1;
}

bool jws_alg_fits_key(enum jws_alg alg, enum jws_key_type type)
{
	switch (alg) {
	case JWS_ES256:
		return type == JWS_KEY_EC_P256;
	case JWS_ES384:
		return type == JWS_KEY_EC_P384;
	case JWS_RS256:
	case JWS_PS256:
		return type == JWS_KEY_RSA;
	case JWS_EDDSA:
		return type == JWS_KEY_ED25519;
	default:
		return false;
	}
}

int jws_digests_init(struct jws_digests *d)
{
	d->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	d->sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
	if (!d->sha256 || !d->sha384) {
		jws_digests_free(d);
		return -1;
	}
	return 0;
}

void jws_digests_free(struct jws_digests *d)
{
	EVP_MD_free(d->sha256);
	EVP_MD_free(d->sha384);
	d->sha256 = d->sha384 = NULL;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	unsigned char acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* 1 <= x < n for big-endian x and n of the same length. */
static bool in_range(const unsigned char *x, const unsigned char *n, size_t len)
{
	return !all_zero(x, len) && memcmp(x, n, len) < 0;
}

/* S < L, both little-endian: compare from the most significant byte. */
static bool below_l(const unsigned char *s)
{
	size_t i;

	for (i = 32; i-- > 0;)
		if (s[i] != ed25519_l[i])
			return s[i] < ed25519_l[i];
	return false;
}

/* One DER INTEGER (X.690 §8.3) from a fixed-size big-endian value that is
 * not zero: leading zeros dropped, a zero prepended if the top bit is set. */
static size_t der_integer(const unsigned char *v, size_t n, unsigned char *out)
{
	size_t skip = 0, len;

	while (skip + 1 < n && v[skip] == 0)
		skip++;
	len = n - skip + (v[skip] & 0x80 ? 1 : 0);
	out[0] = 0x02;
	out[1] = (unsigned char)len;
	if (v[skip] & 0x80) {
		out[2] = 0;
		memcpy(out + 3, v + skip, n - skip);
	} else {
		memcpy(out + 2, v + skip, n - skip);
	}
	return 2 + len;
}

/*
 * r || s to the DER SEQUENCE that OpenSSL's ECDSA verifier takes. For P-256
 * and P-384 every length fits one byte (at most 2 * 51 bytes of content),
 * so no long-form lengths arise.
 */
static size_t ecdsa_der(const unsigned char *sig, size_t half, unsigned char *der)
{
	size_t n = 2;

	n += der_integer(sig, half, der + n);
	n += der_integer(sig + half, half, der + n);
	der[0] = 0x30;
	der[1] = (unsigned char)(n - 2);
	return n;
}

int jws_vkey_init(struct jws_vkey *vk, EVP_PKEY *pkey, enum jws_key_type type,
                  const struct jws_digests *d)
{
	int alg;

	memset(vk, 0, sizeof(*vk));
	vk->pkey = pkey;
	if (type == JWS_KEY_ED25519) {
		vk->mdctx = EVP_MD_CTX_new();
		if (!vk->mdctx || EVP_DigestVerifyInit(vk->mdctx, NULL, NULL, NULL, pkey) != 1)
			goto fail;
		return 0;
	}
	for (alg = 0; alg < JWS_ALG_COUNT; alg++) {
		EVP_PKEY_CTX *c;
		const EVP_MD *md = alg == JWS_ES384 ? d->sha384 : d->sha256;

		if (!jws_alg_fits_key(alg, type))
			continue;
		c = vk->pctx[alg] = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
		if (!c || EVP_PKEY_verify_init(c) != 1 || EVP_PKEY_CTX_set_signature_md(c, md) != 1)
			goto fail;
		/* RFC 7518 §3.5: PSS with SHA-256, MGF1 with SHA-256, a salt as long
		 * as the hash. */
		if (alg == JWS_PS256 &&
		    (EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PSS_PADDING) != 1 ||
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(c, RSA_PSS_SALTLEN_DIGEST) != 1 ||
		     EVP_PKEY_CTX_set_rsa_mgf1_md(c, md) != 1))
			goto fail;
	}
	return 0;
fail:
	jws_vkey_free(vk);
	return -1;
}

void jws_vkey_free(struct jws_vkey *vk)
{
	int alg;

	for (alg = 0; alg < JWS_ALG_COUNT; alg++)
		EVP_PKEY_CTX_free(vk->pctx[alg]);
	EVP_MD_CTX_free(vk->mdctx);
	memset(vk, 0, sizeof(*vk));
}

/* Hash, then verify the digest on a copy of the key's prepared context (a
 * shared context is only read, so threads may verify at once). */
static bool digest_verify(const struct jws_vkey *key, enum jws_alg alg, const EVP_MD *md,
                          const unsigned char *data, size_t len,
                          const unsigned char *sig, size_t siglen)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen;
	EVP_PKEY_CTX *c;
	bool ok;

	if (!key->pctx[alg] || EVP_Digest(data, len, digest, &dlen, md, NULL) != 1)
		return false;
	c = EVP_PKEY_CTX_dup(key->pctx[alg]);
	if (!c)
		return false;
	ok = EVP_PKEY_verify(c, sig, siglen, digest, dlen) == 1;
	EVP_PKEY_CTX_free(c);
	return ok;
}

/* EdDSA signs the message itself: copy the prepared verification. */
static bool message_verify(const struct jws_vkey *key, const unsigned char *data,
                           size_t len, const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok;

	if (!c)
		return false;
	ok = key->mdctx && EVP_MD_CTX_copy_ex(c, key->mdctx) == 1 &&
	     EVP_DigestVerify(c, sig, siglen, data, len) == 1;
	EVP_MD_CTX_free(c);
	return ok;
}

static bool bad_length(char *why, size_t whylen, size_t got, size_t want)
{
	snprintf(why, whylen, "signature length %zu, expected %zu", got, want);
	return false;
}

static bool fail(char *why, size_t whylen, const char *reason)
{
	snprintf(why, whylen, "%s", reason);
	return false;
}

bool jws_verify(const struct jws_digests *d, enum jws_alg alg, const struct jws_vkey *key,
                const unsigned char *data, size_t len,
                const unsigned char *sig, size_t siglen,
                char *why, size_t whylen)
{
	unsigned char der[2 * (2 + 1 + 48) + 2];
	size_t half, want, n;
	const unsigned char *order;
	bool ok;

	switch (alg) {
	case JWS_ES256:
	case JWS_ES384:
		/* RFC 7518 §3.4: the JWS signature is R || S, each the size of n. */
		half = alg == JWS_ES256 ? 32 : 48;
		order = alg == JWS_ES256 ? p256_order : p384_order;
		if (siglen != 2 * half)
			return bad_length(why, whylen, siglen, 2 * half);
		if (!in_range(sig, order, half) || !in_range(sig + half, order, half))
			return fail(why, whylen, "signature value out of range");
		n = ecdsa_der(sig, half, der);
		ok = digest_verify(key, alg, alg == JWS_ES256 ? d->sha256 : d->sha384,
		                   data, len, der, n);
		break;
	case JWS_EDDSA:
		if (siglen != 64)
			return bad_length(why, whylen, siglen, 64);
		/* RFC 8032 §5.1.7: reject S >= L (malleability). */
		if (!below_l(sig + 32))
			return fail(why, whylen, "signature value out of range");
		ok = message_verify(key, data, len, sig, siglen);
		break;
	case JWS_RS256:
	case JWS_PS256:
		want = (size_t)EVP_PKEY_get_size(key->pkey);
		/* RFC 8017 §8.2.2: the signature is exactly k octets. */
		if (siglen != want)
			return bad_length(why, whylen, siglen, want);
		ok = digest_verify(key, alg, d->sha256, data, len, sig, siglen);
		break;
	default:
		return fail(why, whylen, "unsupported algorithm");
	}
	if (!ok)
		snprintf(why, whylen, "signature does not verify");
	return ok;
}

size_t jws_sig_max(EVP_PKEY *key)
{
	int n = EVP_PKEY_get_size(key);

	return n > 0 ? (size_t)n + 16 : 0;
}

/* DER ECDSA signature to fixed-size r || s. */
static size_t ecdsa_raw(const unsigned char *der, size_t derlen, size_t half,
                        unsigned char *out)
{
	const unsigned char *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	const BIGNUM *r, *s;
	size_t n = 0;

	if (!es)
		return 0;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, out, (int)half) == (int)half &&
	    BN_bn2binpad(s, out + half, (int)half) == (int)half)
		n = 2 * half;
	ECDSA_SIG_free(es);
	return n;
}

size_t jws_sign(const struct jws_digests *d, enum jws_alg alg, EVP_PKEY *key,
                const unsigned char *data, size_t len, unsigned char *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	const EVP_MD *md = NULL;
	unsigned char der[2 * 48 + 16];
	size_t siglen = jws_sig_max(key), n = 0;
	bool ecdsa = alg == JWS_ES256 || alg == JWS_ES384;

	if (!ctx)
		return 0;
	if (alg == JWS_ES256 || alg == JWS_RS256 || alg == JWS_PS256)
		md = d->sha256;
	else if (alg == JWS_ES384)
		md = d->sha384;
	if (EVP_DigestSignInit(ctx, &pctx, md, NULL, key) != 1)
		goto out;
	if (alg == JWS_PS256 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
		goto out;
	if (ecdsa) {
		siglen = sizeof(der);
		if (EVP_DigestSign(ctx, der, &siglen, data, len) == 1)
			n = ecdsa_raw(der, siglen, alg == JWS_ES256 ? 32 : 48, sig);
	} else if (EVP_DigestSign(ctx, sig, &siglen, data, len) == 1) {
		n = siglen;
	}
out:
	EVP_MD_CTX_free(ctx);
	return n;
}
