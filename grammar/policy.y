/*
 * policy.y: the grammar of writ's policy language.
 *
 * A pure parser with locations. Actions only build the syntax tree (in the
 * load's arena, so error recovery discards nothing that needs freeing: no
 * %destructor is required) and report duplicate settings; every rule about
 * meaning lives in the semantic pass (src/lib/check.c).
 *
 * Recovery: a bad item resumes at the next ';', at the '}' that closes its
 * block or at the next item's keyword; a bad statement after the next ';'
 * or '}'. So one run reports every syntax error of a file.
 */
%require "3.0"
%define api.pure full
%define api.prefix {policy_yy}
%define parse.error custom
%define parse.lac full
%locations
%expect 0

%param {void *scanner}
%parse-param {struct parse_state *ps}

%code requires {
#include "ast.h"
struct parse_state;
}

%code {
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "lex-support.h"

int policy_yylex(POLICY_YYSTYPE *lval, POLICY_YYLTYPE *lloc, void *scanner);
static void policy_yyerror(POLICY_YYLTYPE *loc, void *scanner,
                           struct parse_state *ps, const char *msg);
}

%union {
	struct ast_text text;
	struct ast_ref *ref;
	enum ast_kind kind;
}

%token K_INCLUDE "include" K_ISSUER "issuer" K_TRUST "trust" K_RESOURCE "resource"
%token K_PERMISSION "permission" K_ROLE "role" K_FOR "for" K_APPS "apps"
%token K_USERS "users" K_GRANT "grant" K_ON "on" K_APP "app" K_USER "user"
%token K_ROLES "roles" K_NAME "name" K_DESCRIPTION "description"
%token K_TOKEN_TTL "token-ttl" K_DEFAULT "default"
%token K_DEFAULT_SCOPE "default-scope" K_SECRET "secret" K_EXPIRES "expires"
%token K_STACK "stack" K_SIGNING_KEY "signing-key"
%token K_ROUTE "route" K_REQUIRES "requires" K_ANY "any" K_PUBLIC "public"
%token K_UNROUTED "unrouted"
%token K_JWKS "jwks" K_REFRESH_MIN "refresh-min"
%token K_REFRESH_MAX "refresh-max" K_ALGORITHMS "algorithms"
%token <text> WORD "word" STRING "string"

%type <text> word name keyword opt_string
%type <ref> name_list string_list key_options method_list opt_name_list
%type <kind> audience

%%

policy
	: %empty
	| policy statement
	;

statement
	: include
	| issuer
	| trust
	| resource
	| role
	| app
	| user
	| stack
	| error ';'       { yyerrok; }
	| error '}'       { yyerrok; }
	;

include
	: K_INCLUDE STRING ';'      { parse_include(ps, &$2); }
	;

/* ---- issuer ---- */

issuer
	: K_ISSUER STRING '{'       { parse_issuer_begin(ps, &$2); }
	  issuer_items '}'          { ps->issuer = NULL; }
	;

issuer_items
	: %empty
	| issuer_items issuer_item
	| issuer_items error           { yyerrok; }
	;

issuer_item
	: K_TOKEN_TTL word ';'      { parse_set(ps, &ps->issuer->token_ttl, &ps->issuer->token_ttl_key, &$2, &@1, "token-ttl", "issuer"); }
	| K_SIGNING_KEY STRING key_options ';' { parse_signing_key(ps, &$2, $3); }
	| error ';'                 { yyerrok; }
	;

/* ---- trusted issuers ---- */

trust
	: K_TRUST STRING '{'        { parse_trust_begin(ps, &$2); }
	  trust_items '}'           { ps->trust = NULL; }
	;

trust_items
	: %empty
	| trust_items trust_item
	| trust_items error            { yyerrok; }
	;

trust_item
	: K_JWKS STRING ';'         { parse_set(ps, &ps->trust->jwks, &ps->trust->jwks_key, &$2, &@1, "jwks", "trust block"); }
	| K_REFRESH_MIN word ';'    { parse_set(ps, &ps->trust->refresh_min, &ps->trust->refresh_min_key, &$2, &@1, "refresh-min", "trust block"); }
	| K_REFRESH_MAX word ';'    { parse_set(ps, &ps->trust->refresh_max, &ps->trust->refresh_max_key, &$2, &@1, "refresh-max", "trust block"); }
	| K_ALGORITHMS name_list ';' { parse_trust_algorithms(ps, $2, &@1); }
	| error ';'                 { yyerrok; }
	;

/* ---- resource ---- */

resource
	: K_RESOURCE STRING '{'     { parse_resource_begin(ps, &$2); }
	  resource_items '}'        { ps->resource = NULL; }
	;

resource_items
	: %empty
	| resource_items resource_item
	| resource_items error           { yyerrok; }
	;

resource_item
	: K_NAME STRING ';'         { parse_set(ps, &ps->resource->name, &ps->resource->name_key, &$2, &@1, "name", "resource"); }
	| K_DESCRIPTION STRING ';'  { parse_set(ps, &ps->resource->description, &ps->resource->description_key, &$2, &@1, "description", "resource"); }
	| K_TOKEN_TTL word ';'      { parse_set(ps, &ps->resource->token_ttl, &ps->resource->token_ttl_key, &$2, &@1, "token-ttl", "resource"); }
	| K_DEFAULT ';'             { parse_resource_default(ps, &@1); }
	| K_DEFAULT_SCOPE name_list ';' { parse_resource_default_scope(ps, $2, &@1); }
	| K_PERMISSION name opt_string ';' { parse_permission(ps, &$2, &$3); }
	| K_ROUTE method_list STRING route_rule ';' { parse_route(ps, $2, &$3, &@1); }
	| K_UNROUTED word ';'       { parse_unrouted(ps, &$2, &@1); }
	| stack
	| error ';'                 { yyerrok; }
	;

/* What a route needs. `requires any;` asks for a permission called any;
 * `requires;` parses, so that the check can say what is missing. */
route_rule
	: K_REQUIRES opt_name_list  { parse_route_rule(ps, AST_ROUTE_ALL, $2, &@1); }
	| K_REQUIRES K_ANY name_list { parse_route_rule(ps, AST_ROUTE_ANY, $3, &@1); }
	| K_PUBLIC                  { parse_route_rule(ps, AST_ROUTE_PUBLIC, NULL, &@1); }
	;

/* `any` alone, or HTTP methods: the check tells them apart. */
method_list
	: word                      { $$ = parse_ref(ps, NULL, &$1); }
	| method_list ',' word      { $$ = parse_ref(ps, $1, &$3); }
	;

opt_name_list
	: %empty                    { $$ = NULL; }
	| name_list
	;

/* ---- role ---- */

role
	: K_ROLE name K_FOR audience '{' { parse_role_begin(ps, &$2, $4); }
	  role_items '}'            { ps->role = NULL; }
	;

audience
	: K_APPS                    { $$ = AST_APPS; }
	| K_USERS                   { $$ = AST_USERS; }
	;

role_items
	: %empty
	| role_items role_item
	| role_items error           { yyerrok; }
	;

role_item
	: K_DESCRIPTION STRING ';'  { parse_set(ps, &ps->role->description, &ps->role->description_key, &$2, &@1, "description", "role"); }
	| K_GRANT name_list K_ON string_list ';' { parse_grant(ps, $2, $4, &@$); }
	| error ';'                 { yyerrok; }
	;

/* ---- app and user ---- */

app
	: K_APP name '{'            { parse_principal_begin(ps, AST_APPS, &$2); }
	  app_items '}'             { ps->principal = NULL; }
	;

app_items
	: %empty
	| app_items app_item
	| app_items error           { yyerrok; }
	;

app_item
	: principal_item
	| K_SECRET STRING ';'       { parse_secret(ps, &$2, NULL); }
	| K_SECRET STRING K_EXPIRES STRING ';' { parse_secret(ps, &$2, &$4); }
	;

user
	: K_USER name '{'           { parse_principal_begin(ps, AST_USERS, &$2); }
	  user_items '}'            { ps->principal = NULL; }
	;

user_items
	: %empty
	| user_items principal_item
	| user_items error           { yyerrok; }
	;

principal_item
	: K_NAME STRING ';'         { parse_set(ps, &ps->principal->name, &ps->principal->name_key, &$2, &@1, "name", parse_principal_noun(ps)); }
	| K_DESCRIPTION STRING ';'  { parse_set(ps, &ps->principal->description, &ps->principal->description_key, &$2, &@1, "description", parse_principal_noun(ps)); }
	| K_ROLES name_list ';'     { parse_roles(ps, $2); }
	| error ';'                 { yyerrok; }
	;

/* ---- stacks ---- */

stack
	: K_STACK name '{'          { parse_stack_begin(ps, &$2, NULL, &@1); }
	  stack_lines '}'           { parse_stack_end(ps); }
	| K_STACK name K_FOR name '{' { parse_stack_begin(ps, &$4, &$2, &@1); }
	  stack_lines '}'           { parse_stack_end(ps); }
	;

stack_lines
	: %empty
	| stack_lines stack_line
	| stack_lines error         { yyerrok; }
	;

stack_line
	: name                      { parse_stack_line(ps, &$1, &@1); }
	  name stack_args ';'       { parse_stack_module(ps, &$3); }
	| '['                       { parse_stack_line(ps, NULL, &@1); }
	  stack_actions ']' name stack_args ';' { parse_stack_module(ps, &$5); }
	| error ';'                 { yyerrok; }
	;

stack_actions
	: %empty
	| stack_actions word '=' word { parse_stack_action(ps, &$2, &$4, &@$); }
	;

/* Arguments are written as in PAM: pieces that touch form one argument,
 * so allow=10.0.0.0/8,127.0.0.0/8 is one; spaces separate them. */
stack_args
	: %empty
	| stack_args word           { parse_stack_arg(ps, &$2); }
	| stack_args STRING         { parse_stack_arg(ps, &$2); }
	| stack_args '='            { parse_stack_arg(ps, &(struct ast_text){ .s = "=", .len = 1, .sp = parse_span(ps, &@2) }); }
	| stack_args ','            { parse_stack_arg(ps, &(struct ast_text){ .s = ",", .len = 1, .sp = parse_span(ps, &@2) }); }
	;

/* current | next | previous, and kid "ID": checked by the semantic pass. */
key_options
	: %empty                    { $$ = NULL; }
	| key_options name          { $$ = parse_ref(ps, $1, &$2); }
	;

/* ---- lists and names ---- */

name_list
	: name                      { $$ = parse_ref(ps, NULL, &$1); }
	| name_list ',' name        { $$ = parse_ref(ps, $1, &$3); }
	;

string_list
	: STRING                    { $$ = parse_ref(ps, NULL, &$1); }
	| string_list ',' STRING    { $$ = parse_ref(ps, $1, &$3); }
	;

opt_string
	: %empty                    { memset(&$$, 0, sizeof($$)); }
	| STRING
	;

/* A name is a bare word or a string; keywords are words where a name fits. */
name
	: word
	| STRING
	;

word
	: WORD
	| keyword
	;

keyword
	: K_INCLUDE     { $$ = lex_keyword_text(ps, "include", &@1); }
	| K_ISSUER      { $$ = lex_keyword_text(ps, "issuer", &@1); }
	| K_RESOURCE    { $$ = lex_keyword_text(ps, "resource", &@1); }
	| K_PERMISSION  { $$ = lex_keyword_text(ps, "permission", &@1); }
	| K_ROLE        { $$ = lex_keyword_text(ps, "role", &@1); }
	| K_FOR         { $$ = lex_keyword_text(ps, "for", &@1); }
	| K_APPS        { $$ = lex_keyword_text(ps, "apps", &@1); }
	| K_USERS       { $$ = lex_keyword_text(ps, "users", &@1); }
	| K_GRANT       { $$ = lex_keyword_text(ps, "grant", &@1); }
	| K_ON          { $$ = lex_keyword_text(ps, "on", &@1); }
	| K_APP         { $$ = lex_keyword_text(ps, "app", &@1); }
	| K_USER        { $$ = lex_keyword_text(ps, "user", &@1); }
	| K_ROLES       { $$ = lex_keyword_text(ps, "roles", &@1); }
	| K_NAME        { $$ = lex_keyword_text(ps, "name", &@1); }
	| K_DESCRIPTION { $$ = lex_keyword_text(ps, "description", &@1); }
	| K_TOKEN_TTL   { $$ = lex_keyword_text(ps, "token-ttl", &@1); }
	| K_DEFAULT     { $$ = lex_keyword_text(ps, "default", &@1); }
	| K_DEFAULT_SCOPE { $$ = lex_keyword_text(ps, "default-scope", &@1); }
	| K_SECRET      { $$ = lex_keyword_text(ps, "secret", &@1); }
	| K_EXPIRES     { $$ = lex_keyword_text(ps, "expires", &@1); }
	| K_STACK       { $$ = lex_keyword_text(ps, "stack", &@1); }
	| K_SIGNING_KEY { $$ = lex_keyword_text(ps, "signing-key", &@1); }
	| K_ROUTE       { $$ = lex_keyword_text(ps, "route", &@1); }
	| K_REQUIRES    { $$ = lex_keyword_text(ps, "requires", &@1); }
	| K_ANY         { $$ = lex_keyword_text(ps, "any", &@1); }
	| K_PUBLIC      { $$ = lex_keyword_text(ps, "public", &@1); }
	| K_UNROUTED    { $$ = lex_keyword_text(ps, "unrouted", &@1); }
	| K_TRUST       { $$ = lex_keyword_text(ps, "trust", &@1); }
	| K_JWKS        { $$ = lex_keyword_text(ps, "jwks", &@1); }
	| K_REFRESH_MIN { $$ = lex_keyword_text(ps, "refresh-min", &@1); }
	| K_REFRESH_MAX { $$ = lex_keyword_text(ps, "refresh-max", &@1); }
	| K_ALGORITHMS  { $$ = lex_keyword_text(ps, "algorithms", &@1); }
	;

%%

/* How a grammar symbol is named in a message. */
static const char *symbol_display(yysymbol_kind_t kind, char *tmp, size_t n)
{
	const char *name;
	size_t len;

	switch (kind) {
	case YYSYMBOL_YYEOF:
		return "end of file";
	case YYSYMBOL_WORD:
		return "a name";
	case YYSYMBOL_STRING:
		return "a string";
	default:
		break;
	}
	name = yysymbol_name(kind);
	len = strlen(name);
	/* Bison quotes aliases ("include") and character tokens (';'). */
	if (len >= 2 && (name[0] == '"' || name[0] == '\'')) {
		name++;
		len -= 2;
	}
	snprintf(tmp, n, "'%.*s'", (int)len, name);
	return tmp;
}

/* The keywords are declared in one run, K_INCLUDE first, before WORD. */
static bool is_keyword(yysymbol_kind_t kind)
{
	return kind >= YYSYMBOL_K_INCLUDE && kind < YYSYMBOL_WORD;
}

/*
 * "unexpected '}'; expected ';'", "unexpected name \"foo\"; expected 'apps'
 * or 'users'": the token found, and what would have fitted when that list
 * is short enough to help.
 */
static int yyreport_syntax_error(const yypcontext_t *ctx, void *scanner,
                                 struct parse_state *ps)
{
	enum { MAX_LISTED = 10 };
	yysymbol_kind_t expected[YYNTOKENS];
	yysymbol_kind_t found = yypcontext_token(ctx);
	const POLICY_YYLTYPE *loc = yypcontext_location(ctx);
	char tmp[64];
	struct buf msg;
	bool name_fits = false;
	int n, i, kept = 0;

	(void)scanner;
	n = yypcontext_expected_tokens(ctx, expected, YYNTOKENS);
	if (n < 0)
		return n;
	/* Where a name fits, every keyword does too: say "a name" once. */
	for (i = 0; i < n; i++)
		if (expected[i] == YYSYMBOL_WORD)
			name_fits = true;
	for (i = 0; i < n; i++)
		if (!name_fits || !is_keyword(expected[i]))
			expected[kept++] = expected[i];

	buf_init(&msg);
	if ((found == YYSYMBOL_WORD || found == YYSYMBOL_STRING) && ps->in_secret) {
		/* Never repeat what may be a secret. */
		buf_puts(&msg, found == YYSYMBOL_WORD ? "unexpected name" : "unexpected string");
	} else if (found == YYSYMBOL_WORD || found == YYSYMBOL_STRING) {
		buf_puts(&msg, found == YYSYMBOL_WORD ? "unexpected name " : "unexpected string ");
		lex_put_token_text(ps, &msg);
	} else {
		buf_printf(&msg, "unexpected %s", symbol_display(found, tmp, sizeof(tmp)));
	}
	if (kept > 0 && kept <= MAX_LISTED) {
		buf_puts(&msg, "; expected ");
		for (i = 0; i < kept; i++) {
			if (i > 0)
				buf_puts(&msg, i + 1 == kept ? " or " : ", ");
			buf_puts(&msg, symbol_display(expected[i], tmp, sizeof(tmp)));
		}
	}
	lex_syntax_error(ps, loc, msg.data && !msg.oom ? msg.data : "syntax error");
	buf_free(&msg);
	return 0;
}

static void policy_yyerror(POLICY_YYLTYPE *loc, void *scanner,
                           struct parse_state *ps, const char *msg)
{
	(void)scanner;
	/* Only reached for "memory exhausted": syntax errors are reported by
	 * yyreport_syntax_error. */
	lex_syntax_error(ps, loc, msg);
}
