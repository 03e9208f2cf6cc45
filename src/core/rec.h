/* Records kept past their batch.
 *
 * Rules:
 *  - A record view is valid only until the next next() on the stage that
 *    made it (stage.h). A stage that must hold records longer (tail, uniq,
 *    sample) copies each one with gp_keep into a gp_kept: its text, origin
 *    and fields, all into heap blocks the gp_kept owns and reuses for the
 *    next record kept in the same slot, so a ring of N slots costs N
 *    records' worth of memory, allocated as they arrive (gp_kept_room).
 *  - kept.rec points only into those heap blocks, never into the gp_kept
 *    itself, so arrays of gp_kept may be realloc'ed. The stage frees each
 *    slot with gp_kept_free when its scope unwinds.
 *
 * One record, one set of blocks, is the form for a few records kept and
 * replaced at random (a ring, a reservoir). A packed form for many records
 * that are only appended and then read in order (sort's runs) belongs here
 * too, next to it: records laid end to end in large blocks, with the same
 * gp_rec views into them. */
#ifndef GP_REC_H
#define GP_REC_H

#include <stddef.h>
#include <stdint.h>

#include "fields.h"

typedef struct gp_kept {
	char *buf;
	size_t cap;
	gp_field *f;
	size_t fcap;
	gp_origin *origin;
	gp_rec rec; /* points into buf, f and origin */
} gp_kept;

int gp_keep(gp_kept *k, const gp_rec *r); /* -1 on OOM */
/* Room for slot i (< max) in an array of *cap kept records, grown by
 * doubling up to max, new slots zeroed: so keeping up to N records costs
 * memory only for those that arrive. -1 on OOM (*v and *cap unchanged). */
int gp_kept_room(gp_kept **v, size_t *cap, size_t i, size_t max);
void gp_kept_free(gp_kept *k);

#endif
