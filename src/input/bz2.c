/* bzip2 decoding with libbz2 directly.
 *
 * libarchive drops the block it was filling when a stream fails (a whole
 * bzip2 block); here every byte libbz2 decodes before a fault is returned,
 * then the error: as many lines as bzip2 -dc prints from the same bytes.
 *
 * Concatenated streams are one stream, as with bzcat. Streams are decoded
 * one at a time through unpack.c (so the end of the last whole one is
 * known); a run of NUL bytes of any length after a stream is padding, as for
 * gzip (gp_unpack_next_stream). Anything else after a stream is "trailing
 * garbage after bzip2 data at byte N", N the offset just after the last
 * whole stream.
 *
 * Memory is bounded: the input buffer and libbz2's state, nothing allocated
 * per read.
 */
#include "stream.h"
#include "unpack.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <bzlib.h>

#define BZ_IN_SIZE (128u * 1024u) /* compressed bytes per read from below */

typedef struct bz2 {
	gp_unpack u; /* first: the shared member loop (name "bzip2") */
	gp_stream s;
	bool init;
	bz_stream bz;
} bz2;

static void engine_free(void *arg)
{
	bz2 *d = arg;
	if (d->init)
		BZ2_bzDecompressEnd(&d->bz);
	d->init = false;
}

/* Sets the codec up for a stream (again). 0, or -1 with s.err set. */
static int engine_start(bz2 *d)
{
	engine_free(d);
	memset(&d->bz, 0, sizeof d->bz);
	int r = BZ2_bzDecompressInit(&d->bz, 0, 0);
	if (r != BZ_OK) {
		snprintf(d->s.err, sizeof d->s.err, "cannot start bzip2 decoder: %s",
			 r == BZ_MEM_ERROR ? "out of memory" : "libbz2 error");
		return -1;
	}
	d->init = true;
	return 0;
}

/* Decodes into out; *produced is set. GP_UNP_END at the end of a stream. */
static int op_run(gp_unpack *u, unsigned char *out, size_t cap, size_t *produced)
{
	bz2 *d = (bz2 *)u;
	unsigned in_n = u->avail > UINT_MAX ? UINT_MAX : (unsigned)u->avail;
	unsigned out_n = cap > UINT_MAX ? UINT_MAX : (unsigned)cap;
	d->bz.next_in = (char *)u->next;
	d->bz.avail_in = in_n;
	d->bz.next_out = (char *)out;
	d->bz.avail_out = out_n;
	int r = BZ2_bzDecompress(&d->bz);
	*produced = out_n - d->bz.avail_out;
	u->next += in_n - d->bz.avail_in;
	u->avail -= in_n - d->bz.avail_in;
	switch (r) {
	case BZ_OK:
		return GP_UNP_OK;
	case BZ_STREAM_END:
		return GP_UNP_END;
	case BZ_DATA_ERROR_MAGIC:
		gp_unpack_corrupt(u, gp_unpack_offset(u), "not a valid bzip2 header");
		return GP_UNP_ERR;
	case BZ_MEM_ERROR:
		snprintf(d->s.err, sizeof d->s.err, "out of memory decoding bzip2 data");
		return GP_UNP_ERR;
	case BZ_DATA_ERROR:
		gp_unpack_corrupt(u, gp_unpack_offset(u), "data integrity error");
		return GP_UNP_ERR;
	default:
		gp_unpack_corrupt(u, gp_unpack_offset(u), "libbz2 error");
		return GP_UNP_ERR;
	}
}

/* At the start of the input or after a stream (see gp_unpack_next_stream);
 * the decoder is set up again for every stream after the first. */
static int op_next(gp_unpack *u)
{
	bool first = u->state == GP_UNP_FIRST;
	int r = gp_unpack_next_stream(u, GP_FMT_BZIP2, false);
	if (r == 1 && !first && engine_start((bz2 *)u) != 0)
		return -1;
	return r;
}

static const gp_unpack_ops bz2_ops = { op_next, op_run, gp_unpack_offset };

gp_stream *gp_bzip2_open(gp_scope *scope, gp_stream *below, gp_format fmt, char *errbuf,
			 size_t errlen)
{
	if (fmt != GP_FMT_BZIP2) {
		snprintf(errbuf, errlen, "%s is not bzip2", gp_format_name(fmt));
		return NULL;
	}
	unsigned char *in;
	bz2 *d = gp_unpack_new(scope, sizeof *d, BZ_IN_SIZE, engine_free, &in, "bzip2", errbuf,
			       errlen);
	if (!d)
		return NULL;
	gp_unpack_init(&d->u, &d->s, &bz2_ops, below, "bzip2", in, BZ_IN_SIZE, GP_UNPACK_MAGIC_MAX);
	if (engine_start(d) != 0) {
		snprintf(errbuf, errlen, "%s", d->s.err);
		return NULL;
	}
	return &d->s;
}
