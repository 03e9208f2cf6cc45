/* gzip and zlib decoding: one stream layer over the compressed bytes below.
 *
 * Concatenated gzip members are one stream, as with zcat; a run of NUL bytes
 * after the last member is padding and is ignored, as gzip does; anything
 * else after a member is an error. Inflate is ISA-L's igzip when built with
 * -DGP_HAVE_ISAL (2-3x faster than zlib here), zlib otherwise; both give the
 * same messages but for the detail after "corrupt gzip data at byte N: ".
 *
 * On a large input whose bottom layer is a regular file (kind "file": its
 * reads never block for long and call nothing back), inflate moves to a
 * second thread after the first GZ_THREAD_AFTER bytes of output, so it
 * overlaps with the caller's stages; the reader then copies out of a ring of
 * GZ_RING_N buffers. Only the worker touches the decoder (and the streams
 * below) while it runs; releasing the scope stops and joins it. Errors come
 * out after the good bytes, in order. -DGP_GZIP_NO_THREADS leaves it out.
 */
#include "stream.h"
#include "unpack.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#ifdef GP_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#define GZ_IN_SIZE (128u * 1024u)     /* compressed bytes per read from below */
#define GZ_RING_N 4		      /* buffers between the worker and the reader */
#define GZ_RING_SIZE (128u * 1024u)   /* bytes per buffer: 512 KiB in all keeps the
					 * threaded mode within 1 MiB of the plain one */
#define GZ_THREAD_AFTER (4u << 20)    /* go threaded after this much output */

/* The decoder proper: everything the worker thread owns while it runs. */
typedef struct gz_dec {
	gp_unpack u; /* first: the shared member loop (name "gzip" or "zlib") */
	bool zlib_format;
	char err[256];
#ifdef GP_HAVE_ISAL
	struct inflate_state *isal;
	bool hdr_done; /* the member's header is read */
	struct isal_gzip_header ghdr;
	struct isal_zlib_header zhdr;
#else
	z_stream z;
#endif
} gz_dec;

typedef struct gz_slot {
	unsigned char *buf;
	size_t len;
	uint64_t pos; /* the decoder's in_total when the slot was filled */
} gz_slot;

typedef struct gz {
	gp_stream s;
	gz_dec d;
	bool can_thread;
	/* Threaded mode. Slots [head, head + count) are full and belong to the
	 * reader; the others belong to the worker. */
	bool threaded;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv_full, cv_free;
	bool sync_init;
	gz_slot ring[GZ_RING_N];
	unsigned head, count, tail;
	size_t off; /* reader's offset in ring[head] */
	bool stop, fin;
	int fin_status; /* 0 (end) or -1 (error in d.err) */
} gz;

/* ---- input ---- */

/* Offset in the compressed input of the next byte the engine will use. */
static uint64_t in_offset(const gz_dec *d)
{
	uint64_t off = d->u.in_total - d->u.avail;
#ifdef GP_HAVE_ISAL
	uint64_t held = (uint64_t)(d->isal->read_in_length > 0 ? d->isal->read_in_length / 8 : 0);
	off = off >= held ? off - held : 0;
#endif
	return off;
}

static void set_corrupt(gz_dec *d, const char *msg)
{
	gp_unpack_corrupt(&d->u, in_offset(d), msg);
}

static void set_checksum(gz_dec *d)
{
	snprintf(d->err, sizeof d->err, "%s checksum mismatch at byte %llu", d->u.name,
		 (unsigned long long)in_offset(d));
}

/* ---- the inflate engine: ISA-L or zlib ---- */

#ifdef GP_HAVE_ISAL

/* Member headers are read here with isal_read_gzip_header into a header
 * struct that lives across calls: isal_inflate's own header parsing keeps
 * its flags in a local and loses them when a header spans two input buffers
 * (ISA-L 2.30). The deflate data then goes to isal_inflate with
 * *_NO_HDR_VER, which still checks the trailer. */
static void engine_member(gz_dec *d)
{
	d->hdr_done = false;
	memset(&d->ghdr, 0, sizeof d->ghdr);
	isal_gzip_header_init(&d->ghdr);
	memset(&d->zhdr, 0, sizeof d->zhdr);
}

static int engine_init(gz_dec *d, gp_scope *scope)
{
	d->isal = gp_scope_alloc(scope, sizeof *d->isal);
	if (!d->isal)
		return -1;
	isal_inflate_init(d->isal);
	engine_member(d);
	return 0;
}

static void engine_reset(gz_dec *d)
{
	isal_inflate_reset(d->isal);
	engine_member(d);
}

static const char *isal_msg(int r)
{
	switch (r) {
	case ISAL_INVALID_BLOCK:
		return "invalid block";
	case ISAL_INVALID_SYMBOL:
		return "invalid code";
	case ISAL_INVALID_LOOKBACK:
		return "invalid distance too far back";
	case ISAL_INVALID_WRAPPER:
		return "incorrect header check";
	case ISAL_UNSUPPORTED_METHOD:
		return "unknown compression method";
	case ISAL_NEED_DICT:
		return "preset dictionary needed";
	case ISAL_INCORRECT_CHECKSUM:
		return "header crc mismatch";
	default:
		return "invalid data";
	}
}

/* Inflates into out; *produced is set. GP_UNP_END at the end of a member. */
static int engine_run(gz_dec *d, unsigned char *out, size_t cap, size_t *produced)
{
	struct inflate_state *st = d->isal;
	uint32_t in_n = d->u.avail > UINT32_MAX ? UINT32_MAX : (uint32_t)d->u.avail;
	uint32_t out_n = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
	st->next_in = (uint8_t *)d->u.next;
	st->avail_in = in_n;
	st->next_out = out;
	st->avail_out = out_n;
	*produced = 0;
	int r = ISAL_DECOMP_OK;
	if (!d->hdr_done) {
		r = d->zlib_format ? isal_read_zlib_header(st, &d->zhdr)
				   : isal_read_gzip_header(st, &d->ghdr);
		if (r == ISAL_DECOMP_OK && d->zlib_format && d->zhdr.dict_flag)
			r = ISAL_NEED_DICT;
		if (r == ISAL_DECOMP_OK) {
			d->hdr_done = true;
			st->crc_flag = d->zlib_format ? ISAL_ZLIB_NO_HDR_VER : ISAL_GZIP_NO_HDR_VER;
		}
	}
	if (d->hdr_done && r == ISAL_DECOMP_OK)
		r = isal_inflate(st);
	*produced = out_n - st->avail_out;
	d->u.next += in_n - st->avail_in;
	d->u.avail -= in_n - st->avail_in;
	if (r == ISAL_INCORRECT_CHECKSUM && d->hdr_done) {
		set_checksum(d);
		return GP_UNP_ERR;
	}
	if (r < 0 || r == ISAL_NEED_DICT) {
		set_corrupt(d, isal_msg(r));
		return GP_UNP_ERR;
	}
	if (d->hdr_done && st->block_state == ISAL_BLOCK_FINISH) {
		/* The trailer is consumed; bytes it read ahead go back. */
		if (st->read_in_length >= 8) {
			size_t back = (size_t)st->read_in_length / 8;
			if (back > (size_t)(d->u.next - d->u.in))
				back = (size_t)(d->u.next - d->u.in);
			d->u.next -= back;
			d->u.avail += back;
			st->read_in_length = 0;
			st->read_in = 0;
		}
		return GP_UNP_END;
	}
	return GP_UNP_OK;
}

#else /* zlib */

static void engine_free(void *arg)
{
	inflateEnd(arg);
}

static int engine_init(gz_dec *d, gp_scope *scope)
{
	if (inflateInit2(&d->z, d->zlib_format ? 15 : 15 + 16) != Z_OK)
		return -1;
	return gp_scope_defer(scope, engine_free, &d->z);
}

static void engine_reset(gz_dec *d)
{
	inflateReset(&d->z);
}

static int engine_run(gz_dec *d, unsigned char *out, size_t cap, size_t *produced)
{
	uInt in_n = d->u.avail > UINT_MAX ? UINT_MAX : (uInt)d->u.avail;
	uInt out_n = cap > UINT_MAX ? UINT_MAX : (uInt)cap;
	d->z.next_in = (Bytef *)d->u.next;
	d->z.avail_in = in_n;
	d->z.next_out = out;
	d->z.avail_out = out_n;
	int r = inflate(&d->z, Z_NO_FLUSH);
	*produced = out_n - d->z.avail_out;
	d->u.next += in_n - d->z.avail_in;
	d->u.avail -= in_n - d->z.avail_in;
	switch (r) {
	case Z_STREAM_END:
		return GP_UNP_END;
	case Z_OK:
	case Z_BUF_ERROR:
		return GP_UNP_OK;
	case Z_NEED_DICT:
		set_corrupt(d, "preset dictionary needed");
		return GP_UNP_ERR;
	case Z_MEM_ERROR:
		snprintf(d->err, sizeof d->err, "out of memory");
		return GP_UNP_ERR;
	default:
		if (d->z.msg && (strcmp(d->z.msg, "incorrect data check") == 0 ||
				 strcmp(d->z.msg, "incorrect length check") == 0))
			set_checksum(d);
		else
			set_corrupt(d, d->z.msg ? d->z.msg : "invalid data");
		return GP_UNP_ERR;
	}
}

#endif

/* ---- members ---- */

/* After a member: another member (1), the end (0, NUL padding skipped), or
 * trailing garbage (-1). */
static int next_member(gz_dec *d)
{
	bool padding = false;
	for (;;) {
		if (d->u.avail == 0) {
			int r = gp_unpack_refill(&d->u);
			if (r < 0)
				return -1;
			if (r == 0)
				return 0;
		}
		if (d->zlib_format) {
			gp_unpack_garbage(&d->u);
			return -1;
		}
		if (!padding && d->u.next[0] == 0x1f) {
			if (d->u.avail < 2 && gp_unpack_refill(&d->u) < 0)
				return -1;
			if (d->u.avail >= 2 && d->u.next[1] == 0x8b) {
				engine_reset(d);
				return 1;
			}
			gp_unpack_garbage(&d->u);
			return -1;
		}
		if (d->u.next[0] != 0) {
			gp_unpack_garbage(&d->u);
			return -1;
		}
		padding = true;
		while (d->u.avail && d->u.next[0] == 0) {
			d->u.next++;
			d->u.avail--;
		}
	}
}

static int op_next(gp_unpack *u)
{
	return next_member((gz_dec *)u);
}

static int op_run(gp_unpack *u, unsigned char *out, size_t cap, size_t *produced)
{
	return engine_run((gz_dec *)u, out, cap, produced);
}

static uint64_t op_offset(const gp_unpack *u)
{
	return in_offset((const gz_dec *)u);
}

static const gp_unpack_ops gz_ops = { op_next, op_run, op_offset };

/* ---- threaded mode ---- */

static void *worker(void *arg)
{
	gz *g = arg;
	for (;;) {
		pthread_mutex_lock(&g->mu);
		while (g->count == GZ_RING_N && !g->stop)
			pthread_cond_wait(&g->cv_free, &g->mu);
		if (g->stop) {
			pthread_mutex_unlock(&g->mu);
			return NULL;
		}
		gz_slot *sl = &g->ring[g->tail];
		pthread_mutex_unlock(&g->mu);

		ssize_t r = gp_unpack_read(&g->d.u, sl->buf, GZ_RING_SIZE);

		pthread_mutex_lock(&g->mu);
		if (r > 0) {
			sl->len = (size_t)r;
			sl->pos = g->d.u.in_total;
			g->tail = (g->tail + 1) % GZ_RING_N;
			g->count++;
		} else {
			g->fin = true;
			g->fin_status = r < 0 ? -1 : 0;
		}
		pthread_cond_signal(&g->cv_full);
		pthread_mutex_unlock(&g->mu);
		if (r <= 0)
			return NULL;
	}
}

static ssize_t ring_read(gz *g, char *dst, size_t cap)
{
	size_t n = 0;
	pthread_mutex_lock(&g->mu);
	while (g->count == 0 && !g->fin)
		pthread_cond_wait(&g->cv_full, &g->mu);
	while (n < cap && g->count > 0) {
		gz_slot *sl = &g->ring[g->head];
		pthread_mutex_unlock(&g->mu);
		/* A full slot is ours until count drops: copy without the lock. */
		size_t k = sl->len - g->off;
		if (k > cap - n)
			k = cap - n;
		memcpy(dst + n, sl->buf + g->off, k);
		n += k;
		g->off += k;
		g->s.pos = sl->pos;
		pthread_mutex_lock(&g->mu);
		if (g->off == sl->len) {
			g->off = 0;
			g->head = (g->head + 1) % GZ_RING_N;
			g->count--;
			pthread_cond_signal(&g->cv_free);
		}
	}
	int fin_status = g->fin && g->count == 0 ? g->fin_status : 1;
	pthread_mutex_unlock(&g->mu);
	if (n > 0)
		return (ssize_t)n;
	if (fin_status < 0) {
		/* The worker has finished: its err is safe to read. */
		memcpy(g->s.err, g->d.err, sizeof g->s.err);
		return -1;
	}
	return 0;
}

static void stop_thread(void *arg)
{
	gz *g = arg;
	if (g->threaded) {
		pthread_mutex_lock(&g->mu);
		g->stop = true;
		pthread_cond_broadcast(&g->cv_free);
		pthread_mutex_unlock(&g->mu);
		pthread_join(g->th, NULL);
		g->threaded = false;
	}
	for (int i = 0; i < GZ_RING_N; i++) {
		free(g->ring[i].buf);
		g->ring[i].buf = NULL;
	}
	if (g->sync_init) {
		pthread_cond_destroy(&g->cv_free);
		pthread_cond_destroy(&g->cv_full);
		pthread_mutex_destroy(&g->mu);
		g->sync_init = false;
	}
}

/* Hands the decoder to a worker thread. On failure the reader goes on
 * inline; what was set up is released by stop_thread at unwind. */
static void start_thread(gz *g)
{
	g->can_thread = false;
	for (int i = 0; i < GZ_RING_N; i++)
		if (!(g->ring[i].buf = malloc(GZ_RING_SIZE)))
			return;
	if (pthread_mutex_init(&g->mu, NULL) != 0)
		return;
	if (pthread_cond_init(&g->cv_full, NULL) != 0) {
		pthread_mutex_destroy(&g->mu);
		return;
	}
	if (pthread_cond_init(&g->cv_free, NULL) != 0) {
		pthread_cond_destroy(&g->cv_full);
		pthread_mutex_destroy(&g->mu);
		return;
	}
	g->sync_init = true;
	/* Signals go to the main thread, whose reads and writes they interrupt. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&g->th, NULL, worker, g) == 0)
		g->threaded = true;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* True when the bottom of the chain is a regular file: reading it never
 * blocks for long and calls nothing back into the caller, so another
 * thread may do it. The fd layer says so with kind "file". */
static bool bottom_is_file(const gp_stream *s)
{
	while (s->below)
		s = s->below;
	return s->kind && strcmp(s->kind, "file") == 0;
}

/* ---- the stream ---- */

static ssize_t gz_read(gp_stream *s, char *dst, size_t cap)
{
	gz *g = s->impl;
	if (g->threaded)
		return ring_read(g, dst, cap);
	if (g->can_thread && g->d.u.out_total >= GZ_THREAD_AFTER && !g->d.u.pending &&
	    (g->d.u.state == GP_UNP_MEMBER || g->d.u.state == GP_UNP_BETWEEN)) {
		start_thread(g);
		if (g->threaded)
			return ring_read(g, dst, cap);
	}
	ssize_t r = gp_unpack_read(&g->d.u, (unsigned char *)dst, cap);
	s->pos = g->d.u.in_total;
	if (r < 0)
		memcpy(s->err, g->d.err, sizeof s->err);
	return r;
}

/* -DGP_GZIP_NO_THREADS leaves it out; GPIPE_GZIP_THREAD=0 turns it off. */
static bool threads_wanted(void)
{
#ifdef GP_GZIP_NO_THREADS
	return false;
#else
	const char *e = getenv("GPIPE_GZIP_THREAD");
	return !(e && strcmp(e, "0") == 0);
#endif
}

gp_stream *gp_gzip_open(gp_scope *scope, gp_stream *below, bool zlib_format, char *errbuf,
			size_t errlen)
{
	gz *g = gp_scope_alloc(scope, sizeof *g);
	unsigned char *in = g ? gp_scope_alloc(scope, GZ_IN_SIZE) : NULL;
	if (!in)
		goto nomem;
	gz_dec *d = &g->d;
	d->u = (gp_unpack){ .ops = &gz_ops, .below = below, .name = zlib_format ? "zlib" : "gzip",
			    .err = d->err, .errcap = sizeof d->err, .in = in, .in_size = GZ_IN_SIZE,
			    .between_min = 1, .next = in, .state = GP_UNP_MEMBER };
	d->zlib_format = zlib_format;
	if (engine_init(d, scope) != 0)
		goto nomem;
	g->can_thread = threads_wanted() && bottom_is_file(below);
	if (gp_scope_defer(scope, stop_thread, g) != 0)
		goto nomem;
	g->s.read = gz_read;
	g->s.impl = g;
	g->s.below = below;
	g->s.kind = d->u.name;
	return &g->s;
nomem:
	snprintf(errbuf, errlen, "cannot start %s decoder: out of memory",
		 zlib_format ? "zlib" : "gzip");
	return NULL;
}
