/* xz, legacy lzma and bzip2 decoding with liblzma and libbz2 directly.
 *
 * libarchive drops the block it was filling when a stream fails (up to
 * 64 KiB for xz, a whole block for bzip2); here every byte the codec decodes
 * before a fault is returned, then the error: as many lines as xz -dc or
 * bzip2 -dc print from the same bytes.
 *
 * Concatenated streams are one stream, as with xzcat and bzcat. Streams are
 * decoded one at a time (so the end of the last whole one is known), with
 * xz's rules for what may follow one (LZMA_CONCATENATED's): NUL stream
 * padding in multiples of four bytes, then the end or another stream. For
 * lzma and bzip2 a run of NUL bytes of any length is padding, as for gzip.
 * Anything else after a stream is "trailing garbage after X data at byte N",
 * N the offset just after the last whole stream.
 *
 * Memory is bounded: the input buffer, the codec's state (liblzma's is
 * capped by GP_XZ_MEMLIMIT; data that needs more is an error), nothing
 * allocated per read. Decoder state is reused from one stream to the next.
 */
#include "stream.h"
#include "unpack.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <bzlib.h>
#include <lzma.h>

#define XB_IN_SIZE (128u * 1024u)	 /* compressed bytes per read from below */
#define XB_MAGIC_MAX 16			 /* bytes gp_detect needs to know a stream */
#define GP_XZ_MEMLIMIT (UINT64_C(1) << 30) /* liblzma may use at most 1 GiB */

typedef struct xb {
	gp_unpack u; /* first: the shared member loop (name "xz", "lzma" or "bzip2") */
	gp_stream s;
	gp_format fmt;
	bool lz_init, bz_init;
	lzma_stream lz;
	bz_stream bz;
} xb;

/* ---- input ---- */

/* Offset in the compressed input of the next byte the codec will use. */
static uint64_t in_offset(const xb *d)
{
	return gp_unpack_offset(&d->u);
}

static void set_corrupt(xb *d, uint64_t at, const char *msg)
{
	gp_unpack_corrupt(&d->u, at, msg);
}

/* ---- the codecs ---- */

static void engine_free(void *arg)
{
	xb *d = arg;
	if (d->lz_init)
		lzma_end(&d->lz);
	if (d->bz_init)
		BZ2_bzDecompressEnd(&d->bz);
	d->lz_init = d->bz_init = false;
}

/* Sets the codec up for a stream (again). 0, or -1 with s.err set. */
static int engine_start(xb *d)
{
	if (d->fmt == GP_FMT_BZIP2) {
		if (d->bz_init)
			BZ2_bzDecompressEnd(&d->bz);
		d->bz_init = false;
		memset(&d->bz, 0, sizeof d->bz);
		int r = BZ2_bzDecompressInit(&d->bz, 0, 0);
		if (r != BZ_OK) {
			snprintf(d->s.err, sizeof d->s.err, "cannot start bzip2 decoder: %s",
				 r == BZ_MEM_ERROR ? "out of memory" : "libbz2 error");
			return -1;
		}
		d->bz_init = true;
		return 0;
	}
	/* liblzma reuses what it allocated when the coder is set up again. */
	if (!d->lz_init) {
		lzma_stream init = LZMA_STREAM_INIT;
		d->lz = init;
	}
	lzma_ret r = d->fmt == GP_FMT_LZMA ? lzma_alone_decoder(&d->lz, GP_XZ_MEMLIMIT)
					   : lzma_stream_decoder(&d->lz, GP_XZ_MEMLIMIT, 0);
	d->lz_init = true;
	if (r != LZMA_OK) {
		snprintf(d->s.err, sizeof d->s.err, "cannot start %s decoder: %s", d->u.name,
			 r == LZMA_MEM_ERROR ? "out of memory" : "liblzma error");
		return -1;
	}
	return 0;
}

static const char *lzma_msg(lzma_ret r)
{
	switch (r) {
	case LZMA_DATA_ERROR:
		return "compressed data is corrupt";
	case LZMA_OPTIONS_ERROR:
		return "unsupported options";
	case LZMA_UNSUPPORTED_CHECK:
		return "unsupported integrity check";
	case LZMA_PROG_ERROR:
		return "internal error";
	default:
		return "invalid data";
	}
}

/* Decodes into out; *produced is set. GP_UNP_END at the end of a stream. */
static int engine_run(xb *d, unsigned char *out, size_t cap, size_t *produced)
{
	*produced = 0;
	if (d->fmt == GP_FMT_BZIP2) {
		unsigned in_n = d->u.avail > UINT_MAX ? UINT_MAX : (unsigned)d->u.avail;
		unsigned out_n = cap > UINT_MAX ? UINT_MAX : (unsigned)cap;
		d->bz.next_in = (char *)d->u.next;
		d->bz.avail_in = in_n;
		d->bz.next_out = (char *)out;
		d->bz.avail_out = out_n;
		int r = BZ2_bzDecompress(&d->bz);
		*produced = out_n - d->bz.avail_out;
		d->u.next += in_n - d->bz.avail_in;
		d->u.avail -= in_n - d->bz.avail_in;
		switch (r) {
		case BZ_OK:
			return GP_UNP_OK;
		case BZ_STREAM_END:
			return GP_UNP_END;
		case BZ_DATA_ERROR_MAGIC:
			set_corrupt(d, in_offset(d), "not a valid bzip2 header");
			return GP_UNP_ERR;
		case BZ_MEM_ERROR:
			snprintf(d->s.err, sizeof d->s.err, "out of memory decoding bzip2 data");
			return GP_UNP_ERR;
		case BZ_DATA_ERROR:
			set_corrupt(d, in_offset(d), "data integrity error");
			return GP_UNP_ERR;
		default:
			set_corrupt(d, in_offset(d), "libbz2 error");
			return GP_UNP_ERR;
		}
	}
	d->lz.next_in = d->u.next;
	d->lz.avail_in = d->u.avail;
	d->lz.next_out = out;
	d->lz.avail_out = cap;
	lzma_ret r = lzma_code(&d->lz, d->u.below_eof ? LZMA_FINISH : LZMA_RUN);
	*produced = cap - d->lz.avail_out;
	d->u.next += d->u.avail - d->lz.avail_in;
	d->u.avail = d->lz.avail_in;
	switch (r) {
	case LZMA_OK:
	case LZMA_BUF_ERROR: /* no progress: the caller sees it and says why */
		return GP_UNP_OK;
	case LZMA_STREAM_END:
		return GP_UNP_END;
	case LZMA_FORMAT_ERROR:
		set_corrupt(d, in_offset(d), d->fmt == GP_FMT_LZMA ? "not a valid lzma header"
								    : "not a valid xz header");
		return GP_UNP_ERR;
	case LZMA_MEM_ERROR:
		snprintf(d->s.err, sizeof d->s.err, "out of memory decoding %s data", d->u.name);
		return GP_UNP_ERR;
	case LZMA_MEMLIMIT_ERROR:
		snprintf(d->s.err, sizeof d->s.err,
			 "%s data at byte %llu needs %llu MiB of memory to decode, more than the "
			 "%llu MiB limit",
			 d->u.name, (unsigned long long)in_offset(d),
			 (unsigned long long)((lzma_memusage(&d->lz) + (1u << 20) - 1) >> 20),
			 (unsigned long long)(GP_XZ_MEMLIMIT >> 20));
		return GP_UNP_ERR;
	default:
		set_corrupt(d, in_offset(d), lzma_msg(r));
		return GP_UNP_ERR;
	}
}

/* ---- streams ---- */

/* At the start of the input or after a stream: a stream begins (1, the codec
 * set up), the end (0, padding skipped), or an error (-1, s.err). */
static int next_stream(xb *d)
{
	bool first = d->u.state == GP_UNP_FIRST;
	uint64_t pad = 0;
	for (;;) {
		while (!first && d->u.avail && d->u.next[0] == 0) {
			d->u.next++;
			d->u.avail--;
			pad++;
		}
		if (d->u.avail >= XB_MAGIC_MAX || d->u.below_eof)
			break;
		if (gp_unpack_refill(&d->u) < 0)
			return -1;
	}
	bool bad_pad = d->fmt == GP_FMT_XZ && pad % 4 != 0;
	if (d->u.avail == 0) {
		if (first) {
			gp_unpack_truncated(&d->u);
			return -1;
		}
		if (bad_pad) {
			set_corrupt(d, in_offset(d), "stream padding is not a multiple of four bytes");
			return -1;
		}
		return 0;
	}
	size_t look = d->u.avail < GP_DETECT_BYTES ? d->u.avail : GP_DETECT_BYTES;
	/* The first stream's header is left to the codec when it is too short
	 * to judge, so a cut header reads as truncated. */
	if ((!first || d->u.avail >= XB_MAGIC_MAX) && gp_detect(d->u.next, look) != d->fmt) {
		if (first)
			set_corrupt(d, in_offset(d),
				    d->fmt == GP_FMT_XZ     ? "not a valid xz header"
				    : d->fmt == GP_FMT_LZMA ? "not a valid lzma header"
							    : "not a valid bzip2 header");
		else if (bad_pad)
			set_corrupt(d, in_offset(d), "stream padding is not a multiple of four bytes");
		else
			gp_unpack_garbage(&d->u);
		return -1;
	}
	if (bad_pad) {
		set_corrupt(d, in_offset(d), "stream padding is not a multiple of four bytes");
		return -1;
	}
	if (!first && engine_start(d) != 0)
		return -1;
	return 1;
}

static int op_next(gp_unpack *u)
{
	return next_stream((xb *)u);
}

static int op_run(gp_unpack *u, unsigned char *out, size_t cap, size_t *produced)
{
	return engine_run((xb *)u, out, cap, produced);
}

static const gp_unpack_ops xb_ops = { op_next, op_run, gp_unpack_offset };

static gp_stream *xb_open(gp_scope *scope, gp_stream *below, gp_format fmt, char *errbuf,
			  size_t errlen)
{
	const char *name = gp_format_name(fmt);
	xb *d = gp_scope_alloc(scope, sizeof *d);
	unsigned char *in = d ? gp_scope_alloc(scope, XB_IN_SIZE) : NULL;
	if (!in || gp_scope_defer(scope, engine_free, d) != 0) {
		snprintf(errbuf, errlen, "cannot start %s decoder: out of memory", name);
		return NULL;
	}
	d->fmt = fmt;
	d->u = (gp_unpack){ .ops = &xb_ops, .below = below, .name = name, .err = d->s.err,
			    .errcap = sizeof d->s.err, .in = in, .in_size = XB_IN_SIZE,
			    .between_min = XB_MAGIC_MAX, .next = in, .state = GP_UNP_FIRST };
	d->s.read = gp_unpack_stream_read;
	d->s.impl = d;
	d->s.below = below;
	d->s.kind = name;
	if (engine_start(d) != 0) {
		snprintf(errbuf, errlen, "%s", d->s.err);
		return NULL;
	}
	return &d->s;
}

gp_stream *gp_xz_open(gp_scope *scope, gp_stream *below, gp_format fmt, char *errbuf,
		      size_t errlen)
{
	if (fmt != GP_FMT_XZ && fmt != GP_FMT_LZMA) {
		snprintf(errbuf, errlen, "%s is not xz or lzma", gp_format_name(fmt));
		return NULL;
	}
	return xb_open(scope, below, fmt, errbuf, errlen);
}

gp_stream *gp_bzip2_open(gp_scope *scope, gp_stream *below, gp_format fmt, char *errbuf,
			 size_t errlen)
{
	if (fmt != GP_FMT_BZIP2) {
		snprintf(errbuf, errlen, "%s is not bzip2", gp_format_name(fmt));
		return NULL;
	}
	return xb_open(scope, below, fmt, errbuf, errlen);
}
