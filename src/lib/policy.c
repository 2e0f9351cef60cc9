/*
 * policy.c: the public face of a policy: loading (read, check, compile),
 * reference counting, result codes, versions and read-only iteration.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "snapshot.h"
#include "suppress.h"
#include "table.h"

const char *writ_strerror(int code)
{
	switch (code) {
	case WRIT_OK:
		return "success";
	case WRIT_ENOMEM:
		return "out of memory";
	case WRIT_EINVAL:
		return "invalid argument";
	case WRIT_EIO:
		return "a policy file could not be read";
	case WRIT_EPOLICY:
		return "the policy has errors";
	case WRIT_ENOPRINCIPAL:
		return "no such app or user";
	case WRIT_ENORESOURCE:
		return "no such resource";
	case WRIT_ERANGE:
		return "output buffer too small";
	case WRIT_EMALFORMED:
		return "malformed scope string";
	case WRIT_EDENIED:
		return "denied";
	case WRIT_ETOKEN:
		return "the token is rejected";
	case WRIT_EKEY:
		return "a key or key set is unusable";
	case WRIT_ECRYPTO:
		return "the cryptographic library failed";
	case WRIT_EAGAIN:
		return "the answer needs a slow step: ask again without the fast-only flag";
	}
	return "unknown error";
}

static int finish_load(struct loader *ld, writ_diagnostics *diags,
                       size_t first_diag, writ_policy **out)
{
	int rc = WRIT_OK;

	if (!ld->oom)
		check_policy(ld);
	if (!ld->oom)
		suppress_apply(ld, first_diag);
	if (ld->oom)
		rc = WRIT_ENOMEM;
	else if (ld->errors > 0)
		rc = ld->io_error ? WRIT_EIO : WRIT_EPOLICY;
	else {
		loader_drop_texts(ld);
		rc = compile_policy(ld, out);
	}
	diagnostics_sort(diags, first_diag, ld->sources);
	diagnostics_redact(diags, first_diag, ld->secrets, ld->nsecrets);
	loader_free(ld);
	return rc;
}

int writ_policy_load(const char *const *paths, size_t npaths, unsigned flags,
                     writ_diagnostics *diags, writ_policy **out)
{
	if (out)
		*out = NULL;
	if (flags != 0)
		return WRIT_EINVAL;
	return writ_policy_load_ex(paths, npaths, NULL, diags, out);
}

int writ_policy_load_ex(const char *const *paths, size_t npaths,
                        const struct writ_load_options *options,
                        writ_diagnostics *diags, writ_policy **out)
{
	struct loader ld;
	size_t i, first = writ_diagnostics_count(diags);

	if (!out)
		return WRIT_EINVAL;
	*out = NULL;
	if (!paths || npaths == 0 || (options && options->size < sizeof(*options)))
		return WRIT_EINVAL;
	for (i = 0; i < npaths; i++)
		if (!paths[i] || !paths[i][0])
			return WRIT_EINVAL;
	/* A compiled snapshot is a whole policy: alone, it is loaded as one. */
	for (i = 0; i < npaths; i++) {
		if (!snapshot_detect(paths[i]))
			continue;
		if (npaths > 1)
			return snapshot_refuse_mixed(paths[i], diags);
		return snapshot_load(paths[i],
		                     options && options->module_dir ? options->module_dir : MODULEDIR,
		                     diags, out);
	}
	loader_init(&ld, diags);
	ld.module_dir = options && options->module_dir ? options->module_dir : MODULEDIR;
	for (i = 0; i < npaths && !ld.oom; i++)
		loader_read_path(&ld, paths[i], NULL, NULL, 0);
	return finish_load(&ld, diags, first, out);
}

int writ_policy_load_buffer(const char *name, const char *data, size_t len,
                            unsigned flags, writ_diagnostics *diags,
                            writ_policy **out)
{
	struct loader ld;
	size_t first = writ_diagnostics_count(diags);

	if (!out)
		return WRIT_EINVAL;
	*out = NULL;
	if (flags != 0 || !name || (!data && len))
		return WRIT_EINVAL;
	loader_init(&ld, diags);
	ld.module_dir = MODULEDIR;
	loader_read_buffer(&ld, name, data ? data : "", len);
	return finish_load(&ld, diags, first, out);
}

writ_policy *writ_policy_ref(writ_policy *t)
{
	if (t)
		atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
	return t;
}

void writ_policy_unref(writ_policy *t)
{
	if (t && atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
		table_free(t);
}

/* ---- iteration ---- */

const char *writ_issuer(const writ_policy *t)
{
	return t ? t->issuer : NULL;
}

uint32_t writ_issuer_token_ttl(const writ_policy *t)
{
	return t ? t->issuer_ttl : 0;
}

size_t writ_issuer_key_count(const writ_policy *t)
{
	return t ? t->nkeys : 0;
}

const char *writ_issuer_key_path(const writ_policy *t, size_t i)
{
	return t && i < t->nkeys ? t->keys[i].path : NULL;
}

enum writ_key_state writ_issuer_key_state(const writ_policy *t, size_t i)
{
	return t && i < t->nkeys ? (enum writ_key_state)t->keys[i].state : 0;
}

const char *writ_issuer_key_kid(const writ_policy *t, size_t i)
{
	return t && i < t->nkeys ? t->keys[i].kid : NULL;
}

size_t writ_resource_count(const writ_policy *t)
{
	return t ? t->nresources : 0;
}

long writ_resource_find(const writ_policy *t, const char *indicator)
{
	if (!t || !indicator)
		return -1;
	return strmap_get(&t->resource_map, indicator, strlen(indicator));
}

long writ_resource_default(const writ_policy *t)
{
	return t ? t->default_resource : -1;
}

static const struct t_resource *resource(const writ_policy *t, size_t r)
{
	return t && r < t->nresources ? &t->resources[r] : NULL;
}

const char *writ_resource_indicator(const writ_policy *t, size_t r)
{
	const struct t_resource *res = resource(t, r);
	return res ? res->indicator : NULL;
}

const char *writ_resource_name(const writ_policy *t, size_t r)
{
	const struct t_resource *res = resource(t, r);
	return res ? res->name : NULL;
}

const char *writ_resource_description(const writ_policy *t, size_t r)
{
	const struct t_resource *res = resource(t, r);
	return res ? res->description : NULL;
}

uint32_t writ_resource_token_ttl(const writ_policy *t, size_t r)
{
	const struct t_resource *res = resource(t, r);
	if (!res)
		return 0;
	return res->ttl ? res->ttl : t->issuer_ttl;
}

size_t writ_resource_permission_count(const writ_policy *t, size_t r)
{
	const struct t_resource *res = resource(t, r);
	return res ? res->perm_count : 0;
}

static const struct t_perm *permission(const writ_policy *t, size_t r, size_t i)
{
	const struct t_resource *res = resource(t, r);
	return res && i < res->perm_count ? &t->perms[res->perm_base + i] : NULL;
}

const char *writ_resource_permission(const writ_policy *t, size_t r, size_t i)
{
	const struct t_perm *p = permission(t, r, i);
	return p ? p->name : NULL;
}

const char *writ_resource_permission_description(const writ_policy *t, size_t r,
                                                 size_t i)
{
	const struct t_perm *p = permission(t, r, i);
	return p ? p->description : NULL;
}

const char *writ_resource_default_scope(const writ_policy *t, size_t r)
{
	const struct t_resource *res = resource(t, r);
	return res ? res->default_scope : NULL;
}

size_t writ_role_count(const writ_policy *t)
{
	return t ? t->nroles : 0;
}

long writ_role_find(const writ_policy *t, const char *name)
{
	if (!t || !name)
		return -1;
	return strmap_get(&t->role_map, name, strlen(name));
}

static const struct t_role *role(const writ_policy *t, size_t i)
{
	return t && i < t->nroles ? &t->roles[i] : NULL;
}

const char *writ_role_name(const writ_policy *t, size_t i)
{
	const struct t_role *r = role(t, i);
	return r ? r->name : NULL;
}

const char *writ_role_description(const writ_policy *t, size_t i)
{
	const struct t_role *r = role(t, i);
	return r ? r->description : NULL;
}

enum writ_principal_kind writ_role_kind(const writ_policy *t, size_t i)
{
	const struct t_role *r = role(t, i);
	return r ? r->kind : 0;
}

size_t writ_role_grant_count(const writ_policy *t, size_t i)
{
	const struct t_role *r = role(t, i);
	return r ? r->nperms : 0;
}

int writ_role_grant(const writ_policy *t, size_t i, size_t g, size_t *res,
                    size_t *perm)
{
	const struct t_role *r = role(t, i);
	const struct t_perm *p;
	uint32_t id;

	if (!r || g >= r->nperms || !res || !perm)
		return WRIT_EINVAL;
	id = t->role_perms[r->perms + g];
	p = &t->perms[id];
	*res = p->resource;
	*perm = id - t->resources[p->resource].perm_base;
	return WRIT_OK;
}

static const struct t_principal *principal(const writ_policy *t,
                                           enum writ_principal_kind kind, size_t i)
{
	if (!t || (kind != WRIT_PRINCIPAL_APP && kind != WRIT_PRINCIPAL_USER) ||
	    i >= t->nprincipals[kind - 1])
		return NULL;
	return &t->principals[kind - 1][i];
}

size_t writ_principal_count(const writ_policy *t, enum writ_principal_kind kind)
{
	if (!t || (kind != WRIT_PRINCIPAL_APP && kind != WRIT_PRINCIPAL_USER))
		return 0;
	return t->nprincipals[kind - 1];
}

long writ_principal_find(const writ_policy *t, enum writ_principal_kind kind,
                         const char *id)
{
	if (!t || !id || (kind != WRIT_PRINCIPAL_APP && kind != WRIT_PRINCIPAL_USER))
		return -1;
	return strmap_get(&t->principal_map[kind - 1], id, strlen(id));
}

const char *writ_principal_id(const writ_policy *t, enum writ_principal_kind kind,
                              size_t i)
{
	const struct t_principal *p = principal(t, kind, i);
	return p ? p->id : NULL;
}

const char *writ_principal_name(const writ_policy *t,
                                enum writ_principal_kind kind, size_t i)
{
	const struct t_principal *p = principal(t, kind, i);
	return p ? p->name : NULL;
}

const char *writ_principal_description(const writ_policy *t,
                                       enum writ_principal_kind kind, size_t i)
{
	const struct t_principal *p = principal(t, kind, i);
	return p ? p->description : NULL;
}

size_t writ_principal_role_count(const writ_policy *t,
                                 enum writ_principal_kind kind, size_t i)
{
	const struct t_principal *p = principal(t, kind, i);
	return p ? p->nroles : 0;
}

long writ_principal_role(const writ_policy *t, enum writ_principal_kind kind,
                         size_t i, size_t j)
{
	const struct t_principal *p = principal(t, kind, i);
	if (!p || j >= p->nroles)
		return -1;
	return (long)t->principal_roles[p->roles + j];
}
