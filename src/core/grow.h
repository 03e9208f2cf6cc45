/* Growing heap arrays.
 *
 * Rules: an array that only grows (a list of directory entries, a run of CSV
 * fields, a header) is a pointer plus a capacity in elements; gp_grow makes
 * room for `need` elements, at least doubling, so n pushes cost O(n). On
 * failure nothing changes: the old array is still valid and still owned by
 * the caller (and by whatever scope frees it). Never used per record on the
 * hot path except as an amortised push into storage that is reused. */
#ifndef GP_GROW_H
#define GP_GROW_H

#include <stddef.h>

/* *pp points at *cap elements of `size` bytes (or is NULL with *cap 0).
 * Ensures *cap >= need, growing to max(need, 2 * *cap, 8). Returns 0, or -1
 * when memory runs out or the size overflows (then *pp and *cap are as they
 * were). */
int gp_grow(void *pp, size_t *cap, size_t need, size_t size);

#endif
