/*
 * compile.c: turn a checked syntax tree into the immutable decision table
 * (table.h). Runs only on a policy without errors; its only failure is
 * running out of memory or past the table's limits.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "codes.h"
#include "load.h"
#include "route.h"
#include "secret_cache.h"
#include "stack.h"
#include "table.h"

enum { DEFAULT_TOKEN_TTL = 3600 };

static uint64_t perm_hash(uint32_t r, const char *name, size_t len)
{
	return hash_bytes(name, len, 0x9e3779b97f4a7c15ULL * (r + 1));
}

long table_find_perm(const struct writ_policy *t, uint32_t r, const char *name,
                     size_t len)
{
	size_t i = (size_t)perm_hash(r, name, len) & t->perm_mask;
	uint32_t v;

	while ((v = t->perm_slots[i]) != 0) {
		const struct t_perm *p = &t->perms[v - 1];
		if (p->resource == r && p->len == len && memcmp(p->name, name, len) == 0)
			return (long)(v - 1);
		i = (i + 1) & t->perm_mask;
	}
	return -1;
}

const struct t_hold *table_find_hold(const struct writ_policy *t,
                                     const struct t_principal *p, uint32_t r)
{
	const struct t_hold *h = t->holds + p->holds;
	size_t lo = 0, hi = p->nholds;

	/* A principal's holds are sorted by resource. */
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

void table_free(struct writ_policy *t)
{
	int k;

	if (!t)
		return;
	secret_cache_free(t->secret_cache);
	stacks_free(t);
	module_set_free(&t->modules);
	arena_free(&t->strings);
	free(t->resources);
	free(t->routes);
	free(t->perms);
	free(t->roles);
	for (k = 0; k < 2; k++) {
		free(t->principals[k]);
		strmap_free(&t->principal_map[k]);
	}
	strmap_free(&t->resource_map);
	strmap_free(&t->role_map);
	if (t->map) {
		munmap(t->map, t->map_len);
	} else {
		free(t->role_perms);
		free(t->principal_roles);
		free(t->holds);
		free(t->bits);
		free(t->perm_slots);
	}
	free(t);
}

struct compiler {
	struct loader *ld;
	struct writ_policy *t;
	uint32_t *scratch; /* per role of one principal: its next hold */
	size_t nscratch;
};

/* A copy of an optional string in the table; "" stays NULL-free. */
static const char *copy(struct compiler *c, const struct ast_text *s, bool *ok)
{
	char *p;

	if (!s->s)
		return NULL;
	p = arena_strndup(&c->t->strings, s->s, s->len);
	if (!p)
		*ok = false;
	return p;
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return true;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return false;
		n *= 2;
	}
	q = realloc(*p, n * size);
	if (!q)
		return false;
	*p = q;
	*cap = n;
	return true;
}

/*
 * Build holds for a sorted, unique list of permission ids: one hold per
 * resource, each with a bitset over that resource's permissions.
 */
static bool build_holds(struct compiler *c, const uint32_t *ids, size_t n,
                        uint32_t *holds, uint32_t *nholds)
{
	struct writ_policy *t = c->t;
	size_t i = 0;

	*holds = (uint32_t)t->nholds;
	*nholds = 0;
	while (i < n) {
		uint32_t r = t->perms[ids[i]].resource;
		const struct t_resource *res = &t->resources[r];
		size_t words = (res->perm_count + 63) / 64;
		struct t_hold *h;

		if (!grow((void **)&t->holds, &t->capholds, t->nholds + 1, sizeof(*t->holds)) ||
		    !grow((void **)&t->bits, &t->capbits, t->nbits + words, sizeof(*t->bits)) ||
		    t->nbits + words > UINT32_MAX)
			return false;
		h = &t->holds[t->nholds++];
		h->resource = r;
		h->bits = (uint32_t)t->nbits;
		memset(t->bits + t->nbits, 0, words * sizeof(*t->bits));
		for (; i < n && t->perms[ids[i]].resource == r; i++) {
			uint32_t local = ids[i] - res->perm_base;
			t->bits[t->nbits + local / 64] |= 1ULL << (local % 64);
		}
		t->nbits += words;
		++*nholds;
	}
	return true;
}

static bool compile_keys(struct compiler *c, const struct ast_issuer *is)
{
	const struct ast_signing_key *k;
	uint32_t n = 0;
	bool ok = true;

	for (k = is->keys; k; k = k->next)
		n++;
	if (!n)
		return true;
	c->t->keys = arena_alloc(&c->t->strings, n * sizeof(*c->t->keys));
	if (!c->t->keys)
		return false;
	for (k = is->keys; k && ok; k = k->next) {
		struct t_key *tk = &c->t->keys[c->t->nkeys++];
		tk->path = arena_strndup(&c->t->strings, k->resolved, strlen(k->resolved));
		tk->kid = copy(c, &k->kid, &ok);
		tk->state = k->state;
		ok = ok && tk->path;
	}
	return ok;
}

static bool compile_trusts(struct compiler *c, const struct ast_trust *list)
{
	const struct ast_trust *tr;
	uint32_t n = 0;
	bool ok = true;

	for (tr = list; tr; tr = tr->next)
		n++;
	if (!n)
		return true;
	c->t->trusts = arena_alloc(&c->t->strings, n * sizeof(*c->t->trusts));
	if (!c->t->trusts)
		return false;
	for (tr = list; tr && ok; tr = tr->next) {
		struct t_trust *tt = &c->t->trusts[c->t->ntrusts++];

		tt->issuer = copy(c, &tr->id, &ok);
		tt->url = tr->url;
		tt->jwks = tr->url ? copy(c, &tr->jwks, &ok)
		                   : arena_strndup(&c->t->strings, tr->resolved, strlen(tr->resolved));
		tt->refresh_min = tr->rmin;
		tt->refresh_max = tr->rmax;
		tt->algs = tr->algs;
		ok = ok && tt->jwks;
	}
	return ok;
}

static bool compile_resources(struct compiler *c)
{
	struct writ_policy *t = c->t;
	struct ast_resource *r;
	struct ast_permission *p;
	uint32_t ri = 0, pi = 0;
	bool ok = true;
	size_t slots = 16;

	t->resources = calloc(t->nresources + 1, sizeof(*t->resources));
	t->perms = calloc(t->nperms + 1, sizeof(*t->perms));
	if (!t->resources || !t->perms || !strmap_init(&t->resource_map, t->nresources))
		return false;
	while (slots < (size_t)t->nperms * 2)
		slots *= 2;
	t->perm_slots = calloc(slots, sizeof(*t->perm_slots));
	if (!t->perm_slots)
		return false;
	t->perm_mask = slots - 1;

	for (r = c->ld->ast.resources; r && ok; r = r->next, ri++) {
		struct t_resource *tr = &t->resources[ri];
		struct ast_ref *d;
		struct buf ds;

		tr->indicator = copy(c, &r->indicator, &ok);
		tr->name = copy(c, &r->name, &ok);
		tr->description = copy(c, &r->description, &ok);
		tr->ttl = r->ttl;
		tr->perm_base = r->perm_base;
		tr->perm_count = (uint32_t)r->nperms;
		if (r->is_default)
			t->default_resource = ri;
		if (ok && strmap_put(&t->resource_map, tr->indicator, r->indicator.len, ri) == -2)
			ok = false;
		buf_init(&ds);
		for (d = r->default_scope; d; d = d->next) {
			if (d != r->default_scope)
				buf_putc(&ds, ' ');
			buf_append(&ds, d->name.s, d->name.len);
		}
		tr->default_scope = arena_strndup(&t->strings, ds.data ? ds.data : "", ds.len);
		tr->default_scope_len = ds.len;
		if (ds.oom || !tr->default_scope)
			ok = false;
		buf_free(&ds);

		for (p = r->perms; p && ok; p = p->next, pi++) {
			struct t_perm *tp = &t->perms[pi];
			size_t i;
			tp->name = copy(c, &p->name, &ok);
			tp->description = copy(c, &p->description, &ok);
			tp->len = (uint32_t)p->name.len;
			tp->resource = ri;
			if (!ok)
				break;
			i = (size_t)perm_hash(ri, tp->name, tp->len) & t->perm_mask;
			while (t->perm_slots[i])
				i = (i + 1) & t->perm_mask;
			t->perm_slots[i] = pi + 1;
		}
	}
	return ok;
}

static bool compile_roles(struct compiler *c)
{
	struct writ_policy *t = c->t;
	struct ast_role *role;
	size_t total = 0, at = 0;
	uint32_t i = 0;
	bool ok = true;

	for (role = c->ld->ast.roles; role; role = role->next)
		total += role->nperm_ids;
	if (total > UINT32_MAX)
		return false;
	t->roles = calloc(t->nroles + 1, sizeof(*t->roles));
	t->role_perms = malloc((total + 1) * sizeof(*t->role_perms));
	if (!t->roles || !t->role_perms || !strmap_init(&t->role_map, t->nroles))
		return false;
	for (role = c->ld->ast.roles; role && ok; role = role->next, i++) {
		struct t_role *tr = &t->roles[i];
		tr->name = copy(c, &role->name, &ok);
		tr->description = copy(c, &role->description, &ok);
		tr->kind = role->kind == AST_APPS ? WRIT_PRINCIPAL_APP : WRIT_PRINCIPAL_USER;
		tr->perms = (uint32_t)at;
		tr->nperms = (uint32_t)role->nperm_ids;
		memcpy(t->role_perms + at, role->perm_ids, role->nperm_ids * sizeof(uint32_t));
		at += role->nperm_ids;
		if (!ok || strmap_put(&t->role_map, tr->name, role->name.len, i) == -2 ||
		    !build_holds(c, role->perm_ids, role->nperm_ids, &tr->holds, &tr->nholds))
			ok = false;
	}
	return ok;
}

/*
 * The union of a principal's roles. One role: the principal shares the
 * role's holds. More: the roles' holds, each list sorted by resource, are
 * merged, the bitsets of a resource held by several roles or'ed together;
 * the cost is the holds' size, with no sort of permission ids.
 */
static bool principal_holds(struct compiler *c, struct t_principal *tp)
{
	struct writ_policy *t = c->t;
	const uint32_t *roles = t->principal_roles + tp->roles;
	uint32_t *next; /* per role: its next hold to merge */
	size_t i, w;

	if (tp->nroles == 1) {
		tp->holds = t->roles[roles[0]].holds;
		tp->nholds = t->roles[roles[0]].nholds;
		return true;
	}
	tp->holds = (uint32_t)t->nholds;
	tp->nholds = 0;
	if (tp->nroles > c->nscratch) {
		uint32_t *p = realloc(c->scratch, tp->nroles * sizeof(*p));
		if (!p)
			return false;
		c->scratch = p;
		c->nscratch = tp->nroles;
	}
	next = c->scratch;
	for (i = 0; i < tp->nroles; i++)
		next[i] = t->roles[roles[i]].holds;
	for (;;) {
		uint32_t r = UINT32_MAX, bits;
		size_t words;
		struct t_hold *h;

		for (i = 0; i < tp->nroles; i++) {
			const struct t_role *role = &t->roles[roles[i]];
			if (next[i] < role->holds + role->nholds && t->holds[next[i]].resource < r)
				r = t->holds[next[i]].resource;
		}
		if (r == UINT32_MAX)
			return true;
		words = (t->resources[r].perm_count + 63) / 64;
		/* The arrays may move: the roles' holds are reached by index. */
		if (!grow((void **)&t->holds, &t->capholds, t->nholds + 1, sizeof(*t->holds)) ||
		    !grow((void **)&t->bits, &t->capbits, t->nbits + words, sizeof(*t->bits)) ||
		    t->nbits + words > UINT32_MAX)
			return false;
		bits = (uint32_t)t->nbits;
		memset(t->bits + bits, 0, words * sizeof(*t->bits));
		for (i = 0; i < tp->nroles; i++) {
			const struct t_role *role = &t->roles[roles[i]];
			if (next[i] == role->holds + role->nholds || t->holds[next[i]].resource != r)
				continue;
			for (w = 0; w < words; w++)
				t->bits[bits + w] |= t->bits[t->holds[next[i]].bits + w];
			next[i]++;
		}
		h = &t->holds[t->nholds++];
		h->resource = r;
		h->bits = bits;
		t->nbits += words;
		tp->nholds++;
	}
}

static bool copy_secrets(struct compiler *c, const struct ast_principal *p,
                         struct t_principal *tp)
{
	const struct ast_secret *s;
	uint32_t n = 0;
	bool ok = true;

	for (s = p->secrets; s; s = s->next)
		n++;
	if (!n)
		return true;
	tp->secrets = arena_alloc(&c->t->strings, n * sizeof(*tp->secrets));
	if (!tp->secrets)
		return false;
	for (s = p->secrets; s; s = s->next, tp->nsecrets++) {
		tp->secrets[tp->nsecrets].hash = copy(c, &s->hash, &ok);
		tp->secrets[tp->nsecrets].expires_at = s->expires_at;
	}
	return ok;
}

static const char *principal_id(const void *principals, uint32_t i)
{
	return ((const struct t_principal *)principals)[i].id;
}

static bool compile_principals(struct compiler *c, struct ast_principal *list,
                               int k, size_t *role_at)
{
	struct writ_policy *t = c->t;
	struct ast_principal *p;
	uint32_t i = 0;
	bool ok = true;

	/* The check's map of these ids, when it kept one, has each id in the
	 * slot this map would give it: take it, and point it at the table's
	 * copies once they are made. */
	bool adopt = c->ld->principal_maps[k].slots &&
	             c->ld->principal_maps[k].count == t->nprincipals[k];

	t->principals[k] = calloc(t->nprincipals[k] + 1, sizeof(*t->principals[k]));
	if (!t->principals[k])
		return false;
	if (adopt) {
		t->principal_map[k] = c->ld->principal_maps[k];
		memset(&c->ld->principal_maps[k], 0, sizeof(c->ld->principal_maps[k]));
	} else if (!strmap_init(&t->principal_map[k], t->nprincipals[k])) {
		return false;
	}
	for (p = list; p && ok; p = p->next, i++) {
		struct t_principal *tp = &t->principals[k][i];
		struct ast_ref *ref;
		tp->id = copy(c, &p->id, &ok);
		tp->name = copy(c, &p->name, &ok);
		tp->description = copy(c, &p->description, &ok);
		tp->roles = (uint32_t)*role_at;
		for (ref = p->roles; ref; ref = ref->next)
			if (ref->target >= 0)
				t->principal_roles[(*role_at)++] = (uint32_t)ref->target;
		tp->nroles = (uint32_t)(*role_at - tp->roles);
		ok = ok && copy_secrets(c, p, tp);
		if (!ok || (!adopt && strmap_put(&t->principal_map[k], tp->id, p->id.len, i) == -2) ||
		    !principal_holds(c, tp))
			ok = false;
	}
	if (ok && adopt)
		strmap_rekey(&t->principal_map[k], principal_id, t->principals[k]);
	return ok;
}

static size_t count_role_refs(const struct ast_principal *p)
{
	size_t n = 0;
	const struct ast_ref *ref;

	for (; p; p = p->next)
		for (ref = p->roles; ref; ref = ref->next)
			n++;
	return n;
}

/* Only apps authenticate with a secret (writ_authenticate). */
bool apps_have_secrets(const struct writ_policy *t)
{
	uint32_t i;

	for (i = 0; i < t->nprincipals[0]; i++)
		if (t->principals[0][i].nsecrets)
			return true;
	return false;
}

int compile_policy(struct loader *ld, struct writ_policy **out)
{
	struct ast_policy *ast = &ld->ast;
	struct compiler c;
	struct writ_policy *t;
	size_t role_at = 0;
	bool ok = true;

	*out = NULL;
	if (ast->nresources >= UINT32_MAX || ast->nperms >= UINT32_MAX / 2 ||
	    ast->nroles >= UINT32_MAX || ast->napps >= UINT32_MAX ||
	    ast->nusers >= UINT32_MAX) {
		diag_error(ld, NULL, E_TOO_BIG, "the policy is larger than a decision table can hold");
		return WRIT_EPOLICY;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return WRIT_ENOMEM;
	atomic_init(&t->refs, 1);
	arena_init(&t->strings);
	memset(&c, 0, sizeof(c));
	c.ld = ld;
	c.t = t;
	t->default_resource = -1;
	t->nresources = (uint32_t)ast->nresources;
	t->nperms = (uint32_t)ast->nperms;
	t->nroles = (uint32_t)ast->nroles;
	t->nprincipals[0] = (uint32_t)ast->napps;
	t->nprincipals[1] = (uint32_t)ast->nusers;
	if (ast->issuers) {
		t->issuer = copy(&c, &ast->issuers->url, &ok);
		t->issuer_ttl = ast->issuers->ttl;
		ok = ok && compile_keys(&c, ast->issuers);
	}
	if (!t->issuer_ttl)
		t->issuer_ttl = DEFAULT_TOKEN_TTL;
	ok = ok && compile_trusts(&c, ast->trusts);
	t->principal_roles = malloc((count_role_refs(ast->apps) +
	                             count_role_refs(ast->users) + 1) * sizeof(uint32_t));
	ok = ok && t->principal_roles && compile_resources(&c) && routes_compile(ld, t) && compile_roles(&c) &&
	     compile_principals(&c, ast->apps, 0, &role_at) &&
	     compile_principals(&c, ast->users, 1, &role_at) && compile_stacks(ld, t);
	free(c.scratch);
	/* The policy owns the loaded modules from now on. */
	t->modules = ld->modules;
	memset(&ld->modules, 0, sizeof(ld->modules));
	if (!ok) {
		table_free(t);
		return WRIT_ENOMEM;
	}
	/* Each policy its own cache, so a reload starts empty. Without one
	 * (no memory), the secret module hashes every time. */
	if (apps_have_secrets(t))
		t->secret_cache = secret_cache_new();
	*out = t;
	return WRIT_OK;
}
