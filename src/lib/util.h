/*
 * util.h: small building blocks shared by the library: an arena for the
 * parse of one load, a growable byte buffer, UTF-8 decoding and hashing.
 */
#ifndef WRIT_UTIL_H
#define WRIT_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- arena: many small allocations freed together ---- */

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t used;  /* bytes used in head */
	size_t avail; /* bytes in head */
};

void arena_init(struct arena *a);
void arena_free(struct arena *a);
/* size bytes aligned for pointers and 64-bit integers (not for long
 * double), zeroed; NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t size);
/* A NUL-terminated copy of s[0..len); NULL when out of memory. */
char *arena_strndup(struct arena *a, const char *s, size_t len);

/* ---- buf: a growable byte string, always NUL-terminated once used ---- */

struct buf {
	char *data;
	size_t len;
	size_t cap;
	bool oom; /* an append failed; the contents are incomplete */
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_append(struct buf *b, const char *s, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Grow by n bytes and return where they start (NUL-terminated after),
 * for the caller to fill; NULL when out of memory. */
char *buf_extend(struct buf *b, size_t n);
/* Write a reason into why (whylen bytes; nothing when whylen is 0). */
void put_reason(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Give up ownership of the contents: a malloc'd string, or NULL on OOM. */
char *buf_steal(struct buf *b);

/* ---- UTF-8 ---- */

/*
 * Decode one code point from s[0..len). Returns its length in bytes (1-4)
 * and stores it in *cp, or returns 0 for an invalid, overlong, surrogate or
 * truncated sequence (RFC 3629).
 */
size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
/* Number of code points in a valid UTF-8 string s[0..len). */
size_t utf8_length(const char *s, size_t len);
/* Append code point cp as UTF-8. */
void buf_put_utf8(struct buf *b, uint32_t cp);

/* Sixteen bytes as one value, for scans that test every byte of a long
 * string (GCC and Clang vector extensions: SIMD where the machine has it,
 * plain words where not). A comparison gives 0xff in each byte where it
 * holds, 0 elsewhere. */
typedef unsigned char bytes16 __attribute__((vector_size(16)));

/* ---- hashing: 64 bits, a word at a time, for tables built once from a
 * policy (the keys are the policy author's; a query only looks up) ---- */
uint64_t hash_bytes(const void *p, size_t len, uint64_t seed);

/* ---- strmap: string -> index, open addressing, built once ---- */

/* One slot: all a lookup reads before the key's bytes, on one line. */
struct strmap_slot {
	const char *key;
	uint64_t hash;  /* the key's: other keys fail it without a read */
	uint32_t len;
	uint32_t value; /* index + 1; 0 = empty */
};

struct strmap {
	struct strmap_slot *slots;
	size_t nslots;   /* power of two */
	size_t count;
	uint64_t seed;
};

/* Prepare for up to `expected` keys. Returns false when out of memory. */
bool strmap_init(struct strmap *m, size_t expected);
void strmap_free(struct strmap *m);
/*
 * Insert key -> value unless present. The key is borrowed and must outlive
 * the map. Returns the value already stored (>= 0) when present, -1 when
 * inserted, -2 when out of memory.
 */
long strmap_put(struct strmap *m, const char *key, size_t len, uint32_t value);
/* The value for key, or -1. */
long strmap_get(const struct strmap *m, const char *key, size_t len);
/*
 * Point every key at another copy of the same bytes: key_of(arg, value)
 * for the key stored with value. The slots stay where they are, so a map
 * built over one copy of the names serves another without a new probe.
 */
void strmap_rekey(struct strmap *m, const char *(*key_of)(const void *arg, uint32_t value),
                  const void *arg);

/* The value of a hexadecimal digit in either case, or -1. */
static inline int hex_digit_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

#endif
