/* json_strict.c: strict JSON objects for JOSE (json_strict.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "json_strict.h"
#include "util.h"

/*
 * The deepest nesting of objects and arrays, found before jansson sees the
 * text (its own limit is far higher). Strings are skipped with their
 * escapes; malformed text is left for jansson to report.
 */
static size_t max_depth(const char *s, size_t len, size_t limit)
{
	size_t depth = 0, deepest = 0, i;
	int in_string = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
			continue;
		}
		if (c == '"') {
			in_string = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > deepest)
				deepest = depth;
			if (deepest > limit)
				return deepest; /* no need to read further */
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return deepest;
}

static const char *utf8_problem(const char *s, size_t len)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (n == 0)
			return "invalid UTF-8";
		i += n;
	}
	return NULL;
}

/* jansson says: duplicate object key near '"aud"'. Say: duplicate member "aud". */
static void duplicate_message(const json_error_t *err, char *why, size_t whylen)
{
	const char *near = strstr(err->text, "near '");
	size_t n;

	if (!near) {
		snprintf(why, whylen, "duplicate member name");
		return;
	}
	near += 6;
	n = strlen(near);
	if (n > 0 && near[n - 1] == '\'')
		n--;
	snprintf(why, whylen, "duplicate member %.*s", (int)(n > 64 ? 64 : n), near);
}

json_t *json_strict_object(const char *buf, size_t len, char *why, size_t whylen)
{
	json_error_t err;
	const char *problem;
	json_t *v;

	if (len == 0) {
		snprintf(why, whylen, "empty JSON");
		return NULL;
	}
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		snprintf(why, whylen, "JSON starts with a byte-order mark");
		return NULL;
	}
	if ((problem = utf8_problem(buf, len))) {
		snprintf(why, whylen, "%s in JSON", problem);
		return NULL;
	}
	if (max_depth(buf, len, JSON_STRICT_MAX_DEPTH) > JSON_STRICT_MAX_DEPTH) {
		snprintf(why, whylen, "JSON nested deeper than %d levels",
		         JSON_STRICT_MAX_DEPTH);
		return NULL;
	}
	/* Without JSON_DISABLE_EOF_CHECK jansson refuses anything after the
	 * value; without JSON_ALLOW_NUL it refuses \u0000 in strings.
	 * Not yet handled: jansson 2.14's scanner does not check the growth
	 * of the buffer it keeps a token's text in, so an allocation failing
	 * there drops that byte and the parse goes on (tests/unit/
	 * test_alloc_fail.c saw a kid and an aud come back one byte short). */
	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (!v) {
		if (json_error_code(&err) == json_error_duplicate_key)
			duplicate_message(&err, why, whylen);
		else
			snprintf(why, whylen, "malformed JSON: %s", err.text);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		snprintf(why, whylen, "JSON is not an object");
		return NULL;
	}
	return v;
}

/* Every write lands in a buffer whose failure stays recorded, so that a
 * write whose error jansson drops still spoils the result. */
static int text_append(const char *s, size_t n, void *arg)
{
	struct buf *b = arg;

	buf_append(b, s, n);
	return b->oom ? -1 : 0;
}

char *json_text(const json_t *v, size_t flags)
{
	struct buf b;

	buf_init(&b);
	if (json_dump_callback(v, text_append, &b, flags) != 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}
