/* The pipeline language:
 *
 *   pipeline := stage ( SEP stage )*
 *   SEP      := '|' or a newline (a '|' and newlines around it are one SEP)
 *   stage    := NAME argument*
 *   argument := word made of unquoted text, 'single quoted' text (verbatim)
 *               and "double quoted" text (\" \\ \n \t \r decoded, any other
 *               backslash kept, so "\d+" reaches PCRE2 as \d+)
 *
 * Unquoted, a backslash keeps the next byte from being special (space, '|',
 * a quote) and both bytes stay in the word, so `grep a\|b` passes `a\|b`.
 * With comments enabled (-f FILE), '#' at the start of a word begins a
 * comment that runs to the end of the line. */
#ifndef GP_PIPELINE_H
#define GP_PIPELINE_H

#include "../core/args.h"

typedef struct gp_stage_expr {
	gp_arg name;
	gp_args args;
	gp_span span; /* from the name to the end of the last argument */
} gp_stage_expr;

typedef struct gp_pipeline_expr {
	gp_stage_expr *v;
	size_t n;
} gp_pipeline_expr;

/* More stages than any real pipeline has: each owns its batch buffers (a
 * megabyte or more for grep, where, json), so the count is bounded. */
#define GP_MAX_STAGES 1000

/* Parse src[0..len) into *out (arena). Stage names are not resolved here.
 * GP_ERR with ctx->diag filled on error. */
gp_status gp_parse_pipeline(gp_ctx *ctx, const char *src, size_t len, bool comments,
		      gp_pipeline_expr *out);

#endif
