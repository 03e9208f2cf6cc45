/* DDSketch with dense stores that grow to the range of bins seen (see ddsketch.h). */
#include "ddsketch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "detmath.h"
#include "enc.h"

/* ln gamma for alpha = 1%: ln(1.01 / 0.99) */
#define GAMMA ((1 + GP_DDS_ALPHA) / (1 - GP_DDS_ALPHA))

static double ln_gamma(void)
{
	static double v;
	if (!v)
		v = gp_ln(GAMMA);
	return v;
}

void gp_dds_init(gp_dds *s)
{
	memset(s, 0, sizeof *s);
}

void gp_dds_free(gp_dds *s)
{
	free(s->pos.c);
	free(s->neg.c);
	gp_dds_init(s);
}

size_t gp_dds_mem(const gp_dds *s)
{
	return (s->pos.cap + s->neg.cap) * sizeof(uint64_t);
}

static int32_t bin_of(double x)
{
	double l = gp_ln(x) / ln_gamma();
	int32_t i = (int32_t)l;
	return i < l ? i + 1 : i; /* ceil */
}

static double bin_value(int32_t i)
{
	return 2 * gp_exp(i * ln_gamma()) / (GAMMA + 1);
}

/* Makes bins [a, b] addressable. */
static int cover(gp_dds_store *st, int32_t a, int32_t b)
{
	if (st->cap && a >= st->lo && b < st->lo + (int64_t)st->cap)
		return 0;
	int64_t lo = st->cap ? (a < st->lo ? a : st->lo) : a;
	int64_t hi = st->cap ? (b >= st->lo + (int64_t)st->cap ? b : st->lo + (int64_t)st->cap - 1) : b;
	size_t need = (size_t)(hi - lo + 1), cap = st->cap * 2 > need ? st->cap * 2 : need;
	if (cap < 64)
		cap = 64;
	/* extra room on the side that grew */
	if (st->cap && a < st->lo)
		lo = hi + 1 - (int64_t)cap;
	uint64_t *c = calloc(cap, sizeof *c);
	if (!c)
		return -1;
	if (st->cap)
		memcpy(c + (st->lo - lo), st->c, st->cap * sizeof *c);
	free(st->c);
	st->c = c;
	st->lo = (int32_t)lo;
	st->cap = cap;
	return 0;
}

/* -0 before 0, so min and max do not depend on the order of arrival. */
static bool before(double a, double b)
{
	return a < b || (a == b && __builtin_signbit(a) && !__builtin_signbit(b));
}

int gp_dds_add(gp_dds *s, double x, uint64_t count)
{
	if (!count)
		return 0;
	if (x != 0) {
		gp_dds_store *st = x > 0 ? &s->pos : &s->neg;
		int32_t i = bin_of(x > 0 ? x : -x);
		if (cover(st, i, i) < 0)
			return -1;
		st->c[i - st->lo] += count;
	} else {
		s->zero += count;
	}
	if (!s->n || before(x, s->min))
		s->min = x;
	if (!s->n || before(s->max, x))
		s->max = x;
	s->n += count;
	return 0;
}

static int merge_store(gp_dds_store *d, const gp_dds_store *o)
{
	size_t a = 0, b = o->cap;
	while (a < b && !o->c[a])
		a++;
	while (b > a && !o->c[b - 1])
		b--;
	if (a == b)
		return 0;
	if (cover(d, o->lo + (int32_t)a, o->lo + (int32_t)b - 1) < 0)
		return -1;
	for (size_t k = a; k < b; k++)
		d->c[o->lo + (int64_t)k - d->lo] += o->c[k];
	return 0;
}

int gp_dds_merge(gp_dds *s, const gp_dds *o)
{
	if (!o->n)
		return 0;
	if (merge_store(&s->pos, &o->pos) < 0 || merge_store(&s->neg, &o->neg) < 0)
		return -1;
	if (!s->n || before(o->min, s->min))
		s->min = o->min;
	if (!s->n || before(s->max, o->max))
		s->max = o->max;
	s->zero += o->zero;
	s->n += o->n;
	return 0;
}

static double clamp(const gp_dds *s, double v)
{
	return v < s->min ? s->min : v > s->max ? s->max : v;
}

double gp_dds_rank(const gp_dds *s, uint64_t r)
{
	uint64_t seen = 0;
	for (size_t k = s->neg.cap; k-- > 0;) /* most negative first */
		if ((seen += s->neg.c[k]) >= r)
			return clamp(s, -bin_value(s->neg.lo + (int32_t)k));
	if ((seen += s->zero) >= r)
		return 0;
	for (size_t k = 0; k < s->pos.cap; k++)
		if ((seen += s->pos.c[k]) >= r)
			return clamp(s, bin_value(s->pos.lo + (int32_t)k));
	return s->max;
}

/* ---- encoding (see ddsketch.h) ---- */

/* Bins of finite doubles stay within about +-38000 (subnormals to the
 * largest double); anything far outside is not a sketch. */
#define BIN_LIMIT (1 << 20)

static void encode_store(const gp_dds_store *st, gp_enc *e)
{
	size_t a = 0, b = st->cap;
	while (a < b && !st->c[a])
		a++;
	while (b > a && !st->c[b - 1])
		b--;
	gp_enc_svar(e, a < b ? st->lo + (int64_t)a : 0);
	gp_enc_var(e, b - a);
	for (size_t k = a; k < b; k++)
		gp_enc_var(e, st->c[k]);
}

void gp_dds_encode(const gp_dds *s, gp_enc *e)
{
	gp_enc_var(e, s->n);
	gp_enc_var(e, s->zero);
	gp_enc_f64(e, s->n ? s->min : 0);
	gp_enc_f64(e, s->n ? s->max : 0);
	encode_store(&s->pos, e);
	encode_store(&s->neg, e);
}

/* Reads a store; adds its counts to *total. */
static int decode_store(gp_dds_store *st, gp_dec *d, uint64_t *total)
{
	int64_t lo = gp_dec_svar(d);
	uint64_t n = gp_dec_var(d);
	if (d->bad || n > gp_dec_left(d) || lo < -BIN_LIMIT || lo > BIN_LIMIT || n > BIN_LIMIT)
		goto bad;
	if (!n)
		return 0;
	if (cover(st, (int32_t)lo, (int32_t)(lo + (int64_t)n - 1)) < 0)
		return -1;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t c = gp_dec_var(d);
		st->c[lo + (int64_t)k - st->lo] = c;
		if (__builtin_add_overflow(*total, c, total))
			goto bad;
	}
	if (d->bad)
		goto bad;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int gp_dds_decode(gp_dds *s, gp_dec *d)
{
	s->n = gp_dec_var(d);
	s->zero = gp_dec_var(d);
	s->min = gp_dec_f64(d);
	s->max = gp_dec_f64(d);
	uint64_t total = s->zero;
	if (d->bad || !(s->min <= s->max) || s->min - s->min != 0 || s->max - s->max != 0)
		goto bad;
	if (decode_store(&s->pos, d, &total) < 0 || decode_store(&s->neg, d, &total) < 0)
		return -1;
	if (total != s->n)
		goto bad;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}
