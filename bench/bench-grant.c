/*
 * bench-grant.c: what a stack costs a grant decision. The same question
 * (an app asking for two scopes, one held) is answered with the built-in
 * default stack (rbac alone) and with a stack of four built-in modules,
 * in the same run; the difference is the stack's cost per decision.
 * Target (issue: PAM-style stacks): at most 50 ns added.
 *
 * Usage: bench-grant [ROUNDS]. Prints ns per decision for each, the median
 * of ROUNDS alternating rounds of 100000 decisions, and the median of the
 * paired differences.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "writ.h"

static const char base[] =
	"issuer \"https://auth.example.com/oidc\" { }\n"
	"resource \"https://payment.example.com/api\" {\n"
	"    permission read:payment; permission write:payment;\n"
	"}\n"
	"role checkout for apps { grant write:payment on \"https://payment.example.com/api\"; }\n"
	"app cart-service { roles checkout; }\n";

static const char stacked[] =
	"stack grant {\n"
	"    required rbac;\n"
	"    requisite network allow=10.0.0.0/8,127.0.0.0/8;\n"
	"    optional time days=mon-sun hours=00:00-24:00 tz=UTC;\n"
	"    required permit;\n"
	"}\n";

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ns per decision over one batch. */
static double batch(const writ_policy *p, const struct writ_request *req)
{
	static const char scope[] = "write:payment read:payment";
	enum { N = 100000 };
	char out[64];
	double t0 = now_ns();
	int i;

	for (i = 0; i < N; i++)
		if (writ_grant_request(p, WRIT_PRINCIPAL_APP, "cart-service",
		                       "https://payment.example.com/api", scope, sizeof(scope) - 1,
		                       req, NULL, out, sizeof(out), NULL) != WRIT_OK ||
		    strcmp(out, "write:payment") != 0) {
			fprintf(stderr, "bench-grant: wrong answer \"%s\"\n", out);
			exit(1);
		}
	return (now_ns() - t0) / N;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 21;
	struct writ_request req = { .size = sizeof(req), .peer = "10.1.2.3", .now = 1795392000 };
	char both[sizeof(base) + sizeof(stacked)];
	writ_policy *plain = NULL, *four = NULL;
	double *plain_ns, *four_ns, *diff;
	int r;

	if (rounds < 1)
		rounds = 1;
	snprintf(both, sizeof(both), "%s%s", base, stacked);
	if (writ_policy_load_buffer("plain.writ", base, strlen(base), 0, NULL, &plain) != WRIT_OK ||
	    writ_policy_load_buffer("stack.writ", both, strlen(both), 0, NULL, &four) != WRIT_OK) {
		fprintf(stderr, "bench-grant: the benchmark policies do not load\n");
		return 2;
	}
	plain_ns = calloc((size_t)rounds, sizeof(double));
	four_ns = calloc((size_t)rounds, sizeof(double));
	diff = calloc((size_t)rounds, sizeof(double));
	if (!plain_ns || !four_ns || !diff)
		return 2;
	/* Alternate the two, so that a burst of load on a shared machine
	 * falls on both; the cost is the median of the paired differences. */
	for (r = 0; r < rounds; r++) {
		plain_ns[r] = batch(plain, &req);
		four_ns[r] = batch(four, &req);
		diff[r] = four_ns[r] - plain_ns[r];
	}
	printf("grant, default stack (rbac)      %8.1f ns\n", median(plain_ns, rounds));
	printf("grant, stack of 4 modules        %8.1f ns\n", median(four_ns, rounds));
	printf("stack of 4 modules adds          %8.1f ns   (median of %d paired rounds)   target <= 50 ns   %s\n",
	       median(diff, rounds), rounds, median(diff, rounds) <= 50 ? "pass" : "short");
	free(plain_ns);
	free(four_ns);
	free(diff);
	writ_policy_unref(plain);
	writ_policy_unref(four);
	return 0;
}
