/* The compiled form of an expression: what parser.c builds and exec.c
 * walks. Internal to src/eval/.
 *
 * Rules:
 *  - Nodes live in ctx->arena for the whole run; a regex of =~ and !~ is
 *    compiled into the stage's scope. Nothing in a tree changes after it is
 *    built, so one tree may be evaluated by any number of gp_eval states,
 *    with one exception: the timestamp parser of a time() call site
 *    (gp_timesite, in the arena), which locks onto the format of the input
 *    being read and is set up again when the record's origin changes. So
 *    a tree with time() is evaluated by one thread at a time.
 *  - A node's depth is at most GP_EXPR_MAX_DEPTH, which bounds the
 *    evaluator's recursion; the parser's own recursion is bounded by
 *    GP_EXPR_MAX_NEST levels of parentheses, `not`, unary minus and calls.
 *  - A val is a view: its text points into the record, the tree, or the
 *    evaluation's scratch pool, and lives as long as the one it points into. */
#ifndef GP_EVAL_TREE_H
#define GP_EVAL_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/fields.h"
#include "../match/rx.h"
#include "eval.h"
#include "../core/fref.h"
#include "../core/timestamp.h"

#define GP_EXPR_MAX_NEST 256
#define GP_EXPR_MAX_DEPTH 1024

enum vt { V_MISSING, V_NULL, V_BOOL, V_NUM, V_STR, V_RAW, V_TIME };

typedef struct val {
	uint8_t t;     /* enum vt */
	bool isint;
	bool esc;    /* V_STR: a JSON string body with escapes not decoded */
	bool field;  /* V_STR from a field: numeric text counts as a number */
	bool b;
	uint8_t jk;  /* V_RAW: GP_K_OBJ or GP_K_ARR */
	int64_t i;     /* V_TIME: seconds since the epoch */
	double d;
	const char *p; /* V_STR/V_RAW text; V_NUM: source text or NULL */
	size_t len;
	int32_t ns;    /* V_TIME: nanoseconds, 0..999999999 */
	int32_t off;   /* V_TIME: the zone it prints in (--tz), s east of UTC */
} val;

enum op {
	N_LIT, N_REF, N_EXISTS, N_CALL, N_NOT, N_NEG, N_AND, N_OR,
	N_EQ, N_NE, N_LT, N_LE, N_GT, N_GE, N_MATCH, N_NMATCH,
	N_CONTAINS, N_STARTS, N_ENDS, N_ADD, N_SUB, N_MUL, N_DIV, N_MOD,
	N_BETWEEN, /* a between b and c */
};

/* The functions, in the order of parser.c's table. F_EXISTS of a field
 * is N_EXISTS; the call is exists(EXPR) of anything else. */
enum fn {
	F_LEN, F_LOWER, F_UPPER, F_NUM, F_STR, F_INT, F_EXISTS, F_CONCAT, F_TIME, F_BUCKET,
	F_NOW, F_IF, F_ABS, F_ROUND, F_FLOOR, F_CEIL, F_SUBSTR,
};

/* The state of one time() call site: its parser, locked per input (the
 * record's origin id), set up again with that input's mtime as the syslog
 * year reference when the origin changes. */
typedef struct gp_timesite {
	gp_time_opts o;  /* the explicit format (arena), the --tz zone */
	gp_timeparser p;
	uint64_t origin; /* the origin id p was set up for */
	bool ready;
	int64_t now;     /* the reference of records without an origin */
	int32_t off;     /* the zone its times print in */
} gp_timesite;
struct gp_enode {
	uint8_t op, fn; /* enum op; enum fn for N_CALL */
	uint16_t depth;
	gp_enode *a, *b, *c; /* c: the upper bound of between */
	gp_enode **args; /* calls: all the arguments, a is args[0], b args[1] */
	uint32_t nargs;
	gp_span sp;      /* the operator's or literal's source, for carets */
	const uint32_t *map; /* a text literal: each byte's source offset */
	val lit;
	gp_fref ref;
	gp_rx rx; /* =~ and !~ */
	gp_timesite *ts; /* time() */
	int64_t width;   /* bucket(): the width in nanoseconds */
};

#endif
