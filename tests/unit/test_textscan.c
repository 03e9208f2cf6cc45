/* Unit tests of the text scanners (src/fields/textscan.c): the scratch
 * array and its positional names, logfmt, CSV (quote state, splitting,
 * decoding into the pool) and TSV. TAP output. */
#include <stdio.h>
#include <string.h>

#include "fields/textscan.h"
#include "tap.h"

static gp_scratch sc;
static gp_pool pool;

static bool field_is(uint32_t i, const char *name, const char *v)
{
	const gp_field *f = &sc.f[i];
	if (name && !(f->nlen == strlen(name) && memcmp(f->name, name, f->nlen) == 0))
		return false;
	return f->vlen == strlen(v) && memcmp(f->v, v, f->vlen) == 0;
}

static void test_scratch(void)
{
	gp_field *f = gp_scratch_slot(&sc, 1000);
	ok(f == &sc.f[1000] && sc.cap > 1000, "a slot far out grows the array (cap %zu)", sc.cap);
	uint32_t len = 0;
	const char *n = gp_scratch_posname(&sc, 12, &len);
	ok(n && len == 2 && memcmp(n, "12", 2) == 0, "positional names are made up to the one asked");
	ok(gp_scratch_posname(&sc, 3, &len) == sc.pos[2] && len == 1, "and kept for the run");
}

static void test_logfmt(void)
{
	char why[128];
	const char *t = "a=1 b=\"x y\" flag c=\"q\\\"t\\n\"";
	int n = gp_logfmt_scan(&sc, &pool, t, strlen(t), why, sizeof why);
	ok(n == 4, "logfmt: four fields (%d)", n);
	ok(n == 4 && field_is(0, "a", "1") && field_is(1, "b", "x y") && field_is(2, "flag", "") &&
		   field_is(3, "c", "q\"t\n"),
	   "plain, quoted, bare key, escapes decoded");
	ok(sc.f[0].v == t + 2, "a plain value is a view into the text");
	t = "a=\"open";
	ok(gp_logfmt_scan(&sc, &pool, t, strlen(t), why, sizeof why) == -1 &&
		   strcmp(why, "unterminated quote at byte 3") == 0,
	   "an unterminated quote is malformed, with its byte (%s)", why);
}

static void test_csv(void)
{
	ok(gp_csv_open_quote("a,\"b", 4, ',', false), "csv: a quote left open at the end");
	ok(!gp_csv_open_quote("a,\"b\"\"c\"", 8, ',', false), "a doubled quote does not close it");
	ok(!gp_csv_open_quote("x\",d", 4, ',', true), "a continuation line closes it");
	ok(!gp_csv_open_quote("a\"b,c", 5, ',', false), "a quote inside an unquoted value is text");
	const char *t = "1,\"two, 2\",\"th\"\"ree\",,\"4\"x";
	int n = gp_csv_split(&sc, &pool, t, strlen(t), ',');
	ok(n == 5 && field_is(0, NULL, "1") && field_is(1, NULL, "two, 2") &&
		   field_is(2, NULL, "th\"ree") && field_is(3, NULL, "") && field_is(4, NULL, "4x"),
	   "values: plain, quoted with the separator, doubled quote, empty, text after the quote");
	ok(sc.f[1].v == t + 3, "a quoted value without \"\" is a view");
	t = "a;b";
	ok(gp_csv_split(&sc, &pool, t, 3, ';') == 2 && field_is(1, NULL, "b"), "another separator");
}

static void test_tsv(void)
{
	const char *t = "a\\tb\tc\\\\d\t\te\\x";
	int n = gp_tsv_split(&sc, &pool, t, strlen(t));
	ok(n == 4 && field_is(0, NULL, "a\tb") && field_is(1, NULL, "c\\d") && field_is(2, NULL, "") &&
		   field_is(3, NULL, "e\\x"),
	   "tsv: split on tabs, \\t and \\\\ decoded, other backslashes kept (%d)", n);
}

int main(void)
{
	gp_scope scope;
	gp_arena arena;
	gp_scope_init(&scope);
	gp_arena_init(&arena);
	gp_pool_own(&scope, &pool);
	gp_scratch_own(&scope, &sc, &arena);
	test_scratch();
	test_logfmt();
	test_csv();
	test_tsv();
	gp_scope_unwind(&scope);
	gp_arena_free(&arena);
	return tap_done();
}
