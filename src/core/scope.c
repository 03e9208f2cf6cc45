#include "scope.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void gp_scope_init(gp_scope *s)
{
	memset(s, 0, sizeof *s);
	s->parent_slot = (size_t)-1;
}

int gp_scope_defer(gp_scope *s, gp_cleanup_fn fn, void *arg)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		gp_scope_entry *v = realloc(s->v, cap * sizeof *v);
		if (!v) {
			fn(arg);
			return -1;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].fn = fn;
	s->v[s->n].arg = arg;
	s->n++;
	return 0;
}

void gp_scope_unwind(gp_scope *s)
{
	while (s->n > 0) {
		gp_scope_entry e = s->v[--s->n];
		if (e.fn)
			e.fn(e.arg);
	}
	free(s->v);
	s->v = NULL;
	s->cap = 0;
}

static void child_unwind(void *arg)
{
	gp_scope *c = arg;
	gp_scope_unwind(c);
	free(c);
}

gp_scope *gp_scope_child(gp_scope *parent)
{
	gp_scope *c = malloc(sizeof *c);
	if (!c)
		return NULL;
	gp_scope_init(c);
	c->parent = parent;
	if (gp_scope_defer(parent, child_unwind, c) != 0)
		return NULL;
	c->parent_slot = parent->n - 1;
	return c;
}

void gp_scope_close(gp_scope *child)
{
	gp_scope_unwind(child);
}

static void free_fn(void *p)
{
	free(p);
}

void *gp_scope_alloc(gp_scope *s, size_t size)
{
	void *p = calloc(1, size ? size : 1);
	if (!p)
		return NULL;
	if (gp_scope_defer(s, free_fn, p) != 0)
		return NULL;
	return p;
}

static void close_fn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	int saved = errno;
	close(fd);
	errno = saved;
}

int gp_scope_fd(gp_scope *s, int fd)
{
	if (fd < 0)
		return -1;
	if (gp_scope_defer(s, close_fn, (void *)(intptr_t)fd) != 0) {
		errno = ENOMEM;
		return -1;
	}
	return fd;
}
