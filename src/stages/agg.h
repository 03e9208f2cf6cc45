/* The aggregate stage (`count, p99 latency_ms by path`, `top 10 ip`): what
 * its parser (agg_parse.c) hands its runner (agg.c).
 *
 * Rules:
 *  - A spec is built once, at open, in ctx->arena, and never changes after:
 *    the aggregates in the order written, then the keys in the order
 *    written, each with its output field name and its compiled expression.
 *  - An expression that is a plain reference (`path`, `$2`, `_file`,
 *    `req.host`, `${start time}`) also has its gp_fref, so the runner finds
 *    the value without an evaluation per record.
 *  - A group's state is one row of spec.state_size bytes in the group table
 *    (agg/groups.h): item i's part starts at items[i].off. A part that can
 *    hold heap memory (a text value for first/last/min/max, an exact sum
 *    past its int64 path, percentile values, a distinct set) makes
 *    spec.heap true: such a table must not spill raw bytes (see agg.c). */
#ifndef GP_STAGES_AGG_H
#define GP_STAGES_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../agg/acc.h"
#include "../core/dropped.h"
#include "../core/fref.h"
#include "../eval/eval.h"

typedef enum agg_kind {
	AK_COUNT,    /* count, count(EXPR), count where EXPR: a uint64 */
	AK_NUM,      /* sum avg stddev median pNN percentile: an acc over numbers */
	AK_DISTINCT, /* distinct F: the acc over the hashes of the values' text */
	AK_MIN,      /* min F, max F: an acc over numbers, then a text slot */
	AK_MAX,
	AK_FIRST,    /* first F, last F: a text slot */
	AK_LAST,
} agg_kind;

/* How a value is found in a record. */
typedef struct agg_val {
	gp_enode *e;
	bool plain;  /* a plain reference: ref finds it, e is not evaluated */
	gp_fref ref;
} agg_val;

typedef struct agg_item {
	uint8_t kind;           /* agg_kind */
	const gp_acc_ops *ops;  /* AK_NUM, AK_DISTINCT, AK_MIN, AK_MAX */
	gp_acc_params par;
	gp_enode *cond;         /* AK_COUNT: count(EXPR) and count where EXPR; NULL: every record */
	agg_val v;              /* the value of every kind but AK_COUNT */
	const char *name;       /* the output field (arena, NUL-terminated) */
	uint32_t nlen;
	const char *what;       /* "sum latency_ms": the aggregate as messages name it */
	size_t off;             /* offset of its state in a group row */
	gp_dropped drop;        /* records whose value was missing or not a number */
} agg_item;

typedef struct agg_key {
	agg_val v;
	bool time; /* a time value: keyed by its 12 binary bytes (agg.c) */
	const char *name;
	uint32_t nlen;
} agg_key;

typedef struct agg_spec {
	agg_item *items;
	size_t n;
	agg_key *keys;
	size_t nkeys;
	bool top;          /* top N KEY...: the N groups with the largest count */
	uint64_t top_n;
	size_t state_size; /* bytes of a group row */
	bool heap;         /* some part may hold heap memory */
} agg_spec;

/* A text slot of a group row (first, last, and min/max over text): the
 * value's bytes on the heap, grown amortised, freed with the group; first
 * and last keep the smallest and largest record number, so they merge in
 * any order (partial states, issue 12). */
typedef struct agg_text {
	char *p;
	size_t len, cap;
	bool has;
	uint64_t seq; /* first, last: the record number the text came from */
} agg_text;

/* Reads the stage's whole text, its first word included (all = the name
 * word then the arguments), into *spec; top: the words are `top N KEY...`.
 * GP_ERR with ctx->diag (a caret at the fault) on error. */
gp_status gp_agg_parse(gp_stage *st, const gp_args *all, bool top, agg_spec *spec);

/* The aggregate stage over those words (count.c hands it everything but a
 * bare `count`). */
gp_status gp_agg_open(gp_stage *st, const gp_args *all);

#endif
