/* The record-transform base: what every stage that makes new records from
 * the records it pulls shares (json, fields, parse, logfmt, csv, tsv, set,
 * select, format, number, explode).
 *
 * Rules:
 *  - A gp_xform sits inside the stage's state (gp_scope_alloc'd, so zeroed)
 *    and is set up by gp_xform_init in open, before anything else the stage
 *    defers: its pool and output records are owned by st->scope, and at
 *    close (also when head closes the chain early) it summarises the records
 *    counted in `drop` and frees `sb`.
 *  - Everything a next() makes (field arrays, rebuilt or decoded text) is
 *    allocated in `pool`, which gp_xform_pull resets: views handed out stay
 *    valid until the next call of next(), as core/stage.h requires. Nothing
 *    is allocated per record once the pool's blocks and `out` have grown.
 *  - `drop` counts the records the stage leaves out: those a parser cannot
 *    read, or (after gp_xform_bound) those that grew past --max-record while
 *    being rebuilt in `sb`. gp_xform_pull flushes it at the end of input.
 *  - The per-record helpers are static inline: a stage's loop calls no
 *    function of this file per record. */
#ifndef GP_XFORM_H
#define GP_XFORM_H

#include <string.h>

#include "../core/fields.h"
#include "../registry.h"
#include "../core/dropped.h"
#include "../core/fref.h"
#include "../core/pool.h"
#include "../core/sb.h"

typedef struct gp_xform {
	gp_ctx *ctx;
	gp_pool pool;    /* per batch */
	gp_recvec out;   /* the output records of the batch: out.v[0 .. out.n) */
	gp_dropped drop; /* records left out, summarised once per input */
	gp_sb sb;        /* builds record text (bounded by gp_xform_bound) */
} gp_xform;

/* Sets x up in st->scope; drop names st's stage. -1 when out of memory. */
int gp_xform_init(gp_stage *st, gp_xform *x);
/* For stages that rebuild record text in x->sb: bound it by --max-record;
 * records that grow past it are counted in x->drop (an error). */
void gp_xform_bound(gp_xform *x);

/* Starts a batch: pool reset, no output records. */
static inline void gp_xform_begin(gp_xform *x)
{
	gp_pool_reset(&x->pool);
	x->out.n = 0;
}

/* Starts a batch (gp_xform_begin, no output records) and pulls the next
 * non-empty batch from upstream as records, with room for as many output
 * records. At the end of input flushes x->drop. Returns what gp_pull
 * returned, or GP_ERR (out of memory) with ctx->diag filled. */
gp_status gp_xform_pull(gp_stage *st, gp_xform *x, gp_batch *in);

/* Finishes the record built from rec in x->sb into *o (a copy of rec with
 * the new text): 1 when it is there, 0 when it grew past --max-record
 * (reported, skipped), -1 when out of memory. */
static inline int gp_xform_finish(gp_xform *x, const gp_rec *rec, gp_rec *o)
{
	const char *p;
	size_t len;
	int k = gp_sb_finish_built(&x->sb, &x->pool, x->ctx, &x->drop, rec, &p, &len);
	if (k > 0) {
		*o = *rec;
		o->p = p;
		o->len = len;
	}
	return k;
}

/* Hands out x->out.v[0 .. n) as the batch *out. */
static inline gp_status gp_xform_emit(gp_xform *x, gp_batch *out, size_t n)
{
	gp_batch_of(out, x->out.v, n);
	return GP_OK;
}

/* Appends an output record: text p[0..len), the fields f[0..nf) copied into
 * the pool (none: no fields, no layout), line and origin from in. -1 when
 * out of memory. */
static inline int gp_xform_push(gp_xform *x, const gp_rec *in, const char *p, size_t len,
				const gp_field *f, uint32_t nf, const gp_layout *lay)
{
	if (x->out.n == x->out.cap && gp_recvec_reserve(&x->out, x->out.n + 1) != 0)
		return -1;
	gp_field *c = NULL;
	if (nf) {
		c = gp_pool_alloc(&x->pool, nf * sizeof *c);
		if (!c)
			return -1;
		memcpy(c, f, nf * sizeof *c);
	}
	gp_rec *o = &x->out.v[x->out.n++];
	*o = (gp_rec){ .p = p, .len = len, .line = in->line, .origin = in->origin, .f = c,
		       .lay = nf ? lay : NULL, .nf = nf };
	return 0;
}

/* Compiles the field reference a->s[from..to) (a whole argument, or a
 * {FIELD} inside one) into *ref; fails naming the stage, with a caret under
 * the offending byte. */
gp_status gp_xform_ref_arg(gp_stage *st, const gp_arg *a, size_t from, size_t to, gp_fref *ref);

/* For --explain: "PRE'TEXT'POST" with TEXT s[0..n) escaped, in the arena;
 * NULL when out of memory. */
char *gp_xform_explain_quoted(gp_ctx *ctx, const char *pre, const char *s, size_t n,
			      const char *post);

#endif
