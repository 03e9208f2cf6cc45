/* set NAME = EXPR [, NAME = EXPR]...: assign fields computed by
 * expressions (the language is src/eval/); the record's text is rebuilt
 * in its layout (stages/xform.h). */
#include <string.h>

#include "expr_stage.h"
#include "xform.h"
#include "../core/dropped.h"
#include "../core/pool.h"
#include "../core/render.h"

typedef struct set {
	gp_assign *as;
	size_t nas;
	gp_eval ev;
	gp_xform x; /* records rebuilt in x.sb, bounded by --max-record */
	gp_dropped fails;
	gp_dropped undecided;
} set;

static void free_set(void *arg)
{
	set *s = arg;
	gp_dropped_flush(s->x.ctx, &s->fails);
	gp_dropped_flush(s->x.ctx, &s->undecided);
}

static gp_status set_next(gp_stage *st, gp_batch *out)
{
	set *s = st->state;
	gp_batch in;
	size_t n = 0;
again:;
	gp_status r = gp_xform_pull(st, &s->x, &in);
	if (r != GP_OK)
		return r;
	for (size_t i = 0; i < in.n; i++) {
		const gp_rec *src = &in.recs[i];
		gp_rec rec = *src;
		gp_field *f = NULL;
		uint32_t nf = src->nf;
		s->ev.awk_text = src->f == NULL;
		uint64_t before = s->ev.fails, ubefore = s->ev.undecided;
		for (size_t k = 0; k < s->nas; k++) {
			gp_field v;
			uint64_t u = s->ev.undecided;
			if (!gp_expr_field(&s->ev, s->as[k].e, &rec, &v) || s->ev.undecided != u)
				continue;
			v.name = s->as[k].name;
			v.nlen = s->as[k].nlen;
			if (!f) {
				f = gp_pool_alloc(&s->x.pool, (nf + s->nas) * sizeof *f);
				if (!f)
					return gp_fail(st->ctx, NULL, "out of memory");
				if (nf)
					memcpy(f, src->f, nf * sizeof *f);
				rec.f = f;
			}
			uint32_t j = 0;
			while (j < nf && !(f[j].nlen == v.nlen && memcmp(f[j].name, v.name, v.nlen) == 0))
				j++;
			/* Duplicate names: the last one is the field (as in JSON). */
			for (uint32_t q = j + 1; q < nf; q++)
				if (f[q].nlen == v.nlen && memcmp(f[q].name, v.name, v.nlen) == 0)
					j = q;
			if (j == nf)
				nf++;
			f[j] = v;
			rec.nf = nf;
		}
		if (f && rec.lay) {
			gp_render(&s->x.sb, f, nf, rec.lay);
			int k = gp_xform_finish(&s->x, &rec, &rec);
			if (k < 0)
				return gp_fail(st->ctx, NULL, "out of memory");
			if (k == 0)
				continue; /* longer than --max-record: reported, skipped */
		}
		s->x.out.v[n++] = rec;
		count_fail(st->ctx, &s->ev, &s->fails, before, src);
		count_undecided(st->ctx, &s->ev, &s->undecided, ubefore, src);
	}
	if (n == 0 && in.n)
		goto again; /* every record grew past --max-record */
	return gp_xform_emit(&s->x, out, n);
}

static const gp_stage_ops set_ops = { set_next };

static gp_status set_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	set *s = gp_scope_alloc(st->scope, sizeof *s);
	if (!s || gp_xform_init(st, &s->x) != 0 || gp_scope_defer(st->scope, free_set, s) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	fails_init(&s->fails, &s->undecided, "set");
	gp_xform_bound(&s->x);
	ctx->need_lineno = true; /* for the summary's line */
	if (gp_expr_compile_set(st, args, &s->as, &s->nas) != 0)
		return GP_ERR;
	s->ev.scratch = &s->x.pool;
	explain_src(st, args);
	st->state = s;
	st->ops = &set_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_set = {
	.name = "set",
	.per_record = true,
	.family = GP_FAM_TRANSFORM,
	.synopsis = "set NAME = EXPR [, NAME = EXPR]...",
	.summary = "assign fields computed by expressions",
	.help =
		"Sets field NAME (a top-level name, or ${any name}) to the value of EXPR, in the "
		"language of where; several assignments, separated by commas, run left to right and "
		"later ones see earlier ones. An existing field is replaced in place, a new one is "
		"appended. Numbers are written as integers when they are whole integers, otherwise "
		"in the shortest form that reads back exactly. When EXPR is missing (a missing field, "
		"a division by zero), the assignment is skipped and the record keeps its fields; "
		"a value that could not be computed (a division by zero, text that is not a number, "
		"text that is no timestamp) is counted and summarised once per input on stderr, as "
		"where does. A time (time(ts), bucket(ts, 5m), now() - 1h: see where) is written in "
		"RFC 3339, in UTC or at the --tz offset (2024-06-01T09:00:00Z).\n\n"
		"Records with fields from json, logfmt or a delimited parse get their text rebuilt in "
		"the same format. A plain text line keeps its text and gains the fields (shown by -o "
		"json); in the expressions of the same set, $N still splits the text.",
	.examples = "set total = price * qty\tderived number\n"
		    "set ms = took * 1000, slow = took > 1s\tseveral, left to right\n"
		    "set kb = bytes / 1024 | where kb > 100\tcompute, then filter\n"
		    "set t = time(ts), m = bucket(ts, 5m)\ta timestamp in RFC 3339, its 5-minute window\n"
		    "set took = time(end) - time(start)\tseconds between two timestamps\n"
		    "set short = substr(msg, 0, 20), sign = if(n < 0, \"-\", \"+\")\tcharacters, a choice",
	.open = set_open,
};
