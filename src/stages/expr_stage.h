/* What the two stages of the expression language share (where.c, set.c):
 * counting the records whose evaluation failed, and the --explain text.
 *
 * Rules: the gp_dropped counters live in the stage's state and are flushed
 * by the stage (at its close); the helpers below allocate nothing but the
 * explain text, in the arena at open. */
#ifndef GP_EXPR_STAGE_H
#define GP_EXPR_STAGE_H

#include "../core/fields.h"
#include "../eval/eval.h"
#include "../registry.h"
#include "../core/dropped.h"

/* Arithmetic or a timestamp that failed while evaluating r: counted and summarised once per
 * input, like records a parser cannot read (a warning; an error with
 * --strict). The record itself goes on: the failed value is missing. */
static inline void count_fail(gp_ctx *ctx, gp_eval *ev, gp_dropped *d, uint64_t before, const gp_rec *r)
{
	if (ev->fails != before)
		gp_dropped_add(ctx, d, r, ev->why);
}

/* A =~ or !~ PCRE2 could not decide for r: an error, summarised the same
 * way (the record is dropped by where, the assignment skipped by set). */
static inline void count_undecided(gp_ctx *ctx, gp_eval *ev, gp_dropped *d, uint64_t before,
			    const gp_rec *r)
{
	if (ev->undecided != before)
		gp_dropped_add(ctx, d, r, ev->undecided_why);
}

static inline void fails_init(gp_dropped *d, gp_dropped *u, const char *stage)
{
	d->stage = stage;
	d->what = "had values that could not be computed";
	d->what1 = "had a value that could not be computed";
	u->stage = stage;
	u->what = "could not be matched by =~ or !~";
	u->what1 = u->what;
	u->error = true;
}

/* The stage's source text for --explain. */
static inline void explain_src(gp_stage *st, const gp_args *args)
{
	if (!args->n || !st->ctx->expr)
		return;
	uint32_t a = args->v[0].span.start, b = args->v[args->n - 1].span.end;
	size_t need = 4 * (size_t)(b - a) + 1;
	char *ex = gp_arena_alloc(st->ctx->arena, need);
	if (ex) {
		gp_escape(ex, need, st->ctx->expr + a, b - a);
		st->explain = ex;
	}
}

#endif
