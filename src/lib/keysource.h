/*
 * keysource.h: a trusted issuer's keys as a verifier sees them, for the
 * gateway (gateway.c). The set may be replaced at any time by the thread
 * that refreshes a JWKS URL; a verification takes a reference to the set it
 * uses, so a replaced set lives until the last one using it is done.
 *
 * A verifier given sources (verifier_set_sources) finds a token's key by
 * its kid among every source's set, refuses a kid found in two, checks the
 * alg against the source's algorithms and the iss claim against the
 * source's issuer. Cached verifications remember the source's generation,
 * which the refresher bumps when a set drops a kid: such entries are then
 * verified afresh, so a withdrawn key stops its tokens at once.
 */
#ifndef WRIT_KEYSOURCE_H
#define WRIT_KEYSOURCE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "writ.h"

struct key_source {
	const char *issuer;
	size_t issuer_len;
	unsigned algs;                /* 1 << enum jws_alg allowed */
	pthread_mutex_t lock;         /* guards keys */
	writ_keyset *keys;            /* NULL: none yet */
	atomic_uint generation;
	/* A token named a kid no source has: the owner may want to refetch. */
	void (*unknown_kid)(struct key_source *src);
};

/* The current set, a new reference (NULL: none), and the generation it
 * belongs to (when generation is not NULL). */
writ_keyset *key_source_keys(struct key_source *src, unsigned *generation);
/* Replace the set (taking over the reference to keys), bumping the
 * generation when a kid of the old set is missing from the new one. */
void key_source_replace(struct key_source *src, writ_keyset *keys);

/* The sources replace the verifier's keys and issuer. The verifier borrows
 * the array src itself, not a copy, and the sources it points to: both
 * must outlive it. With sources, each source's algs decide which
 * algorithms its keys may sign with: the verifier's own list
 * (writ_verifier_set_algorithms) is opened to every algorithm, and a later
 * call to it narrows what all the sources accept. WRIT_OK or WRIT_EINVAL. */
int verifier_set_sources(writ_verifier *v, struct key_source *const *src, size_t n);

#endif
