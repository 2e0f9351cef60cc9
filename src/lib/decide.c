/*
 * decide.c: the questions asked of a compiled policy: grant (issuer side,
 * RFC 6749 §3.3 downscoping and RFC 8707 §2.2 over several resources) and
 * check (validator side). A grant runs the resource's grant stack
 * (context.c). Nothing here locks; nothing allocates for resources of up
 * to 4096 permissions.
 */
#include "config.h"

#include <string.h>

#include "context.h"
#include "table.h"
#include "validate.h"

/* The sixteen bytes at s, of which n remain; when fewer, the rest is a
 * letter, which no scan here refuses or takes for a space. */
static inline bytes16 load16(const char *s, size_t n)
{
	unsigned char tail[16];
	bytes16 v;

	if (n >= 16) {
		memcpy(&v, s, 16);
		return v;
	}
	memset(tail, 'a', sizeof(tail));
	memcpy(tail, s, n);
	memcpy(&v, tail, 16);
	return v;
}

/* The bytes of v outside RFC 6749's scope-token set (%x21 / %x23-5B /
 * %x5D-7E, validate.h's scope_char()), 0xff each. */
static inline bytes16 not_scope_bytes(bytes16 v)
{
	return (bytes16)((v < 0x21) | (v > 0x7e) | (v == '"') | (v == '\\'));
}

/* validate_scope_token() == NULL, sixteen bytes at a time: a caller that
 * needs only the verdict, not the reason, on every writ_check. */
int writ_scope_token_valid(const char *s, size_t len)
{
	size_t i;

	if (!s || len == 0)
		return 0;
	for (i = 0; i < len; i += 16) {
		bytes16 bad = not_scope_bytes(load16(s + i, len - i));
		uint64_t b[2];

		memcpy(b, &bad, sizeof(b));
		if (b[0] | b[1])
			return 0;
	}
	return 1;
}

static long lookup_resource(const struct writ_policy *t, const char *resource)
{
	if (!resource)
		return t->default_resource;
	return strmap_get(&t->resource_map, resource, strlen(resource));
}

int writ_grant_request(const writ_policy *t, enum writ_principal_kind kind,
                       const char *principal, const char *resource,
                       const char *scope, size_t scope_len,
                       const struct writ_request *req, writ_trace *trace,
                       char *out, size_t out_size, size_t *out_len)
{
	const struct t_principal *p;
	long r;
	int rc;

	if (out && out_size)
		out[0] = '\0';
	if (out_len)
		*out_len = 0;
	if (!t || !principal || (!scope && scope_len) || (!out && out_size) ||
	    !context_request_ok(req))
		return WRIT_EINVAL;
	if ((rc = context_lookup_principal(t, kind, principal, &p)) != WRIT_OK)
		return rc;
	if ((r = lookup_resource(t, resource)) < 0)
		return WRIT_ENORESOURCE;
	return context_grant(t, p, kind, (uint32_t)r, scope ? scope : "", scope_len, req, trace,
	                     out, out_size, out_len);
}

int writ_grant(const writ_policy *t, enum writ_principal_kind kind,
               const char *principal, const char *resource,
               const char *scope, size_t scope_len,
               char *out, size_t out_size, size_t *out_len)
{
	return writ_grant_request(t, kind, principal, resource, scope, scope_len, NULL, NULL,
	                          out, out_size, out_len);
}

int writ_grant_each(const writ_policy *t, enum writ_principal_kind kind,
                    const char *principal,
                    const char *const *resources, size_t nresources,
                    const char *scope, size_t scope_len,
                    char *out, size_t out_size, size_t *offsets,
                    size_t *out_len)
{
	const struct t_principal *p;
	size_t used = 0, i;
	int rc, result = WRIT_OK;

	if (out && out_size)
		out[0] = '\0';
	if (out_len)
		*out_len = 0;
	if (!t || !principal || (!resources && nresources) || !offsets ||
	    (!scope && scope_len) || (!out && out_size))
		return WRIT_EINVAL;
	if ((rc = context_lookup_principal(t, kind, principal, &p)) != WRIT_OK)
		return rc;
	for (i = 0; i < nresources; i++)
		if (lookup_resource(t, resources[i]) < 0)
			return WRIT_ENORESOURCE;
	for (i = 0; i < nresources; i++) {
		size_t room = used < out_size ? out_size - used : 0;
		size_t len = 0;
		long r = lookup_resource(t, resources[i]);

		offsets[i] = used;
		rc = context_grant(t, p, kind, (uint32_t)r, scope ? scope : "", scope_len, NULL,
		                   NULL, room ? out + used : NULL, room, &len);
		if (rc == WRIT_ERANGE)
			result = WRIT_ERANGE;
		else if (rc != WRIT_OK)
			return rc;
		used += len + 1;
	}
	if (out_len)
		*out_len = used;
	if (result != WRIT_OK && out_size)
		out[0] = '\0';
	return result;
}

/*
 * The scope claim, sixteen bytes at a time (bytes16, util.h). One pass checks every byte against RFC 6749's scope-token characters and
 * walks the spaces; an empty token between them (a space first, last or
 * beside another) makes the claim malformed, and each token is compared
 * with the required scopes of the same length.
 */
#define CLAIM_CHUNK 64 /* required scopes tracked per pass, one bit each */

/* Of the high bits of m (one per byte, the byte a space), the index in
 * memory of the first byte, and m without it. */
static inline unsigned first_space(uint64_t m)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (unsigned)__builtin_clzll(m) / 8;
#else
	return (unsigned)__builtin_ctzll(m) / 8;
#endif
}

static inline uint64_t drop_space(uint64_t m, unsigned at)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return m & ~(UINT64_C(1) << (63 - 8 * at));
#else
	(void)at;
	return m & (m - 1);
#endif
}

struct claim_scan {
	const char *claim;
	const char *const *required;
	const size_t *rlen;
	uint64_t pending; /* bit k: required[k] not yet found */
	uint64_t lens;    /* bit l % 64: a pending scope is l bytes long */
	size_t start;     /* where the current token began */
};

/* The lengths of the scopes still pending, one bit each (mod 64): most
 * tokens are told apart from every required scope by this alone. */
static inline uint64_t pending_lens(const struct claim_scan *c)
{
	uint64_t p = c->pending, lens = 0;
	size_t k;

	for (k = 0; p; k++, p >>= 1)
		if (p & 1)
			lens |= UINT64_C(1) << (c->rlen[k] & 63);
	return lens;
}

/* The token that ends at end: false when it is empty. */
static inline bool claim_token(struct claim_scan *c, size_t end)
{
	size_t len = end - c->start, k;
	uint64_t p = c->pending;

	if (len == 0)
		return false;
	if ((c->lens >> (len & 63)) & 1) {
		for (k = 0; p; k++, p >>= 1)
			if ((p & 1) && c->rlen[k] == len &&
			    memcmp(c->claim + c->start, c->required[k], len) == 0)
				c->pending &= ~(UINT64_C(1) << k);
		c->lens = pending_lens(c);
	}
	c->start = end + 1;
	return true;
}

/* The tokens whose ending spaces are the high bits of m, the first byte of
 * m at claim offset base. */
static inline bool claim_spaces(struct claim_scan *c, uint64_t m, size_t base)
{
	while (m) {
		unsigned at = first_space(m);
		if (!claim_token(c, base + at))
			return false;
		m = drop_space(m, at);
	}
	return true;
}

/* Is claim[0..len) well formed? If so, clear in *pending (bit k for
 * required[k], lengths rlen, k < CLAIM_CHUNK) the bit of each scope it
 * holds. */
static bool claim_scan(const char *claim, size_t len, const char *const *required,
                       const size_t *rlen, uint64_t *pending)
{
	const uint64_t highs = UINT64_C(0x8080808080808080);
	struct claim_scan c = { claim, required, rlen, *pending, 0, 0 };
	size_t i;

	c.lens = pending_lens(&c);

	for (i = 0; i < len; i += 16) {
		bytes16 v = load16(claim + i, len - i), bad, sp;
		uint64_t b[2], m[2];

		bad = (bytes16)((v < 0x20) | (v > 0x7e) | (v == '"') | (v == '\\'));
		sp = (bytes16)(v == ' ');
		memcpy(b, &bad, sizeof(b));
		memcpy(m, &sp, sizeof(m));
		if ((b[0] | b[1]) || !claim_spaces(&c, m[0] & highs, i) ||
		    !claim_spaces(&c, m[1] & highs, i + 8))
			return false;
	}
	if (len && !claim_token(&c, len))
		return false;
	*pending = c.pending;
	return true;
}

/* DESIGN §5 / RFC 6749 §3.3: the claim is scope-tokens separated by single
 * spaces; matching is exact. Up to CLAIM_CHUNK required scopes a pass. */
static int claim_holds(const char *claim, size_t claim_len, const char *const *required,
                       size_t nrequired, size_t *missing)
{
	size_t rlen[CLAIM_CHUNK], base = 0, n, k;

	do {
		uint64_t pending;
		n = nrequired - base < CLAIM_CHUNK ? nrequired - base : CLAIM_CHUNK;
		for (k = 0; k < n; k++)
			rlen[k] = strlen(required[base + k]);
		pending = n == CLAIM_CHUNK ? UINT64_MAX : (UINT64_C(1) << n) - 1;
		/* required may be NULL when nothing is required: no offset on it. */
		if (!claim_scan(claim, claim_len, n ? required + base : required, rlen, &pending))
			return WRIT_EMALFORMED;
		if (pending) {
			if (missing)
				*missing = base + (size_t)__builtin_ctzll(pending);
			return WRIT_EDENIED;
		}
		base += n;
	} while (base < nrequired);
	return WRIT_OK;
}

/*
 * An empty token (leading, trailing or doubled space) or any other
 * character than a scope-token's makes the whole claim malformed.
 */
int writ_check(const char *claim, size_t claim_len,
               const char *const *required, size_t nrequired, size_t *missing)
{
	size_t k;

	if ((!claim && claim_len) || (!required && nrequired))
		return WRIT_EINVAL;
	for (k = 0; k < nrequired; k++)
		if (!required[k] || !writ_scope_token_valid(required[k], strlen(required[k])))
			return WRIT_EINVAL;
	return claim_holds(claim, claim_len, required, nrequired, missing);
}

/* The same, for a claim the verifier has validated (a malformed one holds
 * nothing). */
int scope_claim_holds(const char *claim, size_t claim_len, const char *const *required,
                      size_t nrequired, size_t *missing)
{
	int rc = claim_holds(claim, claim_len, required, nrequired, missing);

	if (rc == WRIT_EMALFORMED && missing)
		*missing = 0;
	return rc == WRIT_EMALFORMED ? WRIT_EDENIED : rc;
}
