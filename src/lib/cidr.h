/*
 * cidr.h: lists of IPv4 and IPv6 prefixes for allow/deny rules, such as
 * "10.0.0.0/8,127.0.0.1,2001:db8::/32". A list is parsed once and then only
 * read, by any number of threads.
 *
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d), as a server on a dual-stack
 * socket sees an IPv4 peer, is the IPv4 address it maps, both in a list
 * (::ffff:10.0.0.0/104 is 10.0.0.0/8) and when matched. So it matches
 * IPv4 prefixes but not IPv6 prefixes shorter than /96 such as ::/0: write
 * "0.0.0.0/0,::/0" for every address.
 */
#ifndef WRIT_CIDR_H
#define WRIT_CIDR_H

#include <stddef.h>

struct cidr_list;

/*
 * Parse a comma-separated list of prefixes: an address alone is a /32 or
 * /128. Empty items, spaces, host bits set beyond the prefix length and the
 * same prefix twice are refused. Returns the list, or NULL with the reason
 * in why.
 */
struct cidr_list *cidr_parse(const char *list, char *why, size_t whylen);
/*
 * 1 when the textual address (IPv4 dotted-quad or IPv6, with no zone index
 * or prefix length) is inside a prefix of the list, 0 when not, -1 when the
 * address is malformed.
 */
int cidr_match(const struct cidr_list *l, const char *address);
void cidr_free(struct cidr_list *l);

#endif
