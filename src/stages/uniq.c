/* uniq [-c]: adjacent equal records collapse into one, holding a record
 * across batches (gp_keep).
 *
 * uniq compares each record with the first of the current group of equal
 * records; the group's first record is copied (gp_keep) only when a batch
 * ends while the group is open. Two copies alternate, so a copy that the
 * output batch points to survives until the next call. */
#include <stdio.h>
#include <string.h>

#include "../core/pool.h"
#include "../core/rec.h"
#include "../registry.h"

typedef struct uniq {
	bool counting, done;
	bool have, held; /* a group is open; its first record is in slot[cur] */
	int cur;
	size_t gi; /* index of the group's first record in the batch, when !held */
	unsigned long long count;
	gp_kept slot[2];
	gp_pool pool;
	gp_recvec out;
} uniq;

static void uniq_free(void *arg)
{
	uniq *u = arg;
	gp_kept_free(&u->slot[0]);
	gp_kept_free(&u->slot[1]);
}

/* -c: the finished group as "%7llu TEXT", with the first record's origin. */
static int emit_group(uniq *u, const gp_rec *first, char delim)
{
	char *p = gp_pool_alloc(&u->pool, first->len + 32);
	if (!p)
		return -1;
	int k = snprintf(p, 32, "%7llu ", u->count);
	if (first->len)
		memcpy(p + k, first->p, first->len);
	p[(size_t)k + first->len] = delim; /* not part of the record: lets the output copy runs */
	gp_rec *o = &u->out.v[u->out.n++];
	*o = *first;
	o->p = p;
	o->len = first->len + (size_t)k;
	if (u->held)
		u->cur ^= 1; /* the output points into this copy now */
	return 0;
}

static gp_status uniq_next(gp_stage *st, gp_batch *out)
{
	uniq *u = st->state;
	if (u->done)
		return GP_EOF;
	gp_pool_reset(&u->pool);
	u->out.n = 0;
	for (;;) {
		gp_batch in;
		gp_status r = gp_pull(st, &in);
		if (r == GP_ERR)
			return r;
		if (r == GP_EOF) {
			u->done = true;
			if (!u->have || !u->counting || gp_signal)
				return GP_EOF;
			if (gp_recvec_reserve(&u->out, 1) != 0 || emit_group(u, &u->slot[u->cur].rec, st->ctx->delim) != 0)
				return gp_fail(st->ctx, NULL, "out of memory");
			u->have = false;
			break;
		}
		if (gp_batch_records(&in, st->ctx->delim) == (size_t)-1 ||
		    gp_recvec_reserve(&u->out, in.n + 1) != 0)
			return gp_fail(st->ctx, NULL, "out of memory");
		for (size_t i = 0; i < in.n; i++) {
			const gp_rec *rec = &in.recs[i];
			if (u->have) {
				const gp_rec *g = u->held ? &u->slot[u->cur].rec : &in.recs[u->gi];
				if (g->len == rec->len && memcmp(g->p, rec->p, rec->len) == 0) {
					u->count++;
					continue;
				}
				if (u->counting && emit_group(u, g, st->ctx->delim) != 0)
					return gp_fail(st->ctx, NULL, "out of memory");
			}
			if (!u->counting)
				u->out.v[u->out.n++] = *rec;
			u->have = true;
			u->held = false;
			u->gi = i;
			u->count = 1;
		}
		if (u->have && !u->held) {
			if (gp_keep(&u->slot[u->cur], &in.recs[u->gi]) != 0)
				return gp_fail(st->ctx, NULL, "out of memory");
			u->held = true;
		}
		if (u->out.n)
			break;
	}
	gp_batch_of(out, u->out.v, u->out.n);
	return GP_OK;
}

static const gp_stage_ops uniq_ops = { uniq_next };

static gp_status uniq_open(gp_stage *st, const gp_args *args)
{
	uniq *u = gp_scope_alloc(st->scope, sizeof *u);
	if (!u || gp_scope_defer(st->scope, uniq_free, u) != 0 || gp_pool_own(st->scope, &u->pool) != 0 ||
	    gp_recvec_own(st->scope, &u->out) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	gp_getopt go;
	unsigned flags;
	if (gp_getopt_operands(&go, st->ctx, st->def->name, st->def->opts, args, &flags) != 0)
		return GP_ERR;
	u->counting = flags & 1; /* -c, the first of uniq_opts */
	if (go.noperands)
		return gp_fail(st->ctx, &go.operands[0].span, "uniq: unexpected argument '%s'",
			       go.operands[0].s);
	st->explain = u->counting ? "-c" : NULL;
	st->state = u;
	st->ops = &uniq_ops;
	return GP_OK;
}

static const gp_optdef uniq_opts[] = {
	{ 'c', NULL, "prefix each record with the number of times it occurred" },
	{ 0, NULL, NULL },
};

const gp_stage_def gp_stage_uniq = {
	.name = "uniq",
	.family = GP_FAM_FILTER,
	.synopsis = "uniq [-c]",
	.summary = "drop adjacent duplicate records",
	.help = "Keeps the first of every run of equal adjacent records (compared byte by byte), "
		"as uniq does; runs continue across inputs, as with cat a b | uniq. With -c each "
		"record is prefixed with the length of its run, formatted as uniq -c formats it "
		"(seven columns and a space). Sort first to count all duplicates: there is no "
		"sort stage yet, so use count by for that once aggregates exist.",
	.examples = "uniq\tcollapse repeated lines\n"
		    "replace \"\\d+\" \"N\" | uniq -c\tcount runs of the same message shape",
	.opts = uniq_opts,
	.open = uniq_open,
};
