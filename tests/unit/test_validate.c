/* test_validate.c: the value syntax rules of validate.c. */
#include "config.h"

#include <string.h>

#include "helpers.h"
#include "validate.h"
#include "writ.h"

#define S(x) x, strlen(x)

START_TEST(scope_tokens)
{
	ck_assert_ptr_null(validate_scope_token(S("read:payment")));
	ck_assert_ptr_null(validate_scope_token(S("!#[]^~")));
	ck_assert_ptr_nonnull(validate_scope_token(S("")));
	ck_assert_ptr_nonnull(validate_scope_token(S("a b")));
	ck_assert_ptr_nonnull(validate_scope_token(S("a\"b")));
	ck_assert_ptr_nonnull(validate_scope_token(S("a\\b")));
	ck_assert_ptr_nonnull(validate_scope_token(S("a\tb")));
	ck_assert_ptr_nonnull(validate_scope_token(S("caf\xc3\xa9")));
	ck_assert_ptr_nonnull(validate_scope_token(S("a\x7f")));
}
END_TEST

/* writ_scope_token_valid() reads sixteen bytes at a time: every byte
 * value at every offset of tokens of 1 to 40 bytes, block boundaries
 * included, gets the verdict validate_scope_token() gives. */
START_TEST(scope_token_verdicts_agree)
{
	char tok[40];
	size_t len, at;
	int c;

	ck_assert_int_eq(writ_scope_token_valid("", 0), 0);
	for (len = 1; len <= sizeof(tok); len++)
		for (at = 0; at < len; at++)
			for (c = 0; c < 256; c++) {
				memset(tok, 'r', sizeof(tok));
				tok[at] = (char)c;
				ck_assert_msg(writ_scope_token_valid(tok, len) ==
				                  (validate_scope_token(tok, len) == NULL),
				              "byte %02x at %zu of %zu", c, at, len);
			}
}
END_TEST

/* ---- resource indicators (RFC 8707 section 2) ---- */

/* s is no indicator, for this reason. */
static void bad_indicator(const char *s, const char *why)
{
	const char *got = validate_indicator(S(s));

	ck_assert_msg(got != NULL, "\"%s\" accepted", s);
	ck_assert_str_eq(got, why);
}

START_TEST(indicators_valid)
{
	ck_assert_ptr_null(validate_indicator(S("https://api.example.com/orders")));
	ck_assert_ptr_null(validate_indicator(S("https://api.example.com:8443")));
	ck_assert_ptr_null(validate_indicator(S("https://[2001:db8::1]/x")));
	/* A query is allowed. */
	ck_assert_ptr_null(validate_indicator(S("https://api.example.com/?v=1&x=%41%aF")));
	/* Any absolute URI: not only https, not only hierarchical. */
	ck_assert_ptr_null(validate_indicator(S("urn:example:orders")));
	ck_assert_ptr_null(validate_indicator(S("urn:ietf:params:oauth:token-type:jwt")));
	ck_assert_ptr_null(validate_indicator(S("coap+tcp://device.example")));
	ck_assert_ptr_null(validate_indicator(S("x-my.scheme:a")));
}
END_TEST

START_TEST(indicators_fragment)
{
	static const char *const why =
		"it has a fragment, which a resource indicator must not have (RFC 8707 section 2)";

	bad_indicator("https://api.example.com/#top", why);
	bad_indicator("https://api.example.com/?q=1#", why);
	bad_indicator("urn:x#y", why);
}
END_TEST

START_TEST(indicators_percent_escapes)
{
	static const char *const why = "it contains a malformed percent-escape";

	bad_indicator("https://a.example/%zz", why);
	bad_indicator("https://a.example/%4g", why);
	bad_indicator("https://a.example/%4", why);
	bad_indicator("https://a.example/%", why);
	bad_indicator("https://a.example/%%41", why);
}
END_TEST

START_TEST(indicators_characters)
{
	bad_indicator("https://a.example/a b", "it contains a space");
	bad_indicator("https://a.example/ ", "it contains a space");
	bad_indicator("https://a.example/<x>", "it contains a character that a URI cannot hold");
	bad_indicator("https://a.example/\"", "it contains a character that a URI cannot hold");
	bad_indicator("https://a.example/{x}", "it contains a character that a URI cannot hold");
	bad_indicator("https://a.example/a\\b", "it contains a character that a URI cannot hold");
	bad_indicator("https://a.example/\t", "it contains a character that a URI cannot hold");
	bad_indicator("https://caf\xc3\xa9.example/",
	              "it contains a character outside ASCII (percent-encode it)");
}
END_TEST

START_TEST(indicators_scheme)
{
	static const char *const start = "it is not an absolute URI: it must start with a scheme such as https:";

	bad_indicator("", "it is empty");
	bad_indicator("api.example.com", "it is not an absolute URI: it has no scheme");
	bad_indicator("orders", "it is not an absolute URI: it has no scheme");
	bad_indicator("/orders", start);
	bad_indicator("//api.example.com/orders", start);
	bad_indicator("1https://a.example", start);
	bad_indicator(" https://a.example", start);
	bad_indicator("ht tp://a.example", start);
	bad_indicator(":x", start);
	bad_indicator("https:", "it has nothing after the scheme");
	bad_indicator("urn:", "it has nothing after the scheme");
}
END_TEST

/* ---- issuer identifiers (RFC 8414 section 2) ---- */

static void good_issuer(const char *s, bool loopback)
{
	bool lb = !loopback;

	ck_assert_msg(validate_issuer(S(s), &lb) == NULL, "\"%s\" refused: %s", s,
	              validate_issuer(S(s), &lb));
	ck_assert_msg(lb == loopback, "\"%s\": loopback_http is %d", s, lb);
}

static void bad_issuer(const char *s, const char *why)
{
	bool lb = true;
	const char *got = validate_issuer(S(s), &lb);

	ck_assert_msg(got != NULL, "\"%s\" accepted (loopback_http %d)", s, lb);
	ck_assert_str_eq(got, why);
	ck_assert(!lb);
}

START_TEST(issuers_https)
{
	good_issuer("https://auth.example.com", false);
	good_issuer("https://auth.example.com/", false);
	good_issuer("https://auth.example.com/tenants/1", false);
	good_issuer("https://auth.example.com:8443", false);
	/* https on a loopback host is plain https. */
	good_issuer("https://localhost", false);
}
END_TEST

START_TEST(issuers_http_loopback)
{
	good_issuer("http://localhost", true);
	good_issuer("http://localhost:8080/realms/test", true);
	good_issuer("http://127.0.0.1", true);
	good_issuer("http://127.0.0.1:9000/", true);
	good_issuer("http://127.255.0.7", true);
	good_issuer("http://[::1]", true);
	good_issuer("http://[::1]:8443/x", true);
}
END_TEST

START_TEST(issuers_http_elsewhere)
{
	static const char *const why = "it must use https (RFC 8414 section 2)";

	bad_issuer("http://auth.example.com", why);
	bad_issuer("http://localhost.example.com", why);
	bad_issuer("http://localhostx", why);
	bad_issuer("http://10.0.0.1", why);
	bad_issuer("http://[::2]", why);
	bad_issuer("ftp://auth.example.com", why);
}
END_TEST

START_TEST(issuers_http_lookalike_loopback)
{
	static const char *const why = "it must use https (RFC 8414 section 2)";

	/* A host that merely starts with "127." is a DNS name, not the
	 * loopback network 127.0.0.0/8. */
	bad_issuer("http://127.attacker.example", why);
	bad_issuer("http://127.0.0.1.attacker.example/", why);
	/* "127.0.0.1:80" is userinfo here; the host is attacker.example. An
	 * issuer has no userinfo at all, with any scheme. */
	bad_issuer("http://127.0.0.1:80@attacker.example/",
	           "it has user information (user@), which an issuer identifier must not have");
	bad_issuer("https://user@auth.example.com/",
	           "it has user information (user@), which an issuer identifier must not have");
}
END_TEST

START_TEST(issuers_query_and_fragment)
{
	bad_issuer("https://auth.example.com/?tenant=1",
	           "it has a query, which an issuer identifier must not have (RFC 8414 section 2)");
	bad_issuer("https://auth.example.com?",
	           "it has a query, which an issuer identifier must not have (RFC 8414 section 2)");
	bad_issuer("https://auth.example.com/#x",
	           "it has a fragment, which an issuer identifier must not have (RFC 8414 section 2)");
}
END_TEST

START_TEST(issuers_no_host)
{
	static const char *const why = "it has no host (write https://host/path)";

	bad_issuer("https://", why);
	bad_issuer("https:///path", why);
	bad_issuer("https:auth.example.com", why);
	bad_issuer("https:/auth.example.com", why);
	bad_issuer("urn:example:issuer", why);
}
END_TEST

START_TEST(issuers_port_without_host)
{
	/* A port alone is no host. */
	bad_issuer("https://:443", "it has no host (write https://host/path)");
	bad_issuer("https://:443/x", "it has no host (write https://host/path)");
}
END_TEST

START_TEST(issuers_not_uris)
{
	bad_issuer("", "it is empty");
	bad_issuer("auth.example.com", "it is not an absolute URI: it has no scheme");
	bad_issuer("https://auth example.com", "it contains a space");
}
END_TEST

/* ---- durations ---- */

static void good_duration(const char *s, uint32_t want)
{
	uint32_t got = 0;
	const char *why = parse_duration(S(s), &got);

	ck_assert_msg(why == NULL, "\"%s\" refused: %s", s, why);
	ck_assert_uint_eq(got, want);
}

static void bad_duration(const char *s, const char *why)
{
	uint32_t got = 0;
	const char *r = parse_duration(S(s), &got);

	ck_assert_msg(r != NULL, "\"%s\" accepted as %u", s, got);
	ck_assert_str_eq(r, why);
}

START_TEST(durations_valid)
{
	good_duration("600", 600);
	good_duration("600s", 600);
	good_duration("10m", 600);
	good_duration("1h", 3600);
	good_duration("2d", 172800);
	good_duration("1", 1);
	good_duration("0010", 10);
}
END_TEST

START_TEST(durations_limits)
{
	static const char *const longer = "the duration is longer than 2147483647 seconds";

	/* 2^31 - 1 seconds is the longest: 24855 days fit, 24856 do not. */
	good_duration("2147483647", 2147483647u);
	good_duration("2147483647s", 2147483647u);
	good_duration("24855d", 2147472000u);
	good_duration("596523h", 2147482800u);
	good_duration("35791394m", 2147483640u);
	bad_duration("2147483648", longer);
	bad_duration("24856d", longer);
	bad_duration("596524h", longer);
	bad_duration("35791395m", longer);
	bad_duration("4294967296", longer);
	bad_duration("99999999999999999999999", longer);
	bad_duration("0", "a duration must be at least 1 second");
	bad_duration("0s", "a duration must be at least 1 second");
	bad_duration("000d", "a duration must be at least 1 second");
}
END_TEST

START_TEST(durations_malformed)
{
	static const char *const form =
		"a duration is a whole number, optionally followed by s, m, h or d";

	bad_duration("", "a duration cannot be empty");
	bad_duration("m", "a duration starts with a number");
	bad_duration("s", "a duration starts with a number");
	bad_duration("10x", form);
	bad_duration("10M", form);
	bad_duration("1.5h", form);
	bad_duration("-1", form);
	bad_duration("+1", form);
	bad_duration(" 1", form);
	bad_duration("1 ", form);
	bad_duration("1ms", form);
	bad_duration("1h30m", form);
}
END_TEST

/* ---- times (RFC 3339) ---- */

/* Expected values computed independently, with `date -u -d TIME +%s`. */
static void good_time(const char *s, int64_t want)
{
	int64_t got = 0;
	const char *why = parse_time(S(s), &got);

	ck_assert_msg(why == NULL, "\"%s\" refused: %s", s, why);
	ck_assert_msg(got == want, "\"%s\" is %lld, expected %lld", s, (long long)got,
	              (long long)want);
}

static void bad_time(const char *s, const char *why)
{
	int64_t got = 0;
	const char *r = parse_time(S(s), &got);

	ck_assert_msg(r != NULL, "\"%s\" accepted as %lld", s, (long long)got);
	if (why)
		ck_assert_str_eq(r, why);
}

START_TEST(times_utc)
{
	good_time("2027-01-31T00:00:00Z", 1801353600);
	good_time("1970-01-01T00:00:00Z", 0);
	good_time("1969-12-31T23:59:59Z", -1);
	good_time("2038-01-19T03:14:08Z", 2147483648);
	good_time("9999-12-31T23:59:59Z", 253402300799);
	/* RFC 3339 section 5.6: T and Z may be lower case. */
	good_time("2027-01-31t00:00:00z", 1801353600);
}
END_TEST

START_TEST(times_offsets)
{
	good_time("2027-01-31T02:00:00+02:00", 1801353600);
	good_time("2027-01-31T05:30:00+05:30", 1801353600);
	good_time("2026-12-31T19:00:00-05:00", 1798761600);
	good_time("2027-01-31T00:00:00-00:00", 1801353600);
	good_time("2027-01-31T00:00:00+23:59", 1801267260);
	bad_time("2027-01-31T00:00:00+24:00", "the time zone offset is out of range");
	bad_time("2027-01-31T00:00:00+01:60", "the time zone offset is out of range");
}
END_TEST

START_TEST(times_fractions)
{
	/* Fractions of a second are dropped. */
	good_time("2027-01-31T00:00:00.999Z", 1801353600);
	good_time("2027-01-31T00:00:00.5+01:00", 1801350000);
	good_time("2027-01-31T00:00:00.000000001Z", 1801353600);
	bad_time("2027-01-31T00:00:00.Z", "a time is written like 2027-01-31T00:00:00Z (RFC 3339)");
}
END_TEST

START_TEST(times_calendar)
{
	static const char *const none = "the date does not exist";

	good_time("2024-02-29T12:34:56Z", 1709210096);
	good_time("2000-02-29T00:00:00Z", 951782400);
	bad_time("2023-02-29T00:00:00Z", none);
	bad_time("1900-02-29T00:00:00Z", none);
	bad_time("2100-02-29T00:00:00Z", none);
	bad_time("2027-02-30T00:00:00Z", none);
	bad_time("2027-04-31T00:00:00Z", none);
	bad_time("2027-13-01T00:00:00Z", none);
	bad_time("2027-00-10T00:00:00Z", none);
	bad_time("2027-01-00T00:00:00Z", none);
	bad_time("2027-01-32T00:00:00Z", none);
}
END_TEST

START_TEST(times_of_day)
{
	static const char *const range = "the time of day is out of range";

	/* A leap second is the instant before the next minute. */
	good_time("2016-12-31T23:59:60Z", 1483228799);
	bad_time("2027-01-31T24:00:00Z", range);
	bad_time("2027-01-31T23:60:00Z", range);
	bad_time("2027-01-31T23:59:61Z", range);
}
END_TEST

START_TEST(times_missing_zone)
{
	static const char *const zone = "a time needs a time zone: Z or an offset such as +02:00";

	bad_time("2027-01-31T00:00:00.5", zone);
	bad_time("2027-01-31T00:00:00", zone);
}
END_TEST

START_TEST(times_malformed)
{
	static const char *const form = "a time is written like 2027-01-31T00:00:00Z (RFC 3339)";

	bad_time("", form);
	bad_time("tomorrow", form);
	bad_time("2027-01-31", form);
	bad_time("2027-01-31 00:00:00Z", form);
	bad_time("27-01-31T00:00:00Z", form);
	bad_time("2027-1-31T00:00:00Z", form);
	bad_time("2027/01/31T00:00:00Z", form);
	bad_time("2027-01-31T0:00:00Z", form);
	bad_time("2027-01-31T00:00:00Zjunk", form);
	bad_time("2027-01-31T00:00:00+0200", NULL);
	bad_time("2027-01-31T00:00:00+02:00x", NULL);
}
END_TEST

/* ---- secret hashes ---- */

#define SALT "EKVVomkmE0NRLbx5lmFlTw"
#define HASH "Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06k4"

static void good_hash(const char *s)
{
	bool plain = true;
	const char *why = validate_secret_hash(S(s), &plain);

	ck_assert_msg(why == NULL, "\"%s\" refused: %s", s, why);
	ck_assert(!plain);
}

static void bad_hash(const char *s, const char *why)
{
	bool plain = true;
	const char *r = validate_secret_hash(S(s), &plain);

	ck_assert_msg(r != NULL, "\"%s\" accepted", s);
	ck_assert_str_eq(r, why);
	ck_assert_msg(!plain, "\"%s\" taken for plaintext", s);
}

static void plaintext(const char *s)
{
	bool plain = false;
	const char *r = validate_secret_hash(S(s), &plain);

	ck_assert_msg(r != NULL, "\"%s\" accepted", s);
	ck_assert_str_eq(r, "this is not a hash made by writ hash-secret");
	ck_assert_msg(plain, "\"%s\" not taken for plaintext", s);
}

START_TEST(hashes_valid)
{
	good_hash("$scrypt$ln=15,r=8,p=1$" SALT "$" HASH);
	good_hash("$pbkdf2-sha256$i=600000$" SALT "$" HASH);
	/* The ends of the parameter ranges. */
	good_hash("$scrypt$ln=1,r=1,p=1$" SALT "$" HASH);
	good_hash("$scrypt$ln=31,r=255,p=255$" SALT "$" HASH);
	good_hash("$pbkdf2-sha256$i=1$" SALT "$" HASH);
	good_hash("$pbkdf2-sha256$i=100000000$" SALT "$" HASH);
	/* Longer salts and hashes are fine, in any unpadded length. */
	good_hash("$scrypt$ln=15,r=8,p=1$" SALT "AAAA$" HASH "A");
}
END_TEST

START_TEST(hashes_plaintext)
{
	plaintext("hunter2");
	plaintext("");
	plaintext("$");
	plaintext("$$$$");
	plaintext("correct horse battery staple");
	/* Without the leading '$' it is no PHC string. */
	plaintext("scrypt$ln=15,r=8,p=1$" SALT "$" HASH);
}
END_TEST

START_TEST(hashes_known_scheme_wrong_fields)
{
	/* A string naming a known scheme is a hash, if a malformed one
	 * (E022), not a plaintext secret (E016). */
	bool plain = true;

	ck_assert_ptr_nonnull(validate_secret_hash(S("$scrypt$ln=15,r=8,p=1$" SALT), &plain));
	ck_assert(!plain);
	plain = true;
	ck_assert_ptr_nonnull(validate_secret_hash(S("$pbkdf2-sha256$i=1000$" SALT "$" HASH "$x"),
	                                           &plain));
	ck_assert(!plain);
}
END_TEST

START_TEST(hashes_malformed_parameters)
{
	static const char *const bad = "its parameters are malformed";

	bad_hash("$scrypt$ln=15,r=8$" SALT "$" HASH, bad);
	bad_hash("$scrypt$r=8,ln=15,p=1$" SALT "$" HASH, bad);
	bad_hash("$scrypt$ln=15;r=8;p=1$" SALT "$" HASH, bad);
	bad_hash("$scrypt$ln=,r=8,p=1$" SALT "$" HASH, bad);
	bad_hash("$scrypt$ln=15,r=8,p=1,x=1$" SALT "$" HASH, bad);
	bad_hash("$scrypt$ln=15,r=8,p=1x$" SALT "$" HASH, bad);
	bad_hash("$scrypt$$" SALT "$" HASH, bad);
	bad_hash("$pbkdf2-sha256$i=1000,x=1$" SALT "$" HASH, bad);
	bad_hash("$pbkdf2-sha256$rounds=1000$" SALT "$" HASH, bad);
	bad_hash("$pbkdf2-sha256$i=-1$" SALT "$" HASH, bad);
}
END_TEST

START_TEST(hashes_parameters_out_of_range)
{
	static const char *const range = "a parameter is out of range";

	bad_hash("$scrypt$ln=0,r=8,p=1$" SALT "$" HASH, range);
	bad_hash("$scrypt$ln=32,r=8,p=1$" SALT "$" HASH, range);
	bad_hash("$scrypt$ln=99999999999999999999999,r=8,p=1$" SALT "$" HASH, range);
	bad_hash("$scrypt$ln=15,r=0,p=1$" SALT "$" HASH, range);
	bad_hash("$scrypt$ln=15,r=256,p=1$" SALT "$" HASH, range);
	bad_hash("$scrypt$ln=15,r=8,p=0$" SALT "$" HASH, range);
	bad_hash("$scrypt$ln=15,r=8,p=256$" SALT "$" HASH, range);
	bad_hash("$pbkdf2-sha256$i=0$" SALT "$" HASH, range);
	bad_hash("$pbkdf2-sha256$i=100000001$" SALT "$" HASH, range);
}
END_TEST

START_TEST(hashes_short_salt_or_hash)
{
	/* 20 base64 characters are 15 bytes; 42 are 31. */
	bad_hash("$scrypt$ln=15,r=8,p=1$EKVVomkmE0NRLbx5lmFl$" HASH,
	         "its salt is shorter than 16 bytes");
	bad_hash("$pbkdf2-sha256$i=1000$$" HASH, "its salt is shorter than 16 bytes");
	bad_hash("$scrypt$ln=15,r=8,p=1$" SALT "$Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06k",
	         "its hash is shorter than 32 bytes");
	bad_hash("$pbkdf2-sha256$i=1000$" SALT "$", "its hash is shorter than 32 bytes");
}
END_TEST

START_TEST(hashes_not_unpadded_base64)
{
	static const char *const b64 = "its salt or hash is not unpadded base64";

	/* PHC strings use base64 without '=' padding. */
	bad_hash("$scrypt$ln=15,r=8,p=1$" SALT "==$" HASH, b64);
	bad_hash("$scrypt$ln=15,r=8,p=1$" SALT "$" HASH "=", b64);
	/* The URL-safe alphabet is another encoding. */
	bad_hash("$scrypt$ln=15,r=8,p=1$EKVVomkmE0NRLbx5lmF-Tw$" HASH, b64);
	bad_hash("$scrypt$ln=15,r=8,p=1$" SALT "$Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06_4", b64);
	/* 4n+1 characters cannot be base64. */
	bad_hash("$scrypt$ln=15,r=8,p=1$" SALT "AAA$" HASH, b64);
}
END_TEST

/* ---- identifiers ---- */

START_TEST(client_ids)
{
	static const char *const ascii = "a client id is printable ASCII only (RFC 6749 appendix A.1)";

	ck_assert_ptr_null(validate_client_id(S("s6BhdRkqt3")));
	/* VSCHAR is %x20-7E: the space and every printable character. */
	ck_assert_ptr_null(validate_client_id(S("client 1")));
	ck_assert_ptr_null(validate_client_id(S(" !\"#~")));
	ck_assert_str_eq(validate_client_id(S("")), "a client id cannot be empty");
	ck_assert_str_eq(validate_client_id(S("caf\xc3\xa9")), ascii);
	ck_assert_str_eq(validate_client_id(S("a\tb")), ascii);
	ck_assert_str_eq(validate_client_id(S("a\x1f")), ascii);
	ck_assert_str_eq(validate_client_id(S("\x7f")), ascii);
}
END_TEST

START_TEST(names)
{
	static const char *const ctl = "a name cannot contain a control character";

	ck_assert_ptr_null(validate_name(S("ops team")));
	ck_assert_ptr_null(validate_name(S("Jos\xc3\xa9 \xe2\x82\xac")));
	ck_assert_ptr_null(validate_name(S("x")));
	ck_assert_str_eq(validate_name(S("")), "a name cannot be empty");
	ck_assert_str_eq(validate_name(S("a\tb")), ctl);
	ck_assert_str_eq(validate_name(S("a\nb")), ctl);
	ck_assert_str_eq(validate_name(S("\x01")), ctl);
	ck_assert_str_eq(validate_name(S("a\x7f")), ctl);
}
END_TEST

START_TEST(names_c1_controls)
{
	static const char *const ctl = "a name cannot contain a control character";

	/* U+0080 to U+009F are control characters too (Unicode Cc), such as
	 * U+0085 NEXT LINE, which terminals may take for a line break; so
	 * are, for that matter, the line and paragraph separators. */
	ck_assert_str_eq(validate_name(S("a\xc2\x85" "b")), ctl);
	ck_assert_str_eq(validate_name(S("\xc2\x9b" "31m")), ctl);
	ck_assert_str_eq(validate_name(S("a\xe2\x80\xa8" "b")), ctl);
	ck_assert_str_eq(validate_name(S("a\xe2\x80\xa9")), ctl);
	/* Their neighbours are ordinary characters. */
	ck_assert_ptr_null(validate_name(S("\xc2\xa0\xe2\x80\xa7")));
}
END_TEST

/* ---- did you mean ---- */

/* The suggestion for name among the NULL-terminated candidates. */
static const char *suggest(const char *name, const char *const *candidates)
{
	struct suggest sg;
	size_t i;

	suggest_init(&sg, S(name));
	for (i = 0; candidates[i]; i++)
		suggest_offer(&sg, S(candidates[i]));
	return suggest_best(&sg);
}

#define SUGGESTS(name, want, ...) \
	do { \
		const char *const c_[] = { __VA_ARGS__, NULL }; \
		const char *got_ = suggest(name, c_); \
		ck_assert_msg(got_ != NULL, "no suggestion for \"%s\"", name); \
		ck_assert_str_eq(got_, want); \
	} while (0)

#define SUGGESTS_NOTHING(name, ...) \
	do { \
		const char *const c_[] = { __VA_ARGS__, NULL }; \
		const char *got_ = suggest(name, c_); \
		ck_assert_msg(got_ == NULL, "\"%s\" suggested for \"%s\"", got_, name); \
	} while (0)

START_TEST(suggest_typos)
{
	/* A transposition is one edit, as are an insertion, a deletion and a
	 * substitution. */
	SUGGESTS("chekcout", "checkout", "payment-auditor", "checkout");
	SUGGESTS("ab", "ba", "ba");
	SUGGESTS("chekout", "checkout", "checkout");
	SUGGESTS("checkoutt", "checkout", "checkout");
	SUGGESTS("chockout", "checkout", "checkout");
	SUGGESTS("raed", "read", "write", "read");
}
END_TEST

START_TEST(suggest_closest)
{
	/* The closest wins; among equals, the first offered. */
	SUGGESTS("readers", "reader", "rxadxrs", "reader");
	SUGGESTS("abcdef", "abcdex", "abcdex", "abcdey");
	SUGGESTS("abcdef", "abcdey", "abxdey", "abcdey", "abcdex");
}
END_TEST

START_TEST(suggest_exact_match_not_suggested)
{
	SUGGESTS_NOTHING("read", "read");
	/* Another close candidate still is. */
	SUGGESTS("read", "reads", "read", "reads");
}
END_TEST

START_TEST(suggest_distance_cap)
{
	/* The cap is a third of the name's length, at least 1, at most 3. */
	SUGGESTS("ab", "xb", "xb");
	SUGGESTS_NOTHING("ab", "xy");
	SUGGESTS_NOTHING("abcde", "abxye");
	SUGGESTS("abcdef", "abxyef", "abxyef");
	SUGGESTS_NOTHING("abcdef", "xyzdef");
	SUGGESTS("abcdefghi", "xyzdefghi", "xyzdefghi");
	SUGGESTS_NOTHING("abcdefghi", "wxyzefghi");
	SUGGESTS("abcdefghijklmnop", "xyzdefghijklmnop", "xyzdefghijklmnop");
	SUGGESTS_NOTHING("abcdefghijklmnop", "wxyzefghijklmnop");
	/* Length alone can rule a candidate out. */
	SUGGESTS_NOTHING("abcdef", "abcdefghi");
}
END_TEST

START_TEST(suggest_nothing_close)
{
	SUGGESTS_NOTHING("zzz", "checkout", "reader");
	SUGGESTS_NOTHING("https://elsewhere.example/", "https://a.example/");
	{
		struct suggest sg;
		suggest_init(&sg, S("anything"));
		ck_assert_ptr_null(suggest_best(&sg));
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc;

	tc = tcase_create("scope");
	tcase_add_test(tc, scope_tokens);
	tcase_add_test(tc, scope_token_verdicts_agree);
	suite_add_tcase(s, tc);

	tc = tcase_create("indicator");
	tcase_add_test(tc, indicators_valid);
	tcase_add_test(tc, indicators_fragment);
	tcase_add_test(tc, indicators_percent_escapes);
	tcase_add_test(tc, indicators_characters);
	tcase_add_test(tc, indicators_scheme);
	suite_add_tcase(s, tc);

	tc = tcase_create("issuer");
	tcase_add_test(tc, issuers_https);
	tcase_add_test(tc, issuers_http_loopback);
	tcase_add_test(tc, issuers_http_elsewhere);
	tcase_add_test(tc, issuers_http_lookalike_loopback);
	tcase_add_test(tc, issuers_query_and_fragment);
	tcase_add_test(tc, issuers_no_host);
	tcase_add_test(tc, issuers_port_without_host);
	tcase_add_test(tc, issuers_not_uris);
	suite_add_tcase(s, tc);

	tc = tcase_create("duration");
	tcase_add_test(tc, durations_valid);
	tcase_add_test(tc, durations_limits);
	tcase_add_test(tc, durations_malformed);
	suite_add_tcase(s, tc);

	tc = tcase_create("time");
	tcase_add_test(tc, times_utc);
	tcase_add_test(tc, times_offsets);
	tcase_add_test(tc, times_fractions);
	tcase_add_test(tc, times_calendar);
	tcase_add_test(tc, times_of_day);
	tcase_add_test(tc, times_missing_zone);
	tcase_add_test(tc, times_malformed);
	suite_add_tcase(s, tc);

	tc = tcase_create("secret hash");
	tcase_add_test(tc, hashes_valid);
	tcase_add_test(tc, hashes_plaintext);
	tcase_add_test(tc, hashes_known_scheme_wrong_fields);
	tcase_add_test(tc, hashes_malformed_parameters);
	tcase_add_test(tc, hashes_parameters_out_of_range);
	tcase_add_test(tc, hashes_short_salt_or_hash);
	tcase_add_test(tc, hashes_not_unpadded_base64);
	suite_add_tcase(s, tc);

	tc = tcase_create("identifiers");
	tcase_add_test(tc, client_ids);
	tcase_add_test(tc, names);
	tcase_add_test(tc, names_c1_controls);
	suite_add_tcase(s, tc);

	tc = tcase_create("suggest");
	tcase_add_test(tc, suggest_typos);
	tcase_add_test(tc, suggest_closest);
	tcase_add_test(tc, suggest_exact_match_not_suggested);
	tcase_add_test(tc, suggest_distance_cap);
	tcase_add_test(tc, suggest_nothing_close);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
