/*
 * cmd_test.c: writ test: run policy test files (NAME.writ-test) and report
 * each test as passed or failed, for a person (human), a TAP consumer or a
 * JUnit XML reader. The files are read by test_file.c; the questions go
 * through the public API, as a token issuer and a gateway ask them.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "test_file.h"

static const char usage[] =
	"Usage: writ test [--format human|tap|junit] [--module-dir DIR] PATH...\n"
	"\n"
	"Run policy test files: each PATH is a test file, or a directory whose\n"
	"*.writ-test files are run in byte order of their names. A test file names\n"
	"the policy it tests (default: the policy files of its own directory) and\n"
	"holds tests, each a list of assertions that state expected outcomes:\n"
	"\n"
	"  policy \"api.writ\" \"issuer.writ\";\n"
	"  test \"the cart service may create orders\" {\n"
	"      grant app cart scope \"read:order write:order\" => \"write:order\";\n"
	"      authorize app cart scope \"write:order\" POST \"/orders\" => 200;\n"
	"      authorize none GET \"/orders/1\" => 401;\n"
	"      client cart secret \"wrong\" => deny;\n"
	"  }\n"
	"\n"
	"A test passes when all of its assertions hold. An authorize assertion runs\n"
	"the gateway decision with a token that writ test mints for the app with a\n"
	"key of its own, made for the run. writ(1), under writ test, has the full\n"
	"format.\n"
	"\n"
	"Options:\n"
	"  -f, --format FORMAT   human (default: each failing assertion as FILE:LINE:COL,\n"
	"                        expected and actual, then a summary), tap (TAP\n"
	"                        version 14) or junit (JUnit XML)\n"
	"      --module-dir DIR  where loadable modules are\n"
	"  -h, --help            show this help and exit\n"
	"\n"
	"Exit status: 0 every test passed; 1 a test failed; 2 usage error, a test\n"
	"file that cannot be read or parsed, or a policy that cannot be loaded.\n";

enum format { FORMAT_HUMAN, FORMAT_TAP, FORMAT_JUNIT };

struct test_args {
	char **paths;
	size_t npaths;
	const char *module_dir;
	enum format format;
};

/* One assertion that did not hold. */
struct failure {
	const struct tf_assertion *a;
	char *expected, *actual;
};

/* The outcome of one test. */
struct outcome {
	const struct tf_file *file;
	const struct tf_test *test;
	struct failure *failures;
	size_t nfailures;
};

/* What a run shares: the ephemeral token key, made on first use. */
struct runner {
	writ_signer *signer;
	writ_keyset *keys;
	int key_failed;
	double now;
};

static const char *const kind_names[] = { "", "grant", "authorize", "client" };

static int parse(int argc, char **argv, struct test_args *a)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "module-dir", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:f:h", options, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "human") == 0)
				a->format = FORMAT_HUMAN;
			else if (strcmp(optarg, "tap") == 0)
				a->format = FORMAT_TAP;
			else if (strcmp(optarg, "junit") == 0)
				a->format = FORMAT_JUNIT;
			else
				return cli_usage_error("test", "unknown format '%s': human, tap or junit",
				                       optarg);
			break;
		case 'm':
			a->module_dir = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case ':':
			return cli_usage_error("test", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("test", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind == argc)
		return cli_usage_error("test", "give at least one test file or directory");
	a->paths = argv + optind;
	a->npaths = (size_t)(argc - optind);
	return 0;
}

/* The test files a path names: itself, or a directory's *.writ-test. */
static int collect(const char *path, char ***files, size_t *nfiles)
{
	struct stat st;
	size_t first = *nfiles;
	char **grown;

	if (stat(path, &st) != 0) {
		cli_error("test", "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		grown = realloc(*files, (*nfiles + 1) * sizeof(*grown));
		if (!grown)
			goto oom;
		*files = grown;
		if (!(grown[*nfiles] = strdup(path)))
			goto oom;
		(*nfiles)++;
		return 0;
	}
	if (cli_list_dir(path, ".writ-test", files, nfiles) != 0) {
		if (errno == ENOMEM)
			goto oom;
		cli_error("test", "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (*nfiles == first) {
		cli_error("test", "no *.writ-test files in %s", path);
		return -1;
	}
	return 0;
oom:
	cli_error("test", "%s", writ_strerror(WRIT_ENOMEM));
	return -1;
}

static char *format_string(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *format_string(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

/* Do two scope lists hold the same scopes? Order and spacing aside. */
static int same_scopes(const char *x, const char *y)
{
	const char *x_end = x + strlen(x), *y_end = y + strlen(y), *w, *rest;
	size_t len;

	for (rest = x; (w = cli_next_word(&rest, x_end, &len)) != NULL;)
		if (!cli_has_word(y, y_end, w, len))
			return 0;
	for (rest = y; (w = cli_next_word(&rest, y_end, &len)) != NULL;)
		if (!cli_has_word(x, x_end, w, len))
			return 0;
	return 1;
}

/* A new private directory "$TMPDIR/writ-test-XXXXXX" (TMPDIR unset or
 * empty: /tmp); NULL with errno set when it cannot be made. */
static char *make_temp_dir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir = format_string("%s/writ-test-XXXXXX", base && *base ? base : "/tmp");

	if (dir && !mkdtemp(dir)) {
		int err = errno;

		free(dir);
		errno = err;
		return NULL;
	}
	return dir;
}

/* The ephemeral ES256 key: generated into a private temporary directory,
 * loaded, and the file removed at once. */
static int runner_key(struct runner *r)
{
	char *dir = NULL, *pem = NULL, *jwk = NULL, *set = NULL, err[512];
	int rc = -1;

	if (r->signer || r->key_failed)
		return r->signer ? 0 : -1;
	r->key_failed = 1;
	dir = make_temp_dir();
	if (!dir) {
		cli_error("test", "cannot make a temporary directory for the test key: %s",
		          strerror(errno));
		goto out;
	}
	pem = format_string("%s/key.pem", dir);
	if (!pem)
		goto out;
	if (writ_key_generate("ES256", pem, err, sizeof(err)) != WRIT_OK ||
	    writ_signer_load(pem, "writ-test", &r->signer, err, sizeof(err)) != WRIT_OK) {
		cli_error("test", "cannot make the test key: %s", err);
		goto out;
	}
	jwk = writ_signer_public_jwk(r->signer);
	set = jwk ? format_string("{\"keys\":[%s]}", jwk) : NULL;
	if (!set || writ_keyset_load(set, strlen(set), &r->keys, err, sizeof(err)) != WRIT_OK) {
		cli_error("test", "cannot make the test key set: %s", set ? err : "out of memory");
		goto out;
	}
	r->key_failed = 0;
	rc = 0;
out:
	if (pem)
		unlink(pem);
	if (dir)
		rmdir(dir);
	free(dir);
	free(pem);
	free(jwk);
	free(set);
	return rc;
}

static int run_grant(const writ_policy *p, const struct tf_assertion *a, struct failure *f)
{
	struct writ_request req = { .size = sizeof(req), .peer = a->peer };
	size_t len = a->scope ? strlen(a->scope) : 0, cap = len + 4096, used = 0;
	char *out = malloc(cap);
	int rc, ok;

	if (!out)
		return -1;
	rc = writ_grant_request(p, a->principal_kind, a->principal, a->resource, a->scope, len,
	                        &req, NULL, out, cap, &used);
	if (rc == WRIT_ERANGE) {
		char *bigger = realloc(out, used + 1);
		if (!bigger) {
			free(out);
			return -1;
		}
		out = bigger;
		rc = writ_grant_request(p, a->principal_kind, a->principal, a->resource, a->scope,
		                        len, &req, NULL, out, used + 1, &used);
	}
	if (rc == WRIT_OK) {
		ok = !a->expect_deny && same_scopes(a->expect_scope, out);
		f->actual = format_string("\"%s\"", out);
	} else if (rc == WRIT_EDENIED) {
		ok = a->expect_deny;
		f->actual = strdup("deny");
	} else {
		ok = 0;
		f->actual = format_string("error: %s", writ_strerror(rc));
	}
	free(out);
	if (ok) {
		free(f->actual);
		f->actual = NULL;
		return 0;
	}
	f->expected = a->expect_deny ? strdup("deny") : format_string("\"%s\"", a->expect_scope);
	return 1;
}

/* The Authorization header an authorize assertion presents, or NULL with
 * *why set when no token could be made. */
static char *make_header(struct runner *r, const writ_policy *p, const struct tf_assertion *a,
                         char **why)
{
	const char *aud = a->audience ? a->audience : a->resource;
	char *token = NULL, *header;
	double now = a->expired ? r->now - 7200 : r->now;
	int rc;

	if (a->credential == TF_CRED_HEADER)
		return strdup(a->header);
	if (runner_key(r) != 0) {
		*why = strdup("error: no test key");
		return NULL;
	}
	rc = writ_mint(r->signer, p, a->principal, aud, a->scope,
	               a->scope ? strlen(a->scope) : 0, a->expired ? 60 : 0, now, &token);
	if (rc != WRIT_OK) {
		*why = format_string("error: cannot mint a token: %s", writ_strerror(rc));
		return NULL;
	}
	header = format_string("Bearer %s", token);
	free(token);
	return header;
}

static char *status_text(unsigned status, const char *error)
{
	return error ? format_string("%u %s", status, error) : format_string("%u", status);
}

static int run_authorize(struct runner *r, const writ_policy *p, const struct tf_assertion *a,
                         struct failure *f)
{
	struct writ_request req = { .size = sizeof(req), .peer = a->peer, .now = r->now };
	long res = a->resource ? writ_resource_find(p, a->resource) : writ_resource_default(p);
	const char *issuer = writ_issuer(p), *error, *desc;
	writ_verifier *v = NULL;
	writ_decision *d = NULL;
	char *header = NULL;
	int rc, status = -1;

	if (res < 0) {
		f->actual = format_string("error: %s", writ_strerror(WRIT_ENORESOURCE));
		status = 1;
		goto out;
	}
	if (a->credential == TF_CRED_TOKEN || a->credential == TF_CRED_HEADER) {
		header = make_header(r, p, a, &f->actual);
		if (!header) {
			status = f->actual ? 1 : -1;
			goto out;
		}
	}
	v = writ_verifier_new();
	d = writ_decision_new();
	if (!v || !d || runner_key(r) != 0)
		goto out;
	if (writ_verifier_set_keys(v, r->keys) != WRIT_OK ||
	    writ_verifier_set_issuer(v, issuer ? issuer : "") != WRIT_OK ||
	    writ_verifier_set_audience(v, writ_resource_indicator(p, (size_t)res)) != WRIT_OK ||
	    writ_verifier_set_clock(v, cli_fixed_clock, &r->now) != WRIT_OK)
		goto out;
	rc = writ_authorize(p, v, writ_resource_indicator(p, (size_t)res), a->method, a->target,
	                    header, &req, d);
	if (rc != WRIT_OK) {
		f->actual = format_string("error: %s", writ_strerror(rc));
		status = 1;
		goto out;
	}
	error = writ_decision_error(d);
	desc = writ_decision_description(d);
	if (writ_decision_status(d) == a->expect_status &&
	    (!a->expect_error || (error && strcmp(error, a->expect_error) == 0))) {
		status = 0;
		goto out;
	}
	f->actual = status_text(writ_decision_status(d), error);
	if (f->actual && desc) {
		char *longer = format_string("%s (%s)", f->actual, desc);
		free(f->actual);
		f->actual = longer;
	}
	status = 1;
out:
	if (status == 1)
		f->expected = status_text(a->expect_status, a->expect_error);
	free(header);
	writ_decision_free(d);
	writ_verifier_free(v);
	return status;
}

static int run_client(const writ_policy *p, const struct tf_assertion *a, struct failure *f)
{
	struct writ_request req = {
		.size = sizeof(req),
		.peer = a->peer,
		.secret = a->secret,
		.secret_len = a->secret ? strlen(a->secret) : 0,
	};
	int rc = writ_authenticate(p, a->principal, &req, NULL);
	int allowed = rc == WRIT_OK;

	if (rc != WRIT_OK && rc != WRIT_EDENIED && rc != WRIT_ENOPRINCIPAL)
		f->actual = format_string("error: %s", writ_strerror(rc));
	else if (allowed == a->expect_allow)
		return 0;
	else
		f->actual = strdup(allowed ? "allow" : "deny");
	f->expected = strdup(a->expect_allow ? "allow" : "deny");
	return 1;
}

/* Run one test; -1 when out of memory. */
static int run_test(struct runner *r, const writ_policy *p, struct outcome *o)
{
	size_t i;

	for (i = 0; i < o->test->nasserts; i++) {
		const struct tf_assertion *a = &o->test->asserts[i];
		struct failure f = { .a = a };
		struct failure *grown;
		int rc;

		switch (a->kind) {
		case TF_GRANT: rc = run_grant(p, a, &f); break;
		case TF_AUTHORIZE: rc = run_authorize(r, p, a, &f); break;
		default: rc = run_client(p, a, &f); break;
		}
		if (rc == 0)
			continue;
		grown = rc > 0 ? realloc(o->failures, (o->nfailures + 1) * sizeof(*grown)) : NULL;
		if (!grown || !f.expected || !f.actual) {
			free(f.expected);
			free(f.actual);
			return -1;
		}
		o->failures = grown;
		o->failures[o->nfailures++] = f;
	}
	return 0;
}

/* The policy of a test file. A policy without an issuer gets a test one,
 * since every token needs an iss. */
static int load_policy(const struct tf_file *tf, const char *module_dir, writ_policy **out)
{
	char *dir = NULL, *extra = NULL;
	const char **paths = NULL;
	FILE *f;
	int status;

	status = cli_load_policy_ex("test", (const char *const *)tf->policies, tf->npolicies,
	                            module_dir, out);
	if (status != EXIT_OK || writ_issuer(*out))
		goto out;
	writ_policy_unref(*out);
	*out = NULL;
	status = EXIT_USAGE;
	paths = calloc(tf->npolicies + 1, sizeof(*paths));
	dir = make_temp_dir();
	if (!paths || !dir ||
	    !(extra = format_string("%s/test-issuer.writ", dir)))
		goto out;
	f = fopen(extra, "w");
	if (!f)
		goto out;
	fputs("issuer \"https://writ-test.invalid\" { }\n", f);
	if (fclose(f) != 0)
		goto out;
	memcpy(paths, tf->policies, tf->npolicies * sizeof(*paths));
	paths[tf->npolicies] = extra;
	status = cli_load_policy_ex("test", paths, tf->npolicies + 1, module_dir, out);
out:
	if (extra)
		unlink(extra);
	if (dir)
		rmdir(dir);
	free(dir);
	free(extra);
	free(paths);
	if (status != EXIT_OK)
		cli_error("test", "%s: its policy cannot be loaded", tf->path);
	return status;
}

/* ---- reports ---- */

/* A YAML double-quoted scalar. Also a test's name as the file writes it:
 * quotes and backslashes escaped (names hold no control character). */
static void yaml_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < ' ' || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void report_human(const struct outcome *o, size_t n)
{
	size_t i, j, failed = 0;

	for (i = 0; i < n; i++) {
		failed += o[i].nfailures > 0;
		for (j = 0; j < o[i].nfailures; j++) {
			const struct failure *f = &o[i].failures[j];
			printf("%s:%u:%u: test ", o[i].file->path, f->a->line, f->a->column);
			yaml_string(o[i].test->name);
			printf(": %s: expected %s, got %s\n", kind_names[f->a->kind], f->expected,
			       f->actual);
		}
	}
	printf("%zu passed, %zu failed\n", n - failed, failed);
}

/* TAP's test description: '#' (which starts a directive) and '\\'
 * escaped by a backslash, as TAP 14 says; no line break. */
static void tap_description(const char *s)
{
	for (; *s; s++) {
		if (*s == '#' || *s == '\\')
			putchar('\\');
		putchar((unsigned char)*s < ' ' ? ' ' : *s);
	}
}

static void report_tap(const struct outcome *o, size_t n)
{
	size_t i, j;

	printf("TAP version 14\n1..%zu\n", n);
	for (i = 0; i < n; i++) {
		printf("%s %zu - ", o[i].nfailures ? "not ok" : "ok", i + 1);
		tap_description(o[i].file->path);
		fputs(": ", stdout);
		tap_description(o[i].test->name);
		putchar('\n');
		if (!o[i].nfailures)
			continue;
		printf("  ---\n  at: \"%s:%u:%u\"\n  failures:\n", o[i].file->path, o[i].test->line,
		       o[i].test->column);
		for (j = 0; j < o[i].nfailures; j++) {
			const struct failure *f = &o[i].failures[j];
			printf("    - at: \"%s:%u:%u\"\n      assertion: %s\n      expected: ",
			       o[i].file->path, f->a->line, f->a->column, kind_names[f->a->kind]);
			yaml_string(f->expected);
			fputs("\n      actual: ", stdout);
			yaml_string(f->actual);
			putchar('\n');
		}
		puts("  ...");
	}
}

/* Text for an XML attribute or element. Control characters XML 1.0 cannot
 * hold become '?'. */
static void xml_text(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': fputs("&amp;", stdout); break;
		case '<': fputs("&lt;", stdout); break;
		case '>': fputs("&gt;", stdout); break;
		case '"': fputs("&quot;", stdout); break;
		case '\'': fputs("&apos;", stdout); break;
		case '\t': fputs("&#9;", stdout); break;
		case '\n': fputs("&#10;", stdout); break;
		default: putchar(c < ' ' || c == 0x7f ? '?' : c); break;
		}
	}
}

static void report_junit(const struct outcome *o, size_t n)
{
	size_t i, j, k, total_failed = 0;

	for (i = 0; i < n; i++)
		total_failed += o[i].nfailures > 0;
	printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	       "<testsuites name=\"writ test\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
	       n, total_failed);
	for (i = 0; i < n; i = k) {
		size_t tests = 0, failed = 0;
		for (k = i; k < n && o[k].file == o[i].file; k++) {
			tests++;
			failed += o[k].nfailures > 0;
		}
		fputs("  <testsuite name=\"", stdout);
		xml_text(o[i].file->path);
		printf("\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n", tests,
		       failed);
		for (; i < k; i++) {
			fputs("    <testcase name=\"", stdout);
			xml_text(o[i].test->name);
			fputs("\" classname=\"", stdout);
			xml_text(o[i].file->path);
			fputs("\" file=\"", stdout);
			xml_text(o[i].file->path);
			printf("\" line=\"%u\"", o[i].test->line);
			if (!o[i].nfailures) {
				fputs("/>\n", stdout);
				continue;
			}
			fputs(">\n      <failure type=\"assertion\" message=\"", stdout);
			for (j = 0; j < o[i].nfailures; j++) {
				const struct failure *f = &o[i].failures[j];
				printf("%sline %u: %s: expected ", j ? "; " : "", f->a->line,
				       kind_names[f->a->kind]);
				xml_text(f->expected);
				fputs(", got ", stdout);
				xml_text(f->actual);
			}
			fputs("\">", stdout);
			for (j = 0; j < o[i].nfailures; j++) {
				const struct failure *f = &o[i].failures[j];
				xml_text(o[i].file->path);
				printf(":%u:%u: %s: expected ", f->a->line, f->a->column,
				       kind_names[f->a->kind]);
				xml_text(f->expected);
				fputs(", got ", stdout);
				xml_text(f->actual);
				fputs("\n", stdout);
			}
			fputs("</failure>\n    </testcase>\n", stdout);
		}
		fputs("  </testsuite>\n", stdout);
	}
	fputs("</testsuites>\n", stdout);
}

/* ---- the command ---- */

struct run_state {
	char **names;
	size_t nnames;
	struct tf_file *files;
	size_t nfiles;
	struct outcome *outcomes;
	size_t noutcomes;
	struct runner runner;
};

static int parse_all(const struct test_args *a, struct run_state *st)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < a->npaths; i++)
		if (collect(a->paths[i], &st->names, &st->nnames) != 0)
			return EXIT_USAGE;
	st->files = calloc(st->nnames, sizeof(*st->files));
	if (!st->files) {
		cli_error("test", "%s", writ_strerror(WRIT_ENOMEM));
		return EXIT_USAGE;
	}
	/* Every file is parsed, so that one run reports every malformed one. */
	for (i = 0; i < st->nnames; i++) {
		bad |= tf_file_parse(st->names[i], stderr, &st->files[i]) != 0;
		st->nfiles++;
	}
	return bad ? EXIT_USAGE : EXIT_OK;
}

static int run_all(const struct test_args *a, struct run_state *st)
{
	size_t i, j, total = 0;

	for (i = 0; i < st->nfiles; i++)
		total += st->files[i].ntests;
	st->outcomes = calloc(total ? total : 1, sizeof(*st->outcomes));
	if (!st->outcomes)
		goto oom;
	st->runner.now = (double)time(NULL);
	for (i = 0; i < st->nfiles; i++) {
		writ_policy *p = NULL;
		if (load_policy(&st->files[i], a->module_dir, &p) != EXIT_OK)
			return EXIT_USAGE;
		for (j = 0; j < st->files[i].ntests; j++) {
			struct outcome *o = &st->outcomes[st->noutcomes++];
			o->file = &st->files[i];
			o->test = &st->files[i].tests[j];
			if (run_test(&st->runner, p, o) != 0) {
				writ_policy_unref(p);
				goto oom;
			}
		}
		writ_policy_unref(p);
	}
	return EXIT_OK;
oom:
	cli_error("test", "%s", writ_strerror(WRIT_ENOMEM));
	return EXIT_USAGE;
}

static void run_state_free(struct run_state *st)
{
	size_t i, j;

	for (i = 0; i < st->noutcomes; i++) {
		for (j = 0; j < st->outcomes[i].nfailures; j++) {
			free(st->outcomes[i].failures[j].expected);
			free(st->outcomes[i].failures[j].actual);
		}
		free(st->outcomes[i].failures);
	}
	free(st->outcomes);
	for (i = 0; i < st->nfiles; i++)
		tf_file_free(&st->files[i]);
	free(st->files);
	for (i = 0; i < st->nnames; i++)
		free(st->names[i]);
	free(st->names);
	writ_signer_free(st->runner.signer);
	writ_keyset_unref(st->runner.keys);
}

static int run(int argc, char **argv)
{
	struct test_args a;
	struct run_state st;
	size_t i;
	int status;

	memset(&a, 0, sizeof(a));
	memset(&st, 0, sizeof(st));
	status = parse(argc, argv, &a);
	if (status != 0)
		return status == 1 ? EXIT_OK : EXIT_USAGE;
	status = parse_all(&a, &st);
	if (status == EXIT_OK)
		status = run_all(&a, &st);
	if (status == EXIT_OK) {
		if (a.format == FORMAT_TAP)
			report_tap(st.outcomes, st.noutcomes);
		else if (a.format == FORMAT_JUNIT)
			report_junit(st.outcomes, st.noutcomes);
		else
			report_human(st.outcomes, st.noutcomes);
		for (i = 0; i < st.noutcomes; i++)
			if (st.outcomes[i].nfailures)
				status = EXIT_FAIL;
	}
	run_state_free(&st);
	return status;
}

const struct command cmd_test = {
	.name = "test",
	.summary = "run policy test files and report expected and actual outcomes",
	.usage = usage,
	.run = run,
};
