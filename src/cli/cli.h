/* cli.h: what the writ command's subcommands share. */
#ifndef WRIT_CLI_H
#define WRIT_CLI_H

#include <stdio.h>

#include "writ.h"

/* Exit statuses shared by every subcommand. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,  /* the answer is no: errors found, unknown principal... */
	EXIT_USAGE = 2, /* bad flags, unreadable input, invalid configuration */
};

struct command {
	const char *name;
	const char *summary;
	const char *usage; /* the full --help text */
	int (*run)(int argc, char **argv);
};

extern const struct command cmd_lint;
extern const struct command cmd_grant;
extern const struct command cmd_verify;
extern const struct command cmd_token;
extern const struct command cmd_keygen;
extern const struct command cmd_explain;
extern const struct command cmd_diff;
extern const struct command cmd_hash_secret;
extern const struct command cmd_serve;
extern const struct command cmd_test;
extern const struct command cmd_fmt;
extern const struct command cmd_compile;

/* Print an error as "writ CMD: message" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The next space-separated word of [*s, end): its start, its length in
 * *len, and *s moved past it; NULL when no word is left. */
const char *cli_next_word(const char **s, const char *end, size_t *len);
/* Is word (len bytes, not NUL-ended) one of the words of [list, end)? */
int cli_has_word(const char *list, const char *end, const char *word, size_t len);
/* "Try 'writ CMD --help'." after a usage error; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The longest token writ accepts (writ_verifier_set_max_length's bound). */
#define CLI_MAX_TOKEN 65536

/* A token's bytes from a file, or standard input when path is NULL,
 * exactly as read and at most CLI_MAX_TOKEN + 1 of them (so that an endless
 * input cannot hang writ; one byte more tells "too long"). NULL with errno
 * set when it cannot be read. */
char *cli_read_token(const char *path, size_t *len);
/* A whole file's bytes, NUL-terminated (*len does not count the NUL). NULL
 * with errno set when it cannot be read. */
char *cli_read_file(const char *path, size_t *len);
/* The directory part of path with its slash, as a length (0: none). */
size_t cli_dir_length(const char *path);
/*
 * Append to the list of n files the entries of directory dir whose names
 * end in suffix (and are longer than it), dot-files left out, each joined to
 * dir and in byte order of their names. -1 with errno set when dir cannot be
 * read or memory runs out; the list is then unchanged.
 */
int cli_list_dir(const char *dir, const char *suffix, char ***files, size_t *n);
/* A writ_clock_fn reading the double at arg (for --now). */
double cli_fixed_clock(void *arg);

/* Append v to a growing list of n strings; -1 when out of memory. */
int cli_push(const char ***list, size_t *n, const char *v);
/* Render diagnostic i to f, or "file: message" when it cannot be rendered. */
void cli_print_diagnostic(FILE *f, const writ_diagnostics *diags, size_t i);
/* Render the errors to f: warnings and infos, and their notes, are left out. */
void cli_print_diagnostics(FILE *f, const writ_diagnostics *diags);
/*
 * Load a policy for a command that needs one, with modules from module_dir
 * (NULL: the default). On failure the diagnostics are printed on stderr
 * and EXIT_USAGE is returned.
 */
int cli_load_policy_ex(const char *cmd, const char *const *paths, size_t npaths,
                       const char *module_dir, writ_policy **out);
/* The same, naming what is loaded in the error: "cannot load WHAT: ...". */
int cli_load_policy_as(const char *cmd, const char *what, const char *const *paths,
                       size_t npaths, const char *module_dir, writ_policy **out);

#endif
