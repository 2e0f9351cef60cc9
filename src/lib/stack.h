/*
 * stack.h: decision stacks, compiled. A stack is flattened into lines with
 * a level (an included stack is inlined at its includer's level, a
 * substack one level deeper), each with its control compiled into an
 * action per module result, as Linux-PAM does. Running it is a loop, an
 * index and a switch.
 */
#ifndef WRIT_STACK_H
#define WRIT_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include "load.h"
#include "writ_module.h"

#define STACK_RESULTS 4      /* enum writ_module_result */
#define STACK_MAX_LEVEL 8    /* substack nesting */
#define STACK_MAX_DEPTH 16   /* include and substack nesting together */
#define STACK_MAX_LINES 4096 /* lines of a stack with its includes and substacks */

/* Actions; a positive value is a jump over that many lines. */
enum {
	ACT_IGNORE = 0,
	ACT_OK = -1,
	ACT_DONE = -2,
	ACT_BAD = -3,
	ACT_DIE = -4,
	ACT_RESET = -5,
};

struct t_line {
	uint8_t level;
	bool substack;          /* the line that opens a substack: not run */
	int16_t actions[STACK_RESULTS];
	const struct writ_module *module;
	void *state;            /* from the module's open() */
	const char *const *args; /* what open() was given, for snapshots */
	uint32_t nargs;
	const char *text;       /* "requisite network allow=10.0.0.0/8", indented two
	                         * spaces per level, for traces and writ_stack_line() */
};

struct t_stack {
	struct t_line *lines;
	uint32_t nlines;
	bool declared; /* by the policy or built in, as opposed to absent */
};

/* The built-in modules, and a module by name (NULL if unknown). */
extern const struct writ_module *const builtin_modules[];
const struct writ_module *module_builtin(const char *name);

/* The stack a facility runs on resource r (-1: the top-level one). */
const struct t_stack *stack_for(const struct writ_policy *t, long r, int facility);
/* Run a stack; WRIT_MODULE_SUCCESS means allow. hear, when not NULL, hears
 * each line run, after its module decided. */
typedef void stack_hear_fn(void *arg, const writ_context *ctx, const struct t_line *line,
                           int result, const char *action, const char *reason);
int stack_run(const struct t_stack *s, const writ_context *ctx, stack_hear_fn *hear,
              void *hear_arg);

/* The semantic pass and compiler for stacks (check.c and compile.c call). */
void check_stacks(struct loader *ld);
struct writ_policy;
bool compile_stacks(struct loader *ld, struct writ_policy *t);
void stacks_free(struct writ_policy *t);

#endif
