/* xz and legacy lzma decoding with liblzma directly.
 *
 * libarchive drops the block it was filling when a stream fails (up to
 * 64 KiB for xz); here every byte liblzma decodes before a fault is
 * returned, then the error: as many lines as xz -dc prints from the same
 * bytes.
 *
 * Concatenated streams are one stream, as with xzcat. Streams are decoded
 * one at a time through unpack.c (so the end of the last whole one is
 * known), with xz's rules for what may follow one (LZMA_CONCATENATED's):
 * NUL stream padding in multiples of four bytes, then the end or another
 * stream; for lzma a run of NUL bytes of any length is padding, as for gzip
 * (gp_unpack_next_stream). Anything else after a stream is "trailing
 * garbage after X data at byte N", N the offset just after the last whole
 * stream.
 *
 * Memory is bounded: the input buffer and liblzma's state, capped by
 * GP_XZ_MEMLIMIT (data that needs more is an error); nothing allocated per
 * read. The decoder's state is reused from one stream to the next.
 */
#include "stream.h"
#include "unpack.h"

#include <stdio.h>
#include <string.h>

#include <lzma.h>

#define XZ_IN_SIZE (128u * 1024u)	   /* compressed bytes per read from below */
#define GP_XZ_MEMLIMIT (UINT64_C(1) << 30) /* liblzma may use at most 1 GiB */

typedef struct xz {
	gp_unpack u; /* first: the shared member loop (name "xz" or "lzma") */
	gp_stream s;
	gp_format fmt;
	bool init;
	lzma_stream lz;
} xz;

static void engine_free(void *arg)
{
	xz *d = arg;
	if (d->init)
		lzma_end(&d->lz);
	d->init = false;
}

/* Sets the codec up for a stream (again). 0, or -1 with s.err set. */
static int engine_start(xz *d)
{
	/* liblzma reuses what it allocated when the coder is set up again. */
	if (!d->init) {
		lzma_stream init = LZMA_STREAM_INIT;
		d->lz = init;
	}
	lzma_ret r = d->fmt == GP_FMT_LZMA ? lzma_alone_decoder(&d->lz, GP_XZ_MEMLIMIT)
					   : lzma_stream_decoder(&d->lz, GP_XZ_MEMLIMIT, 0);
	d->init = true;
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
static int op_run(gp_unpack *u, unsigned char *out, size_t cap, size_t *produced)
{
	xz *d = (xz *)u;
	d->lz.next_in = u->next;
	d->lz.avail_in = u->avail;
	d->lz.next_out = out;
	d->lz.avail_out = cap;
	lzma_ret r = lzma_code(&d->lz, u->below_eof ? LZMA_FINISH : LZMA_RUN);
	*produced = cap - d->lz.avail_out;
	u->next += u->avail - d->lz.avail_in;
	u->avail = d->lz.avail_in;
	switch (r) {
	case LZMA_OK:
	case LZMA_BUF_ERROR: /* no progress: the caller sees it and says why */
		return GP_UNP_OK;
	case LZMA_STREAM_END:
		return GP_UNP_END;
	case LZMA_FORMAT_ERROR:
		gp_unpack_corrupt(u, gp_unpack_offset(u), d->fmt == GP_FMT_LZMA
								  ? "not a valid lzma header"
								  : "not a valid xz header");
		return GP_UNP_ERR;
	case LZMA_MEM_ERROR:
		snprintf(d->s.err, sizeof d->s.err, "out of memory decoding %s data", u->name);
		return GP_UNP_ERR;
	case LZMA_MEMLIMIT_ERROR:
		snprintf(d->s.err, sizeof d->s.err,
			 "%s data at byte %llu needs %llu MiB of memory to decode, more than the "
			 "%llu MiB limit",
			 u->name, (unsigned long long)gp_unpack_offset(u),
			 (unsigned long long)((lzma_memusage(&d->lz) + (1u << 20) - 1) >> 20),
			 (unsigned long long)(GP_XZ_MEMLIMIT >> 20));
		return GP_UNP_ERR;
	default:
		gp_unpack_corrupt(u, gp_unpack_offset(u), lzma_msg(r));
		return GP_UNP_ERR;
	}
}

/* At the start of the input or after a stream (see gp_unpack_next_stream);
 * the decoder is set up again for every stream after the first. */
static int op_next(gp_unpack *u)
{
	xz *d = (xz *)u;
	bool first = u->state == GP_UNP_FIRST;
	int r = gp_unpack_next_stream(u, d->fmt, d->fmt == GP_FMT_XZ);
	if (r == 1 && !first && engine_start(d) != 0)
		return -1;
	return r;
}

static const gp_unpack_ops xz_ops = { op_next, op_run, gp_unpack_offset };

gp_stream *gp_xz_open(gp_scope *scope, gp_stream *below, gp_format fmt, char *errbuf,
		      size_t errlen)
{
	if (fmt != GP_FMT_XZ && fmt != GP_FMT_LZMA) {
		snprintf(errbuf, errlen, "%s is not xz or lzma", gp_format_name(fmt));
		return NULL;
	}
	const char *name = gp_format_name(fmt);
	unsigned char *in;
	xz *d = gp_unpack_new(scope, sizeof *d, XZ_IN_SIZE, engine_free, &in, name, errbuf, errlen);
	if (!d)
		return NULL;
	d->fmt = fmt;
	gp_unpack_init(&d->u, &d->s, &xz_ops, below, name, in, XZ_IN_SIZE, GP_UNPACK_MAGIC_MAX);
	if (engine_start(d) != 0) {
		snprintf(errbuf, errlen, "%s", d->s.err);
		return NULL;
	}
	return &d->s;
}
