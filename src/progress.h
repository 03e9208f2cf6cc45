/* --progress (DESIGN §8): a status line on stderr with the bytes read, of
 * how many, the rate and the time left.
 *
 * Rules: one run per process, so the state is this file's own. The line is
 * redrawn 4 times a second on a terminal, else printed every 5 seconds, from
 * the first second on; --progress=SECONDS sets the interval (and the first
 * line's time). Anyone printing to stderr during the run calls
 * gp_progress_clear() first so a message never lands in the middle of the
 * line. Nothing is allocated. */
#ifndef GP_PROGRESS_H
#define GP_PROGRESS_H

#include "core/stage.h"

/* Starts the clock and sets ctx->progress, called by the source between
 * batches. The total is known when every input is a regular file; every is
 * the interval in seconds, 0 for the default. */
void gp_progress_start(gp_ctx *ctx, double every, const char *const *files, size_t nfiles);
/* Erases the line from a terminal, if it is shown. */
void gp_progress_clear(void);

#endif
