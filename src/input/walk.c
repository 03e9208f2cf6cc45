/* The lazy, sorted walk over the operands and the directories among them
 * (see walk.h). */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/grow.h"

/* One directory being walked: its descriptor (entries are opened relative
 * to it), the length of its path in w->path, its sorted entries and the
 * next one. */
struct gp_walk_dir {
	int fd;
	size_t plen;
	struct dirent **ents;
	int n, next;
};

static void pop_dir(gp_walk *w)
{
	gp_walk_dir *d = &w->dirs[--w->ndirs];
	for (int k = 0; k < d->n; k++)
		free(d->ents[k]);
	free(d->ents);
	close(d->fd);
}

static void walk_free(void *arg)
{
	gp_walk *w = arg;
	while (w->ndirs > 0)
		pop_dir(w);
	free(w->dirs);
	w->dirs = NULL;
	free(w->path);
	w->path = NULL;
}

int gp_walk_init(gp_walk *w, gp_scope *scope, gp_ctx *ctx, const char *const *paths,
		 size_t npaths)
{
	*w = (gp_walk){ .ctx = ctx, .paths = paths, .npaths = npaths };
	return gp_scope_defer(scope, walk_free, w);
}

/* w->path becomes its first `keep` bytes, a '/' unless keep is 0 or they end
 * in one, and name. */
static int path_at(gp_walk *w, size_t keep, const char *name)
{
	size_t nl = strlen(name);
	if (gp_grow(&w->path, &w->path_cap, keep + nl + 2, 1) != 0)
		return -1;
	if (keep > 0 && w->path[keep - 1] != '/')
		w->path[keep++] = '/';
	memcpy(w->path + keep, name, nl + 1);
	return 0;
}

static int skip_dots(const struct dirent *e)
{
	return !(e->d_name[0] == '.' && (e->d_name[1] == '\0' ||
					 (e->d_name[1] == '.' && e->d_name[2] == '\0')));
}

int gp_walk_push_dir(gp_walk *w, int fd, const char *path)
{
	if (gp_grow(&w->dirs, &w->dirs_cap, w->ndirs + 1, sizeof *w->dirs) != 0)
		return -1;
	if (path != w->path && path_at(w, 0, path) != 0)
		return -1;
	/* One descriptor per level of the tree: past RLIMIT_NOFILE (a tree
	 * thousands deep) the subtree is reported, not walked. */
	struct dirent **ents;
	int n = -1, dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dfd >= 0)
		n = scandirat(dfd, ".", &ents, skip_dots, alphasort);
	if (n < 0) {
		gp_report(w->ctx, "cannot read directory '%s': %s", w->path, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	gp_walk_dir *d = &w->dirs[w->ndirs++];
	d->fd = dfd;
	d->plen = strlen(w->path);
	d->ents = ents;
	d->n = n;
	d->next = 0;
	return 0;
}

gp_walk_result gp_walk_next(gp_walk *w, gp_walk_entry *e)
{
	while (w->ndirs > 0) {
		gp_walk_dir *d = &w->dirs[w->ndirs - 1];
		if (d->next >= d->n) {
			pop_dir(w);
			continue;
		}
		/* Only regular files and directories: links are not followed
		 * while recursing (as grep -r), and opening a FIFO or device
		 * found in a tree could block or never end. */
		struct dirent *de = d->ents[d->next++];
		if (de->d_type != DT_REG && de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		struct stat lsb;
		if (de->d_type == DT_UNKNOWN &&
		    (fstatat(d->fd, de->d_name, &lsb, AT_SYMLINK_NOFOLLOW) != 0 ||
		     !(S_ISREG(lsb.st_mode) || S_ISDIR(lsb.st_mode))))
			continue;
		if (path_at(w, d->plen, de->d_name) != 0)
			return GP_WALK_NOMEM;
		*e = (gp_walk_entry){ .at = d->fd, .name = de->d_name, .path = w->path };
		return GP_WALK_ENTRY;
	}
	if (w->next_path < w->npaths) {
		const char *p = w->paths[w->next_path++];
		*e = (gp_walk_entry){ .at = AT_FDCWD, .name = p, .path = p, .top = true };
		return GP_WALK_ENTRY;
	}
	return GP_WALK_END;
}
