/*
 * cmd_explain.c: writ explain: a decision with its reasons. For a grant:
 * each stack line run, with the module's result and the action taken, the
 * verdict, which role gives each granted scope and why each other requested
 * scope was dropped. For an access decision: the token's validation, then
 * the access stack.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"Usage: writ explain --policy PATH (--client ID | --user ID) [--resource URI]\n"
	"                    [--scope \"S1 S2\"] [--peer ADDR] [--now EPOCH] [--module-dir DIR]\n"
	"       writ explain --policy PATH --access --jwks FILE --issuer ISS\n"
	"                    --resource URI [--method M] [--path P] [--peer ADDR]\n"
	"                    [--now EPOCH] [--module-dir DIR] (TOKEN | --token-file FILE)\n"
	"\n"
	"Explain a decision. A grant (the token issuer's question) prints each line of\n"
	"the resource's grant stack that ran, with the module's result and the action\n"
	"taken, and under it the scopes the line put into the grant (+) or took out\n"
	"(-); then the verdict, the granted scopes with the roles that give them,\n"
	"and every other requested scope with the reason it was dropped: not\n"
	"declared, held through no role, taken out by which stack line, or never\n"
	"put in (no rbac line ran).\n"
	"\n"
	"With --access, the token is validated against the key set (its audience\n"
	"must be the resource) and each of its scopes is shown with the roles that\n"
	"give it in this policy. With --path (and --method, default GET) the\n"
	"gateway decision follows: the route that matched, the access stack, the\n"
	"status with its error, and the WWW-Authenticate challenge. Without --path,\n"
	"the resource's access stack runs alone, with no route.\n"
	"\n"
	"Options:\n"
	"  -p, --policy PATH     policy file or directory (repeatable: one policy)\n"
	"  -c, --client ID       explain a grant to an app\n"
	"  -u, --user ID         explain a grant to a user\n"
	"  -r, --resource URI    the resource (default: the default resource)\n"
	"  -s, --scope SCOPES    requested scopes, separated by spaces\n"
	"      --access          explain an access decision for a token instead\n"
	"  -k, --jwks FILE       the issuer's public keys (with --access)\n"
	"  -i, --issuer ISS      the expected issuer (with --access)\n"
	"      --method M        the request method (with --access; default GET)\n"
	"      --path P          the request target: decide by the routes (--access)\n"
	"  -f, --token-file FILE read the token from FILE, exactly as it is\n"
	"      --peer ADDR       the peer address the network module sees\n"
	"  -n, --now EPOCH       the time of the decision (default: now)\n"
	"      --module-dir DIR  where loadable modules are\n"
	"  -h, --help            show this help and exit\n"
	"\n"
	"Exit status: 0 allowed; 1 denied, a rejected token, or unknown app, user or\n"
	"resource;\n"
	"2 usage error or a policy that cannot be loaded.\n";

struct explain_args {
	const char **policies;
	size_t npolicies;
	const char *principal, *resource, *scope, *module_dir;
	const char *jwks, *issuer, *token, *token_file;
	enum writ_principal_kind kind;
	struct writ_request req;
	int access;
};

enum { OPT_ACCESS = 256, OPT_METHOD, OPT_PATH, OPT_PEER, OPT_MODDIR };

static int parse(int argc, char **argv, struct explain_args *a)
{
	static const struct option options[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "client", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "resource", required_argument, NULL, 'r' },
		{ "scope", required_argument, NULL, 's' },
		{ "access", no_argument, NULL, OPT_ACCESS },
		{ "jwks", required_argument, NULL, 'k' },
		{ "issuer", required_argument, NULL, 'i' },
		{ "method", required_argument, NULL, OPT_METHOD },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "token-file", required_argument, NULL, 'f' },
		{ "peer", required_argument, NULL, OPT_PEER },
		{ "now", required_argument, NULL, 'n' },
		{ "module-dir", required_argument, NULL, OPT_MODDIR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:p:c:u:r:s:k:i:f:n:h", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_push(&a->policies, &a->npolicies, optarg) < 0)
				return cli_usage_error("explain", "out of memory");
			break;
		case 'c':
		case 'u':
			if (a->principal)
				return cli_usage_error("explain", "give one --client or one --user");
			a->principal = optarg;
			a->kind = c == 'c' ? WRIT_PRINCIPAL_APP : WRIT_PRINCIPAL_USER;
			break;
		case 'r': a->resource = optarg; break;
		case 's': a->scope = optarg; break;
		case 'k': a->jwks = optarg; break;
		case 'i': a->issuer = optarg; break;
		case 'f': a->token_file = optarg; break;
		case OPT_ACCESS: a->access = 1; break;
		case OPT_METHOD: a->req.method = optarg; break;
		case OPT_PATH: a->req.path = optarg; break;
		case OPT_PEER: a->req.peer = optarg; break;
		case OPT_MODDIR: a->module_dir = optarg; break;
		case 'n':
			errno = 0;
			a->req.now = strtod(optarg, &end);
			if (errno || end == optarg || *end || !isfinite(a->req.now) || a->req.now <= 0)
				return cli_usage_error("explain", "--now takes seconds since the epoch, not '%s'", optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case ':':
			return cli_usage_error("explain", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("explain", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!a->npolicies)
		return cli_usage_error("explain", "--policy is required");
	if (a->access) {
		if (a->principal || a->scope)
			return cli_usage_error("explain", "--access explains a token: no --client, --user or --scope");
		if (!a->jwks || !a->issuer || !a->resource)
			return cli_usage_error("explain", "--access needs --jwks, --issuer and --resource");
		if (!a->token_file && optind + 1 != argc)
			return cli_usage_error("explain", "give exactly one token, or --token-file");
		if (!a->token_file)
			a->token = argv[optind++];
	} else if (!a->principal) {
		return cli_usage_error("explain", "--client or --user is required (or --access)");
	}
	if (optind < argc)
		return cli_usage_error("explain", "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* The same, list being NUL-terminated. */
static int in_list(const char *list, const char *word, size_t len)
{
	return cli_has_word(list, list + strlen(list), word, len);
}

/* Each line run, with what it put into the grant (+) or took out (-). */
static void print_trace(const writ_trace *tr)
{
	size_t i;

	for (i = 0; i < writ_trace_count(tr); i++) {
		const char *added = writ_trace_added(tr, i), *removed = writ_trace_removed(tr, i);
		printf("  %s\n", writ_trace_line(tr, i));
		if (*added)
			printf("      + %s\n", added);
		if (*removed)
			printf("      - %s\n", removed);
	}
}

/* Does role grant permission perm of resource r? */
static int role_gives(const writ_policy *p, long role, size_t r, size_t perm)
{
	size_t g, gr, gp;

	for (g = 0; g < writ_role_grant_count(p, (size_t)role); g++)
		if (writ_role_grant(p, (size_t)role, g, &gr, &gp) == WRIT_OK && gr == r && gp == perm)
			return 1;
	return 0;
}

/* How many of the principal's roles grant permission perm of resource r;
 * with print, also print them as " from role A, role B". */
static size_t roles_for(const writ_policy *p, enum writ_principal_kind kind, long pi, size_t r,
                        size_t perm, int print)
{
	size_t j, count = 0;

	for (j = 0; j < writ_principal_role_count(p, kind, (size_t)pi); j++) {
		long role = writ_principal_role(p, kind, (size_t)pi, j);
		if (!role_gives(p, role, r, perm))
			continue;
		if (print)
			printf("%s role %s", count ? "," : " from", writ_role_name(p, (size_t)role));
		count++;
	}
	return count;
}

/* The index of the permission named by word in resource r, or -1. */
static long find_permission(const writ_policy *p, size_t r, const char *word, size_t len)
{
	size_t i, n = writ_resource_permission_count(p, r);

	for (i = 0; i < n; i++) {
		const char *name = writ_resource_permission(p, r, i);
		if (strlen(name) == len && memcmp(name, word, len) == 0)
			return (long)i;
	}
	return -1;
}

/* Why a requested scope is not in the grant: not declared, not held, or
 * taken out by a line (which), or never put in (no rbac line ran). */
static void print_dropped(const writ_policy *p, const struct explain_args *a, long pi, size_t r,
                          const char *word, size_t len, const writ_trace *tr)
{
	const char *kind = a->kind == WRIT_PRINCIPAL_APP ? "app" : "user";
	long perm = find_permission(p, r, word, len);
	size_t i;

	printf("  %.*s: ", (int)len, word);
	if (perm < 0) {
		printf("%s declares no such permission\n", writ_resource_indicator(p, r));
		return;
	}
	if (!roles_for(p, a->kind, pi, r, (size_t)perm, 0)) {
		printf("no role of %s %s grants it\n", kind, a->principal);
		return;
	}
	for (i = writ_trace_count(tr); i-- > 0;) {
		if (in_list(writ_trace_removed(tr, i), word, len)) {
			const char *line = writ_trace_line(tr, i), *end = strstr(line, ": ");
			while (*line == ' ')
				line++;
			printf("taken out by stack line %zu, %.*s\n", i + 1,
			       end ? (int)(end - line) : (int)strlen(line), line);
			return;
		}
	}
	printf("held, but no rbac line ran, and only rbac puts scopes into a grant\n");
}

/* Granted scopes with their roles; requested ones that were not, and why. */
static void print_scopes(const writ_policy *p, const struct explain_args *a, size_t r,
                         const char *granted, const writ_trace *tr)
{
	const char *req = a->scope && *a->scope ? a->scope : writ_resource_default_scope(p, r);
	long pi = writ_principal_find(p, a->kind, a->principal);
	size_t i, n = writ_resource_permission_count(p, r), ndropped = 0, len;
	const char *w, *rest;

	printf("granted:%s\n", *granted ? "" : " nothing");
	for (i = 0; i < n; i++) {
		const char *name = writ_resource_permission(p, r, i);
		if (!in_list(granted, name, strlen(name)))
			continue;
		printf("  %s", name);
		roles_for(p, a->kind, pi, r, i, 1);
		putchar('\n');
	}
	for (rest = req; (w = cli_next_word(&rest, req + strlen(req), &len)) != NULL;) {
		/* Each word once, the first time it is asked for. */
		if (cli_has_word(req, w, w, len) || in_list(granted, w, len))
			continue;
		if (!ndropped++)
			printf("dropped:\n");
		print_dropped(p, a, pi, r, w, len, tr);
	}
}

static int explain_grant(const writ_policy *p, struct explain_args *a)
{
	writ_trace *tr = writ_trace_new();
	size_t len = a->scope ? strlen(a->scope) : 0, cap = len + 4096, out_len;
	char *out = malloc(cap);
	long r = a->resource ? writ_resource_find(p, a->resource) : writ_resource_default(p);
	int rc, status;

	if (!tr || !out) {
		cli_error("explain", "%s", writ_strerror(WRIT_ENOMEM));
		status = EXIT_USAGE;
		goto out;
	}
	if (writ_principal_find(p, a->kind, a->principal) < 0) {
		cli_error("explain", "no %s \"%s\" in the policy",
		          a->kind == WRIT_PRINCIPAL_APP ? "app" : "user", a->principal);
		status = EXIT_FAIL;
		goto out;
	}
	if (r < 0) {
		cli_error("explain", a->resource ? "no resource \"%s\" in the policy"
		                                 : "no --resource given and the policy marks no default resource%s",
		          a->resource ? a->resource : "");
		status = EXIT_FAIL;
		goto out;
	}
	rc = writ_grant_request(p, a->kind, a->principal, writ_resource_indicator(p, (size_t)r),
	                        a->scope, len, &a->req, tr, out, cap, &out_len);
	if (rc == WRIT_EMALFORMED) {
		cli_error("explain", "malformed --scope");
		status = EXIT_USAGE;
		goto out;
	}
	printf("grant stack for %s, %s %s:\n", writ_resource_indicator(p, (size_t)r),
	       a->kind == WRIT_PRINCIPAL_APP ? "app" : "user", a->principal);
	print_trace(tr);
	printf("verdict: %s\n", writ_trace_verdict(tr));
	if (rc == WRIT_OK)
		print_scopes(p, a, (size_t)r, out, tr);
	else if (rc == WRIT_EDENIED)
		printf("granted: nothing, the grant stack denies\n");
	status = rc == WRIT_OK ? EXIT_OK : EXIT_FAIL;
out:
	writ_trace_free(tr);
	free(out);
	return status;
}

/* The principal a token speaks for in this policy: the user named by sub
 * when it is one, else the app named by client_id (or sub); -1 if none. */
static long token_principal(const writ_policy *p, const writ_token *t,
                            enum writ_principal_kind *kind, const char **id)
{
	const char *sub = writ_token_subject(t), *client = writ_token_client_id(t);
	long pi;

	if (sub && (!client || strcmp(sub, client) != 0) &&
	    (pi = writ_principal_find(p, WRIT_PRINCIPAL_USER, sub)) >= 0) {
		*kind = WRIT_PRINCIPAL_USER;
		*id = sub;
		return pi;
	}
	*kind = WRIT_PRINCIPAL_APP;
	*id = client ? client : sub;
	return *id ? writ_principal_find(p, WRIT_PRINCIPAL_APP, *id) : -1;
}

/* Each scope the token carries, and whether this policy's roles give it. */
static void print_token_scopes(const writ_policy *p, size_t r, const writ_token *t)
{
	enum writ_principal_kind kind;
	const char *id, *w, *rest, *scope = writ_token_scope(t);
	long pi = token_principal(p, t, &kind, &id);
	size_t len;
	const char *kname = kind == WRIT_PRINCIPAL_APP ? "app" : "user";

	for (rest = scope; (w = cli_next_word(&rest, scope + strlen(scope), &len)) != NULL;) {
		long perm = find_permission(p, r, w, len);
		printf("  %.*s", (int)len, w);
		if (perm < 0)
			printf(": %s declares no such permission\n", writ_resource_indicator(p, r));
		else if (!id)
			printf(": the token names no app or user\n");
		else if (pi < 0)
			printf(": %s %s is not in this policy\n", kname, id);
		else if (roles_for(p, kind, pi, r, (size_t)perm, 1))
			putchar('\n');
		else
			printf(": no role of %s %s grants it in this policy\n", kname, id);
	}
}

/* A gateway decision: the route, the access stack it ran, the answer. */
static int explain_route(const writ_policy *p, struct explain_args *a, const writ_verifier *v,
                         const char *token, size_t len, writ_trace *tr)
{
	const char *method = a->req.method ? a->req.method : "GET";
	writ_decision *d = writ_decision_new();
	char *header = malloc(len + 8);
	int rc, status = EXIT_USAGE;

	if (!d || !header) {
		cli_error("explain", "%s", writ_strerror(WRIT_ENOMEM));
		goto out;
	}
	memcpy(header, "Bearer ", 7);
	memcpy(header + 7, token, len);
	header[len + 7] = '\0';
	writ_decision_set_trace(d, tr);
	rc = writ_authorize(p, v, a->resource, method, a->req.path, header, &a->req, d);
	if (rc != WRIT_OK) {
		cli_error("explain", "%s", writ_strerror(rc));
		goto out;
	}
	if (writ_decision_route(d))
		printf("%s\n", writ_decision_route(d));
	else if (writ_decision_status(d) != 400)
		printf("route: none matches %s %s (unrouted %s)\n", method, a->req.path,
		       writ_route_unrouted_token(p, (size_t)writ_resource_find(p, a->resource))
		               ? "token" : "deny");
	if (writ_trace_count(tr)) {
		printf("access stack:\n");
		print_trace(tr);
	}
	printf("verdict: %s (%u", writ_decision_allowed(d) ? "allow" : "deny",
	       writ_decision_status(d));
	if (writ_decision_error(d))
		printf(" %s", writ_decision_error(d));
	if (writ_decision_description(d))
		printf(": %s", writ_decision_description(d));
	printf(")\n");
	if (writ_decision_challenge(d))
		printf("WWW-Authenticate: %s\n", writ_decision_challenge(d));
	status = writ_decision_allowed(d) ? EXIT_OK : EXIT_FAIL;
out:
	writ_decision_set_trace(d, NULL);
	writ_decision_free(d);
	free(header);
	return status;
}

static int explain_access(const writ_policy *p, struct explain_args *a)
{
	writ_verifier *v = writ_verifier_new();
	writ_keyset *keys = NULL;
	writ_token *t = writ_token_new();
	writ_trace *tr = writ_trace_new();
	char err[512], *owned = NULL;
	const char *token = a->token;
	long r = writ_resource_find(p, a->resource);
	size_t len;
	int rc, status = EXIT_USAGE;

	if (!v || !t || !tr) {
		cli_error("explain", "%s", writ_strerror(WRIT_ENOMEM));
		goto out;
	}
	if (r < 0) {
		cli_error("explain", "no resource \"%s\" in the policy", a->resource);
		status = EXIT_FAIL;
		goto out;
	}
	if ((rc = writ_keyset_load_file(a->jwks, &keys, err, sizeof(err))) != WRIT_OK) {
		cli_error("explain", "%s", rc == WRIT_ENOMEM ? writ_strerror(rc) : err);
		goto out;
	}
	if (writ_verifier_set_keys(v, keys) != WRIT_OK ||
	    writ_verifier_set_issuer(v, a->issuer) != WRIT_OK ||
	    writ_verifier_set_audience(v, a->resource) != WRIT_OK) {
		cli_error("explain", "--issuer must not be empty");
		goto out;
	}
	if (a->req.now > 0)
		writ_verifier_set_clock(v, cli_fixed_clock, &a->req.now);
	if (a->token_file) {
		owned = cli_read_token(a->token_file, &len);
		if (!owned) {
			cli_error("explain", "cannot read %s: %s", a->token_file, strerror(errno));
			goto out;
		}
		token = owned;
	} else {
		len = strlen(token);
	}
	printf("token for %s:\n", a->resource);
	if (writ_verify(v, token, len, t) != WRIT_OK) {
		printf("  rejected: %s\nverdict: deny\n", writ_token_reason(t));
		status = EXIT_FAIL;
		goto out;
	}
	printf("  valid: sub %s, scope \"%s\"\n",
	       writ_token_subject(t) ? writ_token_subject(t) : "(none)", writ_token_scope(t));
	print_token_scopes(p, (size_t)r, t);
	if (a->req.path) {
		status = explain_route(p, a, v, token, len, tr);
		goto out;
	}
	printf("access stack:\n");
	rc = writ_access(p, a->resource, t, &a->req, tr);
	print_trace(tr);
	printf("verdict: %s\n", writ_trace_verdict(tr));
	status = rc == WRIT_OK ? EXIT_OK : EXIT_FAIL;
out:
	free(owned);
	writ_trace_free(tr);
	writ_token_free(t);
	writ_verifier_free(v);
	writ_keyset_unref(keys);
	return status;
}

static int run(int argc, char **argv)
{
	struct explain_args a;
	writ_policy *policy = NULL;
	int status;

	memset(&a, 0, sizeof(a));
	a.req.size = sizeof(a.req);
	status = parse(argc, argv, &a);
	if (status != 0) {
		status = status == 1 ? EXIT_OK : EXIT_USAGE;
		goto out;
	}
	status = cli_load_policy_ex("explain", a.policies, a.npolicies, a.module_dir, &policy);
	if (status == EXIT_OK)
		status = a.access ? explain_access(policy, &a) : explain_grant(policy, &a);
out:
	writ_policy_unref(policy);
	free(a.policies);
	return status;
}

const struct command cmd_explain = {
	.name = "explain",
	.summary = "explain a grant or access decision, line by line",
	.usage = usage,
	.run = run,
};
