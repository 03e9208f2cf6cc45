/* --stats (DESIGN §8): for every stage, the records and bytes it handed on
 * and the time spent in it (its own, without the stages above it), the same
 * for the output, and the peak memory of the run; printed on stderr at the
 * end. Each stage's ops are wrapped, so a run without --stats pays nothing. */
#ifndef GP_STATS_H
#define GP_STATS_H

#include <stdio.h>

#include "core/stage.h"

typedef struct gp_stats gp_stats;

/* Wraps every stage of chain[0 .. n). NULL on OOM (the run goes on without). */
gp_stats *gp_stats_attach(gp_ctx *ctx, gp_stage **chain, size_t n);
/* Counts a batch written by the output, which took ns nanoseconds. */
void gp_stats_output(gp_stats *s, const gp_batch *b, uint64_t ns);
/* Monotonic nanoseconds. */
uint64_t gp_stats_now(void);
void gp_stats_print(const gp_stats *s, FILE *f);

#endif
