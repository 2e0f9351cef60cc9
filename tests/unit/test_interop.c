/*
 * test_interop.c: writ's JWS signatures against an independent
 * implementation, the `openssl` command-line tool, over the very same
 * signing input (the bytes "header.claims").
 *
 *  - writ -> openssl: tokens minted by writ_mint() (ES256, ES384, RS256,
 *    EdDSA) or signed by jws_sign() (PS256) verify with `openssl dgst` or
 *    `openssl pkeyutl`, against a public key rebuilt by this test from the
 *    JWK writ publishes. A changed signing input or signature fails.
 *  - openssl -> writ: keys made by `openssl genpkey`, the signing input
 *    signed by `openssl dgst -sign` or `openssl pkeyutl -sign`, assembled
 *    into a token here, are accepted by writ_verify() with a key set built
 *    here from the PEM public key, and with the key set writ_signer_load()
 *    and writ_signer_public_jwk() make of the same private PEM (its kid, the
 *    RFC 7638 thumbprint, must equal the one computed here). A changed
 *    token is rejected as a bad signature.
 *  - ECDSA signatures whose r or s has a leading zero octet are converted
 *    correctly both ways (r || s is fixed-size; DER is minimal).
 *
 * base64url, DER <-> r || s, JWK <-> key and thumbprints are done here with
 * OpenSSL and jansson only, not with writ's own code. The whole binary
 * skips (77) only when there is no `openssl` program in PATH.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "jwt-helpers.h"

#define PAYMENT_API "https://payment.example.com/api"
#define ALL_ALGS "ES256,ES384,RS256,PS256,EdDSA"

/* Made by main() before the tests run and removed by it afterwards, so it
 * goes even when a test fails in its forked child. */
static char base_dir[PATH_MAX];

/* ---- small tools ---- */

/* A fresh directory of its own for one test. */
static void work_dir(char *dir, size_t size)
{
	ck_assert_int_lt(snprintf(dir, size, "%s/t.XXXXXX", base_dir), (int)size);
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
}

static void path_of(char *out, size_t size, const char *dir, const char *name)
{
	ck_assert_int_lt(snprintf(out, size, "%s/%s", dir, name), (int)size);
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	path_of(path, sizeof(path), dir, name);
	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot create %s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static unsigned char *read_file(const char *dir, const char *name, size_t *len)
{
	char path[PATH_MAX];
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0, got;
	FILE *f;

	path_of(path, sizeof(path), dir, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot read %s: %s", path, strerror(errno));
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			buf = realloc(buf, cap + 1);
			ck_assert_ptr_nonnull(buf);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	ck_assert_int_eq(ferror(f), 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * Run `cd DIR && COMMAND` through the shell, standard error joined to
 * standard output, which is kept in out (NUL-terminated, cut to fit).
 * Returns the exit status, or -1 when the command did not exit normally.
 */
static int shell(const char *dir, char *out, size_t outsize, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int shell(const char *dir, char *out, size_t outsize, const char *fmt, ...)
{
	char cmd[2048], line[1024], sink[512];
	size_t n = 0, got;
	va_list ap;
	FILE *p;
	int st, len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ck_assert_int_lt(len, (int)sizeof(line));
	len = snprintf(cmd, sizeof(cmd), "cd '%s' && { %s; } 2>&1", dir, line);
	ck_assert_int_lt(len, (int)sizeof(cmd));
	fflush(NULL);
	p = popen(cmd, "r");
	ck_assert_msg(p != NULL, "popen: %s", strerror(errno));
	while (n + 1 < outsize && (got = fread(out + n, 1, outsize - 1 - n, p)) > 0)
		n += got;
	out[n] = '\0';
	while (fread(sink, 1, sizeof(sink), p) > 0)
		; /* the rest, so the command never blocks on a full pipe */
	st = pclose(p);
	ck_assert_msg(st != -1, "pclose: %s", strerror(errno));
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run a command that must succeed (key generation, signing). */
static void shell_ok(const char *dir, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void shell_ok(const char *dir, const char *fmt, ...)
{
	char line[1024], out[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	ck_assert_int_lt(vsnprintf(line, sizeof(line), fmt, ap), (int)sizeof(line));
	va_end(ap);
	rc = shell(dir, out, sizeof(out), "%s", line);
	ck_assert_msg(rc == 0, "`%s` exited %d: %s", line, rc, out);
}

/* base64url (RFC 4648 §5) without padding; caller frees. */
static char *b64u(const unsigned char *p, size_t n)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *out = malloc(4 * (n / 3) + 4 + 1), *o = out;
	size_t i;

	ck_assert_ptr_nonnull(out);
	for (i = 0; i + 2 < n; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 | p[i + 2];
		*o++ = abc[v >> 18 & 63];
		*o++ = abc[v >> 12 & 63];
		*o++ = abc[v >> 6 & 63];
		*o++ = abc[v & 63];
	}
	if (n - i == 1) {
		*o++ = abc[p[i] >> 2];
		*o++ = abc[(p[i] & 3) << 4];
	} else if (n - i == 2) {
		*o++ = abc[p[i] >> 2];
		*o++ = abc[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*o++ = abc[(p[i + 1] & 15) << 2];
	}
	*o = '\0';
	return out;
}

static int b64u_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Decode unpadded base64url; fails the test on a bad character. */
static unsigned char *unb64u(const char *s, size_t n, size_t *len)
{
	unsigned char *out = malloc(n * 3 / 4 + 3);
	unsigned long acc = 0;
	size_t i, o = 0;
	int bits = 0;

	ck_assert_ptr_nonnull(out);
	ck_assert_msg(n % 4 != 1, "base64url of impossible length %zu", n);
	for (i = 0; i < n; i++) {
		int v = b64u_value(s[i]);
		ck_assert_msg(v >= 0, "not base64url: '%c' in \"%.*s\"", s[i], (int)n, s);
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	*len = o;
	return out;
}

static unsigned char *unb64u_str(const char *s, size_t *len)
{
	return unb64u(s, strlen(s), len);
}

/* ECDSA r || s (half octets each) to DER; returns the DER length. */
static size_t raw_to_der(const unsigned char *raw, size_t half, unsigned char *der,
                         size_t dersize)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)half, NULL), *s = BN_bin2bn(raw + half, (int)half, NULL);
	unsigned char *p = der;
	int n;

	ck_assert(es && r && s);
	ck_assert_int_eq(ECDSA_SIG_set0(es, r, s), 1);
	n = i2d_ECDSA_SIG(es, NULL);
	ck_assert_int_gt(n, 0);
	ck_assert_uint_le((size_t)n, dersize);
	ck_assert_int_eq(i2d_ECDSA_SIG(es, &p), n);
	ECDSA_SIG_free(es);
	return (size_t)n;
}

/* DER ECDSA signature to r || s of half octets each. */
static void der_to_raw(const unsigned char *der, size_t derlen, size_t half,
                       unsigned char *raw)
{
	const unsigned char *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	const BIGNUM *r, *s;

	ck_assert_msg(es != NULL, "openssl wrote no DER ECDSA signature");
	ck_assert_msg(p == der + derlen, "bytes after the DER signature");
	ECDSA_SIG_get0(es, &r, &s);
	ck_assert_int_eq(BN_bn2binpad(r, raw, (int)half), (int)half);
	ck_assert_int_eq(BN_bn2binpad(s, raw + half, (int)half), (int)half);
	ECDSA_SIG_free(es);
}

/* ---- the algorithms, as the openssl tool names them ---- */

struct alg {
	const char *name;     /* JWS alg */
	enum jws_alg jws;
	const char *genpkey;  /* `openssl genpkey` options */
	const char *digest;   /* `openssl dgst` option; NULL: pkeyutl (EdDSA) */
	const char *sigopts;  /* extra `openssl dgst` options */
	size_t half;          /* ECDSA: octets of r and of s; else 0 */
};

static const struct alg ES256 = { "ES256", JWS_ES256,
	"-algorithm EC -pkeyopt ec_paramgen_curve:P-256", "-sha256", "", 32 };
static const struct alg ES384 = { "ES384", JWS_ES384,
	"-algorithm EC -pkeyopt ec_paramgen_curve:P-384", "-sha384", "", 48 };
static const struct alg RS256 = { "RS256", JWS_RS256,
	"-algorithm RSA -pkeyopt rsa_keygen_bits:2048", "-sha256", "", 0 };
/* RFC 7518 §3.5: MGF1 with SHA-256, a salt as long as the hash. */
static const struct alg PS256 = { "PS256", JWS_PS256,
	"-algorithm RSA -pkeyopt rsa_keygen_bits:2048", "-sha256",
	"-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256", 0 };
static const struct alg EDDSA = { "EdDSA", JWS_EDDSA,
	"-algorithm ED25519", NULL, "", 0 };

/* ---- JWKs, built and read here ---- */

/*
 * The public key of a JWK (as writ publishes it), with the member lengths
 * other implementations insist on checked: EC x and y exactly the size of
 * a field element (RFC 7518 §6.2.1.2), RSA n and e without a leading zero
 * octet (RFC 7518 §6.3.1), Ed25519 x 32 octets (RFC 8037 §2).
 */
static EVP_PKEY *pkey_from_jwk(const char *jwk_text)
{
	json_error_t jerr;
	json_t *jwk = json_loads(jwk_text, 0, &jerr);
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	const char *crv = json_string_value(json_object_get(jwk, "crv"));
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	unsigned char *x = NULL, *y = NULL, *n = NULL, *e = NULL, point[1 + 2 * 48];
	size_t xlen, ylen, nlen, elen, size;
	BIGNUM *bn_n = NULL, *bn_e = NULL;

	ck_assert_msg(jwk != NULL, "the JWK is not JSON: %s", jerr.text);
	ck_assert_ptr_nonnull(bld);
	ck_assert_ptr_nonnull(kty);
	ck_assert_ptr_null(json_object_get(jwk, "d"));
	if (strcmp(kty, "EC") == 0) {
		ck_assert_ptr_nonnull(crv);
		size = strcmp(crv, "P-256") == 0 ? 32 : strcmp(crv, "P-384") == 0 ? 48 : 0;
		ck_assert_msg(size != 0, "unexpected crv \"%s\"", crv);
		x = unb64u_str(json_string_value(json_object_get(jwk, "x")), &xlen);
		y = unb64u_str(json_string_value(json_object_get(jwk, "y")), &ylen);
		ck_assert_uint_eq(xlen, size);
		ck_assert_uint_eq(ylen, size);
		point[0] = 0x04;
		memcpy(point + 1, x, size);
		memcpy(point + 1 + size, y, size);
		ck_assert_int_eq(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
		                                                 size == 32 ? "prime256v1" : "secp384r1", 0), 1);
		ck_assert_int_eq(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
		                                                  point, 1 + 2 * size), 1);
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	} else if (strcmp(kty, "RSA") == 0) {
		n = unb64u_str(json_string_value(json_object_get(jwk, "n")), &nlen);
		e = unb64u_str(json_string_value(json_object_get(jwk, "e")), &elen);
		ck_assert_msg(nlen > 0 && n[0] != 0, "RSA n has a leading zero octet");
		ck_assert_msg(elen > 0 && e[0] != 0, "RSA e has a leading zero octet");
		bn_n = BN_bin2bn(n, (int)nlen, NULL);
		bn_e = BN_bin2bn(e, (int)elen, NULL);
		ck_assert(bn_n && bn_e);
		ck_assert_int_eq(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n), 1);
		ck_assert_int_eq(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e), 1);
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	} else {
		ck_assert_str_eq(kty, "OKP");
		ck_assert_ptr_nonnull(crv);
		ck_assert_str_eq(crv, "Ed25519");
		x = unb64u_str(json_string_value(json_object_get(jwk, "x")), &xlen);
		ck_assert_uint_eq(xlen, 32);
		pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, xlen);
		ck_assert_ptr_nonnull(pkey);
	}
	if (!pkey) {
		params = OSSL_PARAM_BLD_to_param(bld);
		ck_assert(params && ctx);
		ck_assert_int_eq(EVP_PKEY_fromdata_init(ctx), 1);
		ck_assert_int_eq(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params), 1);
	}
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(bn_n);
	BN_free(bn_e);
	free(x);
	free(y);
	free(n);
	free(e);
	json_decref(jwk);
	return pkey;
}

static void write_public_pem(const char *dir, const char *name, EVP_PKEY *pkey)
{
	char path[PATH_MAX];
	FILE *f;

	path_of(path, sizeof(path), dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_PUBKEY(f, pkey), 1);
	ck_assert_int_eq(fclose(f), 0);
}

static EVP_PKEY *read_public_pem(const char *dir, const char *name)
{
	char path[PATH_MAX];
	EVP_PKEY *pkey;
	FILE *f;

	path_of(path, sizeof(path), dir, name);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_msg(pkey != NULL, "%s holds no PEM public key", path);
	return pkey;
}

static char *bn_b64u(EVP_PKEY *pkey, const char *param, size_t pad)
{
	BIGNUM *bn = NULL;
	unsigned char buf[1024];
	size_t n;
	char *s;

	ck_assert_int_eq(EVP_PKEY_get_bn_param(pkey, param, &bn), 1);
	n = pad ? pad : (size_t)BN_num_bytes(bn);
	ck_assert_uint_le(n, sizeof(buf));
	ck_assert_int_eq(BN_bn2binpad(bn, buf, (int)n), (int)n);
	BN_free(bn);
	s = b64u(buf, n);
	return s;
}

/*
 * The JWK of a public key: *required receives the RFC 7638 §3.2 form (the
 * required members in lexicographic order, no whitespace) and the result
 * is the full JWK with kid = the thumbprint of that form, alg and use.
 * *kid receives the thumbprint. Callers free all three.
 */
static char *jwk_of(EVP_PKEY *pkey, const char *alg, char **required, char **kid)
{
	unsigned char digest[32];
	unsigned int dlen = 0;
	char group[32] = "", *a = NULL, *b = NULL, *jwk;
	size_t len;

	*required = malloc(2048);
	ck_assert_ptr_nonnull(*required);
	if (EVP_PKEY_is_a(pkey, "EC")) {
		ck_assert_int_eq(EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
		                                                group, sizeof(group), NULL), 1);
		len = strcmp(group, "prime256v1") == 0 ? 32 : 48;
		a = bn_b64u(pkey, OSSL_PKEY_PARAM_EC_PUB_X, len);
		b = bn_b64u(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, len);
		snprintf(*required, 2048, "{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
		         len == 32 ? "P-256" : "P-384", a, b);
	} else if (EVP_PKEY_is_a(pkey, "RSA")) {
		a = bn_b64u(pkey, OSSL_PKEY_PARAM_RSA_E, 0);
		b = bn_b64u(pkey, OSSL_PKEY_PARAM_RSA_N, 0);
		snprintf(*required, 2048, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", a, b);
	} else {
		unsigned char raw[32];
		ck_assert(EVP_PKEY_is_a(pkey, "ED25519"));
		len = sizeof(raw);
		ck_assert_int_eq(EVP_PKEY_get_raw_public_key(pkey, raw, &len), 1);
		ck_assert_uint_eq(len, 32);
		a = b64u(raw, 32);
		snprintf(*required, 2048, "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"}", a);
	}
	ck_assert_int_eq(EVP_Digest(*required, strlen(*required), digest, &dlen, EVP_sha256(), NULL), 1);
	ck_assert_uint_eq(dlen, 32);
	*kid = b64u(digest, 32);
	/* The required members, then kid, alg and use. */
	len = strlen(*required);
	jwk = malloc(len + 256);
	ck_assert_ptr_nonnull(jwk);
	snprintf(jwk, len + 256, "%.*s,\"kid\":\"%s\",\"alg\":\"%s\",\"use\":\"sig\"}",
	         (int)len - 1, *required, *kid, alg);
	free(a);
	free(b);
	return jwk;
}

static writ_keyset *keyset_of(const char *jwk)
{
	char doc[8192], err[256] = "";
	writ_keyset *keys = NULL;
	int rc;

	ck_assert_int_lt(snprintf(doc, sizeof(doc), "{\"keys\":[%s]}", jwk), (int)sizeof(doc));
	rc = writ_keyset_load(doc, strlen(doc), &keys, err, sizeof(err));
	ck_assert_msg(rc == WRIT_OK, "writ refused the key set %s: %d %s", doc, rc, err);
	return keys;
}

/* ---- openssl verifying ---- */

/* `openssl` verifies sig (JWS form) over the file "input" with pub.pem. */
static int openssl_verify(const char *dir, const struct alg *a, const unsigned char *sig,
                          size_t siglen, char *out, size_t outsize)
{
	unsigned char der[2 * 48 + 16];

	if (a->half) {
		size_t n = raw_to_der(sig, a->half, der, sizeof(der));
		write_file(dir, "sig", der, n);
	} else {
		write_file(dir, "sig", sig, siglen);
	}
	if (!a->digest)
		return shell(dir, out, outsize,
		             "openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in input -sigfile sig");
	return shell(dir, out, outsize, "openssl dgst %s %s -verify pub.pem -signature sig input",
	             a->digest, a->sigopts);
}

static const char *ok_text(const struct alg *a)
{
	return a->digest ? "Verified OK\n" : "Signature Verified Successfully\n";
}

static const char *failure_text(const struct alg *a)
{
	return a->digest ? "Verification failure\n" : "Signature Verification Failure\n";
}

static void expect_openssl_accepts(const char *dir, const struct alg *a,
                                   const unsigned char *sig, size_t siglen)
{
	char out[4096];
	int rc = openssl_verify(dir, a, sig, siglen, out, sizeof(out));

	ck_assert_msg(rc == 0 && strcmp(out, ok_text(a)) == 0,
	              "%s: openssl rejected writ's signature (exit %d): %s", a->name, rc, out);
}

static void expect_openssl_rejects(const char *dir, const struct alg *a,
                                   const unsigned char *sig, size_t siglen)
{
	char out[4096];
	int rc = openssl_verify(dir, a, sig, siglen, out, sizeof(out));
	const char *want = failure_text(a);
	size_t n = strlen(out), w = strlen(want);

	/* Error details from libcrypto may come first; the verdict is last. */
	ck_assert_msg(rc == 1 && n >= w && strcmp(out + n - w, want) == 0 &&
	              (n == w || out[n - w - 1] == '\n'),
	              "%s: openssl did not reject (exit %d): %s", a->name, rc, out);
}

/*
 * The whole writ -> openssl check of one token: its signing input and
 * signature verify under pub.pem; then a changed input, and a changed
 * signature, do not.
 */
static void check_with_openssl(const char *dir, const struct alg *a, const char *token)
{
	const char *dot1 = strchr(token, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	unsigned char *sig;
	char *input;
	size_t siglen, inlen;

	ck_assert_msg(dot2 != NULL && strchr(dot2 + 1, '.') == NULL, "not a JWS: %s", token);
	inlen = (size_t)(dot2 - token);
	sig = unb64u_str(dot2 + 1, &siglen);
	if (a->half)
		ck_assert_uint_eq(siglen, 2 * a->half);
	else if (a->jws == JWS_EDDSA)
		ck_assert_uint_eq(siglen, 64);
	write_file(dir, "input", token, inlen);
	expect_openssl_accepts(dir, a, sig, siglen);

	/* One claims character changed, to another base64url character. */
	input = strndup(token, inlen);
	ck_assert_ptr_nonnull(input);
	input[(size_t)(dot1 - token) + (inlen - (size_t)(dot1 - token)) / 2] ^= 0x01;
	write_file(dir, "input", input, inlen);
	expect_openssl_rejects(dir, a, sig, siglen);
	/* The header's first byte: 'e' ({"...) becomes 'd'. */
	memcpy(input, token, inlen);
	input[0] ^= 0x01;
	write_file(dir, "input", input, inlen);
	expect_openssl_rejects(dir, a, sig, siglen);
	/* The input as signed, the signature changed in the middle. */
	write_file(dir, "input", token, inlen);
	sig[siglen / 2 - 1] ^= 0x80;
	expect_openssl_rejects(dir, a, sig, siglen);
	sig[siglen / 2 - 1] ^= 0x80;
	/* The input with a trailing newline: not what was signed. */
	input = realloc(input, inlen + 1);
	ck_assert_ptr_nonnull(input);
	memcpy(input, token, inlen);
	input[inlen] = '\n';
	write_file(dir, "input", input, inlen + 1);
	expect_openssl_rejects(dir, a, sig, siglen);
	free(input);
	free(sig);
}

/* The payment policy shipped in policies/. */
static writ_policy *shipped_policy(void)
{
	const char *paths[] = { SRCDIR "/policies" };
	writ_diagnostics *diags = writ_diagnostics_new();
	writ_policy *policy = NULL;
	int rc;

	ck_assert_ptr_nonnull(diags);
	rc = writ_policy_load(paths, 1, 0, diags, &policy);
	ck_assert_msg(rc == WRIT_OK, "policies/ does not load: %d", rc);
	writ_diagnostics_free(diags);
	return policy;
}

/* A key made by writ_key_generate(), loaded as a signer. */
static writ_signer *writ_key(const char *dir, const char *alg)
{
	char path[PATH_MAX], err[512] = "";
	writ_signer *s = NULL;
	struct stat st;
	int rc;

	path_of(path, sizeof(path), dir, "key.pem");
	rc = writ_key_generate(alg, path, err, sizeof(err));
	ck_assert_msg(rc == WRIT_OK, "writ_key_generate(%s): %d %s", alg, rc, err);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	rc = writ_signer_load(path, NULL, &s, err, sizeof(err));
	ck_assert_msg(rc == WRIT_OK, "writ_signer_load: %d %s", rc, err);
	ck_assert_str_eq(writ_signer_alg(s), alg);
	return s;
}

static char *header_of(const char *token)
{
	const char *dot = strchr(token, '.');
	unsigned char *h;
	size_t len;

	ck_assert_ptr_nonnull(dot);
	h = unb64u(token, (size_t)(dot - token), &len);
	h[len] = '\0';
	return (char *)h;
}

/*
 * writ_mint -> openssl, for a key writ generated. For ECDSA, also a token
 * whose r or s begins with a zero octet (about 1 in 64 do): writ must pad
 * it, and its DER form is then shorter.
 */
static void writ_to_openssl(const struct alg *a)
{
	char dir[PATH_MAX], want_header[256], *header, *jwk, *token = NULL;
	writ_policy *policy = shipped_policy();
	writ_signer *s;
	EVP_PKEY *pub;
	int rc, i;

	work_dir(dir, sizeof(dir));
	s = writ_key(dir, a->name);
	jwk = writ_signer_public_jwk(s);
	ck_assert_ptr_nonnull(jwk);
	pub = pkey_from_jwk(jwk);
	write_public_pem(dir, "pub.pem", pub);

	rc = writ_mint(s, policy, "cart-service", PAYMENT_API, "write:payment", 13, 0,
	               TEST_NOW, &token);
	ck_assert_int_eq(rc, WRIT_OK);
	header = header_of(token);
	snprintf(want_header, sizeof(want_header), "{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"at+jwt\"}",
	         a->name, writ_signer_kid(s));
	ck_assert_str_eq(header, want_header);
	free(header);
	check_with_openssl(dir, a, token);

	if (a->half) {
		for (i = 0; i < 20000; i++) {
			const char *dot2 = strrchr(token, '.');
			unsigned char *sig;
			size_t siglen;
			int zero;

			free(token);
			token = NULL;
			ck_assert_int_eq(writ_mint(s, policy, "cart-service", PAYMENT_API,
			                           "write:payment", 13, 0, TEST_NOW, &token), WRIT_OK);
			dot2 = strrchr(token, '.');
			sig = unb64u_str(dot2 + 1, &siglen);
			ck_assert_uint_eq(siglen, 2 * a->half);
			zero = sig[0] == 0 || sig[a->half] == 0;
			free(sig);
			if (zero)
				break;
		}
		ck_assert_msg(i < 20000, "no signature with a leading zero octet in 20000");
		check_with_openssl(dir, a, token);
	}
	free(token);
	free(jwk);
	EVP_PKEY_free(pub);
	writ_signer_free(s);
	writ_policy_unref(policy);
}

START_TEST(writ_to_openssl_es256)
{
	writ_to_openssl(&ES256);
}
END_TEST

START_TEST(writ_to_openssl_es384)
{
	writ_to_openssl(&ES384);
}
END_TEST

START_TEST(writ_to_openssl_rs256)
{
	writ_to_openssl(&RS256);
}
END_TEST

START_TEST(writ_to_openssl_eddsa)
{
	writ_to_openssl(&EDDSA);
}
END_TEST

/* writ signs PS256 only through jws_sign() (a signer's RSA key is RS256). */
START_TEST(writ_to_openssl_ps256)
{
	char dir[PATH_MAX], *jwk, *header, *claims, *token;
	struct test_key k;
	EVP_PKEY *pub;

	work_dir(dir, sizeof(dir));
	test_key_init(&k, JWS_PS256, "ps");
	jwk = test_jwk(&k, 1);
	pub = pkey_from_jwk(jwk);
	write_public_pem(dir, "pub.pem", pub);
	header = test_header(&k);
	claims = test_claims("write:payment");
	token = test_token(&k, header, claims);
	check_with_openssl(dir, &PS256, token);
	free(token);
	free(claims);
	free(header);
	free(jwk);
	EVP_PKEY_free(pub);
	test_key_free(&k);
}
END_TEST

/* ---- openssl signing, writ verifying ---- */

/* `openssl` signs the file "input" with key.pem; the signature in JWS form. */
static unsigned char *openssl_sign(const char *dir, const struct alg *a, size_t *siglen)
{
	unsigned char *out, *sig;
	size_t n;

	if (a->digest)
		shell_ok(dir, "openssl dgst %s %s -sign key.pem -out sig input", a->digest, a->sigopts);
	else
		shell_ok(dir, "openssl pkeyutl -sign -inkey key.pem -rawin -in input -out sig");
	out = read_file(dir, "sig", &n);
	if (!a->half) {
		*siglen = n;
		return out;
	}
	sig = malloc(2 * a->half);
	ck_assert_ptr_nonnull(sig);
	der_to_raw(out, n, a->half, sig);
	free(out);
	*siglen = 2 * a->half;
	return sig;
}

static double clock_now = TEST_NOW;

/* writ_verify() with a verifier of every alg over keys; the result code. */
static int writ_check_token(writ_keyset *keys, const char *token, writ_token *t)
{
	writ_verifier *v = test_verifier(keys, &clock_now);
	int rc;

	ck_assert_int_eq(writ_verifier_set_algorithms(v, ALL_ALGS), WRIT_OK);
	rc = writ_verify(v, token, strlen(token), t);
	writ_verifier_free(v);
	return rc;
}

static void expect_writ_accepts(writ_keyset *keys, const char *token)
{
	writ_token *t = writ_token_new();
	int rc;

	ck_assert_ptr_nonnull(t);
	rc = writ_check_token(keys, token, t);
	ck_assert_msg(rc == WRIT_OK, "writ rejected openssl's token (%d): %s\n%s", rc,
	              writ_token_reason(t), token);
	ck_assert_str_eq(writ_token_subject(t), "cart-service");
	ck_assert_str_eq(writ_token_client_id(t), "cart-service");
	ck_assert_str_eq(writ_token_scope(t), "write:payment");
	writ_token_free(t);
}

static void expect_writ_bad_signature(writ_keyset *keys, const char *token)
{
	writ_token *t = writ_token_new();
	int rc;

	ck_assert_ptr_nonnull(t);
	rc = writ_check_token(keys, token, t);
	ck_assert_msg(rc == WRIT_ETOKEN && writ_token_error(t) == WRIT_TOKEN_BAD_SIGNATURE,
	              "writ did not reject a changed token as a bad signature (%d, error %d): %s",
	              rc, (int)writ_token_error(t), writ_token_reason(t));
	writ_token_free(t);
}

/* h64.c64 in "input", signed by openssl, assembled into a token. */
static char *openssl_token(const char *dir, const struct alg *a, const char *h64,
                           const char *c64, unsigned char **sig_out, size_t *siglen)
{
	size_t len = strlen(h64) + 1 + strlen(c64);
	unsigned char *sig;
	char *input = malloc(len + 1), *s64, *token;

	ck_assert_ptr_nonnull(input);
	snprintf(input, len + 1, "%s.%s", h64, c64);
	write_file(dir, "input", input, len);
	sig = openssl_sign(dir, a, siglen);
	s64 = b64u(sig, *siglen);
	token = malloc(len + 1 + strlen(s64) + 1);
	ck_assert_ptr_nonnull(token);
	sprintf(token, "%s.%s", input, s64);
	free(s64);
	free(input);
	if (sig_out)
		*sig_out = sig;
	else
		free(sig);
	return token;
}

static void openssl_to_writ(const struct alg *a)
{
	char dir[PATH_MAX], header[256], err[512] = "", path[PATH_MAX];
	char *required, *kid, *jwk, *writ_jwk, *h64, *c64, *claims, *token, *changed;
	writ_keyset *keys, *writ_keys = NULL;
	writ_signer *signer = NULL;
	EVP_PKEY *pub;
	size_t siglen, c;
	unsigned char *sig;
	int rc, i;

	work_dir(dir, sizeof(dir));
	shell_ok(dir, "openssl genpkey %s -out key.pem", a->genpkey);
	shell_ok(dir, "openssl pkey -in key.pem -pubout -out pub.pem");
	pub = read_public_pem(dir, "pub.pem");
	jwk = jwk_of(pub, a->name, &required, &kid);
	keys = keyset_of(jwk);

	snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}",
	         a->name, kid);
	claims = test_claims("write:payment");
	h64 = b64u((const unsigned char *)header, strlen(header));
	c64 = b64u((const unsigned char *)claims, strlen(claims));
	token = openssl_token(dir, a, h64, c64, &sig, &siglen);
	expect_writ_accepts(keys, token);

	/* The same private PEM through writ's signer: its kid is the RFC 7638
	 * thumbprint computed here, and its JWK verifies the token too. */
	path_of(path, sizeof(path), dir, "key.pem");
	ck_assert_int_eq(chmod(path, 0600), 0);
	rc = writ_signer_load(path, NULL, &signer, err, sizeof(err));
	ck_assert_msg(rc == WRIT_OK, "writ_signer_load of openssl's key: %d %s", rc, err);
	ck_assert_str_eq(writ_signer_kid(signer), kid);
	if (a->jws != JWS_PS256) {
		ck_assert_str_eq(writ_signer_alg(signer), a->name);
		writ_jwk = writ_signer_public_jwk(signer);
		ck_assert_ptr_nonnull(writ_jwk);
		writ_keys = keyset_of(writ_jwk);
		expect_writ_accepts(writ_keys, token);
		free(writ_jwk);
		writ_keyset_unref(writ_keys);
	}
	writ_signer_free(signer);

	/* Tampered: a claims character, a header character (the kid stays
	 * readable), a signature bit. */
	changed = strdup(token);
	ck_assert_ptr_nonnull(changed);
	c = strlen(h64) + 1 + strlen(c64) / 2;
	changed[c] = changed[c] == 'A' ? 'B' : 'A';
	expect_writ_bad_signature(keys, changed);
	free(changed);
	{
		/* The same claims but one later exp, signed by nobody. */
		char *other = strdup(claims), *p = strstr(other, "\"exp\":");
		char *o64, *forged;
		ck_assert_ptr_nonnull(p);
		p[6] = p[6] == '9' ? '8' : '9';
		o64 = b64u((const unsigned char *)other, strlen(other));
		forged = malloc(strlen(token) + strlen(o64) + 4);
		ck_assert_ptr_nonnull(forged);
		sprintf(forged, "%s.%s.%s", h64, o64, strrchr(token, '.') + 1);
		expect_writ_bad_signature(keys, forged);
		free(forged);
		free(o64);
		free(other);
	}
	sig[siglen / 2 - 1] ^= 0x40;
	{
		char *s64 = b64u(sig, siglen), *bad = malloc(strlen(token) + 1);
		ck_assert_ptr_nonnull(bad);
		sprintf(bad, "%s.%s.%s", h64, c64, s64);
		expect_writ_bad_signature(keys, bad);
		free(bad);
		free(s64);
	}
	free(sig);
	free(token);

	/* ECDSA: a DER signature whose r or s is shorter than the field (one
	 * in 64 or so) is padded into r || s, and writ accepts it. */
	if (a->half) {
		char *claims2 = malloc(strlen(claims) + 32), *c2;
		for (i = 0; i < 1500; i++) {
			unsigned char *raw;
			size_t n;
			char *p;

			strcpy(claims2, claims);
			p = strstr(claims2, "\"jti\":\"j1\"");
			ck_assert_ptr_nonnull(p);
			sprintf(p, "\"jti\":\"j%d\",\"scope\":\"write:payment\"}", i);
			c2 = b64u((const unsigned char *)claims2, strlen(claims2));
			token = openssl_token(dir, a, h64, c2, &raw, &n);
			free(c2);
			if (raw[0] == 0 || raw[a->half] == 0) {
				free(raw);
				break;
			}
			free(raw);
			free(token);
			token = NULL;
		}
		ck_assert_msg(i < 1500, "openssl made no short r or s in 1500 signatures");
		expect_writ_accepts(keys, token);
		free(token);
		free(claims2);
	}
	free(h64);
	free(c64);
	free(claims);
	free(jwk);
	free(kid);
	free(required);
	writ_keyset_unref(keys);
	EVP_PKEY_free(pub);
}

START_TEST(openssl_to_writ_es256)
{
	openssl_to_writ(&ES256);
}
END_TEST

START_TEST(openssl_to_writ_es384)
{
	openssl_to_writ(&ES384);
}
END_TEST

START_TEST(openssl_to_writ_rs256)
{
	openssl_to_writ(&RS256);
}
END_TEST

START_TEST(openssl_to_writ_ps256)
{
	openssl_to_writ(&PS256);
}
END_TEST

START_TEST(openssl_to_writ_eddsa)
{
	openssl_to_writ(&EDDSA);
}
END_TEST

/*
 * A key writ generated, as openssl reads it: openssl derives the public key
 * from writ's private PEM, the JWK and thumbprint built here from that
 * agree with writ's kid, openssl verifies writ's token, and writ verifies
 * it with the key set built here.
 */
START_TEST(round_trip_through_openssl_key)
{
	char dir[PATH_MAX], *required, *kid, *jwk, *token = NULL;
	writ_policy *policy = shipped_policy();
	writ_signer *s;
	writ_keyset *keys;
	EVP_PKEY *pub;

	work_dir(dir, sizeof(dir));
	s = writ_key(dir, "EdDSA");
	shell_ok(dir, "openssl pkey -in key.pem -pubout -out pub.pem");
	pub = read_public_pem(dir, "pub.pem");
	jwk = jwk_of(pub, "EdDSA", &required, &kid);
	ck_assert_str_eq(writ_signer_kid(s), kid);
	ck_assert_int_eq(writ_mint(s, policy, "cart-service", PAYMENT_API, "write:payment", 13,
	                           0, TEST_NOW, &token), WRIT_OK);
	check_with_openssl(dir, &EDDSA, token);
	keys = keyset_of(jwk);
	expect_writ_accepts(keys, token);
	writ_keyset_unref(keys);
	free(token);
	free(jwk);
	free(kid);
	free(required);
	EVP_PKEY_free(pub);
	writ_signer_free(s);
	writ_policy_unref(policy);
}
END_TEST

/*
 * EC public keys whose x or y begins with a zero octet: the JWK writ
 * publishes must still carry full-size coordinates (RFC 7518 §6.2.1.2),
 * and its thumbprint kid is of that form. Keys are made in-process until
 * one turns up (1 in 128 or so), then written as PEM for writ's signer.
 */
START_TEST(jwk_short_coordinates)
{
	char dir[PATH_MAX], path[PATH_MAX], err[512] = "";
	char *required, *kid, *jwk, *writ_jwk;
	unsigned char point[1 + 2 * 48];
	EVP_PKEY *pkey = NULL, *back;
	writ_signer *s = NULL;
	size_t n = 0;
	FILE *f;
	int i, fd;

	work_dir(dir, sizeof(dir));
	for (i = 0; i < 20000; i++) {
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		ck_assert_ptr_nonnull(pkey);
		ck_assert_int_eq(EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
		                                                 point, sizeof(point), &n), 1);
		ck_assert_uint_eq(n, 65);
		if (point[1] == 0 || point[33] == 0)
			break;
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	ck_assert_msg(pkey != NULL, "no P-256 key with a short coordinate in 20000");
	path_of(path, sizeof(path), dir, "short.pem");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL), 1);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(writ_signer_load(path, NULL, &s, err, sizeof(err)), WRIT_OK);

	jwk = jwk_of(pkey, "ES256", &required, &kid);
	ck_assert_str_eq(writ_signer_kid(s), kid);
	writ_jwk = writ_signer_public_jwk(s);
	ck_assert_ptr_nonnull(writ_jwk);
	back = pkey_from_jwk(writ_jwk); /* asserts 32-octet x and y */
	ck_assert_int_eq(EVP_PKEY_eq(back, pkey), 1);
	/* And writ takes the full-size form in a key set. */
	writ_keyset_unref(keyset_of(jwk));
	EVP_PKEY_free(back);
	free(writ_jwk);
	free(jwk);
	free(kid);
	free(required);
	writ_signer_free(s);
	EVP_PKEY_free(pkey);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("interop");
	TCase *tc = tcase_create("writ-signs");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, writ_to_openssl_es256);
	tcase_add_test(tc, writ_to_openssl_es384);
	tcase_add_test(tc, writ_to_openssl_rs256);
	tcase_add_test(tc, writ_to_openssl_eddsa);
	tcase_add_test(tc, writ_to_openssl_ps256);
	suite_add_tcase(s, tc);
	tc = tcase_create("openssl-signs");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, openssl_to_writ_es256);
	tcase_add_test(tc, openssl_to_writ_es384);
	tcase_add_test(tc, openssl_to_writ_rs256);
	tcase_add_test(tc, openssl_to_writ_ps256);
	tcase_add_test(tc, openssl_to_writ_eddsa);
	suite_add_tcase(s, tc);
	tc = tcase_create("keys");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, round_trip_through_openssl_key);
	tcase_add_test(tc, jwk_short_coordinates);
	suite_add_tcase(s, tc);
	return s;
}

/* Is there an executable `openssl` in PATH? */
static int have_openssl(void)
{
	const char *path = getenv("PATH");
	char dir[PATH_MAX], file[PATH_MAX + 16];

	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(dir, sizeof(dir), "%.*s", (int)n, path);
		snprintf(file, sizeof(file), "%s/openssl", n ? dir : ".");
		if (access(file, X_OK) == 0)
			return 1;
		path += n;
		if (*path == ':')
			path++;
	}
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	int status;

	if (!have_openssl()) {
		fprintf(stderr, "SKIP: no openssl program in PATH\n");
		return 77;
	}
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(base_dir, sizeof(base_dir), "%s/writ-interop.XXXXXX", tmp);
	if (!mkdtemp(base_dir) || strchr(base_dir, '\'')) {
		fprintf(stderr, "ERROR: cannot make a temporary directory in %s\n", tmp);
		return 99;
	}
	status = run_suite(suite());
	if (nftw(base_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
		fprintf(stderr, "ERROR: cannot remove %s\n", base_dir);
		return 99;
	}
	return status;
}
