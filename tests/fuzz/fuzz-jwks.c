/*
 * fuzz-jwks.c: JWKS documents through the key set parser (jwk_set_parse),
 * as a gateway reads a trusted issuer's keys from a file or a URL; every
 * key of a set that loads is looked up by its kid, as a token names it.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jwk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwk_set *set;
	char why[256];
	size_t i;

	set = jwk_set_parse((const char *)data, size, why, sizeof(why));
	if (!set)
		return 0;
	for (i = 0; i < set->nkeys; i++) {
		const struct jwk *k = &set->keys[i];

		if (k->kid && jwk_set_find(set, k->kid, strlen(k->kid)) == NULL)
			abort(); /* a key of the set is not found by its own kid */
	}
	jwk_set_unref(set);
	return 0;
}
