/*
 * gen-man-codes.c: print the diagnostic codes (src/lib/codes.c) as man page
 * text, so that writ.policy(5) documents exactly the codes writ emits.
 */
#include "config.h"

#include <stdio.h>

#include "codes.h"

/* Escape for roff: backslashes, and a leading dot or quote. */
static void roff(const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", stdout);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
	}
}

int main(void)
{
	const struct diag_code *c;

	for (c = diag_codes; c->code; c++) {
		printf(".TP\n.B %s ", c->code);
		roff(c->title);
		fputs("\n", stdout);
		roff(c->help);
		fputs("\n", stdout);
	}
	return 0;
}
