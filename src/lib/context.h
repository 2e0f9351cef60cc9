/* context.h: what a stack decides on (context.c), shared with modules. */
#ifndef WRIT_CONTEXT_H
#define WRIT_CONTEXT_H

#include <string.h>

#include "stack.h"

struct t_principal;
struct t_route;

struct writ_context {
	const struct writ_policy *policy;
	int facility;
	const struct t_principal *principal; /* client and grant */
	enum writ_principal_kind kind;
	long resource;                       /* -1 for the client facility */
	const char *requested;               /* grant: the request (or defaults) */
	size_t requested_len;
	const writ_token *token;             /* access */
	const struct writ_request *req;      /* may be NULL; its time, or the clock */
	uint64_t *granted;                   /* grant: narrowed by modules */
	size_t granted_words;
	/* access through writ_authorize(): the winning route, whose
	 * requirement `scope` with no arguments enforces (NULL: none). */
	const struct t_route *route;
	/* Where `scope` writes, on a deny, the scope(s) the token lacks
	 * (scope_needed_size bytes, the caller's; NULL: nobody asks). */
	char *scope_needed;
	size_t scope_needed_size;
	/* client, for the token endpoint's fast path: when not NULL, `secret`
	 * runs no slow hash; it sets *slow_needed where it would. */
	bool *slow_needed;
	/* client: where `secret` puts WRIT_ENOMEM or WRIT_ECRYPTO when it
	 * could not check a secret (NULL: nobody asks). */
	int *fault;
};

/* Where a module may stand: every facility. */
#define MODULE_ANY_FACILITY \
	((1u << WRIT_FACILITY_CLIENT) | (1u << WRIT_FACILITY_GRANT) | (1u << WRIT_FACILITY_ACCESS))

/* A module argument "key=value": the value when arg starts with key=. */
static inline const char *module_arg(const char *arg, const char *key)
{
	size_t k = strlen(key);

	return strncmp(arg, key, k) == 0 && arg[k] == '=' ? arg + k + 1 : NULL;
}

/*
 * writ_check() without its validation, for callers whose claim and
 * required scopes were checked already (a verified token; a stack line's
 * arguments at load): WRIT_OK or WRIT_EDENIED with *missing.
 */
int scope_claim_holds(const char *claim, size_t claim_len, const char *const *required,
                      size_t nrequired, size_t *missing);

/* requested ∩ declared ∩ held into the granted set (the rbac module). */
void context_grant_ceiling(const writ_context *c);
/* A trace's record of one run: clear (emptied), begin (emptied; on a grant, the granted set
 * as it starts), each line as stack_run hears it (trace is the argument),
 * and the verdict from the run's status. */
struct t_line;
void trace_clear(writ_trace *tr);
void trace_begin(writ_trace *tr, const writ_context *c);
void trace_add(void *trace, const writ_context *c, const struct t_line *line, int result,
               const char *action, const char *reason);
void trace_end(writ_trace *tr, int status);
/* Run the facility's stack; the result is WRIT_MODULE_SUCCESS or not. */
int context_run(writ_context *c, writ_trace *tr);
double context_now(const struct writ_request *req);
/* Is req (NULL or filled in by the caller) one this version can read? */
bool context_request_ok(const struct writ_request *req);
/* The app or user id in the policy: WRIT_OK, WRIT_ENOPRINCIPAL, WRIT_EINVAL. */
int context_lookup_principal(const struct writ_policy *t, enum writ_principal_kind kind,
                             const char *id, const struct t_principal **p);

/* writ_authenticate(), and for the token endpoint's fast path: with
 * slow_needed not NULL, *slow_needed is set when the answer needs a slow
 * secret hash, which is then not run. */
int context_authenticate(const struct writ_policy *t, const char *client_id,
                         const struct writ_request *req, writ_trace *tr, bool *slow_needed);
/* A grant for a known principal and resource through the grant stack. */
int context_grant(const struct writ_policy *t, const struct t_principal *p,
                  enum writ_principal_kind kind, uint32_t r, const char *scope,
                  size_t scope_len, const struct writ_request *req, writ_trace *tr,
                  char *out, size_t out_size, size_t *out_len);

#endif
