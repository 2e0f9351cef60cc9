/*
 * gen-man-codes.c: print the diagnostic codes (src/lib/codes.c) as man page
 * text, so that writ.policy(5) documents exactly the codes writ emits, each
 * with its example.
 *
 *   gen-man-codes                 the man page text
 *   gen-man-codes --example CODE  the example of CODE, as policy text (for
 *                                 the test that lints each example)
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "codes.h"
#include "util.h"

/* One line of text for roff: backslashes and minus signs escaped, a
 * leading dot or quote made literal, what is beyond ASCII named by its
 * code point so that the page needs no input encoding. */
static void roff_line(const char *s, size_t len)
{
	size_t i;

	if (len && (*s == '.' || *s == '\''))
		fputs("\\&", stdout);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t n;

		if (c == '\\') {
			fputs("\\e", stdout);
		} else if (c == '-') {
			fputs("\\-", stdout);
		} else if (c >= 0x80 &&
		           (n = utf8_decode((const unsigned char *)s + i, len - i, &cp)) > 0) {
			printf("\\[u%04X]", (unsigned)cp);
			i += n - 1;
		} else {
			putchar(c);
		}
	}
}

static void roff(const char *s)
{
	roff_line(s, strlen(s));
}

/* The example in no-fill mode, line by line. */
static void roff_example(const char *s)
{
	const char *nl;

	fputs(".IP\nFor example:\n.IP\n.EX\n", stdout);
	for (; *s; s = nl + 1) {
		nl = strchr(s, '\n');
		if (!nl)
			nl = s + strlen(s) - 1;
		roff_line(s, (size_t)(nl - s + (*nl != '\n')));
		putchar('\n');
	}
	fputs(".EE\n", stdout);
}

int main(int argc, char **argv)
{
	const struct diag_code *c;

	if (argc == 3 && strcmp(argv[1], "--example") == 0) {
		c = diag_code_find(argv[2]);
		if (!c || !c->example) {
			fprintf(stderr, "gen-man-codes: no example for %s\n", argv[2]);
			return 1;
		}
		fputs(c->example, stdout);
		return 0;
	}
	if (argc != 1) {
		fputs("usage: gen-man-codes [--example CODE]\n", stderr);
		return 2;
	}
	for (c = diag_codes; c->code; c++) {
		printf(".TP\n.B %s ", c->code);
		roff(c->title);
		fputs("\n", stdout);
		roff(c->help);
		fputs("\n", stdout);
		if (c->example)
			roff_example(c->example);
	}
	return 0;
}
