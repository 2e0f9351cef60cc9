/*
 * cmd_token.c: writ token: mint an access token offline, through the same
 * grant API the token service uses. For tests, demonstrations and scripts.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char usage[] =
	"Usage: writ token --policy PATH --key KEY.pem --client ID\n"
	"                  [--resource URI] [--scope \"S1 S2\"] [--ttl SECONDS]\n"
	"                  [--kid KID] [--now EPOCH] [--module-dir DIR]\n"
	"\n"
	"Print a signed RFC 9068 access token (typ at+jwt) for an app: iss is the\n"
	"policy's issuer, aud the resource, sub and client_id the app, scope what\n"
	"`writ grant` would grant, iat now, exp now plus the resource's token\n"
	"lifetime (or --ttl), and a random jti.\n"
	"\n"
	"Options:\n"
	"  -p, --policy PATH     policy file or directory (repeatable: one policy)\n"
	"  -k, --key FILE        the PEM private key to sign with (mode 0600)\n"
	"  -c, --client ID       the app the token is for\n"
	"  -r, --resource URI    the audience (default: the default resource)\n"
	"  -s, --scope SCOPES    requested scopes, separated by spaces\n"
	"  -t, --ttl SECONDS     lifetime instead of the resource's\n"
	"      --kid KID         the kid to name instead of the key's thumbprint\n"
	"  -n, --now EPOCH       the issue time (default: now)\n"
	"      --module-dir DIR  where loadable modules are\n"
	"  -h, --help            show this help and exit\n"
	"\n"
	"Exit status: 0 success; 1 unknown app or resource; 2 usage error, a\n"
	"policy that cannot be loaded or a key that cannot be used.\n";

struct token_args {
	const char **policies;
	size_t npolicies;
	const char *key, *client, *resource, *scope, *kid, *module_dir;
	unsigned long ttl;
	double now;
	int has_now;
};

static int parse(int argc, char **argv, struct token_args *a)
{
	static const struct option options[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "key", required_argument, NULL, 'k' },
		{ "client", required_argument, NULL, 'c' },
		{ "resource", required_argument, NULL, 'r' },
		{ "scope", required_argument, NULL, 's' },
		{ "ttl", required_argument, NULL, 't' },
		{ "kid", required_argument, NULL, 'K' },
		{ "now", required_argument, NULL, 'n' },
		{ "module-dir", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:p:k:c:r:s:t:n:h", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_push(&a->policies, &a->npolicies, optarg) < 0)
				return cli_usage_error("token", "out of memory");
			break;
		case 'k': a->key = optarg; break;
		case 'c': a->client = optarg; break;
		case 'r': a->resource = optarg; break;
		case 's': a->scope = optarg; break;
		case 'K': a->kid = optarg; break;
		case 'M': a->module_dir = optarg; break;
		case 't':
			errno = 0;
			a->ttl = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || a->ttl == 0 ||
			    a->ttl > 2147483647UL)
				return cli_usage_error("token", "--ttl takes 1 to 2147483647 seconds, not '%s'", optarg);
			break;
		case 'n':
			errno = 0;
			a->now = strtod(optarg, &end);
			/* A validator accepts times up to 2^53 (RFC 7519 NumericDate,
			 * bounded): leave room for the lifetime. */
			if (errno || end == optarg || *end || !isfinite(a->now) || a->now < 0 ||
			    a->now > 9007199254740992.0 - 4294967296.0)
				return cli_usage_error("token", "--now takes seconds since the epoch "
				                       "(0 to 2^53 - 2^32), not '%s'", optarg);
			a->has_now = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case ':':
			return cli_usage_error("token", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("token", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("token", "unexpected argument '%s'", argv[optind]);
	if (!a->npolicies || !a->key || !a->client)
		return cli_usage_error("token", "--policy, --key and --client are required");
	if (a->kid && !*a->kid)
		return cli_usage_error("token", "--kid must not be empty");
	return 0;
}

static int mint(const struct token_args *a, const writ_policy *policy,
                const writ_signer *signer)
{
	size_t scope_len = a->scope ? strlen(a->scope) : 0;
	char *token = NULL;
	double now = a->has_now ? a->now : (double)time(NULL);
	int rc;

	if (writ_principal_find(policy, WRIT_PRINCIPAL_APP, a->client) < 0) {
		cli_error("token", "no app \"%s\" in the policy", a->client);
		return EXIT_FAIL;
	}
	if (!writ_issuer(policy)) {
		cli_error("token", "the policy declares no issuer block, so a token has no iss");
		return EXIT_USAGE;
	}
	rc = writ_mint(signer, policy, a->client, a->resource, a->scope, scope_len,
	               (uint32_t)a->ttl, now, &token);
	switch (rc) {
	case WRIT_OK:
		printf("%s\n", token);
		free(token);
		return EXIT_OK;
	case WRIT_ENORESOURCE:
		if (a->resource)
			cli_error("token", "no resource \"%s\" in the policy", a->resource);
		else
			cli_error("token", "no --resource given and the policy marks no default resource");
		return EXIT_FAIL;
	case WRIT_EMALFORMED:
		cli_error("token", "malformed --scope: scopes are separated by spaces and hold "
		          "printable ASCII other than '\"' and '\\'");
		return EXIT_USAGE;
	default:
		cli_error("token", "%s", writ_strerror(rc));
		return EXIT_USAGE;
	}
}

static int run(int argc, char **argv)
{
	struct token_args a;
	writ_policy *policy = NULL;
	writ_signer *signer = NULL;
	char err[512];
	int status, rc;

	memset(&a, 0, sizeof(a));
	status = parse(argc, argv, &a);
	if (status != 0) {
		status = status == 1 ? EXIT_OK : EXIT_USAGE;
		goto out;
	}
	status = cli_load_policy_ex("token", a.policies, a.npolicies, a.module_dir, &policy);
	if (status != EXIT_OK)
		goto out;
	rc = writ_signer_load(a.key, a.kid, &signer, err, sizeof(err));
	if (rc != WRIT_OK) {
		cli_error("token", "%s", rc == WRIT_ENOMEM ? writ_strerror(rc) : err);
		status = EXIT_USAGE;
		goto out;
	}
	status = mint(&a, policy, signer);
out:
	writ_signer_free(signer);
	writ_policy_unref(policy);
	free(a.policies);
	return status;
}

const struct command cmd_token = {
	.name = "token",
	.summary = "mint a signed access token offline through the grant API",
	.usage = usage,
	.run = run,
};
