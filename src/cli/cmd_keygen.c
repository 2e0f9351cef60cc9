/* cmd_keygen.c: writ keygen: a signing key and its public key set. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
	"Usage: writ keygen --alg ES256|ES384|RS256|EdDSA --out KEY.pem\n"
	"                   [--kid KID] [--jwks OUT.json]\n"
	"\n"
	"Generate a private signing key and write it as PEM to KEY.pem, a new file\n"
	"of mode 0600 (an existing file is never overwritten). Then print the\n"
	"public key set (JWKS) that validators need, or write it to OUT.json.\n"
	"The key's kid is its RFC 7638 thumbprint unless --kid is given.\n"
	"RS256 keys are 3072-bit RSA.\n"
	"\n"
	"Options:\n"
	"  -a, --alg ALG     ES256 (P-256), ES384 (P-384), RS256 (RSA) or EdDSA (Ed25519)\n"
	"  -o, --out FILE    where to write the private key\n"
	"  -k, --kid KID     the key id to publish instead of the thumbprint\n"
	"  -j, --jwks FILE   write the public key set to FILE instead of printing it\n"
	"  -h, --help        show this help and exit\n"
	"\n"
	"Exit status: 0 success; 2 usage error or a file that cannot be written.\n";

/* {"keys":[JWK]} with a trailing newline, written to a new file or stdout. */
static int write_jwks(const char *path, const char *jwk)
{
	FILE *f = stdout;
	int fd, ok;

	if (path) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || !(f = fdopen(fd, "w"))) {
			cli_error("keygen", "cannot create %s: %s", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return EXIT_USAGE;
		}
	}
	fprintf(f, "{\"keys\":[%s]}\n", jwk);
	ok = fflush(f) == 0 && !ferror(f);
	if (path && fclose(f) != 0)
		ok = 0;
	if (!ok) {
		cli_error("keygen", "cannot write %s", path ? path : "standard output");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int run(int argc, char **argv)
{
	static const struct option options[] = {
		{ "alg", required_argument, NULL, 'a' },
		{ "out", required_argument, NULL, 'o' },
		{ "kid", required_argument, NULL, 'k' },
		{ "jwks", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *alg = NULL, *out = NULL, *kid = NULL, *jwks = NULL;
	writ_signer *signer = NULL;
	char err[512], *jwk;
	int c, rc, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:a:o:k:j:h", options, NULL)) != -1) {
		switch (c) {
		case 'a': alg = optarg; break;
		case 'o': out = optarg; break;
		case 'k': kid = optarg; break;
		case 'j': jwks = optarg; break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		case ':':
			return cli_usage_error("keygen", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("keygen", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("keygen", "unexpected argument '%s'", argv[optind]);
	if (!alg || !out)
		return cli_usage_error("keygen", "--alg and --out are required");
	if (kid && !*kid)
		return cli_usage_error("keygen", "--kid must not be empty");
	/* Both files are new: fail before making a key that would be left
	 * behind without its public half. */
	if (jwks && access(jwks, F_OK) == 0)
		return cli_usage_error("keygen", "%s exists: writ never overwrites it", jwks);
	rc = writ_key_generate(alg, out, err, sizeof(err));
	if (rc == WRIT_EINVAL)
		return cli_usage_error("keygen", "%s", err);
	if (rc != WRIT_OK) {
		cli_error("keygen", "%s", rc == WRIT_EIO ? err : writ_strerror(rc));
		return EXIT_USAGE;
	}
	rc = writ_signer_load(out, kid, &signer, err, sizeof(err));
	if (rc != WRIT_OK) {
		cli_error("keygen", "%s", rc == WRIT_ENOMEM ? writ_strerror(rc) : err);
		return EXIT_USAGE;
	}
	jwk = writ_signer_public_jwk(signer);
	status = jwk ? write_jwks(jwks, jwk) : EXIT_USAGE;
	if (!jwk)
		cli_error("keygen", "%s", writ_strerror(WRIT_ENOMEM));
	if (status != EXIT_OK)
		unlink(out); /* a key whose public half was not written is useless */
	free(jwk);
	writ_signer_free(signer);
	return status;
}

const struct command cmd_keygen = {
	.name = "keygen",
	.summary = "generate a signing key and its public key set",
	.usage = usage,
	.run = run,
};
