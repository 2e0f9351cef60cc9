/*
 * writ.h: the public interface of libwrit.
 *
 * writ compiles declarative RBAC policy files into an immutable decision
 * table and answers authorization questions from it. This header is the only
 * way in, for the writ command line and for every embedder alike.
 *
 * Conventions that hold for every function below:
 *  - Functions that can fail return an int: WRIT_OK (0) or a negative
 *    WRIT_E* code. Codes are only ever appended; writ_strerror() names them.
 *  - Handles are opaque. Destroying NULL is a harmless no-op.
 *  - Strings passed in are borrowed for the duration of the call. Strings
 *    returned as const char * are owned by the object they came from and
 *    live as long as it does. Nothing returned needs free() unless its
 *    comment says "caller frees with free()".
 *  - The library keeps no global state, never prints, never exits.
 *  - A compiled writ_policy is immutable: any number of threads may query
 *    the same policy at once with no locking. Queries allocate nothing.
 */
#ifndef WRIT_H
#define WRIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the header the caller compiled against. */
#define WRIT_VERSION_MAJOR 0
#define WRIT_VERSION_MINOR 1
#define WRIT_VERSION_PATCH 0
#define WRIT_VERSION_STRING "0.1.0"
#define WRIT_VERSION_NUMBER \
	((WRIT_VERSION_MAJOR << 16) | (WRIT_VERSION_MINOR << 8) | WRIT_VERSION_PATCH)

/* Version of the library actually loaded: a static string, and the number
 * in the form of WRIT_VERSION_NUMBER. */
const char *writ_version(void);
unsigned writ_version_number(void);

/* Result codes. Negative values are errors. Only ever appended. */
enum writ_result {
	WRIT_OK = 0,
	WRIT_ENOMEM = -1,          /* out of memory */
	WRIT_EINVAL = -2,          /* invalid argument */
	WRIT_EIO = -3,             /* a file could not be read */
	WRIT_EPOLICY = -4,         /* the policy has errors: see the diagnostics */
	WRIT_ENOPRINCIPAL = -5,    /* no such app or user */
	WRIT_ENORESOURCE = -6,     /* no such resource (and no default resource) */
	WRIT_ERANGE = -7,          /* the output buffer is too small */
	WRIT_EMALFORMED = -8,      /* a scope string is not a list of scope-tokens */
	WRIT_EDENIED = -9,         /* denied: a permission not held, or a stack said no */
	WRIT_ETOKEN = -10,         /* the token is rejected: see writ_token_reason() */
	WRIT_EKEY = -11,           /* a key or key set is unusable (message given) */
	WRIT_ECRYPTO = -12,        /* the cryptographic library failed */
	WRIT_EAGAIN = -13,         /* a fast-only call needs a slow step: call again */
};

/* A static English description of a result code; never NULL. */
const char *writ_strerror(int code);

/* ------------------------------------------------------------------------
 * Diagnostics: the errors and warnings of a policy load, as records.
 * ------------------------------------------------------------------------ */

enum writ_severity {
	WRIT_SEVERITY_ERROR = 0,
	WRIT_SEVERITY_WARNING = 1,
	WRIT_SEVERITY_NOTE = 2, /* extra context for the record before it */
	WRIT_SEVERITY_INFO = 3, /* worth knowing, not wrong; counted in neither total */
};

/* "error", "warning", "note" or "info", as the human rendering writes them. */
const char *writ_severity_name(enum writ_severity s);

/*
 * One diagnostic. Owned by the writ_diagnostics it came from; never allocate
 * one yourself (members may be appended in later versions).
 * Lines and columns count from 1; columns count Unicode code points.
 * The span is [line:column, end_line:end_column), end exclusive. A
 * diagnostic about a whole file (unreadable, for example) has line 0.
 */
struct writ_diagnostic {
	const char *file;     /* path as given or as reached by include */
	unsigned line;
	unsigned column;
	unsigned end_line;
	unsigned end_column;
	enum writ_severity severity;
	const char *code;     /* stable code such as "E010"; "" for notes */
	const char *message;  /* one sentence, no trailing period */
	const char *hint;     /* e.g. "did you mean \"checkout\"?", or NULL */
	const char *source;   /* the text of line `line`, without newline, or NULL */
};

typedef struct writ_diagnostics writ_diagnostics;

/* A new, empty diagnostics list; NULL when out of memory. */
writ_diagnostics *writ_diagnostics_new(void);
void writ_diagnostics_free(writ_diagnostics *diags);
/* Forget every record, keeping the object for reuse. */
void writ_diagnostics_clear(writ_diagnostics *diags);
size_t writ_diagnostics_count(const writ_diagnostics *diags);
/* Record i (0 <= i < count), or NULL when out of range. */
const struct writ_diagnostic *writ_diagnostics_get(const writ_diagnostics *diags,
                                                   size_t i);
size_t writ_diagnostics_errors(const writ_diagnostics *diags);
size_t writ_diagnostics_warnings(const writ_diagnostics *diags);

/*
 * Render record i the way compilers do:
 *
 *   file:line:col: error: message [E010]
 *       3 |     roles chekout;
 *         |           ^~~~~~~
 *         = hint: did you mean "checkout"?
 *
 * Returns a NUL-terminated string ending in a newline; caller frees with
 * free(). NULL when i is out of range or memory is short.
 */
char *writ_diagnostic_render(const writ_diagnostics *diags, size_t i);

/*
 * The documented diagnostic codes (writ.policy(5), DIAGNOSTICS), in code
 * order. A code starting with E is an error's, with W a warning's. Every
 * string returned is static.
 */
size_t writ_diagnostic_code_count(void);
/* Code i (0 <= i < count), such as "E010"; NULL when out of range. */
const char *writ_diagnostic_code(size_t i);
/* Of a documented code: its short name ("unknown-name"); what it means and
 * how to fix it, one paragraph; policy text that draws it, lines ending in
 * a newline (when it takes several files, each starts with a line
 * "# NAME.writ"). NULL when code is not documented. */
const char *writ_diagnostic_code_title(const char *code);
const char *writ_diagnostic_code_help(const char *code);
const char *writ_diagnostic_code_example(const char *code);

/* ------------------------------------------------------------------------
 * Loading a policy.
 * ------------------------------------------------------------------------ */

typedef struct writ_policy writ_policy;

/*
 * Load, check and compile a policy from files. Each path is a policy file or
 * a directory, whose *.writ files are read in byte order of their names.
 * All paths together form one policy. flags must be 0.
 *
 * Every diagnostic found is appended to diags (which may be NULL when the
 * caller does not want them), except the warnings that a
 * `# writ: ignore[CODE, ...]` comment of the policy suppresses
 * (writ.policy(5)). A single path that is a snapshot written by
 * writ_policy_save() is loaded as one, with mmap, instead of being parsed.
 * On success *out holds a new policy with one
 * reference. A policy with any error is never compiled: the call returns
 * WRIT_EPOLICY (or WRIT_EIO when a named path could not be read) and sets
 * *out to NULL.
 */
int writ_policy_load(const char *const *paths, size_t npaths, unsigned flags,
                     writ_diagnostics *diags, writ_policy **out);

/*
 * Options of a load. Zero it, set size to sizeof(struct writ_load_options),
 * then set what differs from the default; members are only ever appended.
 */
struct writ_load_options {
	size_t size;
	/* Where loadable modules (NAME.so) are; NULL: the built-in default,
	 * $(libdir)/writ/modules. */
	const char *module_dir;
};

/* writ_policy_load() with options (NULL: the defaults). */
int writ_policy_load_ex(const char *const *paths, size_t npaths,
                        const struct writ_load_options *options,
                        writ_diagnostics *diags, writ_policy **out);

/*
 * The same, from a buffer that need not be NUL-terminated. name is used in
 * diagnostics, and its directory is where relative includes are resolved.
 */
int writ_policy_load_buffer(const char *name, const char *data, size_t len,
                            unsigned flags, writ_diagnostics *diags,
                            writ_policy **out);

/*
 * Write the compiled policy to path as a snapshot (writ(1), SNAPSHOTS):
 * the decision table in a versioned, checksummed binary file that
 * writ_policy_load() and writ_policy_load_ex() load with mmap, instead of
 * parsing, when it is the only path they are given; processes that load one
 * snapshot share its pages. The file is written atomically (a temporary
 * file beside it, synced, then renamed over path) with mode 0600: like
 * the policy, it holds the apps' secret hashes. Key and JWKS file paths
 * are stored absolute, resolved against the current directory; loadable
 * modules are stored by name and opened again when the snapshot is loaded.
 * A snapshot is refused by writ_policy_load() when it is truncated,
 * damaged, of another byte order or of another format version: compile it
 * again after upgrading writ. Returns WRIT_OK, WRIT_EIO (cannot write),
 * WRIT_ENOMEM or WRIT_EINVAL, with a message in err (errlen bytes, may be
 * 0) on failure.
 */
int writ_policy_save(const writ_policy *policy, const char *path, char *err,
                     size_t errlen);

/* Take one more reference; returns policy. Thread-safe. */
writ_policy *writ_policy_ref(writ_policy *policy);
/* Drop one reference; the last one frees the policy. Thread-safe. */
void writ_policy_unref(writ_policy *policy);

/* ------------------------------------------------------------------------
 * Questions.
 * ------------------------------------------------------------------------ */

enum writ_principal_kind {
	WRIT_PRINCIPAL_APP = 1,  /* a machine-to-machine client (client_id) */
	WRIT_PRINCIPAL_USER = 2, /* a user (the token's subject) */
};

/*
 * Grant (token issuer): which of the requested scopes may the principal have
 * on this resource?
 *
 * granted = requested ∩ declared by the resource ∩ held through the
 * principal's roles. Requested scopes that are unknown or not held are
 * dropped, not errors. When nothing is requested (scope NULL, empty or only
 * spaces), the resource's default scopes are the request; a resource
 * without default scopes grants nothing.
 *
 * scope is an RFC 6749 §3.3 scope string of scope_len bytes: scope-tokens
 * separated by spaces (runs of spaces are tolerated here, since the result
 * is rewritten canonically). resource is an indicator (RFC 8707), or NULL
 * for the policy's default resource.
 *
 * The granted scopes are written to out as a NUL-terminated string, in the
 * order the resource declares them, separated by single spaces ("" when
 * none). *out_len (when not NULL) receives the string's length. The result
 * is never longer than the request (or the default scope list), so a
 * buffer of scope_len + 1 bytes always suffices for a non-empty request.
 *
 * Returns WRIT_OK; WRIT_ENOPRINCIPAL; WRIT_ENORESOURCE; WRIT_EMALFORMED when
 * a token has a character outside the scope-token set; WRIT_ERANGE when
 * out_size is too small (*out_len then holds the length needed); or
 * WRIT_EINVAL. On any error out holds "" when out_size > 0.
 */
int writ_grant(const writ_policy *policy, enum writ_principal_kind kind,
               const char *principal, const char *resource,
               const char *scope, size_t scope_len,
               char *out, size_t out_size, size_t *out_len);

/*
 * Grant over several resources with one scope list: RFC 8707 §2.2's
 * cartesian product of resources and scopes, downscoped per resource. The
 * answer for resources[i] is the NUL-terminated string at out + offsets[i];
 * offsets must have nresources entries. *out_len receives the bytes used
 * (or needed, with WRIT_ERANGE). Fails as a whole, with the same codes as
 * writ_grant, if any resource is unknown.
 */
int writ_grant_each(const writ_policy *policy, enum writ_principal_kind kind,
                    const char *principal,
                    const char *const *resources, size_t nresources,
                    const char *scope, size_t scope_len,
                    char *out, size_t out_size, size_t *offsets,
                    size_t *out_len);

/*
 * Check (validator): does a token's scope claim carry every required
 * permission?
 *
 * The claim is split on single spaces (U+0020) only; every part must be a
 * scope-token (RFC 6749 §3.3), so an empty part (leading, trailing or
 * doubled space), a tab or any other character outside the set makes the
 * whole claim malformed. Matching is exact and case-sensitive.
 *
 * Returns WRIT_OK when all are held; WRIT_EDENIED when one is not (*missing,
 * when not NULL, receives the index of the first missing one);
 * WRIT_EMALFORMED when the claim is malformed; WRIT_EINVAL on bad arguments.
 */
int writ_check(const char *scope_claim, size_t claim_len,
               const char *const *required, size_t nrequired,
               size_t *missing);

/* Is s[0..len) one RFC 6749 §3.3 scope-token? 1 or 0. */
int writ_scope_token_valid(const char *s, size_t len);

/* ------------------------------------------------------------------------
 * Read-only iteration, for tools. Indexes count from 0 in declaration
 * order and are stable for the life of the policy. Out-of-range indexes
 * give NULL or 0.
 * ------------------------------------------------------------------------ */

/* The issuer identifier, or NULL when the policy declares no issuer. */
const char *writ_issuer(const writ_policy *policy);
/* Default token lifetime in seconds (the issuer's, else 3600). */
uint32_t writ_issuer_token_ttl(const writ_policy *policy);

/* The issuer's signing keys (writ.policy(5), signing-key): a current one
 * signs, next and previous ones are only published in the key set. */
enum writ_key_state {
	WRIT_KEY_CURRENT = 1,
	WRIT_KEY_NEXT = 2,
	WRIT_KEY_PREVIOUS = 3,
};
size_t writ_issuer_key_count(const writ_policy *policy);
/* The PEM file, resolved from the directory of the policy file naming it. */
const char *writ_issuer_key_path(const writ_policy *policy, size_t i);
enum writ_key_state writ_issuer_key_state(const writ_policy *policy, size_t i);
/* The kid the policy gives, or NULL for the key's RFC 7638 thumbprint. */
const char *writ_issuer_key_kid(const writ_policy *policy, size_t i);

size_t writ_resource_count(const writ_policy *policy);
/* Index of the resource with this indicator, or -1. */
long writ_resource_find(const writ_policy *policy, const char *indicator);
/* Index of the default resource, or -1 when none is marked. */
long writ_resource_default(const writ_policy *policy);
const char *writ_resource_indicator(const writ_policy *policy, size_t r);
const char *writ_resource_name(const writ_policy *policy, size_t r);
const char *writ_resource_description(const writ_policy *policy, size_t r);
/* Token lifetime for this resource: its own, else the issuer's. */
uint32_t writ_resource_token_ttl(const writ_policy *policy, size_t r);
size_t writ_resource_permission_count(const writ_policy *policy, size_t r);
const char *writ_resource_permission(const writ_policy *policy, size_t r,
                                     size_t i);
const char *writ_resource_permission_description(const writ_policy *policy,
                                                 size_t r, size_t i);
/* The default scopes, space-separated in the order the default-scope line
 * lists them ("" if none). */
const char *writ_resource_default_scope(const writ_policy *policy, size_t r);

size_t writ_role_count(const writ_policy *policy);
long writ_role_find(const writ_policy *policy, const char *name);
const char *writ_role_name(const writ_policy *policy, size_t role);
const char *writ_role_description(const writ_policy *policy, size_t role);
/* WRIT_PRINCIPAL_APP or WRIT_PRINCIPAL_USER: whom the role is for. */
enum writ_principal_kind writ_role_kind(const writ_policy *policy, size_t role);
/* Grants of a role as (resource index, permission index) pairs, sorted. */
size_t writ_role_grant_count(const writ_policy *policy, size_t role);
int writ_role_grant(const writ_policy *policy, size_t role, size_t i,
                    size_t *resource, size_t *permission);

size_t writ_principal_count(const writ_policy *policy,
                            enum writ_principal_kind kind);
long writ_principal_find(const writ_policy *policy,
                         enum writ_principal_kind kind, const char *id);
const char *writ_principal_id(const writ_policy *policy,
                              enum writ_principal_kind kind, size_t i);
const char *writ_principal_name(const writ_policy *policy,
                                enum writ_principal_kind kind, size_t i);
const char *writ_principal_description(const writ_policy *policy,
                                       enum writ_principal_kind kind, size_t i);
size_t writ_principal_role_count(const writ_policy *policy,
                                 enum writ_principal_kind kind, size_t i);
/* Role index of the principal's j-th role, or -1. */
long writ_principal_role(const writ_policy *policy,
                         enum writ_principal_kind kind, size_t i, size_t j);

/* ------------------------------------------------------------------------
 * Decision stacks (writ.policy(5), STACKS): Linux-PAM style lists of
 * modules per facility, run by the calls below.
 * ------------------------------------------------------------------------ */

/* A token's checked claims; a result object the caller reuses (see Access
 * tokens below). */
typedef struct writ_token writ_token;

enum writ_facility {
	WRIT_FACILITY_CLIENT = 1, /* authenticating a client at the token endpoint */
	WRIT_FACILITY_GRANT = 2,  /* deciding a token's scopes */
	WRIT_FACILITY_ACCESS = 3, /* deciding a request that carries a token */
};

/*
 * What a request brings besides the question itself. Zero it, set size to
 * sizeof(struct writ_request), then fill in what is known; members are
 * only ever appended. A NULL request means: nothing known, and the clock.
 */
struct writ_request {
	size_t size;
	const char *peer;        /* the peer's address as text, or NULL */
	double now;              /* seconds since the epoch; 0: the clock */
	const char *method;      /* access: the HTTP method */
	const char *path;        /* access: the request path */
	const char *secret;      /* client: the presented secret (not NUL-ended) */
	size_t secret_len;
};

/*
 * A trace of one decision, for `writ explain` and logs: every stack line
 * evaluated, with the module's result, the action taken and the reason.
 * Reusable; reset by each call that is given it.
 */
typedef struct writ_trace writ_trace;

writ_trace *writ_trace_new(void);
void writ_trace_free(writ_trace *trace);
size_t writ_trace_count(const writ_trace *trace);
/* Line i as one line of text, indented two spaces per substack level:
 * "LINE AS WRITTEN: RESULT -> ACTION (reason)", e.g.
 * "requisite network allow=10.0.0.0/8: deny -> die (192.168.1.1 is outside
 * the allowed networks)"; NULL when out of range. Owned by the trace. */
const char *writ_trace_line(const writ_trace *trace, size_t i);
/* On a grant, the scopes line i put into the granted set (the `rbac` line)
 * and those it took out (a module narrowing the grant), each as names
 * separated by single spaces in the resource's order; "" when none, or
 * for other facilities; NULL when out of range. Owned by the trace. */
const char *writ_trace_added(const writ_trace *trace, size_t i);
const char *writ_trace_removed(const writ_trace *trace, size_t i);
/* The verdict: "allow" or "deny"; "" when no stack ran (a gateway
 * decision settled before the access stack). */
const char *writ_trace_verdict(const writ_trace *trace);

/*
 * Authenticate a client (the client stack; by default the `secret` module
 * against the app's hashed secrets). WRIT_OK, WRIT_EDENIED,
 * WRIT_ENOPRINCIPAL (the same answer a caller should give as a wrong
 * secret), WRIT_EINVAL; WRIT_ENOMEM or WRIT_ECRYPTO when a secret could
 * not be checked (the server's fault, not the client's). trace may be
 * NULL.
 */
int writ_authenticate(const writ_policy *policy, const char *client_id,
                      const struct writ_request *req, writ_trace *trace);

/*
 * writ_grant() with a request and a trace: runs the resource's grant stack
 * (by default `rbac`, the downscoping). Returns WRIT_EDENIED when the
 * stack denies; otherwise as writ_grant(). writ_grant() is this call with
 * a NULL request and no trace.
 */
int writ_grant_request(const writ_policy *policy, enum writ_principal_kind kind,
                       const char *principal, const char *resource,
                       const char *scope, size_t scope_len,
                       const struct writ_request *req, writ_trace *trace,
                       char *out, size_t out_size, size_t *out_len);

/*
 * Decide a request that carries a verified token: runs the resource's
 * access stack (by default `scope` with the permissions given to it).
 * WRIT_OK, WRIT_EDENIED, WRIT_ENORESOURCE, WRIT_EINVAL.
 */
int writ_access(const writ_policy *policy, const char *resource,
                const writ_token *token, const struct writ_request *req,
                writ_trace *trace);

/* ------------------------------------------------------------------------
 * Access tokens: RFC 9068 JWTs, validated by the rules of RFC 8725 and
 * writ's DESIGN §5, and signed for the token issuer.
 * ------------------------------------------------------------------------ */

/*
 * A key set (JWKS, RFC 7517 §5) of public keys, parsed once. A set with a
 * duplicate kid, a private member (d, p, ...), an unsupported or malformed
 * key is refused as a whole; the message names the key. Supported: EC
 * P-256 and P-384, RSA of 2048 bits or more, OKP Ed25519.
 */
typedef struct writ_keyset writ_keyset;

/* From JSON text. On failure *out is NULL and err (when errlen > 0)
 * receives a message; returns WRIT_OK, WRIT_EKEY, WRIT_ENOMEM, WRIT_EINVAL. */
int writ_keyset_load(const char *json, size_t len, writ_keyset **out,
                     char *err, size_t errlen);
/* From a file; WRIT_EIO when it cannot be read. */
int writ_keyset_load_file(const char *path, writ_keyset **out, char *err,
                          size_t errlen);
writ_keyset *writ_keyset_ref(writ_keyset *keys);
void writ_keyset_unref(writ_keyset *keys);
size_t writ_keyset_count(const writ_keyset *keys);
const char *writ_keyset_kid(const writ_keyset *keys, size_t i);

/* Why a token was rejected. Values are only ever appended. */
enum writ_token_error {
	WRIT_TOKEN_VALID = 0,
	WRIT_TOKEN_TOO_LONG = 1,        /* over the verifier's maximum length */
	WRIT_TOKEN_MALFORMED = 2,       /* not three canonical base64url segments */
	WRIT_TOKEN_BAD_HEADER = 3,      /* header JSON, typ, kid or crit */
	WRIT_TOKEN_BAD_ALG = 4,         /* alg missing or not allowed */
	WRIT_TOKEN_UNKNOWN_KID = 5,     /* no key with that kid */
	WRIT_TOKEN_KEY_MISMATCH = 6,    /* the key does not fit the alg */
	WRIT_TOKEN_BAD_SIGNATURE = 7,   /* length, range or verification */
	WRIT_TOKEN_BAD_CLAIMS = 8,      /* claims JSON or a claim's type */
	WRIT_TOKEN_WRONG_ISSUER = 9,
	WRIT_TOKEN_WRONG_AUDIENCE = 10,
	WRIT_TOKEN_EXPIRED = 11,
	WRIT_TOKEN_NOT_YET_VALID = 12,  /* nbf in the future */
	WRIT_TOKEN_ISSUED_IN_FUTURE = 13, /* iat in the future */
	WRIT_TOKEN_BAD_SCOPE = 14,      /* scope claim malformed */
	WRIT_TOKEN_UNVERIFIED = 15,     /* no verification has succeeded yet */
};

/* The verifier: configured once, then used from any number of threads. */
typedef struct writ_verifier writ_verifier;

typedef double (*writ_clock_fn)(void *arg);

/* A verifier with the defaults: algorithms ES256, RS256 and EdDSA, leeway
 * 0, maximum length 65536, a cache of 4096 tokens (see
 * writ_verifier_set_cache). Keys, issuer and audience must be set. The
 * setters are for configuring: none may run while the verifier is in use. */
writ_verifier *writ_verifier_new(void);
void writ_verifier_free(writ_verifier *v);
/* Takes its own reference to keys. */
int writ_verifier_set_keys(writ_verifier *v, writ_keyset *keys);
int writ_verifier_set_issuer(writ_verifier *v, const char *issuer);
int writ_verifier_set_audience(writ_verifier *v, const char *audience);
/* Comma-separated names among ES256, ES384, RS256, PS256, EdDSA, compared
 * exactly. "none" and HMAC algorithms are never accepted. */
int writ_verifier_set_algorithms(writ_verifier *v, const char *list);
/* Clock skew allowed for exp, nbf and iat: at most 300 seconds. */
int writ_verifier_set_leeway(writ_verifier *v, unsigned seconds);
/* Longest token accepted, in bytes: at most 65536. */
int writ_verifier_set_max_length(writ_verifier *v, size_t bytes);
/* The clock, in seconds since the epoch; NULL for the system's. */
int writ_verifier_set_clock(writ_verifier *v, writ_clock_fn fn, void *arg);

/*
 * The cache of verified tokens: a token presented again skips the signature
 * check and the parsing, and costs a SHA-256 of its bytes and a lookup.
 * Only successes are kept, under the SHA-256 of the exact token bytes;
 * exp, nbf and iat are checked against the clock on every hit, with the
 * same result as a full verification, so a cached token expires on time.
 * Each setter above but the clock's empties it, and this one starts a
 * new, empty cache. It keeps at most entries
 * tokens (rounded up to a multiple of 128; at most 1048576), dropping the
 * least recently used; tokens longer than 8192 bytes are verified every
 * time. 0 turns it off. The default, 4096, holds the live tokens of a
 * busy gateway in about 6 MB (an entry is the parsed claims: some 1.4 KB
 * for a token of seven claims). Any number of threads share it, behind
 * sharded locks. WRIT_OK, WRIT_EINVAL, WRIT_ENOMEM (the cache is then as
 * it was).
 */
int writ_verifier_set_cache(writ_verifier *v, size_t entries);

writ_token *writ_token_new(void);
void writ_token_free(writ_token *t);

/*
 * Validate token[0..len) exactly as given (nothing is trimmed). Returns
 * WRIT_OK, with the claims readable through t; WRIT_ETOKEN, with the reason
 * through writ_token_error() and writ_token_reason(); WRIT_EINVAL when the
 * verifier lacks keys, issuer or audience; WRIT_ENOMEM.
 */
int writ_verify(const writ_verifier *v, const char *token, size_t len,
                writ_token *t);

enum writ_token_error writ_token_error(const writ_token *t);
/* A short English reason, e.g. "expired" or "unknown kid \"k2\"". */
const char *writ_token_reason(const writ_token *t);
/* The claims of a valid token, owned by t until its next use. NULL when
 * absent. The scope is "" when the token has none. */
const char *writ_token_scope(const writ_token *t);
const char *writ_token_subject(const writ_token *t);
const char *writ_token_client_id(const writ_token *t);
const char *writ_token_jti(const writ_token *t);
double writ_token_expires(const writ_token *t);
/* A string claim by name, or NULL when absent or not a string. */
const char *writ_token_claim_string(const writ_token *t, const char *name);
/* Every claim as compact JSON; caller frees with free(). */
char *writ_token_claims_json(const writ_token *t);

/*
 * A signer: a private key read from PEM, with its alg and kid (the RFC 7638
 * thumbprint of its public key unless one is given). Returns WRIT_EIO when
 * the file cannot be read, WRIT_EKEY when it must not or cannot be used: a
 * key file that group or others may access, an encrypted or unsupported key.
 */
typedef struct writ_signer writ_signer;

int writ_signer_load(const char *pem_path, const char *kid, writ_signer **out,
                     char *err, size_t errlen);
void writ_signer_free(writ_signer *s);
/*
 * Generate a private key for alg ("ES256", "ES384", "RS256" (3072-bit) or
 * "EdDSA") and write it as PEM to a new file of mode 0600; an existing file
 * is never overwritten.
 */
int writ_key_generate(const char *alg, const char *pem_path, char *err,
                      size_t errlen);
const char *writ_signer_kid(const writ_signer *s);
const char *writ_signer_alg(const writ_signer *s);
/* The public key as a JWK object, compact JSON; caller frees with free(). */
char *writ_signer_public_jwk(const writ_signer *s);

/*
 * Mint an access token through the grant API: issuer = the policy's,
 * aud = resource (NULL: the default resource), sub = client_id = the app,
 * scope = what writ_grant() grants (omitted when empty), iat = now,
 * exp = now + ttl (ttl 0: the resource's lifetime), a random jti.
 * *token receives the compact JWS; caller frees with free().
 */
int writ_mint(const writ_signer *s, const writ_policy *policy,
              const char *client_id, const char *resource,
              const char *scope, size_t scope_len, uint32_t ttl, double now,
              char **token);

/* ------------------------------------------------------------------------
 * The token endpoint: one client_credentials token request (RFC 6749
 * §4.4) with a resource indicator (RFC 8707), from the parts of an HTTP
 * request to the parts of its answer. The HTTP server around it (`writ
 * serve`, or an embedder's own) checks the method, the content type
 * (application/x-www-form-urlencoded) and the body's size first.
 * ------------------------------------------------------------------------ */

/* Zero it, set size to sizeof(struct writ_token_request), fill it in;
 * members are only ever appended. */
struct writ_token_request {
	size_t size;
	const char *peer;                  /* the peer's address as text, or NULL */
	double now;                        /* seconds since the epoch; 0: the clock */
	const char *const *authorization;  /* each Authorization header's value */
	size_t nauthorization;             /* how many there were (2 or more: refused) */
	const char *body;                  /* the form body, body_len bytes */
	size_t body_len;
	unsigned flags;                    /* WRIT_TOKEN_* */
};

/*
 * Answer only if no slow secret hash is needed: when the client's secret
 * is not one its policy has already seen match (an unknown client, a
 * wrong secret, a first request), return WRIT_EAGAIN and make no reply.
 * A server answers from its I/O threads with this flag and hands the
 * WRIT_EAGAIN requests to threads of their own, so that a burst of wrong
 * secrets cannot stall the clients whose secrets are proven.
 */
#define WRIT_TOKEN_FAST_ONLY 1u

/* The answer: reusable, reset by each call that is given it. */
typedef struct writ_reply writ_reply;

writ_reply *writ_reply_new(void);
void writ_reply_free(writ_reply *reply);

/*
 * Decide the request and make its answer. The client is authenticated by
 * the client stack (HTTP Basic, the id and secret form-urldecoded, or
 * client_id and client_secret in the body; never both), the scopes come
 * from the resource's grant stack, and a token is signed by s:
 * RFC 9068, aud = the resource (absent: the policy's default one),
 * sub = client_id = the app, lifetime = the resource's or issuer's.
 *
 * Returns WRIT_OK when an answer was made, a token or an RFC 6749 §5.2
 * error alike (writ_reply_status() tells); WRIT_EAGAIN (only with
 * WRIT_TOKEN_FAST_ONLY); WRIT_ENOMEM, WRIT_ECRYPTO (the server's fault:
 * answer 500) or WRIT_EINVAL (bad arguments, or a policy without an
 * issuer), with the reply empty.
 */
int writ_token_endpoint(const writ_policy *policy, const writ_signer *s,
                        const struct writ_token_request *req, writ_reply *reply);

/* 200, 400 or 401. */
unsigned writ_reply_status(const writ_reply *reply);
/* The JSON body: the token response, or {"error", "error_description"}.
 * Send it with Cache-Control: no-store and Pragma: no-cache. */
const char *writ_reply_body(const writ_reply *reply, size_t *len);
/* The RFC 6749 §5.2 error code, or NULL on success. */
const char *writ_reply_error(const writ_reply *reply);
/* 1 when the answer is 401 and needs WWW-Authenticate: Basic. */
int writ_reply_challenge(const writ_reply *reply);
/* 1 when client credentials were presented and failed: what a server
 * counts to slow down guessing. */
int writ_reply_auth_failed(const writ_reply *reply);
/* For a log line: the client id presented (printable ASCII), the resource
 * asked for or defaulted to, the scope requested (at most 2048 bytes) and
 * the scope granted, the token's jti; NULL when not known. None of them
 * is ever a secret or a token. */
const char *writ_reply_client(const writ_reply *reply);
const char *writ_reply_resource(const writ_reply *reply);
const char *writ_reply_requested_scope(const writ_reply *reply);
const char *writ_reply_scope(const writ_reply *reply);
const char *writ_reply_jti(const writ_reply *reply);
/* The token's lifetime in seconds (the expires_in sent), or 0. */
uint32_t writ_reply_expires_in(const writ_reply *reply);

/* ------------------------------------------------------------------------
 * A resource's routes, read-only, for tools such as `writ diff`. r is a
 * resource index as in the iteration above; out-of-range indexes give 0
 * or NULL. Each route is given as its canonical line, the text that
 * writ_decision_route() gives too:
 *
 *   route METHODS "TEMPLATE" requires P1, P2
 *   route METHODS "TEMPLATE" requires any P1, P2
 *   route METHODS "TEMPLATE" public
 *
 * METHODS is "any" or the methods as written, separated by ", "; the
 * permissions are as written. A template never holds '"' (writ.policy(5)),
 * so the line splits at its quotes into the route (methods and template,
 * unique within the resource) and its requirement.
 * ------------------------------------------------------------------------ */

size_t writ_route_count(const writ_policy *policy, size_t r);
/* Route i of resource r, in the order requests are matched against them:
 * most specific first (writ.policy(5), ROUTES). */
const char *writ_route_text(const writ_policy *policy, size_t r, size_t i);
/* 1 when a request that no route of r matches passes with any valid token
 * (`unrouted token`), 0 when it is refused (`unrouted deny`, the default). */
int writ_route_unrouted_token(const writ_policy *policy, size_t r);

/* The stack a facility runs for resource r (its own, else the top-level
 * one, declared or built in), r = -1 for the top-level stack itself; the
 * client facility always runs the top-level one. Its lines as the policy
 * wrote them, includes inlined, each indented two spaces per substack
 * level: "requisite network allow=10.0.0.0/8", "substack NAME", "required
 * rbac (built-in default)". 0 or NULL when r or the facility is out of
 * range. Owned by the policy. */
size_t writ_stack_count(const writ_policy *policy, long r, enum writ_facility facility);
const char *writ_stack_line(const writ_policy *policy, long r, enum writ_facility facility,
                            size_t i);

/* ------------------------------------------------------------------------
 * The gateway decision: may one HTTP request go through to a resource? From
 * the parts of the request to the status and WWW-Authenticate challenge of
 * the answer (RFC 6750 §3), by the resource's routes (writ.policy(5)).
 * ------------------------------------------------------------------------ */

/* The answer: reusable, reset by each call that is given it. */
typedef struct writ_decision writ_decision;

writ_decision *writ_decision_new(void);
void writ_decision_free(writ_decision *d);

/*
 * May this request go through? authorization: the Authorization header's
 * value, or NULL when there is none; method: the HTTP method (compared
 * exactly: HEAD is not GET); target: the request-target as received (path
 * and query); resource: the resource indicator (NULL: the policy's
 * default), which is also the challenge's realm; v: a verifier whose
 * audience is that resource; req: peer and time for the access stack (may
 * be NULL; its method and path are replaced by these, the path normalized).
 *
 * The order:
 *  1. The resource; unknown: WRIT_ENORESOURCE (the caller's mistake, so
 *     it comes before anything of the request is read).
 *  2. The path, normalized (path_normalize rules: dot-segments removed,
 *     %2F, "//", ";" and the like refused, the query ignored). Refused:
 *     400 invalid_request, the description saying why.
 *  3. The route (method, path). A `public` route: allowed (200) with no
 *     token, whatever the Authorization header holds or lacks.
 *  4. The token. No Authorization header: 401 with no error code (RFC 6750
 *     §3.1) and the challenge Bearer realm="RESOURCE". A header that is
 *     not "Bearer TOKEN": 400 invalid_request. A token v rejects: 401
 *     invalid_token, the description its writ_token_reason().
 *  5. No route matched: under `unrouted deny` 403 insufficient_scope
 *     ("no route of this resource allows METHOD PATH", no scope); under
 *     `unrouted token` the stack runs with no route requirement.
 *  6. The resource's access stack, with the route: `scope` with no
 *     arguments (the default stack) enforces the route's requirement, all
 *     of its permissions (`requires`) or one (`requires any`). A deny
 *     fixed by a `scope` line: 403 insufficient_scope, with scope= the
 *     first missing permission (`requires`, or scope's argument) or every
 *     permission of the route (`requires any`). A deny fixed by another
 *     module: 403 with no error code (RFC 6750 has none for it), the
 *     stack's reason as description and the challenge Bearer
 *     realm="RESOURCE".
 *  7. Allowed: 200, the verified token readable from the decision.
 *
 * Returns WRIT_OK when decided, allowed or not (see the accessors);
 * WRIT_ENORESOURCE; WRIT_EINVAL (bad arguments, or a verifier without keys,
 * issuer or audience); WRIT_ENOMEM. On an error the decision is empty
 * (status 0, not allowed).
 */
int writ_authorize(const writ_policy *policy, const writ_verifier *v, const char *resource,
                   const char *method, const char *target, const char *authorization,
                   const struct writ_request *req, writ_decision *d);

/* 1 when the request may go through, else 0. */
int writ_decision_allowed(const writ_decision *d);
/* 200, 400, 401 or 403 (0 before a decision). */
unsigned writ_decision_status(const writ_decision *d);
/* The RFC 6750 §3.1 error code: NULL (allowed, no credentials, a denial
 * by a module other than scope), "invalid_request", "invalid_token" or
 * "insufficient_scope". */
const char *writ_decision_error(const writ_decision *d);
/* Why, in one English phrase, or NULL. It never holds the token; it may
 * quote the method and the normalized path. */
const char *writ_decision_description(const writ_decision *d);
/* For insufficient_scope from a scope line: the scope(s) needed, else NULL. */
const char *writ_decision_scope(const writ_decision *d);
/* The WWW-Authenticate value to send with a 400, 401 or 403; NULL when
 * allowed. Bytes of the description outside %x20-7E, '"' and '\' are
 * written as '?'. */
const char *writ_decision_challenge(const writ_decision *d);
/* The winning route as a canonical line (route_text), or NULL. Owned by
 * the policy the decision was made with: valid while the caller holds it,
 * as it does to make the decision. */
const char *writ_decision_route(const writ_decision *d);
/* Record the access stack's lines of d's next decisions into trace (NULL:
 * stop). Each decision empties the trace first; a decision settled before
 * the stack (path, route, token) leaves it empty. The trace stays the
 * caller's, to outlive d or be set to NULL before it is freed. */
void writ_decision_set_trace(writ_decision *d, writ_trace *trace);
/* The verified token when allowed through a token, else NULL; owned by
 * the decision until its next use. */
const writ_token *writ_decision_token(const writ_decision *d);

/* ------------------------------------------------------------------------
 * The gateway: every resource's decision against every issuer the policy
 * trusts. A policy's `trust` blocks name other issuers (another writ, an
 * OpenID provider) with their JWKS, from a file or an https URL; the
 * gateway holds their current key sets, refreshes the URLs in a thread of
 * its own (by Cache-Control within the block's bounds, and when a token
 * names a kid no trusted set has, at most once per refresh-min), keeps the
 * last good set when a fetch fails, and makes a verifier per resource on
 * first use.
 *
 * A token's key is found by its kid among the sets of every trusted issuer;
 * its iss must then be that issuer's identifier. A kid published by two
 * issuers is refused (the claims are never read to choose a key). A set
 * that drops a kid empties the verified-token caches of its issuer, so a
 * key withdrawn by its issuer stops tokens at once.
 * ------------------------------------------------------------------------ */

typedef struct writ_gateway writ_gateway;

/* Zero it, set size to sizeof(struct writ_gateway_options), fill it in;
 * members are only ever appended. A NULL options pointer: the defaults. */
struct writ_gateway_options {
	size_t size;
	/* The public keys of the policy's own issuer (its `issuer` block), for
	 * a process that holds them, such as `writ serve`: they take the place
	 * of a `trust` block naming that issuer. NULL: only `trust` blocks. */
	writ_keyset *own_keys;
	/* A gateway this one replaces (a reload): the sets it fetched from
	 * URLs this policy trusts too are taken over, so a failing first fetch
	 * keeps the last good set. NULL: none. */
	const writ_gateway *previous;
	/* Tokens cached per resource (writ_verifier_set_cache); 0: 4096. */
	size_t cache_entries;
	unsigned flags;             /* WRIT_GATEWAY_* */
};

/* Do not fetch JWKS URLs in writ_gateway_new(): their issuers have no
 * keys until writ_gateway_refresh() or the thread fetches them. */
#define WRIT_GATEWAY_NO_FETCH 1u

/*
 * A gateway for policy (which it references). JWKS files are read and URLs
 * fetched (unless WRIT_GATEWAY_NO_FETCH) before it returns. A file that
 * cannot be read or parsed fails the call (WRIT_EIO, WRIT_EKEY, with a
 * message naming the file); a URL that cannot be fetched does not: its
 * issuer has no keys (or the previous gateway's) until a fetch succeeds,
 * and writ_gateway_issuer_error() says why. WRIT_OK, WRIT_EINVAL,
 * WRIT_ENOMEM, WRIT_EIO, WRIT_EKEY.
 */
int writ_gateway_new(const writ_policy *policy, const struct writ_gateway_options *opt,
                     writ_gateway **out, char *err, size_t errlen);
/* Stops its thread, if started, and frees it. */
void writ_gateway_free(writ_gateway *g);

/*
 * Start the thread that refreshes JWKS URLs. Call it in the process that
 * will use the gateway (after fork(), e.g. in each nginx worker). Without
 * URL trust blocks no thread is started. WRIT_OK, WRIT_ENOMEM.
 */
int writ_gateway_start(writ_gateway *g);

/*
 * Fetch now every JWKS URL whose refresh is due (all of them when force),
 * in the calling thread, and say in *next (when not NULL) how many seconds
 * until the next one is due. For embedders that run their own timers
 * instead of writ_gateway_start(). Returns how many fetches failed.
 */
int writ_gateway_refresh(writ_gateway *g, int force, double *next);

/*
 * writ_authorize() for the resource (NULL: the policy's default), with
 * the gateway's verifier for it. Any number of threads may call it at
 * once. Returns as writ_authorize().
 */
int writ_gateway_authorize(writ_gateway *g, const char *resource, const char *method,
                           const char *target, const char *authorization,
                           const struct writ_request *req, writ_decision *d);

/* The trusted issuers, own issuer first when its keys were given. */
size_t writ_gateway_issuer_count(const writ_gateway *g);
const char *writ_gateway_issuer(const writ_gateway *g, size_t i);
/* Keys in the issuer's current set (0: none yet). */
size_t writ_gateway_issuer_keys(const writ_gateway *g, size_t i);
/* Why its last fetch or read failed, or NULL when it succeeded. */
const char *writ_gateway_issuer_error(const writ_gateway *g, size_t i,
                                      char *buf, size_t buflen);
/* Fetches of its URL so far: succeeded and failed. */
void writ_gateway_issuer_fetches(const writ_gateway *g, size_t i,
                                 unsigned long *ok, unsigned long *failed);

/* ------------------------------------------------------------------------
 * App secrets.
 * ------------------------------------------------------------------------ */

/*
 * Hash an app's client secret, secret[0..len) (NUL bytes allowed), for its
 * `secret` line: a new PHC string $scrypt$ln=15,r=8,p=1$SALT$HASH with a
 * random 16-byte salt and a 32-byte hash. *phc receives it; caller frees
 * with free(). WRIT_OK, WRIT_ENOMEM, WRIT_ECRYPTO, WRIT_EINVAL.
 */
int writ_secret_hash(const char *secret, size_t len, char **phc);

#ifdef __cplusplus
}
#endif

#endif /* WRIT_H */
