/* json_strict.c: strict JSON objects for JOSE (json_strict.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "json_strict.h"
#include "util.h"

enum prescan {
	PRESCAN_OK,
	PRESCAN_BAD_UTF8,
	PRESCAN_TOO_DEEP,
};

/*
 * One pass over the text before jansson sees it: all of it must be valid
 * UTF-8 (util.h's decoder takes every byte that is not ASCII), and objects
 * and arrays must nest no deeper than limit (jansson's own limit is far
 * higher). Bytes that are not ASCII are never structural, so only ASCII
 * ones move the nesting; strings are skipped with their escapes, and
 * malformed text is left for jansson to report. Invalid UTF-8 anywhere is
 * reported before nesting.
 */
static enum prescan prescan(const char *buf, size_t len, size_t limit)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t depth = 0, i = 0, n;
	bool in_string = false, too_deep = false;
	uint32_t cp;

	while (i < len) {
		unsigned char c = s[i];

		if (c >= 0x80) {
			if ((n = utf8_decode(s + i, len - i, &cp)) == 0)
				return PRESCAN_BAD_UTF8;
			i += n;
			continue;
		}
		i++;
		if (in_string) {
			/* The escaped character is skipped when it is ASCII; any
			 * other is still checked as UTF-8 (and refused by jansson). */
			if (c == '\\') {
				if (i < len && s[i] < 0x80)
					i++;
			} else if (c == '"') {
				in_string = false;
			}
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > limit)
				too_deep = true;
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return too_deep ? PRESCAN_TOO_DEEP : PRESCAN_OK;
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
	json_t *v;

	if (len == 0) {
		snprintf(why, whylen, "empty JSON");
		return NULL;
	}
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		snprintf(why, whylen, "JSON starts with a byte-order mark");
		return NULL;
	}
	switch (prescan(buf, len, JSON_STRICT_MAX_DEPTH)) {
	case PRESCAN_OK:
		break;
	case PRESCAN_BAD_UTF8:
		snprintf(why, whylen, "invalid UTF-8 in JSON");
		return NULL;
	case PRESCAN_TOO_DEEP:
		snprintf(why, whylen, "JSON nested deeper than %d levels",
		         JSON_STRICT_MAX_DEPTH);
		return NULL;
	}
	/* Without JSON_DISABLE_EOF_CHECK jansson refuses anything after the
	 * value; without JSON_ALLOW_NUL it refuses \u0000 in strings. */
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
