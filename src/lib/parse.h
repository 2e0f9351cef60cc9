/*
 * parse.h: the state shared by the reentrant scanner and the pure parser
 * while one file is read. No globals: any number of files may be parsed at
 * once on any threads.
 */
#ifndef WRIT_PARSE_H
#define WRIT_PARSE_H

#include <setjmp.h>

#include "load.h"

struct parse_state {
	struct loader *ld;
	uint32_t file;
	struct include_frame *stack; /* includes being read, innermost first */
	unsigned depth;
	/* includes of this file, read once the file itself is parsed */
	struct parse_include {
		struct ast_text path;
		struct parse_include *next;
	} *includes, **includes_tail;
	/* the block whose items are being read */
	struct ast_issuer *issuer;
	struct ast_trust *trust;
	struct ast_resource *resource;
	struct ast_role *role;
	struct ast_principal *principal;
	struct ast_stack *cur_stack;
	struct ast_stack_line *cur_line;
	/* the rule of the route being read, until its ';' */
	enum ast_route_rule route_rule;
	struct ast_ref *route_perms;
	struct span route_rule_sp;
	/* scanner side */
	struct buf str;          /* the string being scanned */
	uint32_t str_line, str_col;
	bool str_bad;            /* an error was reported inside it */
	bool in_secret;          /* between 'secret' and the next ';' */
	jmp_buf *unwind;         /* jmp_buf to leave the parse on out-of-memory */
	const char *tok_text;    /* text of the last token, for messages */
	size_t tok_len;
	uint32_t line, col;      /* scanner position */
	uint32_t end_line, end_col; /* just after the last token seen */
	char last, before_last;  /* the last two tokens: the punctuation, or 'w' */
};

/* Parse one source file's text into the load's syntax tree. */
void parse_source(struct loader *ld, uint32_t file, struct include_frame *stack,
                  unsigned depth);

#endif
