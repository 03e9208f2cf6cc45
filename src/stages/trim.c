/* trim: whitespace (blanks, CR, LF, VT, FF) at either end of each record is
 * dropped by narrowing the record's view: nothing is copied. */
#include <stdbool.h>

#include "../registry.h"

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static gp_status trim_next(gp_stage *st, gp_batch *out)
{
	gp_status r = gp_pull(st, out);
	if (r != GP_OK)
		return r;
	if (gp_batch_records(out, st->ctx->delim) == (size_t)-1)
		return gp_fail(st->ctx, NULL, "out of memory");
	for (size_t i = 0; i < out->n; i++) {
		gp_rec *rec = &out->recs[i];
		while (rec->len && is_ws(rec->p[0])) {
			rec->p++;
			rec->len--;
		}
		while (rec->len && is_ws(rec->p[rec->len - 1]))
			rec->len--;
	}
	return GP_OK;
}

static const gp_stage_ops trim_ops = { trim_next };

static gp_status trim_open(gp_stage *st, const gp_args *args)
{
	st->light = true;
	if (gp_no_args(st->ctx, st->def->name, args) != GP_OK)
		return GP_ERR;
	st->ops = &trim_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_trim = {
	.name = "trim",
	.per_record = true,
	.family = GP_FAM_TRANSFORM,
	.synopsis = "trim",
	.summary = "remove leading and trailing ASCII white space",
	.help = "Removes spaces, tabs, carriage returns and other ASCII white space from both "
		"ends of every record. Handy for CRLF files: the CR goes.",
	.examples = "trim | grep -x 'OK'\twhole-line match despite padding or CRLF",
	.open = trim_open,
};
