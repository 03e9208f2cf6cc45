/* Timestamps: text to (seconds since the epoch UTC, nanoseconds) and back,
 * and the start of a time bucket. The library behind time(F) and
 * bucket(T, 5m) (issue 11).
 *
 * Rules:
 *  - Nothing is allocated. A gp_timeparser is a plain value the caller owns
 *    (one per input, so per-input locking never crosses inputs); it keeps a
 *    pointer to the caller's format string, which must outlive it. Inputs
 *    are the caller's bytes, not NUL-terminated; nothing of them is kept.
 *  - A parse either gives the exact instant or fails: Feb 30, 25:00, a
 *    month 13, trailing text, a bad offset are failures, never a wrong
 *    time. Blanks around the text are allowed. Fractions of any length are
 *    read, digits past the ninth are dropped (truncation toward the past).
 *    A leap second :60 is the first second of the next minute (as POSIX
 *    time_t has no leap seconds).
 *  - Auto-detected formats: RFC 3339 / ISO 8601 (`T`, `t` or a space;
 *    seconds and fractions optional; `.` or `,`; `Z`, ±hh:mm, ±hhmm, ±hh, or
 *    none = local), a date alone (midnight local), syslog `Jun  1 09:00:03`,
 *    CLF `01/Jun/2024:09:00:03 +0000` with or without brackets (or a blank
 *    for the colon after the year), epoch
 *    seconds/ms/µs/ns by digit count (10/13/16/19; seconds may carry a
 *    fraction). Year range 0000..9999.
 *  - Locking: after the first success the parser remembers the format (for
 *    ISO text also its shape: separator, fraction length, zone form) and
 *    tries it first with fixed-position digit reads; when it does not fit,
 *    detection runs again and locks the new format. Never strptime/mktime.
 *  - Local time (no zone in the text): the caller's fixed offset when
 *    `fixed_zone` is set (--tz), else the TZ zone. TZ offsets are asked of
 *    localtime_r once per quarter hour of wall time and cached in the
 *    parser. DST: a wall time that occurs twice (clocks going back) is the
 *    first of the two instants; a wall time in the gap (clocks going
 *    forward) is read with the offset in force before the gap, so 02:30 in
 *    a spring-forward gap reads as 03:30 after it (Python's fold=0).
 *  - Syslog has no year: the year is the reference time's year (the file's
 *    mtime, in the same local zone), minus one when the month is after the
 *    reference month (a December line in a file written in January). An
 *    explicit format without %Y (and without %s) uses the same rule.
 *  - Explicit formats: %Y four digits, %m %d %H %M %S one or two digits,
 *    %e a day with an optional leading space, %j a day of the year (1..3
 *    digits), %b a month's three-letter name (any case), %z as in ISO text
 *    (Z, ±hh:mm, ±hhmm, ±hh), %s epoch seconds (a sign allowed), %f the
 *    digits of a fraction (any length; `-1.25` read by "%s.%f" is -2 s +
 *    0.75 s), %% a percent sign; a blank matches any run of blanks, other
 *    bytes match themselves. Missing parts default to January 1, 00:00:00. */
#ifndef GP_TIMESTAMP_H
#define GP_TIMESTAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gp_time {
	int64_t sec;  /* seconds since 1970-01-01T00:00:00Z, may be negative */
	int32_t nsec; /* 0 .. 999999999, always added to sec */
} gp_time;

/* The formats detection knows; the parser locks onto one of them. */
typedef enum gp_time_kind {
	GP_TK_NONE,   /* not locked yet */
	GP_TK_ISO,    /* RFC 3339 / ISO 8601, or a date alone */
	GP_TK_SYSLOG, /* Jun  1 09:00:03 */
	GP_TK_CLF,    /* [01/Jun/2024:09:00:03 +0000] */
	GP_TK_EPOCH,  /* digits: 10 s (with a fraction), 13 ms, 16 us, 19 ns */
	GP_TK_FORMAT, /* the caller's explicit format */
} gp_time_kind;

/* What the caller says once per input. Zero is a valid default: TZ zone,
 * syslog reference "now" is NOT assumed (ref 0 = 1970; give the mtime). */
typedef struct gp_time_opts {
	const char *format; /* explicit strftime-like format, or NULL to detect */
	size_t format_len;
	bool fixed_zone;    /* local time is `zone_off`, not TZ (--tz) */
	int32_t zone_off;   /* seconds east of UTC */
	int64_t ref;        /* syslog year reference: the input's mtime, epoch s */
} gp_time_opts;

typedef struct gp_timeparser {
	gp_time_opts o;
	int ref_year, ref_month; /* from o.ref in the local zone */
	gp_time_kind kind;       /* the locked format */
	/* The locked ISO shape: length, separator, seconds, fraction digits,
	 * zone form (0 none, 'Z', ':' ±hh:mm, '4' ±hhmm, '2' ±hh). */
	struct {
		uint8_t len, sep, secs, frac, zone;
	} iso;
	uint8_t epoch_digits;    /* the locked epoch digit count */
	/* The last locked ISO minute (its 16 bytes YYYY-MM-DDTHH:MM) and its
	 * local wall seconds: consecutive lines mostly share it. */
	char minute[16];
	int64_t minute_base;
	bool minute_valid;
	/* The TZ offset cache, keyed by quarter hour of local wall time. */
	int64_t zone_key;
	int32_t zone_cached;
	bool zone_valid;
} gp_timeparser;

/* Sets up a parser; reads TZ (tzset) once when the zone is not fixed. */
void gp_timeparser_init(gp_timeparser *p, const gp_time_opts *o);

/* Parses s[0..n): the locked format first, then detection (or only the
 * explicit format, when one was given). False when it is no timestamp. */
bool gp_time_parse(gp_timeparser *p, const char *s, size_t n, gp_time *out);

/* The same answer without trying or changing the lock: detection every
 * time (literals in an expression, and the reference the tests hold the
 * locked path to). */
bool gp_time_parse_detect(gp_timeparser *p, const char *s, size_t n, gp_time *out);

/* Checks an explicit format once (at open): false, with *bad set to the
 * offset of the offending byte, when it has an unknown %-directive. */
bool gp_time_format_check(const char *fmt, size_t len, size_t *bad);

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), and back. No range check: callers validate. */
int64_t gp_days_from_civil(int64_t y, unsigned m, unsigned d);
void gp_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* Writes t as RFC 3339 in the zone `off` seconds east of UTC: `Z` when off
 * is 0, else ±hh:mm; a fraction only when nsec is not 0, with 3, 6 or 9
 * digits (the fewest that are exact). buf needs GP_TIME_TEXT bytes (a NUL
 * is written); returns the length, or 0 when the year is outside 0..9999. */
#define GP_TIME_TEXT 40
size_t gp_time_format(char *buf, gp_time t, int32_t off);

/* The start of the bucket of width `width_ns` (> 0) holding t:
 * floor(t / width) * width, counted from the epoch, so negative times fall
 * in the bucket that starts before them. False when width_ns <= 0. */
bool gp_time_bucket(gp_time t, int64_t width_ns, gp_time *start);

#endif
