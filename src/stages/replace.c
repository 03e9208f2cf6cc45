/* replace: substitute every match of a PCRE2 regex, as sed 's/P/R/g' does
 * with its POSIX regexes (PCRE2 picks the first alternative that matches,
 * POSIX the longest: the help says so).
 *
 * The replacement is compiled at open into literal runs and group
 * references, each checked against the pattern's groups. Matching follows
 * sed's rule for empty matches: an empty match right where the previous match
 * ended is not a match (PCRE2_NOTEMPTY_ATSTART after every match): "x*"
 * replaced by "-" turns "abc" into "-a-b-c-" and "xxa" into "-a-". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/dropped.h"
#include "../core/fref.h"
#include "../core/jsonval.h"
#include "../core/pool.h"
#include "../core/render.h"
#include "../core/sb.h"
#include "../match/rx.h"
#include "../registry.h"


typedef struct rpart {
	const char *lit; /* literal bytes, or NULL for group `group` */
	size_t len;
	uint32_t group;
} rpart;

typedef struct repl {
	gp_rx rx;
	rpart *parts;
	size_t nparts;
	bool has_field;
	gp_fref field;
	gp_pool pool;
	gp_sb sb, vb; /* sb builds records, bounded by --max-record */
	gp_dropped big; /* records that grew past it */
	gp_ctx *ctx;
	gp_recvec out;
	/* records PCRE2 could not decide (a resource limit even after a retry
	 * with larger ones): left unchanged, summarised per input as an error */
	gp_dropped undecided;
	char why[96];
} repl;

static void repl_free(void *arg)
{
	repl *r = arg;
	gp_dropped_flush(r->ctx, &r->undecided);
	gp_dropped_flush(r->ctx, &r->big);
	gp_sb_free(&r->sb);
	gp_sb_free(&r->vb);
}

static inline int run(repl *r, const char *s, size_t len, size_t start, uint32_t opts)
{
	return gp_rx_match(&r->rx, s, len, start, opts);
}

/* Appends s[0..len) with every match replaced to b. Returns 1 when a match
 * was found, 0 when none, -1 when PCRE2 could not decide (r->why says why);
 * nothing is appended unless 1. */
static int substitute(repl *r, gp_sb *b, const char *s, size_t len)
{
	size_t pos = 0, copied = 0;
	uint32_t opts = 0;
	bool any = false;
	size_t base = b->len;
	while (pos <= len && !b->over) {
		int rc = run(r, s, len, pos, opts);
		if (rc < PCRE2_ERROR_NOMATCH) {
			gp_rx_why(rc, NULL, r->why, sizeof r->why);
			b->len = base;
			return -1;
		}
		if (rc < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->rx.md);
		size_t ms = ov[0], me = ov[1];
		if (me < ms) /* \K in a lookahead: treat as empty at ms */
			me = ms;
		any = true;
		gp_sb_put(b, s + copied, ms - copied);
		uint32_t ng = (uint32_t)pcre2_get_ovector_count(r->rx.md);
		for (size_t k = 0; k < r->nparts; k++) {
			const rpart *p = &r->parts[k];
			if (p->lit) {
				gp_sb_put(b, p->lit, p->len);
				continue;
			}
			if (p->group < ng && (int)p->group < rc && ov[2 * p->group] != PCRE2_UNSET &&
			    ov[2 * p->group + 1] >= ov[2 * p->group])
				gp_sb_put(b, s + ov[2 * p->group], ov[2 * p->group + 1] - ov[2 * p->group]);
		}
		copied = me;
		pos = me;
		opts = PCRE2_NOTEMPTY_ATSTART;
	}
	if (!any) {
		b->len = base;
		return 0;
	}
	gp_sb_put(b, s + copied, len - copied);
	return 1;
}

/* substitute() on a record's text or field: an undecided one is counted. */
static bool changed(repl *r, const gp_rec *rec, gp_sb *b, const char *s, size_t len)
{
	int rc = substitute(r, b, s, len);
	if (rc < 0)
		gp_dropped_add(r->ctx, &r->undecided, rec, r->why);
	return rc > 0;
}

static gp_status replace_next(gp_stage *st, gp_batch *out)
{
	repl *r = st->state;
	gp_batch in;
again:
	gp_pool_reset(&r->pool);
	for (;;) {
		gp_status rs = gp_pull(st, &in);
		if (rs != GP_OK) {
			if (rs == GP_EOF)
				gp_dropped_flush(st->ctx, &r->big);
			return rs;
		}
		if (gp_batch_records(&in, st->ctx->delim) == (size_t)-1 ||
		    gp_recvec_reserve(&r->out, in.n) != 0)
			return gp_fail(st->ctx, NULL, "out of memory");
		if (in.n)
			break;
	}
	size_t n = 0; /* records out: a record grown past --max-record is skipped */
	for (size_t i = 0; i < in.n; i++) {
		const gp_rec *rec = &in.recs[i];
		gp_rec *o = &r->out.v[n++];
		*o = *rec;
		int k;
		if (!r->has_field) {
			if (!changed(r, rec, &r->sb, rec->p, rec->len))
				continue;
			size_t len;
			if ((k = gp_sb_finish_built(&r->sb, &r->pool, st->ctx, &r->big, rec, &o->p, &len)) <= 0)
				goto built;
			o->len = len;
			/* Its fields no longer describe the text: it becomes plain
			 * text (-o json must not print the values replaced away). */
			o->f = NULL;
			o->nf = 0;
			o->lay = NULL;
			continue;
		}
		/* -f FIELD */
		const gp_fref *ref = &r->field;
		if (!rec->f) {
			/* A plain record: $N is a span of its text, replaced in place. */
			const char *fp;
			size_t fl;
			if (ref->kind == GP_REF_WHOLE) {
				fp = rec->p;
				fl = rec->len;
			} else if (ref->kind != GP_REF_POS && ref->kind != GP_REF_NF)
				continue;
			else if (!gp_awk_field(rec->p, rec->len, ref->kind == GP_REF_NF ? 0 : ref->pos, &fp, &fl))
				continue;
			size_t pre = (size_t)(fp - rec->p);
			gp_sb_put(&r->sb, rec->p, pre);
			if (!changed(r, rec, &r->sb, fp, fl)) {
				r->sb.len = 0;
				continue;
			}
			gp_sb_put(&r->sb, fp + fl, rec->len - pre - fl);
			size_t len;
			if ((k = gp_sb_finish_built(&r->sb, &r->pool, st->ctx, &r->big, rec, &o->p, &len)) <= 0)
				goto built;
			o->len = len;
			continue;
		}
		uint32_t idx;
		if (ref->kind == GP_REF_POS || ref->kind == GP_REF_NF) {
			idx = ref->kind == GP_REF_NF ? rec->nf : ref->pos;
			if (idx == 0 || idx > rec->nf)
				continue;
			idx--;
		} else {
			const gp_field *fd = gp_field_find(rec, ref->name, ref->nlen);
			if (!fd)
				continue;
			idx = (uint32_t)(fd - rec->f);
		}
		const gp_field *src = &rec->f[idx];
		gp_value v = { src->kind, src->v, src->vlen };
		r->vb.len = 0;
		gp_sb_text(&r->vb, &v);
		if (r->vb.oom)
			return gp_fail(st->ctx, NULL, "out of memory");
		if (!changed(r, rec, &r->sb, r->vb.p, r->vb.len))
			continue;
		size_t vlen;
		const char *nv;
		if ((k = gp_sb_finish_built(&r->sb, &r->pool, st->ctx, &r->big, rec, &nv, &vlen)) <= 0)
			goto built;
		gp_field *f = gp_pool_alloc(&r->pool, rec->nf * sizeof *f);
		if (!f)
			return gp_fail(st->ctx, NULL, "out of memory");
		memcpy(f, rec->f, rec->nf * sizeof *f);
		uint8_t kind = GP_K_STR;
		if (src->kind == GP_K_NUM && gp_is_json_number(nv, vlen))
			kind = GP_K_NUM;
		f[idx] = (gp_field){ .name = src->name, .nlen = src->nlen, .v = nv, .vlen = vlen, .kind = kind };
		o->f = f;
		if (rec->lay) {
			gp_render(&r->sb, f, rec->nf, rec->lay);
			size_t len;
			if ((k = gp_sb_finish_built(&r->sb, &r->pool, st->ctx, &r->big, rec, &o->p, &len)) <= 0)
				goto built;
			o->len = len;
		}
		continue;
	built: /* the text could not be built: too long (skip it) or out of memory */
		if (k < 0)
			return gp_fail(st->ctx, NULL, "out of memory");
		n--;
	}
	if (n == 0)
		goto again; /* every record was skipped */
	gp_batch_of(out, r->out.v, n);
	return GP_OK;
}

static const gp_stage_ops replace_ops = { replace_next };

/* Compiles the replacement: $0-$9, ${N}, ${name}, $$. */
static gp_status compile_repl(gp_stage *st, repl *r, const gp_arg *a)
{
	gp_ctx *ctx = st->ctx;
	const char *s = a->s;
	size_t len = a->len;
	r->parts = gp_arena_alloc(ctx->arena, (len + 1) * sizeof *r->parts);
	char *lit = gp_arena_alloc(ctx->arena, len + 1);
	if (!r->parts || !lit)
		return gp_fail(ctx, NULL, "out of memory");
	uint32_t ngroups = 0;
	pcre2_pattern_info(r->rx.code, PCRE2_INFO_CAPTURECOUNT, &ngroups);
	size_t i = 0, nl = 0;
	char *run_start = lit;
	while (i < len) {
		if (s[i] != '$') {
			lit[nl++] = s[i++];
			continue;
		}
		if (i + 1 < len && s[i + 1] == '$') {
			lit[nl++] = '$';
			i += 2;
			continue;
		}
		size_t start = i;
		long group = -1;
		if (i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9') {
			group = s[i + 1] - '0';
			i += 2;
		} else if (i + 1 < len && s[i + 1] == '{') {
			const char *close = memchr(s + i + 2, '}', len - i - 2);
			if (!close) {
				gp_span sp = gp_arg_subspan(a, start, i + 2);
				return gp_fail(ctx, &sp, "replace: '${' without a closing '}'");
			}
			size_t from = i + 2, to = (size_t)(close - s);
			i = to + 1;
			if (to == from) {
				gp_span sp = gp_arg_subspan(a, start, i);
				return gp_fail(ctx, &sp, "replace: empty group name in '${}'");
			}
			bool digits = true;
			for (size_t k = from; k < to; k++)
				digits &= s[k] >= '0' && s[k] <= '9';
			if (digits) {
				group = 0;
				for (size_t k = from; k < to && group <= 100000; k++)
					group = group * 10 + (s[k] - '0');
			} else {
				char name[128];
				if (to - from >= sizeof name) {
					gp_span sp = gp_arg_subspan(a, start, i);
					return gp_fail(ctx, &sp, "replace: group name too long");
				}
				memcpy(name, s + from, to - from);
				name[to - from] = '\0';
				int n = pcre2_substring_number_from_name(r->rx.code, (PCRE2_SPTR)name);
				if (n < 0) {
					gp_span sp = gp_arg_subspan(a, start, i);
					return gp_fail(ctx, &sp, "replace: the pattern has no group named '%s'", name);
				}
				group = n;
			}
		} else {
			gp_span sp = gp_arg_subspan(a, start, i + 1 < len ? i + 2 : i + 1);
			return gp_fail(ctx, &sp,
				       "replace: '$' must be followed by a group number, {NAME} or $ (write $$ for a dollar)");
		}
		if (group > (long)ngroups) {
			gp_span sp = gp_arg_subspan(a, start, i);
			return gp_fail(ctx, &sp, "replace: no group %ld in the pattern (it has %u)", group,
				       ngroups);
		}
		if (lit + nl > run_start) {
			r->parts[r->nparts++] = (rpart){ .lit = run_start, .len = (size_t)(lit + nl - run_start) };
			run_start = lit + nl;
		}
		r->parts[r->nparts++] = (rpart){ .lit = NULL, .group = (uint32_t)group };
	}
	if (lit + nl > run_start)
		r->parts[r->nparts++] = (rpart){ .lit = run_start, .len = (size_t)(lit + nl - run_start) };
	return GP_OK;
}

static gp_status replace_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	repl *r = gp_scope_alloc(st->scope, sizeof *r);
	if (!r || gp_scope_defer(st->scope, repl_free, r) != 0 || gp_pool_own(st->scope, &r->pool) != 0 ||
	    gp_recvec_own(st->scope, &r->out) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	r->ctx = ctx;
	r->undecided = (gp_dropped){ .stage = "replace", .error = true,
				     .what = "could not be searched, left unchanged",
				     .what1 = "could not be searched, left unchanged" };
	ctx->need_lineno = true; /* for the summary's line */
	gp_sb_bound(&r->sb, &r->big, ctx, "replace");
	gp_getopt go;
	if (gp_getopt_init(&go, ctx, st->def->name, st->def->opts, args) != 0)
		return GP_ERR;
	uint32_t opts = 0;
	gp_arg field = { 0 };
	int c;
	while ((c = gp_getopt_next(&go)) > 0) {
		switch (c) {
		case 'i': opts |= PCRE2_CASELESS; break;
		case 'F': opts |= PCRE2_LITERAL; break;
		case 'f': field = go.optarg; r->has_field = true; break;
		}
	}
	if (c < 0)
		return GP_ERR;
	if (go.noperands < 2)
		return gp_fail(ctx, go.noperands ? &go.operands[0].span : &st->span,
			       "replace: missing %s", go.noperands ? "REPLACEMENT" : "PATTERN");
	if (go.noperands > 2)
		return gp_fail(ctx, &go.operands[2].span, "replace: unexpected argument '%s'",
			       go.operands[2].s);
	if (r->has_field) {
		char err[160];
		size_t bad = 0;
		if (gp_fref_parse(ctx->arena, field.s, field.len, &r->field, err, sizeof err, &bad) != 0) {
			gp_span sp = gp_arg_subspan(&field, bad, bad + 1 <= field.len ? bad + 1 : field.len);
			return gp_fail(ctx, &sp, "replace: %s", err);
		}
		if (r->field.kind != GP_REF_NAME && r->field.kind != GP_REF_POS &&
		    r->field.kind != GP_REF_NF && r->field.kind != GP_REF_WHOLE)
			return gp_fail(ctx, &field.span, "replace: -f needs a field of the record, not '%s'",
				       field.s);
		if (r->field.braced && r->field.nseg > 1)
			return gp_fail(ctx, &field.span,
				       "replace: -f cannot change a value inside '%s': name a top-level field", field.s);
	}
	if (!(opts & PCRE2_LITERAL))
		opts |= PCRE2_NEVER_UTF;
	const gp_arg *pat = &go.operands[0];
	char msg[256];
	size_t off;
	if (gp_rx_compile(&r->rx, st->scope, pat->s, pat->len, opts, msg, sizeof msg, &off) != 0) {
		gp_span sp = gp_arg_subspan(pat, off, off + 1);
		return gp_fail(ctx, &sp, "replace: invalid regex '%s': %s", pat->s, msg);
	}
	if (compile_repl(st, r, &go.operands[1]) != GP_OK)
		return GP_ERR;
	size_t need = (pat->len + go.operands[1].len) * 4 + field.len + 64;
	char *ex = gp_arena_alloc(ctx->arena, need);
	if (ex) {
		size_t k = 0;
		if (r->has_field)
			k += (size_t)snprintf(ex, need, "-f %s ", field.s);
		k += (size_t)snprintf(ex + k, need - k, "%s%s'", opts & PCRE2_CASELESS ? "-i " : "",
				      opts & PCRE2_LITERAL ? "-F " : "");
		k += gp_escape(ex + k, need - k, pat->s, pat->len);
		k += (size_t)snprintf(ex + k, need - k, "' '");
		k += gp_escape(ex + k, need - k, go.operands[1].s, go.operands[1].len);
		snprintf(ex + k, need - k, "'  [%s]", r->rx.jit ? "pcre2-jit" : "pcre2");
		st->explain = ex;
	}
	st->state = r;
	st->ops = &replace_ops;
	return GP_OK;
}

static const gp_optdef replace_opts[] = {
	{ 'f', "FIELD", "replace inside this field's value only" },
	{ 'i', NULL, "ignore ASCII case" },
	{ 'F', NULL, "PATTERN is a fixed string, not a regex" },
	{ 0, NULL, NULL },
};

const gp_stage_def gp_stage_replace = {
	.name = "replace",
	.per_record = true,
	.family = GP_FAM_TRANSFORM,
	.synopsis = "replace [-iF] [-f FIELD] PATTERN REPLACEMENT",
	.summary = "replace every match of a PCRE2 regex (s/P/R/g)",
	.help = "Replaces every match of PATTERN, a PCRE2 regex matched on bytes, in every "
		"record by REPLACEMENT, where $1 to $9 (or ${N}) stand for a group, ${NAME} for a "
		"named group, $0 for the whole match and $$ for a dollar sign. A reference to a "
		"group the pattern does not have is an error. Empty matches follow sed: none right "
		"after the previous match, so replace \"x*\" \"-\" turns abc into -a-b-c-.\n\n"
		"PATTERN has Perl semantics, not POSIX (sed -E): of the alternatives that match at a "
		"position the first listed wins, not the longest, so replace \"cc|ccc\" X turns ccc "
		"into Xc where sed -E gives X; list the longer alternative first (\"ccc|cc\"). "
		"A record PCRE2 cannot decide (a backtracking or stack limit, even after a retry "
		"with larger limits) is left unchanged and reported once per input; exit status 2.\n\n"
		"A record that had fields (json, logfmt ...) and whose text changes becomes plain "
		"text: its fields would no longer agree with it, and -o json must not print values "
		"that were replaced away. "
		"With -f FIELD only that field's value changes (a name or $N; JSON strings are "
		"decoded first) and the record text is rebuilt from the fields in its layout; a "
		"record without that field passes unchanged. On plain text, -f $N replaces inside "
		"the N-th word and leaves the rest of the line as it was.",
	.examples = "replace \"password=\\S+\" \"password=***\"\tmask secrets\n"
		    "replace -i \"bearer [\\w.-]+\" \"bearer ***\"\tcase-insensitive\n"
		    "replace \"user=(\\w+)\" \"user=<$1>\"\ta captured group in the replacement\n"
		    "replace -f path \"/\\d+\" \"/:id\"\tnormalise ids inside one field\n"
		    "replace -F \"[DEBUG]\" \"[D]\"\ta literal pattern",
	.opts = replace_opts,
	.open = replace_open,
};
