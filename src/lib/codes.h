/*
 * codes.h: the stable diagnostic codes. A code, once published, keeps its
 * meaning forever; new ones are appended. codes.c documents each one.
 */
#ifndef WRIT_CODES_H
#define WRIT_CODES_H

/* Errors: the policy is not compiled. */
#define E_SYNTAX              "E001"
#define E_BAD_CHAR            "E002"
#define E_UNTERMINATED        "E003"
#define E_BAD_ESCAPE          "E004"
#define E_NOT_UTF8            "E005"
#define E_READ                "E006"
#define E_INCLUDE_CYCLE       "E007"
#define E_INCLUDE_DEPTH       "E008"
#define E_DUPLICATE           "E009"
#define E_UNKNOWN             "E010"
#define E_UNDECLARED_PERM     "E011"
#define E_ROLE_KIND           "E012"
#define E_BAD_INDICATOR       "E013"
#define E_BAD_SCOPE_TOKEN     "E014"
#define E_BAD_DURATION        "E015"
#define E_PLAINTEXT_SECRET    "E016"
#define E_DUPLICATE_SETTING   "E017"
#define E_BAD_ISSUER          "E018"
#define E_MANY_DEFAULTS       "E019"
#define E_BAD_TIME            "E020"
#define E_CONTROL_IN_STRING   "E021"
#define E_BAD_SECRET_HASH     "E022"
#define E_BAD_IDENTIFIER      "E023"
#define E_TOO_BIG             "E024"
#define E_BAD_FACILITY        "E025"
#define E_BAD_CONTROL         "E026"
#define E_BAD_ACTION          "E027"
#define E_STACK_MISMATCH      "E028"
#define E_STACK_CYCLE         "E029"
#define E_MODULE_ARGS         "E030"
#define E_MODULE_LOAD         "E031"
#define E_SIGNING_KEY         "E032"
#define E_ROUTE_TEMPLATE      "E033"
#define E_BAD_METHOD          "E034"
#define E_DUPLICATE_ROUTE     "E035"
#define E_ROUTE_RULE          "E036"
#define E_TRUST               "E037"
#define E_SNAPSHOT            "E038"

/* Warnings: the policy compiles, but something is probably wrong. */
#define W_PERM_UNGRANTED      "W001"
#define W_ROLE_UNASSIGNED     "W002"
#define W_NO_ROLES            "W003"
#define W_GRANT_TWICE         "W004"
#define W_NO_PERMISSIONS      "W005"
#define W_ROLE_TWICE          "W006"
#define W_ALREADY_LOADED      "W007"
#define W_EMPTY_DIRECTORY     "W008"
#define W_HTTP_ISSUER         "W009"
#define W_CLIENT_STACK_IN_RESOURCE "W010"
#define W_LOWERCASE_METHOD    "W011"
#define W_ROUTE_OVERLAP       "W012"
#define W_HTTP_JWKS           "W013"
#define W_USELESS_SUPPRESSION "W014"
#define W_WEAK_SECRET_HASH    "W015"
#define W_SECRET_EXPIRED      "W016"
#define W_KEY_FILE_MODE       "W017"
#define W_UNPROTECTED_ROUTE   "W018"
#define W_PERM_UNROUTED       "W019" /* an info */
#define W_APP_HOLDS_ALL       "W020" /* an info */
#define W_EMPTY_INCLUDE       "W021"
#define W_STACK_NEVER_SUCCEEDS "W022"
#define W_UNREACHABLE_LINES   "W023"

struct diag_code {
	const char *code;
	const char *title;   /* short name, e.g. for SARIF rule names */
	const char *help;    /* what it means and how to fix it */
	/* Policy text that draws it, lines ending in '\n'. When it takes
	 * several files, each starts with a line "# NAME.writ" and the first
	 * is the one to check. */
	const char *example;
};

/* The documented codes, in code order; terminated by a NULL code. */
extern const struct diag_code diag_codes[];

/* The entry of a code, or NULL when it is not one of diag_codes. */
const struct diag_code *diag_code_find(const char *code);

#endif
