/*
 * bench-compile.c: what loading a policy costs, in a process of its own so
 * that its peak memory is the load's. Loads FILE (reading, parsing, the
 * semantic checks and the compilation into the decision table, as
 * writ_policy_load does for every embedder), then prints the wall time in
 * seconds and the process's peak resident memory in KiB (getrusage's
 * ru_maxrss, which counts the file's bytes and the program as well).
 *
 * Usage: bench-compile FILE
 */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "writ.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : NULL;
	writ_policy *policy = NULL;
	struct rusage ru;
	double t0, t;
	int rc;

	if (!path || argc > 2) {
		fprintf(stderr, "usage: bench-compile FILE\n");
		return 2;
	}
	t0 = now_s();
	rc = writ_policy_load(&path, 1, 0, NULL, &policy);
	t = now_s() - t0;
	if (rc != WRIT_OK) {
		fprintf(stderr, "bench-compile: %s: %s (see writ lint)\n", path, writ_strerror(rc));
		return 1;
	}
	if (getrusage(RUSAGE_SELF, &ru) != 0) {
		perror("bench-compile: getrusage");
		return 1;
	}
	printf("%.6f %ld\n", t, ru.ru_maxrss);
	writ_policy_unref(policy);
	return 0;
}
