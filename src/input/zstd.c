/* zstd and lz4 decoding with libzstd and liblz4 directly, frame by frame,
 * through the member loop of unpack.c (as xz in xz.c, bzip2 in bz2.c).
 *
 * libarchive's zstd and lz4 filters drop everything they decoded into the
 * block they were filling when a stream fails: three whole frames and the
 * start of a fourth gave no line at all, a .zst followed by zero bytes lost
 * its last 128 KiB. Here every byte the codec decodes before a fault is
 * returned, then the error: as many lines as zstd -dc or lz4 -dc print from
 * the same bytes.
 *
 * Frames one after another are one stream, as with the codecs' own tools.
 * Skippable frames (magic 0x184D2A50..5F, the same in both formats) are
 * skipped; lz4's legacy format (lz4 -l) is decoded too. Neither format has
 * padding: whatever else follows a frame, zero bytes included, is "trailing
 * garbage after X data at byte N", N the offset just after the last whole
 * frame, and the run fails, as zstd -dc and lz4 -dc fail ("unsupported
 * format", "stream followed by undecodable data"). A cut frame is
 * "truncated X stream after N bytes", after every line decoded before it.
 *
 * Memory is bounded: the input buffer and the codec's state. A zstd frame
 * whose window is larger than 1 << ZSTD_WINDOWLOG_LIMIT_DEFAULT (128 MiB,
 * what zstd -d accepts without --long or --memory) is refused with a message
 * before anything is allocated for it; an lz4 frame needs at most two 4 MiB
 * blocks; the 16 MiB of an lz4 legacy block pair are allocated only when a
 * legacy stream is met. Codec state is reused from one frame to the next.
 */
#include "stream.h"
#include "unpack.h"

#include <stdio.h>
#include <string.h>

#include <lz4.h>
#define LZ4F_STATIC_LINKING_ONLY /* LZ4F_getErrorCode, to word the errors */
#include <lz4frame.h>
#include <zstd.h>
#include <zstd_errors.h>

#define ZF_IN_SIZE (128u * 1024u) /* compressed bytes per read from below */
#define ZF_HEAD_MAX 18		  /* the longest zstd frame header */
/* zstd's ZSTD_WINDOWLOG_LIMIT_DEFAULT (in its experimental API): the
 * largest window zstd -d accepts without --long or --memory. */
#define ZF_WINDOW_LOG 27
#define ZF_WINDOW_MAX (UINT64_C(1) << ZF_WINDOW_LOG)

#define MAGIC_ZSTD 0xFD2FB528u
#define MAGIC_LZ4 0x184D2204u
#define MAGIC_LZ4_LEGACY 0x184C2102u
#define MAGIC_SKIP 0x184D2A50u /* to 0x184D2A5F */
#define SKIP_MASK 0xFFFFFFF0u

/* lz4 -l: blocks of at most 8 MiB of data, each after its compressed size. */
#define LEGACY_BLOCK (8u << 20)
#define LEGACY_BOUND ((size_t)LZ4_COMPRESSBOUND(LEGACY_BLOCK))

enum { ZK_ZSTD, ZK_LZ4, ZK_LEGACY, ZK_SKIP }; /* the frame being read */

typedef struct zf {
	gp_unpack u; /* first: the shared member loop (name "zstd" or "lz4") */
	gp_stream s;
	gp_scope *scope; /* for the legacy buffers, allocated when needed */
	gp_format fmt;
	int kind;
	size_t hint; /* input the codec asked for last; 0 at a frame's start */
	bool full;   /* the codec filled the output last time: it may have more */
	uint64_t frame_at; /* offset of the frame being read */
	uint64_t skip_left;
	ZSTD_DCtx *zd;
	LZ4F_dctx *lz;
	/* lz4 legacy: a block being gathered (lg_in[0, lg_have) of lg_need),
	 * then its data handed out (lg_out[lg_off, lg_len)). */
	unsigned char *lg_in, *lg_out;
	size_t lg_need, lg_have, lg_off, lg_len;
	uint64_t lg_at; /* offset of the block's size field */
} zf;

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t in_offset(const zf *d)
{
	return gp_unpack_offset(&d->u);
}

static void consume(zf *d, size_t k)
{
	d->u.next += k;
	d->u.avail -= k;
}

static void engine_free(void *arg)
{
	zf *d = arg;
	ZSTD_freeDCtx(d->zd);
	if (d->lz)
		LZ4F_freeDecompressionContext(d->lz);
	d->zd = NULL;
	d->lz = NULL;
}

/* The window a zstd frame header asks for (p[0, n) from the magic on),
 * or 0 when the header is not all at hand or not valid (libzstd says why). */
static uint64_t zstd_window(const unsigned char *p, size_t n)
{
	if (n < 6)
		return 0;
	unsigned fhd = p[4];
	if (!(fhd & 0x20)) { /* a window descriptor */
		unsigned wd = p[5], log = 10 + (wd >> 3);
		uint64_t base = UINT64_C(1) << log;
		return base + (base / 8) * (wd & 7);
	}
	/* Single segment: the window is the content size. */
	static const unsigned did_len[4] = { 0, 1, 2, 4 }, fcs_len[4] = { 1, 2, 4, 8 };
	size_t at = 5 + did_len[fhd & 3], len = fcs_len[fhd >> 6];
	if (n < at + len)
		return 0;
	uint64_t v = 0;
	for (size_t i = len; i-- > 0;)
		v = v << 8 | p[at + i];
	return len == 2 ? v + 256 : v;
}

/* p[0, n), n < 4, is the start of a magic number this stream may hold. */
static bool magic_prefix(const zf *d, const unsigned char *p, size_t n)
{
	static const uint32_t magic[] = { MAGIC_SKIP, MAGIC_ZSTD, MAGIC_LZ4, MAGIC_LZ4_LEGACY };
	for (size_t i = 0; i < sizeof magic / sizeof magic[0]; i++) {
		if (i > 0 && (magic[i] == MAGIC_ZSTD) != (d->fmt == GP_FMT_ZSTD))
			continue;
		uint32_t mask = magic[i] == MAGIC_SKIP ? SKIP_MASK : 0xFFFFFFFFu;
		size_t k = 0;
		while (k < n && (p[k] & (mask >> (8 * k)) & 0xff) == ((magic[i] >> (8 * k)) & 0xff))
			k++;
		if (k == n)
			return true;
	}
	return false;
}

/* At the start of the input or after a frame: a frame begins (1), the input
 * ends cleanly (0), or an error (-1, s.err). */
static int next_frame(zf *d)
{
	gp_unpack *u = &d->u;
	bool first = u->state == GP_UNP_FIRST;
	while (u->avail < ZF_HEAD_MAX && !u->below_eof)
		if (gp_unpack_refill(u) < 0)
			return -1;
	if (u->avail == 0) {
		if (first) {
			gp_unpack_truncated(u);
			return -1;
		}
		return 0;
	}
	d->frame_at = in_offset(d);
	if (u->avail < 4) {
		if (magic_prefix(d, u->next, u->avail))
			gp_unpack_truncated(u);
		else if (first)
			gp_unpack_corrupt(u, d->frame_at, d->fmt == GP_FMT_ZSTD ? "not a valid zstd header"
										: "not a valid lz4 header");
		else
			gp_unpack_garbage(u);
		return -1;
	}
	uint32_t m = le32(u->next);
	if ((m & SKIP_MASK) == MAGIC_SKIP) {
		if (u->avail < 8) {
			gp_unpack_truncated(u);
			return -1;
		}
		d->skip_left = le32(u->next + 4);
		consume(d, 8);
		d->kind = ZK_SKIP;
		return 1;
	}
	if (d->fmt == GP_FMT_ZSTD && m == MAGIC_ZSTD) {
		uint64_t w = zstd_window(u->next, u->avail);
		if (w > ZF_WINDOW_MAX) {
			snprintf(u->err, u->errcap,
				 "zstd data at byte %llu needs %llu MiB of memory to decode, more than "
				 "the %llu MiB limit",
				 (unsigned long long)d->frame_at,
				 (unsigned long long)((w + (1u << 20) - 1) >> 20),
				 (unsigned long long)(ZF_WINDOW_MAX >> 20));
			return -1;
		}
		d->kind = ZK_ZSTD;
		d->hint = 0;
		return 1;
	}
	if (d->fmt == GP_FMT_LZ4 && m == MAGIC_LZ4) {
		d->kind = ZK_LZ4;
		d->hint = 0;
		return 1;
	}
	if (d->fmt == GP_FMT_LZ4 && m == MAGIC_LZ4_LEGACY) {
		if (!d->lg_in) {
			d->lg_in = gp_scope_alloc(d->scope, LEGACY_BOUND);
			d->lg_out = d->lg_in ? gp_scope_alloc(d->scope, LEGACY_BLOCK) : NULL;
			if (!d->lg_out) {
				d->lg_in = NULL;
				snprintf(u->err, u->errcap, "out of memory decoding lz4 data");
				return -1;
			}
		}
		consume(d, 4);
		d->lg_need = d->lg_have = d->lg_off = d->lg_len = 0;
		d->kind = ZK_LEGACY;
		return 1;
	}
	if (first)
		gp_unpack_corrupt(u, d->frame_at, d->fmt == GP_FMT_ZSTD ? "not a valid zstd header"
									: "not a valid lz4 header");
	else
		gp_unpack_garbage(u);
	return -1;
}

/* ---- the codecs ---- */

/* The input for one call of a codec that loses its positions when it
 * fails: libzstd and liblz4 return an error without saying what they
 * consumed or wrote in that call, so bytes decoded earlier in the same call
 * would be lost. A call is given what the codec asked for last (the rest of
 * a block and the next block's header) less that header, so it decodes at
 * most one block and a damaged header fails a call of its own; a call that
 * follows a full output buffer only flushes what is pending (no input). The
 * offset of a fault is where the call's input began: the start of the block
 * (or header) that failed. Asking for less than the hint only costs calls:
 * the codecs keep a partial block or header. */
static size_t call_input(const zf *d)
{
	/* Block headers: 3 bytes in zstd, 4 in lz4; the shortest frame headers
	 * (what is asked at a frame's start): 5 and 7 bytes. */
	size_t hdr = d->kind == ZK_ZSTD ? 3 : 4, start = d->kind == ZK_ZSTD ? 5 : 7;
	if (d->full)
		return 0;
	size_t want = d->hint > hdr ? d->hint - hdr : d->hint ? d->hint : start;
	return want < d->u.avail ? want : d->u.avail;
}

/* After a call that asked for HINT bytes next, consumed USED and wrote GOT
 * into ROOM: GP_UNP_END at the end of the frame, GP_UNP_OK, or -1 when a
 * flush found nothing pending and the input is to be given now. */
static int call_done(zf *d, size_t hint, size_t used, size_t got, size_t room, bool flush,
		     size_t *produced, size_t cap)
{
	*produced += got;
	consume(d, used);
	d->hint = hint;
	d->full = hint != 0 && got == room;
	if (hint == 0)
		return GP_UNP_END;
	if (!flush || d->full || *produced == cap)
		return GP_UNP_OK;
	return -1;
}

static int zstd_error(zf *d, size_t r, uint64_t at)
{
	switch (ZSTD_getErrorCode(r)) {
	case ZSTD_error_checksum_wrong:
		gp_unpack_checksum(&d->u, at);
		break;
	case ZSTD_error_memory_allocation:
		snprintf(d->u.err, d->u.errcap, "out of memory decoding zstd data");
		break;
	case ZSTD_error_corruption_detected:
		gp_unpack_corrupt(&d->u, at, "compressed data is corrupt");
		break;
	case ZSTD_error_prefix_unknown:
		gp_unpack_corrupt(&d->u, at, "not a valid zstd header");
		break;
	case ZSTD_error_dictionary_wrong:
		gp_unpack_corrupt(&d->u, at, "needs a dictionary");
		break;
	default:
		gp_unpack_corrupt(&d->u, at, ZSTD_getErrorName(r));
		break;
	}
	return GP_UNP_ERR;
}

static int run_zstd(zf *d, unsigned char *out, size_t cap, size_t *produced)
{
	*produced = 0;
	for (;;) {
		uint64_t at = in_offset(d);
		ZSTD_inBuffer in = { d->u.next, call_input(d), 0 };
		ZSTD_outBuffer o = { out + *produced, cap - *produced, 0 };
		bool flush = d->full;
		size_t r = ZSTD_decompressStream(d->zd, &o, &in);
		if (ZSTD_isError(r))
			return zstd_error(d, r, at);
		int e = call_done(d, r, in.pos, o.pos, o.size, flush, produced, cap);
		if (e >= 0)
			return e;
	}
}

static const char *lz4f_msg(size_t r)
{
	switch (LZ4F_getErrorCode(r)) {
	case LZ4F_ERROR_decompressionFailed:
		return "compressed data is corrupt";
	case LZ4F_ERROR_blockChecksum_invalid:
		return "block checksum mismatch";
	case LZ4F_ERROR_headerChecksum_invalid:
		return "header checksum mismatch";
	case LZ4F_ERROR_frameSize_wrong:
		return "frame size does not match its content";
	case LZ4F_ERROR_maxBlockSize_invalid:
		return "invalid block size";
	case LZ4F_ERROR_blockMode_invalid:
	case LZ4F_ERROR_contentChecksumFlag_invalid:
	case LZ4F_ERROR_headerVersion_wrong:
	case LZ4F_ERROR_reservedFlag_set:
	case LZ4F_ERROR_frameType_unknown:
		return "not a valid lz4 header";
	default:
		return LZ4F_getErrorName(r);
	}
}

static int run_lz4(zf *d, unsigned char *out, size_t cap, size_t *produced)
{
	*produced = 0;
	for (;;) {
		uint64_t at = in_offset(d);
		size_t dst = cap - *produced, src = call_input(d);
		bool flush = d->full;
		size_t r = LZ4F_decompress(d->lz, out + *produced, &dst, d->u.next, &src, NULL);
		if (LZ4F_isError(r)) {
			if (LZ4F_getErrorCode(r) == LZ4F_ERROR_contentChecksum_invalid)
				gp_unpack_checksum(&d->u, at);
			else if (LZ4F_getErrorCode(r) == LZ4F_ERROR_allocation_failed)
				snprintf(d->u.err, d->u.errcap, "out of memory decoding lz4 data");
			else
				gp_unpack_corrupt(&d->u, at, lz4f_msg(r));
			return GP_UNP_ERR;
		}
		int e = call_done(d, r, src, dst, cap - *produced, flush, produced, cap);
		if (e >= 0)
			return e;
	}
}

/* lz4 -l data: [size][block] ... until the end of the input or a size too
 * large to be one, which is the magic of the next frame (as lz4 reads it). */
static int run_legacy(zf *d, unsigned char *out, size_t cap, size_t *produced)
{
	gp_unpack *u = &d->u;
	*produced = 0;
	if (d->lg_off < d->lg_len) {
		size_t k = d->lg_len - d->lg_off < cap ? d->lg_len - d->lg_off : cap;
		memcpy(out, d->lg_out + d->lg_off, k);
		d->lg_off += k;
		*produced = k;
		return GP_UNP_OK;
	}
	if (d->lg_need == 0) {
		while (u->avail < 4 && !u->below_eof)
			if (gp_unpack_refill(u) < 0)
				return GP_UNP_ERR;
		if (u->avail == 0)
			return GP_UNP_END;
		if (u->avail < 4) {
			gp_unpack_truncated(u);
			return GP_UNP_ERR;
		}
		uint32_t n = le32(u->next);
		if (n > LEGACY_BOUND)
			return GP_UNP_END; /* the next frame's magic, left for next_frame */
		d->lg_at = in_offset(d);
		if (n == 0) {
			gp_unpack_corrupt(u, d->lg_at, "empty legacy block");
			return GP_UNP_ERR;
		}
		consume(d, 4);
		d->lg_need = n;
		d->lg_have = 0;
	}
	size_t k = d->lg_need - d->lg_have < u->avail ? d->lg_need - d->lg_have : u->avail;
	memcpy(d->lg_in + d->lg_have, u->next, k);
	consume(d, k);
	d->lg_have += k;
	if (d->lg_have < d->lg_need)
		return GP_UNP_OK; /* the loop reads on, or says the input ended */
	int r = LZ4_decompress_safe((const char *)d->lg_in, (char *)d->lg_out, (int)d->lg_need,
				    (int)LEGACY_BLOCK);
	d->lg_need = 0;
	if (r < 0) {
		gp_unpack_corrupt(u, d->lg_at, "compressed data is corrupt");
		return GP_UNP_ERR;
	}
	d->lg_off = 0;
	d->lg_len = (size_t)r;
	return GP_UNP_OK;
}

static int run_skip(zf *d, size_t *produced)
{
	*produced = 0;
	size_t k = d->skip_left < d->u.avail ? (size_t)d->skip_left : d->u.avail;
	consume(d, k);
	d->skip_left -= k;
	return d->skip_left == 0 ? GP_UNP_END : GP_UNP_OK;
}

/* ---- the member loop's callbacks ---- */

static int op_next(gp_unpack *u)
{
	return next_frame((zf *)u);
}

static int op_run(gp_unpack *u, unsigned char *out, size_t cap, size_t *produced)
{
	zf *d = (zf *)u;
	switch (d->kind) {
	case ZK_ZSTD:
		return run_zstd(d, out, cap, produced);
	case ZK_LZ4:
		return run_lz4(d, out, cap, produced);
	case ZK_LEGACY:
		return run_legacy(d, out, cap, produced);
	default:
		return run_skip(d, produced);
	}
}

static const gp_unpack_ops zf_ops = { op_next, op_run, gp_unpack_offset };

gp_stream *gp_zstd_open(gp_scope *scope, gp_stream *below, gp_format fmt, char *errbuf,
			size_t errlen)
{
	if (fmt != GP_FMT_ZSTD && fmt != GP_FMT_LZ4) {
		snprintf(errbuf, errlen, "%s is not zstd or lz4", gp_format_name(fmt));
		return NULL;
	}
	const char *name = gp_format_name(fmt);
	unsigned char *in;
	zf *d = gp_unpack_new(scope, sizeof *d, ZF_IN_SIZE, engine_free, &in, name, errbuf, errlen);
	if (!d)
		return NULL;
	if (fmt == GP_FMT_ZSTD) {
		if (!(d->zd = ZSTD_createDCtx()))
			goto nomem;
		/* The default, said out loud: the window check above relies on it. */
		if (ZSTD_isError(ZSTD_DCtx_setParameter(d->zd, ZSTD_d_windowLogMax,
							 ZF_WINDOW_LOG)))
			goto nomem;
	} else if (LZ4F_isError(LZ4F_createDecompressionContext(&d->lz, LZ4F_VERSION))) {
		d->lz = NULL;
		goto nomem;
	}
	d->scope = scope;
	d->fmt = fmt;
	gp_unpack_init(&d->u, &d->s, &zf_ops, below, name, in, ZF_IN_SIZE, ZF_HEAD_MAX);
	return &d->s;
nomem:
	snprintf(errbuf, errlen, "cannot start %s decoder: out of memory", name);
	return NULL;
}
