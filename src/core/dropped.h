/* Dropped records: the ones a stage skips, counted per input and
 * summarised once.
 *
 * Rules:
 *  - A parser skips a record it cannot read, and a stage that builds records
 *    skips one that comes out longer than --max-record; neither prints per
 *    record. Each counts it in its gp_dropped, which keeps the first line
 *    and why, and says it once per input, when the input changes, at EOF and
 *    on close (gp_dropped_flush):
 *      gpipe: json: 3 records of app.jsonl are not JSON (first at line 17)
 *    A warning (exit status unchanged) unless --strict or the gp_dropped says
 *    error, then an error (exit 2).
 *  - A gp_dropped holds copies (the input's name, the first detail), never a
 *    view: it outlives the batch of the records it counts. It lives in the
 *    stage's state and needs no cleanup. */
#ifndef GP_DROPPED_H
#define GP_DROPPED_H

#include <stdbool.h>
#include <stdint.h>

#include "pool.h"
#include "sb.h"
#include "stage.h"

typedef struct gp_dropped {
	const char *stage;  /* "json" */
	const char *what;   /* "are not JSON" (plural form; "is not JSON" when 1 is derived) */
	const char *what1;  /* singular */
	bool error;         /* always an error (exit 2), --strict or not */
	uint64_t origin_id; /* input being counted */
	uint64_t count, first_line;
	char first_detail[160]; /* why the first one failed: "unexpected end at byte 12" */
	char name[512];     /* the input's display name (copied) */
	/* -j: on the ctx's list of counters to flush at the end of a piece */
	struct gp_dropped *next;
	bool listed;
} gp_dropped;

/* Counts one bad record (detail may be NULL). Emits the summary of the
 * previous input first if r comes from another one. */
void gp_dropped_add(gp_ctx *ctx, gp_dropped *d, const gp_rec *r, const char *detail);
/* Emits the pending summary (call at EOF and on close): printed through
 * ctx->report, or handed to ctx->summary when a -j worker runs the stage. */
void gp_dropped_flush(gp_ctx *ctx, gp_dropped *d);
/* Prints d's summary through gp_say (what gp_dropped_flush does without a
 * summary hook; -j's merge of the workers' summaries prints with it). */
void gp_dropped_say(gp_ctx *ctx, const gp_dropped *d);
/* -j: flushes every counter of ctx that has a count (a worker's stages at
 * the end of each piece, so that no summary waits for a later piece). */
void gp_dropped_flush_all(gp_ctx *ctx);

/* A record a stage builds (replace, select, format, set, explode) is bounded
 * by --max-record like one that is read. gp_sb_bound makes b refuse to grow
 * past it (so a runaway replacement stops at --max-record, not at 700 MB)
 * and sets up d, which summarises the records skipped once per input, as an
 * error. gp_sb_finish_built then finishes a record's text as
 * gp_sb_finish_rec does: 1 with *p and *len; 0 when the text came out too
 * long (counted in d for record r, builder emptied: skip the record); -1 when
 * out of memory. The stage flushes d at its end (gp_dropped_flush). */
void gp_sb_bound(gp_sb *b, gp_dropped *d, const gp_ctx *ctx, const char *stage);
int gp_sb_finish_built(gp_sb *b, gp_pool *pool, gp_ctx *ctx, gp_dropped *d, const gp_rec *r,
		       const char **p, size_t *len);

#endif
