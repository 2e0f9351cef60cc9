/*
 * gen-policy.c: a deterministic policy generator for the benchmarks. It
 * writes one valid writ policy to stdout: an issuer, resources with their
 * permissions and routes, roles for apps and for users, apps and users.
 * The same seed and sizes give the same bytes, on any machine.
 *
 * The shape follows what real policies look like: roles grant a handful
 * to a few dozen permissions on one to three resources, and principals
 * hold one to five roles, the popular roles held by many. Every
 * permission is granted by a role (the roles of a resource share its
 * permissions), every role is held by someone and every permission has a
 * route, so the policy loads without warnings when there are at least as
 * many apps as roles for apps, and users as roles for users. There are
 * at least two roles per resource.
 *
 * Usage: gen-policy [--seed N] [--resources N] [--permissions N]
 *                   [--roles N] [--apps N] [--users N] [--routes N]
 *                   [--lines N]
 * --lines N scales the resources, roles, apps and users of the default
 * shape (5000 resources of 20 permissions, 10,000 roles, 100,000 apps,
 * 20,000 users: about 370,000 lines) to about N lines; options given
 * after it set a count exactly.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct shape {
	uint64_t seed;
	unsigned long resources;
	unsigned long permissions; /* per resource */
	unsigned long roles;
	unsigned long apps;
	unsigned long users;
	unsigned long routes; /* per resource, at most permissions */
};

static const char *const verbs[] = { "read", "write", "list", "delete",
	                             "approve", "export", "import", "admin" };
static const char *const methods[] = { "GET", "POST", "GET", "DELETE",
	                               "POST", "GET", "PUT", "PATCH" };
static const char *const nouns[] = {
	"order",   "invoice", "payment", "refund",   "customer", "account", "ledger",  "report",
	"shipment", "product", "price",  "stock",    "cart",     "coupon",  "review",  "ticket",
	"message", "file",    "user",    "group",    "device",   "session", "webhook", "job",
	"metric",  "alert",   "audit",   "contract", "vendor",   "budget",  "project", "task",
};
enum { NVERBS = sizeof(verbs) / sizeof(verbs[0]), NNOUNS = sizeof(nouns) / sizeof(nouns[0]) };

/* splitmix64: a small, well-mixed generator; its output depends on the
 * seed alone, which is what makes the policy reproducible. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(void)
{
	return (double)(rng_next() >> 11) / 9007199254740992.0;
}

/* Uniform in [0, n). */
static unsigned long rng_below(unsigned long n)
{
	return n ? (unsigned long)(rng_unit() * (double)n) : 0;
}

/* In [0, n), most often near 0: the popular end of a skewed choice. */
static unsigned long rng_skewed(unsigned long n, double power)
{
	unsigned long v;
	double u = rng_unit(), p = u;

	/* u^power for a small integer power, without libm. */
	while (power > 1.5) {
		p *= u;
		power -= 1;
	}
	v = (unsigned long)(p * (double)n);
	return v < n ? v : n - 1;
}

/* Permission i of a resource: verb:noun, with a number once the pairs run out. */
static void permission_name(unsigned long res, unsigned long i, char *buf, size_t size)
{
	unsigned long noun = (i / NVERBS + res) % NNOUNS, round = i / (NVERBS * NNOUNS);

	if (round)
		snprintf(buf, size, "%s:%s%lu", verbs[i % NVERBS], nouns[noun], round);
	else
		snprintf(buf, size, "%s:%s", verbs[i % NVERBS], nouns[noun]);
}

static void indicator(unsigned long res, char *buf, size_t size)
{
	snprintf(buf, size, "https://api%05lu.bench.example/v1", res);
}

static void write_resource(const struct shape *s, unsigned long res)
{
	char ind[64], perm[64], round[24];
	unsigned long i, noun;

	indicator(res, ind, sizeof(ind));
	printf("resource \"%s\" {\n", ind);
	for (i = 0; i < s->permissions; i++) {
		permission_name(res, i, perm, sizeof(perm));
		printf("    permission %s;\n", perm);
	}
	/* Each route requires one permission; its template is unique to it,
	 * and no two templates can match one path. */
	for (i = 0; i < s->routes; i++) {
		permission_name(res, i, perm, sizeof(perm));
		noun = (i / NVERBS + res) % NNOUNS;
		round[0] = 0;
		if (i / (NVERBS * NNOUNS))
			snprintf(round, sizeof(round), "%lu", i / (NVERBS * NNOUNS));
		printf("    route %s \"/%ss%s/{id}/%s\" requires %s;\n", methods[i % NVERBS],
		       nouns[noun], round, verbs[i % NVERBS], perm);
	}
	printf("}\n");
}

/*
 * One grant line on resource res: the permissions i with i % every == share
 * (none when every is 0), then n more drawn at random.
 */
static void write_grant(const struct shape *s, unsigned long res, unsigned long every,
                        unsigned long share, unsigned long n, unsigned char *seen)
{
	char ind[64], perm[64];
	unsigned long i, k, p, held = 0;

	memset(seen, 0, s->permissions);
	for (p = share; every && p < s->permissions; p += every)
		seen[p] = 1, held++;
	if (!held && !n)
		n = 1;
	if (n > s->permissions - held)
		n = s->permissions - held;
	for (i = 0; i < n; i++) {
		/* Draw until unused; n is at most a few dozen of permissions. */
		k = 0;
		do
			p = rng_below(s->permissions);
		while (seen[p] && ++k < 64);
		while (seen[p])
			p = (p + 1) % s->permissions;
		seen[p] = 2;
	}
	printf("    grant ");
	for (p = 0, k = 0; p < s->permissions; p++) {
		if (!seen[p])
			continue;
		permission_name(res, p, perm, sizeof(perm));
		printf("%s%s", k++ ? ", " : "", perm);
	}
	indicator(res, ind, sizeof(ind));
	printf(" on \"%s\";\n", ind);
}

/*
 * Roles alternate between apps and users in proportion to their numbers:
 * role r is for users when it falls on a user's share.
 */
static int role_for_users(const struct shape *s, unsigned long r)
{
	unsigned long total = s->apps + s->users;

	if (!s->users)
		return 0;
	if (!s->apps)
		return 1;
	return (r * s->users) / total != ((r + 1) * s->users) / total;
}

/*
 * Role r works mainly on resource r % resources: the roles of one resource
 * share its permissions between them, so that each is granted and no role
 * holds them all, and each adds a few more. A role in three also works on
 * one or two other resources, with 2 to 30 permissions (mostly few).
 */
static void write_role(const struct shape *s, unsigned long r, unsigned char *seen)
{
	unsigned long res = r % s->resources, nres, i, off[2];
	unsigned long every = s->roles / s->resources + (res < s->roles % s->resources);
	double u;

	printf("role role%05lu for %s {\n", r, role_for_users(s, r) ? "users" : "apps");
	printf("    description \"Works on API %05lu\";\n", res);
	write_grant(s, res, every, r / s->resources, rng_skewed(8, 3), seen);
	u = rng_unit();
	nres = u < 0.7 ? 0 : u < 0.9 ? 1 : 2;
	if (nres > s->resources - 1)
		nres = s->resources - 1;
	/* Distinct other resources, at offsets off[0] < off[1] from res; at
	 * most half of each one's permissions, so that they add to the
	 * primary share without making a role that holds everything. */
	for (i = 0; i < nres; i++) {
		off[i] = 1 + rng_below(s->resources - 1 - i);
		if (i && off[i] >= off[0])
			off[i]++;
		write_grant(s, (res + off[i]) % s->resources, 0, 0,
		            1 + rng_skewed(s->permissions < 60 ? s->permissions / 2 : 29, 3),
		            seen);
	}
	printf("}\n");
}

/* The roles of one kind, as indexes, for principals to draw from. */
struct role_list {
	unsigned long *v;
	unsigned long n;
};

static int role_lists(const struct shape *s, struct role_list *apps, struct role_list *users)
{
	unsigned long r;

	apps->v = calloc(s->roles + 1, sizeof(*apps->v));
	users->v = calloc(s->roles + 1, sizeof(*users->v));
	if (!apps->v || !users->v)
		return -1;
	apps->n = users->n = 0;
	for (r = 0; r < s->roles; r++) {
		if (role_for_users(s, r))
			users->v[users->n++] = r;
		else
			apps->v[apps->n++] = r;
	}
	return 0;
}

/*
 * Principal i holds 1 to 5 distinct roles: the first walks the list so
 * that every role is held, the rest favour the popular ones. No two work
 * mainly on one resource: together they would hold all its permissions.
 */
static void write_principal(const char *kind, const char *prefix, unsigned long i,
                            const struct role_list *roles, unsigned long resources)
{
	unsigned long held[5], n, k, j, r, tries = 0;
	double u;

	if (!roles->n) {
		printf("%s %s%06lu { }\n", kind, prefix, i);
		return;
	}
	u = rng_unit();
	n = u < 0.45 ? 1 : u < 0.7 ? 2 : u < 0.85 ? 3 : u < 0.95 ? 4 : 5;
	if (n > roles->n)
		n = roles->n;
	held[0] = roles->v[i % roles->n];
	for (k = 1; k < n; k++) {
		do {
			/* Popularity rank to role: scattered, so that the
			 * popular roles are not all admin roles. */
			r = roles->v[(rng_skewed(roles->n, 2) * 2654435761u) % roles->n];
			for (j = 0; j < k && held[j] % resources != r % resources; j++)
				;
		} while (j < k && ++tries < 1000);
		if (j < k)
			break;
		held[k] = r;
	}
	n = k;
	printf("%s %s%06lu { roles ", kind, prefix, i);
	for (k = 0; k < n; k++)
		printf("%srole%05lu", k ? ", " : "", held[k]);
	printf("; }\n");
}

/* About how many lines a shape makes (roles average 1.4 grant lines). */
static double shape_lines(const struct shape *s)
{
	return 2 + (double)s->resources * (double)(2 + s->permissions + s->routes) +
	       (double)s->roles * 4.4 + (double)s->apps + (double)s->users;
}

static void scale(struct shape *s, double lines)
{
	double f = lines / shape_lines(s);

#define SCALE(x)                                                      \
	do {                                                          \
		s->x = (unsigned long)((double)s->x * f + 0.5);       \
		if (!s->x)                                            \
			s->x = 1;                                     \
	} while (0)
	SCALE(resources);
	SCALE(roles);
	SCALE(apps);
	SCALE(users);
#undef SCALE
}

static int number(const char *opt, const char *arg, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = arg ? strtoul(arg, &end, 10) : 0;
	if (!arg || errno || end == arg || *end || arg[0] == '-') {
		fprintf(stderr, "gen-policy: %s needs a number\n", opt);
		return -1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct shape *s)
{
	static const char *const opts[] = { "--seed",  "--resources", "--permissions", "--roles",
		                            "--apps",  "--users",     "--routes",      "--lines" };
	unsigned long *slots[] = { NULL,     &s->resources, &s->permissions, &s->roles,
		                   &s->apps, &s->users,     &s->routes,      NULL };
	unsigned long v;
	int i, k, routes_set = 0;

	for (i = 1; i < argc; i += 2) {
		for (k = 0; k < 8 && strcmp(argv[i], opts[k]) != 0; k++)
			;
		if (k == 8) {
			fprintf(stderr, "usage: gen-policy [--seed N] [--resources N] "
			                "[--permissions N] [--roles N] [--apps N] [--users N] "
			                "[--routes N] [--lines N]\n");
			return -1;
		}
		if (number(argv[i], argv[i + 1], &v) != 0)
			return -1;
		if (k == 0)
			s->seed = v;
		else if (k == 7)
			scale(s, (double)v);
		else
			*slots[k] = v;
		routes_set |= k == 6;
	}
	if (!routes_set || s->routes > s->permissions)
		s->routes = s->permissions;
	if (!s->resources || !s->permissions) {
		fprintf(stderr, "gen-policy: a policy needs resources with permissions\n");
		return -1;
	}
	/* Two roles at least share each resource's permissions. */
	if (s->roles < 2 * s->resources)
		s->roles = 2 * s->resources;
	return 0;
}

int main(int argc, char **argv)
{
	struct shape s = { .seed = 1, .resources = 5000, .permissions = 20, .roles = 10000,
		           .apps = 100000, .users = 20000, .routes = 20 };
	static char buf[1 << 16];
	struct role_list app_roles, user_roles;
	unsigned char *seen;
	unsigned long i;

	if (parse_args(argc, argv, &s) != 0)
		return 2;
	setvbuf(stdout, buf, _IOFBF, sizeof(buf));
	seen = malloc(s.permissions);
	if (!seen || role_lists(&s, &app_roles, &user_roles) != 0) {
		fprintf(stderr, "gen-policy: out of memory\n");
		return 2;
	}
	rng_state = s.seed;
	printf("# Generated by bench/gen-policy --seed %" PRIu64 " --resources %lu "
	       "--permissions %lu --roles %lu --apps %lu --users %lu --routes %lu\n",
	       s.seed, s.resources, s.permissions, s.roles, s.apps, s.users, s.routes);
	printf("issuer \"https://auth.bench.example/oidc\" { token-ttl 1h; }\n");
	for (i = 0; i < s.resources; i++)
		write_resource(&s, i);
	for (i = 0; i < s.roles; i++)
		write_role(&s, i, seen);
	for (i = 0; i < s.apps; i++)
		write_principal("app", "app", i, &app_roles, s.resources);
	for (i = 0; i < s.users; i++)
		write_principal("user", "user", i, &user_roles, s.resources);
	free(seen);
	free(app_roles.v);
	free(user_roles.v);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("gen-policy: stdout");
		return 2;
	}
	return 0;
}
