/* json_strict.c: strict JSON objects for JOSE (json_strict.h). */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_strict.h"
#include "util.h"

enum prescan {
	PRESCAN_OK,
	PRESCAN_BAD_UTF8,
	PRESCAN_TOO_DEEP,
};

/* What ends a token that is not a string: structure and white space. */
static bool token_end(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '{' || c == '}' ||
	       c == '[' || c == ']' || c == ':' || c == ',' || c == '"';
}

/*
 * One pass over the text before jansson sees it: all of it must be valid
 * UTF-8 (util.h's decoder takes every byte that is not ASCII), and objects
 * and arrays must nest no deeper than limit (jansson's own limit is far
 * higher). Bytes that are not ASCII are never structural, so only ASCII
 * ones move the nesting; strings are skipped with their escapes, and
 * malformed text is left for jansson to report. Invalid UTF-8 anywhere is
 * reported before nesting. *longest is the length of the longest token,
 * a string with its quotes or a run of other bytes up to a token_end(), as
 * jansson's lexer holds it (load_whole()).
 */
static enum prescan prescan(const char *buf, size_t len, size_t limit, size_t *longest)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t depth = 0, i = 0, n, start = 0, most = 0;
	bool in_string = false, in_token = false, too_deep = false;
	uint32_t cp;

	while (i < len) {
		unsigned char c = s[i];

		if (!in_string && !in_token && (c >= 0x80 || !token_end(c))) {
			in_token = true;
			start = i;
		}
		if (c >= 0x80) {
			if ((n = utf8_decode(s + i, len - i, &cp)) == 0)
				return PRESCAN_BAD_UTF8;
			i += n;
			continue;
		}
		if (in_token && token_end(c)) {
			in_token = false;
			if (i - start > most)
				most = i - start;
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
				if (i - start > most)
					most = i - start;
			}
		} else if (c == '"') {
			in_string = true;
			start = i - 1;
		} else if (c == '{' || c == '[') {
			if (++depth > limit)
				too_deep = true;
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	/* A string or token the text ends in. */
	if ((in_string || in_token) && len - start > most)
		most = len - start;
	*longest = most;
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

/*
 * buf[0..len) parsed as the second element of ["<pad>", TEXT], the pad
 * padlen long, the longest token of the text (prescan()): the value; NULL, *oom false,
 * when that is not exactly one object or array (the caller parses the
 * text alone to say why); NULL, *oom true, when memory ran out.
 *
 * jansson (2.14) keeps each token's text in one buffer that grows as long
 * tokens come, and does not check that growth: when an allocation fails
 * there, that byte is left out and the parse goes on, so a string or a
 * number can come back a byte short with no error (tests/unit/
 * test_alloc_fail.c saw a kid, an aud and a scope that way). The buffer
 * never shrinks within a parse, so a first token as long as the longest
 * makes it grow, if ever, before any byte of the text is read: when that
 * token comes back whole, no byte after it can be lost.
 */
static json_t *load_whole(const char *buf, size_t len, size_t padlen, bool *oom)
{
	size_t n = padlen + len + 6;
	json_t *all, *pad, *v = NULL;
	json_error_t err;
	char *text;

	*oom = true;
	text = len < (SIZE_MAX - 6) / 2 ? malloc(n) : NULL;
	if (!text)
		return NULL;
	text[0] = '[';
	text[1] = '"';
	memset(text + 2, '0', padlen);
	memcpy(text + padlen + 2, "\",", 2);
	memcpy(text + padlen + 4, buf, len);
	text[n - 2] = ']';
	text[n - 1] = '\0';
	all = json_loadb(text, n - 1, JSON_REJECT_DUPLICATES, &err);
	free(text);
	pad = json_array_get(all, 0);
	if ((!all && json_error_code(&err) == json_error_out_of_memory) ||
	    (all && (!json_is_string(pad) || json_string_length(pad) != padlen))) {
		json_decref(all);
		return NULL;
	}
	*oom = false;
	v = json_array_get(all, 1);
	if (json_array_size(all) == 2 && (json_is_object(v) || json_is_array(v)))
		json_incref(v);
	else
		v = NULL;
	json_decref(all);
	return v;
}

json_t *json_strict_object(const char *buf, size_t len, char *why, size_t whylen)
{
	json_error_t err;
	size_t longest;
	bool oom;
	json_t *v;

	if (len == 0) {
		snprintf(why, whylen, "empty JSON");
		return NULL;
	}
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		snprintf(why, whylen, "JSON starts with a byte-order mark");
		return NULL;
	}
	switch (prescan(buf, len, JSON_STRICT_MAX_DEPTH, &longest)) {
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
	v = load_whole(buf, len, longest, &oom);
	if (oom) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	/* Without JSON_DISABLE_EOF_CHECK jansson refuses anything after the
	 * value; without JSON_ALLOW_NUL it refuses \u0000 in strings. The
	 * text is parsed alone again only to say what is wrong with it. */
	if (!v) {
		v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
		if (v) {
			/* Whole alone, not whole padded: memory ran out. */
			json_decref(v);
			snprintf(why, whylen, "out of memory");
			return NULL;
		}
	}
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
