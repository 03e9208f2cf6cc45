/* The runs of sort (stages/sort.c): records held in memory up to the
 * stage's share of --memory, sorted runs spilled to a nameless temporary
 * file past it, and their k-way merge at the end.
 *
 * Rules:
 *  - Records are packed (core/recpack.h) with the caller's encoded key;
 *    a spilled run is its packed records end to end, written verbatim in
 *    large sequential writes, so fields and origins come back as they were.
 *    All runs go to one temporary file; once one run is spilled, the
 *    records still held at the end are spilled too and their memory goes
 *    to the merge's read buffers (half the share among the runs merged).
 *    When there are more runs than the fan-in, groups of them are merged
 *    into runs of a new file (in input order, for stability) and the old
 *    file is closed at once.
 *  - Everything (blocks, entries, buffers, files) belongs to the stage's
 *    scope: nothing remains after the end, an error or a signal, and a
 *    SIGKILL leaves nothing either (the files have no name).
 *  - With a limit (`sort | head N`), only the first N records can be
 *    output: the records held are cut to the first N whenever 2N (and at
 *    least 1024) are held, and a spilled run holds at most N.
 *  - Output is pulled with gp_sort_run_next, which hands records to a
 *    callback until it refuses one; the records stay valid until the next
 *    call (a run's buffer is refilled only then). -u is applied there. */
#ifndef GP_SORT_RUN_H
#define GP_SORT_RUN_H

#include "sort_order.h"

typedef struct gp_sort_file gp_sort_file;
typedef struct gp_sort_rdr gp_sort_rdr;

typedef struct gp_sort_span {
	uint64_t off, end; /* a run's bytes in the file */
} gp_sort_span;

typedef struct gp_sort_run {
	gp_sort_order o;
	bool unique;
	bool limited;
	uint64_t limit;
	gp_stage *st;
	size_t share; /* bytes of records and entries held before a spill */
	gp_recpack pack;
	gp_sort_ent *ents, *tmp;
	size_t n, cap, tcap;
	/* spilled runs */
	gp_sort_file *file;
	gp_sort_span *runs;
	size_t nruns, rcap;
	char *wbuf;
	size_t wcap, wlen;
	/* output */
	bool merging;
	size_t emit; /* next entry, when nothing was spilled */
	gp_sort_rdr *rdrs;
	size_t nrdrs;
	gp_sort_rdr **heap;
	size_t nheap;
	gp_sort_rdr *pending; /* needs a refill before the next record */
	const gp_packed *prev; /* -u: the record put last */
	char *last;            /* -u: a copy of it across refills */
	size_t lastcap;
} gp_sort_run;

/* Sets r up for stage st (its scope, its share of --memory). */
gp_status gp_sort_run_init(gp_sort_run *r, gp_stage *st, gp_sort_order o, bool unique);

/* Adds a copy of rec with its encoded key (klen bytes, may be 0); spills
 * when the share is full. GP_OK or GP_ERR with the diagnostic. */
gp_status gp_sort_run_add(gp_sort_run *r, const gp_rec *rec, const char *key, size_t klen);

/* The input ended: sorts what is held and prepares the output (merging
 * passes first when there are many runs). */
gp_status gp_sort_run_finish(gp_sort_run *r);

/* Hands the next records in order to put(arg, k) until it returns false
 * (k is not taken, it comes first next time). GP_OK when at least one was
 * taken, GP_EOF at the end, GP_ERR with the diagnostic. */
typedef bool (*gp_sort_put)(void *arg, const gp_packed *k);
gp_status gp_sort_run_next(gp_sort_run *r, gp_sort_put put, void *arg);

#endif
