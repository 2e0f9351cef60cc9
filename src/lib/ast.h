/*
 * ast.h: the syntax tree of a policy, as the parser builds it and the
 * semantic pass annotates it. Every node lives in the load's arena and is
 * freed with it, so error recovery never leaks a half-built node.
 */
#ifndef WRIT_AST_H
#define WRIT_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A source range: [line:col, end_line:end_col), columns in code points. */
struct span {
	uint32_t file; /* index into the load's source table */
	uint32_t line, col;
	uint32_t end_line, end_col;
};

/* A name or string as written, NUL-terminated, never containing NUL. A
 * setting's keyword span is kept beside it in its block (NAME_key): texts
 * are the most common thing in the tree, and most are no setting. */
struct ast_text {
	const char *s; /* NULL when absent */
	size_t len;
	struct span sp;
	bool bad;        /* a string with an error inside (already reported):
	                    its text is not what was meant, so nothing more is
	                    said about it */
};

/* A reference to something declared elsewhere, in a list. */
struct ast_ref {
	struct ast_text name;
	long target; /* resolved index, or -1 */
	struct ast_ref *next;
};

struct ast_permission {
	struct ast_text name;
	struct ast_text description;
	uint32_t id;      /* global permission id, set by the semantic pass */
	bool granted;     /* some role grants it */
	bool valid;       /* registered under its name (not a duplicate) */
	struct ast_permission *next;
};

enum ast_route_rule { AST_ROUTE_ALL = 1, AST_ROUTE_ANY, AST_ROUTE_PUBLIC };

/* One segment of a route template. */
enum ast_seg_kind { AST_SEG_LITERAL = 2, AST_SEG_PARAM = 1, AST_SEG_WILDCARD = 0 };

struct ast_seg {
	enum ast_seg_kind kind; /* also its specificity: literal > param > wildcard */
	const char *s;          /* the literal, or the parameter's name */
	size_t len;
};

/* One `route METHODS "TEMPLATE" requires ...;` line. */
struct ast_route {
	struct ast_ref *methods;     /* NULL after the check for `any` */
	bool any_method;             /* set by the check */
	size_t nmethods;             /* set by the check */
	struct ast_text tmpl;
	struct ast_seg *segs;        /* set by the check, in the arena */
	size_t nsegs;
	enum ast_route_rule rule;
	struct ast_ref *perms;       /* target: local permission index */
	struct span sp;              /* the 'route' keyword */
	struct span rule_sp;         /* 'requires' or 'public' */
	bool valid;                  /* no error of its own */
	struct ast_route *next;
};

struct ast_resource {
	struct ast_text indicator;
	struct ast_text name;
	struct ast_text description;
	struct ast_text token_ttl;
	struct span name_key, description_key, token_ttl_key, unrouted_key;
	uint32_t ttl;     /* 0 when not set */
	struct span default_sp;
	bool is_default;
	struct ast_permission *perms, **perms_tail;
	size_t nperms;
	struct ast_ref *default_scope, **default_scope_tail;
	struct span default_scope_sp; /* of the first default-scope line */
	bool has_default_scope;
	uint32_t perm_base; /* first global permission id */
	bool valid;         /* registered under its indicator */
	struct ast_route *routes, **routes_tail;
	size_t nroutes;
	struct ast_text unrouted; /* deny | token; .s NULL: deny */
	bool unrouted_token;      /* set by the check */
	struct ast_resource *next;
};

/* One `grant P, ... on R, ...;` line. */
struct ast_grant {
	struct ast_ref *perms, **perms_tail;
	struct ast_ref *resources, **resources_tail;
	struct span sp;
	struct ast_grant *next;
};

enum ast_kind { AST_APPS = 1, AST_USERS = 2 };

struct ast_role {
	struct ast_text name;
	enum ast_kind kind;
	struct ast_text description;
	struct span description_key;
	struct ast_grant *grants, **grants_tail;
	uint32_t *perm_ids;  /* resolved, sorted, unique; set by the semantic pass */
	size_t nperm_ids;
	bool assigned;
	bool valid; /* registered under its name (not a duplicate) */
	struct ast_role *next;
};

struct ast_secret {
	struct ast_text hash;
	struct ast_text expires;
	int64_t expires_at; /* seconds since the epoch; 0 when none */
	struct ast_secret *next;
};

struct ast_principal {
	enum ast_kind kind; /* AST_APPS for an app, AST_USERS for a user */
	struct ast_text id;
	struct ast_text name;
	struct ast_text description;
	struct span name_key, description_key;
	struct ast_secret *secrets, **secrets_tail;
	struct ast_ref *roles, **roles_tail;
	bool has_roles_line;
	struct ast_principal *next;
};

/* One `[value=action]` pair of a stack line. */
struct ast_action {
	struct ast_text value, action;
	struct span sp;
	struct ast_action *next;
};

/* One line of a stack: CONTROL MODULE ARG... or [value=action...] MODULE ARG...,
 * where CONTROL may be include or substack, MODULE then naming a stack. */
struct ast_stack_line {
	struct ast_text control;     /* .s NULL for the [value=action] form */
	struct ast_action *actions, **actions_tail;
	struct span sp;              /* the control */
	struct ast_text module;
	struct ast_text *args;       /* in the arena */
	size_t nargs, capargs;
	bool reported;               /* a nesting problem was said already */
	bool flow_reported;          /* W022 or W023 was said already */
	struct ast_stack_line *next;
};

struct ast_stack {
	struct ast_text name;        /* .s NULL for a facility's default stack */
	struct ast_text facility;
	struct span sp;              /* the 'stack' keyword */
	struct ast_resource *resource; /* NULL at top level */
	struct ast_stack_line *lines, **lines_tail;
	size_t nlines;
	int facility_id;             /* set by the semantic pass; 0 if invalid */
	bool nesting_bad;            /* set by the semantic pass: it cannot be flattened */
	struct ast_stack *next;
};

struct ast_signing_key {
	struct ast_text path;
	struct ast_ref *options;     /* current | next | previous, kid "ID" */
	int state;                   /* enum writ_key_state, set by the check */
	struct ast_text kid;
	char *resolved;              /* path from the policy file's directory */
	struct ast_signing_key *next;
};

struct ast_issuer {
	struct ast_text url;
	struct ast_text token_ttl;
	struct span token_ttl_key;
	uint32_t ttl;
	struct ast_signing_key *keys, **keys_tail;
	struct ast_issuer *next;
};

/* trust "ISSUER" { jwks "FILE-or-URL"; refresh-min D; refresh-max D;
 * algorithms A, B; } */
struct ast_trust {
	struct ast_text id;
	struct ast_text jwks, refresh_min, refresh_max;
	struct span jwks_key, refresh_min_key, refresh_max_key;
	struct ast_ref *algorithms;
	struct span algorithms_sp;
	/* Set by the semantic pass. */
	bool url;                    /* jwks is an http(s) URL, else a file */
	char *resolved;              /* a file's path from the policy file's directory */
	uint32_t rmin, rmax;         /* seconds */
	unsigned algs;               /* 1 << enum jws_alg; 0: the verifier's */
	struct ast_trust *next;
};

struct ast_policy {
	struct ast_issuer *issuers, **issuers_tail;
	struct ast_trust *trusts, **trusts_tail;
	struct ast_resource *resources, **resources_tail;
	struct ast_role *roles, **roles_tail;
	struct ast_principal *apps, **apps_tail;
	struct ast_principal *users, **users_tail;
	struct ast_stack *stacks, **stacks_tail;
	size_t nissuers, ntrusts;
	size_t nresources, nroles, napps, nusers, nperms, nstacks;
};

#endif
