/*
 * test_file.c: the reader of `writ test` files. A hand-written scanner and
 * recursive-descent parser over the whole file in memory; every token keeps
 * its line and column (counted in code points, as policy diagnostics do),
 * and the first error stops the file with "file:line:col: error: ...".
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "test_file.h"

enum tok_type { TOK_EOF, TOK_WORD, TOK_STRING, TOK_LBRACE, TOK_RBRACE, TOK_SEMI };

struct tok {
	enum tok_type type;
	char *text; /* WORD and STRING: the value, owned by the scanner */
	unsigned line, column;
	const char *line_start;
};

struct scanner {
	const char *path;
	const char *p, *end;
	const char *line_start;
	unsigned line, column;
	struct tok tok; /* the current token */
	FILE *err;
	int failed;     /* -1 syntax error, -2 out of memory */
};

static const char *tok_describe(const struct tok *t, char *buf, size_t len)
{
	switch (t->type) {
	case TOK_EOF: return "end of file";
	case TOK_LBRACE: return "'{'";
	case TOK_RBRACE: return "'}'";
	case TOK_SEMI: return "';'";
	case TOK_STRING: snprintf(buf, len, "string \"%.40s\"", t->text); return buf;
	case TOK_WORD: snprintf(buf, len, "'%.40s'", t->text); return buf;
	}
	return "?";
}

/* Report at (line, column) of line_start; the scanner is then failed. */
static void error_at(struct scanner *s, unsigned line, unsigned column, const char *line_start,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void error_at(struct scanner *s, unsigned line, unsigned column, const char *line_start,
                     const char *fmt, ...)
{
	const char *eol = line_start;
	va_list ap;
	unsigned i;

	if (s->failed)
		return;
	s->failed = -1;
	fprintf(s->err, "%s:%u:%u: error: ", s->path, line, column);
	va_start(ap, fmt);
	vfprintf(s->err, fmt, ap);
	va_end(ap);
	fputc('\n', s->err);
	while (eol < s->end && *eol != '\n' && *eol != '\r')
		eol++;
	fprintf(s->err, "%5u | %.*s\n      | ", line, (int)(eol - line_start), line_start);
	/* Tabs stay tabs so that the caret lines up under them. */
	for (i = 1; i < column && line_start < eol; line_start++) {
		if (((unsigned char)*line_start & 0xC0) == 0x80)
			continue;
		fputc(*line_start == '\t' ? '\t' : ' ', s->err);
		i++;
	}
	fputs("^\n", s->err);
}

#define error_tok(s, fmt, ...) \
	error_at((s), (s)->tok.line, (s)->tok.column, (s)->tok.line_start, fmt, __VA_ARGS__)

static void advance_char(struct scanner *s)
{
	if (*s->p == '\n') {
		s->line++;
		s->column = 1;
		s->line_start = s->p + 1;
	} else if (((unsigned char)*s->p & 0xC0) != 0x80) {
		s->column++;
	}
	s->p++;
}

static int is_word_char(char c)
{
	return c != '"' && c != '{' && c != '}' && c != ';' && c != '#' && (unsigned char)c > ' ' &&
	       c != 0x7f;
}

static int oom(struct scanner *s)
{
	if (!s->failed)
		fputs("writ test: out of memory\n", s->err);
	s->failed = -2;
	return -1;
}

static char *dup_range(struct scanner *s, const char *from, size_t len)
{
	char *t = malloc(len + 1);

	if (!t) {
		oom(s);
		return NULL;
	}
	memcpy(t, from, len);
	t[len] = '\0';
	return t;
}

/* A quoted string: \" and \\ are the only escapes; it ends on its line. */
static int scan_string(struct scanner *s)
{
	const char *q = s->p + 1;
	char *buf;
	size_t n = 0;

	/* The value is at most as long as the text up to the closing quote. */
	while (q < s->end && *q != '"' && *q != '\n' && *q != '\r')
		q += *q == '\\' && q + 1 < s->end ? 2 : 1;
	buf = malloc((size_t)(q - s->p));
	if (!buf)
		return oom(s);
	advance_char(s);
	for (;;) {
		char c;
		if (s->p == s->end || *s->p == '\n' || *s->p == '\r') {
			free(buf);
			error_tok(s, "%s", "unterminated string");
			return -1;
		}
		c = *s->p;
		if (c == '"') {
			advance_char(s);
			break;
		}
		if (c == '\\') {
			if (s->p + 1 == s->end || (s->p[1] != '"' && s->p[1] != '\\')) {
				unsigned line = s->line, column = s->column;
				free(buf);
				error_at(s, line, column, s->line_start, "%s",
				         "unknown escape: only \\\" and \\\\ are allowed in a string");
				return -1;
			}
			advance_char(s);
			c = *s->p;
		} else if ((unsigned char)c < ' ' || c == 0x7f) {
			unsigned line = s->line, column = s->column;
			free(buf);
			error_at(s, line, column, s->line_start, "%s",
			         "control character in a string");
			return -1;
		}
		buf[n++] = c;
		advance_char(s);
	}
	buf[n] = '\0';
	s->tok.text = buf;
	return 0;
}

/* Move to the next token. -1 on an error (reported). */
static int next(struct scanner *s)
{
	const char *start;

	free(s->tok.text);
	s->tok.text = NULL;
	for (;;) {
		while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' ||
		                         *s->p == '\r'))
			advance_char(s);
		if (s->p < s->end && *s->p == '#') {
			while (s->p < s->end && *s->p != '\n')
				advance_char(s);
			continue;
		}
		break;
	}
	s->tok.line = s->line;
	s->tok.column = s->column;
	s->tok.line_start = s->line_start;
	if (s->p == s->end) {
		s->tok.type = TOK_EOF;
		return 0;
	}
	switch (*s->p) {
	case '{': s->tok.type = TOK_LBRACE; advance_char(s); return 0;
	case '}': s->tok.type = TOK_RBRACE; advance_char(s); return 0;
	case ';': s->tok.type = TOK_SEMI; advance_char(s); return 0;
	case '"': s->tok.type = TOK_STRING; return scan_string(s);
	}
	if (!is_word_char(*s->p)) {
		error_tok(s, "unexpected character 0x%02x", (unsigned char)*s->p);
		return -1;
	}
	start = s->p;
	while (s->p < s->end && is_word_char(*s->p))
		advance_char(s);
	s->tok.type = TOK_WORD;
	s->tok.text = dup_range(s, start, (size_t)(s->p - start));
	return s->tok.text ? 0 : -1;
}

static int is_word(const struct scanner *s, const char *w)
{
	return s->tok.type == TOK_WORD && strcmp(s->tok.text, w) == 0;
}

static int expected(struct scanner *s, const char *what)
{
	char buf[64];

	error_tok(s, "expected %s, found %s", what, tok_describe(&s->tok, buf, sizeof(buf)));
	return -1;
}

/* Take the current token as an owned string (a WORD, or a STRING when
 * strings are allowed) and move on. */
static int take_value(struct scanner *s, int words_too, const char *what, char **out)
{
	if (!(s->tok.type == TOK_STRING || (words_too && s->tok.type == TOK_WORD)))
		return expected(s, what);
	if (*out) {
		error_tok(s, "%s is given twice", what);
		return -1;
	}
	*out = s->tok.text;
	s->tok.text = NULL;
	return next(s);
}

static int expect_type(struct scanner *s, enum tok_type type, const char *what)
{
	if (s->tok.type != type)
		return expected(s, what);
	return next(s);
}

/* grant (app|user) NAME [resource R] [scope S] [from ADDR] => "SCOPES"|deny; */
static int parse_grant(struct scanner *s, struct tf_assertion *a)
{
	if (is_word(s, "app") || is_word(s, "user"))
		a->principal_kind = is_word(s, "app") ? WRIT_PRINCIPAL_APP : WRIT_PRINCIPAL_USER;
	else
		return expected(s, "'app' or 'user'");
	if (next(s) || take_value(s, 1, "a name", &a->principal))
		return -1;
	while (!is_word(s, "=>")) {
		if (is_word(s, "resource")) {
			if (next(s) || take_value(s, 0, "a resource string", &a->resource))
				return -1;
		} else if (is_word(s, "scope")) {
			if (next(s) || take_value(s, 0, "a scope string", &a->scope))
				return -1;
		} else if (is_word(s, "from")) {
			if (next(s) || take_value(s, 1, "an address", &a->peer))
				return -1;
		} else {
			return expected(s, "'resource', 'scope', 'from' or '=>'");
		}
	}
	if (next(s))
		return -1;
	if (is_word(s, "deny")) {
		a->expect_deny = 1;
		return next(s);
	}
	return take_value(s, 0, "a string of scopes or 'deny'", &a->expect_scope);
}

static int is_method(const char *w)
{
	const char *c;

	for (c = w; *c; c++)
		if (!(*c >= 'A' && *c <= 'Z') && *c != '-' && *c != '_')
			return 0;
	return *w != '\0';
}

static int parse_authorize_option(struct scanner *s, struct tf_assertion *a)
{
	if (is_word(s, "scope"))
		return next(s) || take_value(s, 0, "a scope string", &a->scope) ? -1 : 0;
	if (is_word(s, "resource"))
		return next(s) || take_value(s, 0, "a resource string", &a->resource) ? -1 : 0;
	if (is_word(s, "from"))
		return next(s) || take_value(s, 1, "an address", &a->peer) ? -1 : 0;
	if (is_word(s, "token")) {
		if (next(s))
			return -1;
		if (a->credential != TF_CRED_TOKEN) {
			error_tok(s, "%s", "'token' options need an app's token ('authorize app NAME')");
			return -1;
		}
		if (is_word(s, "expired")) {
			a->expired = 1;
			return next(s);
		}
		if (is_word(s, "audience"))
			return next(s) || take_value(s, 0, "an audience string", &a->audience) ? -1 : 0;
		return expected(s, "'expired' or 'audience'");
	}
	if (s->tok.type == TOK_WORD && is_method(s->tok.text)) {
		if (a->method) {
			error_tok(s, "%s", "the method is given twice");
			return -1;
		}
		a->method = s->tok.text;
		s->tok.text = NULL;
		return next(s) || take_value(s, 0, "the request target, a string", &a->target) ? -1
		                                                                               : 0;
	}
	return expected(s, "a method such as GET, 'scope', 'resource', 'from', 'token' or '=>'");
}

/* authorize (app NAME | none | header "VALUE") OPTIONS... METHOD "TARGET"
 * OPTIONS... => STATUS [ERROR]; */
static int parse_authorize(struct scanner *s, struct tf_assertion *a)
{
	char *end;
	unsigned long status;

	if (is_word(s, "app")) {
		a->credential = TF_CRED_TOKEN;
		a->principal_kind = WRIT_PRINCIPAL_APP;
		if (next(s) || take_value(s, 1, "an app name", &a->principal))
			return -1;
	} else if (is_word(s, "none")) {
		a->credential = TF_CRED_NONE;
		if (next(s))
			return -1;
	} else if (is_word(s, "header")) {
		a->credential = TF_CRED_HEADER;
		if (next(s) || take_value(s, 0, "the Authorization header's value, a string",
		                          &a->header))
			return -1;
	} else {
		return expected(s, "'app', 'none' or 'header'");
	}
	while (!is_word(s, "=>"))
		if (parse_authorize_option(s, a))
			return -1;
	if (!a->method) {
		error_tok(s, "%s", "the request is missing: give a method and a target, as GET \"/\"");
		return -1;
	}
	if (a->scope && a->credential != TF_CRED_TOKEN) {
		error_tok(s, "%s", "'scope' needs an app's token ('authorize app NAME')");
		return -1;
	}
	if (next(s))
		return -1;
	if (s->tok.type != TOK_WORD)
		return expected(s, "an HTTP status (200, 400, 401 or 403)");
	errno = 0;
	status = strtoul(s->tok.text, &end, 10);
	if (*end || errno || status < 100 || status > 599)
		return expected(s, "an HTTP status (200, 400, 401 or 403)");
	a->expect_status = (unsigned)status;
	if (next(s))
		return -1;
	if (s->tok.type == TOK_WORD)
		return take_value(s, 1, "an error code", &a->expect_error);
	return 0;
}

/* client NAME [secret "S"] [from ADDR] => allow|deny; */
static int parse_client(struct scanner *s, struct tf_assertion *a)
{
	a->principal_kind = WRIT_PRINCIPAL_APP;
	if (take_value(s, 1, "an app name", &a->principal))
		return -1;
	while (!is_word(s, "=>")) {
		if (is_word(s, "secret")) {
			if (next(s) || take_value(s, 0, "a secret string", &a->secret))
				return -1;
		} else if (is_word(s, "from")) {
			if (next(s) || take_value(s, 1, "an address", &a->peer))
				return -1;
		} else {
			return expected(s, "'secret', 'from' or '=>'");
		}
	}
	if (next(s))
		return -1;
	if (!is_word(s, "allow") && !is_word(s, "deny"))
		return expected(s, "'allow' or 'deny'");
	a->expect_allow = is_word(s, "allow");
	return next(s);
}

static int parse_assertion(struct scanner *s, struct tf_test *t)
{
	struct tf_assertion *grown, *a;

	grown = realloc(t->asserts, (t->nasserts + 1) * sizeof(*grown));
	if (!grown)
		return oom(s);
	t->asserts = grown;
	a = &t->asserts[t->nasserts++];
	memset(a, 0, sizeof(*a));
	a->line = s->tok.line;
	a->column = s->tok.column;
	if (is_word(s, "grant")) {
		a->kind = TF_GRANT;
		if (next(s) || parse_grant(s, a))
			return -1;
	} else if (is_word(s, "authorize")) {
		a->kind = TF_AUTHORIZE;
		if (next(s) || parse_authorize(s, a))
			return -1;
	} else if (is_word(s, "client")) {
		a->kind = TF_CLIENT;
		if (next(s) || parse_client(s, a))
			return -1;
	} else {
		return expected(s, "'grant', 'authorize', 'client' or '}'");
	}
	return expect_type(s, TOK_SEMI, "';'");
}

static int parse_test(struct scanner *s, struct tf_file *f)
{
	struct tf_test *grown, *t;
	size_t i;

	grown = realloc(f->tests, (f->ntests + 1) * sizeof(*grown));
	if (!grown)
		return oom(s);
	f->tests = grown;
	t = &f->tests[f->ntests++];
	memset(t, 0, sizeof(*t));
	t->line = s->tok.line;
	t->column = s->tok.column;
	if (next(s))
		return -1;
	if (s->tok.type == TOK_STRING && s->tok.text[0] == '\0') {
		error_tok(s, "%s", "a test's name must not be empty");
		return -1;
	}
	if (s->tok.type == TOK_STRING)
		for (i = 0; i + 1 < f->ntests; i++)
			if (strcmp(f->tests[i].name, s->tok.text) == 0) {
				error_tok(s, "a test named \"%s\" is already at line %u", s->tok.text,
				          f->tests[i].line);
				return -1;
			}
	if (take_value(s, 0, "the test's name, a string", &t->name) ||
	    expect_type(s, TOK_LBRACE, "'{'"))
		return -1;
	while (s->tok.type != TOK_RBRACE)
		if (parse_assertion(s, t))
			return -1;
	if (t->nasserts == 0) {
		error_tok(s, "%s", "a test needs at least one assertion");
		return -1;
	}
	return next(s);
}

static int add_policy(struct scanner *s, struct tf_file *f, const char *rel)
{
	size_t dlen = rel[0] == '/' ? 0 : cli_dir_length(f->path);
	char **grown = realloc(f->policies, (f->npolicies + 1) * sizeof(*grown));
	char *full;

	if (!grown)
		return oom(s);
	f->policies = grown;
	full = malloc(dlen + strlen(rel) + 2);
	if (!full)
		return oom(s);
	if (dlen == 0 && rel[0] != '/')
		strcpy(full, rel);
	else
		sprintf(full, "%.*s%s", (int)dlen, f->path, rel);
	f->policies[f->npolicies++] = full;
	return 0;
}

/* policy "PATH"...; */
static int parse_policy(struct scanner *s, struct tf_file *f)
{
	if (f->npolicies) {
		error_tok(s, "%s", "the policy is given twice (name every path in one 'policy' line)");
		return -1;
	}
	if (f->ntests) {
		error_tok(s, "%s", "the 'policy' line must come before the first test");
		return -1;
	}
	if (next(s))
		return -1;
	if (s->tok.type != TOK_STRING)
		return expected(s, "a policy path, a string");
	while (s->tok.type == TOK_STRING) {
		if (s->tok.text[0] == '\0') {
			error_tok(s, "%s", "a policy path must not be empty");
			return -1;
		}
		if (add_policy(s, f, s->tok.text) || next(s))
			return -1;
	}
	return expect_type(s, TOK_SEMI, "';' or another policy path");
}

static char *read_all(const char *path, size_t *len, FILE *err)
{
	char *buf = cli_read_file(path, len);

	if (!buf) {
		if (errno == ENOMEM)
			fprintf(err, "writ test: out of memory\n");
		else
			fprintf(err, "writ test: cannot read %s: %s\n", path, strerror(errno));
	}
	return buf;
}

int tf_file_parse(const char *path, FILE *err, struct tf_file *f)
{
	struct scanner s;
	size_t len;
	char *data;

	memset(f, 0, sizeof(*f));
	memset(&s, 0, sizeof(s));
	f->path = strdup(path);
	data = read_all(path, &len, err);
	if (!data || !f->path) {
		if (data)
			fputs("writ test: out of memory\n", err);
		free(data);
		return -2;
	}
	s.path = path;
	s.p = s.line_start = data;
	s.end = data + len;
	s.line = s.column = 1;
	s.err = err;
	if (memchr(data, '\0', len)) {
		fprintf(err, "%s: error: a test file is text: this one holds a NUL byte\n", path);
		free(data);
		return -1;
	}
	if (next(&s) == 0) {
		while (s.tok.type != TOK_EOF) {
			if (is_word(&s, "policy")) {
				if (parse_policy(&s, f))
					break;
			} else if (is_word(&s, "test")) {
				if (parse_test(&s, f))
					break;
			} else {
				expected(&s, "'policy' or 'test'");
				break;
			}
		}
	}
	if (!s.failed && f->ntests == 0) {
		fprintf(err, "%s: error: no tests in this file\n", path);
		s.failed = -1;
	}
	/* The default policy is the file's directory: "dir/", or "." with none. */
	if (!s.failed && f->npolicies == 0)
		add_policy(&s, f, cli_dir_length(path) > 0 ? "" : ".");
	free(s.tok.text);
	free(data);
	return s.failed;
}

static void assertion_free(struct tf_assertion *a)
{
	free(a->principal);
	free(a->resource);
	free(a->scope);
	free(a->peer);
	free(a->header);
	free(a->audience);
	free(a->method);
	free(a->target);
	free(a->secret);
	free(a->expect_scope);
	free(a->expect_error);
}

void tf_file_free(struct tf_file *f)
{
	size_t i, j;

	if (!f)
		return;
	for (i = 0; i < f->ntests; i++) {
		for (j = 0; j < f->tests[i].nasserts; j++)
			assertion_free(&f->tests[i].asserts[j]);
		free(f->tests[i].asserts);
		free(f->tests[i].name);
	}
	for (i = 0; i < f->npolicies; i++)
		free(f->policies[i]);
	free(f->policies);
	free(f->tests);
	free(f->path);
	memset(f, 0, sizeof(*f));
}
