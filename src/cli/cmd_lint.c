/* cmd_lint.c: writ lint: the production load path, stopped before use. */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "lint_report.h"

static const char usage[] =
	"Usage: writ lint [--format FORMAT] [--werror] [--disable CODE]... [-q]\n"
	"                 [--module-dir DIR] PATH...\n"
	"\n"
	"Check a policy: read it, resolve every name and check every rule exactly as\n"
	"loading it for use does, then report every error and warning of every file.\n"
	"Each PATH is a policy file or a directory whose *.writ files are read in\n"
	"name order; all PATHs together form one policy.\n"
	"\n"
	"Diagnostics go to standard output, by default as\n"
	"  file:line:col: error: message [CODE]\n"
	"followed by the source line and a marker under the place, then a summary.\n"
	"A warning is silenced on one line by a comment on that line, or alone on\n"
	"the line above it: # writ: ignore[W012] (errors cannot be). Infos are\n"
	"findings that are worth knowing but not wrong: they are shown and silenced\n"
	"like warnings, and never fail a run.\n"
	"\n"
	"Options:\n"
	"  -f, --format FORMAT  human (the default), json (JSON Lines: one object\n"
	"                    per diagnostic), sarif (SARIF 2.1.0, for code scanning)\n"
	"                    or github (GitHub Actions annotations)\n"
	"  -W, --werror  treat warnings as errors (exit 1 when there is any;\n"
	"                    infos do not count)\n"
	"  -d, --disable CODE[,CODE]...  do not report these warnings (repeatable;\n"
	"                    errors cannot be disabled)\n"
	"  -q, --quiet   print errors only: no warnings, no infos, no summary\n"
	"      --module-dir DIR  where loadable modules are (default: the\n"
	"                    installed module directory)\n"
	"  -h, --help    show this help and exit\n"
	"\n"
	"The codes and how to fix each are in writ.policy(5), DIAGNOSTICS.\n"
	"\n"
	"Exit status: 0 no error (warnings may be printed); 1 errors, or warnings\n"
	"with --werror; 2 usage error or a PATH that cannot be read.\n";

enum lint_format { FORMAT_HUMAN, FORMAT_JSON, FORMAT_SARIF, FORMAT_GITHUB };

/* Infos are counted only when there are some, to keep the usual line short. */
static void summary(const char *const *paths, int n, const writ_policy *p,
                    size_t e, size_t w, size_t infos)
{
	char extra[48] = "";
	int i;

	if (infos)
		snprintf(extra, sizeof(extra), ", %zu info%s", infos, infos == 1 ? "" : "s");
	for (i = 0; i < n; i++)
		printf("%s%s", i ? " " : "", paths[i]);
	if (!p) {
		printf(": %zu error%s, %zu warning%s%s\n", e, e == 1 ? "" : "s", w,
		       w == 1 ? "" : "s", extra);
		return;
	}
	printf(": ok, %zu warning%s%s (%zu resource%s, %zu role%s, %zu app%s, %zu user%s)\n",
	       w, w == 1 ? "" : "s", extra,
	       writ_resource_count(p), writ_resource_count(p) == 1 ? "" : "s",
	       writ_role_count(p), writ_role_count(p) == 1 ? "" : "s",
	       writ_principal_count(p, WRIT_PRINCIPAL_APP),
	       writ_principal_count(p, WRIT_PRINCIPAL_APP) == 1 ? "" : "s",
	       writ_principal_count(p, WRIT_PRINCIPAL_USER),
	       writ_principal_count(p, WRIT_PRINCIPAL_USER) == 1 ? "" : "s");
}

static int parse_format(const char *s, enum lint_format *out)
{
	static const char *const names[] = { "human", "json", "sarif", "github" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum lint_format)i;
			return 0;
		}
	return cli_usage_error("lint", "unknown format '%s': human, json, sarif or github", s);
}

/* Mark the codes of a --disable list (CODE[,CODE]...) in disabled[], indexed
 * as writ_diagnostic_code(). Errors cannot be disabled: a policy with one is
 * never compiled, so hiding it would only hide why. */
static int parse_disable(const char *list, bool *disabled)
{
	size_t ncodes = writ_diagnostic_code_count(), i;
	const char *p = list;

	for (;;) {
		size_t len = strcspn(p, ",");
		while (len && (*p == ' ' || *p == '\t'))
			p++, len--;
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		for (i = 0; i < ncodes; i++) {
			const char *code = writ_diagnostic_code(i);
			if (strlen(code) == len && strncasecmp(code, p, len) == 0)
				break;
		}
		if (i == ncodes)
			return cli_usage_error("lint", "--disable: unknown diagnostic code '%.*s'",
			                       (int)len, p);
		if (writ_diagnostic_code(i)[0] == 'E')
			return cli_usage_error("lint",
			                       "--disable: %s is an error; errors cannot be disabled",
			                       writ_diagnostic_code(i));
		disabled[i] = true;
		p += strcspn(p, ",");
		if (!*p)
			return 0;
		p++;
	}
}

static bool is_disabled(const char *code, const bool *disabled)
{
	size_t i, n = writ_diagnostic_code_count();

	for (i = 0; i < n; i++)
		if (disabled[i] && strcmp(writ_diagnostic_code(i), code) == 0)
			return true;
	return false;
}

/*
 * Which records to print: not those of a disabled code, nor warnings and
 * infos when quiet, nor the notes of a record not printed. Returns how
 * many warnings are reported: quiet hides warnings, but they still count
 * for --werror (and the library counts records past its limit, which are
 * not kept). Infos, which never fail a run, are counted in *infos.
 */
static size_t select_shown(const writ_diagnostics *diags, const bool *disabled,
                           int quiet, bool *shown, size_t *infos)
{
	size_t i, n = writ_diagnostics_count(diags), silenced = 0;
	bool head = false;

	*infos = 0;
	for (i = 0; i < n; i++) {
		const struct writ_diagnostic *d = writ_diagnostics_get(diags, i);
		if (d->severity != WRIT_SEVERITY_NOTE) {
			bool reported = !is_disabled(d->code, disabled);
			bool minor = d->severity == WRIT_SEVERITY_WARNING ||
			             d->severity == WRIT_SEVERITY_INFO;
			if (!reported && d->severity == WRIT_SEVERITY_WARNING)
				silenced++;
			if (reported && d->severity == WRIT_SEVERITY_INFO)
				++*infos;
			head = reported && !(quiet && minor);
		}
		shown[i] = head;
	}
	return writ_diagnostics_warnings(diags) - silenced;
}

static void print_human(const writ_diagnostics *diags, const bool *shown)
{
	size_t i, n = writ_diagnostics_count(diags);

	for (i = 0; i < n; i++)
		if (shown[i])
			cli_print_diagnostic(stdout, diags, i);
}

static int report(enum lint_format format, const writ_diagnostics *diags,
                  const bool *shown)
{
	switch (format) {
	case FORMAT_HUMAN:
		print_human(diags, shown);
		return 0;
	case FORMAT_JSON:
		return lint_report_json(stdout, diags, shown);
	case FORMAT_SARIF:
		return lint_report_sarif(stdout, diags, shown);
	case FORMAT_GITHUB:
		return lint_report_github(stdout, diags, shown);
	}
	return 0;
}

static int run(int argc, char **argv)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "werror", no_argument, NULL, 'W' },
		{ "disable", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "module-dir", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	writ_diagnostics *diags = NULL;
	struct writ_load_options opts = { .size = sizeof(opts) };
	writ_policy *policy = NULL;
	enum lint_format format = FORMAT_HUMAN;
	bool *disabled, *shown = NULL;
	size_t warnings = 0, infos = 0;
	int werror = 0, quiet = 0, c, rc, status = EXIT_USAGE;

	disabled = calloc(writ_diagnostic_code_count() + 1, sizeof(*disabled));
	if (!disabled) {
		cli_error("lint", "%s", writ_strerror(WRIT_ENOMEM));
		return EXIT_USAGE;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:f:Wd:qh", options, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (parse_format(optarg, &format) != 0)
				goto out;
			break;
		case 'W':
			werror = 1;
			break;
		case 'd':
			if (parse_disable(optarg, disabled) != 0)
				goto out;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'M':
			opts.module_dir = optarg;
			break;
		case ':':
			status = cli_usage_error("lint", "option '%s' needs a value", argv[optind - 1]);
			goto out;
		case 'h':
			fputs(usage, stdout);
			status = EXIT_OK;
			goto out;
		default:
			status = cli_usage_error("lint", "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	if (optind == argc) {
		status = cli_usage_error("lint", "no PATH given");
		goto out;
	}
	for (c = optind; c < argc; c++)
		if (!argv[c][0]) {
			status = cli_usage_error("lint", "an empty PATH names nothing");
			goto out;
		}

	diags = writ_diagnostics_new();
	if (!diags) {
		cli_error("lint", "%s", writ_strerror(WRIT_ENOMEM));
		goto out;
	}
	rc = writ_policy_load_ex((const char *const *)argv + optind,
	                         (size_t)(argc - optind), &opts, diags, &policy);
	shown = malloc((writ_diagnostics_count(diags) + 1) * sizeof(*shown));
	if (!shown)
		rc = WRIT_ENOMEM;
	else
		warnings = select_shown(diags, disabled, quiet, shown, &infos);
	if (shown && report(format, diags, shown) != 0)
		rc = WRIT_ENOMEM;
	if (shown && !quiet && (format == FORMAT_HUMAN || format == FORMAT_GITHUB))
		summary((const char *const *)argv + optind, argc - optind, policy,
		        writ_diagnostics_errors(diags), warnings, infos);
	if (rc == WRIT_ENOMEM)
		cli_error("lint", "%s", writ_strerror(rc));
	if (rc == WRIT_EIO || rc == WRIT_ENOMEM || rc == WRIT_EINVAL)
		status = EXIT_USAGE;
	else if (rc != WRIT_OK || (werror && warnings > 0))
		status = EXIT_FAIL;
	else
		status = EXIT_OK;
out:
	writ_policy_unref(policy);
	writ_diagnostics_free(diags);
	free(shown);
	free(disabled);
	return status;
}

const struct command cmd_lint = {
	.name = "lint",
	.summary = "check policy files and report every error and warning",
	.usage = usage,
	.run = run,
};
