/* explode FIELD: a record whose FIELD is a JSON array becomes one record
 * per element, rebuilt in its layout; output batches are bounded in records
 * and bytes, so one huge array does not make one huge batch. */
#include <string.h>

#include "../fields/jsonl.h"
#include "xform.h"
#include "../core/dropped.h"
#include "../core/fref.h"
#include "../core/jsonval.h"
#include "../core/pool.h"
#include "../core/render.h"

#define EXPLODE_MAX_RECS 4096
#define EXPLODE_MAX_BYTES (1u << 20)

typedef struct explode {
	gp_xform xf; /* records rebuilt in xf.sb, bounded by --max-record */
	gp_fref ref;
	gp_batch in;  /* the upstream batch being exploded (views valid until the next pull) */
	bool have_in;
	size_t i;     /* next record of in */
	const char *cur, *arrend; /* next element of in.recs[i]'s array, when inside one */
	int target;   /* index of the replaced field, or -1 to append */
} explode;

/* The field an element replaces: the one the reference names at the top
 * level, or -1 (a path: a new field named as the path is appended). */
static int explode_target(const explode *x, const gp_rec *r)
{
	if (x->ref.kind == GP_REF_POS)
		return x->ref.pos <= r->nf ? (int)x->ref.pos - 1 : -1;
	if (x->ref.kind == GP_REF_NF)
		return r->nf ? (int)r->nf - 1 : -1;
	const gp_field *f = gp_field_find(r, x->ref.name, x->ref.nlen);
	return f ? (int)(f - r->f) : -1;
}

/* Emits the record with the element at x->cur in place of the field;
 * advances x->cur to the next element (NULL after the last). */
static int explode_one(explode *x, const gp_rec *r, size_t *bytes)
{
	const char *e = gp_json_skip(x->cur, x->arrend);
	gp_value ev;
	gp_json_value(x->cur, e, &ev);
	uint32_t nf = r->nf + (x->target < 0);
	gp_field *f = gp_pool_alloc(&x->xf.pool, nf * sizeof *f);
	if (!f)
		return -1;
	if (r->nf)
		memcpy(f, r->f, r->nf * sizeof *f);
	gp_field *t = &f[x->target < 0 ? r->nf : (uint32_t)x->target];
	if (x->target < 0) {
		t->name = x->ref.name;
		t->nlen = x->ref.nlen;
	}
	t->v = ev.p;
	t->vlen = ev.len;
	t->kind = ev.kind;
	const gp_layout *lay = r->lay ? r->lay : &gp_layout_json;
	gp_render(&x->xf.sb, f, nf, lay);
	size_t len;
	const char *text;
	int k = gp_sb_finish_built(&x->xf.sb, &x->xf.pool, x->xf.ctx, &x->xf.drop, r, &text, &len);
	if (k < 0 || gp_recvec_reserve(&x->xf.out, x->xf.out.n + 1) != 0)
		return -1;
	if (k > 0) { /* else longer than --max-record: reported, skipped */
		gp_rec *o = &x->xf.out.v[x->xf.out.n++];
		*o = *r;
		o->p = text;
		o->len = len;
		o->f = f;
		o->nf = nf;
		o->lay = lay;
		*bytes += len + nf * sizeof *f;
	}

	const char *p = gp_json_skip_ws(e, x->arrend);
	x->cur = NULL;
	if (p < x->arrend && *p == ',')
		x->cur = gp_json_skip_ws(p + 1, x->arrend);
	return 0;
}

static gp_status explode_next(gp_stage *st, gp_batch *out)
{
	explode *x = st->state;
	gp_xform_begin(&x->xf);
	size_t bytes = 0;
	for (;;) {
		if (!x->have_in) {
			gp_status r = gp_pull(st, &x->in);
			if (r != GP_OK) {
				if (r == GP_EOF)
					gp_dropped_flush(st->ctx, &x->xf.drop);
				return r;
			}
			if (gp_batch_records(&x->in, st->ctx->delim) == (size_t)-1)
				return gp_fail(st->ctx, NULL, "out of memory");
			x->have_in = true;
			x->i = 0;
			x->cur = NULL;
		}
		while (x->i < x->in.n) {
			const gp_rec *r = &x->in.recs[x->i];
			if (!x->cur) {
				gp_value v;
				char num[24];
				if (!gp_fref_get(&x->ref, r, &v, num) || v.kind != GP_K_ARR) {
					if (gp_recvec_reserve(&x->xf.out, x->xf.out.n + 1) != 0)
						return gp_fail(st->ctx, NULL, "out of memory");
					x->xf.out.v[x->xf.out.n++] = *r;
					x->i++;
					continue;
				}
				x->arrend = v.p + v.len;
				x->cur = gp_json_skip_ws(v.p + 1, x->arrend);
				if (x->cur >= x->arrend || *x->cur == ']') {
					x->cur = NULL; /* an empty array: no record, as jq's .f[] */
					x->i++;
					continue;
				}
				x->target = explode_target(x, r);
			}
			while (x->cur) {
				if (explode_one(x, r, &bytes) != 0)
					return gp_fail(st->ctx, NULL, "out of memory");
				if (x->cur && (x->xf.out.n >= EXPLODE_MAX_RECS || bytes >= EXPLODE_MAX_BYTES))
					goto full;
			}
			x->i++;
			if (x->xf.out.n >= EXPLODE_MAX_RECS || bytes >= EXPLODE_MAX_BYTES)
				goto full;
		}
		x->have_in = false;
		if (x->xf.out.n)
			break;
	}
full:
	return gp_xform_emit(&x->xf, out, x->xf.out.n);
}

static const gp_stage_ops explode_ops = { explode_next };

static gp_status explode_open(gp_stage *st, const gp_args *args)
{
	if (args->n == 0)
		return gp_fail(st->ctx, &st->span, "explode: expected a FIELD whose value is a JSON array");
	if (args->n > 1)
		return gp_fail(st->ctx, &args->v[1].span, "explode: unexpected argument '%s'",
			       args->v[1].s);
	const gp_arg *a = &args->v[0];
	explode *x = gp_scope_alloc(st->scope, sizeof *x);
	if (!x || gp_xform_init(st, &x->xf) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	gp_xform_bound(&x->xf);
	char err[160];
	size_t bad;
	if (gp_fref_parse(st->ctx->arena, a->s, a->len, &x->ref, err, sizeof err, &bad) != 0) {
		gp_span sp = gp_arg_subspan(a, bad, bad < a->len ? bad + 1 : a->len);
		return gp_fail(st->ctx, &sp, "explode: %s", err);
	}
	if (x->ref.kind != GP_REF_NAME && x->ref.kind != GP_REF_POS && x->ref.kind != GP_REF_NF)
		return gp_fail(st->ctx, &a->span, "explode: '%s' is not a field that can hold an array",
			       a->s);
	st->explain = gp_arena_strndup(st->ctx->arena, a->s, a->len);
	st->state = x;
	st->ops = &explode_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_explode = {
	.name = "explode",
	.per_record = true,
	.family = GP_FAM_FLATTEN,
	.synopsis = "explode FIELD",
	.summary = "one record per element of a JSON array field",
	.help = "When FIELD holds a JSON array, the record becomes one record per element: the "
		"other fields are kept and FIELD holds the element, as jq's `.f[]` with the rest "
		"of the object around it. The text of each record is rebuilt from its fields (a "
		"JSON object after `json`). Every record keeps the origin and line number of the "
		"record it came from.\n\n"
		"An empty array gives no record; a record where FIELD is missing or not an array "
		"passes unchanged. FIELD may be a path (items[0].tags): the element then goes to "
		"a new field named as the path, after the others.",
	.examples = "json | explode tags\tone record per tag, the other fields kept\n"
		    "json | explode value\ta file of JSON arrays: one record per element",
	.open = explode_open,
};
