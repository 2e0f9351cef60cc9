/* misnamed.c: a module whose struct calls it something else than its file. */
#include "writ_module.h"

static int misnamed_decide(const void *state, const writ_context *ctx, char *reason, size_t n)
{
	(void)state;
	(void)ctx;
	(void)reason;
	(void)n;
	return WRIT_MODULE_SUCCESS;
}

const struct writ_module writ_module = {
	.tag = WRIT_MODULE_TAG,
	.abi = WRIT_MODULE_ABI,
	.name = "someone-else",
	.facilities = 1u << WRIT_FACILITY_GRANT,
	.decide = misnamed_decide,
};
