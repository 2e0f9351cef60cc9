/* fmt.h: the canonical layout of a policy file, for writ fmt. */
#ifndef WRIT_CLI_FMT_H
#define WRIT_CLI_FMT_H

#include <stddef.h>

/*
 * Lay out the policy text src[0..len) canonically (writ.1, writ fmt). The
 * text must have parsed without error: a byte the policy language cannot
 * hold makes the call fail. Returns 0 and a malloc'd text in *out (length
 * *outlen, NUL-terminated; caller frees) or -1, with *why saying what went
 * wrong ("out of memory" or the input's line that cannot be laid out).
 */
int fmt_policy(const char *src, size_t len, char **out, size_t *outlen, const char **why);

#endif
