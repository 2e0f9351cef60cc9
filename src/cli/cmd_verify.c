/*
 * cmd_verify.c: writ verify: validate an access token from a shell, by the
 * same rules a gateway embedding libwrit applies.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"Usage: writ verify --jwks FILE --issuer ISS --audience AUD [--scope S]...\n"
	"                   [--now EPOCH] [--leeway SECONDS] [--alg LIST] [--print]\n"
	"                   (TOKEN | - | --token-file FILE)\n"
	"\n"
	"Validate an RFC 9068 JWT access token: three canonical base64url segments,\n"
	"strict JSON, an allowed alg, typ at+jwt, a kid found in the key set (and\n"
	"no other key), a good signature, the issuer and audience compared byte for\n"
	"byte, exp (required), nbf and iat against the clock, and a well-formed\n"
	"scope claim holding every --scope.\n"
	"\n"
	"The token is TOKEN, or standard input with '-', or the contents of\n"
	"--token-file. Bytes read from standard input or a file are the token\n"
	"exactly: nothing is trimmed, so a trailing newline makes it invalid\n"
	"(use printf '%s', not echo).\n"
	"\n"
	"Options:\n"
	"  -k, --jwks FILE         key set (JWKS) of the issuer's public keys\n"
	"  -i, --issuer ISS        expected iss\n"
	"  -a, --audience AUD      expected audience (a resource indicator)\n"
	"  -s, --scope S           a permission the token must carry (repeatable)\n"
	"  -n, --now EPOCH         the time to check against, in seconds since the\n"
	"                          epoch (default: now)\n"
	"  -l, --leeway SECONDS    clock skew allowed, 0 to 300 (default 0)\n"
	"      --alg LIST          allowed algorithms, comma-separated, among ES256,\n"
	"                          ES384, RS256, PS256, EdDSA (default ES256,RS256,EdDSA)\n"
	"  -f, --token-file FILE   read the token from FILE\n"
	"  -p, --print             print the claims as JSON when the token is valid\n"
	"  -h, --help              show this help and exit\n"
	"\n"
	"Exit status: 0 accepted; 1 rejected (the reason on standard error);\n"
	"2 usage or configuration error (such as an unreadable or invalid JWKS).\n";

struct verify_args {
	const char *jwks, *issuer, *audience, *algs, *token, *token_file;
	const char **scopes;
	size_t nscopes;
	double now;
	int has_now, print;
	unsigned leeway;
};

static int number(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && isfinite(*out) ? 0 : -1;
}

static int parse(int argc, char **argv, struct verify_args *a)
{
	static const struct option options[] = {
		{ "jwks", required_argument, NULL, 'k' },
		{ "issuer", required_argument, NULL, 'i' },
		{ "audience", required_argument, NULL, 'a' },
		{ "scope", required_argument, NULL, 's' },
		{ "now", required_argument, NULL, 'n' },
		{ "leeway", required_argument, NULL, 'l' },
		{ "alg", required_argument, NULL, 'A' },
		{ "token-file", required_argument, NULL, 'f' },
		{ "print", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double d;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:k:i:a:s:n:l:f:ph", options, NULL)) != -1) {
		switch (c) {
		case 'k': a->jwks = optarg; break;
		case 'i': a->issuer = optarg; break;
		case 'a': a->audience = optarg; break;
		case 'A': a->algs = optarg; break;
		case 'f': a->token_file = optarg; break;
		case 'p': a->print = 1; break;
		case 's':
			if (cli_push(&a->scopes, &a->nscopes, optarg) < 0)
				return cli_usage_error("verify", "out of memory");
			break;
		case 'n':
			if (number(optarg, &a->now) < 0)
				return cli_usage_error("verify", "--now takes seconds since the epoch, not '%s'", optarg);
			a->has_now = 1;
			break;
		case 'l':
			if (number(optarg, &d) < 0 || d < 0 || d > 300 || d != floor(d))
				return cli_usage_error("verify", "--leeway takes whole seconds from 0 to 300, not '%s'", optarg);
			a->leeway = (unsigned)d;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case ':':
			return cli_usage_error("verify", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("verify", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!a->jwks || !a->issuer || !a->audience)
		return cli_usage_error("verify", "--jwks, --issuer and --audience are required");
	for (size_t i = 0; i < a->nscopes; i++)
		if (!writ_scope_token_valid(a->scopes[i], strlen(a->scopes[i])))
			return cli_usage_error("verify", "--scope '%s' is not one scope-token "
			                       "(printable ASCII other than space, '\"' and '\\')",
			                       a->scopes[i]);
	if (a->token_file && optind < argc)
		return cli_usage_error("verify", "give the token as an argument or with --token-file, not both");
	if (!a->token_file && optind + 1 != argc)
		return cli_usage_error("verify", optind == argc ? "no token given" : "give exactly one token");
	if (!a->token_file)
		a->token = argv[optind];
	return 0;
}

static int configure(const struct verify_args *a, writ_verifier *v)
{
	char err[512];
	writ_keyset *keys = NULL;
	int rc;

	rc = writ_keyset_load_file(a->jwks, &keys, err, sizeof(err));
	if (rc != WRIT_OK) {
		cli_error("verify", "%s", rc == WRIT_ENOMEM ? writ_strerror(rc) : err);
		return EXIT_USAGE;
	}
	rc = writ_verifier_set_keys(v, keys);
	writ_keyset_unref(keys);
	if (rc != WRIT_OK || writ_verifier_set_issuer(v, a->issuer) != WRIT_OK ||
	    writ_verifier_set_audience(v, a->audience) != WRIT_OK ||
	    writ_verifier_set_leeway(v, a->leeway) != WRIT_OK) {
		cli_error("verify", "--issuer and --audience must not be empty");
		return EXIT_USAGE;
	}
	if (a->algs && writ_verifier_set_algorithms(v, a->algs) != WRIT_OK) {
		cli_error("verify", "--alg: '%s' is not a comma-separated list of ES256, ES384, RS256, PS256, EdDSA",
		          a->algs);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int judge(const struct verify_args *a, writ_verifier *v, const char *token,
                 size_t len)
{
	writ_token *t = writ_token_new();
	size_t missing = 0;
	int rc, status = EXIT_FAIL;

	if (!t) {
		cli_error("verify", "%s", writ_strerror(WRIT_ENOMEM));
		return EXIT_USAGE;
	}
	rc = writ_verify(v, token, len, t);
	if (rc == WRIT_ETOKEN) {
		fprintf(stderr, "writ verify: rejected: %s\n", writ_token_reason(t));
	} else if (rc != WRIT_OK) {
		cli_error("verify", "%s", writ_strerror(rc));
		status = EXIT_USAGE;
	} else if (a->nscopes &&
	           writ_check(writ_token_scope(t), strlen(writ_token_scope(t)), a->scopes,
	                      a->nscopes, &missing) != WRIT_OK) {
		fprintf(stderr, "writ verify: rejected: insufficient scope: \"%s\" is not granted\n",
		        a->scopes[missing]);
	} else {
		status = EXIT_OK;
		if (a->print) {
			char *json = writ_token_claims_json(t);
			if (json)
				printf("%s\n", json);
			free(json);
		}
	}
	writ_token_free(t);
	return status;
}

static int run(int argc, char **argv)
{
	struct verify_args a;
	writ_verifier *v = NULL;
	char *owned = NULL;
	const char *token;
	size_t len;
	int status;

	memset(&a, 0, sizeof(a));
	status = parse(argc, argv, &a);
	if (status != 0) {
		status = status == 1 ? EXIT_OK : EXIT_USAGE;
		goto out;
	}
	v = writ_verifier_new();
	if (!v) {
		cli_error("verify", "%s", writ_strerror(WRIT_ENOMEM));
		status = EXIT_USAGE;
		goto out;
	}
	if ((status = configure(&a, v)) != EXIT_OK)
		goto out;
	if (a.has_now)
		writ_verifier_set_clock(v, cli_fixed_clock, &a.now);
	if (a.token_file || strcmp(a.token, "-") == 0) {
		owned = cli_read_token(a.token_file, &len);
		if (!owned && a.token_file && errno != ENOMEM && errno != EIO) {
			cli_error("verify", "cannot read %s: %s", a.token_file, strerror(errno));
			status = EXIT_USAGE;
			goto out;
		}
		if (!owned) {
			cli_error("verify", "cannot read the token");
			status = EXIT_USAGE;
			goto out;
		}
		if (len > CLI_MAX_TOKEN) {
			/* Only CLI_MAX_TOKEN + 1 bytes were read: an endless input must
			 * not hang writ, so say what is known. */
			fprintf(stderr, "writ verify: rejected: token is longer than %d bytes\n",
			        CLI_MAX_TOKEN);
			status = EXIT_FAIL;
			goto out;
		}
		token = owned;
	} else {
		token = a.token;
		len = strlen(token);
	}
	status = judge(&a, v, token, len);
out:
	writ_verifier_free(v);
	free(owned);
	free(a.scopes);
	return status;
}

const struct command cmd_verify = {
	.name = "verify",
	.summary = "validate a JWT access token against a key set",
	.usage = usage,
	.run = run,
};
