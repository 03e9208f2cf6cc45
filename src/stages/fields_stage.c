/* fields [-d SEP] [NAME]...: records split into fields on runs of blanks
 * (as awk) or on a literal separator; the values are views into the record
 * text, the field arrays are in the per-batch pool (stages/xform.h). */
#include <string.h>

#include "../fields/textscan.h"
#include "xform.h"
#include "../core/fref.h"

typedef struct fields_st {
	gp_xform x;
	gp_scratch sc;
	const char *sep; /* NULL: runs of blanks */
	size_t seplen;
	const gp_arg *names;
	uint32_t nnames;
	const gp_layout *lay;
} fields_st;

static int fields_put(fields_st *s, uint32_t i, const char *v, size_t vlen)
{
	gp_field *f = gp_scratch_slot(&s->sc, i);
	if (!f)
		return -1;
	if (i < s->nnames) {
		f->name = s->names[i].s;
		f->nlen = (uint32_t)s->names[i].len;
	} else if (!(f->name = gp_scratch_posname(&s->sc, i + 1, &f->nlen))) {
		return -1;
	}
	f->v = v;
	f->vlen = vlen;
	f->kind = GP_K_STR;
	return 0;
}

static int fields_one(fields_st *s, const gp_rec *r)
{
	size_t len;
	const char *p = gp_rec_body(r, false, &len), *end = p + len;
	uint32_t n = 0;
	if (!s->sep) {
		size_t pos = 0, fl;
		const char *f;
		while (gp_awk_next(p, len, &pos, &f, &fl))
			if (fields_put(s, n++, f, fl) != 0)
				return -1;
	} else if (len) {
		for (;;) {
			const char *q = s->seplen == 1 ? memchr(p, s->sep[0], (size_t)(end - p))
						       : memmem(p, (size_t)(end - p), s->sep, s->seplen);
			if (fields_put(s, n++, p, q ? (size_t)(q - p) : (size_t)(end - p)) != 0)
				return -1;
			if (!q)
				break;
			p = q + s->seplen;
		}
	}
	return gp_xform_push(&s->x, r, r->p, r->len, s->sc.f, n, s->lay);
}

static gp_status fields_next(gp_stage *st, gp_batch *out)
{
	fields_st *s = st->state;
	gp_batch in;
	gp_status rc = gp_xform_pull(st, &s->x, &in);
	if (rc != GP_OK)
		return rc;
	for (size_t i = 0; i < in.n; i++)
		if (fields_one(s, &in.recs[i]) != 0)
			return gp_fail(st->ctx, NULL, "out of memory");
	return gp_xform_emit(&s->x, out, s->x.out.n);
}


static const gp_stage_ops fields_ops = { fields_next };

static gp_status fields_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	fields_st *s = gp_scope_alloc(st->scope, sizeof *s);
	if (!s || gp_xform_init(st, &s->x) != 0 || gp_scratch_own(st->scope, &s->sc, ctx->arena) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	ctx->need_lineno = true;
	gp_getopt go;
	if (gp_getopt_init(&go, ctx, st->def->name, st->def->opts, args) != 0)
		return GP_ERR;
	int c;
	gp_arg sep = { 0 };
	bool have_sep = false;
	while ((c = gp_getopt_next(&go)) > 0) {
		if (c == 'd') {
			sep = go.optarg;
			have_sep = true;
		}
	}
	if (c < 0)
		return GP_ERR;
	gp_layout *lay = gp_arena_alloc(ctx->arena, sizeof *lay);
	if (!lay)
		return gp_fail(ctx, NULL, "out of memory");
	lay->fmt = GP_LAY_DELIM;
	if (have_sep) {
		char *buf = gp_arena_alloc(ctx->arena, sep.len + 1);
		if (!buf)
			return gp_fail(ctx, NULL, "out of memory");
		size_t n;
		gp_sep_escapes(&sep, buf, sep.len, &n);
		if (n == 0)
			return gp_fail(ctx, &sep.span, "fields: -d needs a separator (one or more bytes)");
		if (n > sizeof lay->sep)
			return gp_fail(ctx, &sep.span, "fields: -d takes at most %zu bytes",
				       sizeof lay->sep);
		s->sep = buf;
		s->seplen = n;
		memcpy(lay->sep, buf, n);
		lay->seplen = (uint8_t)n;
	} else {
		lay->sep[0] = ' ';
		lay->seplen = 1;
	}
	s->lay = lay;
	st->explain = have_sep ? gp_xform_explain_quoted(ctx, "-d ", s->sep, s->seplen, "")
			       : gp_arena_strndup(ctx->arena, "runs of blanks, as awk", 22);
	s->names = go.operands;
	s->nnames = (uint32_t)go.noperands;
	for (size_t i = 0; i < go.noperands; i++)
		if (go.operands[i].len == 0)
			return gp_fail(ctx, &go.operands[i].span, "fields: empty field name");
	st->state = s;
	st->ops = &fields_ops;
	return GP_OK;
}

static const gp_optdef fields_opts[] = {
	{ 'd', "SEP", "split on the literal string SEP ('\\t' is a tab), keeping empty pieces" },
	{ 0, NULL, NULL },
};

const gp_stage_def gp_stage_fields = {
	.name = "fields",
	.per_record = true,
	.family = GP_FAM_PARSE,
	.synopsis = "fields [-d SEP] [NAME]...",
	.summary = "split records into fields on blanks or a separator",
	.help = "Splits every record into fields. Without -d it splits as awk does: on runs of "
		"spaces and tabs, ignoring leading and trailing ones. With -d SEP it splits on "
		"the literal string SEP (one byte or several; '\\t' is a tab) and keeps empty "
		"pieces, like awk -F, with a fixed separator: 'a,,b' has three fields.\n\n"
		"The fields are named by the NAMEs in order; pieces beyond the names are named by "
		"their position, 1-based (\"4\"), so $4 and 4 are the same field. A stage that "
		"changes a field rebuilds the record joined by SEP (a single space without -d), "
		"as awk rebuilds $0. Every record parses; an empty one has no fields.",
	.examples = "fields ts level msg\tname the first three blank-separated fields\n"
		    "fields -d , | head 5\tcomma-separated, empty pieces kept\n"
		    "fields -d \" | \" host path\ta multi-byte separator",
	.opts = fields_opts,
	.open = fields_open,
};
