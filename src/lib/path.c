/* path.c: request paths normalized for route matching (path.h). */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "path.h"
#include "util.h"
#include "writ.h"

/*
 * The ranges of code points, from U+00A0 up, whose compatibility
 * normalization (NFKC, Unicode 14) holds an ASCII character: U+FF0F
 * FULLWIDTH SOLIDUS is '/', U+2025 TWO DOT LEADER "..", U+FF41 'a', U+00A0
 * a space. Computed with Python's unicodedata.normalize("NFKC", ...) over
 * every code point, then merged into ranges; sorted, not overlapping.
 */
static const struct cp_range {
	uint32_t first, last;
} nfkc_to_ascii[] = {
    {0x00A0, 0x00A0},   {0x00A8, 0x00A8},   {0x00AA, 0x00AA},   {0x00AF, 0x00AF},
    {0x00B2, 0x00B4},   {0x00B8, 0x00BA},   {0x00BC, 0x00BE},   {0x0132, 0x0133},
    {0x013F, 0x0140},   {0x0149, 0x0149},   {0x017F, 0x017F},   {0x01C4, 0x01CC},
    {0x01F1, 0x01F3},   {0x02B0, 0x02B0},   {0x02B2, 0x02B3},   {0x02B7, 0x02B8},
    {0x02D8, 0x02DD},   {0x02E1, 0x02E3},   {0x037A, 0x037A},   {0x037E, 0x037E},
    {0x0384, 0x0385},   {0x1D2C, 0x1D2C},   {0x1D2E, 0x1D2E},   {0x1D30, 0x1D31},
    {0x1D33, 0x1D3A},   {0x1D3C, 0x1D3C},   {0x1D3E, 0x1D43},   {0x1D47, 0x1D49},
    {0x1D4D, 0x1D4D},   {0x1D4F, 0x1D50},   {0x1D52, 0x1D52},   {0x1D56, 0x1D58},
    {0x1D5B, 0x1D5B},   {0x1D62, 0x1D65},   {0x1D9C, 0x1D9C},   {0x1DA0, 0x1DA0},
    {0x1DBB, 0x1DBB},   {0x1E9A, 0x1E9A},   {0x1FBD, 0x1FBD},   {0x1FBF, 0x1FC1},
    {0x1FCD, 0x1FCF},   {0x1FDD, 0x1FDF},   {0x1FED, 0x1FEF},   {0x1FFD, 0x1FFE},
    {0x2000, 0x200A},   {0x2017, 0x2017},   {0x2024, 0x2026},   {0x202F, 0x202F},
    {0x203C, 0x203C},   {0x203E, 0x203E},   {0x2047, 0x2049},   {0x205F, 0x205F},
    {0x2070, 0x2071},   {0x2074, 0x207A},   {0x207C, 0x208A},   {0x208C, 0x208E},
    {0x2090, 0x2093},   {0x2095, 0x209C},   {0x20A8, 0x20A8},   {0x2100, 0x2103},
    {0x2105, 0x2106},   {0x2109, 0x210E},   {0x2110, 0x2113},   {0x2115, 0x2116},
    {0x2119, 0x211D},   {0x2120, 0x2122},   {0x2124, 0x2124},   {0x2128, 0x2128},
    {0x212A, 0x212A},   {0x212C, 0x212D},   {0x212F, 0x2131},   {0x2133, 0x2134},
    {0x2139, 0x2139},   {0x213B, 0x213B},   {0x2145, 0x2149},   {0x2150, 0x217F},
    {0x2189, 0x2189},   {0x2460, 0x24EA},   {0x2A74, 0x2A76},   {0x2C7C, 0x2C7D},
    {0x3000, 0x3000},   {0x309B, 0x309C},   {0x3200, 0x321E},   {0x3220, 0x3243},
    {0x3250, 0x325F},   {0x32B1, 0x32CF},   {0x3358, 0x337A},   {0x3380, 0x33FF},
    {0xA7F2, 0xA7F4},   {0xFB00, 0xFB06},   {0xFB29, 0xFB29},   {0xFC5E, 0xFC63},
    {0xFDFA, 0xFDFB},   {0xFE10, 0xFE10},   {0xFE13, 0xFE16},   {0xFE19, 0xFE19},
    {0xFE30, 0xFE30},   {0xFE33, 0xFE38},   {0xFE47, 0xFE50},   {0xFE52, 0xFE52},
    {0xFE54, 0xFE57},   {0xFE59, 0xFE5C},   {0xFE5F, 0xFE66},   {0xFE68, 0xFE6B},
    {0xFE70, 0xFE70},   {0xFE72, 0xFE72},   {0xFE74, 0xFE74},   {0xFE76, 0xFE76},
    {0xFE78, 0xFE78},   {0xFE7A, 0xFE7A},   {0xFE7C, 0xFE7C},   {0xFE7E, 0xFE7E},
    {0xFF01, 0xFF5E},   {0xFFE3, 0xFFE3},   {0x107A5, 0x107A5}, {0x1D400, 0x1D454},
    {0x1D456, 0x1D49C}, {0x1D49E, 0x1D49F}, {0x1D4A2, 0x1D4A2}, {0x1D4A5, 0x1D4A6},
    {0x1D4A9, 0x1D4AC}, {0x1D4AE, 0x1D4B9}, {0x1D4BB, 0x1D4BB}, {0x1D4BD, 0x1D4C3},
    {0x1D4C5, 0x1D505}, {0x1D507, 0x1D50A}, {0x1D50D, 0x1D514}, {0x1D516, 0x1D51C},
    {0x1D51E, 0x1D539}, {0x1D53B, 0x1D53E}, {0x1D540, 0x1D544}, {0x1D546, 0x1D546},
    {0x1D54A, 0x1D550}, {0x1D552, 0x1D6A3}, {0x1D7CE, 0x1D7FF}, {0x1F100, 0x1F10A},
    {0x1F110, 0x1F12E}, {0x1F130, 0x1F14F}, {0x1F16A, 0x1F16C}, {0x1F190, 0x1F190},
    {0x1FBF0, 0x1FBF9},
};

static bool folds_to_ascii(uint32_t cp)
{
	size_t lo = 0, hi = ARRAY_SIZE(nfkc_to_ascii), mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cp < nfkc_to_ascii[mid].first)
			hi = mid;
		else if (cp > nfkc_to_ascii[mid].last)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/*
 * Why the code point cp (>= U+0080) is refused, or NULL (path.h, step 6).
 */
static const char *unicode_hazard(uint32_t cp)
{
	if (cp <= 0x9f)
		return "a C1 control character";
	/* Their simple case mappings are ASCII: 'i' and 'I'. */
	if (cp == 0x130 || cp == 0x131)
		return "a case-insensitive server may read it as ASCII";
	/* White_Space, and left as they are by NFKC. */
	if (cp == 0x1680 || cp == 0x2028 || cp == 0x2029)
		return "a whitespace character";
	if (folds_to_ascii(cp))
		return "Unicode compatibility normalization (NFKC) turns it into ASCII";
	return NULL;
}

/* One pass over the path: the decoded bytes and where things are. */
struct walk {
	char dec[PATH_MAX_LEN + 1]; /* the decoded path; never longer than the raw one */
	size_t len;                 /* bytes in dec */
	size_t seg_start;           /* where the current segment starts in dec */
	size_t nseg;                /* segments begun, so the current one's number */
	size_t utf8_need;           /* continuation bytes still expected */
	size_t utf8_start;          /* where the pending UTF-8 sequence starts in dec */
	size_t utf8_at;             /* and its position in the target, from 1 */
	char *why;
	size_t whylen;
};

/* RFC 3986 §3.3: pchar but ';' (path.h, step 4), pct-encoded and '/',
 * which the caller handles. */
static bool raw_ok(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("-._~!$&'()*+,=:@", c);
}

/* A raw ASCII byte c of the path, at position at: WRIT_OK or refused. */
static int check_raw(struct walk *w, unsigned char c, size_t at)
{
	if (raw_ok(c))
		return WRIT_OK;
	if (c == '\0')
		put_reason(w->why, w->whylen, "a NUL byte at byte %zu", at);
	else if (c < 0x20 || c == 0x7f)
		put_reason(w->why, w->whylen, "a control character (0x%02X) at byte %zu", c, at);
	else if (c == ' ')
		put_reason(w->why, w->whylen,
		           "a space at byte %zu (a request-target holds none: send %%20)", at);
	else if (c == '\\')
		put_reason(w->why, w->whylen,
		           "a backslash at byte %zu (some servers read it as '/')", at);
	else if (c == ';')
		put_reason(w->why, w->whylen,
		           "a ';' at byte %zu (path parameters are refused: servers such as "
		           "Tomcat strip them before routing)",
		           at);
	else
		put_reason(w->why, w->whylen,
		           "the character '%c' at byte %zu must be percent-encoded (RFC 3986 "
		           "section 3.3)",
		           c, at);
	return WRIT_EINVAL;
}

/* An ASCII byte c decoded from the escape at position at. */
static int check_decoded(struct walk *w, unsigned char c, size_t at)
{
	const char *what, *because;

	switch (c) {
	case '/':
		what = "'/' (%2F)";
		because = "servers differ on whether it separates segments";
		break;
	case '\\':
		what = "'\\' (%5C)";
		because = "some servers read it as '/'";
		break;
	case '.':
		what = "'.' (%2E)";
		because = "servers differ on whether it makes a dot-segment";
		break;
	case '%':
		what = "'%' (%25)";
		because = "decoded once more, it would start another escape";
		break;
	case ';':
		what = "';' (%3B)";
		because = "path parameters are refused";
		break;
	case '?':
		what = "'?' (%3F)";
		because = "a server that decodes before parsing would start the query there";
		break;
	case '#':
		what = "'#' (%23)";
		because = "a server that decodes before parsing would cut the path there";
		break;
	default:
		if (c == '\0') {
			put_reason(w->why, w->whylen, "an encoded NUL (%%00) at byte %zu", at);
			return WRIT_EINVAL;
		}
		if (c < 0x20 || c == 0x7f) {
			put_reason(w->why, w->whylen,
			           "an encoded control character (%%%02X) at byte %zu", c, at);
			return WRIT_EINVAL;
		}
		return WRIT_OK;
	}
	put_reason(w->why, w->whylen, "an encoded %s at byte %zu (%s)", what, at, because);
	return WRIT_EINVAL;
}

static int bad_utf8(struct walk *w, size_t at)
{
	put_reason(w->why, w->whylen,
	           "invalid UTF-8 at byte %zu (a stray, overlong, surrogate or truncated "
	           "sequence)",
	           at);
	return WRIT_EINVAL;
}

/* The UTF-8 sequence that dec ends with is complete: check what it says. */
static int finish_utf8(struct walk *w)
{
	size_t n = w->len - w->utf8_start;
	const char *hazard;
	uint32_t cp;

	/* RFC 3629 §3: overlong forms, surrogates and > U+10FFFF. */
	if (utf8_decode((const unsigned char *)w->dec + w->utf8_start, n, &cp) != n)
		return bad_utf8(w, w->utf8_at);
	hazard = unicode_hazard(cp);
	if (hazard) {
		put_reason(w->why, w->whylen, "U+%04X at byte %zu (%s)", (unsigned)cp, w->utf8_at,
		           hazard);
		return WRIT_EINVAL;
	}
	return WRIT_OK;
}

/*
 * Add byte c of the path, raw or decoded from an escape (encoded), found at
 * position at, to dec: WRIT_OK or refused.
 */
static int put_byte(struct walk *w, unsigned char c, size_t at, bool encoded)
{
	size_t n;
	int rc;

	if (w->utf8_need) {
		if ((c & 0xc0) != 0x80)
			return bad_utf8(w, w->utf8_at);
		w->dec[w->len++] = (char)c;
		if (--w->utf8_need == 0)
			return finish_utf8(w);
		return WRIT_OK;
	}
	if (c >= 0x80) {
		/* A lead byte; C0, C1 and F5-FF never start a valid sequence. */
		if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4;
		else
			return bad_utf8(w, at);
		w->utf8_start = w->len;
		w->utf8_at = at;
		w->utf8_need = n - 1;
		w->dec[w->len++] = (char)c;
		return WRIT_OK;
	}
	rc = encoded ? check_decoded(w, c, at) : check_raw(w, c, at);
	if (rc != WRIT_OK)
		return rc;
	w->dec[w->len++] = (char)c;
	return WRIT_OK;
}

/* The current segment ends, at a '/' at position at (last: at the end). */
static int end_segment(struct walk *w, bool last, size_t at)
{
	const char *s = w->dec + w->seg_start;
	size_t n = w->len - w->seg_start;

	if (n == 0) {
		if (last)
			return WRIT_OK; /* the trailing slash */
		put_reason(w->why, w->whylen, "an empty segment ('//') at byte %zu", at);
		return WRIT_EINVAL;
	}
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return WRIT_OK;
	if (s[0] == ' ' || s[n - 1] == ' ') {
		put_reason(w->why, w->whylen,
		           "segment %zu %s with a space (some servers trim it before routing)",
		           w->nseg, s[0] == ' ' ? "starts" : "ends");
		return WRIT_EINVAL;
	}
	if (s[n - 1] == '.') {
		put_reason(w->why, w->whylen,
		           "segment %zu ends with '.' (Windows drops a trailing dot from a name)",
		           w->nseg);
		return WRIT_EINVAL;
	}
	return WRIT_OK;
}

/* Decode path[0..len) (len <= PATH_MAX_LEN, path[0] == '/') into w. */
static int decode_path(struct walk *w, const char *path, size_t len)
{
	size_t i = 0, at;
	unsigned char c;
	int hi, lo, rc;

	while (i < len) {
		c = (unsigned char)path[i];
		at = i + 1;
		if (c == '/') {
			if (w->utf8_need)
				return bad_utf8(w, w->utf8_at);
			if (i > 0 && (rc = end_segment(w, false, at)) != WRIT_OK)
				return rc;
			if (++w->nseg > PATH_MAX_SEGMENTS) {
				put_reason(w->why, w->whylen, "the path has more than %d segments",
				           PATH_MAX_SEGMENTS);
				return WRIT_EINVAL;
			}
			w->dec[w->len++] = '/';
			w->seg_start = w->len;
			i++;
			continue;
		}
		if (c == '%') {
			hi = len - i >= 3 ? hex_digit_value((unsigned char)path[i + 1]) : -1;
			lo = len - i >= 3 ? hex_digit_value((unsigned char)path[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				put_reason(w->why, w->whylen,
				           "a malformed percent-escape at byte %zu ('%%' must be "
				           "followed by two hex digits)",
				           at);
				return WRIT_EINVAL;
			}
			rc = put_byte(w, (unsigned char)(hi << 4 | lo), at, true);
			i += 3;
		} else {
			rc = put_byte(w, c, at, false);
			i++;
		}
		if (rc != WRIT_OK)
			return rc;
	}
	if (w->utf8_need)
		return bad_utf8(w, w->utf8_at);
	return end_segment(w, true, len + 1);
}

/*
 * RFC 3986 §5.2.4 on w->dec, in place, except that a ".." with no segment
 * left to remove is refused (path.h, step 8). dec has no empty segment but
 * perhaps the last, so each segment is "." or ".." or a name, and the
 * result never needs more room than the input: it is written behind the
 * read position.
 */
static int remove_dot_segments(struct walk *w)
{
	size_t kept[PATH_MAX_SEGMENTS]; /* where each kept segment starts in the result */
	size_t depth = 0, out = 1, in = 1, n, k = 0;
	char *d = w->dec;
	const char *slash;
	bool last;

	for (;;) {
		slash = memchr(d + in, '/', w->len - in);
		n = slash ? (size_t)(slash - (d + in)) : w->len - in;
		last = slash == NULL;
		k++;
		if (n == 2 && d[in] == '.' && d[in + 1] == '.') {
			if (depth == 0) {
				put_reason(w->why, w->whylen,
				           "the path climbs above the root ('..' in segment %zu)",
				           k);
				return WRIT_EINVAL;
			}
			out = kept[--depth];
		} else if (n > 0 && !(n == 1 && d[in] == '.')) {
			kept[depth++] = out;
			memmove(d + out, d + in, n);
			out += n;
			if (!last)
				d[out++] = '/';
		}
		if (last)
			break;
		in += n + 1;
	}
	w->len = out;
	return WRIT_OK;
}

/* Step 1 of path.h: target[0..len), not empty, is in origin-form. */
static int check_form(const char *target, size_t len, char *why, size_t whylen)
{
	size_t i;

	if (target[0] == '/')
		return WRIT_OK;
	if (len == 1 && target[0] == '*') {
		put_reason(why, whylen,
		           "the request-target is '*' (asterisk-form, RFC 9112 section 3.2.4): "
		           "there is no path to match");
		return WRIT_EINVAL;
	}
	for (i = 0; i < len && target[i] != '/' && target[i] != '?'; i++) {
		if (target[i] == ':') {
			put_reason(
			    why, whylen,
			    "the request-target is in absolute-form or authority-form (RFC "
			    "9112 section 3.2.2-3.2.3): give its path, which starts with '/'");
			return WRIT_EINVAL;
		}
	}
	put_reason(why, whylen,
	           "the request-target does not start with '/' (origin-form, RFC 9112 section "
	           "3.2.1)");
	return WRIT_EINVAL;
}

int path_normalize(const char *target, size_t len, char *out, size_t out_size, size_t *out_len,
                   char *why, size_t whylen)
{
	struct walk w;
	const char *mark;
	size_t plen, i;
	int rc;

	if (why && whylen)
		why[0] = '\0';
	if (out && out_size)
		out[0] = '\0';
	if (out_len)
		*out_len = 0;
	if (!out || (!target && len)) {
		put_reason(why, whylen, "invalid argument");
		return WRIT_EINVAL;
	}
	if (len == 0) {
		put_reason(why, whylen, "the request-target is empty");
		return WRIT_EINVAL;
	}
	if (len > PATH_MAX_TARGET) {
		put_reason(why, whylen, "the request-target is over %d bytes", PATH_MAX_TARGET);
		return WRIT_EINVAL;
	}
	rc = check_form(target, len, why, whylen);
	if (rc != WRIT_OK)
		return rc;
	mark = memchr(target, '#', len);
	if (mark) {
		put_reason(why, whylen,
		           "a '#' at byte %zu (a request-target has no fragment, RFC 9112 section "
		           "3.2.1)",
		           (size_t)(mark - target) + 1);
		return WRIT_EINVAL;
	}
	mark = memchr(target, '?', len);
	plen = mark ? (size_t)(mark - target) : len;
	if (plen > PATH_MAX_LEN) {
		put_reason(why, whylen, "the path is over %d bytes", PATH_MAX_LEN);
		return WRIT_EINVAL;
	}
	for (i = plen + 1; i < len; i++) {
		unsigned char c = (unsigned char)target[i];
		if (c <= 0x20 || c == 0x7f) {
			put_reason(why, whylen,
			           "a space or control character in the query at byte %zu", i + 1);
			return WRIT_EINVAL;
		}
	}

	w.len = w.seg_start = w.nseg = w.utf8_need = w.utf8_start = w.utf8_at = 0;
	w.why = why;
	w.whylen = whylen;
	rc = decode_path(&w, target, plen);
	if (rc == WRIT_OK)
		rc = remove_dot_segments(&w);
	if (rc != WRIT_OK)
		return rc;
	if (w.len >= out_size) {
		put_reason(why, whylen, "the normalized path (%zu bytes) does not fit in %zu bytes",
		           w.len, out_size);
		return WRIT_ERANGE;
	}
	memcpy(out, w.dec, w.len);
	out[w.len] = '\0';
	if (out_len)
		*out_len = w.len;
	return WRIT_OK;
}

bool path_next_segment(const char *path, size_t len, size_t *pos, const char **seg, size_t *seglen)
{
	const char *slash;
	size_t start;

	if (!path || !pos || *pos >= len || path[*pos] != '/')
		return false;
	start = *pos + 1;
	slash = memchr(path + start, '/', len - start);
	*pos = slash ? (size_t)(slash - path) : len;
	if (seg)
		*seg = path + start;
	if (seglen)
		*seglen = *pos - start;
	return true;
}
