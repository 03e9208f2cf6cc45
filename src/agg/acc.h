/* Accumulators: the aggregates of one group, as a table of operations looked
 * up by name (the shape of Miller's stats1 accumulators).
 *
 * Rules:
 *  - A state is ops->size bytes that the caller owns and places (a group
 *    row in the aggregate stage's storage, a local); init makes it empty,
 *    free releases what it holds on the heap (never the state itself).
 *  - add takes one number and the record's sequence number in input order
 *    (first/last keep the smallest/largest; other aggregates ignore it). No
 *    accumulator allocates per value: heap storage grows amortised (the
 *    exact percentile values, the distinct set) or once per state (an exact
 *    sum leaving its int64 fast path, a sketch).
 *  - merge(s, o) folds o into s and leaves o valid (the caller frees it).
 *    Every state is an order-independent value: merging the states of any
 *    split of the input, in any order, gives the result of one pass, bit for
 *    bit (sums are exact, counts are integers, sketches merge bin by bin).
 *  - result writes the answer and returns true, or false when the group had
 *    no value (an empty min, avg, ..., stddev of fewer than two values);
 *    count, sum and distinct always answer (0 when empty). NaN is skipped by
 *    min, max, percentile and distinct; percentile skips infinities too (a
 *    sketch has no bin for them); sum, avg and stddev follow IEEE.
 *  - percentile is nearest-rank: x_(ceil(pct/100 * n)), at least x_(1).
 *    result may reorder private storage (percentile sorts its values) but
 *    does not change the state's value.
 *  - mem is the heap bytes the state holds (for the --memory budget; add
 *    ops->size for the state itself); approx says the state switched to a
 *    sketch, ops->bound says how good the answer still is.
 *  - Functions that may allocate return 0, or -1 when memory runs out (the
 *    state then still holds a consistent value of the values before).
 *  - encode appends the state's value to a gp_enc (agg/enc.h) as bytes that
 *    are the same on every machine: little-endian words, LEB128 varints,
 *    doubles as their IEEE bits. It is canonical (states of equal value,
 *    whatever order or split made them, give equal bytes: percentile's
 *    values and distinct's hashes are written sorted, an exact sum as its
 *    exact value) and self-delimiting, so a row of states encodes one after
 *    the other with no lengths. It never fails and never allocates; like
 *    result it may reorder private storage. The layout of every state is
 *    version GP_ACC_ENC_VERSION (issue 12 writes it in every partial line);
 *    any change of one bumps it. Where a state has two forms (exact or
 *    sketch, an int64 or the digits of a sum) a tag byte says which.
 *  - decode reads one state from a gp_dec into st, which init made empty
 *    with the params of this run (percentile's pct and exact budget are
 *    parameters, never encoded: a decoded percentile past this run's budget
 *    becomes a sketch, as a merge would make it). It returns 0, or -1 with
 *    errno EINVAL (the bytes are no state of this accumulator: cut short,
 *    out of range, an unknown tag) or ENOMEM; st then holds some value that
 *    free releases. Merging decoded states gives the bits merging the
 *    originals gives.
 *  - heap says a state may hold heap memory (sum, avg, stddev, percentile,
 *    distinct): only those need mem after an add, free, and spilling as
 *    encoded bytes. */
#ifndef GP_AGG_ACC_H
#define GP_AGG_ACC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enc.h"

/* The version of the encodings below (see the rules). */
#define GP_ACC_ENC_VERSION 1

typedef struct gp_acc_params {
	double pct;    /* percentile: 0 < pct <= 100 (p99: 99, median: 50) */
	size_t budget; /* percentile: bytes of exact values kept before the sketch; 0: default */
} gp_acc_params;

typedef struct gp_acc_ops {
	const char *name; /* count sum avg min max first last stddev percentile distinct */
	size_t size;
	const char *bound; /* when approx: the bound, for messages ("within ±1%") */
	void (*init)(void *st, const gp_acc_params *p);
	int (*add)(void *st, double v, uint64_t seq);
	int (*merge)(void *st, const void *o);
	bool (*result)(void *st, double *out);
	size_t (*mem)(const void *st);
	bool (*approx)(const void *st);
	void (*free)(void *st);
	void (*encode)(void *st, struct gp_enc *e);
	int (*decode)(void *st, struct gp_dec *d);
	bool heap;
} gp_acc_ops;

/* add of a value read from text p[0..n): sum and avg also sum the text
 * exactly in decimal (agg/xdec.h), and answer from that sum while every
 * value they were given came this way as a short decimal (so a sum of
 * decimals is their decimal sum, correctly rounded once); the other
 * accumulators take v as add does. */
int gp_acc_add_num(const gp_acc_ops *op, void *st, double v, const char *p, size_t n, uint64_t seq);

/* The accumulator called name (len bytes), or NULL. */
const gp_acc_ops *gp_acc_find(const char *name, size_t len);
/* Every accumulator, NULL-terminated (for help and tests). */
extern const gp_acc_ops *const gp_acc_all[];

/* add, adding the change of the state's heap bytes to *delta (for the
 * group table's gp_groups_add_bytes); states without heap pay nothing. */
static inline int gp_acc_add_counted(const gp_acc_ops *op, void *st, double v, uint64_t seq, ptrdiff_t *delta)
{
	if (!op->heap)
		return op->add(st, v, seq);
	size_t before = op->mem(st);
	int rc = op->add(st, v, seq);
	*delta += (ptrdiff_t)op->mem(st) - (ptrdiff_t)before;
	return rc;
}

/* distinct of text (or of values the caller hashes itself): the value is
 * the 64-bit hash (agg/hll.h's gp_hash_text); add(v) hashes a number's bits. */
int gp_acc_distinct_add_hash(void *st, uint64_t hash);

/* Default percentile budget per state, and the distinct exact limit. */
#define GP_ACC_PCT_BUDGET ((size_t)1 << 20)
#define GP_ACC_DISTINCT_EXACT 4096

/* The exact budget of each percentile state (gp_acc_params.budget) for a
 * group table of table_budget bytes (0: no bound) whose rows hold npct
 * percentile states: table_budget / 64 / npct, within [4 KiB,
 * GP_ACC_PCT_BUDGET]. It is fixed when the stage opens, never taken from
 * the number of groups seen so far: whether a group's answer is exact then
 * depends on its values alone, not on the order groups arrived in, so one
 * pass, a spilled table and merged partials switch to the sketch alike. A
 * state at its budget is at most 1/64 of the table's, so the partition a
 * spilled table combines at a time (groups.h) holds such states. */
size_t gp_acc_pct_budget(size_t table_budget, unsigned npct);

/* A row: several accumulators side by side in one block of memory (a
 * group's state in the group table), with the callbacks groups.h's conf
 * takes, the row as their arg. The caller owns the arrays and fills ops
 * and params (an entry of params may be NULL); gp_acc_row_layout places
 * the states (8-aligned) in off and returns the bytes of a block. */
typedef struct gp_acc_row {
	size_t n;
	const gp_acc_ops **ops;
	const gp_acc_params **params;
	size_t *off;
	size_t size;
	bool heap; /* some state may hold heap memory: use the callbacks below */
} gp_acc_row;

size_t gp_acc_row_layout(gp_acc_row *r);
/* Makes every state of a zeroed (or freed) block empty. */
void gp_acc_row_init(void *block, const gp_acc_row *r);
/* The group table's callbacks (arg: the row). */
int gp_acc_row_merge(void *dst, const void *src, void *row);
size_t gp_acc_row_encode(void *block, unsigned char *buf, size_t cap, void *row);
/* Decodes into a zeroed block (init first, then each state; the whole of
 * p..p+n must be read). 0, or -1 with errno; the block is freeable either way. */
int gp_acc_row_decode(void *block, const unsigned char *p, size_t n, void *row);
void gp_acc_row_free(void *block, void *row);
size_t gp_acc_row_mem(const void *block, void *row);

#endif
