/* A parse-time arena: many small allocations freed at once.
 *
 * Rules:
 *  - Everything built while parsing and planning (tokens, decoded arguments,
 *    source maps, compiled field references, --explain texts) lives here
 *    and is freed at once, with gp_arena_free, when the run ends. Nothing is
 *    freed one by one; gp_arena_grow leaves the old copy behind.
 *  - So it only holds what is made a bounded number of times per run, never
 *    anything per record or per batch (that is a stage's pool, pool.h). Stages
 *    take from it in next() in one place: the names "1", "2", ... of the fields
 *    stage's fields and of csv/tsv columns past the header (gp_scratch_posname in
 *    fields/textscan.h) are made the first time a record has that many fields
 *    and kept for the run, so their number is bounded by the widest record,
 *    not by the number of records.
 *  - Not thread-safe: it has no lock. */
#ifndef GP_ARENA_H
#define GP_ARENA_H

#include <stddef.h>
#include <stdio.h>

typedef struct gp_arena_block gp_arena_block;
typedef struct gp_arena {
	gp_arena_block *head;
} gp_arena;

void gp_arena_init(gp_arena *a);
void *gp_arena_alloc(gp_arena *a, size_t size); /* zeroed, 16-aligned; NULL on OOM */
/* Room for element n of an array v of *cap elements of size bytes: v itself
 * while n < *cap, else a copy twice as large (*cap updated; the old copy
 * stays in the arena until it is freed). NULL on OOM. */
void *gp_arena_grow(gp_arena *a, void *v, size_t n, size_t *cap, size_t size);
char *gp_arena_strndup(gp_arena *a, const char *s, size_t n);
void gp_arena_free(gp_arena *a);

/* Reads the rest of f (an expression or pattern file) into one malloc'd
 * buffer, NUL-terminated, *len bytes; grows with what is read, so a small file
 * costs little. NULL with errno set: EFBIG past max bytes, ENOMEM, or the read
 * error. The caller frees it. */
char *gp_read_whole(FILE *f, size_t max, size_t *len);

#endif
