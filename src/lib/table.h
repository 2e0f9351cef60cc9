/*
 * table.h: the compiled decision table behind a writ_policy. Built once by
 * compile.c, never changed afterwards, shared by reference count.
 *
 * Every resource, permission, role, app and user is a dense index. Each
 * resource owns the permission ids [perm_base, perm_base + perm_count).
 * What a role or principal holds is a sorted list of "holds", one per
 * resource it holds anything on, each pointing at a bitset over that
 * resource's permissions.
 */
#ifndef WRIT_TABLE_H
#define WRIT_TABLE_H

#include <stdatomic.h>
#include <stdint.h>

#include "module_load.h"
#include "util.h"
#include "writ.h"

struct t_resource {
	const char *indicator, *name, *description;
	const char *default_scope; /* space-separated, "" when none */
	size_t default_scope_len;
	uint32_t ttl;              /* 0: the issuer's */
	uint32_t perm_base, perm_count;
	uint32_t routes, nroutes;  /* in table.routes, most specific first (route.h) */
	bool unrouted_token;       /* `unrouted token;` */
};

struct t_perm {
	const char *name, *description;
	uint32_t len;
	uint32_t resource;
};

/* What a role or principal holds on one resource. */
struct t_hold {
	uint32_t resource;
	uint32_t bits; /* offset of the bitset in table.bits */
};

struct t_role {
	const char *name, *description;
	enum writ_principal_kind kind;
	uint32_t perms, nperms; /* sorted permission ids in table.role_perms */
	uint32_t holds, nholds; /* in table.holds */
};

struct t_secret {
	const char *hash;   /* PHC string */
	int64_t expires_at; /* 0: never */
};

struct t_principal {
	const char *id, *name, *description;
	uint32_t roles, nroles; /* role indexes in table.principal_roles */
	uint32_t holds, nholds;
	struct t_secret *secrets; /* in the strings arena */
	uint32_t nsecrets;
};

struct t_stack;
struct t_route;
struct secret_cache;

struct t_key {
	const char *path, *kid; /* kid NULL: the thumbprint */
	int state;
};

/* A trusted issuer (trust block): its keys from a JWKS file or URL. */
struct t_trust {
	const char *issuer;
	const char *jwks;          /* a resolved file path, or the URL */
	bool url;
	uint32_t refresh_min, refresh_max; /* seconds */
	unsigned algs;             /* 1 << enum jws_alg; 0: the verifier's */
};

struct writ_policy {
	atomic_uint refs;
	struct arena strings;
	const char *issuer;
	uint32_t issuer_ttl;
	struct t_key *keys;     /* in the strings arena */
	uint32_t nkeys;
	struct t_trust *trusts; /* in the strings arena */
	uint32_t ntrusts;
	long default_resource;

	struct t_resource *resources;
	uint32_t nresources;
	struct t_perm *perms;
	uint32_t nperms;
	struct t_role *roles;
	uint32_t nroles;
	struct t_principal *principals[2]; /* [kind - 1] */
	uint32_t nprincipals[2];

	uint32_t *role_perms;
	uint32_t *principal_roles;
	struct t_hold *holds;
	size_t nholds, capholds;
	uint64_t *bits;
	size_t nbits, capbits;

	struct strmap resource_map, role_map, principal_map[2];
	struct t_route *routes;    /* every resource's, by resource */
	uint32_t nroutes;
	/* (resource, name) -> permission id + 1, open addressing */
	uint32_t *perm_slots;
	size_t perm_mask;

	/* [facility] top-level stacks, then [(r + 1) * 4 + facility] per
	 * resource (empty when the resource declares none): stack.c */
	struct t_stack *stacks;
	struct module_set modules; /* closed after the stacks' lines */
	/* The one part that changes after compile: proven app secrets, with
	 * its own locks (secret_cache.h). NULL: none, every check hashes. */
	struct secret_cache *secret_cache;
	/* A table loaded from a snapshot (snapshot.c): the file mapped
	 * read-only, which the arrays that hold no pointer (role_perms,
	 * principal_roles, holds, bits, perm_slots, route permissions) and
	 * every string point into; unmapped, not freed. NULL otherwise. */
	void *map;
	size_t map_len;
};

/* The hold of principal p on resource r, or NULL. */
const struct t_hold *table_find_hold(const struct writ_policy *t,
                                     const struct t_principal *p, uint32_t r);

void table_free(struct writ_policy *t);
/* Does any app have a secret (so the table needs a secret cache)? */
bool apps_have_secrets(const struct writ_policy *t);
/* The permission id of name on resource r, or -1. */
long table_find_perm(const struct writ_policy *t, uint32_t r, const char *name,
                     size_t len);

#endif
