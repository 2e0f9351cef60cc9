/*
 * gateway.c: every resource's decision against every issuer a policy
 * trusts (writ.h, "The gateway").
 *
 * Each trusted issuer is a key source (keysource.h): the own issuer's keys
 * as given, a JWKS file read once, or a JWKS URL fetched with libcurl. A
 * URL is fetched again when its Cache-Control max-age runs out (bounded by
 * the trust block's refresh-min and refresh-max; an hour when the answer
 * gives none), and when a token names a kid no source has, at most once per
 * refresh-min. A failed fetch keeps the set there was and is retried after
 * refresh-min. The fetching runs in a thread of the gateway's own
 * (writ_gateway_start) or in the embedder's (writ_gateway_refresh), never
 * in a verification.
 */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jws.h"
#include "keysource.h"
#include "route.h"
#include "table.h"
#include "token_cache.h"
#include "util.h"

enum {
	MAX_JWKS_BYTES = 1024 * 1024,
	FETCH_CONNECT_TIMEOUT = 5,     /* seconds */
	FETCH_TIMEOUT = 10,
	REFRESH_WITHOUT_MAX_AGE = 3600,
};

/* The algorithms a trust block without `algorithms` accepts: DESIGN §5's
 * default list. The own issuer's keys carry their alg. */
#define DEFAULT_ALGS ((1u << JWS_ES256) | (1u << JWS_RS256) | (1u << JWS_EDDSA))
#define ALL_ALGS ((1u << JWS_ALG_COUNT) - 1)

struct gw_issuer {
	struct key_source src;         /* first: the verifier's handle */
	struct writ_gateway *gw;
	const char *url;               /* NULL: not fetched */
	uint32_t refresh_min, refresh_max;
	/* The fetch schedule, in monotonic seconds: under gw->wake_lock. */
	double due, last_attempt;
	atomic_bool wanted;            /* a token named an unknown kid */
	bool fetching;
	char error[256];               /* under src.lock; "" when fine */
	atomic_ulong fetched, failed;
};

struct writ_gateway {
	writ_policy *policy;
	struct gw_issuer *issuers;
	size_t nissuers;
	struct key_source **sources;
	size_t cache_entries;
	bool has_urls;

	pthread_mutex_t verifiers_lock;
	writ_verifier **verifiers;     /* per resource, made on first use */

	pthread_mutex_t wake_lock;
	pthread_cond_t wake;
	bool started, stop;
	pthread_t thread;
};

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A condition variable whose timed waits count on CLOCK_MONOTONIC, the
 * clock of the schedule, which the wall clock's steps do not move. */
static bool monotonic_cond(pthread_cond_t *c)
{
	pthread_condattr_t a;
	bool ok;

	if (pthread_condattr_init(&a) != 0)
		return false;
	ok = pthread_condattr_setclock(&a, CLOCK_MONOTONIC) == 0 && pthread_cond_init(c, &a) == 0;
	pthread_condattr_destroy(&a);
	return ok;
}

/* ---- fetching ---- */

struct fetch {
	struct buf body;
	bool too_big;
	long max_age;                  /* -1: none given */
	bool no_cache;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;

	(void)size; /* always 1 */
	if (f->body.len + n > MAX_JWKS_BYTES) {
		f->too_big = true;
		return 0;
	}
	buf_append(&f->body, p, n);
	return f->body.oom ? 0 : n;
}

/* Cache-Control (RFC 9111 §5.2.2): max-age=N, no-cache, no-store. Other
 * directives are ignored; a malformed max-age counts as none. */
static void parse_cache_control(struct fetch *f, const char *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t start, end;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		start = i;
		while (i < n && v[i] != ',')
			i++;
		end = i;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t' ||
		                       v[end - 1] == '\r' || v[end - 1] == '\n'))
			end--;
		if (end - start >= 8 && strncasecmp(v + start, "max-age=", 8) == 0) {
			long age = 0;
			size_t j = start + 8;

			if (j == end)
				continue;
			for (; j < end && v[j] >= '0' && v[j] <= '9'; j++)
				age = age > 100000000 ? age : age * 10 + (v[j] - '0');
			if (j == end)
				f->max_age = age;
		} else if ((end - start == 8 && strncasecmp(v + start, "no-cache", 8) == 0) ||
		           (end - start == 8 && strncasecmp(v + start, "no-store", 8) == 0)) {
			f->no_cache = true;
		}
	}
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	static const char name[] = "cache-control:";

	(void)size;
	if (n > sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0)
		parse_cache_control(arg, p + sizeof(name) - 1, n - (sizeof(name) - 1));
	return n;
}

/* One GET of the issuer's URL: the new set, or why not. *max_age: seconds
 * the answer may be kept, by its Cache-Control, or -1. */
static writ_keyset *fetch_jwks(const struct gw_issuer *is, long *max_age, char *why,
                               size_t whylen)
{
	struct fetch f;
	char curl_err[CURL_ERROR_SIZE] = "", keyerr[160];
	writ_keyset *keys = NULL;
	CURL *c = curl_easy_init();
	CURLcode rc;
	long status = 0;

	memset(&f, 0, sizeof(f));
	buf_init(&f.body);
	f.max_age = -1;
	if (!c) {
		put_reason(why, whylen, "out of memory");
		return NULL;
	}
	curl_easy_setopt(c, CURLOPT_URL, is->url);
	/* The scheme was checked when the policy was: https, or http on a
	 * loopback host. No redirects: the keys come from the URL the policy
	 * names or from nowhere. */
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)FETCH_CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)FETCH_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE, (long)MAX_JWKS_BYTES);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "writ/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &f);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (f.too_big || rc == CURLE_FILESIZE_EXCEEDED)
		put_reason(why, whylen, "the key set is larger than %d bytes", MAX_JWKS_BYTES);
	else if (f.body.oom)
		put_reason(why, whylen, "out of memory");
	else if (rc != CURLE_OK)
		put_reason(why, whylen, "%s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
	else if (status != 200)
		put_reason(why, whylen, "HTTP status %ld", status);
	else if (writ_keyset_load(f.body.data ? f.body.data : "", f.body.len, &keys, keyerr,
	                          sizeof(keyerr)) != WRIT_OK)
		put_reason(why, whylen, "%s", keyerr);
	buf_free(&f.body);
	*max_age = f.no_cache ? 0 : f.max_age;
	return keys;
}

/* Fetch one issuer's URL now, and set when it is due again. */
static bool refresh_one(struct gw_issuer *is)
{
	char why[sizeof(is->error)] = "";
	long max_age = -1;
	writ_keyset *keys = fetch_jwks(is, &max_age, why, sizeof(why));
	double wait, now = monotonic();

	if (keys) {
		key_source_replace(&is->src, keys);
		atomic_fetch_add(&is->fetched, 1);
		wait = max_age < 0 ? REFRESH_WITHOUT_MAX_AGE : (double)max_age;
		if (wait < is->refresh_min)
			wait = is->refresh_min;
		if (wait > is->refresh_max)
			wait = is->refresh_max;
	} else {
		atomic_fetch_add(&is->failed, 1);
		wait = is->refresh_min;
	}
	pthread_mutex_lock(&is->src.lock);
	snprintf(is->error, sizeof(is->error), "%s", keys ? "" : why);
	pthread_mutex_unlock(&is->src.lock);
	pthread_mutex_lock(&is->gw->wake_lock);
	is->last_attempt = now;
	is->due = now + wait;
	atomic_store(&is->wanted, false);
	pthread_mutex_unlock(&is->gw->wake_lock);
	return keys != NULL;
}

/* When is is due (under wake_lock): its schedule, or sooner when a token
 * wants it and refresh-min has passed since the last attempt. */
static double due_at(const struct gw_issuer *is)
{
	double soon = is->last_attempt + is->refresh_min;

	return atomic_load(&is->wanted) && soon < is->due ? soon : is->due;
}

/* A verification found no key for a token's kid: ask for a fetch. */
static void on_unknown_kid(struct key_source *src)
{
	struct gw_issuer *is = (struct gw_issuer *)src;
	struct writ_gateway *g = is->gw;

	/* Asked already: a flood of made-up kids costs a load each. */
	if (!is->url || atomic_load_explicit(&is->wanted, memory_order_relaxed))
		return;
	pthread_mutex_lock(&g->wake_lock);
	if (!atomic_load(&is->wanted)) {
		atomic_store(&is->wanted, true);
		pthread_cond_signal(&g->wake);
	}
	pthread_mutex_unlock(&g->wake_lock);
}

int writ_gateway_refresh(writ_gateway *g, int force, double *next)
{
	double now, soonest = -1;
	int failures = 0;
	size_t i;

	if (!g)
		return 0;
	for (i = 0; i < g->nissuers; i++) {
		struct gw_issuer *is = &g->issuers[i];
		bool due;

		if (!is->url)
			continue;
		pthread_mutex_lock(&g->wake_lock);
		due = (force || due_at(is) <= monotonic()) && !is->fetching;
		is->fetching = is->fetching || due;
		pthread_mutex_unlock(&g->wake_lock);
		if (due) {
			failures += !refresh_one(is);
			pthread_mutex_lock(&g->wake_lock);
			is->fetching = false;
			pthread_mutex_unlock(&g->wake_lock);
		}
	}
	now = monotonic();
	pthread_mutex_lock(&g->wake_lock);
	for (i = 0; i < g->nissuers; i++)
		if (g->issuers[i].url && (soonest < 0 || due_at(&g->issuers[i]) < soonest))
			soonest = due_at(&g->issuers[i]);
	pthread_mutex_unlock(&g->wake_lock);
	if (next)
		*next = soonest < 0 ? -1 : soonest > now ? soonest - now : 0;
	return failures;
}

static void *refresher(void *arg)
{
	struct writ_gateway *g = arg;
	double next;

	for (;;) {
		struct timespec until;

		writ_gateway_refresh(g, 0, &next);
		pthread_mutex_lock(&g->wake_lock);
		if (!g->stop) {
			double at = monotonic() + (next < 0 ? 3600 : next);

			/* Until the next is due, or woken by a stop or a token
			 * naming an unknown kid; then the schedule is read again. */
			until.tv_sec = (time_t)at;
			until.tv_nsec = (long)((at - (double)until.tv_sec) * 1e9);
			pthread_cond_timedwait(&g->wake, &g->wake_lock, &until);
		}
		if (g->stop) {
			pthread_mutex_unlock(&g->wake_lock);
			return NULL;
		}
		pthread_mutex_unlock(&g->wake_lock);
	}
}

int writ_gateway_start(writ_gateway *g)
{
	int rc;

	if (!g)
		return WRIT_EINVAL;
	if (!g->has_urls || g->started)
		return WRIT_OK;
	rc = pthread_create(&g->thread, NULL, refresher, g);
	if (rc != 0)
		return WRIT_ENOMEM;
	g->started = true;
	return WRIT_OK;
}

/* ---- making and freeing ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static bool curl_ready;

static void curl_setup(void)
{
	curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

static bool init_issuer(struct writ_gateway *g, struct gw_issuer *is, const char *issuer,
                        unsigned algs)
{
	is->gw = g;
	is->src.issuer = issuer;
	is->src.issuer_len = strlen(issuer);
	is->src.algs = algs;
	is->src.unknown_kid = on_unknown_kid;
	atomic_init(&is->src.generation, 0);
	atomic_init(&is->wanted, false);
	atomic_init(&is->fetched, 0);
	atomic_init(&is->failed, 0);
	return pthread_mutex_init(&is->src.lock, NULL) == 0;
}

/* The set the gateway being replaced fetched from the same URL for the
 * same issuer, with its schedule. */
static void take_over(struct gw_issuer *is, const writ_gateway *prev)
{
	size_t i;

	for (i = 0; prev && i < prev->nissuers; i++) {
		struct gw_issuer *p = &prev->issuers[i];

		if (!p->url || strcmp(p->url, is->url) != 0 || strcmp(p->src.issuer, is->src.issuer) != 0)
			continue;
		is->src.keys = key_source_keys(&p->src, NULL);
		pthread_mutex_lock(&p->gw->wake_lock);
		is->due = p->due;
		is->last_attempt = p->last_attempt;
		pthread_mutex_unlock(&p->gw->wake_lock);
		pthread_mutex_lock(&p->src.lock);
		memcpy(is->error, p->error, sizeof(is->error));
		pthread_mutex_unlock(&p->src.lock);
		return;
	}
}

static int add_trust(struct writ_gateway *g, const struct t_trust *tt,
                     const struct writ_gateway_options *o, char *err, size_t errlen)
{
	struct gw_issuer *is = &g->issuers[g->nissuers];
	char why[160];
	int rc;

	if (!init_issuer(g, is, tt->issuer, tt->algs ? tt->algs : DEFAULT_ALGS))
		return WRIT_ENOMEM;
	g->nissuers++;
	if (!tt->url) {
		rc = writ_keyset_load_file(tt->jwks, &is->src.keys, why, sizeof(why));
		if (rc != WRIT_OK)
			put_reason(err, errlen, "trusted issuer %s: %s", tt->issuer, why);
		return rc;
	}
	is->url = tt->jwks;
	is->refresh_min = tt->refresh_min;
	is->refresh_max = tt->refresh_max;
	g->has_urls = true;
	take_over(is, o->previous);
	if (!is->src.keys && !(o->flags & WRIT_GATEWAY_NO_FETCH))
		refresh_one(is);
	return WRIT_OK;
}

int writ_gateway_new(const writ_policy *policy, const struct writ_gateway_options *opt,
                     writ_gateway **out, char *err, size_t errlen)
{
	struct writ_gateway_options o = { sizeof(o), NULL, NULL, 0, 0 };
	struct writ_gateway *g;
	uint32_t i;
	int rc = WRIT_ENOMEM;

	if (!out)
		return WRIT_EINVAL;
	*out = NULL;
	if (!policy || (opt && opt->size < sizeof(size_t))) {
		put_reason(err, errlen, "invalid arguments");
		return WRIT_EINVAL;
	}
	if (opt)
		memcpy(&o, opt, opt->size < sizeof(o) ? opt->size : sizeof(o));
	if (o.own_keys && !policy->issuer) {
		put_reason(err, errlen, "own keys were given, but the policy has no issuer");
		return WRIT_EINVAL;
	}
	if (!o.own_keys && !policy->ntrusts) {
		put_reason(err, errlen, "the policy trusts no issuer: add a trust block naming one and its JWKS");
		return WRIT_EINVAL;
	}
	pthread_once(&curl_once, curl_setup);
	if (!curl_ready) {
		put_reason(err, errlen, "libcurl could not be initialized");
		return WRIT_ENOMEM;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		goto oom;
	pthread_mutex_init(&g->verifiers_lock, NULL);
	pthread_mutex_init(&g->wake_lock, NULL);
	if (!monotonic_cond(&g->wake))
		goto oom;
	g->policy = writ_policy_ref((writ_policy *)(uintptr_t)policy);
	g->cache_entries = o.cache_entries ? o.cache_entries : TOKEN_CACHE_DEFAULT;
	g->issuers = calloc(policy->ntrusts + 1, sizeof(*g->issuers));
	g->sources = calloc(policy->ntrusts + 1, sizeof(*g->sources));
	g->verifiers = calloc(policy->nresources + 1, sizeof(*g->verifiers));
	if (!g->issuers || !g->sources || !g->verifiers)
		goto oom;
	if (o.own_keys) {
		struct gw_issuer *is = &g->issuers[0];

		if (!init_issuer(g, is, policy->issuer, ALL_ALGS))
			goto oom;
		g->nissuers = 1;
		is->src.keys = writ_keyset_ref(o.own_keys);
	}
	for (i = 0; i < policy->ntrusts; i++) {
		/* Whoever holds the own issuer's keys needs no copy of them. */
		if (o.own_keys && strcmp(policy->trusts[i].issuer, policy->issuer) == 0)
			continue;
		if ((rc = add_trust(g, &policy->trusts[i], &o, err, errlen)) != WRIT_OK) {
			writ_gateway_free(g);
			return rc;
		}
	}
	for (i = 0; i < g->nissuers; i++)
		g->sources[i] = &g->issuers[i].src;
	*out = g;
	return WRIT_OK;
oom:
	put_reason(err, errlen, "out of memory");
	writ_gateway_free(g);
	return WRIT_ENOMEM;
}

void writ_gateway_free(writ_gateway *g)
{
	size_t i;

	if (!g)
		return;
	if (g->started) {
		pthread_mutex_lock(&g->wake_lock);
		g->stop = true;
		pthread_cond_signal(&g->wake);
		pthread_mutex_unlock(&g->wake_lock);
		pthread_join(g->thread, NULL);
	}
	if (g->verifiers)
		for (i = 0; i < g->policy->nresources; i++)
			writ_verifier_free(g->verifiers[i]);
	for (i = 0; i < g->nissuers; i++) {
		writ_keyset_unref(g->issuers[i].src.keys);
		pthread_mutex_destroy(&g->issuers[i].src.lock);
	}
	free(g->verifiers);
	free(g->sources);
	free(g->issuers);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->wake_lock);
	pthread_mutex_destroy(&g->verifiers_lock);
	writ_policy_unref(g->policy);
	free(g);
}

/* ---- deciding ---- */

static writ_verifier *make_verifier(writ_gateway *g, size_t r)
{
	writ_verifier *v = writ_verifier_new();

	if (v && (verifier_set_sources(v, g->sources, g->nissuers) != WRIT_OK ||
	          writ_verifier_set_audience(v, g->policy->resources[r].indicator) != WRIT_OK ||
	          writ_verifier_set_cache(v, g->cache_entries) != WRIT_OK)) {
		writ_verifier_free(v);
		v = NULL;
	}
	return v;
}

/* Resource r's verifier: made once, then read without a lock. */
static const writ_verifier *verifier_of(writ_gateway *g, size_t r)
{
	writ_verifier *v = __atomic_load_n(&g->verifiers[r], __ATOMIC_ACQUIRE);

	if (v)
		return v;
	pthread_mutex_lock(&g->verifiers_lock);
	v = g->verifiers[r];
	if (!v && (v = make_verifier(g, r)) != NULL)
		__atomic_store_n(&g->verifiers[r], v, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&g->verifiers_lock);
	return v;
}

int writ_gateway_authorize(writ_gateway *g, const char *resource, const char *method,
                           const char *target, const char *authorization,
                           const struct writ_request *req, writ_decision *d)
{
	const writ_verifier *v = NULL;
	long r;

	if (!g || !d)
		return WRIT_EINVAL;
	r = resource ? writ_resource_find(g->policy, resource) : writ_resource_default(g->policy);
	/* No resource: no verifier; authorize_resource() refuses it, the
	 * decision emptied, as writ_authorize() does. */
	if (r >= 0 && !(v = verifier_of(g, (size_t)r)))
		return WRIT_ENOMEM;
	return authorize_resource(g->policy, v, r, method, target, authorization, req, d);
}

/* ---- state, for logs and metrics ---- */

size_t writ_gateway_issuer_count(const writ_gateway *g)
{
	return g ? g->nissuers : 0;
}

const char *writ_gateway_issuer(const writ_gateway *g, size_t i)
{
	return g && i < g->nissuers ? g->issuers[i].src.issuer : NULL;
}

size_t writ_gateway_issuer_keys(const writ_gateway *g, size_t i)
{
	writ_keyset *k;
	size_t n;

	if (!g || i >= g->nissuers)
		return 0;
	k = key_source_keys(&g->issuers[i].src, NULL);
	n = k ? writ_keyset_count(k) : 0;
	writ_keyset_unref(k);
	return n;
}

const char *writ_gateway_issuer_error(const writ_gateway *g, size_t i, char *buf,
                                      size_t buflen)
{
	struct gw_issuer *is;
	bool any;

	if (!g || i >= g->nissuers || !buf || !buflen)
		return NULL;
	is = &g->issuers[i];
	pthread_mutex_lock(&is->src.lock);
	any = is->error[0] != '\0';
	snprintf(buf, buflen, "%s", is->error);
	pthread_mutex_unlock(&is->src.lock);
	return any ? buf : NULL;
}

void writ_gateway_issuer_fetches(const writ_gateway *g, size_t i, unsigned long *ok,
                                 unsigned long *failed)
{
	if (ok)
		*ok = g && i < g->nissuers ? atomic_load(&g->issuers[i].fetched) : 0;
	if (failed)
		*failed = g && i < g->nissuers ? atomic_load(&g->issuers[i].failed) : 0;
}
