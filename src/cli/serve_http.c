/*
 * serve_http.c: the HTTP side of `writ serve` (serve.h), on GNU
 * libmicrohttpd: an internal pool of threads, one per core, each with its
 * own epoll set. Routes, methods, content type and body size are checked
 * here; the token request itself is decided by writ_token_endpoint(), a
 * gateway's question (/authz, --authz-prefix) by writ_gateway_authorize().
 *
 * Paths are read as they came, never percent-decoded by libmicrohttpd: a
 * decoded "/a%2Fb" would be "/a/b", and the decisions of /authz must see
 * the escapes to refuse them (path.h). writ's own paths are plain ASCII,
 * so "/oidc%2Ftoken" is no path of writ's: 404.
 */
#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "serve.h"

/* The largest token request body (RFC 6749 requests are a few hundred
 * bytes); more is answered 413. */
#define MAX_BODY 16384

/* A chunked body over MAX_BODY is read on, so that it can be answered 413,
 * up to this much more; then the connection is closed. */
#define MAX_DISCARD (4 * MAX_BODY)

/* The most Authorization headers looked at: two already mean refusal. */
#define MAX_AUTH_HEADERS 2

/* The longest ?resource= of /authz, decoded (an indicator is a URI). */
#define MAX_RESOURCE 2048

/* One daemon per thread, each with its own listening socket on the same
 * port (SO_REUSEPORT): the kernel spreads new connections over them. One
 * daemon with a pool of threads sharing one socket lets whichever thread
 * wakes first take a whole burst of connections, and with keep-alive
 * clients one core then does all the work. */
static struct MHD_Daemon **daemons;
static size_t ndaemons;
/* Requests begun and not yet completed: what a stop waits for (an idle
 * keep-alive connection is not worth waiting for). */
static atomic_uint in_flight;

/* --authz-prefix (NULL: none) and its length; --authz-resource (NULL: the
 * policy's default). Set before the daemons start, read-only after. */
static const char *authz_prefix;
static size_t authz_prefix_len;
static const char *authz_resource;

/* One request's state between libmicrohttpd's calls, made when its
 * request line is read (request_begin). */
struct request {
	bool prefixed; /* under --authz-prefix */
	enum endpoint ep;
	struct timespec start;
	struct served *served;
	struct MHD_Connection *conn;
	char peer[INET6_ADDRSTRLEN];
	char *body;
	size_t len;       /* of the body (kept for the token endpoint only) */
	size_t discarded; /* bytes read past MAX_BODY: 413 once it ends */
	/* The token request, once its headers and body are in. */
	char *auth[MAX_AUTH_HEADERS];
	size_t nauth;
	writ_reply *reply;
	int rc;       /* writ_token_endpoint()'s, once decided */
	bool decided;
	struct request *next; /* in the slow queue */
	char target[];        /* the request-target as it came, query included */
};

/*
 * Token requests whose client secret is not yet proven need a slow hash
 * (scrypt, a tenth of a second). The HTTP threads do not wait for it: they
 * suspend the connection and queue the request here, for threads of its
 * own, and go on serving the clients whose secrets are proven. A full queue
 * is answered 503 at once.
 */
#define SLOW_QUEUE_MAX 256

static struct {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	struct request *head, *tail;
	size_t queued; /* including reserved places */
	bool stop;
	pthread_t *threads;
	size_t nthreads;
} slow = { .lock = PTHREAD_MUTEX_INITIALIZER, .ready = PTHREAD_COND_INITIALIZER };

static double elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void addr_text(const struct sockaddr *sa, char *out, size_t n)
{
	out[0] = '\0';
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
		          (socklen_t)n);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
		          (socklen_t)n);
}

static void peer_text(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	addr_text(ci ? ci->client_addr : NULL, out, n);
}

/* ---- connections: the limits over every daemon ---- */

struct addr_count {
	char addr[INET6_ADDRSTRLEN];
	unsigned n;
	struct addr_count *next;
};

#define ADDR_BUCKETS 4096

/*
 * The request deadline (--request-timeout). libmicrohttpd's timeout counts
 * from a connection's last activity, so a client that sends a byte a
 * second is never idle and holds its connection for ever. Every open
 * connection is listed with the time by which its request must be in
 * (0 while it is being answered); a thread of its own looks at the list
 * each second and shuts down the sockets whose time has passed, and
 * libmicrohttpd, reading their end, closes them.
 */
struct open_conn {
	int fd;
	atomic_llong deadline_ms; /* CLOCK_MONOTONIC; 0: none */
	char peer[INET6_ADDRSTRLEN];
	struct open_conn *prev, *next;
};

static struct {
	pthread_mutex_t lock;
	unsigned total, max_total, max_per_address;
	struct addr_count *bucket[ADDR_BUCKETS];
	/* The connections open now, each removed before its socket is
	 * closed: a socket listed is never another's. */
	struct open_conn *open;
	unsigned request_timeout;
	pthread_cond_t wake;
	pthread_t sweeper;
	bool sweeping, stop;
} conns = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static long long monotonic_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The connection's request must be in within --request-timeout from now. */
static void deadline_start(struct open_conn *oc)
{
	if (oc)
		atomic_store(&oc->deadline_ms,
		             monotonic_ms() + (long long)conns.request_timeout * 1000);
}

/* The request is in: no deadline while it is answered. */
static void deadline_clear(struct open_conn *oc)
{
	if (oc)
		atomic_store(&oc->deadline_ms, 0);
}

static struct open_conn *open_conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void *sweep(void *arg)
{
	struct timespec until;
	struct open_conn *oc;
	struct log_field peer = { "peer", LOG_STR, NULL, 0 };
	long long now, d;

	(void)arg;
	pthread_mutex_lock(&conns.lock);
	while (!conns.stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&conns.wake, &conns.lock, &until);
		now = monotonic_ms();
		for (oc = conns.open; oc; oc = oc->next) {
			d = atomic_load(&oc->deadline_ms);
			if (d == 0 || now < d)
				continue;
			atomic_store(&oc->deadline_ms, 0); /* once */
			shutdown(oc->fd, SHUT_RDWR);
			peer.str = oc->peer;
			serve_log_fields("request_timeout", &peer, 1);
		}
	}
	pthread_mutex_unlock(&conns.lock);
	return NULL;
}

static struct addr_count **addr_slot(const char *addr)
{
	struct addr_count **p;

	for (p = &conns.bucket[serve_hash(addr) % ADDR_BUCKETS]; *p; p = &(*p)->next)
		if (strcmp((*p)->addr, addr) == 0)
			break;
	return p;
}

/* A new connection: taken when under both limits, and counted. */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *sa, socklen_t len)
{
	char addr[INET6_ADDRSTRLEN];
	struct addr_count **slot;
	enum MHD_Result ok = MHD_NO;

	(void)cls;
	(void)len;
	addr_text(sa, addr, sizeof(addr));
	pthread_mutex_lock(&conns.lock);
	slot = addr_slot(addr);
	if (conns.total >= conns.max_total ||
	    (*slot && (*slot)->n >= conns.max_per_address))
		goto out;
	if (!*slot) {
		*slot = calloc(1, sizeof(**slot));
		if (!*slot)
			goto out;
		memcpy((*slot)->addr, addr, sizeof(addr));
	}
	(*slot)->n++;
	conns.total++;
	ok = MHD_YES;
out:
	pthread_mutex_unlock(&conns.lock);
	return ok;
}

/* A connection taken: listed, with the deadline of its first request.
 * Without memory it goes unlisted (and only the idle timeout closes it). */
static void connection_opened(struct MHD_Connection *c, void **socket_context)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct open_conn *oc;

	*socket_context = NULL;
	if (!ci || !(oc = calloc(1, sizeof(*oc))))
		return;
	oc->fd = ci->connect_fd;
	peer_text(c, oc->peer, sizeof(oc->peer));
	deadline_start(oc);
	pthread_mutex_lock(&conns.lock);
	oc->next = conns.open;
	if (oc->next)
		oc->next->prev = oc;
	conns.open = oc;
	*socket_context = oc;
	pthread_mutex_unlock(&conns.lock);
}

static void connection_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                              enum MHD_ConnectionNotificationCode code)
{
	char addr[INET6_ADDRSTRLEN];
	struct addr_count **slot, *gone;
	struct open_conn *oc;

	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		connection_opened(c, socket_context);
		return;
	}
	if (code != MHD_CONNECTION_NOTIFY_CLOSED)
		return;
	peer_text(c, addr, sizeof(addr));
	pthread_mutex_lock(&conns.lock);
	if ((oc = *socket_context) != NULL) {
		if (oc->prev)
			oc->prev->next = oc->next;
		else
			conns.open = oc->next;
		if (oc->next)
			oc->next->prev = oc->prev;
		free(oc);
		*socket_context = NULL;
	}
	slot = addr_slot(addr);
	if (*slot) {
		conns.total--;
		if (--(*slot)->n == 0) {
			gone = *slot;
			*slot = gone->next;
			free(gone);
		}
	}
	pthread_mutex_unlock(&conns.lock);
}

/* Queue an answer whose body is copied; headers come as name, value pairs
 * ending with NULL. */
static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *type,
                              const char *body, size_t len, ...)
{
	struct MHD_Response *r;
	enum MHD_Result ok;
	const char *name;
	va_list ap;

	r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (type)
		MHD_add_response_header(r, "Content-Type", type);
	va_start(ap, len);
	while ((name = va_arg(ap, const char *)) != NULL)
		MHD_add_response_header(r, name, va_arg(ap, const char *));
	va_end(ap);
	ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

/* The log line of a token request; reply is NULL for one that HTTP
 * refused before it was decided. */
static void log_token(const struct request *rq, const writ_reply *reply, unsigned status,
                      const char *outcome, double latency)
{
	json_t *f = json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s, s:i, s:s?, s:f}",
	                      "peer", rq->peer,
	                      "client", writ_reply_client(reply),
	                      "resource", writ_reply_resource(reply),
	                      "scope_requested", writ_reply_requested_scope(reply),
	                      "scope_granted", writ_reply_scope(reply),
	                      "outcome", outcome,
	                      "status", (int)status,
	                      "jti", writ_reply_jti(reply),
	                      "latency_ms", latency * 1e3);
	serve_log("token", f);
}

/* A JSON error answer for what HTTP itself refuses (RFC 6749 §5.2 shape,
 * so that clients reading token errors read these too). */
static enum MHD_Result refuse(struct MHD_Connection *c, struct request *rq, unsigned status,
                              enum outcome out, const char *error, const char *desc,
                              const char *hname, const char *hvalue)
{
	json_t *v = json_pack("{s:s, s:s}", "error", error, "error_description", desc);
	char *body = v ? json_dumps(v, JSON_COMPACT) : NULL;
	enum MHD_Result ok;

	json_decref(v);
	stats_request(rq->ep, out);
	if (rq->ep == EP_TOKEN) {
		double latency = elapsed(&rq->start);
		stats_token_latency(latency);
		log_token(rq, NULL, status, outcome_name(out), latency);
	}
	ok = answer(c, status, "application/json", body ? body : "", body ? strlen(body) : 0,
	            "Cache-Control", "no-store", hname, hvalue, NULL);
	free(body);
	return ok;
}

/* writ serve's own paths and their endpoints: what route() matches and
 * what --authz-prefix may not cover. */
#define OWN_PATHS 8

struct own_path {
	const char *path;
	enum endpoint ep;
};

static void own_paths(const struct served *s, struct own_path own[OWN_PATHS])
{
	own[0] = (struct own_path){ s->token_path, EP_TOKEN };
	own[1] = (struct own_path){ s->jwks_path, EP_JWKS };
	own[2] = (struct own_path){ s->oidc_config_path, EP_METADATA };
	own[3] = (struct own_path){ s->as_metadata_path, EP_METADATA };
	own[4] = (struct own_path){ "/.well-known/oauth-authorization-server", EP_METADATA };
	own[5] = (struct own_path){ "/healthz", EP_HEALTHZ };
	own[6] = (struct own_path){ "/metrics", EP_METRICS };
	own[7] = (struct own_path){ "/authz", EP_AUTHZ };
}

/* The endpoint of a path as it came (not decoded). */
static enum endpoint route(const struct served *s, const char *url)
{
	struct own_path own[OWN_PATHS];
	size_t i;

	own_paths(s, own);
	for (i = 0; i < OWN_PATHS; i++)
		if (strcmp(url, own[i].path) == 0)
			return own[i].ep;
	return EP_OTHER;
}

/* Is path prefix or under it (prefix, then '/')? */
static bool path_under(const char *path, const char *prefix, size_t n)
{
	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool serve_authz_fits(const struct serve_http_config *cfg, const struct served *s, char *why,
                      size_t whylen)
{
	struct own_path own[OWN_PATHS];
	size_t i;

	if (cfg->authz_resource && writ_resource_find(s->policy, cfg->authz_resource) < 0) {
		snprintf(why, whylen, "--authz-resource %s is not a resource of the policy",
		         cfg->authz_resource);
		return false;
	}
	if (!cfg->authz_prefix)
		return true;
	own_paths(s, own);
	for (i = 0; i < OWN_PATHS; i++) {
		if (path_under(own[i].path, cfg->authz_prefix, strlen(cfg->authz_prefix))) {
			snprintf(why, whylen,
			         "--authz-prefix %s covers %s, a path of writ serve's own",
			         cfg->authz_prefix, own[i].path);
			return false;
		}
	}
	return true;
}

/* application/x-www-form-urlencoded, in any case, parameters allowed. */
static bool form_type(const char *type)
{
	static const char want[] = "application/x-www-form-urlencoded";
	size_t n = sizeof(want) - 1;

	if (!type || strncasecmp(type, want, n) != 0)
		return false;
	type += n;
	while (*type == ' ' || *type == '\t')
		type++;
	return *type == '\0' || *type == ';';
}

static enum MHD_Result answer_get(struct MHD_Connection *c, struct request *rq)
{
	const struct served *s = rq->served;
	enum MHD_Result ok;
	char *text;
	size_t len;

	stats_request(rq->ep, OUT_OK);
	switch (rq->ep) {
	case EP_JWKS:
		return answer(c, 200, "application/jwk-set+json", s->jwks, s->jwks_len,
		              "Cache-Control", "public, max-age=300", NULL);
	case EP_METADATA:
		return answer(c, 200, "application/json", s->metadata, s->metadata_len,
		              "Cache-Control", "public, max-age=300", NULL);
	case EP_HEALTHZ:
		return answer(c, 200, "text/plain; charset=utf-8", "ok\n", 3, "Cache-Control",
		              "no-store", NULL);
	default:
		text = stats_render(&len);
		if (!text)
			return MHD_NO;
		ok = answer(c, 200, "text/plain; version=0.0.4; charset=utf-8", text, len,
		            "Cache-Control", "no-store", NULL);
		free(text);
		return ok;
	}
}

/* The headers a decision reads, found in one pass over the request's: the
 * Authorization headers (two already mean refusal) and, for /authz, the
 * first X-Original-Method and X-Original-URI. */
struct auth_headers {
	const char *v[MAX_AUTH_HEADERS];
	size_t n;
	const char *method, *uri;
};

static enum MHD_Result count_auth(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
	struct auth_headers *a = cls;

	(void)kind;
	if (strcasecmp(key, "Authorization") == 0) {
		if (a->n < MAX_AUTH_HEADERS)
			a->v[a->n] = value ? value : "";
		a->n++;
	} else if (!a->method && strcasecmp(key, "X-Original-Method") == 0) {
		a->method = value ? value : "";
	} else if (!a->uri && strcasecmp(key, "X-Original-URI") == 0) {
		a->uri = value ? value : "";
	}
	return MHD_YES;
}

static int decide(struct request *rq, unsigned flags)
{
	struct writ_token_request tr;

	memset(&tr, 0, sizeof(tr));
	tr.size = sizeof(tr);
	tr.peer = rq->peer[0] ? rq->peer : NULL;
	tr.authorization = (const char *const *)rq->auth;
	tr.nauthorization = rq->nauth;
	tr.body = rq->body;
	tr.body_len = rq->len;
	tr.flags = flags;
	return writ_token_endpoint(rq->served->policy, rq->served->signer, &tr, rq->reply);
}

static void *slow_worker(void *arg)
{
	struct request *rq;

	(void)arg;
	pthread_mutex_lock(&slow.lock);
	for (;;) {
		while (!slow.head && !slow.stop)
			pthread_cond_wait(&slow.ready, &slow.lock);
		if (!slow.head)
			break; /* stopping, and nothing left to answer */
		rq = slow.head;
		slow.head = rq->next;
		if (!slow.head)
			slow.tail = NULL;
		slow.queued--;
		pthread_mutex_unlock(&slow.lock);
		rq->rc = decide(rq, 0);
		rq->decided = true;
		MHD_resume_connection(rq->conn);
		pthread_mutex_lock(&slow.lock);
	}
	pthread_mutex_unlock(&slow.lock);
	return NULL;
}

/* Take a place in the slow queue; false when it is full. */
static bool slow_reserve(void)
{
	bool ok;

	pthread_mutex_lock(&slow.lock);
	ok = !slow.stop && slow.queued < SLOW_QUEUE_MAX;
	if (ok)
		slow.queued++;
	pthread_mutex_unlock(&slow.lock);
	return ok;
}

static void slow_push(struct request *rq)
{
	pthread_mutex_lock(&slow.lock);
	rq->next = NULL;
	if (slow.tail)
		slow.tail->next = rq;
	else
		slow.head = rq;
	slow.tail = rq;
	pthread_cond_signal(&slow.ready);
	pthread_mutex_unlock(&slow.lock);
}

static bool slow_start(unsigned n)
{
	slow.threads = calloc(n, sizeof(*slow.threads));
	if (!slow.threads)
		return false;
	for (slow.nthreads = 0; slow.nthreads < n; slow.nthreads++)
		if (pthread_create(&slow.threads[slow.nthreads], NULL, slow_worker, NULL) != 0)
			break;
	return slow.nthreads > 0;
}

/* Answer every queued request, then end the threads. */
static void slow_stop(void)
{
	size_t i;

	pthread_mutex_lock(&slow.lock);
	slow.stop = true;
	pthread_cond_broadcast(&slow.ready);
	pthread_mutex_unlock(&slow.lock);
	for (i = 0; i < slow.nthreads; i++)
		pthread_join(slow.threads[i], NULL);
	free(slow.threads);
	slow.threads = NULL;
	slow.nthreads = 0;
}

/* Keep copies of the Authorization headers: a slow thread reads them
 * while the connection is suspended. */
static bool copy_auth(struct MHD_Connection *c, struct request *rq)
{
	struct auth_headers auth = { { NULL }, 0, NULL, NULL };
	size_t i;

	MHD_get_connection_values(c, MHD_HEADER_KIND, count_auth, &auth);
	rq->nauth = auth.n;
	for (i = 0; i < auth.n && i < MAX_AUTH_HEADERS; i++)
		if (!(rq->auth[i] = strdup(auth.v[i])))
			return false;
	return true;
}

static enum MHD_Result finish_token(struct MHD_Connection *c, struct request *rq)
{
	const writ_reply *reply = rq->reply;
	const char *body, *error;
	enum MHD_Result ok;
	unsigned status;
	size_t len;
	double latency;

	if (rq->rc != WRIT_OK) {
		serve_logf("token request failed: %s", writ_strerror(rq->rc));
		return refuse(c, rq, 500, OUT_SERVER_ERROR, "server_error",
		              "the token could not be made", NULL, NULL);
	}
	status = writ_reply_status(reply);
	error = writ_reply_error(reply);
	body = writ_reply_body(reply, &len);
	if (writ_reply_auth_failed(reply))
		throttle_failure(rq->peer, serve_now());
	if (!error)
		stats_issued(writ_reply_client(reply), writ_reply_resource(reply));
	stats_request(EP_TOKEN, outcome_of_error(error));
	ok = answer(c, status, "application/json", body, len, "Cache-Control", "no-store",
	            "Pragma", "no-cache",
	            writ_reply_challenge(reply) ? "WWW-Authenticate" : NULL,
	            "Basic realm=\"writ\", charset=\"UTF-8\"", NULL);
	latency = elapsed(&rq->start);
	stats_token_latency(latency);
	log_token(rq, reply, status, error ? error : "issued", latency);
	return ok;
}

static enum MHD_Result answer_token(struct MHD_Connection *c, struct request *rq)
{
	if (rq->decided)
		return finish_token(c, rq);
	rq->rc = WRIT_ENOMEM;
	if (copy_auth(c, rq) && (rq->reply = writ_reply_new()) != NULL)
		rq->rc = decide(rq, WRIT_TOKEN_FAST_ONLY);
	if (rq->rc == WRIT_EAGAIN) {
		if (!slow_reserve()) {
			return refuse(c, rq, 503, OUT_BUSY, "temporarily_unavailable",
			              "too many client authentications in progress", "Retry-After",
			              "1");
		}
		/* Suspended before it is queued, so that the slow thread's
		 * resume always comes after. */
		MHD_suspend_connection(c);
		slow_push(rq);
		return MHD_YES;
	}
	rq->decided = true;
	return finish_token(c, rq);
}

/* A header value writ may pass on: printable ASCII only, so that a claim
 * can never add a header or a line. */
static bool header_safe(const char *v)
{
	if (!v)
		return false;
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7e)
			return false;
	return true;
}

static void log_authz(const struct request *rq, const char *resource, const writ_decision *d)
{
	const writ_token *t = writ_decision_token(d);
	/* Made without jansson's objects: building and dumping them took half
	 * of writ serve's CPU time per /authz request (perf, bench/authz.lua). */
	const struct log_field f[] = {
		{ "peer", LOG_STR, rq->peer, 0 },
		{ "resource", LOG_STR, resource, 0 },
		{ "status", LOG_INT, NULL, writ_decision_status(d) },
		{ "error", LOG_STR, writ_decision_error(d), 0 },
		{ "route", LOG_STR, writ_decision_route(d), 0 },
		{ "client", LOG_STR, t ? writ_token_client_id(t) : NULL, 0 },
		{ "latency_ms", LOG_REAL, NULL, elapsed(&rq->start) * 1e3 },
	};

	serve_log_fields("authz", f, sizeof(f) / sizeof(f[0]));
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode in[0..n), one name or value of a query, as
 * application/x-www-form-urlencoded: '+' is a space, %XX the byte XX
 * (either case). Into out (outsz bytes, NUL-terminated, cut short when it
 * does not fit; NULL: only checked). The decoded length, or -1 for a '%'
 * without two hex digits after it, or a control byte (NUL included) as it
 * came or decoded: no indicator holds one, and a NUL would cut the string.
 */
static long query_decode(const char *in, size_t n, char *out, size_t outsz)
{
	size_t i, len = 0;
	int hi, lo;
	unsigned char c;

	for (i = 0; i < n; i++, len++) {
		c = (unsigned char)in[i];
		if (c == '%') {
			if (n - i < 3 || (hi = hex_digit(in[i + 1])) < 0 ||
			    (lo = hex_digit(in[i + 2])) < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (c < 0x20 || c == 0x7f)
			return -1;
		if (out && len + 1 < outsz)
			out[len] = (char)c;
	}
	if (out && outsz)
		out[len < outsz ? len : outsz - 1] = '\0';
	return (long)len;
}

/*
 * The parameter name (plain ASCII) of the query of target, a raw
 * request-target, decoded into out (outsz bytes): 1 when it is there once,
 * 0 when it is not, -1 when it is there twice or too long for out, or when
 * any name of the query, or its value, is malformed (query_decode).
 */
static int query_param(const char *target, const char *name, char *out, size_t outsz)
{
	const char *p = strchr(target, '?'), *end, *eq;
	size_t want = strlen(name);
	char key[64];
	long len;
	int found = 0;

	for (p = p ? p + 1 : ""; *p; p = *end ? end + 1 : end) {
		end = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(end - p));
		if (!eq)
			eq = end;
		if ((len = query_decode(p, (size_t)(eq - p), key, sizeof(key))) < 0)
			return -1;
		if ((size_t)len != want || memcmp(key, name, want) != 0)
			continue;
		len = query_decode(eq < end ? eq + 1 : end, (size_t)(end - (eq < end ? eq + 1 : end)),
		                   out, outsz);
		if (found++ || len < 0 || (size_t)len >= outsz)
			return -1;
	}
	return found;
}

/* Each HTTP thread's decision, reused request after request (writ.h: a
 * decision is reset by each call given it), freed when the thread ends. */
static pthread_key_t decision_key;
static pthread_once_t decision_once = PTHREAD_ONCE_INIT;
static bool decision_key_made;

static void free_decision(void *d)
{
	writ_decision_free(d);
}

static void make_decision_key(void)
{
	decision_key_made = pthread_key_create(&decision_key, free_decision) == 0;
}

/* NULL when out of memory. */
static writ_decision *thread_decision(void)
{
	writ_decision *d;

	pthread_once(&decision_once, make_decision_key);
	if (!decision_key_made)
		return NULL;
	d = pthread_getspecific(decision_key);
	if (!d && (d = writ_decision_new()) != NULL && pthread_setspecific(decision_key, d) != 0) {
		writ_decision_free(d);
		d = NULL;
	}
	return d;
}

/*
 * A gateway's question, decided by writ_gateway_authorize(): 200 with
 * X-Writ-Client, X-Writ-Subject and X-Writ-Scope, or the refusal's status
 * and WWW-Authenticate, with no body.
 *
 * GET /authz, for nginx auth_request: the original request's method and
 * URI in X-Original-Method and X-Original-URI, its Authorization header as
 * it came, the resource in ?resource= (else --authz-resource, else the
 * policy's default).
 *
 * Under --authz-prefix, for Envoy's ext_authz HTTP service, which sends
 * the request itself with its path after path_prefix: the request's own
 * method, the target after the prefix (path and query: PREFIX/a?b is the
 * request /a?b; PREFIX/../x is /../x, refused, never a path of writ's),
 * the resource of --authz-resource, else the policy's default.
 */
static enum MHD_Result answer_authz(struct MHD_Connection *c, struct request *rq,
                                    const char *method)
{
	struct served *s = rq->served;
	const char *target, *resource = authz_resource;
	char given[MAX_RESOURCE + 1];
	struct auth_headers auth = { { NULL }, 0, NULL, NULL };
	struct writ_request wr;
	const writ_token *t;
	struct MHD_Response *resp;
	writ_decision *d;
	enum MHD_Result ok;
	int rc;

	MHD_get_connection_values(c, MHD_HEADER_KIND, count_auth, &auth);
	if (rq->prefixed) {
		target = rq->target + authz_prefix_len;
	} else {
		method = auth.method;
		target = auth.uri;
		if (!method || !target)
			return refuse(c, rq, 400, OUT_INVALID_REQUEST, "invalid_request",
			              "X-Original-Method and X-Original-URI are needed", NULL, NULL);
		rc = query_param(rq->target, "resource", given, sizeof(given));
		if (rc < 0)
			return refuse(c, rq, 400, OUT_INVALID_REQUEST, "invalid_request",
			              "the query is malformed, or resource is too long or given twice",
			              NULL, NULL);
		if (rc > 0)
			resource = given;
	}
	if (auth.n > 1)
		return refuse(c, rq, 400, OUT_INVALID_REQUEST, "invalid_request",
		              "more than one Authorization header", NULL, NULL);
	d = thread_decision();
	memset(&wr, 0, sizeof(wr));
	wr.size = sizeof(wr);
	wr.peer = rq->peer[0] ? rq->peer : NULL;
	/* The gateway looks the resource up (once, for its verifier too). */
	rc = d ? writ_gateway_authorize(s->gateway, resource, method, target,
	                                  auth.n ? auth.v[0] : NULL, &wr, d)
	       : WRIT_ENOMEM;
	if (rc == WRIT_ENORESOURCE) {
		return refuse(c, rq, 400, OUT_INVALID_TARGET, "invalid_target",
		              resource ? "unknown resource" : "no resource given and no default",
		              NULL, NULL);
	}
	if (rc != WRIT_OK) {
		serve_logf("authorization failed: %s", writ_strerror(rc));
		return refuse(c, rq, 500, OUT_SERVER_ERROR, "server_error",
		              "the request could not be decided", NULL, NULL);
	}
	resp = MHD_create_response_from_buffer(0, (void *)(uintptr_t)"", MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	t = writ_decision_token(d);
	if (writ_decision_allowed(d) && t) {
		if (header_safe(writ_token_client_id(t)))
			MHD_add_response_header(resp, "X-Writ-Client", writ_token_client_id(t));
		if (header_safe(writ_token_subject(t)))
			MHD_add_response_header(resp, "X-Writ-Subject", writ_token_subject(t));
		if (header_safe(writ_token_scope(t)))
			MHD_add_response_header(resp, "X-Writ-Scope", writ_token_scope(t));
	}
	if (writ_decision_challenge(d))
		MHD_add_response_header(resp, "WWW-Authenticate", writ_decision_challenge(d));
	stats_request(EP_AUTHZ, writ_decision_allowed(d) ? OUT_OK : OUT_DENIED);
	ok = MHD_queue_response(c, writ_decision_status(d), resp);
	MHD_destroy_response(resp);
	log_authz(rq, resource ? resource
	                       : writ_resource_indicator(s->policy, (size_t)writ_resource_default(s->policy)),
	          d);
	return ok;
}

/* The first call for a request: its headers are in. Whatever can be
 * refused before the body is read is refused here. */
static enum MHD_Result start(struct MHD_Connection *c, struct request *rq, const char *method)
{
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	const char *len_text;
	unsigned wait;
	char retry[16];

	if (rq->ep == EP_OTHER)
		return refuse(c, rq, 404, OUT_NOT_FOUND, "not_found", "no such endpoint", NULL,
		              NULL);
	if (rq->ep == EP_AUTHZ)
		return MHD_YES; /* any method: the gateway's subrequest */
	if (rq->ep != EP_TOKEN)
		return get ? MHD_YES
		           : refuse(c, rq, 405, OUT_METHOD_NOT_ALLOWED, "method_not_allowed",
		                    "this endpoint answers GET and HEAD", "Allow", "GET, HEAD");
	if (strcmp(method, "POST") != 0)
		return refuse(c, rq, 405, OUT_METHOD_NOT_ALLOWED, "method_not_allowed",
		              "the token endpoint answers POST", "Allow", "POST");
	if (!form_type(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type")))
		return refuse(c, rq, 415, OUT_UNSUPPORTED_MEDIA_TYPE, "invalid_request",
		              "the body must be application/x-www-form-urlencoded", NULL, NULL);
	len_text = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	if (len_text && strtoull(len_text, NULL, 10) > MAX_BODY)
		return refuse(c, rq, 413, OUT_PAYLOAD_TOO_LARGE, "invalid_request",
		              "the body is larger than 16 KiB", "Connection", "close");
	wait = throttle_wait(rq->peer, serve_now());
	if (wait) {
		snprintf(retry, sizeof(retry), "%u", wait);
		return refuse(c, rq, 429, OUT_TOO_MANY_REQUESTS, "too_many_requests",
		              "too many failed client authentications from this address",
		              "Retry-After", retry);
	}
	return MHD_YES;
}

/* A request's state, made as soon as its request line is read, with a
 * copy of its request-target as it came (MHD_OPTION_URI_LOG_CALLBACK:
 * libmicrohttpd hands the handler the path alone). NULL without memory:
 * the handler then closes the connection. */
static void *request_begin(void *cls, const char *uri, struct MHD_Connection *c)
{
	size_t n = uri ? strlen(uri) : 0;
	struct request *rq = calloc(1, sizeof(*rq) + n + 1);

	(void)cls;
	if (!rq)
		return NULL;
	if (n)
		memcpy(rq->target, uri, n);
	clock_gettime(CLOCK_MONOTONIC, &rq->start);
	atomic_fetch_add(&in_flight, 1);
	rq->conn = c;
	return rq;
}

/* MHD_OPTION_UNESCAPE_CALLBACK: leave the path and the query as they came
 * (see the top of this file). */
static size_t keep_escapes(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state)
{
	struct request *rq = *state;

	(void)cls;
	(void)version;
	if (!rq)
		return MHD_NO;
	if (!rq->served) { /* the handler's first call */
		rq->served = served_current();
		if (!rq->served)
			return MHD_NO;
		/* The prefix first: a request Envoy sends on is never one of
		 * writ's own (serve_authz_fits keeps them apart). */
		rq->prefixed = authz_prefix && path_under(url, authz_prefix, authz_prefix_len);
		rq->ep = rq->prefixed ? EP_AUTHZ : route(rq->served, url);
		peer_text(c, rq->peer, sizeof(rq->peer));
		return start(c, rq, method);
	}
	if (*upload_size) {
		if (rq->discarded || rq->len + *upload_size > MAX_BODY) {
			/* Read on to answer 413 when the body ends, unless it
			 * does not: everything past the limit counts, so an
			 * endless body is cut off however it is chunked. */
			rq->discarded += *upload_size;
			if (rq->discarded > MAX_DISCARD)
				return MHD_NO;
		} else if (rq->ep != EP_TOKEN) {
			rq->len += *upload_size; /* only the token endpoint reads a body */
		} else {
			char *b = realloc(rq->body, rq->len + *upload_size);
			if (!b)
				return MHD_NO;
			memcpy(b + rq->len, upload, *upload_size);
			rq->body = b;
			rq->len += *upload_size;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	deadline_clear(open_conn_of(c)); /* the request is in */
	if (rq->discarded)
		return refuse(c, rq, 413, OUT_PAYLOAD_TOO_LARGE, "invalid_request",
		              "the body is larger than 16 KiB", "Connection", "close");
	if (rq->ep == EP_TOKEN)
		return answer_token(c, rq);
	if (rq->ep == EP_AUTHZ)
		return answer_authz(c, rq, method);
	return answer_get(c, rq);
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
                      enum MHD_RequestTerminationCode why)
{
	struct request *rq = *state;

	(void)cls;
	(void)why;
	/* The answer is out: the next request's time begins. */
	deadline_start(open_conn_of(c));
	if (!rq)
		return;
	atomic_fetch_sub(&in_flight, 1);
	served_put(rq->served);
	writ_reply_free(rq->reply);
	free(rq->auth[0]);
	free(rq->auth[1]);
	free(rq->body);
	free(rq);
	*state = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	serve_log("http_error", json_pack("{s:s}", "message", msg));
}

bool serve_http_start(const struct serve_http_config *cfg)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
	                 MHD_USE_ERROR_LOG | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
	size_t i;

	conns.max_total = cfg->max_connections;
	conns.max_per_address = cfg->max_per_address;
	conns.request_timeout = cfg->request_timeout;
	authz_prefix = cfg->authz_prefix;
	authz_prefix_len = authz_prefix ? strlen(authz_prefix) : 0;
	authz_resource = cfg->authz_resource;
	daemons = calloc(cfg->nlisten, sizeof(*daemons));
	if (!daemons || !slow_start(cfg->threads)) {
		serve_logf("cannot start the threads of client authentication");
		free(daemons);
		daemons = NULL;
		return false;
	}
	for (ndaemons = 0; ndaemons < cfg->nlisten; ndaemons++) {
		daemons[ndaemons] = MHD_start_daemon(
			flags, 0, accept_policy, NULL, handle, NULL,
			MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			MHD_OPTION_LISTEN_SOCKET, cfg->listen_fds[ndaemons],
			MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout,
			MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
			MHD_OPTION_NOTIFY_CONNECTION, connection_notify, NULL,
			MHD_OPTION_URI_LOG_CALLBACK, request_begin, NULL,
			MHD_OPTION_UNESCAPE_CALLBACK, keep_escapes, NULL,
			MHD_OPTION_END);
		if (!daemons[ndaemons])
			break;
	}
	if (ndaemons < cfg->nlisten) {
		serve_logf("the HTTP server could not start");
		for (i = ndaemons; i < cfg->nlisten; i++)
			close(cfg->listen_fds[i]);
		serve_http_stop(0);
		return false;
	}
	conns.stop = false;
	conns.sweeping = pthread_create(&conns.sweeper, NULL, sweep, NULL) == 0;
	if (!conns.sweeping) {
		serve_logf("cannot start the thread of request deadlines");
		serve_http_stop(0);
		return false;
	}
	return true;
}

void serve_http_stop(unsigned grace)
{
	struct timespec step = { 0, 50 * 1000 * 1000 };
	unsigned waited = 0;
	size_t i;
	int fd;

	for (i = 0; i < ndaemons; i++)
		if ((fd = MHD_quiesce_daemon(daemons[i])) >= 0)
			close(fd);
	while (waited < grace * 20 && atomic_load(&in_flight) > 0) {
		nanosleep(&step, NULL);
		waited++;
	}
	/* No connection may stay suspended when a daemon stops. */
	slow_stop();
	for (i = 0; i < ndaemons; i++)
		MHD_stop_daemon(daemons[i]);
	free(daemons);
	daemons = NULL;
	ndaemons = 0;
	if (conns.sweeping) {
		pthread_mutex_lock(&conns.lock);
		conns.stop = true;
		pthread_cond_signal(&conns.wake);
		pthread_mutex_unlock(&conns.lock);
		pthread_join(conns.sweeper, NULL);
		conns.sweeping = false;
	}
}
