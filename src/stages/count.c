/* count: the number of records, as one record, once the input ends.
 * Over span batches it counts delimiters (vectorised) and never splits lines.
 * Any other use of the word (`count by KEY`, `count, sum x`, `count(EXPR)`)
 * is the aggregate stage (agg.c), which open hands over to. */
#include <stdio.h>

#include "agg.h"
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

static gp_status count_open(gp_stage *st, const gp_args *all)
{
	/* all->v[0] is the name word (takes_name): `count` alone is this stage. */
	if (all->n != 1 || all->v[0].len != 5 || st->ctx->agg_mode) /* --partial/--merge: agg.c's states */
		return gp_agg_open(st, all);
	count *c = gp_scope_alloc(st->scope, sizeof *c);
	if (!c)
		return gp_fail(st->ctx, NULL, "out of memory");
	st->state = c;
	st->ops = &count_ops;
	/* Not few_groups: this count adds up delimiters at memory speed, which
	 * threads and a merge would only slow down (-j leaves it alone). */
	return GP_OK;
}

const gp_stage_def gp_stage_count = {
	.name = "count",
	.family = GP_FAM_AGGREGATE,
	.holds_memory = GP_MEM_WITH_ARGS,
	.takes_name = true,
	.synopsis = "count [where EXPR | (EXPR)] [as NAME] [, AGG]... [by KEY, ...]",
	.summary = "the number of records, in all or per group",
	.help = "Alone, counts the records that reach it, over all inputs, and prints the number "
		"once the input ends, like `wc -l` (or `grep -c` after a grep). count by KEY counts "
		"per group (`sort | uniq -c` in first-seen order); count(EXPR), or count where EXPR, "
		"counts the records for which EXPR is true (a false or missing EXPR is not "
		"counted, without a warning).\n\n"
		"An aggregate stage reads all of its input, then prints one record per group; see "
		"gpipe help sum for the other aggregates (sum avg min max median pNN percentile "
		"distinct first last stddev), which share one stage and one pass with count: "
		"count, p99 latency_ms by path. Groups come out in first-seen order; fields are "
		"the keys as written, then count (or as NAME). Groups of plain counts spill to "
		"temporary files past their share of --memory and stay exact.",
	.examples = "grep ERROR | count\thow many error lines\n"
		    "count\thow many lines in all the inputs\n"
		    "count by $9\trequests per status code of an access log\n"
		    "json | count by path | where count > 100\tbusy paths\n"
		    "json | count(status >= 500) as errors, count by host\terrors and requests per host\n"
		    "count by _file\tlines per input file",
	.open = count_open,
};
