/* validate.c: value syntax rules (see validate.h). */
#include "config.h"

#include <string.h>

#include "util.h"
#include "validate.h"

const char *validate_scope_token(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return "a scope-token cannot be empty";
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (scope_char(c))
			continue;
		if (c == ' ')
			return "a scope-token cannot contain a space";
		if (c == '"' || c == '\\')
			return "a scope-token cannot contain '\"' or '\\'";
		if (c >= 0x80)
			return "a scope-token is printable ASCII only";
		return "a scope-token cannot contain a control character";
	}
	return NULL;
}

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
	return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* RFC 3986 §2: unreserved / reserved / '%' HEXDIG HEXDIG. */
static bool uri_char(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || strchr("-._~:/?#[]@!$&'()*+,;=%", c);
}

/* Scheme, then ':', then a non-empty rest of URI characters. On success
 * *rest is the offset after the colon. */
static const char *validate_absolute_uri(const char *s, size_t len,
                                         size_t *rest)
{
	size_t i;

	if (len == 0)
		return "it is empty";
	if (!is_alpha((unsigned char)s[0]))
		return "it is not an absolute URI: it must start with a scheme such as https:";
	for (i = 1; i < len && s[i] != ':'; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.')
			return "it is not an absolute URI: it must start with a scheme such as https:";
	}
	if (i == len)
		return "it is not an absolute URI: it has no scheme";
	*rest = i + 1;
	if (*rest == len)
		return "it has nothing after the scheme";
	for (i = *rest; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ')
			return "it contains a space";
		if (!uri_char(c))
			return c >= 0x80 ? "it contains a character outside ASCII (percent-encode it)"
			                 : "it contains a character that a URI cannot hold";
		if (c == '%' && (i + 2 >= len || !is_hex((unsigned char)s[i + 1]) ||
		                 !is_hex((unsigned char)s[i + 2])))
			return "it contains a malformed percent-escape";
	}
	return NULL;
}

const char *validate_indicator(const char *s, size_t len)
{
	size_t rest;
	const char *why = validate_absolute_uri(s, len, &rest);

	if (why)
		return why;
	if (memchr(s, '#', len))
		return "it has a fragment, which a resource indicator must not have (RFC 8707 section 2)";
	return NULL;
}

/* Is h[0..len) a dotted IPv4 literal in 127.0.0.0/8? */
static bool loopback_ipv4(const char *h, size_t len)
{
	unsigned parts = 0, value = 0, digits = 0;
	size_t i;

	if (len < 4 || memcmp(h, "127.", 4) != 0)
		return false;
	for (i = 0; i <= len; i++) {
		if (i == len || h[i] == '.') {
			if (digits == 0 || value > 255)
				return false;
			parts++;
			value = digits = 0;
		} else if (is_digit((unsigned char)h[i]) && digits < 3) {
			value = value * 10 + (unsigned)(h[i] - '0');
			digits++;
		} else {
			return false;
		}
	}
	return parts == 4;
}

static bool loopback_host(const char *h, size_t len)
{
	return (len == 9 && memcmp(h, "localhost", 9) == 0) ||
	       (len == 5 && memcmp(h, "[::1]", 5) == 0) || loopback_ipv4(h, len);
}

/*
 * The host of an authority (RFC 3986 §3.2): userinfo is refused (an issuer
 * has none, and "user@host" fools readers), a port must be digits.
 */
static const char *authority_host(const char *a, size_t len, size_t *hlen)
{
	size_t i, h;

	if (memchr(a, '@', len))
		return "it has user information (user@), which an issuer identifier must not have";
	if (len > 0 && a[0] == '[') {
		const char *close = memchr(a, ']', len);
		if (!close)
			return "it has a malformed IPv6 address";
		h = (size_t)(close - a) + 1;
	} else {
		const char *colon = memchr(a, ':', len);
		h = colon ? (size_t)(colon - a) : len;
	}
	if (h < len) {
		if (a[h] != ':' || h + 1 == len)
			return "it has a malformed port";
		for (i = h + 1; i < len; i++)
			if (!is_digit((unsigned char)a[i]))
				return "it has a malformed port";
	}
	if (h == 0)
		return "it has no host (write https://host/path)";
	*hlen = h;
	return NULL;
}

/* An https URL with a host, or http on a loopback host (*loopback_http);
 * issuer identifiers (RFC 8414 section 2) also refuse a query. */
static const char *validate_https_url(const char *s, size_t len, bool issuer,
                                      bool *loopback_http)
{
	size_t rest, host, end, hlen;
	const char *why = validate_absolute_uri(s, len, &rest);

	*loopback_http = false;
	if (why)
		return why;
	if (issuer && memchr(s, '?', len))
		return "it has a query, which an issuer identifier must not have (RFC 8414 section 2)";
	if (memchr(s, '#', len))
		return issuer ? "it has a fragment, which an issuer identifier must not have (RFC 8414 section 2)"
		              : "it has a fragment";
	if (len < rest + 2 || s[rest] != '/' || s[rest + 1] != '/')
		return "it has no host (write https://host/path)";
	host = rest + 2;
	for (end = host; end < len && s[end] != '/'; end++)
		;
	if ((why = authority_host(s + host, end - host, &hlen)))
		return why;
	if (rest == 6 && memcmp(s, "https:", 6) == 0)
		return NULL;
	if (rest == 5 && memcmp(s, "http:", 5) == 0 && loopback_host(s + host, hlen)) {
		*loopback_http = true;
		return NULL;
	}
	return issuer ? "it must use https (RFC 8414 section 2)" : "it must use https";
}

const char *validate_issuer(const char *s, size_t len, bool *loopback_http)
{
	return validate_https_url(s, len, true, loopback_http);
}

const char *validate_jwks_url(const char *s, size_t len, bool *loopback_http)
{
	return validate_https_url(s, len, false, loopback_http);
}

const char *parse_duration(const char *s, size_t len, uint32_t *seconds)
{
	uint64_t v = 0, unit = 1;
	size_t i, digits = len;

	if (len == 0)
		return "a duration cannot be empty";
	switch (s[len - 1]) {
	case 's': unit = 1; digits--; break;
	case 'm': unit = 60; digits--; break;
	case 'h': unit = 3600; digits--; break;
	case 'd': unit = 86400; digits--; break;
	default: break;
	}
	if (digits == 0)
		return "a duration starts with a number";
	for (i = 0; i < digits; i++) {
		if (!is_digit((unsigned char)s[i]))
			return "a duration is a whole number, optionally followed by s, m, h or d";
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > INT32_MAX)
			return "the duration is longer than 2147483647 seconds";
	}
	v *= unit;
	if (v > INT32_MAX)
		return "the duration is longer than 2147483647 seconds";
	if (v == 0)
		return "a duration must be at least 1 second";
	*seconds = (uint32_t)v;
	return NULL;
}

static bool digits_at(const char *s, size_t at, size_t n, int *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[at + i]))
			return false;
		*out = *out * 10 + (s[at + i] - '0');
	}
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

const char *parse_time(const char *s, size_t len, int64_t *epoch)
{
	static const char *const form = "a time is written like 2027-01-31T00:00:00Z (RFC 3339)";
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0;
	size_t i = 19;
	int64_t t;

	if (len == 19 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == 't') &&
	    s[13] == ':' && s[16] == ':')
		return "a time needs a time zone: Z or an offset such as +02:00";
	if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':' || !digits_at(s, 0, 4, &y) ||
	    !digits_at(s, 5, 2, &mo) || !digits_at(s, 8, 2, &d) ||
	    !digits_at(s, 11, 2, &h) || !digits_at(s, 14, 2, &mi) ||
	    !digits_at(s, 17, 2, &sec))
		return form;
	if (s[i] == '.') {
		for (i++; i < len && is_digit((unsigned char)s[i]); i++)
			;
		if (i == 20)
			return form;
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':' &&
	           digits_at(s, i + 1, 2, &oh) && digits_at(s, i + 4, 2, &om)) {
		if (oh > 23 || om > 59)
			return "the time zone offset is out of range";
		if (s[i] == '-') {
			oh = -oh;
			om = -om;
		}
		i += 6;
	} else {
		return "a time needs a time zone: Z or an offset such as +02:00";
	}
	if (i != len)
		return form;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
		return "the date does not exist";
	if (h > 23 || mi > 59 || sec > 60)
		return "the time of day is out of range";
	if (sec == 60)
		sec = 59; /* a leap second: the instant before the next minute */
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	*epoch = t - (int64_t)oh * 3600 - (int64_t)om * 60;
	return NULL;
}

/* Unpadded standard base64 (PHC "B64"); returns decoded length or -1. */
static long b64_length(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '/')
			return -1;
	}
	if (len % 4 == 1)
		return -1;
	return (long)(len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0));
}

/* Parse "key=value" with a decimal value in [lo, hi]. */
static const char *param(const char **p, const char *end, const char *key,
                         uint64_t lo, uint64_t hi, uint64_t *out)
{
	size_t k = strlen(key);
	uint64_t v = 0;
	const char *q;

	if ((size_t)(end - *p) <= k || memcmp(*p, key, k) != 0 || (*p)[k] != '=')
		return "its parameters are malformed";
	q = *p + k + 1;
	if (q == end || !is_digit((unsigned char)*q))
		return "its parameters are malformed";
	for (; q < end && is_digit((unsigned char)*q); q++) {
		v = v * 10 + (uint64_t)(*q - '0');
		if (v > hi)
			return "a parameter is out of range";
	}
	if (v < lo)
		return "a parameter is out of range";
	*out = v;
	*p = q;
	return NULL;
}

/* Split "$id$params$salt$hash" into its four fields. */
static bool phc_fields(const char *s, size_t len, const char *f[4], size_t n[4])
{
	const char *end = s + len, *p = s + 1;
	int i;

	for (i = 0; i < 4; i++) {
		const char *d = memchr(p, '$', (size_t)(end - p));
		if (i < 3 && !d)
			return false;
		if (i == 3 && d)
			return false;
		f[i] = p;
		n[i] = (size_t)((d ? d : end) - p);
		p = d ? d + 1 : end;
	}
	return true;
}

/* A PHC string starts "$id$" with id of [a-z0-9-]; *idlen is its length. */
static bool phc_id(const char *s, size_t len, size_t *idlen)
{
	size_t i;

	if (len < 3 || s[0] != '$')
		return false;
	for (i = 1; i < len && s[i] != '$'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || is_digit((unsigned char)s[i]) || s[i] == '-'))
			return false;
	*idlen = i - 1;
	return i < len && *idlen > 0;
}

const char *parse_secret_hash(const char *s, size_t len, struct secret_hash *out,
                              bool *plaintext)
{
	const char *f[4], *p, *end;
	size_t n[4], idlen;
	uint64_t ln = 0, r = 0, par = 0, iter = 0;
	long salt, hash;
	const char *why;

	*plaintext = false;
	if (!phc_id(s, len, &idlen)) {
		*plaintext = true;
		return "this is not a hash made by writ hash-secret";
	}
	if (!((idlen == 6 && memcmp(s + 1, "scrypt", 6) == 0) ||
	      (idlen == 13 && memcmp(s + 1, "pbkdf2-sha256", 13) == 0)))
		return "its scheme is not supported: writ hashes secrets with scrypt or pbkdf2-sha256";
	if (!phc_fields(s, len, f, n))
		return "it does not have the four fields $scheme$parameters$salt$hash";
	p = f[1];
	end = f[1] + n[1];
	if (n[0] == 6) {
		/* scrypt (RFC 7914): N = 2^ln; memory is 128 * r * N bytes. */
		if ((why = param(&p, end, "ln", 1, 31, &ln)) || p == end || *p++ != ',' ||
		    (why = param(&p, end, "r", 1, 255, &r)) || p == end || *p++ != ',' ||
		    (why = param(&p, end, "p", 1, 255, &par)))
			return why ? why : "its parameters are malformed";
	} else {
		if ((why = param(&p, end, "i", 1, 100000000, &iter)))
			return why;
	}
	if (p != end)
		return "its parameters are malformed";
	salt = b64_length(f[2], n[2]);
	hash = b64_length(f[3], n[3]);
	if (salt < 0 || hash < 0)
		return "its salt or hash is not unpadded base64";
	if (salt < 16)
		return "its salt is shorter than 16 bytes";
	if (hash < 32)
		return "its hash is shorter than 32 bytes";
	out->scheme = n[0] == 6 ? SECRET_HASH_SCRYPT : SECRET_HASH_PBKDF2_SHA256;
	out->ln = (unsigned)ln;
	out->r = (unsigned)r;
	out->p = (unsigned)par;
	out->iterations = (uint32_t)iter;
	out->salt = f[2];
	out->salt_len = n[2];
	out->salt_bytes = (size_t)salt;
	out->hash = f[3];
	out->hash_len = n[3];
	out->hash_bytes = (size_t)hash;
	return NULL;
}

const char *validate_secret_hash(const char *s, size_t len, bool *plaintext)
{
	struct secret_hash h;

	return parse_secret_hash(s, len, &h, plaintext);
}

const char *validate_client_id(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return "a client id cannot be empty";
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return "a client id is printable ASCII only (RFC 6749 appendix A.1)";
	return NULL;
}

const char *validate_name(const char *s, size_t len)
{
	size_t i = 0, n;
	uint32_t cp;

	if (len == 0)
		return "a name cannot be empty";
	/* C0 and C1 controls, DEL and the Unicode line and paragraph
	 * separators could break or forge a line wherever a name is shown. */
	while (i < len) {
		n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (n == 0)
			return "a name must be UTF-8";
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
			return "a name cannot contain a control character";
		i += n;
	}
	return NULL;
}

/* ---- did you mean ---- */

void suggest_init(struct suggest *sg, const char *name, size_t len)
{
	sg->name = name;
	sg->len = len;
	sg->best = NULL;
	sg->best_distance = ~0u;
}

/* Optimal string alignment distance, capped: returns cap + 1 when above. */
static unsigned edit_distance(const char *a, size_t n, const char *b, size_t m,
                              unsigned cap)
{
	enum { MAXLEN = 256 };
	unsigned rows[3][MAXLEN + 1], *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
	size_t i, j;

	if (n > MAXLEN || m > MAXLEN)
		return cap + 1;
	if ((n > m ? n - m : m - n) > cap)
		return cap + 1;
	for (j = 0; j <= m; j++)
		prev[j] = (unsigned)j;
	for (i = 1; i <= n; i++) {
		unsigned row_min;
		cur[0] = (unsigned)i;
		row_min = cur[0];
		for (j = 1; j <= m; j++) {
			unsigned cost = a[i - 1] != b[j - 1];
			unsigned v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < row_min)
				row_min = v;
		}
		if (row_min > cap)
			return cap + 1;
		{
			unsigned *t = prev2;
			prev2 = prev;
			prev = cur;
			cur = t;
		}
	}
	return prev[m];
}

void suggest_offer(struct suggest *sg, const char *candidate, size_t len)
{
	/* A typo is at most a third of the name, and at most 3 edits. */
	unsigned cap = (unsigned)(sg->len / 3);
	unsigned d;

	if (cap < 1)
		cap = 1;
	if (cap > 3)
		cap = 3;
	d = edit_distance(sg->name, sg->len, candidate, len, cap);
	if (d == 0 || d > cap || d >= sg->best_distance)
		return;
	sg->best = candidate;
	sg->best_distance = d;
}

const char *suggest_best(const struct suggest *sg)
{
	return sg->best;
}
