/* Unit tests of core/timestamp: every detected format, explicit formats,
 * leap years, fractions, offsets, TZ and DST, invalid input, syslog year
 * rollback, epoch digit counts, RFC 3339 output, buckets, and the locked
 * path against detection on 10k seeded random timestamps. TAP output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/timestamp.h"
#include "tap.h"

/* 2024-06-01T09:00:03Z */
#define T0 1717232403

/* The seeded generator of the random tests (xorshift64). */
static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static gp_timeparser parser(const char *fmt, bool fixed, int32_t off, int64_t ref)
{
	gp_timeparser p;
	gp_time_opts o = { .format = fmt, .format_len = fmt ? strlen(fmt) : 0,
			   .fixed_zone = fixed, .zone_off = off, .ref = ref };
	gp_timeparser_init(&p, &o);
	return p;
}

static bool parses(gp_timeparser *p, const char *s, int64_t sec, int32_t nsec)
{
	gp_time t = { -7, -7 };
	bool r = gp_time_parse(p, s, strlen(s), &t);
	if (!r || t.sec != sec || t.nsec != nsec)
		printf("# '%s': %s %lld.%09d, want %lld.%09d\n", s, r ? "got" : "failed",
		       (long long)t.sec, (int)t.nsec, (long long)sec, (int)nsec);
	return r && t.sec == sec && t.nsec == nsec;
}

static bool fails(gp_timeparser *p, const char *s)
{
	gp_time t;
	return !gp_time_parse(p, s, strlen(s), &t) && !gp_time_parse_detect(p, s, strlen(s), &t);
}

static void test_civil(void)
{
	ok(gp_days_from_civil(1970, 1, 1) == 0, "1970-01-01 is day 0");
	ok(gp_days_from_civil(2000, 3, 1) == 11017, "2000-03-01 is day 11017");
	ok(gp_days_from_civil(1969, 12, 31) == -1, "1969-12-31 is day -1");
	ok(gp_days_from_civil(0, 1, 1) == -719528, "0000-01-01 is day -719528");
	bool all = true;
	for (int64_t z = -800000; z <= 3000000 && all; z += 13) {
		int64_t y;
		unsigned m, d;
		gp_civil_from_days(z, &y, &m, &d);
		all = gp_days_from_civil(y, m, d) == z;
	}
	ok(all, "civil_from_days and days_from_civil are inverse from year -220 to 10183");
}

static void test_iso(void)
{
	gp_timeparser p = parser(NULL, true, 0, 0);
	ok(parses(&p, "2024-06-01T09:00:03Z", T0, 0), "RFC 3339 Z");
	ok(parses(&p, "2024-06-01t09:00:03z", T0, 0), "RFC 3339 lower case t and z");
	ok(parses(&p, "2024-06-01 09:00:03.5+02:00", T0 - 7200, 500000000), "space, fraction, +02:00");
	ok(parses(&p, "2024-06-01T09:00:03.123456789123-0130", T0 + 5400, 123456789),
	   "12 fraction digits truncate to 9, -hhmm");
	ok(parses(&p, "2024-06-01T09:00:03,25+05", T0 - 18000, 250000000), "comma fraction, +hh");
	ok(parses(&p, "2024-06-01T09:00:03.000001Z", T0, 1000), "microseconds");
	ok(parses(&p, "2024-06-01T09:00Z", T0 - 3, 0), "no seconds");
	ok(parses(&p, "2024-06-01", T0 - 32403, 0), "a date alone is midnight");
	ok(parses(&p, "  2024-06-01T09:00:03Z\t", T0, 0), "blanks around");
	ok(parses(&p, "1969-12-31T23:59:59.25Z", -1, 250000000), "before the epoch");
	ok(parses(&p, "2016-12-31T23:59:60Z", 1483228800, 0), "a leap second is the next minute's first");
	gp_timeparser f = parser(NULL, true, 3600, 0);
	ok(parses(&f, "2024-06-01T09:00:03", T0 - 3600, 0), "no zone: the caller's fixed offset");
	ok(parses(&f, "2024-06-01T09:00:03Z", T0, 0), "a zone in the text wins over the fixed one");
}

static void test_leap(void)
{
	gp_timeparser p = parser(NULL, true, 0, 0);
	ok(parses(&p, "2024-02-29T00:00:00Z", 1709164800, 0), "2024-02-29");
	ok(parses(&p, "2000-02-29T00:00:00Z", 951782400, 0), "2000-02-29 (divisible by 400)");
	ok(fails(&p, "2023-02-29T00:00:00Z"), "2023-02-29 fails");
	ok(fails(&p, "1900-02-29T00:00:00Z"), "1900-02-29 fails (divisible by 100)");
	ok(parses(&p, "2024-12-31T23:59:59Z", 1735689599, 0), "the last second of a leap year");
}

static void test_invalid(void)
{
	gp_timeparser p = parser(NULL, true, 0, 0);
	static const char *const bad[] = {
		"", "   ", "garbage", "2024-02-30T00:00:00Z", "2024-06-01T25:00:00Z", "2024-06-01T24:00:00Z",
		"2024-06-01T09:60:00Z", "2024-06-01T09:00:61Z", "2024-13-01T00:00:00Z", "2024-00-10T00:00:00Z",
		"2024-06-00T00:00:00Z", "2024-04-31", "2024-06-01T09:00:03Zjunk", "2024-06-01T09:00:03+24:00",
		"2024-06-01T09:00:03+02:60", "2024-06-01T09:00:03.Z", "2024-06-01T09:00:03 Z", "2024-6-01T09:00:03Z",
		"2024-06-01X09:00:03Z", "2024-06-01T9:00:03Z", "2024-06-01T09:00:0", "2024-06-01T09", "2024-06-01T",
		"Jun 31 09:00:03", "Jux  1 09:00:03", "Jun  1 09:00", "Jun  1 09:00:03 host",
		"31/Jun/2024:09:00:03 +0000", "[01/Jun/2024:09:00:03 +0000", "01/Jun/2024:09:00:03 +000",
		"01/Jun/2024:09:00:03 Z", "171723240", "17172324031", "1717232403.", "1717232403.5x",
		"-1717232403", "１７１７２３２４０３",
	};
	bool all = true;
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
		if (!fails(&p, bad[k])) {
			printf("# '%s' parsed\n", bad[k]);
			all = false;
		}
	ok(all, "%zu invalid timestamps fail (Feb 30, 25:00, garbage, bad zones, digit counts)",
	   sizeof bad / sizeof bad[0]);
	gp_time t;
	ok(!gp_time_parse(&p, "2024-06-01T09:00:03Z\0", 21, &t), "an embedded NUL fails");
}

static void test_syslog(void)
{
	/* mtime 2024-01-15T12:00:00Z: a December line is from 2023 */
	gp_timeparser p = parser(NULL, true, 0, 1705320000);
	ok(parses(&p, "Jan  2 03:04:05", 1704164645, 0), "syslog in the reference year");
	ok(parses(&p, "Dec 31 23:59:59", 1704067199, 0), "syslog rollback: December is last year");
	ok(parses(&p, "Jan 15 12:00:00.25", 1705320000, 250000000), "syslog with a fraction");
	ok(parses(&p, "jan 02 03:04:05", 1704164645, 0), "syslog two-digit day, lower-case month");
	gp_timeparser q = parser(NULL, true, 0, T0);
	ok(parses(&q, "Jun  1 09:00:03", T0, 0), "syslog `Jun  1 09:00:03`");
	ok(parses(&q, "Jun 1 09:00:03", T0, 0), "syslog with one space");
	ok(parses(&q, "Feb 29 00:00:00", 1709164800, 0), "syslog Feb 29 in a leap reference year");
	gp_timeparser r = parser(NULL, true, 0, 1677628800); /* 2023-03-01 */
	ok(fails(&r, "Feb 29 00:00:00"), "syslog Feb 29 in a common year fails");
	gp_timeparser z = parser(NULL, true, -7200, T0);
	ok(parses(&z, "Jun  1 09:00:03", T0 + 7200, 0), "syslog is local time");
}

static void test_clf(void)
{
	gp_timeparser p = parser(NULL, true, 0, 0);
	ok(parses(&p, "[01/Jun/2024:09:00:03 +0000]", T0, 0), "CLF in brackets");
	ok(parses(&p, "01/Jun/2024:09:00:03 +0200", T0 - 7200, 0), "CLF without brackets");
	ok(parses(&p, "01/jun/2024:09:00:03 -05:30", T0 + 19800, 0), "CLF -05:30");
	ok(parses(&p, "01/Jun/2024:09:00:03", T0, 0), "CLF without a zone is local");
}

static void test_epoch(void)
{
	gp_timeparser p = parser(NULL, true, 3600, 0);
	ok(parses(&p, "1717232403", T0, 0), "10 digits: seconds");
	ok(parses(&p, "1717232403123", T0, 123000000), "13 digits: milliseconds");
	ok(parses(&p, "1717232403123456", T0, 123456000), "16 digits: microseconds");
	ok(parses(&p, "1717232403123456789", T0, 123456789), "19 digits: nanoseconds");
	ok(parses(&p, "1717232403.5", T0, 500000000), "seconds with a fraction");
	ok(parses(&p, "0000000000", 0, 0), "the epoch, zero padded");
	ok(parses(&p, "9999999999999999999", 9999999999, 999999999), "19 nines");
}

static void test_format(void)
{
	gp_timeparser p = parser("%d/%b/%Y:%H:%M:%S %z", true, 0, 0);
	ok(parses(&p, "01/Jun/2024:09:00:03 +0000", T0, 0), "format %%d/%%b/%%Y:%%H:%%M:%%S %%z");
	ok(fails(&p, "2024-06-01T09:00:03Z"), "a format does not fall back to detection");
	gp_timeparser j = parser("%Y.%j %H%M%S", true, 0, 0);
	ok(parses(&j, "2024.153 090003", T0, 0), "format %%j (day 153 of 2024 is June 1)");
	ok(fails(&j, "2023.366 090003"), "format %%j 366 in a common year fails");
	gp_timeparser s = parser("%s.%f", true, 0, 0);
	ok(parses(&s, "1717232403.042", T0, 42000000), "format %%s.%%f");
	ok(parses(&s, "-1.25", -2, 750000000), "format %%s.%%f negative: -1.25 is -2 s + 0.75 s");
	ok(parses(&s, "-0.5", -1, 500000000), "format %%s.%%f: -0.5 is -1 s + 0.5 s");
	ok(parses(&s, "-3.0", -3, 0), "format %%s.%%f: -3.0");
	gp_timeparser e = parser("%b %e %H:%M:%S", true, 0, 1705320000);
	ok(parses(&e, "Dec  31 23:59:59", 1704067199, 0), "format without a year: the syslog rule");
	gp_timeparser c = parser("%Y-%m-%d %H:%M:%S,%f%%", true, 3600, 0);
	ok(parses(&c, "2024-06-01   09:00:03,5%", T0 - 3600, 500000000), "format: blanks, %%f, %%%%, local");
	ok(fails(&c, "2024-06-31 09:00:03,5%"), "format: June 31 fails");
	size_t bad = 0;
	ok(gp_time_format_check("%Y-%m-%dT%H:%M:%S%z", 20, &bad), "format check accepts the directives");
	ok(!gp_time_format_check("%Y %Q", 5, &bad) && bad == 3, "format check names %%Q at 3");
	ok(!gp_time_format_check("%Y %", 4, &bad) && bad == 3, "format check: a lone %% at the end");
}

static void test_tz(void)
{
	if (access("/usr/share/zoneinfo/America/New_York", R_OK) != 0) {
		skip("TZ zones", "no tzdata");
		return;
	}
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	setenv("TZ", "America/New_York", 1);
	gp_timeparser p = parser(NULL, false, 0, 0);
	ok(parses(&p, "2024-06-01T09:00:03", T0 + 4 * 3600, 0), "TZ: EDT in June");
	ok(parses(&p, "2024-01-01T00:00:00", 1704085200, 0), "TZ: EST in January");
	ok(parses(&p, "2024-03-10T01:59:59", 1710053999, 0), "TZ: just before spring forward");
	ok(parses(&p, "2024-03-10T02:30:00", 1710055800, 0), "TZ: a time in the gap reads as EST (03:30 EDT)");
	ok(parses(&p, "2024-03-10T03:00:00", 1710054000, 0), "TZ: just after spring forward");
	ok(parses(&p, "2024-11-03T01:30:00", 1730611800, 0), "TZ: the repeated hour is its first (EDT)");
	ok(parses(&p, "2024-11-03T02:00:00", 1730617200, 0), "TZ: after fall back is EST");
	ok(parses(&p, "2024-06-01T09:00:03-04:00", T0 + 4 * 3600, 0), "TZ: an explicit offset");
	gp_timeparser s = parser(NULL, false, 0, 1704085200 + 3600); /* 2024-01-01T01:00 EST */
	ok(parses(&s, "Dec 31 23:00:00", 1704081600, 0), "TZ: the syslog reference year is local");
	if (old) {
		setenv("TZ", old, 1);
		free(old);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

static void test_output(void)
{
	char b[GP_TIME_TEXT];
	gp_time t = { T0, 0 };
	ok(gp_time_format(b, t, 0) == 20 && !strcmp(b, "2024-06-01T09:00:03Z"), "format Z: %s", b);
	gp_time_format(b, t, 7200);
	ok(!strcmp(b, "2024-06-01T11:00:03+02:00"), "format +02:00: %s", b);
	gp_time_format(b, t, -19800);
	ok(!strcmp(b, "2024-06-01T03:30:03-05:30"), "format -05:30: %s", b);
	t.nsec = 500000000;
	gp_time_format(b, t, 0);
	ok(!strcmp(b, "2024-06-01T09:00:03.500Z"), "format milliseconds: %s", b);
	t.nsec = 123456000;
	gp_time_format(b, t, 0);
	ok(!strcmp(b, "2024-06-01T09:00:03.123456Z"), "format microseconds: %s", b);
	t.nsec = 1;
	gp_time_format(b, t, 0);
	ok(!strcmp(b, "2024-06-01T09:00:03.000000001Z"), "format nanoseconds: %s", b);
	gp_time n = { -1, 500000000 };
	gp_time_format(b, n, 0);
	ok(!strcmp(b, "1969-12-31T23:59:59.500Z"), "format before the epoch: %s", b);
	gp_time far = { 253402300800, 0 };
	ok(gp_time_format(b, far, 0) == 0, "format year 10000 refuses");
	gp_timeparser p = parser(NULL, true, 0, 0);
	bool all = true;
	for (int k = 0; k < 2000 && all; k++) {
		uint64_t x = next();
		gp_time a = { (int64_t)(x % 253402300800) - 62167219200, (int32_t)(x % 1000000000) }, r;
		int32_t off = (int32_t)(x % 1680) * 60 - 50400;
		size_t len = gp_time_format(b, a, off);
		all = len && gp_time_parse(&p, b, len, &r) && r.sec == a.sec && r.nsec == a.nsec;
		if (!all)
			printf("# round trip of %lld.%09d failed: %s\n", (long long)a.sec, (int)a.nsec, b);
	}
	ok(all, "2000 random instants and offsets print and read back");
}

static void test_bucket(void)
{
	gp_time s;
	ok(gp_time_bucket((gp_time){ T0, 5 }, 300000000000, &s) && s.sec == T0 - 3 && s.nsec == 0,
	   "5m bucket");
	ok(gp_time_bucket((gp_time){ -1, 0 }, 300000000000, &s) && s.sec == -300 && s.nsec == 0,
	   "5m bucket of -1s starts at -300");
	ok(gp_time_bucket((gp_time){ -300, 0 }, 300000000000, &s) && s.sec == -300,
	   "5m bucket of -300s is itself");
	ok(gp_time_bucket((gp_time){ 10, 300000000 }, 250000000, &s) && s.sec == 10 && s.nsec == 250000000,
	   "250ms bucket");
	ok(gp_time_bucket((gp_time){ -1, 100000000 }, 250000000, &s) && s.sec == -1 && s.nsec == 0,
	   "250ms bucket of -0.9s starts at -1s");
	ok(gp_time_bucket((gp_time){ -1, 900000000 }, 1500000000, &s) && s.sec == -2 && s.nsec == 500000000,
	   "1.5s bucket of -0.1s starts at -1.5s");
	ok(gp_time_bucket((gp_time){ T0, 0 }, 86400000000000, &s) && s.sec == T0 - 32403,
	   "1d bucket is UTC midnight");
	ok(!gp_time_bucket((gp_time){ 0, 0 }, 0, &s) && !gp_time_bucket((gp_time){ 0, 0 }, -5, &s),
	   "a width of 0 or less fails");
}

/* One random timestamp in a random detected format, with the instant it
 * means (nsec -1: must fail; -2: compared with detection only). */

static size_t random_stamp(char *b, gp_time *want)
{
	int64_t sec = (int64_t)(next() % 4102444800u); /* 1970 .. 2099 */
	int32_t ns = (int32_t)(next() % 1000000000);
	int64_t days = sec / 86400, y;
	unsigned m, d, sod = (unsigned)(sec % 86400);
	gp_civil_from_days(days, &y, &m, &d);
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int n = 0;
	/* long runs of one shape, as a log has, with switches between them */
	static int shape;
	if (next() % 64 == 0)
		shape = (int)(next() % 9);
	want->sec = sec;
	want->nsec = 0;
	switch (shape) {
	case 0:
		n = sprintf(b, "%04d-%02u-%02uT%02u:%02u:%02uZ", (int)y, m, d, sod / 3600, sod / 60 % 60, sod % 60);
		break;
	case 1:
		n = sprintf(b, "%04d-%02u-%02u %02u:%02u:%02u.%03d+00:00", (int)y, m, d, sod / 3600, sod / 60 % 60,
			    sod % 60, ns / 1000000);
		want->nsec = ns / 1000000 * 1000000;
		break;
	case 2:
		n = sprintf(b, "%04d-%02u-%02uT%02u:%02u:%02u.%09d", (int)y, m, d, sod / 3600, sod / 60 % 60,
			    sod % 60, ns);
		want->nsec = ns;
		break;
	case 3: {
		/* an offset: the wall time is sec + off */
		int off = (int)(next() % 48) * 1800 - 43200;
		int64_t l = sec + off;
		gp_civil_from_days(l / 86400, &y, &m, &d);
		unsigned ls = (unsigned)(l % 86400);
		n = sprintf(b, "%04d-%02u-%02uT%02u:%02u:%02u%c%02d%02d", (int)y, m, d, ls / 3600, ls / 60 % 60,
			    ls % 60, off < 0 ? '-' : '+', abs(off) / 3600, abs(off) / 60 % 60);
		if (l < 0) /* 1969: the text is not built right, compare only */
			want->nsec = -2;
		break;
	}
	case 4:
		n = sprintf(b, "[%02u/%s/%04d:%02u:%02u:%02u +0000]", d, mon[m - 1], (int)y, sod / 3600,
			    sod / 60 % 60, sod % 60);
		break;
	case 5:
		n = sprintf(b, "%s %2u %02u:%02u:%02u", mon[m - 1], d, sod / 3600, sod / 60 % 60, sod % 60);
		/* the reference is June 2024: a later month is from 2023 */
		want->sec = gp_days_from_civil(m > 6 ? 2023 : 2024, m, d) * 86400 + sod;
		break;
	case 6:
		n = sprintf(b, "%010lld%03d", (long long)sec, ns / 1000000);
		want->nsec = ns / 1000000 * 1000000;
		break;
	case 7:
		n = sprintf(b, "%010lld.%d", (long long)sec, ns);
		want->nsec = -2; /* the fraction's length varies: checked by equality only */
		break;
	default: {
		/* malformed: a valid stamp with one byte broken */
		n = sprintf(b, "%04d-%02u-%02uT%02u:%02u:%02uZ", (int)y, m, d, sod / 3600, sod / 60 % 60, sod % 60);
		b[next() % (unsigned)n] = "x:9-+ ZT"[next() % 8];
		want->nsec = -2;
		break;
	}
	}
	return (size_t)n;
}

static void test_locked(void)
{
	gp_timeparser locked = parser(NULL, true, 0, T0), slow = parser(NULL, true, 0, T0);
	char b[64];
	int same = 0, right = 0, checked = 0;
	for (int k = 0; k < 10000; k++) {
		gp_time want, a = { 0, 0 }, c = { 0, 0 };
		size_t n = random_stamp(b, &want);
		bool ra = gp_time_parse(&locked, b, n, &a), rc = gp_time_parse_detect(&slow, b, n, &c);
		if (ra == rc && (!ra || (a.sec == c.sec && a.nsec == c.nsec)))
			same++;
		else
			printf("# '%.*s': locked %d %lld.%09d, detected %d %lld.%09d\n", (int)n, b, ra,
			       (long long)a.sec, (int)a.nsec, rc, (long long)c.sec, (int)c.nsec);
		if (want.nsec == -2)
			continue;
		checked++;
		if (want.nsec == -1 ? !ra : (ra && a.sec == want.sec && a.nsec == want.nsec))
			right++;
		else
			printf("# '%.*s': got %d %lld.%09d, want %lld.%09d\n", (int)n, b, ra, (long long)a.sec,
			       (int)a.nsec, (long long)want.sec, (int)want.nsec);
	}
	ok(same == 10000, "locked path equals detection on 10000 seeded random timestamps (%d)", same);
	ok(right == checked, "and gives the instant generated (%d of %d)", right, checked);
	ok(locked.kind != GP_TK_NONE, "the parser locked a format");

	gp_timeparser p = parser(NULL, true, 0, 0);
	ok(parses(&p, "2024-06-01T09:00:03.123Z", T0, 123000000) && p.kind == GP_TK_ISO && p.iso.len == 24 &&
		   p.iso.frac == 3 && p.iso.zone == 'Z',
	   "the first ISO stamp locks its shape");
	ok(parses(&p, "2024-06-01T09:00:04.000Z", T0 + 1, 0) && p.iso.len == 24, "the same shape stays locked");
	ok(parses(&p, "2024-06-01 09:00:03+02:00", T0 - 7200, 0) && p.iso.len == 25 && p.iso.zone == ':',
	   "another shape is detected and locked");
	ok(parses(&p, "1717232403", T0, 0) && p.kind == GP_TK_EPOCH, "another format is detected and locked");
	ok(fails(&p, "2024-06-01 09:00:03+02:0x") && p.kind == GP_TK_EPOCH, "a failure keeps the lock");
}

/* Random bytes from the timestamp alphabet: the locked path and detection
 * agree, and what parses is a normalised instant (ASan checks the reads). */
static void test_garbage(void)
{
	static const char abc[] = "0123456789-:T Z+.,/[]JunDec\t";
	gp_timeparser locked = parser(NULL, true, 0, T0), slow = parser(NULL, true, 0, T0);
	char b[64];
	int agree = 0, parsed = 0;
	for (int k = 0; k < 100000; k++) {
		size_t n = next() % 40;
		if (k % 2) { /* half are valid stamps with a few bytes changed */
			gp_time w;
			n = random_stamp(b, &w);
			for (int c = (int)(next() % 3); c >= 0; c--)
				b[next() % n] = abc[next() % (sizeof abc - 1)];
		} else {
			for (size_t c = 0; c < n; c++)
				b[c] = abc[next() % (sizeof abc - 1)];
		}
		gp_time a = { 0, 0 }, c = { 0, 0 };
		bool ra = gp_time_parse(&locked, b, n, &a), rc = gp_time_parse_detect(&slow, b, n, &c);
		if (ra == rc && (!ra || (a.sec == c.sec && a.nsec == c.nsec && a.nsec >= 0 && a.nsec < 1000000000)))
			agree++;
		else
			printf("# '%.*s': locked %d, detected %d\n", (int)n, b, ra, rc);
		parsed += ra;
	}
	ok(agree == 100000, "100000 random and broken stamps: locked and detected agree (%d parsed)", parsed);
}

/* Runs of stamps that share their minute (the locked path memoises the
 * minute's YYYY-MM-DDTHH:MM): changes to the seconds, the fraction, the
 * zone or one byte of the minute agree with detection, in the TZ zone and
 * with a zone in the text. */
static void test_minute_memo(void)
{
	static const char *base[] = { "2024-02-29T23:59:%02d.%03dZ", "2023-02-28 23:59:%02d.%03d",
				      "2024-06-01T09:00:%02d.%03d+05:30" };
	static const char abc[] = "0123456789-:T Z+.";
	int agree = 0, total = 0;
	for (size_t f = 0; f < sizeof base / sizeof *base; f++) {
		gp_timeparser locked = parser(NULL, false, 0, T0), slow = parser(NULL, false, 0, T0);
		for (int k = 0; k < 20000; k++) {
			char b[64];
			int n = snprintf(b, sizeof b, base[f], (int)(next() % 62), (int)(next() % 1000));
			if (next() % 4 == 0) /* one byte changed anywhere, the minute too */
				b[next() % (unsigned)n] = abc[next() % (sizeof abc - 1)];
			gp_time a = { 0, 0 }, c = { 0, 0 };
			bool ra = gp_time_parse(&locked, b, (size_t)n, &a),
			     rc = gp_time_parse_detect(&slow, b, (size_t)n, &c);
			total++;
			if (ra == rc && (!ra || (a.sec == c.sec && a.nsec == c.nsec)))
				agree++;
			else
				printf("# '%.*s': locked %d %lld, detected %d %lld\n", n, b, ra,
				       (long long)a.sec, rc, (long long)c.sec);
		}
	}
	ok(agree == total, "stamps sharing a minute, some broken: locked and detected agree (%d of %d)",
	   agree, total);
	gp_timeparser p = parser(NULL, true, 0, 0);
	ok(parses(&p, "2024-06-01T09:00:03Z", T0, 0) && fails(&p, "2024-06-01T09:00:61Z") &&
		   parses(&p, "2024-06-01T09:00:60Z", T0 + 57, 0) && fails(&p, "2024-06-31T09:00:03Z") &&
		   parses(&p, "2024-06-01T09:00:05Z", T0 + 2, 0),
	   "a remembered minute still checks the seconds, and a bad minute is never remembered");
}

int main(void)
{
	test_civil();
	test_iso();
	test_leap();
	test_invalid();
	test_syslog();
	test_clf();
	test_epoch();
	test_format();
	test_tz();
	test_output();
	test_bucket();
	test_locked();
	test_minute_memo();
	test_garbage();
	return tap_done();
}
