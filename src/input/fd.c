/* The bottom layer of an input: read() on a file descriptor (see stream.h). */
#include "stream.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../core/stage.h"

static ssize_t fd_read(gp_stream *gs, char *dst, size_t n)
{
	gp_fdstream *f = gs->impl;
	for (;;) {
		if (!f->regular && f->ctx->flush_hint) {
			/* About to wait for input (tail -f): deliver what is through. */
			struct pollfd p = { .fd = f->fd, .events = POLLIN };
			if (poll(&p, 1, 0) == 0)
				f->ctx->flush_hint(f->ctx);
		}
		ssize_t r = read(f->fd, dst, n);
		if (r >= 0) {
			gs->pos += (uint64_t)r;
			if (f->ctx->progress)
				__atomic_fetch_add(&f->ctx->bytes_in, (uint64_t)r, __ATOMIC_RELAXED);
			return r;
		}
		if (errno == EINTR && !gp_signal)
			continue;
		if (gp_signal)
			return 0;
		snprintf(gs->err, sizeof gs->err, "read error: %s", strerror(errno));
		return -1;
	}
}

void gp_fdstream_init(gp_fdstream *f, gp_ctx *ctx, int fd, bool regular)
{
	*f = (gp_fdstream){ .s = { .read = fd_read, .impl = f }, .ctx = ctx, .fd = fd,
			    .regular = regular };
	/* Decoders may read a "file" from a thread of their own; a pipe must
	 * be read on the main thread, which flushes output when it pauses. */
	f->s.kind = regular ? "file" : "pipe";
}

int gp_stream_file_fd(const gp_stream *s)
{
	for (; s; s = s->below) {
		if (!s->kind || strcmp(s->kind, "file") != 0)
			return -1;
		if (!s->below && s->read == fd_read) {
			const gp_fdstream *f = s->impl;
			return f->regular ? f->fd : -1;
		}
	}
	return -1;
}
