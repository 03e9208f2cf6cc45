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
 *    state then still holds a consistent value of the values before). */
#ifndef GP_AGG_ACC_H
#define GP_AGG_ACC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
} gp_acc_ops;

/* The accumulator called name (len bytes), or NULL. */
const gp_acc_ops *gp_acc_find(const char *name, size_t len);
/* Every accumulator, NULL-terminated (for help and tests). */
extern const gp_acc_ops *const gp_acc_all[];

/* distinct of text (or of values the caller hashes itself): the value is
 * the 64-bit hash (agg/hll.h's gp_hash_text); add(v) hashes a number's bits. */
int gp_acc_distinct_add_hash(void *st, uint64_t hash);

/* Default percentile budget per state, and the distinct exact limit. */
#define GP_ACC_PCT_BUDGET ((size_t)1 << 20)
#define GP_ACC_DISTINCT_EXACT 4096

#endif
