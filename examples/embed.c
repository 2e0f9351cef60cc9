/*
 * embed.c: the smallest issuer-side use of libwrit: load a policy, then ask
 * which scopes a client gets. Build against an installed writ with
 *   cc embed.c $(pkg-config --cflags --libs libwrit)
 * Usage: embed POLICY CLIENT RESOURCE "SCOPES"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <writ.h>

int main(int argc, char **argv)
{
	writ_diagnostics *diags;
	writ_policy *policy;
	char granted[1024];
	int rc;

	if (argc != 5) {
		fprintf(stderr, "usage: %s POLICY CLIENT RESOURCE SCOPES\n", argv[0]);
		return 2;
	}
	diags = writ_diagnostics_new();
	if (!diags)
		return 2;
	rc = writ_policy_load((const char *const *)&argv[1], 1, 0, diags, &policy);
	if (rc != WRIT_OK) {
		for (size_t i = 0; i < writ_diagnostics_count(diags); i++) {
			char *text = writ_diagnostic_render(diags, i);
			if (text)
				fputs(text, stderr);
			free(text);
		}
		fprintf(stderr, "%s: %s\n", argv[1], writ_strerror(rc));
		writ_diagnostics_free(diags);
		return 2;
	}
	writ_diagnostics_free(diags);

	rc = writ_grant(policy, WRIT_PRINCIPAL_APP, argv[2], argv[3], argv[4],
	                strlen(argv[4]), granted, sizeof(granted), NULL);
	if (rc == WRIT_OK)
		printf("%s\n", granted);
	else
		fprintf(stderr, "grant: %s\n", writ_strerror(rc));
	writ_policy_unref(policy);
	return rc == WRIT_OK ? 0 : 1;
}
