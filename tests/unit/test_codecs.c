/* Unit tests for src/input: detection, gzip/zlib, the compression filters
 * (xz, lzma, bzip2, zstd, lz4) and archives, over in-memory streams. TAP
 * output.
 *
 *   gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Isrc tests/unit/test_codecs.c \
 *       src/input/detect.c src/input/gzip.c src/input/filter.c src/input/xz.c \
 *       src/input/bz2.c src/input/zstd.c src/input/unpack.c src/input/archive.c \
 *       src/input/fd.c src/core/scope.c src/core/tmpfile.c src/core/batch.c \
 *       $(pkg-config --cflags --libs zlib libarchive liblzma libzstd liblz4) -lbz2 -o test_codecs
 *   (add -DGP_HAVE_ISAL ... -lisal, or -DGP_GZIP_THREADS, as the build does;
 *   `make` links it with every object but main's)
 *
 * Fixtures for bzip2, xz, lzma, zstd, lz4, zip, cpio, ar, 7z and ISO 9660 are
 * made at test time with the command-line tools when they are installed
 * (bsdtar, bzip2, xz, zstd, lz4); what cannot be made is skipped. gzip, zlib
 * and tar fixtures are built here.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "../../src/input/layers.h"
#include "../../src/input/stream.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lz4.h>
#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>
#include "tap.h"

/* ---- TAP (ok, skip: tap.h) ---- */

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ---- buffers ---- */

typedef struct buf {
	unsigned char *p;
	size_t n, cap;
} buf;

static void put(buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void putz(buf *b, size_t n)
{
	static const unsigned char z[512];
	while (n) {
		size_t k = n < sizeof z ? n : sizeof z;
		put(b, z, k);
		n -= k;
	}
}

static void bfree(buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* ---- an in-memory stream: the fd layer of a regular file ---- */

typedef struct mem {
	gp_stream s;
	const unsigned char *p;
	size_t n, off;
	size_t chunk;	 /* most bytes one read gives */
	bool fail_at_end; /* -1 with "read error: boom" instead of 0 */
} mem;

static ssize_t mem_read(gp_stream *s, char *dst, size_t cap)
{
	mem *m = s->impl;
	size_t k = m->n - m->off;
	if (k > cap)
		k = cap;
	if (k > m->chunk)
		k = m->chunk;
	if (k == 0 && m->fail_at_end) {
		snprintf(s->err, sizeof s->err, "read error: boom");
		return -1;
	}
	memcpy(dst, m->p + m->off, k);
	m->off += k;
	s->pos += k;
	return (ssize_t)k;
}

static gp_stream *mem_open(mem *m, const void *p, size_t n, size_t chunk)
{
	memset(m, 0, sizeof *m);
	m->s.read = mem_read;
	m->s.impl = m;
	m->s.kind = "file";
	m->p = p;
	m->n = n;
	m->chunk = chunk ? chunk : SIZE_MAX;
	return &m->s;
}

/* Reads a stream to its end in reads of at most cap bytes. Returns the last
 * status (0 or -1); the bytes are in *out, the message in s->err. */
static ssize_t drain(gp_stream *s, buf *out, size_t cap)
{
	char *tmp = malloc(cap);
	ssize_t r;
	while ((r = s->read(s, tmp, cap)) > 0) {
		if ((size_t)r > cap) {
			r = -2;
			break;
		}
		put(out, tmp, (size_t)r);
	}
	free(tmp);
	return r;
}

/* ---- data ---- */

static uint64_t rng = 88172645463325252ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A log-like text of n bytes. */
static void make_log(buf *b, size_t n)
{
	static const char *lv[] = { "INFO ", "DEBUG", "WARN ", "ERROR" };
	static const char *msg[] = { "GET /api/users", "cache refresh done", "order created",
				     "timeout talking to payments", "login succeeded" };
	char line[160];
	size_t start = b->n;
	for (uint64_t i = 0; b->n - start < n; i++) {
		uint64_t r = next_rand();
		int k = snprintf(line, sizeof line, "2024-06-01T12:%02u:%02u.%03uZ %s [w-%u] %s id=%llu\n",
				 (unsigned)(i / 60 % 60), (unsigned)(i % 60), (unsigned)(r % 1000),
				 lv[r >> 20 & 3], (unsigned)(r >> 24 & 15), msg[(r >> 30) % 5],
				 (unsigned long long)(r >> 40));
		size_t want = n - (b->n - start);
		put(b, line, (size_t)k < want ? (size_t)k : want);
	}
}

/* gzip (wbits 31) or zlib (15) of p with zlib. */
static void deflate_to(buf *out, const void *p, size_t n, int wbits, int level)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, level, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	unsigned char tmp[65536];
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	int r;
	do {
		z.next_out = tmp;
		z.avail_out = sizeof tmp;
		r = deflate(&z, Z_FINISH);
		put(out, tmp, sizeof tmp - z.avail_out);
	} while (r == Z_OK);
	if (r != Z_STREAM_END)
		abort();
	deflateEnd(&z);
}

/* What zlib alone inflates from a (possibly damaged) gzip prefix. */
static size_t inflate_prefix(const unsigned char *p, size_t n)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	inflateInit2(&z, 31);
	unsigned char tmp[65536];
	size_t out = 0;
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	int r;
	do {
		z.next_out = tmp;
		z.avail_out = sizeof tmp;
		r = inflate(&z, Z_SYNC_FLUSH);
		out += sizeof tmp - z.avail_out;
	} while (r == Z_OK && z.avail_out == 0);
	inflateEnd(&z);
	return out;
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- gzip / zlib ---- */

/* At a truncation, ISA-L stops before the last symbol whose code is whole
 * but shorter than its lookup (at most one match, 258 bytes); zlib gives
 * every byte. */
#ifdef GP_HAVE_ISAL
#define ISAL_SLACK 258
#else
#define ISAL_SLACK 0
#endif

typedef struct result {
	buf out;
	ssize_t r;
	char err[256];
} result;

static void gz_run(result *res, const void *p, size_t n, bool zlib, size_t chunk, size_t cap)
{
	gp_scope sc;
	gp_scope_init(&sc);
	mem m;
	char eb[256];
	memset(res, 0, sizeof *res);
	gp_stream *g = gp_gzip_open(&sc, mem_open(&m, p, n, chunk), zlib, eb, sizeof eb);
	if (!g) {
		res->r = -3;
		snprintf(res->err, sizeof res->err, "open: %.200s", eb);
	} else {
		res->r = drain(g, &res->out, cap);
		if (res->r < 0)
			memcpy(res->err, g->err, sizeof res->err);
	}
	gp_scope_unwind(&sc);
}

static bool same(const buf *a, const buf *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

static bool is_prefix(const buf *out, const buf *orig)
{
	return out->n <= orig->n && (out->n == 0 || memcmp(out->p, orig->p, out->n) == 0);
}

static void test_gzip(void)
{
	buf text = { 0 }, gz = { 0 };
	make_log(&text, 3u << 20);
	deflate_to(&gz, text.p, text.n, 31, 6);
	result res;

	static const size_t chunks[] = { 1, 3, 4096, 0 };
	static const size_t caps[] = { 1, 7, 65536, 262144 };
	for (int i = 0; i < 4; i++) {
		size_t small = chunks[i] == 1 || caps[i] == 1;
		const buf *in = &gz;
		buf part = { 0 }, ptext = { 0 };
		if (small) { /* byte at a time over all of it is slow: 64 KiB */
			put(&ptext, text.p, 65536);
			deflate_to(&part, ptext.p, ptext.n, 31, 6);
			in = &part;
		}
		gz_run(&res, in->p, in->n, false, chunks[i], caps[i]);
		ok(res.r == 0 && same(&res.out, small ? &ptext : &text),
		   "gzip round trip, input chunks of %zu, reads of %zu (%zu bytes) %s", chunks[i],
		   caps[i], res.out.n, res.err);
		bfree(&res.out);
		bfree(&part);
		bfree(&ptext);
	}

	/* Concatenated members, an empty one among them, are one stream. */
	buf multi = { 0 }, want = { 0 };
	for (int i = 0; i < 4; i++) {
		size_t len = i == 2 ? 0 : 1000 + 70000 * (size_t)i;
		buf one = { 0 };
		deflate_to(&one, text.p + 100 * i, len, 31, i + 1);
		put(&multi, one.p, one.n);
		put(&want, text.p + 100 * i, len);
		bfree(&one);
	}
	gz_run(&res, multi.p, multi.n, false, 0, 65536);
	ok(res.r == 0 && same(&res.out, &want), "multi-member gzip (4 members, one empty): %zu bytes %s",
	   res.out.n, res.err);
	bfree(&res.out);
	gz_run(&res, multi.p, multi.n, false, 1, 3);
	ok(res.r == 0 && same(&res.out, &want), "multi-member gzip, byte by byte");
	bfree(&res.out);

	/* Headers with every optional field (extra, name, comment, header CRC),
	 * in members cut into pieces that split the headers. */
	{
		buf hm = { 0 }, hwant = { 0 };
		for (int i = 0; i < 3; i++) {
			z_stream z;
			memset(&z, 0, sizeof z);
			deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
			static unsigned char extra[300] = "xx";
			gz_header h;
			memset(&h, 0, sizeof h);
			h.extra = extra;
			h.extra_len = i == 1 ? 300 : 7;
			h.name = (Bytef *)"a-rather-long-name-for-the-member.log";
			h.comment = (Bytef *)(i == 2 ? "" : "made by test_codecs, with a comment");
			h.hcrc = 1;
			deflateSetHeader(&z, &h);
			unsigned char tmp[65536];
			z.next_in = (Bytef *)text.p + i;
			z.avail_in = 5000;
			z.next_out = tmp;
			z.avail_out = sizeof tmp;
			if (deflate(&z, Z_FINISH) != Z_STREAM_END)
				abort();
			put(&hm, tmp, sizeof tmp - z.avail_out);
			put(&hwant, text.p + i, 5000);
			deflateEnd(&z);
		}
		static const size_t pieces[] = { 0, 1, 5, 13, 64 };
		for (int k = 0; k < 5; k++) {
			gz_run(&res, hm.p, hm.n, false, pieces[k], 4096);
			ok(res.r == 0 && same(&res.out, &hwant),
			   "gzip headers with extra, name, comment and CRC, input in pieces of %zu %s",
			   pieces[k], res.err);
			bfree(&res.out);
		}
		hm.p[10] ^= 1; /* extra length: the header CRC no longer matches */
		gz_run(&res, hm.p, hm.n, false, 0, 4096);
		ok(res.r == -1 && starts(res.err, "corrupt gzip data at byte "),
		   "a header with a bad CRC: '%s'", res.err);
		bfree(&res.out);
		bfree(&hm);
		bfree(&hwant);
	}

	/* gzip of an empty file. */
	buf empty = { 0 };
	deflate_to(&empty, "", 0, 31, 6);
	gz_run(&res, empty.p, empty.n, false, 0, 4096);
	ok(res.r == 0 && res.out.n == 0, "gzip of an empty file gives nothing, no error %s", res.err);
	bfree(&res.out);

	/* NUL padding after the last member is ignored, as gzip does. */
	buf padded = { 0 };
	put(&padded, multi.p, multi.n);
	putz(&padded, 3000);
	gz_run(&res, padded.p, padded.n, false, 1000, 65536);
	ok(res.r == 0 && same(&res.out, &want), "NUL padding after the last member is ignored %s",
	   res.err);
	bfree(&res.out);

	/* Trailing garbage: every byte first, then the error at its offset. */
	char expect[256];
	buf garbage = { 0 };
	put(&garbage, multi.p, multi.n);
	put(&garbage, "hello\n", 6);
	gz_run(&res, garbage.p, garbage.n, false, 0, 65536);
	snprintf(expect, sizeof expect, "trailing garbage after gzip data at byte %zu", multi.n);
	ok(res.r == -1 && same(&res.out, &want) && strcmp(res.err, expect) == 0,
	   "trailing garbage: all data, then '%s' (got '%s')", expect, res.err);
	bfree(&res.out);
	garbage.n = multi.n;
	putz(&garbage, 100);
	put(&garbage, "x", 1);
	gz_run(&res, garbage.p, garbage.n, false, 7, 65536);
	ok(res.r == -1 && same(&res.out, &want) && strcmp(res.err, expect) == 0,
	   "NULs then garbage is garbage at the end of the last member: '%s'", res.err);
	bfree(&res.out);
	garbage.n = multi.n;
	put(&garbage, "\x1f", 1);
	gz_run(&res, garbage.p, garbage.n, false, 0, 65536);
	ok(res.r == -1 && strcmp(res.err, expect) == 0, "a lone 0x1f after a member is garbage: '%s'",
	   res.err);
	bfree(&res.out);

	/* Truncation at many offsets: the output is what zlib can decode from
	 * the prefix, then "truncated gzip stream after N bytes". */
	buf small = { 0 }, stext = { 0 };
	put(&stext, text.p, 200000);
	deflate_to(&small, stext.p, stext.n, 31, 6);
	int bad = 0, checked = 0;
	for (size_t t = 0; t < small.n; t += (t < 64 || t + 64 > small.n) ? 1 : 97) {
		gz_run(&res, small.p, t, false, 4096, 65536);
		snprintf(expect, sizeof expect, "truncated gzip stream after %zu bytes", t);
		size_t ref = inflate_prefix(small.p, t);
		bool good = res.r == -1 && strcmp(res.err, expect) == 0 && is_prefix(&res.out, &stext) &&
			    res.out.n + ISAL_SLACK >= ref;
		if (!good && bad++ < 5)
			diag("cut at %zu: r=%zd err='%s' out=%zu (zlib alone %zu)", t, res.r, res.err,
			     res.out.n, ref);
		checked++;
		bfree(&res.out);
	}
	ok(bad == 0, "truncated gzip at %d offsets: every decodable byte, then the message", checked);

	/* A truncated multi-member stream, cut inside the third member. */
	size_t cut = multi.n - 40;
	gz_run(&res, multi.p, cut, false, 0, 65536);
	snprintf(expect, sizeof expect, "truncated gzip stream after %zu bytes", cut);
	ok(res.r == -1 && strcmp(res.err, expect) == 0 && is_prefix(&res.out, &want) &&
		   res.out.n > 71000,
	   "truncated multi-member gzip: %zu bytes, '%s'", res.out.n, res.err);
	bfree(&res.out);

	/* Corrupt data: a prefix of the text, then a message with the offset. */
	buf bad_gz = { 0 };
	put(&bad_gz, small.p, small.n);
	bad_gz.p[small.n / 2] ^= 0x55;
	gz_run(&res, bad_gz.p, bad_gz.n, false, 0, 65536);
	/* (Bytes before the damage is found are not always right: gzip has one
	 * CRC at the end. Hence no prefix check.) */
	ok(res.r == -1 && res.out.n <= stext.n + 65536 &&
		   (starts(res.err, "corrupt gzip data at byte ") ||
		    starts(res.err, "gzip checksum mismatch at byte ")),
	   "corrupt gzip: %zu bytes, then '%s'", res.out.n, res.err);
	bfree(&res.out);

	/* A bad CRC and a bad length in the trailer. */
	for (int k = 0; k < 2; k++) {
		bfree(&bad_gz);
		put(&bad_gz, small.p, small.n);
		bad_gz.p[small.n - (k ? 2 : 6)] ^= 1;
		gz_run(&res, bad_gz.p, bad_gz.n, false, 0, 65536);
		ok(res.r == -1 && same(&res.out, &stext) &&
			   starts(res.err, "gzip checksum mismatch at byte "),
		   "bad %s in the trailer: all the data, then '%s'", k ? "ISIZE" : "CRC", res.err);
		bfree(&res.out);
	}
	/* A bad header. */
	bfree(&bad_gz);
	put(&bad_gz, small.p, small.n);
	bad_gz.p[2] = 7;
	gz_run(&res, bad_gz.p, bad_gz.n, false, 0, 65536);
	ok(res.r == -1 && res.out.n == 0 && starts(res.err, "corrupt gzip data at byte "),
	   "bad compression method: '%s'", res.err);
	bfree(&res.out);

	/* An error from the layer below comes through after the good bytes. */
	{
		gp_scope sc;
		gp_scope_init(&sc);
		mem m;
		char eb[256];
		gp_stream *below = mem_open(&m, small.p, small.n / 2, 0);
		m.fail_at_end = true;
		gp_stream *g = gp_gzip_open(&sc, below, false, eb, sizeof eb);
		buf out = { 0 };
		ssize_t r = drain(g, &out, 65536);
		ok(r == -1 && strcmp(g->err, "read error: boom") == 0 && is_prefix(&out, &stext) &&
			   out.n > 0,
		   "a read error below: %zu bytes, then '%s'", out.n, g->err);
		bfree(&out);
		gp_scope_unwind(&sc);
	}

	/* zlib format. */
	buf zl = { 0 };
	deflate_to(&zl, stext.p, stext.n, 15, 6);
	gz_run(&res, zl.p, zl.n, true, 1000, 65536);
	ok(res.r == 0 && same(&res.out, &stext), "zlib stream round trip %s", res.err);
	bfree(&res.out);
	put(&zl, "\x78\x9c", 2);
	gz_run(&res, zl.p, zl.n, true, 0, 65536);
	snprintf(expect, sizeof expect, "trailing garbage after zlib data at byte %zu", zl.n - 2);
	ok(res.r == -1 && same(&res.out, &stext) && strcmp(res.err, expect) == 0,
	   "zlib: no second stream, '%s'", res.err);
	bfree(&res.out);
	zl.n -= 100;
	gz_run(&res, zl.p, zl.n, true, 0, 65536);
	snprintf(expect, sizeof expect, "truncated zlib stream after %zu bytes", zl.n);
	ok(res.r == -1 && strcmp(res.err, expect) == 0 && is_prefix(&res.out, &stext),
	   "truncated zlib: '%s'", res.err);
	bfree(&res.out);
	zl.p[zl.n - 1000] ^= 0x21;
	zl.n += 100;
	gz_run(&res, zl.p, zl.n, true, 0, 65536);
	ok(res.r == -1 && (starts(res.err, "corrupt zlib data at byte ") ||
			   starts(res.err, "zlib checksum mismatch at byte ")),
	   "corrupt zlib: '%s'", res.err);
	bfree(&res.out);

	/* Released after one read (head): the scope frees everything, and a
	 * worker thread, if any, is stopped (checked by ASan and valgrind). */
	for (int k = 0; k < 3; k++) {
		gp_scope sc;
		gp_scope_init(&sc);
		mem m;
		char eb[256];
		gp_stream *g = gp_gzip_open(&sc, mem_open(&m, gz.p, gz.n, 0), false, eb, sizeof eb);
		static char tmp[262144];
		ssize_t r = 1;
		size_t total = 0, stop_at = k == 0 ? 1 : k == 1 ? (5u << 20) / 2 : (6u << 20) / 2;
		while (total < stop_at && (r = g->read(g, tmp, sizeof tmp)) > 0)
			total += (size_t)r;
		gp_scope_unwind(&sc);
		ok(r > 0, "gzip released after %zu bytes of %zu", total, text.n);
	}

	/* Big enough to go threaded (after 4 MiB of output, over a "file"): the
	 * same bytes and the same errors, in order. */
	buf big = { 0 }, bigtext = { 0 };
	make_log(&bigtext, 12u << 20);
	deflate_to(&big, bigtext.p, bigtext.n, 31, 1);
	gz_run(&res, big.p, big.n, false, 0, 262144);
	ok(res.r == 0 && same(&res.out, &bigtext), "12 MiB gzip round trip %s", res.err);
	bfree(&res.out);
	gz_run(&res, big.p, big.n - 10000, false, 0, 100000);
	snprintf(expect, sizeof expect, "truncated gzip stream after %zu bytes", big.n - 10000);
	ok(res.r == -1 && strcmp(res.err, expect) == 0 && is_prefix(&res.out, &bigtext) &&
		   res.out.n + ISAL_SLACK >= inflate_prefix(big.p, big.n - 10000),
	   "12 MiB gzip truncated: %zu bytes, then '%s'", res.out.n, res.err);
	bfree(&res.out);
	/* Released in the middle, with the worker running or waiting on a full
	 * ring; and over a "pipe" (no thread). */
	for (int k = 0; k < 3; k++) {
		gp_scope sc;
		gp_scope_init(&sc);
		mem m;
		char eb[256];
		gp_stream *below = mem_open(&m, big.p, big.n, 0);
		if (k == 2)
			m.s.kind = "pipe";
		gp_stream *g = gp_gzip_open(&sc, below, false, eb, sizeof eb);
		static char tmp[100000];
		buf got = { 0 };
		ssize_t r = 1;
		size_t stop = k == 0 ? (5u << 20) : k == 1 ? (6u << 20) : (13u << 20);
		while (got.n < stop && (r = g->read(g, tmp, sizeof tmp)) > 0)
			put(&got, tmp, (size_t)r);
		if (k == 1)
			usleep(20000); /* let the worker fill the ring */
		gp_scope_unwind(&sc);
		ok(is_prefix(&got, &bigtext) && got.n >= (k == 2 ? bigtext.n : stop),
		   "12 MiB gzip over a %s, released after %zu bytes", k == 2 ? "pipe" : "file", got.n);
		bfree(&got);
	}
	big.p[big.n - 10000] ^= 0x40;
	gz_run(&res, big.p, big.n, false, 0, 262144);
	ok(res.r == -1 && res.out.n > (8u << 20) &&
		   (starts(res.err, "corrupt gzip data at byte ") ||
		    starts(res.err, "gzip checksum mismatch at byte ")),
	   "12 MiB gzip corrupt near the end: %zu bytes, then '%s'", res.out.n, res.err);
	bfree(&res.out);

	bfree(&big);
	bfree(&bigtext);
	bfree(&zl);
	bfree(&bad_gz);
	bfree(&small);
	bfree(&stext);
	bfree(&garbage);
	bfree(&padded);
	bfree(&empty);
	bfree(&multi);
	bfree(&want);
	bfree(&text);
	bfree(&gz);
}

/* ---- detection ---- */

static void test_detect(void)
{
	buf text = { 0 }, gz = { 0 }, zl = { 0 }, zshort = { 0 };
	make_log(&text, 4000);
	deflate_to(&gz, text.p, text.n, 31, 6);
	deflate_to(&zl, text.p, text.n, 15, 9);
	deflate_to(&zshort, "hi\n", 3, 15, 6);

	unsigned char block[600];
	struct dcase {
		const char *what;
		const void *p;
		size_t n;
		gp_format want;
	} cases[32];
	int nc = 0;
#define CASE(w, ptr, len, f) cases[nc++] = (struct dcase){ w, ptr, len, f }
	CASE("gzip", gz.p, gz.n, GP_FMT_GZIP);
	CASE("gzip, 3 bytes", gz.p, 3, GP_FMT_GZIP);
	CASE("zlib (512 bytes of it)", zl.p, zl.n < 512 ? zl.n : 512, GP_FMT_ZLIB);
	CASE("zlib, a whole short stream", zshort.p, zshort.n, GP_FMT_ZLIB);
	CASE("bzip2", "BZh91AY&SY\x01\x02", 12, GP_FMT_BZIP2);
	CASE("empty bzip2", "BZh9\x17\x72\x45\x38\x50\x90\0\0\0\0", 14, GP_FMT_BZIP2);
	CASE("xz", "\xfd" "7zXZ\0\0\4", 8, GP_FMT_XZ);
	CASE("lzma", "\x5d\0\0\x80\0\xff\xff\xff\xff\xff\xff\xff\xff\0\x12", 15, GP_FMT_LZMA);
	CASE("zstd", "\x28\xb5\x2f\xfd\x24\x00", 6, GP_FMT_ZSTD);
	CASE("lz4", "\x04\x22\x4d\x18\x64\x40", 6, GP_FMT_LZ4);
	CASE("zip", "PK\3\4\x14\0\0\0", 8, GP_FMT_ZIP);
	CASE("empty zip", "PK\5\6\0\0\0\0", 8, GP_FMT_ZIP);
	CASE("7z", "7z\xbc\xaf\x27\x1c\0\4", 8, GP_FMT_7Z);
	CASE("ar", "!<arch>\nfoo", 11, GP_FMT_AR);
	CASE("plain log", text.p, 512, GP_FMT_PLAIN);
	CASE("text 'x^' (a valid zlib header)", "x^2 + y^2 = z^2, says the log line number one\n", 46,
	     GP_FMT_PLAIN);
	CASE("text 'x^' longer", text.p, 0, GP_FMT_PLAIN); /* filled below */
	CASE("text 'BZh9...'", "BZh9 is not a bzip2 file\n", 25, GP_FMT_PLAIN);
	CASE("text '070701 ...' (a date)", "070701 12:00:00 started, 070701 is also a cpio magic\n", 53,
	     GP_FMT_PLAIN);
	CASE("'PK' text", "PKZIP is a program\n", 19, GP_FMT_PLAIN);
	CASE("512 zero bytes", block, 512, GP_FMT_PLAIN); /* block zeroed below */
	CASE("empty input", "", 0, GP_FMT_PLAIN);
	CASE("one byte 0x1f", "\x1f", 1, GP_FMT_PLAIN);
	CASE("lzma props with a bad dictionary", "\x5d\0\0\x81\0\xff\xff\xff\xff\xff\xff\xff\xff\0", 14,
	     GP_FMT_PLAIN);
	memset(block, 0, sizeof block);
	static char xtext[600];
	memset(xtext, 'a', sizeof xtext);
	memcpy(xtext, "x^", 2);
	for (size_t i = 2; i < sizeof xtext; i += 13)
		xtext[i] = (char)(' ' + i % 90);
	cases[16].p = xtext;
	cases[16].n = 512;
	for (int i = 0; i < nc; i++) {
		gp_format f = gp_detect(cases[i].p, cases[i].n);
		ok(f == cases[i].want, "detect %s: %s", cases[i].what, gp_format_name(f));
	}

	/* Archives: tar (POSIX and GNU magic, with a right checksum), cpio. */
	memset(block, 0, sizeof block);
	strcpy((char *)block, "a.log");
	memcpy(block + 100, "0000644", 7);
	memcpy(block + 124, "00000000000", 11);
	block[156] = '0';
	memcpy(block + 257, "ustar\0" "00", 8);
	memset(block + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += block[i];
	snprintf((char *)block + 148, 8, "%06o", sum);
	ok(gp_detect(block, 512) == GP_FMT_TAR, "detect POSIX ustar");
	ok(gp_detect(block, 511) == GP_FMT_PLAIN, "a tar header cut short is not tar");
	block[150] ^= 1;
	ok(gp_detect(block, 512) == GP_FMT_PLAIN, "ustar magic with a wrong checksum is not tar");
	block[150] ^= 1;
	memcpy(block + 257, "ustar  \0", 8);
	memset(block + 148, ' ', 8);
	sum = 0;
	for (int i = 0; i < 512; i++)
		sum += block[i];
	snprintf((char *)block + 148, 8, "%06o", sum);
	ok(gp_detect(block, 512) == GP_FMT_TAR, "detect GNU tar");

	char cpio[200];
	memset(cpio, '0', sizeof cpio);
	memcpy(cpio, "070701", 6);
	ok(gp_detect((unsigned char *)cpio, 120) == GP_FMT_CPIO, "detect cpio newc");
	memcpy(cpio, "070702", 6);
	ok(gp_detect((unsigned char *)cpio, 120) == GP_FMT_CPIO, "detect cpio crc");
	memcpy(cpio, "070707", 6);
	ok(gp_detect((unsigned char *)cpio, 120) == GP_FMT_CPIO, "detect cpio odc");
	unsigned char bin[40] = { 0xc7, 0x71 };
	bin[20] = 6; /* namesize 6: "a.log\0" */
	memcpy(bin + 26, "a.log", 6);
	ok(gp_detect(bin, sizeof bin) == GP_FMT_CPIO, "detect binary cpio, little-endian");
	bin[0] = 0x71, bin[1] = 0xc7, bin[20] = 0, bin[21] = 6;
	ok(gp_detect(bin, sizeof bin) == GP_FMT_CPIO, "detect binary cpio, big-endian");

	/* ISO 9660: only when the bytes at 32769 are there. */
	unsigned char *iso = calloc(1, 40000);
	iso[32768] = 1;
	memcpy(iso + 32769, "CD001", 5);
	iso[32774] = 1;
	ok(gp_detect(iso, 40000) == GP_FMT_ISO9660, "detect ISO 9660");
	ok(gp_detect(iso, 512) == GP_FMT_PLAIN, "ISO 9660 is not seen in 512 bytes");
	ok(gp_detect_wants(iso, 512) == GP_DETECT_MORE && gp_detect_wants(iso, 100) == 100,
	   "a zero start wants the bytes up to ISO 9660's descriptor");
	iso[32768] = 'x';
	ok(gp_detect(iso, 40000) == GP_FMT_PLAIN, "text before CD001 is not ISO 9660");
	iso[32768] = 1;
	iso[0] = 'L';
	ok(gp_detect_wants(iso, 512) == 512, "a text start wants no more bytes");
	free(iso);

	ok(gp_format_is_archive(GP_FMT_TAR) && gp_format_is_archive(GP_FMT_ISO9660) &&
		   !gp_format_is_archive(GP_FMT_GZIP) && !gp_format_is_archive(GP_FMT_PLAIN) &&
		   !gp_format_is_archive(GP_FMT_LZ4),
	   "gp_format_is_archive");
	ok(strcmp(gp_format_name(GP_FMT_GZIP), "gzip") == 0 &&
		   strcmp(gp_format_name(GP_FMT_TAR), "tar") == 0 &&
		   strcmp(gp_format_name(GP_FMT_PLAIN), "plain") == 0 &&
		   strcmp(gp_format_name(GP_FMT_ISO9660), "iso9660") == 0,
	   "gp_format_name");
	bfree(&text);
	bfree(&gz);
	bfree(&zl);
	bfree(&zshort);
}

/* ---- fixtures made by tools ---- */

static char tmpdir[64];

static bool have(const char *tool)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

/* Runs a shell command in tmpdir and captures its stdout. */
static bool capture(const char *cmd, buf *out)
{
	char full[4096];
	snprintf(full, sizeof full, "cd '%s' && %s", tmpdir, cmd);
	FILE *p = popen(full, "r");
	if (!p)
		return false;
	char tmp[65536];
	size_t k;
	while ((k = fread(tmp, 1, sizeof tmp, p)) > 0)
		put(out, tmp, k);
	int st = pclose(p);
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void write_file(const char *rel, const void *p, size_t n)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (n)
		fwrite(p, 1, n, f);
	fclose(f);
}

static void test_filters(const buf *text)
{
	static const struct {
		const char *tool, *cmd, *name;
		gp_format fmt;
	} tools[] = {
		{ "bzip2", "bzip2 -c", "bzip2", GP_FMT_BZIP2 },
		{ "xz", "xz -c", "xz", GP_FMT_XZ },
		{ "xz", "xz --format=lzma -c", "lzma", GP_FMT_LZMA },
		{ "zstd", "zstd -q -c", "zstd", GP_FMT_ZSTD },
		{ "lz4", "lz4 -q -c", "lz4", GP_FMT_LZ4 },
	};
	write_file("f.log", text->p, text->n);
	write_file("empty.log", "", 0);
	for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
		char cmd[256], what[64];
		buf c = { 0 }, e = { 0 };
		snprintf(what, sizeof what, "%s fixtures", tools[i].name);
		snprintf(cmd, sizeof cmd, "%s < f.log", tools[i].cmd);
		if (!have(tools[i].tool) || !capture(cmd, &c)) {
			skip(what, "no tool to make them");
			bfree(&c);
			continue;
		}
		snprintf(cmd, sizeof cmd, "%s < empty.log", tools[i].cmd);
		capture(cmd, &e);
		ok(gp_detect(c.p, c.n < 512 ? c.n : 512) == tools[i].fmt, "detect %s from its bytes",
		   tools[i].name);

		for (int k = 0; k < 5; k++) {
			gp_scope sc;
			gp_scope_init(&sc);
			mem m;
			char eb[256];
			/* 0: whole, 1: empty, 2: truncated, 3: byte-chunks, 4: cut to
			 * 30 bytes */
			const buf *in = k == 1 ? &e : &c;
			size_t n = k == 2 ? in->n * 2 / 3 : k == 4 ? 30 : in->n;
			gp_stream *s = gp_filter_open(&sc, mem_open(&m, in->p, n, k == 3 ? 7 : 0),
						      tools[i].fmt, eb, sizeof eb);
			buf out = { 0 };
			ssize_t r = s ? drain(s, &out, k == 3 ? 1000 : 65536) : -3;
			char expect[128];
			snprintf(expect, sizeof expect, "truncated %s stream after %zu bytes", tools[i].name,
				 n);
			if (k == 0 || k == 3)
				ok(r == 0 && same(&out, text), "%s round trip%s: %zu bytes %s", tools[i].name,
				   k == 3 ? " in small pieces" : "", out.n, s ? s->err : eb);
			else if (k == 1)
				ok(r == 0 && out.n == 0, "%s of an empty file %s", tools[i].name,
				   s ? s->err : eb);
			else
				ok(r == -1 && strcmp(s->err, expect) == 0 && is_prefix(&out, text),
				   "%s cut to %zu bytes: %zu good bytes, then '%s'", tools[i].name, n, out.n,
				   s ? s->err : eb);
			bfree(&out);
			gp_scope_unwind(&sc);
		}
		/* Corrupt in the middle: good bytes, then "corrupt X data near". */
		{
			gp_scope sc;
			gp_scope_init(&sc);
			mem m;
			char eb[256], pre[64];
			c.p[c.n / 2] ^= 0x5a;
			c.p[c.n / 2 + 1] ^= 0xa5;
			gp_stream *s = gp_filter_open(&sc, mem_open(&m, c.p, c.n, 0), tools[i].fmt, eb,
						      sizeof eb);
			buf out = { 0 };
			ssize_t r = drain(s, &out, 65536);
			/* Every codec is decoded with its own library and knows the byte. */
			snprintf(pre, sizeof pre, "corrupt %s data at byte ", tools[i].name);
			char tpre[64], cpre[64];
			snprintf(tpre, sizeof tpre, "truncated %s stream", tools[i].name);
			snprintf(cpre, sizeof cpre, "%s checksum mismatch at byte ", tools[i].name);
			/* A few codecs (lzma, no end marker) read damage as an early
			 * end, lz4 (no block checksums) decodes it and the frame's
			 * checksum catches it: every message names the codec. */
			ok(r == -1 && (starts(s->err, pre) || starts(s->err, tpre) ||
				       starts(s->err, cpre)),
			   "%s corrupt: %zu bytes, then '%s'", tools[i].name, out.n, s->err);
			bfree(&out);
			gp_scope_unwind(&sc);
		}
		/* Streams one after the other, an empty one among them, then NUL
		 * padding (not for zstd and lz4, which refuse it, as zstd(1) and
		 * lz4(1) do): one stream; then trailing garbage: an error after
		 * all the data. */
		{
			buf cat = { 0 }, want = { 0 };
			c.p[c.n / 2] ^= 0x5a, c.p[c.n / 2 + 1] ^= 0xa5; /* the damage above, undone */
			put(&cat, c.p, c.n);
			put(&cat, e.p, e.n);
			put(&cat, c.p, c.n);
			size_t pad = tools[i].fmt == GP_FMT_ZSTD || tools[i].fmt == GP_FMT_LZ4 ? 0 : 64;
			putz(&cat, pad);
			put(&want, text->p, text->n);
			put(&want, text->p, text->n);
			gp_scope sc;
			gp_scope_init(&sc);
			mem m;
			char eb[256];
			gp_stream *s = gp_filter_open(&sc, mem_open(&m, cat.p, cat.n, 0), tools[i].fmt, eb,
						      sizeof eb);
			buf out = { 0 };
			ssize_t r = drain(s, &out, 65536);
			ok(r == 0 && same(&out, &want), "%s: two streams and an empty one are one stream %s",
			   tools[i].name, s->err);
			gp_scope_unwind(&sc);
			bfree(&out);
			cat.n -= pad;
			put(&cat, "trailing\n", 9);
			gp_scope_init(&sc);
			s = gp_filter_open(&sc, mem_open(&m, cat.p, cat.n, 0), tools[i].fmt, eb, sizeof eb);
			r = drain(s, &out, 65536);
			{
				char expect[128];
				snprintf(expect, sizeof expect, "trailing garbage after %s data at byte %zu",
					 tools[i].name, cat.n - 9);
				ok(r == -1 && same(&out, &want) && strcmp(s->err, expect) == 0,
				   "%s, then trailing garbage: %zu bytes, '%s'", tools[i].name, out.n,
				   s->err);
			}
			gp_scope_unwind(&sc);
			bfree(&out);
			bfree(&cat);
			bfree(&want);
		}
		/* The header is wrong for the codec: an error, not the raw bytes. */
		{
			gp_scope sc;
			gp_scope_init(&sc);
			mem m;
			char eb[256];
			gp_stream *s = gp_filter_open(&sc, mem_open(&m, text->p, 4096, 0), tools[i].fmt,
						      eb, sizeof eb);
			buf out = { 0 };
			ssize_t r = drain(s, &out, 65536);
			ok(r == -1 && out.n == 0, "%s over plain text: '%s'", tools[i].name, s->err);
			bfree(&out);
			gp_scope_unwind(&sc);
		}
		bfree(&c);
		bfree(&e);
	}
}

static size_t count_lines(const buf *b)
{
	size_t k = 0;
	for (size_t i = 0; i < b->n; i++)
		k += b->p[i] == '\n';
	return k;
}

static ssize_t filter_run(buf *out, const void *p, size_t n, gp_format fmt, size_t chunk,
			  char *err, size_t errlen)
{
	gp_scope sc;
	gp_scope_init(&sc);
	mem m;
	char eb[256];
	gp_stream *s = gp_filter_open(&sc, mem_open(&m, p, n, chunk), fmt, eb, sizeof eb);
	ssize_t r = s ? drain(s, out, 65536) : -3;
	snprintf(err, errlen, "%s", s ? s->err : eb);
	gp_scope_unwind(&sc);
	return r;
}

/* xz, lzma and bzip2 (xz.c, bz2.c): a cut stream gives every whole line the
 * codec's own tool prints from the same bytes (bzip2(1) holds back the last
 * part of its output buffer, so for bzip2 at least as many), then
 * "truncated X stream after N bytes"; NUL padding follows xz's rules. */
static void test_xz_bz2(void)
{
	static const struct {
		const char *tool, *cmd, *dcmd, *name;
		gp_format fmt;
	} tools[] = {
		{ "bzip2", "bzip2 -c", "bzip2 -dc", "bzip2", GP_FMT_BZIP2 },
		{ "xz", "xz -c", "xz -dc", "xz", GP_FMT_XZ },
		{ "xz", "xz --format=lzma -c", "xz --format=lzma -dc", "lzma", GP_FMT_LZMA },
	};
	buf text = { 0 };
	make_log(&text, 3u << 20);
	write_file("big.log", text.p, text.n);
	for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
		char cmd[256], what[64], err[256];
		buf c = { 0 };
		snprintf(what, sizeof what, "%s truncation fixtures", tools[i].name);
		snprintf(cmd, sizeof cmd, "%s < big.log", tools[i].cmd);
		if (!have(tools[i].tool) || !capture(cmd, &c)) {
			skip(what, "no tool to make them");
			bfree(&c);
			continue;
		}
		static const int cuts[] = { 2, 3, 7 };
		for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
			size_t n = c.n * (size_t)(cuts[k] - 1) / (size_t)cuts[k];
			write_file("cut.bin", c.p, n);
			buf ref = { 0 }, out = { 0 };
			snprintf(cmd, sizeof cmd, "%s < cut.bin 2>/dev/null", tools[i].dcmd);
			capture(cmd, &ref); /* fails, as it should: the bytes before are kept */
			ssize_t r = filter_run(&out, c.p, n, tools[i].fmt, k == 2 ? 4093 : 0, err,
					       sizeof err);
			char expect[128];
			snprintf(expect, sizeof expect, "truncated %s stream after %zu bytes",
				 tools[i].name, n);
			size_t want = count_lines(&ref), got = count_lines(&out);
			ok(r == -1 && strcmp(err, expect) == 0 && is_prefix(&out, &text) &&
				   (tools[i].fmt == GP_FMT_BZIP2 ? got >= want : got == want) && want > 0,
			   "%s cut to %zu of %zu bytes: %zu whole lines (%s -dc: %zu), then '%s'",
			   tools[i].name, n, c.n, got, tools[i].tool, want, err);
			bfree(&ref);
			bfree(&out);
		}
		/* Three streams in a row are one stream. */
		{
			buf cat = { 0 }, want = { 0 }, out = { 0 };
			for (int j = 0; j < 3; j++) {
				put(&cat, c.p, c.n);
				put(&want, text.p, text.n);
			}
			ssize_t r = filter_run(&out, cat.p, cat.n, tools[i].fmt, 0, err, sizeof err);
			ok(r == 0 && same(&out, &want), "%s: three concatenated streams: %zu bytes %s",
			   tools[i].name, out.n, err);
			bfree(&out);
			/* xz: stream padding must be a multiple of four bytes. */
			if (tools[i].fmt == GP_FMT_XZ) {
				cat.n = c.n;
				putz(&cat, 3);
				put(&cat, c.p, c.n);
				r = filter_run(&out, cat.p, cat.n, tools[i].fmt, 0, err, sizeof err);
				char expect[128];
				snprintf(expect, sizeof expect,
					 "corrupt xz data at byte %zu: stream padding is not a multiple of "
					 "four bytes",
					 c.n + 3);
				ok(r == -1 && out.n == text.n && strcmp(err, expect) == 0,
				   "xz: 3 bytes of padding between streams: %zu bytes, '%s'", out.n, err);
				bfree(&out);
			}
			bfree(&cat);
			bfree(&want);
		}
		/* A damaged byte in the middle: the bytes before, then the message. */
		{
			buf out = { 0 };
			char pre[64];
			c.p[c.n / 2] ^= 0xff;
			ssize_t r = filter_run(&out, c.p, c.n, tools[i].fmt, 0, err, sizeof err);
			snprintf(pre, sizeof pre, "corrupt %s data at byte ", tools[i].name);
			ok(r == -1 && (starts(err, pre) || tools[i].fmt == GP_FMT_LZMA) &&
				   out.n >= text.n / 4,
			   "%s corrupt in the middle: %zu bytes, then '%s'", tools[i].name, out.n, err);
			bfree(&out);
		}
		bfree(&c);
	}
	bfree(&text);
}

/* zstd and lz4 (zstd.c), with fixtures made here by libzstd and liblz4:
 * frames one after another, skippable and empty frames, a cut last frame,
 * zero bytes or text after the data, a damaged block header, a window over
 * the limit, lz4's legacy format; read whole and in pieces of 1 and 7
 * bytes. Every byte of every whole frame comes out, then the message. */
static void frame_of(buf *out, gp_format fmt, const void *p, size_t n)
{
	size_t cap = fmt == GP_FMT_ZSTD ? ZSTD_compressBound(n) : LZ4F_compressFrameBound(n, NULL);
	size_t at = out->n;
	putz(out, cap);
	size_t k = fmt == GP_FMT_ZSTD ? ZSTD_compress(out->p + at, cap, p, n, 3)
				      : LZ4F_compressFrame(out->p + at, cap, p, n, NULL);
	if (fmt == GP_FMT_ZSTD ? ZSTD_isError(k) : LZ4F_isError(k))
		abort();
	out->n = at + k;
}

static void test_frames(const buf *text)
{
	static const unsigned char skip[] = { 0x50, 0x2a, 0x4d, 0x18, 5, 0, 0, 0, 'h', 'e', 'l', 'l', 'o' };
	static const size_t chunks[] = { 0, 1, 7 };
	static const gp_format fmts[] = { GP_FMT_ZSTD, GP_FMT_LZ4 };
	char err[256], expect[256];
	for (size_t f = 0; f < 2; f++) {
		gp_format fmt = fmts[f];
		const char *name = gp_format_name(fmt);
		size_t third = text->n / 3;
		buf cat = { 0 }, out = { 0 };
		/* skippable, frame 1, empty frame, skippable, frame 2, frame 3 */
		put(&cat, skip, sizeof skip);
		frame_of(&cat, fmt, text->p, third);
		frame_of(&cat, fmt, "", 0);
		put(&cat, skip, sizeof skip);
		frame_of(&cat, fmt, text->p + third, third);
		frame_of(&cat, fmt, text->p + 2 * third, text->n - 2 * third);
		size_t whole = cat.n;
		ok(gp_detect(cat.p, cat.n < 512 ? cat.n : 512) == fmt,
		   "%s: detected after a skippable frame", name);
		for (size_t c = 0; c < 3; c++) {
			ssize_t r = filter_run(&out, cat.p, whole, fmt, chunks[c], err, sizeof err);
			ok(r == 0 && same(&out, text),
			   "%s: skippable, empty and three frames, pieces of %zu: %zu bytes %s", name,
			   chunks[c], out.n, err);
			bfree(&out);
		}
		/* 10 bytes of a fourth frame: the three, then "truncated". */
		frame_of(&cat, fmt, text->p, third);
		for (size_t c = 0; c < 3; c++) {
			ssize_t r = filter_run(&out, cat.p, whole + 10, fmt, chunks[c], err, sizeof err);
			snprintf(expect, sizeof expect, "truncated %s stream after %zu bytes", name,
				 whole + 10);
			ok(r == -1 && same(&out, text) && strcmp(err, expect) == 0,
			   "%s: three frames and 10 bytes of a fourth, pieces of %zu: %zu bytes, '%s'",
			   name, chunks[c], out.n, err);
			bfree(&out);
		}
		/* Two bytes of a magic: truncated; two other bytes: garbage. */
		cat.n = whole;
		put(&cat, fmt == GP_FMT_ZSTD ? "\x28\xb5" : "\x04\x22", 2);
		ssize_t r = filter_run(&out, cat.p, cat.n, fmt, 0, err, sizeof err);
		snprintf(expect, sizeof expect, "truncated %s stream after %zu bytes", name, cat.n);
		ok(r == -1 && same(&out, text) && strcmp(err, expect) == 0,
		   "%s: two bytes of a magic after the data: '%s'", name, err);
		bfree(&out);
		/* Zero bytes after the data: garbage, as zstd -dc and lz4 -dc say. */
		static const size_t zeros[] = { 3, 4, 100, 512 };
		for (size_t z = 0; z < sizeof zeros / sizeof zeros[0]; z++) {
			cat.n = whole;
			putz(&cat, zeros[z]);
			r = filter_run(&out, cat.p, cat.n, fmt, z == 3 ? 7 : 0, err, sizeof err);
			snprintf(expect, sizeof expect, "trailing garbage after %s data at byte %zu", name,
				 whole);
			ok(r == -1 && same(&out, text) && strcmp(err, expect) == 0,
			   "%s: %zu zero bytes after the data: %zu bytes, '%s'", name, zeros[z], out.n,
			   err);
			bfree(&out);
		}
		/* A skippable frame cut short at the end: truncated. */
		cat.n = whole;
		put(&cat, skip, 10);
		r = filter_run(&out, cat.p, cat.n, fmt, 0, err, sizeof err);
		snprintf(expect, sizeof expect, "truncated %s stream after %zu bytes", name, cat.n);
		ok(r == -1 && same(&out, text) && strcmp(err, expect) == 0,
		   "%s: a cut skippable frame at the end: '%s'", name, err);
		bfree(&out);
		bfree(&cat);
	}

	/* zstd: frame 1, then a frame of a raw block "hello\n" and a block of
	 * the reserved type: everything before that block, then its offset. */
	{
		buf cat = { 0 }, want = { 0 }, out = { 0 };
		frame_of(&cat, GP_FMT_ZSTD, text->p, text->n);
		size_t at = cat.n + 15;
		put(&cat, "\x28\xb5\x2f\xfd\x00\x50\x30\x00\x00hello\n\x07\x00\x00", 18);
		put(&want, text->p, text->n);
		put(&want, "hello\n", 6);
		for (size_t c = 0; c < 3; c++) {
			ssize_t r = filter_run(&out, cat.p, cat.n, GP_FMT_ZSTD, chunks[c], err, sizeof err);
			snprintf(expect, sizeof expect, "corrupt zstd data at byte %zu: compressed data is corrupt", at);
			ok(r == -1 && same(&out, &want) && strcmp(err, expect) == 0,
			   "zstd: a bad block header, pieces of %zu: %zu bytes, '%s'", chunks[c], out.n, err);
			bfree(&out);
		}
		/* A window of 2^30 bytes: refused before it is allocated. */
		cat.n = 0;
		put(&cat, "\x28\xb5\x2f\xfd\x00\x50\x31\x00\x00hello\n", 15);
		put(&cat, "\x28\xb5\x2f\xfd\x00\xa0\x31\x00\x00hello\n", 15);
		ssize_t r = filter_run(&out, cat.p, cat.n, GP_FMT_ZSTD, 0, err, sizeof err);
		ok(r == -1 && out.n == 6 && memcmp(out.p, "hello\n", 6) == 0 &&
			   strcmp(err, "zstd data at byte 15 needs 1024 MiB of memory to decode, more "
				       "than the 128 MiB limit") == 0,
		   "zstd: a 1 GiB window: %zu bytes, '%s'", out.n, err);
		bfree(&out);
		bfree(&cat);
		bfree(&want);
	}

	/* lz4 legacy (lz4 -l): [magic] ([size][block])..., then a frame. */
	{
		buf cat = { 0 }, want = { 0 }, out = { 0 };
		put(&cat, "\x02\x21\x4c\x18", 4);
		size_t half = text->n / 2;
		for (size_t i = 0; i < 2; i++) {
			const unsigned char *p = text->p + i * half;
			int n = (int)(i ? text->n - half : half), cap = LZ4_compressBound(n);
			size_t at = cat.n;
			putz(&cat, 4 + (size_t)cap);
			int k = LZ4_compress_default((const char *)p, (char *)cat.p + at + 4, n, cap);
			if (k <= 0)
				abort();
			for (int b = 0; b < 4; b++)
				cat.p[at + (size_t)b] = (unsigned char)((unsigned)k >> (8 * b));
			cat.n = at + 4 + (size_t)k;
		}
		size_t legacy = cat.n;
		frame_of(&cat, GP_FMT_LZ4, text->p, text->n);
		put(&want, text->p, text->n);
		put(&want, text->p, text->n);
		for (size_t c = 0; c < 3; c++) {
			ssize_t r = filter_run(&out, cat.p, cat.n, GP_FMT_LZ4, chunks[c], err, sizeof err);
			ok(r == 0 && same(&out, &want), "lz4 legacy, then a frame, pieces of %zu: %zu bytes %s",
			   chunks[c], out.n, err);
			bfree(&out);
		}
		ssize_t r = filter_run(&out, cat.p, legacy - 5, GP_FMT_LZ4, 0, err, sizeof err);
		snprintf(expect, sizeof expect, "truncated lz4 stream after %zu bytes", legacy - 5);
		ok(r == -1 && out.n == half && is_prefix(&out, text) && strcmp(err, expect) == 0,
		   "lz4 legacy cut in its second block: %zu bytes, '%s'", out.n, err);
		bfree(&out);
		bfree(&cat);
		bfree(&want);
	}
}

/* ---- archives ---- */

typedef struct member_rec {
	char name[256];
	buf data;
	int status; /* GP_ARC_MEMBER or GP_ARC_SKIPPED */
	ssize_t r;
	char err[256];
} member_rec;

typedef struct arc_result {
	member_rec m[16];
	int n;
	int end; /* GP_ARC_END or GP_ARC_ERROR */
	char err[256];
	char open_err[256];
	char below[256]; /* gp_archive_below_fault at the end */
	bool below_twice; /* ... and it was handed out again */
} arc_result;

/* Opens an archive over p (through gzip when gzipped) and reads every member. */
static void arc_run(arc_result *res, const void *p, size_t n, gp_format fmt, bool gzipped,
		    size_t chunk)
{
	gp_scope sc;
	gp_scope_init(&sc);
	mem m;
	char eb[256];
	memset(res, 0, sizeof *res);
	gp_stream *in = mem_open(&m, p, n, chunk);
	if (gzipped)
		in = gp_gzip_open(&sc, in, false, eb, sizeof eb);
	gp_archive *a = gp_archive_open(&sc, in, fmt, eb, sizeof eb);
	if (!a) {
		snprintf(res->open_err, sizeof res->open_err, "%s", eb);
		res->end = GP_ARC_ERROR;
		gp_scope_unwind(&sc);
		return;
	}
	for (;;) {
		const char *name;
		gp_stream *mem_s;
		int r = gp_archive_next(a, &name, &mem_s, eb, sizeof eb);
		if (r == GP_ARC_END || r == GP_ARC_ERROR || res->n == 16) {
			res->end = r;
			snprintf(res->err, sizeof res->err, "%s", eb);
			break;
		}
		member_rec *mr = &res->m[res->n++];
		mr->status = r;
		snprintf(mr->name, sizeof mr->name, "%s", name ? name : "(null)");
		if (r == GP_ARC_SKIPPED) {
			snprintf(mr->err, sizeof mr->err, "%s", eb);
			continue;
		}
		mr->r = drain(mem_s, &mr->data, 5000);
		if (mr->r < 0)
			snprintf(mr->err, sizeof mr->err, "%s", mem_s->err);
	}
	const char *bf = gp_archive_below_fault(a);
	snprintf(res->below, sizeof res->below, "%s", bf ? bf : "");
	res->below_twice = gp_archive_below_fault(a) != NULL;
	gp_scope_unwind(&sc);
}

static void arc_free_res(arc_result *res)
{
	for (int i = 0; i < res->n; i++)
		bfree(&res->m[i].data);
}

static const member_rec *find(const arc_result *res, const char *name)
{
	for (int i = 0; i < res->n; i++)
		if (strcmp(res->m[i].name, name) == 0)
			return &res->m[i];
	return NULL;
}

static bool has_member(const arc_result *res, const char *name, const void *p, size_t n)
{
	const member_rec *m = find(res, name);
	return m && m->status == GP_ARC_MEMBER && m->r == 0 && m->data.n == n &&
	       (n == 0 || memcmp(m->data.p, p, n) == 0);
}

/* A ustar header for tar_add. */
static void tar_add(buf *t, const char *name, char type, const void *p, size_t n)
{
	unsigned char h[512];
	memset(h, 0, sizeof h);
	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 7);
	memcpy(h + 108, "0000000", 7);
	memcpy(h + 116, "0000000", 7);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)n);
	memcpy(h + 136, "14000000000", 11);
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	put(t, h, 512);
	put(t, p, n);
	putz(t, (512 - n % 512) % 512);
}

static void test_tar(const buf *text)
{
	buf t = { 0 };
	const unsigned char *a = text->p, *b = text->p + 1000;
	size_t an = 5000, bn = 30000;
	tar_add(&t, "app/", '5', NULL, 0);
	tar_add(&t, "app/a.log", '0', a, an);
	tar_add(&t, "app/empty.log", '0', NULL, 0);
	tar_add(&t, "app/link", '2', NULL, 0);
	tar_add(&t, "app/hard", '1', NULL, 0);
	tar_add(&t, "app/b.log", '0', b, bn);
	tar_add(&t, "odd\nname\t\x01.log", '0', "x\n", 2);
	size_t end_of_b = 512 * 7 + 5120 + 30208;
	putz(&t, 1024);

	ok(gp_detect(t.p, 512) == GP_FMT_TAR, "detect the tar");
	arc_result res;
	arc_run(&res, t.p, t.n, GP_FMT_TAR, false, 0);
	ok(res.end == GP_ARC_END && res.n == 4, "tar: 4 regular members, then the end (%d, %s)", res.n,
	   res.err);
	ok(has_member(&res, "app/a.log", a, an) && has_member(&res, "app/empty.log", "", 0) &&
		   has_member(&res, "app/b.log", b, bn),
	   "tar: names and contents (directory, symlink and hard link skipped)");
	ok(has_member(&res, "odd\\nname\\t\\x01.log", "x\n", 2),
	   "tar: control characters in a name escaped: %s", res.n == 4 ? res.m[3].name : "?");
	arc_free_res(&res);

	arc_run(&res, t.p, t.n, GP_FMT_TAR, false, 100);
	ok(res.end == GP_ARC_END && res.n == 4 && has_member(&res, "app/b.log", b, bn),
	   "tar read in 100-byte pieces");
	arc_free_res(&res);

	/* tar.gz: gzip below the archive. */
	buf tgz = { 0 };
	deflate_to(&tgz, t.p, t.n, 31, 6);
	arc_run(&res, tgz.p, tgz.n, GP_FMT_TAR, true, 0);
	ok(res.end == GP_ARC_END && res.n == 4 && has_member(&res, "app/b.log", b, bn),
	   "tar.gz: members through the gzip layer");
	arc_free_res(&res);

	/* Truncated inside app/b.log: a.log whole, b.log's good bytes, then
	 * the member's error; gp_archive_next then says it cannot go on. */
	arc_run(&res, t.p, end_of_b - 20000, GP_FMT_TAR, false, 0);
	const member_rec *mb = find(&res, "app/b.log");
	ok(has_member(&res, "app/a.log", a, an) && mb && mb->r == -1 &&
		   strcmp(mb->err, "truncated tar archive in member 'app/b.log'") == 0 &&
		   is_prefix(&mb->data, &(buf){ (unsigned char *)b, bn, 0 }) &&
		   res.end == GP_ARC_ERROR && res.err[0] == '\0',
	   "truncated tar: '%s' after %zu bytes, next: %d '%s'", mb ? mb->err : "no b.log",
	   mb ? mb->data.n : 0, res.end, res.err);
	arc_free_res(&res);

	/* Truncated inside a header: "truncated tar archive after member". */
	arc_run(&res, t.p, 512 * 2 + 5120 + 100, GP_FMT_TAR, false, 0);
	ok(has_member(&res, "app/a.log", a, an) && res.end == GP_ARC_ERROR &&
		   strcmp(res.err, "truncated tar archive after member 'app/a.log'") == 0,
	   "tar cut in a header: '%s'", res.err);
	arc_free_res(&res);

	/* Truncated tar.gz: the gzip layer's fault, once, and the tar's. */
	arc_run(&res, tgz.p, tgz.n / 2, GP_FMT_TAR, true, 0);
	mb = res.n ? &res.m[res.n - 1] : NULL;
	ok(mb && mb->r == -1 && starts(mb->err, "truncated tar archive in member '") &&
		   starts(res.below, "truncated gzip stream after ") && !res.below_twice &&
		   res.end == GP_ARC_ERROR,
	   "truncated tar.gz: '%s', below: '%s', next: '%s'", mb ? mb->err : "", res.below,
	   res.err);
	arc_free_res(&res);

	/* A bad gzip CRC after a complete tar: every member, then the fault
	 * found by reading on past the tar's end. */
	tgz.p[tgz.n - 8] ^= 0xff;
	arc_run(&res, tgz.p, tgz.n, GP_FMT_TAR, true, 0);
	ok(res.end == GP_ARC_END && res.n == 4 && has_member(&res, "app/b.log", b, bn) &&
		   starts(res.below, "gzip checksum mismatch at byte "),
	   "tar.gz with a bad CRC: end %d, below '%s'", res.end, res.below);
	tgz.p[tgz.n - 8] ^= 0xff;
	arc_free_res(&res);

	/* A damaged header (bad checksum) after the first member. */
	buf dam = { 0 };
	put(&dam, t.p, t.n);
	dam.p[512 * 2 + 5120 + 5] ^= 0x20; /* app/empty.log's header */
	arc_run(&res, dam.p, dam.n, GP_FMT_TAR, false, 0);
	const member_rec *sk = res.n > 1 ? &res.m[1] : NULL;
	if (!ok(has_member(&res, "app/a.log", a, an) && sk && sk->status == GP_ARC_SKIPPED &&
		   starts(sk->err, "damaged tar archive after member 'app/a.log': ") &&
		   strstr(sk->err, "skipped to the next header") && has_member(&res, "app/b.log", b, bn) &&
		   res.end == GP_ARC_END && res.n == 4,
	   "damaged tar header: '%s', then the next members", sk ? sk->err : ""))
		for (int k = 0; k < res.n; k++)
			diag("member %d '%s' status %d r %zd %zu bytes '%s'", k, res.m[k].name,
			     res.m[k].status, res.m[k].r, res.m[k].data.n, res.m[k].err);
	arc_free_res(&res);

	/* Stopping in a member: the next member still comes. */
	{
		gp_scope sc;
		gp_scope_init(&sc);
		mem m;
		char eb[256];
		gp_archive *ar = gp_archive_open(&sc, mem_open(&m, t.p, t.n, 0), GP_FMT_TAR, eb,
						 sizeof eb);
		const char *name;
		gp_stream *ms;
		int r1 = gp_archive_next(ar, &name, &ms, eb, sizeof eb);
		char tmp[10];
		ssize_t got = ms->read(ms, tmp, sizeof tmp);
		int r2 = gp_archive_next(ar, &name, &ms, eb, sizeof eb);
		ok(r1 == GP_ARC_MEMBER && got == 10 && r2 == GP_ARC_MEMBER &&
			   strcmp(name, "app/empty.log") == 0,
		   "a member read in part, then the next one: %s", name);
		/* And released in the middle of the archive. */
		gp_scope_unwind(&sc);
	}

	/* An empty tar (two zero blocks). */
	buf et = { 0 };
	putz(&et, 1024);
	arc_run(&res, et.p, et.n, GP_FMT_TAR, false, 0);
	ok(res.end == GP_ARC_END && res.n == 0, "an empty tar: no members, no error");
	arc_free_res(&res);
	ok(gp_detect(et.p, 512) == GP_FMT_PLAIN, "an empty tar's first block is plain to detect");

	bfree(&et);
	bfree(&dam);
	bfree(&tgz);
	bfree(&t);
}

/* A zip built here: local headers as members are added, then the central
 * directory. `method` is stored as is (the data is not compressed). */
typedef struct zipw {
	buf z, cd;
	int n;
} zipw;

static void le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> 8 * i);
}

static void zip_add(zipw *w, const char *name, int method, const void *p, size_t n, uint32_t crc_xor)
{
	unsigned char h[30] = { 'P', 'K', 3, 4, 20, 0 }, c[46] = { 'P', 'K', 1, 2, 20, 3, 20, 0 };
	uint32_t crc = (uint32_t)crc32(0, p, (uInt)n) ^ crc_xor;
	size_t nl = strlen(name);
	le(h + 8, (uint64_t)method, 2);
	le(h + 14, crc, 4);
	le(h + 18, n, 4);
	le(h + 22, n, 4);
	le(h + 26, nl, 2);
	le(c + 10, (uint64_t)method, 2);
	le(c + 16, crc, 4);
	le(c + 20, n, 4);
	le(c + 24, n, 4);
	le(c + 28, nl, 2);
	le(c + 38, (uint64_t)0100644 << 16, 4); /* Unix mode: a regular file */
	le(c + 42, w->z.n, 4);
	put(&w->z, h, 30);
	put(&w->z, name, nl);
	put(&w->z, p, n);
	put(&w->cd, c, 46);
	put(&w->cd, name, nl);
	w->n++;
}

static void zip_finish(zipw *w)
{
	unsigned char e[22] = { 'P', 'K', 5, 6 };
	le(e + 8, (uint64_t)w->n, 2);
	le(e + 10, (uint64_t)w->n, 2);
	le(e + 12, w->cd.n, 4);
	le(e + 16, w->z.n, 4);
	put(&w->z, w->cd.p, w->cd.n);
	put(&w->z, e, 22);
	bfree(&w->cd);
}

static void test_zip_crafted(void)
{
	zipw w = { 0 };
	zip_add(&w, "a.log", 0, "alpha\n", 6, 0);
	zip_add(&w, "b.bin", 97, "????", 4, 0); /* WavPack: not something libarchive decodes */
	zip_add(&w, "c.log", 0, "gamma\n", 6, 0);
	zip_finish(&w);
	arc_result res;
	arc_run(&res, w.z.p, w.z.n, GP_FMT_ZIP, false, 0);
	const member_rec *b = find(&res, "b.bin");
	ok(has_member(&res, "a.log", "alpha\n", 6) && has_member(&res, "c.log", "gamma\n", 6) && b &&
		   b->status == GP_ARC_SKIPPED && starts(b->err, "member 'b.bin': ") &&
		   strstr(b->err, "skipped") && res.end == GP_ARC_END,
	   "zip member with an unsupported method is skipped: '%s'", b ? b->err : "(none)");
	arc_free_res(&res);

	/* Without its central directory (cut short): the streaming reader. */
	arc_run(&res, w.z.p, 30 + 5 + 6 + 30 + 5 + 4 + 30 + 5 + 3, GP_FMT_ZIP, false, 0);
	const member_rec *c = find(&res, "c.log");
	ok(has_member(&res, "a.log", "alpha\n", 6) && c && c->r == -1 &&
		   strcmp(c->err, "truncated zip archive in member 'c.log'") == 0,
	   "zip cut in its last member: a.log, then '%s'", c ? c->err : "(no c.log)");
	arc_free_res(&res);
	bfree(&w.z);

	zipw e = { 0 };
	zip_finish(&e);
	arc_run(&res, e.z.p, e.z.n, GP_FMT_ZIP, false, 0);
	ok(res.n == 0 && res.end == GP_ARC_END, "an empty zip: no members, no error (%s)", res.err);
	arc_free_res(&res);
	bfree(&e.z);

	/* A bad CRC: the data, then an error naming the member. */
	zipw bad = { 0 };
	zip_add(&bad, "a.log", 0, "alpha\n", 6, 1);
	zip_add(&bad, "b.log", 0, "beta\n", 5, 0);
	zip_finish(&bad);
	arc_run(&res, bad.z.p, bad.z.n, GP_FMT_ZIP, false, 0);
	ok(res.n == 2 && res.m[0].r == -1 &&
		   starts(res.m[0].err, "damaged zip archive in member 'a.log'") &&
		   has_member(&res, "b.log", "beta\n", 5),
	   "zip member with a bad CRC: %zu bytes, '%s', then the next member",
	   res.n ? res.m[0].data.n : 0, res.n ? res.m[0].err : "");
	arc_free_res(&res);
	bfree(&bad.z);
}

/* A newc cpio header. */
static void cpio_add(buf *c, const char *name, size_t namesize, const void *p, size_t n)
{
	char h[111];
	snprintf(h, sizeof h, "070701%08x%08x%08x%08x%08x%08x%08zx%08x%08x%08x%08x%08zx%08x", 1u,
		 0100644u, 0u, 0u, 1u, 0u, n, 0u, 0u, 0u, 0u, namesize, 0u);
	put(c, h, 110);
	put(c, name, strlen(name) + 1);
	putz(c, (4 - (110 + strlen(name) + 1) % 4) % 4);
	put(c, p, n);
	putz(c, (4 - n % 4) % 4);
}

static void test_cpio_crafted(void)
{
	buf c = { 0 };
	cpio_add(&c, "a.log", 6, "alpha\n", 6);
	cpio_add(&c, "b.log", 6, "beta\n", 5);
	cpio_add(&c, "TRAILER!!!", 11, "", 0);
	putz(&c, 300);
	arc_result res;
	arc_run(&res, c.p, c.n, GP_FMT_CPIO, false, 0);
	ok(res.end == GP_ARC_END && has_member(&res, "a.log", "alpha\n", 6) &&
		   has_member(&res, "b.log", "beta\n", 5),
	   "cpio newc made here, padded after the trailer: %d members '%s'", res.n, res.err);
	arc_free_res(&res);

	/* A name size of 3.9 GB: libarchive would allocate it; stopped. */
	buf bad = { 0 };
	cpio_add(&bad, "a.log", 6, "alpha\n", 6);
	size_t second = bad.n;
	cpio_add(&bad, "b.log", 0xe8d4a510u, "beta\n", 5);
	arc_run(&res, bad.p, bad.n, GP_FMT_CPIO, false, 0);
	char want[128];
	snprintf(want, sizeof want,
		 "damaged cpio archive: a bad cpio header at byte %zu, after member 'a.log'", second);
	ok(has_member(&res, "a.log", "alpha\n", 6) && res.end == GP_ARC_ERROR &&
		   strcmp(res.err, want) == 0,
	   "cpio with a 3.9 GB name size: '%s'", res.err);
	arc_free_res(&res);
	arc_run(&res, bad.p, bad.n, GP_FMT_CPIO, false, 1);
	ok(has_member(&res, "a.log", "alpha\n", 6) && res.end == GP_ARC_ERROR &&
		   strcmp(res.err, want) == 0,
	   "the same, a byte at a time: '%s'", res.err);
	arc_free_res(&res);
	bfree(&bad);
	bfree(&c);
}

static void test_archives_tools(const buf *text)
{
	const unsigned char *a = text->p, *b = text->p + 1000;
	size_t an = 5000, bn = 30000;
	char cmd[600];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s/t/app/dir' && : > '%s/t/app/empty.log'", tmpdir,
		 tmpdir);
	if (system(cmd) != 0) {
		skip("archive fixtures", "cannot make files");
		return;
	}
	write_file("t/app/a.log", a, an);
	write_file("t/b.log", b, bn);

	static const struct {
		const char *what, *tool, *cmd;
		gp_format fmt;
	} kinds[] = {
		{ "tar (bsdtar)", "bsdtar", "cd t && bsdtar -cf ../fx app b.log", GP_FMT_TAR },
		{ "zip", "bsdtar", "cd t && bsdtar --format zip -cf ../fx app b.log", GP_FMT_ZIP },
		{ "zip, stored", "bsdtar",
		  "cd t && bsdtar --format zip --options zip:compression=store -cf ../fx app b.log",
		  GP_FMT_ZIP },
		{ "zip (by zip)", "zip", "cd t && zip -qr ../fx.zip app b.log && mv ../fx.zip ../fx",
		  GP_FMT_ZIP },
		{ "cpio newc", "bsdtar", "cd t && bsdtar --format newc -cf ../fx app b.log", GP_FMT_CPIO },
		{ "cpio odc", "bsdtar", "cd t && bsdtar --format odc -cf ../fx app b.log", GP_FMT_CPIO },
		{ "cpio binary", "bsdtar", "cd t && bsdtar --format bin -cf ../fx app b.log", GP_FMT_CPIO },
		{ "ar", "bsdtar",
		  "cd t && cp app/a.log a.log && bsdtar --format ar -cf ../fx a.log b.log",
		  GP_FMT_AR },
		{ "ar (binutils, no file types)", "ar",
		  "cd t && cp app/a.log a.log && ar rc ../fx a.log b.log", GP_FMT_AR },
		{ "7z", "bsdtar", "cd t && bsdtar --format 7zip -cf ../fx app b.log", GP_FMT_7Z },
		{ "7z (lzma2, by 7z)", "7z",
		  "cd t && 7z a -bd -y ../fx.7z app b.log >/dev/null && mv ../fx.7z ../fx",
		  GP_FMT_7Z },
		{ "iso9660", "bsdtar", "cd t && bsdtar --format iso9660 -cf ../fx app b.log", GP_FMT_ISO9660 },
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		buf f = { 0 };
		char what[96];
		snprintf(what, sizeof what, "%s fixture", kinds[i].what);
		char full[512];
		snprintf(full, sizeof full, "rm -f fx && (%s) >/dev/null 2>&1 && cat fx", kinds[i].cmd);
		if (!have(kinds[i].tool) || !capture(full, &f) || f.n == 0) {
			skip(what, "cannot make it here");
			bfree(&f);
			continue;
		}
		size_t dn = f.n < 40000 ? f.n : 40000;
		gp_format d = gp_detect(f.p, dn);
		ok(d == kinds[i].fmt, "detect %s: %s", kinds[i].what, gp_format_name(d));
		arc_result res;
		arc_run(&res, f.p, f.n, kinds[i].fmt, false, 0);
		bool ar = kinds[i].fmt == GP_FMT_AR;
		bool good = res.end == GP_ARC_END &&
			    has_member(&res, ar ? "a.log" : "app/a.log", a, an) &&
			    has_member(&res, "b.log", b, bn) &&
			    (ar || has_member(&res, "app/empty.log", "", 0)) &&
			    res.n == (ar ? 2 : 3);
		ok(good, "%s: members and contents (%d members, end %d '%s')", kinds[i].what, res.n,
		   res.end, res.err);
		if (!good)
			for (int k = 0; k < res.n; k++)
				diag("member %d '%s' status %d r %zd %zu bytes '%s'", k, res.m[k].name,
				     res.m[k].status, res.m[k].r, res.m[k].data.n, res.m[k].err);
		arc_free_res(&res);

		/* Truncated (in b.log's data when it is stored as is): no
		 * crash, good bytes only, and an error. */
		const unsigned char *at = memmem(f.p, f.n, b, 64);
		size_t cut = at ? (size_t)(at - f.p) + bn / 2 : f.n * 3 / 5;
		arc_run(&res, f.p, cut, kinds[i].fmt, false, 0);
		bool any_err = res.end == GP_ARC_ERROR;
		bool prefix_ok = true;
		for (int k = 0; k < res.n; k++) {
			if (res.m[k].r < 0)
				any_err = true;
			const member_rec *m = &res.m[k];
			buf want = { 0 };
			if (strcmp(m->name, "b.log") == 0)
				want = (buf){ (unsigned char *)b, bn, 0 };
			else if (strstr(m->name, "a.log"))
				want = (buf){ (unsigned char *)a, an, 0 };
			if (want.p && !is_prefix(&m->data, &want))
				prefix_ok = false;
		}
		if (!ok(any_err && prefix_ok, "%s cut at %zu: good bytes only, then '%s'", kinds[i].what, cut,
			res.err[0] ? res.err : res.n ? res.m[res.n - 1].err : ""))
			for (int k = 0; k < res.n; k++)
				diag("member %d '%s' status %d r %zd %zu bytes '%s'", k, res.m[k].name,
				     res.m[k].status, res.m[k].r, res.m[k].data.n, res.m[k].err);
		arc_free_res(&res);
		bfree(&f);
	}

	/* Symbolic links in a zip (known by its central directory) are skipped. */
	buf zl = { 0 };
	if (!have("bsdtar") ||
	    !capture("cd t && ln -sf b.log link.log && rm -f ../fx && bsdtar --format zip -cf ../fx b.log link.log && rm link.log && cat ../fx",
		     &zl) ||
	    zl.n == 0) {
		skip("zip with a symbolic link", "bsdtar cannot make one here");
	} else {
		arc_result res;
		arc_run(&res, zl.p, zl.n, GP_FMT_ZIP, false, 0);
		ok(res.n == 1 && has_member(&res, "b.log", b, bn) && res.end == GP_ARC_END,
		   "zip: a symbolic link is skipped (%d members)", res.n);
		arc_free_res(&res);
	}
	bfree(&zl);

	/* An encrypted zip member is skipped with a message. */
	buf z = { 0 };
	if (!have("bsdtar") ||
	    !capture("cd t && bsdtar --format zip --options zip:encryption=zipcrypt --passphrase x -cf - b.log 2>/dev/null",
		     &z) ||
	    z.n == 0) {
		skip("encrypted zip", "bsdtar cannot make one here");
	} else {
		arc_result res;
		arc_run(&res, z.p, z.n, GP_FMT_ZIP, false, 0);
		ok(res.n == 1 && res.m[0].status == GP_ARC_SKIPPED &&
			   strcmp(res.m[0].err, "member 'b.log': encrypted, skipped") == 0 &&
			   res.end == GP_ARC_END,
		   "encrypted zip member: '%s', then %d", res.n ? res.m[0].err : "", res.end);
		arc_free_res(&res);
	}
	bfree(&z);
}

/* ---- layers.c: what the run, --explain and the fuzzer stack ---- */

static void test_layers(void)
{
	static const char line[] = "x 1\n";
	buf tar = { 0 }, wrapped[6] = { { 0 } };
	tar_add(&tar, "a.log", '0', line, sizeof line - 1);
	putz(&tar, 1024);
	/* wrapped[k]: the tar under k gzip layers. */
	put(&wrapped[0], tar.p, tar.n);
	for (int k = 1; k < 6; k++)
		deflate_to(&wrapped[k], wrapped[k - 1].p, wrapped[k - 1].n, 31, 6);
	char err[256];
	gp_layers ly;
	mem m;
	gp_scope sc;

	gp_scope_init(&sc);
	gp_stack_result r = gp_layers_stack(&sc, mem_open(&m, line, sizeof line - 1, 0), NULL, 1, &ly,
					    err, sizeof err);
	buf out = { 0 };
	ok(r == GP_STACK_RECORDS && ly.ndec == 0 && drain(ly.top, &out, 7) == 0 &&
		   out.n == sizeof line - 1 && memcmp(out.p, line, out.n) == 0,
	   "layers: plain text is records, the peeked bytes given back");
	gp_scope_unwind(&sc);
	bfree(&out);

	r = gp_layers_stack(&sc, mem_open(&m, wrapped[4].p, wrapped[4].n, 100), NULL, 1, &ly, err,
			    sizeof err);
	const char *name = NULL;
	gp_stream *member = NULL;
	bool all_gzip = ly.ndec == 4;
	for (int i = 0; i < ly.ndec; i++)
		all_gzip = all_gzip && ly.dec[i] == GP_FMT_GZIP;
	ok(r == GP_STACK_ARCHIVE && all_gzip && ly.what == GP_FMT_TAR && ly.arc &&
		   gp_archive_next(ly.arc, &name, &member, err, sizeof err) == GP_ARC_MEMBER &&
		   strcmp(name, "a.log") == 0 && drain(member, &out, 64) == 0 &&
		   out.n == sizeof line - 1,
	   "layers: 4 gzip layers over a tar are decoded and the tar opened");
	gp_scope_unwind(&sc);
	bfree(&out);

	r = gp_layers_stack(&sc, mem_open(&m, wrapped[5].p, wrapped[5].n, 0), NULL, 1, &ly, err,
			    sizeof err);
	ok(r == GP_STACK_TOO_MANY && ly.ndec == 4 &&
		   strcmp(gp_layers_skipped(r), "more than 4 compression layers, skipped") == 0,
	   "layers: a fifth layer is not decoded (%s)", gp_layers_skipped(r) ? gp_layers_skipped(r) : "-");
	gp_scope_unwind(&sc);

	r = gp_layers_stack(&sc, mem_open(&m, wrapped[1].p, wrapped[1].n, 0), NULL, GP_MAX_DEPTH, &ly,
			    err, sizeof err);
	ok(r == GP_STACK_TOO_DEEP && ly.what == GP_FMT_TAR && !ly.arc &&
		   strcmp(gp_layers_skipped(r), "archives nested more than 5 deep, skipped") == 0,
	   "layers: an archive at the deepest level is not opened");
	gp_scope_unwind(&sc);
	r = gp_layers_stack(&sc, mem_open(&m, wrapped[1].p, wrapped[1].n, 0), NULL, GP_MAX_DEPTH - 1,
			    &ly, err, sizeof err);
	ok(r == GP_STACK_ARCHIVE, "layers: one level up it is");
	gp_scope_unwind(&sc);

	/* A gzip header with a bad method: the decoder is set up, its first
	 * read fails, so stacking still names gzip and the fault comes later. */
	static const unsigned char junk[] = { 0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff };
	r = gp_layers_stack(&sc, mem_open(&m, junk, sizeof junk, 0), NULL, 1, &ly, err, sizeof err);
	ok(r == GP_STACK_RECORDS && ly.ndec == 1 && drain(ly.top, &out, 64) == -1 && out.n == 0 &&
		   ly.top->err[0],
	   "layers: a damaged gzip start is stacked, and its fault read through the peek (%s)",
	   ly.top->err);
	bfree(&out);
	gp_scope_unwind(&sc);

	bfree(&tar);
	for (int k = 0; k < 6; k++)
		bfree(&wrapped[k]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_detect();
	test_gzip();
	test_layers();

	snprintf(tmpdir, sizeof tmpdir, "/tmp/gpipe-test-codecs-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		skip("tool fixtures", "no temporary directory");
	} else {
		buf text = { 0 };
		make_log(&text, 200000);
		test_filters(&text);
		test_xz_bz2();
		test_frames(&text);
		test_tar(&text);
		test_zip_crafted();
		test_cpio_crafted();
		test_archives_tools(&text);
		bfree(&text);
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			diag("could not remove %s", tmpdir);
	}
	return tap_done();
}
