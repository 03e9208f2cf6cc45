/* The order of sort (stages/sort.c): how two packed records compare, the
 * in-memory sort of a run, and the k-way merge of runs spilled to a
 * temporary file (sort_run.c).
 *
 * Rules:
 *  - A run is a sorted array of gp_sort_ent while it is in memory, and the
 *    gp_packed records of that array laid end to end once spilled: records
 *    go to disk verbatim (core/recpack.h), fields and all, and come back
 *    viewable with the same pack's tables.
 *  - Three modes: whole records by bytes (GNU `LC_ALL=C sort`), whole
 *    records as GNU -n numbers (then bytes unless -s or -u), and keys the
 *    stage encoded into each record's extra area so that memcmp orders them
 *    (stable: ties keep input order). -r reverses the comparison; ties that
 *    are left keep input order: within a run by position, across runs by
 *    run (earlier runs hold earlier records).
 *  - Memory: the entries and the merge-sort scratch are the stage's (owned
 *    by its scope); the merge's read buffers are allocated per merge and
 *    freed by it, or by the scope on an error or a signal. */
#ifndef GP_SORT_ORDER_H
#define GP_SORT_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/recpack.h"
#include "../core/tmpfile.h"

typedef enum gp_sort_mode {
	GP_SORT_BYTES, /* whole records, byte order */
	GP_SORT_NUM,   /* whole records, GNU -n */
	GP_SORT_KEYS,  /* encoded keys in the extra area */
} gp_sort_mode;

typedef struct gp_sort_order {
	gp_sort_mode mode;
	bool reverse;
	bool stable; /* -s or -u: no last-resort byte comparison */
} gp_sort_order;

/* One record of a run in memory: a cached 8-byte big-endian prefix of what
 * is compared first (text or key), and the record. */
typedef struct gp_sort_ent {
	uint64_t pfx;
	const gp_packed *k;
} gp_sort_ent;

/* The prefix of a record, for its entry. */
uint64_t gp_sort_prefix(const gp_sort_order *o, const gp_packed *k);

/* <0, 0, >0: how a compares to b, the last resort included (not input order). */
int gp_sort_cmp(const gp_sort_order *o, const gp_packed *a, const gp_packed *b);

/* Equal for -u: the key only (no last resort, no direction). */
bool gp_sort_same(const gp_sort_order *o, const gp_packed *a, const gp_packed *b);

/* GNU sort's -n comparison of two texts (C locale): blanks, '-', digits,
 * one '.', no exponent; what is not a number is 0. */
int gp_sort_numcmp(const char *a, size_t alen, const char *b, size_t blen);

/* Sorts v[0..n) stably; tmp has room for n entries. The entries' pfx are
 * scratch afterwards (gp_sort_prefix gives a record's again). */
void gp_sort_ents(const gp_sort_order *o, gp_sort_ent *v, gp_sort_ent *tmp, size_t n);

#endif
