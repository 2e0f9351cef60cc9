/*
 * writ.c: the writ command: subcommand dispatch, help and version. Every
 * subcommand goes through the public API only (include/writ.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct command *const commands[] = {
	&cmd_lint,
	&cmd_grant,
	&cmd_verify,
	&cmd_token,
	&cmd_keygen,
	&cmd_hash_secret,
	&cmd_explain,
	&cmd_diff,
	&cmd_serve,
	&cmd_test,
	&cmd_fmt,
	&cmd_compile,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "writ %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "writ %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'writ %s --help'.\n", cmd);
	return EXIT_USAGE;
}

char *cli_read_token(const char *path, size_t *len)
{
	FILE *f = path ? fopen(path, "rb") : stdin;
	char *buf;
	size_t n;
	int err;

	if (!f)
		return NULL;
	buf = malloc(CLI_MAX_TOKEN + 2);
	n = buf ? fread(buf, 1, CLI_MAX_TOKEN + 1, f) : 0;
	err = !buf ? ENOMEM : ferror(f) ? EIO : 0;
	if (f != stdin)
		fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

char *cli_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL, *p;
	size_t n = 0, cap = 0, got;
	int err = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			p = realloc(s, cap + 1);
			if (!p) {
				err = ENOMEM;
				break;
			}
			s = p;
		}
		errno = 0;
		got = fread(s + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				err = errno ? errno : EIO;
			break;
		}
	}
	fclose(f);
	if (err) {
		free(s);
		errno = err;
		return NULL;
	}
	s[n] = '\0';
	*len = n;
	return s;
}

size_t cli_dir_length(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? (size_t)(slash - path) + 1 : 0;
}

static int name_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cli_list_dir(const char *dir, const char *suffix, char ***files, size_t *n)
{
	size_t dlen = strlen(dir), slen = strlen(suffix), k = 0, i;
	const char *sep = dlen && dir[dlen - 1] == '/' ? "" : "/";
	char **names = NULL, **grown;
	struct dirent *de;
	DIR *d;
	int err = 0;

	d = opendir(dir);
	if (!d)
		return -1;
	for (;;) {
		size_t len;
		char *full;

		errno = 0;
		de = readdir(d);
		if (!de) {
			err = errno;
			break;
		}
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= slen ||
		    strcmp(de->d_name + len - slen, suffix) != 0)
			continue;
		grown = realloc(names, (k + 1) * sizeof(*grown));
		full = grown ? malloc(dlen + strlen(sep) + len + 1) : NULL;
		if (grown)
			names = grown;
		if (!full) {
			err = ENOMEM;
			break;
		}
		sprintf(full, "%s%s%s", dir, sep, de->d_name);
		names[k++] = full;
	}
	closedir(d);
	if (!err && k > 0) {
		grown = realloc(*files, (*n + k) * sizeof(*grown));
		if (!grown)
			err = ENOMEM;
		else
			*files = grown;
	}
	if (err) {
		for (i = 0; i < k; i++)
			free(names[i]);
		free(names);
		errno = err;
		return -1;
	}
	/* One directory: the same prefix, so the names' byte order. */
	if (k > 1)
		qsort(names, k, sizeof(*names), name_order);
	for (i = 0; i < k; i++)
		(*files)[(*n)++] = names[i];
	free(names);
	return 0;
}

double cli_fixed_clock(void *arg)
{
	return *(const double *)arg;
}

int cli_push(const char ***list, size_t *n, const char *v)
{
	const char **p = realloc(*list, (*n + 1) * sizeof(*p));

	if (!p)
		return -1;
	p[(*n)++] = v;
	*list = p;
	return 0;
}

void cli_print_diagnostic(FILE *f, const writ_diagnostics *diags, size_t i)
{
	char *text = writ_diagnostic_render(diags, i);

	if (!text) {
		const struct writ_diagnostic *d = writ_diagnostics_get(diags, i);

		fprintf(f, "%s: %s\n", d->file, d->message);
		return;
	}
	fputs(text, f);
	free(text);
}

void cli_print_diagnostics(FILE *f, const writ_diagnostics *diags)
{
	size_t i, n = writ_diagnostics_count(diags);
	int skipping = 0;

	for (i = 0; i < n; i++) {
		const struct writ_diagnostic *d = writ_diagnostics_get(diags, i);

		/* Drop warnings and infos, and the notes that belong to them. */
		if (d->severity != WRIT_SEVERITY_NOTE)
			skipping = d->severity == WRIT_SEVERITY_WARNING ||
			           d->severity == WRIT_SEVERITY_INFO;
		if (!skipping)
			cli_print_diagnostic(f, diags, i);
	}
}

int cli_load_policy_ex(const char *cmd, const char *const *paths, size_t npaths,
                       const char *module_dir, writ_policy **out)
{
	return cli_load_policy_as(cmd, "the policy", paths, npaths, module_dir, out);
}

int cli_load_policy_as(const char *cmd, const char *what, const char *const *paths,
                       size_t npaths, const char *module_dir, writ_policy **out)
{
	struct writ_load_options opts = { .size = sizeof(opts), .module_dir = module_dir };
	writ_diagnostics *diags = writ_diagnostics_new();
	int rc;

	if (!diags) {
		cli_error(cmd, "%s", writ_strerror(WRIT_ENOMEM));
		return EXIT_USAGE;
	}
	rc = writ_policy_load_ex(paths, npaths, &opts, diags, out);
	if (rc != WRIT_OK) {
		cli_print_diagnostics(stderr, diags);
		cli_error(cmd, "cannot load %s: %s", what, writ_strerror(rc));
	}
	writ_diagnostics_free(diags);
	return rc == WRIT_OK ? EXIT_OK : EXIT_USAGE;
}

static void print_help(FILE *f)
{
	size_t i;

	fputs("Usage: writ COMMAND [OPTION]... [ARG]...\n"
	      "\n"
	      "writ compiles declarative RBAC policy files into a decision table and\n"
	      "answers OAuth 2.0 authorization questions from it.\n"
	      "\n"
	      "Commands:\n", f);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
	fputs("  help         show help for writ or for a command\n"
	      "\n"
	      "Options:\n"
	      "  -h, --help     show this help and exit\n"
	      "  -V, --version  show the version and exit\n"
	      "\n"
	      "Run 'writ help COMMAND' or 'writ COMMAND --help' for a command's options.\n"
	      "Exit status: 0 success, 1 the answer is no (errors, unknown names),\n"
	      "2 usage, input or configuration error.\n", f);
}

static const struct command *find(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	fprintf(stderr, "writ: unknown command '%s'\nTry 'writ help'.\n", name);
	return EXIT_USAGE;
}

static int help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 3) {
		print_help(stdout);
		return EXIT_OK;
	}
	if (argc > 3) {
		fputs("writ help: too many arguments\nUsage: writ help [COMMAND]\n", stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[2], "help") == 0) {
		fputs("Usage: writ help [COMMAND]\n\nShow help for writ or for COMMAND.\n",
		      stdout);
		return EXIT_OK;
	}
	c = find(argv[2]);
	if (!c)
		return unknown_command(argv[2]);
	fputs(c->usage, stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct command *c;
	const char *cmd;
	int i;

	if (argc < 2) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		print_help(stdout);
		return EXIT_OK;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("writ %s\n", PACKAGE_VERSION);
		if (strcmp(writ_version(), PACKAGE_VERSION) != 0)
			printf("libwrit %s\n", writ_version());
		return EXIT_OK;
	}
	if (strcmp(cmd, "help") == 0)
		return help(argc, argv);
	if (cmd[0] == '-') {
		fprintf(stderr, "writ: unknown option '%s'\nTry 'writ help'.\n", cmd);
		return EXIT_USAGE;
	}
	c = find(cmd);
	if (!c)
		return unknown_command(cmd);
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(c->usage, stdout);
			return EXIT_OK;
		}
	}
	return c->run(argc - 1, argv + 1);
}

/* The next space-separated word of [*s, end): its start, its length in
 * *len, and *s moved past it; NULL when no word is left. */
const char *cli_next_word(const char **s, const char *end, size_t *len)
{
	const char *w = *s;

	while (w < end && *w == ' ')
		w++;
	if (w == end)
		return NULL;
	for (*len = 0; w + *len < end && w[*len] != ' ';)
		(*len)++;
	*s = w + *len;
	return w;
}

/* Is word (len bytes, not NUL-ended) one of the words of [list, end)? */
int cli_has_word(const char *list, const char *end, const char *word, size_t len)
{
	const char *w;
	size_t n;

	while ((w = cli_next_word(&list, end, &n)) != NULL)
		if (n == len && memcmp(w, word, len) == 0)
			return 1;
	return 0;
}
