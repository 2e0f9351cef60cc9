/* cidr.c: IPv4 and IPv6 prefix lists (cidr.h). */
#include "config.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "util.h"

/* The longest item read: an IPv6 address with an IPv4 tail and a length. */
#define MAX_ITEM 64

struct cidr_prefix {
	int family;            /* AF_INET (addr[0..4)) or AF_INET6 */
	unsigned plen;         /* 0-32 or 0-128 */
	unsigned char addr[16];
};

struct cidr_list {
	size_t n;
	struct cidr_prefix prefixes[];
};

/* A piece of the list text, for messages. */
struct item {
	const char *s;
	size_t len;
};


/* s[0..len) fit for a message: printable ASCII, at most MAX_ITEM bytes. */
static const char *shown(const char *s, size_t len, char out[MAX_ITEM + 4])
{
	size_t i, n = len > MAX_ITEM ? MAX_ITEM : len;

	for (i = 0; i < n; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (n < len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/* An IPv4-mapped IPv6 address, ::ffff:0:0/96? */
static bool mapped(const unsigned char a[16])
{
	static const unsigned char prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

/* Does a (as long as the prefix's address) fall inside p? */
static bool inside(const struct cidr_prefix *p, const unsigned char *a)
{
	unsigned full = p->plen / 8, rest = p->plen % 8;
	unsigned char mask;

	if (memcmp(p->addr, a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (unsigned char)(0xff << (8 - rest));
	return ((p->addr[full] ^ a[full]) & mask) == 0;
}

/* The prefix length "len", digits without a leading zero, up to max. */
static bool prefix_length(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	size_t i, n = strlen(s);

	if (n == 0 || n > 3 || (s[0] == '0' && n > 1))
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* Parse one item, "address" or "address/length". */
static bool parse_item(const struct item *it, struct cidr_prefix *p, char *why, size_t whylen)
{
	char text[MAX_ITEM + 1], show[MAX_ITEM + 4], fixed[INET6_ADDRSTRLEN];
	char *slash;
	unsigned max, bytes, i;
	bool host_bits = false;

	if (it->len > MAX_ITEM) {
		put_reason(why, whylen, "%s is not an IPv4 or IPv6 address",
		    shown(it->s, it->len, show));
		return false;
	}
	memcpy(text, it->s, it->len);
	text[it->len] = '\0';
	slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	if (text[0] == '\0') {
		put_reason(why, whylen, "%s has no address before the /", shown(it->s, it->len, show));
		return false;
	}
	memset(p, 0, sizeof(*p));
	p->family = strchr(text, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(p->family, text, p->addr) != 1) {
		put_reason(why, whylen, "%s is not an IPv4 or IPv6 address",
		    shown(text, strlen(text), show));
		return false;
	}
	max = p->family == AF_INET ? 32 : 128;
	p->plen = max;
	if (slash && !prefix_length(slash + 1, max, &p->plen)) {
		put_reason(why, whylen, "%s: the prefix length must be a number from 0 to %u",
		    shown(it->s, it->len, show), max);
		return false;
	}
	bytes = max / 8;
	for (i = 0; i < bytes; i++) {
		unsigned keep = p->plen >= 8 * (i + 1) ? 8 : p->plen > 8 * i ? p->plen - 8 * i : 0;
		unsigned char mask = (unsigned char)(0xff00 >> keep);

		if (p->addr[i] & ~mask) {
			host_bits = true;
			p->addr[i] &= mask;
		}
	}
	if (host_bits) {
		inet_ntop(p->family, p->addr, fixed, sizeof(fixed));
		put_reason(why, whylen, "%s has host bits set; write %s/%u", shown(it->s, it->len, show),
		    fixed, p->plen);
		return false;
	}
	if (p->family == AF_INET6 && p->plen >= 96 && mapped(p->addr)) {
		p->family = AF_INET;
		p->plen -= 96;
		memmove(p->addr, p->addr + 12, 4);
		memset(p->addr + 4, 0, 12);
	}
	return true;
}

static bool same(const struct cidr_prefix *a, const struct cidr_prefix *b)
{
	return a->family == b->family && a->plen == b->plen &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

struct cidr_list *cidr_parse(const char *list, char *why, size_t whylen)
{
	char show[MAX_ITEM + 4], show2[MAX_ITEM + 4];
	struct cidr_list *l = NULL;
	struct item *items = NULL;
	const char *s, *comma;
	size_t n = 1, i, j;

	if (!list || !*list) {
		put_reason(why, whylen, "an address list cannot be empty");
		return NULL;
	}
	for (s = list; *s; s++) {
		if (strchr(" \t\n\r\v\f", *s)) {
			put_reason(why, whylen, "an address list cannot contain white space; "
			                 "separate items with a comma only");
			return NULL;
		}
		n += *s == ',';
	}
	items = calloc(n, sizeof(*items));
	l = calloc(1, sizeof(*l) + n * sizeof(l->prefixes[0]));
	if (!items || !l) {
		put_reason(why, whylen, "out of memory");
		goto fail;
	}
	for (i = 0, s = list; i < n; i++, s = comma + 1) {
		comma = strchr(s, ',');
		if (!comma)
			comma = s + strlen(s);
		items[i].s = s;
		items[i].len = (size_t)(comma - s);
		if (items[i].len == 0) {
			put_reason(why, whylen, "item %zu of the address list is empty "
			                 "(two commas, or a comma at an end)", i + 1);
			goto fail;
		}
		if (!parse_item(&items[i], &l->prefixes[i], why, whylen))
			goto fail;
		for (j = 0; j < i; j++) {
			if (!same(&l->prefixes[j], &l->prefixes[i]))
				continue;
			if (items[j].len == items[i].len &&
			    memcmp(items[j].s, items[i].s, items[i].len) == 0)
				put_reason(why, whylen, "%s is listed twice",
				    shown(items[i].s, items[i].len, show));
			else
				put_reason(why, whylen, "%s is the same as %s, listed before it",
				    shown(items[i].s, items[i].len, show),
				    shown(items[j].s, items[j].len, show2));
			goto fail;
		}
	}
	l->n = n;
	free(items);
	return l;
fail:
	free(items);
	free(l);
	return NULL;
}

int cidr_match(const struct cidr_list *l, const char *address)
{
	unsigned char a[16];
	int family = AF_INET;
	size_t i;

	if (!address)
		return -1;
	if (strchr(address, ':')) {
		if (inet_pton(AF_INET6, address, a) != 1)
			return -1;
		family = AF_INET6;
		if (mapped(a)) {
			family = AF_INET;
			memmove(a, a + 12, 4);
		}
	} else if (inet_pton(AF_INET, address, a) != 1) {
		return -1;
	}
	if (!l)
		return 0;
	for (i = 0; i < l->n; i++)
		if (l->prefixes[i].family == family && inside(&l->prefixes[i], a))
			return 1;
	return 0;
}

void cidr_free(struct cidr_list *l)
{
	free(l);
}
