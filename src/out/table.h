/* Aligned tables on a terminal: the text sink's way of printing result rows.
 *
 * Records whose layout is a table (gp_layout.table, core/fields.h: the
 * aggregates' and histogram's rows) print, when stdout is a terminal and -o
 * is text, as columns under a header of their names, like Miller's --opprint
 * or angle-grinder's tables: at least two spaces between columns, numeric
 * columns (every non-empty value so far a number) right-aligned, others
 * left-aligned, widths in display columns. Control characters, bidi
 * overrides and bytes that are not UTF-8 show escaped (\t, \n, \xHH,
 * \u202e), so a value can never move the cursor or break the terminal. The
 * header is bold when colour is on. On a pipe or a file the sink never comes
 * here: the same records print as their text (TSV, no header).
 *
 * Rules:
 *  - Bounded memory: rows are copied (as display text) into the table's own
 *    buffers until GP_TABLE_ROWS rows or GP_TABLE_BYTES bytes, then printed
 *    with the widths seen so far; later rows print at once, widening a
 *    column when they must (the widths only grow).
 *  - A table ends when a record without table layout comes (its buffered
 *    rows are printed first, then that record as text) or when the names
 *    change (a new table, after an empty line). gp_table_drain prints what
 *    is buffered and keeps the table open: the sink calls it from
 *    gp_out_flush, at the end of the run and before input blocks.
 *  - The state lives in the sink's scope (gp_out.scope), made on first use;
 *    gp_out.tbl points at it. */
#ifndef GP_TABLE_H
#define GP_TABLE_H

#include "../core/fields.h"
#include "output.h"

#define GP_TABLE_ROWS 1000
#define GP_TABLE_BYTES (1u << 20)

/* gp_layout.table of a table whose rows also get a bar on a terminal: a
 * column of U+2588 blocks (with eighths) showing the value of the field
 * named "count", scaled so the largest count fills the bar's width. */
#define GP_TABLE_BARS 2
extern const gp_layout gp_layout_table_bars;

/* Is r a row of a table (table layout, at least one field)? */
static inline bool gp_table_rec(const gp_rec *r)
{
	return r->lay && ((const gp_layout *)r->lay)->table && r->f && r->nf;
}

/* Adds a row (gp_table_rec(r)) to the table, printing as the rules say.
 * 0, or -1 when output failed (o->broken_pipe or o->error set). */
int gp_table_row(gp_out *o, const gp_rec *r);
/* Prints the buffered rows; the table stays open with its widths. */
int gp_table_drain(gp_out *o);
/* Prints the buffered rows and ends the table. */
int gp_table_end(gp_out *o);

#endif
