/* The aggregate stage: `count, avg latency_ms, p99 latency_ms by path` and
 * `top 10 ip`. One pass: every record's key tuple finds its group in the
 * group table (agg/groups.h), every aggregate adds the record's value to its
 * accumulator (agg/acc.h) in the group's row. At the end of input the groups
 * come out in first-seen order (top: the N largest counts), one record each,
 * with fields (keys, then aggregates) in the table layout.
 *
 * Values: a number is what the expression language reads as one (a JSON
 * number, or text that is a number as a whole, units included: 250ms is
 * 0.25); min and max fall back to byte order over text when a group had no
 * number; first, last and distinct take the value's text. A record whose
 * value is missing (or, for the numeric aggregates, not a number) is left out
 * of that aggregate and counted, summarised once per input (core/dropped.h).
 * A missing key is the empty key. */
#include <errno.h>
#include <math.h> /* isfinite, signbit: macros, no libm */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "../agg/enc.h"
#include "../agg/groups.h"
#include "../agg/hll.h"
#include "../agg/partial.h"
#include "../core/grow.h"
#include "../core/jsonval.h"
#include "../core/num.h"
#include "../core/pool.h"
#include "../core/render.h"
#include "../core/sb.h"
#include "../core/timestamp.h"
#include "../fields/jsonl.h"

#define EMIT_BATCH 256
#define TIME_KEY 12 /* bytes of a time key: int64 seconds, int32 nanoseconds */

/* One of top's N best groups, its key copied. */
typedef struct top_ent {
	uint64_t count;
	char *key;
	size_t len, cap;
} top_ent;

typedef struct agg {
	agg_spec s;
	gp_ctx *ctx;
	gp_groups *g;
	gp_eval ev;
	gp_pool scratch; /* per input batch: evaluation, decoded text, key tuples */
	gp_pool out;     /* per output batch: fields and text of the result records */
	gp_recvec recs;
	gp_sb sb;        /* result records */
	gp_sb tsb;       /* values made compact (JSON objects and arrays) */
	gp_gkey key;
	/* the keys of an input batch, hashed before the lookups */
	const char **kp;
	size_t *kl;
	uint64_t *kh;
	size_t kcap;
	uint64_t seq;    /* run-wide record number, input order (first, last) */
	bool only_count; /* every aggregate is a plain count */
	bool finished;   /* input consumed, table finished */
	bool drained;    /* every group handed out (and its row freed) */
	bool done;
	uint64_t ngroups; /* groups handed out (a spilled key is added again, so not counted at add) */
	uint64_t *approx; /* per aggregate: groups whose answer is approximate */
	gp_dropped keyfail; /* records whose key could not be computed */
	top_ent *top;     /* top: a heap of the best so far, then sorted */
	size_t ntop, topcap, topi;
	/* --partial / --merge (agg/partial.h) */
	unsigned mode;      /* ctx->agg_mode */
	bool bare;          /* a bare `count`: its result prints as count.c's */
	size_t seq_off;     /* with a mode: where a row keeps its group's first record number */
	uint64_t seq_base;  /* ctx->part << 40 of the part being read */
	gp_jsonp *jp;       /* --merge: the validator of the states */
	void *tmp;          /* --merge: the row of one line */
	gp_sb vb;           /* encoded or decoded bytes of one state */
	char *kbuf;         /* --merge: an unescaped key part */
	size_t kbcap;
} agg;

/* ---- values ---- */

static bool get_value(agg *a, const agg_val *v, const gp_rec *r, gp_value *out)
{
	if (v->plain) {
		const gp_fref *ref = &v->ref;
		if ((ref->kind == GP_REF_POS || ref->kind == GP_REF_NF) && !r->f) {
			out->kind = GP_K_STR;
			return gp_awk_field(r->p, r->len, ref->kind == GP_REF_NF ? 0 : ref->pos, &out->p,
					    &out->len);
		}
		return gp_fref_get(ref, r, out, a->ev.numbuf);
	}
	gp_field f;
	if (!gp_expr_field(&a->ev, v->e, r, &f))
		return false;
	*out = (gp_value){ .kind = f.kind, .p = f.v, .len = f.vlen };
	return true;
}

/* The value as text: strings decoded, literals spelled, JSON as written. */
static bool value_text(agg *a, const gp_value *v, const char **p, size_t *n)
{
	switch ((gp_kind)v->kind) {
	case GP_K_JSTR:
		if (memchr(v->p, '\\', v->len)) {
			char *d = gp_pool_alloc(&a->scratch, v->len + 1);
			if (!d)
				return false;
			*n = gp_json_unescape(v->p, v->len, d);
			*p = d;
			return true;
		}
		/* fall through */
	case GP_K_STR:
	case GP_K_NUM:
		*p = v->p;
		*n = v->len;
		return true;
	case GP_K_OBJ:
	case GP_K_ARR: { /* compact JSON: {"a": 5} and {"a":5} are one value */
		a->tsb.len = 0;
		gp_sb_json_value(&a->tsb, v, false);
		size_t len = a->tsb.len;
		const char *c = gp_sb_finish(&a->tsb, &a->scratch);
		if (!c)
			return false;
		*p = c;
		*n = len;
		return true;
	}
	case GP_K_TRUE: *p = "true", *n = 4; return true;
	case GP_K_FALSE: *p = "false", *n = 5; return true;
	case GP_K_NULL: *p = "null", *n = 4; return true;
	case GP_K_MISSING: break;
	}
	return false;
}

static bool value_num(const gp_value *v, double *d)
{
	bool isint;
	int64_t i;
	if (v->kind != GP_K_NUM && v->kind != GP_K_STR && v->kind != GP_K_JSTR)
		return false;
	return gp_num_parse(v->p, v->len, &isint, &i, d);
}

/* A time key's 12 bytes: seconds, then nanoseconds, little-endian. */
static void time_key_put(gp_time t, unsigned char *b)
{
	for (int j = 0; j < 8; j++)
		b[j] = (unsigned char)((uint64_t)t.sec >> (8 * j));
	for (int j = 0; j < 4; j++)
		b[8 + j] = (unsigned char)((uint32_t)t.nsec >> (8 * j));
}

static gp_time time_key_get(const char *p)
{
	const unsigned char *b = (const unsigned char *)p;
	uint64_t sec = 0;
	uint32_t ns = 0;
	for (int j = 0; j < 8; j++)
		sec |= (uint64_t)b[j] << (8 * j);
	for (int j = 0; j < 4; j++)
		ns |= (uint32_t)b[8 + j] << (8 * j);
	return (gp_time){ (int64_t)sec, (int32_t)ns };
}

/* The text of record r's key tuple (a view valid for the batch). */
static bool key_of_(agg *a, const gp_rec *r, const char **p, size_t *n);

/* Keys that could not be computed (a timestamp that is none, arithmetic
 * on text) are the empty key, counted and summarised once per input. */
static bool key_of(agg *a, const gp_rec *r, const char **p, size_t *n)
{
	uint64_t before = a->ev.fails;
	bool ok = key_of_(a, r, p, n);
	if (a->ev.fails != before)
		gp_dropped_add(a->ctx, &a->keyfail, r, a->ev.why);
	return ok;
}

static bool key_of_(agg *a, const gp_rec *r, const char **p, size_t *n)
{
	if (a->s.nkeys == 0) {
		*p = "", *n = 0;
		return true;
	}
	gp_gkey_reset(&a->key);
	for (size_t k = 0; k < a->s.nkeys; k++) {
		gp_value v;
		const char *t = "";
		size_t tl = 0;
		if (a->s.keys[k].time) {
			/* seconds, then nanoseconds, little-endian: printed at output */
			gp_time tm;
			if (gp_expr_time(&a->ev, a->s.keys[k].v.e, r, &tm)) {
				unsigned char *b = gp_pool_alloc(&a->scratch, TIME_KEY);
				if (!b)
					return false;
				time_key_put(tm, b);
				t = (const char *)b, tl = TIME_KEY;
			}
		} else if (get_value(a, &a->s.keys[k].v, r, &v) && !value_text(a, &v, &t, &tl)) {
			return false;
		}
		if (a->s.nkeys == 1) { /* one key: its text is the whole key */
			*p = t, *n = tl;
			return true;
		}
		if (gp_gkey_part(&a->key, t, tl) != 0)
			return false;
	}
	char *c = gp_pool_alloc(&a->scratch, a->key.n ? a->key.n : 1);
	if (!c)
		return false;
	memcpy(c, a->key.p, a->key.n);
	*p = c, *n = a->key.n;
	return true;
}

/* ---- group rows ---- */

static void *part(const agg *a, void *row, size_t i)
{
	return (char *)row + a->s.items[i].off;
}

static agg_text *text_slot(const agg_item *it, void *st)
{
	if (it->kind == AK_MIN || it->kind == AK_MAX)
		return (agg_text *)((char *)st + ((it->ops->size + 7) & ~(size_t)7));
	return st;
}

static void row_init(agg *a, void *row)
{
	for (size_t i = 0; i < a->s.n; i++) {
		const agg_item *it = &a->s.items[i];
		if (it->ops)
			it->ops->init(part(a, row, i), &it->par);
	}
}

static void row_free(agg *a, void *row)
{
	for (size_t i = 0; i < a->s.n; i++) {
		const agg_item *it = &a->s.items[i];
		void *st = part(a, row, i);
		if (it->ops)
			it->ops->free(st);
		if (it->kind == AK_MIN || it->kind == AK_MAX || it->kind == AK_FIRST || it->kind == AK_LAST) {
			agg_text *t = text_slot(it, st);
			free(t->p);
			*t = (agg_text){ 0 };
		}
	}
}

static int bytecmp(const char *a, size_t an, const char *b, size_t bn);
static int text_set(agg_text *t, const char *p, size_t n);

/* ---- the group table's callbacks: rows combine, spill and come back ---- */

/* Folds row src into dst (dst holds the earlier input: the group table
 * combines in input order, so first keeps dst's text and last takes src's). */
static int row_merge(void *dst, const void *src, void *arg)
{
	agg *a = arg;
	if (a->seq_off) {
		uint64_t *ds = (uint64_t *)((char *)dst + a->seq_off);
		const uint64_t *ss = (const uint64_t *)((const char *)src + a->seq_off);
		if (*ss < *ds)
			*ds = *ss;
	}
	for (size_t i = 0; i < a->s.n; i++) {
		const agg_item *it = &a->s.items[i];
		void *d = part(a, dst, i), *o = part(a, (void *)src, i);
		if (it->kind == AK_COUNT) {
			*(uint64_t *)d += *(const uint64_t *)o;
			continue;
		}
		if (it->ops && it->ops->merge(d, o) != 0)
			return -1;
		if (it->kind == AK_MIN || it->kind == AK_MAX || it->kind == AK_FIRST || it->kind == AK_LAST) {
			agg_text *td = text_slot(it, d), *ts = text_slot(it, o);
			if (!ts->has)
				continue;
			int c = td->has ? bytecmp(ts->p, ts->len, td->p, td->len) : 0;
			bool take = !td->has || (it->kind == AK_FIRST && ts->seq < td->seq) ||
				    (it->kind == AK_LAST && ts->seq > td->seq) || (it->kind == AK_MIN && c < 0) ||
				    (it->kind == AK_MAX && c > 0);
			if (take && text_set(td, ts->p, ts->len) != 0)
				return -1;
			if (take)
				td->seq = ts->seq;
		}
	}
	return 0;
}

static size_t row_encode(void *row, unsigned char *buf, size_t cap, void *arg)
{
	agg *a = arg;
	gp_enc e = { buf, cap, 0 };
	if (a->seq_off)
		gp_enc_var(&e, *(const uint64_t *)((const char *)row + a->seq_off));
	for (size_t i = 0; i < a->s.n; i++) {
		const agg_item *it = &a->s.items[i];
		void *st = part(a, row, i);
		if (it->kind == AK_COUNT) {
			gp_enc_var(&e, *(const uint64_t *)st);
			continue;
		}
		if (it->ops)
			it->ops->encode(st, &e);
		if (it->kind == AK_MIN || it->kind == AK_MAX || it->kind == AK_FIRST || it->kind == AK_LAST) {
			const agg_text *t = text_slot(it, st);
			gp_enc_var(&e, t->has ? t->len + 1 : 0);
			for (size_t k = 0; t->has && k < t->len; k++)
				gp_enc_byte(&e, (unsigned char)t->p[k]);
			if (t->has)
				gp_enc_var(&e, t->seq);
		}
	}
	return e.n;
}

static int row_decode(void *row, const unsigned char *p, size_t n, void *arg)
{
	agg *a = arg;
	gp_dec d;
	gp_dec_init(&d, p, n);
	row_init(a, row);
	if (a->seq_off)
		*(uint64_t *)((char *)row + a->seq_off) = gp_dec_var(&d);
	for (size_t i = 0; i < a->s.n && !d.bad; i++) {
		const agg_item *it = &a->s.items[i];
		void *st = part(a, row, i);
		if (it->kind == AK_COUNT) {
			*(uint64_t *)st = gp_dec_var(&d);
			continue;
		}
		if (it->ops && it->ops->decode(st, &d) != 0)
			d.bad = true;
		if (!d.bad && (it->kind == AK_MIN || it->kind == AK_MAX || it->kind == AK_FIRST ||
			       it->kind == AK_LAST)) {
			uint64_t len = gp_dec_var(&d);
			if (len && len - 1 <= gp_dec_left(&d)) {
				if (text_set(text_slot(it, st), (const char *)d.p + d.pos, (size_t)(len - 1)) != 0) {
					row_free(a, row);
					return -1;
				}
				d.pos += (size_t)(len - 1);
				text_slot(it, st)->seq = gp_dec_var(&d);
			} else if (len) {
				d.bad = true;
			}
		}
	}
	if (d.bad || d.pos != n) {
		row_free(a, row);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static void row_free_cb(void *row, void *arg)
{
	row_free(arg, row);
}

static size_t row_mem(const void *row, void *arg)
{
	agg *a = arg;
	size_t m = 0;
	for (size_t i = 0; i < a->s.n; i++) {
		const agg_item *it = &a->s.items[i];
		void *st = part(a, (void *)row, i);
		if (it->ops && it->ops->mem)
			m += it->ops->mem(st);
		if (it->kind == AK_MIN || it->kind == AK_MAX || it->kind == AK_FIRST || it->kind == AK_LAST)
			m += text_slot(it, st)->cap;
	}
	return m;
}

static int text_set(agg_text *t, const char *p, size_t n)
{
	if (n > t->cap && gp_grow(&t->p, &t->cap, n, 1) != 0)
		return -1;
	if (n)
		memcpy(t->p, p, n);
	t->len = n;
	t->has = true;
	return 0;
}

static int bytecmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t n = an < bn ? an : bn;
	int c = n ? memcmp(a, b, n) : 0; /* an empty text may have no buffer */
	return c ? c : (an > bn) - (an < bn);
}

/* Adds record r to a group row. -1 when memory ran out. */
static int row_add(agg *a, void *row, const gp_rec *r)
{
	uint64_t seq = a->seq;
	for (size_t i = 0; i < a->s.n; i++) {
		agg_item *it = &a->s.items[i];
		void *st = part(a, row, i);
		if (it->kind == AK_COUNT) {
			if (!it->cond || gp_expr_true(&a->ev, it->cond, r))
				++*(uint64_t *)st;
			continue;
		}
		gp_value v;
		double d;
		const char *p;
		size_t n;
		if (!get_value(a, &it->v, r, &v)) {
			gp_dropped_add(a->ctx, &it->drop, r, NULL);
			continue;
		}
		switch ((agg_kind)it->kind) {
		case AK_NUM:
			if (!value_num(&v, &d)) {
				gp_dropped_add(a->ctx, &it->drop, r, NULL);
				continue;
			}
			if (gp_acc_add_num(it->ops, st, d, v.p, v.len, seq) != 0)
				return -1;
			break;
		case AK_MIN:
		case AK_MAX:
			if (value_num(&v, &d)) {
				if (it->ops->add(st, d, seq) != 0)
					return -1;
				break;
			}
			if (!value_text(a, &v, &p, &n))
				return -1;
			agg_text *t = text_slot(it, st);
			int c = t->has ? bytecmp(p, n, t->p, t->len) : 0;
			if ((!t->has || (it->kind == AK_MIN ? c < 0 : c > 0)) && text_set(t, p, n) != 0)
				return -1;
			break;
		case AK_DISTINCT:
			if (!value_text(a, &v, &p, &n))
				return -1;
			if (gp_acc_distinct_add_hash(st, gp_hash_text(p, n)) != 0)
				return -1;
			break;
		case AK_FIRST:
		case AK_LAST:
			if (it->kind == AK_FIRST && ((agg_text *)st)->has)
				break;
			if (!value_text(a, &v, &p, &n) || text_set(st, p, n) != 0)
				return -1;
			((agg_text *)st)->seq = seq;
			break;
		case AK_COUNT:
			break;
		}
	}
	return 0;
}

/* ---- input ---- */

static gp_status oom(gp_stage *st)
{
	return gp_fail(st->ctx, NULL, "%s: out of memory", st->def->name);
}

static gp_status fail_groups(gp_stage *st, agg *a)
{
	const char *dir = gp_groups_dir(a->g);
	if (dir)
		return gp_fail(st->ctx, NULL, "%s: cannot write a temporary file in %s: %s",
			       st->def->name, dir, strerror(errno));
	return oom(st);
}

static gp_status consume(gp_stage *st, agg *a)
{
	gp_batch in;
	gp_status r;
	while ((r = gp_pull(st, &in)) == GP_OK) {
		const uint64_t base = st->ctx->part << 40;
		if (base != a->seq_base) /* a new part: its records are numbered from 0 */
			a->seq_base = a->seq = base;
		if (gp_batch_records(&in, st->ctx->delim) == (size_t)-1)
			return oom(st);
		size_t n = in.n;
		if (n > a->kcap) {
			size_t c1 = a->kcap, c2 = a->kcap;
			if (gp_grow(&a->kp, &c1, n, sizeof *a->kp) != 0 ||
			    gp_grow(&a->kl, &c2, n, sizeof *a->kl) != 0 ||
			    gp_grow(&a->kh, &a->kcap, n, sizeof *a->kh) != 0)
				return oom(st);
		}
		gp_pool_reset(&a->scratch);
		for (size_t i = 0; i < n; i++) {
			if (!key_of(a, &in.recs[i], &a->kp[i], &a->kl[i]))
				return oom(st);
			a->kh[i] = gp_groups_hash(a->kp[i], a->kl[i]);
		}
		for (size_t i = 0; i < n; i++) {
			if (i + 16 < n)
				gp_groups_prefetch(a->g, a->kh[i + 16]);
			if (i + 8 < n)
				gp_groups_prefetch_group(a->g, a->kh[i + 8]);
			bool added;
			void *row = gp_groups_get_h(a->g, a->kp[i], a->kl[i], a->kh[i], &added);
			if (!row)
				return fail_groups(st, a);
			if (added) {
				row_init(a, row);
				if (a->seq_off)
					*(uint64_t *)((char *)row + a->seq_off) = a->seq;
			}
			if (a->only_count) {
				for (size_t k = 0; k < a->s.n; k++)
					++*(uint64_t *)part(a, row, k);
			} else if (!a->s.heap) {
				if (row_add(a, row, &in.recs[i]) != 0)
					return oom(st);
			} else {
				/* heap the row grew counts against the budget */
				size_t m0 = row_mem(row, a);
				if (row_add(a, row, &in.recs[i]) != 0)
					return oom(st);
				size_t m1 = row_mem(row, a);
				if (m1 != m0)
					gp_groups_add_bytes(a->g, (ptrdiff_t)m1 - (ptrdiff_t)m0);
			}
			a->seq++;
		}
	}
	if (r == GP_ERR)
		return r;
	for (size_t i = 0; i < a->s.n; i++)
		gp_dropped_flush(st->ctx, &a->s.items[i].drop);
	gp_dropped_flush(st->ctx, &a->keyfail);
	return GP_OK;
}

/* ---- top ---- */

static int key_cmp(const agg *a, const char *x, size_t xn, const char *y, size_t yn)
{
	if (a->s.nkeys <= 1)
		return bytecmp(x, xn, y, yn);
	size_t px = 0, py = 0;
	const char *sx, *sy;
	size_t lx, ly;
	for (;;) {
		int kx = gp_gkey_next(x, xn, &px, &sx, &lx), ky = gp_gkey_next(y, yn, &py, &sy, &ly);
		if (kx != 1 || ky != 1)
			return (kx == 1) - (ky == 1);
		int c = bytecmp(sx, lx, sy, ly);
		if (c)
			return c;
	}
}

/* e ranks before f: a larger count, then the smaller key. */
static bool top_better(const agg *a, const top_ent *e, const top_ent *f)
{
	if (e->count != f->count)
		return e->count > f->count;
	return key_cmp(a, e->key, e->len, f->key, f->len) < 0;
}

static void top_sift_down(agg *a, size_t i)
{
	/* A heap with the worst entry at the root. */
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, w = i;
		if (l < a->ntop && top_better(a, &a->top[w], &a->top[l]))
			w = l;
		if (r < a->ntop && top_better(a, &a->top[w], &a->top[r]))
			w = r;
		if (w == i)
			return;
		top_ent t = a->top[i];
		a->top[i] = a->top[w];
		a->top[w] = t;
		i = w;
	}
}

static int top_set(top_ent *e, uint64_t count, const char *key, size_t len)
{
	if (len > e->cap && gp_grow(&e->key, &e->cap, len, 1) != 0)
		return -1;
	if (len)
		memcpy(e->key, key, len);
	e->len = len;
	e->count = count;
	return 0;
}

static const agg *sort_agg;
static int top_order(const void *x, const void *y)
{
	const top_ent *e = x, *f = y;
	return top_better(sort_agg, e, f) ? -1 : top_better(sort_agg, f, e) ? 1 : 0;
}

static int top_select(agg *a)
{
	gp_group g;
	int k;
	while ((k = gp_groups_next(a->g, &g)) == 1) {
		a->ngroups++;
		uint64_t c = *(const uint64_t *)g.state;
		top_ent cand = { .count = c, .key = (char *)g.key, .len = g.len };
		if (a->ntop < a->s.top_n) {
			if (a->ntop == a->topcap) {
				size_t old = a->topcap;
				if (gp_grow(&a->top, &a->topcap, a->ntop + 1, sizeof *a->top) != 0)
					return -1;
				memset(a->top + old, 0, (a->topcap - old) * sizeof *a->top);
			}
			if (top_set(&a->top[a->ntop], c, g.key, g.len) != 0)
				return -1;
			/* sift up */
			size_t i = a->ntop++;
			while (i > 0 && top_better(a, &a->top[(i - 1) / 2], &a->top[i])) {
				top_ent t = a->top[i];
				a->top[i] = a->top[(i - 1) / 2];
				a->top[(i - 1) / 2] = t;
				i = (i - 1) / 2;
			}
		} else if (a->ntop && top_better(a, &cand, &a->top[0])) {
			if (top_set(&a->top[0], c, g.key, g.len) != 0)
				return -1;
			top_sift_down(a, 0);
		}
	}
	if (k < 0)
		return -1;
	sort_agg = a;
	if (a->ntop)
		qsort(a->top, a->ntop, sizeof *a->top, top_order);
	return 0;
}

/* ---- output ---- */

static bool num_text(agg *a, double d, gp_field *f)
{
	char *b = gp_pool_alloc(&a->out, 32);
	if (!b)
		return false;
	bool isint = d > -9.2e18 && d < 9.2e18 && (double)(int64_t)d == d;
	f->vlen = gp_num_format(b, isint, isint ? (int64_t)d : 0, d);
	f->v = b;
	f->kind = GP_K_NUM;
	return true;
}

static bool count_text(agg *a, uint64_t n, gp_field *f)
{
	char *b = gp_pool_alloc(&a->out, 24);
	if (!b)
		return false;
	f->vlen = (size_t)snprintf(b, 24, "%llu", (unsigned long long)n);
	f->v = b;
	f->kind = GP_K_NUM;
	return true;
}

static bool copy_text(agg *a, const char *p, size_t n, gp_field *f)
{
	char *b = gp_pool_alloc(&a->out, n ? n : 1);
	if (!b)
		return false;
	if (n)
		memcpy(b, p, n);
	f->v = b, f->vlen = n, f->kind = GP_K_STR;
	return true;
}

/* The next part of a group's key (at *pos): the whole key when there is one. */
static void key_part(const agg *a, const char *key, size_t klen, size_t *pos, const char **p, size_t *n)
{
	*p = key, *n = klen;
	if (a->s.nkeys > 1 && gp_gkey_next(key, klen, pos, p, n) != 1)
		*p = "", *n = 0;
}

/* The result record of one group into a->recs; its row is then freed. */
static bool emit_group(agg *a, const char *key, size_t klen, void *row)
{
	if (a->bare) { /* the number alone, as count.c prints it */
		gp_field c;
		if (!count_text(a, *(uint64_t *)row, &c) ||
		    (a->recs.n == a->recs.cap && gp_recvec_reserve(&a->recs, a->recs.n + 1) != 0))
			return false;
		a->recs.v[a->recs.n++] = (gp_rec){ .p = c.v, .len = c.vlen };
		return true;
	}
	size_t nf = a->s.nkeys + a->s.n;
	gp_field *f = gp_pool_alloc(&a->out, nf * sizeof *f);
	if (!f)
		return false;
	memset(f, 0, nf * sizeof *f);
	size_t pos = 0;
	for (size_t k = 0; k < a->s.nkeys; k++) {
		const char *p;
		size_t n;
		key_part(a, key, klen, &pos, &p, &n);
		f[k].name = a->s.keys[k].name;
		f[k].nlen = a->s.keys[k].nlen;
		if (a->s.keys[k].time && n == TIME_KEY) {
			char tb[GP_TIME_TEXT];
			size_t tl = gp_time_format(tb, time_key_get(p), a->ctx->tz_set ? a->ctx->tz_off : 0);
			if (!copy_text(a, tb, tl, &f[k]))
				return false;
			continue;
		}
		if (!copy_text(a, p, n, &f[k]))
			return false;
	}
	for (size_t i = 0; i < a->s.n; i++) {
		const agg_item *it = &a->s.items[i];
		gp_field *o = &f[a->s.nkeys + i];
		void *st = part(a, row, i);
		o->name = it->name;
		o->nlen = it->nlen;
		o->v = "", o->vlen = 0, o->kind = GP_K_STR;
		double d;
		bool ok = true;
		switch ((agg_kind)it->kind) {
		case AK_COUNT:
			ok = count_text(a, *(uint64_t *)st, o);
			break;
		case AK_NUM:
		case AK_DISTINCT:
			if (it->ops->approx && it->ops->approx(st))
				a->approx[i]++;
			if (it->ops->result(st, &d))
				ok = num_text(a, d, o);
			break;
		case AK_MIN:
		case AK_MAX: {
			agg_text *t = text_slot(it, st);
			if (it->ops->result(st, &d))
				ok = num_text(a, d, o);
			else if (t->has)
				ok = copy_text(a, t->p, t->len, o);
			break;
		}
		case AK_FIRST:
		case AK_LAST: {
			agg_text *t = st;
			if (t->has)
				ok = copy_text(a, t->p, t->len, o);
			break;
		}
		}
		if (!ok)
			return false;
	}
	if (a->s.heap)
		row_free(a, row);
	gp_render(&a->sb, f, (uint32_t)nf, &gp_layout_table);
	size_t len;
	const char *p = gp_sb_finish_rec(&a->sb, &a->out, a->ctx->delim, &len);
	if (!p || (a->recs.n == a->recs.cap && gp_recvec_reserve(&a->recs, a->recs.n + 1) != 0))
		return false;
	a->recs.v[a->recs.n++] = (gp_rec){ .p = p, .len = len, .f = f, .lay = &gp_layout_table,
					   .nf = (uint32_t)nf };
	return true;
}


/* ---- --partial: a group as a line of agg/partial.h's format ---- */

/* A time key part as text: RFC 3339 in UTC (as it prints, so the text
 * sorts by time), or outside the years 0000..9999 "@", the seconds since
 * the epoch, a dot and nine digits of nanoseconds. */
#define TIME_TEXT (GP_TIME_TEXT > 48 ? GP_TIME_TEXT : 48)
static size_t time_key_text(const char *p, char *out)
{
	gp_time t = time_key_get(p);
	size_t n = gp_time_format(out, t, 0);
	return n ? n : (size_t)snprintf(out, TIME_TEXT, "@%lld.%09u", (long long)t.sec, (unsigned)t.nsec);
}

/* A state's canonical bytes (acc.h's encode) as a base64 JSON string. */
static void put_state(agg *a, const gp_acc_ops *ops, void *st)
{
	gp_enc e = { NULL, 0, 0 };
	ops->encode(st, &e);
	a->vb.len = 0;
	if (!gp_sb_room(&a->vb, e.n + 1)) {
		a->sb.oom = true;
		return;
	}
	e = (gp_enc){ (unsigned char *)a->vb.p, e.n, 0 };
	ops->encode(st, &e);
	gp_sb_putc(&a->sb, '"');
	gp_b64_put(&a->sb, a->vb.p, e.n);
	gp_sb_putc(&a->sb, '"');
}

/* min and max: {"num": N}, the value as a JSON number that reads back
 * exactly (-0 kept), or base64 when it is infinite; no "num" when the
 * group had no number. */
static void put_pick(agg *a, const agg_item *it, void *st)
{
	gp_sb *b = &a->sb;
	double d;
	if (!it->ops->result(st, &d))
		return;
	gp_sb_put(b, "\"num\":", 6);
	if (!isfinite(d)) {
		put_state(a, it->ops, st);
		return;
	}
	char num[40];
	size_t n = d == 0 ? (size_t)snprintf(num, sizeof num, "%s", signbit(d) ? "-0" : "0")
			  : gp_num_format(num, false, 0, d);
	if (!gp_is_json_number(num, n) || strtod(num, NULL) != d)
		n = (size_t)snprintf(num, sizeof num, "%.17g", d);
	gp_sb_put(b, num, n);
}

static bool emit_partial(agg *a, const char *key, size_t klen, void *row)
{
	gp_sb *b = &a->sb;
	char num[48];
	size_t pos = 0;
	for (size_t k = 0; k < a->s.nkeys; k++) {
		const char *p;
		size_t n;
		key_part(a, key, klen, &pos, &p, &n);
		if (k)
			gp_sb_putc(b, GP_PARTIAL_KEY_SEP);
		if (a->s.keys[k].time && n == TIME_KEY)
			gp_sb_put(b, num, time_key_text(p, num));
		else
			gp_partial_key_put(b, p, n);
	}
	gp_sb_put(b, num, (size_t)snprintf(num, sizeof num, "\t%d:%016llx\t{\"_seq\":%llu", GP_PARTIAL_VERSION,
					   (unsigned long long)a->ctx->spec_hash,
					   (unsigned long long)*(uint64_t *)((char *)row + a->seq_off)));
	for (size_t i = 0; i < a->s.n; i++) {
		const agg_item *it = &a->s.items[i];
		void *st = part(a, row, i);
		gp_sb_put(b, ",\"", 2);
		gp_sb_json_str(b, it->name, it->nlen);
		gp_sb_put(b, "\":", 2);
		switch ((agg_kind)it->kind) {
		case AK_COUNT:
			gp_sb_put(b, num, (size_t)snprintf(num, sizeof num, "%llu", (unsigned long long)*(uint64_t *)st));
			break;
		case AK_NUM:
		case AK_DISTINCT:
			put_state(a, it->ops, st);
			break;
		case AK_MIN:
		case AK_MAX: {
			const agg_text *t = text_slot(it, st);
			gp_sb_putc(b, '{');
			size_t at = b->len;
			put_pick(a, it, st);
			if (t->has) {
				if (b->len != at)
					gp_sb_putc(b, ',');
				gp_partial_text_put(b, t->p, t->len);
			}
			gp_sb_putc(b, '}');
			break;
		}
		case AK_FIRST:
		case AK_LAST: {
			const agg_text *t = st;
			if (!t->has) {
				gp_sb_put(b, "null", 4);
				break;
			}
			gp_sb_put(b, num, (size_t)snprintf(num, sizeof num, "{\"seq\":%llu,", (unsigned long long)t->seq));
			gp_partial_text_put(b, t->p, t->len);
			gp_sb_putc(b, '}');
			break;
		}
		}
	}
	gp_sb_putc(b, '}');
	if (a->s.heap)
		row_free(a, row);
	size_t len;
	const char *p = gp_sb_finish_rec(b, &a->out, a->ctx->delim, &len);
	if (!p || (a->recs.n == a->recs.cap && gp_recvec_reserve(&a->recs, a->recs.n + 1) != 0))
		return false;
	a->recs.v[a->recs.n++] = (gp_rec){ .p = p, .len = len };
	return true;
}

/* ---- --merge: lines of states into the group table ---- */

/* A time key part written by time_key_text, back into its 12 bytes; false
 * when the text is not exactly what it writes. */
static bool time_key_bytes(const char *p, size_t n, unsigned char *out)
{
	char t[TIME_TEXT], *end;
	if (n == 0 || n >= sizeof t)
		return false;
	memcpy(t, p, n);
	t[n] = 0;
	gp_time tm;
	if (t[0] == '@') {
		errno = 0;
		long long sec = strtoll(t + 1, &end, 10);
		if (errno || *end != '.' || strlen(end + 1) != 9)
			return false;
		tm = (gp_time){ (int64_t)sec, (int32_t)strtoul(end + 1, NULL, 10) };
	} else {
		gp_timeparser tp;
		gp_timeparser_init(&tp, &(gp_time_opts){ .fixed_zone = true });
		if (!gp_time_parse_detect(&tp, t, n, &tm))
			return false;
	}
	time_key_put(tm, out);
	char back[TIME_TEXT];
	return time_key_text((const char *)out, back) == n && memcmp(back, p, n) == 0;
}

/* The key of a line (its escaped text p[0..n)) as the table's key: 1, 0
 * when the text is no key of this stage, -1 when memory ran out. */
static int line_key(agg *a, const char *p, size_t n, const char **kp, size_t *kn)
{
	if (a->s.nkeys == 0) {
		*kp = "", *kn = 0;
		return n == 0;
	}
	if (gp_grow(&a->kbuf, &a->kbcap, n + TIME_KEY + 1, 1) != 0)
		return -1;
	gp_gkey_reset(&a->key);
	const char *end = p + n;
	for (size_t k = 0; k < a->s.nkeys; k++) {
		const char *sep = memchr(p, GP_PARTIAL_KEY_SEP, (size_t)(end - p));
		if ((k + 1 < a->s.nkeys) != (sep != NULL))
			return 0; /* too few parts, or too many */
		const char *pe = sep ? sep : end;
		ssize_t len;
		if (a->s.keys[k].time && pe > p) {
			if (!time_key_bytes(p, (size_t)(pe - p), (unsigned char *)a->kbuf))
				return 0;
			len = TIME_KEY;
		} else if ((len = gp_partial_key_get(p, (size_t)(pe - p), a->kbuf)) < 0) {
			return 0;
		}
		if (a->s.nkeys == 1) {
			*kp = a->kbuf, *kn = (size_t)len;
			return 1;
		}
		if (gp_gkey_part(&a->key, a->kbuf, (size_t)len) != 0)
			return -1;
		p = pe + 1;
	}
	*kp = a->key.p, *kn = a->key.n;
	return 1;
}

/* A state in base64 (v) decoded into st (made empty by init): 0 or -1. */
static int get_state(agg *a, const gp_acc_ops *ops, void *st, const gp_value *v)
{
	if (gp_partial_b64_value(v, &a->vb) != 0)
		return -1;
	gp_dec d;
	gp_dec_init(&d, a->vb.p, a->vb.len);
	return ops->decode(st, &d) == 0 && !d.bad && d.pos == d.n ? 0 : -1;
}

/* One aggregate's member v into its part st of a fresh row: 0 or -1. */
/* A bad line: GP_OK (reported, the run goes on) or GP_ERR (--strict). */
static gp_status bad_line(gp_stage *st, const gp_rec *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static gp_status bad_line(gp_stage *st, const gp_rec *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return gp_partial_bad(st->ctx, r, "%s", msg) == GP_EOF ? GP_OK : GP_ERR;
}

static int get_item(agg *a, const agg_item *it, void *st, const gp_value *v)
{
	gp_value m;
	uint64_t seq;
	switch ((agg_kind)it->kind) {
	case AK_COUNT:
		return gp_partial_u64(v, (uint64_t *)st) ? 0 : -1;
	case AK_NUM:
	case AK_DISTINCT:
		return get_state(a, it->ops, st, v);
	case AK_MIN:
	case AK_MAX: {
		if (v->kind != GP_K_OBJ)
			return -1;
		if (gp_json_member(v, "num", 3, &m)) {
			if (m.kind == GP_K_NUM) {
				char num[40];
				double d;
				if (m.len >= sizeof num)
					return -1;
				memcpy(num, m.p, m.len);
				num[m.len] = 0;
				d = strtod(num, NULL);
				if (!isfinite(d) || it->ops->add(st, d, 0) != 0)
					return -1;
			} else if (get_state(a, it->ops, st, &m) != 0) {
				return -1;
			}
		}
		int k = gp_partial_text_get(v, &a->vb);
		return k < 0 || (k == 1 && text_set(text_slot(it, st), a->vb.p, a->vb.len) != 0) ? -1 : 0;
	}
	case AK_FIRST:
	case AK_LAST:
		if (v->kind == GP_K_NULL)
			return 0;
		if (v->kind != GP_K_OBJ || !gp_json_member(v, "seq", 3, &m) || !gp_partial_u64(&m, &seq) ||
		    gp_partial_text_get(v, &a->vb) != 1 || text_set(st, a->vb.p, a->vb.len) != 0)
			return -1;
		((agg_text *)st)->seq = seq;
		return 0;
	}
	return -1;
}

static gp_status merge_line(gp_stage *st, agg *a, const gp_rec *r)
{
	gp_partial_line pl;
	gp_value obj, m;
	uint64_t seq;
	gp_status s = gp_partial_read(st->ctx, a->jp, r, &pl, &obj, &seq);
	if (s != GP_OK)
		return s == GP_EOF ? GP_OK : s;
	const char *kp;
	size_t kn;
	int k = line_key(a, pl.key, pl.klen, &kp, &kn);
	if (k < 0)
		return oom(st);
	if (k == 0)
		return bad_line(st, r, "the key is not %zu escaped part%s as --partial writes them", a->s.nkeys,
				a->s.nkeys == 1 ? "" : "s");
	void *tmp = a->tmp;
	memset(tmp, 0, a->seq_off + 8);
	row_init(a, tmp);
	*(uint64_t *)((char *)tmp + a->seq_off) = seq;
	for (size_t i = 0; i < a->s.n; i++) {
		const agg_item *it = &a->s.items[i];
		if (!gp_json_member(&obj, it->name, it->nlen, &m)) {
			row_free(a, tmp);
			return bad_line(st, r, "the state has no member '%s'", it->name);
		}
		if (get_item(a, it, part(a, tmp, i), &m) != 0) {
			row_free(a, tmp);
			if (a->vb.oom)
				return oom(st);
			return bad_line(st, r, "the state of '%s' does not decode", it->name);
		}
	}
	bool added;
	void *row = gp_groups_get(a->g, kp, kn, &added);
	if (!row) {
		row_free(a, tmp);
		return fail_groups(st, a);
	}
	gp_groups_lower_seq(row, seq);
	if (added) {
		row_init(a, row);
		*(uint64_t *)((char *)row + a->seq_off) = UINT64_MAX;
	}
	size_t m0 = a->s.heap ? row_mem(row, a) : 0;
	int rc = row_merge(row, tmp, a);
	row_free(a, tmp);
	if (a->s.heap)
		gp_groups_add_bytes(a->g, (ptrdiff_t)row_mem(row, a) - (ptrdiff_t)m0);
	return rc == 0 ? GP_OK : oom(st);
}

static gp_status consume_merge(gp_stage *st, agg *a)
{
	gp_batch in;
	gp_status r;
	while ((r = gp_pull(st, &in)) == GP_OK) {
		if (gp_batch_records(&in, st->ctx->delim) == (size_t)-1)
			return oom(st);
		for (size_t i = 0; i < in.n; i++)
			if (merge_line(st, a, &in.recs[i]) != GP_OK)
				return GP_ERR;
	}
	return r == GP_ERR ? r : GP_OK;
}

/* For --stats: groups, spills, and what became approximate. */
static void stats_note(gp_stage *st, agg *a)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "%llu groups", (unsigned long long)a->ngroups);
	unsigned sp = gp_groups_spills(a->g);
	if (sp && n < (int)sizeof buf)
		n += snprintf(buf + n, sizeof buf - (size_t)n, ", spilled %u times to %s (--memory share %zu KiB)", sp,
			      gp_groups_dir(a->g) ? gp_groups_dir(a->g) : "$TMPDIR", gp_memory_share(a->ctx) >> 10);
	for (size_t i = 0; i < a->s.n && n < (int)sizeof buf; i++)
		if (a->approx[i])
			n += snprintf(buf + n, sizeof buf - (size_t)n, "; %s approximate for %llu groups (%s)",
				      a->s.items[i].what, (unsigned long long)a->approx[i],
				      a->s.items[i].ops->bound ? a->s.items[i].ops->bound : "approximate");
	st->stats_note = gp_arena_strndup(a->ctx->arena, buf, strlen(buf));
}

static void say_approx(agg *a)
{
	for (size_t i = 0; i < a->s.n; i++)
		if (a->approx[i])
			gp_warn(a->ctx, "%s: approximate for %llu of %llu groups (%s)", a->s.items[i].what,
				(unsigned long long)a->approx[i], (unsigned long long)a->ngroups,
				a->s.items[i].ops->bound ? a->s.items[i].ops->bound : "approximate");
}

static gp_status agg_next(gp_stage *st, gp_batch *out)
{
	agg *a = st->state;
	if (a->done)
		return GP_EOF;
	const bool partial = a->mode & GP_AGG_PARTIAL, merge = a->mode & GP_AGG_MERGE;
	if (!a->finished) {
		gp_status r = merge ? consume_merge(st, a) : consume(st, a);
		if (r != GP_OK)
			return r;
		if (gp_signal)
			return GP_EOF; /* close frees the rows */
		a->finished = true;
		if (gp_groups_finish(a->g) != 0)
			return fail_groups(st, a);
		if (a->s.top && !partial && top_select(a) != 0)
			return fail_groups(st, a);
	}
	gp_pool_reset(&a->out);
	a->recs.n = 0;
	while (a->recs.n < EMIT_BATCH) {
		bool ok;
		if (a->s.top && !partial) {
			if (a->topi == a->ntop)
				break;
			top_ent *e = &a->top[a->topi++];
			ok = emit_group(a, e->key, e->len, &e->count);
		} else {
			gp_group g;
			int k = gp_groups_next(a->g, &g);
			if (k < 0)
				return fail_groups(st, a);
			if (k == 0) {
				a->drained = true;
				break;
			}
			a->ngroups++;
			ok = partial ? emit_partial(a, g.key, g.len, g.state) : emit_group(a, g.key, g.len, g.state);
		}
		if (!ok)
			return oom(st);
	}
	if (a->recs.n == 0) {
		a->done = true;
		say_approx(a);
		stats_note(st, a);
		return GP_EOF;
	}
	gp_batch_of(out, a->recs.v, a->recs.n);
	return GP_OK;
}

static const gp_stage_ops agg_ops = { agg_next };

static void agg_close(void *arg)
{
	agg *a = arg;
	for (size_t i = 0; i < a->s.n; i++)
		gp_dropped_flush(a->ctx, &a->s.items[i].drop);
	gp_dropped_flush(a->ctx, &a->keyfail);
	/* The group table frees the rows it still holds (conf.free). */
	for (size_t i = 0; i < a->topcap; i++)
		free(a->top[i].key);
	free(a->top);
	free(a->kp);
	free(a->kl);
	free(a->kh);
	free(a->kbuf);
	gp_sb_free(&a->vb);
	gp_sb_free(&a->sb);
	gp_sb_free(&a->tsb);
	gp_gkey_free(&a->key);
}

static void free_jsonp(void *jp)
{
	gp_jsonp_free(jp);
}

/* --partial, --merge: a row keeps its group's first record number after
 * the states; the state members are named by the output fields, so those
 * must differ. */
static gp_status partial_open(gp_stage *st, agg *a, const gp_args *all)
{
	gp_ctx *ctx = st->ctx;
	a->mode = ctx->agg_mode;
	if (!a->mode)
		return GP_OK;
	a->bare = all->n == 1 && all->v[0].len == 5 && memcmp(all->v[0].s, "count", 5) == 0;
	for (size_t i = 0; i < a->s.n; i++) {
		const agg_item *it = &a->s.items[i];
		if (it->nlen == 4 && memcmp(it->name, "_seq", 4) == 0)
			return gp_fail(ctx, &st->span, "%s: _seq is the partial state's own member: name the "
				       "aggregate otherwise (as NAME) for --partial and --merge", it->what);
		for (size_t j = 0; j < i; j++)
			if (a->s.items[j].nlen == it->nlen && memcmp(a->s.items[j].name, it->name, it->nlen) == 0)
				return gp_fail(ctx, &st->span, "two aggregates are named '%s': name one otherwise "
					       "(as NAME) for --partial and --merge", it->name);
	}
	a->seq_off = (a->s.state_size + 7) & ~(size_t)7;
	if (a->mode & GP_AGG_MERGE) {
		a->jp = gp_scope_alloc(st->scope, sizeof *a->jp);
		a->tmp = gp_scope_alloc(st->scope, a->seq_off + 8);
		if (!a->jp || !a->tmp || gp_scope_defer(st->scope, free_jsonp, a->jp) != 0)
			return oom(st);
	}
	return GP_OK;
}

gp_status gp_agg_open(gp_stage *st, const gp_args *all)
{
	gp_ctx *ctx = st->ctx;
	bool top = all->n && all->v[0].len == 3 && memcmp(all->v[0].s, "top", 3) == 0;
	agg *a = gp_scope_alloc(st->scope, sizeof *a);
	if (!a || gp_pool_own(st->scope, &a->scratch) != 0 || gp_pool_own(st->scope, &a->out) != 0 ||
	    gp_recvec_own(st->scope, &a->recs) != 0)
		return oom(st);
	a->ctx = ctx;
	a->ev.scratch = &a->scratch;
	ctx->need_lineno = true; /* for the summaries' "first at line" */
	if (gp_agg_parse(st, all, top, &a->s) != GP_OK)
		return GP_ERR;
	st->few_groups = !top;
	for (size_t k = 0; k < a->s.nkeys; k++)
		st->few_groups &= a->s.keys[k].time;
	a->approx = gp_arena_alloc(ctx->arena, a->s.n * sizeof *a->approx);
	if (!a->approx)
		return oom(st);
	a->keyfail.stage = st->def->name;
	a->keyfail.what = "had keys that could not be computed (grouped under the empty key)";
	a->keyfail.what1 = "had a key that could not be computed (grouped under the empty key)";
	a->only_count = true;
	for (size_t i = 0; i < a->s.n; i++) {
		agg_item *it = &a->s.items[i];
		if (it->kind != AK_COUNT || it->cond)
			a->only_count = false;
		it->drop.stage = it->what;
		it->drop.what = it->kind == AK_NUM ? "had no number" : "had no value";
		it->drop.what1 = it->kind == AK_NUM ? "had no number" : "had no value";
	}
	/* Past the budget the table spills rows to temporary files: raw bytes
	 * for plain rows, encoded ones (row_encode) for rows with heap parts,
	 * whose heap counts against the budget (consume). Percentiles keep
	 * exact values up to a per-state share fixed at open, so whether a
	 * group is exact never depends on the input's order. */
	size_t share = gp_memory_share(ctx);
	unsigned npct = 0;
	for (size_t i = 0; i < a->s.n; i++)
		npct += a->s.items[i].ops && strcmp(a->s.items[i].ops->name, "percentile") == 0;
	for (size_t i = 0; i < a->s.n; i++)
		if (a->s.items[i].ops && strcmp(a->s.items[i].ops->name, "percentile") == 0)
			a->s.items[i].par.budget = gp_acc_pct_budget(share, npct);
	if (partial_open(st, a, all) != GP_OK)
		return GP_ERR;
	gp_groups_conf conf = { .state_size = a->seq_off ? a->seq_off + 8 : a->s.state_size,
				.budget = share,
				.merge = row_merge,
				.arg = a,
				/* --merge: groups in the order of their first record */
				.caller_seq = a->mode & GP_AGG_MERGE };
	if (a->s.heap) {
		conf.encode = row_encode;
		conf.decode = row_decode;
		conf.free = row_free_cb;
		conf.mem = row_mem;
	}
	a->g = gp_groups_new(st->scope, &conf);
	if (!a->g || gp_scope_defer(st->scope, agg_close, a) != 0)
		return oom(st);
	if (a->s.nkeys == 0) { /* the whole run is one group, even with no input */
		bool added;
		void *row = gp_groups_get(a->g, "", 0, &added);
		if (!row)
			return oom(st);
		row_init(a, row);
		if (a->seq_off)
			*(uint64_t *)((char *)row + a->seq_off) = a->mode & GP_AGG_MERGE ? UINT64_MAX : ctx->part << 40;
	}
	if (all->n) {
		uint32_t s0 = all->v[0].span.start, s1 = all->v[all->n - 1].span.end;
		size_t need = 4 * (size_t)(s1 - s0) + 1;
		char *ex = gp_arena_alloc(ctx->arena, need);
		if (ex && ctx->expr) {
			gp_escape(ex, need, ctx->expr + s0, s1 - s0);
			st->explain = ex;
		}
	}
	st->state = a;
	st->ops = &agg_ops;
	return GP_OK;
}

/* ---- the registry entries: one per aggregate, all this stage ---- */

static gp_status agg_def_open(gp_stage *st, const gp_args *all)
{
	return gp_agg_open(st, all);
}

#define AGG_HELP                                                                                   \
	"An aggregate stage reads all of its input, then prints one record per group: the keys "  \
	"first, in the order written, then the aggregates, in the order written. Several "        \
	"aggregates share one stage and one pass: count, avg latency_ms, p99 latency_ms by path. " \
	"The aggregates are count (records), count(EXPR) or count where EXPR (records for which " \
	"EXPR is true), sum F, avg F, min F, max F, median F, pNN F (p50, p99, p99.9), "          \
	"percentile(F, Q), distinct F (distinct values), first F, last F (in input order) and "   \
	"stddev F (the sample standard deviation); any of them may be written as a call, sum(F). " \
	"F and every KEY are expressions of the language of where: a field (path, $3, $NF, "     \
	"_file, _member, req.headers.host, ${start time}) or any expression (sum bytes / 1024).\n\n" \
	"Groups come out in the order their key was first seen; with no by, the whole input is "  \
	"one group and one record comes out, even with no input (count 0, sum 0, min empty). A "  \
	"record whose key is missing groups under the empty key. Fields are named as written: "   \
	"keys as the expression (path, $3, bucket(ts, 5m)), aggregates count, sum_F, avg_F, "    \
	"min_F, max_F, median_F, p99_F, distinct_F, first_F, last_F, stddev_F, count(EXPR) as "   \
	"written; `as NAME` renames either. Later stages use the fields (where count > 100, sort, " \
	"format \"{path} {count}\"); -o json, -o tsv and -o csv print them; plain output prints "  \
	"the columns tab-separated (aligned under a header on a terminal).\n\n"                     \
	"Values: a number is what where reads as one: a JSON number, or text that is a number as " \
	"a whole, units included (250ms is 0.25, 1K is 1024; 12abc is not a number). A record "   \
	"whose F is missing, or not a number for sum, avg, stddev and the percentiles, is left "  \
	"out of that aggregate and counted; the count is summarised once per input on standard "  \
	"error (gpipe: sum latency_ms: 12 records of app.log had no number (first at line 88)), " \
	"an error with --strict. min and max compare numbers numerically and fall back to byte "  \
	"order over text when a group had no number; first, last and distinct take the value's "  \
	"text. Numbers print as integers when whole, otherwise in the shortest form that reads "   \
	"back exactly; an aggregate with no value prints an empty field.\n\n"                       \
	"Exactness: sums are exact whatever the order of the values. Percentiles are nearest-rank " \
	"(x at rank ceil(q/100 * n), as datamash's and unlike Miller's interpolation), exact while " \
	"a group's values fit 1 MiB, then within 1% (a DDSketch); distinct is exact up to 4096 "   \
	"values per group, then a HyperLogLog (0.81% standard error). When an answer became "      \
	"approximate, standard error says which aggregate and for how many groups. Past their "   \
	"share of --memory groups spill to temporary files in $TMPDIR (partitioned by key, as a " \
	"database's hash aggregate) and every answer but percentiles and distinct stays exact."

#define AGG_DEF(id, nm, syn, sum, first_par, ex)                                                  \
	const gp_stage_def gp_stage_##id = {                                                      \
		.name = nm,                                                                       \
		.family = GP_FAM_AGGREGATE,                                                       \
		.holds_memory = GP_MEM_ALWAYS,                                                             \
		.takes_name = true,                                                               \
		.synopsis = syn,                                                                  \
		.summary = sum,                                                                   \
		.help = first_par "\n\n" AGG_HELP,                                                \
		.examples = ex,                                                                   \
		.open = agg_def_open,                                                             \
	}

#define AGG_TAIL " [as NAME] [, AGG]... [by KEY, ...]"

AGG_DEF(sum, "sum", "sum F" AGG_TAIL, "the sum of a value, per group",
	"Sums F over each group's records, exactly (a sum never depends on the order of its values).",
	"json | sum bytes by host\tbytes per host\n"
	"sum $10 / 1048576 as mib\tawk's $10, in MiB");
AGG_DEF(avg, "avg", "avg F" AGG_TAIL, "the mean of a value, per group",
	"The arithmetic mean of F over each group's records (from an exact sum).",
	"json | avg latency_ms by path\tmean latency per path");
AGG_DEF(min, "min", "min F" AGG_TAIL, "the smallest value, per group",
	"The smallest F of each group: numbers compared numerically, text by bytes when a group "
	"had no number.",
	"json | min latency_ms, max latency_ms by path\tthe range per path");
AGG_DEF(max, "max", "max F" AGG_TAIL, "the largest value, per group",
	"The largest F of each group: numbers compared numerically, text by bytes when a group "
	"had no number.",
	"json | max ts by user\tthe last time each user was seen");
AGG_DEF(median, "median", "median F" AGG_TAIL, "the median of a value, per group",
	"The nearest-rank median of F (p50): the value at rank ceil(n/2) of each group's values.",
	"json | median latency_ms by path\ttypical latency per path");
AGG_DEF(percentile, "percentile", "percentile (F, Q) | pNN F" AGG_TAIL,
	"a percentile of a value, per group (p50, p95, p99, p99.9)",
	"percentile(F, Q) is the Q-th percentile of F, and pNN F (p50, p95, p99, p99.9: 0 < NN <= "
	"100) the NN-th, nearest rank: the value at rank ceil(Q/100 * n) of each group's n values "
	"in order. median F is p50 F.",
	"json | p50 latency_ms, p99 latency_ms by path\tlatency percentiles per path\n"
	"json | where status >= 500 | count, p99 latency_ms by path\ttriage of server errors\n"
	"json | percentile(latency_ms, 99.5) by path\tp99.5 per path");
AGG_DEF(distinct, "distinct", "distinct F" AGG_TAIL, "the number of distinct values, per group",
	"Counts the distinct texts of F in each group (exact up to 4096 values a group, then "
	"within 0.81%).",
	"json | distinct user by path\tusers per path\n"
	"distinct $1\thow many distinct first words");
AGG_DEF(first, "first", "first F" AGG_TAIL, "the first value, per group",
	"The text of F in the group's first record (in input order) that has one.",
	"json | first ts, last ts, count by session\twhen each session began and ended");
AGG_DEF(last, "last", "last F" AGG_TAIL, "the last value, per group",
	"The text of F in the group's last record (in input order) that has one.",
	"json | last status by path\tthe latest status per path");
AGG_DEF(stddev, "stddev", "stddev F" AGG_TAIL, "the standard deviation of a value, per group",
	"The sample standard deviation of F (n - 1 in the denominator; empty for fewer than two "
	"values).",
	"json | avg latency_ms, stddev latency_ms by path\tmean and spread per path");

const gp_stage_def gp_stage_top = {
	.name = "top",
	.family = GP_FAM_AGGREGATE,
	.holds_memory = GP_MEM_ALWAYS,
	.takes_name = true,
	.synopsis = "top N KEY [as NAME] [, KEY [as NAME]]...",
	.summary = "the N most frequent keys, with their counts",
	.help = "The N groups of KEY with the most records, largest count first, ties in byte order "
		"of the key: count by KEY | sort -r count | head N, run as a bounded heap (the "
		"group table holds every key, the selection N). Fields: the keys as written, then "
		"count. KEY is any expression, as in count by KEY; a missing key is the empty key.",
	.examples = "top 10 $1\tthe ten most frequent first words (client addresses)\n"
		    "json | top 5 path, status\tthe five commonest path and status pairs",
	.open = agg_def_open,
};
