/* zstd and lz4 decoding through libarchive's "raw" format; bzip2, xz and
 * lzma go to xzbz.c (liblzma and libbz2), which gives every byte decoded
 * before a fault.
 *
 * Exactly the one filter asked for is enabled: libarchive would otherwise
 * fork an external program for a codec it was built without (that is what
 * ARCHIVE_WARN from archive_read_support_filter_* means), and gpipe refuses
 * that. The compressed bytes come from the stream below through a read
 * callback; decoded blocks are taken with archive_read_data_block and copied
 * out, so every block libarchive decodes before a fault reaches the caller
 * (a filter drops the partial block it was filling when it fails: up to
 * 128 KiB for zstd, a whole block for lz4).
 *
 * Concatenated streams are one stream, as with the codecs' own tools. Where
 * libarchive stops early (after an empty lz4 frame), decoding starts again
 * on what follows; NUL padding at the end is ignored; anything else after
 * the data is "trailing garbage", as for gzip.
 *
 * libarchive is opened on the first read, so a damaged header is reported
 * like any other fault, as a read error with an offset.
 */
#include "stream.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>

#define FLT_IN_SIZE (128u * 1024u)
#define FLT_MAGIC_MAX 16 /* bytes gp_detect needs to know one of these codecs */

enum { FS_NEW, FS_DATA, FS_DONE, FS_FAILED };

typedef struct flt {
	gp_stream s;
	struct archive *a;
	gp_format fmt;
	const char *name;
	int (*support)(struct archive *);
	int code; /* the ARCHIVE_FILTER_* the data must be */
	int state;
	bool pending; /* bytes were returned; the error in s.err comes next */

	/* Input: in[0, in_len) holds stream bytes [in_at, in_at + in_len), the
	 * block handed to libarchive last is in[give, in_len). */
	unsigned char *in;
	size_t in_len, give;
	uint64_t in_at, in_total;
	bool below_eof, below_failed;
	uint64_t base; /* stream offset where the current libarchive started */

	const char *blk; /* decoded bytes libarchive lent us */
	size_t blk_len;
} flt;

static la_ssize_t flt_read_cb(struct archive *a, void *arg, const void **buf)
{
	flt *f = arg;
	if (f->give < f->in_len) {
		/* What followed the previous stream, for a new libarchive. */
		*buf = f->in + f->give;
		size_t n = f->in_len - f->give;
		f->give = f->in_len;
		return (la_ssize_t)n;
	}
	*buf = f->in;
	if (f->below_eof)
		return 0;
	gp_stream *below = f->s.below;
	ssize_t r = below->read(below, (char *)f->in, FLT_IN_SIZE);
	if (r < 0) {
		f->below_eof = f->below_failed = true;
		memcpy(f->s.err, below->err, sizeof f->s.err);
		f->s.err[sizeof f->s.err - 1] = '\0';
		archive_set_error(a, EIO, "%s", f->s.err);
		return -1;
	}
	if (r == 0)
		f->below_eof = true;
	f->in_at = f->in_total;
	f->in_len = f->give = (size_t)r;
	f->in_total += (uint64_t)r;
	return r;
}

static void flt_free(void *arg)
{
	flt *f = arg;
	if (f->a)
		archive_read_free(f->a);
	f->a = NULL;
}

/* Stream offset up to which libarchive has used the input. */
static uint64_t flt_used(flt *f)
{
	la_int64_t n = f->a && archive_filter_count(f->a) >= 2 ? archive_filter_bytes(f->a, -1) : 0;
	uint64_t at = f->base + (uint64_t)(n > 0 ? n : 0);
	return at < f->in_total ? at : f->in_total;
}

/* Fills s.err from libarchive's message for a failure. */
static void flt_fault(flt *f)
{
	if (f->below_failed)
		return; /* s.err already holds the message of the layer below */
	const char *msg = archive_error_string(f->a);
	if (!msg || !*msg)
		msg = "unknown error";
	/* liblzma's "no progress" is its way of saying the input ended early. */
	if (f->below_eof && (strcasestr(msg, "truncat") || strcasestr(msg, "no progress") ||
			     strcasestr(msg, "premature") || strcasestr(msg, "unexpected end"))) {
		snprintf(f->s.err, sizeof f->s.err, "truncated %s stream after %llu bytes", f->name,
			 (unsigned long long)f->in_total);
		return;
	}
	snprintf(f->s.err, sizeof f->s.err, "corrupt %s data near byte %llu: %s", f->name,
		 (unsigned long long)flt_used(f), msg);
}

/* A libarchive for the stream starting at f->base. */
static int flt_start(flt *f)
{
	if (!(f->a = archive_read_new())) {
		snprintf(f->s.err, sizeof f->s.err, "cannot start %s decoder: out of memory", f->name);
		return -1;
	}
	if (f->support(f->a) != ARCHIVE_OK || archive_read_support_format_raw(f->a) != ARCHIVE_OK ||
	    archive_read_support_format_empty(f->a) != ARCHIVE_OK) {
		snprintf(f->s.err, sizeof f->s.err, "cannot set up %s decoding: %s", f->name,
			 archive_error_string(f->a) ? archive_error_string(f->a) : "libarchive error");
		return -1;
	}
	if (archive_read_open(f->a, f, NULL, flt_read_cb, NULL) != ARCHIVE_OK) {
		flt_fault(f);
		return -1;
	}
	/* If the filter's bidder did not take the data, raw would pass the
	 * compressed bytes through: refuse instead. */
	if (archive_filter_count(f->a) < 2 || archive_filter_code(f->a, 0) != f->code) {
		snprintf(f->s.err, sizeof f->s.err, "corrupt %s data near byte %llu: not a valid %s header",
			 f->name, (unsigned long long)f->base, f->name);
		return -1;
	}
	struct archive_entry *e;
	int r = archive_read_next_header(f->a, &e);
	if (r == ARCHIVE_EOF) {
		f->state = FS_DONE; /* decodes to nothing: the "empty" format took it */
		return 0;
	}
	if (r < ARCHIVE_WARN) {
		flt_fault(f);
		return -1;
	}
	f->state = FS_DATA;
	return 0;
}

/* After libarchive's end of data: another stream (1, libarchive restarted),
 * the end (0, NUL padding skipped) or trailing garbage (-1, s.err). */
static int flt_next_stream(flt *f)
{
	uint64_t used = flt_used(f);
	if (used < f->in_at)
		return 0; /* libarchive read past what is at hand: nothing to look at */
	size_t off = (size_t)(used - f->in_at);
	for (;;) {
		while (off < f->in_len && f->in[off] == 0)
			off++;
		size_t have = f->in_len - off;
		if (have < FLT_MAGIC_MAX && !f->below_eof) {
			/* Keep what is left and read on, to see a whole magic. */
			memmove(f->in, f->in + off, have);
			f->in_at += off;
			f->in_len = have;
			off = 0;
			gp_stream *below = f->s.below;
			ssize_t r = below->read(below, (char *)f->in + have, FLT_IN_SIZE - have);
			if (r < 0) {
				f->below_eof = f->below_failed = true;
				memcpy(f->s.err, below->err, sizeof f->s.err);
				f->s.err[sizeof f->s.err - 1] = '\0';
				return -1;
			}
			if (r == 0)
				f->below_eof = true;
			f->in_len += (size_t)r;
			f->in_total += (uint64_t)r;
			continue;
		}
		if (have == 0)
			return 0;
		if (gp_detect(f->in + off, have) != f->fmt) {
			snprintf(f->s.err, sizeof f->s.err, "trailing garbage after %s data at byte %llu",
				 f->name, (unsigned long long)(f->in_at + off));
			return -1;
		}
		archive_read_free(f->a);
		f->a = NULL;
		f->give = off;
		f->base = f->in_at + off;
		return 1;
	}
}

/* At the end of a stream: on to the next one with data, if any. State is
 * then FS_DATA or FS_DONE; -1 on a fault (s.err). */
static int flt_advance(flt *f)
{
	for (;;) {
		uint64_t was = f->base;
		int k = flt_next_stream(f);
		if (k < 0)
			return -1;
		if (k == 0) {
			f->state = FS_DONE;
			return 0;
		}
		if (f->base <= was) {
			/* libarchive used none of it: no way forward. */
			snprintf(f->s.err, sizeof f->s.err, "corrupt %s data near byte %llu", f->name,
				 (unsigned long long)f->base);
			return -1;
		}
		if (flt_start(f) != 0)
			return -1;
		if (f->state == FS_DATA)
			return 0;
	}
}

static ssize_t flt_read(gp_stream *s, char *dst, size_t cap)
{
	flt *f = s->impl;
	size_t n = 0;
	if (f->pending)
		goto fail;
	if (f->state == FS_NEW &&
	    (flt_start(f) != 0 || (f->state == FS_DONE && flt_advance(f) != 0)))
		goto fail;
	if (f->state == FS_FAILED)
		return -1;
	while (n < cap && f->state == FS_DATA) {
		if (f->blk_len == 0) {
			if (n > 0)
				break; /* do not wait for more input with bytes at hand */
			const void *b;
			size_t len;
			la_int64_t off;
			int r = archive_read_data_block(f->a, &b, &len, &off);
			if (r == ARCHIVE_EOF) {
				if (flt_advance(f) != 0)
					goto fail;
				continue;
			}
			if (r != ARCHIVE_OK) {
				flt_fault(f);
				goto fail;
			}
			f->blk = b;
			f->blk_len = len;
			continue;
		}
		size_t k = f->blk_len < cap - n ? f->blk_len : cap - n;
		memcpy(dst + n, f->blk, k);
		f->blk += k;
		f->blk_len -= k;
		n += k;
	}
	s->pos = f->in_total;
	return (ssize_t)n;
fail:
	s->pos = f->in_total;
	if (n > 0) {
		f->pending = true;
		return (ssize_t)n;
	}
	f->pending = false;
	f->state = FS_FAILED;
	return -1;
}

gp_stream *gp_filter_open(gp_scope *scope, gp_stream *below, gp_format fmt, char *errbuf,
			  size_t errlen)
{
	int (*support)(struct archive *);
	int code;
	switch (fmt) {
	case GP_FMT_BZIP2:
		return gp_bzip2_open(scope, below, fmt, errbuf, errlen);
	case GP_FMT_XZ:
	case GP_FMT_LZMA:
		return gp_xz_open(scope, below, fmt, errbuf, errlen);
	case GP_FMT_ZSTD:
		support = archive_read_support_filter_zstd;
		code = ARCHIVE_FILTER_ZSTD;
		break;
	case GP_FMT_LZ4:
		support = archive_read_support_filter_lz4;
		code = ARCHIVE_FILTER_LZ4;
		break;
	default:
		snprintf(errbuf, errlen, "%s is not a compression filter", gp_format_name(fmt));
		return NULL;
	}
	const char *name = gp_format_name(fmt);
	/* Ask now whether the codec is built in, so the error comes at open. */
	struct archive *probe = archive_read_new();
	if (!probe)
		goto nomem;
	int r = support(probe);
	archive_read_free(probe);
	if (r == ARCHIVE_WARN) {
		snprintf(errbuf, errlen, "%s support is not built into libarchive", name);
		return NULL;
	}
	if (r != ARCHIVE_OK) {
		snprintf(errbuf, errlen, "cannot set up %s decoding", name);
		return NULL;
	}
	flt *f = gp_scope_alloc(scope, sizeof *f);
	if (!f || !(f->in = gp_scope_alloc(scope, FLT_IN_SIZE)))
		goto nomem;
	if (gp_scope_defer(scope, flt_free, f) != 0)
		goto nomem;
	f->fmt = fmt;
	f->name = name;
	f->support = support;
	f->code = code;
	f->s.read = flt_read;
	f->s.impl = f;
	f->s.below = below;
	f->s.kind = name;
	return &f->s;
nomem:
	snprintf(errbuf, errlen, "cannot start %s decoder: out of memory", gp_format_name(fmt));
	return NULL;
}
