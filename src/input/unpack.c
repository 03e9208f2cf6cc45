/* The member-by-member decode loop of gzip.c, xz.c, bz2.c and zstd.c (see unpack.h). */
#include "unpack.h"

#include <stdio.h>
#include <string.h>

void *gp_unpack_new(gp_scope *scope, size_t size, size_t in_size, gp_cleanup_fn fn,
		    unsigned char **in, const char *name, char *errbuf, size_t errlen)
{
	void *d = gp_scope_alloc(scope, size);
	*in = d ? gp_scope_alloc(scope, in_size) : NULL;
	if (!*in || gp_scope_defer(scope, fn, d) != 0) {
		snprintf(errbuf, errlen, "cannot start %s decoder: out of memory", name);
		return NULL;
	}
	return d;
}

void gp_unpack_init(gp_unpack *u, gp_stream *s, const gp_unpack_ops *ops, gp_stream *below,
		    const char *name, unsigned char *in, size_t in_size, size_t between_min)
{
	*u = (gp_unpack){ .ops = ops, .below = below, .name = name, .err = s->err,
			  .errcap = sizeof s->err, .in = in, .in_size = in_size,
			  .between_min = between_min, .next = in, .state = GP_UNP_FIRST };
	s->read = gp_unpack_stream_read;
	s->impl = u;
	s->below = below;
	s->kind = name;
}

int gp_unpack_refill(gp_unpack *u)
{
	if (u->below_eof)
		return 0;
	if (u->avail && u->next != u->in)
		memmove(u->in, u->next, u->avail);
	u->next = u->in;
	if (u->avail == u->in_size)
		return 1;
	ssize_t r = u->below->read(u->below, (char *)u->in + u->avail, u->in_size - u->avail);
	if (r < 0) {
		u->below_eof = true;
		snprintf(u->err, u->errcap, "%s", u->below->err);
		return -1;
	}
	if (r == 0) {
		u->below_eof = true;
		return 0;
	}
	u->avail += (size_t)r;
	u->in_total += (uint64_t)r;
	return 1;
}

ssize_t gp_unpack_stream_read(gp_stream *s, char *dst, size_t cap)
{
	gp_unpack *u = s->impl;
	ssize_t r = gp_unpack_read(u, (unsigned char *)dst, cap);
	s->pos = u->in_total;
	return r;
}

uint64_t gp_unpack_offset(const gp_unpack *u)
{
	return u->in_total - u->avail;
}

void gp_unpack_corrupt(gp_unpack *u, uint64_t at, const char *msg)
{
	snprintf(u->err, u->errcap, "corrupt %s data at byte %llu: %s", u->name,
		 (unsigned long long)at, msg);
}

void gp_unpack_truncated(gp_unpack *u)
{
	snprintf(u->err, u->errcap, "truncated %s stream after %llu bytes", u->name,
		 (unsigned long long)u->in_total);
}

void gp_unpack_checksum(gp_unpack *u, uint64_t at)
{
	snprintf(u->err, u->errcap, "%s checksum mismatch at byte %llu", u->name,
		 (unsigned long long)at);
}

void gp_unpack_garbage(gp_unpack *u)
{
	snprintf(u->err, u->errcap, "trailing garbage after %s data at byte %llu", u->name,
		 (unsigned long long)u->trail_at);
}

ssize_t gp_unpack_read(gp_unpack *u, unsigned char *out, size_t cap)
{
	if (u->pending) {
		u->pending = false;
		u->state = GP_UNP_FAILED;
		return -1;
	}
	if (u->state == GP_UNP_DONE)
		return 0;
	if (u->state == GP_UNP_FAILED)
		return -1;
	size_t n = 0;
	while (n < cap) {
		if (u->state == GP_UNP_FIRST || u->state == GP_UNP_BETWEEN) {
			if (u->state == GP_UNP_BETWEEN && u->avail < u->between_min && !u->below_eof &&
			    n > 0)
				break;
			int r = u->ops->next_member(u);
			if (r == 0) {
				u->state = GP_UNP_DONE;
				break;
			}
			if (r < 0)
				goto fail;
			u->state = GP_UNP_MEMBER;
		}
		if (u->avail == 0 && !u->below_eof) {
			if (n > 0)
				break;
			if (gp_unpack_refill(u) < 0)
				goto fail;
		}
		size_t before = u->avail, got = 0;
		int e = u->ops->run(u, out + n, cap - n, &got);
		n += got;
		u->out_total += got;
		if (e == GP_UNP_ERR)
			goto fail;
		if (e == GP_UNP_END) {
			u->trail_at = u->in_total - u->avail;
			u->state = GP_UNP_BETWEEN;
			continue;
		}
		if (got == 0 && before == u->avail) {
			if (u->avail == 0 && u->below_eof) {
				gp_unpack_truncated(u);
				goto fail;
			}
			if (u->avail != 0) {
				gp_unpack_corrupt(u, u->ops->offset(u), "no progress");
				goto fail;
			}
		}
	}
	return (ssize_t)n;
fail:
	if (n > 0) {
		u->pending = true;
		return (ssize_t)n;
	}
	u->state = GP_UNP_FAILED;
	return -1;
}

int gp_unpack_next_stream(gp_unpack *u, gp_format fmt, bool pad4)
{
	bool first = u->state == GP_UNP_FIRST;
	uint64_t pad = 0;
	for (;;) {
		while (!first && u->avail && u->next[0] == 0) {
			u->next++;
			u->avail--;
			pad++;
		}
		if (u->avail >= GP_UNPACK_MAGIC_MAX || u->below_eof)
			break;
		if (gp_unpack_refill(u) < 0)
			return -1;
	}
	/* What follows: the end, this format's magic, or something else. */
	if (u->avail == 0 && first) {
		gp_unpack_truncated(u);
		return -1;
	}
	size_t look = u->avail < GP_DETECT_BYTES ? u->avail : GP_DETECT_BYTES;
	bool other = u->avail > 0 && (!first || u->avail >= GP_UNPACK_MAGIC_MAX) &&
		     gp_detect(u->next, look) != fmt;
	if (other && first) {
		char msg[64];
		snprintf(msg, sizeof msg, "not a valid %s header", u->name);
		gp_unpack_corrupt(u, gp_unpack_offset(u), msg);
		return -1;
	}
	if (pad4 && pad % 4 != 0) {
		gp_unpack_corrupt(u, gp_unpack_offset(u), "stream padding is not a multiple of four bytes");
		return -1;
	}
	if (other) {
		gp_unpack_garbage(u);
		return -1;
	}
	return u->avail > 0;
}
