/*
 * suppress.h: inline suppressions, `# writ: ignore[W012, ...]` comments that
 * silence warnings on one line. Internal to libwrit.
 *
 * A suppression comment that follows something on its line covers that
 * line; one alone on its line covers the next line. Only warnings can be
 * suppressed. What a suppression comment gets wrong, and a code it names
 * that silenced nothing, is warned about (W014).
 */
#ifndef WRIT_SUPPRESS_H
#define WRIT_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "load.h"

/* One code of a suppression comment. */
struct suppression {
	uint32_t file, line; /* the line whose warnings it silences */
	struct span sp;      /* the code as written in the comment */
	const char *code;    /* its entry's in diag_codes */
	bool used;
};

/*
 * A comment was scanned: text[0..len) from its '#' to the end of its line,
 * placed at sp. alone: nothing but blanks before it on its line. Ordinary
 * comments are ignored; a directive (`# writ: ...`) is recorded or warned
 * about.
 */
void suppress_comment(struct loader *ld, const struct span *sp, const char *text, size_t len,
                      bool alone);

/*
 * Once the whole policy is checked: drop the warnings (records from `from`
 * on) that a suppression covers, with their notes, then warn about every
 * code that silenced nothing, unless the policy has errors (a policy with
 * errors is not checked in full, so a warning may be missing only because
 * of them).
 */
void suppress_apply(struct loader *ld, size_t from);

#endif
