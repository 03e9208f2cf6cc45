/* Exact sums: an int64 fast path, then a carry-save fixed-point
 * superaccumulator over the whole double range (see exactsum.h). */
#include "exactsum.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detmath.h"
#include "enc.h"

enum { L = GP_XSUM_LIMBS, POS_INT = 1074 /* bit of 2^0 */ };
#define MASK32 0xffffffffu
/* Each add puts at most 2^33 into a digit; propagate before 2^62 could be reached. */
#define MAX_PENDING (1u << 28)

void gp_xsum_init(gp_xsum *s)
{
	memset(s, 0, sizeof *s);
}

void gp_xsum_free(gp_xsum *s)
{
	free(s->big);
	s->big = NULL;
	s->lo = s->n = 0;
}

size_t gp_xsum_mem(const gp_xsum *s)
{
	return s->big ? s->n * sizeof(int64_t) : 0;
}

static void normalize(int64_t *d, int n)
{
	for (int k = 0; k < n - 1; k++) {
		int64_t c = d[k] >> 32; /* arithmetic: floor(d[k] / 2^32) */
		d[k] -= c * (int64_t)4294967296;
		d[k + 1] += c;
	}
}

/* Makes digits [a, b] part of the window (growing it by a little more, so a
 * sum of values of similar size allocates once or twice in all). */
static int reserve(gp_xsum *s, int a, int b)
{
	if (s->big && a >= s->lo && b < s->lo + s->n)
		return 0;
	int lo = a - 2, hi = b + 3; /* [lo, hi) */
	if (s->big) {
		lo = s->lo < lo ? s->lo : lo;
		hi = s->lo + s->n > hi ? s->lo + s->n : hi;
	}
	lo = lo < 0 ? 0 : lo;
	hi = hi > L ? L : hi;
	int64_t *d = calloc((size_t)(hi - lo), sizeof *d);
	if (!d)
		return -1;
	if (s->big)
		memcpy(d + (s->lo - lo), s->big, s->n * sizeof *d);
	free(s->big);
	s->big = d;
	s->lo = (uint8_t)lo;
	s->n = (uint8_t)(hi - lo);
	return 0;
}

/* The digits a value at bit pos touches: pos / 32 .. pos / 32 + 2. */
static int reserve_bits(gp_xsum *s, int pos)
{
	return reserve(s, pos / 32, pos / 32 + 2);
}

/* d += (neg ? -1 : 1) * mag * 2^(pos - 1074); the window covers it */
static void add_bits(gp_xsum *s, uint64_t mag, bool neg, int pos)
{
	int k = pos / 32 - s->lo, sh = pos % 32;
	uint64_t lo = (mag & MASK32) << sh, hi = (mag >> 32) << sh;
	int64_t p0 = (int64_t)(lo & MASK32), p1 = (int64_t)(lo >> 32) + (int64_t)(hi & MASK32),
		p2 = (int64_t)(hi >> 32);
	if (neg) {
		p0 = -p0;
		p1 = -p1;
		p2 = -p2;
	}
	s->big[k] += p0;
	s->big[k + 1] += p1;
	s->big[k + 2] += p2;
	if (++s->pending >= MAX_PENDING) {
		normalize(s->big, s->n);
		s->pending = 0;
	}
}

static int add_i64_big(gp_xsum *s, int64_t i)
{
	if (!i)
		return 0;
	if (reserve_bits(s, POS_INT) < 0)
		return -1;
	add_bits(s, i < 0 ? -(uint64_t)i : (uint64_t)i, i < 0, POS_INT);
	return 0;
}

/* Leaves the fast path: the int64 moves into the window. */
static int go_big(gp_xsum *s)
{
	if (s->big)
		return 0;
	if (reserve_bits(s, POS_INT) < 0)
		return -1;
	add_i64_big(s, s->i);
	s->i = 0;
	return 0;
}

/* The mantissa and bit position of a finite double. */
static uint64_t split(double v, bool *neg, int *pos)
{
	uint64_t b;
	memcpy(&b, &v, sizeof b);
	int e = (int)((b >> 52) & 0x7ff);
	uint64_t m = b & ((UINT64_C(1) << 52) - 1);
	if (e)
		m |= UINT64_C(1) << 52;
	*neg = b >> 63;
	*pos = e ? e - 1 : 0;
	return m;
}

static int reserve_double(gp_xsum *s, double v)
{
	bool neg;
	int pos;
	return split(v, &neg, &pos) ? reserve_bits(s, pos) : 0;
}

/* Adds v, for which reserve_double succeeded. */
static void add_double_big(gp_xsum *s, double v)
{
	bool neg;
	int pos;
	uint64_t m = split(v, &neg, &pos);
	if (m)
		add_bits(s, m, neg, pos);
}

static bool add_special(gp_xsum *s, double v)
{
	if (v != v)
		s->special |= 4;
	else if (v == HUGE_VAL)
		s->special |= 1;
	else if (v == -HUGE_VAL)
		s->special |= 2;
	else
		return false;
	return true;
}

/* An integer of magnitude below 2^53 (exactly an int64 and a double). */
static bool small_int(double v)
{
	return v > -9007199254740992.0 && v < 9007199254740992.0 && (double)(int64_t)v == v;
}

int gp_xsum_add(gp_xsum *s, double v)
{
	if (add_special(s, v))
		return 0;
	int64_t t;
	if (!s->big && small_int(v) && !__builtin_add_overflow(s->i, (int64_t)v, &t)) {
		s->i = t;
		return 0;
	}
	if (go_big(s) < 0 || reserve_double(s, v) < 0)
		return -1;
	add_double_big(s, v);
	return 0;
}

int gp_xsum_add_product(gp_xsum *s, double a, double b)
{
	double p = a * b;
	if (!isfinite(p) || !isfinite(a) || !isfinite(b))
		return gp_xsum_add(s, p);
	if (small_int(p) && small_int(a) && small_int(b))
		return gp_xsum_add(s, p); /* integers with a product below 2^53: exact */
	double ah, al, bh, bl; /* the four partial products are exact */
	gp_split(a, &ah, &al);
	gp_split(b, &bh, &bl);
	if (go_big(s) < 0 || reserve_double(s, ah * bh) < 0 || reserve_double(s, ah * bl) < 0 ||
	    reserve_double(s, al * bh) < 0 || reserve_double(s, al * bl) < 0)
		return -1; /* the window may have grown, the value is unchanged */
	add_double_big(s, ah * bh);
	add_double_big(s, ah * bl);
	add_double_big(s, al * bh);
	add_double_big(s, al * bl);
	return 0;
}

int gp_xsum_merge(gp_xsum *s, const gp_xsum *o)
{
	if (!o->big) {
		int64_t t;
		if (!s->big && !__builtin_add_overflow(s->i, o->i, &t))
			s->i = t;
		else if (go_big(s) < 0 || add_i64_big(s, o->i) < 0)
			return -1;
		s->special |= o->special;
		return 0;
	}
	if (go_big(s) < 0 || reserve(s, o->lo, o->lo + o->n - 1) < 0)
		return -1;
	int64_t od[L];
	memcpy(od, o->big, o->n * sizeof *od);
	normalize(od, o->n);
	normalize(s->big, s->n);
	for (int k = 0; k < o->n; k++)
		s->big[o->lo - s->lo + k] += od[k];
	s->pending = 1;
	s->special |= o->special;
	return 0;
}

int gp_xsum_copy(gp_xsum *d, const gp_xsum *s)
{
	*d = *s;
	if (s->big) {
		d->big = malloc(s->n * sizeof(int64_t));
		if (!d->big)
			return -1;
		memcpy(d->big, s->big, s->n * sizeof(int64_t));
	}
	return 0;
}

/* The magnitude as normalised digits (top digit may exceed 2^32 only when
 * the value is beyond the double range); returns the sign. */
static bool digits(const gp_xsum *s, int64_t *d)
{
	memset(d, 0, L * sizeof *d);
	if (!s->big) {
		uint64_t m = s->i < 0 ? -(uint64_t)s->i : (uint64_t)s->i;
		int k = POS_INT / 32, sh = POS_INT % 32;
		uint64_t lo = (m & MASK32) << sh, hi = (m >> 32) << sh;
		d[k] = (int64_t)(lo & MASK32);
		d[k + 1] = (int64_t)(lo >> 32) + (int64_t)(hi & MASK32);
		d[k + 2] = (int64_t)(hi >> 32);
		normalize(d, L);
		return s->i < 0;
	}
	memcpy(d + s->lo, s->big, s->n * sizeof *d);
	normalize(d, L);
	bool neg = d[L - 1] < 0;
	if (neg) {
		for (int k = 0; k < L; k++)
			d[k] = -d[k];
		normalize(d, L);
	}
	return neg;
}

static uint64_t digit(const int64_t *d, int k)
{
	return k >= 0 && k < L ? (uint64_t)d[k] : 0;
}

/* Round the non-negative fixed-point number in d (plus a nonzero tail below
 * it when `tail`) to the nearest double, ties to even. */
static double round_digits(const int64_t *d, bool tail)
{
	if (d[L - 1] >= (int64_t)4294967296)
		return HUGE_VAL;
	int h = L - 1;
	while (h >= 0 && d[h] == 0)
		h--;
	if (h < 0)
		return 0;
	int top = h * 32 + 31 - __builtin_clz((uint32_t)d[h]);
	if (top < 53)
		return ldexp((double)(digit(d, 0) | digit(d, 1) << 32), -1074);
	int lo = top - 52, k = lo / 32, sh = lo % 32;
	uint64_t w = digit(d, k) | digit(d, k + 1) << 32;
	uint64_t m = w >> sh;
	if (sh)
		m |= digit(d, k + 2) << (64 - sh);
	m &= (UINT64_C(1) << 53) - 1;
	int g = lo - 1;
	bool guard = (digit(d, g / 32) >> (g % 32)) & 1;
	bool sticky = tail || (digit(d, g / 32) & ((UINT64_C(1) << (g % 32)) - 1));
	for (int j = g / 32 - 1; j >= 0 && !sticky; j--)
		sticky = d[j] != 0;
	if (guard && (sticky || (m & 1)))
		m++;
	return ldexp((double)m, lo - 1074);
}

static double special_result(const gp_xsum *s)
{
	if ((s->special & 4) || (s->special & 3) == 3)
		return NAN;
	return s->special & 1 ? HUGE_VAL : -HUGE_VAL;
}

double gp_xsum_result(gp_xsum *s)
{
	if (s->special)
		return special_result(s);
	if (!s->big)
		return (double)s->i;
	int64_t d[L];
	bool neg = digits(s, d);
	double r = round_digits(d, false);
	return neg ? -r : r;
}

double gp_xsum_div(gp_xsum *s, uint64_t n)
{
	if (n == 0)
		return NAN;
	if (s->special)
		return special_result(s);
	if (n > MASK32)
		return gp_xsum_result(s) / (double)n;
	int64_t d[L];
	bool neg = digits(s, d);
	if (d[L - 1] >= (int64_t)4294967296)
		return neg ? -HUGE_VAL : HUGE_VAL;
	uint64_t r = 0;
	for (int k = L - 1; k >= 0; k--) {
		uint64_t cur = r << 32 | (uint64_t)d[k];
		d[k] = (int64_t)(cur / n);
		r = cur % n;
	}
	double q = round_digits(d, r != 0);
	return neg ? -q : q;
}

/* ---- encoding (see exactsum.h) ---- */

enum { FORM_INT = 0, FORM_DIGITS = 8 };

void gp_xsum_encode(const gp_xsum *s, gp_enc *e)
{
	if (s->special || !s->big) { /* a special fixes the result: digits do not matter */
		gp_enc_byte(e, s->special | FORM_INT);
		gp_enc_svar(e, s->special ? 0 : s->i);
		return;
	}
	/* The window and two digits above it, normalised, as sign and
	 * magnitude (digits() does the same over all L digits: too slow for a
	 * spill, which encodes every sum). */
	int64_t d[L + 2];
	int a = s->lo, b = s->lo + s->n + 2;
	memcpy(d + a, s->big, s->n * sizeof *d);
	d[b - 2] = d[b - 1] = 0;
	normalize(d + a, b - a);
	bool neg = d[b - 1] < 0;
	if (neg) {
		for (int j = a; j < b; j++)
			d[j] = -d[j];
		normalize(d + a, b - a);
	}
	while (a < b && d[a] == 0)
		a++;
	while (b > a && d[b - 1] == 0)
		b--;
	if (a == b) {
		gp_enc_byte(e, FORM_INT);
		gp_enc_svar(e, 0);
		return;
	}
	int k = POS_INT / 32, sh = POS_INT % 32; /* 2^0 is bit sh of digit k */
	/* an integer below 2^63: no bit below 2^0, none from 2^63 up */
	if (a >= k && (a > k || (d[k] & ((INT64_C(1) << sh) - 1)) == 0) && b <= k + 3 &&
	    (b < k + 3 || (d[k + 2] >> (63 - 2 * 32 + sh)) == 0)) {
		uint64_t m = 0;
		for (int j = a; j < b; j++)
			m |= j == k ? (uint64_t)d[j] >> sh : (uint64_t)d[j] << (32 * (j - k) - sh);
		gp_enc_byte(e, FORM_INT);
		gp_enc_svar(e, neg ? -(int64_t)m : (int64_t)m);
		return;
	}
	gp_enc_byte(e, FORM_DIGITS);
	gp_enc_byte(e, neg);
	gp_enc_var(e, (uint64_t)a);
	gp_enc_var(e, (uint64_t)(b - a));
	for (int j = a; j < b; j++) /* below 2^32: a sum of fewer than 2^78 doubles */
		gp_enc_u32(e, (uint32_t)d[j]);
}

int gp_xsum_decode(gp_xsum *s, gp_dec *d)
{
	unsigned tag = gp_dec_byte(d);
	if (tag & ~(7u | FORM_DIGITS))
		goto bad;
	if (!(tag & FORM_DIGITS)) {
		int64_t i = gp_dec_svar(d);
		if (d->bad || (tag && i))
			goto bad;
		s->i = i;
		s->special = (uint8_t)tag;
		return 0;
	}
	unsigned neg = gp_dec_byte(d);
	uint64_t lo = gp_dec_var(d), n = gp_dec_var(d);
	if (d->bad || neg > 1 || tag != FORM_DIGITS || n == 0 || lo >= L || n > L - lo || gp_dec_left(d) < 4 * n)
		goto bad;
	if (reserve(s, (int)lo, (int)(lo + n - 1)) < 0)
		return -1;
	for (uint64_t j = 0; j < n; j++) {
		int64_t v = gp_dec_u32(d);
		s->big[lo + j - s->lo] = neg ? -v : v;
	}
	s->i = 0;
	s->pending = 0;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}
