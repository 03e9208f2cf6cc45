/* The expression language of `where` and `set`: compiled once at open into
 * an arena AST, evaluated per record without allocating (scratch strings go
 * to a gp_pool the caller resets).
 *
 * The source is the stage's own slice of the expression text, re-lexed here
 * (not the pipeline lexer's decoded words) so that quoting is known exactly
 * and every token keeps its offsets for carets. */
#ifndef GP_EVAL_H
#define GP_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/fields.h"
#include "../core/args.h"
#include "../registry.h"

typedef struct gp_enode gp_enode; /* a compiled expression */

/* One assignment of `set NAME = EXPR`. */
typedef struct gp_assign {
	const char *name; /* arena, NUL-terminated */
	uint32_t nlen;
	gp_enode *e;
} gp_assign;

/* Compiles the stage's arguments as one expression (where). NULL with
 * st->ctx->diag filled on error. Sets need_lineno when _line is used. */
gp_enode *gp_expr_compile(gp_stage *st, const gp_args *args);

/* Compiles `NAME = EXPR [, NAME = EXPR]...` (set). -1 on error. */
int gp_expr_compile_set(gp_stage *st, const gp_args *args, gp_assign **out, size_t *n);

/* Per-stage evaluation state. */
typedef struct gp_eval {
	gp_pool *scratch; /* strings made while evaluating (decoded, concatenated) */
	bool awk_text;    /* $N and $NF split the text even when the record has fields */
	char numbuf[24];
	/* Arithmetic that could not be done (an operand present but not a
	 * number, a division by zero): counted here, the last reason in why.
	 * The stages summarise them per input, as parsers do bad records. */
	uint64_t fails;
	char why[96];
	/* =~ and !~ that PCRE2 could not decide (a resource limit even after
	 * a retry with larger ones): the comparison is missing, counted here
	 * with the reason; where drops the record, set skips the assignment,
	 * and both report it as an error. */
	uint64_t undecided;
	char undecided_why[96];
} gp_eval;

/* The truth of e for record r (missing, null, false, 0 and "" are false). */
bool gp_expr_true(gp_eval *ev, const gp_enode *e, const gp_rec *r);

/* Evaluates e for r into a field value (kind, v, vlen; the name is left as
 * is). Text is stored in ev->scratch or borrowed from r. Returns false when
 * the result is missing. */
bool gp_expr_field(gp_eval *ev, const gp_enode *e, const gp_rec *r, gp_field *out);

/* Writes a number the way the language prints it: an integer as digits,
 * otherwise the shortest %.15g..%.17g text that reads back exactly.
 * buf needs 32 bytes; returns the length. */
size_t gp_num_format(char *buf, bool isint, int64_t i, double d);

/* Parses text as a number with an optional unit: durations (ns us ms s m h d,
 * in seconds) and sizes (B K KB KiB M MB MiB G GB GiB T TB TiB, binary
 * multiples). Blanks around are allowed. */
bool gp_num_parse(const char *p, size_t len, bool *isint, int64_t *i, double *d);

#endif
