#include "arena.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct gp_arena_block {
	gp_arena_block *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

void gp_arena_init(gp_arena *a)
{
	a->head = NULL;
}

void *gp_arena_alloc(gp_arena *a, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	gp_arena_block *b = a->head;
	if (!b || b->cap - b->used < size) {
		size_t cap = size > 16384 ? size : 16384;
		b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->next = a->head;
		b->used = 0;
		b->cap = cap;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += size;
	memset(p, 0, size);
	return p;
}

char *gp_arena_strndup(gp_arena *a, const char *s, size_t n)
{
	char *p = gp_arena_alloc(a, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

void *gp_arena_grow(gp_arena *a, void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	size_t nc = *cap ? *cap * 2 : 16;
	if (nc > SIZE_MAX / size)
		return NULL;
	void *nv = gp_arena_alloc(a, nc * size);
	if (!nv)
		return NULL;
	if (n)
		memcpy(nv, v, n * size);
	*cap = nc;
	return nv;
}

char *gp_read_whole(FILE *f, size_t max, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n > max) {
			free(buf);
			errno = EFBIG;
			return NULL;
		}
		if (cap - n < 2) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0 && ferror(f)) {
			int e = errno ? errno : EIO;
			free(buf);
			errno = e;
			return NULL;
		}
		if (r == 0 && n <= max) {
			buf[n] = '\0';
			*len = n;
			return buf;
		}
	}
	free(buf);
	errno = ENOMEM;
	return NULL;
}

void gp_arena_free(gp_arena *a)
{
	gp_arena_block *b = a->head;
	while (b) {
		gp_arena_block *n = b->next;
		free(b);
		b = n;
	}
	a->head = NULL;
}
