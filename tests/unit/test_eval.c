/* Unit tests of the expression evaluator over records with fields of every
 * JSON kind (no parsing stage needed), the reader that takes expressions
 * among other words piecewise, and set's rebuilding of JSON text. TAP
 * output. (Numbers with units: test_num.c.) */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fields.h"
#include "expr/pipeline.h"
#include "eval/eval.h"
#include "registry.h"
#include "tap.h"

extern const gp_stage_def gp_stage_where, gp_stage_set;


#define F(n, k, v) { n, v, sizeof v - 1, sizeof n - 1, k }

static const gp_field fields[] = {
	F("status", GP_K_NUM, "503"),
	F("path", GP_K_JSTR, "\\/api\\/x"),
	F("took", GP_K_JSTR, "250ms"),
	F("ok", GP_K_TRUE, "true"),
	F("user", GP_K_OBJ, "{\"id\":7, \"name\":\"ann\", \"tags\":[]}"),
	F("tags", GP_K_ARR, "[\"x\", \"y\"]"),
	F("n", GP_K_NULL, "null"),
	F("big", GP_K_NUM, "9007199254740993"),
	F("name", GP_K_JSTR, "caf\\u00e9"),
	F("f", GP_K_NUM, "-1.5e2"),
	F("a.b", GP_K_STR, "dotted"),
	F("s", GP_K_STR, "12"),
	F("huge", GP_K_NUM, "100000000000000000000"),
	F("hugs", GP_K_STR, " 99999999999999999999"),
	F("z", GP_K_FALSE, "false"),
};
static const char text[] = "{...}";

typedef struct env {
	gp_ctx ctx;
	gp_arena arena;
	gp_scope root;
	gp_stage st;
	gp_pool pool;
} env;

static void env_init(env *e)
{
	memset(e, 0, sizeof *e);
	gp_arena_init(&e->arena);
	gp_scope_init(&e->root);
	e->ctx.arena = &e->arena;
	e->ctx.root = &e->root;
	e->ctx.delim = '\n';
	e->ctx.max_record = 1 << 20;
	e->st.ctx = &e->ctx;
	e->st.scope = &e->root;
	gp_pool_own(&e->root, &e->pool);
}

static void env_free(env *e)
{
	gp_scope_unwind(&e->root);
	gp_arena_free(&e->arena);
}

/* Compiles "where EXPR" and evaluates it on the record of all fields:
 * 1 true, 0 false, -1 compile error. */
static int eval(const char *expr)
{
	env e;
	env_init(&e);
	size_t n = strlen(expr) + 7;
	char *src = gp_arena_alloc(&e.arena, n);
	snprintf(src, n, "where %s", expr);
	e.ctx.expr = src;
	gp_pipeline_expr pe;
	int r = -1;
	if (gp_parse_pipeline(&e.ctx, src, strlen(src), false, &pe) == 0) {
		e.st.def = &gp_stage_where;
		e.st.span = pe.v[0].name.span;
		gp_enode *x = gp_expr_compile(&e.st, &pe.v[0].args);
		if (x) {
			gp_origin o = { "app.log", NULL, 1, 0 };
			gp_rec rec = { .p = text, .len = sizeof text - 1, .line = 42, .origin = &o,
				       .f = fields, .lay = &gp_layout_json,
				       .nf = sizeof fields / sizeof fields[0] };
			gp_eval ev = { .scratch = &e.pool };
			r = gp_expr_true(&ev, x, &rec);
		}
	}
	if (r < 0)
		printf("# %s: %s\n", expr, e.ctx.diag.msg);
	env_free(&e);
	return r;
}

static void test_fields(void)
{
	static const char *const yes[] = {
		"status >= 500", "status == 503", "status == 503.0", "status != \"503.0\"",
		"path == \"/api/x\"", "path startswith \"/api/\"", "path =~ \"^/api/x$\"", "len(path) == 6",
		"took > 0.2s", "took < 1s", "took == \"250ms\"", "ok", "ok == true", "ok != false",
		"n == null", "exists(n)", "not n", "not exists(nope)", "not (nope == 1)",
		"user.id == 7", "user.name == \"ann\"", "len(user.tags) == 0", "tags[1] == \"y\"",
		"tags[-2] == \"x\"", "len(tags) == 2", "len(user) == 3", "exists(user.tags)",
		"not exists(user.nope)", "not exists(tags[2])",
		"big == 9007199254740993", "big != 9007199254740992", "big + 1 == 9007199254740994",
		"name == \"café\"", "upper(name) == \"CAFé\"", "len(name) == 5", "f == -150", "f * 2 == -300",
		"a.b == \"dotted\"", "${a.b} endswith \"ted\"", "s == 12", "s + 1 == 13", "s < 9.5e1",
		"not z", "z == false", "_line == 42", "_file == \"app.log\"", "_member == \"\"",
		"$0 == \"{...}\"", "$1 == 503", "$NF == false", "str($2) == \"/api/x\"",
		"user contains \"ann\"", "str(tags) == '[\"x\", \"y\"]'", "str(ok) + str(n) == \"truenull\"",
		"ok and not z and (status > 500 or nope)", "num(took) == 0.25", "int(took) == 0",
		"concat(6, 5) == \"65\"", "concat(6, 5) == 65", "str(6) + str(5) == 11",
		"concat(status, s) == \"50312\"", "concat(ok, n, z) == \"truenullfalse\"",
		"concat(path) == \"/api/x\"", "concat(status, \"-\", tags[0], user.id, f) == \"503-x7-1.5e2\"",
		"len(concat(name, name)) == 10", "concat(str(1), 2 + 3, (4)) == \"154\"",
		"huge == 100000000000000000000", "huge != 99999999999999999999", "huge > hugs",
		"hugs == 99999999999999999999", "hugs < 1e20", "huge == 1e20", "huge >= 1e20",
		"00100000000000000000000 == huge", "-huge == -1e20", "str(huge) == \"100000000000000000000\"",
		"-99999999999999999999 > -100000000000000000000", "-(-99999999999999999999) == hugs",
		"big > 9007199254740992.0", "big < 9007199254740993.5", "9223372036854775807 < 9223372036854775808",
		"-9223372036854775809 < -9223372036854775808", "18446744073709551616 == 18446744073709551616.0",
		"str(9223372036854775807 + 1) == \"9.223372036854776e+18\"", "-0 == 0",
	};
	static const char *const no[] = {
		"status < 500", "status == \"503\" and false", "path == \"\\/api\\/x\"", "n == 0",
		"n != null", "nope == null", "nope != null", "nope", "user.nope == null", "z",
		"tags[5] == \"x\"", "ok == 1", "ok == \"yes\"", "big == 9007199254740992", "name =~ \"^caf$\"",
		"$14 == 1", "took > 1s", "user.name == \"bob\"",
		"concat(status, nope) == \"503\"", "concat(nope)", "exists(nope) or concat(nope, 1) != 1",
		"huge == 99999999999999999999", "100000000000000000000 == 99999999999999999999",
		"big == 9007199254740992.0", "hugs == huge", "hugs >= 1e20", "huge < 1e20",
		"1e308 * 10 > 0", "-1e308 * 10 < 0", "exists(nope) or 1e308 + 1e308",
	};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		ok(eval(yes[i]) == 1, "true: %s", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		ok(eval(no[i]) == 0, "false: %s", no[i]);
	static const char *const bad[] = { "concat()", "concat(1,)", "concat(1, 2", "len(1, 2)", "1e400 > 1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(eval(bad[i]) == -1, "error: %s", bad[i]);
}

/* The reader over "where WORDS": the stage and its arguments in e, or -1
 * with the diagnostic printed. */
static int read_words(env *e, const char *words, gp_pipeline_expr *pe)
{
	env_init(e);
	size_t n = strlen(words) + 7;
	char *src = gp_arena_alloc(&e->arena, n);
	snprintf(src, n, "where %s", words);
	e->ctx.expr = src;
	if (gp_parse_pipeline(&e->ctx, src, strlen(src), false, pe) != 0)
		return -1;
	e->st.def = &gp_stage_where;
	e->st.span = pe->v[0].name.span;
	return 0;
}

/* e evaluated on the record of all fields, as text ("(missing)"). */
static const char *value_of(env *e, const gp_enode *x, char *buf, size_t cap)
{
	gp_origin o = { "app.log", NULL, 1, 0 };
	gp_rec rec = { .p = text, .len = sizeof text - 1, .line = 42, .origin = &o, .f = fields,
		       .lay = &gp_layout_json, .nf = sizeof fields / sizeof fields[0] };
	gp_eval ev = { .scratch = &e->pool };
	gp_field f;
	if (!x || !gp_expr_field(&ev, x, &rec, &f))
		return "(missing)";
	snprintf(buf, cap, "%.*s", (int)f.vlen, f.v);
	return buf;
}

/* Expressions among other words, read piece by piece as aggregates and
 * sort keys will: `a + 1 as x, b by c`. */
static void test_reader(void)
{
	env e;
	gp_pipeline_expr pe;
	char b1[64], b2[64], b3[64];
	const char *name = NULL;
	size_t nlen = 0;

	ok(read_words(&e, "status + 1 as x, s by f", &pe) == 0, "reader: words parsed");
	const gp_args *a = &pe.v[0].args;
	gp_expr_reader *r = gp_expr_reader_open(&e.st, a, 0);
	gp_enode *x1 = r ? gp_expr_read(r) : NULL;
	ok(x1 && strcmp(value_of(&e, x1, b1, sizeof b1), "504") == 0, "reader: status + 1 is 504");
	ok(r && gp_expr_reader_arg(r) == 3, "reader: stopped at argument 3 ('as')");
	ok(r && !gp_expr_read_word(r, "by") && gp_expr_read_word(r, "as"), "reader: 'as' and not 'by'");
	ok(r && gp_expr_read_name(r, &name, &nlen) && nlen == 1 && strcmp(name, "x") == 0, "reader: as x");
	ok(r && gp_expr_reader_arg(r) == 4 && gp_expr_reader_span(r).start == 21,
	   "reader: the ',' inside argument 4 'x,'");
	ok(r && gp_expr_read_comma(r), "reader: ','");
	gp_enode *x2 = r ? gp_expr_read(r) : NULL;
	ok(r && gp_expr_read_word(r, "by"), "reader: by");
	gp_enode *x3 = r ? gp_expr_read(r) : NULL;
	ok(x2 && x3 && strcmp(value_of(&e, x2, b2, sizeof b2), "12") == 0 &&
	   strcmp(value_of(&e, x3, b3, sizeof b3), "-1.5e2") == 0, "reader: s and f");
	ok(r && gp_expr_read_end(r) && gp_expr_reader_arg(r) == a->n, "reader: at the end");
	ok(e.ctx.diag.msg[0] == '\0', "reader: no diagnostic (%s)", e.ctx.diag.msg);
	env_free(&e);

	/* From a given argument on, as a stage reads its own words first. */
	ok(read_words(&e, "by status / 2 as kb", &pe) == 0, "reader: words parsed");
	a = &pe.v[0].args;
	r = gp_expr_reader_open(&e.st, a, 1);
	x1 = r ? gp_expr_read(r) : NULL;
	ok(x1 && strcmp(value_of(&e, x1, b1, sizeof b1), "251.5") == 0 &&
	   gp_expr_read_word(r, "as") && gp_expr_read_name(r, &name, &nlen) && strcmp(name, "kb") == 0 &&
	   gp_expr_read_end(r), "reader: status / 2 as kb from argument 1 (%s)", b1);
	env_free(&e);

	/* Errors: said where the user looks, with the words the reader read. */
	ok(read_words(&e, "status by", &pe) == 0, "reader: words parsed");
	r = gp_expr_reader_open(&e.st, &pe.v[0].args, 0);
	ok(r && gp_expr_read(r) && gp_expr_read_word(r, "by") && !gp_expr_read(r) &&
	   strcmp(e.ctx.diag.msg, "where: expected a value after 'by'") == 0 && e.ctx.diag.span.start == 13,
	   "reader: nothing after 'by' (%s)", e.ctx.diag.msg);
	env_free(&e);
	ok(read_words(&e, "status as 1", &pe) == 0, "reader: words parsed");
	r = gp_expr_reader_open(&e.st, &pe.v[0].args, 0);
	ok(r && gp_expr_read(r) && gp_expr_read_word(r, "as") && !gp_expr_read_name(r, &name, &nlen) &&
	   e.ctx.diag.msg[0] == '\0', "reader: 1 is no name, and no diagnostic yet");
	char tb[64];
	gp_expr_reader_fail(r, "expected a name after 'as', found '%s'", gp_expr_reader_text(r, tb, sizeof tb));
	ok(strcmp(e.ctx.diag.msg, "where: expected a name after 'as', found '1'") == 0 &&
	   e.ctx.diag.span.start == 16, "reader: the caller's message at the token (%s)", e.ctx.diag.msg);
	env_free(&e);
	ok(read_words(&e, "a + 1 b", &pe) == 0, "reader: words parsed");
	r = gp_expr_reader_open(&e.st, &pe.v[0].args, 0);
	ok(r && gp_expr_read(r) && !gp_expr_read_end(r) &&
	   strcmp(e.ctx.diag.msg, "where: expected an operator, found 'b'") == 0,
	   "reader: the end where wants it (%s)", e.ctx.diag.msg);
	env_free(&e);
	ok(read_words(&e, "a", &pe) == 0, "reader: words parsed");
	r = gp_expr_reader_open(&e.st, &pe.v[0].args, 1);
	ok(r && gp_expr_reader_arg(r) == 1 && gp_expr_read_end(r) && !gp_expr_read(r) &&
	   strcmp(e.ctx.diag.msg, "where: expected a value after 'where'") == 0,
	   "reader: opened at the end (%s)", e.ctx.diag.msg);
	env_free(&e);
}

/* set over a record with a JSON layout: the text is rebuilt. */
static gp_rec up_rec;
static bool up_done;

static gp_status up_next(gp_stage *st, gp_batch *out)
{
	if (up_done)
		return GP_EOF;
	up_done = true;
	out->recs = &up_rec;
	out->n = 1;
	out->has_recs = true;
	return GP_OK;
}

static const gp_stage_ops up_ops = { up_next };

static void test_set(void)
{
	static const gp_field jf[] = {
		F("status", GP_K_NUM, "503"),
		F("path", GP_K_JSTR, "\\/api"),
		F("ok", GP_K_TRUE, "true"),
		F("user", GP_K_OBJ, "{\"name\":\"ann\"}"),
	};
	static const char *const cases[][2] = {
		{ "status = status + 1", "{\"status\":504,\"path\":\"\\/api\",\"ok\":true,\"user\":{\"name\":\"ann\"}}" },
		{ "who = user.name, ok = not ok, r = status / 2",
		  "{\"status\":503,\"path\":\"\\/api\",\"ok\":false,\"user\":{\"name\":\"ann\"},\"who\":\"ann\",\"r\":251.5}" },
		{ "p = path + \"!\", q = path, u = user, n = null, m = 1 / 0",
		  "{\"status\":503,\"path\":\"\\/api\",\"ok\":true,\"user\":{\"name\":\"ann\"},\"p\":\"/api!\",\"q\":\"\\/api\",\"u\":{\"name\":\"ann\"},\"n\":null}" },
		{ "m = nope", "{...}" },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		env e;
		env_init(&e);
		size_t n = strlen(cases[k][0]) + 5;
		char *src = gp_arena_alloc(&e.arena, n);
		snprintf(src, n, "set %s", cases[k][0]);
		e.ctx.expr = src;
		gp_pipeline_expr pe;
		gp_stage up = { .ops = &up_ops, .ctx = &e.ctx };
		up_rec = (gp_rec){ .p = "{...}", .len = 5, .f = jf, .lay = &gp_layout_json, .nf = 4 };
		up_done = false;
		e.st.up = &up;
		e.st.def = &gp_stage_set;
		char got[600] = "(error)";
		if (gp_parse_pipeline(&e.ctx, src, strlen(src), false, &pe) == 0 &&
		    gp_stage_set.open(&e.st, &pe.v[0].args) == GP_OK) {
			gp_batch b = { 0 };
			if (e.st.ops->next(&e.st, &b) == GP_OK && b.n == 1)
				snprintf(got, sizeof got, "%.*s", (int)b.recs[0].len, b.recs[0].p);
		} else {
			snprintf(got, sizeof got, "(error) %s", e.ctx.diag.msg);
		}
		ok(strcmp(got, cases[k][1]) == 0, "set %s: %s", cases[k][0], got);
		env_free(&e);
	}
}

/* ---- time ---- */

static const gp_field tfields[] = {
	F("ts", GP_K_JSTR, "2024-06-01T09:00:03.5+02:00"),
	F("clf", GP_K_STR, "01/Jun/2024:09:00:03 +0000"),
	F("sys", GP_K_STR, "Dec 31 23:59:59"),
	F("ep", GP_K_NUM, "1717232403"),
	F("bad", GP_K_STR, "yesterday"),
	F("a", GP_K_STR, "2024-06-01 09:00"),
	F("snow", GP_K_JSTR, "\\u2603 abc"),
	F("n", GP_K_NUM, "-4.5"),
	F("sp", GP_K_STR, "21/Jan/2014 14:18:17"),
};

/* One compiled expression and the state to evaluate it on the time record. */
typedef struct texpr {
	env e;
	gp_enode *x;
	gp_eval ev;
} texpr;

/* Compiles EXPR (with --tz off when tz) as a reader does; NULL on error,
 * with the diagnostic in t->e.ctx.diag. */
static gp_enode *tcompile(texpr *t, const char *expr, bool tz, int32_t off)
{
	gp_pipeline_expr pe;
	t->x = NULL;
	if (read_words(&t->e, expr, &pe) != 0)
		return NULL;
	t->e.ctx.tz_set = tz;
	t->e.ctx.tz_off = off;
	gp_expr_reader *r = gp_expr_reader_open(&t->e.st, &pe.v[0].args, 0);
	gp_enode *x = r ? gp_expr_read(r) : NULL;
	if (x && gp_expr_read_end(r))
		t->x = x;
	t->ev = (gp_eval){ .scratch = &t->e.pool };
	return t->x;
}

/* t's value for the time record from o, as text. */
static const char *tvalue(texpr *t, const gp_origin *o, char *buf, size_t cap)
{
	gp_rec rec = { .p = text, .len = sizeof text - 1, .line = 7, .origin = o, .f = tfields,
		       .lay = &gp_layout_json, .nf = sizeof tfields / sizeof tfields[0] };
	gp_field f;
	if (!gp_expr_field(&t->ev, t->x, &rec, &f))
		return "(missing)";
	snprintf(buf, cap, "%.*s", (int)f.vlen, f.v);
	return buf;
}

/* EXPR's value (or "(error) message") for the record from an input
 * written at 2024-01-15, with --tz off when tz. */
static const char *tval(const char *expr, bool tz, int32_t off, char *buf, size_t cap)
{
	texpr t;
	gp_origin o = { "app.log", NULL, 1, 1705320000 };
	if (!tcompile(&t, expr, tz, off))
		snprintf(buf, cap, "(error) %.150s", t.e.ctx.diag.msg);
	else if (tvalue(&t, &o, buf, cap) != buf)
		snprintf(buf, cap, "(missing)");
	env_free(&t.e);
	return buf;
}

static void test_time(void)
{
	static const char *const cases[][2] = {
		{ "time(ts)", "2024-06-01T07:00:03.500Z" },
		{ "time(clf)", "2024-06-01T09:00:03Z" },
		{ "time(ep)", "2024-06-01T09:00:03Z" },
		{ "time(sp)", "2014-01-21T14:18:17Z" },
		{ "time(sys)", "2023-12-31T23:59:59Z" },
		{ "time(a)", "2024-06-01T09:00:00Z" },
		{ "time(ts, \"%Y-%m-%dT%H:%M:%S.%f%z\")", "2024-06-01T07:00:03.500Z" },
		{ "time(\"2024-06-01T09:00:00Z\")", "2024-06-01T09:00:00Z" },
		{ "time(time(ep))", "2024-06-01T09:00:03Z" },
		{ "bucket(ts, 5m)", "2024-06-01T07:00:00Z" },
		{ "bucket(time(clf) + 250ms, 100ms)", "2024-06-01T09:00:03.200Z" },
		{ "bucket(\"2024-06-01T09:59:59Z\", 1h)", "2024-06-01T09:00:00Z" },
		{ "time(ts) - time(clf)", "-7199.5" },
		{ "time(clf) - time(ep)", "0" },
		{ "time(clf) + 1h", "2024-06-01T10:00:03Z" },
		{ "1d + time(clf)", "2024-06-02T09:00:03Z" },
		{ "time(clf) - 250ms", "2024-06-01T09:00:02.750Z" },
		{ "time(clf) - \"1m\"", "2024-06-01T08:59:03Z" },
		{ "time(clf) == time(ep)", "true" },
		{ "time(clf) < time(ts)", "false" },
		{ "time(clf) > \"2024-06-01T11:00+02:00\"", "true" },
		{ "time(clf) between \"2024-06-01T09:00\" and \"2024-06-01T09:01\"", "true" },
		{ "time(ts) - time(clf) < -2h", "false" },
		{ "time(sp) - time(\"2014-01-05T00:00:00Z\") < 2d", "false" },
		{ "time(bad)", "(missing)" },
		{ "time(nope)", "(missing)" },
		{ "num(time(ts))", "1717225203.5" },
		{ "int(time(ts))", "1717225203" },
		{ "concat(\"at \", time(ep))", "at 2024-06-01T09:00:03Z" },
		{ "\"at \" + time(ep)", "at 2024-06-01T09:00:03Z" },
		{ "time(ep) * 2", "(missing)" },
		{ "now() == now()", "true" },
		{ "now() - 1h < now()", "true" },
		{ "3 between 1 and 5 and 2 == 2", "true" },
		{ "6 between 1 and 5 or 1 between 1 and 1", "true" },
		{ "n between -5 and -4.5", "true" },
		{ "\"b\" between \"a\" and \"c\"", "true" },
		{ "nope between 1 and 2", "false" },
		{ "abs(n)", "4.5" },
		{ "round(n)", "-5" },
		{ "round(4.49)", "4" },
		{ "floor(n)", "-5" },
		{ "ceil(n)", "-4" },
		{ "abs(-9223372036854775807 - 1)", "9.223372036854776e+18" },
		{ "round(\"x\")", "(missing)" },
		{ "if(n < 0, \"neg\", \"pos\")", "neg" },
		{ "if(nope, 1, 2)", "2" },
		{ "substr(snow, 0, 1)", "\xe2\x98\x83" },
		{ "substr(snow, 1)", " abc" },
		{ "substr(snow, -3)", "abc" },
		{ "substr(snow, 9)", "" },
		{ "substr(snow, 2, -1)", "" },
		{ "exists(time(ts)) and not exists(time(bad))", "true" },
	};
	char buf[200];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ok(strcmp(tval(cases[i][0], false, 0, buf, sizeof buf), cases[i][1]) == 0, "%s is %s (%s)",
		   cases[i][0], cases[i][1], buf);

	/* --tz: the zone of text without one, and of printing and buckets. */
	ok(strcmp(tval("time(a)", true, 7200, buf, sizeof buf), "2024-06-01T09:00:00+02:00") == 0,
	   "--tz +02:00: time(a) (%s)", buf);
	ok(strcmp(tval("time(clf)", true, -16200, buf, sizeof buf), "2024-06-01T04:30:03-04:30") == 0,
	   "--tz -04:30: time(clf) (%s)", buf);
	ok(strcmp(tval("bucket(ts, 1d)", true, 7200, buf, sizeof buf), "2024-06-01T00:00:00+02:00") == 0,
	   "--tz +02:00: day buckets start at midnight there (%s)", buf);

	/* Unparsable text is counted with its reason. */
	texpr t;
	gp_origin o1 = { "a.log", NULL, 1, 1705320000 }, o2 = { "b.log", NULL, 2, 1736000000 };
	tcompile(&t, "time(bad)", false, 0);
	tvalue(&t, &o1, buf, sizeof buf);
	ok(t.ev.fails == 1 && strcmp(t.ev.why, "not a timestamp: 'yesterday'") == 0, "not a timestamp counted (%s)",
	   t.ev.why);
	env_free(&t.e);

	/* One tree, two inputs: the syslog year follows each one's mtime. */
	tcompile(&t, "time(sys)", false, 0);
	ok(strcmp(tvalue(&t, &o1, buf, sizeof buf), "2023-12-31T23:59:59Z") == 0, "syslog year of a.log (%s)", buf);
	ok(strcmp(tvalue(&t, &o2, buf, sizeof buf), "2024-12-31T23:59:59Z") == 0, "syslog year of b.log (%s)", buf);
	ok(strcmp(tvalue(&t, &o1, buf, sizeof buf), "2023-12-31T23:59:59Z") == 0, "a.log again (%s)", buf);
	env_free(&t.e);

	/* The API of the aggregates: the type, and the binary value. */
	static const char *const times[] = { "time(ts)", "bucket(ts, 5m)", "now()", "now() - 1h", "1h + now()",
					     "if(n, now(), time(a))", "time(\"2024-01-01\")" };
	static const char *const others[] = { "ts", "time(ts) - time(a)", "now() + now()", "if(n, now(), 1)",
					      "num(now())", "\"2024-01-01\"" };
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		tcompile(&t, times[i], false, 0);
		ok(t.x && gp_expr_is_time(t.x), "is a time: %s", times[i]);
		env_free(&t.e);
	}
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		tcompile(&t, others[i], false, 0);
		ok(t.x && !gp_expr_is_time(t.x), "is no time: %s", others[i]);
		env_free(&t.e);
	}
	tcompile(&t, "bucket(ts, 5m)", false, 0);
	gp_rec rec = { .p = text, .len = sizeof text - 1, .origin = &o1, .f = tfields, .lay = &gp_layout_json,
		       .nf = sizeof tfields / sizeof tfields[0] };
	gp_time tm = { 0, 1 };
	ok(gp_expr_time(&t.ev, t.x, &rec, &tm) && tm.sec == 1717225200 && tm.nsec == 0,
	   "gp_expr_time: the bucket start (%lld)", (long long)tm.sec);
	env_free(&t.e);
	tcompile(&t, "time(bad)", false, 0);
	ok(!gp_expr_time(&t.ev, t.x, &rec, &tm) && t.ev.fails == 1, "gp_expr_time: false on no timestamp");
	env_free(&t.e);

	/* Compile errors, with the place. */
	static const char *const errs[][3] = {
		{ "time(ts, 123)", "where: time() takes its format as a quoted string: time(ts, \"%d/%b/%Y:%H:%M:%S %z\")", "15" },
		{ "time(ts, \"%Y %q\")", "where: time(): unknown directive '%q' in the format (known: %Y %m %d %H %M %S %e %j %b %z %s %f %%)", "19" },
		{ "bucket(ts)", "where: bucket() takes a time and a width: bucket(ts, 5m)", "6" },
		{ "bucket(ts, -5m)", "where: bucket() takes a width of more than 0 in time units: bucket(ts, 5m)", "17" },
		{ "time(ts) > \"soon\"", "where: 'soon' is not a timestamp (it is compared with a time)", "17" },
		{ "time(\"x\")", "where: time(): 'x' is not a timestamp", "11" },
		{ "1 between 2", "where: expected 'and' in 'between A and B', found 'end of expression'", "8" },
		{ "now(1)", "where: now() takes no arguments", "10" },
		{ "exists(1)", "where: exists() takes a field name: exists(user.id)", "13" },
	};
	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
		bool bad = !tcompile(&t, errs[i][0], false, 0);
		ok(bad && strcmp(t.e.ctx.diag.msg, errs[i][1]) == 0 && t.e.ctx.diag.span.start == (uint32_t)atoi(errs[i][2]),
		   "error: %s: %s at %u", errs[i][0], t.e.ctx.diag.msg, t.e.ctx.diag.span.start);
		env_free(&t.e);
	}
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	test_fields();
	test_time();
	test_reader();
	test_set();
	return tap_done();
}
