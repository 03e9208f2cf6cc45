/* Unit tests of agg/groups (the aggregate stage's group table) and agg/hash:
 * a million random keys against a sorted reference, first-seen order,
 * growth, awkward keys, tuple keys, and spilling past a tiny budget giving
 * the same groups in the same order as in memory, with nothing left behind.
 * TAP output. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int main(void)
{
	char dir[4096];
	if (!tmpdir_enter(dir, sizeof dir))
		return 2;
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
	free(pool);
	free(ref);
	rmdir(dir);
	return tap_done();
}
