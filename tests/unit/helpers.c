/* helpers.c: shared unit test helpers (helpers.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "secret.h"
#include "lex-support.h"
#include "util.h"

writ_policy *load_ok(const char *text)
{
	writ_diagnostics *d;
	writ_policy *p = NULL;
	int rc;

	d = load_diags(text, &rc, &p);
	if (rc != WRIT_OK) {
		char *all = render_all(d);
		ck_abort_msg("policy did not load (%s):\n%s", writ_strerror(rc), all);
	}
	writ_diagnostics_free(d);
	return p;
}

writ_diagnostics *load_diags(const char *text, int *rc, writ_policy **policy)
{
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p = NULL;

	ck_assert_ptr_nonnull(d);
	*rc = writ_policy_load_buffer("test.writ", text, strlen(text), 0, d, &p);
	if (policy)
		*policy = p;
	else
		writ_policy_unref(p);
	return d;
}

char *render_all(const writ_diagnostics *diags)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < writ_diagnostics_count(diags); i++) {
		char *r = writ_diagnostic_render(diags, i);
		ck_assert_ptr_nonnull(r);
		buf_puts(&b, r);
		free(r);
	}
	return buf_steal(&b);
}

char *diag_line(const writ_diagnostics *diags, size_t i)
{
	const struct writ_diagnostic *d = writ_diagnostics_get(diags, i);
	struct buf b;

	ck_assert_ptr_nonnull(d);
	buf_init(&b);
	buf_printf(&b, "%s %u:%u %s", d->code[0] ? d->code : "note", d->line,
	           d->column, d->message);
	return buf_steal(&b);
}

const char *grant_str(const writ_policy *p, enum writ_principal_kind kind,
                      const char *principal, const char *resource,
                      const char *scope, int *rc)
{
	static char out[4096];
	size_t len = 0;

	*rc = writ_grant(p, kind, principal, resource, scope,
	                 scope ? strlen(scope) : 0, out, sizeof(out), &len);
	if (*rc == WRIT_OK)
		ck_assert_uint_eq(len, strlen(out));
	return out;
}

int policy_yylex_init_extra(struct parse_state *extra, void **scanner);
int policy_yylex_destroy(void *scanner);
void *policy_yy_scan_bytes(const char *bytes, int len, void *scanner);
int policy_yylex(POLICY_YYSTYPE *lval, POLICY_YYLTYPE *lloc, void *scanner);

size_t lex_all(const char *text, int *kinds, char **texts, size_t max,
               writ_diagnostics *diags)
{
	struct loader ld;
	struct parse_state ps;
	void *scanner = NULL;
	jmp_buf unwind;
	volatile size_t n = 0;

	loader_init(&ld, diags);
	/* A source entry so that diagnostics can quote the text. */
	ld.sources = calloc(1, sizeof(*ld.sources));
	ck_assert_ptr_nonnull(ld.sources);
	ld.sources[0].path = strdup("test.writ");
	ld.sources[0].text = strdup(text);
	ld.sources[0].len = strlen(text);
	ld.nsources = ld.capsources = 1;
	memset(&ps, 0, sizeof(ps));
	ps.ld = &ld;
	ps.line = ps.end_line = 1;
	ps.col = ps.end_col = 1;
	ps.unwind = &unwind;
	buf_init(&ps.str);
	ck_assert_int_eq(policy_yylex_init_extra(&ps, &scanner), 0);
	ck_assert_ptr_nonnull(policy_yy_scan_bytes(text, (int)strlen(text), scanner));
	if (setjmp(unwind) == 0) {
		for (;;) {
			POLICY_YYSTYPE val;
			POLICY_YYLTYPE loc;
			int k = policy_yylex(&val, &loc, scanner);
			ck_assert_uint_lt(n, max);
			kinds[n] = k;
			if (texts)
				texts[n] = k == 0 ? NULL
				         : (k == WORD || k == STRING) ? strdup(val.text.s)
				                                      : strndup(ps.tok_text, ps.tok_len);
			if (k == 0)
				break;
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

int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

char *fmt(const char *f, ...)
{
	struct buf b;
	va_list ap;
	char *s;

	buf_init(&b);
	va_start(ap, f);
	buf_vprintf(&b, f, ap);
	va_end(ap);
	s = buf_steal(&b);
	ck_assert_ptr_nonnull(s);
	return s;
}

void phc_of(const char *secret, size_t len, struct phc *out)
{
	static const unsigned char salt[16] = "0123456789abcdef";
	unsigned char hash[32];
	char salt64[32], hash64[64];

	ck_assert_int_eq(
	    secret_scrypt(secret, len, salt, sizeof(salt), 4, 8, 1, hash, sizeof(hash)), WRIT_OK);
	secret_b64_encode(salt, sizeof(salt), salt64);
	secret_b64_encode(hash, sizeof(hash), hash64);
	snprintf(out->s, sizeof(out->s), "$scrypt$ln=4,r=8,p=1$%s$%s", salt64, hash64);
}
