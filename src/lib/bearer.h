/*
 * bearer.h: the two ends of RFC 6750 for a gateway decision: reading the
 * token out of an Authorization header (§2.1), and writing the
 * WWW-Authenticate challenge of a refusal (§3).
 *
 * Both return WRIT_OK, or WRIT_EINVAL (bearer_token: a reason in why that
 * never shows the header's bytes, which may be a token) or WRIT_ERANGE
 * (bearer_challenge: out is too small; *out_len holds the size needed).
 */
#ifndef WRIT_BEARER_H
#define WRIT_BEARER_H

#include <stddef.h>

/*
 * The token of header[0..len): "Bearer" in any case (RFC 9110 §11.1: the
 * scheme is case-insensitive), exactly one space, then a b64token
 * (RFC 6750 §2.1: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" )
 * *"=") and nothing after it. *token points into header; *token_len is
 * its length. Anything else (another scheme, two spaces, a tab, a trailing
 * space, an empty token, a character outside the set) is refused: RFC 6750
 * §3.1 calls that invalid_request.
 */
int bearer_token(const char *header, size_t len, const char **token, size_t *token_len,
                 char *why, size_t whylen);

/*
 * The value of a WWW-Authenticate header refusing a request (RFC 6750
 * §3): Bearer realm="REALM" and, when error is not NULL,
 * error="ERROR", error_description="DESCRIPTION" (when not NULL) and
 * scope="SCOPE" (when not NULL: the scopes needed, for insufficient_scope).
 *
 * RFC 6750 §3 limits error_description to %x20-21 / %x23-5B / %x5D-7E and
 * scope to scope-tokens and spaces; realm is a quoted-string (RFC 9110
 * §5.6.4). To keep every value a plain quoted string that any client
 * parses alike, a byte outside %x20-7E, '"' or '\' in realm or the
 * description is written as '?', and an error or scope outside its set is
 * refused with WRIT_EINVAL (they come from writ, not from the request).
 * out receives a NUL-terminated string.
 */
int bearer_challenge(const char *realm, const char *error, const char *description,
                     const char *scope, char *out, size_t out_size, size_t *out_len);

struct buf;

/* The same value appended to b (util.h): WRIT_OK, WRIT_EINVAL (b
 * untouched) or WRIT_ENOMEM (b.oom). */
int bearer_challenge_buf(struct buf *b, const char *realm, const char *error,
                         const char *description, const char *scope);

#endif
