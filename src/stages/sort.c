/* sort [-r] [-n] [-u] [-s] [KEY [, KEY]...]: every record of the stream in
 * order, once it ends. Records are packed (core/recpack.h) up to the
 * stage's share of --memory; past it the records held are sorted and
 * written as a run to a nameless temporary file, and at the end the runs
 * are merged k-way (sort_run.c). How records compare: sort_order.h. */
#include <stdlib.h>
#include <string.h>

#include "expr_stage.h"
#include "sort_run.h"
#include "../core/grow.h"
#include "../core/jsonval.h"
#include "../core/num.h"

#define OUT_BATCH 4096

enum { O_REVERSE, O_NUMERIC, O_UNIQUE, O_STABLE };

static const gp_optdef sort_opts[] = {
	{ 'r', NULL, "reverse the order" },
	{ 'n', NULL, "compare as numbers (GNU sort -n without keys; non-numbers as 0 with keys)" },
	{ 'u', NULL, "keep only the first of records that compare equal" },
	{ 's', NULL, "stable: no last-resort comparison of whole records" },
	{ 0, NULL, NULL },
};

typedef enum phase { P_READ, P_WRITE, P_DONE } phase;

typedef struct sort {
	gp_sort_run run; /* order, pack, entries, runs and merge (sort_run.h) */
	phase phase;
	/* keys */
	gp_enode **keys;
	size_t nkeys;
	bool numeric;
	gp_eval ev;
	gp_pool scratch;
	char *kbuf, *tbuf;
	size_t kcap, tcap;
	/* output: a batch of views and the fields they point to */
	gp_recvec out;
	gp_field *fbuf;
	size_t fcap, fused;
	bool oom;
} sort;

static void free_sort(void *arg)
{
	sort *s = arg;
	free(s->kbuf);
	free(s->tbuf);
	free(s->fbuf);
}

/* ---- keys: encoded so that memcmp orders them ----
 * Each key is a tag byte, 1 empty text, 2 a number (8 bytes, big-endian,
 * ordered as doubles), 3 text (bytes, a NUL written as 00 FF, ended by
 * 00 01), and missing (or null) last: 4, or 0 with -r, since -r reverses
 * the whole comparison and missing values stay last (as Miller's sort). */

static int kput(sort *s, size_t *n, const void *p, size_t len)
{
	if (gp_grow(&s->kbuf, &s->kcap, *n + len, 1) != 0)
		return -1;
	memcpy(s->kbuf + *n, p, len);
	*n += len;
	return 0;
}

static int put_number(sort *s, size_t *n, double d)
{
	uint64_t u;
	if (d == 0)
		d = 0; /* -0 is 0 */
	memcpy(&u, &d, 8);
	u = (u >> 63) ? ~u : u | (1ull << 63);
	unsigned char b[9] = { 2 };
	for (int i = 0; i < 8; i++)
		b[1 + i] = (unsigned char)(u >> (56 - 8 * i));
	return kput(s, n, b, 9);
}

static int put_text(sort *s, size_t *n, const char *p, size_t len)
{
	if (gp_grow(&s->kbuf, &s->kcap, *n + 2 * len + 3, 1) != 0)
		return -1;
	char *w = s->kbuf + *n;
	*w++ = 3;
	for (size_t i = 0; i < len; i++) {
		*w++ = p[i];
		if (!p[i])
			*w++ = (char)0xff;
	}
	*w++ = 0;
	*w++ = 1;
	*n = (size_t)(w - s->kbuf);
	return 0;
}

static int encode_key(sort *s, const gp_enode *e, const gp_rec *r, size_t *n)
{
	gp_field f = { 0 };
	if (!gp_expr_field(&s->ev, e, r, &f) || f.kind == GP_K_NULL || f.kind == GP_K_MISSING)
		return kput(s, n, s->run.o.reverse ? "\0" : "\4", 1);
	if (f.vlen == 0 && (f.kind == GP_K_STR || f.kind == GP_K_JSTR))
		return kput(s, n, "\1", 1);
	const char *p = f.v;
	size_t len = f.vlen;
	if (f.kind == GP_K_TRUE || f.kind == GP_K_FALSE) {
		p = f.kind == GP_K_TRUE ? "true" : "false";
		len = strlen(p);
	} else if (f.kind == GP_K_JSTR && memchr(p, '\\', len)) {
		if (gp_grow(&s->tbuf, &s->tcap, len, 1) != 0)
			return -1;
		len = gp_json_unescape(p, len, s->tbuf);
		p = s->tbuf;
	}
	bool isint;
	int64_t i;
	double d;
	if (f.kind != GP_K_OBJ && f.kind != GP_K_ARR && gp_num_parse(p, len, &isint, &i, &d))
		return put_number(s, n, d);
	if (s->numeric)
		return put_number(s, n, 0);
	return put_text(s, n, p, len);
}

/* ---- reading ---- */

static gp_status add(gp_stage *st, sort *s, const gp_rec *r)
{
	size_t kl = 0;
	if (s->nkeys) {
		gp_pool_reset(&s->scratch);
		for (size_t i = 0; i < s->nkeys; i++)
			if (encode_key(s, s->keys[i], r, &kl) != 0)
				return gp_fail(st->ctx, NULL, "out of memory");
	}
	return gp_sort_run_add(&s->run, r, s->kbuf, kl);
}

static gp_status read_all(gp_stage *st, sort *s)
{
	gp_ctx *ctx = st->ctx;
	const char delim = ctx->delim;
	gp_batch in;
	gp_status r;
	while ((r = gp_pull(st, &in)) == GP_OK) {
		if (in.span && !in.has_recs && !s->nkeys) {
			/* Whole records from a span: no views to split first. */
			const char *p = in.span, *end = in.span + in.span_len;
			uint64_t line = ctx->need_lineno ? in.span_line : 0;
			while (p < end) {
				const char *q = memchr(p, delim, (size_t)(end - p));
				if (!q)
					q = end;
				gp_rec rec = { .p = p, .len = (size_t)(q - p), .line = line,
					       .off = line ? in.span_off + (uint64_t)(p - in.span) : 0,
					       .origin = in.span_origin };
				if (gp_sort_run_add(&s->run, &rec, NULL, 0) != GP_OK)
					return GP_ERR;
				if (line)
					line++;
				p = q + 1;
			}
			continue;
		}
		if (gp_batch_records(&in, delim) == (size_t)-1)
			return gp_fail(ctx, NULL, "out of memory");
		for (size_t i = 0; i < in.n; i++)
			if (add(st, s, &in.recs[i]) != GP_OK)
				return GP_ERR;
	}
	return r;
}

/* ---- writing ---- */

/* Takes k into the batch being built; false when the batch is full or k's
 * fields do not fit in what is left of fbuf (it comes first next time,
 * when fbuf may grow). */
static bool put(void *arg, const gp_packed *k)
{
	sort *s = arg;
	if (s->out.n >= OUT_BATCH)
		return false;
	if (s->fused + k->nf > s->fcap) {
		if (s->out.n)
			return false;
		if (gp_grow(&s->fbuf, &s->fcap, k->nf, sizeof *s->fbuf) != 0) {
			s->oom = true;
			return false;
		}
	}
	gp_recpack_view(&s->run.pack, k, &s->out.v[s->out.n++], s->fbuf + s->fused);
	s->fused += k->nf;
	return true;
}

static gp_status sort_next(gp_stage *st, gp_batch *out)
{
	sort *s = st->state;
	gp_status r;
	switch (s->phase) {
	case P_READ:
		r = read_all(st, s);
		if (r == GP_ERR)
			return r;
		if (gp_signal) {
			s->phase = P_DONE;
			return GP_EOF;
		}
		r = gp_sort_run_finish(&s->run);
		if (r != GP_OK)
			return r;
		if (s->run.nruns) { /* for --stats */
			char note[128];
			snprintf(note, sizeof note, "spilled %zu sorted runs (--memory share %zu KiB)", s->run.nruns,
				 gp_memory_share(st->ctx) >> 10);
			st->stats_note = gp_arena_strndup(st->ctx->arena, note, strlen(note));
		}
		s->phase = P_WRITE;
		return sort_next(st, out);
	case P_WRITE:
		s->out.n = 0;
		s->fused = 0;
		r = gp_sort_run_next(&s->run, put, s);
		if (s->oom)
			return gp_fail(st->ctx, NULL, "out of memory");
		if (r != GP_OK)
			return r;
		gp_batch_of(out, s->out.v, s->out.n);
		return GP_OK;
	default:
		return GP_EOF;
	}
}

static const gp_stage_ops sort_ops = { sort_next };

/* `sort … | head N`: only the first N records can matter (plan.c). */
static void sort_limit(gp_stage *st, uint64_t n)
{
	sort *s = st->state;
	s->run.limited = true;
	s->run.limit = n;
}

/* The leading option words (up to `--`, or the first word that is not an
 * option): the keys are expressions after them. */
static size_t option_words(const gp_args *args)
{
	size_t i = 0;
	for (; i < args->n; i++) {
		const gp_arg *a = &args->v[i];
		if (a->quoted || a->len < 2 || a->s[0] != '-')
			break;
		if (a->len == 2 && a->s[1] == '-')
			return i + 1;
		if (!(a->s[1] >= 'a' && a->s[1] <= 'z') && !(a->s[1] >= 'A' && a->s[1] <= 'Z'))
			break; /* -1, -(x): an expression */
	}
	return i;
}

static gp_status sort_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	sort *s = gp_scope_alloc(st->scope, sizeof *s);
	if (!s || gp_scope_defer(st->scope, free_sort, s) != 0 || gp_recvec_own(st->scope, &s->out) != 0 ||
	    gp_pool_own(st->scope, &s->scratch) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	size_t from = option_words(args);
	gp_args optargs = { args->v, from };
	gp_getopt g;
	unsigned flags;
	if (gp_getopt_operands(&g, ctx, "sort", sort_opts, &optargs, &flags) != 0)
		return GP_ERR;
	if (from < args->n) {
		gp_expr_reader *rd = gp_expr_reader_open(st, args, from);
		if (!rd)
			return GP_ERR;
		size_t cap = 0;
		for (;;) {
			gp_enode *e = gp_expr_read(rd);
			if (!e)
				return GP_ERR;
			if (gp_grow(&s->keys, &cap, s->nkeys + 1, sizeof *s->keys) != 0)
				return gp_fail(ctx, NULL, "out of memory");
			if (s->nkeys == 0 && gp_scope_defer(st->scope, free, s->keys) != 0) /* freed last */
				return gp_fail(ctx, NULL, "out of memory");
			s->keys[s->nkeys++] = e;
			if (gp_expr_read_comma(rd))
				continue;
			if (!gp_expr_read_end(rd))
				return GP_ERR;
			break;
		}
	}
	s->numeric = flags & (1u << O_NUMERIC);
	s->ev.scratch = &s->scratch;
	gp_sort_order o = {
		.mode = s->nkeys ? GP_SORT_KEYS : s->numeric ? GP_SORT_NUM : GP_SORT_BYTES,
		.reverse = flags & (1u << O_REVERSE),
		.stable = flags & ((1u << O_STABLE) | (1u << O_UNIQUE)),
	};
	if (gp_sort_run_init(&s->run, st, o, flags & (1u << O_UNIQUE)) != GP_OK)
		return GP_ERR;
	if (gp_recvec_reserve(&s->out, OUT_BATCH) != 0 ||
	    gp_grow(&s->fbuf, &s->fcap, 4 * OUT_BATCH, sizeof *s->fbuf) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	explain_src(st, args);
	st->state = s;
	st->ops = &sort_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_sort = {
	.name = "sort",
	.family = GP_FAM_ORDER,
	.holds_memory = GP_MEM_ALWAYS,
	.synopsis = "sort [-rnus] [KEY [, KEY]...]",
	.summary = "order the records, in bounded memory",
	.help =
		"Without a key, orders whole records by their bytes, as `LC_ALL=C sort` does, "
		"with the same output byte for byte: -r reverses, -n compares the leading "
		"numbers (blanks, an optional '-', digits, one '.'; no exponent, no thousands "
		"separator; what is not a number is 0), and records that compare equal are "
		"then ordered by their bytes unless -s is given; -u keeps the first of each "
		"run of equal records (numerically equal ones with -n).\n\n"
		"With keys, orders by each KEY in turn, an expression as `where` takes "
		"(count, len(message), req.status, $3): empty text first, then numbers "
		"(numerically, as doubles; text that is a number counts as one), then text by "
		"its bytes; records whose key is missing or null come last, with -r too (as in "
		"Miller), so `sort -r latency | head` shows the largest. -r reverses the rest. "
		"-n compares every key as a number (text that is not one is 0). A keyed sort "
		"is stable: records with equal keys keep their input "
		"order, with no last-resort comparison (as Miller and angle-grinder do); -u "
		"keeps the first of each run of equal keys.\n\n"
		"Records keep their fields and origin. sort holds records up to its share of "
		"--memory; past it, it writes sorted runs to nameless temporary files in "
		"$TMPDIR (or /tmp) and merges them at the end, so any amount of input can be "
		"sorted; nothing is left behind, whatever way the run ends. Followed by "
		"`head N`, it keeps only the first N records as it reads (a top N, with the "
		"output of the full sort).",
	.examples = "sort\tlines in byte order, as LC_ALL=C sort\n"
		    "sort -n -r | head 5\tthe five largest leading numbers\n"
		    "json | sort -r status, path\tby status, largest first, then path\n"
		    "json | sort -r latency_ms | head 10\tthe ten slowest requests (a top 10: ten records held)\n"
		    "sort -u $1\tthe first record of each distinct first field",
	.opts = sort_opts,
	.open = sort_open,
	.limit = sort_limit,
};
