/* Unit tests of src/agg: exact sums (agg/exactsum) against an independent
 * exact sum (Shewchuk's partials, as Python's math.fsum), every accumulator
 * against a brute-force answer on seeded random data, merges of random
 * splits equal to one pass bit for bit, the DDSketch ±1% bound on uniform,
 * lognormal and Pareto samples, and HyperLogLog within 3 sigma; every
 * state encoded and decoded: canonical bytes, merges of decoded parts equal
 * to one pass, cut or damaged bytes refused. TAP output. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/acc.h"
#include "agg/ddsketch.h"
#include "agg/detmath.h"
#include "agg/exactsum.h"
#include "agg/hll.h"
#include "tap.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* uniform in (0, 1) */
static double unif(void)
{
	return ((double)(rnd() >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void)
{
	double u, v, s;
	do {
		u = 2 * unif() - 1;
		v = 2 * unif() - 1;
		s = u * u + v * v;
	} while (s >= 1 || s == 0);
	return u * gp_sqrt(-2 * gp_ln(s) / s);
}

static void shuffle(double *v, uint64_t *seq, size_t n)
{
	for (size_t k = n; k > 1; k--) {
		size_t j = rnd() % k;
		double t = v[k - 1];
		v[k - 1] = v[j];
		v[j] = t;
		if (seq) {
			uint64_t s = seq[k - 1];
			seq[k - 1] = seq[j];
			seq[j] = s;
		}
	}
}

static double dabs(double x) { return x < 0 ? -x : x; }

/* Python's math.fsum: Shewchuk's exact partials, rounded once. */
static double fsum(const double *x, size_t n)
{
	double p[256];
	size_t np = 0;
	for (size_t k = 0; k < n; k++) {
		double v = x[k];
		size_t i = 0;
		for (size_t j = 0; j < np; j++) {
			double y = p[j];
			if (dabs(v) < dabs(y)) {
				double t = v;
				v = y;
				y = t;
			}
			double hi = v + y, lo = y - (hi - v);
			if (lo != 0)
				p[i++] = lo;
			v = hi;
		}
		np = i;
		p[np++] = v;
	}
	double hi = 0, lo = 0;
	size_t m = np;
	if (m > 0) {
		hi = p[--m];
		while (m > 0) {
			double v = hi, y = p[--m];
			hi = v + y;
			lo = y - (hi - v);
			if (lo != 0)
				break;
		}
		if (m > 0 && ((lo < 0 && p[m - 1] < 0) || (lo > 0 && p[m - 1] > 0))) {
			double y = lo * 2, v = hi + y;
			if (y == v - hi)
				hi = v;
		}
	}
	return hi;
}

static bool same(double a, double b)
{
	return !memcmp(&a, &b, sizeof a) || (a != a && b != b);
}

static double xsum_of(const double *v, size_t n)
{
	gp_xsum s;
	gp_xsum_init(&s);
	for (size_t k = 0; k < n; k++)
		gp_xsum_add(&s, v[k]);
	double r = gp_xsum_result(&s);
	gp_xsum_free(&s);
	return r;
}

static void test_exactsum(void)
{
	static const struct {
		double v[6];
		size_t n;
		double want;
	} cases[] = {
		{ { 0.1, 0.2, 0.3 }, 3, 0.6 },
		{ { 1e100, 1.0, -1e100, 1e-100 }, 4, 1.0 },
		{ { 1e308, 1e308, -1e308 }, 3, 1e308 },
		{ { 9007199254740992.0, 1.0, 1.0 }, 3, 9007199254740994.0 },
		{ { 4.9406564584124654e-324, 4.9406564584124654e-324 }, 2, 9.8813129168249309e-324 },
		{ { 1.0, 1.1102230246251565e-16 }, 2, 1.0 },                      /* tie to even */
		{ { 1.0, 1.1102230246251565e-16, 4.9406564584124654e-324 }, 3, 1.0000000000000002 },
		{ { 9.2233720368547758e18, 9.2233720368547758e18 }, 2, 1.8446744073709552e19 },
		{ { -0.0 }, 1, 0.0 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		double r = xsum_of(cases[c].v, cases[c].n);
		ok(same(r, cases[c].want), "exact sum case %zu: %.17g", c, r);
	}
	double inf[] = { 1.0, 1.0 / 0.0 }, nan[] = { 1.0 / 0.0, -1.0 / 0.0 };
	ok(xsum_of(inf, 2) == 1.0 / 0.0 && xsum_of(nan, 2) != xsum_of(nan, 2), "infinities as IEEE addition");

	/* int64 fast path overflowing into the exact form */
	gp_xsum s;
	gp_xsum_init(&s);
	for (int k = 0; k < 3000; k++)
		gp_xsum_add(&s, 9007199254740991.0);
	ok(gp_xsum_result(&s) == 3000 * 9007199254740991.0 && gp_xsum_mem(&s) > 0, "int64 overflow into the exact form");
	gp_xsum_free(&s);

	/* random values over a wide exponent range, random orders, against fsum */
	enum { N = 20000 };
	double *v = malloc(N * sizeof *v);
	int bad = 0, badorder = 0;
	for (int round = 0; round < 20; round++) {
		for (size_t k = 0; k < N; k++) {
			int e = (int)(rnd() % 120) - 60;
			v[k] = (unif() - 0.5) * (double)(1ull << (e < 0 ? 0 : e)) / (double)(1ull << (e < 0 ? -e : 0));
			if (round % 4 == 1)
				v[k] = (double)(int64_t)(rnd() >> 12) - (double)(1ull << 51); /* integers */
		}
		double want = fsum(v, N), r = xsum_of(v, N);
		bad += !same(r, want);
		shuffle(v, NULL, N);
		badorder += !same(xsum_of(v, N), r);
	}
	ok(!bad, "20 random sums of 20000 values equal fsum (%d differ)", bad);
	ok(!badorder, "shuffled: bit-identical (%d differ)", badorder);

	/* sum / n rounded once: n copies of v average to v exactly */
	int badavg = 0;
	for (int k = 0; k < 1000; k++) {
		double x = (unif() - 0.5) * 1e6;
		uint64_t n = 1 + rnd() % 1000;
		gp_xsum_init(&s);
		for (uint64_t j = 0; j < n; j++)
			gp_xsum_add(&s, x);
		badavg += !same(gp_xsum_div(&s, n), x);
		gp_xsum_free(&s);
	}
	ok(!badavg, "avg of n copies of x is x (%d differ)", badavg);
	double third[] = { 1, 1, 0 };
	gp_xsum_init(&s);
	for (int k = 0; k < 3; k++)
		gp_xsum_add(&s, third[k]);
	ok(gp_xsum_div(&s, 3) == 2.0 / 3, "2/3 rounded once");
	gp_xsum_free(&s);

	/* product: sum of x*x exactly */
	gp_xsum_init(&s);
	gp_xsum_add_product(&s, 0.1, 0.1);
	gp_xsum_add(&s, -0.010000000000000002);
	double resid = gp_xsum_result(&s);
	ok(resid != 0 && dabs(resid) < 1e-18, "add_product keeps the rounding error of 0.1*0.1 (%.3g)", resid);
	gp_xsum_free(&s);
	free(v);
}

static void test_decimals(void)
{
	enum { N = 1000000 };
	double *v = malloc(N * sizeof *v);
	char buf[64];
	for (size_t k = 0; k < N; k++) {
		snprintf(buf, sizeof buf, "%s%llu.%03llu", rnd() & 1 ? "-" : "", (unsigned long long)(rnd() % 100000),
			 (unsigned long long)(rnd() % 1000));
		v[k] = strtod(buf, NULL);
	}
	double want = fsum(v, N), first = xsum_of(v, N);
	int bad = 0;
	for (int r = 0; r < 3; r++) {
		shuffle(v, NULL, N);
		bad += !same(xsum_of(v, N), first);
	}
	/* split in 7 parts, merged in reverse */
	gp_xsum part[7], total;
	for (int p = 0; p < 7; p++)
		gp_xsum_init(&part[p]);
	for (size_t k = 0; k < N; k++)
		gp_xsum_add(&part[rnd() % 7], v[k]);
	gp_xsum_init(&total);
	for (int p = 6; p >= 0; p--) {
		gp_xsum_merge(&total, &part[p]);
		gp_xsum_free(&part[p]);
	}
	bad += !same(gp_xsum_result(&total), first);
	gp_xsum_free(&total);
	ok(same(first, want) && !bad, "1e6 random decimals: equal fsum, bit-identical in 3 orders and a 7-way merge");
	free(v);
}

/* ---- accumulators against brute force, and random splits merged ---- */

static double run(const gp_acc_ops *op, const gp_acc_params *p, const double *v, const uint64_t *seq, size_t n,
		  bool *has)
{
	char *st = malloc(op->size);
	op->init(st, p);
	for (size_t k = 0; k < n; k++)
		op->add(st, v[k], seq[k]);
	double r = 0;
	*has = op->result(st, &r);
	op->free(st);
	free(st);
	return r;
}

/* The values dealt at random into `parts` states, merged in a random order. */
static double run_split(const gp_acc_ops *op, const gp_acc_params *p, const double *v, const uint64_t *seq,
			size_t n, int parts, bool *has, bool *approx)
{
	char *st[16];
	for (int k = 0; k < parts; k++) {
		st[k] = malloc(op->size);
		op->init(st[k], p);
	}
	for (size_t k = 0; k < n; k++)
		op->add(st[rnd() % parts], v[k], seq[k]);
	for (int k = parts; k > 1; k--) { /* random merge tree */
		int a = (int)(rnd() % k), b;
		do
			b = (int)(rnd() % k);
		while (b == a);
		op->merge(st[a], st[b]);
		op->free(st[b]);
		free(st[b]);
		st[b] = st[k - 1];
	}
	double r = 0;
	*has = op->result(st[0], &r);
	*approx = op->approx(st[0]);
	op->free(st[0]);
	free(st[0]);
	return r;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double brute(const char *name, double pct, const double *v, const uint64_t *seq, size_t n, bool *has)
{
	*has = n > 0;
	double *s = malloc((n + 1) * sizeof *s), r = 0;
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmpd);
	if (!strcmp(name, "count")) {
		*has = true;
		r = (double)n;
	} else if (!strcmp(name, "sum")) {
		*has = true;
		r = fsum(v, n);
	} else if (!strcmp(name, "avg")) {
		long double t = 0;
		for (size_t k = 0; k < n; k++)
			t += v[k];
		r = n ? (double)(t / n) : 0;
	} else if (!strcmp(name, "min")) {
		r = n ? s[0] : 0;
	} else if (!strcmp(name, "max")) {
		r = n ? s[n - 1] : 0;
	} else if (!strcmp(name, "first") || !strcmp(name, "last")) {
		size_t best = 0;
		for (size_t k = 1; k < n; k++)
			if (name[0] == 'f' ? seq[k] < seq[best] : seq[k] > seq[best])
				best = k;
		r = n ? v[best] : 0;
	} else if (!strcmp(name, "stddev")) {
		long double m = 0, ss = 0;
		for (size_t k = 0; k < n; k++)
			m += v[k];
		m /= n;
		for (size_t k = 0; k < n; k++)
			ss += (v[k] - m) * (v[k] - m);
		*has = n > 1;
		r = n > 1 ? gp_sqrt((double)(ss / (n - 1))) : 0;
	} else if (!strcmp(name, "percentile")) {
		size_t rank = 1;
		while (rank < n && (double)rank * 100 < pct * (double)n) /* ceil(pct/100 n) */
			rank++;
		r = n ? s[rank - 1] : 0;
	} else if (!strcmp(name, "distinct")) {
		*has = true;
		size_t d = 0;
		for (size_t k = 0; k < n; k++)
			d += k == 0 || s[k] != s[k - 1];
		r = (double)d;
	}
	free(s);
	return r;
}

static bool close_to(double a, double b, double rel)
{
	return dabs(a - b) <= rel * (dabs(b) > 1e-300 ? dabs(b) : 1e-300);
}

static void test_accumulators(void)
{
	enum { N = 3000 };
	double *v = malloc(N * sizeof *v);
	uint64_t *seq = malloc(N * sizeof *seq);
	const double pcts[] = { 50, 90, 99, 99.9, 100, 0.1 };
	for (const gp_acc_ops *const *opp = gp_acc_all; *opp; opp++) {
		const gp_acc_ops *op = *opp;
		int badexact = 0, badsplit = 0, approx_seen = 0, runs = 0;
		for (int round = 0; round < 24; round++) {
			size_t n = round == 0 ? 0 : round == 1 ? 1 : 1 + rnd() % N;
			for (size_t k = 0; k < n; k++) {
				seq[k] = k * 3 + 1;
				switch (round % 4) {
				case 0: v[k] = (double)(int64_t)(rnd() % 200) - 100; break;     /* small ints, repeats */
				case 1: v[k] = (unif() - 0.3) * 1e6; break;
				case 2: v[k] = (double)(int64_t)(rnd() % 1000) / 100; break; /* decimals */
				default: v[k] = 1e9 + unif(); break; /* large mean, small spread */
				}
			}
			shuffle(v, seq, n);
			gp_acc_params p = { pcts[round % 6], round % 3 == 2 ? 512 : 0 };
			bool h1, h2, h3, ap;
			double r1 = run(op, &p, v, seq, n, &h1);
			double want = brute(op->name, p.pct, v, seq, n, &h2);
			/* merge of any split equals one pass, bit for bit */
			double r2 = run_split(op, &p, v, seq, n, 1 + (int)(rnd() % 9), &h3, &ap);
			approx_seen += ap;
			runs++;
			badsplit += h1 != h3 || (h1 && !same(r1, r2));
			bool exact_ok;
			if (h1 != h2)
				exact_ok = false;
			else if (!h1)
				exact_ok = true;
			else if (!strcmp(op->name, "stddev"))
				exact_ok = close_to(r1, want, 1e-9);
			else if (!strcmp(op->name, "avg"))
				exact_ok = close_to(r1, want, 1e-15);
			else if (!strcmp(op->name, "percentile") && ap)
				exact_ok = close_to(r1, want, 0.01 * (1 + 1e-9));
			else
				exact_ok = same(r1, want);
			if (!exact_ok && badexact++ < 3)
				printf("# %s round %d n=%zu: got %.17g want %.17g\n", op->name, round, n, r1, want);
			if (!same(r1, r2) && badsplit < 4)
				printf("# %s round %d n=%zu split: %.17g vs %.17g\n", op->name, round, n, r2, r1);
		}
		ok(!badexact, "%s: brute-force answer on %d random inputs (%d wrong)", op->name, runs, badexact);
		ok(!badsplit, "%s: random splits merged equal one pass (%d differ)", op->name, badsplit);
		if (!strcmp(op->name, "percentile"))
			ok(approx_seen > 0 && op->bound, "percentile: a small budget switches to the sketch");
	}
	ok(gp_acc_find("p99", 3) == NULL && gp_acc_find("avg", 3) && !strcmp(gp_acc_find("avg", 3)->name, "avg"),
	   "lookup by name");
	free(v);
	free(seq);
}

static void test_memory_report(void)
{
	const gp_acc_ops *op = gp_acc_find("percentile", 10);
	gp_acc_params p = { 99, 4096 };
	char st[256];
	op->init(st, &p);
	size_t before = op->mem(st);
	for (int k = 0; k < 400; k++)
		op->add(st, k, k);
	ok(op->mem(st) > before && op->mem(st) >= 400 * sizeof(double) && !op->approx(st), "percentile reports its values");
	for (int k = 0; k < 1000; k++)
		op->add(st, k, k);
	ok(op->approx(st), "percentile past its budget is approximate");
	op->free(st);
	op = gp_acc_find("distinct", 8);
	op->init(st, NULL);
	for (int k = 0; k < GP_ACC_DISTINCT_EXACT; k++)
		op->add(st, k, k);
	for (int k = 0; k < 10; k++)
		op->add(st, k, k);
	double r;
	op->result(st, &r);
	ok(!op->approx(st) && r == GP_ACC_DISTINCT_EXACT, "distinct exact at its limit, repeats do not switch it");
	op->add(st, -1, 0);
	op->result(st, &r);
	ok(op->approx(st) && op->mem(st) >= sizeof(gp_hll) && dabs(r - 4097) < 4097 * 0.03,
	   "distinct past its limit is HyperLogLog (%.0f)", r);
	op->free(st);
	op = gp_acc_find("sum", 3);
	op->init(st, NULL);
	op->add(st, 1, 0);
	size_t m0 = op->mem(st);
	op->add(st, 0.5, 1);
	for (int k = 0; k < 1000; k++)
		op->add(st, (double)(k % 977) / 100 + 1e5, k);
	ok(m0 == 0 && op->mem(st) > 0 && op->mem(st) <= 12 * sizeof(int64_t),
	   "sum reports its exact form once it leaves the int64 path: %zu bytes for decimals", op->mem(st));
	op->free(st);
}

/* ---- DDSketch and HyperLogLog bounds ---- */

static void test_ddsketch(void)
{
	enum { N = 200000 };
	double *v = malloc(N * sizeof *v);
	static const char *const dist[] = { "uniform", "lognormal", "pareto", "mixed signs" };
	const double qs[] = { 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1 };
	for (int d = 0; d < 4; d++) {
		gp_dds sk, a, b;
		gp_dds_init(&sk);
		gp_dds_init(&a);
		gp_dds_init(&b);
		for (size_t k = 0; k < N; k++) {
			switch (d) {
			case 0: v[k] = unif() * 1000; break;
			case 1: v[k] = gp_exp(3 + 2 * normal()); break;
			case 2: v[k] = 1.0 * gp_exp(-gp_ln(unif()) / 1.5); break;
			default: v[k] = (unif() - 0.5) * gp_exp(10 * normal()); break;
			}
			gp_dds_add(&sk, v[k], 1);
			gp_dds_add(k % 3 ? &a : &b, v[k], 1);
		}
		gp_dds_merge(&a, &b);
		qsort(v, N, sizeof *v, cmpd);
		int bad = 0, badmerge = 0;
		double worst = 0;
		for (size_t q = 0; q < sizeof qs / sizeof qs[0]; q++) {
			uint64_t rank = (uint64_t)(qs[q] * N + 0.5);
			double exact = v[rank - 1], got = gp_dds_rank(&sk, rank);
			double err = dabs(got - exact) / dabs(exact);
			worst = err > worst ? err : worst;
			bad += err > 0.01 + 1e-12;
			badmerge += !same(got, gp_dds_rank(&a, rank));
		}
		ok(!bad && !badmerge, "DDSketch %s: 10 quantiles within 1%% (worst %.4f%%), merge equal", dist[d],
		   worst * 100);
		ok(gp_dds_mem(&sk) < 64 * 1024 * 8, "DDSketch %s: %zu bytes", dist[d], gp_dds_mem(&sk));
		gp_dds_free(&sk);
		gp_dds_free(&a);
		gp_dds_free(&b);
	}
	free(v);
}

static void test_hll(void)
{
	const uint64_t ns[] = { 100000, 300000, 1000000 };
	for (size_t t = 0; t < 3; t++) {
		gp_hll *h = calloc(1, sizeof *h), *h2 = calloc(2, sizeof *h2);
		char buf[32];
		for (uint64_t k = 0; k < ns[t]; k++) {
			int len = snprintf(buf, sizeof buf, "user-%llu-%llu", (unsigned long long)t, (unsigned long long)k);
			uint64_t x = gp_hash_text(buf, (size_t)len);
			gp_hll_add(h, x);
			gp_hll_add(k & 1 ? h2 : h2 + 1, x);
			if (k % 4 == 0)
				gp_hll_add(h, x); /* repeats change nothing */
		}
		gp_hll_merge(h2, h2 + 1);
		double e = gp_hll_estimate(h), rel = (e - (double)ns[t]) / (double)ns[t];
		ok(dabs(rel) < 3 * 0.0081 && !memcmp(h, h2, sizeof *h), "HLL %llu distinct: %+.3f%% (3 sigma 2.43%%), merge equal",
		   (unsigned long long)ns[t], rel * 100);
		free(h);
		free(h2);
	}
	gp_hll empty;
	memset(&empty, 0, sizeof empty);
	gp_hll_add(&empty, gp_hash_text("a", 1));
	ok(gp_hll_estimate(&empty) > 0.99 && gp_hll_estimate(&empty) < 1.01, "HLL small-range correction: one value");
}

static void test_detmath(void)
{
	int bad = 0;
	for (int k = 0; k < 10000; k++) {
		double x = gp_exp((unif() - 0.5) * 1400);
		if (x == 0 || x > 1.7e308)
			continue;
		bad += !close_to(gp_exp(gp_ln(x)), x, 1e-12);
		double r = gp_sqrt(x);
		bad += !close_to(r * r, x, 1e-15);
	}
	ok(!bad && gp_ln(1) == 0 && gp_sqrt(4) == 2, "ln, exp, sqrt accurate (%d bad)", bad);
}

/* ---- encode and decode ---- */

typedef struct enc_buf {
	unsigned char *p;
	size_t n;
} enc_buf;

static enc_buf encode(const gp_acc_ops *op, void *st)
{
	gp_enc e = { NULL, 0, 0 };
	op->encode(st, &e); /* measure, then write */
	enc_buf b = { malloc(e.n ? e.n : 1), e.n };
	gp_enc w = { b.p, b.n, 0 };
	op->encode(st, &w);
	if (w.n != b.n)
		b.n = (size_t)-1;
	return b;
}

static bool same_bytes(enc_buf a, enc_buf b)
{
	return a.n == b.n && a.n != (size_t)-1 && memcmp(a.p, b.p, a.n) == 0;
}

/* Decodes b into a fresh state (NULL when refused, errno set). */
static char *decode(const gp_acc_ops *op, const gp_acc_params *p, const unsigned char *bytes, size_t n)
{
	char *st = malloc(op->size);
	op->init(st, p);
	gp_dec d;
	gp_dec_init(&d, bytes, n);
	if (op->decode(st, &d) < 0 || gp_dec_left(&d)) {
		int e = gp_dec_left(&d) && !d.bad ? EINVAL : errno;
		op->free(st);
		free(st);
		errno = e;
		return NULL;
	}
	return st;
}

static void test_encode(void)
{
	enum { N = 6000 };
	double *v = malloc(N * sizeof *v);
	uint64_t *seq = malloc(N * sizeof *seq);
	for (const gp_acc_ops *const *opp = gp_acc_all; *opp; opp++) {
		const gp_acc_ops *op = *opp;
		int badround = 0, badsplit = 0, badcut = 0, crashfree = 0, forms = 0;
		for (int round = 0; round < 16; round++) {
			size_t n = round == 0 ? 0 : round == 1 ? 1 : round == 5 ? N : 1 + rnd() % 2000;
			for (size_t k = 0; k < n; k++) {
				seq[k] = k * 5 + 2;
				switch (round % 4) {
				case 0: v[k] = (double)(int64_t)(rnd() % 200) - 100; break;
				case 1: v[k] = round == 5 ? (double)k : (unif() - 0.3) * 1e6; break; /* 6000 distinct */
				case 2: v[k] = (double)(int64_t)(rnd() % 100000) / 100; break;
				default: v[k] = k % 7 == 0 ? -0.0 : k % 11 == 0 ? 1e300 : 1e9 + unif(); break;
				}
			}
			shuffle(v, seq, n);
			gp_acc_params p = { 90, round % 3 == 2 ? 4096 : 0 };
			/* one pass, its bytes, and the bytes of its decoded copy */
			char *one = malloc(op->size);
			op->init(one, &p);
			for (size_t k = 0; k < n; k++)
				op->add(one, v[k], seq[k]);
			enc_buf b1 = encode(op, one);
			char *back = decode(op, &p, b1.p, b1.n);
			enc_buf b2 = back ? encode(op, back) : (enc_buf){ NULL, (size_t)-1 };
			double r1 = 0, r2 = 0;
			bool h1 = op->result(one, &r1), h2 = back && op->result(back, &r2);
			badround += !back || !same_bytes(b1, b2) || h1 != h2 || (h1 && !same(r1, r2)) ||
				    op->approx(one) != op->approx(back);
			forms += op->approx(one);
			/* random parts, each encoded and decoded, merged in order */
			int parts = 1 + (int)(rnd() % 7);
			char *pst[8];
			for (int k = 0; k < parts; k++) {
				pst[k] = malloc(op->size);
				op->init(pst[k], &p);
			}
			for (size_t k = 0; k < n; k++)
				op->add(pst[rnd() % parts], v[k], seq[k]);
			char *acc = malloc(op->size);
			op->init(acc, &p);
			for (int k = 0; k < parts; k++) {
				enc_buf b = encode(op, pst[k]);
				char *d = decode(op, &p, b.p, b.n);
				if (!d || op->merge(acc, d) < 0)
					badsplit++;
				if (d) {
					op->free(d);
					free(d);
				}
				free(b.p);
				op->free(pst[k]);
				free(pst[k]);
			}
			enc_buf b3 = encode(op, acc);
			double r3 = 0;
			bool h3 = op->result(acc, &r3);
			if (!same_bytes(b1, b3) || h1 != h3 || (h1 && !same(r1, r3))) {
				if (badsplit++ < 3)
					printf("# %s round %d n=%zu: merged decoded parts differ (%zu vs %zu bytes)\n",
					       op->name, round, n, b3.n, b1.n);
			}
			/* every cut is refused; damaged bytes never crash */
			for (size_t cut = 0; cut < b1.n; cut += 1 + cut / 8) {
				char *d = decode(op, &p, b1.p, cut);
				if (d || errno != EINVAL) {
					badcut++;
					if (d) {
						op->free(d);
						free(d);
					}
				}
			}
			for (int t = 0; t < 20 && b1.n; t++) {
				unsigned char *dmg = malloc(b1.n);
				memcpy(dmg, b1.p, b1.n);
				dmg[rnd() % b1.n] ^= (unsigned char)(1 + rnd() % 255);
				char *d = decode(op, &p, dmg, b1.n);
				if (d) {
					double r;
					op->result(d, &r);
					op->free(d);
					free(d);
				}
				free(dmg);
				crashfree++;
			}
			free(b1.p);
			free(b2.p);
			free(b3.p);
			op->free(one);
			free(one);
			if (back) {
				op->free(back);
				free(back);
			}
			op->free(acc);
			free(acc);
		}
		ok(!badround, "%s: decode(encode(s)) has the same bytes and result (%d differ)", op->name, badround);
		ok(!badsplit, "%s: decoded parts merged give one pass's bytes and result (%d differ)", op->name,
		   badsplit);
		ok(!badcut && crashfree, "%s: every cut encoding refused with EINVAL, damaged ones read safely (%d bad)",
		   op->name, badcut);
		if (!strcmp(op->name, "percentile") || !strcmp(op->name, "distinct"))
			ok(forms > 0, "%s: the sketch form round-trips too (%d rounds)", op->name, forms);
	}
	/* the fast path of a sum and its canonical form: 0.5 + 0.5 encodes as 1 */
	const gp_acc_ops *sum = gp_acc_find("sum", 3);
	char a[128], b[128];
	sum->init(a, NULL);
	sum->init(b, NULL);
	sum->add(a, 0.5, 0);
	sum->add(a, 0.5, 0);
	sum->add(b, 1, 0);
	sum->add(b, 0, 0);
	enc_buf ea = encode(sum, a), eb = encode(sum, b);
	ok(same_bytes(ea, eb) && ea.n == 4 && sum->mem(a) > 0 && sum->mem(b) == 0,
	   "sum: an exact value that is an integer encodes as one (%zu bytes)", ea.n);
	char *da = decode(sum, NULL, ea.p, ea.n);
	ok(da && sum->mem(da) == 0, "sum: and decodes onto the int64 fast path");
	sum->free(da);
	free(da);
	sum->free(a);
	free(ea.p);
	free(eb.p);
	/* negative, and 2^62 (past the fast path's 2^53): integers still */
	const double xs[][3] = { { -0.5, -0.5, 0 }, { 4611686018427387904.0, 0.25, -0.25 } }, want[] = { -1, 4611686018427387904.0 };
	bool ints = true;
	for (int c = 0; c < 2; c++) {
		sum->init(a, NULL);
		for (int k = 0; k < 3; k++)
			sum->add(a, xs[c][k], 0);
		ea = encode(sum, a);
		da = decode(sum, NULL, ea.p, ea.n);
		double r = 0;
		ints = ints && da && ea.p[0] == 0 && sum->mem(da) == 0 && sum->result(da, &r) && r == want[c];
		if (da) {
			sum->free(da);
			free(da);
		}
		sum->free(a);
		free(ea.p);
	}
	ok(ints, "sum: -1 and 2^62 made of fractions encode and decode as integers");
	sum->init(a, NULL);
	sum->add(a, -0.1, 0);
	ea = encode(sum, a);
	da = decode(sum, NULL, ea.p, ea.n);
	double r01 = 0;
	ok(da && ea.p[0] == 8 && ea.p[1] == 1 && sum->result(da, &r01) && r01 == -0.1, "sum: -0.1 as sign and digits");
	if (da)
		sum->free(da);
	free(da);
	sum->free(a);
	free(ea.p);
	free(v);
	free(seq);
}

/* A row of accumulators through the group table's callbacks. */
static void test_row(void)
{
	const char *names[] = { "count", "sum", "avg", "min", "max", "first", "last", "stddev", "percentile", "distinct" };
	enum { K = 10 };
	const gp_acc_ops *ops[K];
	const gp_acc_params *params[K] = { 0 };
	gp_acc_params pp = { 99, 0 };
	size_t off[K];
	for (int k = 0; k < K; k++)
		ops[k] = gp_acc_find(names[k], strlen(names[k]));
	params[8] = &pp;
	gp_acc_row row = { K, ops, params, off, 0, false };
	size_t size = gp_acc_row_layout(&row);
	ok(size % 8 == 0 && row.heap && off[1] == 8, "row: states 8-aligned side by side (%zu bytes)", size);
	char *x = calloc(1, size), *y = calloc(1, size), *z = calloc(1, size);
	gp_acc_row_init(x, &row);
	gp_acc_row_init(y, &row);
	for (int i = 0; i < 1000; i++) {
		char *t = i % 3 ? x : y;
		for (int k = 0; k < K; k++)
			ops[k]->add(t + off[k], (double)(i % 97) / 10, (uint64_t)i);
	}
	size_t need = gp_acc_row_encode(y, NULL, 0, &row);
	unsigned char *buf = malloc(need);
	bool wrote = gp_acc_row_encode(y, buf, need, &row) == need;
	bool dec = gp_acc_row_decode(z, buf, need, &row) == 0;
	size_t mem = gp_acc_row_mem(z, &row);
	gp_acc_row_merge(x, z, &row);
	double c, p99;
	ops[0]->result(x + off[0], &c);
	ops[8]->result(x + off[8], &p99);
	ok(wrote && dec && mem > 0 && c == 1000 && p99 == 9.5, "row: encode, decode, merge (count %g, p99 %g)", c, p99);
	gp_acc_row_free(z, &row);
	memset(z, 0, size);
	ok(gp_acc_row_decode(z, buf, need - 1, &row) < 0 && errno == EINVAL &&
	   (gp_acc_row_free(z, &row), memset(z, 0, size), gp_acc_row_decode(z, buf, need, &row) == 0),
	   "row: a cut row is refused, the block stays freeable");
	gp_acc_row_free(x, &row);
	gp_acc_row_free(y, &row);
	gp_acc_row_free(z, &row);
	free(x);
	free(y);
	free(z);
	free(buf);
	ok(gp_acc_pct_budget(0, 1) == GP_ACC_PCT_BUDGET && gp_acc_pct_budget(16u << 20, 1) == (256u << 10) &&
	   gp_acc_pct_budget(1u << 20, 4) == 4096,
	   "percentile budget per state: table budget / 64 / percentiles, within [4 KiB, 1 MiB]");
}

int main(void)
{
	test_detmath();
	test_exactsum();
	test_decimals();
	test_accumulators();
	test_memory_report();
	test_ddsketch();
	test_hll();
	test_encode();
	test_row();
	return tap_done();
}
