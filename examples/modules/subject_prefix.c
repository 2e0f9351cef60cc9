/*
 * subject_prefix.c: an example writ module, built outside the library
 * against the installed headers only:
 *
 *   cc -shared -fPIC -o subject_prefix.so subject_prefix.c $(pkg-config --cflags libwrit)
 *
 * Installed as subject_prefix.so in the module directory, it serves access
 * stacks:
 *
 *   stack access {
 *       required scope write:payment;
 *       required subject_prefix prefix=svc-;
 *   }
 *
 * and says yes only when the token's subject starts with the prefix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <writ_module.h>

static int sp_open(int argc, const char *const *argv, void **state, char *err,
                   size_t errlen, int *bad)
{
	if (argc != 1 || strncmp(argv[0], "prefix=", 7) != 0 || !argv[0][7]) {
		snprintf(err, errlen, "subject_prefix takes prefix=TEXT");
		*bad = argc > 0 ? 0 : -1;
		return -1;
	}
	*state = strdup(argv[0] + 7);
	if (!*state) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int sp_decide(const void *state, const writ_context *ctx, char *reason, size_t n)
{
	const char *prefix = state;
	const char *sub = writ_context_principal(ctx, NULL);

	if (!sub) {
		snprintf(reason, n, "the token has no subject");
		return WRIT_MODULE_DENY;
	}
	if (strncmp(sub, prefix, strlen(prefix)) != 0) {
		snprintf(reason, n, "the subject does not start with %s", prefix);
		return WRIT_MODULE_DENY;
	}
	snprintf(reason, n, "the subject starts with %s", prefix);
	return WRIT_MODULE_SUCCESS;
}

static void sp_close(void *state)
{
	free(state);
}

const struct writ_module writ_module = {
	.tag = WRIT_MODULE_TAG,
	.abi = WRIT_MODULE_ABI,
	.name = "subject_prefix",
	.facilities = 1u << WRIT_FACILITY_ACCESS,
	.open = sp_open,
	.decide = sp_decide,
	.close = sp_close,
};
