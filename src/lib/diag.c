/*
 * diag.c: diagnostics as records (file, span, severity, code, message,
 * hint), and their one rendering as "file:line:col: error: message [CODE]"
 * followed by the source line and a caret span.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

/* Beyond this many records a load stops recording (but keeps counting). */
enum { DIAG_MAX_RECORDS = 10000 };

struct record {
	struct writ_diagnostic pub; /* its strings point into `owned` */
	char *owned[5];             /* file, code, message, hint, source */
	uint32_t file_order; /* for sorting: the file's index in its load */
	size_t seq;          /* order of discovery, for a stable sort */
};

struct writ_diagnostics {
	struct record *recs;
	size_t count, cap;
	size_t errors, warnings;
	size_t dropped;
};

writ_diagnostics *writ_diagnostics_new(void)
{
	return calloc(1, sizeof(writ_diagnostics));
}

static void record_free(struct record *r)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(r->owned); i++)
		free(r->owned[i]);
}

void writ_diagnostics_clear(writ_diagnostics *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->count; i++)
		record_free(&d->recs[i]);
	d->count = 0;
	d->errors = 0;
	d->warnings = 0;
	d->dropped = 0;
}

void writ_diagnostics_free(writ_diagnostics *d)
{
	if (!d)
		return;
	writ_diagnostics_clear(d);
	free(d->recs);
	free(d);
}

size_t writ_diagnostics_count(const writ_diagnostics *d)
{
	return d ? d->count : 0;
}

const struct writ_diagnostic *writ_diagnostics_get(const writ_diagnostics *d,
                                                   size_t i)
{
	return d && i < d->count ? &d->recs[i].pub : NULL;
}

size_t writ_diagnostics_errors(const writ_diagnostics *d)
{
	return d ? d->errors : 0;
}

size_t writ_diagnostics_warnings(const writ_diagnostics *d)
{
	return d ? d->warnings : 0;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Takes copies of every string of rec. */
int diagnostics_push(writ_diagnostics *d, const struct writ_diagnostic *rec)
{
	struct record *r;

	if (rec->severity == WRIT_SEVERITY_ERROR)
		d->errors++;
	else if (rec->severity == WRIT_SEVERITY_WARNING)
		d->warnings++;
	if (d->count >= DIAG_MAX_RECORDS) {
		d->dropped++;
		return WRIT_OK;
	}
	if (d->count == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct record *p = realloc(d->recs, cap * sizeof(*p));
		if (!p)
			return WRIT_ENOMEM;
		d->recs = p;
		d->cap = cap;
	}
	r = &d->recs[d->count];
	memset(r, 0, sizeof(*r));
	r->pub = *rec;
	r->pub.file = r->owned[0] = dup_or_null(rec->file ? rec->file : "");
	r->pub.code = r->owned[1] = dup_or_null(rec->code ? rec->code : "");
	r->pub.message = r->owned[2] = dup_or_null(rec->message ? rec->message : "");
	r->pub.hint = r->owned[3] = dup_or_null(rec->hint);
	r->pub.source = r->owned[4] = dup_or_null(rec->source);
	r->seq = d->count;
	if (!r->pub.file || !r->pub.code || !r->pub.message ||
	    (rec->hint && !r->pub.hint) || (rec->source && !r->pub.source)) {
		record_free(r);
		return WRIT_ENOMEM;
	}
	d->count++;
	return WRIT_OK;
}

void diagnostics_drop(writ_diagnostics *d, size_t from,
                      bool (*drop)(const struct writ_diagnostic *rec,
                                   uint32_t file_order, void *arg),
                      void *arg)
{
	size_t i, out = from;
	bool dropping = false;

	for (i = from; i < d->count; i++) {
		struct record *r = &d->recs[i];
		if (r->pub.severity != WRIT_SEVERITY_NOTE)
			dropping = drop(&r->pub, r->file_order, arg);
		if (dropping) {
			if (r->pub.severity == WRIT_SEVERITY_ERROR)
				d->errors--;
			else if (r->pub.severity == WRIT_SEVERITY_WARNING)
				d->warnings--;
			record_free(r);
			continue;
		}
		r->seq = out;
		d->recs[out++] = *r;
	}
	d->count = out;
}

static int group_cmp(const void *a, const void *b)
{
	const struct record *x = a, *y = b;

	if (x->file_order != y->file_order)
		return x->file_order < y->file_order ? -1 : 1;
	if (x->pub.line != y->pub.line)
		return x->pub.line < y->pub.line ? -1 : 1;
	if (x->pub.column != y->pub.column)
		return x->pub.column < y->pub.column ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Sort records from `from` on by place, keeping each record's notes right
 * behind it. The notes are carried along by sorting group heads, then
 * rebuilding the array in head order.
 */
void diagnostics_sort(writ_diagnostics *d, size_t from,
                      const struct source *sources)
{
	size_t n, i, j, nheads = 0, out;
	struct record *heads, *copy;

	(void)sources;
	if (!d || d->count <= from + 1)
		return;
	n = d->count - from;
	heads = malloc(n * sizeof(*heads));
	copy = malloc(n * sizeof(*copy));
	if (!heads || !copy)
		goto out; /* unsorted is still correct, only less tidy */
	memcpy(copy, d->recs + from, n * sizeof(*copy));
	for (i = 0; i < n; i++) {
		copy[i].seq = i;
		if (copy[i].pub.severity != WRIT_SEVERITY_NOTE || i == 0)
			heads[nheads++] = copy[i];
	}
	qsort(heads, nheads, sizeof(*heads), group_cmp);
	out = from;
	for (i = 0; i < nheads; i++) {
		j = heads[i].seq;
		d->recs[out++] = copy[j];
		for (j++; j < n && copy[j].pub.severity == WRIT_SEVERITY_NOTE; j++)
			d->recs[out++] = copy[j];
	}
	for (i = from; i < d->count; i++)
		d->recs[i].seq = i;
out:
	free(heads);
	free(copy);
}

/* ---- rendering ---- */

const char *writ_severity_name(enum writ_severity s)
{
	switch (s) {
	case WRIT_SEVERITY_ERROR:
		return "error";
	case WRIT_SEVERITY_WARNING:
		return "warning";
	case WRIT_SEVERITY_NOTE:
		return "note";
	case WRIT_SEVERITY_INFO:
		return "info";
	}
	return "error";
}

/*
 * The marker line under the source: spaces up to the column (tabs kept as
 * tabs so that the caret lines up however the terminal renders them), a
 * caret, then tildes to the end of the span on that line.
 */
static void render_marker(struct buf *b, const struct writ_diagnostic *r)
{
	const char *s = r->source;
	size_t col = 1, i = 0, end;
	uint32_t cp;

	while (s[i] && col < r->column) {
		size_t n = utf8_decode((const unsigned char *)s + i, strlen(s + i), &cp);
		buf_putc(b, s[i] == '\t' ? '\t' : ' ');
		i += n ? n : 1;
		col++;
	}
	buf_putc(b, '^');
	end = r->end_line == r->line ? r->end_column : utf8_length(s, strlen(s)) + 1;
	for (col = r->column + 1; col < end; col++)
		buf_putc(b, '~');
}

char *writ_diagnostic_render(const writ_diagnostics *d, size_t i)
{
	const struct writ_diagnostic *r = writ_diagnostics_get(d, i);
	struct buf b;
	int width;

	if (!r)
		return NULL;
	buf_init(&b);
	if (r->line)
		buf_printf(&b, "%s:%u:%u: ", r->file, r->line, r->column);
	else if (r->file[0])
		buf_printf(&b, "%s: ", r->file);
	buf_printf(&b, "%s: %s", writ_severity_name(r->severity), r->message);
	if (r->code[0])
		buf_printf(&b, " [%s]", r->code);
	buf_putc(&b, '\n');
	if (r->line && r->source) {
		width = snprintf(NULL, 0, "%u", r->line);
		buf_printf(&b, " %*u | %s\n", width < 4 ? 4 : width, r->line, r->source);
		buf_printf(&b, " %*s | ", width < 4 ? 4 : width, "");
		render_marker(&b, r);
		buf_putc(&b, '\n');
	}
	if (r->hint)
		buf_printf(&b, " %*s = hint: %s\n", 4, "", r->hint);
	if (i + 1 == d->count && d->dropped)
		buf_printf(&b, "note: %zu more diagnostic%s not recorded\n",
		           d->dropped, d->dropped == 1 ? " was" : "s were");
	return buf_steal(&b);
}

/* ---- recording, from a load ---- */

static const char *source_line(struct source *src, uint32_t line, size_t *len)
{
	size_t i, n;

	if (!src->text) /* let go of before the compile (loader_drop_texts) */
		return NULL;
	if (!src->lines) {
		n = 1;
		for (i = 0; i < src->len; i++)
			if (src->text[i] == '\n')
				n++;
		src->lines = malloc(n * sizeof(*src->lines));
		if (!src->lines)
			return NULL;
		src->lines[0] = 0;
		n = 1;
		for (i = 0; i < src->len; i++)
			if (src->text[i] == '\n')
				src->lines[n++] = i + 1;
		src->nlines = n;
	}
	if (line == 0 || line > src->nlines)
		return NULL;
	i = src->lines[line - 1];
	n = line < src->nlines ? src->lines[line] - 1 : src->len;
	if (line == 1 && n >= 3 && memcmp(src->text, "\xef\xbb\xbf", 3) == 0)
		i = 3; /* a byte order mark is not part of the text */
	if (n > i && src->text[n - 1] == '\r')
		n--;
	*len = n - i;
	return src->text + i;
}

/*
 * A quoted source line is shown to people: what is not valid UTF-8 or is a
 * control character (a tab aside) becomes U+FFFD, one per byte, so that the
 * output is text and columns (code points) still line up.
 */
static void put_printable(struct buf *b, const char *s, size_t len)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (n == 0 || (cp < 0x20 && cp != '\t') || cp == 0x7f) {
			buf_puts(b, "\xef\xbf\xbd");
			i++;
			continue;
		}
		buf_append(b, s + i, n);
		i += n;
	}
}

void vdiag(struct loader *ld, const struct span *sp, enum writ_severity sev,
           const char *code, const char *hint, const char *fmt, va_list ap)
{
	struct writ_diagnostic rec;
	struct buf msg, line;
	const char *text;
	size_t len = 0, before;

	if (sev == WRIT_SEVERITY_ERROR)
		ld->errors++;
	else if (sev == WRIT_SEVERITY_WARNING)
		ld->warnings++;
	if (!ld->diags)
		return;
	memset(&rec, 0, sizeof(rec));
	buf_init(&msg);
	buf_init(&line);
	buf_vprintf(&msg, fmt, ap);
	rec.severity = sev;
	rec.code = code;
	rec.hint = hint;
	rec.message = msg.data ? msg.data : "";
	if (sp && sp->file < ld->nsources) {
		struct source *src = &ld->sources[sp->file];
		rec.file = src->path;
		rec.line = sp->line;
		rec.column = sp->col;
		rec.end_line = sp->end_line;
		rec.end_column = sp->end_col;
		text = sp->line ? source_line(src, sp->line, &len) : NULL;
		if (sp->line && !src->lines)
			ld->oom = true; /* the index of lines could not be made */
		if (text) {
			put_printable(&line, text, len);
			rec.source = line.data ? line.data : "";
		}
	}
	before = ld->diags->count;
	if (msg.oom || line.oom || diagnostics_push(ld->diags, &rec) != WRIT_OK)
		ld->oom = true;
	else if (sp && ld->diags->count > before)
		ld->diags->recs[before].file_order = sp->file + 1;
	buf_free(&msg);
	buf_free(&line);
}

void diag(struct loader *ld, const struct span *sp, enum writ_severity sev,
          const char *code, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(ld, sp, sev, code, hint, fmt, ap);
	va_end(ap);
}

void buf_put_quoted(struct buf *b, const char *s, size_t len)
{
	size_t i, run;

	buf_putc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf_printf(b, "\\%c", c);
		} else if (c < 0x20 || c == 0x7f) {
			buf_printf(b, "\\u%04x", c);
		} else {
			/* The bytes up to the next one to escape, in one append
			 * (every compiled route's text is quoted here). */
			for (run = i + 1; run < len; run++) {
				c = (unsigned char)s[run];
				if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f)
					break;
			}
			buf_append(b, s + i, run - i);
			i = run - 1;
		}
	}
	buf_putc(b, '"');
}

/* Replace the characters of columns [col, end) of s by '*', one per code
 * point; the quotes that delimit a string stay. */
static void mask(char *s, uint32_t col, uint32_t end)
{
	size_t i = 0;
	uint32_t c = 1;

	while (s[i]) {
		size_t n = 1;
		bool quote = s[i] == '"' && (c == col || c + 1 == end);
		while (s[i + n] && ((unsigned char)s[i + n] & 0xc0) == 0x80)
			n++;
		if (c >= col && c < end && !quote) {
			memmove(s + i + 1, s + i + n, strlen(s + i + n) + 1);
			s[i] = '*';
			n = 1;
		}
		i += n;
		c++;
	}
}

void diagnostics_redact(writ_diagnostics *d, size_t from, const struct span *secrets,
                        size_t nsecrets)
{
	size_t i, k;

	if (!d)
		return;
	for (i = from; i < d->count; i++) {
		struct record *r = &d->recs[i];
		for (k = 0; k < nsecrets; k++) {
			const struct span *sp = &secrets[k];
			if (!r->owned[4] || r->file_order != sp->file + 1 ||
			    r->pub.line < sp->line || r->pub.line > sp->end_line)
				continue;
			mask(r->owned[4], r->pub.line == sp->line ? sp->col : 1,
			     r->pub.line == sp->end_line ? sp->end_col : UINT32_MAX);
		}
	}
}
