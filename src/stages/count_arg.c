/* The count argument of head, skip and tail (count_arg.h). */
#include "count_arg.h"

#include <stdio.h>

const gp_optdef gp_count_opts[] = {
	{ 'n', "N", "the count, as in head -n N" },
	{ 0, NULL, NULL },
};

gp_status gp_count_arg(gp_stage *st, const gp_args *args, uint64_t *n)
{
	/* `head -5`, as coreutils has it. */
	if (args->n == 1 && !args->v[0].quoted && args->v[0].len > 1 && args->v[0].s[0] == '-' &&
	    gp_parse_count(args->v[0].s + 1, n) == 0)
		goto done;
	gp_getopt go;
	if (gp_getopt_init(&go, st->ctx, st->def->name, st->def->opts, args) != 0)
		return GP_ERR;
	const gp_arg *val = NULL;
	int c;
	while ((c = gp_getopt_next(&go)) > 0)
		if (c == 'n')
			val = &go.optarg;
	if (c < 0)
		return GP_ERR;
	size_t k = 0;
	if (!val) {
		if (go.noperands == 0)
			return gp_fail(st->ctx, &st->span, "%s: missing N", st->def->name);
		val = &go.operands[k++];
	}
	if (go.noperands > k)
		return gp_fail(st->ctx, &go.operands[k].span, "%s: unexpected argument '%s'",
			       st->def->name, go.operands[k].s);
	if (gp_parse_count(val->s, n) != 0)
		return gp_fail(st->ctx, &val->span, "%s: invalid count '%s' (want a whole number)",
			       st->def->name, val->s);
done:;
	char *ex = gp_arena_alloc(st->ctx->arena, 24);
	if (ex) {
		snprintf(ex, 24, "%llu", (unsigned long long)*n);
		st->explain = ex;
	}
	return GP_OK;
}
