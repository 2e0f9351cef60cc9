/* cmd_lint.c: writ lint: the production load path, stopped before use. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>

#include "cli.h"

static const char usage[] =
	"Usage: writ lint [--werror] [-q] [--module-dir DIR] PATH...\n"
	"\n"
	"Check a policy: read it, resolve every name and check every rule exactly as\n"
	"loading it for use does, then report every error and warning of every file.\n"
	"Each PATH is a policy file or a directory whose *.writ files are read in\n"
	"name order; all PATHs together form one policy.\n"
	"\n"
	"Diagnostics go to standard output as\n"
	"  file:line:col: error: message [CODE]\n"
	"followed by the source line and a marker under the place.\n"
	"\n"
	"Options:\n"
	"  -W, --werror  treat warnings as errors (exit 1 when there is any)\n"
	"  -q, --quiet   print errors only: no warnings, no summary\n"
	"      --module-dir DIR  where loadable modules are (default: the\n"
	"                    installed module directory)\n"
	"  -h, --help    show this help and exit\n"
	"\n"
	"Exit status: 0 no error (warnings may be printed); 1 errors, or warnings\n"
	"with --werror; 2 usage error or a PATH that cannot be read.\n";

static void summary(const char *const *paths, int n, const writ_policy *p,
                    const writ_diagnostics *d)
{
	size_t e = writ_diagnostics_errors(d), w = writ_diagnostics_warnings(d);
	int i;

	for (i = 0; i < n; i++)
		printf("%s%s", i ? " " : "", paths[i]);
	if (!p) {
		printf(": %zu error%s, %zu warning%s\n", e, e == 1 ? "" : "s", w,
		       w == 1 ? "" : "s");
		return;
	}
	printf(": ok, %zu warning%s (%zu resource%s, %zu role%s, %zu app%s, %zu user%s)\n",
	       w, w == 1 ? "" : "s",
	       writ_resource_count(p), writ_resource_count(p) == 1 ? "" : "s",
	       writ_role_count(p), writ_role_count(p) == 1 ? "" : "s",
	       writ_principal_count(p, WRIT_PRINCIPAL_APP),
	       writ_principal_count(p, WRIT_PRINCIPAL_APP) == 1 ? "" : "s",
	       writ_principal_count(p, WRIT_PRINCIPAL_USER),
	       writ_principal_count(p, WRIT_PRINCIPAL_USER) == 1 ? "" : "s");
}

static int run(int argc, char **argv)
{
	static const struct option options[] = {
		{ "werror", no_argument, NULL, 'W' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "module-dir", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	writ_diagnostics *diags;
	struct writ_load_options opts = { .size = sizeof(opts) };
	writ_policy *policy = NULL;
	int werror = 0, quiet = 0, c, rc, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:Wqh", options, NULL)) != -1) {
		switch (c) {
		case 'W':
			werror = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'M':
			opts.module_dir = optarg;
			break;
		case ':':
			return cli_usage_error("lint", "option '%s' needs a value", argv[optind - 1]);
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("lint", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind == argc)
		return cli_usage_error("lint", "no PATH given");
	for (c = optind; c < argc; c++)
		if (!argv[c][0])
			return cli_usage_error("lint", "an empty PATH names nothing");

	diags = writ_diagnostics_new();
	if (!diags) {
		cli_error("lint", "%s", writ_strerror(WRIT_ENOMEM));
		return EXIT_USAGE;
	}
	rc = writ_policy_load_ex((const char *const *)argv + optind,
	                         (size_t)(argc - optind), &opts, diags, &policy);
	cli_print_diagnostics(stdout, diags, quiet);
	if (!quiet)
		summary((const char *const *)argv + optind, argc - optind, policy, diags);
	if (rc == WRIT_ENOMEM)
		cli_error("lint", "%s", writ_strerror(rc));
	if (rc == WRIT_EIO || rc == WRIT_ENOMEM || rc == WRIT_EINVAL)
		status = EXIT_USAGE;
	else if (rc != WRIT_OK || (werror && writ_diagnostics_warnings(diags) > 0))
		status = EXIT_FAIL;
	else
		status = EXIT_OK;
	writ_policy_unref(policy);
	writ_diagnostics_free(diags);
	return status;
}

const struct command cmd_lint = {
	.name = "lint",
	.summary = "check policy files and report every error and warning",
	.usage = usage,
	.run = run,
};
