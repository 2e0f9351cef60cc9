/*
 * load.h: the state of one policy load: sources read so far, the arena the
 * syntax tree lives in, and the diagnostics found. Internal to libwrit.
 */
#ifndef WRIT_LOAD_H
#define WRIT_LOAD_H

#include <stdarg.h>
#include <stdbool.h>
#include <sys/types.h>

#include "ast.h"
#include "module_load.h"
#include "util.h"
#include "writ.h"

struct source {
	char *path;      /* as reached: given, or joined to the includer's dir */
	char *text;      /* contents, NUL-terminated (never containing NUL) */
	size_t len;
	size_t *lines;   /* offsets of line starts, built on first need */
	size_t nlines;
	dev_t dev;
	ino_t ino;
};

/* A file being read, for include cycle detection. */
struct include_frame {
	uint32_t file;
	struct include_frame *up;
};

struct suppression;

struct loader {
	struct arena arena;
	struct ast_policy ast;
	struct source *sources;
	size_t nsources, capsources;
	writ_diagnostics *diags; /* may be NULL */
	size_t errors, warnings;
	bool oom;
	bool io_error; /* a path named by the caller could not be read */
	const char *module_dir;     /* where loadable modules are; may be NULL */
	struct module_set modules;  /* loaded for this policy */
	/* Where secrets are written: masked in every quoted source line. */
	struct span *secrets;
	size_t nsecrets, capsecrets;
	/* `# writ: ignore[...]` comments, one entry per code (suppress.h). */
	/* The check's maps of app and user ids to their indexes, kept for the
	 * compile when the check found no error: the table's maps hold the
	 * same ids in the same slots (strmap_rekey). */
	struct strmap principal_maps[2];
	struct suppression *suppressions;
	size_t nsuppressions, capsuppressions;
	/* Includes that added nothing (W021), held until the outermost include
	 * being read returns: only the outermost of a chain is reported. */
	struct empty_include {
		struct span from;
		const char *path;     /* in the arena */
	} *empty_includes;
	size_t nempty_includes, capempty_includes;
};

/* Remember that sp holds a secret (or what may be one). */
void loader_add_secret(struct loader *ld, const struct span *sp);

void loader_init(struct loader *ld, writ_diagnostics *diags);
/* Free the sources' texts once nothing will quote them: the compile only
 * reads the syntax tree, and a large policy's text is a large part of the
 * load's peak memory. Diagnostics made later carry no source line. */
void loader_drop_texts(struct loader *ld);
void loader_free(struct loader *ld);

/* Read a path named by the caller, or by an include (from != NULL). */
void loader_read_path(struct loader *ld, const char *path,
                      const struct span *from, struct include_frame *stack,
                      unsigned depth);
/* name taken from the directory of file (name itself when absolute or file
 * has no directory): where includes and key files are found. Caller frees
 * with free(); NULL when out of memory. */
char *loader_relative_path(const char *file, const char *name);
/* Parse a buffer named `name` (the bytes are copied). */
void loader_read_buffer(struct loader *ld, const char *name, const char *data,
                        size_t len);

/*
 * Record a diagnostic. code is "" for notes; hint may be NULL. sp may be
 * NULL for a diagnostic with no place. A note attaches to the record
 * before it.
 */
void diag(struct loader *ld, const struct span *sp, enum writ_severity sev,
          const char *code, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void vdiag(struct loader *ld, const struct span *sp, enum writ_severity sev,
           const char *code, const char *hint, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

/* Shorthands. */
#define diag_error(ld, sp, code, ...) \
	diag((ld), (sp), WRIT_SEVERITY_ERROR, (code), NULL, __VA_ARGS__)
#define diag_warning(ld, sp, code, ...) \
	diag((ld), (sp), WRIT_SEVERITY_WARNING, (code), NULL, __VA_ARGS__)
#define diag_note(ld, sp, ...) \
	diag((ld), (sp), WRIT_SEVERITY_NOTE, "", NULL, __VA_ARGS__)

/*
 * Mask every secret span of the load in the source lines quoted by the
 * records from `from` on, so that no diagnostic repeats a secret (lint
 * output ends up in CI logs).
 */
void diagnostics_redact(writ_diagnostics *d, size_t from, const struct span *secrets,
                        size_t nsecrets);

/* Internal side of writ_diagnostics (diag.c). */
int diagnostics_push(writ_diagnostics *d, const struct writ_diagnostic *rec);
/* Remove the records from `from` on for which drop() is true, with the
 * notes that follow them. file_order is the record's file index plus 1, or
 * 0 when it has no place in a source. */
void diagnostics_drop(writ_diagnostics *d, size_t from,
                      bool (*drop)(const struct writ_diagnostic *rec,
                                   uint32_t file_order, void *arg),
                      void *arg);
/* Order records (each with its notes) by file, line and column from `from`. */
void diagnostics_sort(writ_diagnostics *d, size_t from,
                      const struct source *sources);

/* Append a quoted, escaped rendering of s[0..len) for messages. */
void buf_put_quoted(struct buf *b, const char *s, size_t len);

/* The semantic pass and the compiler (check.c, compile.c). */
void check_policy(struct loader *ld);
int compile_policy(struct loader *ld, writ_policy **out);

#endif
