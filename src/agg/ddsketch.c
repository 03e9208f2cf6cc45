/* DDSketch with dense stores that grow to the range of bins seen (see ddsketch.h). */
#include "ddsketch.h"

#include <stdlib.h>
#include <string.h>

#include "detmath.h"

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
	if (!s->n || x < s->min)
		s->min = x;
	if (!s->n || x > s->max)
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
	if (!s->n || o->min < s->min)
		s->min = o->min;
	if (!s->n || o->max > s->max)
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
