/* Timestamps: detection, the locked fixed-position path, explicit formats,
 * RFC 3339 output and buckets. The rules are in timestamp.h. */
#include "timestamp.h"

#include <string.h>
#include <time.h>

/* A broken-down time as read from text, before validation. */
typedef struct fields {
	int64_t y;
	int mo, d, h, mi, s;
	int32_t ns;
	bool has_off; /* the text named its zone */
	int32_t off;
} fields;

static const char months[12][4] = { "jan", "feb", "mar", "apr", "may", "jun",
				    "jul", "aug", "sep", "oct", "nov", "dec" };

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t gp_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void gp_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const uint8_t n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : n[m - 1];
}

/* n digits at s as a number, or -1 when one of them is no digit. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int k = 0; k < n; k++) {
		unsigned c = (unsigned char)s[k] - '0';
		if (c > 9)
			return -1;
		v = v * 10 + (int)c;
	}
	return v;
}

/* Reads a fraction's digits at s[*i..n): the first nine make nanoseconds,
 * the rest are checked and dropped. False when there is no digit. */
static bool fraction(const char *s, size_t n, size_t *i, int32_t *ns)
{
	size_t k = *i;
	int32_t v = 0;
	int nd = 0;
	while (k < n && (unsigned)((unsigned char)s[k] - '0') <= 9) {
		if (nd < 9) {
			v = v * 10 + (s[k] - '0');
			nd++;
		}
		k++;
	}
	if (k == *i)
		return false;
	for (; nd < 9; nd++)
		v *= 10;
	*ns = v;
	*i = k;
	return true;
}

/* A month's English name at s (three letters, any case), 1..12, or 0. */
static int month_name(const char *s, size_t avail)
{
	if (avail < 3)
		return 0;
	char lc[3];
	for (int k = 0; k < 3; k++)
		lc[k] = (char)(s[k] | 0x20);
	for (int m = 0; m < 12; m++)
		if (memcmp(lc, months[m], 3) == 0)
			return m + 1;
	return 0;
}

/* A zone at s[*i..n): Z, ±hh:mm, ±hhmm or ±hh. *form gets 'Z', ':', '4' or
 * '2' (the locked shape); hours up to 23, minutes up to 59. */
static bool zone(const char *s, size_t n, size_t *i, int32_t *off, uint8_t *form)
{
	size_t k = *i;
	if (k < n && (s[k] == 'Z' || s[k] == 'z')) {
		*off = 0;
		*form = 'Z';
		*i = k + 1;
		return true;
	}
	if (k + 3 > n || (s[k] != '+' && s[k] != '-'))
		return false;
	int sign = s[k] == '-' ? -1 : 1, hh = digits(s + k + 1, 2), mm = 0;
	k += 3;
	*form = '2';
	if (k + 3 <= n && s[k] == ':') {
		mm = digits(s + k + 1, 2);
		k += 3;
		*form = ':';
	} else if (k + 2 <= n && (unsigned)((unsigned char)s[k] - '0') <= 9) {
		mm = digits(s + k, 2);
		k += 2;
		*form = '4';
	}
	if (hh < 0 || hh > 23 || mm < 0 || mm > 59)
		return false;
	*off = sign * (hh * 3600 + mm * 60);
	*i = k;
	return true;
}

/* The TZ offset (seconds east) in force at the instant t. */
static int32_t tz_offset_at(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm))
		return 0;
	return (int32_t)tm.tm_gmtoff;
}

/* The offset of local wall time L (seconds since the epoch as if UTC).
 * The candidates are the offsets in force a day before and a day after;
 * one that maps L back to itself is valid. Both valid and different: the
 * time occurs twice, take the first instant (the larger offset). None
 * valid: a gap, take the offset before it. Cached per quarter hour, as
 * zones change offset on quarter hours. */
static int32_t local_offset(gp_timeparser *p, int64_t L)
{
	if (p->o.fixed_zone)
		return p->o.zone_off;
	int64_t key = floor_div(L, 900);
	if (p->zone_valid && key == p->zone_key)
		return p->zone_cached;
	int32_t before = tz_offset_at(L - 86400), after = tz_offset_at(L + 86400);
	bool vb = tz_offset_at(L - before) == before, va = tz_offset_at(L - after) == after;
	int32_t off;
	if (vb && va)
		off = before > after ? before : after;
	else if (va)
		off = after;
	else
		off = before;
	p->zone_key = key;
	p->zone_cached = off;
	p->zone_valid = true;
	return off;
}

/* Validates f and turns it into an instant. */
static bool make_time(gp_timeparser *p, const fields *f, gp_time *out)
{
	if (f->y < 0 || f->y > 9999 || f->mo < 1 || f->mo > 12 || f->d < 1 ||
	    f->d > month_days(f->y, f->mo) || f->h < 0 || f->h > 23 || f->mi < 0 || f->mi > 59 ||
	    f->s < 0 || f->s > 60)
		return false;
	int64_t L = gp_days_from_civil(f->y, (unsigned)f->mo, (unsigned)f->d) * 86400 +
		    f->h * 3600 + f->mi * 60 + f->s;
	out->sec = L - (f->has_off ? f->off : local_offset(p, L));
	out->nsec = f->ns;
	return true;
}

/* The year of a syslog-style month: the reference year, or the one before
 * when the month is after the reference month. */
static int64_t yearless(const gp_timeparser *p, int month)
{
	return month > p->ref_month ? p->ref_year - 1 : p->ref_year;
}

/* hh:mm:ss at s[*i..), advancing *i. */
static bool clock3(const char *s, size_t n, size_t *i, fields *f)
{
	size_t k = *i;
	if (k + 8 > n || s[k + 2] != ':' || s[k + 5] != ':')
		return false;
	f->h = digits(s + k, 2);
	f->mi = digits(s + k + 3, 2);
	f->s = digits(s + k + 6, 2);
	*i = k + 8;
	return f->h >= 0 && f->mi >= 0 && f->s >= 0;
}

/* RFC 3339 / ISO 8601, the general reader; fills the shape it saw. */
static bool parse_iso(gp_timeparser *p, const char *s, size_t n, gp_time *out, bool lock)
{
	fields f = { 0 };
	uint8_t sep = 0, secs = 0, form = 0, frac = 0;
	if (n < 10 || s[4] != '-' || s[7] != '-')
		return false;
	f.y = digits(s, 4);
	f.mo = digits(s + 5, 2);
	f.d = digits(s + 8, 2);
	size_t i = 10;
	if (i < n) {
		sep = (uint8_t)s[i];
		if (sep != 'T' && sep != 't' && sep != ' ')
			return false;
		if (i + 6 > n || s[i + 3] != ':')
			return false;
		f.h = digits(s + i + 1, 2);
		f.mi = digits(s + i + 4, 2);
		i += 6;
		if (i < n && s[i] == ':') {
			if (i + 3 > n || (f.s = digits(s + i + 1, 2)) < 0)
				return false;
			i += 3;
			secs = 1;
			if (i < n && (s[i] == '.' || s[i] == ',')) {
				size_t st = ++i;
				if (!fraction(s, n, &i, &f.ns))
					return false;
				frac = i - st > 255 ? 0 : (uint8_t)(i - st);
			}
		}
		if (i < n) {
			if (!zone(s, n, &i, &f.off, &form))
				return false;
			f.has_off = true;
		}
	}
	if (i != n || !make_time(p, &f, out))
		return false;
	if (lock) {
		p->kind = GP_TK_ISO;
		bool fits = n <= 255 && (f.ns == 0 || frac != 0) && (frac == 0 || s[19] == '.');
		p->iso.len = fits ? (uint8_t)n : 0;
		p->iso.sep = sep;
		p->iso.secs = secs;
		p->iso.frac = frac;
		p->iso.zone = form;
	}
	return true;
}

/* The locked ISO shape, read at fixed positions. False when the text does
 * not have exactly that shape (detection then runs). */
static bool parse_iso_locked(gp_timeparser *p, const char *s, size_t n, gp_time *out)
{
	if (n != p->iso.len || p->iso.sep == 0)
		return false;
	int64_t base;
	if (p->minute_valid && memcmp(s, p->minute, 16) == 0) {
		base = p->minute_base;
	} else {
		if (s[4] != '-' || s[7] != '-' || s[10] != (char)p->iso.sep || s[13] != ':')
			return false;
		int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2),
		    h = digits(s + 11, 2), mi = digits(s + 14, 2);
		if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h < 0 ||
		    h > 23 || mi < 0 || mi > 59)
			return false;
		base = gp_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60;
		memcpy(p->minute, s, 16);
		p->minute_base = base;
		p->minute_valid = true;
	}
	int sec = 0;
	int32_t ns = 0, off = 0;
	size_t i = 16;
	if (p->iso.secs) {
		if (s[16] != ':' || (sec = digits(s + 17, 2)) < 0 || sec > 60)
			return false;
		i = 19;
		if (p->iso.frac) {
			if (s[19] != '.')
				return false;
			size_t st = ++i;
			if (!fraction(s, n, &i, &ns) || i - st != p->iso.frac)
				return false;
		}
	}
	bool has_off = false;
	if (p->iso.zone) {
		uint8_t form;
		if (!zone(s, n, &i, &off, &form) || form != p->iso.zone)
			return false;
		has_off = true;
	}
	if (i != n)
		return false;
	int64_t L = base + sec;
	out->sec = L - (has_off ? off : local_offset(p, L));
	out->nsec = ns;
	return true;
}

static bool parse_syslog(gp_timeparser *p, const char *s, size_t n, gp_time *out)
{
	fields f = { 0 };
	if (n < 14 || !(f.mo = month_name(s, n)) || s[3] != ' ')
		return false;
	size_t i = 4;
	if (s[i] == ' ')
		i++;
	int nd = i + 1 < n && s[i + 1] != ' ' ? 2 : 1;
	if (i + (size_t)nd + 1 > n || (f.d = digits(s + i, nd)) < 0 || s[i + nd] != ' ')
		return false;
	i += (size_t)nd + 1;
	if (!clock3(s, n, &i, &f))
		return false;
	if (i < n && s[i] == '.') {
		i++;
		if (!fraction(s, n, &i, &f.ns))
			return false;
	}
	f.y = yearless(p, f.mo);
	return i == n && make_time(p, &f, out);
}

/* CLF: `01/Jun/2024:09:00:03 +0000`, brackets optional, zone optional, a
 * blank for the colon after the year (`21/Jan/2014 14:18:17`). */
static bool parse_clf(gp_timeparser *p, const char *s, size_t n, gp_time *out)
{
	fields f = { 0 };
	size_t i = 0;
	bool br = n > 0 && s[0] == '[';
	if (br) {
		if (s[n - 1] != ']')
			return false;
		i = 1;
		n--;
	}
	if (i + 20 > n || s[i + 2] != '/' || s[i + 6] != '/' || (s[i + 11] != ':' && s[i + 11] != ' '))
		return false;
	f.d = digits(s + i, 2);
	f.mo = month_name(s + i + 3, 3);
	f.y = digits(s + i + 7, 4);
	i += 12;
	if (!clock3(s, n, &i, &f))
		return false;
	if (i < n) {
		uint8_t form;
		if (s[i] != ' ')
			return false;
		i++;
		if (!zone(s, n, &i, &f.off, &form) || form == 'Z')
			return false;
		f.has_off = true;
	}
	return i == n && make_time(p, &f, out);
}

/* Epoch digits: 10 seconds (an optional fraction), 13 ms, 16 us, 19 ns. */
static bool parse_epoch(gp_timeparser *p, const char *s, size_t n, gp_time *out, bool lock)
{
	size_t nd = 0;
	uint64_t v = 0;
	while (nd < n && (unsigned)((unsigned char)s[nd] - '0') <= 9)
		v = v * 10 + (uint64_t)(s[nd++] - '0');
	int32_t ns = 0;
	if (nd == 10 && nd < n) {
		size_t i = nd + 1;
		if (s[nd] != '.' || !fraction(s, n, &i, &ns) || i != n)
			return false;
	} else if (nd != n) {
		return false;
	}
	switch (nd) {
	case 10: out->sec = (int64_t)v; out->nsec = ns; break;
	case 13: out->sec = (int64_t)(v / 1000); out->nsec = (int32_t)(v % 1000) * 1000000; break;
	case 16: out->sec = (int64_t)(v / 1000000); out->nsec = (int32_t)(v % 1000000) * 1000; break;
	case 19: out->sec = (int64_t)(v / 1000000000); out->nsec = (int32_t)(v % 1000000000); break;
	default: return false;
	}
	if (lock) {
		p->kind = GP_TK_EPOCH;
		p->epoch_digits = (uint8_t)nd;
	}
	return true;
}

/* A number of 1..max digits at s[*i..n). */
static bool num(const char *s, size_t n, size_t *i, int max, int *v)
{
	size_t k = *i;
	int x = 0;
	while (k < n && k - *i < (size_t)max && (unsigned)((unsigned char)s[k] - '0') <= 9)
		x = x * 10 + (s[k++] - '0');
	if (k == *i)
		return false;
	*v = x;
	*i = k;
	return true;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The explicit format, directive by directive. */
static bool parse_format(gp_timeparser *p, const char *s, size_t n, gp_time *out)
{
	const char *fmt = p->o.format;
	size_t fl = p->o.format_len, i = 0;
	fields f = { .y = -1, .mo = 1, .d = 1 };
	int yday = 0;
	bool epoch = false, eneg = false; /* %s, and its sign */
	int64_t esec = 0;
	for (size_t k = 0; k < fl; k++) {
		char c = fmt[k];
		if (blank(c)) {
			while (i < n && blank(s[i]))
				i++;
			continue;
		}
		if (c != '%' || k + 1 >= fl || fmt[k + 1] == '%') {
			if (i >= n || s[i] != c)
				return false;
			i++;
			k += c == '%';
			continue;
		}
		int v = 0;
		uint8_t form;
		switch (fmt[++k]) {
		case 'Y':
			if (i + 4 > n || (v = digits(s + i, 4)) < 0)
				return false;
			f.y = v;
			i += 4;
			break;
		case 'm': if (!num(s, n, &i, 2, &f.mo)) return false; break;
		case 'e':
			if (i < n && s[i] == ' ')
				i++;
			/* fall through */
		case 'd': if (!num(s, n, &i, 2, &f.d)) return false; break;
		case 'H': if (!num(s, n, &i, 2, &f.h)) return false; break;
		case 'M': if (!num(s, n, &i, 2, &f.mi)) return false; break;
		case 'S': if (!num(s, n, &i, 2, &f.s)) return false; break;
		case 'j':
			if (!num(s, n, &i, 3, &yday) || yday < 1)
				return false;
			break;
		case 'b':
			if (!(f.mo = month_name(s + i, n - i)))
				return false;
			i += 3;
			break;
		case 'f':
			if (!fraction(s, n, &i, &f.ns))
				return false;
			break;
		case 'z':
			if (!zone(s, n, &i, &f.off, &form))
				return false;
			f.has_off = true;
			break;
		case 's': {
			eneg = i < n && s[i] == '-';
			size_t st = i += eneg;
			esec = 0;
			while (i < n && i - st < 18 && (unsigned)((unsigned char)s[i] - '0') <= 9)
				esec = esec * 10 + (s[i++] - '0');
			if (i == st)
				return false;
			epoch = true;
			break;
		}
		default:
			return false;
		}
	}
	if (i != n)
		return false;
	if (epoch) {
		/* -1.5 is -2 s + 0.5 s: the fraction counts away from zero */
		out->sec = eneg ? -esec : esec;
		out->nsec = f.ns;
		if (eneg && f.ns) {
			out->sec--;
			out->nsec = 1000000000 - f.ns;
		}
		return true;
	}
	if (f.y < 0)
		f.y = yearless(p, f.mo);
	if (yday) {
		if (yday > (leap(f.y) ? 366 : 365))
			return false;
		int64_t y;
		unsigned m, d;
		gp_civil_from_days(gp_days_from_civil(f.y, 1, 1) + yday - 1, &y, &m, &d);
		f.mo = (int)m;
		f.d = (int)d;
	}
	return make_time(p, &f, out);
}

bool gp_time_format_check(const char *fmt, size_t len, size_t *bad)
{
	for (size_t k = 0; k < len; k++) {
		if (fmt[k] != '%')
			continue;
		if (k + 1 >= len || !strchr("YmdHMSzbejsf%", fmt[k + 1]) || fmt[k + 1] == 0) {
			*bad = k;
			return false;
		}
		k++;
	}
	return true;
}

static void trim(const char **s, size_t *n)
{
	while (*n && blank(**s))
		(*s)++, (*n)--;
	while (*n && blank((*s)[*n - 1]))
		(*n)--;
}

/* Detection: the first byte and a separator or two pick one reader. */
static bool detect(gp_timeparser *p, const char *s, size_t n, gp_time *out, bool lock)
{
	if (n == 0)
		return false;
	if (s[0] == '[' || (n > 2 && s[2] == '/')) {
		if (!parse_clf(p, s, n, out))
			return false;
		if (lock)
			p->kind = GP_TK_CLF;
		return true;
	}
	if (month_name(s, n)) {
		if (!parse_syslog(p, s, n, out))
			return false;
		if (lock)
			p->kind = GP_TK_SYSLOG;
		return true;
	}
	if (n > 4 && s[4] == '-')
		return parse_iso(p, s, n, out, lock);
	return parse_epoch(p, s, n, out, lock);
}

bool gp_time_parse_detect(gp_timeparser *p, const char *s, size_t n, gp_time *out)
{
	trim(&s, &n);
	if (p->o.format)
		return parse_format(p, s, n, out);
	return detect(p, s, n, out, false);
}

bool gp_time_parse(gp_timeparser *p, const char *s, size_t n, gp_time *out)
{
	trim(&s, &n);
	switch (p->kind) {
	case GP_TK_FORMAT:
		return parse_format(p, s, n, out);
	case GP_TK_ISO:
		if (parse_iso_locked(p, s, n, out))
			return true;
		break;
	case GP_TK_SYSLOG:
		if (parse_syslog(p, s, n, out))
			return true;
		break;
	case GP_TK_CLF:
		if (parse_clf(p, s, n, out))
			return true;
		break;
	case GP_TK_EPOCH:
		if (n >= p->epoch_digits && parse_epoch(p, s, n, out, false))
			return true;
		break;
	case GP_TK_NONE:
		break;
	}
	return detect(p, s, n, out, true);
}

void gp_timeparser_init(gp_timeparser *p, const gp_time_opts *o)
{
	memset(p, 0, sizeof *p);
	p->o = *o;
	if (o->format)
		p->kind = GP_TK_FORMAT;
	int64_t days;
	if (o->fixed_zone) {
		days = floor_div(o->ref + o->zone_off, 86400);
	} else {
		tzset();
		days = floor_div(o->ref + tz_offset_at(o->ref), 86400);
	}
	int64_t y;
	unsigned m, d;
	gp_civil_from_days(days, &y, &m, &d);
	p->ref_year = (int)y;
	p->ref_month = (int)m;
}

static char *put2(char *b, unsigned v)
{
	b[0] = (char)('0' + v / 10);
	b[1] = (char)('0' + v % 10);
	return b + 2;
}

size_t gp_time_format(char *buf, gp_time t, int32_t off)
{
	int64_t local = t.sec + off, days = floor_div(local, 86400), y;
	int64_t sod = local - days * 86400;
	unsigned m, d;
	gp_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		buf[0] = 0;
		return 0;
	}
	char *b = buf;
	b = put2(b, (unsigned)(y / 100));
	b = put2(b, (unsigned)(y % 100));
	*b++ = '-';
	b = put2(b, m);
	*b++ = '-';
	b = put2(b, d);
	*b++ = 'T';
	b = put2(b, (unsigned)(sod / 3600));
	*b++ = ':';
	b = put2(b, (unsigned)(sod / 60 % 60));
	*b++ = ':';
	b = put2(b, (unsigned)(sod % 60));
	if (t.nsec) {
		int nd = t.nsec % 1000000 == 0 ? 3 : t.nsec % 1000 == 0 ? 6 : 9;
		uint32_t v = (uint32_t)t.nsec;
		for (int k = nd; k < 9; k++)
			v /= 10;
		*b++ = '.';
		for (int k = nd - 1; k >= 0; k--, v /= 10)
			b[k] = (char)('0' + v % 10);
		b += nd;
	}
	if (off == 0) {
		*b++ = 'Z';
	} else {
		uint32_t a = (uint32_t)(off < 0 ? -(int64_t)off : off) / 60;
		*b++ = off < 0 ? '-' : '+';
		b = put2(b, a / 60 % 100);
		*b++ = ':';
		b = put2(b, a % 60);
	}
	*b = 0;
	return (size_t)(b - buf);
}

bool gp_time_bucket(gp_time t, int64_t width_ns, gp_time *start)
{
	if (width_ns <= 0)
		return false;
	if (width_ns % 1000000000 == 0) {
		int64_t w = width_ns / 1000000000;
		start->sec = floor_div(t.sec, w) * w;
		start->nsec = 0;
		return true;
	}
	__int128 total = (__int128)t.sec * 1000000000 + t.nsec, w = width_ns;
	__int128 q = total / w;
	if (total % w != 0 && total < 0)
		q--;
	__int128 st = q * w, sec = st / 1000000000, ns = st % 1000000000;
	if (ns < 0) {
		ns += 1000000000;
		sec--;
	}
	start->sec = (int64_t)sec;
	start->nsec = (int32_t)ns;
	return true;
}
