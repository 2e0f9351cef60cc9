/*
 * modules.c: the built-in modules. Each is a struct writ_module, exactly
 * as a loadable module would export it.
 *
 *   secret   client   the app's hashed secrets (scrypt or PBKDF2), expiry
 *   rbac     grant    requested ∩ declared ∩ held: the only way a scope
 *                     enters the granted set
 *   scope    access   the token's scope claim holds every argument; with
 *                     none, under writ_authorize(), the route's requirement
 *   claim    access   name=CLAIM (in=V1,V2,... | equals=V)
 *   network  any      allow=CIDR,... and/or deny=CIDR,... on the peer address
 *   time     any      days=mon-fri hours=09:00-17:00 tz=Europe/Paris
 *   permit   any      always success
 *   deny     any      always deny
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "route.h"
#include "secret.h"
#include "secret_cache.h"
#include "table.h"
#include "validate.h"

/* ---- permit, deny ---- */

static int permit_decide(const void *state, const writ_context *ctx, char *reason, size_t n)
{
	(void)state;
	(void)ctx;
	put_reason(reason, n, "%s", "always");
	return WRIT_MODULE_SUCCESS;
}

static int deny_decide(const void *state, const writ_context *ctx, char *reason, size_t n)
{
	(void)state;
	(void)ctx;
	put_reason(reason, n, "%s", "always");
	return WRIT_MODULE_DENY;
}

static const struct writ_module mod_permit = {
	WRIT_MODULE_TAG, WRIT_MODULE_ABI, "permit", MODULE_ANY_FACILITY, NULL, permit_decide, NULL,
};
static const struct writ_module mod_deny = {
	WRIT_MODULE_TAG, WRIT_MODULE_ABI, "deny", MODULE_ANY_FACILITY, NULL, deny_decide, NULL,
};

/* ---- rbac ---- */

static int rbac_decide(const void *state, const writ_context *ctx, char *reason, size_t n)
{
	(void)state;
	if (!ctx->principal || ctx->resource < 0) {
		put_reason(reason, n, "%s", "no principal or resource");
		return WRIT_MODULE_ERROR;
	}
	context_grant_ceiling(ctx);
	/* Downscoping is no refusal: unknown and unheld scopes are dropped. */
	put_reason(reason, n, "%s", "requested scopes the resource declares and the roles hold");
	return WRIT_MODULE_SUCCESS;
}

static const struct writ_module mod_rbac = {
	WRIT_MODULE_TAG, WRIT_MODULE_ABI, "rbac", 1u << WRIT_FACILITY_GRANT,
	NULL, rbac_decide, NULL,
};

/* ---- argument lists shared by the modules below ---- */

struct strings {
	int n;
	char **v;
};

static void strings_free(void *p)
{
	struct strings *s = p;
	int i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	free(s);
}

static struct strings *strings_new(int n)
{
	struct strings *s = calloc(1, sizeof(*s));

	if (s && n > 0 && !(s->v = calloc((size_t)n, sizeof(*s->v)))) {
		free(s);
		return NULL;
	}
	return s;
}

/* ---- scope ---- */

static int scope_open(int argc, const char *const *argv, void **state, char *err,
                      size_t errlen, int *bad)
{
	struct strings *s = strings_new(argc);
	int i;

	if (!s) {
		put_reason(err, errlen, "%s", "out of memory");
		return -1;
	}
	for (i = 0; i < argc; i++) {
		if (!writ_scope_token_valid(argv[i], strlen(argv[i]))) {
			snprintf(err, errlen, "\"%s\" is not a scope-token", argv[i]);
			*bad = i;
			strings_free(s);
			return -1;
		}
		if (!(s->v[s->n] = strdup(argv[i]))) {
			strings_free(s);
			put_reason(err, errlen, "%s", "out of memory");
			return -1;
		}
		s->n++;
	}
	*state = s;
	return 0;
}

/* Tell the caller of the stack what a deny lacked (ctx->scope_needed):
 * the names of ids[0..n), space-separated, as many whole ones as fit. */
static void scope_note(const writ_context *ctx, const char *const *names, const uint32_t *ids,
                       size_t n)
{
	size_t i, used = 0;

	if (!ctx->scope_needed || ctx->scope_needed_size == 0)
		return;
	ctx->scope_needed[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *name = names ? names[i] : ctx->policy->perms[ids[i]].name;
		size_t len = strlen(name), sep = used ? 1 : 0;
		if (used + sep + len >= ctx->scope_needed_size)
			break;
		if (sep)
			ctx->scope_needed[used] = ' ';
		memcpy(ctx->scope_needed + used + sep, name, len + 1);
		used += sep + len;
	}
}

/* No arguments, under writ_authorize(): the route's requirement, every
 * permission (`requires`) or one of them (`requires any`). */
static int scope_route(const writ_context *ctx, const char *claim, size_t claim_len,
                       char *reason, size_t n)
{
	const uint32_t *ids;
	size_t nids = route_permissions(ctx->route, &ids), i;
	bool any = route_requires_any(ctx->route);

	for (i = 0; i < nids; i++) {
		const struct t_perm *p = &ctx->policy->perms[ids[i]];
		bool held = scope_claim_holds(claim, claim_len, &p->name, 1, NULL) == WRIT_OK;
		if (any && held) {
			put_reason(reason, n, "the route's scope %s is granted", p->name);
			return WRIT_MODULE_SUCCESS;
		}
		if (!any && !held) {
			scope_note(ctx, NULL, &ids[i], 1);
			put_reason(reason, n, "insufficient scope: %s is not granted", p->name);
			return WRIT_MODULE_DENY;
		}
	}
	if (!any || nids == 0) {
		put_reason(reason, n, "%s", "every scope the route requires is granted");
		return WRIT_MODULE_SUCCESS;
	}
	scope_note(ctx, NULL, ids, nids);
	put_reason(reason, n, "%s", "insufficient scope: none of the route's scopes is granted");
	return WRIT_MODULE_DENY;
}

static int scope_decide(const void *state, const writ_context *ctx, char *reason, size_t n)
{
	const struct strings *s = state;
	const char *claim = ctx->token ? writ_token_scope(ctx->token) : NULL;
	size_t missing = 0, claim_len;
	int rc;

	if (!claim) {
		put_reason(reason, n, "%s", "no verified token");
		return WRIT_MODULE_ERROR;
	}
	claim_len = strlen(claim);
	if ((!s || s->n == 0) && ctx->route)
		return scope_route(ctx, claim, claim_len, reason, n);
	if (!s || s->n == 0) {
		put_reason(reason, n, "%s", "nothing required");
		return WRIT_MODULE_SUCCESS;
	}
	/* The verifier validated the claim, scope_open() the arguments. */
	rc = scope_claim_holds(claim, claim_len, (const char *const *)s->v, (size_t)s->n,
	                       &missing);
	if (rc == WRIT_OK) {
		put_reason(reason, n, "%s", "every required scope is granted");
		return WRIT_MODULE_SUCCESS;
	}
	scope_note(ctx, (const char *const *)&s->v[missing], NULL, 1);
	put_reason(reason, n, "insufficient scope: %s is not granted", s->v[missing]);
	return WRIT_MODULE_DENY;
}

static const struct writ_module mod_scope = {
	WRIT_MODULE_TAG, WRIT_MODULE_ABI, "scope", 1u << WRIT_FACILITY_ACCESS,
	scope_open, scope_decide, strings_free,
};

/* ---- claim ---- */

/* v[0] is the claim name; v[1..] the values it may equal. */
static int claim_open(int argc, const char *const *argv, void **state, char *err,
                      size_t errlen, int *bad)
{
	const char *name = NULL, *values = NULL, *v;
	struct strings *s;
	int i, nvalues = 1;

	for (i = 0; i < argc; i++) {
		if ((v = module_arg(argv[i], "name")) && !name) {
			name = v;
		} else if (((v = module_arg(argv[i], "in")) || (v = module_arg(argv[i], "equals"))) &&
		           !values) {
			values = v;
			if (strncmp(argv[i], "equals=", 7) == 0 && strchr(v, ',')) {
				snprintf(err, errlen, "equals= takes one value; use in=A,B for several");
				*bad = i;
				return -1;
			}
		} else {
			snprintf(err, errlen, "unknown or repeated argument \"%s\": "
			         "claim takes name=CLAIM and in=V1,V2 or equals=V", argv[i]);
			*bad = i;
			return -1;
		}
	}
	if (!name || !*name || !values || !*values) {
		snprintf(err, errlen, "claim needs name=CLAIM and in=V1,V2 (or equals=V)");
		return -1;
	}
	for (v = values; *v; v++)
		nvalues += *v == ',';
	s = strings_new(nvalues + 1);
	if (!s || !(s->v[0] = strdup(name)))
		goto oom;
	s->n = 1;
	for (v = values;;) {
		const char *end = strchr(v, ',');
		size_t len = end ? (size_t)(end - v) : strlen(v);
		if (len == 0) {
			snprintf(err, errlen, "an empty value in \"%s\"", values);
			strings_free(s);
			return -1;
		}
		if (!(s->v[s->n] = strndup(v, len)))
			goto oom;
		s->n++;
		if (!end)
			break;
		v = end + 1;
	}
	*state = s;
	return 0;
oom:
	strings_free(s);
	put_reason(err, errlen, "%s", "out of memory");
	return -1;
}

static int claim_decide(const void *state, const writ_context *ctx, char *reason, size_t n)
{
	const struct strings *s = state;
	const char *value = writ_context_claim(ctx, s->v[0]);
	int i;

	if (!value) {
		if (n)
			snprintf(reason, n, "claim %s is absent or not a string", s->v[0]);
		return WRIT_MODULE_DENY;
	}
	for (i = 1; i < s->n; i++) {
		if (strcmp(value, s->v[i]) == 0) {
			if (n)
				snprintf(reason, n, "claim %s is one of the allowed values", s->v[0]);
			return WRIT_MODULE_SUCCESS;
		}
	}
	if (n)
		snprintf(reason, n, "claim %s has another value", s->v[0]);
	return WRIT_MODULE_DENY;
}

static const struct writ_module mod_claim = {
	WRIT_MODULE_TAG, WRIT_MODULE_ABI, "claim", 1u << WRIT_FACILITY_ACCESS,
	claim_open, claim_decide, strings_free,
};

/* ---- secret ---- */

static bool secret_expired(const struct t_secret *s, double now)
{
	return s->expires_at && now >= (double)s->expires_at;
}

/* Was the presented secret proven before against one of the app's secrets
 * that has not expired since? An entry for one that has is dropped. */
static bool secret_cached(struct secret_cache *c, const struct t_principal *p,
                          const struct secret_tag *tag, double now)
{
	uint32_t i;

	if (!secret_cache_lookup(c, tag, &i))
		return false;
	if (i < p->nsecrets && !secret_expired(&p->secrets[i], now))
		return true;
	secret_cache_forget(c, tag, i);
	return false;
}

static int secret_decide(const void *state, const writ_context *ctx, char *reason, size_t n)
{
	const struct t_principal *p = ctx->principal;
	struct secret_cache *cache = ctx->policy ? ctx->policy->secret_cache : NULL;
	struct secret_tag tag;
	const char *presented;
	size_t len = 0;
	uint32_t i;
	bool expired = false, tried = false;
	double now = writ_context_time(ctx);

	(void)state;
	presented = writ_context_client_secret(ctx, &len);
	if (!p || !presented) {
		put_reason(reason, n, "%s", "no client secret presented");
		return WRIT_MODULE_DENY;
	}
	/* The token endpoint sees the same apps again and again: a secret the
	 * policy's cache saw match costs no second slow hash. The reason does
	 * not say so, for a trace must not depend on what the process did
	 * before. Failures are never cached: every guess pays the hash. */
	if (cache && !secret_cache_tag(cache, p->id, strlen(p->id), presented, len, &tag))
		cache = NULL;
	if (cache && secret_cached(cache, p, &tag, now)) {
		put_reason(reason, n, "%s", "the secret matches");
		return WRIT_MODULE_SUCCESS;
	}
	if (ctx->slow_needed) {
		/* The token endpoint's fast path: the hash is left to others. */
		*ctx->slow_needed = true;
		put_reason(reason, n, "%s", "the secret is not proven yet");
		return WRIT_MODULE_DENY;
	}
	/* Every unexpired secret is tried (rotation keeps two alive). */
	for (i = 0; i < p->nsecrets; i++) {
		const struct t_secret *s = &p->secrets[i];
		int rc;
		if (secret_expired(s, now)) {
			expired = true;
			continue;
		}
		tried = true;
		atomic_fetch_add_explicit(&secret_verify_calls, 1, memory_order_relaxed);
		rc = secret_verify(s->hash, strlen(s->hash), presented, len);
		if (rc == WRIT_OK) {
			if (cache)
				secret_cache_insert(cache, &tag, i);
			put_reason(reason, n, "%s", "the secret matches");
			return WRIT_MODULE_SUCCESS;
		}
		if (rc == WRIT_ECRYPTO || rc == WRIT_ENOMEM) {
			/* OpenSSL failed (out of memory, say): no answer either way. */
			if (ctx->fault)
				*ctx->fault = rc;
			put_reason(reason, n, "the secret could not be checked: %s",
			           writ_strerror(rc));
			return WRIT_MODULE_ERROR;
		}
	}
	/* No secret to try (none, or all expired): do the work a wrong secret
	 * costs anyway, as the token endpoint does for an unknown client, so
	 * that the time of the answer does not tell these apps apart. */
	if (!tried) {
		atomic_fetch_add_explicit(&secret_verify_calls, 1, memory_order_relaxed);
		(void)secret_verify(secret_dummy_hash, strlen(secret_dummy_hash), presented, len);
	}
	put_reason(reason, n, "%s", expired ? "the secret does not match an unexpired one"
	                       : "the secret does not match");
	return WRIT_MODULE_DENY;
}

static const struct writ_module mod_secret = {
	WRIT_MODULE_TAG, WRIT_MODULE_ABI, "secret", 1u << WRIT_FACILITY_CLIENT,
	NULL, secret_decide, NULL,
};

/* ---- the registry ---- */

extern const struct writ_module mod_network, mod_time;

const struct writ_module *const builtin_modules[] = {
	&mod_secret, &mod_rbac, &mod_scope, &mod_claim, &mod_network, &mod_time,
	&mod_permit, &mod_deny, NULL,
};

const struct writ_module *module_builtin(const char *name)
{
	size_t i;

	for (i = 0; builtin_modules[i]; i++)
		if (strcmp(builtin_modules[i]->name, name) == 0)
			return builtin_modules[i];
	return NULL;
}
