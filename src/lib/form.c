/* form.c: urlencoded bodies and HTTP Basic client credentials (form.h). */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base64url.h"
#include "form.h"
#include "util.h"
#include "validate.h"
#include "writ.h"

/* The most bytes of a parameter name shown in a message. */
#define SHOWN_NAME 32

static void say(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* Free a buffer that may have held a secret, wiping it first. */
static void wipe_free(char *p, size_t len)
{
	if (!p)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}

/*
 * Form-urldecode s[0..len) into out, which has room for len + 1 bytes:
 * '+' is a space and %XX the byte XX (either case), then a NUL is added.
 * Returns false at a '%' not followed by two hex digits.
 *
 * The WHATWG URL standard's percent-decode keeps such a '%' as it is
 * ("%zz" stays "%zz"). We refuse it on purpose: no conforming client
 * sends one, and a parameter that two parsers could read two ways (this
 * one and a proxy or a logger in front of it) is better refused than
 * guessed at.
 */
static bool urldecode(const char *s, size_t len, char *out, size_t *outlen)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			if (len - i < 3)
				return false;
			hi = hex_digit_value((unsigned char)s[i + 1]);
			lo = hex_digit_value((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	*outlen = o;
	return true;
}

/* What check_text() found wrong with a decoded name or value. */
enum text_fault {
	TEXT_OK = 0,
	TEXT_NOT_UTF8,
	TEXT_NUL,
	TEXT_CONTROL,
};

/*
 * s[0..len) must be UTF-8 with no C0 control; with strict, no DEL or C1
 * control either (every code point of Unicode's general category Cc).
 */
static enum text_fault check_text(const char *s, size_t len, bool strict)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (n == 0)
			return TEXT_NOT_UTF8;
		if (cp == 0)
			return TEXT_NUL;
		if (cp < 0x20 || (strict && cp >= 0x7f && cp <= 0x9f))
			return TEXT_CONTROL;
		i += n;
	}
	return TEXT_OK;
}

static const char *text_fault_str(enum text_fault f)
{
	switch (f) {
	case TEXT_OK:
		break;
	case TEXT_NOT_UTF8:
		return "is not UTF-8";
	case TEXT_NUL:
		return "contains a NUL byte";
	case TEXT_CONTROL:
		return "contains a control character";
	}
	return "is invalid";
}

/* A decoded name fit for a message: printable ASCII ('?' for any other
 * byte), at most SHOWN_NAME bytes. */
static const char *shown(const char *s, size_t len, char out[SHOWN_NAME + 4])
{
	size_t i, n = len > SHOWN_NAME ? SHOWN_NAME : len;

	for (i = 0; i < n; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (n < len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/* The pairs of body[0..len) that are not empty. */
static size_t count_pairs(const char *body, size_t len)
{
	size_t n = 0, i = 0;
	const char *amp;

	while (i < len) {
		amp = memchr(body + i, '&', len - i);
		if (!amp)
			return n + 1;
		if (amp != body + i)
			n++;
		i = (size_t)(amp - body) + 1;
	}
	return n;
}

/*
 * Decode pair number pos (from 1), s[0..len), into *p. Returns WRIT_OK,
 * or an error with the reason in why; p's strings are then freed.
 */
static int decode_pair(const char *s, size_t len, size_t pos, struct form_pair *p, char *why,
                       size_t whylen)
{
	const char *eq = memchr(s, '=', len);
	size_t nlen = eq ? (size_t)(eq - s) : len;
	const char *v = eq ? eq + 1 : s + len;
	size_t vlen = (size_t)(s + len - v);
	enum text_fault fault;
	char name[SHOWN_NAME + 4];

	p->name = malloc(nlen + 1);
	p->value = malloc(vlen + 1);
	if (!p->name || !p->value) {
		say(why, whylen, "out of memory");
		goto fail_nomem;
	}
	if (!urldecode(s, nlen, p->name, &p->name_len)) {
		say(why, whylen,
		    "parameter %zu: malformed percent-escape in the name ('%%' must be followed by "
		    "two hex digits)",
		    pos);
		goto fail;
	}
	fault = check_text(p->name, p->name_len, false);
	if (fault != TEXT_OK) {
		say(why, whylen, "parameter %zu: the name %s", pos, text_fault_str(fault));
		goto fail;
	}
	shown(p->name, p->name_len, name);
	if (!urldecode(v, vlen, p->value, &p->value_len)) {
		say(why, whylen,
		    "parameter %zu (\"%s\"): malformed percent-escape in the value ('%%' must be "
		    "followed by two hex digits)",
		    pos, name);
		goto fail;
	}
	fault = check_text(p->value, p->value_len, true);
	if (fault != TEXT_OK) {
		say(why, whylen, "parameter %zu (\"%s\"): the value %s", pos, name,
		    text_fault_str(fault));
		goto fail;
	}
	return WRIT_OK;

fail:
	free(p->name);
	wipe_free(p->value, vlen + 1);
	p->name = p->value = NULL;
	return WRIT_EINVAL;
fail_nomem:
	free(p->name);
	free(p->value);
	p->name = p->value = NULL;
	return WRIT_ENOMEM;
}

int form_parse(const char *body, size_t len, struct form *out, char *why, size_t whylen)
{
	size_t n, i = 0, seg;
	const char *amp;
	int rc;

	if (why && whylen)
		why[0] = '\0';
	if (!out) {
		say(why, whylen, "invalid argument");
		return WRIT_EINVAL;
	}
	out->pairs = NULL;
	out->count = 0;
	if (!body && len) {
		say(why, whylen, "invalid argument");
		return WRIT_EINVAL;
	}
	if (len > FORM_MAX_BODY) {
		say(why, whylen, "body too large: %zu bytes, at most %d", len, FORM_MAX_BODY);
		return WRIT_EINVAL;
	}
	n = count_pairs(body, len);
	if (n > FORM_MAX_PAIRS) {
		say(why, whylen, "too many parameters: more than %d", FORM_MAX_PAIRS);
		return WRIT_EINVAL;
	}
	if (n == 0)
		return WRIT_OK;
	out->pairs = calloc(n, sizeof(*out->pairs));
	if (!out->pairs) {
		say(why, whylen, "out of memory");
		return WRIT_ENOMEM;
	}
	while (i < len) {
		amp = memchr(body + i, '&', len - i);
		seg = amp ? (size_t)(amp - body) - i : len - i;
		if (seg > 0) {
			rc = decode_pair(body + i, seg, out->count + 1, &out->pairs[out->count],
			                 why, whylen);
			if (rc != WRIT_OK) {
				form_free(out);
				return rc;
			}
			out->count++;
		}
		i += seg + 1;
	}
	return WRIT_OK;
}

const char *form_get(const struct form *f, const char *name, int *count)
{
	const char *first = NULL;
	size_t i, len;
	int n = 0;

	if (f && name) {
		len = strlen(name);
		for (i = 0; i < f->count; i++) {
			const struct form_pair *p = &f->pairs[i];
			if (p->name_len != len || memcmp(p->name, name, len) != 0)
				continue;
			if (!first)
				first = p->value;
			n++;
		}
	}
	if (count)
		*count = n;
	return first;
}

void form_free(struct form *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->count; i++) {
		free(f->pairs[i].name);
		/* A value may be a client secret. */
		wipe_free(f->pairs[i].value, f->pairs[i].value_len);
	}
	free(f->pairs);
	f->pairs = NULL;
	f->count = 0;
}

/* ---- HTTP Basic client authentication ---- */

static bool http_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* RFC 9110 §5.6.2: tchar, a character that may continue a token. */
static bool tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/*
 * Decode the padded base64 s[0..n) into out (FORM_MAX_CREDENTIALS bytes).
 * The padding is required and must be exact, and the unused bits of the
 * last group zero (RFC 4648 §3.5 lets a decoder refuse them, and we do,
 * so that one credential has one encoding). Returns NULL or the reason.
 */
static const char *b64_decode_padded(const char *s, size_t n, unsigned char *out,
                                     size_t *outlen)
{
	static const char noncanonical[] =
		"the credentials are not canonical base64: unused bits are not zero";
	size_t i, pad = 0, data, o = 0;
	uint32_t v = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '=') {
			pad++;
			continue;
		}
		if (http_space(c))
			return "whitespace inside the base64 credentials";
		if (b64_std_value(c) < 0)
			return "the credentials are not base64: a character outside its alphabet";
		if (pad)
			return "the credentials are not base64: '=' before the end";
	}
	data = n - pad;
	if (pad > 2 || data % 4 == 1)
		return "the credentials are not base64: a length that no byte string encodes to";
	if (n % 4 != 0 && pad == 0)
		return "the base64 credentials lack their '=' padding (RFC 4648 section 4)";
	if (n % 4 != 0)
		return "the base64 credentials have the wrong amount of '=' padding";
	if (b64url_decoded_max(data) > FORM_MAX_CREDENTIALS)
		return "the credentials are over 1024 bytes once decoded";
	for (i = 0; i < data; i++) {
		v = v << 6 | (uint32_t)b64_std_value((unsigned char)s[i]);
		if (i % 4 == 3) {
			out[o++] = (unsigned char)(v >> 16);
			out[o++] = (unsigned char)(v >> 8);
			out[o++] = (unsigned char)v;
			v = 0;
		}
	}
	if (data % 4 == 2) {
		/* 12 bits: 8 of data, 4 that must be zero. */
		if (v & 0xf)
			return noncanonical;
		out[o++] = (unsigned char)(v >> 4);
	} else if (data % 4 == 3) {
		/* 18 bits: 16 of data, 2 that must be zero. */
		if (v & 0x3)
			return noncanonical;
		out[o++] = (unsigned char)(v >> 10);
		out[o++] = (unsigned char)(v >> 2);
	}
	*outlen = o;
	return NULL;
}

int form_basic_credentials(const char *header, size_t len, char **client_id, char **secret,
                           size_t *secret_len, char *why, size_t whylen)
{
	static const char scheme[] = "basic";
	const size_t slen = sizeof(scheme) - 1;
	unsigned char raw[FORM_MAX_CREDENTIALS];
	const unsigned char *colon;
	size_t rawlen = 0, idlen, seclen = 0, i;
	char *id = NULL, *sec = NULL;
	const char *reason;
	int rc = WRIT_EINVAL;

	if (why && whylen)
		why[0] = '\0';
	if (!client_id || !secret || !secret_len) {
		say(why, whylen, "invalid argument");
		return WRIT_EINVAL;
	}
	*client_id = *secret = NULL;
	*secret_len = 0;
	if (!header && len) {
		say(why, whylen, "invalid argument");
		return WRIT_EINVAL;
	}

	/* RFC 7235 §2.1: the scheme is case-insensitive. RFC 7617 §2 and
	 * RFC 7235 allow one or more spaces after it; we take exactly one. */
	for (i = 0; i < slen && i < len; i++)
		if ((header[i] | 0x20) != scheme[i])
			break;
	if (i < slen || (len > slen && tchar((unsigned char)header[slen]))) {
		say(why, whylen, "the Authorization header is not HTTP Basic authentication");
		return WRIT_EINVAL;
	}
	if (len == slen || (len == slen + 1 && header[slen] == ' ')) {
		say(why, whylen, "no credentials after Basic");
		return WRIT_EINVAL;
	}
	if (header[slen] != ' ' || http_space((unsigned char)header[slen + 1])) {
		say(why, whylen,
		    "Basic must be followed by exactly one space, then the credentials");
		return WRIT_EINVAL;
	}

	reason = b64_decode_padded(header + slen + 1, len - slen - 1, raw, &rawlen);
	if (reason) {
		say(why, whylen, "%s", reason);
		goto out;
	}
	colon = memchr(raw, ':', rawlen);
	if (!colon) {
		say(why, whylen, "no ':' between the client id and the secret in the credentials");
		goto out;
	}
	idlen = (size_t)(colon - raw);
	seclen = rawlen - idlen - 1;
	id = malloc(idlen + 1);
	sec = malloc(seclen + 1);
	if (!id || !sec) {
		say(why, whylen, "out of memory");
		rc = WRIT_ENOMEM;
		goto out;
	}
	/* RFC 6749 §2.3.1: both were form-urlencoded before base64. */
	if (!urldecode((const char *)raw, idlen, id, &idlen)) {
		say(why, whylen, "malformed percent-escape in the client id");
		goto out;
	}
	reason = validate_client_id(id, idlen);
	if (reason) {
		say(why, whylen, "%s", reason);
		goto out;
	}
	if (!urldecode((const char *)colon + 1, seclen, sec, secret_len)) {
		say(why, whylen, "malformed percent-escape in the client secret");
		goto out;
	}
	if (memchr(sec, '\0', *secret_len)) {
		say(why, whylen, "the client secret contains a NUL byte");
		goto out;
	}
	*client_id = id;
	*secret = sec;
	id = sec = NULL;
	rc = WRIT_OK;
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	free(id);
	if (sec)
		wipe_free(sec, seclen + 1);
	if (rc != WRIT_OK)
		*secret_len = 0;
	return rc;
}
