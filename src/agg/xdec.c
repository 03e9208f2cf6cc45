/* Exact sums of decimal text (see xdec.h). */
#include "xdec.h"

#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

void gp_xdec_init(gp_xdec *s)
{
	memset(s, 0, sizeof *s);
	s->valid = true;
}

void gp_xdec_invalidate(gp_xdec *s)
{
	memset(s->w, 0, sizeof s->w); /* one canonical invalid value */
	s->valid = false;
}

/* w = w * m + a */
static void mul_add(uint64_t w[4], uint64_t m, uint64_t a)
{
	u128 carry = a;
	for (int k = 0; k < 4; k++) {
		u128 t = (u128)w[k] * m + carry;
		w[k] = (uint64_t)t;
		carry = t >> 64;
	}
}

static void add(uint64_t w[4], const uint64_t o[4])
{
	unsigned c = 0;
	for (int k = 0; k < 4; k++) {
		uint64_t x = w[k] + o[k];
		unsigned c1 = x < w[k];
		uint64_t y = x + c;
		unsigned c2 = y < x;
		w[k] = y;
		c = c1 | c2;
	}
}

static void neg(uint64_t w[4])
{
	for (int k = 0; k < 4; k++)
		w[k] = ~w[k];
	static const uint64_t one[4] = { 1, 0, 0, 0 };
	add(w, one);
}

void gp_xdec_add_text(gp_xdec *s, const char *p, size_t n)
{
	if (!s->valid)
		return;
	size_t i = 0;
	bool minus = false;
	if (i < n && (p[i] == '-' || p[i] == '+'))
		minus = p[i++] == '-';
	/* digits: the mantissa without leading zeros, and where the point is */
	const char *dig[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 }, part = 0;
	bool any = false;
	for (; i < n; i++) {
		char c = p[i];
		if (c >= '0' && c <= '9') {
			if (!dig[part])
				dig[part] = p + i;
			len[part]++;
			any = true;
		} else if (c == '.' && part == 0) {
			part = 1;
		} else {
			break;
		}
	}
	long exp = 0;
	if (i < n && (p[i] == 'e' || p[i] == 'E') && any) {
		i++;
		bool eneg = false;
		if (i < n && (p[i] == '-' || p[i] == '+'))
			eneg = p[i++] == '-';
		size_t d0 = i;
		for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			if (exp < 10000)
				exp = exp * 10 + (p[i] - '0');
		if (i == d0)
			any = false;
		if (eneg)
			exp = -exp;
	}
	if (!any || i != n) {
		gp_xdec_invalidate(s);
		return;
	}
	/* value = int digits . frac digits * 10^exp; drop zeros that carry no
	 * digit (leading ones of the integer part, trailing ones of the whole) */
	const char *ip = dig[0], *fp = dig[1];
	size_t il = len[0], fl = len[1];
	while (il && *ip == '0')
		ip++, il--;
	while (fl && fp[fl - 1] == '0')
		fl--;
	if (!fl)
		while (il && ip[il - 1] == '0')
			il--, exp++;
	/* units of 10^-18: the digits, then 18 + exp - fl more zeros */
	long zeros = GP_XDEC_SCALE + exp - (long)fl;
	if (il + fl == 0) /* zero */
		return;
	if (zeros < 0 || (long)(il + fl) + zeros > 38 + GP_XDEC_SCALE) {
		gp_xdec_invalidate(s);
		return;
	}
	uint64_t v[4] = { 0, 0, 0, 0 };
	for (size_t k = 0; k < il; k++)
		mul_add(v, 10, (uint64_t)(ip[k] - '0'));
	for (size_t k = 0; k < fl; k++)
		mul_add(v, 10, (uint64_t)(fp[k] - '0'));
	for (long k = 0; k < zeros; k++)
		mul_add(v, 10, 0);
	if (minus)
		neg(v);
	add(s->w, v);
}

void gp_xdec_merge(gp_xdec *s, const gp_xdec *o)
{
	if (!s->valid)
		return;
	if (!o->valid) {
		gp_xdec_invalidate(s);
		return;
	}
	add(s->w, o->w);
}

/* Divides the magnitude w by d in place, returning the remainder. */
static uint64_t divmod(uint64_t w[4], uint64_t d)
{
	u128 r = 0;
	for (int k = 3; k >= 0; k--) {
		u128 cur = r << 64 | w[k];
		w[k] = (uint64_t)(cur / d);
		r = cur % d;
	}
	return (uint64_t)r;
}

static bool is_zero(const uint64_t w[4])
{
	return !(w[0] | w[1] | w[2] | w[3]);
}

/* The decimal digits of magnitude m (at least 19 + 1 digits, zero-padded
 * so that the point can go 18 from the right) into buf; returns the count. */
static size_t digits(uint64_t m[4], char *buf)
{
	char tmp[96];
	size_t n = 0;
	do {
		uint64_t r = divmod(m, 10000000000000000000ull);
		for (int k = 0; k < 19; k++, r /= 10)
			tmp[n++] = (char)('0' + r % 10);
	} while (!is_zero(m));
	while (n > GP_XDEC_SCALE + 1 && tmp[n - 1] == '0')
		n--;
	for (size_t k = 0; k < n; k++)
		buf[k] = tmp[n - 1 - k];
	return n;
}

/* sign, integer digits, '.', the 18 fraction digits: into buf. */
static size_t fixed_text(const gp_xdec *s, char *buf, bool *negative)
{
	uint64_t m[4];
	memcpy(m, s->w, sizeof m);
	*negative = (int64_t)m[3] < 0;
	if (*negative)
		neg(m);
	char d[96];
	size_t n = digits(m, d), o = 0;
	if (*negative)
		buf[o++] = '-';
	memcpy(buf + o, d, n - GP_XDEC_SCALE);
	o += n - GP_XDEC_SCALE;
	buf[o++] = '.';
	memcpy(buf + o, d + n - GP_XDEC_SCALE, GP_XDEC_SCALE);
	o += GP_XDEC_SCALE;
	buf[o] = '\0';
	return o;
}

size_t gp_xdec_text(const gp_xdec *s, char *buf)
{
	bool negative;
	size_t n = fixed_text(s, buf, &negative);
	while (buf[n - 1] == '0')
		n--;
	if (buf[n - 1] == '.')
		n--;
	if (n == 2 && buf[0] == '-' && buf[1] == '0')
		buf[0] = '0', n = 1;
	buf[n] = '\0';
	return n;
}

double gp_xdec_result(const gp_xdec *s)
{
	char buf[GP_XDEC_TEXT];
	gp_xdec_text(s, buf);
	return strtod(buf, NULL);
}

double gp_xdec_div(const gp_xdec *s, uint64_t n)
{
	if (n == 0)
		return 0.0 / 0.0;
	uint64_t m[4];
	memcpy(m, s->w, sizeof m);
	bool negative = (int64_t)m[3] < 0;
	if (negative)
		neg(m);
	uint64_t r = divmod(m, n);
	gp_xdec q = { { m[0], m[1], m[2], m[3] }, true };
	char buf[GP_XDEC_TEXT + 48];
	bool qneg;
	size_t o = fixed_text(&q, buf, &qneg);
	(void)qneg;
	if (negative) {
		memmove(buf + 1, buf, o + 1);
		buf[0] = '-';
		o++;
	}
	/* 40 more digits of the quotient, then a sticky 1 if any remain */
	for (int k = 0; k < 40; k++) {
		u128 t = (u128)r * 10;
		buf[o++] = (char)('0' + (unsigned)(t / n));
		r = (uint64_t)(t % n);
	}
	if (r)
		buf[o++] = '1';
	buf[o] = '\0';
	return strtod(buf, NULL);
}
