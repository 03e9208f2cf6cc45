/* libFuzzer target: the input layers, stacked by the run's own code. The
 * bytes go through gp_layers_stack (layers.c: peeking, ISO 9660 included,
 * detection, up to 4 decoders, the archive reader, the depth limit), as
 * every input and member of a run does; a plain result is drained into a
 * small buffer, and an archive's members are each stacked and read in turn
 * (after the last one the archive drains the stream below it). Inputs of odd
 * length stop reading each stream after its first read, as `head` does, to
 * exercise early release of the scopes.
 *
 * Checked beyond "no crash, no leak": a read never returns more than asked,
 * a -1 always comes with a message, and the input and member streams are
 * never read after their end (a check layer under the stacking). Output is
 * bounded per input (a gzip bomb is drained only so far).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/input/layers.h"

#define DRAIN_LIMIT (32u << 20) /* output bytes per input, all layers */
#define MAX_MEMBERS 64

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

static size_t budget;
static bool head_mode;

static void check_read(gp_stream *s, ssize_t r, size_t cap)
{
	if (r > (ssize_t)cap || r < -1)
		__builtin_trap();
	if (r < 0 && s->err[0] == '\0')
		__builtin_trap(); /* an error without a message */
}

/* A layer that checks every read of the stream under it, and that it is not
 * read again once it has ended. */
typedef struct check {
	gp_stream s;
	bool ended;
} check;

static ssize_t check_stream_read(gp_stream *s, char *dst, size_t cap)
{
	check *c = s->impl;
	if (c->ended)
		__builtin_trap(); /* read after its end */
	ssize_t r = s->below->read(s->below, dst, cap);
	check_read(s->below, r, cap);
	if (r < 0)
		memcpy(s->err, s->below->err, sizeof s->err);
	if (r <= 0)
		c->ended = true;
	s->pos = s->below->pos;
	return r;
}

static gp_stream *check_open(gp_scope *sc, gp_stream *below)
{
	check *c = gp_scope_alloc(sc, sizeof *c);
	if (!c)
		return NULL;
	c->s = (gp_stream){ .read = check_stream_read, .impl = c, .below = below,
			    .kind = below->kind, .pos = below->pos };
	return &c->s;
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

/* One level, as source.c opens it: depth 1 for the input, 2 for a member. */
static void process(gp_scope *parent, gp_stream *in, int depth)
{
	char err[256] = "";
	gp_scope *sc = gp_scope_child(parent);
	if (!sc)
		return;
	gp_stream *c = check_open(sc, in);
	gp_layers ly;
	gp_stack_result r = c ? gp_layers_stack(sc, c, NULL, depth, &ly, err, sizeof err)
			      : GP_STACK_NOMEM;
	if (r != GP_STACK_NOMEM)
		for (int i = 0; i < ly.ndec; i++)
			(void)gp_format_name(ly.dec[i]);
	switch (r) {
	case GP_STACK_RECORDS:
		drain(ly.top);
		break;
	case GP_STACK_ARCHIVE:
		for (int i = 0; i < MAX_MEMBERS && budget > 0; i++) {
			const char *name;
			gp_stream *m;
			int a = gp_archive_next(ly.arc, &name, &m, err, sizeof err);
			if (a == GP_ARC_MEMBER) {
				if (!name || !m)
					__builtin_trap();
				process(sc, m, depth + 1);
			} else if (a == GP_ARC_SKIPPED) {
				if (!err[0])
					__builtin_trap();
			} else if (a == GP_ARC_END || a == GP_ARC_ERROR) {
				break;
			} else {
				__builtin_trap();
			}
			(void)gp_archive_below_fault(ly.arc);
			if (head_mode && i >= 2)
				break;
		}
		break;
	case GP_STACK_FAILED:
		if (!err[0])
			__builtin_trap(); /* a failure without a message */
		break;
	case GP_STACK_TOO_MANY:
	case GP_STACK_TOO_DEEP:
		if (!gp_layers_skipped(r))
			__builtin_trap();
		break;
	case GP_STACK_NOMEM:
		break;
	}
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
	process(&root, &m.s, 1);
	gp_scope_unwind(&root);
	return 0;
}
