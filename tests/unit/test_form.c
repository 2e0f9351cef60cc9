/* test_form.c: urlencoded bodies and HTTP Basic client credentials (form.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "helpers.h"
#include "util.h"
#include "validate.h"

#define S(x) x, strlen(x)

/*
 * Where the expectations come from: the WHATWG URL standard's
 * "application/x-www-form-urlencoded parsing" (split on '&', skip empty
 * sequences, split at the first '=', '+' to space, then percent-decode),
 * RFC 6749 appendix B (that encoding, UTF-8), §2.3.1 (Basic with the id and
 * secret form-urlencoded first), §3.2 (no parameter twice) and appendix A.1
 * (client-id = *VSCHAR, %x20-7E), RFC 7617 §2 (base64 of id ":" secret,
 * split at the first colon), RFC 4648 §4 (the standard alphabet with '='
 * padding) and §3.5 (a decoder may refuse non-zero pad bits). Every base64
 * string below was computed with Python's base64.b64encode.
 */

static const char escape_why[] = "('%' must be followed by two hex digits)";

/* ---- bodies ---- */

/* Parse body[0..len), which must be accepted, into *f. */
static void good_form(const char *body, size_t len, struct form *f)
{
	char why[256] = "";
	int rc = form_parse(body, len, f, why, sizeof(why));

	ck_assert_msg(rc == WRIT_OK, "\"%.*s\" refused (%d): %s", (int)len, body, rc, why);
}

/* body[0..len) is refused, with exactly this reason. */
static void bad_form(const char *body, size_t len, const char *want)
{
	struct form f;
	char why[256] = "";
	int rc;

	memset(&f, 0x5a, sizeof(f));
	rc = form_parse(body, len, &f, why, sizeof(why));
	ck_assert_msg(rc == WRIT_EINVAL, "\"%.*s\": %d, want WRIT_EINVAL", (int)len, body, rc);
	ck_assert_msg(strcmp(why, want) == 0, "\"%.*s\": got \"%s\", want \"%s\"", (int)len, body,
	              why, want);
	/* Refused: nothing to free, and freeing is still harmless. */
	ck_assert_ptr_null(f.pairs);
	ck_assert_uint_eq(f.count, 0);
	form_free(&f);
}

static void pair_is(const struct form *f, size_t i, const char *name, size_t nlen,
                    const char *value, size_t vlen)
{
	const struct form_pair *p;

	ck_assert_msg(i < f->count, "pair %zu of %zu", i, f->count);
	p = &f->pairs[i];
	ck_assert_msg(p->name_len == nlen && memcmp(p->name, name, nlen) == 0,
	              "pair %zu: name \"%s\" (%zu), want \"%.*s\"", i, p->name, p->name_len,
	              (int)nlen, name);
	ck_assert_msg(p->value_len == vlen && memcmp(p->value, value, vlen) == 0,
	              "pair %zu: value \"%s\" (%zu), want \"%.*s\"", i, p->value, p->value_len,
	              (int)vlen, value);
	ck_assert_int_eq(p->name[nlen], '\0');
	ck_assert_int_eq(p->value[vlen], '\0');
}

/* body decodes to exactly one pair. */
static void one_pair(const char *body, const char *name, const char *value)
{
	struct form f;

	good_form(S(body), &f);
	ck_assert_msg(f.count == 1, "\"%s\": %zu pairs", body, f.count);
	pair_is(&f, 0, S(name), S(value));
	form_free(&f);
}

START_TEST(seed_body)
{
	static const char body[] = "grant_type=client_credentials&resource="
	                           "https://payment.example.com/api&scope=write:payment";
	struct form f;
	int n = -1;

	/* ':' and '/' are not encoded there: WHATWG's parser takes any byte
	 * but '&', '=', '+' and '%' as itself. */
	good_form(S(body), &f);
	ck_assert_uint_eq(f.count, 3);
	pair_is(&f, 0, S("grant_type"), S("client_credentials"));
	pair_is(&f, 1, S("resource"), S("https://payment.example.com/api"));
	pair_is(&f, 2, S("scope"), S("write:payment"));
	ck_assert_str_eq(form_get(&f, "grant_type", &n), "client_credentials");
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(form_get(&f, "resource", &n), "https://payment.example.com/api");
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(form_get(&f, "scope", &n), "write:payment");
	ck_assert_int_eq(n, 1);
	ck_assert_ptr_null(form_get(&f, "client_id", &n));
	ck_assert_int_eq(n, 0);
	/* Names match exactly: no case folding, no prefix. */
	ck_assert_ptr_null(form_get(&f, "Scope", &n));
	ck_assert_ptr_null(form_get(&f, "scop", &n));
	ck_assert_ptr_null(form_get(&f, "scopes", &n));
	ck_assert_ptr_null(form_get(&f, "", &n));
	ck_assert_str_eq(form_get(&f, "scope", NULL), "write:payment");
	form_free(&f);
	ck_assert_ptr_null(f.pairs);
	ck_assert_uint_eq(f.count, 0);
	form_free(&f);
}
END_TEST

START_TEST(plus_and_escapes)
{
	one_pair("scope=write%3Apayment+read%3Apayment", "scope", "write:payment read:payment");
	/* Hex digits in either case. */
	one_pair("scope=write%3apayment", "scope", "write:payment");
	one_pair("a=%4a%4A%6f%6F", "a", "JJoo");
	/* '+' is a space; an encoded '+' is a '+'. */
	one_pair("a=1+2", "a", "1 2");
	one_pair("a=1%2B2", "a", "1+2");
	one_pair("a=1%2b2", "a", "1+2");
	one_pair("a=%20", "a", " ");
	one_pair("a=++", "a", "  ");
	one_pair("+=+", " ", " ");
	one_pair("a+b=c", "a b", "c");
	/* Escaped separators do not separate. */
	one_pair("a%3Db=c", "a=b", "c");
	one_pair("a%26b=c%26d", "a&b", "c&d");
	one_pair("a=%25", "a", "%");
	one_pair("a=%2541", "a", "%41");
}
END_TEST

START_TEST(splitting)
{
	struct form f;

	/* At the first '=' only. */
	one_pair("a=b=c", "a", "b=c");
	one_pair("a==", "a", "=");
	/* No '=': the value is empty. An empty name is a name. */
	one_pair("a", "a", "");
	one_pair("a=", "a", "");
	one_pair("=b", "", "b");
	one_pair("=", "", "");
	/* Empty sequences are skipped. */
	good_form(S("a=1&&b=2"), &f);
	ck_assert_uint_eq(f.count, 2);
	pair_is(&f, 0, S("a"), S("1"));
	pair_is(&f, 1, S("b"), S("2"));
	form_free(&f);
	good_form(S("&&a=1&&&b&"), &f);
	ck_assert_uint_eq(f.count, 2);
	pair_is(&f, 0, S("a"), S("1"));
	pair_is(&f, 1, S("b"), S(""));
	form_free(&f);
	/* Nothing at all. */
	good_form(S(""), &f);
	ck_assert_uint_eq(f.count, 0);
	ck_assert_ptr_null(form_get(&f, "a", NULL));
	form_free(&f);
	good_form(NULL, 0, &f);
	ck_assert_uint_eq(f.count, 0);
	form_free(&f);
	good_form(S("&&&"), &f);
	ck_assert_uint_eq(f.count, 0);
	form_free(&f);
	/* Only len bytes are read. */
	good_form("a=1&b=2", 3, &f);
	ck_assert_uint_eq(f.count, 1);
	pair_is(&f, 0, S("a"), S("1"));
	form_free(&f);
}
END_TEST

START_TEST(repeated)
{
	struct form f;
	int n = -1;

	/* Not merged: every pair kept, in order, so the endpoint can refuse
	 * a repeated parameter (RFC 6749 §3.2). */
	good_form(S("scope=read&grant_type=client_credentials&scope=write&scope=read"), &f);
	ck_assert_uint_eq(f.count, 4);
	pair_is(&f, 0, S("scope"), S("read"));
	pair_is(&f, 1, S("grant_type"), S("client_credentials"));
	pair_is(&f, 2, S("scope"), S("write"));
	pair_is(&f, 3, S("scope"), S("read"));
	ck_assert_str_eq(form_get(&f, "scope", &n), "read");
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(form_get(&f, "grant_type", &n), "client_credentials");
	ck_assert_int_eq(n, 1);
	form_free(&f);

	/* The same name however it was written, even with empty values. */
	good_form(S("resource&resour%63e=&resource=x"), &f);
	ck_assert_str_eq(form_get(&f, "resource", &n), "");
	ck_assert_int_eq(n, 3);
	form_free(&f);

	/* form_get on an empty form, or with no name. */
	ck_assert_ptr_null(form_get(NULL, "a", &n));
	ck_assert_int_eq(n, 0);
	good_form(S("a=1"), &f);
	n = 5;
	ck_assert_ptr_null(form_get(&f, NULL, &n));
	ck_assert_int_eq(n, 0);
	form_free(&f);
}
END_TEST

START_TEST(malformed_escapes)
{
	char want[256];

	snprintf(want, sizeof(want),
	         "parameter 1 (\"a\"): malformed percent-escape in the value %s", escape_why);
	bad_form(S("a=%zz"), want);
	bad_form(S("a=%4"), want);
	bad_form(S("a=%4g"), want);
	bad_form(S("a=%g4"), want);
	bad_form(S("a=%"), want);
	bad_form(S("a=x%"), want);
	bad_form(S("a=%%41"), want);
	bad_form(S("a=% 41"), want);
	bad_form(S("a=%+41"), want);
	/* The '&' ends the pair before the escape is complete. */
	bad_form(S("a=%4&1=b"), want);
	bad_form(S("a=%&b=1"), want);
	/* Only len bytes are read: the "1" after them does not complete it. */
	bad_form("a=%41", 4, want);
	bad_form("a=%41", 3, want);
	/* Where a WHATWG parser would keep "%zz" as it is. */
	bad_form(S("scope=write%zzpayment"), "parameter 1 (\"scope\"): malformed percent-escape in "
	                                     "the value ('%' must be followed by two hex digits)");

	/* In a name: the position only. */
	snprintf(want, sizeof(want), "parameter 1: malformed percent-escape in the name %s",
	         escape_why);
	bad_form(S("%zz=1"), want);
	bad_form(S("%4"), want);
	bad_form(S("a%=1"), want);
	bad_form(S("%=1"), want);

	/* Positions count the pairs, empty sequences skipped. */
	snprintf(want, sizeof(want),
	         "parameter 3 (\"c\"): malformed percent-escape in the value %s", escape_why);
	bad_form(S("a=1&&b=2&c=%zz&d=4"), want);
	bad_form(S("&a=1&b=2&&c=%4&d=%zz"), want);
	snprintf(want, sizeof(want), "parameter 2: malformed percent-escape in the name %s",
	         escape_why);
	bad_form(S("a=1&%zz"), want);
}
END_TEST

START_TEST(nul_and_controls)
{
	/* %00 and a raw NUL alike. */
	bad_form(S("a=%00"), "parameter 1 (\"a\"): the value contains a NUL byte");
	bad_form(S("a=x%00y"), "parameter 1 (\"a\"): the value contains a NUL byte");
	bad_form("a=x\0y", 5, "parameter 1 (\"a\"): the value contains a NUL byte");
	bad_form(S("%00=1"), "parameter 1: the name contains a NUL byte");
	bad_form("a\0=1", 4, "parameter 1: the name contains a NUL byte");
	/* C0 controls are refused everywhere. */
	bad_form(S("a=%09"), "parameter 1 (\"a\"): the value contains a control character");
	bad_form(S("a=x\ty"), "parameter 1 (\"a\"): the value contains a control character");
	bad_form(S("a=%0D%0A"), "parameter 1 (\"a\"): the value contains a control character");
	bad_form(S("a=\n"), "parameter 1 (\"a\"): the value contains a control character");
	bad_form(S("a=%1F"), "parameter 1 (\"a\"): the value contains a control character");
	bad_form(S("a%0A=1"), "parameter 1: the name contains a control character");
	bad_form(S("%1B=1"), "parameter 1: the name contains a control character");
	bad_form(S("a\r=1"), "parameter 1: the name contains a control character");
	/* DEL and the C1 controls: refused in values, not in names. */
	bad_form(S("a=%7F"), "parameter 1 (\"a\"): the value contains a control character");
	bad_form(S("a=\x7f"), "parameter 1 (\"a\"): the value contains a control character");
	bad_form(S("a=%C2%80"), "parameter 1 (\"a\"): the value contains a control character");
	bad_form(S("a=%C2%9F"), "parameter 1 (\"a\"): the value contains a control character");
	bad_form(S("a=\xc2\x85"), "parameter 1 (\"a\"): the value contains a control character");
	one_pair("a%7F=1", "a\x7f", "1");
	one_pair("%C2%80=1", "\xc2\x80", "1");
	/* The neighbours of the controls are fine. */
	one_pair("a=%20%7E", "a", " ~");
	one_pair("a=%C2%A0", "a", "\xc2\xa0");
	one_pair("%20=1", " ", "1");
}
END_TEST

START_TEST(utf8)
{
	/* Encoded or raw, UTF-8 comes through. */
	one_pair("name=caf%C3%A9", "name", "caf\xc3\xa9");
	one_pair("name=caf\xc3\xa9", "name", "caf\xc3\xa9");
	one_pair("n%C3%A4me=%E2%82%AC", "n\xc3\xa4me", "\xe2\x82\xac");
	one_pair("a=%F0%9F%98%80", "a", "\xf0\x9f\x98\x80");
	one_pair("a=%f4%8f%bf%bf", "a", "\xf4\x8f\xbf\xbf");
	/* The line and paragraph separators are no controls (Zl, Zp). */
	one_pair("a=%E2%80%A8", "a", "\xe2\x80\xa8");

	/* Anything else is refused (WHATWG would put U+FFFD in). */
	bad_form(S("a=%C3"), "parameter 1 (\"a\"): the value is not UTF-8");
	bad_form(S("a=%C3%28"), "parameter 1 (\"a\"): the value is not UTF-8");
	bad_form(S("a=%E9"), "parameter 1 (\"a\"): the value is not UTF-8");
	bad_form(S("a=%FF"), "parameter 1 (\"a\"): the value is not UTF-8");
	bad_form(S("a=\xff"), "parameter 1 (\"a\"): the value is not UTF-8");
	bad_form(S("a=%80"), "parameter 1 (\"a\"): the value is not UTF-8");
	/* Overlong forms, a surrogate, beyond U+10FFFF. */
	bad_form(S("a=%C0%AF"), "parameter 1 (\"a\"): the value is not UTF-8");
	bad_form(S("a=%C0%80"), "parameter 1 (\"a\"): the value is not UTF-8");
	bad_form(S("a=%E0%80%AF"), "parameter 1 (\"a\"): the value is not UTF-8");
	bad_form(S("a=%ED%A0%80"), "parameter 1 (\"a\"): the value is not UTF-8");
	bad_form(S("a=%F4%90%80%80"), "parameter 1 (\"a\"): the value is not UTF-8");
	bad_form(S("%FF=1"), "parameter 1: the name is not UTF-8");
	bad_form(S("caf\xe9=1"), "parameter 1: the name is not UTF-8");
}
END_TEST

START_TEST(names_in_messages)
{
	char want[256];

	/* A value is never shown: it may be a secret. */
	struct form f;
	char why[256] = "";

	ck_assert_int_eq(form_parse(S("client_secret=hunter2%zz"), &f, why, sizeof(why)),
	                 WRIT_EINVAL);
	ck_assert_ptr_null(strstr(why, "hunter2"));
	ck_assert_ptr_nonnull(strstr(why, "client_secret"));

	/* Names are shown as printable ASCII, '?' for any other byte, and
	 * cut after 32 bytes. */
	bad_form(S("caf%C3%A9=%zz"), "parameter 1 (\"caf??\"): malformed percent-escape in the "
	                             "value ('%' must be followed by two hex digits)");
	bad_form(S("%22%5C=%00"), "parameter 1 (\"\"\\\"): the value contains a NUL byte");
	bad_form(S("a%7Fb=%00"), "parameter 1 (\"a?b\"): the value contains a NUL byte");
	bad_form(S("a+b=%00"), "parameter 1 (\"a b\"): the value contains a NUL byte");
	bad_form(S("=%00"), "parameter 1 (\"\"): the value contains a NUL byte");
	snprintf(want, sizeof(want), "parameter 1 (\"%s...\"): the value contains a NUL byte",
	         "0123456789abcdefghijklmnopqrstuv");
	bad_form(S("0123456789abcdefghijklmnopqrstuvwxyz=%00"), want);
	snprintf(want, sizeof(want), "parameter 1 (\"%s\"): the value contains a NUL byte",
	         "0123456789abcdefghijklmnopqrstuv");
	bad_form(S("0123456789abcdefghijklmnopqrstuv=%00"), want);
}
END_TEST

/* "p1=v1&p2=v2&...", n pairs, with extra between pairs. */
static char *pairs_body(int n, const char *extra)
{
	struct buf b;
	int i;

	buf_init(&b);
	for (i = 1; i <= n; i++)
		buf_printf(&b, "%sp%d=v%d", i > 1 ? extra : "", i, i);
	ck_assert(!b.oom);
	return buf_steal(&b);
}

START_TEST(pair_limit)
{
	struct form f;
	char *body, name[16];
	int i;

	body = pairs_body(64, "&");
	good_form(S(body), &f);
	ck_assert_uint_eq(f.count, 64);
	for (i = 0; i < 64; i++) {
		char value[16];
		snprintf(name, sizeof(name), "p%d", i + 1);
		snprintf(value, sizeof(value), "v%d", i + 1);
		pair_is(&f, (size_t)i, S(name), S(value));
	}
	form_free(&f);
	free(body);

	/* Empty sequences do not count. */
	body = pairs_body(64, "&&&");
	good_form(S(body), &f);
	ck_assert_uint_eq(f.count, 64);
	form_free(&f);
	free(body);

	body = pairs_body(65, "&");
	bad_form(S(body), "too many parameters: more than 64");
	free(body);

	/* Counted before any is decoded. */
	body = pairs_body(65, "&%zz&");
	bad_form(S(body), "too many parameters: more than 64");
	free(body);
}
END_TEST

START_TEST(size_limit)
{
	struct form f;
	char *body = malloc(16386);
	char why[256] = "";

	ck_assert_ptr_nonnull(body);
	memcpy(body, "a=", 2);
	memset(body + 2, 'x', 16384);
	body[16385] = '\0';

	good_form(body, 16384, &f);
	ck_assert_uint_eq(f.count, 1);
	ck_assert_uint_eq(f.pairs[0].value_len, 16382);
	form_free(&f);
	bad_form(body, 16385, "body too large: 16385 bytes, at most 16384");
	bad_form(body, 1000000, "body too large: 1000000 bytes, at most 16384");

	/* Refused on its length alone, even when there is nothing to read. */
	ck_assert_int_eq(form_parse(NULL, 16385, &f, why, sizeof(why)), WRIT_EINVAL);
	free(body);
}
END_TEST

START_TEST(arguments)
{
	struct form f;
	char why[8];

	/* why is optional, and cut to fit. */
	ck_assert_int_eq(form_parse(S("a=%zz"), &f, NULL, 0), WRIT_EINVAL);
	ck_assert_int_eq(form_parse(S("a=1"), &f, NULL, 0), WRIT_OK);
	form_free(&f);
	memset(why, 'x', sizeof(why));
	ck_assert_int_eq(form_parse(S("a=%zz"), &f, why, 4), WRIT_EINVAL);
	ck_assert_str_eq(why, "par");
	ck_assert_int_eq(why[4], 'x');
	/* Accepted: why is left empty. */
	memset(why, 'x', sizeof(why));
	ck_assert_int_eq(form_parse(S("a=1"), &f, why, sizeof(why)), WRIT_OK);
	ck_assert_str_eq(why, "");
	form_free(&f);
	ck_assert_int_eq(form_parse(S("a=1"), NULL, why, sizeof(why)), WRIT_EINVAL);
	ck_assert_int_eq(form_parse(NULL, 3, &f, why, sizeof(why)), WRIT_EINVAL);
	ck_assert_uint_eq(f.count, 0);
	form_free(NULL);
}
END_TEST

/*
 * Every prefix and every single-byte change of a valid body: each parses or
 * is refused with a reason, never crashes, leaks or shows the secret (run
 * under ASan by `make check-sanitizers`).
 */
static void fuzz_one(const char *body, size_t len)
{
	struct form f;
	char why[256];
	size_t i;
	int rc;

	why[0] = 'x';
	why[1] = '\0';
	rc = form_parse(body, len, &f, why, sizeof(why));
	ck_assert_msg(rc == WRIT_OK || rc == WRIT_EINVAL, "\"%.*s\": %d", (int)len, body, rc);
	if (rc == WRIT_OK) {
		ck_assert_str_eq(why, "");
		ck_assert_uint_le(f.count, FORM_MAX_PAIRS);
		for (i = 0; i < f.count; i++) {
			ck_assert_uint_eq(strlen(f.pairs[i].name), f.pairs[i].name_len);
			ck_assert_uint_eq(strlen(f.pairs[i].value), f.pairs[i].value_len);
		}
		form_free(&f);
	} else {
		ck_assert_msg(why[0] != '\0' && strcmp(why, "x") != 0, "no reason");
		ck_assert_ptr_null(f.pairs);
		ck_assert_msg(strstr(why, "s3cr") == NULL, "the secret in \"%s\"", why);
	}
}

START_TEST(prefixes_and_mutations)
{
	static const char valid[] =
		"grant_type=client_credentials&client_id=cart%2Dservice&client_secret=s3cr%2B+t"
		"&scope=write%3Apayment+read%3Apayment&&resource=https://payment.example.com/api"
		"&x=caf%C3%A9+\xe2\x82\xac";
	size_t len = sizeof(valid) - 1, i;
	char *copy;
	int c;

	for (i = 0; i <= len; i++) {
		/* A copy of exactly i bytes, so ASan sees any read past it. */
		copy = malloc(i ? i : 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, valid, i);
		fuzz_one(copy, i);
		free(copy);
	}
	copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	for (i = 0; i < len; i++) {
		for (c = 0; c < 256; c++) {
			memcpy(copy, valid, len);
			copy[i] = (char)c;
			fuzz_one(copy, len);
		}
	}
	free(copy);
}
END_TEST

/* ---- HTTP Basic ---- */

/* Standard base64 with padding (RFC 4648 §4), for the long credentials. */
static char *b64(const char *in, size_t n)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = (const unsigned char *)in;
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	ck_assert_ptr_nonnull(out);
	for (i = 0; i + 3 <= n; i += 3) {
		*o++ = abc[s[i] >> 2];
		*o++ = abc[(s[i] & 3) << 4 | s[i + 1] >> 4];
		*o++ = abc[(s[i + 1] & 15) << 2 | s[i + 2] >> 6];
		*o++ = abc[s[i + 2] & 63];
	}
	if (n - i == 1) {
		*o++ = abc[s[i] >> 2];
		*o++ = abc[(s[i] & 3) << 4];
		*o++ = '=';
		*o++ = '=';
	} else if (n - i == 2) {
		*o++ = abc[s[i] >> 2];
		*o++ = abc[(s[i] & 3) << 4 | s[i + 1] >> 4];
		*o++ = abc[(s[i + 1] & 15) << 2];
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static void good_basic_n(const char *header, size_t len, const char *id, const char *secret,
                         size_t secret_len)
{
	char *got_id = (char *)1, *got_secret = (char *)1, why[256] = "";
	size_t got_len = 12345;
	int rc = form_basic_credentials(header, len, &got_id, &got_secret, &got_len, why,
	                                sizeof(why));

	ck_assert_msg(rc == WRIT_OK, "\"%.*s\" refused (%d): %s", (int)len, header, rc, why);
	ck_assert_str_eq(got_id, id);
	ck_assert_uint_eq(got_len, secret_len);
	ck_assert_msg(memcmp(got_secret, secret, secret_len) == 0, "\"%s\": wrong secret",
	              header);
	ck_assert_int_eq(got_secret[secret_len], '\0');
	free(got_id);
	free(got_secret);
}

static void good_basic(const char *header, const char *id, const char *secret)
{
	good_basic_n(S(header), id, secret, strlen(secret));
}

static void bad_basic_n(const char *header, size_t len, const char *want)
{
	char *id = (char *)1, *secret = (char *)1, why[256] = "";
	size_t secret_len = 12345;
	int rc = form_basic_credentials(header, len, &id, &secret, &secret_len, why, sizeof(why));
	const char *sp = memchr(header, ' ', len);

	ck_assert_msg(rc == WRIT_EINVAL, "\"%.*s\": %d, want WRIT_EINVAL", (int)len, header, rc);
	ck_assert_msg(strcmp(why, want) == 0, "\"%.*s\": got \"%s\", want \"%s\"", (int)len,
	              header, why, want);
	ck_assert_ptr_null(id);
	ck_assert_ptr_null(secret);
	ck_assert_uint_eq(secret_len, 0);
	/* Never the credentials, whole or in part. */
	if (sp && header + len - sp > 4)
		ck_assert_ptr_null(strstr(why, sp + 1));
}

static void bad_basic(const char *header, const char *want)
{
	bad_basic_n(S(header), want);
}

START_TEST(basic_seed)
{
	/* base64("cart-service:demo-cart-secret") */
	good_basic("Basic Y2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=", "cart-service",
	           "demo-cart-secret");
	/* RFC 7235 §2.1: the scheme in any case. */
	good_basic("basic Y2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=", "cart-service",
	           "demo-cart-secret");
	good_basic("BASIC Y2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=", "cart-service",
	           "demo-cart-secret");
	good_basic("bAsIc Y2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=", "cart-service",
	           "demo-cart-secret");
}
END_TEST

START_TEST(basic_urlencoded)
{
	/* "cart%3Aservice:pw": an encoded colon is part of the id, and ':' is
	 * a VSCHAR (%x20-7E). */
	good_basic("Basic Y2FydCUzQXNlcnZpY2U6cHc=", "cart:service", "pw");
	/* "cart-service:a:b+c": split at the first colon; the secret keeps
	 * the others, and its '+' is a space (RFC 6749 §2.3.1). */
	good_basic("Basic Y2FydC1zZXJ2aWNlOmE6Yitj", "cart-service", "a:b c");
	/* "cart-service:a%3Ab%2Bc": the same secret written as a client
	 * that follows §2.3.1 sends "a:b+c". */
	good_basic("Basic Y2FydC1zZXJ2aWNlOmElM0FiJTJCYw==", "cart-service", "a:b+c");
	/* "my+app:p%20w+d": a space is a VSCHAR. */
	good_basic("Basic bXkrYXBwOnAlMjB3K2Q=", "my app", "p w d");
	/* "id:": an empty secret (RFC 6749 §2.3.1 allows it). */
	good_basic("Basic aWQ6", "id", "");
	/* "id:\xff\xfe\x01": any byte but NUL. */
	good_basic_n(S("Basic aWQ6//4B"), "id", "\xff\xfe\x01", 3);
	/* "id:~~~?": '+' in base64 is a digit, not a space. */
	good_basic("Basic aWQ6fn5+Pw==", "id", "~~~?");
}
END_TEST

START_TEST(basic_scheme)
{
	static const char *const not_basic =
		"the Authorization header is not HTTP Basic authentication";
	static const char *const one_space =
		"Basic must be followed by exactly one space, then the credentials";

	bad_basic("Bearer eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.e30.c2ln", not_basic);
	bad_basic("Digest username=\"cart-service\"", not_basic);
	bad_basic("", not_basic);
	bad_basic("Basi", not_basic);
	bad_basic("Basicx Y2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=", not_basic);
	bad_basic("Basic-Y2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=", not_basic);
	bad_basic(" Basic Y2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=", not_basic);
	bad_basic("Y2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=", not_basic);
	bad_basic("Basic", "no credentials after Basic");
	bad_basic("basic ", "no credentials after Basic");
	bad_basic("Basic  Y2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=", one_space);
	bad_basic("Basic\tY2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=", one_space);
	bad_basic("Basic \tY2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=", one_space);
	bad_basic("Basic  ", one_space);
	bad_basic("Basic:Y2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=", one_space);
}
END_TEST

START_TEST(basic_base64)
{
	static const char *const space = "whitespace inside the base64 credentials";
	static const char *const alphabet =
		"the credentials are not base64: a character outside its alphabet";
	static const char *const length =
		"the credentials are not base64: a length that no byte string encodes to";
	static const char *const nopad =
		"the base64 credentials lack their '=' padding (RFC 4648 section 4)";
	static const char *const badpad =
		"the base64 credentials have the wrong amount of '=' padding";
	static const char *const bits =
		"the credentials are not canonical base64: unused bits are not zero";

	bad_basic("Basic Y2FydC1z ZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=", space);
	bad_basic("Basic Y2FydC1z\tZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=", space);
	bad_basic("Basic Y2FydC1z\r\nZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=", space);
	bad_basic("Basic Y2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ= ", space);
	bad_basic("Basic Y2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=\t", space);
	/* base64url's '-' and '_' are not the standard alphabet. */
	bad_basic("Basic YTpi-w==", alphabet);
	bad_basic("Basic YTpi_w==", alphabet);
	bad_basic("Basic YTpi.w==", alphabet);
	bad_basic("Basic YTpi\xc3\xa9w==", alphabet);
	bad_basic_n("Basic YTpi\0w==", 14, alphabet);
	bad_basic("Basic YQ==YTpi", "the credentials are not base64: '=' before the end");
	bad_basic("Basic YT=pi", "the credentials are not base64: '=' before the end");
	/* "a:bc" is YTpiYw==. */
	bad_basic("Basic YTpiYw", nopad);
	bad_basic("Basic Y2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ", nopad);
	bad_basic("Basic YTpiYw=", badpad);
	bad_basic("Basic YTpiYw===", length);
	bad_basic("Basic YTpiY2Q==", badpad);
	bad_basic("Basic YTpi=", badpad);
	bad_basic("Basic YTpi====", length);
	bad_basic("Basic YTpiY", length);
	bad_basic("Basic YTpiY===", length);
	bad_basic("Basic =", badpad);
	bad_basic("Basic ==", badpad);
	bad_basic("Basic ====", length);
	/* RFC 4648 §3.5: YTpiYx== would decode to "a:bc" too; refused. */
	bad_basic("Basic YTpiYx==", bits);
	/* "a:bcd" is YTpiY2Q=. */
	bad_basic("Basic YTpiY2R=", bits);
	good_basic("Basic YTpiY2Q=", "a", "bcd");
	good_basic("Basic YTpiYw==", "a", "bc");
}
END_TEST

START_TEST(basic_content)
{
	static const char *const vschar =
		"a client id is printable ASCII only (RFC 6749 appendix A.1)";
	static const char *const nul = "the client secret contains a NUL byte";

	/* "cart-service" */
	bad_basic("Basic Y2FydC1zZXJ2aWNl",
	          "no ':' between the client id and the secret in the credentials");
	/* ":secret" */
	bad_basic("Basic OnNlY3JldA==", "a client id cannot be empty");
	/* "%4:x", "id:%zz" */
	bad_basic("Basic JTQ6eA==", "malformed percent-escape in the client id");
	bad_basic("Basic aWQ6JXp6", "malformed percent-escape in the client secret");
	/* "caf%C3%A9:x", "id\x7f:x" */
	bad_basic("Basic Y2FmJUMzJUE5Ong=", vschar);
	bad_basic("Basic aWR/Ong=", vschar);
	/* "id:a%00b", "id:a\0b" */
	bad_basic("Basic aWQ6YSUwMGI=", nul);
	bad_basic("Basic aWQ6YQBi", nul);
}
END_TEST

START_TEST(basic_size)
{
	char raw[1100], header[1600];
	char *enc;
	size_t n;

	/* The encoder, against RFC 4648 §10. */
	enc = b64(S("f"));
	ck_assert_str_eq(enc, "Zg==");
	free(enc);
	enc = b64(S("fo"));
	ck_assert_str_eq(enc, "Zm8=");
	free(enc);
	enc = b64(S("foobar"));
	ck_assert_str_eq(enc, "Zm9vYmFy");
	free(enc);
	enc = b64(S("cart-service:demo-cart-secret"));
	ck_assert_str_eq(enc, "Y2FydC1zZXJ2aWNlOmRlbW8tY2FydC1zZWNyZXQ=");
	free(enc);

	/* 1024 bytes decoded: "id:" and 1021 bytes of secret. */
	memcpy(raw, "id:", 3);
	memset(raw + 3, 's', sizeof(raw) - 3);
	enc = b64(raw, 1024);
	snprintf(header, sizeof(header), "Basic %s", enc);
	free(enc);
	good_basic_n(S(header), "id", raw + 3, 1021);
	/* 1025, 1026 and 1027 bytes: one to three more, each padding. */
	for (n = 1025; n <= 1027; n++) {
		enc = b64(raw, n);
		snprintf(header, sizeof(header), "Basic %s", enc);
		free(enc);
		bad_basic(header, "the credentials are over 1024 bytes once decoded");
	}
	/* 1023 bytes. */
	enc = b64(raw, 1023);
	snprintf(header, sizeof(header), "Basic %s", enc);
	free(enc);
	good_basic_n(S(header), "id", raw + 3, 1020);
}
END_TEST

START_TEST(basic_arguments)
{
	char *id, *secret, why[64];
	size_t len;

	ck_assert_int_eq(form_basic_credentials(S("Basic YTpi"), NULL, &secret, &len, why,
	                                        sizeof(why)),
	                 WRIT_EINVAL);
	ck_assert_int_eq(form_basic_credentials(S("Basic YTpi"), &id, NULL, &len, why,
	                                        sizeof(why)),
	                 WRIT_EINVAL);
	ck_assert_int_eq(form_basic_credentials(S("Basic YTpi"), &id, &secret, NULL, why,
	                                        sizeof(why)),
	                 WRIT_EINVAL);
	ck_assert_int_eq(form_basic_credentials(NULL, 5, &id, &secret, &len, why, sizeof(why)),
	                 WRIT_EINVAL);
	ck_assert_ptr_null(id);
	ck_assert_ptr_null(secret);
	/* why is optional, and cut to fit. */
	ck_assert_int_eq(form_basic_credentials(S("Bearer x"), &id, &secret, &len, NULL, 0),
	                 WRIT_EINVAL);
	ck_assert_int_eq(form_basic_credentials(S("Bearer x"), &id, &secret, &len, why, 4),
	                 WRIT_EINVAL);
	ck_assert_str_eq(why, "the");
	/* Only len bytes are read: "a:b" then "c". */
	ck_assert_int_eq(form_basic_credentials("Basic YTpiYw==", 10, &id, &secret, &len, why,
	                                        sizeof(why)),
	                 WRIT_OK);
	ck_assert_str_eq(why, "");
	ck_assert_str_eq(id, "a");
	ck_assert_str_eq(secret, "b");
	ck_assert_uint_eq(len, 1);
	free(id);
	free(secret);
}
END_TEST

static void basic_fuzz_one(const char *header, size_t len)
{
	char *id = NULL, *secret = NULL, why[256];
	size_t slen = 0;
	int rc = form_basic_credentials(header, len, &id, &secret, &slen, why, sizeof(why));

	ck_assert_msg(rc == WRIT_OK || rc == WRIT_EINVAL, "%d", rc);
	if (rc == WRIT_OK) {
		ck_assert_ptr_nonnull(id);
		ck_assert_ptr_nonnull(secret);
		ck_assert_uint_eq(strlen(secret), slen);
		ck_assert_ptr_null(validate_client_id(id, strlen(id)));
		free(id);
		free(secret);
	} else {
		ck_assert_ptr_null(id);
		ck_assert_ptr_null(secret);
		ck_assert(why[0] != '\0');
		ck_assert_ptr_null(strstr(why, "secret:"));
		ck_assert_ptr_null(strstr(why, "demo"));
	}
}

START_TEST(basic_prefixes_and_mutations)
{
	/* "cart%2Dservice:demo%3Acart+secret" */
	static const char valid[] = "Basic Y2FydCUyRHNlcnZpY2U6ZGVtbyUzQWNhcnQrc2VjcmV0";
	size_t len = sizeof(valid) - 1, i;
	char *copy;
	int c;

	good_basic(valid, "cart-service", "demo:cart secret");
	for (i = 0; i <= len; i++) {
		copy = malloc(i ? i : 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, valid, i);
		basic_fuzz_one(copy, i);
		free(copy);
	}
	copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	for (i = 0; i < len; i++) {
		for (c = 0; c < 256; c++) {
			memcpy(copy, valid, len);
			copy[i] = (char)c;
			basic_fuzz_one(copy, len);
		}
	}
	free(copy);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("form");
	TCase *tc;

	tc = tcase_create("body");
	tcase_add_test(tc, seed_body);
	tcase_add_test(tc, plus_and_escapes);
	tcase_add_test(tc, splitting);
	tcase_add_test(tc, repeated);
	tcase_add_test(tc, malformed_escapes);
	tcase_add_test(tc, nul_and_controls);
	tcase_add_test(tc, utf8);
	tcase_add_test(tc, names_in_messages);
	tcase_add_test(tc, pair_limit);
	tcase_add_test(tc, size_limit);
	tcase_add_test(tc, arguments);
	tcase_add_test(tc, prefixes_and_mutations);
	suite_add_tcase(s, tc);

	tc = tcase_create("basic");
	tcase_add_test(tc, basic_seed);
	tcase_add_test(tc, basic_urlencoded);
	tcase_add_test(tc, basic_scheme);
	tcase_add_test(tc, basic_base64);
	tcase_add_test(tc, basic_content);
	tcase_add_test(tc, basic_size);
	tcase_add_test(tc, basic_arguments);
	tcase_add_test(tc, basic_prefixes_and_mutations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
