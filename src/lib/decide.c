/*
 * decide.c: the questions asked of a compiled policy: grant (issuer side,
 * RFC 6749 §3.3 downscoping and RFC 8707 §2.2 over several resources) and
 * check (validator side). Nothing here allocates or locks.
 */
#include "config.h"

#include <string.h>

#include "table.h"
#include "validate.h"

/* Granted permissions collected per pass, in declaration order. */
enum { GRANT_BATCH = 64 };

int writ_scope_token_valid(const char *s, size_t len)
{
	return s && validate_scope_token(s, len) == NULL;
}

/*
 * A request's scope string: tokens separated by runs of spaces. Returns
 * false when some token holds a character outside the scope-token set;
 * *any is set when there is at least one token.
 */
static bool request_valid(const char *s, size_t len, bool *any)
{
	size_t i;

	*any = false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ')
			continue;
		if (!scope_char(c))
			return false;
		*any = true;
	}
	return true;
}

/* The hold of principal p on resource r, or NULL. Holds are sorted. */
static const struct t_hold *find_hold(const struct writ_policy *t,
                                      const struct t_principal *p, uint32_t r)
{
	const struct t_hold *h = t->holds + p->holds;
	size_t lo = 0, hi = p->nholds;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h[mid].resource == r)
			return &h[mid];
		if (h[mid].resource < r)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Insert v into the sorted batch unless present; keep at most `cap`. */
static void batch_insert(uint32_t *batch, size_t *n, size_t cap, uint32_t v)
{
	size_t i = *n;

	while (i > 0 && batch[i - 1] > v)
		i--;
	if (i > 0 && batch[i - 1] == v)
		return;
	if (i == cap)
		return;
	if (*n == cap)
		(*n)--; /* drop the largest: a later pass picks it up */
	memmove(batch + i + 1, batch + i, (*n - i) * sizeof(*batch));
	batch[i] = v;
	(*n)++;
}

static void emit(char *out, size_t out_size, size_t *used, const char *s,
                 size_t len)
{
	if (*used < out_size && out_size - *used > len)
		memcpy(out + *used, s, len);
	*used += len;
}

/*
 * requested ∩ declared on r ∩ held. The answer is written in declaration
 * order; batches of GRANT_BATCH keep it allocation-free for any request.
 */
static int grant_one(const struct writ_policy *t, const struct t_principal *p,
                     uint32_t r, const char *scope, size_t len, char *out,
                     size_t out_size, size_t *out_len)
{
	const struct t_resource *res = &t->resources[r];
	const struct t_hold *hold;
	uint32_t batch[GRANT_BATCH];
	long floor = -1;
	size_t used = 0;
	bool any;

	if (!request_valid(scope, len, &any))
		goto malformed;
	if (!any) {
		scope = res->default_scope;
		len = res->default_scope_len;
	}
	hold = find_hold(t, p, r);
	while (hold) {
		const uint64_t *bits = t->bits + hold->bits;
		size_t n = 0, i = 0, k;

		while (i < len) {
			size_t start, tlen;
			long id;
			while (i < len && scope[i] == ' ')
				i++;
			start = i;
			while (i < len && scope[i] != ' ')
				i++;
			tlen = i - start;
			if (tlen == 0)
				break;
			id = table_find_perm(t, r, scope + start, tlen);
			if (id >= 0) {
				uint32_t local = (uint32_t)id - res->perm_base;
				if ((bits[local / 64] >> (local % 64) & 1) && (long)local > floor)
					batch_insert(batch, &n, GRANT_BATCH, local);
			}
		}
		for (k = 0; k < n; k++) {
			const struct t_perm *perm = &t->perms[res->perm_base + batch[k]];
			if (used > 0)
				emit(out, out_size, &used, " ", 1);
			emit(out, out_size, &used, perm->name, perm->len);
		}
		if (n < GRANT_BATCH)
			break;
		floor = (long)batch[n - 1];
	}
	if (out_len)
		*out_len = used;
	if (used >= out_size) {
		if (out_size)
			out[0] = '\0';
		return WRIT_ERANGE;
	}
	out[used] = '\0';
	return WRIT_OK;
malformed:
	if (out_size)
		out[0] = '\0';
	return WRIT_EMALFORMED;
}

static int lookup(const struct writ_policy *t, enum writ_principal_kind kind,
                  const char *principal, const struct t_principal **p)
{
	long i;

	if (kind != WRIT_PRINCIPAL_APP && kind != WRIT_PRINCIPAL_USER)
		return WRIT_EINVAL;
	i = strmap_get(&t->principal_map[kind - 1], principal, strlen(principal));
	if (i < 0)
		return WRIT_ENOPRINCIPAL;
	*p = &t->principals[kind - 1][i];
	return WRIT_OK;
}

static long lookup_resource(const struct writ_policy *t, const char *resource)
{
	if (!resource)
		return t->default_resource;
	return strmap_get(&t->resource_map, resource, strlen(resource));
}

int writ_grant(const writ_policy *t, enum writ_principal_kind kind,
               const char *principal, const char *resource,
               const char *scope, size_t scope_len,
               char *out, size_t out_size, size_t *out_len)
{
	const struct t_principal *p;
	long r;
	int rc;

	if (out && out_size)
		out[0] = '\0';
	if (out_len)
		*out_len = 0;
	if (!t || !principal || (!scope && scope_len) || (!out && out_size))
		return WRIT_EINVAL;
	if ((rc = lookup(t, kind, principal, &p)) != WRIT_OK)
		return rc;
	if ((r = lookup_resource(t, resource)) < 0)
		return WRIT_ENORESOURCE;
	return grant_one(t, p, (uint32_t)r, scope ? scope : "", scope_len, out,
	                 out_size, out_len);
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
	if ((rc = lookup(t, kind, principal, &p)) != WRIT_OK)
		return rc;
	for (i = 0; i < nresources; i++)
		if (lookup_resource(t, resources[i]) < 0)
			return WRIT_ENORESOURCE;
	for (i = 0; i < nresources; i++) {
		size_t room = used < out_size ? out_size - used : 0;
		size_t len = 0;
		long r = lookup_resource(t, resources[i]);

		offsets[i] = used;
		rc = grant_one(t, p, (uint32_t)r, scope ? scope : "", scope_len,
		               room ? out + used : NULL, room, &len);
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
 * DESIGN §5 / RFC 6749 §3.3: the claim is scope-tokens separated by single
 * spaces. An empty token (leading, trailing or doubled space) or any other
 * character makes the whole claim malformed; matching is exact.
 */
int writ_check(const char *claim, size_t claim_len,
               const char *const *required, size_t nrequired, size_t *missing)
{
	size_t i, k;

	if ((!claim && claim_len) || (!required && nrequired))
		return WRIT_EINVAL;
	for (k = 0; k < nrequired; k++)
		if (!required[k] || !writ_scope_token_valid(required[k], strlen(required[k])))
			return WRIT_EINVAL;
	if (claim_len > 0) {
		if (claim[0] == ' ' || claim[claim_len - 1] == ' ')
			return WRIT_EMALFORMED;
		for (i = 0; i < claim_len; i++) {
			unsigned char c = (unsigned char)claim[i];
			if (c == ' ' ? claim[i + 1] == ' ' : !scope_char(c))
				return WRIT_EMALFORMED;
		}
	}
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
