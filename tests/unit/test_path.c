/* test_path.c: request paths normalized for route matching (path.c). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "path.h"
#include "util.h"

#define S(x) x, strlen(x)

/*
 * Where the expectations come from: RFC 9112 §3.2 (the forms of a
 * request-target; no whitespace in one), RFC 3986 §2.1 (percent-encoding,
 * hex in either case), §3.3 (what a path holds unencoded), §5.2.4
 * (remove_dot_segments, whose examples "/a/b/c/./../../g" -> "/a/g" and
 * "mid/content=5/../6" -> "mid/6" the dot cases follow), RFC 3629 (UTF-8
 * without overlong forms or surrogates), and path.h for the refusals that
 * are writ's own choices. The NFKC cases were checked with Python's
 * unicodedata.normalize("NFKC", ...).
 */

/* Reasons, as path.c words them. */
#define EMPTY_TARGET "the request-target is empty"
#define ASTERISK                                                                                  \
	"the request-target is '*' (asterisk-form, RFC 9112 section 3.2.4): there is no path to " \
	"match"
#define ABSOLUTE                                                                                  \
	"the request-target is in absolute-form or authority-form (RFC 9112 section "             \
	"3.2.2-3.2.3): give its path, which starts with '/'"
#define NO_SLASH "the request-target does not start with '/' (origin-form, RFC 9112 section 3.2.1)"
#define HASH(n)  "a '#' at byte " #n " (a request-target has no fragment, RFC 9112 section 3.2.1)"
#define QUERY(n) "a space or control character in the query at byte " #n
#define NUL(n)   "a NUL byte at byte " #n
#define CTRL(x, n) "a control character (0x" #x ") at byte " #n
#define SPACE(n)   "a space at byte " #n " (a request-target holds none: send %20)"
#define BSLASH(n)  "a backslash at byte " #n " (some servers read it as '/')"
#define SEMI(n)                                                                                   \
	"a ';' at byte " #n " (path parameters are refused: servers such as Tomcat strip them "   \
	"before routing)"
#define CHAR(c, n)                                                                                 \
	"the character '" c "' at byte " #n " must be percent-encoded (RFC 3986 section 3.3)"
#define MALFORMED(n)                                                                              \
	"a malformed percent-escape at byte " #n " ('%' must be followed by two hex digits)"
#define ENC_SLASH(n)                                                                              \
	"an encoded '/' (%2F) at byte " #n " (servers differ on whether it separates segments)"
#define ENC_BSLASH(n) "an encoded '\\' (%5C) at byte " #n " (some servers read it as '/')"
#define ENC_DOT(n)                                                                                \
	"an encoded '.' (%2E) at byte " #n " (servers differ on whether it makes a dot-segment)"
#define ENC_PCT(n)                                                                                \
	"an encoded '%' (%25) at byte " #n " (decoded once more, it would start another escape)"
#define ENC_SEMI(n) "an encoded ';' (%3B) at byte " #n " (path parameters are refused)"
#define ENC_QMARK(n)                                                                              \
	"an encoded '?' (%3F) at byte " #n " (a server that decodes before parsing would start "  \
	"the query there)"
#define ENC_HASH(n)                                                                               \
	"an encoded '#' (%23) at byte " #n " (a server that decodes before parsing would cut the " \
	"path there)"
#define ENC_NUL(n)     "an encoded NUL (%00) at byte " #n
#define ENC_CTRL(x, n) "an encoded control character (%" #x ") at byte " #n
#define UTF8(n) "invalid UTF-8 at byte " #n " (a stray, overlong, surrogate or truncated sequence)"
#define NFKC(u, n)                                                                                \
	"U+" #u " at byte " #n " (Unicode compatibility normalization (NFKC) turns it into ASCII)"
#define EMPTY_SEG(n)   "an empty segment ('//') at byte " #n
#define SEG_SPACE(n, where)                                                                       \
	"segment " #n " " where " with a space (some servers trim it before routing)"
#define SEG_DOT(n) "segment " #n " ends with '.' (Windows drops a trailing dot from a name)"
#define CLIMB(n)   "the path climbs above the root ('..' in segment " #n ")"

struct norm_case {
	const char *in;
	size_t len;
	const char *out; /* the normalized path, or NULL: refused */
	const char *why; /* the reason when refused */
};

/* sizeof, not strlen: some inputs hold a NUL. */
#define OK(in, out)  { in, sizeof(in) - 1, out, NULL }
#define NO(in, why)  { in, sizeof(in) - 1, NULL, why }

static const struct norm_case cases[] = {
	/* Plain paths, kept as they are: case, trailing slash and all. */
	OK("/", "/"),
	OK("/payments", "/payments"),
	OK("/payments/", "/payments/"),
	OK("/payments/42", "/payments/42"),
	OK("/Payments/ABC", "/Payments/ABC"),
	OK("/.well-known/openid-configuration", "/.well-known/openid-configuration"),
	OK("/a..b/..c/.d", "/a..b/..c/.d"),
	OK("/v1/payments:capture", "/v1/payments:capture"),
	OK("/-._~!$&'()*+,=:@", "/-._~!$&'()*+,=:@"),

	/* RFC 3986 §5.2.4. */
	OK("/payments/../admin", "/admin"),
	OK("/payments/./42", "/payments/42"),
	OK("/a/./b", "/a/b"),
	OK("/a/b/..", "/a/"),
	OK("/a/b/../", "/a/"),
	OK("/a/b/.", "/a/b/"),
	OK("/.", "/"),
	OK("/./", "/"),
	OK("/a/..", "/"),
	OK("/a/../", "/"),
	OK("/a/b/c/./../../g", "/a/g"),
	OK("/mid/content=5/../6", "/mid/6"),
	OK("/a/b/../../c", "/c"),
	OK("/a/../b/../c/", "/c/"),
	OK("/./a/./b/./", "/a/b/"),

	/* The query is cut off, never decoded nor matched. */
	OK("/a?x=1", "/a"),
	OK("/a?x=/../b", "/a"),
	OK("/a?", "/a"),
	OK("/?a=b", "/"),
	OK("/a??b", "/a"),
	OK("/a?x=%zz&y=%2F&z=;", "/a"),
	OK("/a/..?x", "/"),

	/* Percent-decoding, hex in either case; UTF-8 raw or encoded. */
	OK("/%7e%7E", "/~~"),
	OK("/%41%62c", "/Abc"),
	OK("/payments/%34%32", "/payments/42"),
	OK("/a%20b", "/a b"),
	OK("/a%22%3C%3E%5B%5D%5E%60%7B%7C%7D", "/a\"<>[]^`{|}"),
	OK("/caf%C3%A9", "/caf\xC3\xA9"),
	OK("/caf%c3%a9", "/caf\xC3\xA9"),
	OK("/caf\xC3\xA9", "/caf\xC3\xA9"),
	OK("/caf%C3" "\xA9", "/caf\xC3\xA9"),
	OK("/%E2%82%AC", "/\xE2\x82\xAC"),
	OK("/%F0%9F%98%80", "/\xF0\x9F\x98\x80"),
	OK("/%CE%BC", "/\xCE\xBC"),
	OK("/\xE6\x97\xA5\xE6\x9C\xAC/%E8%AA%9E", "/\xE6\x97\xA5\xE6\x9C\xAC/\xE8\xAA\x9E"),

	/* Not origin-form. */
	NO("", EMPTY_TARGET),
	NO("*", ASTERISK),
	NO("http://h/a", ABSOLUTE),
	NO("https://payment.example.com/admin", ABSOLUTE),
	NO("payment.example.com:443", ABSOLUTE),
	NO("a/b", NO_SLASH),
	NO("?a=b", NO_SLASH),
	NO("**", NO_SLASH),
	NO(" /a", NO_SLASH),
	NO("\\a", NO_SLASH),

	/* Fragments, and what the query may not hold. */
	NO("/a#f", HASH(3)),
	NO("/a?x#f", HASH(5)),
	NO("/a/../b#/../admin", HASH(8)),
	NO("/a?x y", QUERY(5)),
	NO("/a?x\ty", QUERY(5)),
	NO("/a?x\0", QUERY(5)),

	/* Raw bytes a path may not hold. */
	NO("/a b", SPACE(3)),
	NO("/admin ", SPACE(7)),
	NO("/a\\b", BSLASH(3)),
	NO("/a\\..\\admin", BSLASH(3)),
	NO("/a\0b", NUL(3)),
	NO("/a\nb", CTRL(0A, 3)),
	NO("/a\r", CTRL(0D, 3)),
	NO("/a\x7f", CTRL(7F, 3)),
	NO("/a;b", SEMI(3)),
	NO("/public/..;/admin", SEMI(11)),
	NO("/admin;jsessionid=x", SEMI(7)),
	NO("/a<b", CHAR("<", 3)),
	NO("/a|b", CHAR("|", 3)),
	NO("/{id}", CHAR("{", 2)),
	NO("/a\"", CHAR("\"", 3)),

	/* Malformed escapes. */
	NO("/a%", MALFORMED(3)),
	NO("/a%4", MALFORMED(3)),
	NO("/a%zz", MALFORMED(3)),
	NO("/a%4g", MALFORMED(3)),
	NO("/a%g4", MALFORMED(3)),
	NO("/a%%41", MALFORMED(3)),
	NO("/a%+1", MALFORMED(3)),
	NO("/a% 41", MALFORMED(3)),
	NO("/a%4?x", MALFORMED(3)),

	/* Escapes that would make another path. */
	NO("/admin%2fx", ENC_SLASH(7)),
	NO("/admin%2Fx", ENC_SLASH(7)),
	NO("/%2F", ENC_SLASH(2)),
	NO("/admin%5cx", ENC_BSLASH(7)),
	NO("/admin%5C..%5Cx", ENC_BSLASH(7)),
	NO("/payments/%2e%2e/admin", ENC_DOT(11)),
	NO("/payments/%2E%2E/admin", ENC_DOT(11)),
	NO("/payments/.%2e/admin", ENC_DOT(12)),
	NO("/a/%2e/b", ENC_DOT(4)),
	NO("/file%2ejson", ENC_DOT(6)),
	NO("/a/%252e%252e/b", ENC_PCT(4)),
	NO("/a%25", ENC_PCT(3)),
	NO("/a%3bb", ENC_SEMI(3)),
	NO("/a%3Fb", ENC_QMARK(3)),
	NO("/a%23b", ENC_HASH(3)),
	NO("/a%00b", ENC_NUL(3)),
	NO("/a%0d%0aX", ENC_CTRL(0D, 3)),
	NO("/a%09", ENC_CTRL(09, 3)),
	NO("/a%7f", ENC_CTRL(7F, 3)),

	/* Not UTF-8: overlong, surrogate, too large, stray, truncated. */
	NO("/%c0%ae%c0%ae/", UTF8(2)),
	NO("/%C0%AF", UTF8(2)),
	NO("/%C1%9C", UTF8(2)),
	NO("/%e0%80%ae", UTF8(2)),
	NO("/%F0%80%80%AE", UTF8(2)),
	NO("/%ed%a0%80", UTF8(2)),
	NO("/%ED%BF%BF", UTF8(2)),
	NO("/%f4%90%80%80", UTF8(2)),
	NO("/%f5%80%80%80", UTF8(2)),
	NO("/%80", UTF8(2)),
	NO("/a\xBF", UTF8(3)),
	NO("/\xFF", UTF8(2)),
	NO("/\xC0\xAE\xC0\xAE", UTF8(2)),
	NO("/caf%C3", UTF8(5)),
	NO("/caf%C3/x", UTF8(5)),
	NO("/caf%C3a", UTF8(5)),
	NO("/caf\xC3", UTF8(5)),
	NO("/%E2%82", UTF8(2)),
	NO("/%E2%82%AC%AC", UTF8(11)),

	/* Code points some server may turn into something else. */
	NO("/%C2%85", "U+0085 at byte 2 (a C1 control character)"),
	NO("/a\xC2\x9F", "U+009F at byte 3 (a C1 control character)"),
	NO("/a%EF%BC%8Fb", NFKC(FF0F, 3)),
	NO("/payments/%E2%80%A5/admin", NFKC(2025, 11)),
	NO("/a/\xEF\xBC\x8E\xEF\xBC\x8E/b", NFKC(FF0E, 4)),
	NO("/\xEF\xBD\x81" "dmin", NFKC(FF41, 2)),
	NO("/admin%C2%A0", NFKC(00A0, 7)),
	NO("/%E2%84%AA", NFKC(212A, 2)),
	NO("/cla%C5%BFs", NFKC(017F, 5)),
	NO("/a%EF%BC%85%32%66", NFKC(FF05, 3)),
	NO("/adm%C4%B1n", "U+0131 at byte 5 (a case-insensitive server may read it as ASCII)"),
	NO("/%C4%B0", "U+0130 at byte 2 (a case-insensitive server may read it as ASCII)"),
	NO("/a%E2%80%A8", "U+2028 at byte 3 (a whitespace character)"),

	/* Empty segments, and segments some server would trim. */
	NO("/a//b", EMPTY_SEG(4)),
	NO("//a", EMPTY_SEG(2)),
	NO("//", EMPTY_SEG(2)),
	NO("//evil.example/x", EMPTY_SEG(2)),
	NO("/a/.//b", EMPTY_SEG(6)),
	NO("/a//", EMPTY_SEG(4)),
	NO("/admin%20", SEG_SPACE(1, "ends")),
	NO("/x/%20admin", SEG_SPACE(2, "starts")),
	NO("/%20", SEG_SPACE(1, "starts")),
	NO("/a/..%20/b", SEG_SPACE(2, "ends")),
	NO("/admin.", SEG_DOT(1)),
	NO("/admin./x", SEG_DOT(1)),
	NO("/a/.../b", SEG_DOT(2)),

	/* Climbing above the root. */
	NO("/..", CLIMB(1)),
	NO("/../", CLIMB(1)),
	NO("/../a", CLIMB(1)),
	NO("/./..", CLIMB(2)),
	NO("/a/../..", CLIMB(3)),
	NO("/a/../../b", CLIMB(3)),
	NO("/a/b/../../../c", CLIMB(5)),
};

/* What every normalized path must be (path.h, "What comes out"). */
static void check_shape(const char *in, size_t inlen, const char *out, size_t len)
{
	size_t i = 0, n, seg;
	uint32_t cp;

	ck_assert_msg(len == strlen(out), "\"%.*s\": length %zu, strlen %zu", (int)inlen, in, len,
	              strlen(out));
	ck_assert_msg(len >= 1 && out[0] == '/', "\"%.*s\": \"%s\" does not start with '/'",
	              (int)inlen, in, out);
	ck_assert_msg(len <= inlen, "\"%.*s\": \"%s\" is longer than its input", (int)inlen, in,
	              out);
	while (i < len) {
		n = utf8_decode((const unsigned char *)out + i, len - i, &cp);
		ck_assert_msg(n > 0, "\"%.*s\": \"%s\" is not UTF-8", (int)inlen, in, out);
		ck_assert_msg(cp >= 0x20 && cp != 0x7f && (cp < 0x80 || cp > 0x9f) &&
		                      (cp >= 0x80 || !strchr("\\;?#%", (int)cp)),
		              "\"%.*s\": \"%s\" holds U+%04X", (int)inlen, in, out, (unsigned)cp);
		i += n;
	}
	for (i = 0; i < len; i += seg + 1) {
		seg = strcspn(out + i + 1, "/");
		ck_assert_msg(seg > 0 || i + 1 == len, "\"%.*s\": \"%s\" has an empty segment",
		              (int)inlen, in, out);
		ck_assert_msg(!(seg == 1 && out[i + 1] == '.') &&
		                      !(seg == 2 && out[i + 1] == '.' && out[i + 2] == '.'),
		              "\"%.*s\": \"%s\" has a dot-segment", (int)inlen, in, out);
	}
}

static void run_case(const struct norm_case *c)
{
	char out[PATH_MAX_LEN + 1], why[256];
	size_t len = 12345;
	int rc;

	memset(out, 'x', sizeof(out));
	memset(why, 'x', sizeof(why));
	rc = path_normalize(c->in, c->len, out, sizeof(out), &len, why, sizeof(why));
	if (c->out) {
		ck_assert_msg(rc == WRIT_OK, "\"%.*s\" refused (%d): %s", (int)c->len, c->in, rc,
		              why);
		ck_assert_msg(strcmp(out, c->out) == 0, "\"%.*s\": got \"%s\", want \"%s\"",
		              (int)c->len, c->in, out, c->out);
		ck_assert_str_eq(why, "");
		check_shape(c->in, c->len, out, len);
	} else {
		ck_assert_msg(rc == WRIT_EINVAL, "\"%.*s\": %d (\"%s\"), want WRIT_EINVAL",
		              (int)c->len, c->in, rc, rc == WRIT_OK ? out : why);
		ck_assert_msg(strcmp(why, c->why) == 0, "\"%.*s\":\n got \"%s\"\nwant \"%s\"",
		              (int)c->len, c->in, why, c->why);
		ck_assert_str_eq(out, "");
		ck_assert_uint_eq(len, 0);
	}
}

START_TEST(table)
{
	run_case(&cases[_i]);
}
END_TEST

START_TEST(table_is_large)
{
	size_t i, ok = 0;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		ok += cases[i].out != NULL;
	ck_assert_uint_ge(ARRAY_SIZE(cases), 60);
	ck_assert_uint_ge(ok, 20);
	ck_assert_uint_ge(ARRAY_SIZE(cases) - ok, 40);
}
END_TEST

/* Either case of hex, and raw or encoded UTF-8, give the same path. */
START_TEST(spellings_agree)
{
	static const char *const same[] = {
		"/caf\xC3\xA9/%7E",  "/caf%C3%A9/%7e", "/caf%c3%a9/~",
		"/caf%C3\xA9/%7E",   "/x/../caf%c3%A9/./~", "/caf\xC3%a9/~?q=%2F",
	};
	char first[64], out[64], why[256];
	size_t i, len, flen;

	ck_assert_int_eq(path_normalize(same[0], strlen(same[0]), first, sizeof(first), &flen,
	                                why, sizeof(why)),
	                 WRIT_OK);
	ck_assert_str_eq(first, "/caf\xC3\xA9/~");
	for (i = 1; i < ARRAY_SIZE(same); i++) {
		ck_assert_msg(path_normalize(same[i], strlen(same[i]), out, sizeof(out), &len, why,
		                             sizeof(why)) == WRIT_OK,
		              "\"%s\": %s", same[i], why);
		ck_assert_msg(len == flen && strcmp(out, first) == 0, "\"%s\": \"%s\"", same[i],
		              out);
	}
}
END_TEST

/* Every hex spelling of every octet: decoded, or refused, never kept. */
START_TEST(every_escape)
{
	static const char hex[] = "0123456789abcdef0123456789ABCDEF";
	char in[8], out[16], why[256];
	size_t len;
	int hi, lo, uhi, ulo, rc;

	for (hi = 0; hi < 16; hi++) {
		for (lo = 0; lo < 16; lo++) {
			for (uhi = 0; uhi < 2; uhi++) {
				for (ulo = 0; ulo < 2; ulo++) {
					unsigned char b = (unsigned char)(hi << 4 | lo);
					memcpy(in, "/x%..y", 7);
					in[3] = hex[hi + 16 * uhi];
					in[4] = hex[lo + 16 * ulo];
					rc = path_normalize(in, 6, out, sizeof(out), &len, why,
					                    sizeof(why));
					if (b >= 0x80 || b < 0x20 || b == 0x7f ||
					    strchr("/\\.%;?#", b)) {
						ck_assert_msg(rc == WRIT_EINVAL, "%s accepted", in);
						continue;
					}
					ck_assert_msg(rc == WRIT_OK, "%s: %s", in, why);
					ck_assert_uint_eq(len, 4);
					ck_assert_int_eq((unsigned char)out[2], b);
				}
			}
		}
	}
}
END_TEST

START_TEST(sizes)
{
	char *in, *out;
	char why[256];
	size_t len, i;

	in = malloc(PATH_MAX_TARGET + 2);
	out = malloc(PATH_MAX_TARGET + 2);
	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);

	/* The longest path. */
	in[0] = '/';
	memset(in + 1, 'a', PATH_MAX_LEN - 1);
	ck_assert_int_eq(path_normalize(in, PATH_MAX_LEN, out, PATH_MAX_LEN + 1, &len, why,
	                                sizeof(why)),
	                 WRIT_OK);
	ck_assert_uint_eq(len, PATH_MAX_LEN);
	ck_assert_int_eq(memcmp(in, out, len), 0);
	/* One byte more. */
	in[PATH_MAX_LEN] = 'a';
	ck_assert_int_eq(path_normalize(in, PATH_MAX_LEN + 1, out, PATH_MAX_LEN + 1, &len, why,
	                                sizeof(why)),
	                 WRIT_EINVAL);
	ck_assert_str_eq(why, "the path is over 4096 bytes");

	/* A long query is cut off, up to the limit of the whole target. */
	in[0] = '/';
	in[1] = 'a';
	in[2] = '?';
	memset(in + 3, 'q', PATH_MAX_TARGET - 3);
	ck_assert_int_eq(path_normalize(in, PATH_MAX_TARGET, out, 3, &len, why, sizeof(why)),
	                 WRIT_OK);
	ck_assert_str_eq(out, "/a");
	in[PATH_MAX_TARGET] = 'q';
	ck_assert_int_eq(path_normalize(in, PATH_MAX_TARGET + 1, out, 3, &len, why, sizeof(why)),
	                 WRIT_EINVAL);
	ck_assert_str_eq(why, "the request-target is over 8192 bytes");

	/* The most segments, with dot-segments counted as they come. */
	for (i = 0; i < PATH_MAX_SEGMENTS; i++) {
		in[2 * i] = '/';
		in[2 * i + 1] = i % 2 ? '.' : 'a';
	}
	ck_assert_int_eq(path_normalize(in, 2 * PATH_MAX_SEGMENTS, out, PATH_MAX_LEN, &len, why,
	                                sizeof(why)),
	                 WRIT_OK);
	ck_assert_uint_eq(len, PATH_MAX_SEGMENTS + 1); /* "/a" 64 times, then "/" */
	in[2 * PATH_MAX_SEGMENTS] = '/';
	ck_assert_int_eq(path_normalize(in, 2 * PATH_MAX_SEGMENTS + 1, out, PATH_MAX_LEN, &len,
	                                why, sizeof(why)),
	                 WRIT_EINVAL);
	ck_assert_str_eq(why, "the path has more than 128 segments");
	/* A trailing slash is a segment (empty) too: 127 and it are 128. */
	ck_assert_int_eq(path_normalize(in, 2 * PATH_MAX_SEGMENTS - 1, out, PATH_MAX_LEN, &len,
	                                why, sizeof(why)),
	                 WRIT_OK);

	/* As many ".." as there are segments to remove. */
	for (i = 0; i < PATH_MAX_SEGMENTS / 2; i++)
		memcpy(in + 2 * i, "/a", 2);
	for (i = 0; i < PATH_MAX_SEGMENTS / 2; i++)
		memcpy(in + PATH_MAX_SEGMENTS + 3 * i, "/..", 3);
	len = PATH_MAX_SEGMENTS + 3 * (PATH_MAX_SEGMENTS / 2);
	ck_assert_int_eq(path_normalize(in, len, out, PATH_MAX_LEN, &len, why, sizeof(why)),
	                 WRIT_OK);
	ck_assert_str_eq(out, "/");
	free(in);
	free(out);
}
END_TEST

START_TEST(small_buffer)
{
	char out[8], why[256];
	size_t len = 99;

	/* "/admin" and its NUL need 7 bytes. */
	ck_assert_int_eq(path_normalize(S("/payments/../admin"), out, 7, &len, why, sizeof(why)),
	                 WRIT_OK);
	ck_assert_str_eq(out, "/admin");
	ck_assert_uint_eq(len, 6);
	len = 99;
	ck_assert_int_eq(path_normalize(S("/payments/../admin"), out, 6, &len, why, sizeof(why)),
	                 WRIT_ERANGE);
	ck_assert_str_eq(why, "the normalized path (6 bytes) does not fit in 6 bytes");
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(len, 0);
	/* A refusal is a refusal whatever the buffer. */
	ck_assert_int_eq(path_normalize(S("/a/b/c/%2e%2e"), out, 2, &len, why, sizeof(why)),
	                 WRIT_EINVAL);
	ck_assert_str_eq(why, ENC_DOT(8));
	ck_assert_int_eq(path_normalize(S("/a"), out, 0, &len, why, sizeof(why)), WRIT_ERANGE);
}
END_TEST

START_TEST(arguments)
{
	char out[16] = "junk", why[256];
	size_t len = 99;

	ck_assert_int_eq(path_normalize(NULL, 1, out, sizeof(out), &len, why, sizeof(why)),
	                 WRIT_EINVAL);
	ck_assert_str_eq(why, "invalid argument");
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(path_normalize(NULL, 0, out, sizeof(out), &len, why, sizeof(why)),
	                 WRIT_EINVAL);
	ck_assert_str_eq(why, EMPTY_TARGET);
	ck_assert_int_eq(path_normalize("/a", 2, NULL, 0, &len, why, sizeof(why)), WRIT_EINVAL);
	ck_assert_str_eq(why, "invalid argument");
	/* why and out_len may be NULL; a short why is cut, NUL-terminated. */
	ck_assert_int_eq(path_normalize("/a/../b", 7, out, sizeof(out), NULL, NULL, 0), WRIT_OK);
	ck_assert_str_eq(out, "/b");
	ck_assert_int_eq(path_normalize("/a%2f", 5, out, sizeof(out), NULL, NULL, 0),
	                 WRIT_EINVAL);
	ck_assert_int_eq(path_normalize("/a%2f", 5, out, sizeof(out), NULL, why, 12),
	                 WRIT_EINVAL);
	ck_assert_str_eq(why, "an encoded ");
	/* The length given is the length read: nothing after it. */
	ck_assert_int_eq(path_normalize("/ab/../x", 3, out, sizeof(out), &len, why, sizeof(why)),
	                 WRIT_OK);
	ck_assert_str_eq(out, "/ab");
}
END_TEST

/* A reason names the fault and where, never the path around it. */
START_TEST(reasons_do_not_echo)
{
	static const char *const bad[] = {
		"/SECRETVALUE/%2f",      "/SECRETVALUE/..;/x",     "/SECRETVALUE//x",
		"/SECRETVALUE/../../x",  "/SECRETVALUE%C0%AE",     "/SECRETVALUE ",
		"/SECRETVALUE#SECRET",   "/SECRETVALUE/%EF%BC%8F", "/x?SECRETVALUE SECRET",
		"SECRETVALUE:443",       "/SECRETVALUE.",          "/SECRETVALUE%zz",
	};
	char out[64], why[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_int_eq(path_normalize(bad[i], strlen(bad[i]), out, sizeof(out), NULL, why,
		                                 sizeof(why)),
		                 WRIT_EINVAL);
		ck_assert_msg(why[0] != '\0', "%s: no reason", bad[i]);
		ck_assert_msg(!strstr(why, "SECRET"), "%s: \"%s\"", bad[i], why);
	}
}
END_TEST

static void fuzz_one(const char *in, size_t inlen)
{
	char out[128], why[256];
	size_t len = 99;
	int rc;

	why[0] = 'x';
	rc = path_normalize(in, inlen, out, sizeof(out), &len, why, sizeof(why));
	if (rc == WRIT_OK) {
		check_shape(in, inlen, out, len);
		return;
	}
	ck_assert_msg(rc == WRIT_EINVAL, "\"%.*s\": %d", (int)inlen, in, rc);
	ck_assert_msg(why[0] != '\0' && why[0] != 'x', "\"%.*s\": no reason", (int)inlen, in);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(len, 0);
}

/* Every prefix of a few targets, and every byte of them set to every
 * value: accepted ones have the promised shape, refused ones a reason. */
START_TEST(prefixes_and_mutations)
{
	static const char *const seeds[] = {
		"/payments/../admin/%41/caf%C3%A9/./x?q=/../%2F",
		"/a/b/../c/%E2%82%AC/%7e/",
		"/.well-known/x.y/..",
	};
	char copy[128];
	size_t s, i, len;
	int c;

	for (s = 0; s < ARRAY_SIZE(seeds); s++) {
		len = strlen(seeds[s]);
		for (i = 0; i <= len; i++)
			fuzz_one(seeds[s], i);
		for (i = 0; i < len; i++) {
			for (c = 0; c < 256; c++) {
				memcpy(copy, seeds[s], len);
				copy[i] = (char)c;
				fuzz_one(copy, len);
			}
		}
	}
}
END_TEST

/* The segments of "/payments/42/" for a route "/payments/{id}/". */
START_TEST(segments)
{
	static const struct {
		const char *path;
		const char *want[4];
		size_t n;
	} tests[] = {
		{ "/", { "" }, 1 },
		{ "/payments", { "payments" }, 1 },
		{ "/payments/", { "payments", "" }, 2 },
		{ "/payments/42", { "payments", "42" }, 2 },
		{ "/a/b c/\xC3\xA9/", { "a", "b c", "\xC3\xA9", "" }, 4 },
	};
	const char *seg;
	size_t t, k, pos, seglen;

	for (t = 0; t < ARRAY_SIZE(tests); t++) {
		pos = 0;
		for (k = 0; path_next_segment(tests[t].path, strlen(tests[t].path), &pos, &seg,
		                              &seglen);
		     k++) {
			ck_assert_msg(k < tests[t].n, "%s: more than %zu segments", tests[t].path,
			              tests[t].n);
			ck_assert_msg(seglen == strlen(tests[t].want[k]) &&
			                      memcmp(seg, tests[t].want[k], seglen) == 0,
			              "%s: segment %zu is \"%.*s\", want \"%s\"", tests[t].path, k,
			              (int)seglen, seg, tests[t].want[k]);
		}
		ck_assert_msg(k == tests[t].n, "%s: %zu segments, want %zu", tests[t].path, k,
		              tests[t].n);
		/* Done stays done. */
		ck_assert(!path_next_segment(tests[t].path, strlen(tests[t].path), &pos, &seg,
		                             &seglen));
	}
	/* Only a normalized path: '/' first. */
	pos = 0;
	ck_assert(!path_next_segment("a/b", 3, &pos, &seg, &seglen));
	ck_assert(!path_next_segment("", 0, &pos, &seg, &seglen));
	ck_assert(!path_next_segment(NULL, 3, &pos, &seg, &seglen));
	ck_assert(!path_next_segment("/a", 2, NULL, &seg, &seglen));
	/* seg and seglen are optional: counting segments. */
	for (pos = 0, k = 0; path_next_segment("/a/b/c", 6, &pos, NULL, NULL); k++)
		;
	ck_assert_uint_eq(k, 3);
}
END_TEST

/* What it is for: normalize, then match segment by segment. */
START_TEST(normalize_then_match)
{
	static const char *const to_admin[] = {
		"/payments/../admin",
		"/x/./../admin?via=/payments",
		"/%61dmin",
	};
	char out[64], why[256];
	const char *seg;
	size_t i, len, pos, seglen;

	for (i = 0; i < ARRAY_SIZE(to_admin); i++) {
		ck_assert_int_eq(path_normalize(to_admin[i], strlen(to_admin[i]), out, sizeof(out),
		                                &len, why, sizeof(why)),
		                 WRIT_OK);
		pos = 0;
		ck_assert(path_next_segment(out, len, &pos, &seg, &seglen));
		ck_assert_int_eq((int)seglen, 5);
		ck_assert_int_eq(memcmp(seg, "admin", 5), 0);
		ck_assert(!path_next_segment(out, len, &pos, &seg, &seglen));
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("path");
	TCase *tc;

	tc = tcase_create("normalize");
	tcase_add_loop_test(tc, table, 0, (int)ARRAY_SIZE(cases));
	tcase_add_test(tc, table_is_large);
	tcase_add_test(tc, spellings_agree);
	tcase_add_test(tc, every_escape);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, small_buffer);
	tcase_add_test(tc, arguments);
	tcase_add_test(tc, reasons_do_not_echo);
	tcase_add_test(tc, prefixes_and_mutations);
	suite_add_tcase(s, tc);

	tc = tcase_create("segments");
	tcase_add_test(tc, segments);
	tcase_add_test(tc, normalize_then_match);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
