/* Exact sums: an int64 fast path, then a carry-save fixed-point
 * superaccumulator over the whole double range (see exactsum.h). */
#include "exactsum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { L = GP_XSUM_LIMBS, POS_INT = 1074 /* bit of 2^0 */ };
#define RADIX 4294967296.0
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
}

size_t gp_xsum_mem(const gp_xsum *s)
{
	return s->big ? L * sizeof(int64_t) : 0;
}

static void normalize(int64_t *d)
{
	for (int k = 0; k < L - 1; k++) {
		int64_t c = d[k] >> 32; /* arithmetic: floor(d[k] / 2^32) */
		d[k] -= c * (int64_t)4294967296;
		d[k + 1] += c;
	}
}

/* d += (neg ? -1 : 1) * mag * 2^(pos - 1074) */
static void add_bits(gp_xsum *s, uint64_t mag, bool neg, int pos)
{
	int k = pos / 32, sh = pos % 32;
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
		normalize(s->big);
		s->pending = 0;
	}
}

static void add_i64_big(gp_xsum *s, int64_t i)
{
	if (i)
		add_bits(s, i < 0 ? -(uint64_t)i : (uint64_t)i, i < 0, POS_INT);
}

static int go_big(gp_xsum *s)
{
	if (s->big)
		return 0;
	s->big = calloc(L, sizeof(int64_t));
	if (!s->big)
		return -1;
	add_i64_big(s, s->i);
	s->i = 0;
	return 0;
}

static void add_double_big(gp_xsum *s, double v)
{
	uint64_t b;
	memcpy(&b, &v, sizeof b);
	int e = (int)((b >> 52) & 0x7ff);
	uint64_t m = b & ((UINT64_C(1) << 52) - 1);
	if (e)
		m |= UINT64_C(1) << 52;
	if (m)
		add_bits(s, m, b >> 63, e ? e - 1 : 0);
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
	if (go_big(s) < 0)
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
	if (go_big(s) < 0)
		return -1;
	/* Veltkamp: each half has at most 26 significant bits, so the four
	 * partial products are exact (C11 mode: no contraction into fma). */
	double ca = 134217729.0 * a, ah = ca - (ca - a), al = a - ah;
	double cb = 134217729.0 * b, bh = cb - (cb - b), bl = b - bh;
	add_double_big(s, ah * bh);
	add_double_big(s, ah * bl);
	add_double_big(s, al * bh);
	add_double_big(s, al * bl);
	return 0;
}

int gp_xsum_merge(gp_xsum *s, const gp_xsum *o)
{
	s->special |= o->special;
	if (!o->big) {
		int64_t t;
		if (!s->big && !__builtin_add_overflow(s->i, o->i, &t)) {
			s->i = t;
			return 0;
		}
		if (go_big(s) < 0)
			return -1;
		add_i64_big(s, o->i);
		return 0;
	}
	if (go_big(s) < 0)
		return -1;
	int64_t od[L];
	memcpy(od, o->big, sizeof od);
	normalize(od);
	normalize(s->big);
	for (int k = 0; k < L; k++)
		s->big[k] += od[k];
	s->pending = 1;
	return 0;
}

int gp_xsum_copy(gp_xsum *d, const gp_xsum *s)
{
	*d = *s;
	if (s->big) {
		d->big = malloc(L * sizeof(int64_t));
		if (!d->big)
			return -1;
		memcpy(d->big, s->big, L * sizeof(int64_t));
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
		normalize(d);
		return s->i < 0;
	}
	memcpy(d, s->big, L * sizeof *d);
	normalize(d);
	bool neg = d[L - 1] < 0;
	if (neg) {
		for (int k = 0; k < L; k++)
			d[k] = -d[k];
		normalize(d);
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
