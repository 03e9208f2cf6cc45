/* split [SEP | -r REGEX]: one record becomes one record per piece; the
 * pieces are views into the record it splits: nothing is copied. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fields.h"
#include "../match/matcher.h"
#include "../registry.h"
#include "../core/fref.h"

typedef struct split {
	const char *sep; /* NULL: runs of blanks (or -r) */
	size_t seplen;
	gp_matcher *re; /* -r REGEX */
	gp_recvec out;
	gp_ctx *ctx;
	gp_batch in; /* the batch being cut, to place undecided lines */
} split;

/* A record PCRE2 could not decide (a resource limit even after a retry):
 * reported, the run fails; split stops cutting that record there. */
static void split_undecided(void *arg, const char *p, size_t len, const char *why)
{
	split *s = arg;
	gp_report_at(s->ctx, "split", &s->in, p, why);
	(void)len;
}

static int push_piece(split *s, const gp_rec *r, const char *p, size_t len)
{
	if (s->out.n == s->out.cap && gp_recvec_reserve(&s->out, s->out.n + 1) != 0)
		return -1;
	gp_rec *o = &s->out.v[s->out.n++];
	*o = (gp_rec){ .p = p, .len = len, .line = r->line, .origin = r->origin };
	return 0;
}

static gp_status split_next(gp_stage *st, gp_batch *out)
{
	split *s = st->state;
	for (;;) {
		gp_batch in;
		gp_status r = gp_pull(st, &in);
		if (r != GP_OK)
			return r;
		if (gp_batch_records(&in, st->ctx->delim) == (size_t)-1)
			return gp_fail(st->ctx, NULL, "out of memory");
		s->in = in;
		s->out.n = 0;
		for (size_t i = 0; i < in.n; i++) {
			const gp_rec *rec = &in.recs[i];
			const char *p = rec->p, *end = rec->p + rec->len;
			if (!s->sep && !s->re) {
				size_t pos = 0, fl;
				const char *f;
				while (gp_awk_next(rec->p, rec->len, &pos, &f, &fl))
					if (push_piece(s, rec, f, fl) != 0)
						return gp_fail(st->ctx, NULL, "out of memory");
				continue;
			}
			if (rec->len == 0)
				continue; /* like awk -F: an empty record has no fields */
			if (s->re) {
				/* Cut at every non-empty match; empty matches do not cut. */
				size_t at = 0, from = 0, ms, me;
				while (at <= rec->len && gp_matcher_next_match(s->re, rec->p, rec->len, at, &ms, &me)) {
					if (me == ms) {
						at = ms + 1;
						continue;
					}
					if (push_piece(s, rec, rec->p + from, ms - from) != 0)
						return gp_fail(st->ctx, NULL, "out of memory");
					from = at = me;
				}
				if (push_piece(s, rec, rec->p + from, rec->len - from) != 0)
					return gp_fail(st->ctx, NULL, "out of memory");
				continue;
			}
			for (;;) {
				const char *q = memmem(p, (size_t)(end - p), s->sep, s->seplen);
				if (!q)
					q = end;
				if (push_piece(s, rec, p, (size_t)(q - p)) != 0)
					return gp_fail(st->ctx, NULL, "out of memory");
				if (q == end)
					break;
				p = q + s->seplen;
			}
		}
		if (s->out.n == 0)
			continue;
		gp_batch_reset(out);
		out->recs = s->out.v;
		out->n = s->out.n;
		out->has_recs = true;
		out->writable = in.writable;
		return GP_OK;
	}
}

static const gp_stage_ops split_ops = { split_next };

static void matcher_free(void *m)
{
	gp_matcher_free(m);
}

static const gp_optdef split_opts[] = {
	{ 'r', "REGEX", "cut at every match of a PCRE2 regex instead of SEP" },
	{ 0, NULL, NULL },
};

static gp_status split_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	split *s = gp_scope_alloc(st->scope, sizeof *s);
	if (!s || gp_recvec_own(st->scope, &s->out) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	gp_getopt go;
	if (gp_getopt_init(&go, ctx, st->def->name, st->def->opts, args) != 0)
		return GP_ERR;
	gp_arg re = { 0 };
	bool have_re = false;
	int c;
	while ((c = gp_getopt_next(&go)) > 0)
		if (c == 'r') {
			re = go.optarg;
			have_re = true;
		}
	if (c < 0)
		return GP_ERR;
	if (go.noperands > (have_re ? 0 : 1))
		return gp_fail(ctx, &go.operands[have_re ? 0 : 1].span,
			       "split: unexpected argument '%s' (%s)", go.operands[have_re ? 0 : 1].s,
			       have_re ? "-r REGEX and SEP exclude each other" : "SEP is one string; quote it");
	if (have_re) {
		gp_pattern pv = { re.s, re.len };
		gp_match_error err;
		s->re = gp_matcher_new(&pv, 1, 0, &err);
		if (!s->re) {
			if (strcmp(err.msg, "out of memory") != 0) {
				gp_span sp = gp_arg_subspan(&re, err.offset, err.offset + 1);
				return gp_fail(ctx, &sp, "split: invalid regex '%s': %s", re.s, err.msg);
			}
			return gp_fail(ctx, NULL, "split: %s", err.msg);
		}
		if (gp_scope_defer(st->scope, matcher_free, s->re) != 0)
			return gp_fail(ctx, NULL, "out of memory");
		s->ctx = ctx;
		gp_matcher_on_undecided(s->re, split_undecided, s, false);
		ctx->need_lineno = true; /* for the message's line */
		size_t need = re.len * 4 + 16;
		char *ex = gp_arena_alloc(ctx->arena, need);
		if (ex) {
			size_t k = (size_t)snprintf(ex, need, "-r '");
			k += gp_escape(ex + k, need - k, re.s, re.len);
			snprintf(ex + k, need - k, "'");
			st->explain = ex;
		}
	} else if (go.noperands == 1) {
		if (go.operands[0].len == 0)
			return gp_fail(ctx, &go.operands[0].span, "split: empty separator");
		s->sep = go.operands[0].s;
		s->seplen = go.operands[0].len;
		size_t need = s->seplen * 4 + 16;
		char *ex = gp_arena_alloc(ctx->arena, need);
		if (ex) {
			ex[0] = '\'';
			size_t k = 1 + gp_escape(ex + 1, need - 2, s->sep, s->seplen);
			snprintf(ex + k, need - k, "'");
			st->explain = ex;
		}
	} else
		st->explain = "(runs of blanks)";
	st->state = s;
	st->ops = &split_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_split = {
	.name = "split",
	.per_record = true,
	.family = GP_FAM_FLATTEN,
	.synopsis = "split [SEP | -r REGEX]",
	.summary = "make one record of every piece of a record",
	.help = "Splits every record and makes each piece a record of its own, with the "
		"record's origin and line number. Without SEP the pieces are the runs of bytes "
		"other than space and tab (awk's splitting): blanks at either end and between "
		"pieces make no empty pieces. With SEP, a literal string, the record is cut at "
		"every occurrence and empty pieces are kept, as awk -F does with a one-character "
		"separator; an empty record gives no piece. With -r, the record is cut at every "
		"non-empty match of REGEX (PCRE2), empty pieces kept. The pieces are plain text: fields the "
		"record had are dropped.",
	.examples = "split | uniq -c\twords, one per record\n"
		    "split \",\" | grep -x \"[0-9]+\"\tnumeric items of comma-separated lists\n"
		    "split -r \"[;,] *\"\tcut at commas or semicolons and the blanks after them",
	.opts = split_opts,
	.open = split_open,
};
