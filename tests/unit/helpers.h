/* helpers.h: what the unit tests share. */
#ifndef WRIT_TEST_HELPERS_H
#define WRIT_TEST_HELPERS_H

#include <check.h>
#include <stddef.h>

#include "writ.h"

/* Load a policy from text; fails the test unless it loads. */
writ_policy *load_ok(const char *text);
/*
 * Load a policy from text named "test.writ"; returns the diagnostics (never
 * NULL) and stores the result code. *policy receives the policy or NULL
 * (pass NULL to have it dropped).
 */
writ_diagnostics *load_diags(const char *text, int *rc, writ_policy **policy);
/* Every diagnostic rendered, concatenated; caller frees with free(). */
char *render_all(const writ_diagnostics *diags);
/* "E010 3:11 unknown role \"x\"" for record i: compact form for asserts;
 * caller frees with free(). */
char *diag_line(const writ_diagnostics *diags, size_t i);
/* The granted scopes for one resource as a string (static buffer). */
const char *grant_str(const writ_policy *p, enum writ_principal_kind kind,
                      const char *principal, const char *resource,
                      const char *scope, int *rc);

/*
 * Scan text and return its token kinds (the parser's token numbers) in
 * `kinds`, terminated by 0 (end of file); texts[i] receives a copy of the
 * token's text (caller frees each with free()) when texts is not NULL.
 * Returns the number of tokens before the end. Diagnostics from the scanner
 * go to diags when it is not NULL.
 */
size_t lex_all(const char *text, int *kinds, char **texts, size_t max,
               writ_diagnostics *diags);

/* Run a suite, print its result, return the exit status for main(). */
int run_suite(Suite *s);

/* printf into a new string; caller frees with free(). */
char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

/* A PHC string that tests can afford: scrypt with ln=4 (N=16), r=8, p=1,
 * a fixed salt, for secret[0..len). */
struct phc {
	char s[128];
};
void phc_of(const char *secret, size_t len, struct phc *out);

#endif
