/* --stats: counters around every stage's next() (see stats.h). */
#include "stats.h"

#include "registry.h"

#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct gp_stage_stats {
	const gp_stage_ops *orig;
	uint64_t batches, records, bytes;
	uint64_t ns; /* inclusive: the stages above it run inside its next() */
} gp_stage_stats;

struct gp_stats {
	gp_ctx *ctx;
	gp_stage **chain;
	size_t n;
	gp_stage_stats *st; /* one per stage */
	gp_stage_stats out;
	uint64_t start;
};

uint64_t gp_stats_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Records and bytes (delimiters included) of a batch, counted only here. */
static void count(gp_stage_stats *s, const gp_batch *b, char delim)
{
	s->batches++;
	if (b->has_recs) {
		s->records += b->n;
		s->bytes += b->n;
		for (size_t i = 0; i < b->n; i++)
			s->bytes += b->recs[i].len;
	} else if (b->span) {
		s->records += b->span_nrec ? b->span_nrec : gp_count_byte(b->span, b->span_len, delim);
		s->bytes += b->span_len;
	}
}

static gp_status stats_next(gp_stage *st, gp_batch *out)
{
	gp_stage_stats *s = st->stats;
	uint64_t t0 = gp_stats_now();
	gp_status r = s->orig->next(st, out);
	s->ns += gp_stats_now() - t0;
	if (r == GP_OK)
		count(s, out, st->ctx->delim);
	return r;
}

static const gp_stage_ops stats_ops = { stats_next };

gp_stats *gp_stats_attach(gp_ctx *ctx, gp_stage **chain, size_t n)
{
	gp_stats *s = gp_arena_alloc(ctx->arena, sizeof *s);
	gp_stage_stats *st = s ? gp_arena_alloc(ctx->arena, n * sizeof *st) : NULL;
	if (!st)
		return NULL;
	memset(s, 0, sizeof *s);
	memset(st, 0, n * sizeof *st);
	s->ctx = ctx;
	s->chain = chain;
	s->n = n;
	s->st = st;
	for (size_t i = 0; i < n; i++) {
		st[i].orig = chain[i]->ops;
		chain[i]->stats = &st[i];
		chain[i]->ops = &stats_ops;
	}
	s->start = gp_stats_now();
	return s;
}

void gp_stats_output(gp_stats *s, const gp_batch *b, uint64_t ns)
{
	s->out.ns += ns;
	count(&s->out, b, s->ctx->delim);
}

static void row(FILE *f, const char *name, const char *in, const char *out, uint64_t bytes,
		uint64_t ns)
{
	fprintf(f, "  %-12s %12s %12s %14llu %10.3f\n", name, in, out, (unsigned long long)bytes,
		(double)ns / 1e9);
}

void gp_stats_print(const gp_stats *s, FILE *f)
{
	char in[24], out[24];
	uint64_t wall = gp_stats_now() - s->start;
	fprintf(f, "gpipe: stats\n  %-12s %12s %12s %14s %10s\n", "stage", "records in", "records out",
		"bytes out", "time (s)");
	for (size_t i = 0; i < s->n; i++) {
		const gp_stage_stats *t = &s->st[i];
		uint64_t up_ns = i ? s->st[i - 1].ns : 0;
		uint64_t own = t->ns > up_ns ? t->ns - up_ns : 0;
		if (i)
			snprintf(in, sizeof in, "%llu", (unsigned long long)s->st[i - 1].records);
		else
			snprintf(in, sizeof in, "-");
		snprintf(out, sizeof out, "%llu", (unsigned long long)t->records);
		row(f, s->chain[i]->def->name, in, out, t->bytes, own);
	}
	snprintf(in, sizeof in, "%llu", (unsigned long long)s->out.records);
	row(f, "output", in, "-", s->out.bytes, s->out.ns);
	for (size_t i = 0; i < s->n; i++)
		if (s->chain[i]->stats_note)
			fprintf(f, "  %s: %s\n", s->chain[i]->def->name, s->chain[i]->stats_note);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	fprintf(f, "  peak memory %ld KiB; %.3f s wall, %.3f s user, %.3f s system\n", ru.ru_maxrss,
		(double)wall / 1e9, (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
		(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
}
