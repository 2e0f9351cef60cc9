/*
 * fuzz-snapshot.c: compiled snapshots (writ compile -o) through the
 * snapshot loader (snapshot_load), and a snapshot that loads asked the
 * questions a server asks of it.
 *
 * The loader maps a file, so each input is written to one private file
 * (mode 0600, in a directory of its own made once), rewritten every run.
 * The loader checks a SHA-256 of the whole file before anything else; it
 * guards against accidents, not attackers, who can recompute it (see
 * snapshot.c). So that mutations reach the checks behind it, the harness
 * recomputes it, and the total size, in any input with a whole header,
 * before loading: those two checks are all it skips. Modules come from a
 * directory that does not exist: only the built-in ones load.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fuzz.h"
#include "snapshot.h"
#include "writ.h"

#define FUZZ_NOW 1795392010.0 /* 2026-11-23T00:00:10Z */
#define HEADER 64          /* the header: magic ... SHA-256 (snapshot.c) */
#define TOTAL_SIZE_AT 24
#define SHA256_AT 32

static char snapshot_dir[256], snapshot_file[300];

static void remove_snapshot(void)
{
	unlink(snapshot_file);
	rmdir(snapshot_dir);
}

static const char *snapshot_path(void)
{
	const char *tmp = getenv("TMPDIR");

	if (snapshot_file[0])
		return snapshot_file;
	snprintf(snapshot_dir, sizeof(snapshot_dir), "%s/writ-fuzz-snapshot-XXXXXX",
	         tmp && tmp[0] ? tmp : P_tmpdir);
	if (!mkdtemp(snapshot_dir))
		fuzz_setup_failed("a private directory for the snapshot file");
	snprintf(snapshot_file, sizeof(snapshot_file), "%s/policy.wdt", snapshot_dir);
	atexit(remove_snapshot);
	return snapshot_file;
}

static void write_input(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t done = 0;
	ssize_t n;

	if (fd < 0)
		fuzz_setup_failed("the snapshot file");
	while (done < size) {
		n = write(fd, data + done, size - done);
		if (n <= 0)
			fuzz_setup_failed("writing the snapshot file");
		done += (size_t)n;
	}
	close(fd);
}

/* data with the total size and checksum the loader expects; free() it. */
static uint8_t *with_checksum(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	uint64_t total = size;

	if (!copy)
		fuzz_setup_failed("out of memory");
	if (size)
		memcpy(copy, data, size);
	if (size >= HEADER) {
		memcpy(copy + TOTAL_SIZE_AT, &total, sizeof(total));
		if (!EVP_Digest(copy + HEADER, size - HEADER, copy + SHA256_AT, NULL, EVP_sha256(),
		                NULL))
			fuzz_setup_failed("SHA-256");
	}
	return copy;
}

static void ask(const writ_policy *p)
{
	struct writ_request req;
	char out[256];
	size_t r, i, n;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.peer = "10.1.2.3";
	req.now = FUZZ_NOW;
	writ_issuer(p);
	for (i = 0; i < writ_issuer_key_count(p); i++)
		writ_issuer_key_kid(p, i);
	for (r = 0; r < writ_resource_count(p) && r < 4; r++) {
		const char *indicator = writ_resource_indicator(p, r);

		for (i = 0; i < writ_route_count(p, r); i++)
			writ_route_text(p, r, i);
		for (i = 0; i < writ_resource_permission_count(p, r); i++)
			writ_resource_permission(p, r, i);
		n = writ_principal_count(p, WRIT_PRINCIPAL_APP);
		for (i = 0; i < n && i < 4; i++)
			writ_grant_request(p, WRIT_PRINCIPAL_APP, writ_principal_id(p, WRIT_PRINCIPAL_APP, i),
			                   indicator, "read:payment write:payment read:order", 37, &req,
			                   NULL, out, sizeof(out), NULL);
		n = writ_principal_count(p, WRIT_PRINCIPAL_USER);
		for (i = 0; i < n && i < 4; i++)
			writ_grant_request(p, WRIT_PRINCIPAL_USER,
			                   writ_principal_id(p, WRIT_PRINCIPAL_USER, i), indicator,
			                   "read:payment write:payment read:order", 37, &req, NULL, out,
			                   sizeof(out), NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = snapshot_path();
	uint8_t *input = with_checksum(data, size);
	writ_diagnostics *diags = writ_diagnostics_new();
	writ_policy *p = NULL;

	write_input(path, input, size);
	free(input);
	if (snapshot_load(path, "/nonexistent", diags, &p) == WRIT_OK) {
		ask(p);
		writ_policy_unref(p);
	}
	writ_diagnostics_free(diags);
	return 0;
}
