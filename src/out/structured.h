/* Structured output: -o json (JSON Lines of the fields), -o tsv and -o csv
 * (a header of field names, then one row per record; a new header, after an
 * empty line, whenever the names change, as Miller's csvlite does). A
 * record with no fields at all (select of fields it lacks) is an empty
 * line, once for a run of them, and the next record starts a new header.
 *
 * A record without fields is one column named "line" holding its text. -H
 * adds "_file" (and "_member" inside an archive) first, -n adds "_line".
 * JSON output is valid JSON whatever bytes came in: invalid UTF-8 becomes
 * U+FFFD. */
#ifndef GP_STRUCTURED_H
#define GP_STRUCTURED_H

#include "output.h"

/* Writes the batch in o->format (not GP_OUT_TEXT). 0, or -1 when output
 * failed (o->broken_pipe or o->error set). */
int gp_out_structured(gp_out *o, gp_batch *b);

#endif
