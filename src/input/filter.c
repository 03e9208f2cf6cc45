/* bzip2, xz, lzma, zstd and lz4 decoding through libarchive's "raw" format.
 *
 * Exactly the one filter asked for is enabled: libarchive would otherwise
 * fork an external program for a codec it was built without (that is what
 * ARCHIVE_WARN from archive_read_support_filter_* means), and gpipe refuses
 * that. The compressed bytes come from the stream below through read
 * callbacks; decoded blocks are taken with archive_read_data_block and copied
 * out, so every block libarchive decodes before a fault reaches the caller
 * (a filter drops the partial block it was filling when it fails: see
 * the tests for how much that is).
 *
 * The archive is opened on the first read, so a damaged header is reported
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

enum { FS_NEW, FS_DATA, FS_DONE, FS_FAILED };

typedef struct flt {
	gp_stream s;
	struct archive *a;
	const char *name;
	int code; /* the ARCHIVE_FILTER_* the data must be */
	int state;
	bool pending; /* bytes were returned; the error in s.err comes next */
	unsigned char *in;
	uint64_t in_total;
	bool below_eof, below_failed;
	const char *blk; /* decoded bytes libarchive lent us */
	size_t blk_len;
} flt;

static la_ssize_t flt_read_cb(struct archive *a, void *arg, const void **buf)
{
	flt *f = arg;
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
	f->in_total += (uint64_t)r;
	return r;
}

static void flt_free(void *arg)
{
	archive_read_free(arg);
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
	/* Where the decoder was: what it consumed of the bytes we gave it. */
	la_int64_t at = archive_filter_count(f->a) >= 2 ? archive_filter_bytes(f->a, -1) : -1;
	if (at < 0 || (uint64_t)at > f->in_total)
		at = (la_int64_t)f->in_total;
	snprintf(f->s.err, sizeof f->s.err, "corrupt %s data near byte %lld: %s", f->name,
		 (long long)at, msg);
}

static int flt_start(flt *f)
{
	if (archive_read_open(f->a, f, NULL, flt_read_cb, NULL) != ARCHIVE_OK) {
		flt_fault(f);
		return -1;
	}
	/* If the filter's bidder did not take the data, raw would pass the
	 * compressed bytes through: refuse instead. */
	if (archive_filter_count(f->a) < 2 || archive_filter_code(f->a, 0) != f->code) {
		snprintf(f->s.err, sizeof f->s.err, "corrupt %s data near byte 0: not a valid %s header",
			 f->name, f->name);
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

static ssize_t flt_read(gp_stream *s, char *dst, size_t cap)
{
	flt *f = s->impl;
	size_t n = 0;
	if (f->pending)
		goto fail;
	if (f->state == FS_NEW && flt_start(f) != 0)
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
				f->state = FS_DONE;
				break;
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
		support = archive_read_support_filter_bzip2;
		code = ARCHIVE_FILTER_BZIP2;
		break;
	case GP_FMT_XZ:
		support = archive_read_support_filter_xz;
		code = ARCHIVE_FILTER_XZ;
		break;
	case GP_FMT_LZMA:
		support = archive_read_support_filter_lzma;
		code = ARCHIVE_FILTER_LZMA;
		break;
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
	flt *f = gp_scope_alloc(scope, sizeof *f);
	if (!f || !(f->in = gp_scope_alloc(scope, FLT_IN_SIZE)))
		goto nomem;
	if (!(f->a = archive_read_new()))
		goto nomem;
	if (gp_scope_defer(scope, flt_free, f->a) != 0)
		goto nomem;
	int r = support(f->a);
	if (r == ARCHIVE_WARN) {
		snprintf(errbuf, errlen, "%s support is not built into libarchive", name);
		return NULL;
	}
	if (r != ARCHIVE_OK || archive_read_support_format_raw(f->a) != ARCHIVE_OK ||
	    archive_read_support_format_empty(f->a) != ARCHIVE_OK) {
		snprintf(errbuf, errlen, "cannot set up %s decoding: %s", name,
			 archive_error_string(f->a) ? archive_error_string(f->a) : "libarchive error");
		return NULL;
	}
	f->name = name;
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
