/*
 * test_file.h: the policy test files of `writ test` (NAME.writ-test), as
 * parsed. The format is in writ(1), under writ test; test_file.c reads it.
 */
#ifndef WRIT_TEST_FILE_H
#define WRIT_TEST_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "writ.h"

enum tf_kind {
	TF_GRANT = 1,     /* the scopes a grant gives, or the grant stack's deny */
	TF_AUTHORIZE = 2, /* the gateway decision on one request */
	TF_CLIENT = 3,    /* the client stack's verdict on a client's secret */
};

/* How an authorize assertion presents itself. */
enum tf_credential {
	TF_CRED_TOKEN = 1,  /* a token minted for an app */
	TF_CRED_NONE = 2,   /* no Authorization header */
	TF_CRED_HEADER = 3, /* an Authorization header as written */
};

/* One assertion: a question and its expected answer. Strings are owned. */
struct tf_assertion {
	enum tf_kind kind;
	unsigned line, column;
	enum writ_principal_kind principal_kind;
	char *principal;  /* app or user (grant), app (authorize, client) */
	char *resource;   /* NULL: the policy's default resource */
	char *scope;      /* requested scopes; NULL: none given */
	char *peer;       /* `from`: the peer address, or NULL */
	/* authorize */
	enum tf_credential credential;
	char *header;     /* TF_CRED_HEADER: the header's value */
	char *audience;   /* `token audience`: mint for this resource instead */
	int expired;      /* `token expired` */
	char *method, *target;
	/* client */
	char *secret;     /* NULL: none presented */
	/* Expected. grant: expect_deny, or expect_scope (set-compared);
	 * authorize: expect_status and expect_error (NULL: not compared);
	 * client: expect_allow. */
	int expect_deny;
	char *expect_scope;
	unsigned expect_status;
	char *expect_error;
	int expect_allow;
};

struct tf_test {
	char *name;
	unsigned line, column;
	struct tf_assertion *asserts;
	size_t nasserts;
};

struct tf_file {
	char *path;        /* as given on the command line */
	char **policies;   /* resolved against the file's directory */
	size_t npolicies;
	struct tf_test *tests;
	size_t ntests;
};

/*
 * Parse the test file at path. On a syntax error, the message (as
 * "path:line:col: error: ...", then the line with a caret) is written to
 * err and -1 returned; -2 when out of memory or unreadable (message
 * written too). 0 on success, *out filled; free it with tf_file_free().
 */
int tf_file_parse(const char *path, FILE *err, struct tf_file *out);
void tf_file_free(struct tf_file *f);

#endif
