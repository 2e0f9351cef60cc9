/*
 * authorize.c: the gateway decision (writ.h, writ_authorize): one HTTP
 * request to a resource, from its method, target and Authorization header
 * to the status and WWW-Authenticate challenge of the answer (RFC 6750 §3).
 *
 * The order is deliberate. A public route needs nothing of the caller, so
 * it is decided before the header is read. Every other answer, the route
 * or its absence included, comes only after the token is verified, so
 * that an unauthenticated caller learns nothing of the routes.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bearer.h"
#include "context.h"
#include "path.h"
#include "route.h"
#include "table.h"
#include "util.h"
#include "writ.h"

struct writ_decision {
	unsigned status;
	bool allowed, has_token;
	const char *error; /* static */
	const char *route; /* the policy's text: no copy per decision */
	char *description, *scope, *challenge;
	writ_token *token; /* kept across calls */
	writ_trace *trace; /* the caller's, or NULL */
};

writ_decision *writ_decision_new(void)
{
	writ_decision *d = calloc(1, sizeof(*d));

	if (d && !(d->token = writ_token_new())) {
		free(d);
		return NULL;
	}
	return d;
}

static void decision_reset(writ_decision *d)
{
	free(d->description);
	free(d->scope);
	free(d->challenge);
	d->description = d->scope = d->challenge = NULL;
	d->route = NULL;
	d->status = 0;
	d->allowed = d->has_token = false;
	d->error = NULL;
	if (d->trace)
		trace_clear(d->trace);
}

void writ_decision_free(writ_decision *d)
{
	if (!d)
		return;
	d->trace = NULL; /* the caller's, and maybe freed already */
	decision_reset(d);
	writ_token_free(d->token);
	free(d);
}

int writ_decision_allowed(const writ_decision *d)
{
	return d && d->allowed;
}

unsigned writ_decision_status(const writ_decision *d)
{
	return d ? d->status : 0;
}

const char *writ_decision_error(const writ_decision *d)
{
	return d ? d->error : NULL;
}

const char *writ_decision_description(const writ_decision *d)
{
	return d ? d->description : NULL;
}

const char *writ_decision_scope(const writ_decision *d)
{
	return d ? d->scope : NULL;
}

const char *writ_decision_challenge(const writ_decision *d)
{
	return d ? d->challenge : NULL;
}

const char *writ_decision_route(const writ_decision *d)
{
	return d ? d->route : NULL;
}

void writ_decision_set_trace(writ_decision *d, writ_trace *trace)
{
	if (d)
		d->trace = trace;
}

const writ_token *writ_decision_token(const writ_decision *d)
{
	return d && d->allowed && d->has_token ? d->token : NULL;
}

/* ---- making the answer ---- */

static int allow(writ_decision *d)
{
	d->status = 200;
	d->allowed = true;
	return WRIT_OK;
}

/*
 * A refusal: status, error (NULL: none), description and scope (may be
 * NULL), and its challenge for realm. RFC 6750 §3 puts a description
 * only beside an error code, so without one the challenge is the realm.
 */
static int refuse(writ_decision *d, const char *realm, unsigned status, const char *error,
                  const char *description, const char *scope)
{
	struct buf b;
	int rc;

	d->status = status;
	d->error = error;
	if ((description && !(d->description = strdup(description))) ||
	    (scope && !(d->scope = strdup(scope))))
		goto oom;
	if (!error)
		description = scope = NULL;
	buf_init(&b);
	rc = bearer_challenge_buf(&b, realm, error, description, scope);
	if (rc == WRIT_OK && !(d->challenge = buf_steal(&b)))
		rc = WRIT_ENOMEM;
	buf_free(&b);
	if (rc == WRIT_OK)
		return WRIT_OK;
	decision_reset(d);
	return rc;
oom:
	decision_reset(d);
	return WRIT_ENOMEM;
}

/* ---- the access stack ---- */

/* What the stack's run tells: the first line whose failure fixed the
 * status, its reason, and what a scope line found missing then. */
struct verdict {
	writ_trace *trace; /* also told every line, when not NULL */
	bool failed, by_scope;
	char reason[160];
	char needed[1024]; /* written by `scope` (context.h) */
	char scope[1024];  /* the needed scopes of the failing line */
};

static void hear_line(void *arg, const writ_context *c, const struct t_line *line, int result,
                      const char *action, const char *reason)
{
	struct verdict *v = arg;

	if (v->trace)
		trace_add(v->trace, c, line, result, action, reason);
	if (v->failed || (strcmp(action, "bad") != 0 && strcmp(action, "die") != 0))
		return;
	v->failed = true;
	snprintf(v->reason, sizeof(v->reason), "%s", reason ? reason : "");
	/* `scope` fills needed only on a deny: an error (no token) is no
	 * missing scope. */
	v->by_scope = strcmp(line->module->name, "scope") == 0 && v->needed[0];
	if (v->by_scope)
		memcpy(v->scope, v->needed, sizeof(v->scope));
}

static int run_access(const writ_policy *t, long r, const struct t_route *route,
                      const writ_token *token, const struct writ_request *req, const char *realm,
                      writ_decision *d)
{
	struct verdict v;
	writ_context c;
	int status;

	memset(&v, 0, sizeof(v));
	memset(&c, 0, sizeof(c));
	c.policy = t;
	c.facility = WRIT_FACILITY_ACCESS;
	c.resource = r;
	c.token = token;
	c.req = req;
	c.route = route;
	c.scope_needed = v.needed;
	c.scope_needed_size = sizeof(v.needed);
	v.trace = d->trace;
	if (v.trace)
		trace_begin(v.trace, &c);
	status = stack_run(stack_for(t, r, WRIT_FACILITY_ACCESS), &c, hear_line, &v);
	if (v.trace)
		trace_end(v.trace, status);
	if (status == WRIT_MODULE_SUCCESS)
		return allow(d);
	if (v.by_scope)
		return refuse(d, realm, 403, "insufficient_scope", v.reason, v.scope);
	return refuse(d, realm, 403, NULL, v.failed ? v.reason : "the access stack denies", NULL);
}

/* ---- the decision ---- */

static int decide(const writ_policy *t, const writ_verifier *v, uint32_t r,
                  const char *method, const char *target, const char *authorization,
                  const struct writ_request *req, writ_decision *d)
{
	char path[PATH_MAX_LEN + 1], why[160], desc[PATH_MAX_LEN + 128];
	const char *realm = t->resources[r].indicator, *tok;
	const struct t_route *route;
	struct writ_request local;
	size_t path_len, tok_len;
	int rc;

	rc = path_normalize(target, strlen(target), path, sizeof(path), &path_len, why, sizeof(why));
	if (rc == WRIT_EINVAL) {
		snprintf(desc, sizeof(desc), "the request path is refused: %s", why);
		return refuse(d, realm, 400, "invalid_request", desc, NULL);
	}
	if (rc != WRIT_OK)
		return rc; /* the buffer always suffices */

	route = route_match(t, (uint32_t)r, method, path, path_len);
	if (route)
		d->route = route_text(route);
	if (route && route_is_public(route))
		return allow(d);

	/* RFC 6750 §3.1: a request without credentials gets no error code. */
	if (!authorization)
		return refuse(d, realm, 401, NULL, NULL, NULL);
	if (bearer_token(authorization, strlen(authorization), &tok, &tok_len, why, sizeof(why)) !=
	    WRIT_OK)
		return refuse(d, realm, 400, "invalid_request", why, NULL);
	rc = writ_verify(v, tok, tok_len, d->token);
	if (rc == WRIT_ETOKEN)
		return refuse(d, realm, 401, "invalid_token", writ_token_reason(d->token), NULL);
	if (rc != WRIT_OK) {
		decision_reset(d);
		return rc;
	}
	d->has_token = true;

	if (!route && !route_unrouted_token(t, (uint32_t)r)) {
		snprintf(desc, sizeof(desc), "no route of this resource allows %.32s %s", method, path);
		return refuse(d, realm, 403, "insufficient_scope", desc, NULL);
	}

	/* The stack's modules see the path that was matched. */
	if (req)
		local = *req;
	else
		memset(&local, 0, sizeof(local));
	local.size = sizeof(local);
	local.method = method;
	local.path = path;
	return run_access(t, r, route, d->token, &local, realm, d);
}

/* The decision emptied; are the arguments beside the resource usable? */
static bool prepared(const writ_policy *t, const char *method, const char *target,
                     const struct writ_request *req, writ_decision *d)
{
	decision_reset(d);
	return t && method && method[0] && target && context_request_ok(req);
}

int authorize_resource(const writ_policy *t, const writ_verifier *v, long r,
                       const char *method, const char *target, const char *authorization,
                       const struct writ_request *req, writ_decision *d)
{
	if (!d)
		return WRIT_EINVAL;
	if (!prepared(t, method, target, req, d))
		return WRIT_EINVAL;
	if (r < 0)
		return WRIT_ENORESOURCE;
	if (!v)
		return WRIT_EINVAL;
	return decide(t, v, (uint32_t)r, method, target, authorization, req, d);
}

int writ_authorize(const writ_policy *t, const writ_verifier *v, const char *resource,
                   const char *method, const char *target, const char *authorization,
                   const struct writ_request *req, writ_decision *d)
{
	long r = resource ? writ_resource_find(t, resource) : writ_resource_default(t);

	return authorize_resource(t, v, r, method, target, authorization, req, d);
}
