/* libFuzzer target: the input layers. The bytes go through detection, then
 * decoders (detecting again after each, up to depth 4), then archive members
 * (each detected and opened in turn), and every stream is drained into a
 * small buffer. Inputs of odd length stop reading each stream after its
 * first read, as `head` does, to exercise early release of the scopes.
 *
 * Checked beyond "no crash, no leak": a read never returns more than asked,
 * a -1 always comes with a message, and a stream is never read after its end.
 * Output is bounded per input (a gzip bomb is drained only so far).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/input/stream.h"

#define DRAIN_LIMIT (32u << 20) /* output bytes per input, all layers */
#define MAX_MEMBERS 64
#define MAX_DEPTH 4

typedef struct mem {
	gp_stream s;
	const uint8_t *p;
	size_t n, off;
} mem;

static ssize_t mem_read(gp_stream *s, char *dst, size_t cap)
{
	mem *m = s->impl;
	size_t k = m->n - m->off;
	if (k > cap)
		k = cap;
	memcpy(dst, m->p + m->off, k);
	m->off += k;
	s->pos += k;
	return (ssize_t)k;
}

/* The first bytes of a stream for gp_detect, given back before the rest. */
typedef struct peek {
	gp_stream s;
	unsigned char buf[GP_DETECT_BYTES];
	size_t n, off;
	int end; /* 1: below ended, -1: below failed after the peeked bytes */
} peek;

static ssize_t peek_read(gp_stream *s, char *dst, size_t cap)
{
	peek *p = s->impl;
	if (p->off < p->n) {
		size_t k = p->n - p->off < cap ? p->n - p->off : cap;
		memcpy(dst, p->buf + p->off, k);
		p->off += k;
		return (ssize_t)k;
	}
	if (p->end > 0)
		return 0;
	if (p->end < 0) {
		memcpy(s->err, s->below->err, sizeof s->err);
		return -1;
	}
	ssize_t r = s->below->read(s->below, dst, cap);
	if (r < 0)
		memcpy(s->err, s->below->err, sizeof s->err);
	if (r <= 0)
		p->end = r < 0 ? -1 : 1;
	return r;
}

static size_t budget;
static bool head_mode;

static void check_read(gp_stream *s, ssize_t r, size_t cap)
{
	if (r > (ssize_t)cap || r < -1)
		__builtin_trap();
	if (r < 0 && s->err[0] == '\0')
		__builtin_trap(); /* an error without a message */
}

static peek *peek_open(gp_scope *sc, gp_stream *below)
{
	peek *p = gp_scope_alloc(sc, sizeof *p);
	if (!p)
		return NULL;
	p->s.read = peek_read;
	p->s.impl = p;
	p->s.below = below;
	p->s.kind = below->kind;
	while (p->n < sizeof p->buf) {
		size_t cap = sizeof p->buf - p->n;
		ssize_t r = below->read(below, (char *)p->buf + p->n, cap);
		check_read(below, r, cap);
		if (r <= 0) {
			p->end = r < 0 ? -1 : 1;
			break;
		}
		p->n += (size_t)r;
	}
	return p;
}

static void drain(gp_stream *s)
{
	static char buf[4096];
	for (;;) {
		if (budget == 0)
			return;
		size_t cap = sizeof buf < budget ? sizeof buf : budget;
		ssize_t r = s->read(s, buf, cap);
		check_read(s, r, cap);
		if (r <= 0 || head_mode)
			return;
		budget -= (size_t)r;
	}
}

static void process(gp_scope *parent, gp_stream *in, int depth)
{
	char err[256];
	gp_scope *sc = gp_scope_child(parent);
	if (!sc)
		return;
	peek *p = peek_open(sc, in);
	if (!p)
		goto out;
	gp_format f = gp_detect(p->buf, p->n);
	(void)gp_format_name(f);
	if (f == GP_FMT_PLAIN || depth >= MAX_DEPTH) {
		drain(&p->s);
	} else if (gp_format_is_archive(f)) {
		gp_archive *a = gp_archive_open(sc, &p->s, f, err, sizeof err);
		for (int i = 0; a && i < MAX_MEMBERS && budget > 0; i++) {
			const char *name;
			gp_stream *m;
			int r = gp_archive_next(a, &name, &m, err, sizeof err);
			if (r == GP_ARC_MEMBER) {
				if (!name || !m)
					__builtin_trap();
				process(sc, m, depth + 1);
			} else if (r == GP_ARC_SKIPPED) {
				if (!err[0])
					__builtin_trap();
			} else if (r == GP_ARC_END || r == GP_ARC_ERROR) {
				break;
			} else {
				__builtin_trap();
			}
			if (head_mode && i >= 2)
				break;
		}
	} else {
		gp_stream *d = (f == GP_FMT_GZIP || f == GP_FMT_ZLIB)
				       ? gp_gzip_open(sc, &p->s, f == GP_FMT_ZLIB, err, sizeof err)
				       : gp_filter_open(sc, &p->s, f, err, sizeof err);
		if (d)
			process(sc, d, depth + 1);
	}
out:
	gp_scope_close(sc);
}

/* libarchive trusts sizes in headers: a crafted 7z or cpio header asks for
 * a malloc of many GiB (cpio is guarded in archive.c; 7z headers are not).
 * On a real machine such a malloc fails and libarchive reports "Couldn't
 * allocate memory"; here the same is simulated for anything over 1 GiB, so
 * the fuzzer checks that the failure is handled, and the RSS limit still
 * checks what is really used. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1:max_allocation_size_mb=1024";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gp_scope root;
	gp_scope_init(&root);
	mem m = { .s = { .read = mem_read, .kind = "file" }, .p = data, .n = size };
	m.s.impl = &m;
	budget = DRAIN_LIMIT;
	head_mode = size & 1;
	process(&root, &m.s, 0);
	gp_scope_unwind(&root);
	return 0;
}
