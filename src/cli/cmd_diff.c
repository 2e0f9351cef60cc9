/*
 * cmd_diff.c: writ diff: what changes between two versions of a policy.
 * Exhaustive over both compiled policies, read through the public
 * iteration calls: for every app and user, the permissions gained and lost
 * on every resource; apps, users, resources and permissions added and
 * removed; routes, unrouted settings and default scopes changed; the
 * grant and access stacks each resource runs, and the client stack, as
 * lists of lines (writ_stack_line()), with a line diff of what changed.
 *
 * Permissions are numbered per side: resource r's are [base[r],
 * base[r + 1]). Each resource present on both sides maps its permissions
 * to the other side's by name once; a principal's holdings are then a
 * bitset and a list of those numbers, the union of its roles' grants, and
 * comparing two principals costs what they hold, not the policy's size.
 */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"Usage: writ diff [--format human|json] [--fail-on new-access|any-change]\n"
	"                 [--module-dir DIR] OLD NEW\n"
	"   or: writ diff [OPTION]... --old PATH... --new PATH...\n"
	"\n"
	"Compare two versions of a policy, exhaustively: for every app and user and\n"
	"every resource, the permissions gained and lost; apps and users added and\n"
	"removed, with what they hold; resources added and removed; permissions\n"
	"declared and removed; routes, unrouted settings, default scopes and\n"
	"decision stacks changed.\n"
	"OLD and NEW are each a policy file or directory; with --old and --new,\n"
	"each policy may be several paths (repeat the option).\n"
	"\n"
	"What is compared is what each principal holds through its roles: what\n"
	"writ grant gives when every permission of the resource is asked for, and\n"
	"the most any token can carry. Grant stacks are not run: they decide per\n"
	"request (peer address, time) and can only take scopes away. Stacks are\n"
	"compared as their lines, includes inlined: the grant and the access\n"
	"stack each resource in both policies runs (its own, else the top-level\n"
	"one) and the client stack. writ cannot tell whether a changed stack\n"
	"narrows or widens, so a stack change counts for any-change only. Apps and\n"
	"users are matched by kind and id, resources by indicator, permissions by\n"
	"name: a renamed permission is one removed and one added.\n"
	"\n"
	"Output: one change a line (a changed stack: a header line, then its\n"
	"lines), resources by indicator, then the client stack, then apps and\n"
	"users by id, '-' before '+':\n"
	"  + resource URI                      (- removed)\n"
	"  + permission URI: P...              declared (- removed)\n"
	"  ~ default-scope URI: \"OLD\" -> \"NEW\"\n"
	"  ~ unrouted URI: deny -> token\n"
	"  + route URI: METHODS \"TEMPLATE\" REQUIREMENT      (- removed)\n"
	"  ~ route URI: METHODS \"TEMPLATE\": OLD -> NEW\n"
	"  ~ stack grant URI:                  grant or access stack changed:\n"
	"        LINE                            a line in both (order kept),\n"
	"      - LINE                            a line removed,\n"
	"      + LINE                            a line added\n"
	"  ~ stack client:                     the client stack, the same way\n"
	"  + app ID                            a new app (- user ID: removed)\n"
	"  + app ID: URI P...                  permissions gained (-: lost)\n"
	"then one summary line; \"no differences\" alone when there is none.\n"
	"--format json prints one JSON document instead (see writ(1)).\n"
	"\n"
	"Options:\n"
	"  -f, --format FORMAT   human (the default) or json\n"
	"      --fail-on WHAT    exit 1 when WHAT happens: new-access, an app or\n"
	"                        user gains a permission (a new one holding\n"
	"                        anything included); any-change, any difference,\n"
	"                        a stack change included\n"
	"      --old PATH        a path of the old policy (repeatable)\n"
	"      --new PATH        a path of the new policy (repeatable)\n"
	"      --module-dir DIR  where loadable modules are (default: the\n"
	"                        installed module directory)\n"
	"  -h, --help            show this help and exit\n"
	"\n"
	"Exit status: 0 compared, whatever the differences, when no --fail-on\n"
	"condition holds; 1 a --fail-on condition holds; 2 usage error, or a\n"
	"policy that cannot be loaded.\n";

#define NONE UINT32_MAX

/* A principal's change: resource rank, then ADDED_BIT for a gain (a new
 * side permission) or not for a loss (an old side one), then the
 * permission's number. Sorted, they give the output's order. */
#define ADDED_BIT (UINT64_C(1) << 31)
#define PERM_MASK (ADDED_BIT - 1)

enum { OLD = 0, NEW = 1 };
enum { FAIL_NEW_ACCESS = 1, FAIL_ANY_CHANGE = 2 };

/* One policy, indexed for the comparison. */
struct side {
	const writ_policy *p;
	size_t nres, nperms, nroles;
	uint32_t *base;     /* [nres + 1]: first permission number of each resource */
	uint32_t *perm_res; /* [nperms]: each permission's resource */
	uint32_t *rank;     /* [nres]: the resource's place in both sides' indicator order */
	uint32_t *other;    /* [nperms]: the same permission on the other side, or NONE */
	size_t *role_off;   /* [nroles + 1]: each role's permissions in role_ids */
	uint32_t *role_ids;
	uint64_t *held_bits; /* the current principal's holdings, as a set */
	uint32_t *held;      /* and as a list, in no order */
	size_t nheld;
};

struct counts {
	size_t res_added, res_removed, perm_added, perm_removed, default_scope, unrouted;
	size_t route_added, route_removed, route_changed, stacks;
	size_t princ_added, princ_removed, access_added, access_removed, gaining, losing;
};

struct diff {
	struct side s[2];
	int json;
	size_t items; /* elements printed in the current JSON array */
	struct counts n;
	uint64_t *entries; /* one principal's changes */
};

/* A route line split after its template's closing quote. */
struct route {
	const char *shown; /* METHODS "TEMPLATE" REQUIREMENT */
	size_t keylen;     /* shown[0..keylen) is METHODS "TEMPLATE": the key */
	const char *rule;  /* REQUIREMENT */
};

struct route_change {
	char mark; /* '-' removed, '+' added, '~' requirement changed */
	const struct route *old, *new;
};

/* A resource's changes, gathered before printing. */
struct res_change {
	const char *indicator, *change;
	const char **perms[2]; /* [OLD]: removed, [NEW]: declared */
	size_t nperms[2];
	const char *scope[2]; /* both set when the default scope changed */
	int unrouted[2];      /* -1 when unchanged */
	struct route *rt[2];  /* each side's routes, sorted by key */
	struct route_change *routes;
	size_t nroutes;
	long r[2];            /* the resource on each side, -1 when absent */
	int stack_changed[2]; /* the grant ([0]) and access ([1]) stacks differ */
};

/* The facilities a resource's stacks are compared for, in output order. */
static const enum writ_facility res_facilities[2] = {WRIT_FACILITY_GRANT, WRIT_FACILITY_ACCESS};

/* A name and the index it belongs to, for sorting. */
struct named {
	const char *name;
	uint32_t i;
};

static int named_cmp(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int route_cmp(const void *a, const void *b)
{
	const struct route *x = a, *y = b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->shown, y->shown, n);

	return c ? c : (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

static int bit(const uint64_t *set, uint32_t i)
{
	return (int)(set[i >> 6] >> (i & 63) & 1);
}

/* ---- output ---- */

static void json_strn(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	putchar('"');
	for (i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			printf("\\%c", p[i]);
		else if (p[i] < 0x20)
			printf("\\u%04x", p[i]);
		else
			putchar(p[i]);
	}
	putchar('"');
}

static void json_str(const char *s)
{
	json_strn(s, strlen(s));
}

static void json_list(const char *key, const char *const *v, size_t n)
{
	size_t i;

	printf(", \"%s\": [", key);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", stdout);
		json_str(v[i]);
	}
	putchar(']');
}

/* The next element of a top-level JSON array. */
static void json_item(struct diff *d)
{
	fputs(d->items++ ? ",\n    " : "\n    ", stdout);
}

static void json_array_begin(struct diff *d, const char *key)
{
	printf("  \"%s\": [", key);
	d->items = 0;
}

static void json_array_end(struct diff *d)
{
	fputs(d->items ? "\n  ],\n" : "],\n", stdout);
}

static const char *unrouted_word(int token)
{
	return token ? "token" : "deny";
}

static void human_names(char mark, const char *what, const char *where, const char *const *v,
                        size_t n)
{
	size_t i;

	if (!n)
		return;
	printf("%c %s %s:", mark, what, where);
	for (i = 0; i < n; i++)
		printf(" %s", v[i]);
	putchar('\n');
}

/* ---- stacks ---- */

/* Largest LCS table built, in cells: past it (stacks of a thousand lines
 * each, far beyond any written by hand) the changed middle of a stack is
 * printed as all its old lines removed, then all its new ones added. */
#define LCS_MAX_CELLS (UINT32_C(1) << 20)

static const char *facility_word(enum writ_facility f)
{
	return f == WRIT_FACILITY_CLIENT ? "client" : f == WRIT_FACILITY_GRANT ? "grant" : "access";
}

static size_t stack_count(const struct diff *d, int k, const long r[2], enum writ_facility f)
{
	return writ_stack_count(d->s[k].p, r[k], f);
}

/* Only an index out of range gives NULL: never "" for a line in range. */
static const char *stack_line(const struct diff *d, int k, const long r[2], enum writ_facility f,
                              size_t i)
{
	const char *line = writ_stack_line(d->s[k].p, r[k], f, i);

	return line ? line : "";
}

static int stack_same_line(const struct diff *d, const long r[2], enum writ_facility f, size_t i,
                           size_t j)
{
	return strcmp(stack_line(d, OLD, r, f, i), stack_line(d, NEW, r, f, j)) == 0;
}

/* The stacks facility f runs for r on the two sides: equal when their
 * lines are. Lines are rebuilt from the parsed policy, so layout and
 * comments do not count, and includes are inlined, so moving lines into
 * a named stack that is included changes nothing. */
static int stacks_differ(const struct diff *d, const long r[2], enum writ_facility f)
{
	size_t n = stack_count(d, OLD, r, f), i;

	if (n != stack_count(d, NEW, r, f))
		return 1;
	for (i = 0; i < n; i++)
		if (!stack_same_line(d, r, f, i, i))
			return 1;
	return 0;
}

/*
 * Both stacks as one minimal line diff (longest common subsequence):
 * every line, the unchanged ones too, so that each added or removed line
 * is seen in its place, since a stack's order is part of its meaning (a
 * requisite line before another or after it). Within a run of changes,
 * the removed lines come before the added ones. -1 when out of memory.
 */
static int human_stack_lines(const struct diff *d, const long r[2], enum writ_facility f)
{
	size_t n[2] = {stack_count(d, OLD, r, f), stack_count(d, NEW, r, f)};
	size_t pre = 0, suf = 0, a, b, i, j;
	uint32_t *lcs = NULL;

/* The LCS of the middle's old lines from i and its new lines from j. */
#define LCS(i, j) lcs[(i) * (b + 1) + (j)]

	/* The common ends need no table: stacks mostly change in one place. */
	while (pre < n[OLD] && pre < n[NEW] && stack_same_line(d, r, f, pre, pre))
		pre++;
	while (suf < n[OLD] - pre && suf < n[NEW] - pre &&
	       stack_same_line(d, r, f, n[OLD] - 1 - suf, n[NEW] - 1 - suf))
		suf++;
	a = n[OLD] - pre - suf;
	b = n[NEW] - pre - suf;
	if (a && b && a < LCS_MAX_CELLS && b + 1 <= LCS_MAX_CELLS / (a + 1)) {
		if (!(lcs = calloc((a + 1) * (b + 1), sizeof(*lcs))))
			return -1;
		for (i = a; i-- > 0;) {
			for (j = b; j-- > 0;) {
				if (stack_same_line(d, r, f, pre + i, pre + j))
					LCS(i, j) = LCS(i + 1, j + 1) + 1;
				else if (LCS(i + 1, j) >= LCS(i, j + 1))
					LCS(i, j) = LCS(i + 1, j);
				else
					LCS(i, j) = LCS(i, j + 1);
			}
		}
	}
	for (i = 0; i < pre; i++)
		printf("      %s\n", stack_line(d, OLD, r, f, i));
	for (i = 0, j = 0; i < a || j < b;) {
		if (lcs && i < a && j < b && stack_same_line(d, r, f, pre + i, pre + j)) {
			printf("      %s\n", stack_line(d, OLD, r, f, pre + i));
			i++;
			j++;
		} else if (i < a && (!lcs || j == b || LCS(i + 1, j) >= LCS(i, j + 1))) {
			printf("    - %s\n", stack_line(d, OLD, r, f, pre + i));
			i++;
		} else {
			printf("    + %s\n", stack_line(d, NEW, r, f, pre + j));
			j++;
		}
	}
	for (i = n[OLD] - suf; i < n[OLD]; i++)
		printf("      %s\n", stack_line(d, OLD, r, f, i));
#undef LCS
	free(lcs);
	return 0;
}

/* "old": [LINE, ...], "new": [LINE, ...] */
static void json_stack(const struct diff *d, const long r[2], enum writ_facility f)
{
	size_t i, k;

	for (k = OLD; k <= NEW; k++) {
		fputs(k == OLD ? "\"old\": [" : ", \"new\": [", stdout);
		for (i = 0; i < stack_count(d, (int)k, r, f); i++) {
			if (i)
				fputs(", ", stdout);
			json_str(stack_line(d, (int)k, r, f, i));
		}
		putchar(']');
	}
}

static int human_resource(const struct diff *d, const struct res_change *c)
{
	size_t i;

	if (strcmp(c->change, "changed") != 0)
		printf("%c resource %s\n", c->change[0] == 'a' ? '+' : '-', c->indicator);
	human_names('-', "permission", c->indicator, c->perms[OLD], c->nperms[OLD]);
	human_names('+', "permission", c->indicator, c->perms[NEW], c->nperms[NEW]);
	if (c->scope[OLD])
		printf("~ default-scope %s: \"%s\" -> \"%s\"\n", c->indicator, c->scope[OLD],
		       c->scope[NEW]);
	if (c->unrouted[OLD] >= 0)
		printf("~ unrouted %s: %s -> %s\n", c->indicator, unrouted_word(c->unrouted[OLD]),
		       unrouted_word(c->unrouted[NEW]));
	for (i = 0; i < c->nroutes; i++) {
		const struct route_change *rc = &c->routes[i];

		if (rc->mark == '~')
			printf("~ route %s: %.*s: %s -> %s\n", c->indicator, (int)rc->old->keylen,
			       rc->old->shown, rc->old->rule, rc->new->rule);
		else
			printf("%c route %s: %s\n", rc->mark, c->indicator,
			       (rc->old ? rc->old : rc->new)->shown);
	}
	for (i = 0; i < 2; i++) {
		if (!c->stack_changed[i])
			continue;
		printf("~ stack %s %s:\n", facility_word(res_facilities[i]), c->indicator);
		if (human_stack_lines(d, c->r, res_facilities[i]) < 0)
			return -1;
	}
	return 0;
}

/* The routes of one mark as a JSON array. */
static void json_routes(const struct res_change *c, const char *key, char mark)
{
	size_t i, n = 0;

	printf(", \"%s\": [", key);
	for (i = 0; i < c->nroutes; i++) {
		const struct route_change *rc = &c->routes[i];

		if (rc->mark != mark)
			continue;
		if (n++)
			fputs(", ", stdout);
		if (mark != '~') {
			json_str((rc->old ? rc->old : rc->new)->shown);
			continue;
		}
		fputs("{\"route\": ", stdout);
		json_strn(rc->old->shown, rc->old->keylen);
		fputs(", \"old\": ", stdout);
		json_str(rc->old->rule);
		fputs(", \"new\": ", stdout);
		json_str(rc->new->rule);
		putchar('}');
	}
	putchar(']');
}

static void json_resource(struct diff *d, const struct res_change *c)
{
	size_t i, n;

	json_item(d);
	fputs("{\"resource\": ", stdout);
	json_str(c->indicator);
	fputs(", \"change\": ", stdout);
	json_str(c->change);
	json_list("permissions_added", c->perms[NEW], c->nperms[NEW]);
	json_list("permissions_removed", c->perms[OLD], c->nperms[OLD]);
	fputs(", \"default_scope\": ", stdout);
	if (c->scope[OLD]) {
		fputs("{\"old\": ", stdout);
		json_str(c->scope[OLD]);
		fputs(", \"new\": ", stdout);
		json_str(c->scope[NEW]);
		putchar('}');
	} else {
		fputs("null", stdout);
	}
	if (c->unrouted[OLD] >= 0)
		printf(", \"unrouted\": {\"old\": \"%s\", \"new\": \"%s\"}",
		       unrouted_word(c->unrouted[OLD]), unrouted_word(c->unrouted[NEW]));
	else
		fputs(", \"unrouted\": null", stdout);
	json_routes(c, "routes_added", '+');
	json_routes(c, "routes_removed", '-');
	json_routes(c, "routes_changed", '~');
	fputs(", \"stacks_changed\": [", stdout);
	for (i = 0, n = 0; i < 2; i++) {
		if (!c->stack_changed[i])
			continue;
		printf("%s{\"facility\": \"%s\", ", n++ ? ", " : "",
		       facility_word(res_facilities[i]));
		json_stack(d, c->r, res_facilities[i]);
		putchar('}');
	}
	fputs("]}", stdout);
}

/* The permission an entry names, and its resource's indicator. */
static const char *entry_name(const struct diff *d, uint64_t e, const char **indicator)
{
	const struct side *s = &d->s[e & ADDED_BIT ? NEW : OLD];
	uint32_t id = (uint32_t)(e & PERM_MASK), r = s->perm_res[id];

	if (indicator)
		*indicator = writ_resource_indicator(s->p, r);
	return writ_resource_permission(s->p, r, id - s->base[r]);
}

/* The end of the run of entries from i that share their bits above shift:
 * 31 for a resource and a mark, 32 for a resource. */
static size_t run_end(const uint64_t *e, size_t i, size_t ne, int shift)
{
	size_t j = i;

	while (j < ne && e[j] >> shift == e[i] >> shift)
		j++;
	return j;
}

static void human_principal(const struct diff *d, const char *kind, const char *id,
                            const char *change, size_t ne)
{
	const char *indicator;
	size_t i = 0, j;

	if (strcmp(change, "changed") != 0)
		printf("%c %s %s\n", change[0] == 'a' ? '+' : '-', kind, id);
	while (i < ne) {
		/* One line per resource and mark. */
		entry_name(d, d->entries[i], &indicator);
		printf("%c %s %s: %s", d->entries[i] & ADDED_BIT ? '+' : '-', kind, id, indicator);
		for (j = run_end(d->entries, i, ne, 31); i < j; i++)
			printf(" %s", entry_name(d, d->entries[i], NULL));
		putchar('\n');
	}
}

static void json_entries(const struct diff *d, const char *key, size_t from, size_t to)
{
	size_t i;

	printf(", \"%s\": [", key);
	for (i = from; i < to; i++) {
		if (i > from)
			fputs(", ", stdout);
		json_str(entry_name(d, d->entries[i], NULL));
	}
	putchar(']');
}

static void json_principal(struct diff *d, const char *kind, const char *id, const char *change,
                           size_t ne)
{
	const char *indicator;
	size_t i = 0, j, k;

	json_item(d);
	printf("{\"kind\": \"%s\", \"id\": ", kind);
	json_str(id);
	printf(", \"change\": \"%s\", \"access\": [", change);
	while (i < ne) {
		/* One object per resource: its losses [i, k) sort before its
		 * gains [k, j). */
		j = run_end(d->entries, i, ne, 32);
		k = d->entries[i] & ADDED_BIT ? i : run_end(d->entries, i, j, 31);
		entry_name(d, d->entries[i], &indicator);
		fputs(i ? ", {\"resource\": " : "{\"resource\": ", stdout);
		json_str(indicator);
		json_entries(d, "added", k, j);
		json_entries(d, "removed", i, k);
		putchar('}');
		i = j;
	}
	fputs("]}", stdout);
}

static void json_summary(const struct counts *n)
{
	printf("  \"summary\": {\"resources_added\": %zu, \"resources_removed\": %zu, "
	       "\"permissions_added\": %zu, \"permissions_removed\": %zu, "
	       "\"default_scopes_changed\": %zu, \"unrouted_changed\": %zu, "
	       "\"routes_added\": %zu, \"routes_removed\": %zu, \"routes_changed\": %zu, "
	       "\"stacks_changed\": %zu, \"principals_added\": %zu, \"principals_removed\": %zu, "
	       "\"access_added\": %zu, \"access_removed\": %zu, "
	       "\"principals_gaining\": %zu, \"principals_losing\": %zu},\n",
	       n->res_added, n->res_removed, n->perm_added, n->perm_removed, n->default_scope,
	       n->unrouted, n->route_added, n->route_removed, n->route_changed, n->stacks,
	       n->princ_added, n->princ_removed, n->access_added, n->access_removed, n->gaining,
	       n->losing);
}

static void human_summary(const struct counts *n)
{
	printf("summary: resources +%zu -%zu, permissions +%zu -%zu, default-scope ~%zu, "
	       "unrouted ~%zu, routes +%zu -%zu ~%zu, stacks ~%zu, principals +%zu -%zu, "
	       "access +%zu -%zu (gained by %zu principal%s, lost by %zu)\n",
	       n->res_added, n->res_removed, n->perm_added, n->perm_removed, n->default_scope,
	       n->unrouted, n->route_added, n->route_removed, n->route_changed, n->stacks,
	       n->princ_added, n->princ_removed, n->access_added, n->access_removed, n->gaining,
	       n->gaining == 1 ? "" : "s", n->losing);
}

static int any_difference(const struct counts *n)
{
	return n->res_added || n->res_removed || n->perm_added || n->perm_removed ||
	       n->default_scope || n->unrouted || n->route_added || n->route_removed ||
	       n->route_changed || n->stacks || n->princ_added || n->princ_removed ||
	       n->access_added || n->access_removed;
}

/* ---- indexing one policy ---- */

static void side_free(struct side *s)
{
	free(s->base);
	free(s->perm_res);
	free(s->rank);
	free(s->other);
	free(s->role_off);
	free(s->role_ids);
	free(s->held_bits);
	free(s->held);
}

/* Number the permissions and list each role's; -1 when out of memory (or
 * past 2^31 permissions, which no policy that loads comes near). */
static int side_init(struct side *s, const writ_policy *p)
{
	size_t r, i, g, total = 0;

	s->p = p;
	s->nres = writ_resource_count(p);
	s->nroles = writ_role_count(p);
	if (!(s->base = malloc((s->nres + 1) * sizeof(*s->base))))
		return -1;
	for (r = 0; r < s->nres; r++) {
		total += writ_resource_permission_count(p, r);
		if (total > PERM_MASK)
			return -1;
		s->base[r + 1] = (uint32_t)total;
	}
	s->base[0] = 0;
	s->nperms = total;
	s->perm_res = malloc((s->nperms + 1) * sizeof(*s->perm_res));
	s->other = malloc((s->nperms + 1) * sizeof(*s->other));
	s->rank = calloc(s->nres + 1, sizeof(*s->rank));
	s->held = malloc((s->nperms + 1) * sizeof(*s->held));
	s->held_bits = calloc(s->nperms / 64 + 1, sizeof(*s->held_bits));
	s->role_off = malloc((s->nroles + 1) * sizeof(*s->role_off));
	if (!s->perm_res || !s->other || !s->rank || !s->held || !s->held_bits || !s->role_off)
		return -1;
	for (r = 0; r < s->nres; r++)
		for (i = s->base[r]; i < s->base[r + 1]; i++)
			s->perm_res[i] = (uint32_t)r;
	for (i = 0; i < s->nperms; i++)
		s->other[i] = NONE;
	for (total = 0, i = 0; i < s->nroles; i++) {
		s->role_off[i] = total;
		total += writ_role_grant_count(p, i);
	}
	s->role_off[s->nroles] = total;
	if (!(s->role_ids = malloc((total + 1) * sizeof(*s->role_ids))))
		return -1;
	for (i = 0; i < s->nroles; i++) {
		for (g = 0; g < s->role_off[i + 1] - s->role_off[i]; g++) {
			size_t res = 0, perm = 0;

			writ_role_grant(p, i, g, &res, &perm);
			s->role_ids[s->role_off[i] + g] = s->base[res] + (uint32_t)perm;
		}
	}
	return 0;
}

/* The principal's holdings: the union of its roles' permissions. */
static void side_hold(struct side *s, enum writ_principal_kind kind, long i)
{
	size_t j, k, nroles = i < 0 ? 0 : writ_principal_role_count(s->p, kind, (size_t)i);

	s->nheld = 0;
	for (j = 0; j < nroles; j++) {
		long role = writ_principal_role(s->p, kind, (size_t)i, j);

		if (role < 0)
			continue;
		for (k = s->role_off[role]; k < s->role_off[role + 1]; k++) {
			uint32_t id = s->role_ids[k];

			if (!bit(s->held_bits, id)) {
				s->held_bits[id >> 6] |= UINT64_C(1) << (id & 63);
				s->held[s->nheld++] = id;
			}
		}
	}
}

/* Every bit set is one of held[], so whole words can be cleared. */
static void side_unhold(struct side *s)
{
	size_t k;

	for (k = 0; k < s->nheld; k++)
		s->held_bits[s->held[k] >> 6] = 0;
}

/* Names and indexes sorted by name: resources by indicator (kind 0) or
 * principals of a kind by id. NULL when out of memory. */
static struct named *sorted_names(const writ_policy *p, int kind, size_t *n)
{
	struct named *v;
	size_t i;

	*n = kind ? writ_principal_count(p, kind) : writ_resource_count(p);
	if (!(v = malloc((*n + 1) * sizeof(*v))))
		return NULL;
	for (i = 0; i < *n; i++) {
		v[i].name = kind ? writ_principal_id(p, kind, i) : writ_resource_indicator(p, i);
		v[i].i = (uint32_t)i;
	}
	qsort(v, *n, sizeof(*v), named_cmp);
	return v;
}

/* ---- resources ---- */

/* Match the resource's permissions by name (setting each side's other[])
 * and list those of one side only. */
static int compare_permissions(struct diff *d, const long r[2], struct res_change *c)
{
	struct named *v[2] = {NULL, NULL};
	size_t n[2] = {0, 0}, i, j, k;
	int rc = -1;

	for (k = OLD; k <= NEW; k++) {
		struct side *s = &d->s[k];

		if (r[k] < 0)
			continue;
		n[k] = s->base[r[k] + 1] - s->base[r[k]];
		v[k] = malloc((n[k] + 1) * sizeof(*v[k]));
		c->perms[k] = malloc((n[k] + 1) * sizeof(*c->perms[k]));
		if (!v[k] || !c->perms[k])
			goto out;
		for (i = 0; i < n[k]; i++) {
			v[k][i].name = writ_resource_permission(s->p, (size_t)r[k], i);
			v[k][i].i = s->base[r[k]] + (uint32_t)i;
		}
		qsort(v[k], n[k], sizeof(*v[k]), named_cmp);
	}
	for (i = 0, j = 0; i < n[OLD] && j < n[NEW];) {
		int cmp = strcmp(v[OLD][i].name, v[NEW][j].name);

		if (cmp == 0) {
			d->s[OLD].other[v[OLD][i].i] = v[NEW][j].i;
			d->s[NEW].other[v[NEW][j].i] = v[OLD][i].i;
		}
		i += cmp <= 0;
		j += cmp >= 0;
	}
	/* Declaration order. */
	for (k = OLD; k <= NEW; k++)
		for (i = 0; i < n[k]; i++)
			if (d->s[k].other[d->s[k].base[r[k]] + i] == NONE)
				c->perms[k][c->nperms[k]++] =
				    writ_resource_permission(d->s[k].p, (size_t)r[k], i);
	d->n.perm_removed += c->nperms[OLD];
	d->n.perm_added += c->nperms[NEW];
	rc = 0;
out:
	free(v[OLD]);
	free(v[NEW]);
	return rc;
}

static void route_split(const char *text, struct route *rt)
{
	const char *s = strncmp(text, "route ", 6) == 0 ? text + 6 : text;
	const char *q = strchr(s, '"'), *e = q ? strchr(q + 1, '"') : NULL;

	rt->shown = s;
	if (!e) {
		/* Not the documented form: the whole line is the route. */
		rt->keylen = strlen(s);
		rt->rule = "";
		return;
	}
	rt->keylen = (size_t)(e + 1 - s);
	rt->rule = e[1] == ' ' ? e + 2 : e + 1;
}

static int compare_routes(struct diff *d, const long r[2], struct res_change *c)
{
	size_t n[2] = {0, 0}, i, j, k;

	for (k = OLD; k <= NEW; k++) {
		if (r[k] < 0)
			continue;
		n[k] = writ_route_count(d->s[k].p, (size_t)r[k]);
		if (!(c->rt[k] = malloc((n[k] + 1) * sizeof(*c->rt[k]))))
			return -1;
		for (i = 0; i < n[k]; i++)
			route_split(writ_route_text(d->s[k].p, (size_t)r[k], i), &c->rt[k][i]);
		qsort(c->rt[k], n[k], sizeof(*c->rt[k]), route_cmp);
	}
	if (!(c->routes = malloc((n[OLD] + n[NEW] + 1) * sizeof(*c->routes))))
		return -1;
	for (i = 0, j = 0; i < n[OLD] || j < n[NEW];) {
		struct route_change *rc = &c->routes[c->nroutes];
		int cmp = i == n[OLD]   ? 1
		          : j == n[NEW] ? -1
		                        : route_cmp(&c->rt[OLD][i], &c->rt[NEW][j]);

		rc->old = cmp <= 0 ? &c->rt[OLD][i++] : NULL;
		rc->new = cmp >= 0 ? &c->rt[NEW][j++] : NULL;
		rc->mark = !rc->new ? '-' : !rc->old ? '+' : '~';
		if (rc->mark == '~' && strcmp(rc->old->rule, rc->new->rule) == 0)
			continue;
		c->nroutes++;
		if (rc->mark == '-')
			d->n.route_removed++;
		else if (rc->mark == '+')
			d->n.route_added++;
		else
			d->n.route_changed++;
	}
	return 0;
}

/* Settings compared only for a resource on both sides. */
static void compare_settings(struct diff *d, const long r[2], struct res_change *c)
{
	const char *o = writ_resource_default_scope(d->s[OLD].p, (size_t)r[OLD]);
	const char *n = writ_resource_default_scope(d->s[NEW].p, (size_t)r[NEW]);
	int uo = writ_route_unrouted_token(d->s[OLD].p, (size_t)r[OLD]);
	int un = writ_route_unrouted_token(d->s[NEW].p, (size_t)r[NEW]);

	if (strcmp(o ? o : "", n ? n : "") != 0) {
		c->scope[OLD] = o ? o : "";
		c->scope[NEW] = n ? n : "";
		d->n.default_scope++;
	}
	if (uo != un) {
		c->unrouted[OLD] = uo;
		c->unrouted[NEW] = un;
		d->n.unrouted++;
	}
}

/* The stacks a resource on both sides runs: an added or removed one has
 * no other side to compare them with. */
static void compare_stacks(struct diff *d, const long r[2], struct res_change *c)
{
	size_t i;

	for (i = 0; i < 2; i++) {
		c->stack_changed[i] = stacks_differ(d, r, res_facilities[i]);
		d->n.stacks += (size_t)c->stack_changed[i];
	}
}

/* One resource, by indicator, on either side or both (r[k] < 0: absent). */
static int compare_resource(struct diff *d, const long r[2])
{
	struct res_change c;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	c.unrouted[OLD] = c.unrouted[NEW] = -1;
	c.indicator = r[NEW] >= 0 ? writ_resource_indicator(d->s[NEW].p, (size_t)r[NEW])
	                          : writ_resource_indicator(d->s[OLD].p, (size_t)r[OLD]);
	c.change = r[OLD] < 0 ? "added" : r[NEW] < 0 ? "removed" : "changed";
	d->n.res_added += r[OLD] < 0;
	d->n.res_removed += r[NEW] < 0;
	if (compare_permissions(d, r, &c) < 0 || compare_routes(d, r, &c) < 0)
		goto out;
	c.r[OLD] = r[OLD];
	c.r[NEW] = r[NEW];
	if (r[OLD] >= 0 && r[NEW] >= 0) {
		compare_settings(d, r, &c);
		compare_stacks(d, r, &c);
	}
	if (r[OLD] < 0 || r[NEW] < 0 || c.nperms[OLD] || c.nperms[NEW] || c.scope[OLD] ||
	    c.unrouted[OLD] >= 0 || c.nroutes || c.stack_changed[0] || c.stack_changed[1]) {
		if (d->json)
			json_resource(d, &c);
		else if (human_resource(d, &c) < 0)
			goto out;
	}
	rc = 0;
out:
	free(c.perms[OLD]);
	free(c.perms[NEW]);
	free(c.rt[OLD]);
	free(c.rt[NEW]);
	free(c.routes);
	return rc;
}

/* Every resource in indicator order, ranking them for the principals. */
static int compare_resources(struct diff *d)
{
	struct named *v[2];
	size_t n[2], i = 0, j = 0;
	uint32_t rank = 0;
	int rc = -1;

	v[OLD] = sorted_names(d->s[OLD].p, 0, &n[OLD]);
	v[NEW] = sorted_names(d->s[NEW].p, 0, &n[NEW]);
	if (!v[OLD] || !v[NEW])
		goto out;
	if (d->json) {
		puts("{");
		json_array_begin(d, "resources");
	}
	while (i < n[OLD] || j < n[NEW]) {
		int cmp = i == n[OLD]   ? 1
		          : j == n[NEW] ? -1
		                        : strcmp(v[OLD][i].name, v[NEW][j].name);
		long r[2] = {cmp <= 0 ? (long)v[OLD][i].i : -1, cmp >= 0 ? (long)v[NEW][j].i : -1};

		if (r[OLD] >= 0)
			d->s[OLD].rank[r[OLD]] = rank;
		if (r[NEW] >= 0)
			d->s[NEW].rank[r[NEW]] = rank;
		rank++;
		if (compare_resource(d, r) < 0)
			goto out;
		i += cmp <= 0;
		j += cmp >= 0;
	}
	if (d->json)
		json_array_end(d);
	rc = 0;
out:
	free(v[OLD]);
	free(v[NEW]);
	return rc;
}

/* The client stack, which is the top-level one whatever the resource:
 * after the resources, before the apps it authenticates. */
static int compare_client(struct diff *d)
{
	static const long top[2] = {-1, -1};
	int changed = stacks_differ(d, top, WRIT_FACILITY_CLIENT);

	d->n.stacks += (size_t)changed;
	if (d->json) {
		fputs("  \"client_stack\": ", stdout);
		if (changed) {
			putchar('{');
			json_stack(d, top, WRIT_FACILITY_CLIENT);
			putchar('}');
		} else {
			fputs("null", stdout);
		}
		fputs(",\n", stdout);
		return 0;
	}
	if (!changed)
		return 0;
	puts("~ stack client:");
	return human_stack_lines(d, top, WRIT_FACILITY_CLIENT);
}

/* ---- principals ---- */

/* One principal, on either side or both (i[k] < 0: absent). */
static void compare_principal(struct diff *d, enum writ_principal_kind kind, const char *id,
                              const long i[2])
{
	struct side *o = &d->s[OLD], *n = &d->s[NEW];
	const char *noun = kind == WRIT_PRINCIPAL_APP ? "app" : "user";
	const char *change = i[OLD] < 0 ? "added" : i[NEW] < 0 ? "removed" : "changed";
	size_t ne = 0, gained, k;

	side_hold(o, kind, i[OLD]);
	side_hold(n, kind, i[NEW]);
	for (k = 0; k < n->nheld; k++) {
		uint32_t p = n->held[k], x = n->other[p];

		if (x == NONE || !bit(o->held_bits, x))
			d->entries[ne++] = (uint64_t)n->rank[n->perm_res[p]] << 32 | ADDED_BIT | p;
	}
	gained = ne;
	for (k = 0; k < o->nheld; k++) {
		uint32_t p = o->held[k], x = o->other[p];

		if (x == NONE || !bit(n->held_bits, x))
			d->entries[ne++] = (uint64_t)o->rank[o->perm_res[p]] << 32 | p;
	}
	side_unhold(o);
	side_unhold(n);
	if (ne == 0 && i[OLD] >= 0 && i[NEW] >= 0)
		return;
	d->n.princ_added += i[OLD] < 0;
	d->n.princ_removed += i[NEW] < 0;
	d->n.access_added += gained;
	d->n.access_removed += ne - gained;
	d->n.gaining += gained > 0;
	d->n.losing += ne > gained;
	qsort(d->entries, ne, sizeof(*d->entries), u64_cmp);
	if (d->json)
		json_principal(d, noun, id, change, ne);
	else
		human_principal(d, noun, id, change, ne);
}

static int compare_kind(struct diff *d, enum writ_principal_kind kind)
{
	struct named *v[2];
	size_t n[2], i = 0, j = 0;
	int rc = -1;

	v[OLD] = sorted_names(d->s[OLD].p, kind, &n[OLD]);
	v[NEW] = sorted_names(d->s[NEW].p, kind, &n[NEW]);
	if (!v[OLD] || !v[NEW])
		goto out;
	while (i < n[OLD] || j < n[NEW]) {
		int cmp = i == n[OLD]   ? 1
		          : j == n[NEW] ? -1
		                        : strcmp(v[OLD][i].name, v[NEW][j].name);
		long p[2] = {cmp <= 0 ? (long)v[OLD][i].i : -1, cmp >= 0 ? (long)v[NEW][j].i : -1};

		compare_principal(d, kind, cmp <= 0 ? v[OLD][i].name : v[NEW][j].name, p);
		i += cmp <= 0;
		j += cmp >= 0;
	}
	rc = 0;
out:
	free(v[OLD]);
	free(v[NEW]);
	return rc;
}

static int compare(struct diff *d)
{
	if (compare_resources(d) < 0 || compare_client(d) < 0)
		return -1;
	d->entries = malloc((d->s[OLD].nperms + d->s[NEW].nperms + 1) * sizeof(*d->entries));
	if (!d->entries)
		return -1;
	if (d->json)
		json_array_begin(d, "principals");
	if (compare_kind(d, WRIT_PRINCIPAL_APP) < 0 || compare_kind(d, WRIT_PRINCIPAL_USER) < 0)
		return -1;
	if (d->json) {
		json_array_end(d);
		json_summary(&d->n);
		printf("  \"differences\": %s,\n  \"new_access\": %s\n}\n",
		       any_difference(&d->n) ? "true" : "false",
		       d->n.access_added ? "true" : "false");
	} else if (any_difference(&d->n)) {
		human_summary(&d->n);
	} else {
		puts("no differences");
	}
	return 0;
}

/* ---- the command ---- */

struct diff_args {
	const char **paths[2];
	size_t npaths[2];
	const char *module_dir;
	int json, fail_on;
};

static int parse(int argc, char **argv, struct diff_args *a)
{
	static const struct option options[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"fail-on", required_argument, NULL, 'F'},
	    {"old", required_argument, NULL, 'o'},
	    {"new", required_argument, NULL, 'n'},
	    {"module-dir", required_argument, NULL, 'M'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	size_t i;
	int c, k, flagged;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:h", options, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "human") != 0 && strcmp(optarg, "json") != 0)
				return cli_usage_error(
				    "diff", "unknown format '%s': use human or json", optarg);
			a->json = strcmp(optarg, "json") == 0;
			break;
		case 'F':
			if (strcmp(optarg, "new-access") == 0)
				a->fail_on |= FAIL_NEW_ACCESS;
			else if (strcmp(optarg, "any-change") == 0)
				a->fail_on |= FAIL_ANY_CHANGE;
			else
				return cli_usage_error("diff",
				                       "unknown --fail-on condition '%s': use "
				                       "new-access or any-change",
				                       optarg);
			break;
		case 'o':
		case 'n':
			if (cli_push(&a->paths[c == 'o' ? OLD : NEW],
			             &a->npaths[c == 'o' ? OLD : NEW], optarg) < 0)
				return -1;
			break;
		case 'M':
			a->module_dir = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case ':':
			return cli_usage_error("diff", "option '%s' needs a value",
			                       argv[optind - 1]);
		default:
			return cli_usage_error("diff", "unknown option '%s'", argv[optind - 1]);
		}
	}
	flagged = a->npaths[OLD] || a->npaths[NEW];
	if (flagged && optind < argc)
		return cli_usage_error(
		    "diff", "give the policies as OLD NEW or with --old and --new, not both");
	if (flagged && !a->npaths[NEW])
		return cli_usage_error("diff", "--old needs --new");
	if (flagged && !a->npaths[OLD])
		return cli_usage_error("diff", "--new needs --old");
	if (!flagged) {
		if (argc - optind > 2)
			return cli_usage_error("diff", "unexpected argument '%s'",
			                       argv[optind + 2]);
		if (argc - optind < 2)
			return cli_usage_error("diff", "give two policies: OLD NEW");
		for (k = OLD; k <= NEW; k++)
			if (cli_push(&a->paths[k], &a->npaths[k], argv[optind + k]) < 0)
				return -1;
	}
	for (k = OLD; k <= NEW; k++)
		for (i = 0; i < a->npaths[k]; i++)
			if (!a->paths[k][i][0])
				return cli_usage_error("diff", "an empty PATH names nothing");
	return 0;
}

/* Load one side, printing its errors as writ lint does. */
static int load(const char *which, const struct diff_args *a, int k, writ_policy **out)
{
	return cli_load_policy_as("diff", which, a->paths[k], a->npaths[k], a->module_dir, out);
}

static int run(int argc, char **argv)
{
	struct diff_args a;
	struct diff d;
	writ_policy *p[2] = {NULL, NULL};
	int status, k;

	memset(&a, 0, sizeof(a));
	memset(&d, 0, sizeof(d));
	status = parse(argc, argv, &a);
	if (status != 0) {
		if (status < 0)
			cli_error("diff", "%s", writ_strerror(WRIT_ENOMEM));
		status = status == 1 ? EXIT_OK : EXIT_USAGE;
		goto out;
	}
	/* Both are loaded, so that one run reports the errors of both. */
	status = load("the old policy", &a, OLD, &p[OLD]);
	if (load("the new policy", &a, NEW, &p[NEW]) != EXIT_OK || status != EXIT_OK) {
		status = EXIT_USAGE;
		goto out;
	}
	d.json = a.json;
	if (side_init(&d.s[OLD], p[OLD]) < 0 || side_init(&d.s[NEW], p[NEW]) < 0 ||
	    compare(&d) < 0) {
		fflush(stdout);
		cli_error("diff", "%s", writ_strerror(WRIT_ENOMEM));
		status = EXIT_USAGE;
		goto out;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("diff", "cannot write the output");
		status = EXIT_USAGE;
		goto out;
	}
	status = EXIT_OK;
	if (((a.fail_on & FAIL_NEW_ACCESS) && d.n.access_added) ||
	    ((a.fail_on & FAIL_ANY_CHANGE) && any_difference(&d.n)))
		status = EXIT_FAIL;
out:
	for (k = OLD; k <= NEW; k++) {
		side_free(&d.s[k]);
		writ_policy_unref(p[k]);
		free(a.paths[k]);
	}
	free(d.entries);
	return status;
}

const struct command cmd_diff = {
    .name = "diff",
    .summary = "compare the effective permissions of two policy versions",
    .usage = usage,
    .run = run,
};
