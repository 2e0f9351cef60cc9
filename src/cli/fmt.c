/*
 * fmt.c: the canonical layout of a policy file (writ fmt).
 *
 * A printer over tokens, not over the syntax tree: the tokens are cut by
 * the scanner's rules (grammar/policy.l) and written back as they were
 * spelled, so strings keep their escapes and comments their text. What
 * changes is only the space between tokens: one item per line, blocks
 * indented by four spaces, runs of settings, permissions and routes
 * aligned in columns. The only place where space means something is a
 * stack line's arguments, where pieces that touch form one argument: there
 * touching tokens stay touching.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

enum tok_kind { TK_WORD, TK_STRING, TK_PUNCT, TK_COMMENT };

struct tok {
	enum tok_kind kind;
	const char *s;
	size_t len;
	unsigned line;
	bool glued; /* nothing between it and the token before */
};

enum line_type { L_ITEM, L_OPEN, L_CLOSE, L_COMMENT, L_BLANK };

/* An output line: code tokens [t0, t1) of the code array, or a comment. */
struct line {
	enum line_type type;
	unsigned depth;
	bool stack; /* an item of a stack block */
	size_t t0, t1;
	const struct tok *cmt; /* the comment, or the one that ends the line */
};

struct buf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void put_spaces(struct buf *b, size_t n)
{
	while (n--)
		put(b, " ", 1);
}

/* grammar/policy.l's WORD. */
static bool is_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("_.:/@+*!$%&'?^|~<>`-", c));
}

static bool is_punct(const struct tok *t, char c)
{
	return t->kind == TK_PUNCT && t->s[0] == c;
}

/* Code points: the file is UTF-8 (the loader checked). */
static size_t width(const char *s, size_t n)
{
	size_t w = 0, i;

	for (i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xC0) != 0x80;
	return w;
}

struct tokens {
	struct tok *v;
	size_t n, cap;
};

static int push_tok(struct tokens *ts, struct tok t)
{
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 64;
		struct tok *p = realloc(ts->v, cap * sizeof(*p));
		if (!p)
			return -1;
		ts->v = p;
		ts->cap = cap;
	}
	ts->v[ts->n++] = t;
	return 0;
}

/* Cut src into tokens. Returns 0, -1 out of memory, or the line (> 0) of
 * something the language cannot hold. */
static long tokenize(const char *src, size_t len, struct tokens *ts)
{
	unsigned line = 1;
	bool gap = true;
	size_t i = 0, j;

	if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len) {
		unsigned char c = (unsigned char)src[i];
		struct tok t = {TK_PUNCT, src + i, 1, line, !gap};

		if (c == '\n') {
			line++;
			i++;
			gap = true;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
			gap = true;
			continue;
		}
		if (c == '#') {
			for (j = i; j < len && src[j] != '\n'; j++)
				;
			t.kind = TK_COMMENT;
			t.len = j - i;
			while (t.len > 1 && strchr(" \t\r", t.s[t.len - 1]))
				t.len--;
		} else if (c == '"') {
			for (j = i + 1; j < len && src[j] != '"'; j++) {
				if (src[j] == '\n' || src[j] == '\r')
					return line;
				if (src[j] == '\\' && ++j < len &&
				    (src[j] == '\n' || src[j] == '\r'))
					return line;
			}
			if (j >= len)
				return line;
			t.kind = TK_STRING;
			t.len = j + 1 - i;
		} else if (is_word_byte(c)) {
			for (j = i; j < len && is_word_byte((unsigned char)src[j]); j++)
				;
			t.kind = TK_WORD;
			t.len = j - i;
		} else if (!strchr("{};,[]=", c) || !c) {
			return line;
		}
		if (push_tok(ts, t) != 0)
			return -1;
		i += t.len;
		gap = false;
	}
	return 0;
}

struct lines {
	struct line *v;
	size_t n, cap;
};

static int push_line(struct lines *ls, struct line l)
{
	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 64;
		struct line *p = realloc(ls->v, cap * sizeof(*p));
		if (!p)
			return -1;
		ls->v = p;
		ls->cap = cap;
	}
	ls->v[ls->n++] = l;
	return 0;
}

enum { MAX_DEPTH = 32 };

/*
 * Group the tokens into lines. Code tokens are moved into code[] (the
 * comments inside an item are taken out of it); a comment inside an item
 * goes on its own line above the item, one after the last token of a line
 * stays at that line's end, any other on its own line. Blank lines are
 * noted where the author had any; layout() decides which stay.
 * Returns 0, -1 out of memory, or the line (> 0) that breaks the nesting.
 */
static long group(const struct tokens *ts, struct tok *code, struct lines *ls)
{
	bool stack[MAX_DEPTH] = {false};
	unsigned depth = 0, last = 0;
	size_t i, nc = 0, start = 0;
	bool in_item = false;

	for (i = 0; i < ts->n; i++) {
		const struct tok *t = &ts->v[i];
		bool blank = last && t->line > last + 1;
		struct line l = {L_COMMENT, depth, false, 0, 0, t};

		if (t->kind == TK_COMMENT) {
			if (!in_item && last && t->line == last && ls->n &&
			    ls->v[ls->n - 1].type != L_COMMENT && !ls->v[ls->n - 1].cmt) {
				ls->v[ls->n - 1].cmt = t;
			} else {
				if (!in_item && blank &&
				    push_line(ls, (struct line){.type = L_BLANK}))
					return -1;
				if (push_line(ls, l) != 0)
					return -1;
			}
			last = t->line;
			continue;
		}
		if (!in_item) {
			if (blank && push_line(ls, (struct line){.type = L_BLANK}) != 0)
				return -1;
			in_item = true;
			start = nc;
		}
		code[nc++] = *t;
		last = t->line;
		l.cmt = NULL;
		l.t0 = start;
		l.t1 = nc;
		if (is_punct(t, '}')) {
			if (nc - start != 1 || depth == 0)
				return t->line;
			l.type = L_CLOSE;
			l.depth = --depth;
		} else if (is_punct(t, ';')) {
			l.type = L_ITEM;
			l.stack = depth > 0 && stack[depth - 1];
		} else if (is_punct(t, '{')) {
			if (depth + 1 >= MAX_DEPTH)
				return t->line;
			l.type = L_OPEN;
			stack[depth++] =
			    code[start].len == 5 && memcmp(code[start].s, "stack", 5) == 0;
		} else {
			continue;
		}
		in_item = false;
		if (push_line(ls, l) != 0)
			return -1;
	}
	if (in_item || depth)
		return last ? last : 1;
	return 0;
}

/*
 * Which blank lines stay: at most one in a row, none at the start or the
 * end, none right after '{' or before '}'; and there is always one after
 * the '}' that closes a top-level block, when anything follows.
 */
static int tidy_blanks(struct lines *ls)
{
	struct lines out = {0};
	size_t i;

	for (i = 0; i < ls->n; i++) {
		struct line l = ls->v[i];
		const struct line *prev = out.n ? &out.v[out.n - 1] : NULL;

		if (l.type == L_BLANK) {
			if (prev && prev->type != L_BLANK && prev->type != L_OPEN &&
			    push_line(&out, l) != 0)
				goto oom;
			continue;
		}
		if (prev && prev->type == L_CLOSE && prev->depth == 0 &&
		    push_line(&out, (struct line){.type = L_BLANK}) != 0)
			goto oom;
		if (l.type == L_CLOSE && out.n && out.v[out.n - 1].type == L_BLANK)
			out.n--;
		if (push_line(&out, l) != 0)
			goto oom;
	}
	if (out.n && out.v[out.n - 1].type == L_BLANK)
		out.n--;
	free(ls->v);
	*ls = out;
	return 0;
oom:
	free(out.v);
	return -1;
}

/* The space to write between two tokens of one line. Only a stack line's
 * arguments keep what the author wrote: touching pieces are one argument. */
static bool space_between(const struct tok *prev, const struct tok *cur, bool stack,
                          bool in_brackets, bool args)
{
	if (is_punct(cur, ';'))
		return false;
	if (!stack)
		return !is_punct(cur, ',');
	if (in_brackets)
		return !is_punct(prev, '[') && !is_punct(cur, ']') && !is_punct(prev, '=') &&
		       !is_punct(cur, '=');
	if (args)
		return !cur->glued;
	return true;
}

/* Write code tokens [a, b) with their spaces; returns the width written. */
static size_t put_code(struct buf *b, const struct tok *code, const struct line *l, size_t a,
                       size_t b_end)
{
	size_t i, w = 0, pos = 0, module = 1;
	bool brackets = false;

	/* A stack line's module is its second token, or the one after ']'. */
	if (l->stack && is_punct(&code[l->t0], '['))
		for (module = 0; l->t0 + module < l->t1 && !is_punct(&code[l->t0 + module], ']');
		     module++)
			;
	if (l->stack && is_punct(&code[l->t0], '['))
		module++;
	for (i = l->t0; i < b_end; i++, pos++) {
		const struct tok *t = &code[i];
		if (is_punct(t, '['))
			brackets = true;
		if (i >= a) {
			if (i > a &&
			    space_between(&code[i - 1], t, l->stack, brackets && !is_punct(t, '['),
			                  pos > module + 1)) {
				put(b, " ", 1);
				w++;
			}
			put(b, t->s, t->len);
			w += width(t->s, t->len);
		}
		if (is_punct(t, ']'))
			brackets = false;
	}
	return w;
}

enum align_class { A_NONE, A_SETTING, A_PERMISSION, A_ROUTE };

static bool word_is(const struct tok *t, const char *w)
{
	return t->kind == TK_WORD && t->len == strlen(w) && memcmp(t->s, w, t->len) == 0;
}

static enum align_class classify(const struct tok *code, const struct line *l)
{
	static const char *const settings[] = {
	    "name", "description", "token-ttl",   "roles",      "secret",      "default-scope",
	    "jwks", "refresh-min", "refresh-max", "algorithms", "signing-key", "unrouted",
	};
	const struct tok *first = &code[l->t0];
	size_t i;

	if (l->type != L_ITEM || l->stack || l->t1 - l->t0 < 3)
		return A_NONE;
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (word_is(first, settings[i]))
			return A_SETTING;
	if (word_is(first, "permission"))
		return l->t1 - l->t0 >= 4 ? A_PERMISSION : A_NONE;
	if (word_is(first, "route"))
		return A_ROUTE;
	return A_NONE;
}

enum { MAX_FIELDS = 2 };

/* Where a line's aligned columns end, as code indices; returns how many. */
static size_t fields(const struct tok *code, const struct line *l, enum align_class c, size_t *end)
{
	size_t i;

	switch (c) {
	case A_SETTING:
		end[0] = l->t0 + 1;
		return 1;
	case A_PERMISSION:
		end[0] = l->t0 + 2;
		return 1;
	case A_ROUTE:
		for (i = l->t0 + 1; i < l->t1 && code[i].kind != TK_STRING; i++)
			;
		if (i + 1 >= l->t1)
			return 0;
		end[0] = i;
		end[1] = i + 1;
		return 2;
	case A_NONE:
		break;
	}
	return 0;
}

static void put_indent(struct buf *b, unsigned depth)
{
	put_spaces(b, 4 * (size_t)depth);
}

/* Lines [from, to) form one run of a class: write them aligned. */
static void put_run(struct buf *b, const struct tok *code, const struct line *v, size_t from,
                    size_t to, enum align_class c)
{
	size_t maxw[MAX_FIELDS] = {0}, i, f;
	struct buf scratch = {0};

	for (i = from; i < to; i++) {
		size_t end[MAX_FIELDS], n = fields(code, &v[i], c, end), start = v[i].t0;
		for (f = 0; f < n; f++) {
			size_t w = put_code(&scratch, code, &v[i], start, end[f]);
			if (w > maxw[f])
				maxw[f] = w;
			start = end[f];
		}
	}
	free(scratch.s);
	for (i = from; i < to; i++) {
		size_t end[MAX_FIELDS], n = fields(code, &v[i], c, end), start = v[i].t0;
		put_indent(b, v[i].depth);
		for (f = 0; f < n; f++) {
			size_t w = put_code(b, code, &v[i], start, end[f]);
			put_spaces(b, maxw[f] - w + 1);
			start = end[f];
		}
		put_code(b, code, &v[i], start, v[i].t1);
		if (v[i].cmt) {
			put(b, "  ", 2);
			put(b, v[i].cmt->s, v[i].cmt->len);
		}
		put(b, "\n", 1);
	}
}

static void render(struct buf *b, const struct tok *code, const struct lines *ls)
{
	size_t i = 0;

	while (i < ls->n) {
		const struct line *l = &ls->v[i];
		enum align_class c = classify(code, l);
		size_t j = i + 1;

		while (j < ls->n && ls->v[j].depth == l->depth && classify(code, &ls->v[j]) == c &&
		       c != A_NONE)
			j++;
		switch (l->type) {
		case L_BLANK:
			put(b, "\n", 1);
			break;
		case L_COMMENT:
			put_indent(b, l->depth);
			put(b, l->cmt->s, l->cmt->len);
			put(b, "\n", 1);
			break;
		case L_ITEM:
		case L_OPEN:
		case L_CLOSE:
			put_run(b, code, ls->v, i, j, c);
			break;
		}
		i = j;
	}
}

int fmt_policy(const char *src, size_t len, char **out, size_t *outlen, const char **why)
{
	static char msg[64];
	struct tokens ts = {0};
	struct lines ls = {0};
	struct tok *code = NULL;
	struct buf b = {0};
	long bad;
	int rc = -1;

	*why = "out of memory";
	bad = tokenize(src, len, &ts);
	if (bad == 0) {
		code = malloc((ts.n + 1) * sizeof(*code));
		bad = code ? group(&ts, code, &ls) : -1;
	}
	if (bad > 0) {
		snprintf(msg, sizeof(msg), "line %ld cannot be laid out", bad);
		*why = msg;
	}
	if (bad != 0)
		goto out;
	if (tidy_blanks(&ls) != 0)
		goto out;
	render(&b, code, &ls);
	put(&b, "", 0);
	if (b.oom)
		goto out;
	*out = b.s;
	*outlen = b.len;
	b.s = NULL;
	rc = 0;
out:
	free(b.s);
	free(code);
	free(ts.v);
	free(ls.v);
	return rc;
}
