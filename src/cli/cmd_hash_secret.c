/* cmd_hash_secret.c: writ hash-secret: the hash of an app secret for a policy. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

#include "cli.h"

/* The longest secret accepted, in bytes (after the newline is removed). */
#define SECRET_MAX 1024
/* Random bytes of a generated secret: 43 base64url characters. */
#define GENERATED_BYTES 32

static const char usage[] =
	"Usage: writ hash-secret [--generate]\n"
	"\n"
	"Read an app's client secret from standard input and print its hash, the\n"
	"PHC string to store on the app's `secret` line in place of the secret:\n"
	"scrypt with N=2^15, r=8, p=1, a random 16-byte salt and a 32-byte hash.\n"
	"The secret is exactly the bytes read, except that one trailing newline\n"
	"(\"\\n\" or \"\\r\\n\") is removed, as typing a secret ends with Enter. It\n"
	"must not be empty nor longer than 1024 bytes. At a terminal, type the\n"
	"secret, press Enter, then Ctrl-D. Each run uses a new salt, so hashing one\n"
	"secret twice gives two different hashes; both match it.\n"
	"\n"
	"With --generate, standard input is not read: a strong random secret is\n"
	"made (32 random bytes, 43 base64url characters) and two lines printed,\n"
	"\"secret: SECRET\" and \"hash: HASH\". Give the secret to the app, keep the\n"
	"hash in the policy.\n"
	"\n"
	"Options:\n"
	"  -g, --generate    make a random secret and print it with its hash\n"
	"  -h, --help        show this help and exit\n"
	"\n"
	"Exit status: 0 success; 2 usage error, or a secret that is empty, too long\n"
	"or unreadable.\n";

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Wipe a buffer in a way the compiler keeps. */
static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

/*
 * Read all of standard input into buf (at most max + 2 bytes, so that a
 * secret of max bytes followed by "\r\n" fits); *len receives its length,
 * the trailing newline removed. Returns EXIT_OK or EXIT_USAGE with the
 * error printed.
 */
static int read_secret(char *buf, size_t max, size_t *len)
{
	size_t n = 0, got;

	for (;;) {
		got = fread(buf + n, 1, max + 2 - n, stdin);
		n += got;
		if (got == 0 || n == max + 2)
			break;
	}
	if (ferror(stdin)) {
		cli_error("hash-secret", "cannot read the secret from standard input");
		return EXIT_USAGE;
	}
	/* Anything past max + 2 bytes makes the secret too long in any case. */
	if (n == max + 2 && getc(stdin) != EOF)
		n = max + 3;
	if (n > 0 && n <= max + 2 && buf[n - 1] == '\n') {
		n--;
		if (n > 0 && buf[n - 1] == '\r')
			n--;
	}
	if (n == 0) {
		cli_error("hash-secret", "the secret is empty");
		return EXIT_USAGE;
	}
	if (n > max) {
		cli_error("hash-secret", "the secret is longer than %d bytes", SECRET_MAX);
		return EXIT_USAGE;
	}
	*len = n;
	return EXIT_OK;
}

/* A random secret: GENERATED_BYTES from the kernel's generator (the one
 * OpenSSL seeds from), in base64url without padding, NUL-terminated. */
static int generate(char *out)
{
	unsigned char raw[GENERATED_BYTES];
	size_t i, o = 0;
	uint32_t v;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		cli_error("hash-secret", "cannot get random bytes: %s", strerror(errno));
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(raw); i += 3) {
		size_t left = sizeof(raw) - i;

		v = (uint32_t)raw[i] << 16;
		if (left > 1)
			v |= (uint32_t)raw[i + 1] << 8;
		if (left > 2)
			v |= raw[i + 2];
		out[o++] = b64url[v >> 18];
		out[o++] = b64url[(v >> 12) & 63];
		if (left > 1)
			out[o++] = b64url[(v >> 6) & 63];
		if (left > 2)
			out[o++] = b64url[v & 63];
	}
	out[o] = '\0';
	wipe(raw, sizeof(raw));
	return EXIT_OK;
}

static int run(int argc, char **argv)
{
	static const struct option options[] = {
		{ "generate", no_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char secret[SECRET_MAX + 2], *phc = NULL;
	size_t len = 0;
	int c, gen = 0, rc, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:gh", options, NULL)) != -1) {
		switch (c) {
		case 'g': gen = 1; break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("hash-secret", "unknown option '%s'",
			                       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("hash-secret", "unexpected argument '%s'", argv[optind]);
	status = gen ? generate(secret) : read_secret(secret, SECRET_MAX, &len);
	if (status != EXIT_OK) {
		wipe(secret, sizeof(secret));
		return status;
	}
	if (gen)
		len = strlen(secret);
	rc = writ_secret_hash(secret, len, &phc);
	if (rc != WRIT_OK) {
		wipe(secret, sizeof(secret));
		cli_error("hash-secret", "%s", writ_strerror(rc));
		return EXIT_USAGE;
	}
	if (gen)
		printf("secret: %s\nhash: %s\n", secret, phc);
	else
		printf("%s\n", phc);
	wipe(secret, sizeof(secret));
	free(phc);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("hash-secret", "cannot write standard output");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

const struct command cmd_hash_secret = {
	.name = "hash-secret",
	.summary = "hash an app secret for a policy",
	.usage = usage,
	.run = run,
};
