/* sample N: keeps a reservoir of N copies of records (Algorithm R, gp_keep)
 * and prints them in input order at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/fields.h"
#include "../core/grow.h"
#include "../registry.h"
#include "../core/rec.h"

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
	gp_batch_of(out, s->out.v, k);
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
	if (gp_getopt_operands(&go, ctx, st->def->name, st->def->opts, args, NULL) != 0)
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
