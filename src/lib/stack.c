/*
 * stack.c: decision stacks. The semantic pass checks every stack line
 * (facility, control, module, arguments through the module's own open());
 * the compiler flattens each facility's stack per resource into lines with
 * levels and an action per result; the dispatcher runs them with
 * Linux-PAM's evaluation rules (libpam's _pam_dispatch_aux):
 *
 *  - required   [success=ok ignore=ignore default=bad]
 *  - requisite  [success=ok ignore=ignore default=die]
 *  - sufficient [success=done default=ignore]
 *  - optional   [success=ok default=ignore]
 *  - a [value=action ...] line leaves unnamed values at `default`, else bad
 *  - include inlines a named stack; substack runs it one level deeper, so
 *    that done, die and jumps stay inside it and reset returns to the state
 *    it was entered with
 *
 * The first failure fixes the status; ok and done count only while nothing
 * failed; a stack in which nothing said yes fails. An unknown result is
 * bad. Nothing allocates while a stack runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "stack.h"
#include "table.h"
#include "validate.h"

static const char *const facility_names[] = { NULL, "client", "grant", "access" };
static const char *const result_names[STACK_RESULTS] = { "success", "deny", "ignore", "error" };

/* ---- controls ---- */

static void set_default(int16_t *actions, const bool *given, int16_t act)
{
	int i;

	for (i = 0; i < STACK_RESULTS; i++)
		if (!given[i])
			actions[i] = act;
}

/* A control keyword compiled into actions; false when unknown. */
static bool control_actions(const char *c, int16_t *actions)
{
	bool given[STACK_RESULTS] = { false };

	given[WRIT_MODULE_SUCCESS] = true;
	if (strcmp(c, "required") == 0 || strcmp(c, "requisite") == 0) {
		actions[WRIT_MODULE_SUCCESS] = ACT_OK;
		actions[WRIT_MODULE_IGNORE] = ACT_IGNORE;
		given[WRIT_MODULE_IGNORE] = true;
		set_default(actions, given, c[7] == 'd' ? ACT_BAD : ACT_DIE);
	} else if (strcmp(c, "optional") == 0) {
		actions[WRIT_MODULE_SUCCESS] = ACT_OK;
		set_default(actions, given, ACT_IGNORE);
	} else if (strcmp(c, "sufficient") == 0) {
		actions[WRIT_MODULE_SUCCESS] = ACT_DONE;
		set_default(actions, given, ACT_IGNORE);
	} else {
		return false;
	}
	return true;
}

static int result_index(const char *s)
{
	int i;

	for (i = 0; i < STACK_RESULTS; i++)
		if (strcmp(s, result_names[i]) == 0)
			return i;
	return strcmp(s, "default") == 0 ? STACK_RESULTS : -1;
}

/* An action word: ok, done, bad, die, ignore, reset or a jump 1..255. */
static bool action_value(const char *s, int16_t *act)
{
	static const struct { const char *name; int16_t act; } names[] = {
		{ "ok", ACT_OK }, { "done", ACT_DONE }, { "bad", ACT_BAD },
		{ "die", ACT_DIE }, { "ignore", ACT_IGNORE }, { "reset", ACT_RESET },
	};
	size_t i;
	int n = 0;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*act = names[i].act;
			return true;
		}
	}
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i > 2)
			return false;
		n = n * 10 + (s[i] - '0');
	}
	if (i == 0 || n < 1 || n > 255)
		return false;
	*act = (int16_t)n;
	return true;
}

/* The actions of a line, diagnosing what is wrong (ld NULL: silently). */
static bool line_actions(struct loader *ld, const struct ast_stack_line *l, int16_t *actions)
{
	bool given[STACK_RESULTS] = { false }, ok = true;
	const struct ast_action *a;
	int16_t dflt = ACT_BAD, act;
	bool has_default = false;
	int v;

	if (l->control.s)
		return control_actions(l->control.s, actions);
	for (a = l->actions; a; a = a->next) {
		v = result_index(a->value.s);
		if (v < 0) {
			if (ld)
				diag(ld, &a->value.sp, WRIT_SEVERITY_ERROR, E_BAD_ACTION,
				     "values are success, deny, ignore, error and default",
				     "unknown value \"%s\"", a->value.s);
			ok = false;
			continue;
		}
		if (!action_value(a->action.s, &act)) {
			if (ld)
				diag(ld, &a->action.sp, WRIT_SEVERITY_ERROR, E_BAD_ACTION,
				     "actions are ok, done, bad, die, ignore, reset and a jump count 1-255",
				     "unknown action \"%s\"", a->action.s);
			ok = false;
			continue;
		}
		if (v == STACK_RESULTS) {
			/* libpam applies the first default=; later ones find every
			 * value set already. */
			if (!has_default)
				dflt = act;
			has_default = true;
		} else {
			actions[v] = act;
			given[v] = true;
		}
	}
	set_default(actions, given, dflt);
	return ok;
}

/* ---- the semantic pass ---- */

static int facility_of(const struct ast_text *t)
{
	int i;

	for (i = 1; i <= 3; i++)
		if (strcmp(t->s, facility_names[i]) == 0)
			return i;
	return 0;
}

static struct ast_stack *find_named(struct loader *ld, const char *name)
{
	struct ast_stack *st;

	for (st = ld->ast.stacks; st; st = st->next)
		if (st->name.s && strcmp(st->name.s, name) == 0)
			return st;
	return NULL;
}

static const char *suggestion(struct loader *ld, const char *name, const char *const *options)
{
	struct suggest sg;
	const char *best;
	struct buf b;
	char *s;

	suggest_init(&sg, name, strlen(name));
	for (; *options; options++)
		suggest_offer(&sg, *options, strlen(*options));
	best = suggest_best(&sg);
	if (!best)
		return NULL;
	buf_init(&b);
	buf_printf(&b, "did you mean \"%s\"?", best);
	s = b.oom ? NULL : arena_strndup(&ld->arena, b.data, b.len);
	buf_free(&b);
	if (!s)
		ld->oom = true;
	return s;
}

static const char *const facility_list[] = { "client", "grant", "access", NULL };
static const char *const control_list[] = {
	"required", "requisite", "sufficient", "optional", "include", "substack", NULL,
};

/* A module by name: built in, else from the module directory. */
static const struct writ_module *resolve(struct loader *ld, const char *name, char *why,
                                         size_t whylen)
{
	const struct writ_module *m = module_builtin(name);

	return m ? m : module_load(&ld->modules, ld->module_dir, name, why, whylen);
}

/*
 * Open a line's module with its arguments (the check and the compiler
 * both do). Returns 0 with *state, or -1 with err and *bad (an argument's
 * index or -1), or -2 when out of memory.
 */
static int open_line(const struct writ_module *m, const struct ast_stack_line *l,
                     void **state, char *err, size_t errlen, int *bad)
{
	const char **argv;
	size_t i;
	int rc = 0;

	*state = NULL;
	*bad = -1;
	if (!m->open) {
		if (!l->nargs)
			return 0;
		snprintf(err, errlen, "%s takes no arguments", m->name);
		*bad = 0;
		return -1;
	}
	argv = calloc(l->nargs + 1, sizeof(*argv));
	if (!argv)
		return -2;
	for (i = 0; i < l->nargs; i++)
		argv[i] = l->args[i].s;
	if (m->open((int)l->nargs, argv, state, err, errlen, bad) != 0) {
		if (!err[0])
			snprintf(err, errlen, "invalid arguments");
		rc = -1;
	}
	free(argv);
	return rc;
}

/* Check a module line: known, allowed in the facility, arguments accepted. */
static void check_module_line(struct loader *ld, const struct ast_stack *st,
                              const struct ast_stack_line *l)
{
	char err[256] = "", why[512] = "";
	const struct writ_module *m = resolve(ld, l->module.s, why, sizeof(why));
	void *state;
	int bad, rc;
	size_t i;

	if (!m) {
		const char *names[32];
		size_t n = 0;
		for (i = 0; builtin_modules[i] && n + 1 < ARRAY_SIZE(names); i++)
			names[n++] = builtin_modules[i]->name;
		names[n] = NULL;
		diag(ld, &l->module.sp, WRIT_SEVERITY_ERROR, E_MODULE_LOAD,
		     suggestion(ld, l->module.s, names), "%s", why);
		return;
	}
	if (st->facility_id && !(m->facilities & (1u << st->facility_id))) {
		diag_error(ld, &l->module.sp, E_MODULE_ARGS,
		           "module \"%s\" cannot stand in %s %s stack", m->name,
		           st->facility_id == WRIT_FACILITY_ACCESS ? "an" : "a",
		           facility_names[st->facility_id]);
		return;
	}
	rc = open_line(m, l, &state, err, sizeof(err), &bad);
	if (rc == -2) {
		ld->oom = true;
	} else if (rc < 0 && !m->open) {
		diag_error(ld, &l->args[0].sp, E_MODULE_ARGS, "%s", err);
	} else if (rc < 0) {
		const struct span *sp = bad >= 0 && (size_t)bad < l->nargs ? &l->args[bad].sp
		                                                            : &l->module.sp;
		diag_error(ld, sp, E_MODULE_ARGS, "%s: %s", m->name, err);
	} else if (m->close) {
		m->close(state);
	}
}

static void check_line(struct loader *ld, const struct ast_stack *st,
                       const struct ast_stack_line *l)
{
	int16_t actions[STACK_RESULTS];
	const char *c = l->control.s;

	if (c && (strcmp(c, "include") == 0 || strcmp(c, "substack") == 0)) {
		const struct ast_stack *target = find_named(ld, l->module.s);
		if (!target)
			diag_error(ld, &l->module.sp, E_STACK_MISMATCH,
			           "no stack named \"%s\" (declare it: stack %s for %s { ... })",
			           l->module.s, l->module.s,
			           st->facility_id ? facility_names[st->facility_id] : "FACILITY");
		else if (target->facility_id && st->facility_id &&
		         target->facility_id != st->facility_id)
			diag_error(ld, &l->module.sp, E_STACK_MISMATCH,
			           "stack \"%s\" is for %s; this stack is for %s", l->module.s,
			           facility_names[target->facility_id], facility_names[st->facility_id]);
		if (l->nargs)
			diag_error(ld, &l->args[0].sp, E_STACK_MISMATCH, "%s takes a stack name only", c);
		return;
	}
	if (c && !control_actions(c, actions)) {
		diag(ld, &l->control.sp, WRIT_SEVERITY_ERROR, E_BAD_CONTROL,
		     suggestion(ld, c, control_list), "unknown control \"%s\"", c);
		return;
	}
	if (!c)
		line_actions(ld, l, actions);
	check_module_line(ld, st, l);
}

/*
 * Include and substack chains: no cycle, at most STACK_MAX_DEPTH stacks
 * deep and STACK_MAX_LEVEL substacks deep (the dispatcher keeps one saved
 * state per level). Each offending line is reported once. *walked counts
 * the lines visited: past STACK_MAX_LINES the walk stops and returns false
 * for the caller to report, since a few stacks that each include the next
 * several times would otherwise expand without bound.
 */
static bool check_nesting(struct loader *ld, const struct ast_stack *st,
                          const struct ast_stack **path, int depth, int level,
                          struct ast_stack_line *via, size_t *walked)
{
	struct ast_stack_line *l;
	const char *problem = NULL;
	int i;

	for (i = 0; i < depth && !problem; i++)
		if (path[i] == st)
			problem = "cycle";
	if (!problem && depth >= STACK_MAX_DEPTH)
		problem = "depth";
	if (!problem && level > STACK_MAX_LEVEL)
		problem = "level";
	if (problem) {
		if (via->reported)
			return false;
		via->reported = true;
		if (problem[0] == 'c')
			diag_error(ld, &via->module.sp, E_STACK_CYCLE, "stack \"%s\" includes itself",
			           st->name.s);
		else if (problem[0] == 'd')
			diag_error(ld, &via->module.sp, E_STACK_CYCLE,
			           "stacks nest deeper than %d levels", STACK_MAX_DEPTH);
		else
			diag_error(ld, &via->module.sp, E_STACK_CYCLE,
			           "substacks nest deeper than %d levels", STACK_MAX_LEVEL);
		return false;
	}
	path[depth] = st;
	for (l = st->lines; l; l = l->next) {
		const char *c = l->control.s;
		const struct ast_stack *target;
		if (++*walked > STACK_MAX_LINES)
			return false;
		if (!c || (strcmp(c, "include") != 0 && strcmp(c, "substack") != 0))
			continue;
		target = find_named(ld, l->module.s);
		if (target && !check_nesting(ld, target, path, depth + 1,
		                             level + (c[0] == 's' ? 1 : 0), l, walked))
			return false;
	}
	return true;
}

/* A stack flattened as the compiler will, for checks on what runs. */
struct unit {
	uint8_t level;
	bool marker;
	struct ast_stack_line *line;
};

struct units {
	struct unit *v;
	size_t n, cap;
	bool oom;
};

static void dry_flatten(struct loader *ld, const struct ast_stack *st, uint8_t level,
                        int depth, struct units *u)
{
	struct ast_stack_line *l;

	if (!st || depth > STACK_MAX_DEPTH || level > STACK_MAX_LEVEL)
		return; /* a nesting error, reported by check_nesting */
	for (l = st->lines; l && !u->oom; l = l->next) {
		const char *c = l->control.s;
		bool sub = c && strcmp(c, "substack") == 0;

		if (c && strcmp(c, "include") == 0) {
			dry_flatten(ld, find_named(ld, l->module.s), level, depth + 1, u);
			continue;
		}
		if (u->n == u->cap) {
			size_t cap = u->cap ? u->cap * 2 : 16;
			struct unit *p = realloc(u->v, cap * sizeof(*p));
			if (!p) {
				u->oom = true;
				return;
			}
			u->v = p;
			u->cap = cap;
		}
		u->v[u->n++] = (struct unit){ level, sub, l };
		if (sub)
			dry_flatten(ld, find_named(ld, l->module.s), (uint8_t)(level + 1), depth + 1, u);
	}
}

/* A jump must land inside its level: the dispatcher's skip, simulated. */
static void check_jumps(struct loader *ld, const struct units *u)
{
	size_t i, j;
	int r;

	for (i = 0; i < u->n; i++) {
		struct ast_stack_line *l = u->v[i].line;
		int16_t actions[STACK_RESULTS];

		if (u->v[i].marker || l->control.s || l->reported ||
		    !line_actions(NULL, l, actions))
			continue;
		for (r = 0; r < STACK_RESULTS; r++) {
			int a = actions[r];
			if (a <= 0)
				continue;
			for (j = i; j + 1 < u->n && u->v[j + 1].level >= u->v[i].level && a > 0; a--)
				do
					j++;
				while (j + 1 < u->n && u->v[j + 1].level > u->v[i].level);
			if (a > 0) {
				l->reported = true;
				diag_error(ld, &l->sp, E_BAD_ACTION,
				           "a jump of %d line%s leaves the stack: only %d line%s follow%s it",
				           actions[r], actions[r] == 1 ? "" : "s", actions[r] - a,
				           actions[r] - a == 1 ? "" : "s", actions[r] - a == 1 ? "s" : "");
				break;
			}
		}
	}
}

/* ---- what the built-in modules make certain ---- */

/* A keyword line whose module is the built-in `module` ("deny" or
 * "permit"), which always gives one answer. */
static bool line_is(const struct ast_stack_line *l, const char *control, const char *module)
{
	return l->control.s && strcmp(l->control.s, control) == 0 && !l->nargs &&
	       strcmp(l->module.s, module) == 0;
}

/*
 * A required or requisite deny on the top level, reached by every run (no
 * earlier line there can end the stack with success or jump past it): the
 * stack fails whatever else it holds.
 */
static void check_never_succeeds(struct loader *ld, const struct units *u)
{
	size_t i;

	for (i = 0; i < u->n; i++) {
		struct ast_stack_line *l = u->v[i].line;

		if (u->v[i].level > 0)
			continue;
		if (!l->control.s || strcmp(l->control.s, "sufficient") == 0)
			return; /* a jump, done or reset: the rest is not certain */
		if (line_is(l, "required", "deny") || line_is(l, "requisite", "deny")) {
			if (!l->flow_reported)
				diag(ld, &l->sp, WRIT_SEVERITY_WARNING, W_STACK_NEVER_SUCCEEDS,
				     "remove the line, or make it optional while testing",
				     "this stack can never succeed: every run reaches %s deny, which always fails",
				     l->control.s);
			l->flow_reported = true;
			return;
		}
	}
}

/*
 * A sufficient permit ends its level with success unless something failed
 * before it; and once something failed, only a reset could change the
 * outcome. So the lines after it on its level decide nothing, unless a
 * [value=action] line around it could jump past it or reset.
 */
static void check_after_permit(struct loader *ld, const struct units *u)
{
	/*
	 * Per level, the run the current line is in (lines of that level or
	 * deeper, in a row): how many of its lines of the level came so far,
	 * whether one of them is a bracket line (it could jump or reset); and,
	 * once a sufficient permit in it is looked at, whether it holds a
	 * bracket line of the level anywhere and how many lines of the level
	 * it holds in all. The rest of a run is scanned once, not per permit.
	 */
	size_t seen[STACK_MAX_LEVEL + 1] = { 0 }, total[STACK_MAX_LEVEL + 1] = { 0 };
	bool bracket[STACK_MAX_LEVEL + 1] = { false }, known[STACK_MAX_LEVEL + 1] = { false };
	bool plain[STACK_MAX_LEVEL + 1] = { false };
	size_t i, j, k, after;

	for (i = 0; i < u->n; i++) {
		struct ast_stack_line *l = u->v[i].line;
		uint8_t level = u->v[i].level;

		/* A line ends the runs of deeper levels and counts in its own. */
		for (k = (size_t)level + 1; k <= STACK_MAX_LEVEL; k++) {
			seen[k] = 0;
			bracket[k] = known[k] = false;
		}
		seen[level]++;
		if (!l->control.s)
			bracket[level] = true;
		if (!line_is(l, "sufficient", "permit") || l->flow_reported)
			continue;
		if (!known[level]) {
			bool plain_after = true;
			for (after = 0, j = i + 1; j < u->n && u->v[j].level >= level; j++) {
				if (u->v[j].level != level)
					continue;
				after++;
				if (!u->v[j].line->control.s)
					plain_after = false;
			}
			known[level] = true;
			plain[level] = !bracket[level] && plain_after;
			total[level] = seen[level] + after;
		}
		after = total[level] - seen[level];
		if (!plain[level] || !after)
			continue;
		l->flow_reported = true;
		diag(ld, &l->sp, WRIT_SEVERITY_WARNING, W_UNREACHABLE_LINES,
		     "remove the lines after it, or move this line to the end",
		     "sufficient permit always ends the %s here: the %zu line%s after it decide%s nothing",
		     level ? "substack" : "stack", after, after == 1 ? "" : "s",
		     after == 1 ? "s" : "");
	}
}

void check_stacks(struct loader *ld)
{
	struct ast_stack *st, *other;
	const struct ast_stack_line *l;
	const struct ast_stack *path[STACK_MAX_DEPTH + 1];

	for (st = ld->ast.stacks; st; st = st->next) {
		st->facility_id = facility_of(&st->facility);
		if (!st->facility_id)
			diag(ld, &st->facility.sp, WRIT_SEVERITY_ERROR, E_BAD_FACILITY,
			     suggestion(ld, st->facility.s, facility_list),
			     "unknown facility \"%s\": a stack is for client, grant or access",
			     st->facility.s);
		if (st->name.s && st->resource)
			diag_error(ld, &st->name.sp, E_STACK_MISMATCH,
			           "a named stack is declared at top level, not in a resource");
		else if (st->resource && st->facility_id == WRIT_FACILITY_CLIENT)
			diag_warning(ld, &st->facility.sp, W_CLIENT_STACK_IN_RESOURCE,
			             "a client stack in a resource never runs: clients authenticate "
			             "before they name a resource");
		for (other = ld->ast.stacks; other != st; other = other->next) {
			if (st->name.s && other->name.s && strcmp(st->name.s, other->name.s) == 0) {
				diag_error(ld, &st->name.sp, E_DUPLICATE, "stack \"%s\" is defined twice",
				           st->name.s);
				diag_note(ld, &other->name.sp, "first defined here");
				break;
			}
			if (!st->name.s && !other->name.s && st->facility_id &&
			    st->facility_id == other->facility_id && st->resource == other->resource) {
				diag_error(ld, &st->sp, E_DUPLICATE, "a second default %s stack %s",
				           facility_names[st->facility_id],
				           st->resource ? "in this resource" : "at top level");
				diag_note(ld, &other->sp, "first defined here");
				break;
			}
		}
	}
	for (st = ld->ast.stacks; st && !ld->oom; st = st->next) {
		size_t walked = 0;
		for (l = st->lines; l; l = l->next)
			check_line(ld, st, l);
		st->nesting_bad = !check_nesting(ld, st, path, 0, 0, NULL, &walked);
		if (walked > STACK_MAX_LINES)
			diag_error(ld, &st->sp, E_STACK_CYCLE,
			           "the stack expands to more than %d lines through its includes and "
			           "substacks", STACK_MAX_LINES);
	}
	/* Jumps, on each stack that runs (named ones run where they are used)
	 * and can be flattened. */
	for (st = ld->ast.stacks; st && !ld->oom; st = st->next) {
		struct units u = { 0 };
		if (st->name.s || !st->facility_id || st->nesting_bad)
			continue;
		dry_flatten(ld, st, 0, 0, &u);
		if (u.oom)
			ld->oom = true;
		else
			check_jumps(ld, &u);
		if (!u.oom && !ld->errors) {
			check_never_succeeds(ld, &u);
			check_after_permit(ld, &u);
		}
		free(u.v);
	}
}

/* ---- the compiler: flattening ---- */

struct flat {
	struct loader *ld;
	struct t_line *lines;
	size_t n, cap;
	bool ok;
};

static struct t_line *flat_push(struct flat *f)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct t_line *p = realloc(f->lines, cap * sizeof(*p));
		if (!p) {
			f->ok = false;
			return NULL;
		}
		f->lines = p;
		f->cap = cap;
	}
	memset(&f->lines[f->n], 0, sizeof(f->lines[0]));
	return &f->lines[f->n++];
}

/* The line as written, indented two spaces per substack level. */
static const char *line_text(struct writ_policy *t, const struct ast_stack_line *l, uint8_t level)
{
	const struct ast_action *a;
	struct buf b;
	const char *s;
	size_t i;

	buf_init(&b);
	buf_printf(&b, "%*s", 2 * level, "");
	if (l->control.s) {
		buf_puts(&b, l->control.s);
	} else {
		buf_putc(&b, '[');
		for (a = l->actions; a; a = a->next)
			buf_printf(&b, "%s%s=%s", a == l->actions ? "" : " ", a->value.s, a->action.s);
		buf_putc(&b, ']');
	}
	buf_printf(&b, " %s", l->module.s);
	for (i = 0; i < l->nargs; i++)
		buf_printf(&b, " %s", l->args[i].s);
	s = b.oom ? NULL : arena_strndup(&t->strings, b.data, b.len);
	buf_free(&b);
	return s;
}

/* A copy of the line's arguments in the table, which a snapshot stores to
 * open the module again when it is loaded. */
static bool keep_args(struct writ_policy *t, const struct ast_stack_line *l, struct t_line *line)
{
	const char **args;
	size_t i;

	if (!l->nargs)
		return true;
	args = arena_alloc(&t->strings, l->nargs * sizeof(*args));
	if (!args)
		return false;
	for (i = 0; i < l->nargs; i++)
		if (!(args[i] = arena_strndup(&t->strings, l->args[i].s, l->args[i].len)))
			return false;
	line->args = args;
	line->nargs = (uint32_t)l->nargs;
	return true;
}

static void flatten(struct flat *f, struct writ_policy *t, const struct ast_stack *st,
                    uint8_t level)
{
	const struct ast_stack_line *l;

	for (l = st->lines; l && f->ok; l = l->next) {
		const char *c = l->control.s;
		struct t_line *line;

		if (c && strcmp(c, "include") == 0) {
			flatten(f, t, find_named(f->ld, l->module.s), level);
			continue;
		}
		line = flat_push(f);
		if (!line)
			return;
		line->level = level;
		line->text = line_text(t, l, level);
		if (!line->text) {
			f->ok = false;
			return;
		}
		if (c && strcmp(c, "substack") == 0) {
			/* The opening line is a marker; its stack runs one deeper. */
			line->substack = true;
			flatten(f, t, find_named(f->ld, l->module.s), (uint8_t)(level + 1));
			continue;
		}
		if (c)
			control_actions(c, line->actions);
		else
			line_actions(f->ld, l, line->actions);
		{
			char why[512];
			line->module = resolve(f->ld, l->module.s, why, sizeof(why));
		}
		if (!line->module || !keep_args(t, l, line)) {
			f->ok = false;
			return;
		}
		{
			char err[256] = "";
			int bad;
			/* The check opened this line already: only memory can fail. */
			if (open_line(line->module, l, &line->state, err, sizeof(err), &bad) != 0)
				f->ok = false;
		}
	}
}

/* The built-in stack of a facility when the policy declares none. */
static bool default_stack(struct flat *f, int facility)
{
	static const char *const modules[] = { NULL, "secret", "rbac", "scope" };
	struct t_line *line = flat_push(f);

	if (!line)
		return false;
	control_actions("required", line->actions);
	line->module = module_builtin(modules[facility]);
	line->text = modules[facility] == NULL ? "" :
	             facility == 1 ? "required secret (built-in default)" :
	             facility == 2 ? "required rbac (built-in default)" :
	                             "required scope (built-in default)";
	return line->module && (!line->module->open ||
	                        line->module->open(0, NULL, &line->state, NULL, 0, NULL) == 0);
}

static bool compile_one(struct loader *ld, struct writ_policy *t, const struct ast_stack *st,
                        int facility, struct t_stack *out)
{
	struct flat f = { .ld = ld, .ok = true };

	if (st)
		flatten(&f, t, st, 0);
	else
		f.ok = default_stack(&f, facility);
	out->lines = f.lines;
	out->nlines = (uint32_t)f.n;
	out->declared = true;
	return f.ok;
}

bool compile_stacks(struct loader *ld, struct writ_policy *t)
{
	const struct ast_stack *st, *top[4] = { NULL };
	struct ast_resource *r;
	uint32_t ri = 0;
	int fac;

	for (st = ld->ast.stacks; st; st = st->next)
		if (!st->name.s && !st->resource)
			top[st->facility_id] = st;
	t->stacks = calloc((size_t)(t->nresources + 1) * 4, sizeof(*t->stacks));
	if (!t->stacks)
		return false;
	/* Slot 0 holds the top-level stacks; slot r + 1 the resource r's. */
	for (fac = 1; fac <= 3; fac++)
		if (!compile_one(ld, t, top[fac], fac, &t->stacks[fac]))
			return false;
	for (r = ld->ast.resources; r; r = r->next, ri++) {
		for (st = ld->ast.stacks; st; st = st->next) {
			if (st->resource != r || st->name.s || !st->facility_id)
				continue;
			if (!compile_one(ld, t, st, st->facility_id,
			                 &t->stacks[(ri + 1) * 4 + (uint32_t)st->facility_id]))
				return false;
		}
	}
	return true;
}

static void free_stack(struct t_stack *s)
{
	uint32_t i;

	for (i = 0; i < s->nlines; i++)
		if (s->lines[i].module && s->lines[i].module->close)
			s->lines[i].module->close(s->lines[i].state);
	free(s->lines);
}

void stacks_free(struct writ_policy *t)
{
	size_t i;

	if (!t->stacks)
		return;
	for (i = 0; i < (size_t)(t->nresources + 1) * 4; i++)
		free_stack(&t->stacks[i]);
	free(t->stacks);
}

/* ---- running a stack ---- */

/* The stack for a facility on resource r (-1: none): its own, else the
 * top-level one (declared or built in). */
const struct t_stack *stack_for(const struct writ_policy *t, long r, int facility)
{
	/* A resource's own stack, even an empty one (which denies). */
	if (r >= 0 && t->stacks[(size_t)(r + 1) * 4 + (size_t)facility].declared)
		return &t->stacks[(size_t)(r + 1) * 4 + (size_t)facility];
	return &t->stacks[facility];
}

/* ---- public iteration (writ.h) ---- */

static const struct t_stack *public_stack(const struct writ_policy *t, long r,
                                          enum writ_facility facility)
{
	if (!t || !t->stacks || r < -1 || (r >= 0 && (size_t)r >= t->nresources) ||
	    facility < WRIT_FACILITY_CLIENT || facility > WRIT_FACILITY_ACCESS)
		return NULL;
	return stack_for(t, facility == WRIT_FACILITY_CLIENT ? -1 : r, (int)facility);
}

size_t writ_stack_count(const writ_policy *t, long r, enum writ_facility facility)
{
	const struct t_stack *s = public_stack(t, r, facility);

	return s ? s->nlines : 0;
}

const char *writ_stack_line(const writ_policy *t, long r, enum writ_facility facility, size_t i)
{
	const struct t_stack *s = public_stack(t, r, facility);

	return s && i < s->nlines ? s->lines[i].text : NULL;
}

static const char *action_name(int16_t act, char *tmp, size_t n)
{
	switch (act) {
	case ACT_OK: return "ok";
	case ACT_DONE: return "done";
	case ACT_BAD: return "bad";
	case ACT_DIE: return "die";
	case ACT_IGNORE: return "ignore";
	case ACT_RESET: return "reset";
	default:
		snprintf(tmp, n, "jump %d", act);
		return tmp;
	}
}

enum { IMPRESSION_UNDEF, IMPRESSION_POSITIVE, IMPRESSION_NEGATIVE };
enum { STATUS_MUST_FAIL = STACK_RESULTS };

/*
 * Run a stack. Returns the final status: WRIT_MODULE_SUCCESS (allow) or
 * another value (deny). hear, when not NULL, hears every line.
 */
int stack_run(const struct t_stack *s, const writ_context *ctx, stack_hear_fn *hear,
              void *hear_arg)
{
	struct { int impression, status; } saved[STACK_MAX_LEVEL + 2];
	int impression = IMPRESSION_UNDEF, status = STATUS_MUST_FAIL;
	uint32_t i;
	int prev_level = 0;

	saved[0].impression = impression;
	saved[0].status = status;
	for (i = 0; i < s->nlines; prev_level = s->lines[i].level, i++) {
		const struct t_line *line = &s->lines[i];
		int level = line->level, result, action;
		char reason[160] = "", tmp[16];

		/* Entering a substack: remember the state for its resets. */
		if (prev_level < level) {
			saved[level].impression = impression;
			saved[level].status = status;
		}
		if (line->substack)
			continue;
		/* Reasons are only for traces: without one, modules get no room
		 * and skip formatting them. */
		result = line->module->decide(line->state, ctx, reason,
		                              hear ? sizeof(reason) : 0);
		if (result < 0 || result >= STACK_RESULTS) {
			/* An unknown result is bad, whatever the control says. */
			snprintf(reason, sizeof(reason), "module returned %d, which is no result", result);
			result = STATUS_MUST_FAIL;
			action = ACT_BAD;
		} else {
			action = line->actions[result];
		}
		if (hear)
			hear(hear_arg, ctx, line, result, action_name((int16_t)action, tmp, sizeof(tmp)),
			     reason);
		switch (action) {
		case ACT_RESET:
			impression = saved[level].impression;
			status = saved[level].status;
			continue;
		case ACT_OK:
		case ACT_DONE:
			/* As libpam on a live run: an ignore given ok or done counts
			 * too, and makes the status ignore, which fails in the end. */
			if (impression == IMPRESSION_UNDEF ||
			    (impression == IMPRESSION_POSITIVE && status == WRIT_MODULE_SUCCESS)) {
				impression = IMPRESSION_POSITIVE;
				status = result;
			}
			if (impression == IMPRESSION_POSITIVE && action == ACT_DONE)
				goto decided;
			continue;
		case ACT_BAD:
		case ACT_DIE:
			if (impression != IMPRESSION_NEGATIVE) {
				impression = IMPRESSION_NEGATIVE;
				status = result == WRIT_MODULE_IGNORE ? STATUS_MUST_FAIL : result;
			}
			if (action == ACT_DIE)
				goto decided;
			continue;
		case ACT_IGNORE:
			continue;
		default:
			/* A jump: skip that many lines of this level, a substack
			 * counting as one. */
			while (i + 1 < s->nlines && s->lines[i + 1].level >= level && action > 0) {
				do
					i++;
				while (i + 1 < s->nlines && s->lines[i + 1].level > level);
				action--;
			}
			if (action) {
				/* Jumped past the end: the stack is broken, so it fails. */
				impression = IMPRESSION_NEGATIVE;
				status = STATUS_MUST_FAIL;
			}
			continue;
		}
decided:
		/* done or die ends this level (a substack, or the whole stack). */
		while (i + 1 < s->nlines && s->lines[i + 1].level >= level)
			i++;
	}
	/* Nothing said yes: fail. */
	if (status == WRIT_MODULE_SUCCESS && impression != IMPRESSION_POSITIVE)
		status = STATUS_MUST_FAIL;
	return status;
}
