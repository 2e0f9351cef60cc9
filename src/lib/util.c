/* util.c: arena, buffer, UTF-8 and hash map helpers (see util.h). */
#include "config.h"

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ---- */

struct arena_chunk {
	struct arena_chunk *next;
	max_align_t data[];
};

enum { ARENA_CHUNK = 64 * 1024 };

void arena_init(struct arena *a)
{
	a->head = NULL;
	a->used = 0;
	a->avail = 0;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head;

	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	arena_init(a);
}

/*
 * Objects are aligned for the widest type the syntax tree and the table
 * hold (pointers, size_t, int64_t), not for max_align_t: nothing in an
 * arena is a long double, and 16-byte alignment costs a node of 40 bytes
 * another 8. Strings need no alignment at all.
 */
enum { ARENA_ALIGN = 8 };
_Static_assert(_Alignof(uint64_t) <= ARENA_ALIGN && _Alignof(void *) <= ARENA_ALIGN &&
                       _Alignof(size_t) <= ARENA_ALIGN,
               "arena objects are aligned to 8 bytes");

/* size bytes aligned to align (a power of two, at most ARENA_ALIGN), not
 * zeroed. */
static void *arena_take(struct arena *a, size_t size, size_t align)
{
	size_t at = (a->used + align - 1) & ~(align - 1);
	void *p;

	if (size > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	if (!a->head || at > a->avail || a->avail - at < size) {
		size_t cap = size > ARENA_CHUNK / 4 ? size : ARENA_CHUNK;
		struct arena_chunk *c;

		if (cap > SIZE_MAX - sizeof(*c))
			return NULL;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		if (cap == size && a->head) {
			/* A large block: keep the current chunk for small ones. */
			c->next = a->head->next;
			a->head->next = c;
			return c->data;
		}
		c->next = a->head;
		a->head = c;
		a->avail = cap;
		at = 0;
	}
	p = (char *)a->head->data + at;
	a->used = at + size;
	return p;
}

void *arena_alloc(struct arena *a, size_t size)
{
	void *p = arena_take(a, size, ARENA_ALIGN);

	if (p)
		memset(p, 0, size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = arena_take(a, len + 1, 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* ---- buf ---- */

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = false;
}

void buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->data)
		b->data[0] = '\0';
}

static bool buf_reserve(struct buf *b, size_t extra)
{
	size_t cap;
	char *p;

	if (b->oom)
		return false;
	if (b->cap > b->len && b->cap - b->len > extra)
		return true; /* room for extra bytes and the NUL */
	if (extra > SIZE_MAX / 2 - b->len) {
		b->oom = true;
		return false;
	}
	cap = b->cap ? b->cap : 64;
	while (cap - b->len <= extra)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void buf_append(struct buf *b, const char *s, size_t len)
{
	if (!buf_reserve(b, len))
		return;
	if (len)
		memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

char *buf_extend(struct buf *b, size_t n)
{
	char *at;

	if (!buf_reserve(b, n))
		return NULL;
	at = b->data + b->len;
	b->len += n;
	b->data[b->len] = '\0';
	return at;
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if (!buf_reserve(b, (size_t)n))
		return;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void put_reason(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

char *buf_steal(struct buf *b)
{
	char *s;

	if (b->oom) {
		buf_free(b);
		return NULL;
	}
	if (!b->data && !buf_reserve(b, 0))
		return NULL;
	if (b->len == 0)
		b->data[0] = '\0';
	s = b->data;
	buf_init(b);
	return s;
}

/* ---- UTF-8 (RFC 3629 §4) ---- */

size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c;
	size_t n, i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0; /* continuation byte, C0/C1 overlong lead, or > U+10FFFF */
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

size_t utf8_length(const char *s, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

void buf_put_utf8(struct buf *b, uint32_t cp)
{
	char out[4];
	size_t n;

	if (cp < 0x80) {
		out[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_append(b, out, n);
}

/* ---- hashing ---- */

/* Eight bytes as one word, in the machine's order: a hash need not be the
 * same across machines, only within the process. */
static inline uint64_t load_word(const unsigned char *s)
{
	uint64_t v;

	memcpy(&v, s, sizeof(v));
	return v;
}

/*
 * A word at a time: each eight bytes are mixed in with one multiplication,
 * so that an identifier of 40 bytes costs five steps instead of the forty
 * dependent multiplications of a byte-wise hash; the tail is read as one
 * short word, its length folded in so that "a" and "a\0" differ. The
 * tables it serves are built from the policy and only looked up with what
 * requests bring, so a flooding attack has nothing to insert.
 */
uint64_t hash_bytes(const void *p, size_t len, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL), tail = 0;

	for (; len >= 8; s += 8, len -= 8) {
		h = (h ^ load_word(s)) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	if (len) {
		memcpy(&tail, s, len);
		h = (h ^ tail) * 0x94d049bb133111ebULL;
	}
	/* Final avalanche so that the low bits used for slots are well mixed. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* ---- strmap ---- */

bool strmap_init(struct strmap *m, size_t expected)
{
	size_t n = 16;

	memset(m, 0, sizeof(*m));
	while (n < expected * 2) {
		if (n > SIZE_MAX / 4 / sizeof(*m->slots))
			return false;
		n *= 2;
	}
	m->slots = calloc(n, sizeof(*m->slots));
	if (!m->slots)
		return false;
	m->nslots = n;
	m->seed = 0x9e3779b97f4a7c15ULL;
	return true;
}

void strmap_free(struct strmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* The slot of key (hashed h), or the empty slot where it would go. */
static struct strmap_slot *strmap_find(const struct strmap *m, const char *key, size_t len,
                                       uint64_t h)
{
	size_t mask = m->nslots - 1;
	size_t i = (size_t)h & mask;

	while (m->slots[i].value) {
		const struct strmap_slot *s = &m->slots[i];
		if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
			break;
		i = (i + 1) & mask;
	}
	return &m->slots[i];
}

static bool strmap_grow(struct strmap *m)
{
	struct strmap bigger;
	size_t i;

	if (!strmap_init(&bigger, m->nslots))
		return false;
	/* The keys are distinct, and the seed the same: each goes to the
	 * first empty slot from its stored hash, with no key read. */
	for (i = 0; i < m->nslots; i++) {
		size_t j, mask = bigger.nslots - 1;
		if (!m->slots[i].value)
			continue;
		for (j = (size_t)m->slots[i].hash & mask; bigger.slots[j].value; j = (j + 1) & mask)
			;
		bigger.slots[j] = m->slots[i];
	}
	bigger.count = m->count;
	strmap_free(m);
	*m = bigger;
	return true;
}

long strmap_put(struct strmap *m, const char *key, size_t len, uint32_t value)
{
	struct strmap_slot *s;
	uint64_t h;

	/* Names are bounded far below this by the loader's limits. */
	if (!m->slots || len > UINT32_MAX || value == UINT32_MAX)
		return -2;
	h = hash_bytes(key, len, m->seed);
	s = strmap_find(m, key, len, h);
	if (s->value)
		return (long)(s->value - 1);
	if ((m->count + 1) * 2 > m->nslots) {
		if (!strmap_grow(m))
			return -2;
		s = strmap_find(m, key, len, h);
	}
	s->key = key;
	s->hash = h;
	s->len = (uint32_t)len;
	s->value = value + 1;
	m->count++;
	return -1;
}

void strmap_rekey(struct strmap *m, const char *(*key_of)(const void *arg, uint32_t value),
                  const void *arg)
{
	size_t i;

	for (i = 0; i < m->nslots; i++)
		if (m->slots[i].value)
			m->slots[i].key = key_of(arg, m->slots[i].value - 1);
}

long strmap_get(const struct strmap *m, const char *key, size_t len)
{
	const struct strmap_slot *s;

	if (!m->slots || len > UINT32_MAX)
		return -1;
	s = strmap_find(m, key, len, hash_bytes(key, len, m->seed));
	return s->value ? (long)(s->value - 1) : -1;
}
