/* number: each record prefixed with its position in the stream, as cat -n;
 * the new text is in the per-batch pool (stages/xform.h). */
#include <stdio.h>
#include <string.h>

#include "xform.h"
#include "../core/pool.h"

typedef struct num {
	gp_xform x;
	unsigned long long n;
} num;

static gp_status number_next(gp_stage *st, gp_batch *out)
{
	num *m = st->state;
	gp_batch in;
	gp_status r = gp_xform_pull(st, &m->x, &in);
	if (r != GP_OK)
		return r;
	for (size_t i = 0; i < in.n; i++) {
		const gp_rec *rec = &in.recs[i];
		char *p = gp_pool_alloc(&m->x.pool, rec->len + 32);
		if (!p)
			return gp_fail(st->ctx, NULL, "out of memory");
		int k = snprintf(p, 32, "%6llu\t", ++m->n);
		if (rec->len)
			memcpy(p + k, rec->p, rec->len);
		p[(size_t)k + rec->len] = st->ctx->delim;
		gp_rec *o = &m->x.out.v[i];
		*o = *rec;
		o->p = p;
		o->len = rec->len + (size_t)k;
	}
	return gp_xform_emit(&m->x, out, in.n);
}

static const gp_stage_ops number_ops = { number_next };

static gp_status number_open(gp_stage *st, const gp_args *args)
{
	if (gp_no_args(st->ctx, st->def->name, args) != GP_OK)
		return GP_ERR;
	num *m = gp_scope_alloc(st->scope, sizeof *m);
	if (!m || gp_xform_init(st, &m->x) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	st->state = m;
	st->ops = &number_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_number = {
	.name = "number",
	.family = GP_FAM_TRANSFORM,
	.synopsis = "number",
	.summary = "prefix each record with its position in the stream",
	.help = "Prefixes every record with its position among the records that reach this stage "
		"(1, 2, 3 ...), right-aligned in six columns and followed by a tab, exactly as cat -n "
		"does. Numbering runs on across inputs; -n numbers lines within each input instead.",
	.examples = "number\tlike cat -n\n"
		    "grep ERROR | number\tnumber the matches, not the lines",
	.open = number_open,
};
