/* skip N: drops the first N records of the whole stream; span batches are
 * cut at the N-th delimiter without splitting lines. */
#include <stdint.h>

#include "count_arg.h"

typedef struct skip {
	uint64_t left;
} skip;

static gp_status skip_next(gp_stage *st, gp_batch *out)
{
	skip *h = st->state;
	for (;;) {
		gp_status r = gp_pull(st, out);
		if (r != GP_OK || h->left == 0)
			return r;
		if (out->span && !out->has_recs) {
			if (out->span_nrec && out->span_nrec <= h->left) {
				h->left -= out->span_nrec;
				continue;
			}
			const char *cut = gp_find_nth(out->span, out->span_len, st->ctx->delim,
						      h->left > SIZE_MAX ? SIZE_MAX : (size_t)h->left);
			if (!cut) {
				h->left -= gp_count_byte(out->span, out->span_len, st->ctx->delim);
				continue;
			}
			if (out->span_nrec)
				out->span_nrec -= (size_t)h->left;
			out->span_len -= (size_t)(cut - out->span);
			out->span_off += (uint64_t)(cut - out->span);
			out->span = cut;
			if (out->span_line)
				out->span_line += h->left;
			h->left = 0;
			if (out->span_len == 0)
				continue;
			return GP_OK;
		}
		if (out->n <= h->left) {
			h->left -= out->n;
			continue;
		}
		out->recs += h->left;
		out->n -= (size_t)h->left;
		h->left = 0;
		return GP_OK;
	}
}

static const gp_stage_ops skip_ops = { skip_next };

static gp_status skip_open(gp_stage *st, const gp_args *args)
{
	skip *h = gp_scope_alloc(st->scope, sizeof *h);
	if (!h)
		return gp_fail(st->ctx, NULL, "out of memory");
	if (gp_count_arg(st, args, &h->left) != GP_OK)
		return GP_ERR;
	st->state = h;
	st->ops = &skip_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_skip = {
	.name = "skip",
	.family = GP_FAM_FILTER,
	.synopsis = "skip [-n] N",
	.summary = "drop the first N records",
	.help = "Drops the first N records of the whole stream (all inputs together) and "
		"passes the rest. `skip -N` works too.",
	.examples = "skip 1 | head 10\trecords 2 to 11 (a header line dropped)",
	.opts = gp_count_opts,
	.open = skip_open,
};
