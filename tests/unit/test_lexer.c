/* test_lexer.c: the scanner of grammar/policy.l, token by token. */
#include "config.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lex-support.h"

enum { MAX_TOKENS = 64 };

/* The scanned tokens of one text, with their texts and diagnostics. */
struct scan {
	int kinds[MAX_TOKENS];
	char *texts[MAX_TOKENS];
	size_t n;
	writ_diagnostics *diags;
};

static void scan(struct scan *sc, const char *text)
{
	sc->diags = writ_diagnostics_new();
	ck_assert_ptr_nonnull(sc->diags);
	sc->n = lex_all(text, sc->kinds, sc->texts, MAX_TOKENS, sc->diags);
}

static void scan_free(struct scan *sc)
{
	size_t i;

	for (i = 0; i < sc->n; i++)
		free(sc->texts[i]);
	writ_diagnostics_free(sc->diags);
}

/* Token i is of this kind and, when text is not NULL, has this text. */
static void expect_token(const struct scan *sc, size_t i, int kind,
                         const char *text)
{
	ck_assert_uint_lt(i, sc->n);
	ck_assert_int_eq(sc->kinds[i], kind);
	if (text)
		ck_assert_str_eq(sc->texts[i], text);
}

/* Scan a text that must be one token of this kind and text, silently. */
static void expect_one(const char *input, int kind, const char *text)
{
	struct scan sc;

	scan(&sc, input);
	ck_assert_uint_eq(sc.n, 1);
	expect_token(&sc, 0, kind, text);
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 0);
	scan_free(&sc);
}

/* Diagnostic i is exactly `want` in diag_line() form, with this hint. */
static void expect_diag(const writ_diagnostics *d, size_t i, const char *want,
                        const char *hint)
{
	char *line = diag_line(d, i);
	const struct writ_diagnostic *r = writ_diagnostics_get(d, i);

	ck_assert_str_eq(line, want);
	ck_assert_int_eq(r->severity, WRIT_SEVERITY_ERROR);
	if (hint)
		ck_assert_str_eq(r->hint, hint);
	else
		ck_assert_ptr_null(r->hint);
	free(line);
}

/*
 * Scan a text that must give one error diagnostic (want, with hint) and
 * the given tokens (kinds ending with 0).
 */
static void expect_error(const char *input, const char *want, const char *hint,
                         const int *kinds)
{
	struct scan sc;
	size_t i;

	scan(&sc, input);
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 1);
	expect_diag(sc.diags, 0, want, hint);
	for (i = 0; kinds[i]; i++)
		expect_token(&sc, i, kinds[i], NULL);
	ck_assert_uint_eq(sc.n, i);
	scan_free(&sc);
}

/* ---- locations ---- */

struct loc {
	int kind;
	int line, col, end_line, end_col;
};

int policy_yylex_init_extra(struct parse_state *extra, void **scanner);
int policy_yylex_destroy(void *scanner);
void *policy_yy_scan_bytes(const char *bytes, int len, void *scanner);
int policy_yylex(POLICY_YYSTYPE *lval, POLICY_YYLTYPE *lloc, void *scanner);

/* lex_all() keeps no locations: scan once more, recording each token's. */
static size_t scan_locs(const char *text, struct loc *locs, size_t max)
{
	struct loader ld;
	struct parse_state ps;
	void *scanner = NULL;
	jmp_buf unwind;
	volatile size_t n = 0;

	loader_init(&ld, NULL);
	memset(&ps, 0, sizeof(ps));
	ps.ld = &ld;
	ps.line = 1;
	ps.col = 1;
	ps.unwind = &unwind;
	buf_init(&ps.str);
	ck_assert_int_eq(policy_yylex_init_extra(&ps, &scanner), 0);
	ck_assert_ptr_nonnull(policy_yy_scan_bytes(text, (int)strlen(text), scanner));
	if (setjmp(unwind) == 0) {
		POLICY_YYSTYPE val;
		POLICY_YYLTYPE loc;
		int k;

		while ((k = policy_yylex(&val, &loc, scanner)) != 0) {
			ck_assert_uint_lt(n, max);
			locs[n].kind = k;
			locs[n].line = loc.first_line;
			locs[n].col = loc.first_column;
			locs[n].end_line = loc.last_line;
			locs[n].end_col = loc.last_column;
			n++;
		}
	} else {
		ck_abort_msg("scanner ran out of memory");
	}
	policy_yylex_destroy(scanner);
	buf_free(&ps.str);
	loader_free(&ld);
	return n;
}

static void expect_loc(const struct loc *l, int kind, int line, int col,
                       int end_line, int end_col)
{
	ck_assert_int_eq(l->kind, kind);
	ck_assert_int_eq(l->line, line);
	ck_assert_int_eq(l->col, col);
	ck_assert_int_eq(l->end_line, end_line);
	ck_assert_int_eq(l->end_col, end_col);
}

/* ---- keywords and words ---- */

static const struct {
	const char *text;
	int kind;
} keywords[] = {
	{ "include", K_INCLUDE },
	{ "issuer", K_ISSUER },
	{ "resource", K_RESOURCE },
	{ "permission", K_PERMISSION },
	{ "role", K_ROLE },
	{ "for", K_FOR },
	{ "apps", K_APPS },
	{ "users", K_USERS },
	{ "grant", K_GRANT },
	{ "on", K_ON },
	{ "app", K_APP },
	{ "user", K_USER },
	{ "roles", K_ROLES },
	{ "name", K_NAME },
	{ "description", K_DESCRIPTION },
	{ "token-ttl", K_TOKEN_TTL },
	{ "default", K_DEFAULT },
	{ "default-scope", K_DEFAULT_SCOPE },
	{ "secret", K_SECRET },
	{ "expires", K_EXPIRES },
};

START_TEST(every_keyword)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keywords); i++)
		expect_one(keywords[i].text, keywords[i].kind, keywords[i].text);
}
END_TEST

START_TEST(keywords_in_a_row)
{
	struct scan sc;
	size_t i;

	/* Every keyword once, separated by the whitespace the scanner skips. */
	scan(&sc, "include issuer\tresource\npermission role for apps users "
	          "grant on app user roles name description token-ttl default "
	          "default-scope secret expires");
	ck_assert_uint_eq(sc.n, ARRAY_SIZE(keywords));
	for (i = 0; i < ARRAY_SIZE(keywords); i++)
		expect_token(&sc, i, keywords[i].kind, keywords[i].text);
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 0);
	scan_free(&sc);
}
END_TEST

START_TEST(longer_words_are_not_keywords)
{
	/* The longest match wins: a keyword followed by word characters is a
	 * word, and matching is case-sensitive. */
	expect_one("token-ttlx", WORD, "token-ttlx");
	expect_one("defaults", WORD, "defaults");
	expect_one("default-scopes", WORD, "default-scopes");
	expect_one("default-", WORD, "default-");
	expect_one("forx", WORD, "forx");
	expect_one("xfor", WORD, "xfor");
	expect_one("on:", WORD, "on:");
	expect_one("Role", WORD, "Role");
	expect_one("APPS", WORD, "APPS");
	expect_one("read:payment", WORD, "read:payment");
	expect_one("user.read", WORD, "user.read");
}
END_TEST

START_TEST(word_characters)
{
	/* Every character the WORD class allows, in one word. */
	expect_one("aZ09_.:/@+*!$%&'?^|~<>`-", WORD, "aZ09_.:/@+*!$%&'?^|~<>`-");
	expect_one("-", WORD, "-");
	expect_one("https://api.example.com/x", WORD, "https://api.example.com/x");
	expect_one("42", WORD, "42");
}
END_TEST

START_TEST(punctuation_splits_words)
{
	struct scan sc;

	scan(&sc, "a,b;c{d}e");
	ck_assert_uint_eq(sc.n, 9);
	expect_token(&sc, 0, WORD, "a");
	expect_token(&sc, 1, ',', ",");
	expect_token(&sc, 2, WORD, "b");
	expect_token(&sc, 3, ';', ";");
	expect_token(&sc, 4, WORD, "c");
	expect_token(&sc, 5, '{', "{");
	expect_token(&sc, 6, WORD, "d");
	expect_token(&sc, 7, '}', "}");
	expect_token(&sc, 8, WORD, "e");
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 0);
	scan_free(&sc);
}
END_TEST

START_TEST(keyword_before_punctuation)
{
	struct scan sc;

	scan(&sc, "apps,users;");
	ck_assert_uint_eq(sc.n, 4);
	expect_token(&sc, 0, K_APPS, "apps");
	expect_token(&sc, 1, ',', ",");
	expect_token(&sc, 2, K_USERS, "users");
	expect_token(&sc, 3, ';', ";");
	scan_free(&sc);
}
END_TEST

START_TEST(empty_and_blank_input)
{
	struct scan sc;

	scan(&sc, "");
	ck_assert_uint_eq(sc.n, 0);
	ck_assert_int_eq(sc.kinds[0], 0);
	scan_free(&sc);
	scan(&sc, " \t\r\n\n  ");
	ck_assert_uint_eq(sc.n, 0);
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 0);
	scan_free(&sc);
}
END_TEST

/* ---- strings ---- */

START_TEST(plain_strings)
{
	expect_one("\"\"", STRING, "");
	expect_one("\"hello world\"", STRING, "hello world");
	/* Keywords, comment signs and word punctuation mean nothing inside. */
	expect_one("\"role # for; {x}\"", STRING, "role # for; {x}");
	expect_one("\"it's\"", STRING, "it's");
	/* UTF-8 is kept as written. */
	expect_one("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", STRING,
	           "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}
END_TEST

START_TEST(simple_escapes)
{
	expect_one("\"\\\"\"", STRING, "\"");
	expect_one("\"\\\\\"", STRING, "\\");
	expect_one("\"\\/\"", STRING, "/");
	expect_one("\"\\n\"", STRING, "\n");
	expect_one("\"\\t\"", STRING, "\t");
	expect_one("\"\\r\"", STRING, "\r");
	expect_one("\"a\\\"b\\\\c\\/d\\ne\\tf\\rg\"", STRING,
	           "a\"b\\c/d\ne\tf\rg");
}
END_TEST

START_TEST(unicode_escapes)
{
	expect_one("\"\\u0041\"", STRING, "A");
	expect_one("\"\\u00e9\"", STRING, "\xc3\xa9");
	expect_one("\"\\u00E9\"", STRING, "\xc3\xa9");
	expect_one("\"\\u20AC\"", STRING, "\xe2\x82\xac");
	expect_one("\"\\u07ff\\u0800\"", STRING, "\xdf\xbf\xe0\xa0\x80");
	expect_one("\"\\uFFFF\"", STRING, "\xef\xbf\xbf");
	expect_one("\"x\\u0041y\"", STRING, "xAy");
}
END_TEST

START_TEST(surrogate_pairs)
{
	/* U+1F600 is D83D DE00; U+10000 is D800 DC00; U+10FFFF is DBFF DFFF. */
	expect_one("\"\\uD83D\\uDE00\"", STRING, "\xf0\x9f\x98\x80");
	expect_one("\"\\ud83d\\ude00\"", STRING, "\xf0\x9f\x98\x80");
	expect_one("\"\\ud800\\udc00\"", STRING, "\xf0\x90\x80\x80");
	expect_one("\"\\uDBFF\\uDFFF\"", STRING, "\xf4\x8f\xbf\xbf");
}
END_TEST

static const int one_string[] = { STRING, 0 };

START_TEST(invalid_escapes)
{
	static const char *const hint = "escapes are \\\" \\\\ \\/ \\n \\t \\r and \\uXXXX";

	expect_error("\"a\\qb\"", "E004 1:3 invalid escape sequence '\\q' in string",
	             hint, one_string);
	expect_error("\"\\'\"", "E004 1:2 invalid escape sequence '\\'' in string",
	             hint, one_string);
	expect_error("\"\\b\"", "E004 1:2 invalid escape sequence '\\b' in string",
	             hint, one_string);
	/* \u needs four hex digits. */
	expect_error("\"\\u12\"", "E004 1:2 invalid escape sequence '\\u' in string",
	             hint, one_string);
	expect_error("\"\\U0041\"", "E004 1:2 invalid escape sequence '\\U' in string",
	             hint, one_string);
	/* The character after the backslash is shown whole, even outside ASCII. */
	expect_error("\"\\\xc3\xa9\"",
	             "E004 1:2 invalid escape sequence '\\\xc3\xa9' in string",
	             hint, one_string);
}
END_TEST

START_TEST(invalid_escape_span)
{
	struct scan sc;
	const struct writ_diagnostic *d;

	scan(&sc, "\"ab\\xcd\"");
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 1);
	d = writ_diagnostics_get(sc.diags, 0);
	ck_assert_str_eq(d->code, "E004");
	ck_assert_uint_eq(d->line, 1);
	ck_assert_uint_eq(d->column, 4);
	ck_assert_uint_eq(d->end_line, 1);
	ck_assert_uint_eq(d->end_column, 6);
	/* The string still ends where its quote is. */
	ck_assert_uint_eq(sc.n, 1);
	expect_token(&sc, 0, STRING, NULL);
	scan_free(&sc);
}
END_TEST

START_TEST(invalid_escape_of_control_character)
{
	struct scan sc;
	const struct writ_diagnostic *d;
	const char *m;

	/* A message is one line of text: the tab after the backslash must not
	 * be copied into it raw. */
	scan(&sc, "\"a\\\tb\"");
	ck_assert_uint_ge(writ_diagnostics_count(sc.diags), 1);
	d = writ_diagnostics_get(sc.diags, 0);
	ck_assert_str_eq(d->code, "E004");
	ck_assert_uint_eq(d->column, 3);
	for (m = d->message; *m; m++)
		ck_assert_msg((unsigned char)*m >= 0x20,
		              "raw control character in message \"%s\"", d->message);
	scan_free(&sc);
}
END_TEST

START_TEST(nul_escape_refused)
{
	struct scan sc;
	const struct writ_diagnostic *d;

	scan(&sc, "\"a\\u0000b\"");
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 1);
	expect_diag(sc.diags, 0, "E004 1:3 \\u0000 is not allowed in a string", NULL);
	d = writ_diagnostics_get(sc.diags, 0);
	ck_assert_uint_eq(d->end_column, 9);
	ck_assert_uint_eq(sc.n, 1);
	scan_free(&sc);
}
END_TEST

START_TEST(lone_surrogates_refused)
{
	expect_error("\"\\ud800\"",
	             "E004 1:2 \\uD800 is half of a surrogate pair; write the pair, or the character itself",
	             NULL, one_string);
	expect_error("\"\\uDBFF\"",
	             "E004 1:2 \\uDBFF is half of a surrogate pair; write the pair, or the character itself",
	             NULL, one_string);
	expect_error("\"\\udc00\"",
	             "E004 1:2 \\uDC00 is half of a surrogate pair; write the pair, or the character itself",
	             NULL, one_string);
	/* A high surrogate followed by something else than a low one. */
	expect_error("\"\\ud83dx\"",
	             "E004 1:2 \\uD83D is half of a surrogate pair; write the pair, or the character itself",
	             NULL, one_string);
}
END_TEST

START_TEST(surrogates_in_wrong_order)
{
	struct scan sc;

	scan(&sc, "\"\\ude00\\ud83d\"");
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 2);
	expect_diag(sc.diags, 0,
	            "E004 1:2 \\uDE00 is half of a surrogate pair; write the pair, or the character itself",
	            NULL);
	expect_diag(sc.diags, 1,
	            "E004 1:8 \\uD83D is half of a surrogate pair; write the pair, or the character itself",
	            NULL);
	scan_free(&sc);
}
END_TEST

START_TEST(high_surrogate_then_other_escape)
{
	struct scan sc;

	/* The pair rule must not swallow a following \u escape that is no
	 * low surrogate: it is decoded on its own. */
	scan(&sc, "\"\\ud800\\u0041\"");
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 1);
	expect_diag(sc.diags, 0,
	            "E004 1:2 \\uD800 is half of a surrogate pair; write the pair, or the character itself",
	            NULL);
	expect_token(&sc, 0, STRING, "A");
	scan_free(&sc);
}
END_TEST

/* ---- unterminated strings ---- */

static const char *const unterminated_hint = "a string ends with '\"' on the line it starts";

START_TEST(unterminated_at_end_of_line)
{
	struct scan sc;
	const struct writ_diagnostic *d;

	scan(&sc, "name \"abc\nfor");
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 1);
	expect_diag(sc.diags, 0, "E003 1:6 unterminated string", unterminated_hint);
	d = writ_diagnostics_get(sc.diags, 0);
	/* The span is the opening quote. */
	ck_assert_uint_eq(d->end_line, 1);
	ck_assert_uint_eq(d->end_column, 7);
	/* The string ends at the line end; the next line scans normally. */
	ck_assert_uint_eq(sc.n, 3);
	expect_token(&sc, 0, K_NAME, "name");
	expect_token(&sc, 1, STRING, "abc");
	expect_token(&sc, 2, K_FOR, "for");
	scan_free(&sc);
}
END_TEST

START_TEST(unterminated_at_end_of_file)
{
	struct scan sc;

	scan(&sc, "name \"abc");
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 1);
	expect_diag(sc.diags, 0, "E003 1:6 unterminated string", unterminated_hint);
	ck_assert_uint_eq(sc.n, 2);
	expect_token(&sc, 1, STRING, "abc");
	scan_free(&sc);
}
END_TEST

START_TEST(unterminated_after_backslash)
{
	struct scan sc;

	/* A backslash before the line end does not continue the string. */
	scan(&sc, "\"abc\\\nx");
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 1);
	expect_diag(sc.diags, 0, "E003 1:1 unterminated string", unterminated_hint);
	ck_assert_uint_eq(sc.n, 2);
	expect_token(&sc, 1, WORD, "x");
	scan_free(&sc);

	/* A backslash at the end of the file is a bad escape as well. */
	scan(&sc, "\"abc\\");
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 2);
	expect_diag(sc.diags, 0, "E004 1:5 invalid escape sequence '\\' in string",
	            "escapes are \\\" \\\\ \\/ \\n \\t \\r and \\uXXXX");
	expect_diag(sc.diags, 1, "E003 1:1 unterminated string", unterminated_hint);
	scan_free(&sc);
}
END_TEST

START_TEST(unterminated_on_second_line)
{
	struct scan sc;

	scan(&sc, "a\n  \"\xc3\xa9t\xc3\xa9");
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 1);
	expect_diag(sc.diags, 0, "E003 2:3 unterminated string", unterminated_hint);
	expect_token(&sc, 1, STRING, "\xc3\xa9t\xc3\xa9");
	scan_free(&sc);
}
END_TEST

/* ---- control characters in strings ---- */

START_TEST(control_characters_in_strings)
{
	expect_error("\"a\tb\"", "E021 1:3 control character U+0009 in string",
	             "write a tab as \\t", one_string);
	expect_error("\"a\x01" "b\"", "E021 1:3 control character U+0001 in string",
	             NULL, one_string);
	expect_error("\"a\rb\"", "E021 1:3 control character U+000D in string",
	             NULL, one_string);
	expect_error("\"\x1f\"", "E021 1:2 control character U+001F in string",
	             NULL, one_string);
	expect_error("\"\x7f\"", "E021 1:2 control character U+007F in string",
	             NULL, one_string);
}
END_TEST

START_TEST(control_character_is_dropped)
{
	struct scan sc;

	scan(&sc, "\"a\tb\" x");
	ck_assert_uint_eq(sc.n, 2);
	expect_token(&sc, 0, STRING, "ab");
	expect_token(&sc, 1, WORD, "x");
	scan_free(&sc);
}
END_TEST

/* ---- unexpected characters ---- */

static const int word_word[] = { WORD, WORD, 0 };
static const int no_tokens[] = { 0 };

/* The punctuation of stack lines is tokens, not errors. */
START_TEST(stack_punctuation)
{
	int kinds[8];
	size_t n = lex_all("[a=b]", kinds, NULL, 8, NULL);

	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(kinds[0], '[');
	ck_assert_int_eq(kinds[1], WORD);
	ck_assert_int_eq(kinds[2], '=');
	ck_assert_int_eq(kinds[3], WORD);
	ck_assert_int_eq(kinds[4], ']');
	ck_assert_int_eq(kinds[5], 0);
}
END_TEST

START_TEST(unexpected_ascii)
{
	/* = [ ] are punctuation of stack lines; ( and ) belong to nothing. */
	expect_error("a(b", "E002 1:2 unexpected character '('", NULL, word_word);
	expect_error("a\\b", "E002 1:2 unexpected character '\\'", NULL, word_word);
	expect_error("a)b", "E002 1:2 unexpected character ')'", NULL, word_word);
}
END_TEST

START_TEST(unexpected_control)
{
	expect_error("a\x01" "b", "E002 1:2 unexpected control character U+0001",
	             NULL, word_word);
	expect_error("a\x7f" "b", "E002 1:2 unexpected control character U+007F",
	             NULL, word_word);
	expect_error("\x0b", "E002 1:1 unexpected control character U+000B",
	             NULL, no_tokens);
}
END_TEST

START_TEST(unexpected_non_ascii)
{
	static const char *const hint = "names with characters outside ASCII must be quoted";

	expect_error("caf\xc3\xa9 x", "E002 1:4 unexpected character U+00E9", hint,
	             word_word);
	expect_error("a\xc2\xa0" "b", "E002 1:2 unexpected character U+00A0", hint,
	             word_word);
	expect_error("a\xe2\x82\xac" "b", "E002 1:2 unexpected character U+20AC",
	             hint, word_word);
	expect_error("a\xf0\x9f\x98\x80" "b", "E002 1:2 unexpected character U+1F600",
	             hint, word_word);
}
END_TEST

START_TEST(unexpected_characters_each_reported)
{
	struct scan sc;
	const struct writ_diagnostic *d;

	/* Two multi-byte characters in a row are two characters, each one
	 * column wide. */
	scan(&sc, "\xc3\xa9\xc3\xa8(");
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 3);
	expect_diag(sc.diags, 0, "E002 1:1 unexpected character U+00E9",
	            "names with characters outside ASCII must be quoted");
	expect_diag(sc.diags, 1, "E002 1:2 unexpected character U+00E8",
	            "names with characters outside ASCII must be quoted");
	expect_diag(sc.diags, 2, "E002 1:3 unexpected character '('", NULL);
	d = writ_diagnostics_get(sc.diags, 1);
	ck_assert_uint_eq(d->end_line, 1);
	ck_assert_uint_eq(d->end_column, 3);
	ck_assert_uint_eq(sc.n, 0);
	scan_free(&sc);
}
END_TEST

/* ---- comments and line ends ---- */

START_TEST(comments)
{
	struct scan sc;

	scan(&sc, "# a whole line: role \"x\n"
	          "role # after a token; apps\n"
	          "for#no space needed\n"
	          "\"#in a string\"\n"
	          "# \xc3\xa9 \x22 unterminated, at the end of the file");
	ck_assert_uint_eq(sc.n, 3);
	expect_token(&sc, 0, K_ROLE, "role");
	expect_token(&sc, 1, K_FOR, "for");
	expect_token(&sc, 2, STRING, "#in a string");
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 0);
	scan_free(&sc);
}
END_TEST

START_TEST(crlf_line_ends)
{
	struct scan sc;
	struct loc locs[8];

	scan(&sc, "role r\r\nfor \"x\"\r\n# note\r\napps\r\n");
	ck_assert_uint_eq(sc.n, 5);
	expect_token(&sc, 0, K_ROLE, "role");
	expect_token(&sc, 1, WORD, "r");
	expect_token(&sc, 2, K_FOR, "for");
	expect_token(&sc, 3, STRING, "x");
	expect_token(&sc, 4, K_APPS, "apps");
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 0);
	scan_free(&sc);

	ck_assert_uint_eq(scan_locs("role r\r\nfor \"x\"\r\n# note\r\napps\r\n", locs, 8), 5);
	expect_loc(&locs[2], K_FOR, 2, 1, 2, 4);
	expect_loc(&locs[3], STRING, 2, 5, 2, 8);
	expect_loc(&locs[4], K_APPS, 4, 1, 4, 5);
}
END_TEST

START_TEST(crlf_unterminated_string)
{
	struct scan sc;

	/* The CR belongs to the line end, not to the string: one error. */
	scan(&sc, "name \"abc\r\nfor");
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 1);
	expect_diag(sc.diags, 0, "E003 1:6 unterminated string", unterminated_hint);
	expect_token(&sc, 1, STRING, "abc");
	expect_token(&sc, 2, K_FOR, "for");
	scan_free(&sc);
}
END_TEST

/* ---- locations ---- */

START_TEST(token_locations)
{
	struct loc locs[16];

	ck_assert_uint_eq(scan_locs("role r for apps {\n\tgrant x;\n}", locs, 16), 9);
	expect_loc(&locs[0], K_ROLE, 1, 1, 1, 5);
	expect_loc(&locs[1], WORD, 1, 6, 1, 7);
	expect_loc(&locs[2], K_FOR, 1, 8, 1, 11);
	expect_loc(&locs[3], K_APPS, 1, 12, 1, 16);
	expect_loc(&locs[4], '{', 1, 17, 1, 18);
	/* A tab is one column. */
	expect_loc(&locs[5], K_GRANT, 2, 2, 2, 7);
	expect_loc(&locs[6], WORD, 2, 8, 2, 9);
	expect_loc(&locs[7], ';', 2, 9, 2, 10);
	expect_loc(&locs[8], '}', 3, 1, 3, 2);
}
END_TEST

START_TEST(locations_after_multibyte_string)
{
	struct loc locs[8];

	/* é, € and U+1F600 are 2, 3 and 4 bytes but one column each. */
	ck_assert_uint_eq(scan_locs("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\" on x",
	                            locs, 8), 3);
	expect_loc(&locs[0], STRING, 1, 1, 1, 6);
	expect_loc(&locs[1], K_ON, 1, 7, 1, 9);
	expect_loc(&locs[2], WORD, 1, 10, 1, 11);
}
END_TEST

START_TEST(locations_count_escapes_as_written)
{
	struct loc locs[8];

	/* Columns are those of the source, not of the decoded string. */
	ck_assert_uint_eq(scan_locs("\"\\u00e9\\uD83D\\uDE00\\n\" x", locs, 8), 2);
	expect_loc(&locs[0], STRING, 1, 1, 1, 23);
	expect_loc(&locs[1], WORD, 1, 24, 1, 25);
}
END_TEST

START_TEST(diagnostic_locations_after_multibyte)
{
	struct scan sc;

	scan(&sc, "x \"\xc3\xa9\xe2\x82\xac\" ) \"\xf0\x9f\x98\x80\\q\"");
	ck_assert_uint_eq(writ_diagnostics_count(sc.diags), 2);
	expect_diag(sc.diags, 0, "E002 1:8 unexpected character ')'", NULL);
	expect_diag(sc.diags, 1, "E004 1:12 invalid escape sequence '\\q' in string",
	            "escapes are \\\" \\\\ \\/ \\n \\t \\r and \\uXXXX");
	scan_free(&sc);
}
END_TEST

START_TEST(locations_across_lines)
{
	struct loc locs[8];

	ck_assert_uint_eq(scan_locs("\n\n   a # c\n\n\t\tb\n", locs, 8), 2);
	expect_loc(&locs[0], WORD, 3, 4, 3, 5);
	expect_loc(&locs[1], WORD, 5, 3, 5, 4);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("lexer");
	TCase *tc;

	tc = tcase_create("keywords");
	tcase_add_test(tc, every_keyword);
	tcase_add_test(tc, keywords_in_a_row);
	tcase_add_test(tc, longer_words_are_not_keywords);
	suite_add_tcase(s, tc);

	tc = tcase_create("words");
	tcase_add_test(tc, word_characters);
	tcase_add_test(tc, punctuation_splits_words);
	tcase_add_test(tc, keyword_before_punctuation);
	tcase_add_test(tc, empty_and_blank_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("strings");
	tcase_add_test(tc, plain_strings);
	tcase_add_test(tc, simple_escapes);
	tcase_add_test(tc, unicode_escapes);
	tcase_add_test(tc, surrogate_pairs);
	suite_add_tcase(s, tc);

	tc = tcase_create("escape errors");
	tcase_add_test(tc, invalid_escapes);
	tcase_add_test(tc, invalid_escape_span);
	tcase_add_test(tc, invalid_escape_of_control_character);
	tcase_add_test(tc, nul_escape_refused);
	tcase_add_test(tc, lone_surrogates_refused);
	tcase_add_test(tc, surrogates_in_wrong_order);
	tcase_add_test(tc, high_surrogate_then_other_escape);
	suite_add_tcase(s, tc);

	tc = tcase_create("unterminated");
	tcase_add_test(tc, unterminated_at_end_of_line);
	tcase_add_test(tc, unterminated_at_end_of_file);
	tcase_add_test(tc, unterminated_after_backslash);
	tcase_add_test(tc, unterminated_on_second_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("control characters");
	tcase_add_test(tc, control_characters_in_strings);
	tcase_add_test(tc, control_character_is_dropped);
	suite_add_tcase(s, tc);

	tc = tcase_create("unexpected characters");
	tcase_add_test(tc, stack_punctuation);
	tcase_add_test(tc, unexpected_ascii);
	tcase_add_test(tc, unexpected_control);
	tcase_add_test(tc, unexpected_non_ascii);
	tcase_add_test(tc, unexpected_characters_each_reported);
	suite_add_tcase(s, tc);

	tc = tcase_create("comments and line ends");
	tcase_add_test(tc, comments);
	tcase_add_test(tc, crlf_line_ends);
	tcase_add_test(tc, crlf_unterminated_string);
	suite_add_tcase(s, tc);

	tc = tcase_create("locations");
	tcase_add_test(tc, token_locations);
	tcase_add_test(tc, locations_after_multibyte_string);
	tcase_add_test(tc, locations_count_escapes_as_written);
	tcase_add_test(tc, diagnostic_locations_after_multibyte);
	tcase_add_test(tc, locations_across_lines);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
