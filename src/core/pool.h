/* Per-batch pools: the storage of stages that build fields or text.
 *
 * Rules:
 *  - A pool is a bump allocator over blocks it owns. gp_pool_alloc hands out
 *    8-aligned memory; nothing is freed one by one.
 *  - gp_pool_reset (at the start of each batch) makes every pointer handed
 *    out so far invalid and keeps the blocks, so a stage in its steady state
 *    allocates nothing: this is how a stage builds per-record data with no
 *    per-record malloc. What a pool holds therefore lives exactly as long as
 *    the batch the stage hands out.
 *  - The blocks are freed when the scope given to gp_pool_own unwinds; a
 *    pool must be owned by the scope of the stage that resets it. */
#ifndef GP_POOL_H
#define GP_POOL_H

#include <stddef.h>

#include "scope.h"

typedef struct gp_pool_blk gp_pool_blk;
typedef struct gp_pool {
	gp_pool_blk *head, *cur;
	size_t used; /* in cur */
} gp_pool;

void *gp_pool_alloc(gp_pool *p, size_t n); /* 8-aligned; NULL on OOM */
void gp_pool_reset(gp_pool *p);
/* Frees the pool's blocks when the scope unwinds. */
int gp_pool_own(gp_scope *s, gp_pool *p);

#endif
