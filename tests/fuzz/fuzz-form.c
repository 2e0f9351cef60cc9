/*
 * fuzz-form.c: token endpoint request bodies through the
 * application/x-www-form-urlencoded parser (form_parse), and the
 * parameters the endpoint reads looked up in what it returns.
 */
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "fuzz.h"
#include "writ.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"grant_type", "client_id", "client_secret", "resource", "scope",
	};
	struct form f;
	char why[256];
	size_t i;
	int count;

	if (form_parse((const char *)data, size, &f, why, sizeof(why)) != WRIT_OK) {
		if (f.count != 0 || f.pairs != NULL)
			abort(); /* form.h: on error the form is empty */
		return 0;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = form_get(&f, names[i], &count);

		if ((v == NULL) != (count == 0))
			abort();
	}
	for (i = 0; i < f.count; i++)
		if (strlen(f.pairs[i].name) != f.pairs[i].name_len ||
		    strlen(f.pairs[i].value) != f.pairs[i].value_len)
			abort(); /* a decoded NUL would cut the string short */
	form_free(&f);
	return 0;
}
