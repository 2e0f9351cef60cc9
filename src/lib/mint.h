/*
 * mint.h: signing an access token whose scopes are already decided, for
 * writ_mint() and the token endpoint (issue.c).
 */
#ifndef WRIT_MINT_H
#define WRIT_MINT_H

#include <stddef.h>
#include <stdint.h>

#include "writ.h"

/* A jti: 16 random bytes in base64url, and its NUL. */
#define MINT_JTI_SIZE 23

/* The lifetime a token for resource r gets: ttl, or when 0 the resource's
 * (else the issuer's) token-ttl. */
uint32_t mint_ttl(const writ_policy *p, long r, uint32_t ttl);

/*
 * Sign an RFC 9068 token for client_id on resource r with the scopes
 * granted[0..glen) (no scope claim when glen is 0), lifetime mint_ttl().
 * *token receives the compact JWS (caller frees) and jti its jti.
 * WRIT_OK, WRIT_EINVAL, WRIT_ENOMEM or WRIT_ECRYPTO.
 */
int mint_token(const writ_signer *s, const writ_policy *p, const char *client_id, long r,
               const char *granted, size_t glen, uint32_t ttl, double now, char **token,
               char jti[MINT_JTI_SIZE]);

#endif
