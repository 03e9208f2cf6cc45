/* The patterns of the parse stage: templates ("{ts} {level} [{thread}]")
 * and PCRE2 regexes with named groups, each matched against a record to
 * fill a gp_scratch with the fields it captures.
 *
 * Rules: compiling happens in the stage's open (arena memory, the regex in
 * st->scope) and fails with a caret under the argument; matching allocates
 * nothing but scratch fields, whose values are views into the record text. */
#ifndef GP_PATTERN_H
#define GP_PATTERN_H

#include "../core/args.h"
#include "../core/dropped.h"
#include "../match/rx.h"
#include "textscan.h"

/* A template compiles to a list of steps: placeholders and literals. A
 * literal is a run of pieces, each either exact text or a run of blanks
 * (matching one or more spaces or tabs). */
typedef struct gp_tpl_piece {
	const char *s; /* NULL: blanks */
	size_t len;
} gp_tpl_piece;

typedef struct gp_tpl_step {
	bool ph;           /* a placeholder */
	const char *name;  /* NULL: skipped ({} or {_}) */
	uint32_t nlen;
	gp_tpl_piece *pc;         /* literal pieces */
	uint32_t npc;
	int32_t anchor;    /* first text piece, -1 when the literal is blanks only */
} gp_tpl_step;

typedef struct gp_tpl {
	gp_tpl_step *steps;
	uint32_t nsteps;
	uint32_t ncap; /* named captures */
} gp_tpl;

/* Compiles the template argument a. GP_OK, or GP_ERR with a caret. */
gp_status gp_tpl_compile(gp_stage *st, const gp_arg *a, gp_tpl *t);
/* Matches the record text p[0..len): the field count, -1 when it does not
 * match, -2 when out of memory. */
int gp_tpl_match(const gp_tpl *t, gp_scratch *sc, const char *p, size_t len);

typedef struct gp_named {
	gp_rx re;
	uint32_t ng;   /* named groups */
	uint32_t *grp; /* group number of each, in group order */
	const char **gname;
	uint32_t *glen;
	/* records PCRE2 could not decide (a resource limit even after a retry
	 * with larger ones): not parsed, and reported as an error */
	gp_dropped undecided;
	char why[96];
	gp_ctx *ctx;
} gp_named;

/* Compiles the regex argument a (in st->scope); its `undecided` summary is
 * flushed when the scope unwinds. GP_OK, or GP_ERR with a caret. */
gp_status gp_named_compile(gp_stage *st, const gp_arg *a, gp_named *r);
/* The fields of the named groups: their number, -1 no match, -2 out of
 * memory, -3 undecided (why in r->why). */
int gp_named_match(gp_named *r, gp_scratch *sc, const char *p, size_t len);
/* Summarises the records counted in r->undecided (also at scope unwind). */
void gp_named_flush(void *arg);

#endif
