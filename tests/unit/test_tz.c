/* test_tz.c: time zones from TZif files (tz.c). */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "tz.h"
#include "util.h"

/*
 * Every expected value below was computed outside writ while writing these
 * tests: the real zones with Python's zoneinfo and `TZ=zone date -d @EPOCH`
 * (tzdata as in Debian 12), the TZ string rules with glibc's
 * `TZ='rule' date -d @EPOCH '+%::z'`, except the two daylight-all-year
 * rules (RFC 8536 section 3.3.1), which glibc does not implement, from
 * Python's zoneinfo. (Python 3.11's zoneinfo puts the zero-based "n" form
 * a day early, and J59 on February 29 in leap years; glibc follows POSIX
 * there.)
 */

/* ---- the system's zones ---- */

static struct tz *system_zone(const char *name)
{
	char why[512] = "";
	struct tz *z = tz_load(TZ_DEFAULT_DIR, name, why, sizeof(why));

	/* No skipping: a missing zone fails (CI installs tzdata). */
	ck_assert_msg(z != NULL, "%s did not load: %s", name, why);
	return z;
}

struct local_case {
	const char *zone;
	int64_t utc;
	const char *local; /* "YYYY-MM-DD hh:mm:ss utoff" */
	int weekday;
};

static void local_is(const struct tz *z, const struct local_case *c)
{
	struct tz_time t;
	char got[96];
	int32_t off = 12345;

	memset(&t, 0x5a, sizeof(t));
	tz_local(z, c->utc, &t);
	snprintf(got, sizeof(got), "%04d-%02d-%02d %02d:%02d:%02d %ld", t.year, t.month, t.day,
	         t.hour, t.minute, t.second, (long)t.utoff);
	ck_assert_msg(strcmp(got, c->local) == 0, "%s at %lld: got %s, want %s", c->zone,
	              (long long)c->utc, got, c->local);
	ck_assert_msg(t.weekday == c->weekday, "%s at %lld: weekday %d, want %d", c->zone,
	              (long long)c->utc, t.weekday, c->weekday);
	ck_assert_int_eq(tz_offset(z, c->utc, &off), 0);
	ck_assert_int_eq(off, t.utoff);
}

static void check_cases(const struct local_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct tz *z = system_zone(cases[i].zone);
		local_is(z, &cases[i]);
		tz_free(z);
	}
}

START_TEST(paris_2026)
{
	static const struct local_case cases[] = {
		/* Spring forward: 02:00 CET is 03:00 CEST. */
		{ "Europe/Paris", 1774745999, "2026-03-29 01:59:59 3600", 0 },
		{ "Europe/Paris", 1774746000, "2026-03-29 03:00:00 7200", 0 },
		/* Fall back: 03:00 CEST is 02:00 CET. */
		{ "Europe/Paris", 1792889999, "2026-10-25 02:59:59 7200", 0 },
		{ "Europe/Paris", 1792890000, "2026-10-25 02:00:00 3600", 0 },
		{ "Europe/Paris", 1795435200, "2026-11-23 13:00:00 3600", 1 },
	};

	check_cases(cases, ARRAY_SIZE(cases));
}
END_TEST

START_TEST(new_york_2026)
{
	static const struct local_case cases[] = {
		{ "America/New_York", 1772953199, "2026-03-08 01:59:59 -18000", 0 },
		{ "America/New_York", 1772953200, "2026-03-08 03:00:00 -14400", 0 },
		{ "America/New_York", 1793512799, "2026-11-01 01:59:59 -14400", 0 },
		{ "America/New_York", 1793512800, "2026-11-01 01:00:00 -18000", 0 },
	};

	check_cases(cases, ARRAY_SIZE(cases));
}
END_TEST

/* Southern hemisphere: daylight time spans the new year. */
START_TEST(sydney_2026)
{
	static const struct local_case cases[] = {
		{ "Australia/Sydney", 1775318399, "2026-04-05 02:59:59 39600", 0 },
		{ "Australia/Sydney", 1775318400, "2026-04-05 02:00:00 36000", 0 },
		{ "Australia/Sydney", 1791043199, "2026-10-04 01:59:59 36000", 0 },
		{ "Australia/Sydney", 1791043200, "2026-10-04 03:00:00 39600", 0 },
	};

	check_cases(cases, ARRAY_SIZE(cases));
}
END_TEST

/* After 2037 the transition tables of most TZif files end: the footer
 * rule decides. */
START_TEST(beyond_the_table)
{
	static const struct local_case cases[] = {
		{ "Europe/Paris", 2224756800, "2040-07-01 14:00:00 7200", 0 },
		{ "Europe/Paris", 2210241600, "2040-01-15 13:00:00 3600", 0 },
		{ "Europe/Paris", 2216249999, "2040-03-25 01:59:59 3600", 0 },
		{ "Europe/Paris", 2216250000, "2040-03-25 03:00:00 7200", 0 },
		{ "Europe/Paris", 2234998799, "2040-10-28 02:59:59 7200", 0 },
		{ "Europe/Paris", 2234998800, "2040-10-28 02:00:00 3600", 0 },
		{ "Australia/Sydney", 2216822399, "2040-04-01 02:59:59 39600", 0 },
		{ "Australia/Sydney", 2216822400, "2040-04-01 02:00:00 36000", 0 },
		{ "Australia/Sydney", 2233151999, "2040-10-07 01:59:59 36000", 0 },
		{ "Australia/Sydney", 2233152000, "2040-10-07 03:00:00 39600", 0 },
		{ "Australia/Sydney", 2240571600, "2041-01-01 00:00:00 39600", 2 },
		{ "America/New_York", 4108690799, "2100-03-14 01:59:59 -18000", 0 },
		{ "America/New_York", 4108690800, "2100-03-14 03:00:00 -14400", 0 },
	};

	check_cases(cases, ARRAY_SIZE(cases));
}
END_TEST

/* Before the first transition: the first local time type (local mean time). */
START_TEST(before_the_table)
{
	static const struct local_case cases[] = {
		{ "Europe/Paris", -5364662400, "1800-01-01 00:09:21 561", 3 },
		{ "America/New_York", -2717650801, "1883-11-18 12:03:57 -17762", 0 },
		{ "America/New_York", -2717650800, "1883-11-18 12:00:00 -18000", 0 },
	};

	check_cases(cases, ARRAY_SIZE(cases));
}
END_TEST

START_TEST(fixed_offsets)
{
	static const struct local_case cases[] = {
		{ "Asia/Kolkata", 1795392000, "2026-11-23 05:30:00 19800", 1 },
		{ "Asia/Kolkata", -1, "1970-01-01 05:29:59 19800", 4 },
		{ "UTC", 1795437296, "2026-11-23 12:34:56 0", 1 },
		{ "UTC", 0, "1970-01-01 00:00:00 0", 4 },
		{ "UTC", -1, "1969-12-31 23:59:59 0", 3 },
		{ "UTC", 951782400, "2000-02-29 00:00:00 0", 2 },
		{ "UTC", -2203891200, "1900-03-01 00:00:00 0", 4 },
		{ "UTC", 13574649599, "2400-02-29 23:59:59 0", 2 },
		{ "Etc/UTC", 1795392000, "2026-11-23 00:00:00 0", 1 },
	};

	check_cases(cases, ARRAY_SIZE(cases));
}
END_TEST

/* 2026-11-23 is a Monday, in every zone whose local date it is. */
START_TEST(weekdays)
{
	static const char *const zones[] = { "UTC", "Europe/Paris", "America/New_York",
		                             "Australia/Sydney", "Asia/Kolkata" };
	/* Local noon on 2026-11-23: 12:00 minus the zone's offset then. */
	static const int64_t noon[] = { 1795435200, 1795431600, 1795453200, 1795395600,
		                        1795415400 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(zones); i++) {
		struct tz *z = system_zone(zones[i]);
		struct tz_time t;

		tz_local(z, noon[i], &t);
		ck_assert_msg(t.year == 2026 && t.month == 11 && t.day == 23 && t.hour == 12,
		              "%s: %d-%d-%d %d h", zones[i], t.year, t.month, t.day, t.hour);
		ck_assert_msg(t.weekday == 1, "%s: weekday %d", zones[i], t.weekday);
		tz_free(z);
	}
}
END_TEST

/* The date arithmetic, against glibc's gmtime_r, from year 1 to 9999 and
 * at the ends of the range. */
START_TEST(calendar_against_gmtime)
{
	static const int64_t ends[] = { -TZ_TIME_LIMIT, -TZ_TIME_LIMIT + 1, TZ_TIME_LIMIT - 1,
		                        TZ_TIME_LIMIT, -62135596801, 253402300800 };
	struct tz *z = system_zone("UTC");
	int64_t t;
	size_t i;

	for (t = -62135596800; t <= 253402300799 + 3208517; t += 3208517) {
		struct tz_time lt;
		struct tm tm;
		time_t tt = (time_t)t;

		ck_assert_ptr_nonnull(gmtime_r(&tt, &tm));
		tz_local(z, t, &lt);
		ck_assert_msg(lt.year == tm.tm_year + 1900 && lt.month == tm.tm_mon + 1 &&
		              lt.day == tm.tm_mday && lt.hour == tm.tm_hour &&
		              lt.minute == tm.tm_min && lt.second == tm.tm_sec &&
		              lt.weekday == tm.tm_wday && lt.utoff == 0,
		              "%lld: %d-%d-%d %d:%d:%d wd %d", (long long)t, lt.year, lt.month,
		              lt.day, lt.hour, lt.minute, lt.second, lt.weekday);
	}
	for (i = 0; i < ARRAY_SIZE(ends); i++) {
		struct tz_time lt;
		struct tm tm;
		time_t tt = (time_t)ends[i];

		ck_assert_ptr_nonnull(gmtime_r(&tt, &tm));
		tz_local(z, ends[i], &lt);
		ck_assert_msg(lt.year == tm.tm_year + 1900 && lt.month == tm.tm_mon + 1 &&
		              lt.day == tm.tm_mday && lt.hour == tm.tm_hour &&
		              lt.minute == tm.tm_min && lt.second == tm.tm_sec &&
		              lt.weekday == tm.tm_wday,
		              "%lld: %d-%d-%d %d:%d:%d wd %d", (long long)ends[i], lt.year,
		              lt.month, lt.day, lt.hour, lt.minute, lt.second, lt.weekday);
	}
	tz_free(z);
}
END_TEST

/* Beyond TZ_TIME_LIMIT tz_offset refuses and tz_local clamps. */
START_TEST(time_limits)
{
	struct tz *z = system_zone("Europe/Paris");
	struct tz_time a, b;
	int32_t off = 99;

	ck_assert_int_eq(tz_offset(z, TZ_TIME_LIMIT, &off), 0);
	ck_assert_int_eq(tz_offset(z, -TZ_TIME_LIMIT, &off), 0);
	ck_assert_int_eq(tz_offset(z, TZ_TIME_LIMIT + 1, &off), -1);
	ck_assert_int_eq(tz_offset(z, -TZ_TIME_LIMIT - 1, &off), -1);
	ck_assert_int_eq(tz_offset(z, INT64_MAX, &off), -1);
	ck_assert_int_eq(tz_offset(z, INT64_MIN, &off), -1);
	ck_assert_int_eq(tz_offset(NULL, 0, &off), -1);
	tz_local(z, INT64_MAX, &a);
	tz_local(z, TZ_TIME_LIMIT, &b);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	tz_local(z, INT64_MIN, &a);
	tz_local(z, -TZ_TIME_LIMIT, &b);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	tz_free(z);
}
END_TEST

/* The process's TZ plays no part. */
START_TEST(process_tz_ignored)
{
	static const struct local_case c = { "Europe/Paris", 1774746000,
		                             "2026-03-29 03:00:00 7200", 0 };
	struct tz *z;

	ck_assert_int_eq(setenv("TZ", "America/New_York", 1), 0);
	tzset();
	z = system_zone("Europe/Paris");
	local_is(z, &c);
	tz_free(z);
}
END_TEST

/* ---- names ---- */

static void refused(const char *dir, const char *name, const char *why_part)
{
	char why[512] = "";
	struct tz *z = tz_load(dir, name, why, sizeof(why));

	ck_assert_msg(z == NULL, "\"%s\" loaded", name ? name : "(null)");
	ck_assert_msg(strstr(why, why_part) != NULL, "\"%s\": got \"%s\", want \"%s\"",
	              name ? name : "(null)", why, why_part);
}

START_TEST(names_refused)
{
	refused(TZ_DEFAULT_DIR, "", "a time zone name cannot be empty");
	refused(TZ_DEFAULT_DIR, NULL, "a time zone name cannot be empty");
	refused(TZ_DEFAULT_DIR, "/etc/localtime", "a time zone name cannot be an absolute path");
	refused(TZ_DEFAULT_DIR, "/usr/share/zoneinfo/UTC",
	        "a time zone name cannot be an absolute path");
	refused(TZ_DEFAULT_DIR, "../etc/passwd", "a time zone name cannot contain \"..\"");
	refused(TZ_DEFAULT_DIR, "Europe/../../../etc/passwd",
	        "a time zone name cannot contain \"..\"");
	refused(TZ_DEFAULT_DIR, "Europe/..", "a time zone name cannot contain \"..\"");
	refused(TZ_DEFAULT_DIR, "Europe/Paris.tmp",
	        "a time zone name holds only letters, digits and / _ + -");
	refused(TZ_DEFAULT_DIR, "./UTC", "a time zone name holds only letters, digits and / _ + -");
	refused(TZ_DEFAULT_DIR, "Europe/Paris ",
	        "a time zone name holds only letters, digits and / _ + -");
	refused(TZ_DEFAULT_DIR, "Europe\\Paris",
	        "a time zone name holds only letters, digits and / _ + -");
	refused(TZ_DEFAULT_DIR, "Europe/Paris\n",
	        "a time zone name holds only letters, digits and / _ + -");
	refused(TZ_DEFAULT_DIR, "Europe/Z\xc3\xbcrich",
	        "a time zone name holds only letters, digits and / _ + -");
	refused(TZ_DEFAULT_DIR, "UTC%s", "a time zone name holds only letters, digits and / _ + -");
	refused(TZ_DEFAULT_DIR, "Europe/Nowhere",
	        "unknown time zone Europe/Nowhere (no file /usr/share/zoneinfo/Europe/Nowhere)");
	refused(TZ_DEFAULT_DIR, "Europe", "Is a directory");
	refused(TZ_DEFAULT_DIR, "Europe/", "Is a directory");
}
END_TEST

START_TEST(names_long)
{
	char name[TZ_MAX_NAME + 2];

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	refused(TZ_DEFAULT_DIR, name, "a time zone name is at most 255 characters");
	name[TZ_MAX_NAME] = '\0';
	refused(TZ_DEFAULT_DIR, name, "unknown time zone");
}
END_TEST

/* The characters allowed: zones such as Etc/GMT+5 and America/Port-au-Prince. */
START_TEST(names_allowed)
{
	struct tz *z;
	int32_t off;

	z = system_zone("Etc/GMT+5");
	ck_assert_int_eq(tz_offset(z, 1795392000, &off), 0);
	ck_assert_int_eq(off, -18000);
	tz_free(z);
	z = system_zone("America/Port-au-Prince");
	tz_free(z);
	z = system_zone("America/Argentina/Buenos_Aires");
	ck_assert_int_eq(tz_offset(z, 1795392000, &off), 0);
	ck_assert_int_eq(off, -10800);
	tz_free(z);
	z = tz_load(NULL, "UTC", NULL, 0);
	ck_assert_ptr_nonnull(z);
	tz_free(z);
	tz_free(NULL);
}
END_TEST

/* ---- files written by the tests ---- */

static char tmpdir[64];

static void tmpdir_create(void)
{
	strcpy(tmpdir, "/tmp/writ-tz-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmpdir_remove(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char path[512];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		if (unlink(path) != 0)
			rmdir(path);
	}
	closedir(d);
	rmdir(tmpdir);
}

static void write_file(const char *name, const void *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* The whole of a file under /usr/share/zoneinfo; caller frees. */
static unsigned char *system_file(const char *name, size_t *len)
{
	char path[512];
	unsigned char *data;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", TZ_DEFAULT_DIR, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot read %s (is tzdata installed?)", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_gt(n, 0);
	rewind(f);
	data = malloc((size_t)n);
	ck_assert_ptr_nonnull(data);
	ck_assert_uint_eq(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return data;
}

/* Load name from the test directory: it must fail with why_part in the reason. */
static void bad_file(const char *name, const char *why_part)
{
	refused(tmpdir, name, why_part);
}

static struct tz *good_file(const char *name)
{
	char why[512] = "";
	struct tz *z = tz_load(tmpdir, name, why, sizeof(why));

	ck_assert_msg(z != NULL, "%s did not load: %s", name, why);
	return z;
}

static void offset_is(const struct tz *z, int64_t utc, int32_t want)
{
	int32_t off = 12345;

	ck_assert_int_eq(tz_offset(z, utc, &off), 0);
	ck_assert_msg(off == want, "at %lld: offset %ld, want %ld", (long long)utc, (long)off,
	              (long)want);
}

/*
 * A TZif file, built field by field (RFC 8536 section 3). A version 2+ file
 * carries a decoy version 1 block (one type, +1234 s) that must be skipped.
 */
struct spec {
	char version; /* '\0' for version 1 */
	size_t ntrans;
	const int64_t *trans;
	const unsigned char *idx;
	size_t ntypes;
	const int32_t *utoff;
	const unsigned char *isdst;
	const unsigned char *desig;
	const char *chars;
	size_t nchars;
	size_t nleaps;
	const int64_t *leaps; /* time, correction pairs */
	int indicators;       /* write isstd and isut: 0 for all but the last type */
	const char *footer;   /* version 2+: the TZ string; NULL for none at all */
};

struct built {
	struct buf b;
	size_t header; /* offset of the header of the block tz reads */
};

/* Header field offsets. */
enum { H_VERSION = 4, H_ISUT = 20, H_ISSTD = 24, H_LEAP = 28, H_TIME = 32, H_TYPE = 36,
       H_CHAR = 40 };

static void put_be(struct buf *b, uint64_t v, int bytes)
{
	while (bytes-- > 0)
		buf_putc(b, (char)(v >> (8 * bytes)));
}

static void set_be32(struct built *f, size_t at, uint32_t v)
{
	unsigned char *p = (unsigned char *)f->b.data + at;

	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void put_header(struct buf *b, char version, uint32_t isut, uint32_t isstd, uint32_t leap,
                       uint32_t time, uint32_t type, uint32_t chars)
{
	buf_append(b, "TZif", 4);
	buf_putc(b, version);
	buf_append(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15);
	put_be(b, isut, 4);
	put_be(b, isstd, 4);
	put_be(b, leap, 4);
	put_be(b, time, 4);
	put_be(b, type, 4);
	put_be(b, chars, 4);
}

static void build(const struct spec *s, struct built *f)
{
	int tsize = s->version ? 8 : 4;
	uint32_t ind = s->indicators ? (uint32_t)s->ntypes : 0;
	size_t i;
	int pass;

	buf_init(&f->b);
	if (s->version) {
		put_header(&f->b, s->version, 0, 0, 0, 0, 1, 4);
		put_be(&f->b, 1234, 4);
		buf_append(&f->b, "\0\0DCY\0", 6);
	}
	f->header = f->b.len;
	put_header(&f->b, s->version, ind, ind, (uint32_t)s->nleaps, (uint32_t)s->ntrans,
	           (uint32_t)s->ntypes, (uint32_t)s->nchars);
	for (i = 0; i < s->ntrans; i++)
		put_be(&f->b, (uint64_t)s->trans[i], tsize);
	buf_append(&f->b, (const char *)s->idx, s->ntrans);
	for (i = 0; i < s->ntypes; i++) {
		put_be(&f->b, (uint32_t)s->utoff[i], 4);
		buf_putc(&f->b, (char)s->isdst[i]);
		buf_putc(&f->b, (char)(s->desig ? s->desig[i] : 0));
	}
	buf_append(&f->b, s->chars, s->nchars);
	for (i = 0; i < s->nleaps; i++) {
		put_be(&f->b, (uint64_t)s->leaps[2 * i], tsize);
		put_be(&f->b, (uint64_t)s->leaps[2 * i + 1], 4);
	}
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < ind; i++)
			buf_putc(&f->b, i + 1 == ind);
	if (s->version && s->footer) {
		buf_putc(&f->b, '\n');
		buf_puts(&f->b, s->footer);
		buf_putc(&f->b, '\n');
	}
	ck_assert(!f->b.oom);
}

static void write_built(const char *name, const struct built *f)
{
	write_file(name, f->b.data, f->b.len);
}

/* ---- TZ string rules, each in a file with no transitions ---- */

static const struct {
	const char *rule;
	int32_t std;
	int64_t points[24][2]; /* utc, offset; ends at utc 0 */
} rules[] = {
	{ "<+0530>-5:30", 19800, {
		{ 962409600, 19800 }, { 1719792000, 19800 }, { 1751328000, 19800 },
		{ 4118083200, 19800 },
	} },
	{ "LMT-0:09:21", 561, {
		{ 962409600, 561 }, { 1719792000, 561 }, { 1751328000, 561 },
		{ 4118083200, 561 },
	} },
	{ "EST5EDT,0/0,J365/25", -18000, {
		{ 946702800, -14400 }, { 962409600, -14400 }, { 1709208000, -14400 },
		{ 1719792000, -14400 }, { 1735689599, -14400 }, { 1735689600, -14400 },
		{ 1735703999, -14400 }, { 1735704000, -14400 }, { 1735707600, -14400 },
		{ 1751328000, -14400 }, { 4118083200, -14400 },
	} },
	{ "XXX3YYY,J60/2,J300/2", -10800, {
		{ 951886799, -10800 }, { 951886800, -7200 }, { 962409600, -7200 },
		{ 972619199, -7200 }, { 972619200, -10800 }, { 1709269199, -10800 },
		{ 1709269200, -7200 }, { 1719792000, -7200 }, { 1730001599, -7200 },
		{ 1730001600, -10800 }, { 1740805199, -10800 }, { 1740805200, -7200 },
		{ 1751328000, -7200 }, { 1761537599, -7200 }, { 1761537600, -10800 },
		{ 4107560399, -10800 }, { 4107560400, -7200 }, { 4118083200, -7200 },
		{ 4128292799, -7200 }, { 4128292800, -10800 },
	} },
	{ "AAA-1BBB,59/2,300/2", 3600, {
		{ 951785999, 3600 }, { 951786000, 7200 }, { 962409600, 7200 },
		{ 972604799, 7200 }, { 972604800, 3600 }, { 1709168399, 3600 },
		{ 1709168400, 7200 }, { 1719792000, 7200 }, { 1729987199, 7200 },
		{ 1729987200, 3600 }, { 1740790799, 3600 }, { 1740790800, 7200 },
		{ 1751328000, 7200 }, { 1761609599, 7200 }, { 1761609600, 3600 },
		{ 4107545999, 3600 }, { 4107546000, 7200 }, { 4118083200, 7200 },
		{ 4128364799, 7200 }, { 4128364800, 3600 },
	} },
	{ "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", -7200, {
		{ 954032399, -7200 }, { 954032400, -3600 }, { 962409600, -3600 },
		{ 972781199, -3600 }, { 972781200, -7200 }, { 1711846799, -7200 },
		{ 1711846800, -3600 }, { 1719792000, -3600 }, { 1729990799, -3600 },
		{ 1729990800, -7200 }, { 1743296399, -7200 }, { 1743296400, -3600 },
		{ 1751328000, -3600 }, { 1761440399, -3600 }, { 1761440400, -7200 },
		{ 4109878799, -7200 }, { 4109878800, -3600 }, { 4118083200, -3600 },
		{ 4128627599, -3600 }, { 4128627600, -7200 },
	} },
	{ "IST-2IDT,M3.4.4/26,M10.5.0", 7200, {
		{ 953855999, 7200 }, { 953856000, 10800 }, { 962409600, 10800 },
		{ 972773999, 10800 }, { 972774000, 7200 }, { 1711670399, 7200 },
		{ 1711670400, 10800 }, { 1719792000, 10800 }, { 1729983599, 10800 },
		{ 1729983600, 7200 }, { 1743119999, 7200 }, { 1743120000, 10800 },
		{ 1751328000, 10800 }, { 1761433199, 10800 }, { 1761433200, 7200 },
		{ 4109702399, 7200 }, { 4109702400, 10800 }, { 4118083200, 10800 },
		{ 4128620399, 10800 }, { 4128620400, 7200 },
	} },
	{ "AEST-10AEDT,M10.1.0,M4.1.0/3", 36000, {
		{ 954604799, 39600 }, { 954604800, 36000 }, { 962409600, 36000 },
		{ 970329599, 36000 }, { 970329600, 39600 }, { 1712419199, 39600 },
		{ 1712419200, 36000 }, { 1719792000, 36000 }, { 1728143999, 36000 },
		{ 1728144000, 39600 }, { 1743868799, 39600 }, { 1743868800, 36000 },
		{ 1751328000, 36000 }, { 1759593599, 36000 }, { 1759593600, 39600 },
		{ 4110451199, 39600 }, { 4110451200, 36000 }, { 4118083200, 36000 },
		{ 4126175999, 36000 }, { 4126176000, 39600 },
	} },
	{ "<+1345>-13:45<+1445>,M9.5.0/2:45,M4.1.0/3:45", 49500, {
		{ 954593999, 53100 }, { 954594000, 49500 }, { 962409600, 49500 },
		{ 969713999, 49500 }, { 969714000, 53100 }, { 1712408399, 53100 },
		{ 1712408400, 49500 }, { 1719792000, 49500 }, { 1727528399, 49500 },
		{ 1727528400, 53100 }, { 1743857999, 53100 }, { 1743858000, 49500 },
		{ 1751328000, 49500 }, { 1758977999, 49500 }, { 1758978000, 53100 },
		{ 4110440399, 53100 }, { 4110440400, 49500 }, { 4118083200, 49500 },
		{ 4125560399, 49500 }, { 4125560400, 53100 },
	} },
	{ "PST8PDT7,M3.2.0/2:00:00,M11.1.0/2:00:00", -28800, {
		{ 952855199, -28800 }, { 952855200, -25200 }, { 962409600, -25200 },
		{ 973414799, -25200 }, { 973414800, -28800 }, { 1710064799, -28800 },
		{ 1710064800, -25200 }, { 1719792000, -25200 }, { 1730624399, -25200 },
		{ 1730624400, -28800 }, { 1741514399, -28800 }, { 1741514400, -25200 },
		{ 1751328000, -25200 }, { 1762073999, -25200 }, { 1762074000, -28800 },
		{ 4108701599, -28800 }, { 4108701600, -25200 }, { 4118083200, -25200 },
		{ 4129261199, -25200 }, { 4129261200, -28800 },
	} },
	{ "WART4WARST,J1/0,J365/25", -14400, {
		{ 962409600, -10800 }, { 1719792000, -10800 }, { 1735689599, -10800 },
		{ 1735704000, -10800 }, { 1735707600, -10800 }, { 1751328000, -10800 },
		{ 4102462800, -10800 }, { 4118083200, -10800 },
	} },
	/* Jn does not count February 29: J59 is February 28 in every year. */
	{ "AAA-3BBB,J59/12,J335/12", 10800, {
		{ 951728399, 10800 }, { 951728400, 14400 }, { 975657599, 14400 },
		{ 975657600, 10800 }, { 1709110799, 10800 }, { 1709110800, 14400 },
		{ 1733039999, 14400 }, { 1733040000, 10800 }, { 1740733199, 10800 },
		{ 1740733200, 14400 }, { 1764575999, 14400 }, { 1764576000, 10800 },
		{ 4107488399, 10800 }, { 4107488400, 14400 }, { 4131331199, 14400 },
		{ 4131331200, 10800 },
	} },
	{ "CET-1CEST,M3.5.0,M10.5.0/3", 3600, {
		{ 954032399, 3600 }, { 954032400, 7200 }, { 962409600, 7200 },
		{ 972781199, 7200 }, { 972781200, 3600 }, { 1711846799, 3600 },
		{ 1711846800, 7200 }, { 1719792000, 7200 }, { 1729990799, 7200 },
		{ 1729990800, 3600 }, { 1743296399, 3600 }, { 1743296400, 7200 },
		{ 1751328000, 7200 }, { 1761440399, 7200 }, { 1761440400, 3600 },
		{ 4109878799, 3600 }, { 4109878800, 7200 }, { 4118083200, 7200 },
		{ 4128627599, 7200 }, { 4128627600, 3600 },
	} },
};

/* A version 2 file with no transitions and one type: the rule is all. */
static void rule_file(const char *name, const char *rule, int32_t std)
{
	static const unsigned char zero = 0;
	struct spec s = { .version = '2', .ntypes = 1, .utoff = &std, .isdst = &zero,
		          .chars = "STD", .nchars = 4, .footer = rule };
	struct built f;

	build(&s, &f);
	write_built(name, &f);
	buf_free(&f.b);
}

START_TEST(tz_string_rules)
{
	size_t i, j;

	tmpdir_create();
	for (i = 0; i < ARRAY_SIZE(rules); i++) {
		struct tz *z;

		rule_file("rule", rules[i].rule, rules[i].std);
		z = good_file("rule");
		for (j = 0; rules[i].points[j][0] != 0; j++) {
			int32_t off = 12345;

			ck_assert_int_eq(tz_offset(z, rules[i].points[j][0], &off), 0);
			ck_assert_msg(off == rules[i].points[j][1], "%s at %lld: %ld, want %lld",
			              rules[i].rule, (long long)rules[i].points[j][0], (long)off,
			              (long long)rules[i].points[j][1]);
		}
		tz_free(z);
	}
	tmpdir_remove();
}
END_TEST

/*
 * Transitions from 1811 (beyond 32 bits) on, leap second records and
 * indicators (both ignored), a decoy version 1 block, and a footer rule for
 * after the last transition.
 */
static const int64_t mixed_trans[] = { -5000000000, 1000000000, 1100000000 };
static const unsigned char mixed_idx[] = { 1, 0, 2 };
static const int32_t mixed_utoff[] = { 3600, 7200, -10800 };
static const unsigned char mixed_isdst[] = { 0, 1, 0 };
static const unsigned char mixed_desig[] = { 0, 4, 8 };
static const int64_t mixed_leaps[] = { 78796800, 1, 94694401, 2 };

static struct spec mixed_spec(void)
{
	struct spec s = { .version = '2', .ntrans = 3, .trans = mixed_trans, .idx = mixed_idx,
		          .ntypes = 3, .utoff = mixed_utoff, .isdst = mixed_isdst,
		          .desig = mixed_desig, .chars = "AAA\0BBB\0CCC", .nchars = 12,
		          .nleaps = 2, .leaps = mixed_leaps, .indicators = 1,
		          .footer = "<-03>3" };
	return s;
}

static void check_mixed(const struct tz *z)
{
	offset_is(z, -5000000001, 3600);
	offset_is(z, -5000000000, 7200);
	offset_is(z, 999999999, 7200);
	offset_is(z, 1000000000, 3600);
	offset_is(z, 1099999999, 3600);
	offset_is(z, 1100000000, -10800);
	offset_is(z, 1100000001, -10800);
	offset_is(z, 2000000000, -10800);
}

START_TEST(built_versions)
{
	static const char versions[] = { '2', '3', '4' };
	struct spec s = mixed_spec();
	struct built f;
	struct tz *z;
	size_t i;

	tmpdir_create();
	for (i = 0; i < ARRAY_SIZE(versions); i++) {
		s.version = versions[i];
		build(&s, &f);
		write_built("mixed", &f);
		buf_free(&f.b);
		z = good_file("mixed");
		check_mixed(z);
		tz_free(z);
	}
	tmpdir_remove();
}
END_TEST

/* An empty footer: the last type stays after the last transition. */
START_TEST(built_empty_footer)
{
	struct spec s = mixed_spec();
	struct built f;
	struct tz *z;

	tmpdir_create();
	s.footer = "";
	build(&s, &f);
	write_built("mixed", &f);
	buf_free(&f.b);
	z = good_file("mixed");
	offset_is(z, 1100000000, -10800);
	offset_is(z, 4000000000, -10800);
	offset_is(z, 999999999, 7200);
	tz_free(z);
	tmpdir_remove();
}
END_TEST

/* A version 1 file: 32-bit times, no footer; the last type stays. */
START_TEST(built_version_1)
{
	static const int64_t trans[] = { 1000000000, 1100000000, 1200000000 };
	static const unsigned char idx[] = { 1, 0, 1 };
	static const int32_t utoff[] = { 3600, 7200 };
	static const unsigned char isdst[] = { 0, 1 };
	static const unsigned char desig[] = { 0, 4 };
	struct spec s = { .version = '\0', .ntrans = 3, .trans = trans, .idx = idx, .ntypes = 2,
		          .utoff = utoff, .isdst = isdst, .desig = desig,
		          .chars = "AAA\0BBB", .nchars = 8 };
	struct built f;
	struct tz *z;

	tmpdir_create();
	build(&s, &f);
	write_built("v1", &f);
	buf_free(&f.b);
	z = good_file("v1");
	offset_is(z, 0, 3600);
	offset_is(z, 999999999, 3600);
	offset_is(z, 1000000000, 7200);
	offset_is(z, 1100000000, 3600);
	offset_is(z, 1199999999, 3600);
	offset_is(z, 1200000000, 7200);
	offset_is(z, 2000000000, 7200);
	offset_is(z, 5000000000, 7200);
	tz_free(z);
	tmpdir_remove();
}
END_TEST

/* ---- malformed files ---- */

/* Build the mixed file, let patch change it, and expect why_part. */
static void bad_built(struct spec s, void (*patch)(struct built *), const char *why_part)
{
	struct built f;

	build(&s, &f);
	if (patch)
		patch(&f);
	write_built("bad", &f);
	buf_free(&f.b);
	bad_file("bad", why_part);
}

static void no_magic(struct built *f)
{
	f->b.data[0] = 'X';
}

static void version_1_digit(struct built *f)
{
	f->b.data[H_VERSION] = '1';
}

static void second_header_version_0(struct built *f)
{
	f->b.data[f->header + H_VERSION] = '\0';
}

static void second_header_bad_magic(struct built *f)
{
	f->b.data[f->header + 3] = 'F';
}

static void v1_timecnt_huge(struct built *f)
{
	set_be32(f, H_TIME, 0xffffffff);
}

static void v1_charcnt_huge(struct built *f)
{
	set_be32(f, H_CHAR, 0x7fffffff);
}

static void timecnt_huge(struct built *f)
{
	set_be32(f, f->header + H_TIME, 0xffffffff);
}

static void timecnt_plus_one(struct built *f)
{
	set_be32(f, f->header + H_TIME, 4);
}

static void typecnt_huge(struct built *f)
{
	set_be32(f, f->header + H_TYPE, 0x80000000);
}

static void leapcnt_huge(struct built *f)
{
	set_be32(f, f->header + H_LEAP, 0x40000000);
}

static void typecnt_zero(struct built *f)
{
	set_be32(f, f->header + H_TYPE, 0);
}

static void isstdcnt_one(struct built *f)
{
	set_be32(f, f->header + H_ISSTD, 1);
}

static void isutcnt_one(struct built *f)
{
	set_be32(f, f->header + H_ISUT, 1);
}

/* The last isut indicator is the byte before the footer "\n<-03>3\n". */
static void indicator_two(struct built *f)
{
	f->b.data[f->b.len - strlen("\n<-03>3\n") - 1] = 2;
}

static void footer_no_final_newline(struct built *f)
{
	f->b.len--;
}

static void footer_no_newlines(struct built *f)
{
	f->b.len -= strlen("\n<-03>3\n");
}

static void footer_no_first_newline(struct built *f)
{
	f->b.data[f->b.len - strlen("\n<-03>3\n")] = '<';
}

static void trailing_data(struct built *f)
{
	buf_puts(&f->b, "x");
}

static void trailing_newline(struct built *f)
{
	buf_puts(&f->b, "\n");
}

static void footer_nul(struct built *f)
{
	f->b.data[f->b.len - 3] = '\0';
}

START_TEST(malformed_headers)
{
	struct spec s = mixed_spec();

	tmpdir_create();
	bad_built(s, no_magic, "not a TZif file (no TZif magic)");
	bad_built(s, version_1_digit, "unknown TZif version");
	bad_built(s, second_header_version_0, "version 2+ header says version 1");
	bad_built(s, second_header_bad_magic, "not a TZif file (no TZif magic)");
	bad_built(s, v1_timecnt_huge,
	          "truncated version 1 data (or counts larger than the file)");
	bad_built(s, v1_charcnt_huge,
	          "truncated version 1 data (or counts larger than the file)");
	bad_built(s, timecnt_huge, "truncated version 2+ data (or counts larger than the file)");
	bad_built(s, typecnt_huge, "truncated version 2+ data (or counts larger than the file)");
	bad_built(s, leapcnt_huge, "truncated version 2+ data (or counts larger than the file)");
	/* One transition more shifts everything: a type index goes wrong. */
	s.footer = "CET-1CEST,M3.5.0,M10.5.0/3";
	bad_built(s, timecnt_plus_one, "a transition has a bad local time type index");
	s.footer = "<-03>3";
	bad_built(s, typecnt_zero, "no local time types");
	bad_built(s, isstdcnt_one, "standard/wall indicator count differs from the type count");
	bad_built(s, isutcnt_one, "UT/local indicator count differs from the type count");
	bad_built(s, indicator_two, "a standard/wall or UT/local indicator is not 0 or 1");
	s.version = '\0';
	s.footer = NULL;
	bad_built(s, trailing_data, "data after the end of the TZif data");
	tmpdir_remove();
}
END_TEST

START_TEST(malformed_data)
{
	static const int64_t descending[] = { -5000000000, 1100000000, 1000000000 };
	static const int64_t equal[] = { -5000000000, 1000000000, 1000000000 };
	static const unsigned char idx_3[] = { 1, 0, 3 };
	static const unsigned char idx_255[] = { 255, 0, 1 };
	static const unsigned char isdst_2[] = { 0, 2, 0 };
	static const unsigned char desig_12[] = { 0, 4, 12 };
	static const unsigned char desig_255[] = { 0, 255, 8 };
	static const int32_t utoff_big[] = { 3600, 93600, 0 };
	static const int32_t utoff_small[] = { -90000, 7200, 0 };
	static const int32_t utoff_min[] = { 3600, INT32_MIN, 0 };
	struct spec s;

	tmpdir_create();
	s = mixed_spec();
	s.trans = descending;
	bad_built(s, NULL, "transition times are not in ascending order");
	s.trans = equal;
	bad_built(s, NULL, "transition times are not in ascending order");
	s = mixed_spec();
	s.idx = idx_3;
	bad_built(s, NULL, "a transition has a bad local time type index");
	s.idx = idx_255;
	bad_built(s, NULL, "a transition has a bad local time type index");
	s = mixed_spec();
	s.isdst = isdst_2;
	bad_built(s, NULL, "a local time type has a bad isdst flag");
	s = mixed_spec();
	s.desig = desig_12;
	bad_built(s, NULL, "a local time type has a bad designation index");
	s.desig = desig_255;
	bad_built(s, NULL, "a local time type has a bad designation index");
	/* A designation with no NUL before the end of the characters. */
	s = mixed_spec();
	s.chars = "AAA\0BBB\0CCCC";
	bad_built(s, NULL, "a local time type has a bad designation index");
	s = mixed_spec();
	s.nchars = 0;
	s.desig = NULL;
	bad_built(s, NULL, "no time zone designations");
	s = mixed_spec();
	s.utoff = utoff_big;
	bad_built(s, NULL, "a local time type has a UT offset out of range");
	s.utoff = utoff_small;
	bad_built(s, NULL, "a local time type has a UT offset out of range");
	s.utoff = utoff_min;
	bad_built(s, NULL, "a local time type has a UT offset out of range");
	tmpdir_remove();
}
END_TEST

START_TEST(malformed_types_count)
{
	static int32_t utoff[257];
	static unsigned char isdst[257];
	struct spec s = { .version = '2', .ntypes = 257, .utoff = utoff, .isdst = isdst,
		          .chars = "STD", .nchars = 4, .footer = "STD0" };
	struct built f;
	struct tz *z;

	tmpdir_create();
	bad_built(s, NULL, "more than 256 local time types");
	s.ntypes = 256;
	build(&s, &f);
	write_built("ok", &f);
	buf_free(&f.b);
	z = good_file("ok");
	offset_is(z, 0, 0);
	tz_free(z);
	tmpdir_remove();
}
END_TEST

START_TEST(malformed_footers)
{
	static const char *const bad[] = {
		"CET-1CEST",          /* daylight time with no rule */
		"C-1",                /* a name of fewer than three letters */
		"<AB>-1",
		"<CET-1",
		"CET",                /* no offset */
		"CET-25",             /* offset hours beyond 24 */
		"CET-1:60",
		"CET-1:00:60",
		"CET-1CEST,M13.1.0,M10.5.0",
		"CET-1CEST,M0.1.0,M10.5.0",
		"CET-1CEST,M3.6.0,M10.5.0",
		"CET-1CEST,M3.0.0,M10.5.0",
		"CET-1CEST,M3.5.7,M10.5.0",
		"CET-1CEST,M3.5,M10.5.0",
		"CET-1CEST,J0,J365",
		"CET-1CEST,J366,J1",
		"CET-1CEST,366,1",
		"CET-1CEST,M3.5.0/168,M10.5.0",
		"CET-1CEST,M3.5.0/-168,M10.5.0",
		"CET-1CEST,M3.5.0,M10.5.0/3x",
		"CET-1CEST,M3.5.0",
		"CET-1CEST,M3.5.0,",
		"CET-1CEST,M3.5.0,M10.5.0,",
		"CET-1CEST-2-3,M3.5.0,M10.5.0",
		"CET-0001",
		"CET-1 ",
		"-1",
	};
	struct spec s = mixed_spec();
	char long_footer[300];
	size_t i;

	tmpdir_create();
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		s.footer = bad[i];
		bad_built(s, NULL, "unsupported or malformed TZ string footer");
	}
	memset(long_footer, 'A', sizeof(long_footer) - 1);
	long_footer[sizeof(long_footer) - 1] = '\0';
	s.footer = long_footer;
	bad_built(s, NULL, "malformed TZ string footer");
	s = mixed_spec();
	bad_built(s, footer_nul, "malformed TZ string footer");
	bad_built(s, footer_no_final_newline, "unterminated TZ string footer");
	bad_built(s, footer_no_newlines, "missing TZ string footer");
	bad_built(s, footer_no_first_newline, "missing TZ string footer");
	bad_built(s, trailing_data, "data after the TZ string footer");
	bad_built(s, trailing_newline, "data after the TZ string footer");
	s.footer = NULL;
	bad_built(s, NULL, "missing TZ string footer");
	tmpdir_remove();
}
END_TEST

START_TEST(malformed_files)
{
	char path[512];
	char *big;

	tmpdir_create();
	write_file("empty", "", 0);
	bad_file("empty", "time zone empty (");
	bad_file("empty", "): truncated header");
	write_file("text", "Europe/Paris is a nice place to be in, at any time of year\n", 59);
	bad_file("text", "not a TZif file (no TZif magic)");
	big = calloc(1, TZ_MAX_FILE + 1);
	ck_assert_ptr_nonnull(big);
	memcpy(big, "TZif2", 5);
	write_file("big", big, TZ_MAX_FILE + 1);
	free(big);
	bad_file("big", "larger than 1 MiB");
	snprintf(path, sizeof(path), "%s/dir", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	bad_file("dir", "Is a directory");
	bad_file("missing", "unknown time zone missing (no file ");
	tmpdir_remove();
}
END_TEST

/* Every proper prefix of a real file is refused. */
START_TEST(truncated_copies)
{
	size_t len, n;
	unsigned char *data = system_file("Europe/Paris", &len);
	struct tz *z;

	tmpdir_create();
	write_file("Paris", data, len);
	z = good_file("Paris");
	tz_free(z);
	for (n = 0; n < len; n++) {
		char why[512] = "";

		write_file("Paris", data, n);
		z = tz_load(tmpdir, "Paris", why, sizeof(why));
		ck_assert_msg(z == NULL, "Europe/Paris cut to %zu bytes loaded", n);
		ck_assert_msg(strncmp(why, "time zone Paris (", 17) == 0, "%zu: %s", n, why);
	}
	free(data);
	tmpdir_remove();
}
END_TEST

/*
 * Every byte of a real file inverted in turn: each copy is refused with a
 * reason or loads and answers (ASan and UBSan watch the reading).
 */
START_TEST(corrupted_copies)
{
	size_t len, i;
	unsigned char *data = system_file("America/New_York", &len);
	size_t refused_count = 0;

	tmpdir_create();
	for (i = 0; i < len; i++) {
		char why[512] = "";
		struct tz *z;
		struct tz_time t;

		data[i] ^= 0xff;
		write_file("NY", data, len);
		data[i] ^= 0xff;
		z = tz_load(tmpdir, "NY", why, sizeof(why));
		if (!z) {
			ck_assert_msg(why[0] != '\0', "byte %zu: no reason", i);
			refused_count++;
			continue;
		}
		tz_local(z, 1793512800, &t);
		tz_local(z, -5000000000, &t);
		tz_local(z, 5000000000, &t);
		tz_free(z);
	}
	/* The header, times and types are checked; designation text is not. */
	ck_assert_uint_gt(refused_count, len / 4);
	free(data);
	tmpdir_remove();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tz");
	TCase *tc;

	tc = tcase_create("zones");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, paris_2026);
	tcase_add_test(tc, new_york_2026);
	tcase_add_test(tc, sydney_2026);
	tcase_add_test(tc, beyond_the_table);
	tcase_add_test(tc, before_the_table);
	tcase_add_test(tc, fixed_offsets);
	tcase_add_test(tc, weekdays);
	tcase_add_test(tc, calendar_against_gmtime);
	tcase_add_test(tc, time_limits);
	tcase_add_test(tc, process_tz_ignored);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, names_refused);
	tcase_add_test(tc, names_long);
	tcase_add_test(tc, names_allowed);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, tz_string_rules);
	tcase_add_test(tc, built_versions);
	tcase_add_test(tc, built_empty_footer);
	tcase_add_test(tc, built_version_1);
	tcase_add_test(tc, malformed_headers);
	tcase_add_test(tc, malformed_data);
	tcase_add_test(tc, malformed_types_count);
	tcase_add_test(tc, malformed_footers);
	tcase_add_test(tc, malformed_files);
	tcase_add_test(tc, truncated_copies);
	tcase_add_test(tc, corrupted_copies);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
