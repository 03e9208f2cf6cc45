/* The count argument of head, skip and tail: `NAME N`, `NAME -n N` and,
 * as in coreutils, `NAME -N`.
 *
 * Rules: parsed in the stage's open; the --explain text (the count) is
 * made in the arena; a bad count fails with a caret under it. */
#ifndef GP_COUNT_ARG_H
#define GP_COUNT_ARG_H

#include "../registry.h"

/* The options of the three stages (-n N), for their registry entries. */
extern const gp_optdef gp_count_opts[];

/* Parses the count into *n and sets st->explain. GP_OK, or GP_ERR with
 * ctx->diag filled. */
gp_status gp_count_arg(gp_stage *st, const gp_args *args, uint64_t *n);

#endif
