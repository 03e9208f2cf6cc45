/* Cleanup scopes: the C form of contextlib.ExitStack.
 *
 * Rules:
 *  - Every resource (fd, buffer, compiled regex, match block, child scope) is
 *    registered with gp_scope_defer() right after it is acquired.
 *  - gp_scope_unwind() runs the registered cleanups in reverse order of
 *    registration, exactly once each; calling it again is a no-op, and the
 *    scope may then be reused.
 *  - A child scope made with gp_scope_child() is registered in its parent, so
 *    unwinding the parent unwinds the child first if it is still open.
 *  - If registration itself fails (out of memory), the cleanup runs at once
 *    and -1 is returned, so the resource never leaks.
 */
#ifndef GP_SCOPE_H
#define GP_SCOPE_H

#include <stddef.h>

typedef void (*gp_cleanup_fn)(void *arg);

typedef struct gp_scope_entry {
	gp_cleanup_fn fn;
	void *arg;
} gp_scope_entry;

typedef struct gp_scope {
	gp_scope_entry *v;
	size_t n, cap;
	struct gp_scope *parent;
	size_t parent_slot; /* index of our entry in parent, or (size_t)-1 */
} gp_scope;

void gp_scope_init(gp_scope *s);
int gp_scope_defer(gp_scope *s, gp_cleanup_fn fn, void *arg);
void gp_scope_unwind(gp_scope *s);

/* A heap-allocated child scope that unwinds with its parent. */
gp_scope *gp_scope_child(gp_scope *parent);
/* Unwind a child early (idempotent); its memory lives until the parent unwinds. */
void gp_scope_close(gp_scope *child);

/* Allocate zeroed memory owned by the scope (freed at unwind). */
void *gp_scope_alloc(gp_scope *s, size_t size);
/* Open a file descriptor owned by the scope; -1 on failure (errno kept). */
int gp_scope_fd(gp_scope *s, int fd);

#endif
