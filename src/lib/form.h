/*
 * form.h: what the token endpoint reads from a request: an
 * application/x-www-form-urlencoded body (RFC 6749 appendix B, parsed as
 * the WHATWG URL standard says, only stricter) and the client credentials
 * of an HTTP Basic Authorization header (RFC 6749 §2.3.1, RFC 7617).
 *
 * Both functions return WRIT_OK, WRIT_EINVAL with a reason in why (which
 * names a parameter by its position or name, never shows a value: values
 * may be secrets), or WRIT_ENOMEM. Nothing is kept between calls.
 */
#ifndef WRIT_FORM_H
#define WRIT_FORM_H

#include <stddef.h>

/* The largest body read, in bytes: the service answers 413 above it. */
#define FORM_MAX_BODY 16384
/* The most name=value pairs in one body. */
#define FORM_MAX_PAIRS 64
/* The largest decoded "id:secret" of a Basic Authorization header. */
#define FORM_MAX_CREDENTIALS 1024

/* One name=value pair, decoded; both strings malloc'd, NUL-terminated. */
struct form_pair {
	char *name;
	size_t name_len;
	char *value;
	size_t value_len;
};

/* Every pair of a body, in order, repeated names included. */
struct form {
	struct form_pair *pairs;
	size_t count;
};

/*
 * Parse body[0..len). Pairs are separated by '&' and empty ones skipped;
 * a pair is split at its first '=' (none: the value is empty); '+' is a
 * space and %XX the byte XX. Names and values must then be UTF-8 with no
 * C0 control (NUL included); values may hold no control at all (C0, DEL
 * or C1). At most FORM_MAX_BODY bytes and FORM_MAX_PAIRS pairs.
 *
 * *out is always initialised: on success the caller frees it with
 * form_free(); on error it is empty. why may be NULL.
 */
int form_parse(const char *body, size_t len, struct form *out, char *why, size_t whylen);

/*
 * The value of the first pair named name (a NUL-terminated string), or
 * NULL when there is none. *count (when count is not NULL) receives how
 * many pairs have that name, so that a caller can refuse a parameter sent
 * more than once (RFC 6749 §3.2).
 */
const char *form_get(const struct form *f, const char *name, int *count);

/* Free the pairs and leave *f empty. f may be NULL. */
void form_free(struct form *f);

/*
 * Read the value of an Authorization header, header[0..len), as HTTP Basic
 * client authentication: "Basic" in any case, one space, then the standard
 * base64 of "id:secret" with its padding, canonical (unused bits zero), no
 * whitespace. The decoded text (at most FORM_MAX_CREDENTIALS bytes) is
 * split at its first ':', and each side form-urldecoded (RFC 6749 §2.3.1).
 * The client id must not be empty and must be printable ASCII (VSCHAR,
 * RFC 6749 appendix A.1); the secret may hold any byte but NUL, and may be
 * empty.
 *
 * On success *client_id and *secret are malloc'd NUL-terminated strings
 * that the caller frees (wiping the secret first is advisable) and
 * *secret_len is the secret's length. On error they are NULL and 0, and
 * why gives the reason without any part of the header.
 */
int form_basic_credentials(const char *header, size_t len, char **client_id, char **secret,
                           size_t *secret_len, char *why, size_t whylen);

#endif
