/* jwk.c: parsing JSON Web Key sets and describing keys (jwk.h). */
#include "config.h"

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "json_strict.h"
#include "jwk.h"

enum {
	RSA_MIN_BITS = 2048,
	RSA_MAX_BYTES = 2048, /* 16384-bit modulus: beyond any real key */
};

/* Private key members of RFC 7518 §6: a public key set never holds one. */
static const char *const private_members[] = {
	"d", "p", "q", "dp", "dq", "qi", "oth", "k",
};

struct parse {
	char *why;
	size_t whylen;
	struct jws_digests digests; /* fetched on first need */
	char name[96]; /* "key \"kid\"" or "key 3", for messages */
};

static bool fail(struct parse *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool fail(struct parse *ps, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ps->why, ps->whylen, "%s: %s", ps->name, msg);
	return false;
}

/* A base64url member decoded; *out is malloc'd. */
static bool member_bytes(struct parse *ps, json_t *k, const char *name,
                         unsigned char **out, size_t *len)
{
	json_t *v = json_object_get(k, name);
	const char *s;
	size_t n;

	*out = NULL;
	if (!json_is_string(v))
		return fail(ps, "member \"%s\" is missing or not a string", name);
	s = json_string_value(v);
	n = json_string_length(v);
	*out = malloc(b64url_decoded_max(n) + 1);
	if (!*out)
		return fail(ps, "out of memory reading \"%s\"", name);
	if (b64url_decode(s, n, *out, len, NULL) != B64URL_OK) {
		free(*out);
		*out = NULL;
		return fail(ps, "member \"%s\" is not canonical base64url", name);
	}
	return true;
}

static EVP_PKEY *from_params(struct parse *ps, const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY_CTX *check = NULL;
	EVP_PKEY *pkey = NULL;

	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		fail(ps, "%s public key is invalid", type);
		goto out;
	}
	/* Full public key validation: for EC, the point is on the curve. */
	check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!check || EVP_PKEY_public_check(check) != 1) {
		fail(ps, "%s public key is invalid", type);
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
out:
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static bool parse_ec(struct parse *ps, json_t *k, struct jwk *key)
{
	const char *crv = json_string_value(json_object_get(k, "crv"));
	unsigned char *x = NULL, *y = NULL, point[1 + 2 * 48];
	const char *group;
	size_t xlen, ylen, size;
	OSSL_PARAM_BLD *bld = NULL;
	bool ok = false;

	if (crv && strcmp(crv, "P-256") == 0) {
		key->type = JWS_KEY_EC_P256;
		group = "prime256v1";
		size = 32;
	} else if (crv && strcmp(crv, "P-384") == 0) {
		key->type = JWS_KEY_EC_P384;
		group = "secp384r1";
		size = 48;
	} else {
		return fail(ps, "unsupported EC curve %s", crv ? crv : "(none)");
	}
	if (!member_bytes(ps, k, "x", &x, &xlen) || !member_bytes(ps, k, "y", &y, &ylen))
		goto out;
	/* RFC 7518 §6.2.1.2: x and y are the full size of a coordinate. */
	if (xlen != size || ylen != size) {
		fail(ps, "EC coordinates must be %s bytes each", size == 32 ? "32" : "48");
		goto out;
	}
	point[0] = 0x04; /* uncompressed (SEC 1 §2.3.3) */
	memcpy(point + 1, x, size);
	memcpy(point + 1 + size, y, size);
	bld = OSSL_PARAM_BLD_new();
	if (!bld ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * size)) {
		fail(ps, "%s", "out of memory");
		goto out;
	}
	key->pkey = from_params(ps, "EC", bld);
	ok = key->pkey != NULL;
out:
	OSSL_PARAM_BLD_free(bld);
	free(x);
	free(y);
	return ok;
}

static bool parse_rsa(struct parse *ps, json_t *k, struct jwk *key)
{
	unsigned char *n = NULL, *e = NULL;
	size_t nlen, elen;
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	bool ok = false;

	key->type = JWS_KEY_RSA;
	if (!member_bytes(ps, k, "n", &n, &nlen) || !member_bytes(ps, k, "e", &e, &elen))
		goto out;
	/* RFC 7518 §6.3.1: minimal big-endian encodings, no leading zero. */
	if (nlen == 0 || n[0] == 0 || elen == 0 || e[0] == 0) {
		fail(ps, "%s", "RSA n and e must not have leading zero octets");
		goto out;
	}
	if (nlen > RSA_MAX_BYTES || nlen * 8 - (size_t)__builtin_clz(n[0]) + 24 < RSA_MIN_BITS) {
		fail(ps, "%s", "RSA modulus must be 2048 to 16384 bits");
		goto out;
	}
	/* A sane public exponent: odd, at least 3, at most 64 bits. */
	if (elen > 8 || !(e[elen - 1] & 1) || (elen == 1 && e[0] < 3)) {
		fail(ps, "%s", "RSA exponent must be odd, at least 3 and at most 64 bits");
		goto out;
	}
	bn = BN_bin2bn(n, (int)nlen, NULL);
	be = BN_bin2bn(e, (int)elen, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (!bn || !be || !bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be)) {
		fail(ps, "%s", "out of memory");
		goto out;
	}
	key->pkey = from_params(ps, "RSA", bld);
	ok = key->pkey != NULL;
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	free(n);
	free(e);
	return ok;
}

/*
 * Is x the encoding of an Ed25519 public key that a verifier may trust?
 * OpenSSL takes any 32 bytes; but a small-order point as the key lets
 * anyone forge signatures (with the identity, R = identity and S = 0 verify
 * for every message). So, per RFC 8032 §5.1.3: y (the low 255 bits,
 * little-endian) below p; a point on the curve, x^2 = (y^2 - 1) /
 * (d y^2 + 1) being a square mod p (Euler's criterion); and none of the
 * eight points of small order, whose y are 0, 1, p - 1, y8 and p - y8.
 */
static bool ed25519_key_ok(const unsigned char x[32])
{
	/* y of the points of order 8, big-endian (computed from the curve). */
	static const unsigned char y8[32] = {
		0x7a, 0x03, 0xac, 0x92, 0x77, 0xfd, 0xc7, 0x4e, 0xc6, 0xcc, 0x39,
		0x2c, 0xfa, 0x53, 0x20, 0x2a, 0x0f, 0x67, 0x10, 0x0d, 0x76, 0x0b,
		0x3c, 0xba, 0x4f, 0xd8, 0x4d, 0x3d, 0x70, 0x6a, 0x17, 0xc7,
	};
	unsigned char be[32];
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p, *y, *t, *u, *v, *d, *e;
	bool ok = false;
	int i;

	if (!ctx)
		return false;
	BN_CTX_start(ctx);
	p = BN_CTX_get(ctx);
	y = BN_CTX_get(ctx);
	t = BN_CTX_get(ctx);
	u = BN_CTX_get(ctx);
	v = BN_CTX_get(ctx);
	d = BN_CTX_get(ctx);
	e = BN_CTX_get(ctx);
	for (i = 0; i < 32; i++)
		be[i] = x[31 - i];
	be[0] &= 0x7f; /* the top bit is the sign of x */
	/* p = 2^255 - 19; d = -121665 / 121666 mod p (RFC 8032 §5.1). */
	if (!e || !BN_set_bit(p, 255) || !BN_sub_word(p, 19) || !BN_bin2bn(be, 32, y) ||
	    BN_cmp(y, p) >= 0)
		goto out;
	/* Small order: y in {0, 1, p - 1, y8, p - y8}. */
	if (BN_is_zero(y) || BN_is_one(y) || !BN_sub(t, p, y) || BN_is_one(t) ||
	    !BN_bin2bn(y8, 32, u) || BN_cmp(y, u) == 0 || !BN_sub(v, p, u) || BN_cmp(y, v) == 0)
		goto out;
	if (!BN_set_word(t, 121666) || !BN_mod_inverse(d, t, p, ctx) ||
	    !BN_mul_word(d, 121665) || !BN_sub(d, p, d) || !BN_nnmod(d, d, p, ctx) ||
	    !BN_mod_sqr(t, y, p, ctx) ||                         /* t = y^2 */
	    !BN_copy(u, t) || !BN_sub_word(u, 1) ||              /* u = y^2 - 1 */
	    !BN_mod_mul(v, d, t, p, ctx) || !BN_add_word(v, 1) ||/* v = d y^2 + 1 */
	    !BN_nnmod(v, v, p, ctx) || BN_is_zero(v) ||
	    !BN_mod_inverse(v, v, p, ctx) || !BN_mod_mul(t, u, v, p, ctx) ||
	    !BN_copy(e, p) || !BN_sub_word(e, 1) || !BN_rshift1(e, e) ||
	    !BN_mod_exp(t, t, e, p, ctx))
		goto out;
	ok = BN_is_one(t);
out:
	BN_CTX_end(ctx);
	BN_CTX_free(ctx);
	return ok;
}

static bool parse_okp(struct parse *ps, json_t *k, struct jwk *key)
{
	const char *crv = json_string_value(json_object_get(k, "crv"));
	unsigned char *x = NULL;
	size_t xlen;

	if (!crv || strcmp(crv, "Ed25519") != 0)
		return fail(ps, "unsupported OKP curve %s", crv ? crv : "(none)");
	key->type = JWS_KEY_ED25519;
	if (!member_bytes(ps, k, "x", &x, &xlen))
		return false;
	if (xlen != 32) {
		free(x);
		return fail(ps, "%s", "Ed25519 x must be 32 bytes");
	}
	if (!ed25519_key_ok(x)) {
		free(x);
		return fail(ps, "%s", "Ed25519 public key is invalid");
	}
	key->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, xlen);
	free(x);
	if (!key->pkey)
		return fail(ps, "%s", "Ed25519 public key is invalid");
	return true;
}

/* "use" must be "sig" and "key_ops" must allow "verify" when present. */
static bool check_usage(struct parse *ps, json_t *k)
{
	json_t *use = json_object_get(k, "use"), *ops = json_object_get(k, "key_ops"), *op;
	size_t i;
	bool verify = false;

	if (use && (!json_is_string(use) || strcmp(json_string_value(use), "sig") != 0))
		return fail(ps, "%s", "\"use\" is not \"sig\"");
	if (!ops)
		return true;
	if (!json_is_array(ops))
		return fail(ps, "%s", "\"key_ops\" is not an array");
	json_array_foreach(ops, i, op) {
		if (!json_is_string(op))
			return fail(ps, "%s", "\"key_ops\" holds a non-string");
		if (strcmp(json_string_value(op), "verify") == 0)
			verify = true;
	}
	return verify ? true : fail(ps, "%s", "\"key_ops\" does not allow \"verify\"");
}

static bool parse_key(struct parse *ps, json_t *k, struct jwk *key)
{
	json_t *kty = json_object_get(k, "kty"), *alg = json_object_get(k, "alg");
	json_t *kid = json_object_get(k, "kid"), *pub;
	const char *t;
	size_t i;
	bool ok;

	if (!json_is_object(k))
		return fail(ps, "%s", "is not a JSON object");
	if (!json_is_string(kid) || json_string_length(kid) == 0)
		return fail(ps, "%s", "has no \"kid\" (tokens name their key by kid)");
	snprintf(ps->name, sizeof(ps->name), "key \"%.64s\"", json_string_value(kid));
	key->kid = strdup(json_string_value(kid));
	if (!key->kid)
		return fail(ps, "%s", "out of memory");
	for (i = 0; i < sizeof(private_members) / sizeof(private_members[0]); i++)
		if (json_object_get(k, private_members[i]))
			return fail(ps, "holds the private member \"%s\": publish public keys only",
			            private_members[i]);
	if (!json_is_string(kty))
		return fail(ps, "%s", "has no \"kty\"");
	key->alg = -1;
	if (alg) {
		if (!json_is_string(alg) ||
		    (key->alg = jws_alg_parse(json_string_value(alg), json_string_length(alg))) < 0)
			return fail(ps, "unsupported \"alg\" %s",
			            json_is_string(alg) ? json_string_value(alg) : "(not a string)");
	}
	if (!check_usage(ps, k))
		return false;
	t = json_string_value(kty);
	if (strcmp(t, "EC") == 0)
		ok = parse_ec(ps, k, key);
	else if (strcmp(t, "RSA") == 0)
		ok = parse_rsa(ps, k, key);
	else if (strcmp(t, "OKP") == 0)
		ok = parse_okp(ps, k, key);
	else
		return fail(ps, "unsupported key type \"%s\"", t);
	if (!ok)
		return false;
	if (key->alg >= 0 && !jws_alg_fits_key(key->alg, key->type))
		return fail(ps, "\"alg\" %s does not fit the key type", jws_alg_name(key->alg));
	if (!ps->digests.sha256 && jws_digests_init(&ps->digests) != 0)
		return fail(ps, "%s", "cannot fetch SHA-256 and SHA-384 from OpenSSL");
	if (jws_vkey_init(&key->vkey, key->pkey, key->type, &ps->digests) != 0)
		return fail(ps, "%s", "OpenSSL cannot prepare the key for verification");
	pub = jwk_public_json(key->pkey, key->type);
	key->thumbprint = pub ? jwk_thumbprint(pub) : NULL;
	json_decref(pub);
	if (!key->thumbprint)
		return fail(ps, "%s", "out of memory");
	return true;
}

struct jwk_set *jwk_set_parse(const char *json, size_t len, char *why,
                              size_t whylen)
{
	struct parse ps = { .why = why, .whylen = whylen };
	struct jwk_set *set = NULL;
	json_t *doc, *keys, *k;
	size_t i, j;

	doc = json_strict_object(json, len, why, whylen);
	if (!doc)
		return NULL;
	keys = json_object_get(doc, "keys");
	if (!json_is_array(keys)) {
		snprintf(why, whylen, "a JWKS is an object with a \"keys\" array");
		goto fail;
	}
	set = calloc(1, sizeof(*set));
	if (set)
		set->keys = calloc(json_array_size(keys) + 1, sizeof(*set->keys));
	if (!set || !set->keys) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	atomic_init(&set->refs, 1);
	json_array_foreach(keys, i, k) {
		snprintf(ps.name, sizeof(ps.name), "key %zu", i + 1);
		set->nkeys = i + 1;
		if (!parse_key(&ps, k, &set->keys[i]))
			goto fail;
		for (j = 0; j < i; j++) {
			if (strcmp(set->keys[j].kid, set->keys[i].kid) == 0) {
				fail(&ps, "%s", "has the same kid as an earlier key");
				goto fail;
			}
		}
	}
	json_decref(doc);
	jws_digests_free(&ps.digests);
	return set;
fail:
	json_decref(doc);
	jws_digests_free(&ps.digests);
	jwk_set_unref(set);
	return NULL;
}

const struct jwk *jwk_set_find(const struct jwk_set *set, const char *kid,
                               size_t len)
{
	size_t i;

	for (i = 0; i < set->nkeys; i++)
		if (strlen(set->keys[i].kid) == len && memcmp(set->keys[i].kid, kid, len) == 0)
			return &set->keys[i];
	return NULL;
}

void jwk_set_unref(struct jwk_set *set)
{
	size_t i;

	if (!set || atomic_fetch_sub_explicit(&set->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (i = 0; i < set->nkeys; i++) {
		free(set->keys[i].kid);
		free(set->keys[i].thumbprint);
		jws_vkey_free(&set->keys[i].vkey);
		EVP_PKEY_free(set->keys[i].pkey);
	}
	free(set->keys);
	free(set);
}

int jwk_key_type(EVP_PKEY *pkey, enum jws_key_type *type, char *why, size_t whylen)
{
	char group[32] = "";

	if (EVP_PKEY_is_a(pkey, "ED25519")) {
		*type = JWS_KEY_ED25519;
	} else if (EVP_PKEY_is_a(pkey, "RSA")) {
		if (EVP_PKEY_get_bits(pkey) < RSA_MIN_BITS) {
			snprintf(why, whylen, "RSA key of %d bits: at least 2048 are required",
			         EVP_PKEY_get_bits(pkey));
			return -1;
		}
		*type = JWS_KEY_RSA;
	} else if (EVP_PKEY_is_a(pkey, "EC") &&
	           EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
	                                          sizeof(group), NULL) == 1 &&
	           (strcmp(group, "prime256v1") == 0 || strcmp(group, "secp384r1") == 0)) {
		*type = strcmp(group, "prime256v1") == 0 ? JWS_KEY_EC_P256 : JWS_KEY_EC_P384;
	} else {
		snprintf(why, whylen, "unsupported key: writ signs with P-256, P-384, RSA or Ed25519 keys");
		return -1;
	}
	return 0;
}

/* A BIGNUM or octet parameter as base64url, minimal for BIGNUMs. */
static bool set_b64(json_t *o, const char *name, const unsigned char *p, size_t n)
{
	char *s = malloc(b64url_encoded_len(n) + 1);
	bool ok;

	if (!s)
		return false;
	b64url_encode(p, n, s);
	s[b64url_encoded_len(n)] = '\0';
	ok = json_object_set_new(o, name, json_string(s)) == 0;
	free(s);
	return ok;
}

static bool set_bn(json_t *o, const char *name, EVP_PKEY *pkey, const char *param)
{
	BIGNUM *bn = NULL;
	unsigned char *buf;
	int n;
	bool ok = false;

	if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1)
		return false;
	n = BN_num_bytes(bn);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf && BN_bn2bin(bn, buf) == n)
		ok = set_b64(o, name, buf, (size_t)n);
	free(buf);
	BN_free(bn);
	return ok;
}

json_t *jwk_public_json(EVP_PKEY *pkey, enum jws_key_type type)
{
	json_t *o = json_object();
	unsigned char buf[1 + 2 * 48];
	size_t n = 0, size;
	bool ok = o != NULL;

	switch (type) {
	case JWS_KEY_EC_P256:
	case JWS_KEY_EC_P384:
		size = type == JWS_KEY_EC_P256 ? 32 : 48;
		ok = ok && json_object_set_new(o, "kty", json_string("EC")) == 0 &&
		     json_object_set_new(o, "crv", json_string(size == 32 ? "P-256" : "P-384")) == 0 &&
		     EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
		                                     buf, sizeof(buf), &n) == 1 &&
		     n == 1 + 2 * size && buf[0] == 0x04 &&
		     set_b64(o, "x", buf + 1, size) && set_b64(o, "y", buf + 1 + size, size);
		break;
	case JWS_KEY_RSA:
		ok = ok && json_object_set_new(o, "kty", json_string("RSA")) == 0 &&
		     set_bn(o, "n", pkey, OSSL_PKEY_PARAM_RSA_N) &&
		     set_bn(o, "e", pkey, OSSL_PKEY_PARAM_RSA_E);
		break;
	case JWS_KEY_ED25519:
		n = 32;
		ok = ok && json_object_set_new(o, "kty", json_string("OKP")) == 0 &&
		     json_object_set_new(o, "crv", json_string("Ed25519")) == 0 &&
		     EVP_PKEY_get_raw_public_key(pkey, buf, &n) == 1 && n == 32 &&
		     set_b64(o, "x", buf, 32);
		break;
	}
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *jwk_thumbprint(const json_t *jwk)
{
	/* RFC 7638 §3.2: the required members only, in lexicographic order,
	 * no whitespace; here EC: crv kty x y, RSA: e kty n, OKP: crv kty x. */
	static const char *const members[] = { "crv", "e", "kty", "n", "x", "y" };
	unsigned char digest[32];
	json_t *req = json_object();
	char *text = NULL, *out = NULL;
	size_t i;

	if (!req)
		return NULL;
	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		json_t *v = json_object_get(jwk, members[i]);
		if (v && json_object_set(req, members[i], v) != 0)
			goto out;
	}
	text = json_text(req, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text || EVP_Digest(text, strlen(text), digest, NULL, EVP_sha256(), NULL) != 1)
		goto out;
	out = malloc(b64url_encoded_len(sizeof(digest)) + 1);
	if (out) {
		b64url_encode(digest, sizeof(digest), out);
		out[b64url_encoded_len(sizeof(digest))] = '\0';
	}
out:
	free(text);
	json_decref(req);
	return out;
}
