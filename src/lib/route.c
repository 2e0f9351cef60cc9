/*
 * route.c: routes compiled into the decision table, and the matcher that
 * picks the route of a request (route.h). The check is in check_route.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "path.h"
#include "route.h"
#include "table.h"

int route_specificity_cmp(const struct ast_seg *a, size_t na, const struct ast_seg *b,
                          size_t nb)
{
	size_t i;

	for (i = 0; i < na && i < nb; i++)
		if (a[i].kind != b[i].kind)
			return a[i].kind > b[i].kind ? -1 : 1;
	if (na != nb)
		return na > nb ? -1 : 1;
	return 0;
}

static int route_order_cmp(const void *x, const void *y)
{
	const struct t_route *a = x, *b = y;
	int c = route_specificity_cmp(a->segs, a->nsegs, b->segs, b->nsegs);

	if (c)
		return c;
	if ((a->nmethods == 0) != (b->nmethods == 0))
		return a->nmethods ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* ---- compile ---- */

/* The canonical line of a route, for traces. */
static char *route_line_text(struct writ_policy *t, const struct ast_route *rt)
{
	const struct ast_ref *m;
	struct buf b;
	char *s;

	buf_init(&b);
	buf_puts(&b, "route ");
	if (rt->any_method)
		buf_puts(&b, "any");
	for (m = rt->methods; m; m = m->next) {
		buf_append(&b, m->name.s, m->name.len);
		if (m->next)
			buf_puts(&b, ", ");
	}
	buf_puts(&b, " ");
	buf_put_quoted(&b, rt->tmpl.s, rt->tmpl.len);
	if (rt->rule == AST_ROUTE_PUBLIC)
		buf_puts(&b, " public");
	else
		buf_puts(&b, rt->rule == AST_ROUTE_ANY ? " requires any " : " requires ");
	for (m = rt->perms; m; m = m->next) {
		buf_append(&b, m->name.s, m->name.len);
		if (m->next)
			buf_puts(&b, ", ");
	}
	s = b.oom ? NULL : arena_strndup(&t->strings, b.data, b.len);
	buf_free(&b);
	return s;
}

/*
 * The methods routes name, each kept once in the table: a policy has a
 * handful of distinct methods and hundreds of thousands of routes.
 */
enum { ROUTE_METHODS_KEPT = 32 };

struct method_set {
	const char *s[ROUTE_METHODS_KEPT];
	size_t len[ROUTE_METHODS_KEPT];
	size_t n;
};

static const char *keep_method(struct writ_policy *t, struct method_set *ms,
                               const struct ast_text *m)
{
	const char *s;
	size_t i;

	for (i = 0; i < ms->n; i++)
		if (ms->len[i] == m->len && memcmp(ms->s[i], m->s, m->len) == 0)
			return ms->s[i];
	s = arena_strndup(&t->strings, m->s, m->len);
	if (s && ms->n < ROUTE_METHODS_KEPT) {
		ms->s[ms->n] = s;
		ms->len[ms->n++] = m->len;
	}
	return s;
}

/*
 * The segments' strings: one copy of the template, each segment ended by a
 * NUL written over the '/' or '}' after it. Every segment of a checked
 * route lies inside its template (check_route.c).
 */
static bool copy_segments(struct writ_policy *t, const struct ast_route *rt,
                          struct ast_seg *segs)
{
	char *copy = arena_strndup(&t->strings, rt->tmpl.s, rt->tmpl.len);
	size_t i;

	if (!copy)
		return false;
	for (i = 0; i < rt->nsegs; i++) {
		const struct ast_seg *sg = &rt->segs[i];
		size_t at = (size_t)(sg->s - rt->tmpl.s);

		segs[i] = *sg;
		if (sg->s < rt->tmpl.s || at > rt->tmpl.len || sg->len > rt->tmpl.len - at)
			segs[i].s = arena_strndup(&t->strings, sg->s, sg->len);
		else {
			copy[at + sg->len] = '\0';
			segs[i].s = copy + at;
		}
		if (!segs[i].s)
			return false;
	}
	return true;
}

static bool compile_route(struct writ_policy *t, struct method_set *ms,
                          const struct ast_resource *r, const struct ast_route *rt,
                          struct t_route *out, uint32_t order)
{
	struct ast_seg *segs;
	const char **methods = NULL;
	uint32_t *perms = NULL;
	const struct ast_ref *m;
	size_t i = 0;

	segs = arena_alloc(&t->strings, (rt->nsegs ? rt->nsegs : 1) * sizeof(*segs));
	if (!segs || !copy_segments(t, rt, segs))
		return false;
	if (rt->nmethods) {
		methods = arena_alloc(&t->strings, rt->nmethods * sizeof(*methods));
		if (!methods)
			return false;
		for (m = rt->methods, i = 0; m; m = m->next, i++)
			if (!(methods[i] = keep_method(t, ms, &m->name)))
				return false;
	}
	for (m = rt->perms, i = 0; m; m = m->next)
		i++;
	if (i) {
		perms = arena_alloc(&t->strings, i * sizeof(*perms));
		if (!perms)
			return false;
		for (m = rt->perms, i = 0; m; m = m->next)
			perms[i++] = r->perm_base + (uint32_t)m->target;
	}
	out->segs = segs;
	out->nsegs = (uint32_t)rt->nsegs;
	out->methods = methods;
	out->nmethods = (uint32_t)rt->nmethods;
	out->perms = perms;
	out->nperms = (uint32_t)i;
	out->rule = rt->rule;
	out->order = order;
	out->text = route_line_text(t, rt);
	return out->text != NULL;
}

bool routes_compile(struct loader *ld, struct writ_policy *t)
{
	const struct ast_resource *r;
	const struct ast_route *rt;
	struct method_set ms = { .n = 0 };
	size_t total = 0;
	uint32_t ri = 0;

	for (r = ld->ast.resources; r; r = r->next)
		total += r->nroutes;
	if (total >= UINT32_MAX)
		return false;
	t->routes = calloc(total + 1, sizeof(*t->routes));
	if (!t->routes)
		return false;
	for (r = ld->ast.resources; r; r = r->next, ri++) {
		struct t_resource *tr = &t->resources[ri];
		uint32_t order = 0;

		tr->routes = t->nroutes;
		tr->unrouted_token = r->unrouted_token;
		for (rt = r->routes; rt; rt = rt->next, order++)
			if (!compile_route(t, &ms, r, rt, &t->routes[t->nroutes++], order))
				return false;
		tr->nroutes = order;
		if (order > 1)
			qsort(t->routes + tr->routes, order, sizeof(*t->routes), route_order_cmp);
	}
	return true;
}

/* ---- match ---- */

static bool method_matches(const struct t_route *r, const char *method)
{
	uint32_t i;

	if (r->nmethods == 0)
		return true;
	for (i = 0; i < r->nmethods; i++)
		if (strcmp(r->methods[i], method) == 0)
			return true;
	return false;
}

static bool template_matches(const struct t_route *r, const char *path, size_t len)
{
	const char *seg;
	size_t seglen, pos = 0;
	uint32_t i;

	for (i = 0; i < r->nsegs; i++) {
		const struct ast_seg *s = &r->segs[i];

		/* The wildcard takes one or more segments, the last maybe empty. */
		if (!path_next_segment(path, len, &pos, &seg, &seglen))
			return false;
		if (s->kind == AST_SEG_WILDCARD)
			return true;
		if (s->kind == AST_SEG_PARAM ? seglen == 0
		                             : seglen != s->len || memcmp(seg, s->s, seglen) != 0)
			return false;
	}
	return !path_next_segment(path, len, &pos, &seg, &seglen);
}

const struct t_route *route_match(const struct writ_policy *t, uint32_t resource,
                                  const char *method, const char *path, size_t len)
{
	const struct t_resource *res;
	uint32_t i;

	if (!t || !method || !path || resource >= t->nresources)
		return NULL;
	res = &t->resources[resource];
	for (i = 0; i < res->nroutes; i++) {
		const struct t_route *r = &t->routes[res->routes + i];
		if (method_matches(r, method) && template_matches(r, path, len))
			return r;
	}
	return NULL;
}

bool route_unrouted_token(const struct writ_policy *t, uint32_t resource)
{
	return writ_route_unrouted_token(t, resource) != 0;
}

bool route_is_public(const struct t_route *r)
{
	return r->rule == AST_ROUTE_PUBLIC;
}

bool route_requires_any(const struct t_route *r)
{
	return r->rule == AST_ROUTE_ANY;
}

size_t route_permissions(const struct t_route *r, const uint32_t **ids)
{
	*ids = r->perms;
	return r->nperms;
}

const char *route_text(const struct t_route *r)
{
	return r->text;
}

/* ---- public iteration (writ.h) ---- */

size_t writ_route_count(const writ_policy *t, size_t r)
{
	return t && r < t->nresources ? t->resources[r].nroutes : 0;
}

const char *writ_route_text(const writ_policy *t, size_t r, size_t i)
{
	if (!t || r >= t->nresources || i >= t->resources[r].nroutes)
		return NULL;
	return t->routes[t->resources[r].routes + i].text;
}

int writ_route_unrouted_token(const writ_policy *t, size_t r)
{
	return t && r < t->nresources && t->resources[r].unrouted_token;
}
