#include "plan.h"

#include <stdint.h>
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

/* --partial runs the stages [0, agg] and --merge [agg, n), agg the first
 * aggregate (agg/partial.h); the spec hash of [0, agg] goes on every line. */
static gp_status agg_slice(gp_ctx *ctx, const gp_pipeline_expr *pe, const gp_stage_def **defs,
			   size_t *from, size_t *to)
{
	*from = 0;
	*to = pe->n;
	if (!ctx->agg_mode)
		return GP_OK;
	size_t a = 0;
	while (a < pe->n && defs[a]->family != GP_FAM_AGGREGATE)
		a++;
	if (a == pe->n) {
		gp_span all = { pe->v[0].span.start, pe->v[pe->n - 1].span.end };
		return gp_fail(ctx, &all, "--%s needs an aggregate stage (count, sum, ..., top, histogram)",
			       ctx->agg_mode & GP_AGG_PARTIAL ? "partial" : "merge");
	}
	ctx->spec_hash = gp_partial_spec(pe, a);
	if (ctx->agg_mode & GP_AGG_MERGE)
		*from = a;
	if (ctx->agg_mode & GP_AGG_PARTIAL)
		*to = a + 1;
	return GP_OK;
}

/* Opens the user stages [from, to) of pe after chain[0], the source; the
 * stages in chain. */
static size_t open_stages(gp_ctx *ctx, const gp_pipeline_expr *pe, const gp_stage_def **defs,
			  size_t from, size_t to, gp_stage **chain)
{
	for (size_t i = 0; i < pe->n; i++)
		ctx->memory_holders += defs[i]->holds_memory == GP_MEM_ALWAYS ||
				       (defs[i]->holds_memory == GP_MEM_WITH_ARGS && pe->v[i].args.n > 0);
	size_t n = 1;
	for (size_t i = from; i < to; i++, n++) {
		gp_stage *st = new_stage(ctx, defs[i], chain[n - 1]);
		if (!st) {
			gp_fail(ctx, NULL, "out of memory");
			return 0;
		}
		st->span = pe->v[i].name.span;
		gp_args args = pe->v[i].args;
		if (defs[i]->takes_name) { /* the name word lies just before the arguments */
			args.v--;
			args.n++;
		}
		if (defs[i]->open(st, &args) != GP_OK)
			return 0;
		chain[n] = st;
	}
	/* A stage followed by `head N` may keep only what head will pass. */
	for (size_t k = 1; k + 1 < n; k++)
		if (chain[k]->def->limit && chain[k + 1]->def == &gp_stage_head)
			chain[k]->def->limit(chain[k], gp_head_count(chain[k + 1]));
	return n;
}

/* The source opened by the caller's open_first (or the real one), then
 * at most `max` user stages of the --partial/--merge slice. */
typedef struct first_stage {
	const gp_stage_def *def;
	gp_status (*open)(gp_stage *, void *);
	void *arg;
} first_stage;

static gp_status build(gp_ctx *ctx, const char *src, size_t len, bool comments,
		       const first_stage *first, size_t max, gp_plan *out)
{
	gp_pipeline_expr pe;
	const gp_stage_def **defs = NULL;
	size_t from, to;
	if (resolve(ctx, src, len, comments, &pe, &defs) != GP_OK ||
	    agg_slice(ctx, &pe, defs, &from, &to) != GP_OK)
		return GP_ERR;
	if (to - from > max)
		to = from + max;
	gp_stage **chain = gp_arena_alloc(ctx->arena, (pe.n + 1) * sizeof *chain);
	if (!chain || !(chain[0] = new_stage(ctx, first->def, NULL)))
		return gp_fail(ctx, NULL, "out of memory");
	if (first->open(chain[0], first->arg) != GP_OK)
		return GP_ERR;
	size_t n = open_stages(ctx, &pe, defs, from, to, chain);
	if (!n)
		return GP_ERR;
	out->chain = chain;
	out->n = n;
	return GP_OK;
}

typedef struct files_arg {
	const char *const *files;
	size_t n;
} files_arg;

static gp_status open_source(gp_stage *st, void *arg)
{
	const files_arg *f = arg;
	if (gp_source_open(st, f->files, f->n) != GP_OK) {
		st->ctx->diag.has_span = false;
		return GP_ERR;
	}
	return GP_OK;
}

gp_status gp_plan_build(gp_ctx *ctx, const char *src, size_t len, bool comments,
		  const char *const *files, size_t nfiles, gp_plan *out)
{
	files_arg f = { files, nfiles };
	first_stage first = { &gp_stage_read, open_source, &f };
	return build(ctx, src, len, comments, &first, SIZE_MAX, out);
}

gp_status gp_plan_build_part(gp_ctx *ctx, const char *src, size_t len, bool comments,
			     const gp_stage_def *def, gp_status (*open_first)(gp_stage *, void *),
			     void *arg, size_t n, gp_plan *out)
{
	first_stage first = { def, open_first, arg };
	return build(ctx, src, len, comments, &first, n, out);
}

size_t gp_plan_per_record(const gp_plan *p)
{
	size_t k = 1;
	while (k < p->n && p->chain[k]->def->per_record && !p->chain[k]->serial)
		k++;
	return k - 1;
}
