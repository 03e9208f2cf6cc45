/* head N, skip N, tail N: positional filters over the whole record stream.
 *
 * head and skip cut span batches at the N-th delimiter without splitting
 * lines. head closes everything upstream once it has its N records, so
 * `grep X | head 1` stops reading at the first match. tail keeps the last N
 * records in a ring of buffers it owns (bounded: N × --max-record). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/rec.h"
#include "../registry.h"

typedef struct counter {
	uint64_t left;
} counter;

/* Parses `NAME N` or `NAME -n N`. */
static gp_status parse_n(gp_stage *st, const gp_args *args, uint64_t *n)
{
	/* `head -5`, as coreutils has it. */
	if (args->n == 1 && !args->v[0].quoted && args->v[0].len > 1 && args->v[0].s[0] == '-' &&
	    gp_parse_count(args->v[0].s + 1, n) == 0)
		goto done;
	gp_getopt go;
	if (gp_getopt_init(&go, st->ctx, st->def->name, st->def->opts, args) != 0)
		return GP_ERR;
	const gp_arg *val = NULL;
	int c;
	while ((c = gp_getopt_next(&go)) > 0)
		if (c == 'n')
			val = &go.optarg;
	if (c < 0)
		return GP_ERR;
	size_t k = 0;
	if (!val) {
		if (go.noperands == 0)
			return gp_fail(st->ctx, &st->span, "%s: missing N", st->def->name);
		val = &go.operands[k++];
	}
	if (go.noperands > k)
		return gp_fail(st->ctx, &go.operands[k].span, "%s: unexpected argument '%s'",
			       st->def->name, go.operands[k].s);
	if (gp_parse_count(val->s, n) != 0)
		return gp_fail(st->ctx, &val->span, "%s: invalid count '%s' (want a whole number)",
			       st->def->name, val->s);
done:;
	char *ex = gp_arena_alloc(st->ctx->arena, 24);
	if (ex) {
		snprintf(ex, 24, "%llu", (unsigned long long)*n);
		st->explain = ex;
	}
	return GP_OK;
}

static gp_status head_next(gp_stage *st, gp_batch *out)
{
	counter *h = st->state;
	if (h->left == 0) {
		gp_stage_close_upstream(st);
		return GP_EOF;
	}
	gp_status r = gp_pull(st, out);
	if (r != GP_OK)
		return r;
	if (out->span && !out->has_recs) {
		if (out->span_nrec && out->span_nrec <= h->left) {
			h->left -= out->span_nrec;
			return GP_OK;
		}
		const char *cut = gp_find_nth(out->span, out->span_len, st->ctx->delim,
					      h->left > SIZE_MAX ? SIZE_MAX : (size_t)h->left);
		if (cut) {
			out->span_len = (size_t)(cut - out->span);
			out->span_nrec = (size_t)h->left;
			h->left = 0;
		} else {
			h->left -= gp_count_byte(out->span, out->span_len, st->ctx->delim);
		}
		return GP_OK;
	}
	if (out->n >= h->left) {
		out->n = (size_t)h->left;
		h->left = 0;
	} else {
		h->left -= out->n;
	}
	return GP_OK;
}

static gp_status skip_next(gp_stage *st, gp_batch *out)
{
	counter *h = st->state;
	for (;;) {
		gp_status r = gp_pull(st, out);
		if (r != GP_OK || h->left == 0)
			return r;
		if (out->span && !out->has_recs) {
			if (out->span_nrec && out->span_nrec <= h->left) {
				h->left -= out->span_nrec;
				continue;
			}
			const char *cut = gp_find_nth(out->span, out->span_len, st->ctx->delim,
						      h->left > SIZE_MAX ? SIZE_MAX : (size_t)h->left);
			if (!cut) {
				h->left -= gp_count_byte(out->span, out->span_len, st->ctx->delim);
				continue;
			}
			if (out->span_nrec)
				out->span_nrec -= (size_t)h->left;
			out->span_len -= (size_t)(cut - out->span);
			out->span_off += (uint64_t)(cut - out->span);
			out->span = cut;
			if (out->span_line)
				out->span_line += h->left;
			h->left = 0;
			if (out->span_len == 0)
				continue;
			return GP_OK;
		}
		if (out->n <= h->left) {
			h->left -= out->n;
			continue;
		}
		out->recs += h->left;
		out->n -= (size_t)h->left;
		h->left = 0;
		return GP_OK;
	}
}

static const gp_stage_ops head_ops = { head_next };
static const gp_stage_ops skip_ops = { skip_next };

static gp_status counter_open(gp_stage *st, const gp_args *args)
{
	counter *h = gp_scope_alloc(st->scope, sizeof *h);
	if (!h)
		return gp_fail(st->ctx, NULL, "out of memory");
	if (parse_n(st, args, &h->left) != GP_OK)
		return GP_ERR;
	st->state = h;
	st->ops = strcmp(st->def->name, "head") == 0 ? &head_ops : &skip_ops;
	return GP_OK;
}

/* tail */

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
	out->recs = t->out.v;
	out->n = t->used;
	out->has_recs = true;
	out->writable = true;
	return GP_OK;
}

static const gp_stage_ops tail_ops = { tail_next };

static gp_status tail_open(gp_stage *st, const gp_args *args)
{
	tail *t = gp_scope_alloc(st->scope, sizeof *t);
	if (!t)
		return gp_fail(st->ctx, NULL, "out of memory");
	if (parse_n(st, args, &t->n) != GP_OK)
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

static const gp_optdef n_opts[] = {
	{ 'n', "N", "the count, as in head -n N" },
	{ 0, NULL, NULL },
};

const gp_stage_def gp_stage_head = {
	.name = "head",
	.family = GP_FAM_FILTER,
	.synopsis = "head [-n] N",
	.summary = "keep the first N records, then stop reading",
	.help = "Passes the first N records and ends the run's input at once: every file, "
		"decoder and buffer upstream is closed, so `grep X | head 1` returns as soon as "
		"the first match is found, however large the input. `head -N` works too, as in "
		"coreutils.",
	.examples = "grep ERROR | head 5\tthe first five errors",
	.opts = n_opts,
	.open = counter_open,
};

const gp_stage_def gp_stage_skip = {
	.name = "skip",
	.family = GP_FAM_FILTER,
	.synopsis = "skip [-n] N",
	.summary = "drop the first N records",
	.help = "Drops the first N records of the whole stream (all inputs together) and "
		"passes the rest. `skip -N` works too.",
	.examples = "skip 1 | head 10\trecords 2 to 11 (a header line dropped)",
	.opts = n_opts,
	.open = counter_open,
};

const gp_stage_def gp_stage_tail = {
	.name = "tail",
	.family = GP_FAM_FILTER,
	.synopsis = "tail [-n] N",
	.summary = "keep the last N records",
	.help = "Passes the last N records of the whole stream, once it ends. It keeps a "
		"ring of N records, so its memory is bounded by N times the longest record. "
		"`tail -N` works too, as in coreutils.",
	.examples = "grep ERROR | tail 3\tthe last three errors",
	.opts = n_opts,
	.open = tail_open,
};
