/* Peeking: the first bytes of a stream, read for detection and given back
 * before the rest (see stream.h). */
#include "stream.h"

#include <poll.h>
#include <string.h>

static ssize_t peek_read(gp_stream *gs, char *dst, size_t cap)
{
	gp_peek *p = gs->impl;
	if (p->off < p->n) {
		size_t k = p->n - p->off;
		if (k > cap)
			k = cap;
		memcpy(dst, p->buf + p->off, k);
		p->off += k;
		return (ssize_t)k;
	}
	if (p->pending) {
		memcpy(gs->err, gs->below->err, sizeof gs->err);
		return -1;
	}
	if (p->eof)
		return 0;
	ssize_t r = gs->below->read(gs->below, dst, cap);
	gs->pos = gs->below->pos;
	if (r < 0)
		memcpy(gs->err, gs->below->err, sizeof gs->err);
	return r;
}

/* Reads below into p->buf up to `want` bytes, or to its end or error.
 * With `patient` false, on a pipe it stops at what is ready. */
static void peek_fill(gp_peek *p, size_t want, const gp_fdstream *bottom, bool patient)
{
	gp_stream *below = p->s.below;
	while (p->n < want && !p->pending && !p->eof) {
		ssize_t r = below->read(below, (char *)p->buf + p->n, want - p->n);
		if (r < 0)
			p->pending = -1;
		if (r == 0)
			p->eof = true;
		if (r <= 0)
			break;
		p->n += (size_t)r;
		/* On a pipe, any layer's next read may wait for the writer: detect
		 * from what has come so far rather than hold records back. */
		if (!patient && bottom && !bottom->regular) {
			struct pollfd pf = { .fd = bottom->fd, .events = POLLIN };
			if (poll(&pf, 1, 0) == 0)
				break;
		}
	}
}

gp_peek *gp_peek_open(gp_scope *scope, gp_stream *below, const gp_fdstream *bottom)
{
	gp_peek *p = gp_scope_alloc(scope, sizeof *p);
	if (!p)
		return NULL;
	p->s.read = peek_read;
	p->s.impl = p;
	p->s.below = below;
	p->s.kind = below->kind;
	p->buf = p->first;
	peek_fill(p, sizeof p->first, bottom, false);
	size_t want = gp_detect_wants(p->buf, p->n);
	if (want > p->n && !p->pending && !p->eof) {
		unsigned char *more = gp_scope_alloc(scope, want);
		if (!more)
			return NULL;
		memcpy(more, p->first, p->n);
		p->buf = more;
		peek_fill(p, want, bottom, true);
	}
	p->s.pos = below->pos;
	return p;
}
