/* uniq and sample: stages that hold records across batches (gp_keep).
 *
 * uniq compares each record with the first of the current group of equal
 * records; the group's first record is copied (gp_keep) only when a batch
 * ends while the group is open. Two copies alternate, so a copy that the
 * output batch points to survives until the next call.
 *
 * sample keeps a reservoir of N copies (Algorithm R) and prints them in
 * input order at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/pool.h"
#include "../core/rec.h"
#include "../registry.h"

typedef struct uniq {
	bool counting, done;
	bool have, held; /* a group is open; its first record is in slot[cur] */
	int cur;
	size_t gi; /* index of the group's first record in the batch, when !held */
	unsigned long long count;
	gp_kept slot[2];
	gp_pool pool;
	gp_recvec out;
} uniq;

static void uniq_free(void *arg)
{
	uniq *u = arg;
	gp_kept_free(&u->slot[0]);
	gp_kept_free(&u->slot[1]);
}

/* -c: the finished group as "%7llu TEXT", with the first record's origin. */
static int emit_group(uniq *u, const gp_rec *first, char delim)
{
	char *p = gp_pool_alloc(&u->pool, first->len + 32);
	if (!p)
		return -1;
	int k = snprintf(p, 32, "%7llu ", u->count);
	if (first->len)
		memcpy(p + k, first->p, first->len);
	p[(size_t)k + first->len] = delim; /* not part of the record: lets the output copy runs */
	gp_rec *o = &u->out.v[u->out.n++];
	*o = *first;
	o->p = p;
	o->len = first->len + (size_t)k;
	if (u->held)
		u->cur ^= 1; /* the output points into this copy now */
	return 0;
}

static gp_status uniq_next(gp_stage *st, gp_batch *out)
{
	uniq *u = st->state;
	if (u->done)
		return GP_EOF;
	gp_pool_reset(&u->pool);
	u->out.n = 0;
	for (;;) {
		gp_batch in;
		gp_status r = gp_pull(st, &in);
		if (r == GP_ERR)
			return r;
		if (r == GP_EOF) {
			u->done = true;
			if (!u->have || !u->counting || gp_signal)
				return GP_EOF;
			if (gp_recvec_reserve(&u->out, 1) != 0 || emit_group(u, &u->slot[u->cur].rec, st->ctx->delim) != 0)
				return gp_fail(st->ctx, NULL, "out of memory");
			u->have = false;
			break;
		}
		if (gp_batch_records(&in, st->ctx->delim) == (size_t)-1 ||
		    gp_recvec_reserve(&u->out, in.n + 1) != 0)
			return gp_fail(st->ctx, NULL, "out of memory");
		for (size_t i = 0; i < in.n; i++) {
			const gp_rec *rec = &in.recs[i];
			if (u->have) {
				const gp_rec *g = u->held ? &u->slot[u->cur].rec : &in.recs[u->gi];
				if (g->len == rec->len && memcmp(g->p, rec->p, rec->len) == 0) {
					u->count++;
					continue;
				}
				if (u->counting && emit_group(u, g, st->ctx->delim) != 0)
					return gp_fail(st->ctx, NULL, "out of memory");
			}
			if (!u->counting)
				u->out.v[u->out.n++] = *rec;
			u->have = true;
			u->held = false;
			u->gi = i;
			u->count = 1;
		}
		if (u->have && !u->held) {
			if (gp_keep(&u->slot[u->cur], &in.recs[u->gi]) != 0)
				return gp_fail(st->ctx, NULL, "out of memory");
			u->held = true;
		}
		if (u->out.n)
			break;
	}
	gp_batch_reset(out);
	out->recs = u->out.v;
	out->n = u->out.n;
	out->has_recs = true;
	return GP_OK;
}

static const gp_stage_ops uniq_ops = { uniq_next };

static gp_status uniq_open(gp_stage *st, const gp_args *args)
{
	uniq *u = gp_scope_alloc(st->scope, sizeof *u);
	if (!u || gp_scope_defer(st->scope, uniq_free, u) != 0 || gp_pool_own(st->scope, &u->pool) != 0 ||
	    gp_recvec_own(st->scope, &u->out) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	gp_getopt go;
	if (gp_getopt_init(&go, st->ctx, st->def->name, st->def->opts, args) != 0)
		return GP_ERR;
	int c;
	while ((c = gp_getopt_next(&go)) > 0)
		if (c == 'c')
			u->counting = true;
	if (c < 0)
		return GP_ERR;
	if (go.noperands)
		return gp_fail(st->ctx, &go.operands[0].span, "uniq: unexpected argument '%s'",
			       go.operands[0].s);
	st->explain = u->counting ? "-c" : NULL;
	st->state = u;
	st->ops = &uniq_ops;
	return GP_OK;
}

static const gp_optdef uniq_opts[] = {
	{ 'c', NULL, "prefix each record with the number of times it occurred" },
	{ 0, NULL, NULL },
};

const gp_stage_def gp_stage_uniq = {
	.name = "uniq",
	.family = GP_FAM_FILTER,
	.synopsis = "uniq [-c]",
	.summary = "drop adjacent duplicate records",
	.help = "Keeps the first of every run of equal adjacent records (compared byte by byte), "
		"as uniq does; runs continue across inputs, as with cat a b | uniq. With -c each "
		"record is prefixed with the length of its run, formatted as uniq -c formats it "
		"(seven columns and a space). Sort first to count all duplicates: there is no "
		"sort stage yet, so use count by for that once aggregates exist.",
	.examples = "uniq\tcollapse repeated lines\n"
		    "replace \"\\d+\" \"N\" | uniq -c\tcount runs of the same message shape",
	.opts = uniq_opts,
	.open = uniq_open,
};

/* ---- sample ---- */

typedef struct sample {
	uint64_t n, seen;
	size_t cap; /* slots allocated: grown up to n as records arrive */
	uint64_t s[4]; /* xoshiro256** */
	gp_kept *res;
	uint64_t *seq;
	size_t *order;
	bool done;
	gp_recvec out;
} sample;

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t xoshiro(uint64_t s[4])
{
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* Uniform in [0, bound), without modulo bias (Lemire). */
static uint64_t below(uint64_t s[4], uint64_t bound)
{
	__uint128_t m = (__uint128_t)xoshiro(s) * bound;
	uint64_t lo = (uint64_t)m;
	if (lo < bound) {
		uint64_t t = -bound % bound;
		while (lo < t) {
			m = (__uint128_t)xoshiro(s) * bound;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

static void sample_free(void *arg)
{
	sample *s = arg;
	for (size_t i = 0; s->res && i < s->cap; i++)
		gp_kept_free(&s->res[i]);
	free(s->res);
	free(s->seq);
	free(s->order);
}

/* Room for slot i: the arrays grow by doubling up to n, so a large N costs
 * memory only for the records that arrive. */
static int slot_room(sample *s, size_t i)
{
	if (i < s->cap)
		return 0;
	size_t cap = s->cap; /* s->cap moves once all three arrays have grown */
	if (gp_kept_room(&s->res, &cap, i, (size_t)s->n) != 0)
		return -1;
	uint64_t *seq = realloc(s->seq, cap * sizeof *seq);
	if (!seq)
		return -1;
	s->seq = seq;
	size_t *order = realloc(s->order, cap * sizeof *order);
	if (!order)
		return -1;
	s->order = order;
	s->cap = cap;
	return 0;
}

static int by_seq_ctx_cmp(const void *a, const void *b, void *arg)
{
	const uint64_t *seq = arg;
	uint64_t x = seq[*(const size_t *)a], y = seq[*(const size_t *)b];
	return x < y ? -1 : x > y;
}

static gp_status sample_next(gp_stage *st, gp_batch *out)
{
	sample *s = st->state;
	if (s->done)
		return GP_EOF;
	gp_batch in;
	gp_status r;
	while ((r = gp_pull(st, &in)) == GP_OK) {
		if (s->n == 0)
			continue;
		if (gp_batch_records(&in, st->ctx->delim) == (size_t)-1)
			return gp_fail(st->ctx, NULL, "out of memory");
		for (size_t i = 0; i < in.n; i++) {
			uint64_t slot = s->seen < s->n ? s->seen : below(s->s, s->seen + 1);
			if (slot < s->n) {
				if (slot_room(s, (size_t)slot) != 0 || gp_keep(&s->res[slot], &in.recs[i]) != 0)
					return gp_fail(st->ctx, NULL, "out of memory");
				s->seq[slot] = s->seen;
			}
			s->seen++;
		}
	}
	if (r == GP_ERR)
		return r;
	s->done = true;
	size_t k = s->seen < s->n ? (size_t)s->seen : (size_t)s->n;
	if (k == 0 || gp_signal)
		return GP_EOF;
	if (gp_recvec_reserve(&s->out, k) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	for (size_t i = 0; i < k; i++)
		s->order[i] = i;
	qsort_r(s->order, k, sizeof *s->order, by_seq_ctx_cmp, s->seq);
	for (size_t i = 0; i < k; i++)
		s->out.v[i] = s->res[s->order[i]].rec;
	gp_batch_reset(out);
	out->recs = s->out.v;
	out->n = k;
	out->has_recs = true;
	out->writable = true;
	return GP_OK;
}

static const gp_stage_ops sample_ops = { sample_next };

static gp_status sample_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	sample *s = gp_scope_alloc(st->scope, sizeof *s);
	if (!s || gp_scope_defer(st->scope, sample_free, s) != 0 || gp_recvec_own(st->scope, &s->out) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	gp_getopt go;
	if (gp_getopt_init(&go, ctx, st->def->name, st->def->opts, args) != 0)
		return GP_ERR;
	int c;
	while ((c = gp_getopt_next(&go)) > 0)
		;
	if (c < 0)
		return GP_ERR;
	if (go.noperands == 0)
		return gp_fail(ctx, &st->span, "sample: missing N (how many records to keep)");
	if (go.noperands > 1)
		return gp_fail(ctx, &go.operands[1].span, "sample: unexpected argument '%s'",
			       go.operands[1].s);
	if (gp_parse_count(go.operands[0].s, &s->n) != 0)
		return gp_fail(ctx, &go.operands[0].span, "sample: '%s' is not a count",
			       go.operands[0].s);
	if (s->n > (1u << 24))
		return gp_fail(ctx, &go.operands[0].span,
			       "sample: count too large (at most 16777216 records are kept)");
	uint64_t x = ctx->seed_set ? ctx->seed
				   : (uint64_t)time(NULL) * 0x100000001b3ULL ^ (uint64_t)getpid() ^
					     (uint64_t)clock();
	for (int i = 0; i < 4; i++)
		s->s[i] = splitmix64(&x);
	char *ex = gp_arena_alloc(ctx->arena, 64);
	if (ex) {
		snprintf(ex, 64, "%llu%s", (unsigned long long)s->n, ctx->seed_set ? "  [seeded]" : "");
		st->explain = ex;
	}
	st->state = s;
	st->ops = &sample_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_sample = {
	.name = "sample",
	.family = GP_FAM_FILTER,
	.synopsis = "sample N",
	.summary = "a uniform random sample of N records, in input order",
	.help = "Keeps a uniform random sample of N records of the whole stream (reservoir "
		"sampling: every record has the same chance, and memory holds N records whatever "
		"the input size) and prints them in input order when the input ends. With fewer "
		"than N records, all are printed. --seed S makes the choice repeatable; without "
		"it the seed comes from the clock and the process id.",
	.examples = "sample 20\ttwenty random lines\n"
		    "grep ERROR | sample 5\tfive random errors\n"
		    "sample 100\twith --seed 7, the same sample every run",
	.open = sample_open,
};
