/* Unit tests of agg/groups (the aggregate stage's group table) and agg/hash:
 * a million random keys against a sorted reference, first-seen order,
 * growth, awkward keys, tuple keys, and spilling past a tiny budget giving
 * the same groups in the same order as in memory, with nothing left behind;
 * rows of accumulators that hold heap memory spilled as encoded bytes with
 * the same results, a million groups within --memory 16M (peak RSS, time
 * against memory), partitions larger than the budget split again, and
 * write errors (EACCES, EFBIG) with nothing left. TAP output. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agg/acc.h"
#include "agg/groups.h"
#include "agg/hash.h"
#include "core/scope.h"
#include "tap.h"
#include "tmpdir.h"

/* A state as the aggregate stage would keep: a count, and the input
 * positions of the first and the last record (order-sensitive on purpose). */
typedef struct st {
	uint64_t count, first, last;
} st;

static int st_merge(void *dst, const void *src, void *arg)
{
	st *d = dst;
	const st *s = src;
	(void)arg;
	d->count += s->count;
	if (s->first < d->first)
		d->first = s->first;
	d->last = s->last; /* src is later input: the order the table promises */
	return 0;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Keys: a pool of random byte strings (lengths 0..23, any byte, some of
 * them long), a stream of picks from it. */
enum { POOL = 200000, PICKS = 1000000 };
static char *pool;
static size_t pool_off[POOL + 1];
static uint32_t picks[PICKS];

static void make_keys(void)
{
	size_t total = 0;
	for (size_t i = 0; i < POOL; i++) {
		pool_off[i] = total;
		total += i % 9973 == 5 ? 300 + rnd() % 5000 : rnd() % 24;
	}
	pool_off[POOL] = total;
	pool = malloc(total ? total : 1);
	for (size_t i = 0; i < total; i++)
		pool[i] = (char)(rnd() % 7 == 0 ? rnd() % 4 : rnd()); /* NULs and small bytes often */
	for (size_t i = 0; i < PICKS; i++)
		picks[i] = (uint32_t)(i % 3 ? rnd() % 2000 : rnd() % POOL); /* a hot set */
}

static const char *kp(size_t pick, size_t *len)
{
	uint32_t k = picks[pick];
	*len = pool_off[k + 1] - pool_off[k];
	return pool + pool_off[k];
}

/* The reference: picks sorted by key bytes then position. */
static int ref_cmp(const void *a, const void *b)
{
	size_t x = *(const uint32_t *)a, y = *(const uint32_t *)b, lx, ly;
	const char *px = kp(x, &lx), *py = kp(y, &ly);
	int c = memcmp(px, py, lx < ly ? lx : ly);
	if (c)
		return c;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x < y ? -1 : x > y;
}

typedef struct refg {
	uint32_t first, last, count;
} refg;
static refg *ref;
static size_t nref;

static int by_first(const void *a, const void *b)
{
	uint32_t x = ((const refg *)a)->first, y = ((const refg *)b)->first;
	return x < y ? -1 : x > y;
}

static void make_ref(void)
{
	uint32_t *ix = malloc(PICKS * sizeof *ix);
	for (uint32_t i = 0; i < PICKS; i++)
		ix[i] = i;
	qsort(ix, PICKS, sizeof *ix, ref_cmp);
	ref = malloc(PICKS * sizeof *ref);
	for (size_t i = 0; i < PICKS; i++) {
		size_t la, lb;
		const char *a = kp(ix[i], &la);
		if (nref && (kp(ref[nref - 1].first, &lb), lb == la) &&
		    memcmp(kp(ref[nref - 1].first, &lb), a, la) == 0) {
			ref[nref - 1].count++;
			ref[nref - 1].last = ix[i];
			continue;
		}
		ref[nref++] = (refg){ ix[i], ix[i], 1 };
	}
	qsort(ref, nref, sizeof *ref, by_first);
	free(ix);
}

/* Feeds every pick; returns the largest gp_groups_bytes seen. */
static size_t feed(gp_groups *g, size_t n, bool *okp)
{
	size_t peak = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *k = kp(i, &len);
		bool added;
		st *s = gp_groups_get(g, k, len, &added);
		if (!s) {
			*okp = false;
			return peak;
		}
		if (added)
			s->first = i;
		s->count++;
		s->last = i;
		size_t b = gp_groups_bytes(g);
		if (b > peak)
			peak = b;
	}
	*okp = true;
	return peak;
}

/* Does the table's output equal the reference of the first n picks? */
static bool same_as_ref(gp_groups *g, size_t *ngroups)
{
	gp_group gr;
	size_t k = 0;
	int rc;
	bool same = true;
	while ((rc = gp_groups_next(g, &gr)) == 1) {
		if (k >= nref) {
			same = false;
			k++;
			continue;
		}
		const st *s = gr.state;
		size_t len;
		const char *key = kp(ref[k].first, &len);
		if (gr.len != len || memcmp(gr.key, key, len) != 0 || gr.seq != k || s->count != ref[k].count ||
		    s->first != ref[k].first || s->last != ref[k].last) {
			if (same)
				printf("# group %zu differs: count %llu vs %u, first %llu vs %u\n", k,
				       (unsigned long long)s->count, ref[k].count,
				       (unsigned long long)s->first, ref[k].first);
			same = false;
		}
		k++;
	}
	*ngroups = k;
	return same && rc == 0 && k == nref;
}

static void test_million(void)
{
	gp_scope sc;
	gp_scope_init(&sc);
	gp_groups *g = gp_groups_new(&sc, &(gp_groups_conf){ .state_size = sizeof(st) });
	bool fed;
	size_t peak = feed(g, PICKS, &fed);
	ok(fed && gp_groups_count(g) == nref, "1e6 random keys: %zu groups, as the reference (%zu)",
	   gp_groups_count(g), nref);
	ok(gp_groups_spills(g) == 0 && gp_groups_finish(g) == 0, "no budget: never spills");
	size_t n;
	bool same = same_as_ref(g, &n);
	ok(same, "counts, first and last positions, first-seen order and ranks (%zu groups, %zu KiB)", n,
	   peak >> 10);
	gp_scope_unwind(&sc);
}

static void test_order_growth_keys(void)
{
	gp_scope sc;
	gp_scope_init(&sc);
	gp_groups *g = gp_groups_new(&sc, &(gp_groups_conf){ .state_size = 8 });
	static const struct {
		const char *k;
		size_t n;
	} odd[] = { { "", 0 }, { "\0", 1 }, { "\0\0", 2 }, { "a\tb", 3 }, { "\xff\xfe", 2 },
		    { "a", 1 }, { "a\0", 2 }, { "A", 1 } };
	bool added, all = true;
	for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		uint64_t *s = gp_groups_get(g, odd[i].k, odd[i].n, &added);
		all = all && s && added && *s == 0;
		*s = i + 1;
	}
	ok(all, "empty, NUL, tab and invalid UTF-8 keys are distinct new groups, states zeroed");
	static char big[1 << 20];
	memset(big, 'x', sizeof big);
	uint64_t *bs = gp_groups_get(g, big, sizeof big, &added);
	big[sizeof big - 1] = 'y';
	uint64_t *bs2 = gp_groups_get(g, big, sizeof big, &added);
	ok(bs && bs2 && bs != bs2 && added, "1 MiB keys differing in the last byte are two groups");
	*bs = 77;
	uint64_t *first = gp_groups_find(g, "", 0);
	/* Growth: 100k more keys, then everything still found, unmoved. */
	char kb[32];
	for (int i = 0; i < 100000; i++) {
		int n = snprintf(kb, sizeof kb, "k%d", i);
		uint64_t *s = gp_groups_get(g, kb, (size_t)n, &added);
		if (!s || !added)
			all = false;
		else
			*s = (uint64_t)i;
	}
	ok(all && gp_groups_count(g) == 100010, "grows past 100k groups (%zu)", gp_groups_count(g));
	ok(gp_groups_find(g, "", 0) == first && *first == 1, "a state does not move when the table grows");
	big[sizeof big - 1] = 'x';
	ok(gp_groups_find(g, big, sizeof big) == bs && *bs == 77, "the long key is found again");
	for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		uint64_t *s = gp_groups_find(g, odd[i].k, odd[i].n);
		all = all && s && *s == i + 1;
	}
	ok(all && gp_groups_find(g, "\0\0\0", 3) == NULL, "every odd key found with its state");
	ok(gp_groups_finish(g) == 0, "finish");
	gp_group gr;
	size_t k = 0;
	bool order = true;
	while (gp_groups_next(g, &gr) == 1) {
		if (k < 8)
			order = order && gr.len == odd[k].n && memcmp(gr.key, odd[k].k, gr.len) == 0;
		else if (k >= 10) {
			int n = snprintf(kb, sizeof kb, "k%zu", k - 10);
			order = order && gr.len == (size_t)n && memcmp(gr.key, kb, gr.len) == 0;
		}
		order = order && gr.seq == k;
		k++;
	}
	ok(order && k == 100010, "iteration is first-seen order, seq 0, 1, 2, ...");
	gp_scope_unwind(&sc);
}

static void test_gkey(void)
{
	gp_gkey a = { 0 }, b = { 0 };
	gp_gkey_part(&a, "a", 1);
	gp_gkey_part(&a, "bc", 2);
	gp_gkey_part(&b, "ab", 2);
	gp_gkey_part(&b, "c", 1);
	ok(a.n != b.n || memcmp(a.p, b.p, a.n) != 0, "(a, bc) and (ab, c) are different keys");
	gp_gkey_reset(&a);
	gp_gkey_part(&a, "", 0);
	gp_gkey_reset(&b);
	ok(a.n == 1 && b.n == 0, "one empty field differs from no field");
	static char big[300];
	memset(big, 'z', sizeof big);
	gp_gkey_reset(&a);
	gp_gkey_part(&a, "x\0y", 3);
	gp_gkey_part(&a, big, sizeof big);
	gp_gkey_part(&a, "", 0);
	size_t pos = 0, len;
	const char *p;
	int r1 = gp_gkey_next(a.p, a.n, &pos, &p, &len);
	bool one = r1 == 1 && len == 3 && memcmp(p, "x\0y", 3) == 0;
	int r2 = gp_gkey_next(a.p, a.n, &pos, &p, &len);
	bool two = r2 == 1 && len == sizeof big && memcmp(p, big, len) == 0;
	int r3 = gp_gkey_next(a.p, a.n, &pos, &p, &len);
	ok(one && two && r3 == 1 && len == 0 && gp_gkey_next(a.p, a.n, &pos, &p, &len) == 0,
	   "parts read back (NUL inside, 300 bytes, empty), then the end");
	pos = 0;
	ok(gp_gkey_next(a.p, 3, &pos, &p, &len) == -1, "a cut key is an error, not a read past it");
	gp_gkey_free(&a);
	gp_gkey_free(&b);
}

static int open_fds(void)
{
	return tmpdir_entries("/proc/self/fd");
}

static void test_spill(const char *dir, size_t budget, unsigned parts)
{
	int fds = open_fds();
	gp_scope sc;
	gp_scope_init(&sc);
	gp_groups *g = gp_groups_new(&sc, &(gp_groups_conf){ .state_size = sizeof(st), .budget = budget,
							     .parts = parts, .merge = st_merge });
	bool fed;
	size_t peak = feed(g, PICKS, &fed);
	ok(fed && gp_groups_spills(g) > 0, "budget %zu KiB, %u parts: spilled %u times", budget >> 10, parts,
	   gp_groups_spills(g));
	ok(peak <= budget, "held at most the budget while adding (peak %zu KiB)", peak >> 10);
	ok(tmpdir_entries(dir) == 0, "spill files have no name in $TMPDIR");
	ok(gp_groups_finish(g) == 0, "partitions combine");
	size_t n;
	bool same = same_as_ref(g, &n);
	ok(same, "same groups, states, first-seen order and ranks as in memory (%zu groups)", n);
	gp_scope_unwind(&sc);
	ok(tmpdir_entries(dir) == 0 && open_fds() == fds, "nothing left: no file, no descriptor");
}

/* Keys larger than the spill's write and read buffers: 40 of 100 KiB, each
 * seen 3 times, through a tiny budget, equal to the table with no budget.
 * The prefetch hints go along and change nothing. */
static void test_spill_long(void)
{
	enum { NK = 40, KLEN = 100 << 10 };
	static char key[KLEN];
	gp_scope sc;
	gp_scope_init(&sc);
	gp_groups *spilled = gp_groups_new(&sc, &(gp_groups_conf){ .state_size = sizeof(st), .budget = 300u << 10,
								   .parts = 4, .merge = st_merge });
	gp_groups *mem = gp_groups_new(&sc, &(gp_groups_conf){ .state_size = sizeof(st) });
	bool all = true, added;
	for (uint64_t i = 0; i < 3 * NK; i++) {
		memset(key, 'a' + (int)(i * 7 % NK) % 26, KLEN);
		key[0] = (char)(i * 7 % NK);
		uint64_t h = gp_groups_hash(key, KLEN);
		gp_groups *both[2] = { spilled, mem };
		for (int t = 0; t < 2; t++) {
			gp_groups_prefetch(both[t], h);
			gp_groups_prefetch_group(both[t], h);
			st *s = gp_groups_get_h(both[t], key, KLEN, h, &added);
			if (!s) {
				all = false;
				continue;
			}
			if (added)
				s->first = i;
			s->count++;
			s->last = i;
		}
	}
	ok(all && gp_groups_spills(spilled) > 0 && gp_groups_finish(spilled) == 0 && gp_groups_finish(mem) == 0,
	   "100 KiB keys spill (%u times) and combine", gp_groups_spills(spilled));
	gp_group a, b;
	int ra, rb;
	size_t n = 0;
	while ((ra = gp_groups_next(spilled, &a)) == 1 && (rb = gp_groups_next(mem, &b)) == 1) {
		const st *x = a.state, *y = b.state;
		all = all && a.len == b.len && memcmp(a.key, b.key, a.len) == 0 && a.seq == b.seq &&
		      x->count == 3 && x->count == y->count && x->first == y->first && x->last == y->last;
		n++;
	}
	ok(all && n == NK && ra == 0 && gp_groups_next(mem, &b) == 0,
	   "the same %zu groups as in memory, in the same order", n);
	gp_scope_unwind(&sc);
}

static void test_spill_errors(const char *dir)
{
	char missing[4200];
	snprintf(missing, sizeof missing, "%s/absent", dir);
	setenv("TMPDIR", missing, 1);
	gp_scope sc;
	gp_scope_init(&sc);
	ok(gp_groups_new(&sc, &(gp_groups_conf){ .budget = 1 }) == NULL && errno == EINVAL,
	   "a budget without a merge is refused");
	gp_groups *g = gp_groups_new(&sc, &(gp_groups_conf){ .state_size = sizeof(st), .budget = 1,
							     .parts = 4, .merge = st_merge });
	void *s = NULL;
	bool added;
	char kb[16];
	int e = 0;
	for (int i = 0; i < 100 && (s = gp_groups_get(g, kb, (size_t)snprintf(kb, sizeof kb, "%d", i), &added));
	     i++)
		;
	e = errno;
	ok(s == NULL && e == ENOENT && gp_groups_dir(g) && strcmp(gp_groups_dir(g), missing) == 0,
	   "a spill into a missing $TMPDIR fails with errno and names it (%s)", strerror(e));
	gp_scope_unwind(&sc);
	setenv("TMPDIR", dir, 1);
}

/* ---- rows of accumulators that hold heap memory ---- */

enum { MAXACC = 10 };
typedef struct rowdef {
	const gp_acc_ops *ops[MAXACC];
	const gp_acc_params *params[MAXACC];
	gp_acc_params pct;
	size_t off[MAXACC];
	gp_acc_row row;
} rowdef;

static void row_make(rowdef *d, const char *const *names, size_t n, size_t budget)
{
	memset(d, 0, sizeof *d);
	d->pct = (gp_acc_params){ 99, gp_acc_pct_budget(budget, 1) };
	for (size_t k = 0; k < n; k++) {
		d->ops[k] = gp_acc_find(names[k], strlen(names[k]));
		d->params[k] = &d->pct;
	}
	d->row = (gp_acc_row){ n, d->ops, d->params, d->off, 0, false };
	gp_acc_row_layout(&d->row);
}

static gp_groups *row_table(gp_scope *sc, rowdef *d, size_t budget, unsigned parts)
{
	return gp_groups_new(sc, &(gp_groups_conf){ .state_size = d->row.size, .budget = budget, .parts = parts,
						    .merge = gp_acc_row_merge, .arg = &d->row,
						    .encode = gp_acc_row_encode, .decode = gp_acc_row_decode,
						    .free = gp_acc_row_free, .mem = gp_acc_row_mem });
}

/* One record into the table, as the aggregate stage does it: the state,
 * init when new, each accumulator's add, the change of heap bytes reported. */
static bool row_add(gp_groups *g, rowdef *d, const void *key, size_t len, double v, uint64_t seq)
{
	bool added;
	char *blk = gp_groups_get(g, key, len, &added);
	if (!blk)
		return false;
	if (added)
		gp_acc_row_init(blk, &d->row);
	ptrdiff_t delta = 0;
	for (size_t k = 0; k < d->row.n; k++)
		if (gp_acc_add_counted(d->ops[k], blk + d->off[k], v, seq, &delta) != 0)
			return false;
	if (delta)
		gp_groups_add_bytes(g, delta);
	return true;
}

/* A digest of what the table hands out: keys, seqs, each row's encoding
 * (canonical, so equal values give equal bytes) and results. */
static uint64_t digest(gp_groups *g, rowdef *d, size_t *ngroups, bool *seqs_ok)
{
	gp_group gr;
	uint64_t h = 1;
	size_t n = 0;
	unsigned char *buf = NULL;
	size_t cap = 0;
	*seqs_ok = true;
	int rc;
	while ((rc = gp_groups_next(g, &gr)) == 1) {
		*seqs_ok = *seqs_ok && gr.seq == n;
		size_t need = gp_acc_row_encode(gr.state, buf, cap, &d->row);
		if (need > cap) {
			cap = need * 2;
			buf = realloc(buf, cap);
			gp_acc_row_encode(gr.state, buf, cap, &d->row);
		}
		h = gp_hash64(gr.key, gr.len, h);
		h = gp_hash64(buf, need, h ^ gr.seq);
		for (size_t k = 0; k < d->row.n; k++) {
			double r = 0;
			bool has = d->ops[k]->result((char *)gr.state + d->off[k], &r);
			uint64_t b;
			memcpy(&b, &r, sizeof b);
			h = gp_hash64(&b, sizeof b, h + has);
		}
		n++;
	}
	free(buf);
	*ngroups = rc == 0 ? n : (size_t)-1;
	return h;
}

/* The picks through rows of every accumulator, with a budget and without:
 * spilled encoded states (exact sums leaving their fast path, percentile
 * values and sketches, distinct sets and HyperLogLogs) give the same
 * groups, order, ranks, bytes and results, within the budget. */
static void test_spill_heap(const char *dir)
{
	static const char *const names[] = { "count", "sum",    "avg",        "min",     "max",
					     "first", "last",   "stddev",     "percentile", "distinct" };
	enum { N = 300000 };
	size_t budget = 1u << 20;
	rowdef d;
	row_make(&d, names, MAXACC, budget);
	gp_scope sc;
	gp_scope_init(&sc);
	gp_groups *mem = row_table(&sc, &d, 0, 16), *sp = row_table(&sc, &d, budget, 16);
	bool all = mem && sp;
	size_t peak = 0;
	for (size_t i = 0; i < N && all; i++) {
		size_t len;
		const char *k = kp(i, &len);
		double v = (double)(int64_t)(i * 2654435761u % 100000) / 100 - 200;
		all = row_add(mem, &d, k, len, v, i) && row_add(sp, &d, k, len, v, i);
		size_t b = gp_groups_bytes(sp);
		peak = b > peak ? b : peak;
	}
	ok(all && gp_groups_spills(sp) > 0, "rows of 10 accumulators: spilled %u times", gp_groups_spills(sp));
	ok(peak <= budget + (64u << 10), "held the budget, heap bytes counted (peak %zu KiB of %zu)", peak >> 10,
	   budget >> 10);
	ok(tmpdir_entries(dir) == 0 && gp_groups_finish(mem) == 0 && gp_groups_finish(sp) == 0,
	   "encoded partitions combine");
	size_t n1, n2;
	bool s1, s2;
	uint64_t h1 = digest(mem, &d, &n1, &s1), h2 = digest(sp, &d, &n2, &s2);
	ok(h1 == h2 && n1 == n2 && n1 > 0 && s1 && s2,
	   "the same groups, first-seen order, ranks, encoded states and results as in memory (%zu groups)", n2);
	gp_scope_unwind(&sc);
	ok(tmpdir_entries(dir) == 0, "nothing left in $TMPDIR");
}

/* ---- a million groups in 16 MiB, and partitions split again ---- */

typedef struct runres {
	double secs, cpu;
	size_t base_kib, peak_kib, table_peak, groups;
	uint64_t digest;
	unsigned spills;
	bool ok, seqs;
} runres;

static size_t status_kib(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t v = 0, n = strlen(field);
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, field, n))
			v = (size_t)strtoull(line + n, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

/* What million() runs: aggregates of decimals, each group seen `times`
 * times (a scrambled order each time). */
typedef struct workload {
	const char *what;
	const char *const *names;
	size_t n, times;
	unsigned parts, budget_mib;
} workload;
static const char *const exact8[] = { "count", "sum", "avg", "min", "max", "first", "last", "stddev" };
static const char *const sketchy[] = { "count", "percentile", "distinct" };
static const workload wl_exact = { "count, sum, avg, min, max, first, last, stddev", exact8, 8, 3, 256, 16 };
static const workload wl_sketchy = { "count, p99, distinct", sketchy, 3, 20, 256, 16 };
/* 4 partitions of 45 MiB each: combining must split them again. */
static const workload wl_deep = { "count, sum, avg, min, max, first, last, stddev", exact8, 8, 3, 4, 4 };
static const workload *wl = &wl_exact;

static void million(size_t ngroups, size_t budget, runres *out)
{
	rowdef d;
	row_make(&d, wl->names, wl->n, budget);
	FILE *f = fopen("/proc/self/clear_refs", "w"); /* resets VmHWM */
	if (f) {
		fputs("5", f);
		fclose(f);
	}
	out->base_kib = status_kib("VmRSS:");
	struct timespec t0, t1, c0, c1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	gp_scope sc;
	gp_scope_init(&sc);
	gp_groups *g = row_table(&sc, &d, budget, wl->parts);
	bool all = g != NULL;
	char kb[32];
	for (size_t r = 0; r < wl->times * ngroups && all; r++) {
		size_t grp = (r % ngroups) * 7919 % ngroups;
		int len = snprintf(kb, sizeof kb, "user-%zu", grp * 2654435761u % 1000000007u);
		double v = (double)(int64_t)((r * 2654435761u) % 1000003) / 100;
		all = row_add(g, &d, kb, (size_t)len, v, r);
		if (r % 64 == 0) {
			size_t b = gp_groups_bytes(g);
			out->table_peak = b > out->table_peak ? b : out->table_peak;
		}
	}
	all = all && gp_groups_finish(g) == 0;
	out->digest = digest(g, &d, &out->groups, &out->seqs);
	out->spills = gp_groups_spills(g);
	gp_scope_unwind(&sc);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	out->secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	out->cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	out->peak_kib = status_kib("VmHWM:");
	out->ok = all;
}

/* Runs fn in a child, so that its peak RSS is its own; the result comes
 * back through shared memory. */
static bool in_child(void (*fn)(size_t, size_t, runres *), size_t a, size_t b, runres *out)
{
	runres *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return false;
	memset(sh, 0, sizeof *sh);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		fn(a, b, sh);
		_exit(0);
	}
	int status = 0;
	bool fine = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	*out = *sh;
	munmap(sh, sizeof *sh);
	return fine && out->ok;
}

static void test_million_memory(const char *dir, const workload *w, size_t ngroups)
{
	size_t budget = (size_t)w->budget_mib << 20;
#if defined(__SANITIZE_ADDRESS__)
	ngroups /= 10; /* the sanitizer's shadow memory makes RSS and time meaningless */
	budget /= 8;
#endif
	runres m, s;
	wl = w;
	bool okm = in_child(million, ngroups, 0, &m), oks = in_child(million, ngroups, budget, &s);
	ok(okm && oks && s.spills > 0 && m.spills == 0,
	   "%zu groups of %s (%zu values each): in memory, and spilled %u times to %u partitions", ngroups, w->what,
	   w->times, s.spills, w->parts);
	ok(s.digest == m.digest && s.groups == ngroups && m.groups == ngroups && s.seqs,
	   "exact: spilled results equal the in-memory ones, same order and ranks");
	ok(s.table_peak <= budget + (64u << 10), "the table held %zu KiB (budget %zu KiB)", s.table_peak >> 10,
	   budget >> 10);
	size_t grown = s.peak_kib > s.base_kib ? s.peak_kib - s.base_kib : 0;
	printf("# in memory: %.2f s CPU (%.2f s wall), peak RSS +%zu MiB; --memory %zuK: %.2f s CPU (%.2f s wall), "
	       "%.2fx, peak RSS +%zu MiB\n",
	       m.cpu, m.secs, (m.peak_kib - m.base_kib) >> 10, budget >> 10, s.cpu, s.secs, s.cpu / m.cpu, grown >> 10);
#if defined(__SANITIZE_ADDRESS__)
	skip("peak RSS within the budget + 24 MiB", "sanitizer build");
#else
	ok(grown <= (budget >> 10) + 24 * 1024, "peak RSS grew %zu MiB: within the budget + 24 MiB", grown >> 10);
#endif
	ok(tmpdir_entries(dir) == 0, "nothing left in $TMPDIR");
}

/* ---- write errors ---- */

/* Feeds keys to a table with a tiny budget until it fails. */
static void fail_spill(size_t encoded, size_t unused, runres *out)
{
	static const char *const names[] = { "count", "sum" };
	rowdef d;
	row_make(&d, names, 2, 0);
	gp_scope sc;
	gp_scope_init(&sc);
	gp_groups *g = encoded ? row_table(&sc, &d, 4096, 4)
			       : gp_groups_new(&sc, &(gp_groups_conf){ .state_size = sizeof(struct st), .budget = 4096,
								       .parts = 4, .merge = st_merge });
	char kb[32];
	bool failed = false;
	for (int i = 0; i < 200000 && !failed; i++) {
		int len = snprintf(kb, sizeof kb, "key-%d-with-some-length", i);
		if (encoded)
			failed = !row_add(g, &d, kb, (size_t)len, i / 10.0, (uint64_t)i);
		else
			failed = !gp_groups_get(g, kb, (size_t)len, &(bool){ 0 });
	}
	out->digest = (uint64_t)errno;
	out->ok = failed && gp_groups_dir(g) && !strcmp(gp_groups_dir(g), getenv("TMPDIR"));
	gp_scope_unwind(&sc);
}

static void fail_unwritable(size_t encoded, size_t unused, runres *out)
{
	if (geteuid() == 0 && setuid(65534) != 0) /* root writes anywhere: run as nobody */
		return;
	fail_spill(encoded, 0, out);
}

static void fail_fsize(size_t encoded, size_t unused, runres *out)
{
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &(struct rlimit){ 20000, 20000 });
	fail_spill(encoded, 0, out);
}

static void test_write_errors(const char *dir)
{
	char ro[4200];
	snprintf(ro, sizeof ro, "%s/readonly", dir);
	mkdir(ro, 0500);
	chmod(dir, 0711); /* nobody may pass through to it */
	setenv("TMPDIR", ro, 1);
	for (size_t enc = 0; enc < 2; enc++) {
		runres r;
		bool fine = in_child(fail_unwritable, enc, 0, &r);
		if (!fine && r.digest == 0 && geteuid() == 0)
			skip("a spill into a directory of mode 0500 fails", "cannot drop root");
		else
			ok(fine && r.digest == EACCES, "%s states: a spill into a directory of mode 0500 fails: %s",
			   enc ? "encoded" : "raw", strerror((int)r.digest));
	}
	ok(tmpdir_entries(ro) == 0, "nothing left in it");
	setenv("TMPDIR", dir, 1);
	chmod(dir, 0700);
	rmdir(ro);
	for (size_t enc = 0; enc < 2; enc++) {
		runres r;
		bool fine = in_child(fail_fsize, enc, 0, &r);
		ok(fine && r.digest == EFBIG, "%s states: a write past the file size limit fails: %s",
		   enc ? "encoded" : "raw", strerror((int)r.digest));
	}
	ok(tmpdir_entries(dir) == 0, "nothing left in $TMPDIR");
}

static void test_hash(void)
{
	/* Every length 0..100 and a flipped byte give different values, and
	 * the seed matters. */
	static unsigned char buf[128];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 37);
	bool distinct = true;
	uint64_t prev[101];
	for (size_t n = 0; n <= 100; n++) {
		prev[n] = gp_hash64(buf, n, 1);
		for (size_t m = 0; m < n; m++)
			distinct = distinct && prev[m] != prev[n];
		for (size_t i = 0; i < n; i++) {
			buf[i] ^= 1;
			distinct = distinct && gp_hash64(buf, n, 1) != prev[n];
			buf[i] ^= 1;
		}
	}
	ok(distinct, "hash: lengths 0..100 and each one-bit change give different values");
	ok(gp_hash64("abc", 3, 1) != gp_hash64("abc", 3, 2) && gp_hash64(NULL, 0, 1) == gp_hash64("", 0, 1),
	   "hash: the seed matters; an empty key may be NULL");
	/* Low bits (slot index) of sequential keys spread evenly. */
	unsigned bins[64] = { 0 };
	char kb[16];
	for (int i = 0; i < 64000; i++)
		bins[gp_hash64(kb, (size_t)snprintf(kb, sizeof kb, "%d", i), 7) & 63]++;
	unsigned lo = 64000, hi = 0;
	for (int i = 0; i < 64; i++) {
		lo = bins[i] < lo ? bins[i] : lo;
		hi = bins[i] > hi ? bins[i] : hi;
	}
	ok(lo > 850 && hi < 1150, "hash: low bits of sequential keys are even (%u..%u of 1000)", lo, hi);
}

/* conf.caller_seq (--merge): groups come out in the order of the numbers
 * the caller gave them (the smallest of each key's), whatever order the keys
 * came in, in memory and spilled. Key i's numbers are 3 * perm(i) + {0, 1,
 * 2}, given in a scrambled order, the smallest not always first. */
static void test_caller_seq(const char *dir, size_t budget)
{
	enum { N = 20000, PERM = 7919 };
	static size_t inv[N];
	for (size_t i = 0; i < N; i++)
		inv[(i * PERM) % N] = i;
	gp_scope sc;
	gp_scope_init(&sc);
	gp_groups *g = gp_groups_new(&sc, &(gp_groups_conf){ .state_size = sizeof(st), .budget = budget,
							     .merge = st_merge, .caller_seq = true });
	bool fed = g != NULL;
	for (size_t round = 0; round < 3 && fed; round++) {
		for (size_t j = 0; j < N && fed; j++) {
			size_t i = (j * 104729 + round * 31) % N;
			char key[16];
			int len = snprintf(key, sizeof key, "k%zu", i);
			bool added;
			st *s = gp_groups_get(g, key, (size_t)len, &added);
			if (!s) {
				fed = false;
				break;
			}
			gp_groups_lower_seq(s, 3 * ((i * PERM) % N) + (2 - round + i) % 3);
			s->count++;
		}
	}
	ok(fed && (budget == 0 || gp_groups_spills(g) > 0), "caller_seq, budget %zu KiB: %u spills", budget >> 10,
	   fed ? gp_groups_spills(g) : 0);
	ok(gp_groups_finish(g) == 0, "caller_seq: finished");
	gp_group gr;
	size_t n = 0;
	bool order = true;
	int k;
	while ((k = gp_groups_next(g, &gr)) == 1) {
		/* the n-th group out is the key i with perm(i) == n */
		char want[16];
		int len = snprintf(want, sizeof want, "k%zu", n < N ? inv[n] : 0);
		if (gr.len != (size_t)len || memcmp(gr.key, want, gr.len) != 0 || ((st *)gr.state)->count != 3)
			order = false;
		n++;
	}
	ok(k == 0 && n == N && order, "caller_seq, budget %zu KiB: %zu groups in the caller's order", budget >> 10, n);
	gp_scope_unwind(&sc);
	ok(tmpdir_entries(dir) == 0, "caller_seq: nothing left in $TMPDIR");
}

int main(void)
{
	char dir[4096];
	if (!tmpdir_enter(dir, sizeof dir))
		return 2;
	/* first: their children start from a small heap. A quarter of the
	 * groups in make check (each run still spills many times past its
	 * budget); GPIPE_TEST_FULL=1 runs the million (`make bench` measures
	 * a million groups through the command line too). */
	size_t q = getenv("GPIPE_TEST_FULL") ? 1 : 4;
	test_million_memory(dir, &wl_exact, 1000000 / q);
	test_million_memory(dir, &wl_sketchy, 100000 / q);
	test_million_memory(dir, &wl_deep, 300000 / q);
	make_keys();
	make_ref();
	test_hash();
	test_gkey();
	test_order_growth_keys();
	test_million();
	test_spill(dir, 512u << 10, 16);
	test_spill(dir, 160u << 10, 64);
	test_spill_long();
	test_spill_errors(dir);
	test_spill_heap(dir);
	test_caller_seq(dir, 0);
	test_caller_seq(dir, 160u << 10);
	test_write_errors(dir);
	free(pool);
	free(ref);
	rmdir(dir);
	return tap_done();
}
