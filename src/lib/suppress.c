/*
 * suppress.c: `# writ: ignore[CODE, ...]` comments. The scanner hands every
 * comment here; directives are parsed and kept per code, and once the policy
 * is checked, the warnings they cover are dropped from the diagnostics.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "suppress.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_code_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* The span of text[from..to) in a comment placed at sp: the directive's
 * syntax is ASCII, so bytes are columns up to any code point beyond. */
static struct span sub_span(const struct span *sp, size_t from, size_t to)
{
	struct span s = *sp;

	s.col = sp->col + (uint32_t)from;
	s.end_line = sp->line;
	s.end_col = sp->col + (uint32_t)to;
	return s;
}

/* code is diag_codes' own string: it outlives the loader. */
static void add(struct loader *ld, const struct span *sp, uint32_t line, const char *code)
{
	struct suppression *s;

	if (ld->nsuppressions == ld->capsuppressions) {
		size_t cap = ld->capsuppressions ? ld->capsuppressions * 2 : 8;
		struct suppression *p = realloc(ld->suppressions, cap * sizeof(*p));
		if (!p) {
			ld->oom = true;
			return;
		}
		ld->suppressions = p;
		ld->capsuppressions = cap;
	}
	s = &ld->suppressions[ld->nsuppressions++];
	memset(s, 0, sizeof(*s));
	s->file = sp->file;
	s->line = line;
	s->sp = *sp;
	s->code = code;
}

/* One code of the list, text[from..to): recorded when it is a warning's. */
static void add_code(struct loader *ld, const struct span *comment, uint32_t line, const char *text,
                     size_t from, size_t to)
{
	struct span sp = sub_span(comment, from, to);
	const struct diag_code *dc = NULL;
	char code[8] = "";

	if (to - from < sizeof(code)) {
		memcpy(code, text + from, to - from);
		code[to - from] = '\0';
		dc = diag_code_find(code);
	}
	if (!dc)
		diag_warning(ld, &sp, W_USELESS_SUPPRESSION,
		             "unknown diagnostic code \"%.*s\" in a suppression", (int)(to - from),
		             text + from);
	else if (dc->code[0] == 'E')
		diag_warning(ld, &sp, W_USELESS_SUPPRESSION,
		             "%s is an error: errors cannot be suppressed, only warnings",
		             dc->code);
	else if (strcmp(dc->code, W_USELESS_SUPPRESSION) == 0)
		diag_warning(ld, &sp, W_USELESS_SUPPRESSION,
		             "%s is about suppressions and cannot itself be suppressed", dc->code);
	else
		add(ld, &sp, line, dc->code);
}

/*
 * The directive after "writ:", from text[i]: `ignore[CODE, ...]`, then
 * anything (a reason, say). Returns false when it is malformed.
 */
static bool parse_ignore(struct loader *ld, const struct span *comment, uint32_t line,
                         const char *text, size_t len, size_t i)
{
	size_t from;

	while (i < len && is_blank(text[i]))
		i++;
	if (len - i < 6 || memcmp(text + i, "ignore", 6) != 0)
		return false;
	i += 6;
	while (i < len && is_blank(text[i]))
		i++;
	if (i == len || text[i] != '[')
		return false;
	/* Check the whole list before recording any of it. */
	for (from = ++i;; i++) {
		while (i < len && is_blank(text[i]))
			i++;
		if (i == len || !is_code_char(text[i]))
			return false;
		while (i < len && is_code_char(text[i]))
			i++;
		while (i < len && is_blank(text[i]))
			i++;
		if (i < len && text[i] == ']')
			break;
		if (i == len || text[i] != ',')
			return false;
	}
	for (i = from;;) {
		size_t start;
		while (is_blank(text[i]) || text[i] == ',')
			i++;
		if (text[i] == ']')
			return true;
		start = i;
		while (is_code_char(text[i]))
			i++;
		add_code(ld, comment, line, text, start, i);
	}
}

void suppress_comment(struct loader *ld, const struct span *sp, const char *text, size_t len,
                      bool alone)
{
	size_t i = 1;

	while (i < len && is_blank(text[i]))
		i++;
	if (len - i < 5 || memcmp(text + i, "writ:", 5) != 0)
		return; /* an ordinary comment */
	if (len && text[len - 1] == '\r')
		len--;
	if (!parse_ignore(ld, sp, alone ? sp->line + 1 : sp->line, text, len, i + 5)) {
		struct span whole = sub_span(sp, 0, utf8_length(text, len));
		diag_warning(ld, &whole, W_USELESS_SUPPRESSION,
		             "malformed writ directive: expected # writ: ignore[CODE, ...]");
	}
}

/* The first suppression of (file, line): they are recorded in that order. */
static size_t lower_bound(const struct loader *ld, uint32_t file, uint32_t line)
{
	size_t lo = 0, hi = ld->nsuppressions;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct suppression *s = &ld->suppressions[mid];
		if (s->file < file || (s->file == file && s->line < line))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool suppressed(const struct writ_diagnostic *rec, uint32_t file_order, void *arg)
{
	struct loader *ld = arg;
	uint32_t file = file_order - 1;
	size_t i;

	/* No suppression is of W014 (add_code refuses it), and none is of a
	 * line 0: such records find no match below. */
	if ((rec->severity != WRIT_SEVERITY_WARNING && rec->severity != WRIT_SEVERITY_INFO) ||
	    file_order == 0)
		return false;
	for (i = lower_bound(ld, file, rec->line); i < ld->nsuppressions; i++) {
		struct suppression *s = &ld->suppressions[i];
		if (s->file != file || s->line != rec->line)
			break;
		if (strcmp(s->code, rec->code) == 0) {
			s->used = true;
			return true;
		}
	}
	return false;
}

void suppress_apply(struct loader *ld, size_t from)
{
	size_t i;

	if (!ld->diags || ld->nsuppressions == 0)
		return;
	diagnostics_drop(ld->diags, from, suppressed, ld);
	if (ld->errors > 0)
		return;
	for (i = 0; i < ld->nsuppressions && !ld->oom; i++) {
		const struct suppression *s = &ld->suppressions[i];
		if (!s->used)
			diag_warning(ld, &s->sp, W_USELESS_SUPPRESSION,
			             "this suppression of %s is unused: no %s on line %u", s->code,
			             s->code, (unsigned)s->line);
	}
}
