/* libFuzzer target: the expression parser, name resolution and every stage's
 * argument parsing and open (regex compilation included); then the words of
 * the first stage read as an aggregate will read them, with the expression
 * reader of eval/eval.h (`EXPR [as NAME] [by EXPR, ...]`). Nothing is read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/eval/eval.h"
#include "../src/expr/pipeline.h"
#include "../src/plan.h"

extern const gp_stage_def gp_stage_where;

/* A diagnostic with a span must point inside the expression, and say something. */
static void check_diag(const gp_ctx *ctx, size_t size)
{
	if (ctx->diag.has_span && (ctx->diag.span.start > size || ctx->diag.span.end > size + 1 ||
				   ctx->diag.span.end < ctx->diag.span.start))
		abort();
	if (ctx->diag.msg[0] == '\0')
		abort();
}

static void ctx_init(gp_ctx *ctx, gp_arena *arena, gp_scope *root)
{
	gp_scope_init(root);
	gp_arena_init(arena);
	memset(ctx, 0, sizeof *ctx);
	ctx->arena = arena;
	ctx->root = root;
	ctx->delim = '\n';
	ctx->max_record = 1 << 20;
	ctx->memory = 1 << 16;
}

/* EXPR [as NAME] (, EXPR [as NAME])* [by EXPR (, EXPR)*] over the first
 * stage's arguments: false with a diagnostic, or true at the end. */
static bool read_agg(gp_expr_reader *r)
{
	const char *name;
	size_t len;
	bool by = false;
	for (;;) {
		if (!gp_expr_read(r))
			return false;
		if (!by && gp_expr_read_word(r, "as") && !gp_expr_read_name(r, &name, &len)) {
			gp_expr_reader_fail(r, "expected a name");
			return false;
		}
		if (gp_expr_read_comma(r))
			continue;
		if (!by && gp_expr_read_word(r, "by")) {
			by = true;
			continue;
		}
		return gp_expr_read_end(r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gp_scope root;
	gp_arena arena;
	gp_ctx ctx;
	ctx_init(&ctx, &arena, &root);
	bool comments = size > 0 && (data[0] & 1);
	static const char *const files[] = { "/dev/null" };
	ctx.expr = (const char *)data;
	gp_plan plan;
	if (gp_plan_build(&ctx, (const char *)data, size, comments, files, 1, &plan) != 0)
		check_diag(&ctx, size);
	gp_scope_unwind(&root);
	gp_arena_free(&arena);

	ctx_init(&ctx, &arena, &root);
	ctx.expr = (const char *)data;
	gp_pipeline_expr pe;
	if (gp_parse_pipeline(&ctx, (const char *)data, size, comments, &pe) == 0 && pe.n > 0) {
		gp_stage st = { .def = &gp_stage_where, .scope = &root, .ctx = &ctx, .span = pe.v[0].name.span };
		const gp_args *args = &pe.v[0].args;
		gp_expr_reader *r = gp_expr_reader_open(&st, args, 0);
		if (!r || !read_agg(r))
			check_diag(&ctx, size);
		else if (gp_expr_reader_arg(r) != args->n)
			abort();
	}
	gp_scope_unwind(&root);
	gp_arena_free(&arena);
	return 0;
}
