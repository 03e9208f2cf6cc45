/* String builders: a growable byte string and the writers that append
 * values to it as JSON, CSV, TSV and logfmt text.
 *
 * Rules:
 *  - A gp_sb owns one heap buffer (p, cap), reused from one record to the
 *    next: a stage keeps one builder for its whole life and frees it with
 *    gp_sb_free when its scope unwinds. Appends may move p, so nothing may
 *    point into it across an append.
 *  - gp_sb_finish copies what was built into a per-batch pool (pool.h) and
 *    empties the builder: the copy is what a stage hands downstream, and it
 *    lives until the pool is reset. A builder whose text is used in place
 *    (a regex source, matcher.c) is read through p and len and never
 *    finished.
 *  - Failures are sticky and silent until the end: out of memory sets oom,
 *    passing max (a bound set by gp_sb_bound, dropped.h) sets over, and
 *    every later append is refused; gp_sb_finish then returns NULL. So a
 *    writer never checks each append.
 *  - The appends are static inline: the writers and renderers call them per
 *    byte run and per field; only growth is out of line. */
#ifndef GP_SB_H
#define GP_SB_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "fields.h"
#include "pool.h"

typedef struct gp_sb {
	char *p;
	size_t len, cap;
	size_t max; /* 0, or the longest record text it may build (gp_sb_bound) */
	bool oom;
	bool over;  /* an append would have passed max: appends are refused */
} gp_sb;

/* Makes room for n more bytes when the fast path of gp_sb_room cannot:
 * false (with oom or over set) when the append must be refused. */
bool gp_sb_grow(gp_sb *b, size_t n);

/* Is there room for n more bytes (growing if needed)? */
static inline bool gp_sb_room(gp_sb *b, size_t n)
{
	if (b->cap - b->len >= n && !b->oom && !b->over && (!b->max || n <= b->max + 1 - b->len))
		return true; /* + 1: room for the delimiter */
	return gp_sb_grow(b, n);
}

static inline void gp_sb_put(gp_sb *b, const void *s, size_t n)
{
	if (n && gp_sb_room(b, n)) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

static inline void gp_sb_putc(gp_sb *b, char c)
{
	if (gp_sb_room(b, 1))
		b->p[b->len++] = c;
}

/* Appends s as the body of a JSON string (no quotes): escapes ", \ and
 * control bytes; invalid UTF-8 bytes become \ufffd, so the result is always
 * valid JSON. */
void gp_sb_json_str(gp_sb *b, const char *s, size_t n);
/* Appends a value as JSON: strings quoted and escaped (JSTR decoded then
 * re-escaped, so invalid UTF-8 is replaced), numbers and literals as they
 * are, objects and arrays re-emitted compactly with every string sanitised.
 * text_numbers: a GP_K_STR that is a valid JSON number is written as a
 * number (values parsed from text keep their type this way). */
void gp_sb_json_value(gp_sb *b, const gp_value *v, bool text_numbers);
/* The value as text: strings decoded, other JSON kinds as their JSON text. */
void gp_sb_text(gp_sb *b, const gp_value *v);

/* A cell of a table row: CSV quotes it (RFC 4180) when it holds sep, a
 * quote, CR or LF; TSV escapes tab, newline, CR and backslash. */
void gp_sb_csv_cell(gp_sb *b, const char *p, size_t n, char sep);
void gp_sb_tsv_cell(gp_sb *b, const char *p, size_t n);
/* A logfmt value: quoted when empty or when it holds a blank, a control
 * byte, '=', '"' or '\\' (escaped inside the quotes). */
void gp_sb_logfmt_cell(gp_sb *b, const char *p, size_t n);

/* Copies the built bytes into the pool; returns the stable copy (or NULL on
 * OOM) and empties the builder for reuse. */
const char *gp_sb_finish(gp_sb *b, gp_pool *pool);
/* The same for a record's text: *len is the text's length, and the
 * delimiter is stored after it (not part of the record), so the output,
 * which joins records that lie one after another into one write, never
 * looks at an unwritten byte. */
const char *gp_sb_finish_rec(gp_sb *b, gp_pool *pool, char delim, size_t *len);
void gp_sb_free(gp_sb *b);

#endif
