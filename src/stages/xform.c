/* The record-transform base (xform.h): set-up, close and the pull of a
 * batch as records; the per-record helpers are inline in the header. */
#include "xform.h"
#include "../core/dropped.h"
#include "../core/fref.h"
#include "../core/pool.h"
#include "../core/sb.h"

#include <stdio.h>

static void xform_close(void *arg)
{
	gp_xform *x = arg;
	gp_dropped_flush(x->ctx, &x->drop); /* also when head closed the chain early */
	gp_sb_free(&x->sb);
}

int gp_xform_init(gp_stage *st, gp_xform *x)
{
	x->ctx = st->ctx;
	x->drop.stage = st->def->name;
	if (gp_pool_own(st->scope, &x->pool) != 0 || gp_recvec_own(st->scope, &x->out) != 0 ||
	    gp_scope_defer(st->scope, xform_close, x) != 0)
		return -1;
	return 0;
}

void gp_xform_bound(gp_xform *x)
{
	gp_sb_bound(&x->sb, &x->drop, x->ctx, x->drop.stage);
}

gp_status gp_xform_pull(gp_stage *st, gp_xform *x, gp_batch *in)
{
	gp_xform_begin(x);
	for (;;) {
		gp_status r = gp_pull(st, in);
		if (r != GP_OK) {
			if (r == GP_EOF)
				gp_dropped_flush(st->ctx, &x->drop);
			return r;
		}
		if (gp_batch_records(in, st->ctx->delim) == (size_t)-1 ||
		    gp_recvec_reserve(&x->out, in->n) != 0)
			return gp_fail(st->ctx, NULL, "out of memory");
		if (in->n)
			return GP_OK;
	}
}

gp_status gp_xform_ref_arg(gp_stage *st, const gp_arg *a, size_t from, size_t to, gp_fref *ref)
{
	char err[160];
	size_t bad = 0;
	if (gp_fref_parse(st->ctx->arena, a->s + from, to - from, ref, err, sizeof err, &bad) != 0) {
		size_t at = from + bad;
		gp_span sp = to > from ? gp_arg_subspan(a, at, at + 1 <= to ? at + 1 : to)
				       : gp_arg_subspan(a, from, from);
		if (to == from && from > 0)
			sp = gp_arg_subspan(a, from - 1, from + 1);
		return gp_fail(st->ctx, &sp, "%s: %s", st->def->name, err);
	}
	/* _line needs the stages before it to keep line numbers (grep drops
	 * them when nobody asks). */
	if (ref->kind == GP_REF_LINE)
		st->ctx->need_lineno = true;
	return GP_OK;
}

char *gp_xform_explain_quoted(gp_ctx *ctx, const char *pre, const char *s, size_t n,
			      const char *post)
{
	size_t need = strlen(pre) + 4 * n + strlen(post) + 4;
	char *e = gp_arena_alloc(ctx->arena, need);
	if (!e)
		return NULL;
	size_t k = (size_t)snprintf(e, need, "%s'", pre);
	k += gp_escape(e + k, need - k, s, n);
	snprintf(e + k, need - k, "'%s", post);
	return e;
}
