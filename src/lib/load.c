/*
 * load.c: reading policy sources: files, directories of *.writ files and
 * includes, with cycle detection and a depth limit. Each file is checked to
 * be UTF-8 text before the scanner sees it.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codes.h"
#include "parse.h"

enum {
	MAX_INCLUDE_DEPTH = 16,
	MAX_FILE_SIZE = 256 * 1024 * 1024,
};

void loader_init(struct loader *ld, writ_diagnostics *diags)
{
	memset(ld, 0, sizeof(*ld));
	arena_init(&ld->arena);
	ld->diags = diags;
	ld->ast.issuers_tail = &ld->ast.issuers;
	ld->ast.trusts_tail = &ld->ast.trusts;
	ld->ast.resources_tail = &ld->ast.resources;
	ld->ast.roles_tail = &ld->ast.roles;
	ld->ast.apps_tail = &ld->ast.apps;
	ld->ast.users_tail = &ld->ast.users;
	ld->ast.stacks_tail = &ld->ast.stacks;
}

void loader_free(struct loader *ld)
{
	size_t i;

	for (i = 0; i < ld->nsources; i++) {
		free(ld->sources[i].path);
		free(ld->sources[i].text);
		free(ld->sources[i].lines);
	}
	free(ld->sources);
	free(ld->secrets);
	free(ld->suppressions);
	free(ld->empty_includes);
	module_set_free(&ld->modules);
	strmap_free(&ld->principal_maps[0]);
	strmap_free(&ld->principal_maps[1]);
	arena_free(&ld->arena);
}

void loader_drop_texts(struct loader *ld)
{
	size_t i;

	for (i = 0; i < ld->nsources; i++) {
		free(ld->sources[i].text);
		free(ld->sources[i].lines);
		ld->sources[i].text = NULL;
		ld->sources[i].lines = NULL;
		ld->sources[i].len = 0;
		ld->sources[i].nlines = 0;
	}
}

void loader_add_secret(struct loader *ld, const struct span *sp)
{
	if (ld->nsecrets == ld->capsecrets) {
		size_t cap = ld->capsecrets ? ld->capsecrets * 2 : 8;
		struct span *p = realloc(ld->secrets, cap * sizeof(*p));
		if (!p) {
			ld->oom = true;
			return;
		}
		ld->secrets = p;
		ld->capsecrets = cap;
	}
	ld->secrets[ld->nsecrets++] = *sp;
}

/* A diagnostic about a whole file: no line, or the include that named it. */
static void diag_file(struct loader *ld, const struct span *from,
                      enum writ_severity sev, const char *code,
                      const char *path, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void diag_file(struct loader *ld, const struct span *from,
                      enum writ_severity sev, const char *code,
                      const char *path, const char *fmt, ...)
{
	struct writ_diagnostic rec;
	struct buf msg;
	va_list ap;

	if (from) {
		va_start(ap, fmt);
		vdiag(ld, from, sev, code, NULL, fmt, ap);
		va_end(ap);
		return;
	}
	if (sev == WRIT_SEVERITY_ERROR)
		ld->errors++;
	else if (sev == WRIT_SEVERITY_WARNING)
		ld->warnings++;
	if (!ld->diags)
		return;
	buf_init(&msg);
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	memset(&rec, 0, sizeof(rec));
	rec.file = path;
	rec.severity = sev;
	rec.code = code;
	rec.message = msg.data ? msg.data : "";
	if (msg.oom || diagnostics_push(ld->diags, &rec) != WRIT_OK)
		ld->oom = true;
	buf_free(&msg);
}

static int add_source(struct loader *ld, const char *path, char *text,
                      size_t len, const struct stat *st, uint32_t *index)
{
	struct source *src;

	if (ld->nsources == ld->capsources) {
		size_t cap = ld->capsources ? ld->capsources * 2 : 8;
		struct source *p = realloc(ld->sources, cap * sizeof(*p));
		if (!p)
			return WRIT_ENOMEM;
		ld->sources = p;
		ld->capsources = cap;
	}
	src = &ld->sources[ld->nsources];
	memset(src, 0, sizeof(*src));
	src->path = strdup(path);
	if (!src->path)
		return WRIT_ENOMEM;
	src->text = text;
	src->len = len;
	if (st) {
		src->dev = st->st_dev;
		src->ino = st->st_ino;
	}
	*index = (uint32_t)ld->nsources++;
	return WRIT_OK;
}

/*
 * Check that text is UTF-8 with no NUL and no control character but tab,
 * CR and LF. On failure report where, as a span of the bad byte.
 */
static bool check_text(struct loader *ld, uint32_t file)
{
	const struct source *src = &ld->sources[file];
	const unsigned char *s = (const unsigned char *)src->text;
	uint32_t line = 1, col = 1, cp;
	size_t i = 0, n;

	/* A byte order mark is not part of the text: columns start after it. */
	if (src->len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < src->len) {
		/* Printable ASCII and line ends, most of any policy, go by
		 * without a decode. */
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			col++;
			i++;
			continue;
		}
		if (s[i] == '\n') {
			line++;
			col = 1;
			i++;
			continue;
		}
		n = utf8_decode(s + i, src->len - i, &cp);
		if (n == 0 || cp == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' &&
		                          cp != '\r') || cp == 0x7f) {
			struct span sp = { file, line, col, line, col + 1 };
			if (n == 0)
				diag_error(ld, &sp, E_NOT_UTF8,
				           "invalid UTF-8 byte 0x%02x: policy files are UTF-8 text",
				           s[i]);
			else if (cp == 0)
				diag_error(ld, &sp, E_NOT_UTF8,
				           "NUL byte: policy files are UTF-8 text");
			else
				diag_error(ld, &sp, E_NOT_UTF8,
				           "control character U+%04X: policy files are UTF-8 text",
				           (unsigned)cp);
			return false;
		}
		if (cp == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
		i += n;
	}
	return true;
}

static char *read_all(int fd, size_t *len, int *err)
{
	struct stat st;
	size_t cap, n = 0;
	char *text;
	ssize_t r;

	if (fstat(fd, &st) < 0) {
		*err = errno;
		return NULL;
	}
	if (st.st_size > MAX_FILE_SIZE) {
		*err = EFBIG;
		return NULL;
	}
	cap = (size_t)st.st_size + 2;
	text = malloc(cap);
	if (!text) {
		*err = ENOMEM;
		return NULL;
	}
	for (;;) {
		if (n + 2 == cap) {
			char *p;
			if (cap > MAX_FILE_SIZE) {
				free(text);
				*err = EFBIG;
				return NULL;
			}
			p = realloc(text, cap * 2);
			if (!p) {
				free(text);
				*err = ENOMEM;
				return NULL;
			}
			text = p;
			cap *= 2;
		}
		r = read(fd, text + n, cap - 2 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*err = errno;
			free(text);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	text[n] = '\0';
	text[n + 1] = '\0';
	*len = n;
	return text;
}

static void read_file(struct loader *ld, const char *path,
                      const struct span *from, struct include_frame *stack,
                      unsigned depth)
{
	struct include_frame *f, frame;
	struct stat st;
	size_t len, i;
	uint32_t index;
	char *text;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		err = errno;
		diag_file(ld, from, WRIT_SEVERITY_ERROR, E_READ, path,
		          "cannot read %s: %s", path, strerror(err));
		if (!from)
			ld->io_error = true;
		if (fd >= 0)
			close(fd);
		return;
	}
	for (f = stack; f; f = f->up) {
		const struct source *s = &ld->sources[f->file];
		if (s->dev == st.st_dev && s->ino == st.st_ino) {
			struct buf chain;
			struct include_frame *g;
			size_t k, nf = 0;
			/* Print the chain outermost first: a -> b -> c -> a. */
			for (g = stack; g != f->up; g = g->up)
				nf++;
			buf_init(&chain);
			for (k = nf; k > 0; k--) {
				size_t m = k - 1;
				for (g = stack; m > 0; m--)
					g = g->up;
				buf_puts(&chain, ld->sources[g->file].path);
				buf_puts(&chain, " -> ");
			}
			buf_puts(&chain, path);
			diag_file(ld, from, WRIT_SEVERITY_ERROR, E_INCLUDE_CYCLE, path,
			          "include cycle: %s", chain.data ? chain.data : path);
			buf_free(&chain);
			close(fd);
			return;
		}
	}
	for (i = 0; i < ld->nsources; i++) {
		if (ld->sources[i].dev == st.st_dev && ld->sources[i].ino == st.st_ino) {
			diag_file(ld, from, WRIT_SEVERITY_WARNING, W_ALREADY_LOADED, path,
			          "%s is already part of this policy; it is read once",
			          path);
			close(fd);
			return;
		}
	}
	text = read_all(fd, &len, &err);
	close(fd);
	if (!text) {
		if (err == ENOMEM)
			ld->oom = true;
		else if (err == EFBIG)
			diag_file(ld, from, WRIT_SEVERITY_ERROR, E_TOO_BIG, path,
			          "%s is larger than 256 MiB", path);
		else
			diag_file(ld, from, WRIT_SEVERITY_ERROR, E_READ, path,
			          "cannot read %s: %s", path, strerror(err));
		if (!from && err != ENOMEM)
			ld->io_error = true;
		return;
	}
	if (add_source(ld, path, text, len, &st, &index) != WRIT_OK) {
		free(text);
		ld->oom = true;
		return;
	}
	if (!check_text(ld, index))
		return;
	frame.file = index;
	frame.up = stack;
	parse_source(ld, index, &frame, depth);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_policy_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".writ") == 0;
}

static char *join_path(const char *dir, const char *name)
{
	size_t d = strlen(dir);
	struct buf b;

	buf_init(&b);
	buf_puts(&b, dir);
	if (d > 0 && dir[d - 1] != '/')
		buf_putc(&b, '/');
	buf_puts(&b, name);
	return buf_steal(&b);
}

/* Every *.writ file of a directory, in byte order of the names. */
static void read_directory(struct loader *ld, const char *path,
                           const struct span *from, struct include_frame *stack,
                           unsigned depth)
{
	char **names = NULL, **p;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *dir;

	dir = opendir(path);
	if (!dir) {
		diag_file(ld, from, WRIT_SEVERITY_ERROR, E_READ, path,
		          "cannot read directory %s: %s", path, strerror(errno));
		if (!from)
			ld->io_error = true;
		return;
	}
	while ((de = readdir(dir))) {
		if (!is_policy_name(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			p = realloc(names, cap * sizeof(*names));
			if (!p)
				goto oom;
			names = p;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			goto oom;
		n++;
	}
	closedir(dir);
	dir = NULL;
	if (n == 0)
		diag_file(ld, from, WRIT_SEVERITY_WARNING, W_EMPTY_DIRECTORY, path,
		          "directory %s holds no *.writ file", path);
	if (n > 1) /* qsort(NULL, 0, ...) is undefined */
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && !ld->oom; i++) {
		char *full = join_path(path, names[i]);
		if (!full) {
			ld->oom = true;
			break;
		}
		read_file(ld, full, from, stack, depth);
		free(full);
	}
	goto out;
oom:
	ld->oom = true;
out:
	if (dir)
		closedir(dir);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void loader_read_path(struct loader *ld, const char *path,
                      const struct span *from, struct include_frame *stack,
                      unsigned depth)
{
	struct stat st;

	if (ld->oom)
		return;
	if (depth > MAX_INCLUDE_DEPTH) {
		diag_file(ld, from, WRIT_SEVERITY_ERROR, E_INCLUDE_DEPTH, path,
		          "includes nested more than %d levels deep", MAX_INCLUDE_DEPTH);
		return;
	}
	if (stat(path, &st) < 0) {
		diag_file(ld, from, WRIT_SEVERITY_ERROR, E_READ, path,
		          "cannot read %s: %s", path, strerror(errno));
		if (!from)
			ld->io_error = true;
		return;
	}
	if (S_ISDIR(st.st_mode))
		read_directory(ld, path, from, stack, depth);
	else if (S_ISREG(st.st_mode))
		read_file(ld, path, from, stack, depth);
	else {
		diag_file(ld, from, WRIT_SEVERITY_ERROR, E_READ, path,
		          "cannot read %s: not a regular file or a directory", path);
		if (!from)
			ld->io_error = true;
	}
}

void loader_read_buffer(struct loader *ld, const char *name, const char *data,
                        size_t len)
{
	struct include_frame frame;
	uint32_t index;
	char *text;

	if (len > MAX_FILE_SIZE) {
		diag_file(ld, NULL, WRIT_SEVERITY_ERROR, E_TOO_BIG, name,
		          "%s is larger than 256 MiB", name);
		return;
	}
	text = malloc(len + 2);
	if (!text) {
		ld->oom = true;
		return;
	}
	if (len)
		memcpy(text, data, len);
	text[len] = '\0';
	text[len + 1] = '\0';
	if (add_source(ld, name, text, len, NULL, &index) != WRIT_OK) {
		free(text);
		ld->oom = true;
		return;
	}
	if (!check_text(ld, index))
		return;
	frame.file = index;
	frame.up = NULL;
	parse_source(ld, index, &frame, 0);
}

/* ---- the parse of one source ---- */

int policy_yylex_init_extra(struct parse_state *extra, void **scanner);
int policy_yylex_destroy(void *scanner);
void *policy_scan_source(char *base, size_t size, void *scanner);
int policy_yyparse(void *scanner, struct parse_state *ps);

char *loader_relative_path(const char *file, const char *name)
{
	const char *slash = strrchr(file, '/');
	struct buf b;

	if (name[0] == '/' || !slash)
		return strdup(name);
	buf_init(&b);
	buf_append(&b, file, (size_t)(slash - file) + 1);
	buf_puts(&b, name);
	return buf_steal(&b);
}

/* How many top-level things the policy declares so far. */
static size_t declarations(const struct ast_policy *ast)
{
	return ast->nissuers + ast->ntrusts + ast->nresources + ast->nroles + ast->napps +
	       ast->nusers + ast->nstacks;
}

/*
 * An include that reads a file but adds nothing (a file of comments, say) is
 * worth a warning. Paths that read no new file already drew theirs (W007,
 * W008, E006), and one that drew an error is left to that error. In a chain
 * of includes that all add nothing, only the outermost is reported: the
 * ones inside it are said by it, and removing it removes them.
 */
static void read_include(struct loader *ld, const char *path, const struct span *from,
                         struct include_frame *stack, unsigned depth)
{
	size_t before = declarations(&ld->ast), sources = ld->nsources, errors = ld->errors;
	size_t inner = ld->nempty_includes, i;

	loader_read_path(ld, path, from, stack, depth);
	if (!ld->oom && ld->nsources > sources && ld->errors == errors &&
	    declarations(&ld->ast) == before) {
		struct empty_include *e = ld->empty_includes;

		ld->nempty_includes = inner; /* the ones inside this one */
		if (ld->nempty_includes == ld->capempty_includes) {
			size_t cap = ld->capempty_includes ? ld->capempty_includes * 2 : 8;

			e = realloc(ld->empty_includes, cap * sizeof(*e));
			if (!e) {
				ld->oom = true;
				return;
			}
			ld->empty_includes = e;
			ld->capempty_includes = cap;
		}
		e[ld->nempty_includes].from = *from;
		e[ld->nempty_includes].path = arena_strndup(&ld->arena, path, strlen(path));
		if (!e[ld->nempty_includes].path) {
			ld->oom = true;
			return;
		}
		ld->nempty_includes++;
	}
	if (depth > 1) /* inside another include: the outermost one reports */
		return;
	for (i = 0; i < ld->nempty_includes; i++)
		diag(ld, &ld->empty_includes[i].from, WRIT_SEVERITY_WARNING, W_EMPTY_INCLUDE,
		     "remove the include, or fill the file",
		     "%s declares nothing, so this include adds nothing", ld->empty_includes[i].path);
	ld->nempty_includes = 0;
}

void parse_source(struct loader *ld, uint32_t file, struct include_frame *stack,
                  unsigned depth)
{
	struct parse_state ps;
	struct parse_include *inc;
	struct source *src = &ld->sources[file];
	void *scanner = NULL;
	/* Set before the scanner can unwind, freed after it is destroyed. */
	char *volatile copy = NULL;
	jmp_buf unwind;
	char *including;
	/* A UTF-8 byte order mark is not part of the text. */
	const size_t skip = src->len >= 3 && memcmp(src->text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

	memset(&ps, 0, sizeof(ps));
	ps.ld = ld;
	ps.file = file;
	ps.stack = stack;
	ps.depth = depth;
	ps.includes_tail = &ps.includes;
	ps.unwind = &unwind;
	ps.line = ps.end_line = 1;
	ps.col = ps.end_col = 1;
	buf_init(&ps.str);
	if (policy_yylex_init_extra(&ps, &scanner) != 0) {
		ld->oom = true;
		return;
	}
	if (setjmp(unwind) == 0) {
		/* The scanner works on a copy of ours: flex writes into the buffer
		 * it scans, and diagnostics quote the source while it runs. One
		 * memcpy, not yy_scan_bytes(): that copies a byte at a time, and
		 * its copy leaks when its next allocation fails. The scanner
		 * wants two NULs after the text. */
		size_t n = src->len - skip;

		copy = n <= INT_MAX - 2 ? malloc(n + 2) : NULL;
		if (copy) {
			if (n > 0)
				memcpy(copy, src->text + skip, n);
			copy[n] = copy[n + 1] = '\0';
		}
		if (!copy || !policy_scan_source(copy, n + 2, scanner))
			ld->oom = true;
		else if (policy_yyparse(scanner, &ps) == 2)
			ld->oom = true;
	}
	policy_yylex_destroy(scanner);
	free(copy);
	buf_free(&ps.str);
	if (ld->oom)
		return;

	/* Sources may move as includes add more: take what is needed now. */
	including = strdup(ld->sources[file].path);
	if (!including) {
		ld->oom = true;
		return;
	}
	for (inc = ps.includes; inc && !ld->oom; inc = inc->next) {
		char *path;
		if (inc->path.len == 0) {
			diag_error(ld, &inc->path.sp, E_READ, "include names no file");
			continue;
		}
		path = loader_relative_path(including, inc->path.s);
		if (!path) {
			ld->oom = true;
			break;
		}
		read_include(ld, path, &inc->path.sp, stack, depth + 1);
		free(path);
	}
	free(including);
}
