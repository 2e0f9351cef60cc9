/*
 * check_route.c: the semantic pass over the routes of a resource (route.h):
 * methods, templates, rules, duplicates and overlaps.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codes.h"
#include "load.h"
#include "path.h"
#include "route.h"
#include "validate.h"
#include "writ.h"

/* A quoted copy for a message, in the load's arena. */
static const char *quote(struct loader *ld, const char *s, size_t len)
{
	struct buf b;
	char *out;

	buf_init(&b);
	buf_put_quoted(&b, s, len);
	out = b.oom ? NULL : arena_strndup(&ld->arena, b.data, b.len);
	buf_free(&b);
	if (!out)
		ld->oom = true; /* the message says "?", and the load fails */
	return out ? out : "\"?\"";
}

/* ---- methods ---- */

/* RFC 9110 section 5.6.2: tchar. */
static bool is_tchar(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void check_method(struct loader *ld, const struct ast_ref *m, const struct ast_route *rt)
{
	const struct ast_ref *o;
	bool lower = false, upper = false;
	char up[64];
	size_t i;

	for (i = 0; i < m->name.len; i++) {
		char c = m->name.s[i];
		if (!is_tchar(c)) {
			diag(ld, &m->name.sp, WRIT_SEVERITY_ERROR, E_BAD_METHOD,
			     "a method is a token of letters, digits and !#$%&'*+-.^_`|~",
			     "invalid method %s: '%c' cannot be part of an HTTP method (RFC 9110 section 9)",
			     quote(ld, m->name.s, m->name.len), c);
			return;
		}
		lower = lower || (c >= 'a' && c <= 'z');
		upper = upper || (c >= 'A' && c <= 'Z');
	}
	for (o = rt->methods; o != m; o = o->next)
		if (o->name.len == m->name.len && memcmp(o->name.s, m->name.s, m->name.len) == 0) {
			diag_error(ld, &m->name.sp, E_BAD_METHOD, "method %s is listed twice",
			           quote(ld, m->name.s, m->name.len));
			return;
		}
	if (lower && !upper && m->name.len < sizeof(up)) {
		for (i = 0; i < m->name.len; i++)
			up[i] = (char)(m->name.s[i] >= 'a' && m->name.s[i] <= 'z' ? m->name.s[i] - 32
			                                                          : m->name.s[i]);
		up[i] = '\0';
		diag_warning(ld, &m->name.sp, W_LOWERCASE_METHOD,
		             "method %s is lowercase: methods are case-sensitive, and %s is not %s",
		             quote(ld, m->name.s, m->name.len), quote(ld, m->name.s, m->name.len),
		             quote(ld, up, m->name.len));
	}
}

static bool check_methods(struct loader *ld, struct ast_route *rt)
{
	const struct ast_ref *m;
	size_t before = ld->errors;

	for (m = rt->methods; m; m = m->next)
		rt->nmethods++;
	for (m = rt->methods; m; m = m->next) {
		if (strcmp(m->name.s, "any") == 0) {
			if (rt->nmethods == 1) {
				rt->any_method = true;
				rt->nmethods = 0;
				rt->methods = NULL;
				return true;
			}
			diag_error(ld, &m->name.sp, E_BAD_METHOD,
			           "any stands alone: it covers every method already");
			continue;
		}
		check_method(ld, m, rt);
	}
	return ld->errors == before;
}

/* ---- templates ---- */

static bool is_param_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/*
 * Split the template into segments. Structure errors are reported here;
 * probe receives the template with each parameter replaced by as many 'x'
 * as it has bytes, for path_normalize() to judge the literals.
 */
static bool split_template(struct loader *ld, struct ast_route *rt, char *probe)
{
	const struct ast_text *t = &rt->tmpl;
	size_t i, n = 0, start;

	for (i = 0; i < t->len; i++)
		n += t->s[i] == '/';
	rt->segs = arena_alloc(&ld->arena, (n ? n : 1) * sizeof(*rt->segs));
	if (!rt->segs) {
		ld->oom = true;
		return false;
	}
	memcpy(probe, t->s, t->len + 1);
	for (start = 1; start <= t->len; start = i + 1) {
		struct ast_seg *sg = &rt->segs[rt->nsegs++];
		const char *s = t->s + start;
		size_t len, k;

		for (i = start; i < t->len && t->s[i] != '/'; i++)
			;
		len = i - start;
		sg->kind = AST_SEG_LITERAL;
		sg->s = s;
		sg->len = len;
		if (len == 1 && s[0] == '*') {
			if (i < t->len) {
				diag_error(ld, &t->sp, E_ROUTE_TEMPLATE,
				           "'*' stands for the rest of the path only as the last segment");
				return false;
			}
			sg->kind = AST_SEG_WILDCARD;
		} else if (len >= 2 && s[0] == '{' && s[len - 1] == '}' &&
		           is_param_name(s + 1, len - 2)) {
			sg->kind = AST_SEG_PARAM;
			sg->s = s + 1;
			sg->len = len - 2;
			for (k = 0; k + 1 < rt->nsegs; k++)
				if (rt->segs[k].kind == AST_SEG_PARAM && rt->segs[k].len == sg->len &&
				    memcmp(rt->segs[k].s, sg->s, sg->len) == 0) {
					diag_error(ld, &t->sp, E_ROUTE_TEMPLATE,
					           "parameter {%.*s} appears twice in this template",
					           (int)sg->len, sg->s);
					return false;
				}
			memset(probe + start, 'x', len);
		} else if (memchr(s, '{', len) || memchr(s, '}', len)) {
			diag(ld, &t->sp, WRIT_SEVERITY_ERROR, E_ROUTE_TEMPLATE,
			     "a parameter is a whole segment {name}: a letter or _, then letters, digits or _",
			     "this route can never match: segment %zu holds a brace but is not a parameter",
			     rt->nsegs);
			return false;
		}
	}
	return true;
}

static bool check_template(struct loader *ld, struct ast_route *rt)
{
	const struct ast_text *t = &rt->tmpl;
	char why[160], *probe, *out;
	size_t outlen = 0;
	bool ok = false;
	int rc;

	if (t->bad)
		return false;
	if (t->len == 0 || t->s[0] != '/') {
		diag_error(ld, &t->sp, E_ROUTE_TEMPLATE,
		           "this route can never match: a template starts with '/'");
		return false;
	}
	probe = malloc(t->len + 1);
	out = malloc(t->len + 1);
	if (!probe || !out) {
		ld->oom = true;
		goto out;
	}
	if (!split_template(ld, rt, probe))
		goto out;
	rc = path_normalize(probe, t->len, out, t->len + 1, &outlen, why, sizeof(why));
	if (rc != WRIT_OK)
		diag_error(ld, &t->sp, E_ROUTE_TEMPLATE, "this route can never match: %s", why);
	else if (outlen != t->len || memcmp(out, probe, outlen) != 0)
		diag_error(ld, &t->sp, E_ROUTE_TEMPLATE, "this route can never match: %s",
		           memchr(probe, '?', t->len) ? "a '?' starts the query, which is not matched"
		           : memchr(probe, '%', t->len)
		               ? "requests are matched with escapes decoded: write the character itself"
		               : "'.' and '..' segments are removed from requests before matching");
	else
		ok = true;
out:
	free(probe);
	free(out);
	return ok;
}

/* ---- rules ---- */

static void check_rule(struct loader *ld, const struct ast_resource *r, struct ast_route *rt,
                       const struct strmap *perms)
{
	struct ast_ref *ref;

	if (rt->rule != AST_ROUTE_PUBLIC && !rt->perms) {
		diag(ld, &rt->rule_sp, WRIT_SEVERITY_ERROR, E_ROUTE_RULE,
		     "write public for a route that needs no token",
		     "requires names no permission");
	}
	for (ref = rt->perms; ref; ref = ref->next) {
		const struct ast_permission *p;
		struct suggest sg;
		const char *best;
		char *hint = NULL;

		ref->target = strmap_get(perms, ref->name.s, ref->name.len);
		if (ref->target >= 0 || ref->name.bad)
			continue;
		suggest_init(&sg, ref->name.s, ref->name.len);
		for (p = r->perms; p; p = p->next)
			suggest_offer(&sg, p->name.s, p->name.len);
		best = suggest_best(&sg);
		if (best) {
			struct buf b;
			buf_init(&b);
			buf_puts(&b, "did you mean ");
			buf_put_quoted(&b, best, strlen(best));
			buf_puts(&b, "?");
			hint = b.oom ? NULL : arena_strndup(&ld->arena, b.data, b.len);
			buf_free(&b);
			if (!hint)
				ld->oom = true;
		}
		diag(ld, &ref->name.sp, WRIT_SEVERITY_ERROR, E_UNDECLARED_PERM, hint,
		     "route requires %s, which this resource does not declare",
		     quote(ld, ref->name.s, ref->name.len));
	}
}

/* ---- pairs of routes ---- */

/* A method both routes take, "any" when both take every method, or NULL. */
static const char *common_method(const struct ast_route *a, const struct ast_route *b)
{
	const struct ast_ref *x, *y;

	if (a->any_method && b->any_method)
		return "any";
	if (a->any_method)
		return b->methods->name.s;
	if (b->any_method)
		return a->methods->name.s;
	for (x = a->methods; x; x = x->next)
		for (y = b->methods; y; y = y->next)
			if (strcmp(x->name.s, y->name.s) == 0)
				return x->name.s;
	return NULL;
}

static bool same_template(const struct ast_route *a, const struct ast_route *b)
{
	size_t i;

	if (a->nsegs != b->nsegs)
		return false;
	for (i = 0; i < a->nsegs; i++) {
		if (a->segs[i].kind != b->segs[i].kind)
			return false;
		if (a->segs[i].kind == AST_SEG_LITERAL &&
		    (a->segs[i].len != b->segs[i].len ||
		     memcmp(a->segs[i].s, b->segs[i].s, a->segs[i].len) != 0))
			return false;
	}
	return true;
}

/* The kind of route's segment i, a wildcard covering all it ends with;
 * -1 past the end of a template without one. */
static int kind_at(const struct ast_route *rt, size_t i)
{
	if (i < rt->nsegs)
		return (int)rt->segs[i].kind;
	if (rt->nsegs && rt->segs[rt->nsegs - 1].kind == AST_SEG_WILDCARD)
		return AST_SEG_WILDCARD;
	return -1;
}

/*
 * Whether some path matches both templates; if so, and ex is not NULL, one
 * such path in ex (for the message). A parameter takes any non-empty
 * segment, the wildcard one or more of any.
 */
static bool templates_overlap(const struct ast_route *a, const struct ast_route *b, struct buf *ex)
{
	size_t i, n = a->nsegs > b->nsegs ? a->nsegs : b->nsegs;

	for (i = 0; i < n; i++) {
		int ka = kind_at(a, i), kb = kind_at(b, i);
		const struct ast_seg *sa = i < a->nsegs ? &a->segs[i] : NULL;
		const struct ast_seg *sb = i < b->nsegs ? &b->segs[i] : NULL;

		if (ka < 0 || kb < 0)
			return false;
		if (ex)
			buf_putc(ex, '/');
		if (ka == AST_SEG_LITERAL && kb == AST_SEG_LITERAL) {
			if (sa->len != sb->len || memcmp(sa->s, sb->s, sa->len) != 0)
				return false;
			if (ex)
				buf_append(ex, sa->s, sa->len);
		} else if (ka == AST_SEG_LITERAL) {
			if (kb == AST_SEG_PARAM && sa->len == 0)
				return false;
			if (ex)
				buf_append(ex, sa->s, sa->len);
		} else if (kb == AST_SEG_LITERAL) {
			if (ka == AST_SEG_PARAM && sb->len == 0)
				return false;
			if (ex)
				buf_append(ex, sb->s, sb->len);
		} else if (ex) {
			buf_putc(ex, 'x');
		}
	}
	return true;
}

/* Whether a is at least as specific as b at every segment. */
static bool dominates(const struct ast_route *a, const struct ast_route *b)
{
	size_t i, n = a->nsegs > b->nsegs ? a->nsegs : b->nsegs;

	for (i = 0; i < n; i++)
		if (kind_at(a, i) < kind_at(b, i))
			return false;
	return true;
}

static void check_pair(struct loader *ld, const struct ast_route *first, const struct ast_route *rt,
                       bool *duplicate_said)
{
	const char *method = common_method(first, rt);
	const struct ast_route *win;
	struct buf ex;

	if (!method)
		return;
	/* A method list over `any` on one template is the override the
	 * specificity rule provides for, not a duplicate. */
	if (same_template(first, rt) && first->any_method == rt->any_method) {
		if (*duplicate_said)
			return;
		diag_error(ld, &rt->sp, E_DUPLICATE_ROUTE, "duplicate route: %s %s is already declared",
		           method, quote(ld, rt->tmpl.s, rt->tmpl.len));
		diag_note(ld, &first->sp, "first declared here");
		*duplicate_said = true;
		return;
	}
	/* The example path is built only for a warning that is made. */
	if (templates_overlap(first, rt, NULL) && !dominates(first, rt) && !dominates(rt, first)) {
		win = route_specificity_cmp(first->segs, first->nsegs, rt->segs, rt->nsegs) <= 0 ? first
		                                                                                  : rt;
		buf_init(&ex);
		templates_overlap(first, rt, &ex);
		diag_warning(ld, &rt->tmpl.sp, W_ROUTE_OVERLAP,
		             "this route and %s both match paths like %s: the winner is decided by the leftmost literal, %s",
		             quote(ld, first->tmpl.s, first->tmpl.len),
		             ex.oom ? "\"?\"" : quote(ld, ex.data, ex.len),
		             quote(ld, win->tmpl.s, win->tmpl.len));
		diag_note(ld, &first->tmpl.sp, "the other route is declared here");
		buf_free(&ex);
	}
}

/* ---- what routes leave open ---- */

/*
 * RFC 9110 section 9.2.1: the methods that do not ask for a change. Case is
 * ignored here: a lowercase one already draws W011, once is enough.
 */
static bool is_safe_method(const struct ast_text *m)
{
	static const char *const safe[] = { "GET", "HEAD", "OPTIONS", "TRACE" };
	size_t i;

	for (i = 0; i < sizeof(safe) / sizeof(safe[0]); i++)
		if (m->len == strlen(safe[i]) && strncasecmp(m->s, safe[i], m->len) == 0)
			return true;
	return false;
}

/*
 * A public route lets a request through without a token. For reading that
 * is often meant (a health check, a public catalogue); for a method that
 * changes something it leaves the change protected by no permission.
 */
static void check_public_route(struct loader *ld, const struct ast_route *rt)
{
	const struct ast_ref *m;

	if (rt->rule != AST_ROUTE_PUBLIC || !rt->valid)
		return;
	if (rt->any_method) {
		diag(ld, &rt->rule_sp, WRIT_SEVERITY_WARNING, W_UNPROTECTED_ROUTE,
		     "list the safe methods it serves (GET, HEAD), or require a permission",
		     "this public route takes any method: requests that change things need no permission");
		return;
	}
	for (m = rt->methods; m; m = m->next)
		if (!is_safe_method(&m->name)) {
			diag(ld, &m->name.sp, WRIT_SEVERITY_WARNING, W_UNPROTECTED_ROUTE,
			     "require a permission for it, or give it a route of its own that does",
			     "the public route takes %s: a request that changes things needs no permission",
			     quote(ld, m->name.s, m->name.len));
			return;
		}
}

/* On a resource with routes, a permission that no route requires. */
void check_routes_unrequired(struct loader *ld, const struct ast_resource *r)
{
	const struct ast_route *rt;
	const struct ast_ref *ref;
	const struct ast_permission *p;
	bool *required;
	size_t i;

	if (!r->routes || !r->valid || !r->nperms)
		return;
	required = calloc(r->nperms, sizeof(*required));
	if (!required) {
		ld->oom = true;
		return;
	}
	for (rt = r->routes; rt; rt = rt->next)
		for (ref = rt->perms; ref; ref = ref->next)
			if (ref->target >= 0 && (size_t)ref->target < r->nperms)
				required[ref->target] = true;
	for (p = r->perms, i = 0; p && i < r->nperms; p = p->next, i++)
		if (!required[i] && p->valid)
			diag(ld, &p->name.sp, WRIT_SEVERITY_INFO, W_PERM_UNROUTED,
			     "a gateway never asks for it; the resource server may still check it itself",
			     "no route of this resource requires permission %s",
			     quote(ld, p->name.s, p->name.len));
	free(required);
}

void check_routes(struct loader *ld, struct ast_resource *r, const struct strmap *perms)
{
	struct ast_route *rt, *other;

	if (r->unrouted.s && !r->unrouted.bad) {
		if (strcmp(r->unrouted.s, "token") == 0)
			r->unrouted_token = true;
		else if (strcmp(r->unrouted.s, "deny") != 0)
			diag_error(ld, &r->unrouted.sp, E_ROUTE_RULE, "unrouted is deny or token, not %s",
			           quote(ld, r->unrouted.s, r->unrouted.len));
	}
	for (rt = r->routes; rt && !ld->oom; rt = rt->next) {
		bool methods_ok = check_methods(ld, rt);
		rt->valid = check_template(ld, rt) && methods_ok;
		check_rule(ld, r, rt, perms);
		check_public_route(ld, rt);
	}
	for (rt = r->routes; rt && !ld->oom; rt = rt->next) {
		bool said = false;
		if (!rt->valid)
			continue;
		for (other = r->routes; other != rt; other = other->next)
			if (other->valid)
				check_pair(ld, other, rt, &said);
	}
}
