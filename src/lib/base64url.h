/*
 * base64url.h: the base64url encoding of RFC 4648 §5, in the strict form
 * JWS requires (RFC 7515 §2): no padding, no whitespace, no other alphabet,
 * and unused trailing bits zero, so that every byte string has exactly one
 * encoding and every accepted encoding decodes to exactly one byte string.
 */
#ifndef WRIT_BASE64URL_H
#define WRIT_BASE64URL_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes needed to encode n bytes (no NUL). */
static inline size_t b64url_encoded_len(size_t n)
{
	return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

/* Largest number of bytes that n encoded characters can decode to. */
static inline size_t b64url_decoded_max(size_t n)
{
	return n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
}

/* The 6-bit value of a character of standard base64 (RFC 4648 §4: A-Z
 * a-z 0-9 + /), as HTTP Basic credentials and PHC strings use it; -1 for
 * any other character. */
static inline int b64_std_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Encode in[0..n) into out (b64url_encoded_len(n) bytes, no NUL added). */
void b64url_encode(const unsigned char *in, size_t n, char *out);

enum b64url_error {
	B64URL_OK = 0,
	B64URL_BAD_CHAR,      /* a character outside A-Z a-z 0-9 - _ */
	B64URL_BAD_LENGTH,    /* length % 4 == 1: no byte string encodes to it */
	B64URL_NONZERO_BITS,  /* unused trailing bits are not zero: not canonical */
};

/*
 * Decode in[0..n) into out (b64url_decoded_max(n) bytes); *outlen receives
 * the decoded length. On error, *where receives the offset of the offending
 * character (or n for a length error) when where is not NULL.
 */
enum b64url_error b64url_decode(const char *in, size_t n, unsigned char *out,
                                size_t *outlen, size_t *where);

/* A short English reason for an error code. */
const char *b64url_strerror(enum b64url_error e);

#endif
