/* context.h: what a stack decides on (context.c), shared with modules. */
#ifndef WRIT_CONTEXT_H
#define WRIT_CONTEXT_H

#include "stack.h"

struct t_principal;

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
};

/* requested ∩ declared ∩ held into the granted set (the rbac module). */
void context_grant_ceiling(const writ_context *c);
/* Run the facility's stack; the result is WRIT_MODULE_SUCCESS or not. */
int context_run(writ_context *c, writ_trace *tr);
double context_now(const struct writ_request *req);
/* Is req (NULL or filled in by the caller) one this version can read? */
bool context_request_ok(const struct writ_request *req);
/* The app or user id in the policy: WRIT_OK, WRIT_ENOPRINCIPAL, WRIT_EINVAL. */
int context_lookup_principal(const struct writ_policy *t, enum writ_principal_kind kind,
                             const char *id, const struct t_principal **p);
/* A grant for a known principal and resource through the grant stack. */
int context_grant(const struct writ_policy *t, const struct t_principal *p,
                  enum writ_principal_kind kind, uint32_t r, const char *scope,
                  size_t scope_len, const struct writ_request *req, writ_trace *tr,
                  char *out, size_t out_size, size_t *out_len);

#endif
