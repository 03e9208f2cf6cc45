/* The expression language of where and set (see eval.h).
 *
 * Lexer and recursive-descent parser over the stage's source slice; the
 * parser's recursion is bounded (MAX_NEST levels of parentheses, `not`,
 * unary minus and calls) and so is the depth of the tree (MAX_DEPTH, which
 * bounds the evaluator's recursion too). */
#include "eval.h"

#include <errno.h>
#include <math.h> /* isfinite: a macro, no libm */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../match/rx.h"

#define MAX_NEST 256
#define MAX_DEPTH 1024

/* ---- numbers ---- */

typedef struct unit {
	const char *s;
	double mul; /* > 0: multiply; < 0: divide by -mul */
	bool exact; /* an integer times an integer stays an integer */
} unit;

static const unit units[] = {
	{ "ns", -1e9, false }, { "us", -1e6, false }, { "ms", -1e3, false },
	{ "s", 1, true },      { "m", 60, true },      { "h", 3600, true },
	{ "d", 86400, true },  { "B", 1, true },       { "K", 1024.0, true },
	{ "KB", 1024.0, true }, { "KiB", 1024.0, true }, { "M", 1048576.0, true },
	{ "MB", 1048576.0, true }, { "MiB", 1048576.0, true }, { "G", 1073741824.0, true },
	{ "GB", 1073741824.0, true }, { "GiB", 1073741824.0, true },
	{ "T", 1099511627776.0, true }, { "TB", 1099511627776.0, true },
	{ "TiB", 1099511627776.0, true },
};

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool gp_num_parse(const char *p, size_t len, bool *isint, int64_t *i, double *d)
{
	const char *e = p + len;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	const char *s = p;
	bool neg = false;
	if (p < e && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	uint64_t v = 0;
	int nd = 0;
	while (p < e && is_digit(*p)) {
		if (nd < 19)
			v = v * 10 + (uint64_t)(*p - '0');
		nd++;
		p++;
	}
	bool frac = false, expo = false;
	int nfd = 0;
	uint64_t m = v; /* all digits, for the exact fast path below */
	if (p < e && *p == '.') {
		frac = true;
		p++;
		while (p < e && is_digit(*p)) {
			if (nd + nfd < 19)
				m = m * 10 + (uint64_t)(*p - '0');
			p++, nfd++;
		}
	}
	if (nd + nfd == 0)
		return false;
	if (p < e && (*p == 'e' || *p == 'E')) {
		const char *q = p + 1;
		if (q < e && (*q == '+' || *q == '-'))
			q++;
		if (q < e && is_digit(*q)) {
			while (q < e && is_digit(*q))
				q++;
			p = q;
			expo = true;
		}
	}
	const char *numend = p;
	const unit *u = NULL;
	if (p < e) {
		size_t ul = (size_t)(e - p);
		for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
			if (strlen(units[k].s) == ul && memcmp(units[k].s, p, ul) == 0)
				u = &units[k];
		if (!u)
			return false;
	}
	bool in = !frac && !expo && nd <= 18;
	int64_t iv = 0;
	double dv;
	static const double p10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
				      1e11, 1e12, 1e13, 1e14, 1e15 };
	if (in) {
		iv = neg ? -(int64_t)v : (int64_t)v;
		dv = (double)iv;
	} else if (frac && !expo && nd + nfd <= 15) {
		/* Both exact doubles, and IEEE division rounds correctly: the
		 * same value strtod gives (Clinger's fast path). */
		dv = (double)m / p10[nfd];
		if (neg)
			dv = -dv;
	} else {
		char buf[352];
		size_t n = (size_t)(numend - s);
		if (n >= sizeof buf)
			return false;
		memcpy(buf, s, n);
		buf[n] = '\0';
		dv = strtod(buf, NULL);
		/* 19-digit integers that fit int64 stay exact. */
		if (!frac && !expo && nd == 19) {
			errno = 0;
			long long ll = strtoll(buf, NULL, 10);
			if (errno == 0) {
				in = true;
				iv = ll;
			}
		}
	}
	if (u) {
		if (in && u->exact) {
			int64_t mul = (int64_t)u->mul, r;
			if (!__builtin_mul_overflow(iv, mul, &r)) {
				*isint = true;
				*i = r;
				*d = (double)r;
				return true;
			}
		}
		dv = u->mul > 0 ? dv * u->mul : dv / -u->mul;
		in = false;
	}
	*isint = in;
	*i = iv;
	*d = in ? (double)iv : dv;
	return true;
}

size_t gp_num_format(char *buf, bool isint, int64_t i, double d)
{
	if (isint)
		return (size_t)snprintf(buf, 32, "%lld", (long long)i);
	int n = 0;
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, 32, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return (size_t)n;
}

/* ---- exact integers ----
 *
 * An integer written in digits, of any length, compares exactly: as text
 * (sign, then the number of digits without leading zeros, then the digits),
 * so 100000000000000000000 != 99999999999999999999 although both are the
 * same double; and against a fraction exactly too (bigint_dbl_cmp). */

typedef struct bigint {
	bool neg;
	const char *d; /* digits, leading zeros skipped */
	size_t n;      /* 0 for zero */
} bigint;

/* p[0..len) as an integer: blanks around, an optional sign, digits. */
static bool as_bigint(const char *p, size_t len, bigint *out)
{
	const char *e = p + len;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	bool neg = false;
	if (p < e && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (p == e)
		return false;
	for (const char *q = p; q < e; q++)
		if (!is_digit(*q))
			return false;
	while (p < e && *p == '0')
		p++;
	*out = (bigint){ .neg = neg && p < e, .d = p, .n = (size_t)(e - p) }; /* -0 is 0 */
	return true;
}

static int bigint_cmp(const bigint *a, const bigint *b)
{
	if (a->neg != b->neg)
		return a->neg ? -1 : 1;
	int c = a->n != b->n ? (a->n < b->n ? -1 : 1) : a->n ? memcmp(a->d, b->d, a->n) : 0;
	c = c < 0 ? -1 : c > 0;
	return a->neg ? -c : c;
}

static bool bigint_i64(const bigint *a, int64_t *out)
{
	if (a->n > 19)
		return false;
	uint64_t v = 0;
	for (size_t k = 0; k < a->n; k++)
		v = v * 10 + (uint64_t)(a->d[k] - '0'); /* < 10^19 < 2^64 */
	if (v > (uint64_t)INT64_MAX + a->neg)
		return false;
	*out = !a->neg ? (int64_t)v : v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	return true;
}

/* An int64 against a double without rounding the integer: -1/0/1, 2 for NaN. */
static int i64_dbl_cmp(int64_t i, double d)
{
	if (d != d)
		return 2;
	if (d >= 9223372036854775808.0)
		return -1;
	if (d < -9223372036854775808.0)
		return 1;
	int64_t t = (int64_t)d; /* towards zero; exact, |d| < 2^63 */
	if (i != t)
		return i < t ? -1 : 1;
	double f = d - (double)t; /* the fraction, exact */
	return f > 0 ? -1 : f < 0;
}

/* An integer of any length against a double, exactly: a double of 2^63 or
 * more is a whole number, written out in full (glibc prints every digit);
 * below that, an integer too long for int64 is the larger in magnitude. */
static int bigint_dbl_cmp(const bigint *a, double d)
{
	if (d != d)
		return 2;
	if (!isfinite(d))
		return d > 0 ? -1 : 1;
	int64_t i;
	if (d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
		char buf[320];
		bigint b;
		int k = snprintf(buf, sizeof buf, "%.0f", d);
		if (k <= 0 || (size_t)k >= sizeof buf || !as_bigint(buf, (size_t)k, &b))
			return 2;
		return bigint_cmp(a, &b);
	}
	if (bigint_i64(a, &i))
		return i64_dbl_cmp(i, d);
	return a->neg ? -1 : 1;
}

/* ---- values ---- */

enum vt { V_MISSING, V_NULL, V_BOOL, V_NUM, V_STR, V_RAW };

typedef struct val {
	uint8_t t;
	bool isint;
	bool esc;    /* V_STR: a JSON string body with escapes not decoded */
	bool field;  /* V_STR from a field: numeric text counts as a number */
	bool b;
	uint8_t jk;  /* V_RAW: GP_K_OBJ or GP_K_ARR */
	int64_t i;
	double d;
	const char *p; /* V_STR/V_RAW text; V_NUM: source text or NULL */
	size_t len;
} val;

/* ---- the tree ---- */

enum op {
	N_LIT, N_REF, N_EXISTS, N_CALL, N_NOT, N_NEG, N_AND, N_OR,
	N_EQ, N_NE, N_LT, N_LE, N_GT, N_GE, N_MATCH, N_NMATCH,
	N_CONTAINS, N_STARTS, N_ENDS, N_ADD, N_SUB, N_MUL, N_DIV, N_MOD,
};

enum fn { F_LEN, F_LOWER, F_UPPER, F_NUM, F_STR, F_INT, F_EXISTS, F_CONCAT };

static const char *const fn_names[] = { "len", "lower", "upper", "num", "str", "int", "exists", "concat" };
#define NFN (sizeof fn_names / sizeof fn_names[0])

struct gp_enode {
	uint8_t op, fn;
	uint16_t depth;
	gp_enode *a, *b;
	gp_enode **args; /* concat(): all the arguments, a is args[0] */
	uint32_t nargs;
	val lit;
	gp_fref ref;
	gp_rx rx; /* =~ and !~ */
};

/* ---- lexer ---- */

enum tk {
	TK_END, TK_NUM, TK_STR, TK_REF, TK_FUNC, TK_TRUE, TK_FALSE, TK_NULL,
	TK_AND, TK_OR, TK_NOT, TK_CONTAINS, TK_STARTS, TK_ENDS,
	TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE, TK_MATCH, TK_NMATCH,
	TK_PLUS, TK_MINUS, TK_MUL, TK_DIV, TK_MOD, TK_LP, TK_RP, TK_COMMA, TK_ASSIGN,
};

typedef struct tok {
	int k;
	gp_span sp;
	char *s;         /* TK_STR: decoded (arena) */
	size_t len;
	uint32_t *map;   /* TK_STR: source offset of each decoded byte */
	bool isint;
	int64_t i;
	double d;
} tok;

typedef struct parser {
	gp_stage *st;
	gp_ctx *ctx;
	const char *name; /* stage name, for messages */
	const char *src;
	uint32_t pos, end;
	tok t;        /* current token */
	int nest;
	bool failed;
} parser;

static void perr(parser *P, gp_span sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void perr(parser *P, gp_span sp, const char *fmt, ...)
{
	if (P->failed)
		return;
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	gp_fail(P->ctx, &sp, "%s: %s", P->name, msg);
	P->failed = true;
}

static gp_span span(uint32_t s, uint32_t e)
{
	return (gp_span){ s, e > s ? e : s + 1 };
}

/* The text of a token for messages (escaped, shortened). */
static const char *tok_text(parser *P, const tok *t, char *buf, size_t cap)
{
	if (t->k == TK_END)
		return "end of expression";
	size_t n = t->sp.end - t->sp.start;
	if (n > 40)
		n = 40;
	gp_escape(buf, cap, P->src + t->sp.start, n);
	return buf;
}

static bool ref_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '_' || c == '@';
}

/* The rest of a field path from q: .name, .${any text} and [N] (gp_fref_parse
 * reads it; an unclosed ${ runs to the end, for it to report). */
static uint32_t path_tail(const char *s, uint32_t q, uint32_t end)
{
	while (q < end) {
		if (s[q] == '.' && q + 1 < end && ref_char(s[q + 1])) {
			q++;
			while (q < end && ref_char(s[q]))
				q++;
		} else if (s[q] == '.' && q + 2 < end && s[q + 1] == '$' && s[q + 2] == '{') {
			size_t e = gp_fref_brace_end(s + q + 1, end - q - 1);
			if (!e)
				return end;
			q += 1 + (uint32_t)e;
		} else if (s[q] == '[') {
			uint32_t r = q + 1;
			if (r < end && s[r] == '-')
				r++;
			while (r < end && is_digit(s[r]))
				r++;
			if (r < end && s[r] == ']')
				q = r + 1;
			else
				break;
		} else {
			break;
		}
	}
	return q;
}

static void lex(parser *P)
{
	const char *s = P->src;
	uint32_t p = P->pos, end = P->end;
	while (p < end && (s[p] == ' ' || s[p] == '\t' || s[p] == '\r' || s[p] == '\n'))
		p++;
	tok *t = &P->t;
	memset(t, 0, sizeof *t);
	t->sp = span(p, p + 1);
	if (p >= end) {
		t->k = TK_END;
		t->sp = span(end, end + 1);
		P->pos = p;
		return;
	}
	char c = s[p];
	uint32_t q = p;
	if (is_digit(c) || (c == '.' && p + 1 < end && is_digit(s[p + 1]))) {
		while (q < end && (is_digit(s[q]) || is_alpha(s[q]) || s[q] == '.' ||
				   ((s[q] == '+' || s[q] == '-') && (s[q - 1] == 'e' || s[q - 1] == 'E') &&
				    q + 1 < end && is_digit(s[q + 1]))))
			q++;
		t->k = TK_NUM;
		t->sp = span(p, q);
		if (!gp_num_parse(s + p, q - p, &t->isint, &t->i, &t->d)) {
			char b[200];
			perr(P, t->sp, "invalid number '%s' (units: ns us ms s m h d, B K KB KiB M MB MiB G GB GiB T TB TiB)",
			     tok_text(P, t, b, sizeof b));
		} else if (!isfinite(t->d)) {
			char b[200];
			perr(P, t->sp, "number out of range '%s' (the largest is about 1.8e308)",
			     tok_text(P, t, b, sizeof b));
		}
		P->pos = q;
		return;
	}
	if (c == '"' || c == '\'') {
		/* Sized by the string itself, not by the rest of the expression:
		 * many strings in one expression cost what they hold. A backslash
		 * in double quotes never ends it (the decoding below agrees). */
		size_t close = p + 1;
		while (close < end && s[close] != c)
			close += c == '"' && s[close] == '\\' && close + 1 < end ? 2 : 1;
		size_t cap = (close < end ? close : end) - p;
		t->s = gp_arena_alloc(P->ctx->arena, cap + 1);
		t->map = gp_arena_alloc(P->ctx->arena, (cap + 1) * sizeof *t->map);
		if (!t->s || !t->map) {
			perr(P, t->sp, "out of memory");
			return;
		}
		size_t n = 0;
		q = p + 1;
		for (;;) {
			if (q >= end) {
				perr(P, span(p, p + 1), "unterminated %s quote", c == '\'' ? "single" : "double");
				return;
			}
			char d = s[q];
			if (d == c) {
				q++;
				break;
			}
			if (c == '"' && d == '\\' && q + 1 < end) {
				char e = s[q + 1], o = 0;
				switch (e) {
				case '"': o = '"'; break;
				case '\\': o = '\\'; break;
				case 'n': o = '\n'; break;
				case 't': o = '\t'; break;
				case 'r': o = '\r'; break;
				default: break;
				}
				if (o) {
					t->map[n] = q;
					t->s[n++] = o;
					q += 2;
					continue;
				}
			}
			t->map[n] = q;
			t->s[n++] = d;
			q++;
		}
		t->s[n] = '\0';
		t->map[n] = q - 1;
		t->len = n;
		t->k = TK_STR;
		t->sp = span(p, q);
		P->pos = q;
		return;
	}
	if (c == '$') {
		q = p + 1;
		if (q < end && s[q] == '{') {
			size_t e = gp_fref_brace_end(s + p, end - p);
			if (!e) {
				perr(P, span(p, p + 2), "'${' without a closing '}'");
				return;
			}
			q = path_tail(s, p + (uint32_t)e, end);
		} else {
			while (q < end && ref_char(s[q]))
				q++;
		}
		t->k = TK_REF;
		t->sp = span(p, q);
		P->pos = q;
		return;
	}
	if (is_alpha(c) || c == '_' || c == '@') {
		while (q < end && ref_char(s[q]))
			q++;
		q = path_tail(s, q, end);
		t->sp = span(p, q);
		P->pos = q;
		size_t n = q - p;
		static const struct { const char *w; int k; } kw[] = {
			{ "and", TK_AND }, { "or", TK_OR }, { "not", TK_NOT }, { "contains", TK_CONTAINS },
			{ "startswith", TK_STARTS }, { "endswith", TK_ENDS }, { "true", TK_TRUE },
			{ "false", TK_FALSE }, { "null", TK_NULL },
		};
		t->k = TK_REF;
		for (size_t k = 0; k < sizeof kw / sizeof kw[0]; k++)
			if (strlen(kw[k].w) == n && memcmp(kw[k].w, s + p, n) == 0)
				t->k = kw[k].k;
		if (t->k == TK_REF) {
			uint32_t r = q;
			while (r < end && (s[r] == ' ' || s[r] == '\t'))
				r++;
			if (r < end && s[r] == '(')
				t->k = TK_FUNC;
		}
		return;
	}
	char n1 = p + 1 < end ? s[p + 1] : 0;
	int k = -1, w = 1;
	switch (c) {
	case '=': k = n1 == '=' ? (w = 2, TK_EQ) : n1 == '~' ? (w = 2, TK_MATCH) : TK_ASSIGN; break;
	case '!': k = n1 == '=' ? (w = 2, TK_NE) : n1 == '~' ? (w = 2, TK_NMATCH) : TK_NOT; break;
	case '<': k = n1 == '=' ? (w = 2, TK_LE) : TK_LT; break;
	case '>': k = n1 == '=' ? (w = 2, TK_GE) : TK_GT; break;
	case '&':
		if (n1 == '&')
			k = TK_AND, w = 2;
		break;
	case '+': k = TK_PLUS; break;
	case '-': k = TK_MINUS; break;
	case '*': k = TK_MUL; break;
	case '/': k = TK_DIV; break;
	case '%': k = TK_MOD; break;
	case '(': k = TK_LP; break;
	case ')': k = TK_RP; break;
	case ',': k = TK_COMMA; break;
	default: break;
	}
	if (k < 0) {
		char b[64];
		t->sp = span(p, p + 1);
		gp_escape(b, sizeof b, s + p, 1);
		perr(P, t->sp, "unexpected character '%s'%s", b,
		     c == '&' ? " (did you mean 'and'?)" : "");
		return;
	}
	/* A comparison operator run on with more of =<>~ is no operator. */
	if (k == TK_EQ || k == TK_NE || k == TK_LT || k == TK_LE || k == TK_GT || k == TK_GE ||
	    k == TK_MATCH || k == TK_NMATCH || k == TK_ASSIGN) {
		uint32_t r = p + (uint32_t)w;
		while (r < end && (s[r] == '=' || s[r] == '<' || s[r] == '>' || s[r] == '~'))
			r++;
		if (r > p + (uint32_t)w) {
			char b[64];
			size_t n = r - p < 12 ? r - p : 12;
			gp_escape(b, sizeof b, s + p, n);
			perr(P, span(p, r), "unknown operator '%s'", b);
			return;
		}
	}
	t->k = k;
	t->sp = span(p, p + (uint32_t)w);
	P->pos = p + (uint32_t)w;
}

/* ---- parser ---- */

static gp_enode *node(parser *P, int op, gp_enode *a, gp_enode *b, gp_span sp)
{
	if (P->failed)
		return NULL;
	gp_enode *n = gp_arena_alloc(P->ctx->arena, sizeof *n);
	if (!n) {
		perr(P, sp, "out of memory");
		return NULL;
	}
	memset(n, 0, sizeof *n);
	n->op = (uint8_t)op;
	n->a = a;
	n->b = b;
	unsigned d = 0;
	if (a && a->depth > d)
		d = a->depth;
	if (b && b->depth > d)
		d = b->depth;
	if (d + 1 > MAX_DEPTH) {
		perr(P, sp, "expression too deep (more than %d operations in a chain)", MAX_DEPTH);
		return NULL;
	}
	n->depth = (uint16_t)(d + 1);
	return n;
}

static gp_enode *parse_or(parser *P);

static const char *op_text(parser *P, gp_span sp, char *b, size_t cap)
{
	size_t n = sp.end - sp.start;
	if (n > 20)
		n = 20;
	gp_escape(b, cap, P->src + sp.start, n);
	return b;
}

/* A value must follow the operator whose span is opsp. */
static bool need_operand(parser *P, gp_span opsp)
{
	int k = P->t.k;
	if (P->failed)
		return false;
	if (k == TK_NUM || k == TK_STR || k == TK_REF || k == TK_FUNC || k == TK_TRUE ||
	    k == TK_FALSE || k == TK_NULL || k == TK_LP || k == TK_MINUS || k == TK_NOT)
		return true;
	char b[100];
	perr(P, opsp, "expected a value after '%s'", op_text(P, opsp, b, sizeof b));
	return false;
}

static bool nest_in(parser *P)
{
	if (++P->nest > MAX_NEST) {
		perr(P, P->t.sp, "expression nested too deeply (more than %d levels)", MAX_NEST);
		return false;
	}
	return true;
}

static int fn_lookup(const char *s, size_t n)
{
	for (size_t i = 0; i < NFN; i++)
		if (strlen(fn_names[i]) == n && memcmp(fn_names[i], s, n) == 0)
			return (int)i;
	return -1;
}

static size_t edit_distance(const char *a, size_t n, const char *b, size_t m)
{
	size_t row[32];
	if (n >= 31 || m >= 31)
		return 99;
	for (size_t j = 0; j <= m; j++)
		row[j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t cur = row[j];
			size_t best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[m];
}

static bool compile_ref(parser *P, const tok *t, gp_fref *out)
{
	char err[160];
	size_t bad = 0;
	const char *s = P->src + t->sp.start;
	size_t n = t->sp.end - t->sp.start;
	if (gp_fref_parse(P->ctx->arena, s, n, out, err, sizeof err, &bad) != 0) {
		perr(P, span(t->sp.start + (uint32_t)bad, t->sp.start + (uint32_t)bad + 1), "%s", err);
		return false;
	}
	if (out->kind == GP_REF_LINE)
		P->ctx->need_lineno = true;
	return true;
}

/* The arguments of concat(a, b, ...), one or more, after its '(': a call
 * node with all of them in args (the arena copy grows by doubling). */
/* -LITERAL of an integer kept as digits: the digits negated, so that
 * -99999999999999999999 stays exact. */
static bool neg_bigint(parser *P, gp_enode *a, gp_span sp)
{
	val *v = &a->lit;
	char *t = gp_arena_alloc(P->ctx->arena, v->len + 1);
	if (!t) {
		perr(P, sp, "out of memory");
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

static gp_enode *parse_args(parser *P, const tok *fn, gp_span lp)
{
	if (P->t.k == TK_RP) {
		perr(P, span(fn->sp.start, P->t.sp.end), "%s() takes one argument or more", fn_names[F_CONCAT]);
		return NULL;
	}
	gp_enode **v = NULL;
	uint32_t n = 0, cap = 0;
	unsigned depth = 0;
	for (;;) {
		gp_enode *a;
		if (!need_operand(P, lp) || !(a = parse_or(P)))
			return NULL;
		if (n == cap) {
			cap = cap ? 2 * cap : 4;
			gp_enode **nv = gp_arena_alloc(P->ctx->arena, cap * sizeof *nv);
			if (!nv) {
				perr(P, fn->sp, "out of memory");
				return NULL;
			}
			if (n)
				memcpy(nv, v, n * sizeof *v);
			v = nv;
		}
		v[n++] = a;
		if (a->depth > depth)
			depth = a->depth;
		if (P->t.k != TK_COMMA)
			break;
		lp = P->t.sp;
		lex(P);
	}
	gp_enode *c = node(P, N_CALL, v[0], NULL, fn->sp);
	if (!c)
		return NULL;
	c->fn = F_CONCAT;
	c->args = v;
	c->nargs = n;
	c->depth = (uint16_t)(depth + 1);
	return c;
}

static gp_enode *parse_primary(parser *P)
{
	tok t = P->t;
	char b[100];
	gp_enode *n;
	switch (t.k) {
	case TK_NUM:
		lex(P);
		if (!(n = node(P, N_LIT, NULL, NULL, t.sp)))
			return NULL;
		n->lit = (val){ .t = V_NUM, .isint = t.isint, .i = t.i, .d = t.d };
		/* An integer beyond int64 keeps its digits: it compares exactly
		 * and prints as written. */
		bigint bi;
		if (!t.isint && as_bigint(P->src + t.sp.start, t.sp.end - t.sp.start, &bi))
			n->lit.p = P->src + t.sp.start, n->lit.len = t.sp.end - t.sp.start;
		return n;
	case TK_STR:
		lex(P);
		if (!(n = node(P, N_LIT, NULL, NULL, t.sp)))
			return NULL;
		n->lit = (val){ .t = V_STR, .p = t.s, .len = t.len };
		return n;
	case TK_TRUE:
	case TK_FALSE:
		lex(P);
		if (!(n = node(P, N_LIT, NULL, NULL, t.sp)))
			return NULL;
		n->lit = (val){ .t = V_BOOL, .b = t.k == TK_TRUE };
		return n;
	case TK_NULL:
		lex(P);
		if (!(n = node(P, N_LIT, NULL, NULL, t.sp)))
			return NULL;
		n->lit = (val){ .t = V_NULL };
		return n;
	case TK_REF:
		if (!(n = node(P, N_REF, NULL, NULL, t.sp)) || !compile_ref(P, &t, &n->ref))
			return NULL;
		lex(P);
		return n;
	case TK_FUNC: {
		const char *s = P->src + t.sp.start;
		size_t len = t.sp.end - t.sp.start;
		int f = fn_lookup(s, len);
		if (f < 0) {
			const char *best = NULL;
			size_t bd = 3;
			for (size_t i = 0; i < NFN; i++) {
				size_t d = edit_distance(s, len, fn_names[i], strlen(fn_names[i]));
				if (d < bd)
					bd = d, best = fn_names[i];
			}
			if (best)
				perr(P, t.sp, "unknown function '%s' (did you mean '%s'?)", tok_text(P, &t, b, sizeof b), best);
			else
				perr(P, t.sp, "unknown function '%s' (functions: exists len lower upper num str int concat)",
				     tok_text(P, &t, b, sizeof b));
			return NULL;
		}
		lex(P); /* '(' */
		gp_span lp = P->t.sp;
		if (!nest_in(P))
			return NULL;
		lex(P);
		gp_enode *arg = NULL;
		if (f == F_EXISTS) {
			if (P->t.k != TK_REF) {
				perr(P, P->t.k == TK_END ? lp : P->t.sp, "exists() takes a field name: exists(user.id)");
				return NULL;
			}
			if (!(n = node(P, N_EXISTS, NULL, NULL, t.sp)) || !compile_ref(P, &P->t, &n->ref))
				return NULL;
			lex(P);
		} else if (f == F_CONCAT) {
			if (!(n = parse_args(P, &t, lp)))
				return NULL;
		} else {
			if (P->t.k == TK_RP) {
				perr(P, span(t.sp.start, P->t.sp.end), "%s() takes one argument", fn_names[f]);
				return NULL;
			}
			if (!need_operand(P, lp) || !(arg = parse_or(P)))
				return NULL;
			if (!(n = node(P, N_CALL, arg, NULL, t.sp)))
				return NULL;
			n->fn = (uint8_t)f;
		}
		if (P->t.k == TK_COMMA) {
			perr(P, P->t.sp, "%s() takes one argument", fn_names[f]);
			return NULL;
		}
		if (P->t.k != TK_RP) {
			if (P->t.k == TK_END)
				perr(P, lp, "'(' without a closing ')'");
			else
				perr(P, P->t.sp, "expected ')', found '%s'", tok_text(P, &P->t, b, sizeof b));
			return NULL;
		}
		P->nest--;
		lex(P);
		return n;
	}
	case TK_LP: {
		if (!nest_in(P))
			return NULL;
		lex(P);
		if (!need_operand(P, t.sp))
			return NULL;
		n = parse_or(P);
		if (!n)
			return NULL;
		if (P->t.k != TK_RP) {
			if (P->t.k == TK_END)
				perr(P, t.sp, "'(' without a closing ')'");
			else
				perr(P, P->t.sp, "expected ')', found '%s'", tok_text(P, &P->t, b, sizeof b));
			return NULL;
		}
		P->nest--;
		lex(P);
		return n;
	}
	case TK_END:
		perr(P, t.sp, "expected a value");
		return NULL;
	default:
		perr(P, t.sp, "expected a value, found '%s'", tok_text(P, &t, b, sizeof b));
		return NULL;
	}
}

static gp_enode *parse_unary(parser *P)
{
	if (P->failed)
		return NULL;
	if (P->t.k == TK_MINUS) {
		tok t = P->t;
		if (!nest_in(P))
			return NULL;
		lex(P);
		if (!need_operand(P, t.sp))
			return NULL;
		gp_enode *a = parse_unary(P);
		P->nest--;
		if (!a)
			return NULL;
		if (a->op == N_LIT && a->lit.t == V_NUM && a->lit.p)
			return neg_bigint(P, a, t.sp) ? a : NULL;
		return node(P, N_NEG, a, NULL, t.sp);
	}
	return parse_primary(P);
}

static gp_enode *parse_mul(parser *P)
{
	gp_enode *a = parse_unary(P);
	while (a && (P->t.k == TK_MUL || P->t.k == TK_DIV || P->t.k == TK_MOD)) {
		tok t = P->t;
		lex(P);
		if (!need_operand(P, t.sp))
			return NULL;
		gp_enode *b = parse_unary(P);
		if (!b)
			return NULL;
		a = node(P, t.k == TK_MUL ? N_MUL : t.k == TK_DIV ? N_DIV : N_MOD, a, b, t.sp);
	}
	return a;
}

static gp_enode *parse_add(parser *P)
{
	gp_enode *a = parse_mul(P);
	while (a && (P->t.k == TK_PLUS || P->t.k == TK_MINUS)) {
		tok t = P->t;
		lex(P);
		if (!need_operand(P, t.sp))
			return NULL;
		gp_enode *b = parse_mul(P);
		if (!b)
			return NULL;
		a = node(P, t.k == TK_PLUS ? N_ADD : N_SUB, a, b, t.sp);
	}
	return a;
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
		perr(P, span(so, so + 1), "invalid regex '%s': %s", b, msg);
		return false;
	}
	return true;
}

static gp_enode *parse_cmp(parser *P)
{
	gp_enode *a = parse_add(P);
	if (!a)
		return NULL;
	int op;
	switch (P->t.k) {
	case TK_EQ: op = N_EQ; break;
	case TK_NE: op = N_NE; break;
	case TK_LT: op = N_LT; break;
	case TK_LE: op = N_LE; break;
	case TK_GT: op = N_GT; break;
	case TK_GE: op = N_GE; break;
	case TK_MATCH: op = N_MATCH; break;
	case TK_NMATCH: op = N_NMATCH; break;
	case TK_CONTAINS: op = N_CONTAINS; break;
	case TK_STARTS: op = N_STARTS; break;
	case TK_ENDS: op = N_ENDS; break;
	default: return a;
	}
	tok t = P->t;
	lex(P);
	if (!need_operand(P, t.sp))
		return NULL;
	gp_enode *n;
	if (op == N_MATCH || op == N_NMATCH) {
		tok r = P->t;
		if (r.k != TK_STR) {
			char b[100];
			perr(P, r.sp, "the right side of '%s' must be a quoted regex: path =~ \"^/api\"",
			     op_text(P, t.sp, b, sizeof b));
			return NULL;
		}
		if (!(n = node(P, op, a, NULL, t.sp)) || !compile_regex(P, n, &r))
			return NULL;
		lex(P);
	} else {
		gp_enode *b = parse_add(P);
		if (!b || !(n = node(P, op, a, b, t.sp)))
			return NULL;
	}
	if (P->t.k >= TK_EQ && P->t.k <= TK_NMATCH) {
		char b[100];
		perr(P, P->t.sp, "comparisons do not chain: use 'and' (a < b and b < c), found '%s'",
		     op_text(P, P->t.sp, b, sizeof b));
		return NULL;
	}
	return n;
}

/* not binds looser than comparisons: not a == 1 is not (a == 1). */
static gp_enode *parse_not(parser *P)
{
	if (P->t.k != TK_NOT)
		return parse_cmp(P);
	tok t = P->t;
	if (!nest_in(P))
		return NULL;
	lex(P);
	if (!need_operand(P, t.sp))
		return NULL;
	gp_enode *a = parse_not(P);
	P->nest--;
	if (!a)
		return NULL;
	return node(P, N_NOT, a, NULL, t.sp);
}

static gp_enode *parse_and(parser *P)
{
	gp_enode *a = parse_not(P);
	while (a && P->t.k == TK_AND) {
		tok t = P->t;
		lex(P);
		if (!need_operand(P, t.sp))
			return NULL;
		gp_enode *b = parse_not(P);
		if (!b)
			return NULL;
		a = node(P, N_AND, a, b, t.sp);
	}
	return a;
}

static gp_enode *parse_or(parser *P)
{
	gp_enode *a = parse_and(P);
	while (a && P->t.k == TK_OR) {
		tok t = P->t;
		lex(P);
		if (!need_operand(P, t.sp))
			return NULL;
		gp_enode *b = parse_and(P);
		if (!b)
			return NULL;
		a = node(P, N_OR, a, b, t.sp);
	}
	return a;
}

static bool parser_init(parser *P, gp_stage *st, const gp_args *args)
{
	memset(P, 0, sizeof *P);
	P->st = st;
	P->ctx = st->ctx;
	P->name = st->def->name;
	P->src = st->ctx->expr;
	if (args->n == 0 || !P->src) {
		gp_fail(st->ctx, &st->span, "%s: missing %s", P->name,
			strcmp(P->name, "set") == 0 ? "NAME = EXPR" : "EXPR");
		return false;
	}
	P->pos = args->v[0].span.start;
	P->end = args->v[args->n - 1].span.end;
	lex(P);
	return !P->failed;
}

static bool at_end(parser *P, bool allow_comma)
{
	if (P->failed)
		return false;
	if (P->t.k == TK_END || (allow_comma && P->t.k == TK_COMMA))
		return true;
	char b[100];
	if (P->t.k == TK_ASSIGN)
		perr(P, P->t.sp, "'=' assigns: compare with '=='");
	else if (P->t.k == TK_RP)
		perr(P, P->t.sp, "unexpected ')' without a matching '('");
	else
		perr(P, P->t.sp, "expected an operator, found '%s'", tok_text(P, &P->t, b, sizeof b));
	return false;
}

gp_enode *gp_expr_compile(gp_stage *st, const gp_args *args)
{
	parser P;
	if (!parser_init(&P, st, args))
		return NULL;
	if (!need_operand(&P, st->span))
		return NULL;
	gp_enode *e = parse_or(&P);
	if (!e || !at_end(&P, false))
		return NULL;
	return e;
}

int gp_expr_compile_set(gp_stage *st, const gp_args *args, gp_assign **out, size_t *nout)
{
	parser P;
	if (!parser_init(&P, st, args))
		return -1;
	size_t cap = 8, n = 0;
	gp_assign *v = gp_arena_alloc(st->ctx->arena, cap * sizeof *v);
	for (;;) {
		tok t = P.t;
		char b[100];
		if (!v) {
			perr(&P, t.sp, "out of memory");
			return -1;
		}
		if (t.k != TK_REF) {
			perr(&P, t.sp, "expected a field name to assign, found '%s'", tok_text(&P, &t, b, sizeof b));
			return -1;
		}
		gp_fref r;
		if (!compile_ref(&P, &t, &r))
			return -1;
		if (r.kind != GP_REF_NAME || r.nseg > 1) {
			bool path = r.kind == GP_REF_NAME;
			perr(&P, t.sp, path ? "cannot assign into a path ('%s'): name a top-level field, or write ${a.b}"
					    : "cannot assign to '%s': name a field", tok_text(&P, &t, b, sizeof b));
			return -1;
		}
		lex(&P);
		if (P.t.k != TK_ASSIGN) {
			if (P.t.k == TK_EQ)
				perr(&P, P.t.sp, "assign with '=', not '=='");
			else
				perr(&P, P.t.k == TK_END ? t.sp : P.t.sp, "expected '=' after the field name");
			return -1;
		}
		gp_span eq = P.t.sp;
		lex(&P);
		if (!need_operand(&P, eq))
			return -1;
		gp_enode *e = parse_or(&P);
		if (!e || !at_end(&P, true))
			return -1;
		if (n == cap) {
			gp_assign *nv = gp_arena_alloc(st->ctx->arena, 2 * cap * sizeof *nv);
			if (nv)
				memcpy(nv, v, n * sizeof *v);
			v = nv, cap *= 2;
			if (!v) {
				perr(&P, t.sp, "out of memory");
				return -1;
			}
		}
		v[n++] = (gp_assign){ r.name, r.nlen, e };
		if (P.t.k == TK_END)
			break;
		gp_span comma = P.t.sp;
		lex(&P);
		if (P.t.k == TK_END) {
			perr(&P, comma, "expected another NAME = EXPR after ','");
			return -1;
		}
	}
	*out = v;
	*nout = n;
	return 0;
}

/* ---- evaluation ---- */

static void *scratch(gp_eval *ev, size_t n)
{
	return gp_pool_alloc(ev->scratch, n ? n : 1);
}

static void load(gp_eval *ev, const gp_fref *ref, const gp_rec *r, val *out)
{
	gp_value v;
	bool ok;
	if ((ref->kind == GP_REF_POS || ref->kind == GP_REF_NF) && (ev->awk_text || !r->f)) {
		v.kind = GP_K_STR;
		ok = gp_awk_field(r->p, r->len, ref->kind == GP_REF_NF ? 0 : ref->pos, &v.p, &v.len);
	} else {
		ok = gp_fref_get(ref, r, &v, ev->numbuf);
	}
	memset(out, 0, sizeof *out);
	if (!ok)
		return;
	switch ((gp_kind)v.kind) {
	case GP_K_STR:
		*out = (val){ .t = V_STR, .field = true, .p = v.p, .len = v.len };
		return;
	case GP_K_JSTR:
		*out = (val){ .t = V_STR, .field = true, .esc = memchr(v.p, '\\', v.len) != NULL, .p = v.p,
			      .len = v.len };
		return;
	case GP_K_NUM:
		out->t = V_NUM;
		out->p = v.p;
		out->len = v.len;
		if (!gp_num_parse(v.p, v.len, &out->isint, &out->i, &out->d))
			*out = (val){ .t = V_STR, .p = v.p, .len = v.len };
		return;
	case GP_K_TRUE:
	case GP_K_FALSE:
		*out = (val){ .t = V_BOOL, .b = v.kind == GP_K_TRUE };
		return;
	case GP_K_NULL:
		out->t = V_NULL;
		return;
	case GP_K_OBJ:
	case GP_K_ARR:
		*out = (val){ .t = V_RAW, .jk = v.kind, .p = v.p, .len = v.len };
		return;
	case GP_K_MISSING:
		return;
	}
}

/* Decodes a JSON string body in place of the view (scratch). */
static void decode(gp_eval *ev, val *v)
{
	if (v->t == V_STR && v->esc) {
		char *d = scratch(ev, v->len);
		if (!d) {
			v->len = 0;
		} else {
			v->len = gp_json_unescape(v->p, v->len, d);
			v->p = d;
		}
		v->esc = false;
	}
}

/* The value as text; false for missing and null. */
static bool text(gp_eval *ev, val *v, const char **p, size_t *n)
{
	switch (v->t) {
	case V_STR:
		decode(ev, v);
		/* fall through */
	case V_RAW:
		*p = v->p;
		*n = v->len;
		return true;
	case V_NUM:
		if (!v->p) {
			char *b = scratch(ev, 32);
			if (!b)
				return false;
			v->len = gp_num_format(b, v->isint, v->i, v->d);
			v->p = b;
		}
		*p = v->p;
		*n = v->len;
		return true;
	case V_BOOL:
		*p = v->b ? "true" : "false";
		*n = v->b ? 4 : 5;
		return true;
	default:
		return false;
	}
}

/* Numeric view: numbers, and strings whose text is a number (any string
 * when loose, else only field text). */
static bool numeric(gp_eval *ev, val *v, bool loose)
{
	if (v->t == V_NUM)
		return true;
	if (v->t != V_STR || !(loose || v->field))
		return false;
	decode(ev, v);
	bool isint;
	int64_t i;
	double d;
	if (!gp_num_parse(v->p, v->len, &isint, &i, &d))
		return false;
	*v = (val){ .t = V_NUM, .isint = isint, .i = i, .d = d }; /* text: formatted when asked */
	return true;
}

static bool truthy(const val *v)
{
	switch (v->t) {
	case V_BOOL: return v->b;
	case V_NUM: return v->isint ? v->i != 0 : v->d != 0;
	case V_STR:
	case V_RAW: return v->len != 0;
	default: return false;
	}
}

static void ev_node(gp_eval *ev, const gp_enode *n, const gp_rec *r, val *out);

static int bytecmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

/* The integer a number is, exactly, if it is one: an int64, or digits as
 * written (a field's text, a literal beyond int64). num is orig made
 * numeric; buf (32 bytes) holds the digits of an int64. */
static bool exact_int(const val *orig, const val *num, char *buf, bigint *out)
{
	if (num->isint)
		return as_bigint(buf, (size_t)snprintf(buf, 32, "%lld", (long long)num->i), out);
	if ((orig->t == V_STR && !orig->esc) || (orig->t == V_NUM && orig->p))
		return as_bigint(orig->p, orig->len, out);
	return false;
}

/* Two numbers (orig a and b, na and nb their numeric views): integers
 * exactly whatever their length, doubles as doubles; 2 when unordered. */
static int num_cmp(const val *a, const val *na, const val *b, const val *nb)
{
	if (na->isint && nb->isint)
		return na->i < nb->i ? -1 : na->i > nb->i;
	char ba[32], bb[32];
	bigint x, y;
	bool xi = exact_int(a, na, ba, &x), yi = exact_int(b, nb, bb, &y);
	if (xi && yi)
		return bigint_cmp(&x, &y);
	if (xi)
		return bigint_dbl_cmp(&x, nb->d);
	if (yi) {
		int c = bigint_dbl_cmp(&y, na->d);
		return c == 2 ? 2 : -c;
	}
	return na->d < nb->d ? -1 : na->d > nb->d ? 1 : na->d == nb->d ? 0 : 2;
}

/* -1/0/1, or 2 when the values are not comparable (type mismatch), or 3
 * when one is missing. */
static int compare(gp_eval *ev, val *a, val *b)
{
	if (a->t == V_MISSING || b->t == V_MISSING)
		return 3;
	if (a->t == V_NULL || b->t == V_NULL)
		return a->t == b->t ? 0 : 2;
	if (a->t == V_BOOL && b->t == V_BOOL)
		return a->b == b->b ? 0 : a->b ? 1 : -1;
	if ((a->t == V_BOOL && b->t == V_NUM) || (a->t == V_NUM && b->t == V_BOOL))
		return 2;
	/* Both numbers (or numeric field text)? Try cheaply first. */
	if ((a->t == V_NUM || a->field) && (b->t == V_NUM || b->field)) {
		decode(ev, a);
		decode(ev, b);
		val sa = *a, sb = *b;
		if (numeric(ev, &sa, false) && numeric(ev, &sb, false))
			return num_cmp(a, &sa, b, &sb);
	}
	const char *ap, *bp;
	size_t an, bn;
	if (!text(ev, a, &ap, &an) || !text(ev, b, &bp, &bn))
		return 2;
	int c = bytecmp(ap, an, bp, bn);
	return c < 0 ? -1 : c > 0;
}

static void set_bool(val *out, bool b)
{
	*out = (val){ .t = V_BOOL, .b = b };
}

static void set_num_i(val *out, int64_t i)
{
	*out = (val){ .t = V_NUM, .isint = true, .i = i, .d = (double)i };
}

static void set_num_d(val *out, double d)
{
	if (!isfinite(d)) {
		*out = (val){ .t = V_MISSING };
		return;
	}
	*out = (val){ .t = V_NUM, .d = d };
}

/* x - y * int(x / y), without libm (exact while the quotient fits 2^53). */
static double fmod_(double x, double y)
{
	double q = x / y;
	if (!(q > -9.2e18 && q < 9.2e18))
		return 0;
	return x - (double)(int64_t)q * y;
}

/* Counts arithmetic that failed on a present value (bad), or for a reason
 * (division by zero, overflow); the result is missing. */
static void arith_fail(gp_eval *ev, val *bad, const char *reason, val *out)
{
	ev->fails++;
	const char *p;
	size_t n;
	if (!bad)
		snprintf(ev->why, sizeof ev->why, "%s", reason);
	else if (bad->t == V_NULL)
		snprintf(ev->why, sizeof ev->why, "null is not a number");
	else if (text(ev, bad, &p, &n)) {
		char e[64];
		gp_escape(e, sizeof e, p, n > 12 ? 12 : n);
		snprintf(ev->why, sizeof ev->why, "'%s%s' is not a number", e, n > 12 ? "..." : "");
	} else
		snprintf(ev->why, sizeof ev->why, "a value that is not a number");
	out->t = V_MISSING;
}

static void arith(gp_eval *ev, int op, val *a, val *b, val *out)
{
	if (a->t == V_MISSING || b->t == V_MISSING) {
		out->t = V_MISSING;
		return;
	}
	bool na = numeric(ev, a, true), nb = numeric(ev, b, true);
	if (!na || !nb) {
		const char *ap, *bp;
		size_t an, bn;
		if (op != N_ADD || !text(ev, a, &ap, &an) || !text(ev, b, &bp, &bn))
			return arith_fail(ev, na ? b : a, NULL, out);
		char *d = scratch(ev, an + bn);
		if (!d) {
			out->t = V_MISSING;
			return;
		}
		memcpy(d, ap, an);
		memcpy(d + an, bp, bn);
		*out = (val){ .t = V_STR, .p = d, .len = an + bn };
		return;
	}
	if (a->isint && b->isint) {
		int64_t x = a->i, y = b->i, z;
		switch (op) {
		case N_ADD:
			if (!__builtin_add_overflow(x, y, &z))
				return set_num_i(out, z);
			break;
		case N_SUB:
			if (!__builtin_sub_overflow(x, y, &z))
				return set_num_i(out, z);
			break;
		case N_MUL:
			if (!__builtin_mul_overflow(x, y, &z))
				return set_num_i(out, z);
			break;
		case N_DIV:
			if (y == 0)
				return arith_fail(ev, NULL, "division by zero", out);
			if (!(x == INT64_MIN && y == -1) && x % y == 0)
				return set_num_i(out, x / y);
			break;
		case N_MOD:
			if (y == 0)
				return arith_fail(ev, NULL, "division by zero", out);
			if (y == -1)
				return set_num_i(out, 0);
			return set_num_i(out, x % y);
		}
	}
	double x = a->d, y = b->d, z = 0;
	switch (op) {
	case N_ADD: z = x + y; break;
	case N_SUB: z = x - y; break;
	case N_MUL: z = x * y; break;
	case N_DIV:
		if (y == 0)
			return arith_fail(ev, NULL, "division by zero", out);
		z = x / y;
		break;
	case N_MOD:
		if (y == 0)
			return arith_fail(ev, NULL, "division by zero", out);
		z = fmod_(x, y);
		break;
	}
	/* Beyond the largest double (1e308 * 10): no value, and said so, as
	 * for a division by zero; never inf, which is not a JSON number. */
	if (!isfinite(z))
		return arith_fail(ev, NULL, "overflow", out);
	set_num_d(out, z);
}

/* Elements of a JSON array or members of an object. */
static int64_t json_count(const char *p, size_t len)
{
	const char *e = p + len;
	p++; /* [ or { */
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	if (p >= e || *p == ']' || *p == '}')
		return 0;
	int64_t n = 0;
	for (;;) {
		p = gp_json_skip(p, e); /* value, or key */
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
			p++;
		if (p < e && *p == ':') {
			p = gp_json_skip(p + 1, e);
			while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
				p++;
		}
		n++;
		if (p >= e || *p != ',')
			return n;
		p++;
	}
}

static void call(gp_eval *ev, const gp_enode *n, val *a, val *out)
{
	const char *p;
	size_t len;
	if (a->t == V_MISSING) {
		out->t = V_MISSING;
		return;
	}
	switch ((enum fn)n->fn) {
	case F_LEN:
		if (a->t == V_RAW)
			return set_num_i(out, json_count(a->p, a->len));
		if (!text(ev, a, &p, &len)) {
			out->t = V_MISSING;
			return;
		}
		return set_num_i(out, (int64_t)len);
	case F_LOWER:
	case F_UPPER: {
		if (!text(ev, a, &p, &len)) {
			*out = *a;
			return;
		}
		char *d = scratch(ev, len);
		if (!d) {
			out->t = V_MISSING;
			return;
		}
		char lo = n->fn == F_UPPER ? 'a' : 'A';
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)p[i];
			d[i] = (char)((unsigned char)(c - (unsigned char)lo) < 26 ? c ^ 0x20 : c);
		}
		*out = (val){ .t = V_STR, .p = d, .len = len };
		return;
	}
	case F_NUM:
		if (!numeric(ev, a, true)) {
			out->t = V_MISSING;
			return;
		}
		*out = *a;
		out->field = false;
		return;
	case F_INT:
		if (!numeric(ev, a, true)) {
			out->t = V_MISSING;
			return;
		}
		if (a->isint)
			return set_num_i(out, a->i);
		if (a->d >= -9.2e18 && a->d <= 9.2e18)
			return set_num_i(out, (int64_t)a->d);
		return set_num_d(out, a->d); /* beyond 2^63: already whole */
	case F_STR:
		if (!text(ev, a, &p, &len)) {
			if (a->t == V_NULL) {
				*out = (val){ .t = V_STR, .p = "null", .len = 4 };
				return;
			}
			out->t = V_MISSING;
			return;
		}
		*out = (val){ .t = V_STR, .p = p, .len = len };
		return;
	case F_EXISTS:
	case F_CONCAT:
		break;
	}
	out->t = V_MISSING;
}

/* concat(a, b, ...): the texts of the arguments joined (null as "null");
 * missing when an argument is, as angle-grinder fails on a missing key. */
static void concat(gp_eval *ev, const gp_enode *n, const gp_rec *r, val *out)
{
	struct part {
		const char *p;
		size_t len;
	} *pt = scratch(ev, n->nargs * sizeof *pt);
	size_t total = 0;
	out->t = V_MISSING;
	if (!pt)
		return;
	for (uint32_t i = 0; i < n->nargs; i++) {
		val a;
		ev_node(ev, n->args[i], r, &a);
		if (a.t == V_NULL)
			pt[i] = (struct part){ "null", 4 };
		else if (!text(ev, &a, &pt[i].p, &pt[i].len))
			return;
		total += pt[i].len;
	}
	char *d = scratch(ev, total);
	if (!d)
		return;
	size_t k = 0;
	for (uint32_t i = 0; i < n->nargs; i++) {
		if (pt[i].len)
			memcpy(d + k, pt[i].p, pt[i].len);
		k += pt[i].len;
	}
	*out = (val){ .t = V_STR, .p = d, .len = total };
}

static bool str_op(gp_eval *ev, int op, val *a, val *b)
{
	const char *ap, *bp;
	size_t an, bn;
	if (!text(ev, a, &ap, &an) || !text(ev, b, &bp, &bn))
		return false;
	if (bn > an)
		return false;
	switch (op) {
	case N_STARTS: return memcmp(ap, bp, bn) == 0;
	case N_ENDS: return memcmp(ap + an - bn, bp, bn) == 0;
	default: return bn == 0 || memmem(ap, an, bp, bn) != NULL;
	}
}

static void ev_node(gp_eval *ev, const gp_enode *n, const gp_rec *r, val *out)
{
	val a, b;
	switch ((enum op)n->op) {
	case N_LIT:
		*out = n->lit;
		return;
	case N_REF:
		load(ev, &n->ref, r, out);
		return;
	case N_EXISTS: {
		gp_value v;
		return set_bool(out, n->ref.kind == GP_REF_POS || n->ref.kind == GP_REF_NF
					     ? (load(ev, &n->ref, r, &a), a.t != V_MISSING)
					     : gp_fref_get(&n->ref, r, &v, ev->numbuf));
	}
	case N_CALL:
		if (n->fn == F_CONCAT)
			return concat(ev, n, r, out);
		ev_node(ev, n->a, r, &a);
		return call(ev, n, &a, out);
	case N_NOT:
		ev_node(ev, n->a, r, &a);
		return set_bool(out, !truthy(&a));
	case N_NEG:
		ev_node(ev, n->a, r, &a);
		if (!numeric(ev, &a, true)) {
			out->t = V_MISSING;
			return;
		}
		if (a.isint && a.i != INT64_MIN)
			return set_num_i(out, -a.i);
		return set_num_d(out, -a.d);
	case N_AND:
		ev_node(ev, n->a, r, &a);
		if (!truthy(&a))
			return set_bool(out, false);
		ev_node(ev, n->b, r, &b);
		return set_bool(out, truthy(&b));
	case N_OR:
		ev_node(ev, n->a, r, &a);
		if (truthy(&a))
			return set_bool(out, true);
		ev_node(ev, n->b, r, &b);
		return set_bool(out, truthy(&b));
	case N_EQ: case N_NE: case N_LT: case N_LE: case N_GT: case N_GE: {
		ev_node(ev, n->a, r, &a);
		ev_node(ev, n->b, r, &b);
		int c = compare(ev, &a, &b);
		bool t;
		switch (n->op) {
		case N_EQ: t = c == 0; break;
		case N_NE: t = c != 0 && c != 3; break;
		case N_LT: t = c == -1; break;
		case N_LE: t = c == -1 || c == 0; break;
		case N_GT: t = c == 1; break;
		default: t = c == 1 || c == 0; break;
		}
		return set_bool(out, t);
	}
	case N_MATCH:
	case N_NMATCH: {
		ev_node(ev, n->a, r, &a);
		const char *p;
		size_t len;
		if (!text(ev, &a, &p, &len))
			return set_bool(out, false);
		int rc = gp_rx_match(&n->rx, p, len, 0, 0);
		if (rc < PCRE2_ERROR_NOMATCH) {
			ev->undecided++;
			gp_rx_why(rc, NULL, ev->undecided_why, sizeof ev->undecided_why);
			out->t = V_MISSING;
			return;
		}
		return set_bool(out, (rc >= 0) == (n->op == N_MATCH));
	}
	case N_CONTAINS: case N_STARTS: case N_ENDS:
		ev_node(ev, n->a, r, &a);
		ev_node(ev, n->b, r, &b);
		return set_bool(out, str_op(ev, n->op, &a, &b));
	case N_ADD: case N_SUB: case N_MUL: case N_DIV: case N_MOD:
		ev_node(ev, n->a, r, &a);
		ev_node(ev, n->b, r, &b);
		return arith(ev, n->op, &a, &b, out);
	}
	out->t = V_MISSING;
}

bool gp_expr_true(gp_eval *ev, const gp_enode *e, const gp_rec *r)
{
	val v;
	ev_node(ev, e, r, &v);
	return truthy(&v);
}

bool gp_expr_field(gp_eval *ev, const gp_enode *e, const gp_rec *r, gp_field *out)
{
	val v;
	ev_node(ev, e, r, &v);
	switch (v.t) {
	case V_MISSING:
		return false;
	case V_NULL:
		out->kind = GP_K_NULL, out->v = "null", out->vlen = 4;
		return true;
	case V_BOOL:
		out->kind = v.b ? GP_K_TRUE : GP_K_FALSE;
		out->v = v.b ? "true" : "false";
		out->vlen = v.b ? 4 : 5;
		return true;
	case V_NUM: {
		char *b = scratch(ev, 32);
		if (!b)
			return false;
		if (v.p && v.len < 32 && gp_is_json_number(v.p, v.len)) {
			memcpy(b, v.p, v.len);
			out->vlen = v.len;
		} else {
			out->vlen = gp_num_format(b, v.isint, v.i, v.d);
		}
		out->kind = GP_K_NUM;
		out->v = b;
		return true;
	}
	case V_STR:
		out->kind = v.esc ? GP_K_JSTR : GP_K_STR;
		out->v = v.p;
		out->vlen = v.len;
		return true;
	case V_RAW:
		out->kind = v.jk;
		out->v = v.p;
		out->vlen = v.len;
		return true;
	}
	return false;
}
