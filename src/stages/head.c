/* head N: the first N records, then the chain upstream is closed at once,
 * so `grep X | head 1` stops reading at the first match. Span batches are
 * cut at the N-th delimiter without splitting lines. */
#include <stdint.h>

#include "count_arg.h"

typedef struct head {
	uint64_t left;
} head;

static gp_status head_next(gp_stage *st, gp_batch *out)
{
	head *h = st->state;
	if (h->left == 0) {
		gp_stage_close_upstream(st);
		return GP_EOF;
	}
	gp_status r = gp_pull(st, out);
	if (r != GP_OK)
		return r;
	if (out->span && !out->has_recs) {
		if (out->span_nrec && out->span_nrec <= h->left) {
			h->left -= out->span_nrec;
			return GP_OK;
		}
		const char *cut = gp_find_nth(out->span, out->span_len, st->ctx->delim,
					      h->left > SIZE_MAX ? SIZE_MAX : (size_t)h->left);
		if (cut) {
			out->span_len = (size_t)(cut - out->span);
			out->span_nrec = (size_t)h->left;
			h->left = 0;
		} else {
			h->left -= gp_count_byte(out->span, out->span_len, st->ctx->delim);
		}
		return GP_OK;
	}
	if (out->n >= h->left) {
		out->n = (size_t)h->left;
		h->left = 0;
	} else {
		h->left -= out->n;
	}
	return GP_OK;
}

static const gp_stage_ops head_ops = { head_next };

uint64_t gp_head_count(const gp_stage *st)
{
	const head *h = st->state;
	return h->left;
}

static gp_status head_open(gp_stage *st, const gp_args *args)
{
	head *h = gp_scope_alloc(st->scope, sizeof *h);
	if (!h)
		return gp_fail(st->ctx, NULL, "out of memory");
	if (gp_count_arg(st, args, &h->left) != GP_OK)
		return GP_ERR;
	st->state = h;
	st->ops = &head_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_head = {
	.name = "head",
	.family = GP_FAM_FILTER,
	.synopsis = "head [-n] N",
	.summary = "keep the first N records, then stop reading",
	.help = "Passes the first N records and ends the run's input at once: every file, "
		"decoder and buffer upstream is closed, so `grep X | head 1` returns as soon as "
		"the first match is found, however large the input. `head -N` works too, as in "
		"coreutils.",
	.examples = "grep ERROR | head 5\tthe first five errors",
	.opts = gp_count_opts,
	.open = head_open,
};
