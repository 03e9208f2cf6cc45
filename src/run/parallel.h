/* -j N: one run on several threads, with the output of one thread.
 *
 * The shape (the plan's per-record head runs side by side, the rest once):
 *
 *   reader thread       the real source (files, decompression, archives,
 *                       over-long records, its messages), unchanged; each
 *                       batch it reads becomes a *piece*: the buffer itself
 *                       changes hands (gp_source_swap_buffer), nothing is
 *                       copied, and the piece keeps its lines, offsets and
 *                       a copy of its origin.
 *   N worker threads    each its own copy of the chain's first k stages
 *                       (gp_plan_build_part: its own arena, scopes, parsed
 *                       expression, matchers, parsers) fed piece by piece;
 *                       what comes out of a piece is kept with it: batches
 *                       that still point into the piece as they are, other
 *                       records packed (core/recpack.h), messages as text,
 *                       dropped-record summaries as counters.
 *   main thread         takes the pieces back strictly in input order and
 *                       hands their batches to the rest of the chain and the
 *                       output, as the source would have: so the output is
 *                       byte for byte that of -j 1. Dropped-record summaries
 *                       of the pieces of one input are added up and said
 *                       once, as one run says them.
 *
 * Rules:
 *  - Only stages that are per record (registry.h) run in workers; the
 *    first stage that is not, and everything after it, runs in the main
 *    thread. A worker's chain sees pieces of many inputs, in order, but
 *    never all of one input.
 *  - Memory is bounded: the pieces between the reader and the main thread
 *    (read, being run, or waiting for their turn) hold at most a budget of
 *    bytes (GP_PAR_BUDGET, and at least two pieces a worker); the reader
 *    waits when it is spent, so a slow piece at the head holds everything
 *    back, never grows the queue.
 *  - Signals go to the main thread (the others block them); it notices
 *    gp_signal within 100 ms while it waits. Ending early (head, a closed
 *    pipe, an error, a signal) stops the reader and the workers at their
 *    next piece; the feed stage's scope joins every thread and frees every
 *    piece on every path out.
 *  - A fatal error in a worker (GP_ERR) travels with its piece: the main
 *    thread reports it when it gets to that piece, after everything before
 *    it was written, as -j 1 would. */
#ifndef GP_RUN_PARALLEL_H
#define GP_RUN_PARALLEL_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/stage.h"
#include "../plan.h"

/* Bytes of pieces in flight (see the rules), and of one piece. */
#define GP_PAR_BUDGET ((size_t)8 << 20)
#define GP_PAR_PIECE ((size_t)1 << 20)

/* Whether -j should be used: more than one job, some per-record stages at
 * the head of the plan or an aggregate (not under --partial or --merge),
 * and inputs that are all regular files or directories (a pipe or a
 * terminal is read as it comes, on one thread). Unless -j was asked for,
 * a head of light stages only (a literal grep, upper) and no aggregate
 * stays on one thread: it runs at the speed of reading, and handing its
 * pieces around costs more than it saves. */
bool gp_par_wanted(const gp_plan *plan, unsigned jobs, bool asked, const char *const *files,
		   size_t nfiles);
/* The aggregate after the per-record head runs in the workers too (it has
 * few groups: gp_stage.few_groups) and the main thread merges their states. */
bool gp_par_merges(const gp_plan *plan);
/* Why not (for --explain), or NULL when -j is used. */
const char *gp_par_why_not(const gp_plan *plan, unsigned jobs, bool asked,
			   const char *const *files, size_t nfiles);

/* How the chain is shared out. */
typedef struct gp_par_opts {
	unsigned jobs;
	size_t wstages;   /* user stages a worker runs (from the first) */
	unsigned wmode;   /* the workers' ctx->agg_mode: GP_AGG_PARTIAL when
			   * they run the aggregate too (their pieces are its
			   * parts) and the main plan merges */
	size_t wmemory;   /* a worker's --memory, 0: the main ctx's */
	size_t main_skip; /* user stages of the main plan the feed replaces */
} gp_par_opts;

/* Starts the reader and the workers and splices a feed stage into the
 * main plan in place of its source and first main_skip user stages: the
 * chain becomes [feed, the stages after them...]. The expression is parsed
 * again by each worker: src/len/comments as given to gp_plan_build. ctx is
 * the main thread's; its options are copied into each thread's own. */
gp_status gp_par_start(gp_ctx *ctx, gp_plan *plan, const gp_par_opts *po, const char *src,
		       size_t len, bool comments, const char *const *files, size_t nfiles);

/* The number of cores online (at least 1): the default of -j. */
unsigned gp_par_cores(void);

#endif
