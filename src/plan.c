#include "plan.h"

#include <stdio.h>
#include <string.h>

#include "agg/partial.h"
#include "input/source.h"
#include "registry.h"

extern const gp_stage_def gp_stage_read;

static gp_stage *new_stage(gp_ctx *ctx, const gp_stage_def *def, gp_stage *up)
{
	gp_stage *st = gp_arena_alloc(ctx->arena, sizeof *st);
	if (!st || !(st->scope = gp_scope_child(ctx->root)))
		return NULL;
	st->ctx = ctx;
	st->def = def;
	st->up = up;
	return st;
}

gp_status gp_plan_build(gp_ctx *ctx, const char *src, size_t len, bool comments,
		  const char *const *files, size_t nfiles, gp_plan *out)
{
	gp_pipeline_expr pe;
	if (gp_parse_pipeline(ctx, src, len, comments, &pe) != GP_OK)
		return GP_ERR;

	/* Resolve every name before opening anything. */
	const gp_stage_def **defs = gp_arena_alloc(ctx->arena, pe.n * sizeof *defs);
	gp_stage **chain = gp_arena_alloc(ctx->arena, (pe.n + 1) * sizeof *chain);
	if (!defs || !chain)
		return gp_fail(ctx, NULL, "out of memory");
	for (size_t i = 0; i < pe.n; i++) {
		const gp_arg *name = &pe.v[i].name;
		defs[i] = gp_registry_find(name->s, name->len);
		if (!defs[i] && gp_registry_implicit(name->s, name->len)) {
			gp_fail(ctx, &name->span,
				"'%s' is implicit: gpipe puts it in front of every chain; name the "
				"inputs after the expression",
				name->s);
			return GP_ERR;
		}
		if (!defs[i]) {
			const char *hint = gp_registry_suggest(name->s, name->len);
			if (hint)
				gp_fail(ctx, &name->span, "unknown stage '%s' (did you mean '%s'?)",
					name->s, hint);
			else
				gp_fail(ctx, &name->span,
					"unknown stage '%s' (gpipe --list-stages lists them)", name->s);
			return GP_ERR;
		}
	}

	for (size_t i = 0; i < pe.n; i++)
		ctx->memory_holders += defs[i]->holds_memory == GP_MEM_ALWAYS ||
				       (defs[i]->holds_memory == GP_MEM_WITH_ARGS && pe.v[i].args.n > 0);

	/* --partial runs stages [0, agg], --merge [agg, n) (agg/partial.h). */
	size_t from = 0, to = pe.n;
	if (ctx->agg_mode) {
		size_t a = 0;
		while (a < pe.n && defs[a]->family != GP_FAM_AGGREGATE)
			a++;
		if (a == pe.n) {
			gp_span all = { pe.v[0].span.start, pe.v[pe.n - 1].span.end };
			return gp_fail(ctx, &all, "--%s needs an aggregate stage (count, sum, ..., top, histogram)",
				       ctx->agg_mode & GP_AGG_PARTIAL ? "partial" : "merge");
		}
		ctx->spec_hash = gp_partial_spec(&pe, a);
		if (ctx->agg_mode & GP_AGG_MERGE)
			from = a;
		if (ctx->agg_mode & GP_AGG_PARTIAL)
			to = a + 1;
	}

	chain[0] = new_stage(ctx, &gp_stage_read, NULL);
	if (!chain[0])
		return gp_fail(ctx, NULL, "out of memory");
	if (gp_source_open(chain[0], files, nfiles) != GP_OK) {
		ctx->diag.has_span = false;
		return GP_ERR;
	}
	size_t n = 1;
	for (size_t i = from; i < to; i++, n++) {
		gp_stage *st = new_stage(ctx, defs[i], chain[n - 1]);
		if (!st)
			return gp_fail(ctx, NULL, "out of memory");
		st->span = pe.v[i].name.span;
		gp_args args = pe.v[i].args;
		if (defs[i]->takes_name) { /* the name word lies just before the arguments */
			args.v--;
			args.n++;
		}
		if (defs[i]->open(st, &args) != GP_OK)
			return GP_ERR;
		chain[n] = st;
	}
	/* A stage followed by `head N` may keep only what head will pass. */
	for (size_t k = 1; k + 1 < n; k++)
		if (chain[k]->def->limit && chain[k + 1]->def == &gp_stage_head)
			chain[k]->def->limit(chain[k], gp_head_count(chain[k + 1]));
	out->chain = chain;
	out->n = n;
	return GP_OK;
}
