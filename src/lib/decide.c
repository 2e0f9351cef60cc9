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

int writ_scope_token_valid(const char *s, size_t len)
{
	return s && validate_scope_token(s, len) == NULL;
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

/* Word-at-a-time byte tests: each is nonzero exactly when some byte of v
 * is as named (for n <= 128), whatever the machine's byte order. */
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)
#define ANY_BELOW(v, n) (((v) - ONES * (n)) & ~(v) & HIGHS)
#define ANY_ABOVE(v, n) ((((v) + ONES * (127 - (n))) | (v)) & HIGHS)
#define ANY_EQUAL(v, c) ANY_BELOW((v) ^ (ONES * (c)), 1)

/* The high bit of each byte of v that is a space, and of no other. */
static inline uint64_t space_bytes(uint64_t v)
{
	uint64_t x = v ^ (ONES * ' ');

	return ~(((x & ~HIGHS) + ~HIGHS) | x | ~HIGHS);
}

/* Is s[0..len) scope-tokens separated by single spaces, with no space at
 * either end? Eight bytes at a time: a word passes when it holds no byte
 * outside %x20-7E, no '"' or '\', and no two spaces side by side (within
 * it, or across from the word before). */
static bool claim_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	bool prev_space = true; /* a space first is an empty token */
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t v, sp;
		memcpy(&v, u + i, sizeof(v));
		if (ANY_BELOW(v, 0x20) | ANY_ABOVE(v, 0x7e) | ANY_EQUAL(v, 0x22) | ANY_EQUAL(v, 0x5c))
			return false;
		sp = space_bytes(v);
		if ((sp & (sp >> 8)) || (prev_space && u[i] == ' '))
			return false;
		prev_space = u[i + 7] == ' ';
	}
	for (; i < len; i++) {
		if (u[i] == ' ' ? prev_space : !scope_char(u[i]))
			return false;
		prev_space = u[i] == ' ';
	}
	return !prev_space || len == 0;
}

/*
 * DESIGN §5 / RFC 6749 §3.3: the claim is scope-tokens separated by single
 * spaces. An empty token (leading, trailing or doubled space) or any other
 * character makes the whole claim malformed; matching is exact.
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
	if (!claim_valid(claim, claim_len))
		return WRIT_EMALFORMED;
	return scope_claim_holds(claim, claim_len, required, nrequired, missing);
}

int scope_claim_holds(const char *claim, size_t claim_len, const char *const *required,
                      size_t nrequired, size_t *missing)
{
	size_t k;

	for (k = 0; k < nrequired; k++) {
		size_t rlen = strlen(required[k]), start = 0;
		bool found = false;

		while (start < claim_len && !found) {
			const char *sp = memchr(claim + start, ' ', claim_len - start);
			size_t end = sp ? (size_t)(sp - claim) : claim_len;
			found = end - start == rlen && memcmp(claim + start, required[k], rlen) == 0;
			start = end + 1;
		}
		if (!found) {
			if (missing)
				*missing = k;
			return WRIT_EDENIED;
		}
	}
	return WRIT_OK;
}
