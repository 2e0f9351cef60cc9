/*
 * serve.h: the parts of `writ serve`, the token service.
 *
 *   cmd_serve.c      options, start-up, signals, reloads, drain
 *   serve_state.c    what one load serves: policy, keys, JWKS, metadata
 *   serve_http.c     the HTTP side: one epoll thread per core, routes,
 *                    limits, answers, the threads of slow hashes
 *   serve_stats.c    metrics, the per-address throttle, log lines
 *
 * Requests take a reference to the loaded state they start with, so a
 * reload swaps in a new one while requests in flight finish on the old.
 */
#ifndef WRIT_SERVE_H
#define WRIT_SERVE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writ.h"

struct serve_config {
	const char **policy_paths;
	size_t npolicy_paths;
	const char *module_dir;
	bool generate_keys;
	unsigned max_auth_failures; /* per address per window; 0: no throttle */
	unsigned throttle_window;   /* seconds */
};

/* One load of the policy and its keys, immutable once made. */
struct served {
	atomic_uint refs;
	writ_policy *policy;
	writ_signer *signer; /* the current key */
	char *jwks, *metadata;
	size_t jwks_len, metadata_len;
	/* Paths, from the issuer identifier's path (e.g. "/oidc"). */
	char *token_path, *jwks_path, *oidc_config_path, *as_metadata_path;
	/* /authz: the gateway deciding with the served keys and the policy's
	 * trusted issuers. */
	writ_gateway *gateway;
};

/* Load what cfg names. NULL on failure, with every reason already logged
 * (diagnostics, key errors). */
struct served *served_load(const struct serve_config *cfg);
struct served *served_ref(struct served *s);
void served_put(struct served *s);

/* The state requests start with now (a new reference), and the swap. */
struct served *served_current(void);
void served_install(struct served *s);

/* Key files and policy files whose change --watch looks for. */
size_t served_key_paths(const struct served *s, const char ***paths);

/* ---- logging (serve_stats.c) ---- */

/* A JSON log line on stderr: {"time": ..., "event": event, ...fields}.
 * fields is a jansson object, consumed; NULL for none. */
struct json_t;
void serve_log(const char *event, struct json_t *fields);
/* serve_log's line of string, integer and real fields, made without
 * building JSON objects: for the lines written once per request. A NULL
 * string is null; the line is the one serve_log would write. */
struct log_field {
	const char *name;
	enum { LOG_STR, LOG_INT, LOG_REAL } kind;
	const char *str;
	double num;
};
void serve_log_fields(const char *event, const struct log_field *f, size_t n);
/* A plain message as a log line: {"time", "event": "message", "message"}. */
void serve_logf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- metrics ---- */

enum endpoint {
	EP_TOKEN,
	EP_JWKS,
	EP_METADATA,
	EP_HEALTHZ,
	EP_METRICS,
	EP_AUTHZ,
	EP_OTHER,
	EP_COUNT,
};

enum outcome {
	OUT_OK,
	OUT_INVALID_REQUEST,
	OUT_INVALID_CLIENT,
	OUT_INVALID_TARGET,
	OUT_INVALID_SCOPE,
	OUT_UNSUPPORTED_GRANT_TYPE,
	OUT_UNAUTHORIZED_CLIENT,
	OUT_TOO_MANY_REQUESTS,
	OUT_PAYLOAD_TOO_LARGE,
	OUT_UNSUPPORTED_MEDIA_TYPE,
	OUT_METHOD_NOT_ALLOWED,
	OUT_NOT_FOUND,
	OUT_SERVER_ERROR,
	OUT_BUSY,
	OUT_DENIED,
	OUT_COUNT,
};

/* The outcome named by an RFC 6749 error code (OUT_SERVER_ERROR when
 * unknown). */
enum outcome outcome_of_error(const char *error);
const char *outcome_name(enum outcome out);
void stats_request(enum endpoint ep, enum outcome out);
void stats_token_latency(double seconds);
void stats_issued(const char *client, const char *resource);
void stats_reload(bool ok);
/* The Prometheus text exposition of everything counted; malloc'd. */
char *stats_render(size_t *len);
void stats_cleanup(void);

/* ---- the throttle of failed client authentication ---- */

/* Seconds the address must wait (0: go ahead). */
unsigned throttle_wait(const char *addr, double now);
void throttle_failure(const char *addr, double now);
void throttle_configure(unsigned max_failures, unsigned window);

/* ---- HTTP (serve_http.c) ---- */

struct serve_http_config {
	const int *listen_fds; /* one per HTTP thread, all on one port */
	size_t nlisten;
	unsigned threads;      /* of client authentication (slow hashes) */
	unsigned max_connections, max_per_address, timeout;
	/* Seconds a request may take to arrive in full, counted from the
	 * connection's opening or its previous answer: --timeout alone lets
	 * a client that sends a byte a second hold a connection for ever. */
	unsigned request_timeout;
	/* --authz-prefix: requests under it are decided as Envoy's ext_authz
	 * asks, with their own method and the target after it (NULL: none).
	 * --authz-resource: the resource they are decided for, and that of
	 * /authz without ?resource= (NULL: the policy's default). */
	const char *authz_prefix, *authz_resource;
};

/* Start the server on sockets already listening; it owns them from then
 * on. false on failure (logged). */
bool serve_http_start(const struct serve_http_config *cfg);
/* Whether cfg's --authz-resource and --authz-prefix fit the state s: the
 * resource is one of its policy's, and the prefix covers none of the
 * service's own paths. false with the reason in why. */
bool serve_authz_fits(const struct serve_http_config *cfg, const struct served *s, char *why,
                      size_t whylen);
/* Stop accepting; wait up to grace seconds for open connections; stop. */
void serve_http_stop(unsigned grace);

/* Seconds since the epoch, with fractions. */
double serve_now(void);
/* FNV-1a of a string, for the service's small hash tables. */
uint32_t serve_hash(const char *s);

#endif
