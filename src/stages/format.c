/* format TEMPLATE: each record rewritten from a template of {FIELD}
 * placeholders; the text is built in the per-batch pool (stages/xform.h). */
#include <stdio.h>
#include <string.h>

#include "xform.h"
#include "../core/fref.h"
#include "../core/sb.h"

typedef struct seg {
	const char *lit; /* literal text, or NULL for a reference */
	size_t len;
	gp_fref ref;
} seg;

typedef struct fmt {
	gp_xform x;
	seg *segs;
	size_t n;
} fmt;

/* The '}' that closes a {FIELD} placeholder whose text starts at p: a
 * ${...} segment inside is skipped whole, so {${start time}} and
 * {nested.${user.name}} hold one reference each. NULL when unclosed. */
static const char *placeholder_end(const char *p, const char *end)
{
	while (p < end) {
		if (*p == '}')
			return p;
		if (*p == '$' && end - p >= 2 && p[1] == '{') {
			size_t e = gp_fref_brace_end(p, (size_t)(end - p));
			if (!e)
				return NULL;
			p += e;
		} else {
			p++;
		}
	}
	return NULL;
}

static gp_status format_next(gp_stage *st, gp_batch *out)
{
	fmt *t = st->state;
	gp_batch in;
	gp_sb *b = &t->x.sb;
	size_t n = 0;
again:;
	gp_status r = gp_xform_pull(st, &t->x, &in);
	if (r != GP_OK)
		return r;
	for (size_t i = 0; i < in.n; i++) {
		const gp_rec *rec = &in.recs[i];
		for (size_t k = 0; k < t->n; k++) {
			const seg *sg = &t->segs[k];
			if (sg->lit) {
				gp_sb_put(b, sg->lit, sg->len);
				continue;
			}
			char numbuf[24];
			gp_value v;
			if (gp_fref_get(&sg->ref, rec, &v, numbuf))
				gp_sb_text(b, &v);
		}
		int k = gp_xform_finish(&t->x, rec, &t->x.out.v[n]);
		if (k < 0)
			return gp_fail(st->ctx, NULL, "out of memory");
		n += (size_t)k;
	}
	if (n == 0)
		goto again; /* every record grew past --max-record */
	return gp_xform_emit(&t->x, out, n);
}

static const gp_stage_ops format_ops = { format_next };

static gp_status format_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	fmt *t = gp_scope_alloc(st->scope, sizeof *t);
	if (!t || gp_xform_init(st, &t->x) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	gp_xform_bound(&t->x);
	gp_getopt go;
	if (gp_getopt_operands(&go, ctx, st->def->name, st->def->opts, args, NULL) != 0)
		return GP_ERR;
	if (go.noperands == 0)
		return gp_fail(ctx, &st->span, "format: missing TEMPLATE");
	if (go.noperands > 1)
		return gp_fail(ctx, &go.operands[1].span,
			       "format: unexpected argument '%s' (quote the template: format \"{a} {b}\")",
			       go.operands[1].s);
	const gp_arg *a = &go.operands[0];
	const char *s = a->s;
	size_t len = a->len;
	/* At most one segment per byte plus one. */
	t->segs = gp_arena_alloc(ctx->arena, (len + 1) * sizeof *t->segs);
	char *lit = gp_arena_alloc(ctx->arena, len + 1);
	if (!t->segs || !lit)
		return gp_fail(ctx, NULL, "out of memory");
	size_t i = 0, nl = 0;
	char *run = lit;
	while (i < len) {
		char ch = s[i];
		if ((ch == '{' || ch == '}') && i + 1 < len && s[i + 1] == ch) {
			lit[nl++] = ch;
			i += 2;
			continue;
		}
		if (ch != '{') {
			lit[nl++] = ch;
			i++;
			continue;
		}
		const char *close = placeholder_end(s + i + 1, s + len);
		if (!close) {
			gp_span sp = gp_arg_subspan(a, i, i + 1);
			return gp_fail(ctx, &sp, "format: '{' without a closing '}' (write {{ for a brace)");
		}
		size_t from = i + 1, to = (size_t)(close - s);
		if (lit + nl > run) {
			t->segs[t->n++] = (seg){ .lit = run, .len = (size_t)(lit + nl - run) };
			run = lit + nl;
		}
		seg *sg = &t->segs[t->n++];
		*sg = (seg){ 0 };
		if (to - from == 1 && s[from] == '0')
			sg->ref.kind = GP_REF_WHOLE;
		else if (to == from) {
			gp_span sp = gp_arg_subspan(a, i, to + 1);
			return gp_fail(ctx, &sp, "format: empty field name in '{}' (write {{}} for braces)");
		} else if (gp_xform_ref_arg(st, a, from, to, &sg->ref) != GP_OK)
			return GP_ERR;
		i = to + 1;
	}
	if (lit + nl > run)
		t->segs[t->n++] = (seg){ .lit = run, .len = (size_t)(lit + nl - run) };
	size_t need = a->len * 4 + 16;
	char *ex = gp_arena_alloc(ctx->arena, need);
	if (ex) {
		ex[0] = '\'';
		size_t k = 1 + gp_escape(ex + 1, need - 2, a->s, a->len);
		snprintf(ex + k, need - k, "'");
		st->explain = ex;
	}
	st->state = t;
	st->ops = &format_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_format = {
	.name = "format",
	.per_record = true,
	.family = GP_FAM_TRANSFORM,
	.synopsis = "format TEMPLATE",
	.summary = "rewrite each record from a template of fields",
	.help = "Replaces the text of every record by TEMPLATE with each {FIELD} replaced by the "
		"field's value. FIELD is any reference: a name, a path (req.headers.host, tags[0]), "
		"$N, $NF, _file, _member, _line, and ${any text} as a whole name or a segment of a path "
		"({${start time}}, {nested.${user.name}}); {0} and {$0} stand for the whole record. "
		"Write {{ and }} for literal braces. Values are written as text: JSON strings "
		"decoded, numbers, booleans, objects and arrays as their JSON text.\n\n"
		"A field the record does not have expands to the empty string (Miller writes "
		"\"(absent)\"; filter with where exists(FIELD) first if that matters). The record's "
		"fields are kept, so a later select or -o json still sees them.",
	.examples = "format \"{ts} {status} {path}\"\tpick and arrange fields\n"
		    "format \"{_file}:{_line}: {0}\"\twhere each record came from\n"
		    "format \"{$2} took {$NF}\"\tawk-style fields of plain lines\n"
		    "format \"{{\\\"msg\\\": \\\"{0}\\\"}}\"\tliteral braces are doubled",
	.open = format_open,
};
