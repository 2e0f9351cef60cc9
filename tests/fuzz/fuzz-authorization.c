/*
 * fuzz-authorization.c: Authorization header values, read both ways the
 * service reads them: as HTTP Basic client credentials at the token
 * endpoint (form_basic_credentials) and as a Bearer token at the
 * authorization endpoint (bearer_token).
 */
#include <stdlib.h>
#include <string.h>

#include "bearer.h"
#include "form.h"
#include "fuzz.h"
#include "writ.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *header = (const char *)data, *token = NULL;
	char *id = NULL, *secret = NULL, why[256];
	size_t secret_len = 0, token_len = 0;

	if (form_basic_credentials(header, size, &id, &secret, &secret_len, why, sizeof(why)) ==
	    WRIT_OK) {
		if (!id[0] || strlen(secret) != secret_len || secret_len > FORM_MAX_CREDENTIALS)
			abort(); /* form.h: a client id is never empty, a secret holds no NUL */
	} else if (id || secret || secret_len) {
		abort(); /* form.h: on error nothing is returned */
	}
	free(id);
	free(secret);
	if (bearer_token(header, size, &token, &token_len, why, sizeof(why)) == WRIT_OK &&
	    (token_len == 0 || token < header || token + token_len > header + size))
		abort(); /* bearer.h: the token is a non-empty part of the header */
	return 0;
}
