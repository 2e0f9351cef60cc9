/*
 * cmd_compile.c: writ compile: load a policy and write its decision table
 * as a snapshot, which every command, writ serve and the nginx module load
 * in place of the policy, with mmap, in far less time than a parse.
 */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char usage[] =
	"Usage: writ compile [--module-dir DIR] [-v] -o FILE PATH...\n"
	"\n"
	"Load the policy of PATH... (policy files and directories, as writ lint\n"
	"reads them) and write its decision table to FILE as a snapshot: a\n"
	"versioned, checksummed binary file that writ, writ serve and the nginx\n"
	"module load with mmap instead of parsing the policy, so that worker\n"
	"processes share one copy. Name it NAME.wdt. The file is replaced\n"
	"atomically and made readable by its owner only (mode 0600): it holds the\n"
	"apps' secret hashes. A policy with errors is refused and nothing is\n"
	"written. A snapshot that is damaged, cut short, from a machine of the\n"
	"other byte order or from another version of writ is refused when loaded:\n"
	"compile the policy again after upgrading writ.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE     where to write the snapshot (required)\n"
	"      --module-dir DIR  where loadable modules are\n"
	"  -v, --verbose         say what was written, on stderr\n"
	"  -h, --help            show this help and exit\n"
	"\n"
	"Exit status: 0 written; 1 the policy has errors; 2 usage error, a path\n"
	"that cannot be read or a FILE that cannot be written.\n";

struct compile_args {
	const char *output, *module_dir;
	bool verbose;
};

enum { OPT_MODDIR = 256 };

static int parse(int argc, char **argv, struct compile_args *a)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "module-dir", required_argument, NULL, OPT_MODDIR },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, i;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:o:vh", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (a->output)
				return cli_usage_error("compile", "give -o once");
			a->output = optarg;
			break;
		case OPT_MODDIR:
			a->module_dir = optarg;
			break;
		case 'v':
			a->verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case ':':
			return cli_usage_error("compile", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("compile", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!a->output)
		return cli_usage_error("compile", "-o FILE is required");
	if (!a->output[0])
		return cli_usage_error("compile", "an empty FILE names nothing");
	if (optind == argc)
		return cli_usage_error("compile", "no PATH given");
	for (i = optind; i < argc; i++)
		if (!argv[i][0])
			return cli_usage_error("compile", "an empty PATH names nothing");
	return 0;
}

/* Writing the snapshot over one of the policy's own files would lose it. */
static bool overwrites_input(const char *output, char **paths, int n)
{
	struct stat out, in;
	int i;

	if (stat(output, &out) != 0)
		return false;
	for (i = 0; i < n; i++)
		if (stat(paths[i], &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino)
			return true;
	return false;
}

static int run(int argc, char **argv)
{
	struct compile_args a;
	struct writ_load_options opts = { .size = sizeof(opts) };
	writ_diagnostics *diags = NULL;
	writ_policy *policy = NULL;
	char err[512];
	int status, rc;

	memset(&a, 0, sizeof(a));
	status = parse(argc, argv, &a);
	if (status != 0)
		return status == 1 ? EXIT_OK : EXIT_USAGE;
	if (overwrites_input(a.output, argv + optind, argc - optind)) {
		cli_error("compile", "%s is one of the policy's paths: write the snapshot elsewhere",
		          a.output);
		return EXIT_USAGE;
	}
	diags = writ_diagnostics_new();
	if (!diags) {
		cli_error("compile", "%s", writ_strerror(WRIT_ENOMEM));
		return EXIT_USAGE;
	}
	opts.module_dir = a.module_dir;
	rc = writ_policy_load_ex((const char *const *)argv + optind, (size_t)(argc - optind), &opts,
	                         diags, &policy);
	if (rc != WRIT_OK) {
		cli_print_diagnostics(stderr, diags);
		cli_error("compile", "cannot load the policy: %s", writ_strerror(rc));
		status = rc == WRIT_EPOLICY ? EXIT_FAIL : EXIT_USAGE;
		goto out;
	}
	rc = writ_policy_save(policy, a.output, err, sizeof(err));
	if (rc != WRIT_OK) {
		cli_error("compile", "%s", err);
		status = EXIT_USAGE;
		goto out;
	}
	if (a.verbose) {
		struct stat st;
		fprintf(stderr, "writ compile: wrote %s, %lld bytes\n", a.output,
		        stat(a.output, &st) == 0 ? (long long)st.st_size : -1LL);
	}
	status = EXIT_OK;
out:
	writ_policy_unref(policy);
	writ_diagnostics_free(diags);
	return status;
}

const struct command cmd_compile = {
	.name = "compile",
	.summary = "write a policy's decision table as a snapshot file",
	.usage = usage,
	.run = run,
};
