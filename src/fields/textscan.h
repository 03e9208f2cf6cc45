/* Text scanners that give a record fields: logfmt, CSV and TSV splitting
 * and CSV's quote state, over a scratch array of fields.
 *
 * Rules:
 *  - A scanner fills the caller's gp_scratch with fields for one record and
 *    returns their count; the caller copies them out at their exact count
 *    (gp_xform_push), so the scratch array is reused for every record and
 *    grows (amortised) only when a record has more fields than any before.
 *  - Values are views into the record text wherever its bytes can be taken
 *    as they are; decoded values (an escaped logfmt or TSV value, a CSV value
 *    with "" or text after its closing quote) are written into the caller's
 *    pool and live as long as its batch.
 *  - Field names of positional fields ("1", "2", ...) are made once, in the
 *    arena, and kept for the run.
 *  - Nothing here prints, and nothing fails but memory (-2 or NULL). */
#ifndef GP_TEXTSCAN_H
#define GP_TEXTSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../core/args.h"
#include "../core/fields.h"
#include "../core/pool.h"

typedef struct gp_scratch {
	gp_field *f;      /* scratch fields of the record being scanned (malloc) */
	size_t cap;
	const char **pos; /* "1", "2", ...: names of positional fields (arena) */
	size_t npos, poscap;
	gp_arena *arena;
} gp_scratch;

/* Sets s up with names made in arena; its arrays are freed when scope
 * unwinds. -1 when out of memory. */
int gp_scratch_own(gp_scope *scope, gp_scratch *s, gp_arena *arena);
/* The slow paths of the two below: grow the array, make names up to i. */
gp_field *gp_scratch_grow(gp_scratch *s, uint32_t i);
const char *gp_scratch_names(gp_scratch *s, uint32_t i, uint32_t *len);

/* Room for field index i. NULL when out of memory. */
static inline gp_field *gp_scratch_slot(gp_scratch *s, uint32_t i)
{
	return i < s->cap ? &s->f[i] : gp_scratch_grow(s, i);
}

/* The name of positional field i (1-based). NULL when out of memory. */
static inline const char *gp_scratch_posname(gp_scratch *s, uint32_t i, uint32_t *len)
{
	if (i > s->npos)
		return gp_scratch_names(s, i, len);
	*len = (uint32_t)strlen(s->pos[i - 1]);
	return s->pos[i - 1];
}

static inline bool gp_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A separator argument: "\t" written as two characters means a tab (the
 * expression language keeps backslashes in single quotes). Writes at most
 * cap bytes to buf, their count to *len. */
void gp_sep_escapes(const gp_arg *a, char *buf, size_t cap, size_t *len);

/* logfmt: key=value key="quoted value" flag. Returns the field count, -1
 * when malformed (why in detail), -2 when out of memory. */
int gp_logfmt_scan(gp_scratch *s, gp_pool *pool, const char *p, size_t len, char *detail,
		   size_t dcap);

/* CSV: is the record text p[0..len) still inside a quoted field at its end,
 * scanning from the start of a field (in_quote false) or from inside one. */
bool gp_csv_open_quote(const char *p, size_t len, char sep, bool in_quote);
/* Splits a complete CSV record into values (names left to the caller).
 * Returns the count, or -2 when out of memory. */
int gp_csv_split(gp_scratch *s, gp_pool *pool, const char *p, size_t len, char sep);
/* TSV: values split on tabs, \t \n \r \\ decoded. Count, or -2. */
int gp_tsv_split(gp_scratch *s, gp_pool *pool, const char *p, size_t len);

#endif
