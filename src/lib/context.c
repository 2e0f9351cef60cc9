/*
 * context.c: running a facility's stack for one request. The context is
 * what modules may read; the granted set of the grant facility is a bitset
 * over the resource's permissions that only `rbac` fills and any module
 * may narrow. The trace records each line for `writ explain`.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "context.h"
#include "table.h"
#include "validate.h"

/* Resources with up to this many permissions are decided with no
 * allocation; larger ones allocate their granted set. */
enum { SMALL_WORDS = 64 };

/* ---- accessors ---- */

enum writ_facility writ_context_facility(const writ_context *c)
{
	return c->facility;
}

const char *writ_context_client_id(const writ_context *c)
{
	if (c->kind == WRIT_PRINCIPAL_APP && c->principal)
		return c->principal->id;
	return c->token ? writ_token_client_id(c->token) : NULL;
}

const char *writ_context_principal(const writ_context *c, enum writ_principal_kind *kind)
{
	if (kind)
		*kind = c->kind;
	if (c->principal)
		return c->principal->id;
	return c->token ? writ_token_subject(c->token) : NULL;
}

const char *writ_context_resource(const writ_context *c)
{
	return c->resource >= 0 ? c->policy->resources[c->resource].indicator : NULL;
}

const char *writ_context_requested_scope(const writ_context *c)
{
	if (c->facility == WRIT_FACILITY_ACCESS)
		return c->token ? writ_token_scope(c->token) : NULL;
	return c->requested;
}

const char *writ_context_claim(const writ_context *c, const char *name)
{
	return c->token ? writ_token_claim_string(c->token, name) : NULL;
}

const char *writ_context_method(const writ_context *c)
{
	return c->req ? c->req->method : NULL;
}

const char *writ_context_path(const writ_context *c)
{
	return c->req ? c->req->path : NULL;
}

const char *writ_context_peer(const writ_context *c)
{
	return c->req ? c->req->peer : NULL;
}

double writ_context_time(const writ_context *c)
{
	/* Read when a module asks: most decisions never look at the clock. */
	return context_now(c->req);
}

const char *writ_context_client_secret(const writ_context *c, size_t *len)
{
	if (c->facility != WRIT_FACILITY_CLIENT || !c->req || !c->req->secret)
		return NULL;
	if (len)
		*len = c->req->secret_len;
	return c->req->secret;
}

static long granted_id(const writ_context *c, const char *scope)
{
	long id;

	if (c->facility != WRIT_FACILITY_GRANT || c->resource < 0 || !scope)
		return -1;
	id = table_find_perm(c->policy, (uint32_t)c->resource, scope, strlen(scope));
	return id < 0 ? -1 : id - (long)c->policy->resources[c->resource].perm_base;
}

int writ_context_scope_granted(const writ_context *c, const char *scope)
{
	long i = granted_id(c, scope);

	return i >= 0 && (c->granted[i / 64] >> (i % 64) & 1);
}

int writ_context_scope_remove(const writ_context *c, const char *scope)
{
	long i;

	if (c->facility != WRIT_FACILITY_GRANT)
		return WRIT_EINVAL;
	i = granted_id(c, scope);
	if (i >= 0)
		c->granted[i / 64] &= ~(1ULL << (i % 64));
	return WRIT_OK;
}

/* The ceiling of a grant: requested ∩ declared ∩ held (the `rbac` module). */
void context_grant_ceiling(const writ_context *c)
{
	const struct writ_policy *t = c->policy;
	const struct t_resource *res = &t->resources[c->resource];
	const struct t_hold *hold = table_find_hold(t, c->principal, (uint32_t)c->resource);
	const char *s = c->requested;
	size_t len = c->requested_len, i = 0;

	if (!hold)
		return;
	while (i < len) {
		size_t start;
		long id;
		while (i < len && s[i] == ' ')
			i++;
		start = i;
		while (i < len && s[i] != ' ')
			i++;
		if (i == start)
			break;
		id = table_find_perm(t, (uint32_t)c->resource, s + start, i - start);
		if (id >= 0) {
			uint32_t local = (uint32_t)id - res->perm_base;
			c->granted[local / 64] |= t->bits[hold->bits + local / 64] & (1ULL << (local % 64));
		}
	}
}

/* ---- traces ---- */

struct trace_line {
	char *text;
	char *added, *removed; /* grant: scopes the line put in or took out */
};

struct writ_trace {
	struct trace_line *lines;
	size_t n, cap;
	char verdict[16];
	/* grant: the granted set after the previous line, to tell what each
	 * line changed */
	uint64_t *seen;
	size_t seen_words, seen_cap;
};

writ_trace *writ_trace_new(void)
{
	return calloc(1, sizeof(writ_trace));
}

void trace_clear(writ_trace *tr)
{
	size_t i;

	for (i = 0; i < tr->n; i++) {
		free(tr->lines[i].text);
		free(tr->lines[i].added);
		free(tr->lines[i].removed);
	}
	tr->n = 0;
	tr->verdict[0] = '\0';
	tr->seen_words = 0;
}

void writ_trace_free(writ_trace *tr)
{
	if (!tr)
		return;
	trace_clear(tr);
	free(tr->lines);
	free(tr->seen);
	free(tr);
}

size_t writ_trace_count(const writ_trace *tr)
{
	return tr ? tr->n : 0;
}

const char *writ_trace_line(const writ_trace *tr, size_t i)
{
	return tr && i < tr->n ? tr->lines[i].text : NULL;
}

const char *writ_trace_added(const writ_trace *tr, size_t i)
{
	return tr && i < tr->n ? (tr->lines[i].added ? tr->lines[i].added : "") : NULL;
}

const char *writ_trace_removed(const writ_trace *tr, size_t i)
{
	return tr && i < tr->n ? (tr->lines[i].removed ? tr->lines[i].removed : "") : NULL;
}

const char *writ_trace_verdict(const writ_trace *tr)
{
	return tr ? tr->verdict : NULL;
}

static const char *const result_words[] = { "success", "deny", "ignore", "error", "fail" };

void trace_begin(writ_trace *tr, const writ_context *c)
{
	trace_clear(tr);
	if (c->facility != WRIT_FACILITY_GRANT || !c->granted)
		return;
	if (tr->seen_cap < c->granted_words) {
		uint64_t *p = realloc(tr->seen, c->granted_words * sizeof(*p));
		if (!p)
			return; /* no record of changes: best effort, as every line */
		tr->seen = p;
		tr->seen_cap = c->granted_words;
	}
	tr->seen_words = c->granted_words;
	memcpy(tr->seen, c->granted, c->granted_words * sizeof(*tr->seen));
}

void trace_end(writ_trace *tr, int status)
{
	snprintf(tr->verdict, sizeof(tr->verdict), "%s",
	         status == WRIT_MODULE_SUCCESS ? "allow" : "deny");
}

/* The names of the permissions of c's resource whose bits are set in
 * a & ~b, in declaration order, or NULL when none (or out of memory). */
static char *set_difference(const writ_context *c, const uint64_t *a, const uint64_t *b)
{
	const struct t_resource *res = &c->policy->resources[c->resource];
	struct buf out;
	size_t w;

	buf_init(&out);
	for (w = 0; w < c->granted_words; w++) {
		uint64_t bits = a[w] & ~b[w];
		while (bits) {
			uint32_t local = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
			const struct t_perm *p = &c->policy->perms[res->perm_base + local];
			if (out.len)
				buf_putc(&out, ' ');
			buf_append(&out, p->name, p->len);
			bits &= bits - 1;
		}
	}
	if (!out.len) {
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out);
}

/* A line the stack ran: "requisite network allow=...: deny -> die (reason)",
 * and on a grant, what it changed in the granted set. */
void trace_add(void *arg, const writ_context *c, const struct t_line *line, int result,
               const char *action, const char *reason)
{
	writ_trace *tr = arg;
	struct trace_line *l;
	struct buf b;

	if (tr->n == tr->cap) {
		size_t cap = tr->cap ? tr->cap * 2 : 8;
		struct trace_line *p = realloc(tr->lines, cap * sizeof(*p));
		if (!p)
			return; /* a trace is best effort; the decision is not */
		tr->lines = p;
		tr->cap = cap;
	}
	l = &tr->lines[tr->n];
	memset(l, 0, sizeof(*l));
	buf_init(&b);
	buf_printf(&b, "%s: %s -> %s", line->text, result_words[result], action);
	if (reason && reason[0])
		buf_printf(&b, " (%s)", reason);
	if (!(l->text = buf_steal(&b)))
		return;
	if (tr->seen_words && tr->seen_words == c->granted_words) {
		l->added = set_difference(c, c->granted, tr->seen);
		l->removed = set_difference(c, tr->seen, c->granted);
		memcpy(tr->seen, c->granted, c->granted_words * sizeof(*tr->seen));
	}
	tr->n++;
}

/* ---- running a facility ---- */

int context_run(writ_context *c, writ_trace *tr)
{
	const struct t_stack *s = stack_for(c->policy, c->resource, c->facility);
	int status;

	if (tr)
		trace_begin(tr, c);
	status = stack_run(s, c, tr ? trace_add : NULL, tr);
	if (tr)
		trace_end(tr, status);
	return status;
}

double context_now(const struct writ_request *req)
{
	struct timespec ts;

	if (req && req->now > 0 && isfinite(req->now))
		return req->now;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool context_request_ok(const struct writ_request *req)
{
	/* A caller built against an older header passes a smaller size; this
	 * version needs every member it reads. */
	return !req || req->size >= sizeof(*req);
}

int context_lookup_principal(const struct writ_policy *t, enum writ_principal_kind kind,
                             const char *id, const struct t_principal **p)
{
	long i;

	if (kind != WRIT_PRINCIPAL_APP && kind != WRIT_PRINCIPAL_USER)
		return WRIT_EINVAL;
	i = strmap_get(&t->principal_map[kind - 1], id, strlen(id));
	if (i < 0)
		return WRIT_ENOPRINCIPAL;
	*p = &t->principals[kind - 1][i];
	return WRIT_OK;
}

int writ_authenticate(const writ_policy *t, const char *client_id,
                      const struct writ_request *req, writ_trace *tr)
{
	return context_authenticate(t, client_id, req, tr, NULL);
}

int context_authenticate(const writ_policy *t, const char *client_id,
                         const struct writ_request *req, writ_trace *tr, bool *slow_needed)
{
	writ_context c;
	int rc, fault = WRIT_OK;

	if (!t || !client_id || !context_request_ok(req))
		return WRIT_EINVAL;
	memset(&c, 0, sizeof(c));
	c.policy = t;
	c.facility = WRIT_FACILITY_CLIENT;
	c.kind = WRIT_PRINCIPAL_APP;
	c.resource = -1;
	c.req = req;
	c.slow_needed = slow_needed;
	c.fault = &fault;
	if ((rc = context_lookup_principal(t, WRIT_PRINCIPAL_APP, client_id, &c.principal)) != WRIT_OK)
		return rc;
	if (context_run(&c, tr) == WRIT_MODULE_SUCCESS)
		return WRIT_OK;
	/* A secret that could not be checked is the server's fault, not a
	 * wrong secret: the client is not told its credentials failed. */
	return fault != WRIT_OK ? fault : WRIT_EDENIED;
}

/* The granted set's names, in declaration order, into out. */
static int write_granted(const writ_context *c, char *out, size_t out_size, size_t *out_len)
{
	const struct t_resource *res = &c->policy->resources[c->resource];
	size_t used = 0, w;

	for (w = 0; w < c->granted_words; w++) {
		uint64_t bits = c->granted[w];
		while (bits) {
			uint32_t local = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
			const struct t_perm *p = &c->policy->perms[res->perm_base + local];
			size_t need = (used ? 1 : 0) + p->len;
			if (used + need < out_size) {
				if (used)
					out[used] = ' ';
				memcpy(out + used + (used ? 1 : 0), p->name, p->len);
			}
			used += need;
			bits &= bits - 1;
		}
	}
	if (out_len)
		*out_len = used;
	if (used >= out_size) {
		if (out_size)
			out[0] = '\0';
		return WRIT_ERANGE;
	}
	out[used] = '\0';
	return WRIT_OK;
}

/* A request's scope string: tokens separated by runs of spaces, each of
 * scope-token characters. *any: there is at least one. */
static bool request_valid(const char *s, size_t len, bool *any)
{
	size_t i;

	*any = false;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == ' ')
			continue;
		if (!scope_char(ch))
			return false;
		*any = true;
	}
	return true;
}

int context_grant(const struct writ_policy *t, const struct t_principal *p,
                  enum writ_principal_kind kind, uint32_t r, const char *scope,
                  size_t scope_len, const struct writ_request *req, writ_trace *tr,
                  char *out, size_t out_size, size_t *out_len)
{
	uint64_t small[SMALL_WORDS];
	const struct t_resource *res = &t->resources[r];
	writ_context c;
	bool any;
	int rc, status;

	if (out_size)
		out[0] = '\0';
	if (out_len)
		*out_len = 0;
	if (!request_valid(scope, scope_len, &any))
		return WRIT_EMALFORMED;
	memset(&c, 0, sizeof(c));
	c.policy = t;
	c.facility = WRIT_FACILITY_GRANT;
	c.principal = p;
	c.kind = kind;
	c.resource = (long)r;
	c.requested = any ? scope : res->default_scope;
	c.requested_len = any ? scope_len : res->default_scope_len;
	c.req = req;
	c.granted_words = (res->perm_count + 63) / 64;
	c.granted = c.granted_words <= SMALL_WORDS ? small : calloc(c.granted_words, sizeof(uint64_t));
	if (!c.granted)
		return WRIT_ENOMEM;
	memset(c.granted, 0, c.granted_words * sizeof(uint64_t));
	status = context_run(&c, tr);
	rc = status == WRIT_MODULE_SUCCESS ? write_granted(&c, out, out_size, out_len)
	                                   : WRIT_EDENIED;
	if (c.granted != small)
		free(c.granted);
	return rc;
}

int writ_access(const writ_policy *t, const char *resource, const writ_token *token,
                const struct writ_request *req, writ_trace *tr)
{
	writ_context c;
	long r;

	if (!t || !token || !context_request_ok(req) || writ_token_error(token) != WRIT_TOKEN_VALID)
		return WRIT_EINVAL;
	r = resource ? strmap_get(&t->resource_map, resource, strlen(resource))
	             : t->default_resource;
	if (r < 0)
		return WRIT_ENORESOURCE;
	memset(&c, 0, sizeof(c));
	c.policy = t;
	c.facility = WRIT_FACILITY_ACCESS;
	c.resource = r;
	c.token = token;
	c.req = req;
	return context_run(&c, tr) == WRIT_MODULE_SUCCESS ? WRIT_OK : WRIT_EDENIED;
}
