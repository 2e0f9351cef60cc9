/*
 * lex-support.c: the scanner's helpers (locations, strings and escapes) and
 * the parser's actions (building the syntax tree). Meaning is checked later,
 * in check.c; here only what the grammar alone can tell is reported.
 */
#include "config.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "lex-support.h"
#include "suppress.h"
#include "util.h"

static struct span span_of(const struct parse_state *ps,
                           const POLICY_YYLTYPE *loc)
{
	struct span sp = {
		.file = ps->file,
		.line = (uint32_t)loc->first_line,
		.col = (uint32_t)loc->first_column,
		.end_line = (uint32_t)loc->last_line,
		.end_col = (uint32_t)loc->last_column,
	};
	return sp;
}

static void *ps_alloc(struct parse_state *ps, size_t size)
{
	void *p = arena_alloc(&ps->ld->arena, size);

	if (!p) {
		ps->ld->oom = true;
		longjmp(*ps->unwind, 1);
	}
	return p;
}

/* ---- scanner ---- */

/* Called for every token: a switch, not strchr(). */
static bool is_blank_or_comment(char c)
{
	switch (c) {
	case ' ':
	case '\t':
	case '\r':
	case '\n':
	case '#':
		return true;
	}
	return false;
}

static bool is_punctuation(char c)
{
	switch (c) {
	case '{':
	case '}':
	case ';':
	case ',':
		return true;
	}
	return false;
}

void lex_advance(struct parse_state *ps, POLICY_YYLTYPE *loc, const char *text,
                 size_t len)
{
	size_t i;

	loc->first_line = (int)ps->line;
	loc->first_column = (int)ps->col;
	for (i = 0; i < len; i++) {
		if (text[i] == '\n') {
			ps->line++;
			ps->col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			ps->col++;
		}
	}
	loc->last_line = (int)ps->line;
	loc->last_column = (int)ps->col;
	ps->tok_text = text;
	ps->tok_len = len;
	/* Blanks and comments are not tokens; their start tells them apart. */
	if (len && !is_blank_or_comment(text[0])) {
		ps->end_line = ps->line;
		ps->end_col = ps->col;
		ps->before_last = ps->last;
		ps->last = len == 1 && is_punctuation(text[0]) ? text[0] : 'w';
	}
}

void lex_secret_keyword(struct parse_state *ps)
{
	/* 'secret' is an item keyword only where an item starts; elsewhere it
	 * is a name (a role or permission called secret) and hides nothing. */
	char b = ps->before_last;

	ps->in_secret = b == 0 || b == '{' || b == ';' || b == '}';
}

void lex_comment(struct parse_state *ps, const POLICY_YYLTYPE *loc,
                 const char *text, size_t len)
{
	struct span sp = span_of(ps, loc);
	/* A token ended on this line (end_col is 1 only before any token). */
	bool alone = !(ps->end_line == sp.line && ps->end_col > 1);

	suppress_comment(ps->ld, &sp, text, len, alone);
}

void lex_end_of_file(struct parse_state *ps, POLICY_YYLTYPE *loc)
{
	loc->first_line = loc->last_line = (int)ps->end_line;
	loc->first_column = (int)ps->end_col;
	loc->last_column = (int)ps->end_col + 1;
}

bool lex_text(struct parse_state *ps, struct ast_text *out, const char *text,
              size_t len, const POLICY_YYLTYPE *loc)
{
	memset(out, 0, sizeof(*out)); /* the parser's value is not zeroed */
	out->s = arena_strndup(&ps->ld->arena, text, len);
	out->len = len;
	out->sp = span_of(ps, loc);
	if (ps->in_secret)
		loader_add_secret(ps->ld, &out->sp);
	return out->s != NULL;
}

void lex_string_begin(struct parse_state *ps, const POLICY_YYLTYPE *loc)
{
	buf_reset(&ps->str);
	ps->str_line = (uint32_t)loc->first_line;
	ps->str_col = (uint32_t)loc->first_column;
	ps->str_bad = false;
}

bool lex_string_end(struct parse_state *ps, struct ast_text *out,
                    POLICY_YYLTYPE *loc)
{
	if (ps->str.oom)
		return false;
	loc->first_line = (int)ps->str_line;
	loc->first_column = (int)ps->str_col;
	loc->last_line = (int)ps->line;
	loc->last_column = (int)ps->col;
	memset(out, 0, sizeof(*out));
	out->s = arena_strndup(&ps->ld->arena, ps->str.data ? ps->str.data : "",
	                       ps->str.len);
	out->len = ps->str.len;
	out->sp = span_of(ps, loc);
	out->bad = ps->str_bad;
	if (ps->in_secret)
		loader_add_secret(ps->ld, &out->sp);
	/* For messages about this token, show the decoded string. */
	ps->tok_text = out->s;
	ps->tok_len = out->len;
	return out->s != NULL;
}

void lex_bad_char(struct parse_state *ps, const POLICY_YYLTYPE *loc,
                  const char *text, size_t len)
{
	struct span sp = span_of(ps, loc);
	uint32_t cp = (unsigned char)text[0];

	if (len > 1)
		utf8_decode((const unsigned char *)text, len, &cp);
	if (cp >= 0x80)
		diag(ps->ld, &sp, WRIT_SEVERITY_ERROR, E_BAD_CHAR,
		     "names with characters outside ASCII must be quoted",
		     "unexpected character U+%04X", (unsigned)cp);
	else if (cp < 0x20 || cp == 0x7f)
		diag_error(ps->ld, &sp, E_BAD_CHAR,
		           "unexpected control character U+%04X", (unsigned)cp);
	else
		diag_error(ps->ld, &sp, E_BAD_CHAR, "unexpected character '%c'",
		           (char)cp);
}

static unsigned hex4(const char *s)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v = v << 4 | (unsigned)hex_digit_value((unsigned char)s[i]);
	return v;
}

void lex_escape(struct parse_state *ps, const POLICY_YYLTYPE *loc,
                const char *text)
{
	unsigned cp = hex4(text + 2);
	struct span sp = span_of(ps, loc);

	if (cp == 0) {
		diag_error(ps->ld, &sp, E_BAD_ESCAPE,
		           "\\u0000 is not allowed in a string");
	} else if (cp >= 0xd800 && cp <= 0xdfff) {
		diag_error(ps->ld, &sp, E_BAD_ESCAPE,
		           "\\u%04X is half of a surrogate pair; write the pair, or the character itself",
		           cp);
	} else {
		buf_put_utf8(&ps->str, cp);
		return;
	}
	ps->str_bad = true;
}

void lex_escape_pair(struct parse_state *ps, const char *text)
{
	unsigned hi = hex4(text + 2), lo = hex4(text + 8);

	buf_put_utf8(&ps->str, 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00));
}

void lex_bad_escape(struct parse_state *ps, const POLICY_YYLTYPE *loc,
                    const char *text, size_t len)
{
	struct span sp = span_of(ps, loc);

	if (len == 2 && ((unsigned char)text[1] < 0x20 || text[1] == 0x7f))
		diag(ps->ld, &sp, WRIT_SEVERITY_ERROR, E_BAD_ESCAPE,
		     "escapes are \\\" \\\\ \\/ \\n \\t \\r and \\uXXXX",
		     "invalid escape sequence: a backslash before control character U+%04X",
		     (unsigned)(unsigned char)text[1]);
	else
		diag(ps->ld, &sp, WRIT_SEVERITY_ERROR, E_BAD_ESCAPE,
		     "escapes are \\\" \\\\ \\/ \\n \\t \\r and \\uXXXX",
		     "invalid escape sequence '%.*s' in string", (int)len, text);
	ps->str_bad = true;
}

void lex_control_in_string(struct parse_state *ps, const POLICY_YYLTYPE *loc,
                           const char *text)
{
	struct span sp = span_of(ps, loc);
	unsigned c = (unsigned char)text[0];

	diag(ps->ld, &sp, WRIT_SEVERITY_ERROR, E_CONTROL_IN_STRING,
	     c == '\t' ? "write a tab as \\t" : NULL,
	     "control character U+%04X in string", c);
	ps->str_bad = true;
}

void lex_unterminated(struct parse_state *ps)
{
	struct span sp = {
		.file = ps->file,
		.line = ps->str_line,
		.col = ps->str_col,
		.end_line = ps->str_line,
		.end_col = ps->str_col + 1,
	};

	diag(ps->ld, &sp, WRIT_SEVERITY_ERROR, E_UNTERMINATED,
	     "a string ends with '\"' on the line it starts",
	     "unterminated string");
}

/* ---- parser ---- */

struct ast_text lex_keyword_text(struct parse_state *ps, const char *kw,
                                 const POLICY_YYLTYPE *loc)
{
	struct ast_text t = {
		.s = kw,
		.len = strlen(kw),
		.sp = span_of(ps, loc),
	};
	return t;
}

void lex_put_token_text(struct parse_state *ps, struct buf *b)
{
	size_t len = ps->tok_len > 60 ? 60 : ps->tok_len;

	/* Do not cut a UTF-8 sequence in half. */
	while (len < ps->tok_len && len > 0 &&
	       ((unsigned char)ps->tok_text[len] & 0xc0) == 0x80)
		len--;
	buf_put_quoted(b, ps->tok_text, len);
	if (len < ps->tok_len)
		buf_puts(b, "...");
}

void lex_syntax_error(struct parse_state *ps, const POLICY_YYLTYPE *loc,
                      const char *msg)
{
	struct span sp = span_of(ps, loc);

	diag_error(ps->ld, &sp, E_SYNTAX, "%s", msg);
}

static struct ast_ref *reverse(struct ast_ref *list)
{
	struct ast_ref *out = NULL;

	while (list) {
		struct ast_ref *next = list->next;
		list->next = out;
		out = list;
		list = next;
	}
	return out;
}

struct ast_ref *parse_ref(struct parse_state *ps, struct ast_ref *list,
                          const struct ast_text *name)
{
	struct ast_ref *r = ps_alloc(ps, sizeof(*r));

	r->name = *name;
	r->target = -1;
	r->next = list;
	return r;
}

void parse_include(struct parse_state *ps, const struct ast_text *path)
{
	struct parse_include *inc = ps_alloc(ps, sizeof(*inc));

	inc->path = *path;
	*ps->includes_tail = inc;
	ps->includes_tail = &inc->next;
}

void parse_issuer_begin(struct parse_state *ps, const struct ast_text *url)
{
	struct ast_policy *ast = &ps->ld->ast;
	struct ast_issuer *is = ps_alloc(ps, sizeof(*is));

	is->url = *url;
	is->keys_tail = &is->keys;
	*ast->issuers_tail = is;
	ast->issuers_tail = &is->next;
	ast->nissuers++;
	ps->issuer = is;
}

void parse_signing_key(struct parse_state *ps, const struct ast_text *path,
                       struct ast_ref *options)
{
	struct ast_signing_key *k = ps_alloc(ps, sizeof(*k));

	k->path = *path;
	k->options = reverse(options);
	*ps->issuer->keys_tail = k;
	ps->issuer->keys_tail = &k->next;
}

void parse_resource_begin(struct parse_state *ps, const struct ast_text *ind)
{
	struct ast_policy *ast = &ps->ld->ast;
	struct ast_resource *r = ps_alloc(ps, sizeof(*r));

	r->indicator = *ind;
	r->perms_tail = &r->perms;
	r->default_scope_tail = &r->default_scope;
	r->routes_tail = &r->routes;
	*ast->resources_tail = r;
	ast->resources_tail = &r->next;
	ast->nresources++;
	ps->resource = r;
}

static void duplicate_setting(struct parse_state *ps, const struct span *again,
                              const struct span *first, const char *what,
                              const char *block)
{
	diag_error(ps->ld, again, E_DUPLICATE_SETTING, "%s is set twice in this %s",
	           what, block);
	diag_note(ps->ld, first, "first set here");
}

void parse_set(struct parse_state *ps, struct ast_text *field, struct span *key,
               const struct ast_text *value, const POLICY_YYLTYPE *kw,
               const char *what, const char *block)
{
	struct span sp = span_of(ps, kw);

	if (field->s) {
		duplicate_setting(ps, &sp, key, what, block);
		return;
	}
	*field = *value;
	*key = sp;
}

void parse_trust_begin(struct parse_state *ps, const struct ast_text *id)
{
	struct ast_policy *ast = &ps->ld->ast;
	struct ast_trust *tr = ps_alloc(ps, sizeof(*tr));

	tr->id = *id;
	*ast->trusts_tail = tr;
	ast->trusts_tail = &tr->next;
	ast->ntrusts++;
	ps->trust = tr;
}

void parse_trust_algorithms(struct parse_state *ps, struct ast_ref *list,
                            const POLICY_YYLTYPE *kw)
{
	struct span sp = span_of(ps, kw);

	if (ps->trust->algorithms) {
		duplicate_setting(ps, &sp, &ps->trust->algorithms_sp, "algorithms", "trust block");
		return;
	}
	ps->trust->algorithms = reverse(list);
	ps->trust->algorithms_sp = sp;
}

void parse_resource_default(struct parse_state *ps, const POLICY_YYLTYPE *loc)
{
	struct ast_resource *r = ps->resource;
	struct span sp = span_of(ps, loc);

	if (r->is_default) {
		duplicate_setting(ps, &sp, &r->default_sp, "default", "resource");
		return;
	}
	r->is_default = true;
	r->default_sp = sp;
}

void parse_resource_default_scope(struct parse_state *ps, struct ast_ref *list,
                                  const POLICY_YYLTYPE *loc)
{
	struct ast_resource *r = ps->resource;
	struct span sp = span_of(ps, loc);

	if (r->has_default_scope) {
		duplicate_setting(ps, &sp, &r->default_scope_sp, "default-scope",
		                  "resource");
		return;
	}
	r->has_default_scope = true;
	r->default_scope_sp = sp;
	r->default_scope = reverse(list);
}

void parse_permission(struct parse_state *ps, const struct ast_text *name,
                      const struct ast_text *description)
{
	struct ast_resource *r = ps->resource;
	struct ast_permission *p = ps_alloc(ps, sizeof(*p));

	p->name = *name;
	p->description = *description;
	*r->perms_tail = p;
	r->perms_tail = &p->next;
	r->nperms++;
	ps->ld->ast.nperms++;
}

void parse_route_rule(struct parse_state *ps, enum ast_route_rule rule,
                      struct ast_ref *perms, const POLICY_YYLTYPE *kw)
{
	ps->route_rule = rule;
	ps->route_perms = reverse(perms);
	ps->route_rule_sp = span_of(ps, kw);
}

void parse_route(struct parse_state *ps, struct ast_ref *methods,
                 const struct ast_text *tmpl, const POLICY_YYLTYPE *kw)
{
	struct ast_resource *r = ps->resource;
	struct ast_route *rt = ps_alloc(ps, sizeof(*rt));

	rt->methods = reverse(methods);
	rt->tmpl = *tmpl;
	rt->rule = ps->route_rule;
	rt->perms = ps->route_perms;
	rt->rule_sp = ps->route_rule_sp;
	rt->sp = span_of(ps, kw);
	ps->route_perms = NULL;
	*r->routes_tail = rt;
	r->routes_tail = &rt->next;
	r->nroutes++;
}

void parse_unrouted(struct parse_state *ps, const struct ast_text *value,
                    const POLICY_YYLTYPE *kw)
{
	parse_set(ps, &ps->resource->unrouted, &ps->resource->unrouted_key, value, kw, "unrouted", "resource");
}

void parse_role_begin(struct parse_state *ps, const struct ast_text *name,
                      enum ast_kind kind)
{
	struct ast_policy *ast = &ps->ld->ast;
	struct ast_role *role = ps_alloc(ps, sizeof(*role));

	role->name = *name;
	role->kind = kind;
	role->grants_tail = &role->grants;
	*ast->roles_tail = role;
	ast->roles_tail = &role->next;
	ast->nroles++;
	ps->role = role;
}

void parse_grant(struct parse_state *ps, struct ast_ref *perms,
                 struct ast_ref *resources, const POLICY_YYLTYPE *loc)
{
	struct ast_grant *g = ps_alloc(ps, sizeof(*g));

	g->perms = reverse(perms);
	g->resources = reverse(resources);
	g->sp = span_of(ps, loc);
	*ps->role->grants_tail = g;
	ps->role->grants_tail = &g->next;
}

void parse_principal_begin(struct parse_state *ps, enum ast_kind kind,
                           const struct ast_text *id)
{
	struct ast_policy *ast = &ps->ld->ast;
	struct ast_principal *p = ps_alloc(ps, sizeof(*p));

	p->kind = kind;
	p->id = *id;
	p->secrets_tail = &p->secrets;
	p->roles_tail = &p->roles;
	if (kind == AST_APPS) {
		*ast->apps_tail = p;
		ast->apps_tail = &p->next;
		ast->napps++;
	} else {
		*ast->users_tail = p;
		ast->users_tail = &p->next;
		ast->nusers++;
	}
	ps->principal = p;
}

const char *parse_principal_noun(const struct parse_state *ps)
{
	return ps->principal->kind == AST_APPS ? "app" : "user";
}

void parse_secret(struct parse_state *ps, const struct ast_text *hash,
                  const struct ast_text *expires)
{
	struct ast_secret *s = ps_alloc(ps, sizeof(*s));

	s->hash = *hash;
	if (expires)
		s->expires = *expires;
	*ps->principal->secrets_tail = s;
	ps->principal->secrets_tail = &s->next;
}

void parse_roles(struct parse_state *ps, struct ast_ref *roles)
{
	struct ast_principal *p = ps->principal;

	roles = reverse(roles);
	*p->roles_tail = roles;
	while (*p->roles_tail)
		p->roles_tail = &(*p->roles_tail)->next;
	p->has_roles_line = true;
}

/* ---- stacks ---- */

struct span parse_span(struct parse_state *ps, const POLICY_YYLTYPE *loc)
{
	return span_of(ps, loc);
}

void parse_stack_begin(struct parse_state *ps, const struct ast_text *facility,
                       const struct ast_text *name, const POLICY_YYLTYPE *kw)
{
	struct ast_policy *ast = &ps->ld->ast;
	struct ast_stack *st = ps_alloc(ps, sizeof(*st));

	st->facility = *facility;
	if (name)
		st->name = *name;
	st->sp = span_of(ps, kw);
	st->resource = ps->resource;
	st->lines_tail = &st->lines;
	*ast->stacks_tail = st;
	ast->stacks_tail = &st->next;
	ast->nstacks++;
	ps->cur_stack = st;
	ps->cur_line = NULL;
}

void parse_stack_end(struct parse_state *ps)
{
	ps->cur_stack = NULL;
	ps->cur_line = NULL;
}

void parse_stack_line(struct parse_state *ps, const struct ast_text *control,
                      const POLICY_YYLTYPE *loc)
{
	struct ast_stack_line *l = ps_alloc(ps, sizeof(*l));

	if (control)
		l->control = *control;
	l->sp = span_of(ps, loc);
	l->actions_tail = &l->actions;
	/* Joined to its stack once whole (parse_stack_module): a line that a
	 * syntax error cuts short has no module, and is left out. */
	ps->cur_line = l;
}

void parse_stack_action(struct parse_state *ps, const struct ast_text *value,
                        const struct ast_text *action, const POLICY_YYLTYPE *loc)
{
	struct ast_action *a = ps_alloc(ps, sizeof(*a));

	a->value = *value;
	a->action = *action;
	a->sp = span_of(ps, loc);
	*ps->cur_line->actions_tail = a;
	ps->cur_line->actions_tail = &a->next;
}

void parse_stack_module(struct parse_state *ps, const struct ast_text *module)
{
	struct ast_stack_line *l = ps->cur_line;

	/* Runs when the whole line has been read. */
	if (!l)
		return;
	l->module = *module;
	*ps->cur_stack->lines_tail = l;
	ps->cur_stack->lines_tail = &l->next;
	ps->cur_stack->nlines++;
	ps->cur_line = NULL;
}

/* Pieces that touch (no blank between) make one argument, as PAM reads
 * "allow=10.0.0.0/8,127.0.0.0/8". */
void parse_stack_arg(struct parse_state *ps, const struct ast_text *piece)
{
	struct ast_stack_line *l = ps->cur_line;
	struct ast_text *last;

	if (!l)
		return;
	last = l->nargs ? &l->args[l->nargs - 1] : NULL;
	if (last && last->sp.end_line == piece->sp.line && last->sp.end_col == piece->sp.col) {
		char *joined = ps_alloc(ps, last->len + piece->len + 1);
		memcpy(joined, last->s, last->len);
		memcpy(joined + last->len, piece->s, piece->len + 1);
		last->s = joined;
		last->len += piece->len;
		last->sp.end_line = piece->sp.end_line;
		last->sp.end_col = piece->sp.end_col;
		last->bad = last->bad || piece->bad;
		return;
	}
	if (l->nargs == l->capargs) {
		size_t cap = l->capargs ? l->capargs * 2 : 4;
		struct ast_text *p = ps_alloc(ps, cap * sizeof(*p));
		if (l->nargs)
			memcpy(p, l->args, l->nargs * sizeof(*p));
		l->args = p;
		l->capargs = cap;
	}
	l->args[l->nargs++] = *piece;
}
