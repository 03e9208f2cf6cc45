/* Unit tests of the fields core: references, lookups, JSON views, pools,
 * builders, rendering, kept records and drop summaries. TAP output. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dropped.h"
#include "core/fref.h"
#include "core/jsonval.h"
#include "core/pool.h"
#include "core/rec.h"
#include "core/render.h"
#include "core/sb.h"
#include "tap.h"

static bool eq(const char *p, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(p, want, n) == 0;
}

static gp_arena arena;

static gp_fref ref(const char *s)
{
	gp_fref r;
	char err[128];
	size_t bad;
	if (gp_fref_parse(&arena, s, strlen(s), &r, err, sizeof err, &bad) != 0) {
		printf("# ref %s: %s\n", s, err);
		memset(&r, 0, sizeof r);
		r.kind = 255;
	}
	return r;
}

static bool ref_fails(const char *s, size_t want_bad)
{
	gp_fref r;
	char err[128];
	size_t bad;
	return gp_fref_parse(&arena, s, strlen(s), &r, err, sizeof err, &bad) != 0 && bad == want_bad;
}

static void test_refs(void)
{
	gp_fref r = ref("status");
	ok(r.kind == GP_REF_NAME && r.nseg == 1 && eq(r.seg[0].key, r.seg[0].klen, "status"), "plain name");
	r = ref("req.headers.host");
	ok(r.kind == GP_REF_NAME && r.nseg == 3 && eq(r.seg[2].key, r.seg[2].klen, "host"), "dotted path");
	r = ref("a.tags[2][-1].x");
	ok(r.nseg == 5 && !r.seg[2].key && r.seg[2].index == 2 && r.seg[3].index == -1 &&
		   eq(r.seg[4].key, r.seg[4].klen, "x"),
	   "indexes in a path");
	ok(ref("$3").kind == GP_REF_POS && ref("$3").pos == 3, "$3");
	ok(ref("$NF").kind == GP_REF_NF, "$NF");
	ok(ref("$0").kind == GP_REF_WHOLE, "$0");
	ok(ref("_file").kind == GP_REF_FILE && ref("_member").kind == GP_REF_MEMBER &&
		   ref("_line").kind == GP_REF_LINE,
	   "origin fields");
	r = ref("${a.b c}");
	ok(r.kind == GP_REF_NAME && r.nseg == 1 && eq(r.name, r.nlen, "a.b c"), "${...} is literal");
	ok(ref_fails("a..b", 2), "empty path segment");
	ok(ref_fails("a.", 1), "trailing dot");
	ok(ref_fails("[0]", 0), "index without a name");
	ok(ref_fails("a[x]", 1), "index must be a number");
	ok(ref_fails("a[-0]", 1), "-0 index");
	ok(ref_fails("$x", 0), "$ with junk");
	ok(ref_fails("${abc", 1), "unclosed ${");
	/* One syntax: a segment is a bare name or ${any text}, anywhere in a path. */
	r = ref("nested.${user.name}");
	ok(r.kind == GP_REF_NAME && r.braced && r.nseg == 2 && eq(r.seg[0].key, r.seg[0].klen, "nested") &&
		   eq(r.seg[1].key, r.seg[1].klen, "user.name") && eq(r.name, r.nlen, "nested.${user.name}"),
	   "nested.${user.name}: the key user.name inside nested");
	r = ref("${a b}.c[1].${d\\}e\\f}");
	ok(r.nseg == 4 && eq(r.seg[0].key, r.seg[0].klen, "a b") && eq(r.seg[1].key, r.seg[1].klen, "c") &&
		   r.seg[2].index == 1 && eq(r.seg[3].key, r.seg[3].klen, "d}e\\f"),
	   "braced segments first and last, \\} and \\\\ escapes");
	r = ref("${}");
	ok(r.kind == GP_REF_NAME && r.nseg == 1 && r.nlen == 0, "${} is the empty key");
	r = ref("${x}[0]");
	ok(r.nseg == 2 && eq(r.name, r.nlen, "${x}[0]") && r.seg[1].index == 0, "${x}[0]");
	ok(ref_fails("a.${b", 3), "unclosed ${ inside a path");
	ok(ref_fails("a${b}", 1), "${ inside a bare segment");
	ok(ref_fails("${a}b", 4), "a name right after }");
	ok(ref_fails("${a}.", 4), "trailing dot after }");
}

static void test_lookup(void)
{
	const char *text = "  alpha beta\tgamma  ";
	gp_origin o = { .name = "app.log", .member = NULL, .id = 1 };
	gp_rec r = { .p = text, .len = strlen(text), .line = 42, .origin = &o };
	gp_value v;
	char num[24];
	gp_fref f = ref("$2");
	ok(gp_fref_get(&f, &r, &v, num) && eq(v.p, v.len, "beta"), "awk $2");
	f = ref("$NF");
	ok(gp_fref_get(&f, &r, &v, num) && eq(v.p, v.len, "gamma"), "awk $NF");
	f = ref("$4");
	ok(!gp_fref_get(&f, &r, &v, num) && v.kind == GP_K_MISSING, "awk $4 missing");
	f = ref("_line");
	ok(gp_fref_get(&f, &r, &v, num) && v.kind == GP_K_NUM && eq(v.p, v.len, "42"), "_line");
	f = ref("_member");
	ok(gp_fref_get(&f, &r, &v, num) && v.len == 0, "_member empty for a plain file");
	f = ref("_file");
	ok(gp_fref_get(&f, &r, &v, num) && eq(v.p, v.len, "app.log"), "_file");

	const char *js = "{\"a\":{\"b\":[1,{\"c\":\"x\\\"y\"},true]},\"k\\u00e9\":2,\"a\":3}";
	gp_field fs[2] = {
		{ .name = "req", .nlen = 3, .kind = GP_K_OBJ, .v = js, .vlen = strlen(js) },
		{ .name = "n", .nlen = 1, .kind = GP_K_NUM, .v = "7", .vlen = 1 },
	};
	gp_rec j = { .p = "x", .len = 1, .f = fs, .nf = 2, .lay = &gp_layout_json };
	f = ref("req.a");
	ok(gp_fref_get(&f, &j, &v, num) && v.kind == GP_K_NUM && eq(v.p, v.len, "3"),
	   "last duplicate key wins");
	f = ref("req.kéé");
	ok(!gp_fref_get(&f, &j, &v, num), "escaped key does not match a longer name");
	f = ref("req.k\xc3\xa9");
	ok(gp_fref_get(&f, &j, &v, num) && eq(v.p, v.len, "2"), "escaped key matches decoded name");
	f = ref("$2");
	ok(gp_fref_get(&f, &j, &v, num) && eq(v.p, v.len, "7"), "$2 is the second field when parsed");
	f = ref("$NF");
	ok(gp_fref_get(&f, &j, &v, num) && eq(v.p, v.len, "7"), "$NF is the last field when parsed");

	/* Keys with dots and blanks, top-level and nested. */
	const char *nest = "{\"user.name\":\"ann\",\"user\":{\"name\":\"bob\"},\"a b\":{\"c.d\":[5,6]}}";
	gp_field ds[3] = {
		{ .name = "start time", .nlen = 10, .kind = GP_K_STR, .v = "today", .vlen = 5 },
		{ .name = "nested", .nlen = 6, .kind = GP_K_OBJ, .v = nest, .vlen = strlen(nest) },
		{ .name = "nested.user.name", .nlen = 16, .kind = GP_K_STR, .v = "flat", .vlen = 4 },
	};
	gp_rec d = { .p = "x", .len = 1, .f = ds, .nf = 3, .lay = &gp_layout_json };
	f = ref("${start time}");
	ok(gp_fref_get(&f, &d, &v, num) && eq(v.p, v.len, "today"), "${start time}");
	f = ref("nested.${user.name}");
	ok(gp_fref_get(&f, &d, &v, num) && eq(v.p, v.len, "ann"), "nested.${user.name} looks inside nested");
	f = ref("nested.user.name");
	ok(gp_fref_get(&f, &d, &v, num) && eq(v.p, v.len, "flat"), "a bare path is looked up whole first");
	f = ref("nested.${user}.name");
	ok(gp_fref_get(&f, &d, &v, num) && eq(v.p, v.len, "bob"), "nested.${user}.name is a path only");
	f = ref("nested.${a b}.${c.d}[-1]");
	ok(gp_fref_get(&f, &d, &v, num) && eq(v.p, v.len, "6"), "nested.${a b}.${c.d}[-1]");
	f = ref("${nested.user.name}");
	ok(gp_fref_get(&f, &d, &v, num) && eq(v.p, v.len, "flat"), "${a.b.c} is one top-level key");

	gp_value obj = { GP_K_OBJ, js, strlen(js) }, a, arr, el;
	ok(gp_json_member(&obj, "k\xc3\xa9", 3, &a) && eq(a.p, a.len, "2"), "member with escapes");
	gp_value first = { GP_K_OBJ, "{\"b\":[1,{\"c\":\"x\\\"y\"},true]}", 25 };
	ok(gp_json_member(&first, "b", 1, &arr) && arr.kind == GP_K_ARR, "array member");
	ok(gp_json_index(&arr, 1, &el) && el.kind == GP_K_OBJ, "index 1");
	ok(gp_json_index(&arr, -1, &el) && el.kind == GP_K_TRUE, "index -1");
	ok(!gp_json_index(&arr, 3, &el) && !gp_json_index(&arr, -4, &el), "index out of range");
	gp_value empty = { GP_K_ARR, "[ ]", 3 };
	ok(!gp_json_index(&empty, 0, &el) && !gp_json_index(&empty, -1, &el), "empty array");
	gp_value c;
	gp_json_index(&arr, 1, &el);
	ok(gp_json_member(&el, "c", 1, &c) && c.kind == GP_K_JSTR && eq(c.p, c.len, "x\\\"y"),
	   "string body with an escaped quote");
}

static void test_unescape(void)
{
	char out[64];
	const char *s = "a\\n\\t\\\"\\\\\\/\\u00e9\\ud83d\\ude00\\ud800x";
	size_t n = gp_json_unescape(s, strlen(s), out);
	ok(eq(out, n, "a\n\t\"\\/\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx"), "unescape: simple, \\u, pair, lone");
	ok(n <= strlen(s), "unescape never grows");
	ok(gp_is_json_number("-0.5e+3", 7) && gp_is_json_number("10", 2), "json numbers");
	ok(!gp_is_json_number("01", 2) && !gp_is_json_number("1.", 2) && !gp_is_json_number("+1", 2) &&
		   !gp_is_json_number("", 0) && !gp_is_json_number("1e", 2) && !gp_is_json_number("-", 1),
	   "not json numbers");
}

static void test_builders(void)
{
	gp_sb b = { 0 };
	gp_sb_json_str(&b, "a\"\\\n\x01\xff\xc3\xa9", 8);
	ok(eq(b.p, b.len, "a\\\"\\\\\\n\\u0001\\ufffd\xc3\xa9"), "json_str escapes and replaces bad UTF-8");
	b.len = 0;
	gp_value v = { GP_K_OBJ, "{ \"a\" : [1, \"\\ud800\", \"\xfe\"] , \"b\":null}", 0 };
	v.len = strlen(v.p);
	gp_sb_json_value(&b, &v, false);
	ok(eq(b.p, b.len, "{\"a\":[1,\"\\ufffd\",\"\\ufffd\"],\"b\":null}"), "object re-emitted compact, sanitised");
	b.len = 0;
	gp_value s = { GP_K_STR, "500", 3 };
	gp_sb_json_value(&b, &s, true);
	gp_sb_putc(&b, ' ');
	gp_sb_json_value(&b, &s, false);
	ok(eq(b.p, b.len, "500 \"500\""), "text numbers");
	b.len = 0;

	gp_field f[3] = {
		{ .name = "a", .nlen = 1, .kind = GP_K_STR, .v = "x y", .vlen = 3 },
		{ .name = "b", .nlen = 1, .kind = GP_K_NUM, .v = "2", .vlen = 1 },
		{ .name = "c", .nlen = 1, .kind = GP_K_JSTR, .v = "q\\\"t", .vlen = 4 },
	};
	gp_render(&b, f, 3, &gp_layout_json);
	ok(eq(b.p, b.len, "{\"a\":\"x y\",\"b\":2,\"c\":\"q\\\"t\"}"), "render json");
	b.len = 0;
	gp_render(&b, f, 3, &gp_layout_logfmt);
	ok(eq(b.p, b.len, "a=\"x y\" b=2 c=\"q\\\"t\""), "render logfmt");
	b.len = 0;
	gp_layout csv1 = { .fmt = GP_LAY_CSV, .sep = ",", .seplen = 1 };
	gp_field j[2] = {
		{ .name = "a", .nlen = 1, .kind = GP_K_JSTR, .v = "x,\\\"y\\\"\\n", .vlen = 9 },
		{ .name = "b", .nlen = 1, .kind = GP_K_JSTR, .v = "t\\tu\\\\", .vlen = 6 },
	};
	gp_render(&b, j, 2, &csv1);
	ok(eq(b.p, b.len, "\"x,\"\"y\"\"\n\",t\tu\\"), "render csv of JSON strings (decoded, then quoted)");
	b.len = 0;
	gp_render(&b, j, 2, &gp_layout_tsv);
	ok(eq(b.p, b.len, "x,\"y\"\\n\tt\\tu\\\\"), "render tsv of JSON strings (decoded, then escaped)");
	b.len = 0;
	gp_layout csv = { .fmt = GP_LAY_CSV, .sep = ",", .seplen = 1 };
	gp_field g[2] = {
		{ .name = "a", .nlen = 1, .v = "x,y", .vlen = 3 },
		{ .name = "b", .nlen = 1, .v = "say \"hi\"", .vlen = 8 },
	};
	gp_render(&b, g, 2, &csv);
	ok(eq(b.p, b.len, "\"x,y\",\"say \"\"hi\"\"\""), "render csv");
	b.len = 0;
	gp_field t[2] = {
		{ .name = "a", .nlen = 1, .v = "x\ty", .vlen = 3 },
		{ .name = "b", .nlen = 1, .v = "a\\b", .vlen = 3 },
	};
	gp_render(&b, t, 2, &gp_layout_tsv);
	ok(eq(b.p, b.len, "x\\ty\ta\\\\b"), "render tsv");
	b.len = 0;
	gp_layout sp = { .fmt = GP_LAY_DELIM, .sep = " ", .seplen = 1 };
	gp_render(&b, t, 2, &sp);
	ok(eq(b.p, b.len, "x\ty a\\b"), "render delimited");
	b.len = 0;
	gp_sb_logfmt_cell(&b, "", 0);
	gp_sb_putc(&b, ' ');
	gp_sb_logfmt_cell(&b, "plain", 5);
	gp_sb_putc(&b, ' ');
	gp_sb_logfmt_cell(&b, "a=b \"c\"\n", 8);
	ok(eq(b.p, b.len, "\"\" plain \"a=b \\\"c\\\"\\n\""), "logfmt cells: empty and special ones quoted");

	gp_pool pool = { 0 };
	gp_scope sc;
	gp_scope_init(&sc);
	gp_pool_own(&sc, &pool);
	b.len = 0;
	gp_sb_put(&b, "hello", 5);
	const char *h = gp_sb_finish(&b, &pool);
	char *big = gp_pool_alloc(&pool, 200000);
	memset(big, 'x', 200000);
	ok(h && memcmp(h, "hello", 5) == 0 && b.len == 0, "finish copies into the pool, stable");
	void *blocks = pool.head;
	for (int round = 0; round < 3; round++) {
		gp_pool_reset(&pool);
		for (int i = 0; i < 1000; i++)
			gp_pool_alloc(&pool, 100);
		gp_pool_alloc(&pool, 150000);
	}
	size_t nblk = 0;
	for (gp_pool_blk **p = &pool.head; *p; p = (gp_pool_blk **)*p)
		nblk++;
	ok(pool.head == blocks && nblk <= 4, "reset reuses blocks (%zu blocks)", nblk);
	gp_scope_unwind(&sc);
	gp_sb_free(&b);
}

static void test_keep(void)
{
	char text[] = "line text";
	char name[] = "outer.tar", member[] = "a.log";
	gp_origin o = { .name = name, .member = member, .id = 9 };
	gp_field f[1] = { { .name = "k", .nlen = 1, .kind = GP_K_STR, .v = text + 5, .vlen = 4 } };
	gp_rec r = { .p = text, .len = 9, .line = 3, .origin = &o, .f = f, .nf = 1, .lay = &gp_layout_logfmt };
	gp_kept k = { 0 };
	ok(gp_keep(&k, &r) == 0, "keep");
	memset(text, 'z', sizeof text - 1);
	memset(name, 'z', sizeof name - 1);
	memset(member, 'z', sizeof member - 1);
	f[0].name = "q";
	ok(eq(k.rec.p, k.rec.len, "line text") && strcmp(k.rec.origin->name, "outer.tar") == 0 &&
		   strcmp(k.rec.origin->member, "a.log") == 0 && k.rec.origin->id == 9 && k.rec.line == 3,
	   "kept text and origin are copies");
	ok(k.rec.nf == 1 && eq(k.rec.f[0].name, 1, "k") && eq(k.rec.f[0].v, k.rec.f[0].vlen, "text") &&
		   k.rec.lay == &gp_layout_logfmt,
	   "kept fields are copies");
	gp_kept_free(&k);

	gp_kept *v = NULL;
	size_t cap = 0;
	ok(gp_kept_room(&v, &cap, 0, 10) == 0 && cap == 10 && v[9].buf == NULL, "kept_room: at most max, zeroed");
	ok(gp_kept_room(&v, &cap, 5, 10) == 0 && cap == 10, "kept_room: no growth while i < cap");
	free(v);
	v = NULL;
	cap = 0;
	ok(gp_kept_room(&v, &cap, 0, 1000) == 0 && cap == 64 && gp_kept_room(&v, &cap, 64, 1000) == 0 &&
		   cap == 128 && v[127].f == NULL,
	   "kept_room: 64 first, then doubling, new slots zeroed");
	free(v);
}

static char reported[4][300];
static int nreported;

static void rep(gp_ctx *ctx, const char *msg)
{
	(void)ctx;
	if (nreported < 4)
		snprintf(reported[nreported++], sizeof reported[0], "%s", msg);
}

static void test_dropped(void)
{
	gp_ctx ctx = { .report = rep };
	gp_dropped d = { .stage = "json", .what = "are not JSON", .what1 = "is not JSON" };
	gp_origin a = { .name = "a.jsonl", .id = 1 }, b = { .name = "b.tar", .member = "x.jsonl", .id = 2 };
	gp_rec r1 = { .line = 17, .origin = &a }, r2 = { .line = 20, .origin = &a }, r3 = { .line = 2, .origin = &b };
	gp_dropped_add(&ctx, &d, &r1, "unexpected end of input at byte 17");
	gp_dropped_add(&ctx, &d, &r2, "whatever");
	gp_dropped_add(&ctx, &d, &r3, NULL);
	gp_dropped_flush(&ctx, &d);
	gp_dropped_flush(&ctx, &d);
	ok(nreported == 2, "one summary per input (%d)", nreported);
	ok(strcmp(reported[0], "json: 2 records of a.jsonl are not JSON (first at line 17: unexpected end "
			       "of input at byte 17)") == 0,
	   "summary: %s", reported[0]);
	ok(strcmp(reported[1], "json: 1 record of b.tar:x.jsonl is not JSON (line 2)") == 0, "singular: %s",
	   reported[1]);
	ok(!ctx.had_error, "a warning by default");
	ctx.strict = true;
	gp_dropped_add(&ctx, &d, &r1, NULL);
	gp_dropped_flush(&ctx, &d);
	ok(ctx.had_error, "an error with --strict");

	/* A built record past --max-record: skipped and summarised as an error. */
	gp_ctx c2 = { .report = rep, .max_record = 8, .delim = '\n' };
	gp_sb sb = { 0 };
	gp_dropped bd;
	gp_pool pool = { 0 };
	gp_scope sc;
	gp_scope_init(&sc);
	gp_pool_own(&sc, &pool);
	gp_sb_bound(&sb, &bd, &c2, "replace");
	const char *p;
	size_t len;
	gp_sb_put(&sb, "12345678", 8);
	ok(gp_sb_finish_built(&sb, &pool, &c2, &bd, &r1, &p, &len) == 1 && eq(p, len, "12345678") &&
		   p[len] == '\n',
	   "built: a record of --max-record bytes, its delimiter after it");
	gp_sb_put(&sb, "12345", 5);
	gp_sb_put(&sb, "6789", 4);
	ok(gp_sb_finish_built(&sb, &pool, &c2, &bd, &r1, &p, &len) == 0 && sb.len == 0 && !sb.over,
	   "built: one byte more is skipped, the builder ready again");
	gp_sb_put(&sb, "ok", 2);
	ok(gp_sb_finish_built(&sb, &pool, &c2, &bd, &r2, &p, &len) == 1 && eq(p, len, "ok"),
	   "built: the next one is fine");
	nreported = 0;
	gp_dropped_flush(&c2, &bd);
	ok(nreported == 1 && c2.had_error &&
		   strcmp(reported[0], "replace: 1 record of a.jsonl is longer than --max-record once rebuilt, "
				       "skipped (line 17: more than 8 bytes)") == 0,
	   "built: summarised as an error: %s", reported[0]);
	gp_sb_free(&sb);
	gp_scope_unwind(&sc);
}

int main(void)
{
	gp_arena_init(&arena);
	test_refs();
	test_lookup();
	test_unescape();
	test_builders();
	test_keep();
	test_dropped();
	gp_arena_free(&arena);
	return tap_done();
}
