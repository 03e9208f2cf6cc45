/* count: the number of records, as one record, once the input ends.
 * Over span batches it counts delimiters (vectorised) and never splits lines.
 * Grouped counting (`count by KEY`) belongs to the aggregate family. */
#include <stdio.h>

#include "../registry.h"

typedef struct count {
	uint64_t n;
	bool done;
	char text[24];
	gp_rec rec;
} count;

static gp_status count_next(gp_stage *st, gp_batch *out)
{
	count *c = st->state;
	if (c->done)
		return GP_EOF;
	gp_batch in;
	gp_status r;
	while ((r = gp_pull(st, &in)) == GP_OK) {
		if (in.span && !in.has_recs)
			c->n += in.span_nrec ? in.span_nrec
					     : gp_count_byte(in.span, in.span_len, st->ctx->delim);
		else
			c->n += in.n;
	}
	if (r == GP_ERR)
		return r;
	c->done = true;
	if (gp_signal)
		return GP_EOF;
	int len = snprintf(c->text, sizeof c->text, "%llu", (unsigned long long)c->n);
	c->rec = (gp_rec){ .p = c->text, .len = (size_t)len };
	gp_batch_of(out, &c->rec, 1);
	return GP_OK;
}

static const gp_stage_ops count_ops = { count_next };

static gp_status count_open(gp_stage *st, const gp_args *args)
{
	if (args->n > 0) {
		if (args->v[0].len == 2 && args->v[0].s[0] == 'b' && args->v[0].s[1] == 'y')
			return gp_fail(st->ctx, &args->v[0].span,
				       "count: grouping ('count by KEY') is not available yet");
		return gp_no_args(st->ctx, st->def->name, args);
	}
	count *c = gp_scope_alloc(st->scope, sizeof *c);
	if (!c)
		return gp_fail(st->ctx, NULL, "out of memory");
	st->state = c;
	st->ops = &count_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_count = {
	.name = "count",
	.family = GP_FAM_AGGREGATE,
	.synopsis = "count",
	.summary = "print the number of records",
	.help = "Counts the records that reach it, over all inputs, and prints the number "
		"once the input ends, like `wc -l` (or `grep -c` after a grep).",
	.examples = "grep ERROR | count\thow many error lines\n"
		    "count\thow many lines in all the inputs",
	.open = count_open,
};
