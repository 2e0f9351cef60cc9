/*
 * writ_module.h: the interface between writ and its decision modules.
 *
 * A stack (see writ.policy(5)) is a list of lines, each naming a module
 * with arguments; writ runs them with Linux-PAM's control semantics. A
 * module is one exported struct, `writ_module`, of the type below. Built-in
 * modules use the same struct; a loadable module is a shared object in the
 * module directory that exports the symbol WRIT_MODULE_SYMBOL.
 *
 * Versioning: `abi` is WRIT_MODULE_ABI (major << 16 | minor) of the header
 * the module was built with. writ refuses another major version; members
 * are only ever appended, and a member added in minor N is read only from
 * modules whose minor is at least N.
 */
#ifndef WRIT_MODULE_H
#define WRIT_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include "writ.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WRIT_MODULE_TAG 0x77726d64u /* "wrmd": this is a writ module */
#define WRIT_MODULE_ABI_MAJOR 1
#define WRIT_MODULE_ABI_MINOR 0
#define WRIT_MODULE_ABI ((WRIT_MODULE_ABI_MAJOR << 16) | WRIT_MODULE_ABI_MINOR)
/* The name of the one symbol a loadable module exports. */
#define WRIT_MODULE_SYMBOL "writ_module"

/* What a module's decide() returns. Anything else counts as an error and
 * makes the line fail (writ fails closed). */
enum writ_module_result {
	WRIT_MODULE_SUCCESS = 0, /* yes */
	WRIT_MODULE_DENY = 1,    /* no */
	WRIT_MODULE_IGNORE = 2,  /* no opinion: this line does not count */
	WRIT_MODULE_ERROR = 3,   /* could not decide (bad input, system error) */
};

/* What a request carries, read-only, for the module deciding on it. */
typedef struct writ_context writ_context;

struct writ_module {
	uint32_t tag;        /* WRIT_MODULE_TAG */
	uint32_t abi;        /* WRIT_MODULE_ABI */
	const char *name;    /* as written in policies */
	uint32_t facilities; /* bits (1u << WRIT_FACILITY_*) where it may stand */

	/*
	 * Check a line's arguments when the policy is loaded, and make the
	 * line's state (which may stay NULL). On error return -1, write a
	 * message into err and, when one argument is at fault, its index into
	 * *bad_arg (the diagnostic then points at it). May be NULL when the
	 * module takes no arguments.
	 */
	int (*open)(int argc, const char *const *argv, void **state,
	            char *err, size_t errlen, int *bad_arg);
	/*
	 * Decide one request. reason (reasonlen bytes, may be written) says
	 * why, for `writ explain` and logs; never put a secret in it. When
	 * reasonlen is 0 nobody asked why: skip formatting it. Called
	 * from any number of threads at once: state is read-only here.
	 */
	int (*decide)(const void *state, const writ_context *ctx,
	              char *reason, size_t reasonlen);
	/* Free the line's state (may be NULL). */
	void (*close)(void *state);
};

/* ---- reading the context ---- */

enum writ_facility writ_context_facility(const writ_context *ctx);
/* The app's client_id (client and grant facilities, and access when the
 * token names one), or NULL. */
const char *writ_context_client_id(const writ_context *ctx);
/* The principal the decision is for, and its kind; NULL when none. */
const char *writ_context_principal(const writ_context *ctx,
                                   enum writ_principal_kind *kind);
/* The resource indicator the decision is about. */
const char *writ_context_resource(const writ_context *ctx);
/* The scopes requested (grant), or carried by the token (access). */
const char *writ_context_requested_scope(const writ_context *ctx);
/* A string claim of the verified token (access facility), or NULL. */
const char *writ_context_claim(const writ_context *ctx, const char *name);
/* The HTTP method and path of the request (access facility), or NULL. */
const char *writ_context_method(const writ_context *ctx);
const char *writ_context_path(const writ_context *ctx);
/* The peer's address as text (IPv4 or IPv6), or NULL when unknown. */
const char *writ_context_peer(const writ_context *ctx);
/* The time of the decision, in seconds since the epoch. */
double writ_context_time(const writ_context *ctx);
/* The secret the client presented (client facility), or NULL. */
const char *writ_context_client_secret(const writ_context *ctx, size_t *len);

/* ---- the granted scopes (grant facility): narrowing only ---- */

/* 1 when scope is in the granted set now, else 0. */
int writ_context_scope_granted(const writ_context *ctx, const char *scope);
/* Remove scope from the granted set; modules can never add one. Returns
 * WRIT_OK, or WRIT_EINVAL outside the grant facility. */
int writ_context_scope_remove(const writ_context *ctx, const char *scope);

#ifdef __cplusplus
}
#endif

#endif /* WRIT_MODULE_H */
