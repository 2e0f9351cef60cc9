/*
 * lint_report.c: writ lint's diagnostics as JSON Lines, as a SARIF 2.1.0
 * log, and as GitHub Actions workflow commands. The human form is the
 * library's own (writ_diagnostic_render); these say the same things for
 * programs. Field names and rules are documented in writ(1).
 */
#include "config.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lint_report.h"

/* ---- shared ---- */

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * form, no surrogate, nothing above U+10FFFF), or 0.
 */
static size_t utf8_sequence(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* A JSON string of s. Policy text is UTF-8, but paths are any bytes: each
 * byte that is not part of valid UTF-8 becomes U+FFFD. NULL s: null. */
static json_t *jstr(const char *s)
{
	size_t len, i = 0, n, o = 0;
	char *clean;
	json_t *v;

	if (!s)
		return json_null();
	len = strlen(s);
	clean = malloc(len * 3 + 1);
	if (!clean)
		return NULL;
	while (i < len) {
		n = utf8_sequence((const unsigned char *)s + i);
		if (n == 0) {
			memcpy(clean + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(clean + o, s + i, n);
		o += n;
		i += n;
	}
	v = json_stringn(clean, o);
	free(clean);
	return v;
}

/* o[key] = v, taking v; false when v is NULL or memory ran out. */
static bool put(json_t *o, const char *key, json_t *v)
{
	return v && json_object_set_new(o, key, v) == 0;
}

/* put(), with *v given away whatever happens. */
static bool put_take(json_t *o, const char *key, json_t **v)
{
	json_t *taken = *v;

	*v = NULL;
	return put(o, key, taken);
}

static bool push(json_t *a, json_t *v)
{
	return v && json_array_append_new(a, v) == 0;
}

/* Text followed by its hint, the way a person reads it. */
static char *with_hint(const struct writ_diagnostic *d)
{
	size_t m = strlen(d->message), h = d->hint ? strlen(d->hint) : 0;
	char *s = malloc(m + h + sizeof("\nhint: "));

	if (!s)
		return NULL;
	memcpy(s, d->message, m + 1);
	if (d->hint) {
		memcpy(s + m, "\nhint: ", 7);
		memcpy(s + m + 7, d->hint, h + 1);
	}
	return s;
}

/* A span can be given whole when its end is at or after its start. */
static bool has_end(const struct writ_diagnostic *d)
{
	return d->end_line > d->line || (d->end_line == d->line && d->end_column >= d->column);
}

static int dump(FILE *f, json_t *v, size_t flags)
{
	int rc = json_dumpf(v, f, flags);

	fputc('\n', f);
	return rc;
}

/* ---- JSON Lines ---- */

/* file, line, column, end_line, end_column: null when there is none. */
static bool json_place(json_t *o, const struct writ_diagnostic *d)
{
	bool placed = d->line > 0, ended = placed && has_end(d);

	return put(o, "file", d->file[0] ? jstr(d->file) : json_null()) &&
	       put(o, "line", placed ? json_integer(d->line) : json_null()) &&
	       put(o, "column", placed ? json_integer(d->column) : json_null()) &&
	       put(o, "end_line", ended ? json_integer(d->end_line) : json_null()) &&
	       put(o, "end_column", ended ? json_integer(d->end_column) : json_null());
}

static json_t *json_diagnostic(const writ_diagnostics *diags, size_t i)
{
	const struct writ_diagnostic *d = writ_diagnostics_get(diags, i), *n;
	json_t *o = json_object(), *related = json_array(), *r;
	size_t j;

	if (!o || !related)
		goto fail;
	for (j = i + 1; (n = writ_diagnostics_get(diags, j)) && n->severity == WRIT_SEVERITY_NOTE;
	     j++) {
		r = json_object();
		if (!r || !json_place(r, n) || !put(r, "message", jstr(n->message))) {
			json_decref(r);
			goto fail;
		}
		if (!push(related, r))
			goto fail;
	}
	if (json_place(o, d) && put(o, "severity", json_string(writ_severity_name(d->severity))) &&
	    put(o, "code", jstr(d->code)) && put(o, "message", jstr(d->message)) &&
	    put(o, "hint", jstr(d->hint)) && put_take(o, "related", &related))
		return o;
fail:
	json_decref(related);
	json_decref(o);
	return NULL;
}

int lint_report_json(FILE *f, const writ_diagnostics *diags, const bool *shown)
{
	size_t i, n = writ_diagnostics_count(diags);

	for (i = 0; i < n; i++) {
		json_t *o;
		if (!shown[i] || writ_diagnostics_get(diags, i)->severity == WRIT_SEVERITY_NOTE)
			continue;
		o = json_diagnostic(diags, i);
		if (!o)
			return -1;
		dump(f, o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
	}
	return 0;
}

/* ---- SARIF 2.1.0 ---- */

/* The artifact URI of a path: RFC 3986 percent-encoding of every byte but
 * the unreserved ones and '/'; an absolute path becomes a file: URI. */
static char *sarif_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(path), o = 0, i;
	char *u = malloc(len * 3 + sizeof("file://"));

	if (!u)
		return NULL;
	if (path[0] == '/') {
		memcpy(u, "file://", 7);
		o = 7;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("-._~/", c)) {
			u[o++] = (char)c;
		} else {
			u[o++] = '%';
			u[o++] = hex[c >> 4];
			u[o++] = hex[c & 15];
		}
	}
	u[o] = '\0';
	return u;
}

static json_t *sarif_text(const char *s)
{
	json_t *m = json_object();

	if (m && put(m, "text", jstr(s)))
		return m;
	json_decref(m);
	return NULL;
}

/*
 * A location (related ones numbered by id, from 1): the file as a URI (relative ones against
 * %SRCROOT%, the checkout's root, where writ lint is meant to run) and the region. Columns count
 * code points (run.columnKind); the end is exclusive, as in writ's spans.
 */
static json_t *sarif_location(const struct writ_diagnostic *d, size_t id)
{
	json_t *loc = json_object(), *phys = json_object(), *art = json_object(), *reg = NULL;
	char *uri = sarif_uri(d->file);
	bool ok = loc && phys && art && uri &&
	          (!id || put(loc, "id", json_integer((json_int_t)id))) &&
	          put(art, "uri", jstr(uri)) &&
	          (d->file[0] == '/' || put(art, "uriBaseId", json_string("%SRCROOT%")));

	free(uri);
	if (ok && d->line > 0) {
		reg = json_object();
		ok = reg && put(reg, "startLine", json_integer(d->line)) &&
		     put(reg, "startColumn", json_integer(d->column));
		if (ok && has_end(d))
			ok = put(reg, "endLine", json_integer(d->end_line)) &&
			     put(reg, "endColumn", json_integer(d->end_column));
	}
	ok = ok && put_take(phys, "artifactLocation", &art) &&
	     (!reg || put_take(phys, "region", &reg)) && put_take(loc, "physicalLocation", &phys);
	json_decref(reg);
	json_decref(art);
	json_decref(phys);
	if (ok)
		return loc;
	json_decref(loc);
	return NULL;
}

/* The first sentence of a help text, for rule.shortDescription. */
static char *first_sentence(const char *help)
{
	const char *p = help;
	size_t n;
	char *s;

	while ((p = strchr(p, '.')) && p[1] && p[1] != ' ')
		p++;
	n = p ? (size_t)(p - help) + 1 : strlen(help);
	s = malloc(n + 1);
	if (s) {
		memcpy(s, help, n);
		s[n] = '\0';
	}
	return s;
}

/* SARIF 2.1.0 section 3.27.10: an info is a "note" there. */
static const char *sarif_level(enum writ_severity s)
{
	return s == WRIT_SEVERITY_INFO ? "note" : writ_severity_name(s);
}

static json_t *sarif_rule(const char *code, enum writ_severity severity)
{
	const char *title = writ_diagnostic_code_title(code);
	const char *help = writ_diagnostic_code_help(code);
	const char *example = writ_diagnostic_code_example(code);
	json_t *rule = json_object(), *config = json_object();
	char *shortd = help ? first_sentence(help) : NULL, *text = NULL;
	bool ok;

	if (help && example && (text = malloc(strlen(help) + strlen(example) + 16)))
		sprintf(text, "%s\n\nExample:\n%s", help, example);
	ok = rule && config && put(rule, "id", jstr(code)) &&
	     put(config, "level", json_string(sarif_level(severity)));
	if (ok && help)
		ok = shortd && text && put(rule, "name", jstr(title)) &&
		     put(rule, "shortDescription", sarif_text(shortd)) &&
		     put(rule, "fullDescription", sarif_text(help)) &&
		     put(rule, "help", sarif_text(text));
	free(shortd);
	free(text);
	if (ok && put_take(rule, "defaultConfiguration", &config))
		return rule;
	json_decref(config);
	json_decref(rule);
	return NULL;
}

static int code_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The codes of the shown records, each once, in code order. */
static const char **sarif_codes(const writ_diagnostics *diags, const bool *shown, size_t *count)
{
	size_t i, j, n = writ_diagnostics_count(diags), k = 0;
	const char **codes = malloc((n + 1) * sizeof(*codes));

	if (!codes)
		return NULL;
	for (i = 0; i < n; i++) {
		const struct writ_diagnostic *d = writ_diagnostics_get(diags, i);
		if (!shown[i] || d->severity == WRIT_SEVERITY_NOTE)
			continue;
		for (j = 0; j < k && strcmp(codes[j], d->code) != 0; j++)
			;
		if (j == k)
			codes[k++] = d->code;
	}
	qsort(codes, k, sizeof(*codes), code_cmp);
	*count = k;
	return codes;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	do {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	} while (*s++);
	return h;
}

/*
 * A fingerprint that survives edits elsewhere in the file: the code, the
 * file and the message (which names what is wrong), and how many results
 * before this one had all three the same.
 */
static json_t *sarif_fingerprint(const struct writ_diagnostic *d, uint64_t *seen, size_t nseen)
{
	uint64_t h = fnv1a(fnv1a(fnv1a(0xcbf29ce484222325ULL, d->code), d->file), d->message);
	unsigned occurrence = 1;
	json_t *fp = json_object();
	char text[32];
	size_t i;

	for (i = 0; i < nseen; i++)
		if (seen[i] == h)
			occurrence++;
	seen[nseen] = h;
	snprintf(text, sizeof(text), "%016" PRIx64 ":%u", h, occurrence);
	if (fp && put(fp, "writ/v1", json_string(text)))
		return fp;
	json_decref(fp);
	return NULL;
}

static json_t *sarif_result(const writ_diagnostics *diags, size_t i, size_t rule, uint64_t *seen,
                            size_t nseen)
{
	const struct writ_diagnostic *d = writ_diagnostics_get(diags, i), *n;
	json_t *res = json_object(), *locs = json_array(), *related = json_array(), *r;
	char *text = with_hint(d);
	bool ok = res && locs && related && text && put(res, "ruleId", jstr(d->code)) &&
	          put(res, "ruleIndex", json_integer((json_int_t)rule)) &&
	          put(res, "level", json_string(sarif_level(d->severity))) &&
	          put(res, "message", sarif_text(text));
	size_t j, id = 1;

	free(text);
	if (ok && d->file[0])
		ok = push(locs, sarif_location(d, 0));
	for (j = i + 1;
	     ok && (n = writ_diagnostics_get(diags, j)) && n->severity == WRIT_SEVERITY_NOTE; j++) {
		if (!n->file[0])
			continue;
		r = sarif_location(n, id++);
		ok = r && put(r, "message", sarif_text(n->message));
		if (!ok)
			json_decref(r);
		ok = ok && push(related, r);
	}
	if (ok && json_array_size(locs))
		ok = put_take(res, "locations", &locs);
	if (ok && json_array_size(related))
		ok = put_take(res, "relatedLocations", &related);
	ok = ok && put(res, "partialFingerprints", sarif_fingerprint(d, seen, nseen));
	json_decref(locs);
	json_decref(related);
	if (ok)
		return res;
	json_decref(res);
	return NULL;
}

/* A code's severity, as its first shown record has it. */
static enum writ_severity code_severity(const writ_diagnostics *diags, const bool *shown,
                                        const char *code)
{
	size_t i, n = writ_diagnostics_count(diags);

	for (i = 0; i < n; i++) {
		const struct writ_diagnostic *d = writ_diagnostics_get(diags, i);
		if (shown[i] && d->severity != WRIT_SEVERITY_NOTE && strcmp(d->code, code) == 0)
			return d->severity;
	}
	return code[0] == 'E' ? WRIT_SEVERITY_ERROR : WRIT_SEVERITY_WARNING;
}

static json_t *sarif_run(const writ_diagnostics *diags, const bool *shown)
{
	size_t ncodes = 0, i, k, n = writ_diagnostics_count(diags), nresults = 0;
	const char **codes = sarif_codes(diags, shown, &ncodes);
	uint64_t *seen = malloc((n + 1) * sizeof(*seen));
	json_t *run = json_object(), *tool = json_object(), *driver = json_object();
	json_t *rules = json_array(), *results = json_array();
	bool ok = codes && seen && run && tool && driver && rules && results &&
	          put(driver, "name", json_string("writ")) &&
	          put(driver, "version", jstr(writ_version()));

	if (ok && PACKAGE_URL[0])
		ok = put(driver, "informationUri", json_string(PACKAGE_URL));
	for (k = 0; ok && k < ncodes; k++)
		ok = push(rules, sarif_rule(codes[k], code_severity(diags, shown, codes[k])));
	for (i = 0; ok && i < n; i++) {
		const struct writ_diagnostic *d = writ_diagnostics_get(diags, i);
		if (!shown[i] || d->severity == WRIT_SEVERITY_NOTE)
			continue;
		for (k = 0; strcmp(codes[k], d->code) != 0; k++)
			;
		ok = push(results, sarif_result(diags, i, k, seen, nresults++));
	}
	free(codes);
	free(seen);
	if (ok && put_take(driver, "rules", &rules) && put_take(tool, "driver", &driver) &&
	    put_take(run, "tool", &tool) &&
	    put(run, "columnKind", json_string("unicodeCodePoints")) &&
	    put_take(run, "results", &results))
		return run;
	json_decref(rules);
	json_decref(results);
	json_decref(driver);
	json_decref(tool);
	json_decref(run);
	return NULL;
}

int lint_report_sarif(FILE *f, const writ_diagnostics *diags, const bool *shown)
{
	json_t *log = json_object(), *runs = json_array();
	int rc = -1;

	if (log && runs &&
	    put(log, "$schema", json_string("https://json.schemastore.org/sarif-2.1.0.json")) &&
	    put(log, "version", json_string("2.1.0")) && push(runs, sarif_run(diags, shown)) &&
	    put_take(log, "runs", &runs)) {
		dump(f, log, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		rc = 0;
	}
	json_decref(runs);
	json_decref(log);
	return rc;
}

/* ---- GitHub Actions workflow commands ---- */

/*
 * A command's message, or (property) one of its property values, escaped
 * as the runner unescapes them: '%', CR and LF, and in a property also ':'
 * and ','.
 */
static void github_escape(FILE *f, const char *s, bool property)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", f);
		else if (*s == '\r')
			fputs("%0D", f);
		else if (*s == '\n')
			fputs("%0A", f);
		else if (property && *s == ':')
			fputs("%3A", f);
		else if (property && *s == ',')
			fputs("%2C", f);
		else
			fputc(*s, f);
	}
}

/*
 * ::error file=F,line=L,col=C,endLine=L,endColumn=C2,title=CODE::message
 * The runner refuses columns on a span of several lines, so those get
 * line and endLine only. endColumn is exclusive, as writ's span end is.
 */
static void github_command(FILE *f, const writ_diagnostics *diags, size_t i)
{
	const struct writ_diagnostic *d = writ_diagnostics_get(diags, i), *n;
	const char *sep = " ";
	size_t j;

	fprintf(f, "::%s", d->severity == WRIT_SEVERITY_ERROR  ? "error"
	                   : d->severity == WRIT_SEVERITY_INFO ? "notice"
	                                                       : "warning");
	if (d->file[0]) {
		fputs(" file=", f);
		github_escape(f, d->file, true);
		sep = ",";
	}
	if (d->file[0] && d->line > 0) {
		fprintf(f, ",line=%u", d->line);
		if (has_end(d) && d->end_line == d->line)
			fprintf(f, ",col=%u,endLine=%u,endColumn=%u", d->column, d->end_line,
			        d->end_column);
		else if (has_end(d))
			fprintf(f, ",endLine=%u", d->end_line);
		else
			fprintf(f, ",col=%u", d->column);
	}
	fprintf(f, "%stitle=", sep);
	github_escape(f, d->code, true);
	fputs("::", f);
	github_escape(f, d->message, false);
	if (d->hint) {
		github_escape(f, "\nhint: ", false);
		github_escape(f, d->hint, false);
	}
	for (j = i + 1; (n = writ_diagnostics_get(diags, j)) && n->severity == WRIT_SEVERITY_NOTE;
	     j++) {
		github_escape(f, "\nnote: ", false);
		if (n->file[0]) {
			github_escape(f, n->file, false);
			if (n->line > 0)
				fprintf(f, ":%u:%u", n->line, n->column);
			fputs(": ", f);
		}
		github_escape(f, n->message, false);
	}
	fputc('\n', f);
}

int lint_report_github(FILE *f, const writ_diagnostics *diags, const bool *shown)
{
	size_t i, n = writ_diagnostics_count(diags);

	for (i = 0; i < n; i++)
		if (shown[i] && writ_diagnostics_get(diags, i)->severity != WRIT_SEVERITY_NOTE)
			github_command(f, diags, i);
	return 0;
}
