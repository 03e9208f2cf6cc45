/* logfmt: key=value records gain fields (the scanner is fields/textscan.c);
 * records it cannot read are dropped and summarised once per input. */
#include "../fields/textscan.h"
#include "xform.h"
#include "../core/dropped.h"
#include "../core/fref.h"

typedef struct logfmt_st {
	gp_xform x;
	gp_scratch sc;
} logfmt_st;

static gp_status logfmt_next(gp_stage *st, gp_batch *out)
{
	logfmt_st *s = st->state;
	gp_batch in;
	char detail[128];
	for (;;) {
		gp_status rc = gp_xform_pull(st, &s->x, &in);
		if (rc != GP_OK)
			return rc;
		for (size_t i = 0; i < in.n; i++) {
			const gp_rec *r = &in.recs[i];
			size_t len;
			const char *p = gp_rec_body(r, true, &len);
			int nf = gp_logfmt_scan(&s->sc, &s->x.pool, p, len, detail, sizeof detail);
			if (nf == -2)
				return gp_fail(st->ctx, NULL, "out of memory");
			if (nf == -1) {
				gp_dropped_add(st->ctx, &s->x.drop, r, detail);
				continue;
			}
			if (gp_xform_push(&s->x, r, r->p, r->len, s->sc.f, (uint32_t)nf, &gp_layout_logfmt) != 0)
				return gp_fail(st->ctx, NULL, "out of memory");
		}
		if (s->x.out.n)
			return gp_xform_emit(&s->x, out, s->x.out.n);
	}
}

static const gp_stage_ops logfmt_ops = { logfmt_next };

static gp_status logfmt_open(gp_stage *st, const gp_args *args)
{
	if (gp_no_args(st->ctx, st->def->name, args) != GP_OK)
		return GP_ERR;
	logfmt_st *s = gp_scope_alloc(st->scope, sizeof *s);
	if (!s || gp_xform_init(st, &s->x) != 0 ||
	    gp_scratch_own(st->scope, &s->sc, st->ctx->arena) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	s->x.drop.what = "are not logfmt";
	s->x.drop.what1 = "is not logfmt";
	st->ctx->need_lineno = true;
	st->state = s;
	st->ops = &logfmt_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_logfmt = {
	.name = "logfmt",
	.per_record = true,
	.family = GP_FAM_PARSE,
	.synopsis = "logfmt",
	.summary = "parse key=value records (logfmt)",
	.help = "Parses records of the form key=value key=\"quoted value\" flag. A key is a run of "
		"bytes other than blanks, '=' and '\"'; a key without '=' has an empty value. A "
		"quoted value may hold blanks and the escapes \\\" \\\\ \\n \\t \\r, which are "
		"decoded (other backslashes are kept as they are).\n\n"
		"An unterminated quote, a key starting with '=' or a quote where a key should be "
		"makes the record unparsable: it is dropped and counted once per input on "
		"standard error (an error with --strict). An empty record has no fields. A UTF-8 "
		"byte order mark at the start of an input is skipped.",
	.examples = "grep level=error | logfmt\tthe error records, as fields\n"
		    "logfmt | count\tcount the logfmt records (the others are reported)",
	.open = logfmt_open,
};
