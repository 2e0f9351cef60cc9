/*
 * fuzz-policy.c: policy text through the lexer, the parser, the semantic
 * pass and the compiler (writ_policy_load_buffer), every diagnostic
 * rendered, and a compiled policy read back and asked for grants.
 *
 * The buffer is named in a directory that does not exist, so a relative
 * include or key path reaches nothing; the grant stacks get a fixed time
 * and peer, so the `time` and `network` modules answer alike every run.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "writ.h"

#define FUZZ_NOW 1795392000.0 /* 2026-11-23T00:00:00Z */

/* Every permission of resource r, separated by spaces; free() it. */
static char *all_permissions(const writ_policy *p, size_t r, size_t *len)
{
	size_t n = writ_resource_permission_count(p, r), i, used = 0, cap = 1;
	char *s;

	for (i = 0; i < n; i++)
		cap += strlen(writ_resource_permission(p, r, i)) + 1;
	s = malloc(cap);
	if (!s)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *perm = writ_resource_permission(p, r, i);
		size_t l = strlen(perm);

		if (used)
			s[used++] = ' ';
		memcpy(s + used, perm, l);
		used += l;
	}
	s[used] = '\0';
	*len = used;
	return s;
}

static void ask_grants(const writ_policy *p)
{
	static const enum writ_principal_kind kinds[] = { WRIT_PRINCIPAL_APP, WRIT_PRINCIPAL_USER };
	struct writ_request req;
	size_t nres = writ_resource_count(p), r, k, i;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.peer = "10.1.2.3";
	req.now = FUZZ_NOW;
	for (r = 0; r < nres && r < 4; r++) {
		const char *indicator = writ_resource_indicator(p, r);
		size_t len = 0;
		char *scope = all_permissions(p, r, &len), *out;

		if (!scope)
			return;
		out = malloc(len + 1);
		for (k = 0; out && k < 2; k++) {
			size_t n = writ_principal_count(p, kinds[k]);

			for (i = 0; i < n && i < 4; i++)
				writ_grant_request(p, kinds[k], writ_principal_id(p, kinds[k], i),
				                   indicator, scope, len, &req, NULL, out, len + 1, NULL);
		}
		free(out);
		free(scope);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	writ_diagnostics *diags = writ_diagnostics_new();
	writ_policy *p = NULL;
	size_t i;

	if (!diags)
		return 0;
	writ_policy_load_buffer("/nonexistent/fuzz.writ", (const char *)data, size, 0, diags, &p);
	for (i = 0; i < writ_diagnostics_count(diags); i++)
		free(writ_diagnostic_render(diags, i));
	if (p) {
		ask_grants(p);
		writ_policy_unref(p);
	}
	writ_diagnostics_free(diags);
	return 0;
}
