/*
 * snapshot.c: the decision table written to a file, and loaded back with
 * mmap (snapshot.h).
 *
 * The file is a header, a table of sections, then the sections:
 *
 *   0   magic "\x89WRT\r\n\x1a\n"  (a text transfer or a policy never has it)
 *   8   byte-order mark 0x01020304, in the writer's byte order
 *   12  format version
 *   16  header size: these 64 bytes and the section table
 *   20  number of sections
 *   24  total size of the file
 *   32  SHA-256 of every byte from offset 64 to the end
 *   64  the section table: per section its id, record size, offset, count
 *
 * Sections are arrays of fixed-width records in the writer's byte order,
 * each 8-aligned, that refer to each other by index and to strings by
 * their offset in one blob of NUL-terminated strings. Nothing in the file
 * is trusted: the checksum catches accidents, but anyone can recompute it,
 * so every offset, count, index and string is checked before use, and a
 * file that passes cannot make a query read outside the mapping. Since the
 * pages are used after the check, a file that group or others may write is
 * refused, and writ_policy_save() replaces a file by rename, never in
 * place.
 *
 * Arrays that hold no pointer are used where they lie in the mapping, so
 * processes that load one snapshot share their pages; records with
 * pointers are rebuilt pointing into it. Stack lines keep their module's
 * name and arguments: the module is opened again at load, as when the
 * policy was compiled.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "codes.h"
#include "jws.h"
#include "load.h"
#include "route.h"
#include "secret_cache.h"
#include "snapshot.h"
#include "stack.h"
#include "table.h"

#define SNAP_VERSION 1
#define SNAP_BYTE_ORDER 0x01020304u
#define SNAP_NONE 0xffffffffu /* no string */

static const unsigned char snap_magic[8] = { 0x89, 'W', 'R', 'T', '\r', '\n', 0x1a, '\n' };

struct snap_header {
	unsigned char magic[8];
	uint32_t byte_order;
	uint32_t version;
	uint32_t header_size;
	uint32_t nsections;
	uint64_t total_size;
	unsigned char sha256[32];
};

struct snap_section {
	uint32_t id, elem_size;
	uint64_t offset, count;
};

/* The records. Strings are blob offsets (SNAP_NONE: absent). */
struct snap_meta {
	uint32_t issuer, issuer_ttl;
	int64_t default_resource;
};
struct snap_resource {
	uint32_t indicator, name, description, default_scope;
	uint32_t ttl, perm_base, perm_count, routes, nroutes, unrouted_token;
};
struct snap_perm {
	uint32_t name, description, len, resource;
};
struct snap_role {
	uint32_t name, description, kind, perms, nperms, holds, nholds, pad;
};
struct snap_principal {
	uint32_t id, name, description, roles, nroles, holds, nholds, secrets, nsecrets, pad;
};
struct snap_secret {
	uint32_t hash, pad;
	int64_t expires_at;
};
struct snap_route {
	uint32_t text, rule, order, segs, nsegs, methods, nmethods, perms, nperms, pad;
};
struct snap_seg {
	uint32_t kind, s;
};
struct snap_key {
	uint32_t path, kid, state, pad;
};
struct snap_trust {
	uint32_t issuer, jwks, url, refresh_min, refresh_max, algs;
};
struct snap_stack {
	uint32_t lines, nlines, declared, pad;
};
struct snap_line {
	uint32_t level, substack;
	int16_t actions[STACK_RESULTS];
	uint32_t module, args, nargs, text;
};

_Static_assert(sizeof(struct snap_header) == 64, "the header is 64 bytes");
_Static_assert(sizeof(struct snap_section) == 24, "no padding in the section table");
_Static_assert(sizeof(struct snap_meta) == 16 && sizeof(struct snap_resource) == 40 &&
               sizeof(struct snap_perm) == 16 && sizeof(struct snap_role) == 32 &&
               sizeof(struct snap_principal) == 40 && sizeof(struct snap_secret) == 16 &&
               sizeof(struct snap_route) == 40 && sizeof(struct snap_seg) == 8 &&
               sizeof(struct snap_key) == 16 && sizeof(struct snap_trust) == 24 &&
               sizeof(struct snap_stack) == 16 && sizeof(struct snap_line) == 32,
               "records have no implicit padding");
_Static_assert(sizeof(struct t_hold) == 8, "holds are used in place");

enum {
	S_META = 1, S_RESOURCES, S_PERMS, S_ROLES, S_APPS, S_USERS, S_SECRETS,
	S_ROLE_PERMS, S_PRINCIPAL_ROLES, S_HOLDS, S_BITS, S_PERM_SLOTS, S_ROUTES,
	S_SEGS, S_METHODS, S_ROUTE_PERMS, S_KEYS, S_TRUSTS, S_STACKS, S_LINES, S_ARGS,
	S_STRINGS, NSECTIONS = S_STRINGS,
};

static const struct {
	const char *name;
	uint32_t size;
} sections[NSECTIONS + 1] = {
	[S_META] = { "meta", sizeof(struct snap_meta) },
	[S_RESOURCES] = { "resources", sizeof(struct snap_resource) },
	[S_PERMS] = { "permissions", sizeof(struct snap_perm) },
	[S_ROLES] = { "roles", sizeof(struct snap_role) },
	[S_APPS] = { "apps", sizeof(struct snap_principal) },
	[S_USERS] = { "users", sizeof(struct snap_principal) },
	[S_SECRETS] = { "secrets", sizeof(struct snap_secret) },
	[S_ROLE_PERMS] = { "role-permissions", sizeof(uint32_t) },
	[S_PRINCIPAL_ROLES] = { "principal-roles", sizeof(uint32_t) },
	[S_HOLDS] = { "holds", sizeof(struct t_hold) },
	[S_BITS] = { "bits", sizeof(uint64_t) },
	[S_PERM_SLOTS] = { "permission-slots", sizeof(uint32_t) },
	[S_ROUTES] = { "routes", sizeof(struct snap_route) },
	[S_SEGS] = { "route-segments", sizeof(struct snap_seg) },
	[S_METHODS] = { "route-methods", sizeof(uint32_t) },
	[S_ROUTE_PERMS] = { "route-permissions", sizeof(uint32_t) },
	[S_KEYS] = { "keys", sizeof(struct snap_key) },
	[S_TRUSTS] = { "trusts", sizeof(struct snap_trust) },
	[S_STACKS] = { "stacks", sizeof(struct snap_stack) },
	[S_LINES] = { "stack-lines", sizeof(struct snap_line) },
	[S_ARGS] = { "stack-arguments", sizeof(uint32_t) },
	[S_STRINGS] = { "strings", 1 },
};

#define HEADER_SIZE (sizeof(struct snap_header) + NSECTIONS * sizeof(struct snap_section))

/* ======================================================================
 * Writing
 * ====================================================================== */

struct writer {
	const struct writ_policy *t;
	struct buf sec[NSECTIONS + 1];
	struct strmap strings; /* string -> blob offset */
	char *cwd;             /* for relative file paths; NULL until needed */
	bool fail;             /* out of memory, or past the format's limits */
};

static void put(struct writer *w, int id, const void *rec, size_t size)
{
	buf_append(&w->sec[id], rec, size);
}

/* The blob offset of s, stored once however often it is used. */
static uint32_t str(struct writer *w, const char *s)
{
	struct buf *b = &w->sec[S_STRINGS];
	size_t len, off = b->len;
	long have;

	if (!s)
		return SNAP_NONE;
	len = strlen(s);
	have = strmap_get(&w->strings, s, len);
	if (have >= 0)
		return (uint32_t)have;
	if (off + len + 1 >= SNAP_NONE) {
		w->fail = true;
		return SNAP_NONE;
	}
	buf_append(b, s, len);
	buf_putc(b, '\0');
	/* Keys are borrowed from the table, which outlives the writer. */
	if (strmap_put(&w->strings, s, len, (uint32_t)off) == -2)
		w->fail = true;
	return (uint32_t)off;
}

/* A file path as an absolute one, so that the snapshot means the same
 * files from any working directory (not interned: it is a temporary). */
static uint32_t path_str(struct writer *w, const char *path)
{
	struct buf *b = &w->sec[S_STRINGS];
	size_t off = b->len;

	if (!path || path[0] == '/')
		return str(w, path);
	if (!w->cwd && !(w->cwd = getcwd(NULL, 0))) {
		w->fail = true;
		return SNAP_NONE;
	}
	buf_puts(b, w->cwd);
	buf_putc(b, '/');
	buf_puts(b, path);
	buf_putc(b, '\0');
	if (b->len >= SNAP_NONE)
		w->fail = true;
	return (uint32_t)off;
}

static uint32_t count32(struct writer *w, size_t n)
{
	if (n >= SNAP_NONE)
		w->fail = true;
	return (uint32_t)n;
}

static void write_resources(struct writer *w)
{
	const struct writ_policy *t = w->t;
	uint32_t i;

	for (i = 0; i < t->nresources; i++) {
		const struct t_resource *r = &t->resources[i];
		struct snap_resource s = {
			.indicator = str(w, r->indicator), .name = str(w, r->name),
			.description = str(w, r->description), .default_scope = str(w, r->default_scope),
			.ttl = r->ttl, .perm_base = r->perm_base, .perm_count = r->perm_count,
			.routes = r->routes, .nroutes = r->nroutes, .unrouted_token = r->unrouted_token,
		};
		put(w, S_RESOURCES, &s, sizeof(s));
	}
	for (i = 0; i < t->nperms; i++) {
		const struct t_perm *p = &t->perms[i];
		struct snap_perm s = { str(w, p->name), str(w, p->description), p->len, p->resource };
		put(w, S_PERMS, &s, sizeof(s));
	}
}

static void write_principals(struct writer *w)
{
	const struct writ_policy *t = w->t;
	size_t nsecrets = 0, nroles = 0;
	uint32_t i;
	int k;

	for (i = 0; i < t->nroles; i++) {
		const struct t_role *r = &t->roles[i];
		struct snap_role s = { str(w, r->name), str(w, r->description), (uint32_t)r->kind,
		                       r->perms, r->nperms, r->holds, r->nholds, 0 };
		put(w, S_ROLES, &s, sizeof(s));
		if ((size_t)r->perms + r->nperms > nroles)
			nroles = (size_t)r->perms + r->nperms;
	}
	put(w, S_ROLE_PERMS, t->role_perms, nroles * sizeof(uint32_t));
	nroles = 0;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < t->nprincipals[k]; i++) {
			const struct t_principal *p = &t->principals[k][i];
			struct snap_principal s = {
				.id = str(w, p->id), .name = str(w, p->name),
				.description = str(w, p->description), .roles = p->roles,
				.nroles = p->nroles, .holds = p->holds, .nholds = p->nholds,
				.secrets = count32(w, nsecrets), .nsecrets = p->nsecrets,
			};
			uint32_t j;

			put(w, k ? S_USERS : S_APPS, &s, sizeof(s));
			for (j = 0; j < p->nsecrets; j++) {
				struct snap_secret sec = { str(w, p->secrets[j].hash), 0,
				                           p->secrets[j].expires_at };
				put(w, S_SECRETS, &sec, sizeof(sec));
			}
			nsecrets += p->nsecrets;
			if ((size_t)p->roles + p->nroles > nroles)
				nroles = (size_t)p->roles + p->nroles;
		}
	}
	put(w, S_PRINCIPAL_ROLES, t->principal_roles, nroles * sizeof(uint32_t));
	put(w, S_HOLDS, t->holds, t->nholds * sizeof(*t->holds));
	put(w, S_BITS, t->bits, t->nbits * sizeof(*t->bits));
	put(w, S_PERM_SLOTS, t->perm_slots, (t->perm_mask + 1) * sizeof(uint32_t));
}

static void write_routes(struct writer *w)
{
	const struct writ_policy *t = w->t;
	size_t nsegs = 0, nmethods = 0, nperms = 0;
	uint32_t i, j;

	for (i = 0; i < t->nroutes; i++) {
		const struct t_route *r = &t->routes[i];
		struct snap_route s = {
			.text = str(w, r->text), .rule = (uint32_t)r->rule, .order = r->order,
			.segs = count32(w, nsegs), .nsegs = r->nsegs,
			.methods = count32(w, nmethods), .nmethods = r->nmethods,
			.perms = count32(w, nperms), .nperms = r->nperms,
		};
		put(w, S_ROUTES, &s, sizeof(s));
		for (j = 0; j < r->nsegs; j++) {
			struct snap_seg seg = { (uint32_t)r->segs[j].kind, str(w, r->segs[j].s) };
			put(w, S_SEGS, &seg, sizeof(seg));
		}
		for (j = 0; j < r->nmethods; j++) {
			uint32_t m = str(w, r->methods[j]);
			put(w, S_METHODS, &m, sizeof(m));
		}
		if (r->nperms)
			put(w, S_ROUTE_PERMS, r->perms, r->nperms * sizeof(uint32_t));
		nsegs += r->nsegs;
		nmethods += r->nmethods;
		nperms += r->nperms;
	}
}

static void write_issuer(struct writer *w)
{
	const struct writ_policy *t = w->t;
	struct snap_meta m = { str(w, t->issuer), t->issuer_ttl, t->default_resource };
	uint32_t i;

	put(w, S_META, &m, sizeof(m));
	for (i = 0; i < t->nkeys; i++) {
		struct snap_key k = { path_str(w, t->keys[i].path), str(w, t->keys[i].kid),
		                      (uint32_t)t->keys[i].state, 0 };
		put(w, S_KEYS, &k, sizeof(k));
	}
	for (i = 0; i < t->ntrusts; i++) {
		const struct t_trust *tr = &t->trusts[i];
		struct snap_trust s = { str(w, tr->issuer),
		                        tr->url ? str(w, tr->jwks) : path_str(w, tr->jwks), tr->url,
		                        tr->refresh_min, tr->refresh_max, tr->algs };
		put(w, S_TRUSTS, &s, sizeof(s));
	}
}

static void write_stacks(struct writer *w)
{
	const struct writ_policy *t = w->t;
	size_t nlines = 0, nargs = 0, i;
	uint32_t j, a;

	for (i = 0; i < (size_t)(t->nresources + 1) * 4; i++) {
		const struct t_stack *st = &t->stacks[i];
		struct snap_stack s = { count32(w, nlines), st->nlines, st->declared, 0 };

		put(w, S_STACKS, &s, sizeof(s));
		for (j = 0; j < st->nlines; j++) {
			const struct t_line *l = &st->lines[j];
			struct snap_line sl = {
				.level = l->level, .substack = l->substack,
				.module = str(w, l->module ? l->module->name : NULL),
				.args = count32(w, nargs), .nargs = l->nargs, .text = str(w, l->text),
			};
			memcpy(sl.actions, l->actions, sizeof(sl.actions));
			put(w, S_LINES, &sl, sizeof(sl));
			for (a = 0; a < l->nargs; a++) {
				uint32_t s_arg = str(w, l->args[a]);
				put(w, S_ARGS, &s_arg, sizeof(s_arg));
			}
			nargs += l->nargs;
		}
		nlines += st->nlines;
	}
}

/* The whole file in memory: header, section table, sections. */
static bool snapshot_build(struct writer *w, struct buf *out)
{
	struct snap_header h;
	struct snap_section table[NSECTIONS];
	size_t off = HEADER_SIZE;
	int id;

	write_issuer(w);
	write_resources(w);
	write_principals(w);
	write_routes(w);
	write_stacks(w);
	for (id = 1; id <= NSECTIONS; id++) {
		table[id - 1].id = (uint32_t)id;
		table[id - 1].elem_size = sections[id].size;
		table[id - 1].offset = off;
		table[id - 1].count = w->sec[id].len / sections[id].size;
		if (w->sec[id].oom)
			w->fail = true;
		off += (w->sec[id].len + 7) & ~(size_t)7;
	}
	if (w->fail)
		return false;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, snap_magic, sizeof(h.magic));
	h.byte_order = SNAP_BYTE_ORDER;
	h.version = SNAP_VERSION;
	h.header_size = (uint32_t)HEADER_SIZE;
	h.nsections = NSECTIONS;
	h.total_size = off;
	buf_append(out, (const char *)&h, sizeof(h));
	buf_append(out, (const char *)table, sizeof(table));
	for (id = 1; id <= NSECTIONS; id++) {
		static const char zeros[8];
		size_t len = w->sec[id].len;
		if (len)
			buf_append(out, w->sec[id].data, len);
		buf_append(out, zeros, ((len + 7) & ~(size_t)7) - len);
	}
	if (out->oom || out->len != off)
		return false;
	/* The checksum covers all after itself: the section table and data. */
	if (!EVP_Digest(out->data + sizeof(h), out->len - sizeof(h),
	                (unsigned char *)out->data + offsetof(struct snap_header, sha256), NULL,
	                EVP_sha256(), NULL))
		return false;
	return true;
}

static void write_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void write_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

/* Write data to path atomically: a temporary file beside it, mode 0600,
 * synced, then renamed over path, and the directory synced. */
static int write_atomically(const char *path, const struct buf *data, char *err,
                            size_t errlen)
{
	const char *slash = strrchr(path, '/');
	size_t plen = strlen(path), dlen = slash ? (size_t)(slash - path) + 1 : 0;
	char *tmp = malloc(plen + 8), *dir;
	int fd, e;

	if (!tmp)
		return WRIT_ENOMEM;
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", 8);
	fd = mkstemp(tmp);
	if (fd < 0) {
		e = errno;
		write_error(err, errlen, "cannot create a file beside %s: %s", path, strerror(e));
		free(tmp);
		return WRIT_EIO;
	}
	if (fchmod(fd, 0600) != 0 || !write_all(fd, data->data, data->len) || fsync(fd) != 0) {
		e = errno ? errno : EIO;
		close(fd);
		goto fail;
	}
	if (close(fd) != 0) {
		e = errno;
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		e = errno;
		goto fail;
	}
	free(tmp);
	/* The rename lasts once the directory is on disk too. */
	dir = dlen ? strndup(path, dlen) : strdup(".");
	if (dir) {
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
		free(dir);
	}
	return WRIT_OK;
fail:
	unlink(tmp);
	free(tmp);
	write_error(err, errlen, "cannot write %s: %s", path, strerror(e));
	return WRIT_EIO;
}

int writ_policy_save(const writ_policy *t, const char *path, char *err, size_t errlen)
{
	struct writer w;
	struct buf out;
	int rc, id;

	if (err && errlen)
		err[0] = '\0';
	if (!t || !path || !path[0]) {
		write_error(err, errlen, "%s", writ_strerror(WRIT_EINVAL));
		return WRIT_EINVAL;
	}
	memset(&w, 0, sizeof(w));
	w.t = t;
	for (id = 1; id <= NSECTIONS; id++)
		buf_init(&w.sec[id]);
	buf_init(&out);
	if (!strmap_init(&w.strings, 64)) {
		rc = WRIT_ENOMEM;
	} else if (!snapshot_build(&w, &out)) {
		rc = out.oom || !w.fail ? WRIT_ENOMEM : WRIT_EINVAL;
		if (rc == WRIT_EINVAL)
			write_error(err, errlen, "the policy is larger than a snapshot can hold");
	} else {
		rc = write_atomically(path, &out, err, errlen);
	}
	if (rc == WRIT_ENOMEM)
		write_error(err, errlen, "%s", writ_strerror(rc));
	for (id = 1; id <= NSECTIONS; id++)
		buf_free(&w.sec[id]);
	buf_free(&out);
	strmap_free(&w.strings);
	free(w.cwd);
	return rc;
}

/* ======================================================================
 * Loading
 * ====================================================================== */

struct reader {
	const char *path;
	const char *module_dir;
	writ_diagnostics *diags;
	unsigned char *base;
	size_t size;
	unsigned char *sec[NSECTIONS + 1];
	uint32_t n[NSECTIONS + 1];
	const char *blob;
	uint32_t nblob;
	struct writ_policy *t;
	int rc; /* the first refusal's */
};

static void push_error(const char *path, writ_diagnostics *diags, const char *code,
                       const char *msg)
{
	struct writ_diagnostic rec;

	if (!diags)
		return;
	memset(&rec, 0, sizeof(rec));
	rec.file = path;
	rec.severity = WRIT_SEVERITY_ERROR;
	rec.code = code;
	rec.message = msg;
	diagnostics_push(diags, &rec);
}

static bool vrefuse(struct reader *r, int rc, const char *code, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static bool vrefuse(struct reader *r, int rc, const char *code, const char *fmt, va_list ap)
{
	char msg[512];

	if (r->rc != WRIT_OK)
		return false; /* the first refusal says it */
	r->rc = rc;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	push_error(r->path, r->diags, code, msg);
	return false;
}

/* Refuse the file as a snapshot; always false. */
static bool refuse(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool refuse(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vrefuse(r, WRIT_EPOLICY, E_SNAPSHOT, fmt, ap);
	va_end(ap);
	return false;
}

static bool refuse_module(struct reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool refuse_module(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vrefuse(r, WRIT_EPOLICY, E_MODULE_LOAD, fmt, ap);
	va_end(ap);
	return false;
}

static bool oom(struct reader *r)
{
	if (r->rc == WRIT_OK) {
		r->rc = WRIT_ENOMEM;
		push_error(r->path, r->diags, E_SNAPSHOT, "out of memory");
	}
	return false;
}

/* ---- header and sections ---- */

static bool check_header(struct reader *r)
{
	struct snap_header h;
	unsigned char md[32];
	size_t have = r->size < sizeof(snap_magic) ? r->size : sizeof(snap_magic);
	size_t i;

	if (r->size == 0)
		return refuse(r, "not a writ snapshot (the file is empty)");
	if (memcmp(r->base, snap_magic, have) != 0)
		return refuse(r, "not a writ snapshot (it does not start with the snapshot magic)");
	if (r->size < sizeof(h))
		return refuse(r, "truncated (%zu bytes, the header alone is %zu)", r->size, sizeof(h));
	memcpy(&h, r->base, sizeof(h));
	if (h.byte_order != SNAP_BYTE_ORDER) {
		if (h.byte_order == __builtin_bswap32(SNAP_BYTE_ORDER))
			return refuse(r, "written on a machine of the other byte order: compile the "
			                 "policy on this one");
		return refuse(r, "damaged header: byte-order mark 0x%08x", (unsigned)h.byte_order);
	}
	if (h.version != SNAP_VERSION)
		return refuse(r, "snapshot format version %u, this writ reads %u: compile the policy "
		                 "again with this writ", (unsigned)h.version, SNAP_VERSION);
	if (h.total_size != r->size) {
		if (h.total_size > r->size)
			return refuse(r, "truncated (%zu bytes, the header says %llu)", r->size,
			              (unsigned long long)h.total_size);
		return refuse(r, "%zu bytes, the header says %llu: the file is corrupted", r->size,
		              (unsigned long long)h.total_size);
	}
	if (h.header_size != HEADER_SIZE || h.nsections != NSECTIONS)
		return refuse(r, "damaged header: %u sections in %u bytes, this format has %u in %zu",
		              (unsigned)h.nsections, (unsigned)h.header_size, NSECTIONS, HEADER_SIZE);
	if (r->size < HEADER_SIZE)
		return refuse(r, "truncated (%zu bytes, the header says %zu)", r->size, HEADER_SIZE);
	if (!EVP_Digest(r->base + sizeof(h), r->size - sizeof(h), md, NULL, EVP_sha256(), NULL))
		return oom(r);
	if (memcmp(md, h.sha256, sizeof(md)) != 0)
		return refuse(r, "checksum mismatch: the file is corrupted");
	for (i = 0; i < NSECTIONS; i++) {
		struct snap_section s;
		uint32_t id = (uint32_t)i + 1;

		memcpy(&s, r->base + sizeof(h) + i * sizeof(s), sizeof(s));
		if (s.id != id)
			return refuse(r, "damaged section table: entry %zu has id %u", i, (unsigned)s.id);
		if (s.elem_size != sections[id].size)
			return refuse(r, "section %s has records of %u bytes, this writ reads %u",
			              sections[id].name, (unsigned)s.elem_size, (unsigned)sections[id].size);
		if (s.offset < HEADER_SIZE || s.offset > r->size || s.offset % 8 != 0 ||
		    s.count > (r->size - s.offset) / s.elem_size || s.count >= SNAP_NONE)
			return refuse(r, "section %s out of bounds (%llu records of %u bytes at offset "
			                 "%llu in %zu bytes)", sections[id].name,
			              (unsigned long long)s.count, (unsigned)s.elem_size,
			              (unsigned long long)s.offset, r->size);
		r->sec[id] = r->base + s.offset;
		r->n[id] = (uint32_t)s.count;
	}
	r->blob = (const char *)r->sec[S_STRINGS];
	r->nblob = r->n[S_STRINGS];
	if (r->nblob && r->blob[r->nblob - 1] != '\0')
		return refuse(r, "section strings does not end with a NUL byte");
	return true;
}

/* ---- what records refer to ---- */

/* String off of the blob into *out; NULL for SNAP_NONE when optional. */
static bool get_str(struct reader *r, uint32_t off, bool optional, const char **out,
                    const char *what, uint32_t i)
{
	*out = NULL;
	if (off == SNAP_NONE && optional)
		return true;
	if (off >= r->nblob)
		return refuse(r, "section %s, record %u: string offset %u out of bounds (%u bytes "
		                 "of strings)", what, (unsigned)i, (unsigned)off, (unsigned)r->nblob);
	*out = r->blob + off;
	return true;
}

/* first + n within an array of `have` elements of section id. */
static bool in_range(struct reader *r, uint32_t first, uint32_t n, int id, const char *what,
                     uint32_t i)
{
	if ((uint64_t)first + n > r->n[id])
		return refuse(r, "section %s, record %u: %s %u..%llu out of bounds (%u in section %s)",
		              what, (unsigned)i, sections[id].name, (unsigned)first,
		              (unsigned long long)first + n, (unsigned)r->n[id], sections[id].name);
	return true;
}

/* Every element of a u32 index section is below limit. */
static bool indexes_below(struct reader *r, int id, uint32_t limit, const char *of)
{
	const uint32_t *v = (const uint32_t *)r->sec[id];
	uint32_t i;

	for (i = 0; i < r->n[id]; i++)
		if (v[i] >= limit)
			return refuse(r, "section %s, record %u: index %u out of range (%u %s)",
			              sections[id].name, (unsigned)i, (unsigned)v[i], (unsigned)limit, of);
	return true;
}

/* ---- the table, record by record ---- */

static bool load_meta(struct reader *r)
{
	struct writ_policy *t = r->t;
	const struct snap_meta *m = (const struct snap_meta *)r->sec[S_META];

	if (r->n[S_META] != 1)
		return refuse(r, "section meta holds %u records, not 1", (unsigned)r->n[S_META]);
	if (!get_str(r, m->issuer, true, &t->issuer, "meta", 0))
		return false;
	t->issuer_ttl = m->issuer_ttl;
	if (m->default_resource < -1 || m->default_resource >= (int64_t)r->n[S_RESOURCES])
		return refuse(r, "section meta: default resource %lld out of range (%u resources)",
		              (long long)m->default_resource, (unsigned)r->n[S_RESOURCES]);
	t->default_resource = (long)m->default_resource;
	return true;
}

static bool load_resources(struct reader *r)
{
	struct writ_policy *t = r->t;
	const struct snap_resource *sr = (const struct snap_resource *)r->sec[S_RESOURCES];
	const struct snap_perm *sp = (const struct snap_perm *)r->sec[S_PERMS];
	const uint32_t *slots = (const uint32_t *)r->sec[S_PERM_SLOTS];
	uint32_t i, j, nslots = r->n[S_PERM_SLOTS], empty = 0;

	t->nresources = r->n[S_RESOURCES];
	t->nperms = r->n[S_PERMS];
	t->resources = calloc((size_t)t->nresources + 1, sizeof(*t->resources));
	t->perms = calloc((size_t)t->nperms + 1, sizeof(*t->perms));
	if (!t->resources || !t->perms || !strmap_init(&t->resource_map, t->nresources))
		return oom(r);
	for (i = 0; i < t->nresources; i++) {
		struct t_resource *res = &t->resources[i];
		const struct snap_resource *s = &sr[i];

		if (!get_str(r, s->indicator, false, &res->indicator, "resources", i) ||
		    !get_str(r, s->name, true, &res->name, "resources", i) ||
		    !get_str(r, s->description, true, &res->description, "resources", i) ||
		    !get_str(r, s->default_scope, false, &res->default_scope, "resources", i) ||
		    !in_range(r, s->perm_base, s->perm_count, S_PERMS, "resources", i) ||
		    !in_range(r, s->routes, s->nroutes, S_ROUTES, "resources", i))
			return false;
		if (s->unrouted_token > 1)
			return refuse(r, "section resources, record %u: bad unrouted setting %u",
			              (unsigned)i, (unsigned)s->unrouted_token);
		res->default_scope_len = strlen(res->default_scope);
		res->ttl = s->ttl;
		res->perm_base = s->perm_base;
		res->perm_count = s->perm_count;
		res->routes = s->routes;
		res->nroutes = s->nroutes;
		res->unrouted_token = s->unrouted_token;
		switch (strmap_put(&t->resource_map, res->indicator, strlen(res->indicator), i)) {
		case -1:
			break;
		case -2:
			return oom(r);
		default:
			return refuse(r, "section resources, record %u: a second resource %s", (unsigned)i,
			              res->indicator);
		}
	}
	for (i = 0; i < t->nperms; i++) {
		struct t_perm *p = &t->perms[i];
		const struct t_resource *res;

		if (!get_str(r, sp[i].name, false, &p->name, "permissions", i) ||
		    !get_str(r, sp[i].description, true, &p->description, "permissions", i))
			return false;
		if (sp[i].resource >= t->nresources)
			return refuse(r, "section permissions, record %u: resource %u out of range "
			                 "(%u resources)", (unsigned)i, (unsigned)sp[i].resource,
			              (unsigned)t->nresources);
		res = &t->resources[sp[i].resource];
		/* Queries index a resource's bitsets by id - perm_base. */
		if (i < res->perm_base || i - res->perm_base >= res->perm_count)
			return refuse(r, "section permissions, record %u: outside the permissions of "
			                 "its resource %u", (unsigned)i, (unsigned)sp[i].resource);
		if (sp[i].len != strlen(p->name))
			return refuse(r, "section permissions, record %u: length %u, the name has %zu",
			              (unsigned)i, (unsigned)sp[i].len, strlen(p->name));
		p->len = sp[i].len;
		p->resource = sp[i].resource;
	}
	for (i = 0; i < t->nresources; i++)
		for (j = 0; j < t->resources[i].perm_count; j++)
			if (t->perms[t->resources[i].perm_base + j].resource != i)
				return refuse(r, "section resources, record %u: permission %u belongs to "
				                 "another resource", (unsigned)i,
				              (unsigned)(t->resources[i].perm_base + j));
	/* The permission hash: a power of two, indexes in range, and a free
	 * slot so that every probe ends. */
	if (nslots == 0 || (nslots & (nslots - 1)) != 0)
		return refuse(r, "section permission-slots holds %u slots, not a power of two",
		              (unsigned)nslots);
	for (i = 0; i < nslots; i++) {
		if (slots[i] == 0)
			empty++;
		else if (slots[i] - 1 >= t->nperms)
			return refuse(r, "section permission-slots, record %u: permission %u out of "
			                 "range (%u permissions)", (unsigned)i, (unsigned)(slots[i] - 1),
			              (unsigned)t->nperms);
	}
	if (!empty)
		return refuse(r, "section permission-slots has no free slot");
	t->perm_slots = (uint32_t *)r->sec[S_PERM_SLOTS];
	t->perm_mask = nslots - 1;
	/* The slots are used as they are, so every permission must be where
	 * this writ's hash looks for it: a file placed by another hash would
	 * otherwise load and then deny what it grants. */
	for (i = 0; i < t->nperms; i++)
		if (table_find_perm(t, t->perms[i].resource, t->perms[i].name, t->perms[i].len) !=
		    (long)i)
			return refuse(r, "section permission-slots: permission %u is not where this "
			                 "writ's hash looks for it", (unsigned)i);
	return true;
}

/* Holds: each names a resource and a bitset over its permissions. */
static bool load_holds(struct reader *r)
{
	struct writ_policy *t = r->t;
	const struct t_hold *h = (const struct t_hold *)r->sec[S_HOLDS];
	uint32_t i;

	for (i = 0; i < r->n[S_HOLDS]; i++) {
		uint64_t words;

		if (h[i].resource >= t->nresources)
			return refuse(r, "section holds, record %u: resource %u out of range (%u "
			                 "resources)", (unsigned)i, (unsigned)h[i].resource,
			              (unsigned)t->nresources);
		words = ((uint64_t)t->resources[h[i].resource].perm_count + 63) / 64;
		if (h[i].bits + words > r->n[S_BITS])
			return refuse(r, "section holds, record %u: bitset %u..%llu out of bounds (%u in "
			                 "section bits)", (unsigned)i, (unsigned)h[i].bits,
			              (unsigned long long)(h[i].bits + words), (unsigned)r->n[S_BITS]);
	}
	t->holds = (struct t_hold *)r->sec[S_HOLDS];
	t->nholds = t->capholds = r->n[S_HOLDS];
	t->bits = (uint64_t *)r->sec[S_BITS];
	t->nbits = t->capbits = r->n[S_BITS];
	return true;
}

static bool load_roles(struct reader *r)
{
	struct writ_policy *t = r->t;
	const struct snap_role *sr = (const struct snap_role *)r->sec[S_ROLES];
	uint32_t i;

	t->nroles = r->n[S_ROLES];
	t->roles = calloc((size_t)t->nroles + 1, sizeof(*t->roles));
	if (!t->roles || !strmap_init(&t->role_map, t->nroles))
		return oom(r);
	if (!indexes_below(r, S_ROLE_PERMS, t->nperms, "permissions"))
		return false;
	t->role_perms = (uint32_t *)r->sec[S_ROLE_PERMS];
	for (i = 0; i < t->nroles; i++) {
		struct t_role *role = &t->roles[i];

		if (!get_str(r, sr[i].name, false, &role->name, "roles", i) ||
		    !get_str(r, sr[i].description, true, &role->description, "roles", i) ||
		    !in_range(r, sr[i].perms, sr[i].nperms, S_ROLE_PERMS, "roles", i) ||
		    !in_range(r, sr[i].holds, sr[i].nholds, S_HOLDS, "roles", i))
			return false;
		if (sr[i].kind != WRIT_PRINCIPAL_APP && sr[i].kind != WRIT_PRINCIPAL_USER)
			return refuse(r, "section roles, record %u: bad kind %u", (unsigned)i,
			              (unsigned)sr[i].kind);
		role->kind = (enum writ_principal_kind)sr[i].kind;
		role->perms = sr[i].perms;
		role->nperms = sr[i].nperms;
		role->holds = sr[i].holds;
		role->nholds = sr[i].nholds;
		switch (strmap_put(&t->role_map, role->name, strlen(role->name), i)) {
		case -1:
			break;
		case -2:
			return oom(r);
		default:
			return refuse(r, "section roles, record %u: a second role %s", (unsigned)i,
			              role->name);
		}
	}
	return true;
}

static bool load_principals(struct reader *r, int k)
{
	struct writ_policy *t = r->t;
	int id = k ? S_USERS : S_APPS;
	const struct snap_principal *sp = (const struct snap_principal *)r->sec[id];
	const struct snap_secret *ss = (const struct snap_secret *)r->sec[S_SECRETS];
	const char *what = sections[id].name;
	uint32_t i, j;

	t->nprincipals[k] = r->n[id];
	t->principals[k] = calloc((size_t)t->nprincipals[k] + 1, sizeof(*t->principals[k]));
	if (!t->principals[k] || !strmap_init(&t->principal_map[k], t->nprincipals[k]))
		return oom(r);
	for (i = 0; i < t->nprincipals[k]; i++) {
		struct t_principal *p = &t->principals[k][i];

		if (!get_str(r, sp[i].id, false, &p->id, what, i) ||
		    !get_str(r, sp[i].name, true, &p->name, what, i) ||
		    !get_str(r, sp[i].description, true, &p->description, what, i) ||
		    !in_range(r, sp[i].roles, sp[i].nroles, S_PRINCIPAL_ROLES, what, i) ||
		    !in_range(r, sp[i].holds, sp[i].nholds, S_HOLDS, what, i) ||
		    !in_range(r, sp[i].secrets, sp[i].nsecrets, S_SECRETS, what, i))
			return false;
		p->roles = sp[i].roles;
		p->nroles = sp[i].nroles;
		p->holds = sp[i].holds;
		p->nholds = sp[i].nholds;
		if (sp[i].nsecrets) {
			p->secrets = arena_alloc(&t->strings, sp[i].nsecrets * sizeof(*p->secrets));
			if (!p->secrets)
				return oom(r);
			for (j = 0; j < sp[i].nsecrets; j++) {
				const struct snap_secret *s = &ss[sp[i].secrets + j];
				if (!get_str(r, s->hash, false, &p->secrets[j].hash, "secrets",
				             sp[i].secrets + j))
					return false;
				p->secrets[j].expires_at = s->expires_at;
			}
			p->nsecrets = sp[i].nsecrets;
		}
		switch (strmap_put(&t->principal_map[k], p->id, strlen(p->id), i)) {
		case -1:
			break;
		case -2:
			return oom(r);
		default:
			return refuse(r, "section %s, record %u: a second %s %s", what, (unsigned)i,
			              k ? "user" : "app", p->id);
		}
	}
	return true;
}

static bool load_routes(struct reader *r)
{
	struct writ_policy *t = r->t;
	const struct snap_route *sr = (const struct snap_route *)r->sec[S_ROUTES];
	const struct snap_seg *sg = (const struct snap_seg *)r->sec[S_SEGS];
	const uint32_t *sm = (const uint32_t *)r->sec[S_METHODS];
	const uint32_t *rp = (const uint32_t *)r->sec[S_ROUTE_PERMS];
	uint32_t i, j, k;

	t->nroutes = r->n[S_ROUTES];
	t->routes = calloc((size_t)t->nroutes + 1, sizeof(*t->routes));
	if (!t->routes)
		return oom(r);
	if (!indexes_below(r, S_ROUTE_PERMS, t->nperms, "permissions"))
		return false;
	for (i = 0; i < t->nroutes; i++) {
		struct t_route *rt = &t->routes[i];
		struct ast_seg *segs;
		const char **methods = NULL;

		if (!get_str(r, sr[i].text, false, &rt->text, "routes", i) ||
		    !in_range(r, sr[i].segs, sr[i].nsegs, S_SEGS, "routes", i) ||
		    !in_range(r, sr[i].methods, sr[i].nmethods, S_METHODS, "routes", i) ||
		    !in_range(r, sr[i].perms, sr[i].nperms, S_ROUTE_PERMS, "routes", i))
			return false;
		if (sr[i].rule < AST_ROUTE_ALL || sr[i].rule > AST_ROUTE_PUBLIC)
			return refuse(r, "section routes, record %u: bad rule %u", (unsigned)i,
			              (unsigned)sr[i].rule);
		segs = arena_alloc(&t->strings, ((size_t)sr[i].nsegs + 1) * sizeof(*segs));
		if (!segs)
			return oom(r);
		for (j = 0; j < sr[i].nsegs; j++) {
			const struct snap_seg *s = &sg[sr[i].segs + j];
			if (s->kind > AST_SEG_LITERAL)
				return refuse(r, "section route-segments, record %u: bad kind %u",
				              (unsigned)(sr[i].segs + j), (unsigned)s->kind);
			segs[j].kind = (enum ast_seg_kind)s->kind;
			if (!get_str(r, s->s, false, &segs[j].s, "route-segments", sr[i].segs + j))
				return false;
			segs[j].len = strlen(segs[j].s);
		}
		if (sr[i].nmethods) {
			methods = arena_alloc(&t->strings, sr[i].nmethods * sizeof(*methods));
			if (!methods)
				return oom(r);
			for (j = 0; j < sr[i].nmethods; j++)
				if (!get_str(r, sm[sr[i].methods + j], false, &methods[j], "route-methods",
				             sr[i].methods + j))
					return false;
		}
		rt->segs = segs;
		rt->nsegs = sr[i].nsegs;
		rt->methods = methods;
		rt->nmethods = sr[i].nmethods;
		rt->perms = sr[i].nperms ? rp + sr[i].perms : NULL;
		rt->nperms = sr[i].nperms;
		rt->rule = (enum ast_route_rule)sr[i].rule;
		rt->order = sr[i].order;
	}
	/* A route's permissions are its own resource's: the gateway tests them
	 * in that resource's bitsets. */
	for (i = 0; i < t->nresources; i++) {
		const struct t_resource *res = &t->resources[i];
		for (j = res->routes; j < res->routes + res->nroutes; j++)
			for (k = 0; k < t->routes[j].nperms; k++)
				if (t->perms[t->routes[j].perms[k]].resource != i)
					return refuse(r, "section routes, record %u: permission %u is not of "
					                 "resource %u", (unsigned)j,
					              (unsigned)t->routes[j].perms[k], (unsigned)i);
	}
	return true;
}

static bool load_issuer(struct reader *r)
{
	struct writ_policy *t = r->t;
	const struct snap_key *sk = (const struct snap_key *)r->sec[S_KEYS];
	const struct snap_trust *st = (const struct snap_trust *)r->sec[S_TRUSTS];
	uint32_t i;

	if (r->n[S_KEYS]) {
		t->keys = arena_alloc(&t->strings, r->n[S_KEYS] * sizeof(*t->keys));
		if (!t->keys)
			return oom(r);
	}
	for (i = 0; i < r->n[S_KEYS]; i++) {
		struct t_key *k = &t->keys[i];
		if (!get_str(r, sk[i].path, false, &k->path, "keys", i) ||
		    !get_str(r, sk[i].kid, true, &k->kid, "keys", i))
			return false;
		if (sk[i].state < WRIT_KEY_CURRENT || sk[i].state > WRIT_KEY_PREVIOUS)
			return refuse(r, "section keys, record %u: bad state %u", (unsigned)i,
			              (unsigned)sk[i].state);
		k->state = (int)sk[i].state;
		t->nkeys++;
	}
	if (r->n[S_TRUSTS]) {
		t->trusts = arena_alloc(&t->strings, r->n[S_TRUSTS] * sizeof(*t->trusts));
		if (!t->trusts)
			return oom(r);
	}
	for (i = 0; i < r->n[S_TRUSTS]; i++) {
		struct t_trust *tr = &t->trusts[i];
		if (!get_str(r, st[i].issuer, false, &tr->issuer, "trusts", i) ||
		    !get_str(r, st[i].jwks, false, &tr->jwks, "trusts", i))
			return false;
		if (st[i].url > 1 || st[i].algs >= 1u << JWS_ALG_COUNT)
			return refuse(r, "section trusts, record %u: bad settings", (unsigned)i);
		tr->url = st[i].url;
		tr->refresh_min = st[i].refresh_min;
		tr->refresh_max = st[i].refresh_max;
		tr->algs = st[i].algs;
		t->ntrusts++;
	}
	return true;
}

static const char *const facility_words[] = { "", "a client", "a grant", "an access" };

/* Open a line's module with its stored arguments, as compiling did. */
static bool open_module(struct reader *r, const struct snap_line *sl, uint32_t li,
                        struct t_line *line, int facility)
{
	const uint32_t *sa = (const uint32_t *)r->sec[S_ARGS];
	const struct writ_module *m;
	const char *name, *argv[65];
	char why[512] = "", err[256] = "";
	uint32_t a;
	int bad = -1;

	if (!get_str(r, sl->module, false, &name, "stack-lines", li) ||
	    !in_range(r, sl->args, sl->nargs, S_ARGS, "stack-lines", li))
		return false;
	if (sl->nargs >= ARRAY_SIZE(argv))
		return refuse(r, "section stack-lines, record %u: %u arguments", (unsigned)li,
		              (unsigned)sl->nargs);
	for (a = 0; a < sl->nargs; a++)
		if (!get_str(r, sa[sl->args + a], false, &argv[a], "stack-arguments", sl->args + a))
			return false;
	argv[sl->nargs] = NULL;
	m = module_builtin(name);
	if (!m)
		m = module_load(&r->t->modules, r->module_dir, name, why, sizeof(why));
	if (!m)
		return refuse_module(r, "%s, which the stack line \"%s\" needs", why, line->text);
	if (!(m->facilities & (1u << facility)))
		return refuse_module(r, "module \"%s\" cannot stand in %s stack", name,
		                     facility_words[facility]);
	if (!m->open) {
		if (sl->nargs)
			return refuse_module(r, "%s takes no arguments, the stack line \"%s\" gives some",
			                     name, line->text);
	} else if (m->open((int)sl->nargs, argv, &line->state, err, sizeof(err), &bad) != 0) {
		return refuse_module(r, "%s: %s (the stack line \"%s\")", name,
		                     err[0] ? err : "invalid arguments", line->text);
	}
	line->module = m; /* opened: closed with the table */
	/* The arguments point into the mapping, for a snapshot of this table. */
	if (sl->nargs) {
		const char **keep = arena_alloc(&r->t->strings, sl->nargs * sizeof(*keep));
		if (!keep)
			return oom(r);
		memcpy(keep, argv, sl->nargs * sizeof(*keep));
		line->args = keep;
		line->nargs = sl->nargs;
	}
	return true;
}

static bool load_stacks(struct reader *r)
{
	struct writ_policy *t = r->t;
	const struct snap_stack *ss = (const struct snap_stack *)r->sec[S_STACKS];
	const struct snap_line *sl = (const struct snap_line *)r->sec[S_LINES];
	size_t nslots = ((size_t)t->nresources + 1) * 4, i;
	uint32_t j, a;

	if (r->n[S_STACKS] != nslots)
		return refuse(r, "section stacks holds %u stacks, not %zu for %u resources",
		              (unsigned)r->n[S_STACKS], nslots, (unsigned)t->nresources);
	t->stacks = calloc(nslots, sizeof(*t->stacks));
	if (!t->stacks)
		return oom(r);
	for (i = 0; i < nslots; i++) {
		struct t_stack *st = &t->stacks[i];
		int facility = (int)(i % 4);

		if (!in_range(r, ss[i].lines, ss[i].nlines, S_LINES, "stacks", (uint32_t)i))
			return false;
		if (ss[i].declared > 1 || (facility == 0 && (ss[i].nlines || ss[i].declared)))
			return refuse(r, "section stacks, record %zu: bad stack", i);
		st->declared = ss[i].declared;
		if (!ss[i].nlines)
			continue;
		st->lines = calloc(ss[i].nlines, sizeof(*st->lines));
		if (!st->lines)
			return oom(r);
		for (j = 0; j < ss[i].nlines; j++) {
			const struct snap_line *l = &sl[ss[i].lines + j];
			struct t_line *line = &st->lines[j];
			uint32_t li = ss[i].lines + j;

			if (l->level > STACK_MAX_LEVEL || l->substack > 1)
				return refuse(r, "section stack-lines, record %u: bad level or kind",
				              (unsigned)li);
			for (a = 0; a < STACK_RESULTS; a++)
				if (l->actions[a] < ACT_RESET || l->actions[a] > 255)
					return refuse(r, "section stack-lines, record %u: bad action %d",
					              (unsigned)li, l->actions[a]);
			if (!get_str(r, l->text, false, &line->text, "stack-lines", li))
				return false;
			line->level = (uint8_t)l->level;
			line->substack = l->substack;
			memcpy(line->actions, l->actions, sizeof(line->actions));
			/* Counted now: the lines opened so far are closed on failure. */
			st->nlines = j + 1;
			if (!line->substack && !open_module(r, l, li, line, facility))
				return false;
		}
	}
	return true;
}

static int io_error(struct reader *r, int e)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "cannot read %s: %s", r->path, strerror(e));
	push_error(r->path, r->diags, E_READ, msg);
	r->rc = WRIT_EIO;
	return WRIT_EIO;
}

static int map_file(struct reader *r)
{
	struct stat st;
	int fd, e;

	fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return io_error(r, errno);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > SIZE_MAX) {
		e = errno;
		close(fd);
		return io_error(r, !S_ISREG(st.st_mode) ? EISDIR : e);
	}
	/* The table is used from the file's pages as they are: a file that
	 * others may rewrite could change after it was checked. */
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		close(fd);
		refuse(r, "writable by group or others: refused (chmod 600 it, or compile it again)");
		return r->rc;
	}
	r->size = (size_t)st.st_size;
	if (r->size == 0) {
		close(fd);
		return WRIT_OK;
	}
	r->base = mmap(NULL, r->size, PROT_READ, MAP_PRIVATE, fd, 0);
	e = errno;
	close(fd);
	if (r->base == MAP_FAILED) {
		r->base = NULL;
		return io_error(r, e);
	}
	return WRIT_OK;
}

int snapshot_load(const char *path, const char *module_dir, writ_diagnostics *diags,
                  writ_policy **out)
{
	struct reader r;
	struct writ_policy *t;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.path = path;
	r.module_dir = module_dir;
	r.diags = diags;
	r.rc = WRIT_OK;
	if (map_file(&r) != WRIT_OK)
		return r.rc;
	if (!check_header(&r)) {
		if (r.base)
			munmap(r.base, r.size);
		return r.rc;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		munmap(r.base, r.size);
		oom(&r);
		return r.rc;
	}
	atomic_init(&t->refs, 1);
	arena_init(&t->strings);
	t->map = r.base;
	t->map_len = r.size;
	t->default_resource = -1;
	r.t = t;
	if (!load_resources(&r) || !load_meta(&r) || !load_holds(&r) || !load_roles(&r) ||
	    !indexes_below(&r, S_PRINCIPAL_ROLES, t->nroles, "roles") ||
	    !load_principals(&r, 0) || !load_principals(&r, 1) || !load_routes(&r) ||
	    !load_issuer(&r) || !load_stacks(&r)) {
		table_free(t);
		return r.rc;
	}
	t->principal_roles = (uint32_t *)r.sec[S_PRINCIPAL_ROLES];
	if (apps_have_secrets(t))
		t->secret_cache = secret_cache_new();
	*out = t;
	return WRIT_OK;
}

bool snapshot_detect(const char *path)
{
	unsigned char head[sizeof(snap_magic)];
	size_t len = strlen(path);
	struct stat st;
	ssize_t n;
	int fd;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	if (len > 4 && strcmp(path + len - 4, ".wdt") == 0)
		return true;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;
	do
		n = read(fd, head, sizeof(head));
	while (n < 0 && errno == EINTR);
	close(fd);
	return n == (ssize_t)sizeof(head) && memcmp(head, snap_magic, sizeof(head)) == 0;
}

int snapshot_refuse_mixed(const char *path, writ_diagnostics *diags)
{
	push_error(path, diags, E_SNAPSHOT,
	           "a compiled snapshot is a whole policy: load it alone, not with other paths");
	return WRIT_EPOLICY;
}
