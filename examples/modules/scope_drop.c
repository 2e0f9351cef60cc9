/*
 * scope_drop.c: an example writ module for grant stacks, built like
 * subject_prefix.c against the installed headers only:
 *
 *   cc -shared -fPIC -o scope_drop.so scope_drop.c $(pkg-config --cflags libwrit)
 *
 * It takes the named scopes out of every grant it sees, and always says
 * yes. With the time module in front of it, a change freeze keeps clients
 * from getting write scopes outside office hours:
 *
 *   stack grant {
 *       required rbac;
 *       [success=1 default=ignore] time days=mon-fri hours=09:00-17:00;
 *       optional scope_drop scopes=write:payment,refund:payment;
 *   }
 *
 * A module can narrow a grant, never widen it: writ_module.h has no call
 * that adds a scope.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <writ_module.h>

/* The scope names, NUL-separated, and how many there are. */
struct drop {
	size_t n;
	char names[];
};

static int sd_open(int argc, const char *const *argv, void **state, char *err,
                   size_t errlen, int *bad)
{
	const char *list = argc == 1 && strncmp(argv[0], "scopes=", 7) == 0 ? argv[0] + 7 : NULL;
	struct drop *d;
	size_t i, len;

	if (!list || !*list || list[strlen(list) - 1] == ',' || strstr(list, ",,")) {
		snprintf(err, errlen, "scope_drop takes scopes=SCOPE,...");
		*bad = argc > 0 ? 0 : -1;
		return -1;
	}
	len = strlen(list);
	d = malloc(sizeof(*d) + len + 1);
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(d->names, list, len + 1);
	for (d->n = 1, i = 0; i < len; i++) {
		if (d->names[i] == ',') {
			d->names[i] = '\0';
			d->n++;
		}
	}
	*state = d;
	return 0;
}

static int sd_decide(const void *state, const writ_context *ctx, char *reason, size_t n)
{
	const struct drop *d = state;
	const char *name = d->names;
	size_t i, used = 0;

	for (i = 0; i < d->n; i++, name += strlen(name) + 1) {
		if (!writ_context_scope_granted(ctx, name))
			continue;
		if (writ_context_scope_remove(ctx, name) != WRIT_OK) {
			snprintf(reason, n, "scope_drop serves grant stacks only");
			return WRIT_MODULE_ERROR;
		}
		/* The reason lists what was taken out, as far as it fits. */
		if (n && used < n) {
			int w = snprintf(reason + used, n - used, "%s%s", used ? " " : "took out ", name);
			used += w > 0 ? (size_t)w : 0;
		}
	}
	if (!used)
		snprintf(reason, n, "none of its scopes was granted");
	return WRIT_MODULE_SUCCESS;
}

static void sd_close(void *state)
{
	free(state);
}

const struct writ_module writ_module = {
	.tag = WRIT_MODULE_TAG,
	.abi = WRIT_MODULE_ABI,
	.name = "scope_drop",
	.facilities = 1u << WRIT_FACILITY_GRANT,
	.open = sd_open,
	.decide = sd_decide,
	.close = sd_close,
};
