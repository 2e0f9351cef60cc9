/* tz.c: time zones from TZif files (tz.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz.h"
#include "util.h"

/* A local time type (RFC 8536 section 3.2, ttinfo). */
struct tz_type {
	int32_t utoff;
	bool isdst;
};

/* One transition date of a POSIX TZ rule. */
struct tz_rule_date {
	char kind;    /* 'J': Jn, 1-365, no Feb 29; 'D': n, 0-365; 'M': Mm.w.d */
	int n;        /* the day for 'J' and 'D' */
	int m, w, d;  /* month 1-12, week 1-5 (5 = last), weekday 0-6 */
	int32_t time; /* seconds after local midnight; may be < 0 or > 24 h */
};

/* A POSIX TZ string: standard time, and daylight time between two dates. */
struct tz_rule {
	int32_t std_off; /* seconds east of UTC */
	int32_t dst_off;
	bool has_dst;
	struct tz_rule_date start; /* given in standard time */
	struct tz_rule_date end;   /* given in daylight time */
};

struct tz {
	size_t ntrans;
	int64_t *trans;      /* ascending */
	uint8_t *trans_type; /* index into types, per transition */
	size_t ntypes;
	struct tz_type *types;
	bool has_rule;
	struct tz_rule rule;
};


/* ---- calendar arithmetic (proleptic Gregorian) ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of y-m-d. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;                                    /* 0-399 */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0-365, from March */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            /* 0-146096 */
	return era * 146097 + doe - 719468;
}

/* The date of day number `days` since 1970-01-01. */
static void civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468, era, doe, yoe, doy, mp;

	era = floor_div(z, 146097);
	doe = z - era * 146097;                                       /* 0-146096 */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0-399 */
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* 0-365 */
	mp = (5 * doy + 2) / 153;                                     /* 0-11, from March */
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static int weekday_of(int64_t days)
{
	return (int)(((days % 7) + 11) % 7);
}

/* ---- POSIX TZ rules ---- */

/* The day (since the epoch) on which date d falls in year y. */
static int64_t rule_day(const struct tz_rule_date *d, int64_t y)
{
	int64_t jan1 = days_from_civil(y, 1, 1), first;
	int day, mlen;

	switch (d->kind) {
	case 'J':
		return jan1 + d->n - 1 + (is_leap(y) && d->n >= 60);
	case 'D':
		return jan1 + d->n;
	default:
		first = days_from_civil(y, d->m, 1);
		day = (d->d - weekday_of(first) + 7) % 7 + 7 * (d->w - 1);
		mlen = month_days(y, d->m);
		while (day >= mlen)
			day -= 7;
		return first + day;
	}
}

/*
 * The offset the rule gives at utc. The latest of the transitions of the
 * years around utc's wins; when a start and an end fall at the same
 * instant (daylight time all year, as in "EST5EDT,0/0,J365/25"), the start.
 */
static int32_t rule_offset(const struct tz_rule *r, int64_t utc)
{
	int64_t year, y, best = INT64_MIN, s, e;
	int m, d;
	bool dst = false;

	if (!r->has_dst)
		return r->std_off;
	civil_from_days(floor_div(utc + r->std_off, 86400), &year, &m, &d);
	for (y = year - 2; y <= year + 1; y++) {
		e = rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
		s = rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
		if (e <= utc && e >= best) {
			best = e;
			dst = false;
		}
		if (s <= utc && s >= best) {
			best = s;
			dst = true;
		}
	}
	return dst ? r->dst_off : r->std_off;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A number of at most three digits, from lo to hi. */
static bool rule_number(const char **s, int lo, int hi, int *out)
{
	const char *p = *s;
	int v = 0;

	if (!is_digit(*p))
		return false;
	while (is_digit(*p) && p - *s < 3)
		v = v * 10 + (*p++ - '0');
	if (is_digit(*p) || v < lo || v > hi)
		return false;
	*s = p;
	*out = v;
	return true;
}

/* [+|-]hh[:mm[:ss]], hours at most max_hours; in seconds. */
static bool rule_hms(const char **s, int max_hours, int32_t *out)
{
	const char *p = *s;
	int sign = 1, h, m = 0, sec = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (!rule_number(&p, 0, max_hours, &h))
		return false;
	if (*p == ':') {
		p++;
		if (!rule_number(&p, 0, 59, &m))
			return false;
		if (*p == ':') {
			p++;
			if (!rule_number(&p, 0, 59, &sec))
				return false;
		}
	}
	*s = p;
	*out = sign * (h * 3600 + m * 60 + sec);
	return true;
}

/* A zone abbreviation: three or more letters, or <...> of letters, digits,
 * '+' and '-'. */
static bool rule_name(const char **s)
{
	const char *p = *s, *start;

	if (*p == '<') {
		start = ++p;
		while (is_alpha(*p) || is_digit(*p) || *p == '+' || *p == '-')
			p++;
		if (*p != '>' || p - start < 3)
			return false;
		*s = p + 1;
		return true;
	}
	start = p;
	while (is_alpha(*p))
		p++;
	if (p - start < 3)
		return false;
	*s = p;
	return true;
}

/* Jn, n or Mm.w.d, then an optional /time (RFC 8536 allows -167 to 167 hours). */
static bool rule_date(const char **s, struct tz_rule_date *d)
{
	const char *p = *s;

	d->time = 2 * 3600;
	if (*p == 'J') {
		p++;
		d->kind = 'J';
		if (!rule_number(&p, 1, 365, &d->n))
			return false;
	} else if (*p == 'M') {
		p++;
		d->kind = 'M';
		if (!rule_number(&p, 1, 12, &d->m) || *p++ != '.' ||
		    !rule_number(&p, 1, 5, &d->w) || *p++ != '.' ||
		    !rule_number(&p, 0, 6, &d->d))
			return false;
	} else {
		d->kind = 'D';
		if (!rule_number(&p, 0, 365, &d->n))
			return false;
	}
	if (*p == '/') {
		p++;
		if (!rule_hms(&p, 167, &d->time))
			return false;
	}
	*s = p;
	return true;
}

/* Parse a TZ string; false when it is not one this code understands. A
 * daylight name without rules (a POSIX implementation-defined default) is
 * not. */
static bool rule_parse(const char *s, struct tz_rule *r)
{
	int32_t off;

	memset(r, 0, sizeof(*r));
	if (!rule_name(&s) || !rule_hms(&s, 24, &off))
		return false;
	r->std_off = -off;
	if (*s == '\0')
		return true;
	if (!rule_name(&s))
		return false;
	r->has_dst = true;
	r->dst_off = r->std_off + 3600;
	if (*s != ',') {
		if (!rule_hms(&s, 24, &off))
			return false;
		r->dst_off = -off;
	}
	if (*s++ != ',' || !rule_date(&s, &r->start) || *s++ != ',' || !rule_date(&s, &r->end))
		return false;
	return *s == '\0';
}

/* ---- TZif ---- */

struct tzif_header {
	char version; /* '\0' for version 1, else '2', '3', ... */
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

#define TZIF_HEADER 44

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static const char *read_header(const unsigned char *p, size_t avail, struct tzif_header *h)
{
	if (avail < TZIF_HEADER)
		return "truncated header";
	if (memcmp(p, "TZif", 4) != 0)
		return "not a TZif file (no TZif magic)";
	h->version = (char)p[4];
	if (h->version != '\0' && (h->version < '2' || h->version > '9'))
		return "unknown TZif version";
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	return NULL;
}

/* The size of the data block after header h, with tsize-byte times. */
static uint64_t block_size(const struct tzif_header *h, unsigned tsize)
{
	return (uint64_t)h->timecnt * tsize + h->timecnt + (uint64_t)h->typecnt * 6 +
	       h->charcnt + (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

/* Check and copy the data block at p (block_size bytes are there). */
static const char *read_block(struct tz *z, const unsigned char *p, const struct tzif_header *h,
                              unsigned tsize)
{
	const unsigned char *types, *ttinfo, *chars, *isstd, *isut;
	uint32_t i;

	if (h->typecnt == 0)
		return "no local time types";
	if (h->typecnt > 256)
		return "more than 256 local time types";
	if (h->charcnt == 0)
		return "no time zone designations";
	if (h->isstdcnt != 0 && h->isstdcnt != h->typecnt)
		return "standard/wall indicator count differs from the type count";
	if (h->isutcnt != 0 && h->isutcnt != h->typecnt)
		return "UT/local indicator count differs from the type count";
	types = p + (size_t)h->timecnt * tsize;
	ttinfo = types + h->timecnt;
	chars = ttinfo + (size_t)h->typecnt * 6;
	isstd = chars + h->charcnt + (size_t)h->leapcnt * (tsize + 4);
	isut = isstd + h->isstdcnt;

	z->ntrans = h->timecnt;
	z->ntypes = h->typecnt;
	z->trans = malloc(z->ntrans ? z->ntrans * sizeof(*z->trans) : 1);
	z->trans_type = malloc(z->ntrans ? z->ntrans : 1);
	z->types = malloc(z->ntypes * sizeof(*z->types));
	if (!z->trans || !z->trans_type || !z->types)
		return "out of memory";
	for (i = 0; i < h->timecnt; i++) {
		if (tsize == 8)
			z->trans[i] = be64(p + (size_t)i * 8);
		else
			z->trans[i] = (int32_t)be32(p + (size_t)i * 4);
		if (i > 0 && z->trans[i] <= z->trans[i - 1])
			return "transition times are not in ascending order";
		z->trans_type[i] = types[i];
		if (types[i] >= h->typecnt)
			return "a transition has a bad local time type index";
	}
	for (i = 0; i < h->typecnt; i++) {
		const unsigned char *t = ttinfo + (size_t)i * 6;
		int32_t utoff = (int32_t)be32(t);

		if (utoff < -89999 || utoff > 93599)
			return "a local time type has a UT offset out of range";
		if (t[4] > 1)
			return "a local time type has a bad isdst flag";
		if (t[5] >= h->charcnt || !memchr(chars + t[5], '\0', h->charcnt - t[5]))
			return "a local time type has a bad designation index";
		if ((h->isstdcnt && isstd[i] > 1) || (h->isutcnt && isut[i] > 1))
			return "a standard/wall or UT/local indicator is not 0 or 1";
		z->types[i].utoff = utoff;
		z->types[i].isdst = t[4];
	}
	return NULL;
}

/* Parse a whole TZif file. */
static const char *parse_tzif(struct tz *z, const unsigned char *p, size_t len)
{
	struct tzif_header h;
	const char *why;
	const unsigned char *nl;
	uint64_t size;
	size_t off;
	unsigned tsize = 4;

	if ((why = read_header(p, len, &h)))
		return why;
	size = block_size(&h, 4);
	if (size > len - TZIF_HEADER)
		return "truncated version 1 data (or counts larger than the file)";
	off = 0; /* where the header of the block used starts */
	if (h.version != '\0') {
		/* Skip the version 1 data for the 64-bit block after it. */
		off = TZIF_HEADER + (size_t)size;
		if (len - off < TZIF_HEADER)
			return "truncated version 2+ header";
		if ((why = read_header(p + off, len - off, &h)))
			return why;
		if (h.version == '\0')
			return "version 2+ header says version 1";
		tsize = 8;
		size = block_size(&h, 8);
		if (size > len - off - TZIF_HEADER)
			return "truncated version 2+ data (or counts larger than the file)";
	}
	if ((why = read_block(z, p + off + TZIF_HEADER, &h, tsize)))
		return why;
	off += TZIF_HEADER + (size_t)size;
	if (tsize == 4)
		return off == len ? NULL : "data after the end of the TZif data";

	/* The footer: newline, TZ string, newline. */
	if (off == len || p[off] != '\n')
		return "missing TZ string footer";
	off++;
	nl = memchr(p + off, '\n', len - off);
	if (!nl)
		return "unterminated TZ string footer";
	if ((size_t)(nl - p) + 1 != len)
		return "data after the TZ string footer";
	if (nl == p + off)
		return NULL; /* an empty footer: no rule after the last transition */
	{
		char footer[256];
		size_t flen = (size_t)(nl - (p + off));

		if (flen >= sizeof(footer) || memchr(p + off, '\0', flen))
			return "malformed TZ string footer";
		memcpy(footer, p + off, flen);
		footer[flen] = '\0';
		if (!rule_parse(footer, &z->rule))
			return "unsupported or malformed TZ string footer";
		z->has_rule = true;
	}
	return NULL;
}

/* ---- loading ---- */

static const char *name_problem(const char *name)
{
	const char *c;

	if (!name || !*name)
		return "a time zone name cannot be empty";
	if (name[0] == '/')
		return "a time zone name cannot be an absolute path";
	if (strstr(name, ".."))
		return "a time zone name cannot contain \"..\"";
	if (strlen(name) > TZ_MAX_NAME)
		return "a time zone name is at most 255 characters";
	for (c = name; *c; c++)
		if (!is_alpha(*c) && !is_digit(*c) && !strchr("/_+-", *c))
			return "a time zone name holds only letters, digits and / _ + -";
	return NULL;
}

/* Read at most TZ_MAX_FILE bytes of a regular file; NULL with errno set
 * (EFBIG when larger). */
static unsigned char *read_small_file(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf = NULL;
	size_t n = 0;
	ssize_t got;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto fail;
	}
	buf = malloc(TZ_MAX_FILE + 1);
	if (!buf)
		goto fail;
	while (n <= TZ_MAX_FILE) {
		got = read(fd, buf + n, TZ_MAX_FILE + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto fail;
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > TZ_MAX_FILE) {
		errno = EFBIG;
		goto fail;
	}
	close(fd);
	*len = n;
	return buf;
fail:
	err = errno;
	free(buf);
	close(fd);
	errno = err;
	return NULL;
}

struct tz *tz_load(const char *zoneinfo_dir, const char *name, char *why, size_t whylen)
{
	const char *problem = name_problem(name);
	unsigned char *data;
	struct tz *z;
	char *path;
	size_t len, plen;

	if (problem) {
		put_reason(why, whylen, "%s", problem);
		return NULL;
	}
	if (!zoneinfo_dir)
		zoneinfo_dir = TZ_DEFAULT_DIR;
	plen = strlen(zoneinfo_dir) + strlen(name) + 2;
	path = malloc(plen);
	if (!path) {
		put_reason(why, whylen, "out of memory");
		return NULL;
	}
	snprintf(path, plen, "%s/%s", zoneinfo_dir, name);
	data = read_small_file(path, &len);
	if (!data) {
		if (errno == ENOENT)
			put_reason(why, whylen, "unknown time zone %s (no file %s)", name, path);
		else
			put_reason(why, whylen, "cannot read time zone %s from %s: %s", name, path,
			    errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
		free(path);
		return NULL;
	}
	z = calloc(1, sizeof(*z));
	if (!z) {
		put_reason(why, whylen, "out of memory");
	} else if ((problem = parse_tzif(z, data, len))) {
		put_reason(why, whylen, "time zone %s (%s): %s", name, path, problem);
		tz_free(z);
		z = NULL;
	}
	free(data);
	free(path);
	return z;
}

void tz_free(struct tz *z)
{
	if (!z)
		return;
	free(z->trans);
	free(z->trans_type);
	free(z->types);
	free(z);
}

/* ---- queries ---- */

int tz_offset(const struct tz *z, int64_t utc, int32_t *utoff)
{
	size_t lo, hi, mid;

	if (!z || utc < -TZ_TIME_LIMIT || utc > TZ_TIME_LIMIT)
		return -1;
	if (z->ntrans == 0 || utc < z->trans[0]) {
		*utoff = z->ntrans == 0 && z->has_rule ? rule_offset(&z->rule, utc)
		                                        : z->types[0].utoff;
		return 0;
	}
	if (utc > z->trans[z->ntrans - 1] && z->has_rule) {
		*utoff = rule_offset(&z->rule, utc);
		return 0;
	}
	/* The last transition at or before utc: trans[lo] <= utc < trans[hi]. */
	lo = 0;
	hi = z->ntrans;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= utc)
			lo = mid;
		else
			hi = mid;
	}
	*utoff = z->types[z->trans_type[lo]].utoff;
	return 0;
}

void tz_local(const struct tz *z, int64_t utc, struct tz_time *out)
{
	int32_t utoff = 0;
	int64_t local, days, secs, year;

	if (utc < -TZ_TIME_LIMIT)
		utc = -TZ_TIME_LIMIT;
	if (utc > TZ_TIME_LIMIT)
		utc = TZ_TIME_LIMIT;
	if (tz_offset(z, utc, &utoff) != 0)
		utoff = 0;
	local = utc + utoff;
	days = floor_div(local, 86400);
	secs = local - days * 86400;
	civil_from_days(days, &year, &out->month, &out->day);
	out->year = (int)year;
	out->weekday = weekday_of(days);
	out->hour = (int)(secs / 3600);
	out->minute = (int)(secs / 60 % 60);
	out->second = (int)(secs % 60);
	out->utoff = utoff;
}
