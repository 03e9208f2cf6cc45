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
			gp_origin o = { "app.log", NULL, 1 };
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
	gp_origin o = { "app.log", NULL, 1 };
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

int main(void)
{
	test_fields();
	test_reader();
	test_set();
	return tap_done();
}
