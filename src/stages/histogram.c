/* histogram F [BUCKETS | log]: counts of F's numbers per bucket, as a table
 * of rows from, to, count once the input ends (out/table.h draws the bars).
 *
 * Equal-width buckets need the smallest and largest value before the first
 * count, so the values (doubles) are kept: in memory up to the stage's
 * --memory share, past it written to a nameless temporary file in chunks
 * of that size and read back for the second pass. `log` needs one pass:
 * a counter per power of ten, found by binary search in a table of the
 * powers strtod reads (no libm).
 *
 * --partial writes the state as lines of agg/partial.h's format, the key
 * empty and one member "histogram": the values themselves for equal-width
 * buckets ({"values": base64 of up to CHUNK doubles, little-endian IEEE
 * bits}, as many lines as it takes), the counts for log ({"min", "max":
 * base64 of a double, "neg", "zero": numbers, "decades": base64 of LEB128
 * pairs of decade and count}); --merge adds every line's values or counts
 * to an empty histogram, so the rows are one run's. */
#include <errno.h>
#include <math.h> /* isfinite: a macro, no libm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../agg/enc.h"
#include "../agg/partial.h"
#include "../core/grow.h"
#include "../core/jsonval.h"
#include "../core/num.h"
#include "../core/render.h"
#include "../core/tmpfile.h"
#include "../fields/jsonl.h"
#include "../out/table.h"
#include "expr_stage.h"
#include "xform.h"

#define DEFAULT_BUCKETS 10
#define MAX_BUCKETS 100000
#define MIN_KEEP 512  /* values kept in memory, whatever the share */
#define ROWS_OUT 256  /* rows per output batch */
#define CHUNK 512     /* values per partial line */
/* Decades 10^P10_MIN .. 10^P10_MAX: every positive finite double has one
 * (the smallest subnormal is 4.9e-324). */
#define P10_MIN (-324)
#define P10_MAX 308
#define NP10 (P10_MAX - P10_MIN + 2) /* one more: the end of the last decade */

typedef struct histogram {
	gp_xform x; /* output pool and records; `drop` counts the bad values */
	gp_enode *e;
	gp_eval ev;
	gp_pool scratch;
	const char *label; /* "histogram F", for messages (arena) */
	bool log;
	size_t nb; /* equal-width buckets */

	/* Values of the equal-width histogram: v[0 .. nv) in memory, nspilled
	 * more in tmp. keep is the most v may hold (a power of two, so gp_grow's
	 * doubling reaches it exactly). */
	double *v;
	size_t nv, cap, keep;
	gp_tmpfile tmp;
	uint64_t nspilled;
	uint64_t n;       /* good values */
	double min, max;
	uint64_t *count;  /* per bucket (nb, or NP10 decades) */
	double *edge;     /* nb + 1 equal-width edges, or the NP10 powers of ten */

	/* log: values below zero and zero itself have rows of their own. */
	uint64_t neg, zero;
	size_t first; /* the first decade with a value */

	bool counted;     /* the input is read and counted */
	size_t row, rows; /* rows handed out so far, of rows */

	/* --partial / --merge */
	unsigned mode;    /* ctx->agg_mode */
	gp_jsonp *jp;     /* --merge: the validator of the states */
	gp_sb vb;         /* a state's bytes */
	double *chunk;    /* --partial: CHUNK values read back from tmp */
	uint64_t tmp_left; /* --partial: values in tmp not yet written */
	size_t mem_done;  /* --partial: values of v written */
	bool log_done;    /* --partial, log: the line is written */
} histogram;

static void free_histogram(void *arg)
{
	histogram *h = arg;
	free(h->v);
	free(h->count);
	free(h->edge);
	free(h->chunk);
	gp_sb_free(&h->vb);
	if (h->jp)
		gp_jsonp_free(h->jp);
	free(h->jp);
}

/* ---- reading the values ---- */

/* The number of F in r into *d; false (counted in drop) when there is none. */
static bool value_of(histogram *h, const gp_rec *r, double *d)
{
	gp_ctx *ctx = h->x.ctx;
	gp_pool_reset(&h->scratch);
	uint64_t before = h->ev.fails;
	gp_field f;
	if (!gp_expr_field(&h->ev, h->e, r, &f)) {
		gp_dropped_add(ctx, &h->x.drop, r, h->ev.fails != before ? h->ev.why : NULL);
		return false;
	}
	bool isint;
	int64_t i;
	const bool text = f.kind == GP_K_STR || f.kind == GP_K_JSTR || f.kind == GP_K_NUM;
	if (text && gp_num_parse(f.v, f.vlen, &isint, &i, d) && isfinite(*d))
		return true;
	char shown[4 * 32 + 1], detail[160];
	if (text) {
		gp_escape(shown, sizeof shown, f.v, f.vlen < 32 ? f.vlen : 32);
		snprintf(detail, sizeof detail, "'%s%s' is not a number", shown, f.vlen > 32 ? "..." : "");
	} else {
		snprintf(detail, sizeof detail, "%s is not a number",
			 f.kind == GP_K_NULL ? "null" : f.kind == GP_K_OBJ ? "an object" :
			 f.kind == GP_K_ARR ? "an array" : "a boolean");
	}
	gp_dropped_add(ctx, &h->x.drop, r, detail);
	return false;
}

static gp_status tmp_fail(histogram *h, const char *what)
{
	return gp_fail(h->x.ctx, NULL, "%s: cannot %s a temporary file in %s: %s", h->label, what,
		       h->tmp.dir ? h->tmp.dir : "$TMPDIR",
		       errno ? strerror(errno) : "the file system took no bytes");
}

/* Writes v[0 .. nv) to the temporary file and empties v. */
static gp_status spill(gp_stage *st, histogram *h)
{
	if (h->tmp.fd < 0 && gp_tmpfile_open(&h->tmp, st->scope, "gpipe-histogram") != 0)
		return tmp_fail(h, "make");
	errno = 0;
	if (gp_tmpfile_write(&h->tmp, h->v, h->nv * sizeof *h->v) != 0)
		return tmp_fail(h, "write");
	h->nspilled += h->nv;
	h->nv = 0;
	return GP_OK;
}

static gp_status keep_value(gp_stage *st, histogram *h, double d)
{
	if (h->nv == h->cap) {
		if (h->cap == h->keep) {
			gp_status s = spill(st, h);
			if (s != GP_OK)
				return s;
		} else if (gp_grow(&h->v, &h->cap, h->nv + 1, sizeof *h->v) != 0) {
			return gp_fail(st->ctx, NULL, "out of memory");
		}
	}
	h->v[h->nv++] = d;
	return GP_OK;
}

/* The decade of x > 0: the k with 10^k <= x < 10^(k+1), as an index into
 * edge (k - P10_MIN). */
static size_t decade(const histogram *h, double x)
{
	size_t lo = 0, hi = NP10 - 1; /* edge[lo] <= x < edge[hi] */
	if (x < h->edge[1])
		return 0;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (x >= h->edge[mid])
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static gp_status add(gp_stage *st, histogram *h, double d)
{
	if (h->n == 0 || d < h->min)
		h->min = d;
	if (h->n == 0 || d > h->max)
		h->max = d;
	h->n++;
	if (!h->log)
		return keep_value(st, h, d);
	if (d < 0)
		h->neg++;
	else if (d == 0)
		h->zero++;
	else
		h->count[decade(h, d)]++;
	return GP_OK;
}

/* ---- counting ---- */

/* The equal-width bucket of x: the i with edge[i] <= x < edge[i + 1] (the
 * last one also holds the maximum), found from the width and then checked
 * against the edges as they print, so the rows never contradict them. */
static size_t bucket(const histogram *h, double x, double width)
{
	const double t = (x - h->min) / width;
	size_t i = !(t > 0) ? 0 : t >= (double)h->nb ? h->nb - 1 : (size_t)t;
	while (i > 0 && x < h->edge[i])
		i--;
	while (i + 1 < h->nb && x >= h->edge[i + 1])
		i++;
	return i;
}

/* Reads up to n values from the temporary file: how many, or -1. */
static ssize_t read_values(histogram *h, double *v, size_t n)
{
	size_t got = 0, want = n * sizeof *v;
	char *p = (char *)v;
	while (got < want) {
		ssize_t k = gp_tmpfile_read(&h->tmp, p + got, want - got);
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)(got / sizeof *v);
}

/* Equal-width: the edges, then every value kept (on disk, then in memory)
 * into its bucket. */
static gp_status count_equal(gp_stage *st, histogram *h)
{
	if (h->n == 0)
		return GP_OK;
	if (h->min == h->max) {
		h->nb = 1; /* every value the same: one bucket, [min, max] */
		h->edge[0] = h->min;
		h->edge[1] = h->max;
		h->count[0] = h->n;
		return GP_OK;
	}
	double width = (h->max - h->min) / (double)h->nb;
	if (!isfinite(width)) /* max - min overflowed */
		width = h->max / (double)h->nb - h->min / (double)h->nb;
	for (size_t i = 0; i < h->nb; i++)
		h->edge[i] = h->min + (double)i * width;
	h->edge[h->nb] = h->max;
	if (h->nspilled) {
		gp_status s = spill(st, h); /* the rest too, then all from the file */
		if (s != GP_OK)
			return s;
		errno = 0;
		if (gp_tmpfile_rewind(&h->tmp) != 0)
			return tmp_fail(h, "read");
		ssize_t k;
		while ((k = read_values(h, h->v, h->cap)) > 0)
			for (ssize_t i = 0; i < k; i++)
				h->count[bucket(h, h->v[i], width)]++;
		if (k < 0)
			return tmp_fail(h, "read");
		return GP_OK;
	}
	for (size_t i = 0; i < h->nv; i++)
		h->count[bucket(h, h->v[i], width)]++;
	return GP_OK;
}

/* ---- the rows ---- */

/* A number as the row's text, in the pool: whole values that a double holds
 * exactly print as integers. NULL when out of memory. */
static const char *num_text(histogram *h, double d, bool isint, uint64_t i, uint32_t *len)
{
	const double lim = 9007199254740992.0; /* 2^53 */
	if (!isint && d > -lim && d < lim && d == (double)(int64_t)d) {
		isint = true;
		i = (uint64_t)(int64_t)d;
	}
	char buf[32];
	size_t n = gp_num_format(buf, isint, (int64_t)i, d);
	char *p = gp_pool_alloc(&h->x.pool, n);
	if (p)
		memcpy(p, buf, n);
	*len = (uint32_t)n;
	return p;
}

/* Row i: its from, to and count. */
static void row_values(const histogram *h, size_t i, double *from, double *to, uint64_t *count)
{
	if (h->log && h->neg && i-- == 0) {
		*from = h->min;
		*to = 0;
		*count = h->neg;
		return;
	}
	if (h->log && h->zero && i-- == 0) {
		*from = 0;
		*to = 0;
		*count = h->zero;
		return;
	}
	i += h->first; /* log: the first decade with a value */
	*from = h->edge[i];
	*to = h->edge[i + 1];
	*count = h->count[i];
}

/* log: the rows are the negative values', zero's, then every decade from
 * the first to the last with a value. */
static size_t log_rows(histogram *h)
{
	size_t rows = (h->neg > 0) + (h->zero > 0), last = 0;
	h->first = NP10;
	for (size_t k = 0; k + 1 < NP10; k++) {
		if (h->count[k] == 0)
			continue;
		if (h->first == NP10)
			h->first = k;
		last = k;
	}
	return h->first == NP10 ? rows : rows + last - h->first + 1;
}

static gp_status emit(gp_stage *st, histogram *h, gp_batch *out)
{
	static const char *const names[3] = { "from", "to", "count" };
	static const gp_rec none = { 0 };
	gp_xform *x = &h->x;
	gp_xform_begin(x);
	while (h->row < h->rows && x->out.n < ROWS_OUT) {
		double v[2];
		uint64_t count;
		row_values(h, h->row++, &v[0], &v[1], &count);
		gp_field f[3];
		for (int k = 0; k < 3; k++) {
			uint32_t len;
			const char *p = k < 2 ? num_text(h, v[k], false, 0, &len)
					      : num_text(h, 0, true, count, &len);
			if (!p)
				return gp_fail(st->ctx, NULL, "out of memory");
			f[k] = (gp_field){ .name = names[k], .nlen = (uint32_t)strlen(names[k]), .v = p,
					   .vlen = len, .kind = GP_K_NUM };
		}
		gp_render(&x->sb, f, 3, &gp_layout_table_bars);
		size_t n;
		const char *p = gp_sb_finish_rec(&x->sb, &x->pool, st->ctx->delim, &n);
		if (!p || gp_xform_push(x, &none, p, n, f, 3, &gp_layout_table_bars) != 0)
			return gp_fail(st->ctx, NULL, "out of memory");
	}
	return gp_xform_emit(x, out, x->out.n);
}


/* ---- --partial and --merge ---- */

static void put_double(gp_sb *b, const char *name, double d)
{
	unsigned char buf[8];
	gp_enc e = { buf, sizeof buf, 0 };
	gp_enc_f64(&e, d);
	gp_sb_put(b, name, strlen(name));
	gp_b64_put(b, buf, sizeof buf);
	gp_sb_putc(b, '"');
}

/* One partial line: the log counts, or the next CHUNK values. 0 when there
 * is no more, 1 when one was pushed, -1 when a read or memory failed. */
static int partial_line(gp_stage *st, histogram *h)
{
	gp_xform *x = &h->x;
	gp_sb *b = &x->sb;
	char head[64];
	const double *v = NULL;
	size_t n = 0;
	if (h->log) {
		if (h->log_done || h->n == 0)
			return 0;
		h->log_done = true;
	} else if (h->tmp_left) {
		ssize_t k = read_values(h, h->chunk, h->tmp_left < CHUNK ? (size_t)h->tmp_left : CHUNK);
		if (k <= 0)
			return -1;
		h->tmp_left -= (uint64_t)k;
		v = h->chunk, n = (size_t)k;
	} else if (h->mem_done < h->nv) {
		v = h->v + h->mem_done;
		n = h->nv - h->mem_done < CHUNK ? h->nv - h->mem_done : CHUNK;
		h->mem_done += n;
	} else {
		return 0;
	}
	b->len = 0;
	gp_sb_put(b, head, (size_t)snprintf(head, sizeof head, "\t%d:%016llx\t{\"_seq\":%llu,\"histogram\":{",
					    GP_PARTIAL_VERSION, (unsigned long long)st->ctx->spec_hash,
					    (unsigned long long)(st->ctx->part << 40)));
	if (h->log) {
		put_double(b, "\"min\":\"", h->min);
		put_double(b, ",\"max\":\"", h->max);
		gp_sb_put(b, head, (size_t)snprintf(head, sizeof head, ",\"neg\":%llu,\"zero\":%llu,\"decades\":\"",
						    (unsigned long long)h->neg, (unsigned long long)h->zero));
		gp_enc e = { NULL, 0, 0 };
		for (int pass = 0; pass < 2; pass++) { /* measure, then write */
			for (size_t k = 0; k + 1 < NP10; k++)
				if (h->count[k]) {
					gp_enc_var(&e, k);
					gp_enc_var(&e, h->count[k]);
				}
			if (pass == 0) {
				h->vb.len = 0;
				if (!gp_sb_room(&h->vb, e.n + 1))
					return -1;
				e = (gp_enc){ (unsigned char *)h->vb.p, e.n, 0 };
			}
		}
		gp_b64_put(b, h->vb.p, e.n);
		gp_sb_putc(b, '"');
	} else {
		h->vb.len = 0;
		if (!gp_sb_room(&h->vb, n * 8))
			return -1;
		gp_enc e = { (unsigned char *)h->vb.p, n * 8, 0 };
		for (size_t k = 0; k < n; k++)
			gp_enc_f64(&e, v[k]);
		gp_sb_put(b, "\"values\":\"", 10);
		gp_b64_put(b, h->vb.p, e.n);
		gp_sb_putc(b, '"');
	}
	gp_sb_put(b, "}}", 2);
	static const gp_rec none = { 0 };
	size_t len;
	const char *p = gp_sb_finish_rec(b, &x->pool, st->ctx->delim, &len);
	return p && gp_xform_push(x, &none, p, len, NULL, 0, NULL) == 0 ? 1 : -1;
}

static gp_status emit_partial(gp_stage *st, histogram *h, gp_batch *out)
{
	gp_xform_begin(&h->x);
	while (h->x.out.n < ROWS_OUT) {
		int k = partial_line(st, h);
		if (k < 0)
			return h->tmp_left ? tmp_fail(h, "read") : gp_fail(st->ctx, NULL, "out of memory");
		if (k == 0)
			break;
	}
	if (h->x.out.n == 0)
		return GP_EOF;
	return gp_xform_emit(&h->x, out, h->x.out.n);
}

/* --partial: the values spilled to tmp are written first, then those in memory. */
static gp_status partial_begin(gp_stage *st, histogram *h)
{
	if (h->log || !h->nspilled)
		return GP_OK;
	if (!(h->chunk = malloc(CHUNK * sizeof *h->chunk)))
		return gp_fail(st->ctx, NULL, "out of memory");
	gp_status s = spill(st, h);
	if (s != GP_OK)
		return s;
	errno = 0;
	if (gp_tmpfile_rewind(&h->tmp) != 0)
		return tmp_fail(h, "read");
	h->tmp_left = h->nspilled;
	return GP_OK;
}

/* A double of 8 bytes of base64 in member name of obj: false when it is not. */
static bool get_double(histogram *h, const gp_value *obj, const char *name, double *d)
{
	gp_value v;
	if (!gp_json_member(obj, name, strlen(name), &v) || gp_partial_b64_value(&v, &h->vb) != 0 || h->vb.len != 8)
		return false;
	gp_dec dec;
	gp_dec_init(&dec, h->vb.p, 8);
	*d = gp_dec_f64(&dec);
	return isfinite(*d);
}

/* --merge: one line's values or counts added. */
static gp_status merge_line(gp_stage *st, histogram *h, const gp_rec *r)
{
	gp_partial_line pl;
	gp_value obj, m, v;
	uint64_t seq;
	gp_status s = gp_partial_read(st->ctx, h->jp, r, &pl, &obj, &seq);
	if (s != GP_OK)
		return s == GP_EOF ? GP_OK : s;
	if (pl.klen)
		return gp_partial_bad(st->ctx, r, "a histogram's key is empty") == GP_EOF ? GP_OK : GP_ERR;
	const char *why = "the state has no member 'histogram'";
	if (!gp_json_member(&obj, "histogram", 9, &m) || m.kind != GP_K_OBJ)
		goto bad;
	why = "the state of 'histogram' does not decode";
	if (!h->log) {
		if (!gp_json_member(&m, "values", 6, &v) || gp_partial_b64_value(&v, &h->vb) != 0 || h->vb.len % 8)
			goto bad;
		gp_dec dec;
		gp_dec_init(&dec, h->vb.p, h->vb.len);
		for (size_t k = 0; k < h->vb.len / 8; k++) {
			double d = gp_dec_f64(&dec);
			if (!isfinite(d))
				goto bad;
		}
		gp_dec_init(&dec, h->vb.p, h->vb.len);
		/* add() may spill, which does not touch vb */
		for (size_t k = 0; k < h->vb.len / 8; k++)
			if ((s = add(st, h, gp_dec_f64(&dec))) != GP_OK)
				return s;
		return GP_OK;
	}
	double mn, mx;
	uint64_t neg, zero, total = 0;
	if (!get_double(h, &m, "min", &mn) || !get_double(h, &m, "max", &mx) || mn > mx ||
	    !gp_json_member(&m, "neg", 3, &v) || !gp_partial_u64(&v, &neg) ||
	    !gp_json_member(&m, "zero", 4, &v) || !gp_partial_u64(&v, &zero) ||
	    !gp_json_member(&m, "decades", 7, &v) || gp_partial_b64_value(&v, &h->vb) != 0)
		goto bad;
	gp_dec dec;
	for (int pass = 0; pass < 2; pass++) { /* check every pair, then add them */
		gp_dec_init(&dec, h->vb.p, h->vb.len);
		while (gp_dec_left(&dec) && !dec.bad) {
			uint64_t k = gp_dec_var(&dec), c = gp_dec_var(&dec);
			if (dec.bad || k + 1 >= NP10 || c == 0)
				goto bad;
			if (pass)
				h->count[k] += c;
			else
				total += c;
		}
	}
	total += neg + zero;
	if (total == 0)
		goto bad;
	if (h->n == 0 || mn < h->min)
		h->min = mn;
	if (h->n == 0 || mx > h->max)
		h->max = mx;
	h->n += total;
	h->neg += neg;
	h->zero += zero;
	return GP_OK;
bad:
	return gp_partial_bad(st->ctx, r, "%s", why) == GP_EOF ? GP_OK : GP_ERR;
}

static gp_status histogram_next(gp_stage *st, gp_batch *out)
{
	histogram *h = st->state;
	if (!h->counted) {
		gp_batch in;
		gp_status r;
		while ((r = gp_xform_pull(st, &h->x, &in)) == GP_OK) {
			for (size_t i = 0; i < in.n; i++) {
				double d;
				if (h->mode & GP_AGG_MERGE) {
					if ((r = merge_line(st, h, &in.recs[i])) != GP_OK)
						return r;
				} else if (value_of(h, &in.recs[i], &d) && (r = add(st, h, d)) != GP_OK) {
					return r;
				}
			}
		}
		if (r == GP_ERR)
			return r;
		h->counted = true;
		if (gp_signal)
			return GP_EOF;
		if (h->mode & GP_AGG_PARTIAL) {
			if ((r = partial_begin(st, h)) != GP_OK)
				return r;
		} else if (h->log)
			h->rows = log_rows(h);
		else if ((r = count_equal(st, h)) != GP_OK)
			return r;
		else
			h->rows = h->n ? h->nb : 0;
	}
	if (h->mode & GP_AGG_PARTIAL)
		return emit_partial(st, h, out);
	if (h->row == h->rows)
		return GP_EOF;
	return emit(st, h, out);
}

static const gp_stage_ops histogram_ops = { histogram_next };

/* ---- open ---- */

static gp_status bad_buckets(gp_stage *st, const gp_arg *a)
{
	return gp_fail(st->ctx, &a->span,
		       "histogram: BUCKETS must be a whole number from 1 to %d, or log, not '%s'",
		       MAX_BUCKETS, a->s);
}

/* "histogram F" with F's source text, escaped, in the arena. */
static const char *label(gp_ctx *ctx, uint32_t from, uint32_t to)
{
	static const char pre[] = "histogram ";
	size_t need = sizeof pre + 4 * (size_t)(to - from) + 1;
	char *s = gp_arena_alloc(ctx->arena, need);
	if (!s)
		return "histogram";
	memcpy(s, pre, sizeof pre - 1);
	if (ctx->expr)
		gp_escape(s + sizeof pre - 1, need - (sizeof pre - 1), ctx->expr + from, to - from);
	else
		s[sizeof pre - 2] = '\0';
	return s;
}

/* BUCKETS or log after F, where the reader stopped, and nothing after. */
static gp_status read_buckets(gp_stage *st, histogram *h, const gp_args *args, gp_expr_reader *rd)
{
	h->nb = DEFAULT_BUCKETS;
	const size_t at = gp_expr_reader_arg(rd);
	if (gp_expr_read_word(rd, "log")) {
		h->log = true;
	} else if (at < args->n && gp_expr_reader_span(rd).start == args->v[at].span.start) {
		/* A word of its own: BUCKETS. */
		const gp_arg *a = &args->v[at];
		uint64_t nb;
		if (gp_parse_count(a->s, &nb) != 0 || nb < 1 || nb > MAX_BUCKETS)
			return bad_buckets(st, a);
		h->nb = (size_t)nb;
		if (at + 1 == args->n)
			return GP_OK;
		const gp_arg *extra = &args->v[at + 1];
		return gp_fail(st->ctx, &extra->span, "histogram: unexpected '%s' after BUCKETS",
			       extra->s);
	} else {
		return gp_expr_read_end(rd) ? GP_OK : GP_ERR;
	}
	if (gp_expr_reader_arg(rd) == args->n)
		return GP_OK;
	char tok[64];
	const gp_span sp = gp_expr_reader_span(rd);
	return gp_fail(st->ctx, &sp, "histogram: unexpected '%s' after log",
		       gp_expr_reader_text(rd, tok, sizeof tok));
}

static gp_status histogram_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	histogram *h = gp_scope_alloc(st->scope, sizeof *h);
	if (!h || gp_xform_init(st, &h->x) != 0 || gp_pool_own(st->scope, &h->scratch) != 0 ||
	    gp_scope_defer(st->scope, free_histogram, h) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	h->tmp.fd = -1;
	h->mode = ctx->agg_mode;
	if ((h->mode & GP_AGG_MERGE) && !(h->jp = calloc(1, sizeof *h->jp)))
		return gp_fail(ctx, NULL, "out of memory");
	if (args->n == 0)
		return gp_fail(ctx, &st->span, "histogram: expected a field or an expression to count");
	gp_expr_reader *rd = gp_expr_reader_open(st, args, 0);
	if (!rd || !(h->e = gp_expr_read(rd)))
		return GP_ERR;
	const size_t end = gp_expr_reader_arg(rd);
	h->label = label(ctx, args->v[0].span.start,
			 end > 0 ? args->v[end - 1].span.end : args->v[0].span.end);
	if (read_buckets(st, h, args, rd) != GP_OK)
		return GP_ERR;
	h->x.drop.stage = h->label;
	h->x.drop.what = "had no number";
	h->x.drop.what1 = "had no number";
	h->ev.scratch = &h->scratch;
	ctx->need_lineno = true; /* for the summary's line */

	const size_t nedge = h->log ? NP10 : h->nb + 1;
	h->edge = malloc(nedge * sizeof *h->edge);
	h->count = calloc(h->log ? NP10 : h->nb, sizeof *h->count);
	if (!h->edge || !h->count)
		return gp_fail(ctx, NULL, "out of memory");
	if (h->log) {
		for (int k = P10_MIN; k <= P10_MAX + 1; k++) {
			char p[16];
			snprintf(p, sizeof p, "1e%d", k);
			h->edge[k - P10_MIN] = strtod(p, NULL);
		}
	}
	/* The values kept in memory: a power of two within the share. */
	const size_t share = gp_memory_share(ctx) / sizeof *h->v;
	h->keep = MIN_KEEP;
	while (h->keep <= share / 2)
		h->keep *= 2;
	explain_src(st, args);
	st->state = h;
	st->ops = &histogram_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_histogram = {
	.name = "histogram",
	.family = GP_FAM_AGGREGATE,
	.holds_memory = GP_MEM_ALWAYS,
	.synopsis = "histogram F [BUCKETS | log]",
	.summary = "count the values of a field per bucket, with bars on a terminal",
	.help =
		"Counts the numbers of F (a field or any expression, as where reads them: 250ms is "
		"0.25, 10KB is 10240) in buckets and prints one row per bucket once the input "
		"ends, with the fields from, to and count. On a terminal the rows line up under a "
		"header, each with a bar of full blocks (U+2588, in eighths), the largest count the "
		"longest; on a pipe or a file they are tab-separated without a header or bars (-o "
		"json, tsv and csv as for any record).\n\n"
		"With BUCKETS (default 10, at most 100000): that many buckets of equal width "
		"between the smallest and the largest value, each from <= value < to, the last one "
		"to <= max included; when every value is the same, one row. The values are kept to "
		"find both ends first: in memory up to the stage's share of --memory, past it in a "
		"temporary file in $TMPDIR (nameless, gone when gpipe ends), so the counts are "
		"exact whatever the input's size.\n\n"
		"With log: one bucket per power of ten (from 10^k to 10^(k+1)), every power from "
		"the smallest positive value's to the largest's, empty ones included. Values below "
		"zero share one row, first (from the smallest of them to 0), and zero has the next "
		"(from 0 to 0). Nothing is kept per value.\n\n"
		"Records where F is missing or not a finite number are left out, counted and "
		"summarised once per input on stderr (gpipe: histogram took: 3 records of app.log "
		"had no number (first at line 7: 'n/a' is not a number)), an error with --strict.",
	.examples = "json | histogram latency_ms\tten buckets from the fastest to the slowest\n"
		    "json | histogram latency_ms 20\ttwenty buckets\n"
		    "json | histogram bytes log\tsizes per power of ten\n"
		    "histogram $10 / 1024 log\tawk's tenth field in KiB",
	.open = histogram_open,
};
