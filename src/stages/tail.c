/* tail N: the last N records of the whole stream, once it ends, kept in a
 * ring of copies it owns (bounded: N x --max-record). */
#include <stdlib.h>
#include <string.h>

#include "../core/fields.h"
#include "count_arg.h"
#include "../core/rec.h"

typedef struct tail {
	uint64_t n;
	gp_kept *ring; /* text, origin and fields copied: inputs and archive
			* members are released as the source moves on */
	size_t next, used; /* ring position of the next write; slots filled */
	size_t cap;        /* slots allocated: grows to n as records come, so
			    * `tail 1000000` over ten lines costs ten slots */
	bool done;
	gp_recvec out;
} tail;

static void free_ring(void *arg)
{
	tail *t = arg;
	for (size_t i = 0; t->ring && i < t->cap; i++)
		gp_kept_free(&t->ring[i]);
	free(t->ring);
}

static int keep(tail *t, const gp_rec *rec)
{
	/* Until the ring is full it is in order, and may grow. */
	if (gp_kept_room(&t->ring, &t->cap, t->next, (size_t)t->n) != 0)
		return -1;
	if (gp_keep(&t->ring[t->next], rec) != 0)
		return -1;
	t->next = (t->next + 1) % t->n;
	if (t->used < t->n)
		t->used++;
	return 0;
}

static gp_status tail_next(gp_stage *st, gp_batch *out)
{
	tail *t = st->state;
	const char delim = st->ctx->delim;
	if (t->done)
		return GP_EOF;
	gp_batch in;
	gp_status r;
	while ((r = gp_pull(st, &in)) == GP_OK) {
		if (t->n == 0)
			continue;
		if (in.span && !in.has_recs) {
			/* Only the last n records of the span matter: find them from the end. */
			const char *end = in.span + in.span_len - 1; /* the final delimiter */
			size_t begin = in.span_len - 1, first = 0;
			for (uint64_t k = 0; k < t->n; k++) {
				const char *q = begin ? memrchr(in.span, delim, begin) : NULL;
				if (!q) {
					first = 0;
					break;
				}
				first = (size_t)(q - in.span) + 1;
				begin = (size_t)(q - in.span);
			}
			const char *p = in.span + first;
			uint64_t line = 0;
			if (in.span_line)
				line = in.span_line + gp_count_byte(in.span, (size_t)(p - in.span), delim);
			while (p <= end) {
				const char *q = memchr(p, delim, (size_t)(end - p) + 1);
				gp_rec rec = { .p = p, .len = (size_t)(q - p), .line = line, .origin = in.span_origin };
				if (keep(t, &rec) != 0)
					return gp_fail(st->ctx, NULL, "out of memory");
				if (line)
					line++;
				p = q + 1;
			}
		} else {
			size_t i = in.n > t->n ? in.n - (size_t)t->n : 0;
			for (; i < in.n; i++)
				if (keep(t, &in.recs[i]) != 0)
					return gp_fail(st->ctx, NULL, "out of memory");
		}
	}
	if (r == GP_ERR)
		return r;
	t->done = true;
	if (t->used == 0 || gp_signal)
		return GP_EOF;
	if (gp_recvec_reserve(&t->out, t->used) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	size_t first = (t->next + (size_t)t->n - t->used) % t->n;
	for (size_t i = 0; i < t->used; i++)
		t->out.v[i] = t->ring[(first + i) % t->n].rec;
	gp_batch_of(out, t->out.v, t->used);
	out->writable = true;
	return GP_OK;
}

static const gp_stage_ops tail_ops = { tail_next };

static gp_status tail_open(gp_stage *st, const gp_args *args)
{
	tail *t = gp_scope_alloc(st->scope, sizeof *t);
	if (!t)
		return gp_fail(st->ctx, NULL, "out of memory");
	if (gp_count_arg(st, args, &t->n) != GP_OK)
		return GP_ERR;
	if (t->n > (1u << 24))
		return gp_fail(st->ctx, &args->v[args->n - 1].span,
			       "tail: count too large (at most 16777216 records are kept)");
	if (gp_scope_defer(st->scope, free_ring, t) != 0 || gp_recvec_own(st->scope, &t->out) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	st->state = t;
	st->ops = &tail_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_tail = {
	.name = "tail",
	.family = GP_FAM_FILTER,
	.synopsis = "tail [-n] N",
	.summary = "keep the last N records",
	.help = "Passes the last N records of the whole stream, once it ends. It keeps a "
		"ring of N records, so its memory is bounded by N times the longest record. "
		"`tail -N` works too, as in coreutils.",
	.examples = "grep ERROR | tail 3\tthe last three errors",
	.opts = gp_count_opts,
	.open = tail_open,
};
