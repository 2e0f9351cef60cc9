/*
 * tz.h: named time zones read from the system's TZif files (RFC 8536),
 * such as /usr/share/zoneinfo/Europe/Paris. A zone is loaded once and then
 * only read, by any number of threads: nothing here touches the process's
 * time zone state (TZ, tzset, localtime).
 *
 * The version 2+ data block is used when present (64-bit times), else the
 * version 1 block; leap seconds are ignored. Times after the last
 * transition follow the footer's POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3",
 * with the RFC 8536 section 3.3.1 extensions), times before the first one
 * the first local time type.
 */
#ifndef WRIT_TZ_H
#define WRIT_TZ_H

#include <stddef.h>
#include <stdint.h>

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
/* The largest TZif file read (the largest real ones are a few KiB). */
#define TZ_MAX_FILE (1024 * 1024)
/* The longest zone name accepted ("America/Argentina/ComodRivadavia" is 32). */
#define TZ_MAX_NAME 255
/* tz_offset answers for times within this many seconds of the epoch
 * (about 31 million years either way). */
#define TZ_TIME_LIMIT INT64_C(1000000000000000)

struct tz;

/* Civil time in a zone. */
struct tz_time {
	int year;
	int month;   /* 1-12 */
	int day;     /* 1-31 */
	int weekday; /* 0 = Sunday */
	int hour;    /* 0-23 */
	int minute;  /* 0-59 */
	int second;  /* 0-59 */
	int32_t utoff; /* seconds east of UTC */
};

/*
 * Load zone `name` ("Europe/Paris", "UTC") from zoneinfo_dir (NULL for
 * TZ_DEFAULT_DIR). Names that are empty, absolute, contain "..", or hold a
 * character outside [A-Za-z0-9/_+-] are refused. Returns the zone, or NULL
 * with the reason in why: a refused name, a file that cannot be read, or
 * malformed TZif data.
 */
struct tz *tz_load(const char *zoneinfo_dir, const char *name, char *why, size_t whylen);
/*
 * The UTC offset (seconds east) in effect at utc (seconds since the epoch).
 * Returns 0, or -1 when utc is beyond TZ_TIME_LIMIT (or z is NULL).
 */
int tz_offset(const struct tz *z, int64_t utc, int32_t *utoff);
/* Civil time in the zone at utc; times beyond TZ_TIME_LIMIT are clamped. */
void tz_local(const struct tz *z, int64_t utc, struct tz_time *out);
void tz_free(struct tz *z);

#endif
