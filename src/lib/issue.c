/*
 * issue.c: the token endpoint's decision (writ.h, writ_token_endpoint):
 * one client_credentials request (RFC 6749 §4.4) with a resource indicator
 * (RFC 8707), from the Authorization headers and the form body to the
 * status and JSON of the answer.
 *
 * The order of the checks is deliberate. Everything that can be judged
 * from the request alone comes first (form syntax, repeated parameters,
 * grant_type, the shape of resource and scope), so a malformed request
 * costs no slow hash. Then the client is authenticated. Only then is the
 * resource looked up, so that an unauthenticated caller cannot probe which
 * resources exist. An unknown client and a wrong secret give the same
 * answer, after the same work.
 */
#include "config.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "context.h"
#include "form.h"
#include "json_strict.h"
#include "mint.h"
#include "secret.h"
#include "table.h"
#include "util.h"
#include "validate.h"
#include "writ.h"

struct writ_reply {
	unsigned status;
	const char *error; /* NULL on success */
	bool challenge, auth_failed;
	char *body;
	size_t body_len;
	char *client, *resource, *requested, *granted;
	char jti[MINT_JTI_SIZE];
	uint32_t expires_in;
};

writ_reply *writ_reply_new(void)
{
	return calloc(1, sizeof(struct writ_reply));
}

static void reply_reset(writ_reply *r)
{
	free(r->body);
	free(r->client);
	free(r->resource);
	free(r->requested);
	free(r->granted);
	memset(r, 0, sizeof(*r));
}

void writ_reply_free(writ_reply *r)
{
	if (!r)
		return;
	reply_reset(r);
	free(r);
}

unsigned writ_reply_status(const writ_reply *r)
{
	return r ? r->status : 0;
}

const char *writ_reply_body(const writ_reply *r, size_t *len)
{
	if (len)
		*len = r && r->body ? r->body_len : 0;
	return r ? r->body : NULL;
}

const char *writ_reply_error(const writ_reply *r)
{
	return r ? r->error : NULL;
}

int writ_reply_challenge(const writ_reply *r)
{
	return r && r->challenge;
}

int writ_reply_auth_failed(const writ_reply *r)
{
	return r && r->auth_failed;
}

const char *writ_reply_client(const writ_reply *r)
{
	return r ? r->client : NULL;
}

const char *writ_reply_resource(const writ_reply *r)
{
	return r ? r->resource : NULL;
}

const char *writ_reply_requested_scope(const writ_reply *r)
{
	return r ? r->requested : NULL;
}

const char *writ_reply_scope(const writ_reply *r)
{
	return r ? r->granted : NULL;
}

const char *writ_reply_jti(const writ_reply *r)
{
	return r && r->jti[0] ? r->jti : NULL;
}

uint32_t writ_reply_expires_in(const writ_reply *r)
{
	return r ? r->expires_in : 0;
}

/* Set the body to the JSON of v (consumed). */
static int reply_json(writ_reply *r, json_t *v)
{
	if (!v)
		return WRIT_ENOMEM;
	r->body = json_text(v, JSON_COMPACT);
	json_decref(v);
	if (!r->body)
		return WRIT_ENOMEM;
	r->body_len = strlen(r->body);
	return WRIT_OK;
}

/* An RFC 6749 §5.2 error answer. The description never holds a value the
 * client sent: it may be a secret, and it is echoed to whoever asked. */
static int __attribute__((format(printf, 4, 5)))
reply_error(writ_reply *r, unsigned status, const char *error, const char *fmt, ...)
{
	char desc[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	r->status = status;
	r->error = error;
	return reply_json(r, json_pack("{s:s, s:s}", "error", error, "error_description", desc));
}

/* An error answer was made: WRIT_EDENIED, unless making it failed. */
static int refuse(int rc)
{
	return rc == WRIT_OK ? WRIT_EDENIED : rc;
}

static int invalid_client(writ_reply *r)
{
	r->challenge = true;
	r->auth_failed = true;
	return reply_error(r, 401, "invalid_client", "client authentication failed");
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Keep a copy of a value for the caller's log line; a failed copy only
 * leaves the field empty. */
static void note(char **field, const char *s, size_t n)
{
	free(*field);
	*field = s ? dup_n(s, n) : NULL;
}

/* RFC 6749 appendix A.1: client_id = *VSCHAR. */
static bool vschar_text(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* Scope-tokens and spaces only (empty tokens are left to the grant). */
static bool scope_text(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && !scope_char((unsigned char)s[i]))
			return false;
	return true;
}

/* The parameters that may come once (RFC 6749 §3.2); others are ignored
 * (RFC 6749 §3.2 again: unrecognized parameters), resource is apart. */
static const char *const single_params[] = {
	"grant_type", "scope", "client_id", "client_secret",
};

struct credentials {
	char *id;     /* malloc'd */
	char *secret; /* malloc'd; wiped before it is freed */
	size_t secret_len;
};

static void credentials_free(struct credentials *c)
{
	free(c->id);
	if (c->secret)
		OPENSSL_cleanse(c->secret, c->secret_len);
	free(c->secret);
}

/*
 * The client's credentials, from one Basic header or from the body, never
 * both. Returns WRIT_OK with c filled, WRIT_EDENIED when the reply (an
 * error) is made, or WRIT_ENOMEM.
 */
static int read_credentials(const struct writ_token_request *req, const struct form *f,
                            writ_reply *r, struct credentials *c)
{
	const char *body_id = form_get(f, "client_id", NULL);
	const char *body_secret = form_get(f, "client_secret", NULL);
	char why[128];
	int rc;

	if (req->nauthorization > 1)
		return refuse(reply_error(r, 400, "invalid_request",
		                          "more than one Authorization header"));
	if (req->nauthorization == 1) {
		const char *h = req->authorization[0];
		if (!h || strncasecmp(h, "Basic ", 6) != 0) {
			r->challenge = true;
			return refuse(reply_error(r, 401, "invalid_client",
			                          "client authentication failed: use HTTP Basic or "
			                          "client_id and client_secret in the body"));
		}
		if (body_secret)
			return refuse(reply_error(r, 400, "invalid_request",
			                          "client credentials in both the Authorization header and "
			                          "the body: use one"));
		rc = form_basic_credentials(h, strlen(h), &c->id, &c->secret, &c->secret_len, why,
		                            sizeof(why));
		if (rc == WRIT_ENOMEM)
			return rc;
		if (rc != WRIT_OK)
			return refuse(reply_error(r, 400, "invalid_request", "Authorization header: %s",
			                          why));
		if (body_id && strcmp(body_id, c->id) != 0)
			return refuse(reply_error(r, 400, "invalid_request",
			                          "client_id in the body differs from the Authorization "
			                          "header's"));
		return WRIT_OK;
	}
	if (!body_id || !body_secret) {
		r->challenge = true;
		r->auth_failed = !!body_id;
		return refuse(reply_error(r, 401, "invalid_client",
		                          "client authentication failed: no client credentials"));
	}
	if (!*body_id || !vschar_text(body_id, strlen(body_id)))
		return refuse(reply_error(r, 400, "invalid_request",
		                          "client_id must be printable ASCII"));
	c->id = strdup(body_id);
	c->secret_len = strlen(body_secret);
	c->secret = dup_n(body_secret, c->secret_len);
	return c->id && c->secret ? WRIT_OK : WRIT_ENOMEM;
}

/* The checks that need no secret: form, repetition, grant_type, and the
 * shapes of resource and scope. WRIT_OK, WRIT_EDENIED (replied), ENOMEM. */
static int check_request(const struct form *f, writ_reply *r, const char **resource)
{
	const char *grant_type, *scope, *why;
	size_t i;
	int n;

	*resource = NULL;
	for (i = 0; i < sizeof(single_params) / sizeof(single_params[0]); i++) {
		form_get(f, single_params[i], &n);
		if (n > 1)
			return refuse(reply_error(r, 400, "invalid_request", "parameter %s is repeated",
			                          single_params[i]));
	}
	grant_type = form_get(f, "grant_type", NULL);
	if (!grant_type)
		return refuse(reply_error(r, 400, "invalid_request",
		                          "grant_type is missing"));
	if (strcmp(grant_type, "client_credentials") != 0)
		return refuse(reply_error(r, 400, "unsupported_grant_type",
		                          "this endpoint supports grant_type client_credentials only"));
	for (i = 0; i < f->count; i++) {
		const struct form_pair *p = &f->pairs[i];
		if (strcmp(p->name, "resource") != 0)
			continue;
		if (p->value_len > 2048) {
			return refuse(reply_error(r, 400, "invalid_target",
			                          "resource is longer than 2048 bytes"));
		}
		note(&r->resource, p->value, p->value_len);
		if ((why = validate_indicator(p->value, p->value_len)) != NULL)
			return refuse(reply_error(r, 400, "invalid_target", "resource: %s", why));
		if (*resource && strcmp(*resource, p->value) != 0)
			return refuse(reply_error(r, 400, "invalid_target",
			                          "more than one resource: a token is for one"));
		*resource = p->value;
	}
	scope = form_get(f, "scope", NULL);
	if (scope) {
		size_t len = strlen(scope);
		note(&r->requested, scope, len > 2048 ? 2048 : len);
		if (!scope_text(scope, len))
			return refuse(reply_error(r, 400, "invalid_scope",
			                          "scope holds a character outside the scope-token set "
			                          "(RFC 6749 section 3.3)"));
	}
	return WRIT_OK;
}

/* Authenticate through the client stack. WRIT_OK, WRIT_EDENIED (replied),
 * or an error. */
static int authenticate(const writ_policy *p, const struct writ_token_request *req,
                        const struct credentials *c, writ_reply *r)
{
	bool fast = req->flags & WRIT_TOKEN_FAST_ONLY, slow = false;
	struct writ_request wr;
	int rc;

	memset(&wr, 0, sizeof(wr));
	wr.size = sizeof(wr);
	wr.peer = req->peer;
	wr.now = req->now;
	wr.secret = c->secret;
	wr.secret_len = c->secret_len;
	rc = context_authenticate(p, c->id, &wr, NULL, fast ? &slow : NULL);
	if (fast && (slow || rc == WRIT_ENOPRINCIPAL))
		return WRIT_EAGAIN; /* a slow hash, or the dummy one, is needed */
	if (rc == WRIT_ENOPRINCIPAL) {
		/* The same work as a wrong secret: the cost is the answer. */
		(void)secret_verify(secret_dummy_hash, strlen(secret_dummy_hash), c->secret,
		                    c->secret_len);
		rc = WRIT_EDENIED;
	}
	if (rc == WRIT_EDENIED)
		return refuse(invalid_client(r));
	return rc;
}

static int grant_and_sign(const writ_policy *p, const writ_signer *s,
                          const struct writ_token_request *req, const char *client,
                          long res, const char *scope, writ_reply *r)
{
	struct writ_request wr;
	size_t scope_len = scope ? strlen(scope) : 0, cap, def_len, glen = 0;
	char *granted, *token = NULL;
	json_t *v;
	int rc;

	memset(&wr, 0, sizeof(wr));
	wr.size = sizeof(wr);
	wr.peer = req->peer;
	wr.now = req->now;
	/* The grant is part of the request or of the default scopes. */
	def_len = p->resources[res].default_scope_len;
	cap = (def_len > scope_len ? def_len : scope_len) + 1;
	if (!(granted = malloc(cap)))
		return WRIT_ENOMEM;
	rc = writ_grant_request(p, WRIT_PRINCIPAL_APP, client, writ_resource_indicator(p, (size_t)res),
	                        scope, scope_len, &wr, NULL, granted, cap, &glen);
	if (rc == WRIT_EMALFORMED)
		rc = refuse(reply_error(r, 400, "invalid_scope",
		                        "scope must be scope-tokens separated by single spaces"));
	else if (rc == WRIT_EDENIED)
		rc = refuse(reply_error(r, 400, "unauthorized_client",
		                        "the policy gives this client no token for this resource now"));
	if (rc != WRIT_OK)
		goto out;
	r->granted = granted;
	granted = NULL;
	r->expires_in = mint_ttl(p, res, 0);
	rc = mint_token(s, p, client, res, r->granted, glen, 0, req->now, &token, r->jti);
	if (rc != WRIT_OK)
		goto out;
	v = json_pack("{s:s, s:s, s:I}", "access_token", token, "token_type", "Bearer",
	              "expires_in", (json_int_t)r->expires_in);
	if (v && glen > 0 && json_object_set_new(v, "scope", json_string(r->granted)) != 0) {
		json_decref(v);
		v = NULL;
	}
	r->status = 200;
	rc = reply_json(r, v);
out:
	if (token)
		OPENSSL_cleanse(token, strlen(token));
	free(token);
	free(granted);
	return rc;
}

int writ_token_endpoint(const writ_policy *p, const writ_signer *s,
                        const struct writ_token_request *req, writ_reply *r)
{
	struct writ_token_request now_req;
	struct credentials c = { 0 };
	struct form f;
	const char *resource;
	char why[128];
	long res;
	int rc;

	if (!r)
		return WRIT_EINVAL;
	reply_reset(r);
	if (req && req->size >= sizeof(*req) && req->now == 0) {
		/* One reading of the clock for every step of this request. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		now_req = *req;
		now_req.now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
		req = &now_req;
	}
	if (!p || !s || !req || req->size < sizeof(*req) || (!req->body && req->body_len) ||
	    (!req->authorization && req->nauthorization) || !writ_issuer(p))
		return WRIT_EINVAL;
	rc = form_parse(req->body ? req->body : "", req->body_len, &f, why, sizeof(why));
	if (rc == WRIT_ENOMEM)
		return rc;
	if (rc != WRIT_OK)
		return reply_error(r, 400, "invalid_request", "body: %s", why);
	rc = check_request(&f, r, &resource);
	if (rc == WRIT_OK)
		rc = read_credentials(req, &f, r, &c);
	if (rc == WRIT_OK && c.id)
		note(&r->client, c.id, strlen(c.id));
	if (rc == WRIT_OK)
		rc = authenticate(p, req, &c, r);
	if (rc == WRIT_OK) {
		res = resource ? writ_resource_find(p, resource) : writ_resource_default(p);
		if (!resource && res >= 0)
			note(&r->resource, writ_resource_indicator(p, (size_t)res),
			     strlen(writ_resource_indicator(p, (size_t)res)));
		if (res < 0)
			rc = refuse(reply_error(r, 400, "invalid_target",
			                        resource ? "unknown resource"
			                        : "no resource given, and the policy has no default"));
		else
			rc = grant_and_sign(p, s, req, c.id, res, form_get(&f, "scope", NULL), r);
	}
	credentials_free(&c);
	form_free(&f);
	if (rc == WRIT_EDENIED)
		return WRIT_OK; /* an answer was made */
	if (rc != WRIT_OK)
		reply_reset(r);
	return rc;
}
