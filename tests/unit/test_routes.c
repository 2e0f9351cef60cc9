/*
 * test_routes.c: routes in a resource block: their syntax, their
 * diagnostics, their compiled order and the matcher (route.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "path.h"
#include "route.h"
#include "table.h"
#include "util.h"

#define RES_OPEN "resource \"https://a.example/\" {\n\tpermission read;\n\tpermission write;\n"
#define RES_CLOSE "}\nrole r for apps { grant read, write on \"https://a.example/\"; }\napp x { roles r; }\n"

/* The diagnostics of text, other than notes' codes, are exactly want. */
static void expect_diags(const char *text, const char *const *want)
{
	writ_diagnostics *d;
	writ_policy *p;
	size_t i, n = 0;
	int rc;

	d = load_diags(text, &rc, &p);
	for (i = 0; i < writ_diagnostics_count(d); i++) {
		char *line = diag_line(d, i);
		ck_assert_msg(want[n] != NULL, "unexpected record \"%s\"", line);
		ck_assert_str_eq(line, want[n]);
		free(line);
		n++;
	}
	ck_assert_msg(want[n] == NULL, "missing record \"%s\"", want[n]);
	if (writ_diagnostics_errors(d) > 0) {
		ck_assert_int_eq(rc, WRIT_EPOLICY);
		ck_assert_ptr_null(p);
	} else {
		ck_assert_int_eq(rc, WRIT_OK);
	}
	writ_policy_unref(p);
	writ_diagnostics_free(d);
}

/* The route text of the winner for (method, path), or "none". */
static const char *winner(const writ_policy *p, const char *method, const char *target)
{
	char path[PATH_MAX_LEN + 1];
	size_t len;
	const struct t_route *r;

	ck_assert_int_eq(path_normalize(target, strlen(target), path, sizeof(path), &len, NULL, 0),
	                 WRIT_OK);
	r = route_match(p, 0, method, path, len);
	return r ? route_text(r) : "none";
}

/* ---- syntax ---- */

START_TEST(every_form)
{
	static const char text[] =
		RES_OPEN
		"\troute POST \"/payments\" requires write;\n"
		"\troute GET, HEAD \"/payments/{id}\" requires read;\n"
		"\troute GET \"/payments/{id}/receipt\" requires any read, write;\n"
		"\troute GET \"/admin/*\" requires read, write;\n"
		"\troute any \"/health\" public;\n"
		"\tunrouted token;\n"
		RES_CLOSE;
	writ_policy *p = load_ok(text);
	const struct t_route *r;
	const uint32_t *ids;
	char path[] = "/payments/7/receipt";

	r = route_match(p, 0, "GET", path, strlen(path));
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(route_text(r), "route GET \"/payments/{id}/receipt\" requires any read, write");
	ck_assert(route_requires_any(r));
	ck_assert(!route_is_public(r));
	ck_assert_uint_eq(route_permissions(r, &ids), 2);
	ck_assert_uint_eq(ids[0], 0); /* read */
	ck_assert_uint_eq(ids[1], 1); /* write */

	ck_assert_str_eq(winner(p, "GET", "/admin/x"), "route GET \"/admin/*\" requires read, write");
	r = route_match(p, 0, "GET", "/admin/x", 8);
	ck_assert(!route_requires_any(r));
	ck_assert_uint_eq(route_permissions(r, &ids), 2);
	ck_assert_str_eq(winner(p, "HEAD", "/payments/1"), "route GET, HEAD \"/payments/{id}\" requires read");
	ck_assert_str_eq(winner(p, "DELETE", "/health"), "route any \"/health\" public");
	r = route_match(p, 0, "PUT", "/health", 7);
	ck_assert(route_is_public(r));
	ck_assert_uint_eq(route_permissions(r, &ids), 0);
	ck_assert(route_unrouted_token(p, 0));
	ck_assert(!route_unrouted_token(p, 1)); /* no such resource */
	writ_policy_unref(p);
}
END_TEST

START_TEST(unrouted_default_and_deny)
{
	writ_policy *p = load_ok(RES_OPEN "\troute GET \"/a\" requires read;\n" RES_CLOSE);

	ck_assert(!route_unrouted_token(p, 0));
	writ_policy_unref(p);
	p = load_ok(RES_OPEN "\tunrouted deny;\n" RES_CLOSE);
	ck_assert(!route_unrouted_token(p, 0));
	ck_assert_ptr_null(route_match(p, 0, "GET", "/", 1));
	writ_policy_unref(p);
}
END_TEST

/* The new keywords are still names where names fit. */
START_TEST(keywords_as_names)
{
	static const char text[] =
		"resource \"https://a.example/\" {\n"
		"\tpermission any;\n\tpermission public;\n\tpermission route;\n"
		"\troute GET \"/x\" requires any;\n"           /* the permission any */
		"\troute GET \"/y\" requires any public, route;\n"
		"}\n"
		"role requires for apps { grant any, public, route on \"https://a.example/\"; }\n"
		"app unrouted { roles requires; }\n";
	writ_policy *p = load_ok(text);
	const struct t_route *r = route_match(p, 0, "GET", "/x", 2);
	const uint32_t *ids;

	ck_assert_ptr_nonnull(r);
	ck_assert(!route_requires_any(r));
	ck_assert_uint_eq(route_permissions(r, &ids), 1);
	ck_assert_uint_eq(ids[0], 0);
	r = route_match(p, 0, "GET", "/y", 2);
	ck_assert(route_requires_any(r));
	ck_assert_uint_eq(route_permissions(r, &ids), 2);
	ck_assert_uint_eq(ids[0], 1);
	writ_policy_unref(p);
}
END_TEST

START_TEST(syntax_errors)
{
	static const char *const want[] = {
		"E001 4:17 unexpected name \"read\"; expected 'requires' or 'public'",
		"E001 5:16 unexpected ';'; expected 'requires' or 'public'",
		"E001 6:8 unexpected string \"/b\"; expected a name",
		NULL,
	};
	expect_diags(RES_OPEN "\troute GET \"/a\" read;\n" /* no rule */
	             "\troute GET \"/a\";\n"
	             "\troute \"/b\" public;\n" RES_CLOSE,
	             want);
}
END_TEST

/* ---- diagnostics ---- */

START_TEST(e033_templates)
{
	static const char *const want[] = {
		"E033 4:12 this route can never match: a template starts with '/'",
		"E033 5:12 this route can never match: an empty segment ('//') at byte 4",
		"E033 6:12 this route can never match: '.' and '..' segments are removed from requests before matching",
		"E033 7:12 this route can never match: requests are matched with escapes decoded: write the character itself",
		"E033 8:12 this route can never match: a '?' starts the query, which is not matched",
		"E033 9:12 this route can never match: segment 2 holds a brace but is not a parameter",
		"E033 10:12 this route can never match: segment 1 holds a brace but is not a parameter",
		"E033 11:12 parameter {a} appears twice in this template",
		"E033 12:12 '*' stands for the rest of the path only as the last segment",
		"E033 13:12 this route can never match: an empty segment ('//') at byte 2",
		NULL,
	};
	static const char text[] =
		RES_OPEN
		"\troute GET \"a\" public;\n"
		"\troute GET \"/a//b\" public;\n"
		"\troute GET \"/a/../b\" public;\n"
		"\troute GET \"/caf%C3%A9\" public;\n"
		"\troute GET \"/a?b\" public;\n"
		"\troute GET \"/a/b{c}\" public;\n"
		"\troute GET \"/{1d}\" public;\n"
		"\troute GET \"/c/{a}/{a}\" public;\n"
		"\troute GET \"/c/*/x\" public;\n"
		"\troute GET \"//x\" public;\n"
		RES_CLOSE;

	expect_diags(text, want);
}
END_TEST

/* Refusals are path_normalize()'s own reasons, at byte positions of the
 * template as written (a parameter stands for as many letters). */
START_TEST(e033_normalize_reasons)
{
	writ_diagnostics *d;
	const struct writ_diagnostic *r;
	int rc;

	d = load_diags(RES_OPEN "\troute GET \"/{id}/a;b\" public;\n" RES_CLOSE, &rc, NULL);
	ck_assert_uint_eq(writ_diagnostics_count(d), 1);
	r = writ_diagnostics_get(d, 0);
	ck_assert_str_eq(r->code, "E033");
	ck_assert_msg(strstr(r->message, "this route can never match: ") == r->message, "%s", r->message);
	ck_assert_msg(strstr(r->message, "byte 8") != NULL, "%s", r->message);
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(e034_methods)
{
	static const char *const want[] = {
		"E034 4:13 method \"GET\" is listed twice",
		"E034 5:8 any stands alone: it covers every method already",
		"E034 6:8 invalid method \"P@ST\": '@' cannot be part of an HTTP method (RFC 9110 section 9)",
		NULL,
	};
	expect_diags(RES_OPEN "\troute GET, GET \"/a\" public;\n"
	             "\troute any, POST \"/b\" public;\n"
	             "\troute P@ST \"/c\" public;\n" RES_CLOSE,
	             want);
}
END_TEST

START_TEST(w011_lowercase_method)
{
	/* With every route public, the infos W019 and W020 and, for the
	 * method that is not safe, W018 come too. */
	static const char *const want[] = {
		"W019 2:13 no route of this resource requires permission \"read\"",
		"W019 3:13 no route of this resource requires permission \"write\"",
		"W011 4:8 method \"get\" is lowercase: methods are case-sensitive, and \"get\" is not \"GET\"",
		"W018 5:13 the public route takes \"M-SEARCH\": a request that changes things needs no permission",
		"W020 8:5 app \"x\" can be granted every permission of \"https://a.example/\"",
		NULL,
	};
	/* Mixed case and custom methods are left alone. */
	expect_diags(RES_OPEN "\troute get \"/a\" public;\n"
	             "\troute GET, M-SEARCH, Purge \"/b\" public;\n" RES_CLOSE,
	             want);
}
END_TEST

START_TEST(e035_duplicates)
{
	static const char *const want[] = {
		"E035 5:2 duplicate route: GET \"/a/{y}\" is already declared",
		"note 4:2 first declared here",
		"E035 7:2 duplicate route: HEAD \"/a/{z}/\" is already declared",
		"note 6:2 first declared here",
		"W018 8:19 this public route takes any method: requests that change things need no permission",
		"E035 9:2 duplicate route: any \"/b/*\" is already declared",
		"note 8:2 first declared here",
		"W018 10:8 the public route takes \"PUT\": a request that changes things needs no permission",
		"W018 11:21 this public route takes any method: requests that change things need no permission",
		NULL,
	};
	expect_diags(RES_OPEN
	             "\troute GET, POST \"/a/{x}\" requires read;\n"
	             "\troute GET \"/a/{y}\" requires write;\n"
	             "\troute HEAD, GET \"/a/{z}/\" public;\n" /* the trailing slash: another template */
	             "\troute HEAD \"/a/{z}/\" public;\n"
	             "\troute any \"/b/*\" public;\n"
	             "\troute any \"/b/*\" requires read;\n"
	             "\troute PUT \"/a/{x}\" public;\n"    /* no method in common */
	             "\troute any \"/a/{x}\" public;\n"    /* a list beside any: allowed */
	             RES_CLOSE,
	             want);
}
END_TEST

START_TEST(e036_and_e011_rules)
{
	static const char *const want[] = {
		"E036 4:17 requires names no permission",
		"E011 5:26 route requires \"raed\", which this resource does not declare",
		"E036 6:11 unrouted is deny or token, not \"maybe\"",
		"E017 7:2 unrouted is set twice in this resource",
		"note 6:2 first set here",
		NULL,
	};
	writ_diagnostics *d;
	size_t i;
	int rc;

	expect_diags(RES_OPEN "\troute GET \"/a\" requires;\n"
	             "\troute GET \"/b\" requires raed, write;\n"
	             "\tunrouted maybe;\n"
	             "\tunrouted deny;\n" RES_CLOSE,
	             want);
	d = load_diags(RES_OPEN "\troute GET \"/b\" requires any write, raed;\n" RES_CLOSE, &rc, NULL);
	for (i = 0; i < writ_diagnostics_count(d); i++) {
		const struct writ_diagnostic *r = writ_diagnostics_get(d, i);
		if (strcmp(r->code, "E011") == 0)
			ck_assert_pstr_eq(r->hint, "did you mean \"read\"?");
	}
	ck_assert_uint_eq(writ_diagnostics_errors(d), 1);
	writ_diagnostics_free(d);
}
END_TEST

START_TEST(w012_overlaps)
{
	/* Every route is public: the infos W019 and W020, and W018 for POST. */
	static const char *const want[] = {
		"W019 2:13 no route of this resource requires permission \"read\"",
		"W019 3:13 no route of this resource requires permission \"write\"",
		"W012 5:12 this route and \"/a/{x}\" both match paths like \"/a/b\": the winner is decided by the leftmost literal, \"/a/{x}\"",
		"note 4:12 the other route is declared here",
		"W018 6:8 the public route takes \"POST\": a request that changes things needs no permission",
		"W012 7:12 this route and \"/{y}/b\" both match paths like \"/docs/b\": the winner is decided by the leftmost literal, \"/docs/*\"",
		"note 5:12 the other route is declared here",
		"W012 8:12 this route and \"/docs/*\" both match paths like \"/docs/x/y\": the winner is decided by the leftmost literal, \"/docs/*\"",
		"note 7:12 the other route is declared here",
		"W012 9:12 this route and \"/{y}/b\" both match paths like \"/docs/b\": the winner is decided by the leftmost literal, \"/docs/{d}\"",
		"note 5:12 the other route is declared here",
		"W012 11:12 this route and \"/docs/*\" both match paths like \"/docs/x/\": the winner is decided by the leftmost literal, \"/docs/*\"",
		"note 7:12 the other route is declared here",
		"W020 14:5 app \"x\" can be granted every permission of \"https://a.example/\"",
		NULL,
	};
	expect_diags(RES_OPEN
	             "\troute GET \"/a/{x}\" public;\n"
	             "\troute GET \"/{y}/b\" public;\n"
	             "\troute POST \"/{y}/c\" public;\n"   /* no method in common with line 4 */
	             "\troute GET \"/docs/*\" public;\n"
	             "\troute GET \"/{p}/x/y\" public;\n"
	             "\troute GET \"/docs/{d}\" public;\n" /* more specific everywhere: clear */
	             "\troute GET \"/a/b\" public;\n"      /* likewise */
	             "\troute GET \"/{q}/{r}/\" public;\n" /* never as long as /a/{x}; /docs/x/ */
	             RES_CLOSE,
	             want);
}
END_TEST

/* ---- the matcher ---- */

static const char match_policy[] =
	RES_OPEN
	"\troute any \"/docs/*\" public;\n"
	"\troute GET \"/docs/{page}\" requires read;\n"
	"\troute GET \"/docs/index\" requires write;\n"
	"\troute any \"/items/{id}\" requires read;\n"
	"\troute DELETE \"/items/{id}\" requires write;\n"
	"\troute GET \"/items/{id}/\" requires any read, write;\n"
	"\troute GET \"/{kind}/new\" public;\n"
	"\troute GET \"/items/{id}/{part}\" requires write;\n"
	"\troute GET \"/\" public;\n"
	RES_CLOSE;

START_TEST(match_table)
{
	static const struct {
		const char *method, *path, *want;
	} cases[] = {
		/* a literal beats a parameter, a parameter the wildcard */
		{ "GET", "/docs/index", "route GET \"/docs/index\" requires write" },
		{ "GET", "/docs/other", "route GET \"/docs/{page}\" requires read" },
		{ "GET", "/docs/a/b", "route any \"/docs/*\" public" },
		{ "POST", "/docs/index", "route any \"/docs/*\" public" },
		/* the wildcard takes "/docs/" but not "/docs" */
		{ "GET", "/docs/", "route any \"/docs/*\" public" },
		{ "GET", "/docs", "none" },
		/* an explicit method beats any */
		{ "DELETE", "/items/3", "route DELETE \"/items/{id}\" requires write" },
		{ "PUT", "/items/3", "route any \"/items/{id}\" requires read" },
		/* a trailing slash is another template */
		{ "GET", "/items/3/", "route GET \"/items/{id}/\" requires any read, write" },
		{ "HEAD", "/items/3/", "none" },
		/* a parameter takes one non-empty segment */
		{ "GET", "/items/3/x", "route GET \"/items/{id}/{part}\" requires write" },
		{ "GET", "/items/3/x/y", "none" },
		/* the leftmost literal decides */
		{ "GET", "/items/new", "route any \"/items/{id}\" requires read" },
		{ "GET", "/orders/new", "route GET \"/{kind}/new\" public" },
		/* methods are case-sensitive; HEAD is not GET */
		{ "get", "/docs/index", "route any \"/docs/*\" public" },
		{ "HEAD", "/docs/index", "route any \"/docs/*\" public" },
		{ "head", "/orders/new", "none" },
		{ "GET", "/", "route GET \"/\" public" },
		{ "GET", "/nothing", "none" },
		/* normalized first: dot-segments are gone */
		{ "GET", "/x/../docs/./index", "route GET \"/docs/index\" requires write" },
	};
	writ_policy *p = load_ok(match_policy);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		ck_assert_msg(strcmp(winner(p, cases[i].method, cases[i].path), cases[i].want) == 0,
		              "%s %s: got %s, want %s", cases[i].method, cases[i].path,
		              winner(p, cases[i].method, cases[i].path), cases[i].want);
	ck_assert(!route_unrouted_token(p, 0));
	ck_assert_ptr_null(route_match(p, 1, "GET", "/", 1));
	writ_policy_unref(p);
}
END_TEST

/* The table keeps a resource's routes most specific first. */
START_TEST(compiled_order)
{
	writ_policy *p = load_ok(match_policy);
	const struct t_resource *res = &p->resources[0];
	uint32_t i;

	ck_assert_uint_eq(res->nroutes, 9);
	for (i = 1; i < res->nroutes; i++) {
		const struct t_route *a = &p->routes[res->routes + i - 1], *b = &p->routes[res->routes + i];
		int c = route_specificity_cmp(a->segs, a->nsegs, b->segs, b->nsegs);
		ck_assert_int_le(c, 0);
		if (c == 0)
			ck_assert(a->nmethods != 0 || b->nmethods == 0);
	}
	writ_policy_unref(p);
}
END_TEST

/* The shipped example routes its payment service. */
START_TEST(shipped_payment_policy)
{
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p = NULL;
	const char *paths[] = { SRCDIR "/policies/payment.writ" };
	long ri;

	ck_assert_int_eq(writ_policy_load(paths, 1, 0, d, &p), WRIT_OK);
	ri = strmap_get(&p->resource_map, "https://payment.example.com/api",
	                strlen("https://payment.example.com/api"));
	ck_assert_int_ge(ri, 0);
	ck_assert_str_eq(route_text(route_match(p, (uint32_t)ri, "POST", "/payments", 9)),
	                 "route POST \"/payments\" requires write:payment");
	ck_assert_str_eq(route_text(route_match(p, (uint32_t)ri, "GET", "/payments/42", 12)),
	                 "route GET \"/payments/{id}\" requires read:payment");
	ck_assert_ptr_null(route_match(p, (uint32_t)ri, "GET", "/payments", 9));
	writ_policy_unref(p);
	writ_diagnostics_free(d);
}
END_TEST

/* The public accessors: a resource's routes as canonical lines, most
 * specific first, and its unrouted setting. */
START_TEST(public_iteration)
{
	static const char text[] =
		RES_OPEN
		"\troute any \"/health\" public;\n"
		"\troute GET, HEAD \"/payments/{id}\" requires read;\n"
		"\troute POST \"/payments\" requires any read, write;\n"
		"\tunrouted token;\n"
		"}\n"
		"resource \"https://b.example/\" { permission read; }\n"
		"role r for apps { grant read, write on \"https://a.example/\"; }\n"
		"app x { roles r; }\n";
	writ_policy *p = load_ok(text);

	ck_assert_uint_eq(writ_route_count(p, 0), 3);
	ck_assert_str_eq(writ_route_text(p, 0, 0), "route GET, HEAD \"/payments/{id}\" requires read");
	/* Equal templates by specificity: a method list beats any. */
	ck_assert_str_eq(writ_route_text(p, 0, 1), "route POST \"/payments\" requires any read, write");
	ck_assert_str_eq(writ_route_text(p, 0, 2), "route any \"/health\" public");
	ck_assert_ptr_null(writ_route_text(p, 0, 3));
	ck_assert_int_eq(writ_route_unrouted_token(p, 0), 1);
	/* No routes, unrouted deny by default. */
	ck_assert_uint_eq(writ_route_count(p, 1), 0);
	ck_assert_ptr_null(writ_route_text(p, 1, 0));
	ck_assert_int_eq(writ_route_unrouted_token(p, 1), 0);
	/* Out of range and NULL. */
	ck_assert_uint_eq(writ_route_count(p, 2), 0);
	ck_assert_ptr_null(writ_route_text(p, 2, 0));
	ck_assert_int_eq(writ_route_unrouted_token(p, 2), 0);
	ck_assert_uint_eq(writ_route_count(NULL, 0), 0);
	ck_assert_ptr_null(writ_route_text(NULL, 0, 0));
	ck_assert_int_eq(writ_route_unrouted_token(NULL, 0), 0);
	writ_policy_unref(p);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("routes");
	TCase *syntax = tcase_create("syntax");
	TCase *diags = tcase_create("diagnostics");
	TCase *match = tcase_create("match");

	tcase_add_test(syntax, every_form);
	tcase_add_test(syntax, unrouted_default_and_deny);
	tcase_add_test(syntax, keywords_as_names);
	tcase_add_test(syntax, syntax_errors);
	suite_add_tcase(s, syntax);
	tcase_add_test(diags, e033_templates);
	tcase_add_test(diags, e033_normalize_reasons);
	tcase_add_test(diags, e034_methods);
	tcase_add_test(diags, w011_lowercase_method);
	tcase_add_test(diags, e035_duplicates);
	tcase_add_test(diags, e036_and_e011_rules);
	tcase_add_test(diags, w012_overlaps);
	suite_add_tcase(s, diags);
	tcase_add_test(match, match_table);
	tcase_add_test(match, compiled_order);
	tcase_add_test(match, shipped_payment_policy);
	tcase_add_test(match, public_iteration);
	suite_add_tcase(s, match);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
