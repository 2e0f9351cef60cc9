/*
 * replay.c: the main of a harness built without libFuzzer. It feeds every
 * file of tests/fuzz/NAME (the seed corpus) and tests/fuzz/crashes/NAME
 * (reproducers of fixed crashes, which may be absent) to
 * LLVMFuzzerTestOneInput, so that `make check` runs each harness over
 * inputs that once found a bug. Under the sanitizers a finding aborts the
 * run; the test fails as well when the corpus is missing or empty, so a
 * replay that read nothing never passes.
 *
 * FUZZ_HARNESS (the harness's NAME) and SRCDIR are set by Makefile.am.
 * Extra arguments are files or directories to replay instead.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* An input that takes longer than this has hung (a fixed hang come back):
 * the replay fails, naming it, instead of stopping make check. Generous,
 * as valgrind (make check-valgrind) runs these about fifty times slower
 * than libFuzzer's -timeout=10 allows. */
#define INPUT_SECONDS 300

static const char *current;

static void hung(int sig)
{
	static const char msg[] = "replay: this input took longer than the time limit: ";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	(void)!write(2, current, strlen(current));
	(void)!write(2, "\n", 1);
	_exit(1);
}

static unsigned char *read_input(const char *path, size_t *len)
{
	unsigned char *p = NULL, *q;
	size_t cap = 0, n = 0, got;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			q = realloc(p, cap);
			if (!q) {
				free(p);
				fclose(f);
				return NULL;
			}
			p = q;
		}
		got = fread(p + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*len = n;
	return p;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay one file; false when it cannot be read. */
static bool replay_file(const char *path)
{
	size_t len = 0;
	unsigned char *data = read_input(path, &len);

	if (!data) {
		fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno));
		return false;
	}
	current = path;
	alarm(INPUT_SECONDS);
	LLVMFuzzerTestOneInput(data, len);
	alarm(0);
	free(data);
	return true;
}

/* Replay every regular file of dir in name order; *count grows by their
 * number. A missing dir is an error only when required. */
static bool replay_dir(const char *dir, bool required, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, **grown, path[4096];
	size_t n = 0, cap = 0, i;
	bool ok = true;
	struct stat st;

	if (!d) {
		if (!required && errno == ENOENT)
			return true;
		fprintf(stderr, "cannot read %s: %s\n", dir, strerror(errno));
		return false;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(names, cap * sizeof(*names));
			if (!grown) {
				ok = false;
				break;
			}
			names = grown;
		}
		names[n] = strdup(e->d_name);
		if (!names[n]) {
			ok = false;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && ok; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		ok = replay_file(path);
		(*count)++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ok;
}

int main(int argc, char **argv)
{
	char corpus[4096], crashes[4096];
	size_t count = 0, seeds;
	struct stat st;
	int i;

	signal(SIGALRM, hung);
	if (argc > 1) {
		for (i = 1; i < argc; i++) {
			bool ok = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)
			              ? replay_dir(argv[i], true, &count)
			              : (count++, replay_file(argv[i]));
			if (!ok)
				return 1;
		}
		printf("%s: replayed %zu inputs\n", FUZZ_HARNESS, count);
		return 0;
	}
	snprintf(corpus, sizeof(corpus), "%s/tests/fuzz/%s", SRCDIR, FUZZ_HARNESS);
	snprintf(crashes, sizeof(crashes), "%s/tests/fuzz/crashes/%s", SRCDIR, FUZZ_HARNESS);
	if (!replay_dir(corpus, true, &count))
		return 1;
	seeds = count;
	if (seeds == 0) {
		fprintf(stderr, "%s holds no input\n", corpus);
		return 1;
	}
	if (!replay_dir(crashes, false, &count))
		return 1;
	printf("%s: replayed %zu seeds and %zu crash reproducers\n", FUZZ_HARNESS, seeds,
	       count - seeds);
	return 0;
}
