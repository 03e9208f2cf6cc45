/* select FIELD... (cut): keep the named fields, in that order, and rebuild
 * the record text from them in its layout (stages/xform.h: the new field
 * arrays and text are in the per-batch pool). */
#include <string.h>

#include "xform.h"
#include "../core/fref.h"
#include "../core/pool.h"
#include "../core/render.h"

/* Plain-text records select from: $1 $3 joined by a space, as awk prints. */
static const gp_layout space_layout = { .fmt = GP_LAY_DELIM, .sep = " ", .seplen = 1 };

typedef struct sel {
	gp_xform x;
	gp_fref *refs;
	const char **names;
	uint32_t *nlens;
	uint32_t n;
} sel;

static gp_status select_next(gp_stage *st, gp_batch *out)
{
	sel *s = st->state;
	gp_batch in;
	size_t n = 0;
again:;
	gp_status r = gp_xform_pull(st, &s->x, &in);
	if (r != GP_OK)
		return r;
	for (size_t i = 0; i < in.n; i++) {
		const gp_rec *rec = &in.recs[i];
		gp_field *f = gp_pool_alloc(&s->x.pool, s->n * sizeof *f);
		if (!f)
			return gp_fail(st->ctx, NULL, "out of memory");
		const gp_layout *lay = rec->lay ? rec->lay : rec->f ? &gp_layout_logfmt : &space_layout;
		/* A table row keeps its columns: a missing field is an empty one, as
		 * in awk's print $1, $3; a record of named fields (JSON, logfmt)
		 * leaves it out, as Miller's cut does. */
		bool keep_empty = lay->fmt == GP_LAY_DELIM || lay->fmt == GP_LAY_CSV ||
				  lay->fmt == GP_LAY_TSV;
		uint32_t nf = 0;
		for (uint32_t k = 0; k < s->n; k++) {
			char numbuf[24];
			gp_value v;
			if (!gp_fref_get(&s->refs[k], rec, &v, numbuf)) {
				if (!keep_empty)
					continue;
				v = (gp_value){ GP_K_STR, "", 0 };
			}
			if (v.p == numbuf) {
				char *c = gp_pool_alloc(&s->x.pool, v.len);
				if (!c)
					return gp_fail(st->ctx, NULL, "out of memory");
				memcpy(c, numbuf, v.len);
				v.p = c;
			}
			f[nf++] = (gp_field){ .name = s->names[k], .nlen = s->nlens[k], .v = v.p,
					      .vlen = v.len, .kind = v.kind };
		}
		gp_render(&s->x.sb, f, nf, lay);
		gp_rec *o = &s->x.out.v[n];
		int k = gp_xform_finish(&s->x, rec, o);
		if (k < 0)
			return gp_fail(st->ctx, NULL, "out of memory");
		if (k == 0)
			continue;
		n++;
		o->f = f;
		o->nf = nf;
		o->lay = lay;
	}
	if (n == 0)
		goto again; /* every record grew past --max-record */
	return gp_xform_emit(&s->x, out, n);
}

static const gp_stage_ops select_ops = { select_next };

static gp_status select_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	sel *s = gp_scope_alloc(st->scope, sizeof *s);
	if (!s || gp_xform_init(st, &s->x) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	gp_xform_bound(&s->x);
	gp_getopt go;
	if (gp_getopt_operands(&go, ctx, st->def->name, st->def->opts, args, NULL) != 0)
		return GP_ERR;
	if (go.noperands == 0)
		return gp_fail(ctx, &st->span, "%s: missing FIELD", st->def->name);
	s->n = (uint32_t)go.noperands;
	s->refs = gp_arena_alloc(ctx->arena, s->n * sizeof *s->refs);
	s->names = gp_arena_alloc(ctx->arena, s->n * sizeof *s->names);
	s->nlens = gp_arena_alloc(ctx->arena, s->n * sizeof *s->nlens);
	if (!s->refs || !s->names || !s->nlens)
		return gp_fail(ctx, NULL, "out of memory");
	size_t need = 16;
	for (uint32_t k = 0; k < s->n; k++) {
		const gp_arg *a = &go.operands[k];
		if (gp_xform_ref_arg(st, a, 0, a->len, &s->refs[k]) != GP_OK)
			return GP_ERR;
		/* The new field is named as written: $3 → "3", ${a b} → "a b". */
		const gp_fref *ref = &s->refs[k];
		const char *nm = a->s;
		size_t nl = a->len;
		if (ref->kind == GP_REF_NAME) {
			nm = ref->name;
			nl = ref->nlen;
		} else if (nl > 0 && nm[0] == '$') {
			nm++;
			nl--;
		}
		s->names[k] = nm;
		s->nlens[k] = (uint32_t)nl;
		need += a->len * 4 + 8;
	}
	char *ex = gp_arena_alloc(ctx->arena, need);
	if (ex) {
		size_t k = 0;
		ex[0] = '\0';
		for (uint32_t i = 0; i < s->n; i++) {
			if (i)
				ex[k++] = ' ';
			k += gp_escape(ex + k, need - k, go.operands[i].s, go.operands[i].len);
		}
		st->explain = ex;
	}
	st->state = s;
	st->ops = &select_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_select = {
	.name = "select",
	.per_record = true,
	.aliases = { "cut", NULL },
	.family = GP_FAM_TRANSFORM,
	.synopsis = "select FIELD...",
	.summary = "keep the named fields, in the order given",
	.help = "Keeps the fields FIELD... of every record, in that order, and rebuilds the record "
		"text from them in the record's layout: a JSON record stays a JSON object, a logfmt "
		"record stays key=value pairs, a delimited record is joined with its delimiter. A "
		"field is any reference: a name, a path into JSON (req.headers.host, tags[0]), $N, "
		"$NF, $0, _file, _member, _line or ${any name}. The new field is named as written: "
		"$3 becomes \"3\", ${a b} becomes \"a b\". A field the record does not have is empty "
		"in a table row (plain text, fields, csv, tsv), so the columns stay where they were, "
		"and left out of a record of named fields (json, logfmt, parse), as Miller's cut "
		"does.\n\n"
		"A record without fields (plain text) is split awk-style and the selected fields are "
		"joined by a space, so select $1 $3 prints what awk '{print $1, $3}' prints.",
	.examples = "select ts status path\tthree fields, in that order (after json or logfmt)\n"
		    "cut req.host _line\ta nested value and the line number\n"
		    "select _file _line\twhere each record came from, as two fields\n"
		    "select $1 $3\tlike awk '{print $1, $3}' on plain lines",
	.open = select_open,
};
