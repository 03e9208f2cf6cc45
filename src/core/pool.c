/* Per-batch pools (see pool.h). */
#include "pool.h"

#include <stdlib.h>

struct gp_pool_blk {
	gp_pool_blk *next;
	size_t cap;
	max_align_t data[];
};

#define POOL_BLOCK (64u * 1024u)

void *gp_pool_alloc(gp_pool *p, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	if (p->cur && p->cur->cap - p->used >= n) {
		void *r = (char *)p->cur->data + p->used;
		p->used += n;
		return r;
	}
	/* The next kept block that is big enough, else a new one after cur. */
	gp_pool_blk **link = p->cur ? &p->cur->next : &p->head;
	while (*link && (*link)->cap < n)
		link = &(*link)->next;
	gp_pool_blk *b = *link;
	if (!b) {
		size_t cap = n > POOL_BLOCK ? n : POOL_BLOCK;
		b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->next = NULL;
		*link = b;
	} else if (p->cur && b != p->cur->next) {
		/* Move it right after cur so the blocks in between stay for later. */
		*link = b->next;
		b->next = p->cur->next;
		p->cur->next = b;
	}
	p->cur = b;
	p->used = n;
	return b->data;
}

void gp_pool_reset(gp_pool *p)
{
	p->cur = NULL;
	p->used = 0;
	/* The first alloc takes head (or the first block big enough). */
}

static void pool_free(void *arg)
{
	gp_pool *p = arg;
	for (gp_pool_blk *b = p->head, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	p->head = p->cur = NULL;
	p->used = 0;
}

int gp_pool_own(gp_scope *s, gp_pool *p)
{
	return gp_scope_defer(s, pool_free, p);
}
