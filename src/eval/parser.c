/* The parser of the expression language (see eval.h): precedence climbing
 * over one table of binary operators, into the tree of tree.h. Literals are
 * made here, field references and regexes compiled against the stage. */
#include "eval.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/strdist.h"
#include "bigint.h"
#include "lexer.h"
#include "tree.h"
#include "../core/fref.h"

/* The functions by enum fn: name, how many arguments (max 255: any
 * number), and what the message of a wrong count says. */
static const struct fninfo {
	const char *name;
	uint8_t min, max;
	const char *takes;
} fns[] = {
	[F_LEN] = { "len", 1, 1, "one argument" },
	[F_LOWER] = { "lower", 1, 1, "one argument" },
	[F_UPPER] = { "upper", 1, 1, "one argument" },
	[F_NUM] = { "num", 1, 1, "one argument" },
	[F_STR] = { "str", 1, 1, "one argument" },
	[F_INT] = { "int", 1, 1, "one argument" },
	[F_EXISTS] = { "exists", 1, 1, "one argument" },
	[F_CONCAT] = { "concat", 1, 255, "one argument or more" },
	[F_TIME] = { "time", 1, 2, "one or two arguments: time(ts) or time(ts, \"%d/%b/%Y:%H:%M:%S %z\")" },
	[F_BUCKET] = { "bucket", 2, 2, "a time and a width: bucket(ts, 5m)" },
	[F_NOW] = { "now", 0, 0, "no arguments" },
	[F_IF] = { "if", 3, 3, "three arguments: if(COND, A, B)" },
	[F_ABS] = { "abs", 1, 1, "one argument" },
	[F_ROUND] = { "round", 1, 1, "one argument" },
	[F_FLOOR] = { "floor", 1, 1, "one argument" },
	[F_CEIL] = { "ceil", 1, 1, "one argument" },
	[F_SUBSTR] = { "substr", 2, 3, "two or three arguments: substr(s, start[, len])" },
};
#define NFN (sizeof fns / sizeof fns[0])

/* How tightly an operator binds: `not` and unary minus are prefixes, the
 * others binary. not a == 1 is not (a == 1); -a * b is (-a) * b. */
enum prec { PREC_NONE, PREC_OR, PREC_AND, PREC_NOT, PREC_CMP, PREC_ADD, PREC_MUL, PREC_NEG };

/* The binary operators by token. All are left-associative except the
 * comparisons, which do not chain. */
static const struct binop {
	uint8_t op;   /* enum op */
	uint8_t prec; /* enum prec; PREC_NONE: the token is no binary operator */
} binops[TK_COUNT] = {
	[TK_OR] = { N_OR, PREC_OR },
	[TK_AND] = { N_AND, PREC_AND },
	[TK_EQ] = { N_EQ, PREC_CMP },
	[TK_NE] = { N_NE, PREC_CMP },
	[TK_LT] = { N_LT, PREC_CMP },
	[TK_LE] = { N_LE, PREC_CMP },
	[TK_GT] = { N_GT, PREC_CMP },
	[TK_GE] = { N_GE, PREC_CMP },
	[TK_MATCH] = { N_MATCH, PREC_CMP },
	[TK_NMATCH] = { N_NMATCH, PREC_CMP },
	[TK_CONTAINS] = { N_CONTAINS, PREC_CMP },
	[TK_STARTS] = { N_STARTS, PREC_CMP },
	[TK_ENDS] = { N_ENDS, PREC_CMP },
	[TK_BETWEEN] = { N_BETWEEN, PREC_CMP },
	[TK_PLUS] = { N_ADD, PREC_ADD },
	[TK_MINUS] = { N_SUB, PREC_ADD },
	[TK_MUL] = { N_MUL, PREC_MUL },
	[TK_DIV] = { N_DIV, PREC_MUL },
	[TK_MOD] = { N_MOD, PREC_MUL },
};

/* The parser is the reader of eval.h: gp_expr_compile reads one expression
 * and the end, gp_expr_compile_set its own words between expressions. */
struct gp_expr_reader {
	gp_lexer lx;
	gp_stage *st;
	const gp_args *args;
	gp_span prev; /* the last word read outside expressions, for "after" */
	int nest;
};
typedef gp_expr_reader parser;

static gp_enode *parse_expr(parser *P, int min);

static gp_enode *node(parser *P, int op, gp_enode *a, gp_enode *b, gp_span sp)
{
	if (P->lx.failed)
		return NULL;
	gp_enode *n = gp_arena_alloc(P->lx.ctx->arena, sizeof *n);
	if (!n) {
		gp_lex_fail(&P->lx, sp, "out of memory");
		return NULL;
	}
	memset(n, 0, sizeof *n);
	n->op = (uint8_t)op;
	n->sp = sp;
	n->a = a;
	n->b = b;
	unsigned d = 0;
	if (a && a->depth > d)
		d = a->depth;
	if (b && b->depth > d)
		d = b->depth;
	if (d + 1 > GP_EXPR_MAX_DEPTH) {
		gp_lex_fail(&P->lx, sp, "expression too deep (more than %d operations in a chain)",
			    GP_EXPR_MAX_DEPTH);
		return NULL;
	}
	n->depth = (uint16_t)(d + 1);
	return n;
}

static const char *op_text(parser *P, gp_span sp, char *b, size_t cap)
{
	size_t n = sp.end - sp.start;
	if (n > 20)
		n = 20;
	gp_escape(b, cap, P->lx.src + sp.start, n);
	return b;
}

/* A value must follow the operator whose span is opsp. */
static bool need_operand(parser *P, gp_span opsp)
{
	int k = P->lx.t.k;
	if (P->lx.failed)
		return false;
	if (k == TK_NUM || k == TK_STR || k == TK_REF || k == TK_FUNC || k == TK_TRUE ||
	    k == TK_FALSE || k == TK_NULL || k == TK_LP || k == TK_MINUS || k == TK_NOT)
		return true;
	char b[100];
	gp_lex_fail(&P->lx, opsp, "expected a value after '%s'", op_text(P, opsp, b, sizeof b));
	return false;
}

static bool nest_in(parser *P)
{
	if (++P->nest > GP_EXPR_MAX_NEST) {
		gp_lex_fail(&P->lx, P->lx.t.sp, "expression nested too deeply (more than %d levels)",
			    GP_EXPR_MAX_NEST);
		return false;
	}
	return true;
}

/* After a '(' opened at lp: the ')' closing it. */
static bool close_paren(parser *P, gp_span lp)
{
	if (P->lx.t.k == TK_RP) {
		P->nest--;
		gp_lex(&P->lx);
		return true;
	}
	char b[100];
	if (P->lx.t.k == TK_END)
		gp_lex_fail(&P->lx, lp, "'(' without a closing ')'");
	else
		gp_lex_fail(&P->lx, P->lx.t.sp, "expected ')', found '%s'", gp_lex_text(&P->lx, &P->lx.t, b, sizeof b));
	return false;
}

static int fn_lookup(const char *s, size_t n)
{
	for (size_t i = 0; i < NFN; i++)
		if (strlen(fns[i].name) == n && memcmp(fns[i].name, s, n) == 0)
			return (int)i;
	return -1;
}

static bool compile_ref(parser *P, const tok *t, gp_fref *out)
{
	char err[160];
	size_t bad = 0;
	const char *s = P->lx.src + t->sp.start;
	size_t n = t->sp.end - t->sp.start;
	if (gp_fref_parse(P->lx.ctx->arena, s, n, out, err, sizeof err, &bad) != 0) {
		gp_lex_fail(&P->lx, gp_lex_span(t->sp.start + (uint32_t)bad, t->sp.start + (uint32_t)bad + 1), "%s",
			    err);
		return false;
	}
	if (out->kind == GP_REF_LINE)
		P->lx.ctx->need_lineno = true;
	return true;
}

static bool compile_regex(parser *P, gp_enode *n, const tok *t)
{
	char msg[200];
	size_t eo;
	if (gp_rx_compile(&n->rx, P->st->scope, t->s, t->len, PCRE2_NEVER_UTF, msg, sizeof msg, &eo) != 0) {
		size_t at = eo < t->len ? eo : t->len;
		uint32_t so = at < t->len ? t->map[at] : t->sp.end - 1;
		char b[200];
		gp_escape(b, sizeof b, t->s, t->len < 40 ? t->len : 40);
		gp_lex_fail(&P->lx, gp_lex_span(so, so + 1), "invalid regex '%s': %s", b, msg);
		return false;
	}
	return true;
}

/* -LITERAL of an integer kept as digits: the digits negated, so that
 * -99999999999999999999 stays exact. */
static bool neg_bigint(parser *P, gp_enode *a, gp_span sp)
{
	val *v = &a->lit;
	char *t = gp_arena_alloc(P->lx.ctx->arena, v->len + 1);
	if (!t) {
		gp_lex_fail(&P->lx, sp, "out of memory");
		return false;
	}
	if (v->p[0] == '-') {
		memcpy(t, v->p + 1, v->len - 1);
		v->len--;
	} else {
		t[0] = '-';
		memcpy(t + 1, v->p, v->len);
		v->len++;
	}
	v->p = t;
	v->d = -v->d;
	return true;
}

/* ---- time ---- */

/* The run's start: now(), and the year reference of what has no input.
 * Read once, so every now() of a run is the same instant. */
static gp_time run_start(void)
{
	static gp_time t;
	static bool got;
	if (!got) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		t = (gp_time){ (int64_t)ts.tv_sec, (int32_t)ts.tv_nsec };
		got = true;
	}
	return t;
}

/* The zone times print in: --tz, else UTC. */
static int32_t print_off(const parser *P)
{
	return P->lx.ctx->tz_set ? P->lx.ctx->tz_off : 0;
}

static void time_lit(parser *P, gp_enode *n, gp_time t)
{
	n->op = N_LIT;
	n->lit = (val){ .t = V_TIME, .i = t.sec, .ns = t.nsec, .off = print_off(P) };
}

/* The options of a parser of this run: the --tz zone, the format. */
static gp_time_opts time_opts(parser *P, const char *fmt, size_t flen)
{
	return (gp_time_opts){ .format = fmt, .format_len = flen, .fixed_zone = P->lx.ctx->tz_set,
			       .zone_off = P->lx.ctx->tz_off, .ref = run_start().sec };
}

/* A text literal read as a time now (compared with a time, or time("...")):
 * the node becomes the time, or the error points at it. */
static bool fold_time(parser *P, gp_enode *lit, const gp_time_opts *o, bool in_time)
{
	gp_timeparser tp;
	gp_time t;
	gp_timeparser_init(&tp, o);
	if (!gp_time_parse_detect(&tp, lit->lit.p, lit->lit.len, &t)) {
		char b[100];
		gp_escape(b, sizeof b, lit->lit.p, lit->lit.len < 40 ? lit->lit.len : 40);
		gp_lex_fail(&P->lx, lit->sp, "%s'%s' is not a timestamp%s%s", in_time ? "time(): " : "", b,
			    o->format ? " in that format" : "", in_time ? "" : " (it is compared with a time)");
		return false;
	}
	time_lit(P, lit, t);
	return true;
}

static bool is_text_lit(const gp_enode *n)
{
	return n && n->op == N_LIT && n->lit.t == V_STR;
}

/* A comparison (or between) of a time with text literals: the literals
 * are read as times, once. */
static bool compare_times(parser *P, gp_enode *n)
{
	gp_time_opts o = time_opts(P, NULL, 0);
	gp_enode *side[3] = { n->a, n->b, n->c };
	bool t = false;
	for (int i = 0; i < 3; i++)
		t |= side[i] && gp_expr_is_time(side[i]);
	if (!t)
		return true;
	for (int i = 0; i < 3; i++)
		if (is_text_lit(side[i]) && !fold_time(P, side[i], &o, false))
			return false;
	return true;
}

/* time(a) or time(a, "format") into n: a text literal is read now; a
 * format is checked now, with a caret at a bad directive. */
static bool make_time(parser *P, gp_enode *n, gp_enode *a, gp_enode *fmt)
{
	const char *f = NULL;
	size_t fl = 0;
	if (fmt) {
		if (!is_text_lit(fmt)) {
			gp_lex_fail(&P->lx, fmt->sp,
				    "time() takes its format as a quoted string: time(ts, \"%%d/%%b/%%Y:%%H:%%M:%%S %%z\")");
			return false;
		}
		size_t bad;
		f = fmt->lit.p;
		fl = fmt->lit.len;
		if (!gp_time_format_check(f, fl, &bad)) {
			/* the directive's place in the source (map: escapes) */
			size_t w = bad + 1 < fl ? 2 : 1;
			uint32_t at = fmt->map[bad], end = fmt->map[bad + w - 1] + 1;
			char b[16];
			gp_escape(b, sizeof b, f + bad, w);
			gp_lex_fail(&P->lx, gp_lex_span(at, end),
				    "time(): unknown directive '%s' in the format (known: %%Y %%m %%d %%H %%M %%S "
				    "%%e %%j %%b %%z %%s %%f %%%%)", b);
			return false;
		}
	}
	gp_time_opts o = time_opts(P, f, fl);
	if (is_text_lit(a))
		return fold_time(P, a, &o, true) && (*n = *a, true);
	if (!f && gp_expr_is_time(a)) {
		*n = *a;
		return true;
	}
	gp_timesite *ts = gp_arena_alloc(P->lx.ctx->arena, sizeof *ts);
	if (!ts) {
		gp_lex_fail(&P->lx, n->sp, "out of memory");
		return false;
	}
	memset(ts, 0, sizeof *ts);
	ts->o = o;
	ts->now = o.ref;
	ts->off = print_off(P);
	n->ts = ts;
	n->a = a;
	return true;
}

/* bucket(t, width): t read as time(t) unless it is a time; the width a
 * duration literal, in nanoseconds. */
static bool make_bucket(parser *P, gp_enode *n, gp_enode *t, gp_enode *w)
{
	if (!gp_expr_is_time(t)) {
		gp_enode *c = node(P, N_CALL, t, NULL, t->sp);
		if (!c)
			return false;
		c->fn = F_TIME;
		if (!make_time(P, c, t, NULL))
			return false;
		n->a = c;
		if (c->depth + 1 > n->depth)
			n->depth = (uint16_t)(c->depth + 1);
	}
	int64_t ns = 0;
	bool ok = w->op == N_LIT && w->lit.t == V_NUM;
	if (ok && w->lit.isint) {
		ok = !__builtin_mul_overflow(w->lit.i, (int64_t)1000000000, &ns);
	} else if (ok) {
		ok = w->lit.d > 0 && w->lit.d < 9.2e9;
		if (ok)
			ns = (int64_t)(w->lit.d * 1e9 + 0.5);
	}
	if (!ok || ns <= 0) {
		gp_lex_fail(&P->lx, w->sp, "bucket() takes a width of more than 0 in time units: bucket(ts, 5m)");
		return false;
	}
	n->width = ns;
	return true;
}

bool gp_expr_is_time(const gp_enode *e)
{
	switch (e->op) {
	case N_LIT:
		return e->lit.t == V_TIME;
	case N_CALL:
		if (e->fn == F_IF)
			return gp_expr_is_time(e->args[1]) && gp_expr_is_time(e->args[2]);
		return e->fn == F_TIME || e->fn == F_BUCKET;
	case N_ADD:
		return gp_expr_is_time(e->a) != gp_expr_is_time(e->b);
	case N_SUB:
		return gp_expr_is_time(e->a) && !gp_expr_is_time(e->b);
	default:
		return false;
	}
}

/* ---- calls ---- */

/* What a call becomes once its arguments are read: the checks and the
 * work done at compile time (literals read as times, widths, formats). */
static gp_enode *finish_call(parser *P, gp_enode *n, const tok *fn)
{
	gp_enode **v = n->args;
	switch ((enum fn)n->fn) {
	case F_EXISTS:
		if (v[0]->op == N_REF) { /* exists(field): present, even null */
			v[0]->op = N_EXISTS;
			return v[0];
		}
		if (v[0]->op == N_LIT) {
			gp_lex_fail(&P->lx, v[0]->sp, "exists() takes a field name: exists(user.id)");
			return NULL;
		}
		return n;
	case F_TIME:
		return make_time(P, n, v[0], n->nargs > 1 ? v[1] : NULL) ? n : NULL;
	case F_BUCKET:
		return make_bucket(P, n, v[0], v[1]) ? n : NULL;
	case F_NOW:
		time_lit(P, n, run_start());
		return n;
	default:
		(void)fn;
		return n;
	}
}

/* The arguments of a call after its '(', as many as the function takes,
 * into a call node with all of them in args (a and b the first two). */
static gp_enode *parse_args(parser *P, const tok *fn, int f, gp_span lp)
{
	const struct fninfo *fi = &fns[f];
	gp_enode **v = NULL;
	uint32_t n = 0;
	size_t cap = 0;
	unsigned depth = 0;
	while (P->lx.t.k != TK_RP || n > 0) {
		gp_enode *a;
		if (n == fi->max) {
			gp_lex_fail(&P->lx, P->lx.t.sp, "%s() takes %s", fi->name, fi->takes);
			return NULL;
		}
		if (!need_operand(P, lp) || !(a = parse_expr(P, PREC_NONE)))
			return NULL;
		if (!(v = gp_arena_grow(P->lx.ctx->arena, v, n, &cap, sizeof *v))) {
			gp_lex_fail(&P->lx, fn->sp, "out of memory");
			return NULL;
		}
		v[n++] = a;
		if (a->depth > depth)
			depth = a->depth;
		if (P->lx.t.k != TK_COMMA)
			break;
		if (n == fi->max) {
			gp_lex_fail(&P->lx, P->lx.t.sp, "%s() takes %s", fi->name, fi->takes);
			return NULL;
		}
		lp = P->lx.t.sp;
		gp_lex(&P->lx);
	}
	if (P->lx.t.k == TK_RP && n < fi->min) {
		gp_lex_fail(&P->lx, gp_lex_span(fn->sp.start, P->lx.t.sp.end), "%s() takes %s", fi->name, fi->takes);
		return NULL;
	}
	gp_enode *c = node(P, N_CALL, n ? v[0] : NULL, n > 1 ? v[1] : NULL, fn->sp);
	if (!c)
		return NULL;
	c->fn = (uint8_t)f;
	c->args = v;
	c->nargs = n;
	c->depth = (uint16_t)(depth + 1);
	return c;
}

/* An unknown function: the nearest name, or the list. */
static void unknown_function(parser *P, const tok *t)
{
	const char *s = P->lx.src + t->sp.start;
	size_t len = t->sp.end - t->sp.start;
	const char *best = NULL;
	size_t bd = 3;
	char b[100];
	for (size_t i = 0; i < NFN; i++) {
		size_t d = gp_strdist(s, len, fns[i].name, strlen(fns[i].name));
		if (d < bd)
			bd = d, best = fns[i].name;
	}
	if (best)
		gp_lex_fail(&P->lx, t->sp, "unknown function '%s' (did you mean '%s'?)",
			    gp_lex_text(&P->lx, t, b, sizeof b), best);
	else
		gp_lex_fail(&P->lx, t->sp,
			    "unknown function '%s' (functions: exists len lower upper num str int concat "
			    "substr abs round floor ceil if time bucket now)",
			    gp_lex_text(&P->lx, t, b, sizeof b));
}

/* NAME(...) with the current token the function's name. */
static gp_enode *parse_call(parser *P)
{
	tok t = P->lx.t;
	gp_enode *n;
	int f = fn_lookup(P->lx.src + t.sp.start, t.sp.end - t.sp.start);
	if (f < 0) {
		unknown_function(P, &t);
		return NULL;
	}
	gp_lex(&P->lx); /* '(' */
	gp_span lp = P->lx.t.sp;
	if (!nest_in(P))
		return NULL;
	gp_lex(&P->lx);
	if (!(n = parse_args(P, &t, f, lp)) || !close_paren(P, lp))
		return NULL;
	return finish_call(P, n, &t);
}
/* A literal: its value, read by the lexer. */
static gp_enode *parse_literal(parser *P)
{
	tok t = P->lx.t;
	gp_enode *n;
	gp_lex(&P->lx);
	if (!(n = node(P, N_LIT, NULL, NULL, t.sp)))
		return NULL;
	switch (t.k) {
	case TK_NUM: {
		n->lit = (val){ .t = V_NUM, .isint = t.isint, .i = t.i, .d = t.d };
		/* An integer beyond int64 keeps its digits: it compares exactly
		 * and prints as written. */
		gp_bigint bi;
		if (!t.isint && gp_bigint_parse(P->lx.src + t.sp.start, t.sp.end - t.sp.start, &bi))
			n->lit.p = P->lx.src + t.sp.start, n->lit.len = t.sp.end - t.sp.start;
		break;
	}
	case TK_STR:
		n->lit = (val){ .t = V_STR, .p = t.s, .len = t.len };
		n->map = t.map;
		break;
	case TK_TRUE:
	case TK_FALSE:
		n->lit = (val){ .t = V_BOOL, .b = t.k == TK_TRUE };
		break;
	default:
		n->lit = (val){ .t = V_NULL };
		break;
	}
	return n;
}

static gp_enode *parse_primary(parser *P)
{
	tok t = P->lx.t;
	char b[100];
	gp_enode *n;
	switch (t.k) {
	case TK_NUM:
	case TK_STR:
	case TK_TRUE:
	case TK_FALSE:
	case TK_NULL:
		return parse_literal(P);
	case TK_REF:
		if (!(n = node(P, N_REF, NULL, NULL, t.sp)) || !compile_ref(P, &t, &n->ref))
			return NULL;
		gp_lex(&P->lx);
		return n;
	case TK_FUNC:
		return parse_call(P);
	case TK_LP:
		if (!nest_in(P))
			return NULL;
		gp_lex(&P->lx);
		if (!need_operand(P, t.sp) || !(n = parse_expr(P, PREC_NONE)))
			return NULL;
		return close_paren(P, t.sp) ? n : NULL;
	case TK_END:
		gp_lex_fail(&P->lx, t.sp, "expected a value");
		return NULL;
	default:
		gp_lex_fail(&P->lx, t.sp, "expected a value, found '%s'", gp_lex_text(&P->lx, &t, b, sizeof b));
		return NULL;
	}
}

/* `not` or unary minus (op N_NOT or N_NEG) and its operand, which binds as
 * tightly as prec. */
static gp_enode *parse_prefix(parser *P, int op, int prec)
{
	tok t = P->lx.t;
	if (!nest_in(P))
		return NULL;
	gp_lex(&P->lx);
	if (!need_operand(P, t.sp))
		return NULL;
	gp_enode *a = parse_expr(P, prec);
	P->nest--;
	if (!a)
		return NULL;
	if (op == N_NEG && a->op == N_LIT && a->lit.t == V_NUM && a->lit.p)
		return neg_bigint(P, a, t.sp) ? a : NULL;
	return node(P, op, a, NULL, t.sp);
}

/* The right side of =~ and !~: a quoted regex, compiled now. */
static gp_enode *parse_match(parser *P, int op, gp_enode *a, const tok *t)
{
	tok r = P->lx.t;
	gp_enode *n;
	if (r.k != TK_STR) {
		char b[100];
		gp_lex_fail(&P->lx, r.sp, "the right side of '%s' must be a quoted regex: path =~ \"^/api\"",
			    op_text(P, t->sp, b, sizeof b));
		return NULL;
	}
	if (!(n = node(P, op, a, NULL, t->sp)) || !compile_regex(P, n, &r))
		return NULL;
	gp_lex(&P->lx);
	return n;
}

/* E between A and B, with E read and the current token A's first: A and
 * B bind as tightly as +, so `x between 1 and 5 and y` is (x between 1
 * and 5) and y. */
static gp_enode *parse_between(parser *P, gp_enode *e, const tok *t)
{
	gp_enode *lo = parse_expr(P, PREC_ADD), *hi, *n;
	if (!lo)
		return NULL;
	if (P->lx.t.k != TK_AND) {
		char b[100];
		gp_lex_fail(&P->lx, P->lx.t.k == TK_END ? t->sp : P->lx.t.sp,
			    "expected 'and' in 'between A and B', found '%s'", gp_lex_text(&P->lx, &P->lx.t, b, sizeof b));
		return NULL;
	}
	tok andt = P->lx.t;
	gp_lex(&P->lx);
	if (!need_operand(P, andt.sp) || !(hi = parse_expr(P, PREC_ADD)) || !(n = node(P, N_BETWEEN, e, lo, t->sp)))
		return NULL;
	n->c = hi;
	if (hi->depth + 1 > n->depth) {
		if (hi->depth + 1 > GP_EXPR_MAX_DEPTH) {
			gp_lex_fail(&P->lx, t->sp, "expression too deep (more than %d operations in a chain)",
				    GP_EXPR_MAX_DEPTH);
			return NULL;
		}
		n->depth = (uint16_t)(hi->depth + 1);
	}
	return compare_times(P, n) ? n : NULL;
}

/* An expression of operators that bind at least as tightly as min
 * (precedence climbing). An operator that follows what has been read binds
 * at most as tightly as top: after a + b, no tighter than + (a * would
 * have gone to b); after a comparison only and/or, since comparisons do
 * not chain; after `not x` only and/or too. So the trees and the errors
 * are those of one descent function per level. */
static gp_enode *parse_expr(parser *P, int min)
{
	if (P->lx.failed)
		return NULL;
	gp_enode *a;
	int top = PREC_NEG;
	if (P->lx.t.k == TK_NOT && min <= PREC_NOT) {
		a = parse_prefix(P, N_NOT, PREC_NOT);
		top = PREC_NOT - 1;
	} else if (P->lx.t.k == TK_MINUS) {
		a = parse_prefix(P, N_NEG, PREC_NEG);
	} else {
		a = parse_primary(P);
	}
	while (a) {
		const struct binop *o = &binops[P->lx.t.k];
		if (o->prec == PREC_NONE || o->prec < min || o->prec > top)
			break;
		tok t = P->lx.t;
		gp_lex(&P->lx);
		if (!need_operand(P, t.sp))
			return NULL;
		if (o->op == N_MATCH || o->op == N_NMATCH) {
			a = parse_match(P, o->op, a, &t);
		} else if (o->op == N_BETWEEN) {
			a = parse_between(P, a, &t);
		} else {
			gp_enode *b = parse_expr(P, o->prec + 1);
			if (!b)
				return NULL;
			a = node(P, o->op, a, b, t.sp);
			if (a && a->op >= N_EQ && a->op <= N_GE && !compare_times(P, a))
				return NULL;
		}
		top = o->prec;
		if (o->prec == PREC_CMP) {
			top = PREC_CMP - 1;
			if (a && P->lx.t.k >= TK_EQ && P->lx.t.k <= TK_NMATCH) {
				char b[100];
				gp_lex_fail(&P->lx, P->lx.t.sp,
					    "comparisons do not chain: use 'and' (a < b and b < c), found '%s'",
					    op_text(P, P->lx.t.sp, b, sizeof b));
				return NULL;
			}
		}
	}
	return a;
}

/* ---- the reader ---- */

gp_expr_reader *gp_expr_reader_open(gp_stage *st, const gp_args *args, size_t from)
{
	if (!st->ctx->expr) { /* no source text to read the expressions from */
		gp_fail(st->ctx, &st->span, "%s: no expression text", st->def->name);
		return NULL;
	}
	parser *P = gp_arena_alloc(st->ctx->arena, sizeof *P);
	if (!P) {
		gp_fail(st->ctx, &st->span, "%s: out of memory", st->def->name);
		return NULL;
	}
	P->st = st;
	P->args = args;
	P->prev = st->span;
	P->lx.ctx = st->ctx;
	P->lx.name = st->def->name;
	P->lx.src = st->ctx->expr;
	P->lx.end = args->n ? args->v[args->n - 1].span.end : st->span.end;
	P->lx.pos = from < args->n ? args->v[from].span.start : P->lx.end;
	gp_lex(&P->lx);
	return P->lx.failed ? NULL : P;
}

gp_enode *gp_expr_read(gp_expr_reader *P)
{
	if (!need_operand(P, P->prev))
		return NULL;
	return parse_expr(P, PREC_NONE);
}

bool gp_expr_read_word(gp_expr_reader *P, const char *w)
{
	const tok *t = &P->lx.t;
	size_t n = t->sp.end - t->sp.start;
	if (P->lx.failed || t->k != TK_REF || strlen(w) != n || memcmp(P->lx.src + t->sp.start, w, n) != 0)
		return false;
	P->prev = t->sp;
	gp_lex(&P->lx);
	return !P->lx.failed;
}

bool gp_expr_read_comma(gp_expr_reader *P)
{
	if (P->lx.failed || P->lx.t.k != TK_COMMA)
		return false;
	P->prev = P->lx.t.sp;
	gp_lex(&P->lx);
	return !P->lx.failed;
}

bool gp_expr_read_name(gp_expr_reader *P, const char **name, size_t *len)
{
	gp_fref r;
	if (P->lx.failed || P->lx.t.k != TK_REF || !compile_ref(P, &P->lx.t, &r))
		return false;
	if (r.kind != GP_REF_NAME || r.nseg > 1)
		return false;
	*name = r.name;
	*len = r.nlen;
	P->prev = P->lx.t.sp;
	gp_lex(&P->lx);
	return !P->lx.failed;
}

/* At the end, or (allow_comma) at a ',': else the error where gives. */
static bool at_end(parser *P, bool allow_comma)
{
	if (P->lx.failed)
		return false;
	if (P->lx.t.k == TK_END || (allow_comma && P->lx.t.k == TK_COMMA))
		return true;
	char b[100];
	if (P->lx.t.k == TK_ASSIGN)
		gp_lex_fail(&P->lx, P->lx.t.sp, "'=' assigns: compare with '=='");
	else if (P->lx.t.k == TK_RP)
		gp_lex_fail(&P->lx, P->lx.t.sp, "unexpected ')' without a matching '('");
	else
		gp_lex_fail(&P->lx, P->lx.t.sp, "expected an operator, found '%s'",
			    gp_lex_text(&P->lx, &P->lx.t, b, sizeof b));
	return false;
}

bool gp_expr_read_end(gp_expr_reader *P)
{
	return at_end(P, false);
}

size_t gp_expr_reader_arg(const gp_expr_reader *P)
{
	if (P->lx.t.k == TK_END)
		return P->args->n;
	size_t i = 0;
	while (i < P->args->n && P->args->v[i].span.end <= P->lx.t.sp.start)
		i++;
	return i;
}

gp_span gp_expr_reader_span(const gp_expr_reader *P)
{
	return P->lx.t.sp;
}

void gp_expr_reader_fail(gp_expr_reader *P, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	gp_lex_fail(&P->lx, P->lx.t.sp, "%s", msg);
}

const char *gp_expr_reader_text(const gp_expr_reader *P, char *buf, size_t cap)
{
	return gp_lex_text(&P->lx, &P->lx.t, buf, cap);
}

/* ---- where and set ---- */

static parser *open_all(gp_stage *st, const gp_args *args)
{
	const char *name = st->def->name;
	if (args->n == 0 || !st->ctx->expr) {
		gp_fail(st->ctx, &st->span, "%s: missing %s", name, strcmp(name, "set") == 0 ? "NAME = EXPR" : "EXPR");
		return NULL;
	}
	return gp_expr_reader_open(st, args, 0);
}

gp_enode *gp_expr_compile(gp_stage *st, const gp_args *args)
{
	parser *P = open_all(st, args);
	gp_enode *e;
	if (!P || !(e = gp_expr_read(P)) || !at_end(P, false))
		return NULL;
	return e;
}

/* NAME of NAME = EXPR, a top-level field. */
static bool assign_target(parser *P, gp_fref *r)
{
	tok t = P->lx.t;
	char b[100];
	if (t.k != TK_REF) {
		gp_lex_fail(&P->lx, t.sp, "expected a field name to assign, found '%s'",
			    gp_lex_text(&P->lx, &t, b, sizeof b));
		return false;
	}
	if (!compile_ref(P, &t, r))
		return false;
	if (r->kind != GP_REF_NAME || r->nseg > 1) {
		bool path = r->kind == GP_REF_NAME;
		gp_lex_fail(&P->lx, t.sp,
			    path ? "cannot assign into a path ('%s'): name a top-level field, or write ${a.b}"
				 : "cannot assign to '%s': name a field",
			    gp_lex_text(&P->lx, &t, b, sizeof b));
		return false;
	}
	gp_lex(&P->lx);
	if (P->lx.t.k != TK_ASSIGN) {
		if (P->lx.t.k == TK_EQ)
			gp_lex_fail(&P->lx, P->lx.t.sp, "assign with '=', not '=='");
		else
			gp_lex_fail(&P->lx, P->lx.t.k == TK_END ? t.sp : P->lx.t.sp, "expected '=' after the field name");
		return false;
	}
	P->prev = P->lx.t.sp;
	gp_lex(&P->lx);
	return true;
}

int gp_expr_compile_set(gp_stage *st, const gp_args *args, gp_assign **out, size_t *nout)
{
	parser *P = open_all(st, args);
	if (!P)
		return -1;
	size_t cap = 0, n = 0;
	gp_assign *v = NULL;
	for (;;) {
		gp_span at = P->lx.t.sp;
		gp_fref r;
		gp_enode *e;
		if (!(v = gp_arena_grow(st->ctx->arena, v, n, &cap, sizeof *v))) {
			gp_lex_fail(&P->lx, at, "out of memory");
			return -1;
		}
		if (!assign_target(P, &r) || !(e = gp_expr_read(P)) || !at_end(P, true))
			return -1;
		v[n++] = (gp_assign){ r.name, r.nlen, e };
		if (P->lx.t.k == TK_END)
			break;
		gp_span comma = P->lx.t.sp;
		gp_lex(&P->lx);
		if (P->lx.t.k == TK_END) {
			gp_lex_fail(&P->lx, comma, "expected another NAME = EXPR after ','");
			return -1;
		}
	}
	*out = v;
	*nout = n;
	return 0;
}
