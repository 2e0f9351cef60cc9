/*
 * bench-sign.c: the raw rate at which writ mints tokens with one signing
 * key, without HTTP: writ_mint() (grant, claims, ES256 signature) in a loop
 * on every core, one thread each. bench/run.sh prints it beside the token
 * endpoint's rate measured with wrk against `writ serve` on the same key
 * and policy, and beside `openssl speed`'s sign/s, so that the row shows
 * how much of the endpoint's cost is signing and how much is the rest.
 *
 * Usage: bench-sign [--rate] SECONDS KEY.pem POLICY...
 * prints tokens minted per second over all threads; with --rate only that
 * number and the number of threads, for bench/run.sh to parse.
 * Public API only (writ.h), exactly as an embedder calls it.
 */
#define _GNU_SOURCE /* sched_getaffinity: the cores we may run on, as nproc */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "writ.h"

/* The seed request of the token endpoint (policies/payment.writ). */
#define CLIENT   "cart-service"
#define RESOURCE "https://payment.example.com/api"
#define SCOPE    "write:payment"

struct worker {
	pthread_t thread;
	const writ_signer *signer;
	const writ_policy *policy;
	pthread_barrier_t *start;
	double seconds;
	long minted;
	double elapsed;
	int rc;
};

static double now_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cores(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

static void *mint_loop(void *arg)
{
	struct worker *w = arg;
	double start, elapsed;
	char *token;
	int i;

	pthread_barrier_wait(w->start);
	start = now_s(CLOCK_MONOTONIC);
	do {
		for (i = 0; i < 16; i++) {
			w->rc = writ_mint(w->signer, w->policy, CLIENT, RESOURCE, SCOPE,
			                  strlen(SCOPE), 0, now_s(CLOCK_REALTIME), &token);
			if (w->rc != WRIT_OK)
				return NULL;
			free(token);
		}
		w->minted += 16;
		elapsed = now_s(CLOCK_MONOTONIC) - start;
	} while (elapsed < w->seconds);
	w->elapsed = elapsed;
	return NULL;
}

/* Tokens per second over n threads, or -1 when one of them fails. */
static double mint_rate(const writ_signer *signer, const writ_policy *policy, int n, double seconds)
{
	struct worker *w = calloc((size_t)n, sizeof(*w));
	pthread_barrier_t start;
	double rate = 0;
	int i, started = 0;

	if (!w || pthread_barrier_init(&start, NULL, (unsigned)n) != 0) {
		free(w);
		return -1;
	}
	for (i = 0; i < n; i++) {
		w[i] = (struct worker){
		    .signer = signer, .policy = policy, .start = &start, .seconds = seconds};
		if (pthread_create(&w[i].thread, NULL, mint_loop, &w[i]) != 0)
			break;
		started++;
	}
	if (started < n) {
		/* The started ones wait at the barrier for ever: nothing to join. */
		fprintf(stderr, "bench-sign: cannot start %d threads\n", n);
		exit(2);
	}
	for (i = 0; i < n; i++) {
		pthread_join(w[i].thread, NULL);
		if (w[i].rc != WRIT_OK) {
			fprintf(stderr, "bench-sign: writ_mint: %s\n", writ_strerror(w[i].rc));
			rate = -1;
		} else if (rate >= 0) {
			rate += (double)w[i].minted / w[i].elapsed;
		}
	}
	pthread_barrier_destroy(&start);
	free(w);
	return rate;
}

int main(int argc, char **argv)
{
	int rate_only = argc > 1 && strcmp(argv[1], "--rate") == 0;
	int a = 1 + rate_only, threads = cores();
	writ_diagnostics *diags = writ_diagnostics_new();
	writ_policy *policy = NULL;
	writ_signer *signer = NULL;
	char err[256];
	double seconds, rate = -1;

	if (argc < a + 3) {
		fprintf(stderr, "usage: bench-sign [--rate] SECONDS KEY.pem POLICY...\n");
		return 2;
	}
	seconds = atof(argv[a]);
	if (writ_signer_load(argv[a + 1], NULL, &signer, err, sizeof(err)) != WRIT_OK) {
		fprintf(stderr, "bench-sign: %s: %s\n", argv[a + 1], err);
		goto out;
	}
	if (writ_policy_load((const char *const *)argv + a + 2, (size_t)(argc - a - 2), 0, diags,
	                     &policy) != WRIT_OK) {
		for (size_t i = 0; i < writ_diagnostics_count(diags); i++) {
			char *text = writ_diagnostic_render(diags, i);

			fputs(text ? text : "bench-sign: a diagnostic\n", stderr);
			free(text);
		}
		fprintf(stderr, "bench-sign: the policy does not load\n");
		goto out;
	}
	rate = mint_rate(signer, policy, threads, seconds);
	if (rate < 0)
		goto out;
	if (rate_only)
		printf("%.0f %d\n", rate, threads);
	else
		printf("writ_mint %s  %10.0f tokens/s on %d threads\n", writ_signer_alg(signer),
		       rate, threads);
out:
	writ_policy_unref(policy);
	writ_signer_free(signer);
	writ_diagnostics_free(diags);
	return rate < 0;
}
