/* A parse-time arena: many small allocations freed at once.
 * Everything built while parsing and planning (tokens, decoded arguments,
 * source maps) lives here and is freed when the run ends. Never used on the
 * hot path. */
#ifndef GP_ARENA_H
#define GP_ARENA_H

#include <stddef.h>

typedef struct gp_arena_block gp_arena_block;
typedef struct gp_arena {
	gp_arena_block *head;
} gp_arena;

void gp_arena_init(gp_arena *a);
void *gp_arena_alloc(gp_arena *a, size_t size); /* zeroed, 16-aligned; NULL on OOM */
char *gp_arena_strndup(gp_arena *a, const char *s, size_t n);
void gp_arena_free(gp_arena *a);

#endif
