/*
 * serve_stats.c: what `writ serve` tells about itself (serve.h): log
 * lines, the Prometheus metrics, and the throttle of addresses that keep
 * failing client authentication.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "serve.h"

double serve_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint32_t serve_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* ---- log lines ---- */

/* One line, one write(): lines from several threads never interleave. */
static void write_line(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* The time of a log line, UTC to the millisecond. */
static void log_stamp(char *stamp, size_t n)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(stamp, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         ts.tv_nsec / 1000000);
}

void serve_log(const char *event, json_t *fields)
{
	char stamp[80];
	json_t *line = json_object();
	char *text;

	log_stamp(stamp, sizeof(stamp));
	if (!line || json_object_set_new(line, "time", json_string(stamp)) != 0 ||
	    json_object_set_new(line, "event", json_string(event)) != 0 ||
	    (fields && json_object_update(line, fields) != 0)) {
		write_line("{\"event\":\"log_failed\"}\n", 22);
		goto out;
	}
	text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII |
	                         JSON_REAL_PRECISION(6));
	if (text) {
		size_t n = strlen(text);
		text[n] = '\n';
		write_line(text, n + 1);
		text[n] = '\0';
	}
	free(text);
out:
	json_decref(line);
	json_decref(fields);
}

/* A line being made by serve_log_fields: false once it does not fit. */
struct line_buf {
	char *s;
	size_t len, size;
	bool ok;
};

static void put(struct line_buf *b, const char *s, size_t n)
{
	if (!b->ok || b->size - b->len <= n) {
		b->ok = false;
		return;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
}

/* A JSON string as serve_log's json_dumps() writes it (JSON_ENSURE_ASCII):
 * '"' and '\' escaped, controls as \b \f \n \r \t or \u00XX. false at a
 * byte above 0x7F, which jansson checks as UTF-8 and writes as \uXXXX:
 * the caller leaves such a line to it. */
static bool put_string(struct line_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	const char *run;

	put(b, "\"", 1);
	for (run = s; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *e = NULL;
		size_t n = 2;

		if (c > 0x7f)
			return false;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(b, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"':
			e = "\\\"";
			break;
		case '\\':
			e = "\\\\";
			break;
		case '\b':
			e = "\\b";
			break;
		case '\f':
			e = "\\f";
			break;
		case '\n':
			e = "\\n";
			break;
		case '\r':
			e = "\\r";
			break;
		case '\t':
			e = "\\t";
			break;
		default:
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			e = esc;
			n = 6;
		}
		put(b, e, n);
	}
	put(b, run, (size_t)(s - run));
	put(b, "\"", 1);
	return true;
}

/* A number as json_dumps() writes a real with JSON_REAL_PRECISION(6):
 * %.6g, ".0" added when that looks like an integer, no '+' or leading
 * zeros in the exponent ("1.5e-5", not "1.5e-05"). */
static void put_real(struct line_buf *b, double v)
{
	char t[64], *e, *digits;
	int n = snprintf(t, sizeof(t) - 2, "%.6g", v);

	if (n < 0 || (size_t)n >= sizeof(t) - 2 || !isfinite(v)) {
		b->ok = false;
		return;
	}
	if (!strchr(t, '.') && !strchr(t, 'e'))
		strcat(t, ".0");
	if ((e = strchr(t, 'e')) != NULL) {
		e++;
		if (*e == '-')
			e++;
		for (digits = e; *digits == '+' || (*digits == '0' && digits[1]); digits++)
			;
		memmove(e, digits, strlen(digits) + 1);
	}
	put(b, t, strlen(t));
}

/* The fields as a jansson object, for serve_log: the way taken when a
 * line cannot be made directly. */
static json_t *fields_object(const struct log_field *f, size_t n)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; o && i < n; i++) {
		json_t *v = f[i].kind == LOG_INT    ? json_integer((json_int_t)f[i].num)
		            : f[i].kind == LOG_REAL ? json_real(f[i].num)
		            : f[i].str              ? json_string(f[i].str)
		                                    : json_null();
		if (json_object_set_new(o, f[i].name, v) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

void serve_log_fields(const char *event, const struct log_field *f, size_t n)
{
	char text[4096], stamp[80], num[32];
	struct line_buf b = { text, 0, sizeof(text), true };
	bool ascii = true;
	size_t i;

	log_stamp(stamp, sizeof(stamp));
	put(&b, "{\"time\":", 8);
	ascii = put_string(&b, stamp);
	put(&b, ",\"event\":", 9);
	ascii = ascii && put_string(&b, event);
	for (i = 0; ascii && b.ok && i < n; i++) {
		put(&b, ",", 1);
		ascii = put_string(&b, f[i].name);
		put(&b, ":", 1);
		if (f[i].kind == LOG_INT) {
			snprintf(num, sizeof(num), "%lld", (long long)f[i].num);
			put(&b, num, strlen(num));
		} else if (f[i].kind == LOG_REAL) {
			put_real(&b, f[i].num);
		} else if (f[i].str) {
			ascii = ascii && put_string(&b, f[i].str);
		} else {
			put(&b, "null", 4);
		}
	}
	put(&b, "}\n", 2);
	if (ascii && b.ok)
		write_line(text, b.len);
	else
		serve_log(event, fields_object(f, n));
}

void serve_logf(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	serve_log("message", json_pack("{s:s}", "message", msg));
}

/* ---- metrics ---- */

static const char *const endpoint_names[EP_COUNT] = {
	[EP_TOKEN] = "token",     [EP_JWKS] = "jwks",       [EP_METADATA] = "metadata",
	[EP_HEALTHZ] = "healthz", [EP_METRICS] = "metrics", [EP_AUTHZ] = "authz",
	[EP_OTHER] = "other",
};

static const char *const outcome_names[OUT_COUNT] = {
	[OUT_OK] = "ok",
	[OUT_INVALID_REQUEST] = "invalid_request",
	[OUT_INVALID_CLIENT] = "invalid_client",
	[OUT_INVALID_TARGET] = "invalid_target",
	[OUT_INVALID_SCOPE] = "invalid_scope",
	[OUT_UNSUPPORTED_GRANT_TYPE] = "unsupported_grant_type",
	[OUT_UNAUTHORIZED_CLIENT] = "unauthorized_client",
	[OUT_TOO_MANY_REQUESTS] = "too_many_requests",
	[OUT_PAYLOAD_TOO_LARGE] = "payload_too_large",
	[OUT_UNSUPPORTED_MEDIA_TYPE] = "unsupported_media_type",
	[OUT_METHOD_NOT_ALLOWED] = "method_not_allowed",
	[OUT_NOT_FOUND] = "not_found",
	[OUT_SERVER_ERROR] = "server_error",
	[OUT_BUSY] = "temporarily_unavailable",
	[OUT_DENIED] = "denied",
};

/* Upper bounds of the latency buckets, in seconds. */
static const double bucket_le[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
};
#define NBUCKETS (sizeof(bucket_le) / sizeof(bucket_le[0]))

/* Tokens issued per (client, resource): bounded by the policies served,
 * with one overflow row if they ever hold more pairs than this. */
#define MAX_ISSUED_ROWS 4096

struct issued_row {
	char *client, *resource;
	unsigned long count;
	struct issued_row *next; /* in its bucket */
};

#define ISSUED_BUCKETS 1024

static struct {
	atomic_ulong requests[EP_COUNT][OUT_COUNT];
	atomic_ulong buckets[NBUCKETS + 1]; /* the last one: +Inf */
	atomic_ulong latency_count;
	atomic_ullong latency_sum_ns;
	atomic_ulong reloads[2]; /* [ok] */
	pthread_mutex_t lock;    /* for issued */
	struct issued_row *issued[ISSUED_BUCKETS];
	size_t nissued;
	unsigned long issued_overflow;
} stats = { .lock = PTHREAD_MUTEX_INITIALIZER };

const char *outcome_name(enum outcome out)
{
	return outcome_names[out];
}

enum outcome outcome_of_error(const char *error)
{
	size_t i;

	if (!error)
		return OUT_OK;
	for (i = 0; i < OUT_COUNT; i++)
		if (strcmp(outcome_names[i], error) == 0)
			return (enum outcome)i;
	return OUT_SERVER_ERROR;
}

void stats_request(enum endpoint ep, enum outcome out)
{
	atomic_fetch_add_explicit(&stats.requests[ep][out], 1, memory_order_relaxed);
}

void stats_token_latency(double seconds)
{
	size_t b = 0;

	while (b < NBUCKETS && seconds > bucket_le[b])
		b++;
	atomic_fetch_add_explicit(&stats.buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&stats.latency_count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&stats.latency_sum_ns, (unsigned long long)llround(seconds * 1e9),
	                          memory_order_relaxed);
}

void stats_reload(bool ok)
{
	atomic_fetch_add_explicit(&stats.reloads[ok], 1, memory_order_relaxed);
}

void stats_issued(const char *client, const char *resource)
{
	struct issued_row **slot, *row;

	pthread_mutex_lock(&stats.lock);
	slot = &stats.issued[(serve_hash(client) ^ serve_hash(resource)) % ISSUED_BUCKETS];
	for (row = *slot; row; row = row->next) {
		if (strcmp(row->client, client) == 0 && strcmp(row->resource, resource) == 0) {
			row->count++;
			goto out;
		}
	}
	row = stats.nissued < MAX_ISSUED_ROWS ? calloc(1, sizeof(*row)) : NULL;
	if (row && (row->client = strdup(client)) && (row->resource = strdup(resource))) {
		row->count = 1;
		row->next = *slot;
		*slot = row;
		stats.nissued++;
		goto out;
	}
	if (row) {
		free(row->client);
		free(row);
	}
	stats.issued_overflow++;
out:
	pthread_mutex_unlock(&stats.lock);
}

/* A label value: backslash, double quote and newline escaped. */
static void put_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static unsigned long get(atomic_ulong *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static void render_requests(FILE *f)
{
	size_t e, o;

	fputs("# HELP writ_http_requests_total HTTP requests answered, by endpoint and outcome.\n"
	      "# TYPE writ_http_requests_total counter\n",
	      f);
	for (e = 0; e < EP_COUNT; e++)
		for (o = 0; o < OUT_COUNT; o++)
			if (get(&stats.requests[e][o]) || (e == EP_TOKEN && o == OUT_OK))
				fprintf(f, "writ_http_requests_total{endpoint=\"%s\",outcome=\"%s\"} %lu\n",
				        endpoint_names[e], outcome_names[o], get(&stats.requests[e][o]));
}

static void render_latency(FILE *f)
{
	unsigned long cum = 0;
	size_t b;

	fputs("# HELP writ_token_request_duration_seconds Time to answer a token request.\n"
	      "# TYPE writ_token_request_duration_seconds histogram\n",
	      f);
	for (b = 0; b < NBUCKETS; b++) {
		cum += get(&stats.buckets[b]);
		fprintf(f, "writ_token_request_duration_seconds_bucket{le=\"%g\"} %lu\n", bucket_le[b],
		        cum);
	}
	cum += get(&stats.buckets[NBUCKETS]);
	fprintf(f, "writ_token_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
	fprintf(f, "writ_token_request_duration_seconds_sum %.9f\n",
	        (double)atomic_load_explicit(&stats.latency_sum_ns, memory_order_relaxed) / 1e9);
	fprintf(f, "writ_token_request_duration_seconds_count %lu\n", get(&stats.latency_count));
}

static void render_issued(FILE *f)
{
	const struct issued_row *row;
	size_t i;

	fputs("# HELP writ_tokens_issued_total Access tokens issued, by client and resource.\n"
	      "# TYPE writ_tokens_issued_total counter\n",
	      f);
	pthread_mutex_lock(&stats.lock);
	for (i = 0; i < ISSUED_BUCKETS; i++) {
		for (row = stats.issued[i]; row; row = row->next) {
			fputs("writ_tokens_issued_total{client=\"", f);
			put_label(f, row->client);
			fputs("\",resource=\"", f);
			put_label(f, row->resource);
			fprintf(f, "\"} %lu\n", row->count);
		}
	}
	if (stats.issued_overflow)
		fprintf(f, "writ_tokens_issued_total{client=\"\",resource=\"\"} %lu\n",
		        stats.issued_overflow);
	pthread_mutex_unlock(&stats.lock);
}

/* The trusted issuers of the state serving now: keys held, and fetches of
 * JWKS URLs (counted per load: a reload starts them again). */
static void render_trust(FILE *f)
{
	struct served *s = served_current();
	unsigned long ok, failed;
	size_t i, n;

	if (!s)
		return;
	n = writ_gateway_issuer_count(s->gateway);
	fputs("# HELP writ_trusted_issuer_keys Keys in each trusted issuer's current set.\n"
	      "# TYPE writ_trusted_issuer_keys gauge\n",
	      f);
	for (i = 0; i < n; i++) {
		fputs("writ_trusted_issuer_keys{issuer=\"", f);
		put_label(f, writ_gateway_issuer(s->gateway, i));
		fprintf(f, "\"} %zu\n", writ_gateway_issuer_keys(s->gateway, i));
	}
	fputs("# HELP writ_jwks_fetches_total Fetches of trusted issuers' JWKS URLs since the last load, by outcome.\n"
	      "# TYPE writ_jwks_fetches_total counter\n",
	      f);
	for (i = 0; i < n; i++) {
		writ_gateway_issuer_fetches(s->gateway, i, &ok, &failed);
		fputs("writ_jwks_fetches_total{issuer=\"", f);
		put_label(f, writ_gateway_issuer(s->gateway, i));
		fprintf(f, "\",outcome=\"ok\"} %lu\n", ok);
		fputs("writ_jwks_fetches_total{issuer=\"", f);
		put_label(f, writ_gateway_issuer(s->gateway, i));
		fprintf(f, "\",outcome=\"failed\"} %lu\n", failed);
	}
	served_put(s);
}

char *stats_render(size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		return NULL;
	render_requests(f);
	render_latency(f);
	render_issued(f);
	render_trust(f);
	fputs("# HELP writ_policy_reloads_total Reloads of the policy and keys, by outcome.\n"
	      "# TYPE writ_policy_reloads_total counter\n",
	      f);
	fprintf(f, "writ_policy_reloads_total{outcome=\"ok\"} %lu\n", get(&stats.reloads[1]));
	fprintf(f, "writ_policy_reloads_total{outcome=\"failed\"} %lu\n", get(&stats.reloads[0]));
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

void stats_cleanup(void)
{
	struct issued_row *row;
	size_t i;

	for (i = 0; i < ISSUED_BUCKETS; i++) {
		while ((row = stats.issued[i]) != NULL) {
			stats.issued[i] = row->next;
			free(row->client);
			free(row->resource);
			free(row);
		}
	}
	stats.nissued = 0;
}

/* ---- the throttle ---- */

/*
 * Failed client authentications are counted per address in fixed windows.
 * The table is a fixed set of 4-way buckets: when a bucket is full of
 * addresses still in their windows, the one whose window started first
 * gives way, so the table never grows and a flood of addresses can at
 * worst make the throttle forget some of them.
 */
#define THROTTLE_BUCKETS 1024
#define THROTTLE_WAYS    4

struct throttle_entry {
	char addr[48];
	double start;
	unsigned failures;
};

static struct {
	pthread_mutex_t lock;
	unsigned max_failures, window;
	struct throttle_entry e[THROTTLE_BUCKETS][THROTTLE_WAYS];
} throttle = { .lock = PTHREAD_MUTEX_INITIALIZER, .max_failures = 10, .window = 60 };

void throttle_configure(unsigned max_failures, unsigned window)
{
	throttle.max_failures = max_failures;
	throttle.window = window;
}

static struct throttle_entry *bucket_of(const char *addr)
{
	return throttle.e[serve_hash(addr) % THROTTLE_BUCKETS];
}

/* The entry of addr, or NULL. Called with the lock held. */
static struct throttle_entry *find(const char *addr)
{
	struct throttle_entry *b = bucket_of(addr);
	int i;

	for (i = 0; i < THROTTLE_WAYS; i++)
		if (b[i].addr[0] && strcmp(b[i].addr, addr) == 0)
			return &b[i];
	return NULL;
}

unsigned throttle_wait(const char *addr, double now)
{
	struct throttle_entry *t;
	unsigned wait = 0;

	if (!throttle.max_failures || !addr)
		return 0;
	pthread_mutex_lock(&throttle.lock);
	t = find(addr);
	if (t && t->failures >= throttle.max_failures) {
		double left = t->start + throttle.window - now;
		if (left > 0)
			wait = (unsigned)ceil(left);
	}
	pthread_mutex_unlock(&throttle.lock);
	return wait;
}

void throttle_failure(const char *addr, double now)
{
	struct throttle_entry *t, *b;
	int i;

	if (!throttle.max_failures || !addr || strlen(addr) >= sizeof(t->addr))
		return;
	pthread_mutex_lock(&throttle.lock);
	t = find(addr);
	if (!t) {
		b = bucket_of(addr);
		t = &b[0];
		for (i = 0; i < THROTTLE_WAYS; i++) {
			if (!b[i].addr[0] || now - b[i].start >= throttle.window) {
				t = &b[i];
				break;
			}
			if (b[i].start < t->start)
				t = &b[i];
		}
		strcpy(t->addr, addr);
		t->failures = 0;
		t->start = now;
	}
	if (now - t->start >= throttle.window) {
		t->failures = 0;
		t->start = now;
	}
	t->failures++;
	pthread_mutex_unlock(&throttle.lock);
}
