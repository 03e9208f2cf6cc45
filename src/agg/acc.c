/* The accumulators and their table (see acc.h). */
#include "acc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ddsketch.h"
#include "detmath.h"
#include "exactsum.h"
#include "hll.h"
#include "xdec.h"
#include "../core/grow.h"

/* ---- count ---- */

typedef struct { uint64_t n; } count_st;

static void count_init(void *st, const gp_acc_params *p) { ((count_st *)st)->n = 0; }
static int count_add(void *st, double v, uint64_t seq) { ((count_st *)st)->n++; return 0; }
static int count_merge(void *st, const void *o) { ((count_st *)st)->n += ((const count_st *)o)->n; return 0; }
static bool count_result(void *st, double *out) { *out = (double)((count_st *)st)->n; return true; }
static void count_encode(void *st, gp_enc *e) { gp_enc_var(e, ((count_st *)st)->n); }

/* Ends every decode: the bytes were a state, or errno says why not. */
static int decoded(const gp_dec *d)
{
	if (!d->bad)
		return 0;
	errno = EINVAL;
	return -1;
}

static int count_decode(void *st, gp_dec *d)
{
	((count_st *)st)->n = gp_dec_var(d);
	return decoded(d);
}

/* ---- sum, avg ---- */

/* The binary exact sum of the values as doubles, and the decimal exact sum
 * of their text while every value came with text that is a short decimal
 * (gp_acc_add_num; agg/xdec.h): then the answer is the decimal one, so
 * 0.1 + 0.2 is 0.3 and 17-digit integers keep their digits. */
typedef struct { gp_xsum s; uint64_t n; gp_xdec x; } sum_st;

static void sum_init(void *st, const gp_acc_params *p)
{
	sum_st *a = st;
	gp_xsum_init(&a->s);
	a->n = 0;
	gp_xdec_init(&a->x);
}

static int sum_add_bin(sum_st *a, double v)
{
	if (gp_xsum_add(&a->s, v) < 0)
		return -1;
	a->n++;
	return 0;
}

/* A value without its text: the decimal sum no longer holds every value. */
static int sum_add(void *st, double v, uint64_t seq)
{
	sum_st *a = st;
	if (sum_add_bin(a, v) < 0)
		return -1;
	gp_xdec_invalidate(&a->x);
	return 0;
}

static int sum_merge(void *st, const void *o)
{
	sum_st *a = st;
	const sum_st *b = o;
	if (gp_xsum_merge(&a->s, &b->s) < 0)
		return -1;
	a->n += b->n;
	gp_xdec_merge(&a->x, &b->x);
	return 0;
}

static bool sum_result(void *st, double *out)
{
	sum_st *a = st;
	*out = a->x.valid ? gp_xdec_result(&a->x) : gp_xsum_result(&a->s);
	return true;
}

static bool avg_result(void *st, double *out)
{
	sum_st *a = st;
	if (!a->n)
		return false;
	*out = a->x.valid ? gp_xdec_div(&a->x, a->n) : gp_xsum_div(&a->s, a->n);
	return true;
}

static size_t sum_mem(const void *st) { return gp_xsum_mem(&((const sum_st *)st)->s); }

static void sum_encode(void *st, gp_enc *e)
{
	sum_st *a = st;
	gp_xsum_encode(&a->s, e);
	gp_enc_var(e, a->n);
	gp_enc_byte(e, a->x.valid);
	if (a->x.valid)
		for (int k = 0; k < 4; k++)
			gp_enc_u64(e, a->x.w[k]);
}

static int sum_decode(void *st, gp_dec *d)
{
	sum_st *a = st;
	if (gp_xsum_decode(&a->s, d) < 0)
		return -1;
	a->n = gp_dec_var(d);
	unsigned valid = gp_dec_byte(d);
	if (valid > 1)
		d->bad = true;
	if (valid == 1)
		for (int k = 0; k < 4; k++)
			a->x.w[k] = gp_dec_u64(d);
	else
		gp_xdec_invalidate(&a->x);
	return decoded(d);
}
static void sum_free(void *st) { gp_xsum_free(&((sum_st *)st)->s); }

/* ---- min, max, first, last: one value, picked by an order ---- */

typedef struct { double v; uint64_t seq; bool has; } pick_st;

static void pick_init(void *st, const gp_acc_params *p) { memset(st, 0, sizeof(pick_st)); }

/* min and max break the tie of -0 and 0 by the sign, so the order of
 * arrival never shows */
static bool less(double a, double b) { return a < b || (a == b && __builtin_signbit(a) && !__builtin_signbit(b)); }

static int pick(pick_st *a, double v, uint64_t seq, bool better)
{
	if (!a->has || better) {
		a->v = v;
		a->seq = seq;
		a->has = true;
	}
	return 0;
}

static int min_add(void *st, double v, uint64_t seq)
{
	pick_st *a = st;
	return v != v ? 0 : pick(a, v, seq, less(v, a->v));
}

static int max_add(void *st, double v, uint64_t seq)
{
	pick_st *a = st;
	return v != v ? 0 : pick(a, v, seq, less(a->v, v));
}

static int first_add(void *st, double v, uint64_t seq) { pick_st *a = st; return pick(a, v, seq, seq < a->seq); }
static int last_add(void *st, double v, uint64_t seq) { pick_st *a = st; return pick(a, v, seq, seq > a->seq); }

#define PICK_MERGE(NAME)                                                   \
	static int NAME##_merge(void *st, const void *o)                   \
	{                                                                  \
		const pick_st *b = o;                                      \
		return b->has ? NAME##_add(st, b->v, b->seq) : 0;          \
	}
PICK_MERGE(min)
PICK_MERGE(max)
PICK_MERGE(first)
PICK_MERGE(last)

/* min and max: whether there is a value, and the value (its seq does not
 * matter and is not written, so equal values give equal bytes); first and
 * last add the seq. */
static void pick_encode(void *st, gp_enc *e)
{
	pick_st *a = st;
	gp_enc_byte(e, a->has);
	if (a->has)
		gp_enc_f64(e, a->v);
}

static void pick_seq_encode(void *st, gp_enc *e)
{
	pick_st *a = st;
	pick_encode(st, e);
	if (a->has)
		gp_enc_var(e, a->seq);
}

static int pick_decode_as(pick_st *a, gp_dec *d, bool seq)
{
	unsigned has = gp_dec_byte(d);
	if (has > 1)
		d->bad = true;
	if (has == 1) {
		a->v = gp_dec_f64(d);
		a->seq = seq ? gp_dec_var(d) : 0;
		a->has = !d->bad;
	}
	return decoded(d);
}

static int pick_decode(void *st, gp_dec *d) { return pick_decode_as(st, d, false); }
static int pick_seq_decode(void *st, gp_dec *d) { return pick_decode_as(st, d, true); }

static bool pick_result(void *st, double *out)
{
	pick_st *a = st;
	*out = a->v;
	return a->has;
}

/* ---- stddev: exact sums of x and x^2, so the state is order-independent ---- */

typedef struct { gp_xsum s, q; uint64_t n; } sd_st;

static void sd_init(void *st, const gp_acc_params *p)
{
	sd_st *a = st;
	gp_xsum_init(&a->s);
	gp_xsum_init(&a->q);
	a->n = 0;
}

static int sd_add(void *st, double v, uint64_t seq)
{
	sd_st *a = st;
	if (gp_xsum_add(&a->s, v) < 0)
		return -1;
	if (gp_xsum_add_product(&a->q, v, v) < 0) {
		gp_xsum_add(&a->s, -v); /* exact, so this puts s back as it was */
		return -1;
	}
	a->n++;
	return 0;
}

static int sd_merge(void *st, const void *o)
{
	sd_st *a = st;
	const sd_st *b = o;
	if (gp_xsum_merge(&a->s, &b->s) < 0 || gp_xsum_merge(&a->q, &b->q) < 0)
		return -1;
	a->n += b->n;
	return 0;
}

/* Sample standard deviation from the exact state: with m = S/n (rounded
 * once) and T = S - n m, sum (x - m)^2 = Q - n m^2 - 2 m T; Q - n m^2 and T
 * are formed exactly, so nothing cancels. */
static bool sd_result(void *st, double *out)
{
	sd_st *a = st;
	if (a->n < 2)
		return false;
	double n = (double)a->n, m = gp_xsum_div(&a->s, a->n);
	gp_xsum d, t;
	gp_xsum_init(&d);
	gp_xsum_init(&t);
	double mh, ml;
	gp_split(m, &mh, &ml);
	int bad = gp_xsum_copy(&d, &a->q) | gp_xsum_copy(&t, &a->s);
	bad |= gp_xsum_add_product(&d, -n, mh * mh) | gp_xsum_add_product(&d, -n, 2 * mh * ml) |
	       gp_xsum_add_product(&d, -n, ml * ml) | gp_xsum_add_product(&t, -n, m);
	double ss = gp_xsum_result(&d) - 2 * m * gp_xsum_result(&t);
	gp_xsum_free(&d);
	gp_xsum_free(&t);
	if (bad)
		return false;
	*out = ss > 0 ? gp_sqrt(ss / (n - 1)) : ss == ss ? 0 : ss;
	return true;
}

static void sd_encode(void *st, gp_enc *e)
{
	sd_st *a = st;
	gp_xsum_encode(&a->s, e);
	gp_xsum_encode(&a->q, e);
	gp_enc_var(e, a->n);
}

static int sd_decode(void *st, gp_dec *d)
{
	sd_st *a = st;
	if (gp_xsum_decode(&a->s, d) < 0 || gp_xsum_decode(&a->q, d) < 0)
		return -1;
	a->n = gp_dec_var(d);
	return decoded(d);
}

static size_t sd_mem(const void *st) { const sd_st *a = st; return gp_xsum_mem(&a->s) + gp_xsum_mem(&a->q); }
static void sd_free(void *st) { sd_st *a = st; gp_xsum_free(&a->s); gp_xsum_free(&a->q); }

/* ---- percentile: exact values up to the budget, then a DDSketch ---- */

typedef struct {
	double *v;
	size_t n, cap, budget;
	gp_dds *sk;
	double pct;
} pct_st;

static void pct_init(void *st, const gp_acc_params *p)
{
	pct_st *a = st;
	memset(a, 0, sizeof *a);
	a->pct = p ? p->pct : 50;
	a->budget = p && p->budget ? p->budget : GP_ACC_PCT_BUDGET;
}

static int to_sketch(pct_st *a)
{
	if (a->sk)
		return 0;
	gp_dds *sk = malloc(sizeof *sk);
	if (!sk)
		return -1;
	gp_dds_init(sk);
	for (size_t k = 0; k < a->n; k++)
		if (gp_dds_add(sk, a->v[k], 1) < 0) {
			gp_dds_free(sk);
			free(sk);
			return -1;
		}
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
	a->sk = sk;
	return 0;
}

static bool finite(double v) { return v == v && v - v == 0; }

static int pct_add(void *st, double v, uint64_t seq)
{
	pct_st *a = st;
	if (!finite(v))
		return 0;
	if (!a->sk && (a->n + 1) * sizeof(double) > a->budget && to_sketch(a) < 0)
		return -1;
	if (a->sk)
		return gp_dds_add(a->sk, v, 1);
	if (gp_grow(&a->v, &a->cap, a->n + 1, sizeof(double)) < 0)
		return -1;
	a->v[a->n++] = v;
	return 0;
}

static int pct_merge(void *st, const void *o)
{
	pct_st *a = st;
	const pct_st *b = o;
	if (!a->sk && (b->sk || (a->n + b->n) * sizeof(double) > a->budget) && to_sketch(a) < 0)
		return -1;
	if (a->sk && b->sk)
		return gp_dds_merge(a->sk, b->sk);
	for (size_t k = 0; k < b->n; k++)
		if (pct_add(a, b->v[k], 0) < 0)
			return -1;
	return 0;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return less(a, b) ? -1 : less(b, a);
}

static bool pct_result(void *st, double *out)
{
	pct_st *a = st;
	uint64_t n = a->sk ? a->sk->n : a->n;
	if (!n)
		return false;
	/* nearest rank: x_(ceil(pct/100 * n)) */
	double r = a->pct * (double)n / 100;
	uint64_t rank = r < 1 ? 1 : (uint64_t)r;
	if ((double)rank < r)
		rank++;
	if (rank > n)
		rank = n;
	if (a->sk) {
		*out = gp_dds_rank(a->sk, rank);
		return true;
	}
	qsort(a->v, a->n, sizeof(double), cmp_double);
	*out = a->v[rank - 1];
	return true;
}

/* Tag 0: the exact values, sorted; tag 1: the sketch. */
static void pct_encode(void *st, gp_enc *e)
{
	pct_st *a = st;
	if (a->sk) {
		gp_enc_byte(e, 1);
		gp_dds_encode(a->sk, e);
		return;
	}
	if (a->n)
		qsort(a->v, a->n, sizeof(double), cmp_double);
	gp_enc_byte(e, 0);
	gp_enc_var(e, a->n);
	for (size_t k = 0; k < a->n; k++)
		gp_enc_f64(e, a->v[k]);
}

static int pct_decode(void *st, gp_dec *d)
{
	pct_st *a = st;
	unsigned tag = gp_dec_byte(d);
	if (tag == 1) {
		if (to_sketch(a) < 0)
			return -1;
		return gp_dds_decode(a->sk, d) < 0 ? -1 : decoded(d);
	}
	uint64_t n = gp_dec_var(d);
	if (d->bad || tag != 0 || n > gp_dec_left(d) / 8) {
		errno = EINVAL;
		return -1;
	}
	if (!a->sk && n * sizeof(double) <= a->budget && gp_grow(&a->v, &a->cap, (size_t)n, sizeof(double)) < 0)
		return -1;
	for (uint64_t k = 0; k < n; k++) {
		double v = gp_dec_f64(d);
		if (!finite(v)) {
			errno = EINVAL;
			return -1;
		}
		if (pct_add(a, v, 0) < 0)
			return -1;
	}
	return decoded(d);
}

static size_t pct_mem(const void *st)
{
	const pct_st *a = st;
	return a->cap * sizeof(double) + (a->sk ? sizeof *a->sk + gp_dds_mem(a->sk) : 0);
}

static bool pct_approx(const void *st) { return ((const pct_st *)st)->sk != NULL; }

static void pct_free(void *st)
{
	pct_st *a = st;
	free(a->v);
	if (a->sk)
		gp_dds_free(a->sk);
	free(a->sk);
	memset(a, 0, sizeof *a);
}

/* ---- distinct: a set of 64-bit hashes, then HyperLogLog ---- */

typedef struct {
	uint64_t *set; /* open addressing; 0 marks a free slot */
	size_t cap, n; /* n counts has0 too */
	bool has0;     /* the hash 0 was seen */
	bool sorted;   /* encode sorted the set: its nonzero hashes ascend at its end */
	gp_hll *h;
} dist_st;

static void dist_init(void *st, const gp_acc_params *p) { memset(st, 0, sizeof(dist_st)); }

static void set_put(uint64_t *set, size_t cap, uint64_t x, size_t *n)
{
	size_t k = (size_t)gp_hash_u64(x) & (cap - 1);
	while (set[k] && set[k] != x)
		k = (k + 1) & (cap - 1);
	if (!set[k]) {
		set[k] = x;
		++*n;
	}
}

/* Puts the hashes of a set that encode sorted back in their slots. */
static int unsort(dist_st *a)
{
	uint64_t *set = calloc(a->cap, sizeof *set);
	if (!set)
		return -1;
	size_t n = 0;
	for (size_t k = 0; k < a->cap; k++)
		if (a->set[k])
			set_put(set, a->cap, a->set[k], &n);
	free(a->set);
	a->set = set;
	a->sorted = false;
	return 0;
}

static bool set_has(const dist_st *a, uint64_t x)
{
	if (!x)
		return a->has0;
	if (!a->cap)
		return false;
	size_t k = (size_t)gp_hash_u64(x) & (a->cap - 1);
	while (a->set[k] && a->set[k] != x)
		k = (k + 1) & (a->cap - 1);
	return a->set[k] == x;
}

static int to_hll(dist_st *a)
{
	if (a->h)
		return 0;
	gp_hll *h = calloc(1, sizeof *h);
	if (!h)
		return -1;
	for (size_t k = 0; k < a->cap; k++)
		if (a->set[k])
			gp_hll_add(h, a->set[k]);
	if (a->has0)
		gp_hll_add(h, 0);
	free(a->set);
	a->set = NULL;
	a->cap = a->n = 0;
	a->has0 = a->sorted = false;
	a->h = h;
	return 0;
}

int gp_acc_distinct_add_hash(void *st, uint64_t hash)
{
	dist_st *a = st;
	if (a->sorted && unsort(a) < 0)
		return -1;
	/* exact while at most GP_ACC_DISTINCT_EXACT distinct values were seen:
	 * a property of the set, so one pass and any merge switch alike */
	if (!a->h && a->n >= GP_ACC_DISTINCT_EXACT && !set_has(a, hash) && to_hll(a) < 0)
		return -1;
	if (a->h) {
		gp_hll_add(a->h, hash);
		return 0;
	}
	if (!hash) {
		a->n += !a->has0;
		a->has0 = true;
		return 0;
	}
	if (2 * (a->n + 1) > a->cap) { /* load at most 1/2 */
		size_t cap = a->cap ? 2 * a->cap : 16, n = 0;
		uint64_t *set = calloc(cap, sizeof *set);
		if (!set)
			return -1;
		for (size_t k = 0; k < a->cap; k++)
			if (a->set[k])
				set_put(set, cap, a->set[k], &n);
		free(a->set);
		a->set = set;
		a->cap = cap;
	}
	size_t n = 0;
	set_put(a->set, a->cap, hash, &n);
	a->n += n;
	return 0;
}

static int dist_add(void *st, double v, uint64_t seq)
{
	if (v != v)
		return 0;
	if (v == 0)
		v = 0; /* -0 and 0 are one value */
	uint64_t b;
	memcpy(&b, &v, sizeof b);
	return gp_acc_distinct_add_hash(st, gp_hash_u64(b));
}

static int dist_merge(void *st, const void *o)
{
	dist_st *a = st;
	const dist_st *b = o;
	if (b->h) {
		if (to_hll(a) < 0)
			return -1;
		gp_hll_merge(a->h, b->h);
		return 0;
	}
	if (b->has0 && gp_acc_distinct_add_hash(a, 0) < 0)
		return -1;
	for (size_t k = 0; k < b->cap; k++)
		if (b->set[k] && gp_acc_distinct_add_hash(a, b->set[k]) < 0)
			return -1;
	return 0;
}

static bool dist_result(void *st, double *out)
{
	dist_st *a = st;
	*out = a->h ? (double)(uint64_t)(gp_hll_estimate(a->h) + 0.5) : (double)a->n;
	return true;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

/* Tag 0: the set's hashes, ascending; tag 1: the HyperLogLog registers. */
static void dist_encode(void *st, gp_enc *e)
{
	dist_st *a = st;
	if (a->h) {
		gp_enc_byte(e, 1);
		for (uint32_t j = 0; j < GP_HLL_M; j++)
			gp_enc_byte(e, a->h->reg[j]);
		return;
	}
	/* Sorted in place (the empty slots, 0, come first) and left so: the
	 * next add puts the hashes back in their slots (unsort). */
	gp_enc_byte(e, 0);
	gp_enc_var(e, a->n);
	if (a->has0)
		gp_enc_u64(e, 0);
	if (!a->cap)
		return;
	if (!a->sorted)
		qsort(a->set, a->cap, sizeof *a->set, cmp_u64);
	a->sorted = true;
	for (size_t k = a->cap - (a->n - a->has0); k < a->cap; k++)
		gp_enc_u64(e, a->set[k]);
}

static int dist_decode(void *st, gp_dec *d)
{
	dist_st *a = st;
	unsigned tag = gp_dec_byte(d);
	if (tag == 1) {
		if (to_hll(a) < 0)
			return -1;
		for (uint32_t j = 0; j < GP_HLL_M; j++) {
			unsigned r = gp_dec_byte(d);
			if (r > 64 - GP_HLL_P + 1)
				d->bad = true;
			a->h->reg[j] = (uint8_t)r;
		}
		return decoded(d);
	}
	uint64_t n = gp_dec_var(d), prev = 0;
	if (d->bad || tag != 0 || n > GP_ACC_DISTINCT_EXACT || n > gp_dec_left(d) / 8) {
		errno = EINVAL;
		return -1;
	}
	for (uint64_t k = 0; k < n; k++) {
		uint64_t x = gp_dec_u64(d);
		if (k && x <= prev) { /* ascending, each once */
			errno = EINVAL;
			return -1;
		}
		prev = x;
		if (gp_acc_distinct_add_hash(a, x) < 0)
			return -1;
	}
	return decoded(d);
}

static size_t dist_mem(const void *st)
{
	const dist_st *a = st;
	return a->cap * sizeof(uint64_t) + (a->h ? sizeof *a->h : 0);
}

static bool dist_approx(const void *st) { return ((const dist_st *)st)->h != NULL; }

static void dist_free(void *st)
{
	dist_st *a = st;
	free(a->set);
	free(a->h);
	memset(a, 0, sizeof *a);
}

/* ---- the table ---- */

static size_t no_mem(const void *st) { return 0; }
static bool exact(const void *st) { return false; }
static void no_free(void *st) { }

#define ACC(NAME, ST, BOUND, INIT, ADD, MERGE, RESULT, MEM, APPROX, FREE, ENC, DEC, HEAP)                         \
	static const gp_acc_ops acc_##NAME = { #NAME, sizeof(ST), BOUND, INIT, ADD, MERGE, RESULT, MEM, APPROX, FREE, \
					       ENC,   DEC,        HEAP }

ACC(count, count_st, NULL, count_init, count_add, count_merge, count_result, no_mem, exact, no_free, count_encode,
    count_decode, false);
ACC(sum, sum_st, NULL, sum_init, sum_add, sum_merge, sum_result, sum_mem, exact, sum_free, sum_encode, sum_decode,
    true);
ACC(avg, sum_st, NULL, sum_init, sum_add, sum_merge, avg_result, sum_mem, exact, sum_free, sum_encode, sum_decode,
    true);
ACC(min, pick_st, NULL, pick_init, min_add, min_merge, pick_result, no_mem, exact, no_free, pick_encode, pick_decode,
    false);
ACC(max, pick_st, NULL, pick_init, max_add, max_merge, pick_result, no_mem, exact, no_free, pick_encode, pick_decode,
    false);
ACC(first, pick_st, NULL, pick_init, first_add, first_merge, pick_result, no_mem, exact, no_free, pick_seq_encode,
    pick_seq_decode, false);
ACC(last, pick_st, NULL, pick_init, last_add, last_merge, pick_result, no_mem, exact, no_free, pick_seq_encode,
    pick_seq_decode, false);
ACC(stddev, sd_st, NULL, sd_init, sd_add, sd_merge, sd_result, sd_mem, exact, sd_free, sd_encode, sd_decode, true);
ACC(percentile, pct_st, "within ±1%", pct_init, pct_add, pct_merge, pct_result, pct_mem, pct_approx, pct_free,
    pct_encode, pct_decode, true);
ACC(distinct, dist_st, "0.81% standard error", dist_init, dist_add, dist_merge, dist_result, dist_mem,
    dist_approx, dist_free, dist_encode, dist_decode, true);

int gp_acc_add_num(const gp_acc_ops *op, void *st, double v, const char *text, size_t n, uint64_t seq)
{
	if (op != &acc_sum && op != &acc_avg)
		return op->add(st, v, seq);
	sum_st *a = st;
	if (sum_add_bin(a, v) < 0)
		return -1;
	gp_xdec_add_text(&a->x, text, n);
	return 0;
}

const gp_acc_ops *const gp_acc_all[] = {
	&acc_count, &acc_sum, &acc_avg, &acc_min, &acc_max, &acc_first,
	&acc_last, &acc_stddev, &acc_percentile, &acc_distinct, NULL,
};

const gp_acc_ops *gp_acc_find(const char *name, size_t len)
{
	for (const gp_acc_ops *const *a = gp_acc_all; *a; a++)
		if (strlen((*a)->name) == len && !memcmp((*a)->name, name, len))
			return *a;
	return NULL;
}

size_t gp_acc_pct_budget(size_t table_budget, unsigned npct)
{
	if (!table_budget)
		return GP_ACC_PCT_BUDGET;
	size_t b = table_budget / 64 / (npct ? npct : 1);
	return b < 4096 ? 4096 : b > GP_ACC_PCT_BUDGET ? GP_ACC_PCT_BUDGET : b;
}

/* ---- rows ---- */

size_t gp_acc_row_layout(gp_acc_row *r)
{
	size_t at = 0;
	r->heap = false;
	for (size_t k = 0; k < r->n; k++) {
		r->off[k] = at;
		at += (r->ops[k]->size + 7) & ~(size_t)7;
		r->heap |= r->ops[k]->heap;
	}
	return r->size = at;
}

void gp_acc_row_init(void *block, const gp_acc_row *r)
{
	for (size_t k = 0; k < r->n; k++)
		r->ops[k]->init((char *)block + r->off[k], r->params ? r->params[k] : NULL);
}

int gp_acc_row_merge(void *dst, const void *src, void *row)
{
	const gp_acc_row *r = row;
	for (size_t k = 0; k < r->n; k++)
		if (r->ops[k]->merge((char *)dst + r->off[k], (const char *)src + r->off[k]) < 0)
			return -1;
	return 0;
}

size_t gp_acc_row_encode(void *block, unsigned char *buf, size_t cap, void *row)
{
	const gp_acc_row *r = row;
	gp_enc e = { buf, cap, 0 };
	for (size_t k = 0; k < r->n; k++)
		r->ops[k]->encode((char *)block + r->off[k], &e);
	return e.n;
}

int gp_acc_row_decode(void *block, const unsigned char *p, size_t n, void *row)
{
	const gp_acc_row *r = row;
	gp_acc_row_init(block, r);
	gp_dec d;
	gp_dec_init(&d, p, n);
	for (size_t k = 0; k < r->n; k++)
		if (r->ops[k]->decode((char *)block + r->off[k], &d) < 0)
			return -1;
	if (gp_dec_left(&d)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

void gp_acc_row_free(void *block, void *row)
{
	const gp_acc_row *r = row;
	for (size_t k = 0; k < r->n; k++)
		if (r->ops[k]->heap)
			r->ops[k]->free((char *)block + r->off[k]);
}

size_t gp_acc_row_mem(const void *block, void *row)
{
	const gp_acc_row *r = row;
	size_t m = 0;
	for (size_t k = 0; k < r->n; k++)
		if (r->ops[k]->heap)
			m += r->ops[k]->mem((const char *)block + r->off[k]);
	return m;
}
