/* The expression language of `where` and `set`, and of the stages that take
 * expressions among words of their own (aggregate arguments, sort keys):
 * the API stages use. Layers, as jq has them: lexer.c (tokens with their
 * source spans), parser.c (precedence climbing into a tree, tree.h), exec.c
 * (evaluation per record).
 *
 * Rules:
 *  - An expression is compiled once, at open, against its stage: the tree is
 *    in ctx->arena for the run, a regex in the stage's scope, and _line sets
 *    ctx->need_lineno. Errors fill ctx->diag ("STAGE: message" with a span
 *    into the expression, for carets) and the call returns NULL or -1.
 *  - The source is the stage's own slice of the expression text, re-lexed
 *    (not the pipeline lexer's decoded words) so that quoting is known
 *    exactly and every token keeps its offsets for carets.
 *  - Evaluation allocates nothing: strings it makes (decoded, concatenated)
 *    go to gp_eval.scratch, a pool the caller resets per batch; results are
 *    views valid until then (or into the record, or the tree).
 *  - Time is a type of its own: time(F) reads text (core/timestamp.h, with
 *    a parser locked per input at each call site), bucket() and now() make
 *    times, time - time is a number of seconds, time +- seconds a time. A
 *    time prints as RFC 3339 (UTC, or the --tz offset). Text that is no
 *    timestamp makes the value missing and counts in gp_eval.fails. */
#ifndef GP_EVAL_H
#define GP_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/fields.h"
#include "../core/args.h"
#include "../registry.h"
#include "../core/pool.h"
#include "../core/timestamp.h"

typedef struct gp_enode gp_enode; /* a compiled expression */

/* ---- compiling ---- */

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

/* A reader of expressions among other words, for stages whose arguments
 * are not one expression (`count by KEY, bucket(ts, 5m)`, `p99 latency_ms`,
 * `sum bytes / 1024 as kb`, sort keys). It reads the stage's arguments from
 * a given one on, token by token: gp_expr_read() takes ONE expression and
 * stops before the first token that cannot continue it (a ',', a word such
 * as `by` or `as`, a ')', the end), and the caller looks there for its own
 * words. Tokens may stop inside an argument (`x,` is a name and a comma).
 * The reader lives in ctx->arena; on an error every call returns NULL or
 * false and ctx->diag holds the first error. */
typedef struct gp_expr_reader gp_expr_reader;

/* A reader of args->v[from..n) of st (from == args->n: at the end at once).
 * NULL on error (a bad first token, out of memory). */
gp_expr_reader *gp_expr_reader_open(gp_stage *st, const gp_args *args, size_t from);

/* One expression, compiled against the reader's stage; NULL with the
 * diagnostic when there is none or it is wrong ("expected a value after
 * 'by'", with the last word read as the place). */
gp_enode *gp_expr_read(gp_expr_reader *r);

/* When the next token is the bare word w (`by`, `as`: a name, not a
 * keyword or a function call), it is read and true returned. */
bool gp_expr_read_word(gp_expr_reader *r, const char *w);

/* When the next token is ',', it is read and true returned. */
bool gp_expr_read_comma(gp_expr_reader *r);

/* When the next token is a plain top-level field name (`as NAME`), it is
 * read: *name (arena, NUL-terminated) and *len, and true returned. */
bool gp_expr_read_name(gp_expr_reader *r, const char **name, size_t *len);

/* True at the end of the arguments. Otherwise false with the diagnostic
 * where would give ("expected an operator, found 'x'"). */
bool gp_expr_read_end(gp_expr_reader *r);

/* Where the reader stopped: the index of the argument the next token starts
 * in (args->n at the end), and that token's span in the expression. */
size_t gp_expr_reader_arg(const gp_expr_reader *r);
gp_span gp_expr_reader_span(const gp_expr_reader *r);

/* A fatal diagnostic at the next token: "STAGE: message" (the first error
 * only); the caller then returns GP_ERR. Use gp_expr_reader_text for the
 * token ("found '%s'"). */
void gp_expr_reader_fail(gp_expr_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *gp_expr_reader_text(const gp_expr_reader *r, char *buf, size_t cap);

/* ---- evaluating ---- */

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

/* True when e's value is a time whenever it is present: time(), bucket(),
 * now(), a time +- a number, if() of two times. Known at compile time. */
bool gp_expr_is_time(const gp_enode *e);

/* Evaluates a time expression (gp_expr_is_time) for r into *out: false
 * when it is missing or its text is no timestamp (counted in ev->fails, as
 * gp_expr_field counts it). The binary value, for keys that hash it; it
 * prints as gp_expr_field would print it with gp_time_format(buf, t,
 * ctx->tz_set ? ctx->tz_off : 0). */
bool gp_expr_time(gp_eval *ev, const gp_enode *e, const gp_rec *r, gp_time *out);

#endif
