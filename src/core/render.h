/* Rendering: a record's text rebuilt from its fields, in its layout.
 *
 * Rules:
 *  - A stage that changes fields (set, select, explode, replace -f) writes
 *    the new text with gp_render into its own builder (sb.h) and finishes it
 *    into its per-batch pool, the way awk rebuilds $0 when a field is
 *    assigned: JSON records stay JSON, logfmt stays logfmt, delimited records
 *    are joined with their delimiter, CSV and TSV cells are quoted or
 *    escaped as their format asks.
 *  - Nothing is allocated but the builder's growth: a JSON string that must
 *    be decoded for a text layout is decoded inside the builder itself. */
#ifndef GP_RENDER_H
#define GP_RENDER_H

#include <stdint.h>

#include "fields.h"
#include "sb.h"

/* Writes the record's fields as text in layout lay (NULL: logfmt) into b. */
void gp_render(gp_sb *b, const gp_field *f, uint32_t nf, const gp_layout *lay);

#endif
