/* cmd_fmt.c: writ fmt: write policy files in their canonical layout. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fmt.h"

static const char usage[] =
    "Usage: writ fmt [--check | --write | --diff] PATH...\n"
    "\n"
    "Lay out policy files in writ's one canonical layout: one item per line,\n"
    "blocks indented by four spaces, '{' at the end of its line, runs of\n"
    "settings, permissions and routes aligned in columns, comments kept where\n"
    "they were. Strings and comments are kept byte for byte; only the space\n"
    "between tokens changes, so the policy means the same. Each PATH is a policy\n"
    "file or a directory whose *.writ files are formatted. A file with a syntax\n"
    "error is left alone and its errors are reported.\n"
    "\n"
    "Without an option the formatted text of the one file named goes to\n"
    "standard output.\n"
    "\n"
    "Options:\n"
    "  -c, --check   print the names of the files that are not formatted, and\n"
    "                    exit 1 when there is any\n"
    "  -w, --write   rewrite the files that are not formatted, in place\n"
    "  -d, --diff    print what formatting would change, as a unified diff,\n"
    "                    and exit 1 when it would change anything\n"
    "  -h, --help    show this help and exit\n"
    "\n"
    "Exit status: 0 done (or nothing to change); 1 with --check or --diff, some\n"
    "file would change; 2 usage error, a file that cannot be read or written,\n"
    "or a syntax error.\n";

enum fmt_mode { MODE_PRINT, MODE_CHECK, MODE_WRITE, MODE_DIFF };

/* The syntax errors of the file itself (E001 to E005): fmt refuses those
 * files, and prints their diagnostics. Errors about meaning are lint's. */
static bool is_syntax_code(const char *code)
{
	return strcmp(code, "E001") >= 0 && strcmp(code, "E005") <= 0 && strlen(code) == 4;
}

static int check_syntax(const char *path)
{
	writ_diagnostics *diags = writ_diagnostics_new();
	writ_policy *policy = NULL;
	size_t i, n, bad = 0;
	bool shown = false;

	if (!diags) {
		cli_error("fmt", "%s", writ_strerror(WRIT_ENOMEM));
		return -1;
	}
	writ_policy_load(&path, 1, 0, diags, &policy);
	writ_policy_unref(policy);
	n = writ_diagnostics_count(diags);
	for (i = 0; i < n; i++) {
		const struct writ_diagnostic *d = writ_diagnostics_get(diags, i);
		if (d->severity != WRIT_SEVERITY_NOTE)
			shown = d->severity == WRIT_SEVERITY_ERROR && is_syntax_code(d->code) &&
			        strcmp(d->file, path) == 0;
		if (!shown)
			continue;
		bad += d->severity == WRIT_SEVERITY_ERROR;
		cli_print_diagnostic(stderr, diags, i);
	}
	writ_diagnostics_free(diags);
	if (bad)
		cli_error("fmt", "%s: not formatted: %zu syntax error%s", path, bad,
		          bad == 1 ? "" : "s");
	return bad ? -1 : 0;
}

/* ---- a unified diff of two texts, by lines ---- */

struct text_lines {
	const char **s;
	size_t *len; /* with the newline, when there is one */
	size_t n;
};

static int split_lines(const char *s, size_t len, struct text_lines *t)
{
	size_t i, start = 0, n = 0;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	t->s = malloc((n + 2) * sizeof(*t->s));
	t->len = malloc((n + 2) * sizeof(*t->len));
	t->n = 0;
	if (!t->s || !t->len)
		return -1;
	for (i = 0; i <= len; i++)
		if (i == len ? i > start : s[i] == '\n') {
			t->s[t->n] = s + start;
			t->len[t->n++] = (i < len ? i + 1 : i) - start;
			start = i + 1;
		}
	return 0;
}

static bool same_line(const struct text_lines *a, size_t i, const struct text_lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->s[i], b->s[j], a->len[i]) == 0;
}

static void put_diff_line(char mark, const char *s, size_t len)
{
	putchar(mark);
	fwrite(s, 1, len, stdout);
	if (!len || s[len - 1] != '\n')
		fputs("\n\\ No newline at end of file\n", stdout);
}

enum { CONTEXT = 3 };

/* edit[k]: 0 both, 1 only in a, 2 only in b, in order; from a longest
 * common subsequence over the lines between the common head and tail. */
static int diff_edits(const struct text_lines *a, const struct text_lines *b, unsigned char **edits,
                      size_t *nedits)
{
	size_t head = 0, tail = 0, n, m, i, j, k = 0;
	unsigned *lcs;
	unsigned char *e;

	while (head < a->n && head < b->n && same_line(a, head, b, head))
		head++;
	while (tail < a->n - head && tail < b->n - head &&
	       same_line(a, a->n - 1 - tail, b, b->n - 1 - tail))
		tail++;
	n = a->n - head - tail;
	m = b->n - head - tail;
	e = malloc(a->n + b->n + 1);
	lcs = calloc((n + 1) * (m + 1), sizeof(*lcs));
	if (!e || !lcs) {
		free(e);
		free(lcs);
		return -1;
	}
#define L(x, y) lcs[(x) * (m + 1) + (y)]
	for (i = n; i-- > 0;)
		for (j = m; j-- > 0;)
			L(i, j) = same_line(a, head + i, b, head + j)
			              ? L(i + 1, j + 1) + 1
			              : (L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1));
	for (i = 0; i < head; i++)
		e[k++] = 0;
	i = j = 0;
	while (i < n || j < m) {
		if (i < n && j < m && same_line(a, head + i, b, head + j)) {
			e[k++] = 0;
			i++, j++;
		} else if (i < n && (j == m || L(i + 1, j) >= L(i, j + 1))) {
			e[k++] = 1;
			i++;
		} else {
			e[k++] = 2;
			j++;
		}
	}
#undef L
	for (i = 0; i < tail; i++)
		e[k++] = 0;
	free(lcs);
	*edits = e;
	*nedits = k;
	return 0;
}

static int print_diff(const char *path, const char *old, size_t oldlen, const char *new,
                      size_t newlen)
{
	struct text_lines a = {0}, b = {0};
	unsigned char *e = NULL;
	size_t ne = 0, k, ai = 0, bi = 0;
	int rc = -1;

	if (split_lines(old, oldlen, &a) != 0 || split_lines(new, newlen, &b) != 0 ||
	    diff_edits(&a, &b, &e, &ne) != 0)
		goto out;
	printf("--- %s\n+++ %s\n", path, path);
	for (k = 0; k < ne;) {
		size_t start, end, last, x, as, bs, ac = 0, bc = 0;
		if (e[k] == 0) {
			ai++, bi++, k++;
			continue;
		}
		/* A hunk: back CONTEXT lines, forward until CONTEXT * 2 equal lines. */
		start = k > CONTEXT ? k - CONTEXT : 0;
		for (end = k, last = k; end < ne && end - last <= 2 * CONTEXT; end++)
			if (e[end] != 0)
				last = end;
		end = last + 1 + CONTEXT < ne ? last + 1 + CONTEXT : ne;
		as = ai - (k - start);
		bs = bi - (k - start);
		for (x = start; x < end; x++) {
			ac += e[x] != 2;
			bc += e[x] != 1;
		}
		printf("@@ -%zu,%zu +%zu,%zu @@\n", ac ? as + 1 : as, ac, bc ? bs + 1 : bs, bc);
		ai = as;
		bi = bs;
		for (x = start; x < end; x++) {
			if (e[x] == 0) {
				put_diff_line(' ', a.s[ai], a.len[ai]);
				ai++, bi++;
			} else if (e[x] == 1) {
				put_diff_line('-', a.s[ai], a.len[ai]);
				ai++;
			} else {
				put_diff_line('+', b.s[bi], b.len[bi]);
				bi++;
			}
		}
		k = end;
	}
	rc = 0;
out:
	free(a.s);
	free(a.len);
	free(b.s);
	free(b.len);
	free(e);
	return rc;
}

/* ---- writing in place ---- */

static int write_in_place(const char *path, const char *text, size_t len)
{
	size_t dirlen = cli_dir_length(path);
	struct stat st;
	char *tmp;
	FILE *f;
	int fd, err = 0;

	if (stat(path, &st) != 0)
		return -1;
	tmp = malloc(dirlen + strlen(path + dirlen) + 16);
	if (!tmp)
		return -1;
	sprintf(tmp, "%.*s.%s.fmt-XXXXXX", (int)dirlen, path, path + dirlen);
	fd = mkstemp(tmp);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	f = fdopen(fd, "wb");
	if (!f) {
		err = errno;
		close(fd);
	} else {
		if (fchmod(fd, st.st_mode & 07777) != 0 || fwrite(text, 1, len, f) != len ||
		    fflush(f) != 0 || fsync(fd) != 0)
			err = errno ? errno : EIO;
		if (fclose(f) != 0 && !err)
			err = errno;
	}
	if (!err && rename(tmp, path) != 0)
		err = errno;
	if (err)
		unlink(tmp);
	free(tmp);
	errno = err;
	return err ? -1 : 0;
}

/* ---- the files ---- */

/* Append name (owned; NULL means out of memory) to a list of n names. */
static int push_name(char ***list, size_t *n, char *name)
{
	char **p;

	if (!name)
		return -1;
	p = realloc(*list, (*n + 1) * sizeof(*p));
	if (!p) {
		free(name);
		return -1;
	}
	p[(*n)++] = name;
	*list = p;
	return 0;
}

/* The files a PATH names: itself, or a directory's *.writ files in byte
 * order of their names, as the loader reads them. A directory that cannot
 * be listed is kept as a PATH, for its reading to fail. */
static int expand(const char *path, char ***files, size_t *n)
{
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return push_name(files, n, strdup(path));
	if (cli_list_dir(path, ".writ", files, n) != 0)
		return errno == ENOMEM ? -1 : push_name(files, n, strdup(path));
	return 0;
}

/* Format one file; *changed tells whether its layout changes. */
static int format_one(const char *path, enum fmt_mode mode, bool *changed)
{
	char *src, *out = NULL;
	size_t len, outlen;
	const char *why;
	int rc = -1;

	*changed = false;
	src = cli_read_file(path, &len);
	if (!src) {
		cli_error("fmt", "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (check_syntax(path) != 0)
		goto out;
	if (fmt_policy(src, len, &out, &outlen, &why) != 0) {
		cli_error("fmt", "%s: %s", path, why);
		goto out;
	}
	*changed = outlen != len || memcmp(out, src, len) != 0;
	rc = 0;
	switch (mode) {
	case MODE_PRINT:
		fwrite(out, 1, outlen, stdout);
		break;
	case MODE_CHECK:
		if (*changed)
			printf("%s\n", path);
		break;
	case MODE_DIFF:
		if (*changed && print_diff(path, src, len, out, outlen) != 0) {
			cli_error("fmt", "%s", writ_strerror(WRIT_ENOMEM));
			rc = -1;
		}
		break;
	case MODE_WRITE:
		if (*changed && write_in_place(path, out, outlen) != 0) {
			cli_error("fmt", "cannot write %s: %s", path, strerror(errno));
			rc = -1;
		}
		break;
	}
out:
	free(src);
	free(out);
	return rc;
}

static int set_mode(enum fmt_mode *mode, enum fmt_mode m)
{
	if (*mode != MODE_PRINT && *mode != m)
		return cli_usage_error("fmt", "--check, --write and --diff exclude each other");
	*mode = m;
	return 0;
}

static int run(int argc, char **argv)
{
	static const struct option options[] = {
	    {"check", no_argument, NULL, 'c'},
	    {"write", no_argument, NULL, 'w'},
	    {"diff", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	enum fmt_mode mode = MODE_PRINT;
	char **files = NULL;
	size_t nfiles = 0, i;
	bool any_changed = false, failed = false;
	int c, status = EXIT_USAGE;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+cwdh", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (set_mode(&mode, MODE_CHECK) != 0)
				return EXIT_USAGE;
			break;
		case 'w':
			if (set_mode(&mode, MODE_WRITE) != 0)
				return EXIT_USAGE;
			break;
		case 'd':
			if (set_mode(&mode, MODE_DIFF) != 0)
				return EXIT_USAGE;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("fmt", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind == argc)
		return cli_usage_error("fmt", "no PATH given");
	for (c = optind; c < argc; c++) {
		if (!argv[c][0]) {
			status = cli_usage_error("fmt", "an empty PATH names nothing");
			goto out;
		}
		if (expand(argv[c], &files, &nfiles) != 0) {
			cli_error("fmt", "%s", writ_strerror(WRIT_ENOMEM));
			goto out;
		}
	}
	if (mode == MODE_PRINT && nfiles != 1) {
		status = cli_usage_error("fmt",
		                         "%s: to print, name one file (%zu found); "
		                         "use --check, --write or --diff for several",
		                         argv[optind], nfiles);
		goto out;
	}
	for (i = 0; i < nfiles; i++) {
		bool changed;
		if (format_one(files[i], mode, &changed) != 0)
			failed = true;
		any_changed = any_changed || changed;
	}
	fflush(stdout);
	if (failed)
		status = EXIT_USAGE;
	else if (any_changed && (mode == MODE_CHECK || mode == MODE_DIFF))
		status = EXIT_FAIL;
	else
		status = EXIT_OK;
out:
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	return status;
}

const struct command cmd_fmt = {
    .name = "fmt",
    .summary = "lay out policy files in the canonical layout",
    .usage = usage,
    .run = run,
};
