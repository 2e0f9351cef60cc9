/*
 * cmd_serve.c: writ serve, the token service: options, the listening
 * socket, signals, reloads (SIGHUP and --watch) and the drain on exit.
 * serve.h says where the other parts are.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "serve.h"

static const char usage[] =
	"Usage: writ serve --policy PATH [--listen HOST:PORT] [--module-dir DIR]\n"
	"                  [--generate-missing-keys] [--watch] [options]\n"
	"\n"
	"Run the token service: the OAuth 2.0 client_credentials grant (RFC 6749\n"
	"section 4.4) with resource indicators (RFC 8707), signing RFC 9068 access\n"
	"tokens with the issuer's current signing key. With the issuer\n"
	"\"https://auth.example.com/oidc\" it answers:\n"
	"\n"
	"  POST /oidc/token                             the token endpoint\n"
	"  GET  /oidc/jwks                              the public signing keys\n"
	"  GET  /oidc/.well-known/openid-configuration  metadata (RFC 8414)\n"
	"  GET  /.well-known/oauth-authorization-server[/oidc]  the same\n"
	"  GET  /healthz                                \"ok\" while serving\n"
	"  GET  /metrics                                Prometheus metrics\n"
	"  any  /authz?resource=URI                     nginx auth_request: may the\n"
	"                                               request in X-Original-Method\n"
	"                                               and X-Original-URI go through?\n"
	"  any  PREFIX/...                              with --authz-prefix PREFIX,\n"
	"                                               Envoy ext_authz: may this very\n"
	"                                               request, its path after PREFIX,\n"
	"                                               go through?\n"
	"\n"
	"SIGHUP reloads the policy and keys; a policy that does not load leaves\n"
	"the old one serving. SIGTERM and SIGINT stop accepting, let requests in\n"
	"flight finish and exit 0. Log lines (JSON, one per token request and one\n"
	"per /authz decision) go to standard error; they never hold a secret or a\n"
	"token.\n"
	"\n"
	"The service speaks plain HTTP: keep it on loopback or behind a proxy that\n"
	"terminates TLS (client secrets travel in every token request).\n"
	"\n"
	"Options:\n"
	"  -p, --policy PATH              policy file or directory (repeatable)\n"
	"  -l, --listen HOST:PORT         address to listen on (default 127.0.0.1:8080;\n"
	"                                 [::1]:8080 for IPv6; port 0 picks a free one)\n"
	"      --module-dir DIR           where stack modules are looked up\n"
	"      --generate-missing-keys    create a signing key file that does not\n"
	"                                 exist (ES256, mode 0600) and say so\n"
	"  -w, --watch                    reload when a policy or key file changes\n"
	"      --threads N                HTTP threads, each with its own listening\n"
	"                                 socket on the port, and as many threads for\n"
	"                                 slow secret hashes (default: one per core)\n"
	"      --max-connections N        open connections at most (default 1024)\n"
	"      --max-connections-per-address N\n"
	"                                 from one address at most (default 256)\n"
	"      --timeout SECONDS          close a connection idle this long, 1 to\n"
	"                                 3600 (default 10)\n"
	"      --request-timeout SECONDS  close a connection whose request has not\n"
	"                                 arrived in full this long after it opened\n"
	"                                 or after its last answer, 1 to 3600\n"
	"                                 (default 30)\n"
	"      --max-auth-failures N      failed client authentications an address\n"
	"                                 may make per minute before it is answered\n"
	"                                 429 until the minute ends (default 10;\n"
	"                                 0: no limit)\n"
	"      --authz-prefix PREFIX      decide every request under PREFIX (e.g.\n"
	"                                 /ext-authz; any method) as Envoy's ext_authz\n"
	"                                 HTTP service sends it: its own method and\n"
	"                                 Authorization, the path and query after PREFIX\n"
	"      --authz-resource URI       the resource those requests are decided for,\n"
	"                                 and /authz's without ?resource= (default:\n"
	"                                 the policy's default resource)\n"
	"      --pid-file FILE            write the process id to FILE\n"
	"  -h, --help                     show this help and exit\n"
	"\n"
	"Exit status: 0 after SIGTERM or SIGINT; 2 usage error, or the policy, a\n"
	"key or the address cannot be used at start-up.\n";

enum {
	OPT_MODULE_DIR = 256,
	OPT_GENERATE_KEYS,
	OPT_THREADS,
	OPT_MAX_CONNECTIONS,
	OPT_MAX_PER_ADDRESS,
	OPT_TIMEOUT,
	OPT_REQUEST_TIMEOUT,
	OPT_MAX_AUTH_FAILURES,
	OPT_PID_FILE,
	OPT_AUTHZ_PREFIX,
	OPT_AUTHZ_RESOURCE,
};

struct serve_args {
	struct serve_config cfg;
	struct serve_http_config http;
	const char *listen, *pid_file;
	bool watch;
};

static int number(const char *opt, const char *text, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v < min || v > max)
		return cli_usage_error("serve", "%s wants a number from %u to %u, not '%s'", opt,
		                       min, max, text);
	*out = (unsigned)v;
	return 0;
}

/* A prefix that every reader of a path reads alike: "/" and segments of
 * RFC 3986 unreserved characters (section 2.3), none empty, "." or "..",
 * and no '/' at the end (PREFIX/x is matched as PREFIX, then "/x"). */
static bool prefix_ok(const char *p)
{
	const char *seg;
	size_t n;

	if (p[0] != '/' || strlen(p) > 256)
		return false;
	while (*p == '/') {
		seg = p + 1;
		n = strspn(seg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");
		if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		p = seg + n;
	}
	return *p == '\0';
}

static int parse(int argc, char **argv, struct serve_args *a)
{
	static const struct option options[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "listen", required_argument, NULL, 'l' },
		{ "module-dir", required_argument, NULL, OPT_MODULE_DIR },
		{ "generate-missing-keys", no_argument, NULL, OPT_GENERATE_KEYS },
		{ "watch", no_argument, NULL, 'w' },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS },
		{ "max-connections-per-address", required_argument, NULL, OPT_MAX_PER_ADDRESS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT },
		{ "max-auth-failures", required_argument, NULL, OPT_MAX_AUTH_FAILURES },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "authz-prefix", required_argument, NULL, OPT_AUTHZ_PREFIX },
		{ "authz-resource", required_argument, NULL, OPT_AUTHZ_RESOURCE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = 0;

	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, "+:p:l:wh", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_push(&a->cfg.policy_paths, &a->cfg.npolicy_paths, optarg) < 0)
				return -1;
			break;
		case 'l':
			a->listen = optarg;
			break;
		case OPT_MODULE_DIR:
			a->cfg.module_dir = optarg;
			break;
		case OPT_GENERATE_KEYS:
			a->cfg.generate_keys = true;
			break;
		case 'w':
			a->watch = true;
			break;
		case OPT_THREADS:
			rc = number("--threads", optarg, 1, 256, &a->http.threads);
			break;
		case OPT_MAX_CONNECTIONS:
			rc = number("--max-connections", optarg, 1, 1000000, &a->http.max_connections);
			break;
		case OPT_MAX_PER_ADDRESS:
			rc = number("--max-connections-per-address", optarg, 1, 1000000,
			            &a->http.max_per_address);
			break;
		case OPT_TIMEOUT:
			rc = number("--timeout", optarg, 1, 3600, &a->http.timeout);
			break;
		case OPT_REQUEST_TIMEOUT:
			rc = number("--request-timeout", optarg, 1, 3600, &a->http.request_timeout);
			break;
		case OPT_MAX_AUTH_FAILURES:
			rc = number("--max-auth-failures", optarg, 0, 1000000,
			            &a->cfg.max_auth_failures);
			break;
		case OPT_PID_FILE:
			a->pid_file = optarg;
			break;
		case OPT_AUTHZ_PREFIX:
			if (!prefix_ok(optarg))
				return cli_usage_error(
					"serve",
					"--authz-prefix wants a path such as /ext-authz: '/' then "
					"segments of letters, digits, '-', '.', '_' and '~', no '.' "
					"or '..' segment and no '/' at the end, not '%s'",
					optarg);
			a->http.authz_prefix = optarg;
			break;
		case OPT_AUTHZ_RESOURCE:
			a->http.authz_resource = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case ':':
			return cli_usage_error("serve", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("serve", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (rc)
		return rc;
	if (optind < argc)
		return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
	if (!a->cfg.npolicy_paths)
		return cli_usage_error("serve", "--policy is required");
	return 0;
}

/* Split HOST:PORT ([V6]:PORT for IPv6) into host and port. */
static int split_listen(const char *text, char *host, size_t hostsz, const char **port)
{
	const char *colon;
	size_t n;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':')
			return -1;
		n = (size_t)(close - text - 1);
		if (n == 0 || n >= hostsz)
			return -1;
		memcpy(host, text + 1, n);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon || strchr(text, ':') != colon)
			return -1;
		n = (size_t)(colon - text);
		if (n == 0 || n >= hostsz)
			return -1;
		memcpy(host, text, n);
	}
	host[n] = '\0';
	*port = colon + 1;
	/* getaddrinfo() takes any number and keeps its low 16 bits. */
	n = strspn(*port, "0123456789");
	if (n == 0 || n > 5 || (*port)[n] != '\0' || strtol(*port, NULL, 10) > 65535)
		return -1;
	return 0;
}

/* A socket listening on addr, non-blocking, sharing its port with the
 * other HTTP threads' sockets; -1 with errno set. */
static int listen_shared(const struct sockaddr *addr, socklen_t len)
{
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, err;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(fd, addr, len) < 0 || listen(fd, 1024) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* The address HOST:PORT resolves to that a socket can bind to, the port
 * filled in when it is 0. A plain bind, without SO_REUSEPORT, tells a port
 * in use, even by sockets that share theirs. -1 on failure (said). */
static int free_address(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[256];
	const char *port;
	int fd = -1, rc, one = 1, err = 0;

	if (split_listen(text, host, sizeof(host), &port) < 0) {
		cli_usage_error("serve", "--listen wants HOST:PORT or [IPV6]:PORT with a port from 0 "
		                "to 65535, not '%s'", text);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		cli_error("serve", "cannot listen on %s: %s", text, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		*len = sizeof(*ss);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
		    getsockname(fd, (struct sockaddr *)ss, len) < 0) {
			err = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		cli_error("serve", "cannot listen on %s: %s", text, strerror(err));
		return -1;
	}
	close(fd);
	return 0;
}

/* n sockets listening on HOST:PORT, one per HTTP thread, into fds; the
 * address as text into shown. -1 on failure (said). */
static int listen_on(const char *text, int *fds, size_t n, char *shown, size_t shownsz)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char num[NI_MAXHOST], serv[NI_MAXSERV];
	size_t i;

	if (free_address(text, &ss, &len) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((fds[i] = listen_shared((struct sockaddr *)&ss, len)) < 0) {
			cli_error("serve", "cannot listen on %s: %s", text, strerror(errno));
			while (i > 0)
				close(fds[--i]);
			return -1;
		}
	}
	if (getnameinfo((struct sockaddr *)&ss, len, num, sizeof(num), serv, sizeof(serv),
	                NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(shown, shownsz, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", num, serv);
	else
		snprintf(shown, shownsz, "%s", text);
	return 0;
}

/* ---- --watch: a fingerprint of every file the served state came from ---- */

static void mix(unsigned long long *h, const struct stat *st)
{
	unsigned long long v[] = {
		(unsigned long long)st->st_ino, (unsigned long long)st->st_size,
		(unsigned long long)st->st_mtim.tv_sec, (unsigned long long)st->st_mtim.tv_nsec,
		(unsigned long long)st->st_mode,
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		*h = (*h ^ v[i]) * 1099511628211ull;
}

static void fingerprint_path(unsigned long long *h, const char *path)
{
	struct stat st;
	struct dirent *e;
	DIR *d;

	if (stat(path, &st) != 0) {
		*h = (*h ^ 0xdead) * 1099511628211ull;
		return;
	}
	mix(h, &st);
	if (!S_ISDIR(st.st_mode) || !(d = opendir(path)))
		return;
	while ((e = readdir(d)) != NULL) {
		char sub[PATH_MAX];
		size_t n = strlen(e->d_name);
		if (n > 5 && strcmp(e->d_name + n - 5, ".writ") == 0 &&
		    (size_t)snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) < sizeof(sub) &&
		    stat(sub, &st) == 0)
			mix(h, &st);
	}
	closedir(d);
}

static unsigned long long fingerprint(const struct serve_config *cfg)
{
	unsigned long long h = 14695981039346656037ull;
	struct served *s = served_current();
	size_t i;

	for (i = 0; i < cfg->npolicy_paths; i++)
		fingerprint_path(&h, cfg->policy_paths[i]);
	if (s) {
		for (i = 0; i < writ_issuer_key_count(s->policy); i++)
			fingerprint_path(&h, writ_issuer_key_path(s->policy, i));
		served_put(s);
	}
	return h;
}

static void reload(const struct serve_args *a, const char *why)
{
	struct served *s;
	char unfit[512];

	serve_log("reload", json_pack("{s:s}", "reason", why));
	s = served_load(&a->cfg);
	if (s && !serve_authz_fits(&a->http, s, unfit, sizeof(unfit))) {
		serve_logf("%s", unfit);
		served_put(s);
		s = NULL;
	}
	stats_reload(s != NULL);
	if (!s) {
		serve_log("reload_failed", json_pack("{s:s}", "message",
		                                     "the old policy and keys keep serving"));
		return;
	}
	served_install(s);
	serve_log("reloaded", json_pack("{s:s, s:I}", "issuer", writ_issuer(s->policy),
	                                "keys", (json_int_t)writ_issuer_key_count(s->policy)));
}

/* Wait for signals; reload on SIGHUP (and file changes with --watch);
 * return on SIGTERM or SIGINT. */
static void run(const struct serve_args *a, const sigset_t *set)
{
	struct timespec tick = { 1, 0 };
	unsigned long long seen = a->watch ? fingerprint(&a->cfg) : 0;
	siginfo_t info;
	int sig;

	for (;;) {
		sig = sigtimedwait(set, &info, &tick);
		if (sig == SIGTERM || sig == SIGINT) {
			serve_log("stopping", json_pack("{s:s}", "signal",
			                                sig == SIGTERM ? "SIGTERM" : "SIGINT"));
			return;
		}
		if (sig == SIGHUP)
			reload(a, "SIGHUP");
		if (a->watch && fingerprint(&a->cfg) != seen) {
			if (sig != SIGHUP)
				reload(a, "a watched file changed");
			/* Taken after the reload: its key files may be others. */
			seen = fingerprint(&a->cfg);
		}
	}
}

static int write_pid_file(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
		cli_error("serve", "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int serve(struct serve_args *a)
{
	struct served *s;
	sigset_t set;
	char shown[300], unfit[512];
	int *fds = NULL;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	/* Every thread started from here on inherits the mask, so the
	 * signals reach only sigtimedwait() in run(). */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	throttle_configure(a->cfg.max_auth_failures, a->cfg.throttle_window);
	if (!(s = served_load(&a->cfg)))
		return EXIT_USAGE;
	if (!serve_authz_fits(&a->http, s, unfit, sizeof(unfit))) {
		cli_error("serve", "%s", unfit);
		served_put(s);
		return EXIT_USAGE;
	}
	served_install(s);
	if (!a->http.threads)
		a->http.threads = cores > 0 ? (unsigned)cores : 1;
	fds = calloc(a->http.threads, sizeof(*fds));
	if (!fds || listen_on(a->listen, fds, a->http.threads, shown, sizeof(shown)) < 0)
		goto fail;
	a->http.listen_fds = fds;
	a->http.nlisten = a->http.threads;
	if (!serve_http_start(&a->http))
		goto fail;
	if (a->pid_file && write_pid_file(a->pid_file) < 0) {
		serve_http_stop(0);
		goto fail;
	}
	s = served_current();
	serve_log("listening", json_pack("{s:s, s:s, s:s, s:i}", "address", shown,
	                                 "issuer", writ_issuer(s->policy),
	                                 "token_endpoint", s->token_path,
	                                 "threads", (int)a->http.threads));
	served_put(s);
	run(a, &set);
	serve_http_stop(10);
	if (a->pid_file)
		unlink(a->pid_file);
	served_install(NULL);
	stats_cleanup();
	serve_log("stopped", NULL);
	free(fds);
	return EXIT_OK;
fail:
	served_install(NULL);
	free(fds);
	return EXIT_USAGE;
}

static int run_serve(int argc, char **argv)
{
	struct serve_args a;
	int rc;

	memset(&a, 0, sizeof(a));
	a.listen = "127.0.0.1:8080";
	a.cfg.max_auth_failures = 10;
	a.cfg.throttle_window = 60;
	a.http.max_connections = 1024;
	a.http.max_per_address = 256;
	a.http.timeout = 10;
	a.http.request_timeout = 30;
	rc = parse(argc, argv, &a);
	if (rc < 0)
		cli_error("serve", "%s", writ_strerror(WRIT_ENOMEM));
	if (rc == 0)
		rc = serve(&a);
	else
		rc = rc == 1 ? EXIT_OK : EXIT_USAGE;
	free(a.cfg.policy_paths);
	return rc;
}

const struct command cmd_serve = {
	"serve",
	"run the token service (client_credentials, JWKS, metadata)",
	usage,
	run_serve,
};
