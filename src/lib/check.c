/*
 * check.c: the semantic pass. Resolves every name, checks every value and
 * reports all it finds through the load's diagnostics. It annotates the
 * syntax tree (resolved indexes, permission ids, each role's sorted grant
 * set) for the compiler, which runs only when this pass found no error.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "codes.h"
#include "jws.h"
#include "load.h"
#include "route.h"
#include "secret.h"
#include "stack.h"
#include "validate.h"

struct checker {
	struct loader *ld;
	struct ast_resource **resources;
	struct ast_role **roles;
	struct ast_permission **perms;  /* by global permission id */
	struct strmap resource_map;     /* indicator -> resource index */
	struct strmap *perm_maps;       /* per resource: name -> local index */
	struct strmap role_map;
	struct strmap app_map, user_map;
	uint32_t *role_seen;            /* stamp per role, for repeats */
	/* What each reference to a role reads, by role index and back to back:
	 * the role nodes and their names lie all over the load's arena, and a
	 * policy's apps and users name roles hundreds of thousands of times. */
	char *role_names;               /* the role map's keys */
	enum ast_kind *role_kind;
	bool *role_assigned;
	int64_t now;                    /* time(NULL) once per check, for expiries */
};

static bool oom(struct checker *ck)
{
	ck->ld->oom = true;
	return false;
}

/*
 * A name for a message: quoted, with control characters escaped, so that
 * a name can never break a diagnostic's line or forge another (in the
 * load's arena; "\"?\"" when memory is short, which fails the load).
 */
static const char *q(struct checker *ck, const struct ast_text *t)
{
	struct buf b;
	char *s;

	buf_init(&b);
	buf_put_quoted(&b, t->s, t->len);
	s = b.oom ? NULL : arena_strndup(&ck->ld->arena, b.data, b.len);
	buf_free(&b);
	if (!s)
		oom(ck);
	return s ? s : "\"?\"";
}

/* "did you mean \"x\"?" in the arena, or NULL. */
static const char *did_you_mean(struct checker *ck, const struct suggest *sg)
{
	const char *best = suggest_best(sg);
	struct buf b;
	char *s;

	if (!best)
		return NULL;
	buf_init(&b);
	buf_puts(&b, "did you mean ");
	buf_put_quoted(&b, best, strlen(best));
	buf_puts(&b, "?");
	s = b.oom ? NULL : arena_strndup(&ck->ld->arena, b.data, b.len);
	buf_free(&b);
	if (!s)
		oom(ck);
	return s;
}

/* Report a name defined twice, with a note at the first definition. */
static void duplicate(struct checker *ck, const char *what,
                      const struct ast_text *again, const struct ast_text *first)
{
	diag_error(ck->ld, &again->sp, E_DUPLICATE, "%s %s is defined twice", what,
	           q(ck, again));
	diag_note(ck->ld, &first->sp, "first defined here");
}

static void check_text(struct checker *ck, const struct ast_text *t,
                       const char *what, bool client_id)
{
	const char *why;

	if (t->bad)
		return;
	why = client_id ? validate_client_id(t->s, t->len) : validate_name(t->s, t->len);
	if (why)
		diag_error(ck->ld, &t->sp, E_BAD_IDENTIFIER, "invalid %s: %s", what, why);
}

static bool check_duration(struct checker *ck, const struct ast_text *t,
                           const char *what, uint32_t *out)
{
	const char *why;

	if (!t->s)
		return true;
	why = parse_duration(t->s, t->len, out);
	if (why)
		diag_error(ck->ld, &t->sp, E_BAD_DURATION, "invalid %s: %s", what, why);
	return !why;
}

/* ---- issuer ---- */

/* The state and kid of a signing-key line, from its options. */
static void check_key_options(struct checker *ck, struct ast_signing_key *k)
{
	static const char *const states[] = { NULL, "current", "next", "previous" };
	struct ast_ref *o;
	int i;

	for (o = k->options; o; o = o->next) {
		for (i = 1; i <= 3; i++)
			if (strcmp(o->name.s, states[i]) == 0)
				break;
		if (i <= 3) {
			if (k->state)
				diag_error(ck->ld, &o->name.sp, E_SIGNING_KEY,
				           "a signing key has one state; this is a second");
			k->state = i;
		} else if (strcmp(o->name.s, "kid") == 0) {
			if (!o->next || !o->next->name.len) {
				diag_error(ck->ld, &o->name.sp, E_SIGNING_KEY, "kid needs a value: kid \"ID\"");
				break; /* the key still gets its state: no follow-on error */
			}
			if (k->kid.s)
				diag_error(ck->ld, &o->name.sp, E_SIGNING_KEY, "kid is given twice");
			k->kid = o->next->name;
			o = o->next;
		} else {
			diag(ck->ld, &o->name.sp, WRIT_SEVERITY_ERROR, E_SIGNING_KEY,
			     "options are current, next, previous and kid \"ID\"",
			     "unknown signing-key option %s", q(ck, &o->name));
		}
	}
	if (!k->state)
		k->state = WRIT_KEY_CURRENT;
}

/* Paths are taken from the directory of the policy file that names them
 * (in the load's arena; NULL when memory is short). */
static char *resolve_path(struct checker *ck, const struct ast_text *t)
{
	char *path = loader_relative_path(ck->ld->sources[t->sp.file].path, t->s);
	char *resolved = path ? arena_strndup(&ck->ld->arena, path, strlen(path)) : NULL;

	if (!resolved)
		oom(ck);
	free(path);
	return resolved;
}

/*
 * writ serve refuses a key file that group or others may read or write; say
 * so at lint time. A missing file is fine: serve can make it.
 */
static void check_key_mode(struct checker *ck, const struct ast_signing_key *k)
{
	struct stat st;

	if (!k->resolved || stat(k->resolved, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		diag(ck->ld, &k->path.sp, WRIT_SEVERITY_WARNING, W_KEY_FILE_MODE,
		     "chmod 600 the file: writ serve refuses to start with it",
		     "the signing key file is accessible by group or others (mode %04o)",
		     (unsigned)(st.st_mode & 07777));
}

static void check_signing_keys(struct checker *ck, struct ast_issuer *is)
{
	struct ast_signing_key *k, *other, *current = NULL;

	for (k = is->keys; k && !ck->ld->oom; k = k->next) {
		check_key_options(ck, k);
		if (!k->path.len)
			diag_error(ck->ld, &k->path.sp, E_SIGNING_KEY, "a signing key needs a file");
		else
			k->resolved = resolve_path(ck, &k->path);
		check_key_mode(ck, k);
		for (other = is->keys; other != k; other = other->next) {
			if (other->resolved && k->resolved && strcmp(other->resolved, k->resolved) == 0) {
				duplicate(ck, "signing key", &k->path, &other->path);
				break;
			}
			if (k->kid.s && other->kid.s && strcmp(k->kid.s, other->kid.s) == 0) {
				duplicate(ck, "signing key kid", &k->kid, &other->kid);
				break;
			}
		}
		if (k->state == WRIT_KEY_CURRENT) {
			if (current) {
				diag_error(ck->ld, &k->path.sp, E_SIGNING_KEY,
				           "a second current signing key: one key signs, others are next or previous");
				diag_note(ck->ld, &current->path.sp, "the current key is this one");
			}
			current = k;
		}
	}
	if (is->keys && !current)
		diag_error(ck->ld, &is->url.sp, E_SIGNING_KEY,
		           "no signing key is current: mark the one that signs");
}

/* An issuer identifier, of the issuer block or of a trusted issuer. */
static void check_issuer_id(struct checker *ck, const struct ast_text *t)
{
	bool loopback_http;
	const char *why;

	if (t->bad)
		return;
	why = validate_issuer(t->s, t->len, &loopback_http);
	if (why)
		diag_error(ck->ld, &t->sp, E_BAD_ISSUER, "invalid issuer identifier: %s", why);
	else if (loopback_http)
		diag_warning(ck->ld, &t->sp, W_HTTP_ISSUER,
		             "the issuer uses http: acceptable on a loopback host for testing only");
}

static void check_issuers(struct checker *ck)
{
	struct ast_issuer *is, *first = ck->ld->ast.issuers;

	for (is = first; is; is = is->next) {
		if (is != first) {
			diag_error(ck->ld, &is->url.sp, E_DUPLICATE,
			           "a policy has one issuer block; this is a second one");
			diag_note(ck->ld, &first->url.sp, "first defined here");
		}
		check_issuer_id(ck, &is->url);
		check_duration(ck, &is->token_ttl, "token-ttl", &is->ttl);
		check_signing_keys(ck, is);
	}
}

/* ---- trusted issuers ---- */

enum {
	TRUST_REFRESH_FLOOR = 10,          /* seconds */
	TRUST_REFRESH_MIN = 60,
	TRUST_REFRESH_MAX = 86400,
};

static bool is_url(const struct ast_text *t)
{
	return (t->len >= 7 && strncasecmp(t->s, "http://", 7) == 0) ||
	       (t->len >= 8 && strncasecmp(t->s, "https://", 8) == 0);
}

static void check_trust_jwks(struct checker *ck, struct ast_trust *tr)
{
	bool loopback_http;
	const char *why;

	if (!tr->jwks.s) {
		diag(ck->ld, &tr->id.sp, WRIT_SEVERITY_ERROR, E_TRUST,
		     "name a JWKS file or URL: jwks \"https://.../jwks\";",
		     "the trusted issuer %s has no keys", q(ck, &tr->id));
		return;
	}
	if (tr->jwks.bad)
		return;
	tr->url = is_url(&tr->jwks);
	if (tr->url) {
		why = validate_jwks_url(tr->jwks.s, tr->jwks.len, &loopback_http);
		if (why)
			diag_error(ck->ld, &tr->jwks.sp, E_TRUST, "invalid JWKS URL: %s", why);
		else if (loopback_http)
			diag_warning(ck->ld, &tr->jwks.sp, W_HTTP_JWKS,
			             "the JWKS URL uses http: acceptable on a loopback host for testing only");
		return;
	}
	if (!tr->jwks.len) {
		diag_error(ck->ld, &tr->jwks.sp, E_TRUST, "the JWKS file name is empty");
		return;
	}
	tr->resolved = resolve_path(ck, &tr->jwks);
}

static void check_trust_refresh(struct checker *ck, struct ast_trust *tr)
{
	/* Both checked, so that one run reports both. */
	bool min_ok = check_duration(ck, &tr->refresh_min, "refresh-min", &tr->rmin);
	bool max_ok = check_duration(ck, &tr->refresh_max, "refresh-max", &tr->rmax);
	bool ok = min_ok && max_ok;
	const struct ast_text *given = tr->refresh_min.s ? &tr->refresh_min : &tr->refresh_max;
	const struct span *given_key = tr->refresh_min.s ? &tr->refresh_min_key : &tr->refresh_max_key;

	if (!tr->refresh_min.s)
		tr->rmin = TRUST_REFRESH_MIN;
	if (!tr->refresh_max.s)
		tr->rmax = tr->rmin > TRUST_REFRESH_MAX ? tr->rmin : TRUST_REFRESH_MAX;
	if (!ok || !given->s)
		return;
	if (tr->jwks.s && !tr->url) {
		diag_error(ck->ld, given_key, E_TRUST,
		           "refresh bounds apply to a JWKS URL; this issuer's keys are a file");
		return;
	}
	if (tr->rmin < TRUST_REFRESH_FLOOR)
		diag_error(ck->ld, &tr->refresh_min.sp, E_TRUST,
		           "refresh-min is at least %us, so that tokens naming unknown kids cannot make writ fetch without pause",
		           (unsigned)TRUST_REFRESH_FLOOR);
	else if (tr->rmax < tr->rmin)
		diag_error(ck->ld, &tr->refresh_max.sp, E_TRUST,
		           "refresh-max is shorter than refresh-min");
}

static void check_trust_algorithms(struct checker *ck, struct ast_trust *tr)
{
	struct ast_ref *a;
	int alg;

	for (a = tr->algorithms; a; a = a->next) {
		alg = jws_alg_parse(a->name.s, a->name.len);
		if (alg < 0)
			diag(ck->ld, &a->name.sp, WRIT_SEVERITY_ERROR, E_TRUST,
			     "algorithms are ES256, ES384, RS256, PS256 and EdDSA, written so",
			     "unknown JWS algorithm %s", q(ck, &a->name));
		else
			tr->algs |= 1u << alg;
	}
}

static void check_trusts(struct checker *ck)
{
	size_t count = ck->ld->ast.ntrusts, i = 0;
	struct ast_trust *tr, **byindex;
	struct strmap map;
	long prev;

	memset(&map, 0, sizeof(map));
	byindex = calloc(count + 1, sizeof(*byindex));
	if (!byindex || !strmap_init(&map, count)) {
		free(byindex);
		oom(ck);
		return;
	}
	for (tr = ck->ld->ast.trusts; tr && !ck->ld->oom; tr = tr->next, i++) {
		byindex[i] = tr;
		check_issuer_id(ck, &tr->id);
		prev = strmap_put(&map, tr->id.s, tr->id.len, (uint32_t)i);
		if (prev == -2) {
			oom(ck);
			break;
		}
		if (prev >= 0)
			duplicate(ck, "trusted issuer", &tr->id, &byindex[prev]->id);
		check_trust_jwks(ck, tr);
		check_trust_refresh(ck, tr);
		check_trust_algorithms(ck, tr);
	}
	strmap_free(&map);
	free(byindex);
}

/* ---- resources and permissions ---- */

static bool index_resources(struct checker *ck)
{
	struct ast_policy *ast = &ck->ld->ast;
	struct ast_resource *r;
	size_t i = 0;

	ck->resources = calloc(ast->nresources + 1, sizeof(*ck->resources));
	ck->perm_maps = calloc(ast->nresources + 1, sizeof(*ck->perm_maps));
	ck->perms = calloc(ast->nperms + 1, sizeof(*ck->perms));
	if (!ck->resources || !ck->perm_maps || !ck->perms ||
	    !strmap_init(&ck->resource_map, ast->nresources))
		return oom(ck);
	for (r = ast->resources; r; r = r->next)
		ck->resources[i++] = r;
	return true;
}

static void check_resource(struct checker *ck, struct ast_resource *r, size_t ri,
                           uint32_t *next_perm, struct ast_resource **deflt)
{
	struct strmap *pm = &ck->perm_maps[ri];
	struct ast_permission *p;
	struct ast_ref *ref;
	uint32_t local = 0;
	const char *why;
	long prev;

	why = r->indicator.bad ? NULL : validate_indicator(r->indicator.s, r->indicator.len);
	if (why)
		diag_error(ck->ld, &r->indicator.sp, E_BAD_INDICATOR,
		           "invalid resource indicator: %s", why);
	prev = strmap_put(&ck->resource_map, r->indicator.s, r->indicator.len,
	                  (uint32_t)ri);
	if (prev == -2) {
		oom(ck);
		return;
	}
	if (prev >= 0)
		duplicate(ck, "resource", &r->indicator,
		          &ck->resources[prev]->indicator);
	r->valid = prev == -1;
	check_duration(ck, &r->token_ttl, "token-ttl", &r->ttl);
	if (r->is_default) {
		if (*deflt) {
			diag_error(ck->ld, &r->default_sp, E_MANY_DEFAULTS,
			           "a second resource is marked default");
			diag_note(ck->ld, &(*deflt)->default_sp,
			          "the first default resource is marked here");
		} else {
			*deflt = r;
		}
	}

	if (!strmap_init(pm, r->nperms)) {
		oom(ck);
		return;
	}
	r->perm_base = *next_perm;
	for (p = r->perms; p; p = p->next, local++) {
		p->id = *next_perm + local;
		ck->perms[p->id] = p;
		why = p->name.bad ? NULL : validate_scope_token(p->name.s, p->name.len);
		if (why)
			diag_error(ck->ld, &p->name.sp, E_BAD_SCOPE_TOKEN,
			           "invalid permission name: %s (RFC 6749 section 3.3)", why);
		p->valid = !why && !p->name.bad;
		prev = strmap_put(pm, p->name.s, p->name.len, local);
		if (prev == -2) {
			oom(ck);
			return;
		}
		if (prev >= 0)
			duplicate(ck, "permission", &p->name,
			          &ck->perms[r->perm_base + (uint32_t)prev]->name);
		p->valid = p->valid && prev == -1 && r->valid;
	}
	*next_perm += local;
	if (r->nperms == 0 && r->valid)
		diag_warning(ck->ld, &r->indicator.sp, W_NO_PERMISSIONS,
		             "resource declares no permission");

	for (ref = r->default_scope; ref; ref = ref->next) {
		ref->target = strmap_get(pm, ref->name.s, ref->name.len);
		if (ref->target < 0 && !ref->name.bad) {
			struct suggest sg;
			suggest_init(&sg, ref->name.s, ref->name.len);
			for (p = r->perms; p; p = p->next)
				suggest_offer(&sg, p->name.s, p->name.len);
			diag(ck->ld, &ref->name.sp, WRIT_SEVERITY_ERROR, E_UNDECLARED_PERM,
			     did_you_mean(ck, &sg),
			     "default-scope names %s, which this resource does not declare",
			     q(ck, &ref->name));
		}
	}
	check_routes(ck->ld, r, pm);
}

static void check_resources(struct checker *ck)
{
	struct ast_resource *deflt = NULL;
	uint32_t next_perm = 0;
	size_t i;

	for (i = 0; i < ck->ld->ast.nresources && !ck->ld->oom; i++)
		check_resource(ck, ck->resources[i], i, &next_perm, &deflt);
}

/* ---- roles ---- */

static long find_resource(struct checker *ck, const struct ast_text *t)
{
	struct suggest sg;
	long r = strmap_get(&ck->resource_map, t->s, t->len);
	size_t i;

	if (r >= 0 || t->bad)
		return r;
	suggest_init(&sg, t->s, t->len);
	for (i = 0; i < ck->ld->ast.nresources; i++)
		suggest_offer(&sg, ck->resources[i]->indicator.s,
		              ck->resources[i]->indicator.len);
	diag(ck->ld, &t->sp, WRIT_SEVERITY_ERROR, E_UNKNOWN, did_you_mean(ck, &sg),
	     "unknown resource %s", q(ck, t));
	return -1;
}

struct pair {
	uint32_t perm;
	uint32_t order; /* grant order, to report the later repeat */
	const struct ast_ref *perm_ref;
	const struct ast_ref *res_ref;
};

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->perm != y->perm)
		return x->perm < y->perm ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Resolve a role's grants into its sorted, unique permission ids. */
static void check_role_grants(struct checker *ck, struct ast_role *role)
{
	struct pair *pairs = NULL;
	size_t n = 0, cap = 0, i, out;
	struct ast_grant *g;
	struct ast_ref *rr, *pr;

	for (g = role->grants; g; g = g->next) {
		for (rr = g->resources; rr; rr = rr->next) {
			long ri = find_resource(ck, &rr->name);
			rr->target = ri;
			if (ri < 0)
				continue;
			for (pr = g->perms; pr; pr = pr->next) {
				long local = strmap_get(&ck->perm_maps[ri], pr->name.s, pr->name.len);
				if (local < 0 && pr->name.bad)
					continue;
				if (local < 0) {
					struct ast_permission *p;
					struct suggest sg;
					suggest_init(&sg, pr->name.s, pr->name.len);
					for (p = ck->resources[ri]->perms; p; p = p->next)
						suggest_offer(&sg, p->name.s, p->name.len);
					diag(ck->ld, &pr->name.sp, WRIT_SEVERITY_ERROR,
					     E_UNDECLARED_PERM, did_you_mean(ck, &sg),
					     "resource %s declares no permission %s",
					     q(ck, &rr->name), q(ck, &pr->name));
					continue;
				}
				if (n == cap) {
					struct pair *np;
					cap = cap ? cap * 2 : 16;
					np = realloc(pairs, cap * sizeof(*np));
					if (!np) {
						free(pairs);
						oom(ck);
						return;
					}
					pairs = np;
				}
				pairs[n].perm = ck->resources[ri]->perm_base + (uint32_t)local;
				pairs[n].order = (uint32_t)n;
				pairs[n].perm_ref = pr;
				pairs[n].res_ref = rr;
				n++;
			}
		}
	}
	if (n > 1) /* qsort(NULL, 0, ...) is undefined */
		qsort(pairs, n, sizeof(*pairs), pair_cmp);
	role->perm_ids = arena_alloc(&ck->ld->arena, (n ? n : 1) * sizeof(uint32_t));
	if (!role->perm_ids) {
		free(pairs);
		oom(ck);
		return;
	}
	for (i = 0, out = 0; i < n; i++) {
		if (out > 0 && role->perm_ids[out - 1] == pairs[i].perm) {
			diag_warning(ck->ld, &pairs[i].perm_ref->name.sp, W_GRANT_TWICE,
			             "role grants %s on %s twice",
			             q(ck, &pairs[i].perm_ref->name), q(ck, &pairs[i].res_ref->name));
			continue;
		}
		role->perm_ids[out++] = pairs[i].perm;
		ck->perms[pairs[i].perm]->granted = true;
	}
	role->nperm_ids = out;
	free(pairs);
}

static void check_roles(struct checker *ck)
{
	struct ast_policy *ast = &ck->ld->ast;
	struct ast_role *role;
	size_t i = 0;
	long prev;

	size_t bytes = 1, at = 0;

	for (role = ast->roles; role; role = role->next)
		bytes += role->name.len + 1;
	ck->roles = calloc(ast->nroles + 1, sizeof(*ck->roles));
	ck->role_seen = calloc(ast->nroles + 1, sizeof(*ck->role_seen));
	ck->role_kind = calloc(ast->nroles + 1, sizeof(*ck->role_kind));
	ck->role_assigned = calloc(ast->nroles + 1, sizeof(*ck->role_assigned));
	ck->role_names = malloc(bytes);
	if (!ck->roles || !ck->role_seen || !ck->role_kind || !ck->role_assigned ||
	    !ck->role_names || !strmap_init(&ck->role_map, ast->nroles)) {
		oom(ck);
		return;
	}
	for (role = ast->roles; role && !ck->ld->oom; role = role->next, i++) {
		char *key = ck->role_names + at;

		memcpy(key, role->name.s, role->name.len + 1);
		at += role->name.len + 1;
		ck->roles[i] = role;
		ck->role_kind[i] = role->kind;
		check_text(ck, &role->name, "role name", false);
		prev = strmap_put(&ck->role_map, key, role->name.len, (uint32_t)i);
		if (prev == -2) {
			oom(ck);
			return;
		}
		if (prev >= 0)
			duplicate(ck, "role", &role->name, &ck->roles[prev]->name);
		role->valid = prev == -1;
		check_role_grants(ck, role);
	}
}

/* ---- apps and users ---- */

/*
 * Below these a stolen policy file gives up its secrets too cheaply: scrypt
 * with less memory than writ hash-secret uses (128 * r * 2^ln bytes, 32 MiB
 * at ln=15, r=8), PBKDF2-SHA256 with fewer iterations than OWASP's 2023
 * figure.
 */
enum {
	SECRET_SCRYPT_MIN_R_N_LOG2 = 18, /* log2(r * N) for r=8, N=2^15 */
	SECRET_PBKDF2_MIN_ITERATIONS = 600000,
};

static void check_secret_strength(struct checker *ck, const struct ast_secret *s,
                                  const struct secret_hash *h)
{
	if (h->scheme == SECRET_HASH_SCRYPT &&
	    ((uint64_t)h->r << h->ln) < ((uint64_t)1 << SECRET_SCRYPT_MIN_R_N_LOG2))
		diag(ck->ld, &s->hash.sp, WRIT_SEVERITY_WARNING, W_WEAK_SECRET_HASH,
		     "make it again with `writ hash-secret` (ln=15, r=8, p=1)",
		     "the secret hash is weak: scrypt with ln=%u, r=%u uses less than 32 MiB",
		     h->ln, h->r);
	else if (h->scheme == SECRET_HASH_PBKDF2_SHA256 &&
	         h->iterations < SECRET_PBKDF2_MIN_ITERATIONS)
		diag(ck->ld, &s->hash.sp, WRIT_SEVERITY_WARNING, W_WEAK_SECRET_HASH,
		     "make it again with `writ hash-secret`",
		     "the secret hash is weak: PBKDF2-SHA256 with %lu iterations, fewer than 600000",
		     (unsigned long)h->iterations);
}

static void check_secret(struct checker *ck, struct ast_secret *s)
{
	struct secret_hash h;
	bool plaintext;
	const char *why_expiry;
	const char *why = s->hash.bad ? NULL
	                              : parse_secret_hash(s->hash.s, s->hash.len, &h, &plaintext);

	if (why && plaintext) {
		diag(ck->ld, &s->hash.sp, WRIT_SEVERITY_ERROR, E_PLAINTEXT_SECRET,
		     "store the hash that `writ hash-secret` prints, never the secret",
		     "app secret is not a hash: a plaintext secret is refused");
	} else if (why) {
		diag_error(ck->ld, &s->hash.sp, E_BAD_SECRET_HASH,
		           "malformed secret hash: %s", why);
	} else if (!s->hash.bad && (why = secret_hash_beyond_caps(&h)) != NULL) {
		/* It would load, and never let the app in. */
		diag_error(ck->ld, &s->hash.sp, E_BAD_SECRET_HASH,
		           "malformed secret hash: %s, beyond what writ computes to check a secret",
		           why);
	} else if (!s->hash.bad) {
		check_secret_strength(ck, s, &h);
	}
	/* Expiry is worth a warning only for a good hash: a plaintext or
	 * malformed one has its error already. */
	if (s->expires.s && !s->expires.bad) {
		why_expiry = parse_time(s->expires.s, s->expires.len, &s->expires_at);
		if (why_expiry)
			diag_error(ck->ld, &s->expires.sp, E_BAD_TIME,
			           "invalid expiry time: %s", why_expiry);
		else if (s->expires_at <= ck->now && !s->hash.bad && !why)
			diag(ck->ld, &s->expires.sp, WRIT_SEVERITY_WARNING, W_SECRET_EXPIRED,
			     "remove the secret, or give it a later expiry",
			     "the secret has already expired: it can never authenticate");
	}
}

static void check_principal_roles(struct checker *ck, struct ast_principal *p,
                                  uint32_t stamp)
{
	const char *noun = p->kind == AST_APPS ? "app" : "user";
	struct ast_ref *ref;

	for (ref = p->roles; ref; ref = ref->next) {
		struct ast_role *role;
		long ri = strmap_get(&ck->role_map, ref->name.s, ref->name.len);

		if (ri < 0 && ref->name.bad)
			continue;
		if (ri < 0) {
			struct suggest sg;
			size_t i;
			suggest_init(&sg, ref->name.s, ref->name.len);
			for (i = 0; i < ck->ld->ast.nroles; i++)
				if (ck->roles[i]->kind == p->kind)
					suggest_offer(&sg, ck->roles[i]->name.s, ck->roles[i]->name.len);
			diag(ck->ld, &ref->name.sp, WRIT_SEVERITY_ERROR, E_UNKNOWN,
			     did_you_mean(ck, &sg), "unknown role %s", q(ck, &ref->name));
			continue;
		}
		role = ck->roles[ri];
		if (ck->role_kind[ri] != p->kind) {
			diag_error(ck->ld, &ref->name.sp, E_ROLE_KIND,
			           "role %s is for %s; %s %s cannot hold it",
			           q(ck, &role->name), role->kind == AST_APPS ? "apps" : "users",
			           noun, q(ck, &p->id));
			diag_note(ck->ld, &role->name.sp, "role %s is declared here",
			          q(ck, &role->name));
			continue;
		}
		if (ck->role_seen[ri] == stamp) {
			diag_warning(ck->ld, &ref->name.sp, W_ROLE_TWICE,
			             "role %s is given to %s %s twice", q(ck, &role->name),
			             noun, q(ck, &p->id));
			continue;
		}
		ck->role_seen[ri] = stamp;
		ref->target = ri;
		ck->role_assigned[ri] = true;
	}
}

static void check_principals(struct checker *ck, struct ast_principal *list,
                             size_t count, struct strmap *map, uint32_t *stamp)
{
	struct ast_principal *p, **byindex;
	struct ast_secret *s;
	size_t i = 0;
	long prev;

	byindex = calloc(count + 1, sizeof(*byindex));
	if (!byindex || !strmap_init(map, count)) {
		free(byindex);
		oom(ck);
		return;
	}
	for (p = list; p && !ck->ld->oom; p = p->next, i++) {
		const char *noun = p->kind == AST_APPS ? "app" : "user";
		byindex[i] = p;
		check_text(ck, &p->id, p->kind == AST_APPS ? "client id" : "user id",
		           p->kind == AST_APPS);
		prev = strmap_put(map, p->id.s, p->id.len, (uint32_t)i);
		if (prev == -2) {
			oom(ck);
			break;
		}
		if (prev >= 0)
			duplicate(ck, noun, &p->id, &byindex[prev]->id);
		for (s = p->secrets; s; s = s->next)
			check_secret(ck, s);
		++*stamp;
		check_principal_roles(ck, p, *stamp);
		if (!p->roles && prev == -1)
			diag_warning(ck->ld, &p->id.sp, W_NO_ROLES,
			             "%s %s holds no role, so it is granted nothing",
			             noun, q(ck, &p->id));
	}
	free(byindex);
}

/* ---- what nothing uses ---- */

static void check_unused(struct checker *ck)
{
	struct ast_policy *ast = &ck->ld->ast;
	size_t i;

	for (i = 0; i < ast->nperms; i++) {
		struct ast_permission *p = ck->perms[i];
		/* Duplicates were reported as errors already. */
		if (p && p->valid && !p->granted)
			diag_warning(ck->ld, &p->name.sp, W_PERM_UNGRANTED,
			             "no role grants permission %s", q(ck, &p->name));
	}
	for (i = 0; i < ast->nroles; i++)
		ck->roles[i]->assigned = ck->role_assigned[i];
	for (i = 0; i < ast->nroles; i++)
		if (ck->roles[i]->valid && !ck->roles[i]->assigned)
			diag_warning(ck->ld, &ck->roles[i]->name.sp, W_ROLE_UNASSIGNED,
			             "role %s is given to no %s", q(ck, &ck->roles[i]->name),
			             ck->roles[i]->kind == AST_APPS ? "app" : "user");
}

/*
 * An app that can be granted every permission of a resource (of more than
 * one) is worth a look: least privilege is usually a subset. An info, since
 * an administrative app may well be meant to.
 *
 * The work for an app is proportional to what it holds: a permission counts
 * toward its resource the first time the app holds it (its held is stamped
 * with the app's number, never cleared), and only the resources the app
 * touched are looked at.
 */
struct reach_perm {
	uint32_t held;       /* the app number that holds it */
	uint32_t resource;   /* its resource index */
};

/* A role's permission ids, gathered in one array: the role nodes lie
 * all over the load's arena, and every app reads its roles'. */
struct reach_role {
	const uint32_t *ids;
	size_t n;
};

struct reach {
	struct reach_perm *perm; /* per permission id (one cache line, not two) */
	struct reach_role *role; /* per role index */
	uint32_t *count;     /* per resource: permissions the app holds */
	uint32_t *touched;   /* resources the app holds a permission of */
	bool *eligible;      /* per resource: valid, > 1 permission, all valid */
	uint32_t *size;      /* per resource: its permissions */
};

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void check_app_reach(struct checker *ck, const struct ast_principal *app,
                            struct reach *rc, uint32_t app_no)
{
	const struct ast_ref *ref;
	size_t j, ntouched = 0, nall = 0;

	for (ref = app->roles; ref; ref = ref->next) {
		const struct reach_role *role;
		if (ref->target < 0)
			continue;
		role = &rc->role[ref->target];
		for (j = 0; j < role->n; j++) {
			struct reach_perm *p = &rc->perm[role->ids[j]];
			if (p->held == app_no)
				continue;
			p->held = app_no;
			if (rc->count[p->resource]++ == 0)
				rc->touched[ntouched++] = p->resource;
		}
	}
	/* Keep the resources held in full, in resource order, and clear the
	 * counts for the next app. */
	for (j = 0; j < ntouched; j++) {
		uint32_t ri = rc->touched[j];
		if (rc->eligible[ri] && rc->count[ri] == rc->size[ri])
			rc->touched[nall++] = ri;
		rc->count[ri] = 0;
	}
	if (nall > 1)
		qsort(rc->touched, nall, sizeof(*rc->touched), u32_cmp);
	for (j = 0; j < nall; j++)
		diag(ck->ld, &app->id.sp, WRIT_SEVERITY_INFO, W_APP_HOLDS_ALL,
		     "check that it needs them all; a narrower role limits what a leaked secret can do",
		     "app %s can be granted every permission of %s", q(ck, &app->id),
		     q(ck, &ck->resources[rc->touched[j]]->indicator));
}

static void check_apps_reach(struct checker *ck)
{
	size_t nperms = ck->ld->ast.nperms, nres = ck->ld->ast.nresources, i;
	const struct ast_principal *app;
	const struct ast_permission *p;
	uint32_t app_no = 0;
	struct reach rc;

	if (!nperms)
		return;
	rc.perm = calloc(nperms, sizeof(*rc.perm));
	rc.role = calloc(ck->ld->ast.nroles + 1, sizeof(*rc.role));
	rc.count = calloc(nres, sizeof(*rc.count));
	rc.touched = calloc(nres, sizeof(*rc.touched));
	rc.eligible = calloc(nres, sizeof(*rc.eligible));
	rc.size = calloc(nres, sizeof(*rc.size));
	if (!rc.perm || !rc.role || !rc.count || !rc.touched || !rc.eligible || !rc.size) {
		oom(ck);
		goto out;
	}
	for (i = 0; i < nres; i++) {
		const struct ast_resource *r = ck->resources[i];
		bool all = r->valid && r->nperms > 1;
		for (p = r->perms; p; p = p->next) {
			rc.perm[p->id].resource = (uint32_t)i;
			rc.size[i]++;
			all = all && p->valid;
		}
		rc.eligible[i] = all;
	}
	for (i = 0; i < ck->ld->ast.nroles; i++) {
		rc.role[i].ids = ck->roles[i]->perm_ids;
		rc.role[i].n = ck->roles[i]->nperm_ids;
	}
	for (app = ck->ld->ast.apps; app; app = app->next)
		check_app_reach(ck, app, &rc, ++app_no);
out:
	free(rc.perm);
	free(rc.role);
	free(rc.count);
	free(rc.touched);
	free(rc.eligible);
	free(rc.size);
}

void check_policy(struct loader *ld)
{
	struct checker ck;
	uint32_t stamp = 0;
	size_t i;

	memset(&ck, 0, sizeof(ck));
	ck.ld = ld;
	ck.now = (int64_t)time(NULL);
	check_issuers(&ck);
	check_trusts(&ck);
	if (index_resources(&ck))
		check_resources(&ck);
	if (!ld->oom)
		check_roles(&ck);
	if (!ld->oom)
		check_principals(&ck, ld->ast.apps, ld->ast.napps, &ck.app_map, &stamp);
	if (!ld->oom)
		check_principals(&ck, ld->ast.users, ld->ast.nusers, &ck.user_map, &stamp);
	if (!ld->oom)
		check_unused(&ck);
	if (!ld->oom)
		check_stacks(ld);
	/* Infos only for a policy without errors: they are about what it
	 * means, and an error can change that. */
	for (i = 0; !ld->oom && !ld->errors && i < ld->ast.nresources; i++)
		check_routes_unrequired(ld, ck.resources[i]);
	if (!ld->oom && !ld->errors)
		check_apps_reach(&ck);

	strmap_free(&ck.resource_map);
	if (ck.perm_maps)
		for (i = 0; i < ld->ast.nresources; i++)
			strmap_free(&ck.perm_maps[i]);
	free(ck.perm_maps);
	strmap_free(&ck.role_map);
	if (!ld->oom && !ld->errors) {
		ld->principal_maps[0] = ck.app_map;
		ld->principal_maps[1] = ck.user_map;
	} else {
		strmap_free(&ck.app_map);
		strmap_free(&ck.user_map);
	}
	free(ck.resources);
	free(ck.roles);
	free(ck.perms);
	free(ck.role_seen);
	free(ck.role_names);
	free(ck.role_kind);
	free(ck.role_assigned);
}
