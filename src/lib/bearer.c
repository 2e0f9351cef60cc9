/* bearer.c: RFC 6750 Authorization headers and challenges (bearer.h). */
#include "config.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "bearer.h"
#include "util.h"
#include "writ.h"

/* RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
 * "+" / "/" ) *"=". The block scan in bearer_token tests the same set as
 * ranges: '-' '.' '/' and the digits are 0x2d-0x39. */
static bool b64token_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

int bearer_token(const char *header, size_t len, const char **token, size_t *token_len,
                 char *why, size_t whylen)
{
	size_t i, n;

	*token = NULL;
	*token_len = 0;
	if (!header) {
		put_reason(why, whylen, "%s", "no Authorization header");
		return WRIT_EINVAL;
	}
	if (len < 7 || strncasecmp(header, "Bearer ", 7) != 0) {
		put_reason(why, whylen, "%s",
		           "the Authorization header is not \"Bearer\", one space and a token");
		return WRIT_EINVAL;
	}
	header += 7;
	len -= 7;
	/* Sixteen bytes at a time up to the block that ends the b64token
	 * characters, then byte by byte. */
	for (n = 0; n + 16 <= len; n += 16) {
		bytes16 v, ok;
		uint64_t w[2];
		memcpy(&v, header + n, sizeof(v));
		ok = (bytes16)(((bytes16)(v - 0x2d) <= 0x0c) | ((bytes16)(v - 'A') <= 25) |
		               ((bytes16)(v - 'a') <= 25) | (v == '+') | (v == '_') | (v == '~'));
		memcpy(w, &ok, sizeof(w));
		if ((w[0] & w[1]) != UINT64_MAX)
			break;
	}
	for (; n < len && b64token_char((unsigned char)header[n]); n++)
		;
	if (n == 0) {
		put_reason(why, whylen, "%s",
		           len > 0 && header[0] == ' ' ? "more than one space after \"Bearer\""
		                                       : "no token after \"Bearer \"");
		return WRIT_EINVAL;
	}
	for (i = n; i < len && header[i] == '='; i++)
		;
	if (i < len) {
		put_reason(why, whylen,
		           "the token has a character outside the b64token set (RFC 6750 "
		           "section 2.1) at byte %zu",
		           i + 1);
		return WRIT_EINVAL;
	}
	*token = header;
	*token_len = len;
	return WRIT_OK;
}

/* Append a quoted string, each byte that could need escaping as '?'. */
static void put_quoted(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		buf_putc(b, c < 0x20 || c > 0x7e || c == '"' || c == '\\' ? '?' : (char)c);
	}
	buf_putc(b, '"');
}

/* The error codes of RFC 6750 §3.1 and the scope-token set. */
static bool error_ok(const char *e)
{
	return strcmp(e, "invalid_request") == 0 || strcmp(e, "invalid_token") == 0 ||
	       strcmp(e, "insufficient_scope") == 0;
}

/* Scope-tokens separated by single spaces: what writ_check() accepts as a
 * claim, which must not be empty here. */
static bool scope_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && writ_check(s, n, NULL, 0, NULL) == WRIT_OK;
}

int bearer_challenge_buf(struct buf *b, const char *realm, const char *error,
                         const char *description, const char *scope)
{
	if (!realm || (error && !error_ok(error)) || (scope && !scope_ok(scope)) ||
	    ((description || scope) && !error))
		return WRIT_EINVAL;
	buf_puts(b, "Bearer realm=");
	put_quoted(b, realm);
	if (error) {
		buf_puts(b, ", error=\"");
		buf_puts(b, error);
		buf_putc(b, '"');
	}
	if (description) {
		buf_puts(b, ", error_description=");
		put_quoted(b, description);
	}
	if (scope) {
		buf_puts(b, ", scope=\"");
		buf_puts(b, scope);
		buf_putc(b, '"');
	}
	return b->oom ? WRIT_ENOMEM : WRIT_OK;
}

int bearer_challenge(const char *realm, const char *error, const char *description,
                     const char *scope, char *out, size_t out_size, size_t *out_len)
{
	struct buf b;
	int rc;

	if (out_len)
		*out_len = 0;
	if (out && out_size)
		out[0] = '\0';
	if (!out && out_size)
		return WRIT_EINVAL;
	buf_init(&b);
	rc = bearer_challenge_buf(&b, realm, error, description, scope);
	if (rc == WRIT_OK) {
		if (out_len)
			*out_len = b.len;
		if (b.len + 1 > out_size)
			rc = WRIT_ERANGE;
		else
			memcpy(out, b.data, b.len + 1);
	}
	buf_free(&b);
	return rc;
}
