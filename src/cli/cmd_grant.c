/*
 * cmd_grant.c: writ grant: the token issuer's question from a shell. Which
 * scopes does this app or user get on these resources?
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"Usage: writ grant --policy PATH (--client ID | --user ID)\n"
	"                  [--resource URI]... [--scope \"S1 S2 ...\"] [--module-dir DIR]\n"
	"\n"
	"Print the scopes a token would get: for each resource, the requested\n"
	"scopes that the resource declares and the principal holds through its\n"
	"roles (RFC 6749 section 3.3 downscoping). Several resources with one scope\n"
	"list are the cartesian product of RFC 8707 section 2.2, downscoped per\n"
	"resource. Unknown or unheld scopes are dropped, not errors. Without\n"
	"--scope, the resource's default scopes are requested (none unless the\n"
	"policy declares them). Without --resource, the policy's default resource\n"
	"is used.\n"
	"\n"
	"Output: one line per resource, the indicator, a tab, then the granted\n"
	"scopes separated by single spaces in the order the resource declares\n"
	"them (nothing after the tab when none is granted).\n"
	"\n"
	"Options:\n"
	"  -p, --policy PATH     policy file or directory (repeatable: one policy)\n"
	"  -c, --client ID       ask for an app (client_id)\n"
	"  -u, --user ID         ask for a user\n"
	"  -r, --resource URI    resource indicator (repeatable)\n"
	"  -s, --scope SCOPES    requested scopes, separated by spaces\n"
	"      --module-dir DIR  where loadable modules are\n"
	"  -h, --help            show this help and exit\n"
	"\n"
	"Exit status: 0 success; 1 unknown app, user or resource, or the grant stack\n"
	"denied the request; 2 usage error,\n"
	"malformed scope, or a policy that cannot be loaded.\n";

struct grant_args {
	const char **policies, **resources;
	size_t npolicies, nresources;
	const char *principal, *scope, *module_dir;
	enum writ_principal_kind kind;
};

enum { OPT_MODDIR = 256 };

static int parse(int argc, char **argv, struct grant_args *a)
{
	static const struct option options[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "client", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "resource", required_argument, NULL, 'r' },
		{ "scope", required_argument, NULL, 's' },
		{ "module-dir", required_argument, NULL, OPT_MODDIR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:p:c:u:r:s:h", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_push(&a->policies, &a->npolicies, optarg) < 0)
				return -1;
			break;
		case 'c':
		case 'u':
			if (a->principal)
				return cli_usage_error("grant", "give one --client or one --user");
			a->principal = optarg;
			a->kind = c == 'c' ? WRIT_PRINCIPAL_APP : WRIT_PRINCIPAL_USER;
			break;
		case 'r':
			if (cli_push(&a->resources, &a->nresources, optarg) < 0)
				return -1;
			break;
		case 's':
			if (a->scope)
				return cli_usage_error("grant", "give --scope once, with every scope separated by spaces");
			a->scope = optarg;
			break;
		case OPT_MODDIR:
			a->module_dir = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case ':':
			return cli_usage_error("grant", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("grant", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("grant", "unexpected argument '%s'", argv[optind]);
	if (!a->npolicies)
		return cli_usage_error("grant", "--policy is required");
	if (!a->principal)
		return cli_usage_error("grant", "--client or --user is required");
	return 0;
}

static int answer(const writ_policy *p, const struct grant_args *a)
{
	const char *noun = a->kind == WRIT_PRINCIPAL_APP ? "app" : "user";
	size_t scope_len = a->scope ? strlen(a->scope) : 0, i, cap, used = 0;
	size_t *offsets;
	char *out;
	int rc;

	if (writ_principal_find(p, a->kind, a->principal) < 0) {
		cli_error("grant", "no %s \"%s\" in the policy", noun, a->principal);
		return EXIT_FAIL;
	}
	for (i = 0; i < a->nresources; i++) {
		if (writ_resource_find(p, a->resources[i]) < 0) {
			cli_error("grant", "no resource \"%s\" in the policy", a->resources[i]);
			return EXIT_FAIL;
		}
	}
	offsets = calloc(a->nresources, sizeof(*offsets));
	cap = (scope_len + 1) * a->nresources + 64;
	out = malloc(cap);
	if (!offsets || !out) {
		free(offsets);
		free(out);
		cli_error("grant", "%s", writ_strerror(WRIT_ENOMEM));
		return EXIT_USAGE;
	}
	rc = writ_grant_each(p, a->kind, a->principal, a->resources, a->nresources,
	                     a->scope, scope_len, out, cap, offsets, &used);
	if (rc == WRIT_ERANGE) {
		/* Default scopes may be longer than the request: size for them. */
		char *bigger = realloc(out, used);
		if (bigger) {
			out = bigger;
			rc = writ_grant_each(p, a->kind, a->principal, a->resources,
			                     a->nresources, a->scope, scope_len, out, used,
			                     offsets, &used);
		}
	}
	if (rc == WRIT_OK)
		for (i = 0; i < a->nresources; i++)
			printf("%s\t%s\n", a->resources[i], out + offsets[i]);
	else if (rc == WRIT_EDENIED)
		cli_error("grant", "the grant stack denied the request (writ explain shows why)");
	else if (rc == WRIT_EMALFORMED)
		cli_error("grant", "malformed --scope: scopes are separated by spaces and "
		          "hold printable ASCII other than '\"' and '\\'");
	else
		cli_error("grant", "%s", writ_strerror(rc));
	free(offsets);
	free(out);
	return rc == WRIT_OK ? EXIT_OK : rc == WRIT_EMALFORMED ? EXIT_USAGE : EXIT_FAIL;
}

static int run(int argc, char **argv)
{
	struct grant_args a;
	writ_policy *policy = NULL;
	long dflt;
	int status;

	memset(&a, 0, sizeof(a));
	status = parse(argc, argv, &a);
	if (status != 0) {
		if (status < 0)
			cli_error("grant", "%s", writ_strerror(WRIT_ENOMEM));
		status = status == 1 ? EXIT_OK : EXIT_USAGE;
		goto out;
	}
	status = cli_load_policy_ex("grant", a.policies, a.npolicies, a.module_dir, &policy);
	if (status != EXIT_OK)
		goto out;
	if (writ_principal_find(policy, a.kind, a.principal) < 0) {
		cli_error("grant", "no %s \"%s\" in the policy",
		          a.kind == WRIT_PRINCIPAL_APP ? "app" : "user", a.principal);
		status = EXIT_FAIL;
		goto out;
	}
	if (a.nresources == 0) {
		dflt = writ_resource_default(policy);
		if (dflt < 0) {
			cli_error("grant", "no --resource given and the policy marks no default resource");
			status = EXIT_FAIL;
			goto out;
		}
		if (cli_push(&a.resources, &a.nresources, writ_resource_indicator(policy, (size_t)dflt)) < 0) {
			cli_error("grant", "%s", writ_strerror(WRIT_ENOMEM));
			status = EXIT_USAGE;
			goto out;
		}
	}
	status = answer(policy, &a);
out:
	writ_policy_unref(policy);
	free(a.policies);
	free(a.resources);
	return status;
}

const struct command cmd_grant = {
	.name = "grant",
	.summary = "print the scopes a principal gets on resources",
	.usage = usage,
	.run = run,
};
