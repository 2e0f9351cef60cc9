/*
 * result.c: a test module that returns what its argument says, so that
 * tests can drive every control with every result: `result success`,
 * `result deny`, `result ignore`, `result error`, or `result 17` for a
 * value no module may return (writ must treat it as bad).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ_module.h"

static int result_open(int argc, const char *const *argv, void **state, char *err,
                       size_t errlen, int *bad)
{
	static const char *const names[] = { "success", "deny", "ignore", "error" };
	int *value, i;
	char *end;
	long n;

	if (argc != 1) {
		snprintf(err, errlen, "result takes one argument: success, deny, ignore, error or a number");
		return -1;
	}
	value = malloc(sizeof(*value));
	if (!value)
		return -1;
	for (i = 0; i < 4; i++) {
		if (strcmp(argv[0], names[i]) == 0) {
			*value = i;
			*state = value;
			return 0;
		}
	}
	n = strtol(argv[0], &end, 10);
	if (*end || end == argv[0]) {
		snprintf(err, errlen, "\"%s\" is no result", argv[0]);
		*bad = 0;
		free(value);
		return -1;
	}
	*value = (int)n;
	*state = value;
	return 0;
}

static int result_decide(const void *state, const writ_context *ctx, char *reason, size_t n)
{
	(void)ctx;
	snprintf(reason, n, "told to");
	return *(const int *)state;
}

static void result_close(void *state)
{
	free(state);
}

const struct writ_module writ_module = {
	.tag = WRIT_MODULE_TAG,
	.abi = WRIT_MODULE_ABI,
	.name = "result",
	.facilities = (1u << WRIT_FACILITY_CLIENT) | (1u << WRIT_FACILITY_GRANT) |
	              (1u << WRIT_FACILITY_ACCESS),
	.open = result_open,
	.decide = result_decide,
	.close = result_close,
};
