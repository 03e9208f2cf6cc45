/* json: every record parsed as one JSON value (JSON Lines); the members of
 * an object become fields (the indexer is fields/jsonl.c). Records that are
 * not JSON are dropped and summarised once per input. */
#include <string.h>

#include "../fields/jsonl.h"
#include "xform.h"
#include "../core/dropped.h"
#include "../core/fref.h"
#include "../core/pool.h"

typedef struct jstage {
	gp_xform x;
	gp_jsonp jp;
} jstage;

static void jstage_close(void *arg)
{
	jstage *j = arg;
	gp_jsonp_free(&j->jp);
}

static gp_status json_next(gp_stage *st, gp_batch *out)
{
	jstage *j = st->state;
	for (;;) {
		gp_batch in;
		gp_status r = gp_xform_pull(st, &j->x, &in);
		if (r != GP_OK)
			return r;
		size_t n = 0;
		for (size_t i = 0; i < in.n; i++) {
			const gp_rec *rec = &in.recs[i];
			size_t len; /* a UTF-8 BOM at the start of an input is skipped, as jq does */
			const char *p = gp_rec_body(rec, true, &len);
			gp_json_res res = gp_json_fields(&j->jp, &j->x.pool, p, len);
			if (res == GP_JSON_BLANK)
				continue;
			if (res == GP_JSON_BAD) {
				gp_dropped_add(st->ctx, &j->x.drop, rec, j->jp.err);
				continue;
			}
			gp_field *f = res == GP_JSON_OK
					      ? gp_pool_alloc(&j->x.pool, (j->jp.nf ? j->jp.nf : 1) * sizeof *f)
					      : NULL;
			if (!f)
				return gp_fail(st->ctx, NULL, "out of memory");
			if (j->jp.nf) /* {} has no fields, and jp.f may still be NULL */
				memcpy(f, j->jp.f, j->jp.nf * sizeof *f);
			gp_rec *o = &j->x.out.v[n++];
			*o = *rec;
			o->f = f;
			o->nf = j->jp.nf;
			o->lay = &gp_layout_json;
		}
		if (n)
			return gp_xform_emit(&j->x, out, n);
	}
}

static const gp_stage_ops json_ops = { json_next };

static gp_status json_open(gp_stage *st, const gp_args *args)
{
	if (gp_no_args(st->ctx, st->def->name, args) != GP_OK)
		return GP_ERR;
	jstage *j = gp_scope_alloc(st->scope, sizeof *j);
	if (!j || gp_xform_init(st, &j->x) != 0 || gp_scope_defer(st->scope, jstage_close, j) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	j->x.drop.what = "are not JSON";
	j->x.drop.what1 = "is not JSON";
	st->ctx->need_lineno = true;
	st->state = j;
	st->ops = &json_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_json = {
	.name = "json",
	.per_record = true,
	.family = GP_FAM_PARSE,
	.synopsis = "json",
	.summary = "parse each record as JSON (JSON Lines): its members become fields",
	.help = "Parses every record as one JSON value (JSON Lines, RFC 8259). The members of an "
		"object become fields by name; nested values are reached by path: req.headers.host, "
		"tags[0], tags[-1] (the last element). Strings, numbers, booleans and null keep "
		"their JSON types, so -o json prints them back as they were.\n\n"
		"A record that is a JSON value other than an object (a number, a string, an "
		"array) gets one field named value, so `json | explode value` turns top-level "
		"arrays into one record per element, and -o json prints {\"value\":...}. Blank "
		"records are skipped.\n\n"
		"Records that are not valid JSON (truncated, trailing garbage, raw control bytes "
		"inside strings, nesting deeper than 10000 levels) are dropped and summarised once "
		"per input on standard error, with the line and byte of the first fault; with "
		"--strict they make the exit status 2. Invalid UTF-8 inside strings is accepted "
		"as bytes and replaced by U+FFFD on JSON output. A UTF-8 byte order mark at the "
		"start of an input is skipped, as jq does.",
	.examples = "json | count\thow many records are valid JSON\n"
		    "json | explode tags | head 10\tone record per element of each tags array",
	.open = json_open,
};
