/*
 * modules_env.c: the built-in modules that decide on the request's
 * surroundings rather than on the policy: `network` (the peer address) and
 * `time` (weekday and hour windows in a named time zone).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "context.h"
#include "tz.h"


#ifndef ZONEINFO_DIR
#define ZONEINFO_DIR "/usr/share/zoneinfo"
#endif

/* ---- network: allow=CIDR,... deny=CIDR,... ---- */

struct network {
	struct cidr_list *allow, *deny;
};

static void network_close(void *p)
{
	struct network *n = p;

	if (!n)
		return;
	cidr_free(n->allow);
	cidr_free(n->deny);
	free(n);
}

static int network_open(int argc, const char *const *argv, void **state, char *err,
                        size_t errlen, int *bad)
{
	struct network *n = calloc(1, sizeof(*n));
	char why[160];
	int i;

	if (!n) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < argc; i++) {
		const char *allow = module_arg(argv[i], "allow"), *deny = module_arg(argv[i], "deny");
		struct cidr_list **slot = allow ? &n->allow : deny ? &n->deny : NULL;
		if (!slot || *slot) {
			snprintf(err, errlen, "unknown or repeated argument \"%s\": "
			         "network takes allow=CIDR,... and deny=CIDR,...", argv[i]);
			goto fail;
		}
		*slot = cidr_parse(allow ? allow : deny, why, sizeof(why));
		if (!*slot) {
			snprintf(err, errlen, "%s", why);
			goto fail;
		}
	}
	if (!n->allow && !n->deny) {
		snprintf(err, errlen, "network needs allow=CIDR,... or deny=CIDR,...");
		network_close(n);
		return -1;
	}
	*state = n;
	return 0;
fail:
	*bad = i;
	network_close(n);
	return -1;
}

static int network_decide(const void *state, const writ_context *ctx, char *reason, size_t len)
{
	const struct network *n = state;
	const char *peer = writ_context_peer(ctx);
	int in;

	if (!peer) {
		if (len)
			snprintf(reason, len, "the peer address is unknown");
		return WRIT_MODULE_ERROR;
	}
	if (n->deny) {
		in = cidr_match(n->deny, peer);
		if (in < 0) {
			if (len)
				snprintf(reason, len, "the peer address is malformed");
			return WRIT_MODULE_ERROR;
		}
		if (in) {
			if (len)
				snprintf(reason, len, "%s is in a denied network", peer);
			return WRIT_MODULE_DENY;
		}
	}
	if (n->allow) {
		in = cidr_match(n->allow, peer);
		if (in < 0) {
			if (len)
				snprintf(reason, len, "the peer address is malformed");
			return WRIT_MODULE_ERROR;
		}
		if (!in) {
			if (len)
				snprintf(reason, len, "%s is outside the allowed networks", peer);
			return WRIT_MODULE_DENY;
		}
	}
	if (len)
		snprintf(reason, len, "%s is allowed", peer);
	return WRIT_MODULE_SUCCESS;
}

const struct writ_module mod_network = {
	WRIT_MODULE_TAG, WRIT_MODULE_ABI, "network", MODULE_ANY_FACILITY,
	network_open, network_decide, network_close,
};

/* ---- time: days=mon-fri hours=09:00-17:00 tz=Europe/Paris ---- */

struct window {
	unsigned days;       /* bit d for weekday d, 0 = Sunday */
	int from, to;        /* minutes of the day, [from, to); to < from wraps */
	struct tz *zone;
};

static void time_close(void *p)
{
	struct window *w = p;

	if (!w)
		return;
	tz_free(w->zone);
	free(w);
}

static int weekday(const char *s, size_t n)
{
	static const char *const names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
	int i;

	for (i = 0; i < 7; i++)
		if (n == 3 && strncmp(s, names[i], 3) == 0)
			return i;
	return -1;
}

/* "mon-fri", "sat,sun", "mon,wed-fri": ranges wrap (fri-mon). */
static bool parse_days(const char *s, unsigned *days)
{
	*days = 0;
	while (*s) {
		const char *end = strchr(s, ','), *dash;
		size_t n = end ? (size_t)(end - s) : strlen(s);
		int a, b;

		dash = memchr(s, '-', n);
		a = weekday(s, dash ? (size_t)(dash - s) : n);
		b = dash ? weekday(dash + 1, n - (size_t)(dash - s) - 1) : a;
		if (a < 0 || b < 0)
			return false;
		for (;; a = (a + 1) % 7) {
			*days |= 1u << a;
			if (a == b)
				break;
		}
		s += n + (end ? 1 : 0);
		if (end && !*s)
			return false;
	}
	return *days != 0;
}

static bool parse_hhmm(const char *s, size_t n, int *minutes)
{
	if (n != 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return false;
	*minutes = ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 + (s[4] - '0');
	return *minutes <= 24 * 60;
}

static int time_open(int argc, const char *const *argv, void **state, char *err,
                     size_t errlen, int *bad)
{
	struct window *w = calloc(1, sizeof(*w));
	const char *zone = "UTC", *v, *dash;
	char why[160];
	int i, tz_arg = -1;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	w->days = 0x7f;
	w->from = 0;
	w->to = 24 * 60;
	for (i = 0; i < argc; i++) {
		if ((v = module_arg(argv[i], "days"))) {
			if (!parse_days(v, &w->days)) {
				snprintf(err, errlen, "days=%s: write days as mon-fri or sat,sun", v);
				goto fail;
			}
		} else if ((v = module_arg(argv[i], "hours"))) {
			dash = strchr(v, '-');
			if (!dash || !parse_hhmm(v, (size_t)(dash - v), &w->from) ||
			    !parse_hhmm(dash + 1, strlen(dash + 1), &w->to) || w->from == w->to) {
				snprintf(err, errlen, "hours=%s: write hours as 09:00-17:00", v);
				goto fail;
			}
		} else if ((v = module_arg(argv[i], "tz"))) {
			zone = v;
			tz_arg = i;
		} else {
			snprintf(err, errlen, "unknown argument \"%s\": time takes days=, hours= and tz=",
			         argv[i]);
			goto fail;
		}
	}
	w->zone = tz_load(ZONEINFO_DIR, zone, why, sizeof(why));
	if (!w->zone) {
		snprintf(err, errlen, "%s", why);
		i = tz_arg;
		goto fail;
	}
	*state = w;
	return 0;
fail:
	*bad = i;
	time_close(w);
	return -1;
}

static int time_decide(const void *state, const writ_context *ctx, char *reason, size_t n)
{
	const struct window *w = state;
	int64_t utc = (int64_t)writ_context_time(ctx), local, day;
	int32_t off = 0;
	int minute, wday;
	bool inside;

	/* Only the weekday and the minute of the day matter: the zone's offset
	 * and two divisions, no calendar (1970-01-01 was a Thursday). */
	if (tz_offset(w->zone, utc, &off) != 0) {
		if (n)
			snprintf(reason, n, "the time is out of range");
		return WRIT_MODULE_ERROR;
	}
	local = utc + off;
	day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
	minute = (int)((local - day * 86400) / 60);
	wday = (int)(((day + 4) % 7 + 7) % 7);
	inside = (w->days >> wday & 1) &&
	         (w->from < w->to ? minute >= w->from && minute < w->to
	                          : minute >= w->from || minute < w->to);
	if (n) {
		struct tz_time lt;
		tz_local(w->zone, utc, &lt);
		snprintf(reason, n, "local time %04d-%02d-%02d %02d:%02d is %s the window", lt.year,
		         lt.month, lt.day, lt.hour, lt.minute, inside ? "inside" : "outside");
	}
	return inside ? WRIT_MODULE_SUCCESS : WRIT_MODULE_DENY;
}

const struct writ_module mod_time = {
	WRIT_MODULE_TAG, WRIT_MODULE_ABI, "time", MODULE_ANY_FACILITY,
	time_open, time_decide, time_close,
};
