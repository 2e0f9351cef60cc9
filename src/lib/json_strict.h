/*
 * json_strict.h: JSON as DESIGN §5 requires it of a JWS header or a claims
 * set, which are parsed before any signature is checked: strict RFC 8259,
 * valid UTF-8 with no byte-order mark, exactly one top-level object and
 * nothing after it, no duplicate member name at any depth, and nesting no
 * deeper than JSON_STRICT_MAX_DEPTH.
 */
#ifndef WRIT_JSON_STRICT_H
#define WRIT_JSON_STRICT_H

#include <jansson.h>
#include <stddef.h>

#define JSON_STRICT_MAX_DEPTH 64

/*
 * Parse buf[0..len) as one JSON object. Returns the object (a new
 * reference), or NULL with a short reason in why (at least 128 bytes is
 * plenty; it is always NUL-terminated).
 */
json_t *json_strict_object(const char *buf, size_t len, char *why, size_t whylen);

/*
 * json_dumps(v, flags), except that it is NULL whenever an allocation
 * fails. jansson's json_dumps() does not check every write of its own
 * buffer: with jansson 2.14, an allocation failing while it wrote a key
 * gave a text with that key left out ({"alg":"ES256",:"..."}), returned
 * as a success (tests/unit/test_alloc_fail.c found it). Caller frees with
 * free().
 */
char *json_text(const json_t *v, size_t flags);

#endif
