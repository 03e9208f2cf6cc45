/* grep: keep the records that match (or, with -v, do not match).
 *
 * Over a span batch the matcher searches the whole span at once and only then
 * finds the line around each hit; per-record matching is the slow path, taken
 * when an upstream stage produced single records. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/pool.h"
#include "../core/rec.h"
#include "../input/source.h"
#include "../match/matcher.h"
#include "../registry.h"

/* What grep prints per input: the lines (default), their count (-c), or the
 * input's name when it has a selected line (-l) or none (-L). */
enum { OUT_LINES, OUT_COUNT, OUT_FILES, OUT_NOFILES };

typedef struct grep {
	gp_matcher *m;
	bool invert, only;
	gp_recvec out;

	/* The per-input state machine, taken only when an option needs it
	 * (-m -A -B -C -b -c -l -L, or -v -o): the plain filter above stays
	 * as fast as it was. */
	bool full;
	int mode;
	bool offsets;           /* -b */
	bool has_max;           /* -m */
	uint64_t max, after, before;
	bool ctxlines;          /* -A or -B */
	bool eof;
	gp_stage *src;          /* the source, for gp_source_skip */
	gp_ctx *ctx;

	/* The input being read (records of one origin id). */
	bool in_seen;
	uint64_t in_id;
	bool in_named;              /* its records have an origin */
	gp_origin in_copy;          /* a copy for -c/-l/-L at its end (the source frees its own) */
	char *in_names;             /* "name\0member\0" of in_copy */
	size_t in_names_cap;
	uint64_t count;         /* selected lines of this input */
	bool done;              /* -m reached, or -l/-L knows the answer */
	uint64_t after_left;    /* lines of after-context still to print */
	bool skipped;           /* a line was neither printed nor kept since the last print */
	bool printed, brk;      /* something was printed; the next record starts a group */

	/* -B: the last unselected lines, views into the batch (ring.v[rhead ..
	 * ring.n)); copied into kept[kside] when the batch ends. Two sides, so
	 * the copies an output batch points to survive until the next call. */
	gp_recvec ring;
	size_t rhead;
	gp_kept *kept[2];
	size_t kcap[2];
	int kside;
	gp_pool pool;           /* texts of -c, -l, -L */

	/* Line numbers inside the span being searched: line lno starts at lp. */
	bool lines;
	uint64_t lno;
	const char *lp;
	const char *span;
	uint64_t span_off;
	const gp_origin *span_origin;
	gp_batch in; /* the batch being searched, to place undecided lines */
} grep;

/* A line the regex engine could not decide (matcher.h): reported with its
 * input and line number; the run fails (exit 2). */
static void report_undecided(void *arg, const char *p, size_t len, const char *why)
{
	grep *g = arg;
	gp_report_at(g->ctx, "grep", &g->in, p, why);
	(void)len;
}

static int push(grep *g, const char *p, size_t len, uint64_t line, const gp_origin *o)
{
	if (g->out.n == g->out.cap && gp_recvec_reserve(&g->out, g->out.n + 1) != 0)
		return -1;
	g->out.v[g->out.n++] = (gp_rec){ .p = p, .len = len, .line = line, .origin = o };
	return 0;
}

/* A record kept whole (fields included), with a mark. */
static int push_rec(grep *g, const gp_rec *r, uint8_t mark)
{
	if (g->out.n == g->out.cap && gp_recvec_reserve(&g->out, g->out.n + 1) != 0)
		return -1;
	gp_rec *o = &g->out.v[g->out.n++];
	*o = *r;
	o->mark = (uint8_t)(o->mark | mark);
	return 0;
}

/* -o: every non-empty match of the record becomes a record (with its byte
 * offset, for -b). */
static int push_matches(grep *g, const gp_rec *r)
{
	size_t at = 0, ms, me;
	while (at <= r->len && gp_matcher_next_match(g->m, r->p, r->len, at, &ms, &me)) {
		if (me == ms) {
			at = ms + 1;
			continue;
		}
		if (push_rec(g, r, 0) != 0)
			return -1;
		gp_rec *o = &g->out.v[g->out.n - 1];
		o->p = r->p + ms;
		o->len = me - ms;
		o->off = r->off + ms;
		at = me;
	}
	return 0;
}

static int push_run(grep *g, const char *p, size_t len, uint64_t line, const gp_origin *o,
		    char delim)
{
	const char *end = p + len;
	while (p < end) {
		const char *q = memchr(p, delim, (size_t)(end - p));
		if (push(g, p, (size_t)(q - p), line, o) != 0)
			return -1;
		if (line)
			line++;
		p = q + 1;
	}
	return 0;
}

static int grep_span(gp_stage *st, grep *g, const gp_batch *in)
{
	const char delim = st->ctx->delim;
	const char *s = in->span;
	const size_t len = in->span_len;
	const bool lines = st->ctx->need_lineno && in->span_line;
	uint64_t line = in->span_line;
	size_t from = 0, counted = 0, ls, le;

	while (from < len && gp_matcher_find_line(g->m, s, len, from, delim, &ls, &le)) {
		if (lines) {
			line += gp_count_byte(s + counted, ls - counted, delim);
			counted = ls;
		}
		int r;
		if (g->invert)
			r = push_run(g, s + from, ls - from, lines ? line - gp_count_byte(s + from, ls - from, delim) : 0,
				     in->span_origin, delim);
		else if (g->only)
			r = push_matches(g, &(gp_rec){ .p = s + ls, .len = le - ls, .line = lines ? line : 0,
						       .origin = in->span_origin });
		else
			r = push(g, s + ls, le - ls, lines ? line : 0, in->span_origin);
		if (r != 0)
			return -1;
		from = le + 1;
	}
	if (g->invert && from < len) {
		if (lines)
			line += gp_count_byte(s + counted, from - counted, delim);
		if (push_run(g, s + from, len - from, lines ? line : 0, in->span_origin, delim) != 0)
			return -1;
	}
	return 0;
}

/* ---- the per-input state machine (g->full) ---- */

/* A record of the output with the marks the sink prints. */
static int emit(grep *g, const gp_rec *r, bool context)
{
	size_t from = g->out.n;
	if (g->only && !context) {
		if (!g->invert && push_matches(g, r) != 0)
			return -1;
	} else if (!(g->only && context)) {
		if (push_rec(g, r, 0) != 0)
			return -1;
	}
	for (size_t i = from; i < g->out.n; i++) {
		gp_rec *o = &g->out.v[i];
		if (g->ctxlines)
			o->mark = (uint8_t)((o->mark & ~(GP_REC_CONTEXT | GP_REC_BREAK)) |
					    (context ? GP_REC_CONTEXT : 0));
		if (g->offsets)
			o->mark |= GP_REC_OFF;
		if (g->brk) {
			o->mark |= GP_REC_BREAK;
			g->brk = false;
		}
		g->printed = true;
	}
	return 0;
}

static void ring_clear(grep *g)
{
	g->ring.n = g->rhead = 0;
}

static int ring_push(grep *g, const gp_rec *r)
{
	if (g->ring.n - g->rhead == g->before) {
		g->rhead++;
		g->skipped = true;
	}
	if (g->rhead > g->before) { /* slide the window back to the front */
		memmove(g->ring.v, g->ring.v + g->rhead, (g->ring.n - g->rhead) * sizeof *g->ring.v);
		g->ring.n -= g->rhead;
		g->rhead = 0;
	}
	if (g->ring.n == g->ring.cap && gp_recvec_reserve(&g->ring, g->ring.n + 1) != 0)
		return -1;
	g->ring.v[g->ring.n++] = *r;
	return 0;
}

/* The batch ends: the lines of the ring are copied into the side that no
 * output record points to. */
static int ring_save(grep *g)
{
	size_t n = g->ring.n - g->rhead;
	if (n == 0)
		return 0;
	int side = g->kside ^ 1;
	for (size_t i = 0; i < n; i++) {
		if (gp_kept_room(&g->kept[side], &g->kcap[side], i, g->before) != 0 ||
		    gp_keep(&g->kept[side][i], &g->ring.v[g->rhead + i]) != 0)
			return -1;
	}
	for (size_t i = 0; i < n; i++)
		g->ring.v[i] = g->kept[side][i].rec;
	g->ring.n = n;
	g->rhead = 0;
	g->kside = side;
	return 0;
}

/* A line that is not selected: after-context, or kept for before-context. */
static int unsel(grep *g, const gp_rec *r)
{
	if (g->after_left) {
		g->after_left--;
		return emit(g, r, true);
	}
	if (g->done || !g->ctxlines)
		return 0;
	if (g->before == 0) {
		g->skipped = true;
		return 0;
	}
	return ring_push(g, r);
}

/* For the exit status of -c, -L and -v -o (gp_ctx.status_stage). */
static void note_selected(grep *g)
{
	if (g->ctx->status_stage && g->ctx->status_stage->state == g)
		g->ctx->selected = true;
}

static int sel(grep *g, const gp_rec *r)
{
	if (g->done) /* past -m: trailing context only, as GNU grep */
		return unsel(g, r);
	g->count++;
	note_selected(g);
	if (g->has_max && g->count >= g->max)
		g->done = true;
	if (g->mode != OUT_LINES) {
		if (g->mode != OUT_COUNT)
			g->done = true;
		return 0;
	}
	if (g->ctxlines && g->skipped && g->printed)
		g->brk = true;
	for (size_t i = g->rhead; i < g->ring.n; i++)
		if (emit(g, &g->ring.v[i], true) != 0)
			return -1;
	ring_clear(g);
	g->skipped = false;
	g->after_left = g->after;
	return emit(g, r, false);
}

/* "name" or "archive:member", in the pool, followed by the delimiter (which
 * lets the sink copy adjacent records as one run). */
static int emit_text(grep *g, const char *a, const char *b, const char *c, const gp_origin *o)
{
	size_t la = strlen(a), lb = b ? strlen(b) : 0, lc = c ? strlen(c) : 0;
	char *p = gp_pool_alloc(&g->pool, la + lb + lc + 1);
	if (!p || push(g, p, la + lb + lc, 0, o) != 0)
		return -1;
	memcpy(p, a, la);
	if (lb)
		memcpy(p + la, b, lb);
	if (lc)
		memcpy(p + la + lb, c, lc);
	p[la + lb + lc] = g->ctx->delim;
	return 0;
}

/* The input ends: -c, -l and -L print what they know about it. */
static int end_input(grep *g)
{
	const gp_origin *o = g->in_named ? &g->in_copy : NULL;
	const char *name = o ? o->name : "(no input)";
	const char *member = o ? o->member : NULL;
	if (g->mode == OUT_COUNT) {
		/* The count's origin, for -H, must outlive this input's level. */
		gp_origin *oc = NULL;
		if (o) {
			size_t nl = strlen(name) + 1, ml = member ? strlen(member) + 1 : 0;
			oc = gp_pool_alloc(&g->pool, sizeof *oc + nl + ml);
			if (!oc)
				return -1;
			char *t = (char *)(oc + 1);
			memcpy(t, name, nl);
			if (member)
				memcpy(t + nl, member, ml);
			*oc = (gp_origin){ .name = t, .member = member ? t + nl : NULL, .id = o->id, .mtime = o->mtime };
		}
		char num[24];
		snprintf(num, sizeof num, "%llu", (unsigned long long)g->count);
		return emit_text(g, num, NULL, NULL, oc);
	}
	if ((g->mode == OUT_FILES && g->count) || (g->mode == OUT_NOFILES && !g->count))
		return emit_text(g, name, member ? ":" : NULL, member, NULL);
	return 0;
}

/* Called for every record: a new origin ends the previous input. Context
 * never crosses inputs; a group in the next one starts with a separator. */
static int input_check(grep *g, const gp_origin *o)
{
	uint64_t id = o ? o->id : 0;
	if (g->in_seen && id == g->in_id)
		return 0;
	if (g->in_seen && end_input(g) != 0)
		return -1;
	g->in_seen = true;
	g->in_id = id;
	g->in_named = o != NULL;
	if (o && g->mode != OUT_LINES) {
		size_t nl = strlen(o->name) + 1, ml = o->member ? strlen(o->member) + 1 : 0;
		if (nl + ml > g->in_names_cap) {
			char *b = realloc(g->in_names, nl + ml);
			if (!b)
				return -1;
			g->in_names = b;
			g->in_names_cap = nl + ml;
		}
		memcpy(g->in_names, o->name, nl);
		if (o->member)
			memcpy(g->in_names + nl, o->member, ml);
		g->in_copy = (gp_origin){ .name = g->in_names,
					  .member = o->member ? g->in_names + nl : NULL, .id = id,
					  .mtime = o->mtime };
	}
	g->count = 0;
	g->done = g->has_max && g->max == 0;
	g->after_left = 0;
	g->skipped = true;
	ring_clear(g);
	return 0;
}

/* This input needs no more lines: not -A context, and -m reached or the
 * -l/-L answer known. */
static bool input_finished(const grep *g)
{
	return g->done && g->after_left == 0;
}

static uint64_t line_at(grep *g, const char *p)
{
	if (!g->lines)
		return 0;
	g->lno += gp_count_byte(g->lp, (size_t)(p - g->lp), g->ctx->delim);
	g->lp = p;
	return g->lno;
}

static gp_rec span_rec(grep *g, const char *p, size_t len, uint64_t line)
{
	return (gp_rec){ .p = p, .len = len, .line = line, .origin = g->span_origin,
			 .off = g->span_off + (uint64_t)(p - g->span) };
}

/* Whole lines p[0 .. n) (each with its delimiter) that are not selected:
 * the first ones may be after-context, the last `before` go to the ring. */
static int unsel_run(grep *g, const char *p, size_t n)
{
	const char delim = g->ctx->delim;
	const char *end = p + n;
	while (g->after_left && p < end) {
		const char *q = memchr(p, delim, (size_t)(end - p));
		gp_rec r = span_rec(g, p, (size_t)(q - p), line_at(g, p));
		if (unsel(g, &r) != 0)
			return -1;
		p = q + 1;
	}
	if (p == end || g->done || !g->ctxlines)
		return 0;
	/* Only the last `before` lines can be printed: find them backwards. */
	const char *start = end;
	uint64_t k = 0;
	while (k < g->before && start > p) {
		const char *q = start - 1 > p ? memrchr(p, delim, (size_t)(start - 1 - p)) : NULL;
		start = q ? q + 1 : p;
		k++;
	}
	if (start > p) {
		ring_clear(g);
		g->skipped = true;
	}
	uint64_t line = line_at(g, start);
	for (const char *q; start < end; start = q + 1) {
		q = memchr(start, delim, (size_t)(end - start));
		gp_rec r = span_rec(g, start, (size_t)(q - start), line);
		if (unsel(g, &r) != 0)
			return -1;
		if (line)
			line++;
	}
	return 0;
}

/* Whole lines p[0 .. n) that are all selected (-v). */
static int sel_run(grep *g, const char *p, size_t n)
{
	const char delim = g->ctx->delim;
	const char *end = p + n;
	if (g->mode == OUT_COUNT && !g->has_max) {
		size_t k = gp_count_byte(p, n, delim);
		g->count += k;
		if (k)
			note_selected(g);
		return 0;
	}
	while (p < end && !input_finished(g)) {
		const char *q = memchr(p, delim, (size_t)(end - p));
		gp_rec r = span_rec(g, p, (size_t)(q - p), line_at(g, p));
		if (sel(g, &r) != 0)
			return -1;
		p = q + 1;
	}
	return 0;
}

static int full_span(gp_stage *st, grep *g, const gp_batch *in)
{
	const char delim = st->ctx->delim;
	const char *s = in->span;
	const size_t len = in->span_len;
	if (input_check(g, in->span_origin) != 0)
		return -1;
	if (input_finished(g))
		return 0;
	g->lines = st->ctx->need_lineno && in->span_line;
	g->lno = in->span_line;
	g->lp = s;
	g->span = s;
	g->span_off = in->span_off;
	g->span_origin = in->span_origin;
	size_t from = 0, ls, le;
	while (from < len && !g->done && gp_matcher_find_line(g->m, s, len, from, delim, &ls, &le)) {
		int r;
		if (!g->invert) {
			r = unsel_run(g, s + from, ls - from);
			if (r == 0) {
				gp_rec rec = span_rec(g, s + ls, le - ls, line_at(g, s + ls));
				r = sel(g, &rec);
			}
		} else {
			r = sel_run(g, s + from, ls - from);
			if (r == 0)
				r = unsel_run(g, s + ls, le + 1 - ls);
		}
		if (r != 0)
			return -1;
		from = le + 1;
	}
	if (from < len && !input_finished(g))
		return g->invert && !g->done ? sel_run(g, s + from, len - from)
					     : unsel_run(g, s + from, len - from);
	return 0;
}

static int full_recs(grep *g, const gp_batch *in)
{
	for (size_t i = 0; i < in->n; i++) {
		const gp_rec *rec = &in->recs[i];
		if (input_check(g, rec->origin) != 0)
			return -1;
		if (input_finished(g))
			continue;
		bool hit = gp_matcher_line_matches(g->m, rec->p, rec->len) != g->invert;
		if ((hit ? sel(g, rec) : unsel(g, rec)) != 0)
			return -1;
	}
	return 0;
}

static gp_status full_next(gp_stage *st, grep *g, gp_batch *out)
{
	gp_batch in;
	for (;;) {
		if (g->eof)
			return GP_EOF;
		g->out.n = 0;
		gp_pool_reset(&g->pool);
		gp_status r = gp_pull(st, &in);
		if (r == GP_ERR)
			return r;
		g->in = in;
		int e = 0;
		if (r == GP_EOF) {
			g->eof = true;
			if (g->in_seen)
				e = end_input(g);
			g->in_seen = false;
		} else if (in.span && !in.has_recs) {
			e = full_span(st, g, &in);
		} else {
			e = full_recs(g, &in);
		}
		if (e != 0 || ring_save(g) != 0)
			return gp_fail(st->ctx, NULL, "out of memory");
		if (g->in_seen && input_finished(g) && g->src)
			gp_source_skip(g->src, g->in_id);
		if (g->out.n == 0)
			continue;
		out->recs = g->out.v;
		out->n = g->out.n;
		out->has_recs = true;
		out->writable = r == GP_OK && in.writable && g->mode == OUT_LINES;
		return GP_OK;
	}
}

static gp_status grep_next(gp_stage *st, gp_batch *out)
{
	grep *g = st->state;
	if (g->full)
		return full_next(st, g, out);
	gp_batch in;
	for (;;) {
		gp_status r = gp_pull(st, &in);
		if (r != GP_OK)
			return r;
		g->in = in;
		g->out.n = 0;
		if (in.span && !in.has_recs) {
			/* Fast path: -v over a span without any match passes it whole. */
			size_t ls, le;
			if (g->invert && !st->ctx->need_lineno &&
			    !gp_matcher_find_line(g->m, in.span, in.span_len, 0, st->ctx->delim, &ls, &le)) {
				*out = in;
				return GP_OK;
			}
			if (grep_span(st, g, &in) != 0)
				return gp_fail(st->ctx, NULL, "out of memory");
		} else {
			for (size_t i = 0; i < in.n; i++) {
				const gp_rec *rec = &in.recs[i];
				int r2 = 0;
				if (g->only)
					r2 = push_matches(g, rec);
				else if (gp_matcher_line_matches(g->m, rec->p, rec->len) != g->invert)
					r2 = push_rec(g, rec, 0);
				if (r2 != 0)
					return gp_fail(st->ctx, NULL, "out of memory");
			}
		}
		if (g->out.n == 0)
			continue;
		out->recs = g->out.v;
		out->n = g->out.n;
		out->has_recs = true;
		out->writable = in.writable;
		return GP_OK;
	}
}

static void matcher_free(void *m)
{
	gp_matcher_free(m);
}

static void kept_free(void *arg)
{
	grep *g = arg;
	for (int side = 0; side < 2; side++) {
		for (size_t i = 0; i < g->kcap[side]; i++)
			gp_kept_free(&g->kept[side][i]);
		free(g->kept[side]);
		g->kept[side] = NULL;
		g->kcap[side] = 0;
	}
	free(g->in_names);
	g->in_names = NULL;
}

static const gp_stage_ops grep_ops = { grep_next };

#define PATFILE_MAX (64u << 20) /* bytes of a -f FILE */

/* One pattern and where it came from, for messages. */
typedef struct patsrc {
	gp_arg arg;       /* the -e or operand word, or the -f FILE word */
	const char *file; /* -f: the file, with line the pattern's line */
	size_t line;
	const char *s;
	size_t len;
	size_t at; /* s is arg.s + at (a -e value or operand split at newlines) */
} patsrc;

/* The patterns of -e, -f and the operand, in order (arena, grown by copying). */
typedef struct patlist {
	patsrc *v;
	size_t n, cap;
} patlist;

static gp_status pat_push(gp_ctx *ctx, patlist *l, patsrc p)
{
	patsrc *v = gp_arena_grow(ctx->arena, l->v, l->n, &l->cap, sizeof *v);
	if (!v)
		return gp_fail(ctx, NULL, "out of memory");
	l->v = v;
	l->v[l->n++] = p;
	return GP_OK;
}

/* A -e value or the operand: a newline separates patterns, as in GNU grep
 * (grep -e $'a\nb' is grep -e a -e b; an empty one matches every line).
 * With -z a newline can be inside a record, so it stays part of the pattern. */
static gp_status pat_push_lines(gp_ctx *ctx, patlist *l, const gp_arg *a)
{
	if (ctx->delim != '\n')
		return pat_push(ctx, l, (patsrc){ .arg = *a, .s = a->s, .len = a->len });
	size_t i = 0;
	for (;;) {
		const char *nl = memchr(a->s + i, '\n', a->len - i);
		size_t e = nl ? (size_t)(nl - a->s) : a->len;
		if (pat_push(ctx, l, (patsrc){ .arg = *a, .s = a->s + i, .len = e - i, .at = i }) != GP_OK)
			return GP_ERR;
		if (!nl)
			return GP_OK;
		i = e + 1;
	}
}

/* A count option's value (-m, -A, -B, -C). */
static gp_status count_opt(gp_ctx *ctx, const gp_getopt *go, int c, uint64_t *v)
{
	if (gp_parse_count(go->optarg.s, v) != 0)
		return gp_fail(ctx, &go->optarg.span, "grep: invalid count '%s' for -%c (want a whole number)",
			       go->optarg.s, c);
	return GP_OK;
}

/* Reads -f FILE: one pattern a line (the last may lack its newline), as
 * grep -f. */
static gp_status read_patfile(gp_stage *st, const gp_arg *a, patlist *l)
{
	gp_ctx *ctx = st->ctx;
	FILE *f = strcmp(a->s, "-") == 0 ? NULL : fopen(a->s, "rb");
	if (!f)
		return gp_fail(ctx, &a->span, "grep: cannot read patterns from '%s': %s", a->s,
			       strcmp(a->s, "-") == 0 ? "standard input is the data" : strerror(errno));
	/* -j: a worker opens its own grep and reads FILE again; a pipe
	 * (<(cmd)) would give it nothing, so such a grep runs once. */
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode))
		st->serial = true;
	size_t len = 0;
	char *buf = gp_read_whole(f, PATFILE_MAX, &len);
	int saved = errno;
	fclose(f);
	if (!buf && saved == EFBIG)
		return gp_fail(ctx, &a->span, "grep: pattern file '%s' is larger than 64 MiB", a->s);
	if (!buf && saved == ENOMEM)
		return gp_fail(ctx, NULL, "out of memory");
	if (!buf)
		return gp_fail(ctx, &a->span, "grep: cannot read patterns from '%s': %s", a->s,
			       strerror(saved));
	/* The patterns live as long as the parse arena did: the whole run. */
	if (gp_scope_defer(ctx->root, free, buf) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	size_t line = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - buf) : len;
		buf[e] = '\0';
		if (pat_push(ctx, l, (patsrc){ .arg = *a, .file = a->s, .line = ++line, .s = buf + i,
					       .len = e - i }) != GP_OK)
			return GP_ERR;
		i = e + 1;
	}
	return GP_OK;
}

static gp_status grep_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	grep *g = gp_scope_alloc(st->scope, sizeof *g);
	if (!g || gp_recvec_own(st->scope, &g->out) != 0)
		return gp_fail(ctx, NULL, "out of memory");

	gp_getopt go;
	if (gp_getopt_init(&go, ctx, st->def->name, st->def->opts, args) != 0)
		return GP_ERR;
	unsigned flags = 0;
	patlist pl = { 0 };
	bool from_file = false;
	int c;
	while ((c = gp_getopt_next(&go)) > 0) {
		switch (c) {
		case 'i': flags |= GP_M_ICASE; break;
		case 'w': flags |= GP_M_WORD; break;
		case 'x': flags |= GP_M_LINE; break;
		case 'F': flags |= GP_M_FIXED; break;
		case 'E': case 'P': break;
		case 'v': g->invert = true; break;
		case 'o': g->only = true; break;
		case 'b': g->offsets = true; break;
		case 'c': g->mode = OUT_COUNT; break;
		case 'l': g->mode = OUT_FILES; break;
		case 'L': g->mode = OUT_NOFILES; break;
		case 'm':
			if (count_opt(ctx, &go, c, &g->max) != GP_OK)
				return GP_ERR;
			g->has_max = true;
			break;
		case 'A': case 'B': case 'C': {
			uint64_t v;
			if (count_opt(ctx, &go, c, &v) != GP_OK)
				return GP_ERR;
			g->ctxlines = true; /* -A 0 still separates groups, as GNU grep */
			if (c != 'B')
				g->after = v;
			if (c != 'A')
				g->before = v;
			break;
		}
		case 'e':
			if (pat_push_lines(ctx, &pl, &go.optarg) != GP_OK)
				return GP_ERR;
			break;
		case 'f':
			from_file = true;
			if (read_patfile(st, &go.optarg, &pl) != GP_OK)
				return GP_ERR;
			break;
		}
	}
	if (c < 0)
		return GP_ERR;
	size_t first_operand = 0;
	if (pl.n == 0 && !from_file) {
		if (go.noperands == 0)
			return gp_fail(ctx, &st->span, "grep: missing PATTERN");
		if (pat_push_lines(ctx, &pl, &go.operands[0]) != GP_OK)
			return GP_ERR;
		first_operand = 1;
	}
	const patsrc *pats = pl.v;
	const size_t npats = pl.n;
	if (go.noperands > first_operand)
		return gp_fail(ctx, &go.operands[first_operand].span,
			       "grep: unexpected argument '%s' (a second pattern needs -e)",
			       go.operands[first_operand].s);

	gp_pattern *pv = gp_arena_alloc(ctx->arena, (npats ? npats : 1) * sizeof *pv);
	if (!pv)
		return gp_fail(ctx, NULL, "out of memory");
	for (size_t i = 0; i < npats; i++)
		pv[i] = (gp_pattern){ pats[i].s, pats[i].len };
	gp_match_error err;
	if (npats == 0) {
		/* An empty -f FILE: no pattern, so no record matches (grep -f /dev/null). */
		pv[0] = (gp_pattern){ "(*FAIL)", 7 };
		g->m = gp_matcher_new(pv, 1, flags & ~(unsigned)GP_M_FIXED, &err);
	} else {
		g->m = gp_matcher_new(pv, npats, flags, &err);
	}
	if (!g->m) {
		if (err.pattern < npats && pats[err.pattern].file) {
			char e[128];
			gp_escape(e, sizeof e, pats[err.pattern].s,
				  pats[err.pattern].len > 30 ? 30 : pats[err.pattern].len);
			return gp_fail(ctx, &pats[err.pattern].arg.span, "grep: %s:%zu: invalid regex '%s': %s",
				       pats[err.pattern].file, pats[err.pattern].line, e, err.msg);
		}
		if (err.pattern < npats) {
			const patsrc *ps = &pats[err.pattern];
			gp_span sp = gp_arg_subspan(&ps->arg, ps->at + err.offset, ps->at + err.offset + 1);
			return gp_fail(ctx, &sp, "grep: invalid regex '%.*s': %s", (int)ps->len, ps->s,
				       err.msg);
		}
		return gp_fail(ctx, NULL, "grep: %s", err.msg);
	}
	if (gp_scope_defer(st->scope, matcher_free, g->m) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	g->ctx = ctx;
	gp_matcher_on_undecided(g->m, report_undecided, g, g->invert);
	if (!g->invert) {
		ctx->highlight = g->m;
		ctx->only_matching = g->only;
	}
	/* -l and -L win over -c, as in GNU grep; -c and -l/-L print no lines,
	 * so context and -o do not apply. */
	if (g->mode != OUT_LINES) {
		g->after = g->before = 0;
		g->ctxlines = false;
		g->only = false;
		g->offsets = false;
	}
	st->serial = g->mode != OUT_LINES || g->has_max || g->ctxlines;
	st->light = gp_matcher_is_literal(g->m);
	g->full = g->mode != OUT_LINES || g->has_max || g->ctxlines || g->offsets ||
		  (g->invert && g->only);
	g->ctx = ctx;
	if (gp_pool_own(st->scope, &g->pool) != 0 || gp_recvec_own(st->scope, &g->ring) != 0 ||
	    gp_scope_defer(st->scope, kept_free, g) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	for (g->src = st; g->src->up; g->src = g->src->up)
		;
	if (g->ctxlines)
		ctx->group_sep = "--";
	if (g->ctxlines || g->offsets)
		ctx->rec_marks = true;
	/* The exit status of grep -c, -L and -v -o is GNU grep's: 0 when a
	 * line was selected (main applies it when this grep is the last stage). */
	ctx->status_stage = g->mode == OUT_COUNT || g->mode == OUT_NOFILES || (g->invert && g->only)
				    ? st : NULL;

	/* --explain: the resolved patterns and options. */
	size_t need = 160 + strlen(gp_matcher_describe(g->m));
	for (size_t i = 0; i < npats; i++)
		need += pats[i].len * 4 + 8;
	char *ex = gp_arena_alloc(ctx->arena, need);
	if (ex) {
		size_t k = 0;
		k += (size_t)snprintf(ex + k, need - k, "%s%s%s%s%s%s%s%s", g->invert ? "-v " : "",
				      flags & GP_M_ICASE ? "-i " : "", flags & GP_M_WORD ? "-w " : "",
				      flags & GP_M_LINE ? "-x " : "", flags & GP_M_FIXED ? "-F " : "",
				      g->only ? "-o " : "", g->offsets ? "-b " : "",
				      g->mode == OUT_COUNT ? "-c " : g->mode == OUT_FILES ? "-l "
								   : g->mode == OUT_NOFILES ? "-L " : "");
		if (g->has_max)
			k += (size_t)snprintf(ex + k, need - k, "-m %llu ", (unsigned long long)g->max);
		if (g->after)
			k += (size_t)snprintf(ex + k, need - k, "-A %llu ", (unsigned long long)g->after);
		if (g->before)
			k += (size_t)snprintf(ex + k, need - k, "-B %llu ", (unsigned long long)g->before);
		for (size_t i = 0; i < npats; i++) {
			k += (size_t)snprintf(ex + k, need - k, "%s'", i ? " -e " : (npats > 1 ? "-e " : ""));
			k += gp_escape(ex + k, need - k, pats[i].s, pats[i].len);
			k += (size_t)snprintf(ex + k, need - k, "'");
		}
		snprintf(ex + k, need - k, "  [%s]", gp_matcher_describe(g->m));
		st->explain = ex;
	}
	st->state = g;
	st->ops = &grep_ops;
	return GP_OK;
}

static const gp_optdef grep_opts[] = {
	{ 'i', NULL, "ignore ASCII case" },
	{ 'v', NULL, "keep the records that do not match" },
	{ 'w', NULL, "match whole words only" },
	{ 'x', NULL, "match whole records only" },
	{ 'F', NULL, "patterns are fixed strings, not regexes" },
	{ 'o', NULL, "output each match as a record of its own" },
	{ 'm', "NUM", "stop after NUM selected records per input (a file, or an archive member)" },
	{ 'A', "NUM", "also keep NUM records of context after each selected one" },
	{ 'B', "NUM", "also keep NUM records before each selected one" },
	{ 'C', "NUM", "NUM records of context before and after (-A NUM -B NUM)" },
	{ 'b', NULL, "print the byte offset of each record (or -o match) in its input" },
	{ 'c', NULL, "output one record per input: the count of selected records" },
	{ 'l', NULL, "output the names of the inputs with a selected record" },
	{ 'L', NULL, "output the names of the inputs without a selected record" },
	{ 'e', "PATTERN", "a pattern; repeat for several (any may match)" },
	{ 'f', "FILE", "patterns from FILE, one a line (an empty file matches nothing)" },
	{ 'E', NULL, "accepted for grep habit: patterns are PCRE2 regexes already" },
	{ 'P', NULL, "accepted for grep habit: patterns are PCRE2 regexes already" },
	{ 0, NULL, NULL },
};

const gp_stage_def gp_stage_grep = {
	.name = "grep",
	.per_record = true,
	.family = GP_FAM_FILTER,
	.synopsis = "grep [-ivwxFobclL] [-m NUM] [-A NUM] [-B NUM] [-C NUM] [-e PATTERN]... [-f FILE]... "
		    "[PATTERN]",
	.summary = "keep records matching a PCRE2 regex or fixed string",
	.help = "Keeps the records that contain a match of PATTERN, a Perl-compatible regular "
		"expression (PCRE2, with JIT). Bytes are matched as bytes: invalid UTF-8 and NUL "
		"are fine, and -i folds ASCII letters only, as LC_ALL=C grep does. A match never "
		"spans two records. Several -e patterns keep a record if any of them matches; -f FILE "
		"adds the lines of FILE as patterns (as grep -f: an empty file matches nothing). "
		"With several patterns, -o and --color take the longest of the matches that start "
		"leftmost, as GNU grep; within one pattern, PCRE2's (the first alternative that "
		"matches). A line PCRE2 cannot decide (a backtracking or stack limit, even after a "
		"retry with larger limits) is reported and neither kept nor, with -v, passed; exit "
		"status 2.\n\n"
		"A newline inside a pattern separates two patterns, as in GNU grep (\"a\\nb\" is "
		"-e a -e b), and an empty pattern matches every record; with -z (records end with "
		"NUL) a newline is a byte of the pattern, so it can match inside a record.\n\n"
		"The options of GNU grep for triage work per input, an input being a file or an "
		"archive member: -m NUM stops after NUM selected records of each input (the rest of it "
		"is not read; -A context after the last one is still printed, as GNU grep does). -A, -B "
		"and -C add context records, never across inputs; the output then prints '-' instead of "
		"':' after the -H, -n and -b prefixes of a context record, and \"--\" between groups "
		"that are not adjacent (with -o, context is counted but not printed). -b prints the "
		"byte offset of each record (or -o match) in its input, after the line number. A later "
		"stage sees context records as records; the marks only matter to the text output. "
		"-c, -l and -L replace the records: -c gives one record per input, its count (its "
		"origin is the input's, so -H prints file:N), -l and -L give the names of the inputs "
		"with and without a selected record (an archive member as a.tar.gz:member); -l and -L "
		"stop reading an input once they know the answer. An input without any record (an "
		"empty file) reaches no stage, so -c and -L do not list it. As the last stage, -c, -L "
		"and -v -o exit as GNU grep does: 0 when a record was selected. -v -o prints nothing, "
		"as GNU grep.\n\n"
		"The whole batch of records is searched at once; a pure literal (or the rarest "
		"literal a regex requires) is found with a vectorised search before the regex "
		"runs, so rare matches cost little more than reading the input. Four or more plain "
		"words (-F, or patterns without regex syntax) are found together by one "
		"Aho-Corasick automaton, so a file of a thousand known failure signatures costs "
		"about what one word does.",
	.examples = "grep ERROR\tlines containing ERROR\n"
		    "grep -i \"time ?out\"\tcase-insensitive regex\n"
		    "grep -v -e DEBUG -e TRACE\tdrop debug and trace lines\n"
		    "grep -o \"status=[0-9]+\"\tprint only the matched text\n"
		    "grep -C 3 -m 1 panic\tthe first panic of each input, with 3 lines around it\n"
		    "grep -c ERROR\tthe count of ERROR lines, one per input\n"
		    "grep -l timeout\tthe inputs (and archive members) mentioning timeout",
	.opts = grep_opts,
	.open = grep_open,
};
