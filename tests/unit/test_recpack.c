/* Unit tests of core/recpack: records packed end to end in large blocks,
 * with their fields, origin, layout and an extra area; position-independent
 * (a copy elsewhere views the same), cleared and reused, cut down to some
 * (keep_begin/keep_end). TAP output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/recpack.h"
#include "core/scope.h"
#include "tap.h"

static bool same_rec(const gp_rec *a, const gp_rec *b)
{
	if (a->len != b->len || memcmp(a->p, b->p, a->len) != 0 || a->nf != b->nf || a->line != b->line ||
	    a->off != b->off || a->mark != b->mark || !a->f != !b->f)
		return false;
	if (!a->origin != !b->origin)
		return false;
	if (a->origin && (strcmp(a->origin->name, b->origin->name) != 0 || a->origin->id != b->origin->id ||
			  !a->origin->member != !b->origin->member ||
			  (a->origin->member && strcmp(a->origin->member, b->origin->member) != 0)))
		return false;
	if (!a->lay != !b->lay || (a->lay && memcmp(a->lay, b->lay, sizeof *a->lay) != 0))
		return false;
	for (uint32_t i = 0; i < a->nf; i++) {
		const gp_field *x = &a->f[i], *y = &b->f[i];
		if (x->nlen != y->nlen || x->vlen != y->vlen || x->kind != y->kind ||
		    memcmp(x->name, y->name, x->nlen) != 0 || memcmp(x->v, y->v, x->vlen) != 0)
			return false;
	}
	return true;
}

int main(void)
{
	gp_scope sc;
	gp_scope_init(&sc);
	gp_recpack p = { 0 };
	ok(gp_recpack_own(&sc, &p, 4096, true) == 0, "owned by a scope");

	/* A JSON record: names and a number inside the text, a decoded value
	 * outside it (as a pool holds), and an origin that goes away. */
	const char *text = "{\"a\":12,\"b\":\"x\"}";
	char *pool = strdup("decoded");
	gp_origin *o = malloc(sizeof *o);
	*o = (gp_origin){ .name = strdup("app.log"), .member = strdup("m/1.log"), .id = 3 };
	gp_field f[2] = {
		{ .name = text + 2, .nlen = 1, .v = text + 5, .vlen = 2, .kind = GP_K_NUM },
		{ .name = text + 9, .nlen = 1, .v = pool, .vlen = 7, .kind = GP_K_STR },
	};
	gp_rec r = { .p = text, .len = strlen(text), .line = 7, .off = 99, .origin = o, .f = f, .nf = 2,
		     .lay = &gp_layout_json, .mark = 2 };
	gp_packed *k = gp_recpack_add(&p, &r, 5);
	ok(k && k->size % 8 == 0 && k->xlen == 5 && k->len == r.len, "packs a record with 5 extra bytes");
	memcpy(gp_packed_extra(k), "KEY!!", 5);
	gp_rec plain = { .p = "plain line", .len = 10 };
	gp_packed *k2 = gp_recpack_add(&p, &plain, 0);
	ok(k2 && (char *)k2 == (char *)k + k->size, "the next record follows it in the block");

	/* The originals go away: the pack has its own copies. */
	memset(pool, '?', 7);
	free((char *)o->name);
	free((char *)o->member);
	o->name = "gone";
	o->member = NULL;
	gp_field vf[2];
	gp_rec v;
	gp_recpack_view(&p, k, &v, vf);
	gp_field want_f[2] = { f[0], f[1] };
	want_f[1].v = "decoded";
	gp_origin want_o = { .name = "app.log", .member = "m/1.log", .id = 3 };
	gp_rec want = r;
	want.f = want_f;
	want.origin = &want_o;
	ok(same_rec(&v, &want), "a view gives back text, fields, origin, layout, line, offset and mark");
	ok(memcmp(gp_packed_key(k), "KEY!!", 5) == 0 && v.p == gp_packed_text(k), "the extra area comes first");
	free(pool);
	free(o);

	/* Position-independent: a verbatim copy elsewhere (a run read back
	 * from a file) views the same. */
	uint64_t *copy = malloc(k->size);
	memcpy(copy, k, k->size);
	gp_field cf[2];
	gp_rec c;
	gp_recpack_view(&p, (gp_packed *)copy, &c, cf);
	ok(same_rec(&c, &want) && c.p == gp_packed_text((gp_packed *)copy), "a copy at another address views the same");
	free(copy);

	gp_rec pv;
	gp_recpack_view(&p, k2, &pv, NULL);
	ok(pv.len == 10 && memcmp(pv.p, "plain line", 10) == 0 && !pv.f && !pv.origin && !pv.lay && pv.line == 0,
	   "a record without fields or origin stays without");

	/* Many records: one allocation per block, not per record. */
	gp_recpack_clear(&p);
	ok(p.used == 0, "clear forgets the records");
	size_t held = p.held;
	char line[64];
	gp_packed *first = NULL, *last = NULL;
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(line, sizeof line, "record %d", i);
		gp_rec x = { .p = line, .len = (size_t)n };
		last = gp_recpack_add(&p, &x, 0);
		if (!first)
			first = last;
	}
	ok(p.held <= held + 11 * (4096 + 64), "1000 records of 40 bytes take ten blocks (%zu bytes held)", p.held);
	gp_recpack_view(&p, first, &v, NULL);
	ok(v.len == 8 && memcmp(v.p, "record 0", 8) == 0, "the first is intact");
	gp_recpack_view(&p, last, &v, NULL);
	ok(v.len == 10 && memcmp(v.p, "record 999", 10) == 0, "the last is intact");

	/* A record larger than a block gets a block of its own. */
	char *big = malloc(10000);
	memset(big, 'b', 10000);
	gp_rec bx = { .p = big, .len = 10000 };
	gp_packed *bk = gp_recpack_add(&p, &bx, 0);
	ok(bk && bk->len == 10000 && memcmp(gp_packed_text(bk), big, 10000) == 0, "a record larger than a block");
	free(big);

	/* Keep two of them: they are copied, the rest forgotten. */
	gp_recpack_keep_begin(&p);
	gp_packed *a1 = gp_recpack_copy(&p, last), *a2 = gp_recpack_copy(&p, first);
	gp_recpack_keep_end(&p);
	gp_recpack_view(&p, a1, &v, NULL);
	gp_recpack_view(&p, a2, &c, NULL);
	ok(v.len == 10 && memcmp(v.p, "record 999", 10) == 0 && c.len == 8 && memcmp(c.p, "record 0", 8) == 0,
	   "keep copies the records kept");
	ok(p.used == a1->size + a2->size, "and counts only them (%zu bytes)", p.used);
	held = p.held;
	gp_recpack_clear(&p);
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(line, sizeof line, "again %d", i);
		gp_rec x = { .p = line, .len = (size_t)n };
		gp_recpack_add(&p, &x, 0);
	}
	ok(p.held == held, "blocks are reused after a clear");

	gp_scope_unwind(&sc);
	ok(p.head == NULL && p.held == 0, "the scope frees it all");
	return tap_done();
}
