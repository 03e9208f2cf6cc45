/* libFuzzer target: the expression parser, name resolution and every stage's
 * argument parsing and open (regex compilation included). Nothing is read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gp_scope root;
	gp_arena arena;
	gp_scope_init(&root);
	gp_arena_init(&arena);
	gp_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.arena = &arena;
	ctx.root = &root;
	ctx.delim = '\n';
	ctx.max_record = 1 << 20;
	bool comments = size > 0 && (data[0] & 1);
	static const char *const files[] = { "/dev/null" };
	gp_plan plan;
	if (gp_plan_build(&ctx, (const char *)data, size, comments, files, 1, &plan) != 0) {
		/* A diagnostic with a span must point inside the expression. */
		if (ctx.diag.has_span && (ctx.diag.span.start > size || ctx.diag.span.end > size + 1 ||
					  ctx.diag.span.end < ctx.diag.span.start))
			abort();
		if (ctx.diag.msg[0] == '\0')
			abort();
	}
	gp_scope_unwind(&root);
	gp_arena_free(&arena);
	return 0;
}
