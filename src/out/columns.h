/* A record's columns: what -o json/tsv/csv (structured.h) and the aligned
 * table on a terminal (table.h) print for it.
 *
 * Rules:
 *  - The columns are, in order: "_file" (and "_member" inside an archive)
 *    with -H, "_line" with -n, then the record's fields with duplicate names
 *    folded (the last value wins at the first name's position, as in jq); a
 *    record without fields is one column "line" holding its text.
 *  - Names and values are views: into the record (valid as long as it is)
 *    or, for "_line", into the gp_cols's own number buffer (valid until the
 *    next gp_out_columns on it). The array belongs to the gp_cols, reused
 *    from one record to the next and freed by gp_cols_free (the writer that
 *    owns it defers that in its scope). */
#ifndef GP_COLUMNS_H
#define GP_COLUMNS_H

#include "../core/fields.h"
#include "../core/sb.h"
#include "output.h"

typedef struct gp_col {
	const char *name;
	uint32_t nlen;
	gp_value v;
	bool as_text; /* a JSON string even when it looks like a number */
} gp_col;

typedef struct gp_cols {
	gp_col *c;
	size_t cap;
	char num[24]; /* the text of _line */
} gp_cols;

/* The columns of r in cs->c; returns their number, or -1 when out of memory. */
long gp_out_columns(const gp_out *o, gp_cols *cs, const gp_rec *r);
void gp_cols_free(gp_cols *cs);

/* The signature of the names of c[0..n) (length-prefixed) in sig, replacing
 * what it held; two signatures are the same names in the same order when
 * gp_cols_same. A header is kept as the signature it was printed for. */
void gp_cols_sig(gp_sb *sig, const gp_col *c, size_t n);
static inline bool gp_cols_same(const gp_sb *a, const gp_sb *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

/* Appends a value as a cell's text: strings decoded, objects and arrays as
 * compact JSON, null empty (as jq's @tsv and @csv and Miller write it). */
void gp_out_value_text(gp_sb *b, const gp_value *v);

#endif
