#include "tmpfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int gp_tmpfile_open(gp_tmpfile *t, gp_scope *scope, const char *tag)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	t->dir = dir;
	t->fd = -1;
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		/* No O_TMPFILE here (an old kernel, some file systems): a name
		 * for the shortest time. */
		char path[4096];
		if (snprintf(path, sizeof path, "%s/%s-XXXXXX", dir, tag) >= (int)sizeof path) {
			errno = EINVAL; /* what mkostemp says of a cut template */
			return -1;
		}
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0)
			unlink(path);
	}
	if (fd < 0)
		return -1;
	if (gp_scope_fd(scope, fd) < 0) {
		errno = ENOMEM; /* the scope closed it */
		return -1;
	}
	t->fd = fd;
	return 0;
}

int gp_tmpfile_write(gp_tmpfile *t, const void *p, size_t n)
{
	const char *b = p;
	while (n > 0) {
		ssize_t w = write(t->fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = 0;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int gp_tmpfile_rewind(gp_tmpfile *t)
{
	return lseek(t->fd, 0, SEEK_SET) == 0 ? 0 : -1;
}

ssize_t gp_tmpfile_read(gp_tmpfile *t, void *p, size_t n)
{
	for (;;) {
		ssize_t r = read(t->fd, p, n);
		if (r >= 0 || errno != EINTR)
			return r;
	}
}
