/* test_cidr.c: IPv4 and IPv6 prefix lists (cidr.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cidr.h"
#include "helpers.h"
#include "util.h"

static struct cidr_list *parse_ok(const char *list)
{
	char why[256] = "";
	struct cidr_list *l = cidr_parse(list, why, sizeof(why));

	ck_assert_msg(l != NULL, "\"%s\" refused: %s", list, why);
	return l;
}

static void parse_bad(const char *list, const char *want)
{
	char why[256] = "";
	struct cidr_list *l = cidr_parse(list, why, sizeof(why));

	ck_assert_msg(l == NULL, "\"%s\" accepted", list ? list : "(null)");
	ck_assert_msg(strcmp(why, want) == 0, "\"%s\": got \"%s\", want \"%s\"",
	              list ? list : "(null)", why, want);
}

struct match_case {
	const char *list;
	const char *address;
	int want;
};

static void check_matches(const struct match_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct cidr_list *l = parse_ok(cases[i].list);
		int got = cidr_match(l, cases[i].address);

		ck_assert_msg(got == cases[i].want, "%s in %s: %d, want %d", cases[i].address,
		              cases[i].list, got, cases[i].want);
		cidr_free(l);
	}
}

/* ---- matching (expected values checked against Python's ipaddress) ---- */

START_TEST(ipv4_boundaries)
{
	static const struct match_case cases[] = {
		{ "10.0.0.0/8", "10.0.0.0", 1 },
		{ "10.0.0.0/8", "10.255.255.255", 1 },
		{ "10.0.0.0/8", "9.255.255.255", 0 },
		{ "10.0.0.0/8", "11.0.0.0", 0 },
		{ "10.0.0.0/9", "10.127.255.255", 1 },
		{ "10.0.0.0/9", "10.128.0.0", 0 },
		{ "192.168.1.128/25", "192.168.1.128", 1 },
		{ "192.168.1.128/25", "192.168.1.255", 1 },
		{ "192.168.1.128/25", "192.168.1.127", 0 },
		{ "192.168.1.128/25", "192.168.2.0", 0 },
		{ "172.16.0.0/12", "172.16.0.0", 1 },
		{ "172.16.0.0/12", "172.31.255.255", 1 },
		{ "172.16.0.0/12", "172.15.255.255", 0 },
		{ "172.16.0.0/12", "172.32.0.0", 0 },
		{ "1.2.3.4/31", "1.2.3.4", 1 },
		{ "1.2.3.4/31", "1.2.3.5", 1 },
		{ "1.2.3.4/31", "1.2.3.3", 0 },
		{ "1.2.3.4/31", "1.2.3.6", 0 },
		{ "128.0.0.0/1", "128.0.0.0", 1 },
		{ "128.0.0.0/1", "255.255.255.255", 1 },
		{ "128.0.0.0/1", "127.255.255.255", 0 },
	};

	check_matches(cases, ARRAY_SIZE(cases));
}
END_TEST

START_TEST(ipv4_ends)
{
	static const struct match_case cases[] = {
		/* /32, written both ways */
		{ "127.0.0.1", "127.0.0.1", 1 },
		{ "127.0.0.1", "127.0.0.0", 0 },
		{ "127.0.0.1", "127.0.0.2", 0 },
		{ "127.0.0.1/32", "127.0.0.1", 1 },
		{ "127.0.0.1/32", "127.0.0.2", 0 },
		{ "255.255.255.255/32", "255.255.255.255", 1 },
		{ "255.255.255.255/32", "255.255.255.254", 0 },
		/* /0: every IPv4 address, no IPv6 one */
		{ "0.0.0.0/0", "0.0.0.0", 1 },
		{ "0.0.0.0/0", "255.255.255.255", 1 },
		{ "0.0.0.0/0", "10.1.2.3", 1 },
		{ "0.0.0.0/0", "::1", 0 },
		{ "0.0.0.0/0", "2001:db8::1", 0 },
		{ "0.0.0.0/0", "::", 0 },
	};

	check_matches(cases, ARRAY_SIZE(cases));
}
END_TEST

START_TEST(ipv6_boundaries)
{
	static const struct match_case cases[] = {
		{ "2001:db8::/32", "2001:db8::", 1 },
		{ "2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
		{ "2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 0 },
		{ "2001:db8::/32", "2001:db9::", 0 },
		{ "2001:db8::/32", "2001:DB8:0:0:0:0:0:1", 1 },
		{ "2001:db8::/33", "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff", 1 },
		{ "2001:db8::/33", "2001:db8:8000::", 0 },
		{ "2001:db8:0:1::/64", "2001:db8:0:1::", 1 },
		{ "2001:db8:0:1::/64", "2001:db8:0:1:ffff:ffff:ffff:ffff", 1 },
		{ "2001:db8:0:1::/64", "2001:db8:0:0:ffff:ffff:ffff:ffff", 0 },
		{ "2001:db8:0:1::/64", "2001:db8:0:2::", 0 },
		{ "fe80::/10", "fe80::1", 1 },
		{ "fe80::/10", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
		{ "fe80::/10", "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0 },
		{ "fe80::/10", "fec0::", 0 },
		{ "2001:db8::/127", "2001:db8::1", 1 },
		{ "2001:db8::/127", "2001:db8::2", 0 },
	};

	check_matches(cases, ARRAY_SIZE(cases));
}
END_TEST

START_TEST(ipv6_ends)
{
	static const struct match_case cases[] = {
		{ "::1", "::1", 1 },
		{ "::1", "0:0:0:0:0:0:0:1", 1 },
		{ "::1", "::", 0 },
		{ "::1", "::2", 0 },
		{ "::1", "127.0.0.1", 0 },
		{ "::1/128", "::1", 1 },
		{ "2001:db8::1/128", "2001:db8::1", 1 },
		{ "2001:db8::1/128", "2001:db8::", 0 },
		{ "2001:db8::1/128", "2001:db8::2", 0 },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 0 },
		/* ::/0: every IPv6 address, no IPv4 one */
		{ "::/0", "::", 1 },
		{ "::/0", "::1", 1 },
		{ "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
		{ "::/0", "1.2.3.4", 0 },
		{ "::/0", "::ffff:1.2.3.4", 0 },
		{ "0.0.0.0/0,::/0", "::ffff:1.2.3.4", 1 },
	};

	check_matches(cases, ARRAY_SIZE(cases));
}
END_TEST

/* A dual-stack socket sees IPv4 peers as ::ffff:a.b.c.d. */
START_TEST(mapped_addresses)
{
	static const struct match_case cases[] = {
		{ "10.0.0.0/8", "::ffff:10.0.0.1", 1 },
		{ "10.0.0.0/8", "::FFFF:10.255.255.255", 1 },
		{ "10.0.0.0/8", "::ffff:a00:1", 1 },
		{ "10.0.0.0/8", "0:0:0:0:0:ffff:10.0.0.0", 1 },
		{ "10.0.0.0/8", "::ffff:11.0.0.0", 0 },
		{ "10.0.0.0/8", "::ffff:9.255.255.255", 0 },
		{ "127.0.0.1", "::ffff:127.0.0.1", 1 },
		/* Not mapped: IPv4-compatible (::a.b.c.d) and NAT64 addresses. */
		{ "10.0.0.0/8", "::10.0.0.1", 0 },
		{ "10.0.0.0/8", "64:ff9b::10.0.0.1", 0 },
		{ "10.0.0.0/8", "::fffe:10.0.0.1", 0 },
		/* A mapped prefix is the IPv4 prefix. */
		{ "::ffff:10.0.0.0/104", "10.0.0.0", 1 },
		{ "::ffff:10.0.0.0/104", "10.255.255.255", 1 },
		{ "::ffff:10.0.0.0/104", "::ffff:10.1.2.3", 1 },
		{ "::ffff:10.0.0.0/104", "11.0.0.0", 0 },
		{ "::ffff:10.0.0.0/104", "9.255.255.255", 0 },
		{ "::ffff:0.0.0.0/96", "1.2.3.4", 1 },
		{ "::ffff:0.0.0.0/96", "::ffff:1.2.3.4", 1 },
		{ "::ffff:0.0.0.0/96", "::1", 0 },
		{ "::ffff:127.0.0.1", "127.0.0.1", 1 },
		{ "::ffff:127.0.0.1", "127.0.0.2", 0 },
	};

	check_matches(cases, ARRAY_SIZE(cases));
}
END_TEST

START_TEST(lists)
{
	static const char *const list =
		"10.0.0.0/8,192.168.0.0/16,::1,2001:db8::/32,10.1.0.0/16,::ffff:100.64.0.0/106";
	static const struct match_case cases[] = {
		{ list, "10.9.9.9", 1 },
		{ list, "192.168.255.255", 1 },
		{ list, "192.169.0.0", 0 },
		{ list, "::1", 1 },
		{ list, "2001:db8:1::1", 1 },
		{ list, "2001:db9::1", 0 },
		{ list, "100.64.0.1", 1 },
		{ list, "100.127.255.255", 1 },
		{ list, "100.128.0.0", 0 },
		{ list, "127.0.0.1", 0 },
		{ list, "::ffff:192.168.1.1", 1 },
	};

	check_matches(cases, ARRAY_SIZE(cases));
}
END_TEST

START_TEST(malformed_addresses)
{
	static const char *const bad[] = {
		"",
		"10.0.0",
		"10.0.0.256",
		"10.0.0.0.1",
		"010.0.0.1",
		"10.0.0.01",
		"0x0a.0.0.1",
		"10.0.0.1/32",
		" 10.0.0.1",
		"10.0.0.1 ",
		"10.0.0.1\n",
		"localhost",
		"::1%lo",
		"fe80::1%eth0",
		"[::1]",
		":::1",
		"1::2::3",
		"1:2:3:4:5:6:7:8:9",
		"::ffff:1.2.3",
		"::ffff:010.0.0.1",
		"::1/128",
		"2001:db8::g",
	};
	struct cidr_list *l = parse_ok("0.0.0.0/0,::/0");
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(cidr_match(l, bad[i]) == -1, "\"%s\" is not refused", bad[i]);
	ck_assert_int_eq(cidr_match(l, NULL), -1);
	ck_assert_int_eq(cidr_match(NULL, "10.0.0.1"), 0);
	ck_assert_int_eq(cidr_match(NULL, "10.0.0"), -1);
	cidr_free(l);
	cidr_free(NULL);
}
END_TEST

/* ---- every message ---- */

START_TEST(errors_empty)
{
	parse_bad(NULL, "an address list cannot be empty");
	parse_bad("", "an address list cannot be empty");
	parse_bad(",", "item 1 of the address list is empty (two commas, or a comma at an end)");
	parse_bad(",10.0.0.0/8",
	          "item 1 of the address list is empty (two commas, or a comma at an end)");
	parse_bad("10.0.0.0/8,",
	          "item 2 of the address list is empty (two commas, or a comma at an end)");
	parse_bad("10.0.0.0/8,,::1",
	          "item 2 of the address list is empty (two commas, or a comma at an end)");
	parse_bad("10.0.0.0/8,::1,",
	          "item 3 of the address list is empty (two commas, or a comma at an end)");
}
END_TEST

START_TEST(errors_space)
{
	static const char *const why =
		"an address list cannot contain white space; separate items with a comma only";

	parse_bad("10.0.0.0/8, ::1", why);
	parse_bad(" 10.0.0.0/8", why);
	parse_bad("10.0.0.0/8 ", why);
	parse_bad("10.0.0.0 /8", why);
	parse_bad("10.0.0.0/8,\t::1", why);
	parse_bad("10.0.0.0/8\n", why);
	parse_bad(" ", why);
}
END_TEST

START_TEST(errors_host_bits)
{
	parse_bad("10.0.0.1/8", "10.0.0.1/8 has host bits set; write 10.0.0.0/8");
	parse_bad("192.168.1.1/24", "192.168.1.1/24 has host bits set; write 192.168.1.0/24");
	parse_bad("192.168.1.129/25",
	          "192.168.1.129/25 has host bits set; write 192.168.1.128/25");
	parse_bad("10.128.0.0/9,10.0.0.1/9", "10.0.0.1/9 has host bits set; write 10.0.0.0/9");
	parse_bad("0.0.0.1/0", "0.0.0.1/0 has host bits set; write 0.0.0.0/0");
	parse_bad("255.255.255.255/31",
	          "255.255.255.255/31 has host bits set; write 255.255.255.254/31");
	parse_bad("2001:db8::1/32", "2001:db8::1/32 has host bits set; write 2001:db8::/32");
	parse_bad("2001:db8:8000::/32",
	          "2001:db8:8000::/32 has host bits set; write 2001:db8::/32");
	parse_bad("2001:DB8::1/127", "2001:DB8::1/127 has host bits set; write 2001:db8::/127");
	parse_bad("::1/0", "::1/0 has host bits set; write ::/0");
	parse_bad("::ffff:10.0.0.1/104",
	          "::ffff:10.0.0.1/104 has host bits set; write ::ffff:10.0.0.0/104");
	parse_bad("::ffff:10.0.0.0/90",
	          "::ffff:10.0.0.0/90 has host bits set; write ::ffc0:0:0/90");
}
END_TEST

START_TEST(errors_prefix_length)
{
	parse_bad("10.0.0.0/33", "10.0.0.0/33: the prefix length must be a number from 0 to 32");
	parse_bad("10.0.0.0/", "10.0.0.0/: the prefix length must be a number from 0 to 32");
	parse_bad("10.0.0.0/-1", "10.0.0.0/-1: the prefix length must be a number from 0 to 32");
	parse_bad("10.0.0.0/+8", "10.0.0.0/+8: the prefix length must be a number from 0 to 32");
	parse_bad("10.0.0.0/08", "10.0.0.0/08: the prefix length must be a number from 0 to 32");
	parse_bad("10.0.0.0/00", "10.0.0.0/00: the prefix length must be a number from 0 to 32");
	parse_bad("10.0.0.0/8/8", "10.0.0.0/8/8: the prefix length must be a number from 0 to 32");
	parse_bad("10.0.0.0/x", "10.0.0.0/x: the prefix length must be a number from 0 to 32");
	parse_bad("10.0.0.0/1000",
	          "10.0.0.0/1000: the prefix length must be a number from 0 to 32");
	parse_bad("10.0.0.0/4294967304",
	          "10.0.0.0/4294967304: the prefix length must be a number from 0 to 32");
	parse_bad("::/129", "::/129: the prefix length must be a number from 0 to 128");
	parse_bad("::/", "::/: the prefix length must be a number from 0 to 128");
	parse_bad("2001:db8::/0x20",
	          "2001:db8::/0x20: the prefix length must be a number from 0 to 128");
	parse_bad("::ffff:10.0.0.0/33",
	          "::ffff:10.0.0.0/33 has host bits set; write ::/33");
}
END_TEST

START_TEST(errors_address)
{
	parse_bad("10.0.0.256", "10.0.0.256 is not an IPv4 or IPv6 address");
	parse_bad("10.0.0.256/8", "10.0.0.256 is not an IPv4 or IPv6 address");
	parse_bad("10.0.0/24", "10.0.0 is not an IPv4 or IPv6 address");
	parse_bad("010.0.0.0/8", "010.0.0.0 is not an IPv4 or IPv6 address");
	parse_bad("example.com", "example.com is not an IPv4 or IPv6 address");
	parse_bad("/8", "/8 has no address before the /");
	parse_bad("::1,/", "/ has no address before the /");
	parse_bad("fe80::1%eth0", "fe80::1%eth0 is not an IPv4 or IPv6 address");
	parse_bad("[::1]", "[::1] is not an IPv4 or IPv6 address");
	parse_bad("1::2::3/64", "1::2::3 is not an IPv4 or IPv6 address");
	parse_bad("10.0.0.0/8,10.0.0.\x01", "10.0.0.? is not an IPv4 or IPv6 address");
	parse_bad("10.0.0.0/8,caf\xc3\xa9", "caf?? is not an IPv4 or IPv6 address");
	/* A long item is cut in the message. */
	parse_bad("1234567890123456789012345678901234567890123456789012345678901234567890",
	          "1234567890123456789012345678901234567890123456789012345678901234..."
	          " is not an IPv4 or IPv6 address");
}
END_TEST

START_TEST(errors_duplicates)
{
	parse_bad("10.0.0.0/8,10.0.0.0/8", "10.0.0.0/8 is listed twice");
	parse_bad("::1,10.0.0.0/8,::1", "::1 is listed twice");
	parse_bad("127.0.0.1,127.0.0.1/32",
	          "127.0.0.1/32 is the same as 127.0.0.1, listed before it");
	parse_bad("2001:db8::/32,2001:DB8::/32",
	          "2001:DB8::/32 is the same as 2001:db8::/32, listed before it");
	parse_bad("2001:db8::/32,2001:db8:0::/32",
	          "2001:db8:0::/32 is the same as 2001:db8::/32, listed before it");
	parse_bad("::ffff:10.0.0.0/104,10.0.0.0/8",
	          "10.0.0.0/8 is the same as ::ffff:10.0.0.0/104, listed before it");
	parse_bad("::ffff:127.0.0.1,127.0.0.1",
	          "127.0.0.1 is the same as ::ffff:127.0.0.1, listed before it");
}
END_TEST

/* Overlapping prefixes are not duplicates; a NULL why is allowed. */
START_TEST(accepted)
{
	struct cidr_list *l;

	l = parse_ok("10.0.0.0/8,10.1.0.0/16,10.1.2.3");
	cidr_free(l);
	l = parse_ok("0.0.0.0/0,::/0");
	cidr_free(l);
	l = parse_ok("::,0.0.0.0");
	ck_assert_int_eq(cidr_match(l, "::"), 1);
	ck_assert_int_eq(cidr_match(l, "0.0.0.0"), 1);
	ck_assert_int_eq(cidr_match(l, "::ffff:0.0.0.0"), 1);
	ck_assert_int_eq(cidr_match(l, "0.0.0.1"), 0);
	cidr_free(l);
	ck_assert_ptr_null(cidr_parse("10.0.0.1/8", NULL, 0));
	l = cidr_parse("10.0.0.0/8", NULL, 0);
	ck_assert_ptr_nonnull(l);
	cidr_free(l);
}
END_TEST

/* A short why buffer is filled, never overrun. */
START_TEST(short_why)
{
	char why[8];

	memset(why, 'x', sizeof(why));
	ck_assert_ptr_null(cidr_parse("10.0.0.1/8", why, 4));
	ck_assert_str_eq(why, "10.");
	ck_assert_int_eq(why[4], 'x');
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cidr");
	TCase *tc;

	tc = tcase_create("match");
	tcase_add_test(tc, ipv4_boundaries);
	tcase_add_test(tc, ipv4_ends);
	tcase_add_test(tc, ipv6_boundaries);
	tcase_add_test(tc, ipv6_ends);
	tcase_add_test(tc, mapped_addresses);
	tcase_add_test(tc, lists);
	tcase_add_test(tc, malformed_addresses);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, errors_empty);
	tcase_add_test(tc, errors_space);
	tcase_add_test(tc, errors_host_bits);
	tcase_add_test(tc, errors_prefix_length);
	tcase_add_test(tc, errors_address);
	tcase_add_test(tc, errors_duplicates);
	tcase_add_test(tc, accepted);
	tcase_add_test(tc, short_why);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
