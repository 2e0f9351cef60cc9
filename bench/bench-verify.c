/*
 * bench-verify.c: token validations per second for each algorithm, through
 * the public API exactly as a gateway calls it (writ_verify on a minted
 * token), printed beside `openssl speed`'s raw verify/s for the same
 * algorithm and key size measured by the caller in the same run.
 *
 * Usage: bench-verify SECONDS [OPENSSL_ES256 OPENSSL_RS256 OPENSSL_EDDSA]
 * prints one line per algorithm: alg, writ/s, openssl/s, ratio, verdict.
 * bench-verify --rate SECONDS prints only the rate of the one algorithm
 * named by BENCH_ONLY, for bench/run.sh to compare.
 *
 * A rate is verifications per second of this process's CPU time (user and
 * system), as `openssl speed` divides its count by the CPU time it used
 * (user only; -elapsed would make it wall-clock time): on a machine that
 * other work shares, wall-clock rates of two programs run one after the
 * other measure the other work, not them. The loop runs for SECONDS of
 * wall-clock time, as openssl speed's does.
 *
 * These measure the signature path: the verifier's cache is off. With
 * --cached the same token is verified again and again through the cache
 * (DESIGN §7: >= 1,000,000 validations/s per core), one thread; the line
 * printed puts it beside the uncached rate. --cached --rate prints only
 * the cached rate of the BENCH_ONLY algorithm.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "writ.h"

static const char policy_text[] =
	"issuer \"https://auth.example.com/oidc\" { token-ttl 1h; }\n"
	"resource \"https://payment.example.com/api\" {\n"
	"    permission read:payment \"Read\";\n"
	"    permission write:payment \"Write\";\n"
	"}\n"
	"role checkout for apps { grant write:payment, read:payment on \"https://payment.example.com/api\"; }\n"
	"app cart-service { roles checkout; }\n";

static double now_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double bench_alg(const char *alg, const writ_policy *policy, double seconds,
                        int cached)
{
	char dir[] = "/tmp/writ-bench-XXXXXX", path[64], err[256], jwks[8192];
	writ_signer *signer = NULL;
	writ_keyset *keys = NULL;
	writ_verifier *v = writ_verifier_new();
	writ_token *t = writ_token_new();
	char *token = NULL, *jwk;
	double start, cpu_start, elapsed, rate = -1;
	long n = 0, i;
	size_t len;
	int rc;

	if (!mkdtemp(dir) || !v || !t) {
		fprintf(stderr, "bench-verify: cannot set up: out of memory or /tmp\n");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	if (writ_key_generate(alg, path, err, sizeof(err)) != WRIT_OK ||
	    writ_signer_load(path, NULL, &signer, err, sizeof(err)) != WRIT_OK) {
		fprintf(stderr, "bench-verify: %s: %s\n", alg, err);
		goto out;
	}
	jwk = writ_signer_public_jwk(signer);
	snprintf(jwks, sizeof(jwks), "{\"keys\":[%s]}", jwk ? jwk : "");
	free(jwk);
	if (writ_keyset_load(jwks, strlen(jwks), &keys, err, sizeof(err)) != WRIT_OK ||
	    writ_verifier_set_keys(v, keys) != WRIT_OK ||
	    writ_verifier_set_issuer(v, "https://auth.example.com/oidc") != WRIT_OK ||
	    writ_verifier_set_audience(v, "https://payment.example.com/api") != WRIT_OK ||
	    writ_verifier_set_algorithms(v, alg) != WRIT_OK ||
	    writ_verifier_set_cache(v, cached ? 4096 : 0) != WRIT_OK) {
		fprintf(stderr, "bench-verify: %s: cannot set up the verifier: %s\n", alg, err);
		goto out;
	}
	if ((rc = writ_mint(signer, policy, "cart-service",
	                    "https://payment.example.com/api", "write:payment read:payment",
	                    26, 0, (double)time(NULL), &token)) != WRIT_OK) {
		fprintf(stderr, "bench-verify: %s: cannot mint a token: %s\n", alg, writ_strerror(rc));
		goto out;
	}
	len = strlen(token);
	if (writ_verify(v, token, len, t) != WRIT_OK) {
		fprintf(stderr, "bench-verify: %s: %s\n", alg, writ_token_reason(t));
		goto out;
	}
	start = now_s(CLOCK_MONOTONIC);
	cpu_start = now_s(CLOCK_PROCESS_CPUTIME_ID);
	do {
		for (i = 0; i < 64; i++)
			if (writ_verify(v, token, len, t) != WRIT_OK)
				goto out;
		n += 64;
		elapsed = now_s(CLOCK_MONOTONIC) - start;
	} while (elapsed < seconds);
	rate = (double)n / (now_s(CLOCK_PROCESS_CPUTIME_ID) - cpu_start);
out:
	unlink(path);
	rmdir(dir);
	free(token);
	writ_token_free(t);
	writ_verifier_free(v);
	writ_keyset_unref(keys);
	writ_signer_free(signer);
	return rate;
}

/* --cached: each algorithm's rate through the cache beside its rate
 * without. */
static int cached_table(const char *const *algs, int nalgs, const writ_policy *policy,
                        double seconds, int rate_only)
{
	const char *only = getenv("BENCH_ONLY");
	int i, failed = 0;

	for (i = 0; i < nalgs; i++) {
		double hit, full;

		if (only && strcmp(only, algs[i]) != 0)
			continue;
		hit = bench_alg(algs[i], policy, seconds, 1);
		if (rate_only) {
			printf("%.0f\n", hit);
			failed |= hit < 0;
			continue;
		}
		full = bench_alg(algs[i], policy, seconds, 0);
		if (hit < 0 || full < 0) {
			printf("verify %-6s cached  failed\n", algs[i]);
			failed = 1;
			continue;
		}
		printf("verify %-6s cached %10.0f/s   uncached %10.0f/s   %6.0fx   "
		       "target >= 1000000/s per core   %s\n",
		       algs[i], hit, full, hit / full, hit >= 1e6 ? "pass" : "short");
	}
	return failed;
}

int main(int argc, char **argv)
{
	static const char *const algs[] = { "ES256", "RS256", "EdDSA" };
	writ_policy *policy = NULL;
	int cached = argc > 1 && strcmp(argv[1], "--cached") == 0;
	int rate_only = argc > 1 + cached && strcmp(argv[1 + cached], "--rate") == 0;
	double seconds;
	int i, failed = 0;

	argc -= cached;
	argv += cached;
	seconds = argc > 1 + rate_only ? atof(argv[1 + rate_only]) : 3;

	if (rate_only) {
		argc = 2;
		if (!getenv("BENCH_ONLY")) {
			fprintf(stderr, "bench-verify: --rate needs BENCH_ONLY=ALG\n");
			return 2;
		}
	}

	if (writ_policy_load_buffer("bench.writ", policy_text, strlen(policy_text), 0, NULL,
	                            &policy) != WRIT_OK) {
		fprintf(stderr, "bench-verify: the benchmark policy does not load\n");
		return 2;
	}
	if (cached) {
		failed = cached_table(algs, 3, policy, seconds, rate_only);
		writ_policy_unref(policy);
		return failed;
	}
	for (i = 0; i < 3; i++) {
		const char *only = getenv("BENCH_ONLY"); /* one alg, for profiling */
		double writ;

		if (only && strcmp(only, algs[i]) != 0)
			continue;
		writ = bench_alg(algs[i], policy, seconds, 0);
		if (rate_only) {
			printf("%.0f\n", writ);
			failed = writ < 0;
			continue;
		}
		double peer = argc > 2 + i ? atof(argv[2 + i]) : 0;
		double ratio = peer > 0 ? writ / peer : NAN;
		if (writ < 0) {
			printf("verify %-6s  failed\n", algs[i]);
			failed = 1;
			continue;
		}
		printf("verify %-6s  %10.0f/s   openssl speed %10.0f/s   %5.1f%%   target >= 90%%   %s\n",
		       algs[i], writ, peer, 100 * ratio,
		       isnan(ratio) ? "no peer" : ratio >= 0.9 ? "pass" : "short");
	}
	writ_policy_unref(policy);
	return failed;
}
