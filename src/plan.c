#include "plan.h"

#include <stdio.h>
#include <string.h>

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

/* Parses the expression and resolves every stage name, before anything is
 * opened. */
static gp_status resolve(gp_ctx *ctx, const char *src, size_t len, bool comments,
			 gp_pipeline_expr *pe, const gp_stage_def ***defs_out)
{
	if (gp_parse_pipeline(ctx, src, len, comments, pe) != GP_OK)
		return GP_ERR;
	const gp_stage_def **defs = gp_arena_alloc(ctx->arena, (pe->n + 1) * sizeof *defs);
	if (!defs)
		return gp_fail(ctx, NULL, "out of memory");
	for (size_t i = 0; i < pe->n; i++) {
		const gp_arg *name = &pe->v[i].name;
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
	*defs_out = defs;
	return GP_OK;
}

/* Opens the user stages [0, n) of pe after chain[0], the source. */
static gp_status open_stages(gp_ctx *ctx, const gp_pipeline_expr *pe, const gp_stage_def **defs,
			     size_t n, gp_stage **chain)
{
	for (size_t i = 0; i < pe->n; i++)
		ctx->memory_holders += defs[i]->holds_memory == GP_MEM_ALWAYS ||
				       (defs[i]->holds_memory == GP_MEM_WITH_ARGS && pe->v[i].args.n > 0);
	for (size_t i = 0; i < n; i++) {
		gp_stage *st = new_stage(ctx, defs[i], chain[i]);
		if (!st)
			return gp_fail(ctx, NULL, "out of memory");
		st->span = pe->v[i].name.span;
		gp_args args = pe->v[i].args;
		if (defs[i]->takes_name) { /* the name word lies just before the arguments */
			args.v--;
			args.n++;
		}
		if (defs[i]->open(st, &args) != GP_OK)
			return GP_ERR;
		chain[i + 1] = st;
	}
	/* A stage followed by `head N` may keep only what head will pass. */
	for (size_t i = 0; i + 1 < n; i++)
		if (defs[i]->limit && defs[i + 1] == &gp_stage_head)
			defs[i]->limit(chain[i + 1], gp_head_count(chain[i + 2]));
	return GP_OK;
}

gp_status gp_plan_build(gp_ctx *ctx, const char *src, size_t len, bool comments,
		  const char *const *files, size_t nfiles, gp_plan *out)
{
	gp_pipeline_expr pe;
	const gp_stage_def **defs;
	if (resolve(ctx, src, len, comments, &pe, &defs) != GP_OK)
		return GP_ERR;
	gp_stage **chain = gp_arena_alloc(ctx->arena, (pe.n + 1) * sizeof *chain);
	if (!chain || !(chain[0] = new_stage(ctx, &gp_stage_read, NULL)))
		return gp_fail(ctx, NULL, "out of memory");
	if (gp_source_open(chain[0], files, nfiles) != GP_OK) {
		ctx->diag.has_span = false;
		return GP_ERR;
	}
	if (open_stages(ctx, &pe, defs, pe.n, chain) != GP_OK)
		return GP_ERR;
	out->chain = chain;
	out->n = pe.n + 1;
	return GP_OK;
}

gp_status gp_plan_build_part(gp_ctx *ctx, const char *src, size_t len, bool comments,
			     const gp_stage_def *first, gp_status (*open_first)(gp_stage *, void *),
			     void *arg, size_t n, gp_plan *out)
{
	gp_pipeline_expr pe;
	const gp_stage_def **defs;
	if (resolve(ctx, src, len, comments, &pe, &defs) != GP_OK)
		return GP_ERR;
	if (n > pe.n)
		n = pe.n;
	gp_stage **chain = gp_arena_alloc(ctx->arena, (n + 1) * sizeof *chain);
	if (!chain || !(chain[0] = new_stage(ctx, first, NULL)))
		return gp_fail(ctx, NULL, "out of memory");
	if (open_first(chain[0], arg) != GP_OK || open_stages(ctx, &pe, defs, n, chain) != GP_OK)
		return GP_ERR;
	out->chain = chain;
	out->n = n + 1;
	return GP_OK;
}

size_t gp_plan_per_record(const gp_plan *p)
{
	size_t k = 1;
	while (k < p->n && p->chain[k]->def->per_record && !p->chain[k]->serial)
		k++;
	return k - 1;
}
