/* fuzz-util.c: the helpers of fuzz.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

void fuzz_setup_failed(const char *what)
{
	fprintf(stderr, "fuzz harness set-up failed: %s\n", what);
	abort();
}

char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		fuzz_setup_failed("out of memory");
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* The public keys of the seed tokens: one per key type, kid fuzz-ALG. */
const char fuzz_jwks[] =
	"{\"keys\":["
	"{\"alg\":\"ES256\",\"crv\":\"P-256\",\"kid\":\"fuzz-es256\",\"kty\":\"EC\",\"use\":\"sig\""
	",\"x\":\"aplPHpXcateV7b03dHkN1-jdze7rHDZDYltSQCynrZ8\",\"y\":\"wrymqc0pgoAjDh"
	"dAs3o24ZMc7Zsz54aW92lIINMOkCM\"},"
	"{\"alg\":\"ES384\",\"crv\":\"P-384\",\"kid\":\"fuzz-es384\",\"kty\":\"EC\",\"use\":\"sig\""
	",\"x\":\"7Bj70JfMNN2xGsaXiBk4oh2rl-2egQLyvpPBPuN5kW0iEAFvP8hI1HOpSn0EVWEq"
	"\",\"y\":\"3O7GFgygbbmQi97pIK3y3HPaeFQM6EoGsC3mbnAh5G9Ibf9VX45TWP7urj9pqZr"
	"o\"},"
	"{\"alg\":\"RS256\",\"e\":\"AQAB\",\"kid\":\"fuzz-rs256\",\"kty\":\"RSA\",\"n\":\"pBm4Wp24"
	"SGQALhYJWwQItqJ66PhPl4EVZijJiH-2lRwYLNCVu8xLd7Yr_C_PXpPnKMrP-w5I5fvci0"
	"pF14lJyokfE51k21nKQhZkKciQBv5K6MKgaQJgd2ibNfkgTk6mY2GUrrvM7ndIMN-D-mnj"
	"mMbJEYzejol1W-hZV3tYALwHyRSlK_6LnKga_-7nyoqszGR8T_rG5-fzx3l9z44lylNGCf"
	"WJhcCvdWb5Ad0DUmM3nRT__xbVNKIp2sM3-Xc2OHwaJ8n4K7WprWOXtLooOTG3r3xGOgG-"
	"9xPt84HivOEYZALUkeOSvE5TuDZFG6fjFfv3xKM6qQ0ZA1i9rdyPmNrXYdT5FzOYLzimax"
	"hvMEJ4u4F8J4CXjo0lMsjajP1m53nC2hjYKMspWUkQfysn4EPNXNk4dfLhrAH4J5niswwr"
	"CtWcsL5era4xbTh0s3QGFxKpcQ4FYSNYQOp5FyOz8FDkeFTZEdns2W5wpKKwgdXp5ZPnoz"
	"NHYniAAdh0y28V\",\"use\":\"sig\"},"
	"{\"alg\":\"EdDSA\",\"crv\":\"Ed25519\",\"kid\":\"fuzz-eddsa\",\"kty\":\"OKP\",\"use\":\"s"
	"ig\",\"x\":\"ANSzo4hTm84OXqtv0no0E-DuTT6TGcdGWcKZ0qomiMM\"}"
	"]}";
