/*
 * jwt.c: RFC 9068 access tokens. The validator applies DESIGN §5 in order:
 * size, three canonical base64url segments, strict header JSON, header
 * rules (alg allowlist, typ, kid, crit), the key named by kid in the
 * configured set only, key binding, the signature, then strict claims JSON
 * and the claim rules (iss, aud, exp/nbf/iat, scope). Each step rejects
 * with a specific reason. The issuer side signs tokens minted through the
 * grant API.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base64url.h"
#include "json_strict.h"
#include "jwk.h"
#include "jws.h"
#include "keysource.h"
#include "mint.h"
#include "table.h"
#include "token_cache.h"
#include "validate.h"

enum {
	MAX_TOKEN = 65536,
	MAX_LEEWAY = 300,
	MAX_KEYSET_FILE = 1024 * 1024,
};

/* RFC 7519 NumericDate, bounded as DESIGN §5 asks: |value| <= 2^53. */
#define MAX_TIME 9007199254740992.0

/* The public handle counts its own references; it owns one of the set. */
struct writ_keyset {
	atomic_uint refs;
	struct jwk_set *set;
};

struct writ_verifier {
	writ_keyset *keyset;
	const struct jwk_set *keys; /* keyset->set */
	char *issuer, *audience;
	size_t issuer_len, audience_len;
	bool algs[JWS_ALG_COUNT];
	unsigned leeway;
	size_t max_length;
	writ_clock_fn clock;
	void *clock_arg;
	struct jws_digests digests;
	/* Tokens verified under this configuration; NULL when turned off.
	 * Every setter of what it settled empties it. */
	struct token_cache *cache;
	/* Trusted issuers (keysource.h), in place of keys and issuer: the
	 * caller's array, borrowed. */
	struct key_source *const *sources;
	size_t nsources;
};

/* The claims are shared with the verifier's cache when the token came
 * from it, or went into it. */
struct writ_token {
	enum writ_token_error error;
	char reason[160];
	struct token_claims *claims;
};

atomic_ulong token_signature_checks;

/* ---- key sets ---- */

static void put_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

int writ_keyset_load(const char *json, size_t len, writ_keyset **out,
                     char *err, size_t errlen)
{
	char why[256];
	struct jwk_set *set;

	if (!out)
		return WRIT_EINVAL;
	*out = NULL;
	if (!json && len)
		return WRIT_EINVAL;
	set = jwk_set_parse(json ? json : "", len, why, sizeof(why));
	if (!set) {
		put_err(err, errlen, why);
		return WRIT_EKEY;
	}
	*out = calloc(1, sizeof(**out));
	if (!*out) {
		jwk_set_unref(set);
		return WRIT_ENOMEM;
	}
	atomic_init(&(*out)->refs, 1);
	(*out)->set = set;
	return WRIT_OK;
}

/* Read a whole small file; NULL with errno set on failure. */
static char *read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		errno = EISDIR;
		return NULL;
	}
	buf = malloc(max + 1);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f) || n > max) {
		int e = ferror(f) ? EIO : EFBIG;
		free(buf);
		fclose(f);
		errno = e;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

int writ_keyset_load_file(const char *path, writ_keyset **out, char *err,
                          size_t errlen)
{
	char msg[512];
	size_t len;
	char *text;
	int rc;

	if (!out || !path)
		return WRIT_EINVAL;
	*out = NULL;
	text = read_file(path, MAX_KEYSET_FILE, &len);
	if (!text) {
		snprintf(msg, sizeof(msg), "cannot read %s: %s", path,
		         errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
		put_err(err, errlen, msg);
		return errno == ENOMEM ? WRIT_ENOMEM : WRIT_EIO;
	}
	rc = writ_keyset_load(text, len, out, msg, sizeof(msg));
	free(text);
	if (rc == WRIT_EKEY && err && errlen)
		snprintf(err, errlen, "%s: %s", path, msg);
	return rc;
}

writ_keyset *writ_keyset_ref(writ_keyset *keys)
{
	if (keys)
		atomic_fetch_add_explicit(&keys->refs, 1, memory_order_relaxed);
	return keys;
}

void writ_keyset_unref(writ_keyset *keys)
{
	if (!keys || atomic_fetch_sub_explicit(&keys->refs, 1, memory_order_acq_rel) != 1)
		return;
	jwk_set_unref(keys->set);
	free(keys);
}

size_t writ_keyset_count(const writ_keyset *keys)
{
	return keys ? keys->set->nkeys : 0;
}

const char *writ_keyset_kid(const writ_keyset *keys, size_t i)
{
	return keys && i < keys->set->nkeys ? keys->set->keys[i].kid : NULL;
}

/* ---- verifier configuration ---- */

writ_verifier *writ_verifier_new(void)
{
	writ_verifier *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	if (jws_digests_init(&v->digests) != 0) {
		free(v);
		return NULL;
	}
	v->algs[JWS_ES256] = v->algs[JWS_RS256] = v->algs[JWS_EDDSA] = true;
	v->max_length = MAX_TOKEN;
	v->cache = token_cache_new(TOKEN_CACHE_DEFAULT);
	if (!v->cache) {
		writ_verifier_free(v);
		return NULL;
	}
	return v;
}

void writ_verifier_free(writ_verifier *v)
{
	if (!v)
		return;
	writ_keyset_unref(v->keyset);
	free(v->issuer);
	free(v->audience);
	jws_digests_free(&v->digests);
	token_cache_free(v->cache);
	free(v);
}

int writ_verifier_set_keys(writ_verifier *v, writ_keyset *keys)
{
	if (!v || !keys)
		return WRIT_EINVAL;
	writ_keyset_ref(keys);
	writ_keyset_unref(v->keyset);
	v->keyset = keys;
	v->keys = keys->set;
	token_cache_clear(v->cache);
	return WRIT_OK;
}

int verifier_set_sources(writ_verifier *v, struct key_source *const *src, size_t n)
{
	size_t i;

	if (!v || !src || !n)
		return WRIT_EINVAL;
	v->sources = src;
	v->nsources = n;
	/* Each source's algs decide: the verifier-wide check lets all by. */
	for (i = 0; i < JWS_ALG_COUNT; i++)
		v->algs[i] = true;
	token_cache_clear(v->cache);
	return WRIT_OK;
}

writ_keyset *key_source_keys(struct key_source *src, unsigned *generation)
{
	writ_keyset *k;

	pthread_mutex_lock(&src->lock);
	k = src->keys ? writ_keyset_ref(src->keys) : NULL;
	if (generation)
		*generation = atomic_load(&src->generation);
	pthread_mutex_unlock(&src->lock);
	return k;
}

void key_source_replace(struct key_source *src, writ_keyset *keys)
{
	writ_keyset *old;
	bool dropped = false;
	size_t i;

	pthread_mutex_lock(&src->lock);
	old = src->keys;
	for (i = 0; old && i < old->set->nkeys && !dropped; i++) {
		const char *kid = old->set->keys[i].kid;

		dropped = !keys || !jwk_set_find(keys->set, kid, strlen(kid));
	}
	src->keys = keys;
	if (dropped)
		atomic_fetch_add(&src->generation, 1);
	pthread_mutex_unlock(&src->lock);
	writ_keyset_unref(old);
}

static int set_string(char **field, size_t *len, const char *value)
{
	char *copy;

	if (!value || !*value)
		return WRIT_EINVAL;
	copy = strdup(value);
	if (!copy)
		return WRIT_ENOMEM;
	free(*field);
	*field = copy;
	*len = strlen(copy);
	return WRIT_OK;
}

/* What the cache settled at insert time changes: every entry goes. */
static int settled(writ_verifier *v, int rc)
{
	if (rc == WRIT_OK)
		token_cache_clear(v->cache);
	return rc;
}

int writ_verifier_set_issuer(writ_verifier *v, const char *issuer)
{
	return v ? settled(v, set_string(&v->issuer, &v->issuer_len, issuer)) : WRIT_EINVAL;
}

int writ_verifier_set_audience(writ_verifier *v, const char *audience)
{
	return v ? settled(v, set_string(&v->audience, &v->audience_len, audience)) : WRIT_EINVAL;
}

int writ_verifier_set_algorithms(writ_verifier *v, const char *list)
{
	bool algs[JWS_ALG_COUNT] = { false };
	const char *p = list;
	bool any = false;

	if (!v || !list)
		return WRIT_EINVAL;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		int alg = jws_alg_parse(p, n);
		if (alg < 0)
			return WRIT_EINVAL;
		algs[alg] = any = true;
		p += n;
		if (*p == ',' && *++p == '\0')
			return WRIT_EINVAL; /* a trailing comma names nothing */
	}
	if (!any)
		return WRIT_EINVAL;
	memcpy(v->algs, algs, sizeof(algs));
	return settled(v, WRIT_OK);
}

int writ_verifier_set_leeway(writ_verifier *v, unsigned seconds)
{
	if (!v || seconds > MAX_LEEWAY)
		return WRIT_EINVAL;
	v->leeway = seconds;
	return settled(v, WRIT_OK);
}

int writ_verifier_set_max_length(writ_verifier *v, size_t bytes)
{
	if (!v || bytes == 0 || bytes > MAX_TOKEN)
		return WRIT_EINVAL;
	v->max_length = bytes;
	return settled(v, WRIT_OK);
}

/* The cache need not be emptied: every hit reads the clock again. */
int writ_verifier_set_clock(writ_verifier *v, writ_clock_fn fn, void *arg)
{
	if (!v)
		return WRIT_EINVAL;
	v->clock = fn;
	v->clock_arg = arg;
	return WRIT_OK;
}

int writ_verifier_set_cache(writ_verifier *v, size_t entries)
{
	struct token_cache *c = NULL;

	if (!v || entries > TOKEN_CACHE_MAX)
		return WRIT_EINVAL;
	/* The size it has already: the same empty cache, without a new one. */
	if (entries && v->cache &&
	    (entries + TOKEN_CACHE_UNIT - 1) / TOKEN_CACHE_UNIT * TOKEN_CACHE_UNIT ==
	        token_cache_capacity(v->cache)) {
		token_cache_clear(v->cache);
		return WRIT_OK;
	}
	if (entries && !(c = token_cache_new(entries)))
		return WRIT_ENOMEM;
	token_cache_free(v->cache);
	v->cache = c;
	return WRIT_OK;
}

size_t verifier_cache_count(const writ_verifier *v)
{
	return v ? token_cache_count(v->cache) : 0;
}

size_t verifier_cache_capacity(const writ_verifier *v)
{
	return v ? token_cache_capacity(v->cache) : 0;
}

static double now_of(const writ_verifier *v)
{
	struct timespec ts;

	if (v->clock)
		return v->clock(v->clock_arg);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- token results ---- */

/* Until a verification succeeds, a token reads as not verified: a caller
 * that looks at the token and not the result code is never told "valid". */
static void token_reset(writ_token *t)
{
	token_claims_unref(t->claims);
	memset(t, 0, sizeof(*t));
	t->error = WRIT_TOKEN_UNVERIFIED;
	snprintf(t->reason, sizeof(t->reason), "not verified");
}

writ_token *writ_token_new(void)
{
	writ_token *t = calloc(1, sizeof(writ_token));

	if (t)
		token_reset(t);
	return t;
}

void writ_token_free(writ_token *t)
{
	if (!t)
		return;
	token_reset(t);
	free(t);
}

static int reject(writ_token *t, enum writ_token_error e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int reject(writ_token *t, enum writ_token_error e, const char *fmt, ...)
{
	va_list ap;

	token_claims_unref(t->claims);
	t->claims = NULL;
	t->error = e;
	va_start(ap, fmt);
	vsnprintf(t->reason, sizeof(t->reason), fmt, ap);
	va_end(ap);
	return WRIT_ETOKEN;
}

enum writ_token_error writ_token_error(const writ_token *t)
{
	return t ? t->error : WRIT_TOKEN_UNVERIFIED;
}

const char *writ_token_reason(const writ_token *t)
{
	if (!t)
		return "no token";
	return t->error == WRIT_TOKEN_VALID ? "valid" : t->reason;
}

/* The claims are readable once the verification has succeeded. */
static const struct token_claims *valid_claims(const writ_token *t)
{
	return t && t->error == WRIT_TOKEN_VALID ? t->claims : NULL;
}

const char *writ_token_scope(const writ_token *t)
{
	return valid_claims(t) ? t->claims->scope : NULL;
}

const char *writ_token_subject(const writ_token *t)
{
	return valid_claims(t) ? t->claims->subject : NULL;
}

const char *writ_token_client_id(const writ_token *t)
{
	return valid_claims(t) ? t->claims->client_id : NULL;
}

const char *writ_token_jti(const writ_token *t)
{
	return valid_claims(t) ? t->claims->jti : NULL;
}

double writ_token_expires(const writ_token *t)
{
	return valid_claims(t) ? t->claims->exp : 0;
}

const char *writ_token_claim_string(const writ_token *t, const char *name)
{
	if (!valid_claims(t) || !name)
		return NULL;
	return json_string_value(json_object_get(t->claims->json, name));
}

char *writ_token_claims_json(const writ_token *t)
{
	if (!valid_claims(t))
		return NULL;
	return json_text(t->claims->json, JSON_COMPACT | JSON_SORT_KEYS);
}

/* ---- validation ---- */

/*
 * Decode one segment, NUL-terminated (for JSON), into stack (of size
 * stack_size) when it fits, else into a fresh allocation the caller frees
 * when it is not stack. NULL when out of memory.
 */
static unsigned char *segment(const char *s, size_t n, unsigned char *stack,
                              size_t stack_size, size_t *len, enum b64url_error *e)
{
	size_t need = b64url_decoded_max(n) + 1;
	unsigned char *out = need <= stack_size ? stack : malloc(need);

	if (!out)
		return NULL;
	*e = b64url_decode(s, n, out, len, NULL);
	out[*len] = '\0';
	return out;
}

static void segment_free(unsigned char *p, const unsigned char *stack)
{
	if (p != stack)
		free(p);
}

/* RFC 9068 §2.1 and §4: typ is "at+jwt" or "application/at+jwt", either
 * case (RFC 7515 §4.1.9 media types are case-insensitive). */
static bool typ_ok(json_t *typ)
{
	const char *s = json_string_value(typ);

	return s && (strcasecmp(s, "at+jwt") == 0 || strcasecmp(s, "application/at+jwt") == 0) &&
	       strlen(s) == json_string_length(typ);
}

/* What the verification of one token holds while it runs: the key, and
 * with sources, the set it came from and its source. */
struct found {
	const struct jwk *key;
	struct key_source *source;
	writ_keyset *held;
	unsigned generation;          /* of the source, when the set was taken */
};

/* The key named by kid: in the verifier's set, or in exactly one of its
 * sources' sets. */
static int find_key(const writ_verifier *v, json_t *kid, writ_token *t, struct found *f)
{
	const char *name = json_string_value(kid);
	size_t len = json_string_length(kid), i;

	if (!v->nsources) {
		f->key = jwk_set_find(v->keys, name, len);
		if (!f->key)
			return reject(t, WRIT_TOKEN_UNKNOWN_KID, "unknown kid \"%.64s\"", name);
		return WRIT_OK;
	}
	for (i = 0; i < v->nsources; i++) {
		unsigned gen;
		writ_keyset *k = key_source_keys(v->sources[i], &gen);
		const struct jwk *key = k ? jwk_set_find(k->set, name, len) : NULL;

		if (!key) {
			writ_keyset_unref(k);
			continue;
		}
		if (f->key) {
			writ_keyset_unref(k);
			return reject(t, WRIT_TOKEN_UNKNOWN_KID,
			              "kid \"%.64s\" is published by two trusted issuers", name);
		}
		f->key = key;
		f->source = v->sources[i];
		f->held = k;
		f->generation = gen;
	}
	if (f->key)
		return WRIT_OK;
	for (i = 0; i < v->nsources; i++)
		if (v->sources[i]->unknown_kid)
			v->sources[i]->unknown_kid(v->sources[i]);
	return reject(t, WRIT_TOKEN_UNKNOWN_KID, "unknown kid \"%.64s\"", name);
}

static int check_header(const writ_verifier *v, json_t *h, writ_token *t,
                        int *alg, struct found *f)
{
	const struct jwk *key;
	int rc;

	json_t *a = json_object_get(h, "alg"), *kid = json_object_get(h, "kid");
	json_t *typ = json_object_get(h, "typ");

	if (!json_is_string(a))
		return reject(t, WRIT_TOKEN_BAD_ALG, "header has no \"alg\" string");
	*alg = jws_alg_parse(json_string_value(a), json_string_length(a));
	if (*alg < 0 || !v->algs[*alg])
		return reject(t, WRIT_TOKEN_BAD_ALG, "alg \"%.32s\" is not allowed",
		              json_string_value(a));
	if (!typ)
		return reject(t, WRIT_TOKEN_BAD_HEADER, "header has no \"typ\" (RFC 9068 section 4)");
	if (!typ_ok(typ))
		return reject(t, WRIT_TOKEN_BAD_HEADER, "typ is not \"at+jwt\"");
	/* RFC 7515 §4.1.11: writ understands no extension, so any crit, even an
	 * empty one, is refused. */
	if (json_object_get(h, "crit"))
		return reject(t, WRIT_TOKEN_BAD_HEADER, "header has \"crit\": no extension is supported");
	if (!json_is_string(kid))
		return reject(t, WRIT_TOKEN_BAD_HEADER, "header has no \"kid\" string");
	/* Only the configured set is searched: keys offered by jwk, jku, x5u
	 * or x5c headers are never used (RFC 8725 §3.10). */
	if ((rc = find_key(v, kid, t, f)) != WRIT_OK)
		return rc;
	key = f->key;
	if (f->source && !(f->source->algs & (1u << *alg)))
		return reject(t, WRIT_TOKEN_BAD_ALG, "alg \"%s\" is not allowed for this issuer",
		              jws_alg_name(*alg));
	if (key->alg >= 0 && key->alg != *alg)
		return reject(t, WRIT_TOKEN_KEY_MISMATCH, "key \"%.64s\" is for %s, not %s",
		              key->kid, jws_alg_name(key->alg), jws_alg_name(*alg));
	if (!jws_alg_fits_key(*alg, key->type))
		return reject(t, WRIT_TOKEN_KEY_MISMATCH, "key \"%.64s\" does not fit %s",
		              key->kid, jws_alg_name(*alg));
	return WRIT_OK;
}

/* exp, nbf, iat: a JSON number, finite, |value| <= 2^53 (DESIGN §5). */
static int time_claim(json_t *claims, const char *name, bool required,
                      double *out, writ_token *t)
{
	json_t *c = json_object_get(claims, name);
	double d;

	if (!c) {
		if (required)
			return reject(t, WRIT_TOKEN_BAD_CLAIMS, "claim \"%s\" is missing", name);
		*out = NAN;
		return WRIT_OK;
	}
	if (!json_is_number(c))
		return reject(t, WRIT_TOKEN_BAD_CLAIMS, "claim \"%s\" is not a number", name);
	/* An integer is checked as parsed: as a double, 2^53 + 1 would round
	 * to 2^53 and pass. */
	if (json_is_integer(c) && (json_integer_value(c) > (json_int_t)MAX_TIME ||
	                           json_integer_value(c) < -(json_int_t)MAX_TIME))
		return reject(t, WRIT_TOKEN_BAD_CLAIMS, "claim \"%s\" is out of range", name);
	d = json_number_value(c);
	if (!isfinite(d) || fabs(d) > MAX_TIME)
		return reject(t, WRIT_TOKEN_BAD_CLAIMS, "claim \"%s\" is out of range", name);
	*out = d;
	return WRIT_OK;
}

static bool same(json_t *s, const char *want, size_t len)
{
	/* Byte for byte: no case, prefix or slash normalisation. */
	return json_is_string(s) && json_string_length(s) == len &&
	       memcmp(json_string_value(s), want, len) == 0;
}

static int check_audience(const writ_verifier *v, json_t *aud, writ_token *t)
{
	json_t *a;
	size_t i;

	if (!aud)
		return reject(t, WRIT_TOKEN_WRONG_AUDIENCE, "claim \"aud\" is missing");
	if (json_is_string(aud)) {
		if (same(aud, v->audience, v->audience_len))
			return WRIT_OK;
		return reject(t, WRIT_TOKEN_WRONG_AUDIENCE, "token is for another audience");
	}
	if (!json_is_array(aud))
		return reject(t, WRIT_TOKEN_BAD_CLAIMS, "claim \"aud\" is neither a string nor an array");
	json_array_foreach(aud, i, a)
		if (!json_is_string(a))
			return reject(t, WRIT_TOKEN_BAD_CLAIMS, "claim \"aud\" holds a non-string");
	json_array_foreach(aud, i, a)
		if (same(a, v->audience, v->audience_len))
			return WRIT_OK;
	return reject(t, WRIT_TOKEN_WRONG_AUDIENCE, "token is for another audience");
}

/* Optional string claims: absent is fine, another type is not. */
static int string_claim(json_t *claims, const char *name, const char **out,
                        writ_token *t)
{
	json_t *c = json_object_get(claims, name);

	*out = NULL;
	if (!c)
		return WRIT_OK;
	if (!json_is_string(c))
		return reject(t, WRIT_TOKEN_BAD_CLAIMS, "claim \"%s\" is not a string", name);
	*out = json_string_value(c);
	return WRIT_OK;
}

/* The checks of exp, nbf and iat against the clock: of every verification,
 * and again of every hit in the cache. */
static int check_times(const writ_verifier *v, double exp, double nbf, double iat,
                       writ_token *t)
{
	double now = now_of(v), leeway = v->leeway;

	if (now >= exp + leeway)
		return reject(t, WRIT_TOKEN_EXPIRED, "expired");
	if (!isnan(nbf) && now < nbf - leeway)
		return reject(t, WRIT_TOKEN_NOT_YET_VALID, "not valid yet (nbf is in the future)");
	if (!isnan(iat) && iat > now + leeway)
		return reject(t, WRIT_TOKEN_ISSUED_IN_FUTURE, "issued in the future (iat)");
	return WRIT_OK;
}

/* The claim rules, filling in tc (t->claims) as they pass. */
static int check_claims(const writ_verifier *v, struct token_claims *tc, writ_token *t)
{
	const struct key_source *src = tc->source;
	json_t *c = tc->json, *scope = json_object_get(c, "scope");
	json_t *iss = json_object_get(c, "iss");
	const char *issuer = src ? src->issuer : v->issuer;
	size_t issuer_len = src ? src->issuer_len : v->issuer_len;
	int rc;

	if (iss && !json_is_string(iss))
		return reject(t, WRIT_TOKEN_BAD_CLAIMS, "claim \"iss\" is not a string");
	/* With sources, the key's issuer: a key of one trusted issuer never
	 * vouches for a token naming another. */
	if (!same(iss, issuer, issuer_len))
		return reject(t, WRIT_TOKEN_WRONG_ISSUER,
		              iss ? "token is from another issuer" : "claim \"iss\" is missing");
	if ((rc = check_audience(v, json_object_get(c, "aud"), t)) != WRIT_OK ||
	    (rc = time_claim(c, "exp", true, &tc->exp, t)) != WRIT_OK ||
	    (rc = time_claim(c, "nbf", false, &tc->nbf, t)) != WRIT_OK ||
	    (rc = time_claim(c, "iat", false, &tc->iat, t)) != WRIT_OK ||
	    (rc = check_times(v, tc->exp, tc->nbf, tc->iat, t)) != WRIT_OK)
		return rc;
	if (scope && !json_is_string(scope))
		return reject(t, WRIT_TOKEN_BAD_SCOPE, "claim \"scope\" is not a string");
	/* The claim must be scope-tokens separated by single spaces; writ_check
	 * with nothing required tells exactly that. */
	if (scope && writ_check(json_string_value(scope), json_string_length(scope),
	                        NULL, 0, NULL) != WRIT_OK)
		return reject(t, WRIT_TOKEN_BAD_SCOPE, "claim \"scope\" is malformed");
	if ((rc = string_claim(c, "sub", &tc->subject, t)) != WRIT_OK ||
	    (rc = string_claim(c, "client_id", &tc->client_id, t)) != WRIT_OK ||
	    (rc = string_claim(c, "jti", &tc->jti, t)) != WRIT_OK)
		return rc;
	tc->scope = scope ? json_string_value(scope) : "";
	t->error = WRIT_TOKEN_VALID;
	return WRIT_OK;
}

/*
 * A token found in the cache: everything but the clock was settled when it
 * went in, so only exp, nbf and iat are checked, by the very code of a full
 * verification, and an entry that fails them is dropped. Takes over the
 * reference to tc.
 */
static int cached(const writ_verifier *v, const struct token_key *key,
                  struct token_claims *tc, writ_token *t)
{
	int rc;

	/* Its key may have been withdrawn since: verify it again, as a miss. */
	if (tc->source && atomic_load(&tc->source->generation) != tc->generation)
		rc = WRIT_EAGAIN;
	else
		rc = check_times(v, tc->exp, tc->nbf, tc->iat, t);
	if (rc != WRIT_OK) {
		token_cache_forget(v->cache, key, tc);
		token_claims_unref(tc);
		return rc;
	}
	t->claims = tc;
	t->error = WRIT_TOKEN_VALID;
	return WRIT_OK;
}

int writ_verify(const writ_verifier *v, const char *token, size_t len,
                writ_token *t)
{
	/* Headers, signatures and most claims are small: decode them on the
	 * stack. */
	unsigned char hbuf[512], sbuf[1024], pbuf[2048];
	const char *dot1, *dot2;
	unsigned char *header = NULL, *sig = NULL, *payload = NULL;
	size_t hlen, siglen, plen;
	enum b64url_error e;
	struct found f = { NULL, NULL, NULL, 0 };
	json_t *h = NULL, *claims;
	struct token_key ckey;
	struct token_claims *hit;
	bool cacheable;
	char why[160];
	int rc, alg = -1;

	if (!t)
		return WRIT_EINVAL;
	token_reset(t);
	if (!v || (!v->nsources && (!v->keys || !v->issuer)) || !v->audience || (!token && len))
		return WRIT_EINVAL;
	/* DESIGN §5: refuse long tokens before any decoding. */
	if (len > v->max_length)
		return reject(t, WRIT_TOKEN_TOO_LONG, "token of %zu bytes is longer than %zu",
		              len, v->max_length);
	/* The cache compares every byte: a token that differs in any is
	 * another token. */
	cacheable = v->cache && len > 0 && len <= TOKEN_CACHE_MAX_TOKEN;
	if (cacheable)
		token_cache_key(v->cache, token, len, &ckey);
	if (cacheable && (hit = token_cache_lookup(v->cache, &ckey)) != NULL &&
	    (rc = cached(v, &ckey, hit, t)) != WRIT_EAGAIN)
		return rc;
	dot1 = len ? memchr(token, '.', len) : NULL;
	dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
	if (!dot1 || !dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
		return reject(t, WRIT_TOKEN_MALFORMED, "not three dot-separated segments");
	if (dot1 == token || dot2 == dot1 + 1 || dot2 + 1 == token + len)
		return reject(t, WRIT_TOKEN_MALFORMED, "empty segment");

	rc = WRIT_ENOMEM;
	header = segment(token, (size_t)(dot1 - token), hbuf, sizeof(hbuf), &hlen, &e);
	if (!header)
		goto out;
	if (e != B64URL_OK) {
		rc = reject(t, WRIT_TOKEN_MALFORMED, "header: %s", b64url_strerror(e));
		goto out;
	}
	h = json_strict_object((const char *)header, hlen, why, sizeof(why));
	if (!h) {
		rc = reject(t, WRIT_TOKEN_BAD_HEADER, "header: %s", why);
		goto out;
	}
	if ((rc = check_header(v, h, t, &alg, &f)) != WRIT_OK)
		goto out;

	rc = WRIT_ENOMEM;
	sig = segment(dot2 + 1, len - (size_t)(dot2 + 1 - token), sbuf, sizeof(sbuf), &siglen, &e);
	if (!sig)
		goto out;
	if (e != B64URL_OK) {
		rc = reject(t, WRIT_TOKEN_MALFORMED, "signature: %s", b64url_strerror(e));
		goto out;
	}
	atomic_fetch_add_explicit(&token_signature_checks, 1, memory_order_relaxed);
	if (!jws_verify(&v->digests, alg, &f.key->vkey, (const unsigned char *)token,
	                (size_t)(dot2 - token), sig, siglen, why, sizeof(why))) {
		rc = reject(t, WRIT_TOKEN_BAD_SIGNATURE, "%s", why);
		goto out;
	}

	/* Only now, with the signature good, are the claims parsed. */
	rc = WRIT_ENOMEM;
	payload = segment(dot1 + 1, (size_t)(dot2 - dot1 - 1), pbuf, sizeof(pbuf), &plen, &e);
	if (!payload)
		goto out;
	if (e != B64URL_OK) {
		rc = reject(t, WRIT_TOKEN_MALFORMED, "claims: %s", b64url_strerror(e));
		goto out;
	}
	claims = json_strict_object((const char *)payload, plen, why, sizeof(why));
	if (!claims) {
		rc = reject(t, WRIT_TOKEN_BAD_CLAIMS, "claims: %s", why);
		goto out;
	}
	t->claims = token_claims_new(claims);
	if (!t->claims) {
		json_decref(claims);
		rc = WRIT_ENOMEM;
		goto out;
	}
	/* The generation read with the set: if the set has dropped a kid since,
	 * the entry is verified again on its next hit. */
	t->claims->source = f.source;
	t->claims->generation = f.generation;
	rc = check_claims(v, t->claims, t);
	/* Only successes are kept. */
	if (rc == WRIT_OK && cacheable)
		token_cache_insert(v->cache, &ckey, t->claims);
out:
	writ_keyset_unref(f.held);
	json_decref(h);
	segment_free(header, hbuf);
	segment_free(sig, sbuf);
	segment_free(payload, pbuf);
	return rc;
}

/* ---- signing ---- */

struct writ_signer {
	EVP_PKEY *pkey;
	enum jws_key_type type;
	enum jws_alg alg;
	char *kid;
	json_t *jwk; /* public, with kid and alg */
	struct jws_digests digests;
};

static enum jws_alg alg_for(enum jws_key_type type)
{
	switch (type) {
	case JWS_KEY_EC_P256:
		return JWS_ES256;
	case JWS_KEY_EC_P384:
		return JWS_ES384;
	case JWS_KEY_RSA:
		return JWS_RS256;
	case JWS_KEY_ED25519:
		return JWS_EDDSA;
	}
	return JWS_ES256;
}

/*
 * OpenBSD daemons refuse key files that others may read or write: so do
 * we. Returns the open file, or NULL with a message and *rc: WRIT_EIO when
 * it cannot be read, WRIT_EKEY when it must not be used.
 */
static FILE *open_private(const char *path, char *msg, size_t msglen, int *rc)
{
	struct stat st;
	FILE *f;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	*rc = WRIT_EIO;
	if (fd < 0) {
		snprintf(msg, msglen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "%s is not a regular file", path);
		close(fd);
		return NULL;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(msg, msglen,
		         "%s is accessible by group or others (mode %04o): chmod 600 it",
		         path, (unsigned)(st.st_mode & 07777));
		close(fd);
		*rc = WRIT_EKEY;
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		snprintf(msg, msglen, "cannot read %s: %s", path, strerror(errno));
		close(fd);
	}
	return f;
}

/* An encrypted key is refused: a library never prompts for a pass phrase. */
static int no_pass_phrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

int writ_signer_load(const char *pem_path, const char *kid, writ_signer **out,
                     char *err, size_t errlen)
{
	char msg[512];
	writ_signer *s;
	FILE *f;
	int rc = WRIT_EKEY;

	if (!out || !pem_path)
		return WRIT_EINVAL;
	*out = NULL;
	if (kid && !*kid) {
		put_err(err, errlen, "a kid must not be empty");
		return WRIT_EINVAL;
	}
	f = open_private(pem_path, msg, sizeof(msg), &rc);
	if (!f) {
		put_err(err, errlen, msg);
		return rc;
	}
	rc = WRIT_EKEY;
	s = calloc(1, sizeof(*s));
	if (!s) {
		fclose(f);
		return WRIT_ENOMEM;
	}
	s->pkey = PEM_read_PrivateKey(f, NULL, no_pass_phrase, NULL);
	fclose(f);
	if (!s->pkey) {
		snprintf(msg, sizeof(msg),
		         "%s holds no PEM private key, or an encrypted one (writ takes unencrypted keys of mode 0600)",
		         pem_path);
		goto fail;
	}
	if (jwk_key_type(s->pkey, &s->type, msg, sizeof(msg)) != 0)
		goto fail;
	s->alg = alg_for(s->type);
	rc = WRIT_ENOMEM;
	if (jws_digests_init(&s->digests) != 0)
		goto fail;
	s->jwk = jwk_public_json(s->pkey, s->type);
	if (!s->jwk)
		goto fail;
	s->kid = kid ? strdup(kid) : jwk_thumbprint(s->jwk);
	if (!s->kid || json_object_set_new(s->jwk, "kid", json_string(s->kid)) != 0 ||
	    json_object_set_new(s->jwk, "alg", json_string(jws_alg_name(s->alg))) != 0 ||
	    json_object_set_new(s->jwk, "use", json_string("sig")) != 0)
		goto fail;
	*out = s;
	return WRIT_OK;
fail:
	if (rc == WRIT_EKEY)
		put_err(err, errlen, msg);
	writ_signer_free(s);
	return rc;
}

int writ_key_generate(const char *alg, const char *pem_path, char *err,
                      size_t errlen)
{
	char msg[512];
	EVP_PKEY *pkey = NULL;
	FILE *f;
	int a, fd, rc = WRIT_OK;

	if (!alg || !pem_path)
		return WRIT_EINVAL;
	a = jws_alg_parse(alg, strlen(alg));
	switch (a) {
	case JWS_ES256:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case JWS_ES384:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case JWS_RS256:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
		break;
	case JWS_EDDSA:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	default:
		put_err(err, errlen, "unknown algorithm: use ES256, ES384, RS256 or EdDSA");
		return WRIT_EINVAL;
	}
	if (!pkey)
		return WRIT_ECRYPTO;
	/* O_EXCL: never replace a key; 0600 from the first byte on. */
	fd = open(pem_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		snprintf(msg, sizeof(msg), "cannot create %s: %s", pem_path, strerror(errno));
		put_err(err, errlen, msg);
		EVP_PKEY_free(pkey);
		return WRIT_EIO;
	}
	f = fdopen(fd, "w");
	if (!f || PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    fflush(f) != 0 || fsync(fd) != 0) {
		snprintf(msg, sizeof(msg), "cannot write %s", pem_path);
		put_err(err, errlen, msg);
		rc = WRIT_EIO;
	}
	if (f)
		fclose(f);
	else
		close(fd);
	if (rc != WRIT_OK)
		unlink(pem_path);
	EVP_PKEY_free(pkey);
	return rc;
}

void writ_signer_free(writ_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->pkey);
	json_decref(s->jwk);
	free(s->kid);
	jws_digests_free(&s->digests);
	free(s);
}

const char *writ_signer_kid(const writ_signer *s)
{
	return s ? s->kid : NULL;
}

const char *writ_signer_alg(const writ_signer *s)
{
	return s ? jws_alg_name(s->alg) : NULL;
}

char *writ_signer_public_jwk(const writ_signer *s)
{
	return s ? json_text(s->jwk, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

/* Append the base64url encoding of p[0..n) to b. */
static bool put_b64(struct buf *b, const unsigned char *p, size_t n)
{
	char *at = buf_extend(b, b64url_encoded_len(n));

	if (!at)
		return false;
	b64url_encode(p, n, at);
	return true;
}

/* Append a JSON value, compact with sorted keys, as base64url. */
static bool put_json(struct buf *b, json_t *v)
{
	char *text = json_text(v, JSON_COMPACT | JSON_SORT_KEYS);
	bool ok;

	if (!text)
		return false;
	ok = put_b64(b, (const unsigned char *)text, strlen(text));
	free(text);
	return ok;
}

static json_t *mint_claims(const writ_policy *p, const char *client_id,
                           long r, uint32_t ttl, double now, char jti[MINT_JTI_SIZE])
{
	unsigned char rnd[16];
	json_int_t iat = (json_int_t)floor(now);

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return NULL;
	b64url_encode(rnd, sizeof(rnd), jti);
	jti[b64url_encoded_len(sizeof(rnd))] = '\0';
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s}",
	                 "iss", writ_issuer(p),
	                 "aud", writ_resource_indicator(p, (size_t)r),
	                 "sub", client_id,
	                 "client_id", client_id,
	                 "iat", iat,
	                 "exp", iat + (json_int_t)ttl,
	                 "jti", jti);
}

uint32_t mint_ttl(const writ_policy *p, long r, uint32_t ttl)
{
	return ttl ? ttl : writ_resource_token_ttl(p, (size_t)r);
}

int mint_token(const writ_signer *s, const writ_policy *p, const char *client_id, long r,
               const char *granted, size_t glen, uint32_t ttl, double now, char **token,
               char jti[MINT_JTI_SIZE])
{
	json_t *header = NULL, *claims = NULL;
	unsigned char *sig = NULL;
	size_t siglen;
	struct buf b;
	int rc;

	*token = NULL;
	if (!s || !p || !client_id || r < 0 || (size_t)r >= writ_resource_count(p) ||
	    (!granted && glen) || !isfinite(now) || now < 0 || now > MAX_TIME)
		return WRIT_EINVAL;
	if (!writ_issuer(p))
		return WRIT_EINVAL; /* a token needs an iss */
	ttl = mint_ttl(p, r, ttl);
	if (now + (double)ttl > MAX_TIME)
		return WRIT_EINVAL; /* exp would be past what validators accept */
	buf_init(&b);
	rc = WRIT_ENOMEM;
	header = json_pack("{s:s, s:s, s:s}", "alg", jws_alg_name(s->alg), "typ", "at+jwt",
	                   "kid", s->kid);
	claims = mint_claims(p, client_id, r, ttl, now, jti);
	if (!header || !claims)
		goto out;
	if (glen > 0 && json_object_set_new(claims, "scope", json_stringn(granted, glen)) != 0)
		goto out;
	if (!put_json(&b, header))
		goto out;
	buf_putc(&b, '.');
	if (!put_json(&b, claims))
		goto out;
	sig = malloc(jws_sig_max(s->pkey));
	if (!sig)
		goto out;
	siglen = jws_sign(&s->digests, s->alg, s->pkey, (const unsigned char *)b.data, b.len, sig);
	if (siglen == 0) {
		rc = WRIT_ECRYPTO;
		goto out;
	}
	buf_putc(&b, '.');
	if (!put_b64(&b, sig, siglen))
		goto out;
	*token = buf_steal(&b);
	rc = *token ? WRIT_OK : WRIT_ENOMEM;
out:
	buf_free(&b);
	free(sig);
	json_decref(header);
	json_decref(claims);
	return rc;
}

int writ_mint(const writ_signer *s, const writ_policy *p,
              const char *client_id, const char *resource,
              const char *scope, size_t scope_len, uint32_t ttl, double now,
              char **token)
{
	char jti[MINT_JTI_SIZE];
	char *granted;
	size_t glen = 0;
	long r;
	int rc;

	if (!token)
		return WRIT_EINVAL;
	*token = NULL;
	if (!s || !p || !client_id)
		return WRIT_EINVAL;
	r = resource ? writ_resource_find(p, resource) : writ_resource_default(p);
	if (r < 0)
		return WRIT_ENORESOURCE;
	granted = malloc(scope_len + 4096);
	if (!granted)
		return WRIT_ENOMEM;
	rc = writ_grant(p, WRIT_PRINCIPAL_APP, client_id, writ_resource_indicator(p, (size_t)r),
	                scope, scope_len, granted, scope_len + 4096, &glen);
	if (rc == WRIT_OK)
		rc = mint_token(s, p, client_id, r, granted, glen, ttl, now, token, jti);
	free(granted);
	return rc;
}
