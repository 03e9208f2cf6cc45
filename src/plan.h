/* The plan: an expression turned into a chain of opened stages, the implicit
 * input stages first. Shared by main and the fuzz targets. */
#ifndef GP_PLAN_H
#define GP_PLAN_H

#include "core/stage.h"
#include "expr/pipeline.h"

typedef struct gp_plan {
	gp_stage **chain; /* chain[0] is the source (read → lines) */
	size_t n;         /* stages in chain, source included */
} gp_plan;

/* Parses src, resolves every stage name, then opens the source and each stage
 * in order, each in a child scope of ctx->root. Nothing is read. On failure
 * returns GP_ERR with ctx->diag filled (its span, if any, points into src). */
gp_status gp_plan_build(gp_ctx *ctx, const char *src, size_t len, bool comments,
		  const char *const *files, size_t nfiles, gp_plan *out);

/* The first n user stages of the expression only, after a first stage of
 * the caller's (def `first`, opened by open_first(stage, arg) in place of
 * the source): the chain a -j worker runs on pieces of the input. */
gp_status gp_plan_build_part(gp_ctx *ctx, const char *src, size_t len, bool comments,
			     const gp_stage_def *first, gp_status (*open_first)(gp_stage *, void *),
			     void *arg, size_t n, gp_plan *out);

/* How many user stages at the head of the chain are per record
 * (registry.h's per_record, and the instance not serial): the part of the
 * chain -j runs on pieces. */
size_t gp_plan_per_record(const gp_plan *p);

/* Pulls one batch from the end of the chain. */
static inline gp_status gp_plan_next(gp_plan *p, gp_batch *b)
{
	gp_stage *last = p->chain[p->n - 1];
	gp_batch_reset(b);
	return last->ops->next(last, b);
}

#endif
