/* badabi.c: a module built for another ABI major version: writ refuses it. */
#include "writ_module.h"

static int badabi_decide(const void *state, const writ_context *ctx, char *reason, size_t n)
{
	(void)state;
	(void)ctx;
	(void)reason;
	(void)n;
	return WRIT_MODULE_SUCCESS;
}

const struct writ_module writ_module = {
	.tag = WRIT_MODULE_TAG,
	.abi = (2u << 16) | 0,
	.name = "badabi",
	.facilities = 1u << WRIT_FACILITY_GRANT,
	.decide = badabi_decide,
};
