/* grep: keep the records that match (or, with -v, do not match).
 *
 * Over a span batch the matcher searches the whole span at once and only then
 * finds the line around each hit; per-record matching is the slow path, taken
 * when an upstream stage produced single records. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../match/matcher.h"
#include "../registry.h"

typedef struct grep {
	gp_matcher *m;
	bool invert, only;
	gp_recvec out;
	gp_ctx *ctx;
	gp_batch in; /* the batch being searched, to place undecided lines */
} grep;

/* A line the regex engine could not decide (matcher.h): said with its input
 * and line number, found from the batch it lies in; the run fails (exit 2). */
static void report_undecided(void *arg, const char *p, size_t len, const char *why)
{
	grep *g = arg;
	const gp_batch *b = &g->in;
	const gp_origin *o = NULL;
	uint64_t line = 0;
	if (b->span && p >= b->span && p < b->span + b->span_len) {
		o = b->span_origin;
		if (b->span_line)
			line = b->span_line + gp_count_byte(b->span, (size_t)(p - b->span), g->ctx->delim);
	}
	for (size_t i = 0; !o && b->has_recs && i < b->n; i++)
		if (p >= b->recs[i].p && p <= b->recs[i].p + b->recs[i].len)
			o = b->recs[i].origin, line = b->recs[i].line;
	char at[32] = "";
	if (line)
		snprintf(at, sizeof at, ":%llu", (unsigned long long)line);
	gp_report(g->ctx, "grep: %s%s%s%s: %s", o ? o->name : "(input)", o && o->member ? ":" : "",
		  o && o->member ? o->member : "", at, why);
	(void)len;
}

static int push(grep *g, const char *p, size_t len, uint64_t line, const gp_origin *o)
{
	if (g->out.n == g->out.cap && gp_recvec_reserve(&g->out, g->out.n + 1) != 0)
		return -1;
	g->out.v[g->out.n++] = (gp_rec){ .p = p, .len = len, .line = line, .origin = o };
	return 0;
}

/* A record of the records path: kept whole, fields included. */
static int push_rec(grep *g, const gp_rec *r, const char *p, size_t len)
{
	if (g->out.n == g->out.cap && gp_recvec_reserve(&g->out, g->out.n + 1) != 0)
		return -1;
	gp_rec *o = &g->out.v[g->out.n++];
	*o = *r;
	o->p = p;
	o->len = len;
	return 0;
}

/* -o: every non-empty match of the line becomes a record. */
static int push_matches(grep *g, const char *p, size_t len, uint64_t line, const gp_origin *o)
{
	size_t at = 0, ms, me;
	while (at <= len && gp_matcher_next_match(g->m, p, len, at, &ms, &me)) {
		if (me == ms) {
			at = ms + 1;
			continue;
		}
		if (push(g, p + ms, me - ms, line, o) != 0)
			return -1;
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
			r = push_matches(g, s + ls, le - ls, lines ? line : 0, in->span_origin);
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

static gp_status grep_next(gp_stage *st, gp_batch *out)
{
	grep *g = st->state;
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
				if (g->only && !g->invert) {
					size_t from = g->out.n;
					r2 = push_matches(g, rec->p, rec->len, rec->line, rec->origin);
					for (size_t k = from; k < g->out.n; k++) {
						g->out.v[k].f = rec->f;
						g->out.v[k].lay = rec->lay;
						g->out.v[k].nf = rec->nf;
					}
				} else if (gp_matcher_line_matches(g->m, rec->p, rec->len) != g->invert && !g->only)
					r2 = push_rec(g, rec, rec->p, rec->len);
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

static const gp_stage_ops grep_ops = { grep_next };

#define PATFILE_MAX (64u << 20) /* bytes of a -f FILE */

/* One pattern and where it came from, for messages. */
typedef struct patsrc {
	gp_arg arg;       /* the -e or operand word, or the -f FILE word */
	const char *file; /* -f: the file, with line the pattern's line */
	size_t line;
	const char *s;
	size_t len;
} patsrc;

/* The patterns of -e, -f and the operand, in order (arena, grown by copying). */
typedef struct patlist {
	patsrc *v;
	size_t n, cap;
} patlist;

static gp_status pat_push(gp_ctx *ctx, patlist *l, patsrc p)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		patsrc *nv = gp_arena_alloc(ctx->arena, nc * sizeof *nv);
		if (!nv)
			return gp_fail(ctx, NULL, "out of memory");
		if (l->n)
			memcpy(nv, l->v, l->n * sizeof *nv);
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n++] = p;
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
	if (gp_getopt_init(&go, ctx, st->def, args) != 0)
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
		case 'e':
			if (pat_push(ctx, &pl, (patsrc){ .arg = go.optarg, .s = go.optarg.s,
							 .len = go.optarg.len }) != GP_OK)
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
		if (pat_push(ctx, &pl, (patsrc){ .arg = go.operands[0], .s = go.operands[0].s,
						 .len = go.operands[0].len }) != GP_OK)
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
			gp_span sp = gp_arg_subspan(&pats[err.pattern].arg, err.offset, err.offset + 1);
			return gp_fail(ctx, &sp, "grep: invalid regex '%s': %s", pats[err.pattern].s,
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

	/* --explain: the resolved patterns and options. */
	size_t need = 64 + strlen(gp_matcher_describe(g->m));
	for (size_t i = 0; i < npats; i++)
		need += pats[i].len * 4 + 8;
	char *ex = gp_arena_alloc(ctx->arena, need);
	if (ex) {
		size_t k = 0;
		k += (size_t)snprintf(ex + k, need - k, "%s%s%s%s%s%s", g->invert ? "-v " : "",
				      flags & GP_M_ICASE ? "-i " : "", flags & GP_M_WORD ? "-w " : "",
				      flags & GP_M_LINE ? "-x " : "", flags & GP_M_FIXED ? "-F " : "",
				      g->only ? "-o " : "");
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
	{ 'e', "PATTERN", "a pattern; repeat for several (any may match)" },
	{ 'f', "FILE", "patterns from FILE, one a line (an empty file matches nothing)" },
	{ 'E', NULL, "accepted for grep habit: patterns are PCRE2 regexes already" },
	{ 'P', NULL, "accepted for grep habit: patterns are PCRE2 regexes already" },
	{ 0, NULL, NULL },
};

const gp_stage_def gp_stage_grep = {
	.name = "grep",
	.family = GP_FAM_FILTER,
	.synopsis = "grep [-ivwxFo] [-e PATTERN]... [-f FILE]... [PATTERN]",
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
		"The whole batch of records is searched at once; a pure literal (or the rarest "
		"literal a regex requires) is found with a vectorised search before the regex "
		"runs, so rare matches cost little more than reading the input. Four or more plain "
		"words (-F, or patterns without regex syntax) are found together by one "
		"Aho-Corasick automaton, so a file of a thousand known failure signatures costs "
		"about what one word does.",
	.examples = "grep ERROR\tlines containing ERROR\n"
		    "grep -i \"time ?out\"\tcase-insensitive regex\n"
		    "grep -v -e DEBUG -e TRACE\tdrop debug and trace lines\n"
		    "grep -o \"status=[0-9]+\"\tprint only the matched text",
	.opts = grep_opts,
	.open = grep_open,
};
