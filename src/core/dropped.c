/* Dropped records and the bound on built ones (see dropped.h). */
#include "dropped.h"

#include <stdio.h>

void gp_dropped_say(gp_ctx *ctx, const gp_dropped *d)
{
	char where[96] = "";
	if (d->first_line)
		snprintf(where, sizeof where, d->count == 1 ? "line %llu" : "first at line %llu",
			 (unsigned long long)d->first_line);
	const char *sep = where[0] && d->first_detail[0] ? ": " : "";
	const char *open = where[0] || d->first_detail[0] ? " (" : "";
	const char *close = where[0] || d->first_detail[0] ? ")" : "";
	const char *fmt = "%s: %llu %s of %s %s%s%s%s%s%s";
	gp_say(ctx, ctx->strict || d->error, fmt, d->stage, (unsigned long long)d->count,
	       d->count == 1 ? "record" : "records", d->name, d->count == 1 ? d->what1 : d->what,
	       open, where, sep, d->first_detail, close);
}

void gp_dropped_flush(gp_ctx *ctx, gp_dropped *d)
{
	if (d->count == 0)
		return;
	if (ctx->summary)
		ctx->summary(ctx, d);
	else
		gp_dropped_say(ctx, d);
	d->count = 0;
	d->first_line = 0;
	d->first_detail[0] = '\0';
}

void gp_dropped_flush_all(gp_ctx *ctx)
{
	for (gp_dropped *d = ctx->pending; d; d = d->next)
		gp_dropped_flush(ctx, d);
}

void gp_dropped_add(gp_ctx *ctx, gp_dropped *d, const gp_rec *r, const char *detail)
{
	uint64_t id = r->origin ? r->origin->id : 0;
	if (d->count && id != d->origin_id)
		gp_dropped_flush(ctx, d);
	if (d->count++ == 0) {
		if (ctx->summary && !d->listed) {
			d->next = ctx->pending;
			ctx->pending = d;
			d->listed = true;
		}
		d->origin_id = id;
		d->first_line = r->line;
		snprintf(d->first_detail, sizeof d->first_detail, "%s", detail ? detail : "");
		if (!r->origin)
			snprintf(d->name, sizeof d->name, "the input");
		else if (r->origin->member)
			snprintf(d->name, sizeof d->name, "%s:%s", r->origin->name, r->origin->member);
		else
			snprintf(d->name, sizeof d->name, "%s", r->origin->name);
	}
}

void gp_sb_bound(gp_sb *b, gp_dropped *d, const gp_ctx *ctx, const char *stage)
{
	b->max = ctx->max_record;
	*d = (gp_dropped){ .stage = stage,
			   .what = "are longer than --max-record once rebuilt, skipped",
			   .what1 = "is longer than --max-record once rebuilt, skipped",
			   .error = true };
}

int gp_sb_finish_built(gp_sb *b, gp_pool *pool, gp_ctx *ctx, gp_dropped *d, const gp_rec *r,
		       const char **p, size_t *len)
{
	*p = gp_sb_finish_rec(b, pool, ctx->delim, len);
	if (*p)
		return 1;
	if (!b->over)
		return -1;
	b->over = false;
	char detail[64];
	snprintf(detail, sizeof detail, "more than %zu bytes", b->max);
	gp_dropped_add(ctx, d, r, detail);
	return 0;
}
