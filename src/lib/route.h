/*
 * route.h: the routes of a resource (`route GET "/payments/{id}" requires
 * read:payment;`): their semantic check, their compiled form in the
 * decision table, and the matcher that picks the route of a request.
 *
 * Specificity, the one rule both the check and the matcher use: templates
 * are compared segment by segment from the left, a literal beating a
 * parameter and a parameter beating the wildcard (*); the first segment
 * that differs decides; when one template is a prefix of the other, the
 * longer wins. Between equal templates, a route with a method list beats
 * one for `any`. The table keeps each resource's routes sorted this way,
 * so the first route that matches a request is the one that wins.
 */
#ifndef WRIT_ROUTE_H
#define WRIT_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "writ.h"

struct loader;
struct strmap;
struct writ_policy;

/* One route of the decision table, in the table's arena. */
struct t_route {
	const struct ast_seg *segs;   /* strings in the table's arena */
	uint32_t nsegs;
	const char *const *methods;   /* NUL-terminated; none: any method */
	uint32_t nmethods;
	const uint32_t *perms;        /* global permission ids */
	uint32_t nperms;
	enum ast_route_rule rule;
	const char *text;             /* `route GET "/a/{id}" requires x`, for traces */
	uint32_t order;               /* declaration order in its resource */
};

/*
 * <0 when the template a[0..na) is more specific than b[0..nb), >0 when
 * less, 0 when as specific (the rule above, methods aside).
 */
int route_specificity_cmp(const struct ast_seg *a, size_t na, const struct ast_seg *b,
                          size_t nb);

/* The semantic pass over a resource's routes and its unrouted setting;
 * perms maps its permission names to their local indexes. */
void check_routes(struct loader *ld, struct ast_resource *r, const struct strmap *perms);
/* The info W019, for a resource that passed check_routes() without error. */
void check_routes_unrequired(struct loader *ld, const struct ast_resource *r);

/* Compile every resource's routes into t (after its resources). */
bool routes_compile(struct loader *ld, struct writ_policy *t);

/*
 * The route of resource that wins a request with this method (exact,
 * case-sensitive) and path (normalized by path_normalize(), len bytes), or
 * NULL when none matches: then route_unrouted_token() says what applies.
 * No allocation, no lock.
 */
const struct t_route *route_match(const struct writ_policy *t, uint32_t resource,
                                  const char *method, const char *path, size_t len);

/* `unrouted token;`: a request no route matches needs any valid token for
 * the resource; false (the default, `unrouted deny;`): it is refused. */
bool route_unrouted_token(const struct writ_policy *t, uint32_t resource);

/* `public`: no token is needed. */
bool route_is_public(const struct t_route *r);
/* `requires any ...`: one of the permissions is enough; otherwise all are
 * needed (and a public route needs none). */
bool route_requires_any(const struct t_route *r);
/* The permission ids the route names, in the order written; *ids may be
 * NULL when there are none. */
size_t route_permissions(const struct t_route *r, const uint32_t **ids);
/* The route as a canonical line, for traces and explanations. */
const char *route_text(const struct t_route *r);

/*
 * writ_authorize() for resource r of t, which the caller has already looked
 * up (writ_resource_find() or writ_resource_default(): r < t->nresources,
 * or negative when there is none): writ_authorize() itself, and the
 * gateway, which looks the resource up once, for its verifier and the
 * decision alike (authorize.c). The order of the answers: d NULL, then
 * (with the decision emptied) bad arguments beside the resource give
 * WRIT_EINVAL; a negative r WRIT_ENORESOURCE; v NULL WRIT_EINVAL. The
 * gateway passes v NULL with a negative r, making no verifier for it.
 */
int authorize_resource(const struct writ_policy *t, const writ_verifier *v, long r,
                       const char *method, const char *target, const char *authorization,
                       const struct writ_request *req, writ_decision *d);

#endif
