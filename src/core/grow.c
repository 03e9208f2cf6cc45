#include "grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int gp_grow(void *pp, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap > SIZE_MAX / 2 ? SIZE_MAX : *cap * 2;
	if (nc < need)
		nc = need;
	if (nc < 8)
		nc = 8;
	if (size && nc > SIZE_MAX / size)
		return -1;
	void *old;
	memcpy(&old, pp, sizeof old);
	void *p = realloc(old, nc * size);
	if (!p)
		return -1;
	memcpy(pp, &p, sizeof p);
	*cap = nc;
	return 0;
}
