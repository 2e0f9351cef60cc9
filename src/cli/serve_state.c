/*
 * serve_state.c: what one load of the policy serves (serve.h): the
 * policy, the current signing key, the key set and the metadata documents,
 * and the swap of one load for the next.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli.h"
#include "serve.h"

/* What writ generates for a missing key file (--generate-missing-keys). */
#define GENERATED_ALG "ES256"

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct served *current;

static void served_free(struct served *s)
{
	writ_signer_free(s->signer);
	free(s->jwks);
	free(s->metadata);
	free(s->token_path);
	free(s->jwks_path);
	free(s->oidc_config_path);
	free(s->as_metadata_path);
	writ_gateway_free(s->gateway);
	writ_policy_unref(s->policy);
	free(s);
}

struct served *served_ref(struct served *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void served_put(struct served *s)
{
	if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
		served_free(s);
}

struct served *served_current(void)
{
	struct served *s;

	pthread_mutex_lock(&current_lock);
	s = current ? served_ref(current) : NULL;
	pthread_mutex_unlock(&current_lock);
	return s;
}

void served_install(struct served *s)
{
	struct served *old;

	pthread_mutex_lock(&current_lock);
	old = current;
	current = s;
	pthread_mutex_unlock(&current_lock);
	served_put(old);
}

static char *concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

/* The path of an issuer identifier (RFC 8414 §2: scheme, host, optional
 * path, no query or fragment), without a trailing slash: "" for none. */
static const char *issuer_path(const char *issuer, size_t *len)
{
	const char *host = strstr(issuer, "://"), *path;

	path = host ? strchr(host + 3, '/') : NULL;
	if (!path) {
		*len = 0;
		return "";
	}
	*len = strlen(path);
	while (*len > 0 && path[*len - 1] == '/')
		(*len)--;
	return path;
}

static bool make_paths(struct served *s, const char *issuer)
{
	size_t n;
	const char *path = issuer_path(issuer, &n);
	char *prefix = strndup(path, n);

	if (!prefix)
		return false;
	s->token_path = concat(prefix, "/token");
	s->jwks_path = concat(prefix, "/jwks");
	s->oidc_config_path = concat(prefix, "/.well-known/openid-configuration");
	/* RFC 8414 §3.1: the well-known part goes before the issuer's path. */
	s->as_metadata_path = concat("/.well-known/oauth-authorization-server", prefix);
	free(prefix);
	return s->token_path && s->jwks_path && s->oidc_config_path && s->as_metadata_path;
}

/* Does the (short) array of strings a hold s? */
static bool has_string(const json_t *a, const char *s)
{
	size_t i;

	for (i = 0; i < json_array_size(a); i++)
		if (strcmp(json_string_value(json_array_get(a, i)), s) == 0)
			return true;
	return false;
}

/* Append each distinct permission name of the policy to a, in order. */
static bool add_scopes(json_t *a, const writ_policy *p)
{
	json_t *seen = json_object(); /* a set: hashed, for policies of 100k names */
	size_t r, i;
	bool ok = seen != NULL;

	for (r = 0; ok && r < writ_resource_count(p); r++) {
		for (i = 0; ok && i < writ_resource_permission_count(p, r); i++) {
			const char *name = writ_resource_permission(p, r, i);
			if (json_object_get(seen, name))
				continue;
			ok = json_object_set_new(seen, name, json_true()) == 0 &&
			     json_array_append_new(a, json_string(name)) == 0;
		}
	}
	json_decref(seen);
	return ok;
}

/* RFC 8414 §2 metadata, served at both discovery paths. There is no
 * registered member for the algorithms of access tokens, so they are named
 * as other servers name them; the key set's alg members say the same. */
static bool make_metadata(struct served *s, json_t *algs)
{
	const char *iss = writ_issuer(s->policy);
	char *token = concat(iss, "/token"), *jwks = concat(iss, "/jwks");
	json_t *m = NULL, *scopes = json_array();
	bool ok = false;

	if (token && jwks && scopes && add_scopes(scopes, s->policy))
		m = json_pack("{s:s, s:s, s:s, s:[s], s:[ss], s:[], s:O, s:O}",
		              "issuer", iss,
		              "token_endpoint", token,
		              "jwks_uri", jwks,
		              "grant_types_supported", "client_credentials",
		              "token_endpoint_auth_methods_supported", "client_secret_basic",
		              "client_secret_post",
		              "response_types_supported",
		              "scopes_supported", scopes,
		              "access_token_signing_alg_values_supported", algs);
	if (m && (s->metadata = json_dumps(m, JSON_COMPACT)) != NULL) {
		s->metadata_len = strlen(s->metadata);
		ok = true;
	}
	json_decref(m);
	json_decref(scopes);
	free(token);
	free(jwks);
	return ok;
}

static const char *state_name(enum writ_key_state st)
{
	return st == WRIT_KEY_CURRENT ? "current" : st == WRIT_KEY_NEXT ? "next" : "previous";
}

/* Create a missing key file when asked to. false when the key cannot be
 * had (logged). */
static bool ensure_key(const struct serve_config *cfg, const char *path)
{
	struct stat st;
	char err[256];

	if (stat(path, &st) == 0 || errno != ENOENT || !cfg->generate_keys)
		return true; /* writ_signer_load() says what is wrong, if anything */
	if (writ_key_generate(GENERATED_ALG, path, err, sizeof(err)) != WRIT_OK) {
		serve_logf("cannot generate signing key %s: %s", path, err);
		return false;
	}
	serve_log("key_generated", json_pack("{s:s, s:s, s:s}", "path", path, "alg", GENERATED_ALG,
	                                     "mode", "0600"));
	return true;
}

/* The index of the first key of the set with this kid. */
static size_t same_kid(const json_t *keys, const char *kid)
{
	size_t i;

	for (i = 0; i < json_array_size(keys); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(keys, i), "kid")), kid) == 0)
			break;
	return i;
}

/* Load every signing key: the current one signs, all are published. */
static bool load_keys(struct served *s, const struct serve_config *cfg)
{
	const writ_policy *p = s->policy;
	size_t n = writ_issuer_key_count(p), i;
	json_t *keys = json_array(), *algs = json_array(), *doc = NULL;
	bool ok = false;

	if (n == 0) {
		serve_logf("the issuer declares no signing key: add a line such as "
		           "`signing-key \"issuer.pem\" current;` to its block");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *path = writ_issuer_key_path(p, i);
		writ_signer *signer = NULL;
		char err[256], *jwk;
		size_t other;
		json_t *v;

		if (!ensure_key(cfg, path))
			goto out;
		if (writ_signer_load(path, writ_issuer_key_kid(p, i), &signer, err, sizeof(err)) !=
		    WRIT_OK) {
			serve_logf("signing key %s (%s): %s", path, state_name(writ_issuer_key_state(p, i)),
			           err);
			goto out;
		}
		jwk = writ_signer_public_jwk(signer);
		v = jwk ? json_loads(jwk, 0, NULL) : NULL;
		free(jwk);
		if (!v || json_array_append_new(keys, v) != 0) {
			writ_signer_free(signer);
			goto out;
		}
		/* Two keys with one kid would make a token's key ambiguous. */
		if ((other = same_kid(keys, writ_signer_kid(signer))) < i) {
			serve_logf("signing keys %s and %s have the same kid: the same key twice?",
			           writ_issuer_key_path(p, other), path);
			writ_signer_free(signer);
			goto out;
		}
		if (!has_string(algs, writ_signer_alg(signer)))
			json_array_append_new(algs, json_string(writ_signer_alg(signer)));
		if (writ_issuer_key_state(p, i) == WRIT_KEY_CURRENT)
			s->signer = signer;
		else
			writ_signer_free(signer);
	}
	if (!(doc = json_pack("{s:O}", "keys", keys)) ||
	    !(s->jwks = json_dumps(doc, JSON_COMPACT)))
		goto out;
	s->jwks_len = strlen(s->jwks);
	ok = make_metadata(s, algs);
out:
	json_decref(doc);
	json_decref(keys);
	json_decref(algs);
	return ok;
}

static void log_diagnostics(const writ_diagnostics *d)
{
	size_t i;

	for (i = 0; i < writ_diagnostics_count(d); i++) {
		char *text = writ_diagnostic_render(d, i);
		if (text) {
			/* The first line is the message; the rest is a source excerpt. */
			char *nl = strchr(text, '\n');
			if (nl)
				*nl = '\0';
			serve_log("diagnostic", json_pack("{s:s}", "message", text));
		}
		free(text);
	}
}

/*
 * /authz decides against the served keys and every issuer the policy
 * trusts. A reload takes over the key sets the running state fetched, so a
 * JWKS URL that fails now keeps its last good set. Fetch failures are
 * logged; the service starts anyway, and those issuers' tokens are refused
 * until a fetch succeeds.
 */
static bool make_gateway(struct served *s, writ_keyset *keys)
{
	struct served *running = served_current();
	struct writ_gateway_options o;
	char err[256], why[256];
	size_t i;
	int rc;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.own_keys = keys;
	o.previous = running ? running->gateway : NULL;
	rc = writ_gateway_new(s->policy, &o, &s->gateway, err, sizeof(err));
	if (running)
		served_put(running);
	if (rc != WRIT_OK) {
		serve_log("trust_failed", json_pack("{s:s}", "error", err));
		return false;
	}
	for (i = 0; i < writ_gateway_issuer_count(s->gateway); i++) {
		json_t *f = json_pack("{s:s, s:i}", "issuer", writ_gateway_issuer(s->gateway, i),
		                      "keys", (int)writ_gateway_issuer_keys(s->gateway, i));

		if (f && writ_gateway_issuer_error(s->gateway, i, why, sizeof(why)))
			json_object_set_new(f, "error", json_string(why));
		serve_log("trusted_issuer", f);
	}
	if (writ_gateway_start(s->gateway) != WRIT_OK) {
		serve_logf("the thread that refreshes JWKS URLs cannot start: out of memory");
		return false;
	}
	return true;
}

struct served *served_load(const struct serve_config *cfg)
{
	struct writ_load_options opt = { sizeof(opt), cfg->module_dir };
	writ_diagnostics *d = writ_diagnostics_new();
	struct served *s = calloc(1, sizeof(*s));
	char err[256];
	writ_keyset *keys;
	bool made;
	int rc;

	if (!s || !d) {
		serve_logf("out of memory");
		goto fail;
	}
	atomic_init(&s->refs, 1);
	rc = writ_policy_load_ex((const char *const *)cfg->policy_paths, cfg->npolicy_paths, &opt, d, &s->policy);
	if (rc != WRIT_OK) {
		log_diagnostics(d);
		serve_logf("the policy cannot be loaded: %s", writ_strerror(rc));
		goto fail;
	}
	if (!writ_issuer(s->policy)) {
		serve_logf("the policy declares no issuer: writ serve needs an issuer block "
		           "with its identifier and a signing-key");
		goto fail;
	}
	if (!load_keys(s, cfg))
		goto fail;
	if (writ_keyset_load(s->jwks, s->jwks_len, &keys, err, sizeof(err)) != WRIT_OK) {
		serve_logf("the served key set does not load: %s", err);
		goto fail;
	}
	/* The gateway takes its own reference to the keys. */
	made = make_gateway(s, keys);
	writ_keyset_unref(keys);
	if (!made)
		goto fail; /* logged */
	if (!make_paths(s, writ_issuer(s->policy))) {
		serve_logf("out of memory");
		goto fail;
	}
	writ_diagnostics_free(d);
	return s;
fail:
	writ_diagnostics_free(d);
	if (s)
		served_free(s);
	return NULL;
}
