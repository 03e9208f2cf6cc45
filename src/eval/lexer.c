/* The lexer of the expression language (see lexer.h): one small function
 * per class of token, chosen by the first byte. */
#include "lexer.h"

#include <math.h> /* isfinite: a macro, no libm */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/args.h" /* gp_escape */
#include "../core/arena.h"
#include "../core/fields.h"
#include "../core/num.h"
#include "../core/fref.h"

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool ref_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '_' || c == '@';
}

void gp_lex_fail(gp_lexer *L, gp_span sp, const char *fmt, ...)
{
	if (L->failed)
		return;
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	gp_fail(L->ctx, &sp, "%s: %s", L->name, msg);
	L->failed = true;
}

const char *gp_lex_text(const gp_lexer *L, const tok *t, char *buf, size_t cap)
{
	if (t->k == TK_END)
		return "end of expression";
	size_t n = t->sp.end - t->sp.start;
	if (n > 40)
		n = 40;
	gp_escape(buf, cap, L->src + t->sp.start, n);
	return buf;
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

/* 42, 1.5, .5, 1e-3, 250ms, 10KiB: digits, letters and dots run together
 * (a sign only right after an exponent's e), then read by gp_num_parse. */
static void lex_number(gp_lexer *L, uint32_t p)
{
	const char *s = L->src;
	uint32_t q = p, end = L->end;
	tok *t = &L->t;
	while (q < end && (is_digit(s[q]) || is_alpha(s[q]) || s[q] == '.' ||
			   ((s[q] == '+' || s[q] == '-') && (s[q - 1] == 'e' || s[q - 1] == 'E') &&
			    q + 1 < end && is_digit(s[q + 1]))))
		q++;
	t->k = TK_NUM;
	t->sp = gp_lex_span(p, q);
	if (!gp_num_parse(s + p, q - p, &t->isint, &t->i, &t->d)) {
		char b[200];
		gp_lex_fail(L, t->sp,
			    "invalid number '%s' (units: ns us ms s m h d, B K KB KiB M MB MiB G GB GiB T TB TiB)",
			    gp_lex_text(L, t, b, sizeof b));
	} else if (!isfinite(t->d)) {
		char b[200];
		gp_lex_fail(L, t->sp, "number out of range '%s' (the largest is about 1.8e308)",
			    gp_lex_text(L, t, b, sizeof b));
	}
	L->pos = q;
}

/* The byte a backslash escape in double quotes stands for, or 0 when the
 * backslash is taken as it is. */
static char escaped(char e)
{
	switch (e) {
	case '"': return '"';
	case '\\': return '\\';
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	default: return 0;
	}
}

/* 'single' or "double with \escapes": decoded into the arena, with the
 * source offset of every decoded byte (a regex error points into it). */
static void lex_string(gp_lexer *L, uint32_t p)
{
	const char *s = L->src;
	uint32_t end = L->end;
	char c = s[p];
	tok *t = &L->t;
	/* Sized by the string itself, not by the rest of the expression:
	 * many strings in one expression cost what they hold. A backslash
	 * in double quotes never ends it (the decoding below agrees). */
	size_t close = p + 1;
	while (close < end && s[close] != c)
		close += c == '"' && s[close] == '\\' && close + 1 < end ? 2 : 1;
	size_t cap = (close < end ? close : end) - p;
	t->s = gp_arena_alloc(L->ctx->arena, cap + 1);
	t->map = gp_arena_alloc(L->ctx->arena, (cap + 1) * sizeof *t->map);
	if (!t->s || !t->map) {
		gp_lex_fail(L, t->sp, "out of memory");
		return;
	}
	size_t n = 0;
	uint32_t q = p + 1;
	for (;;) {
		if (q >= end) {
			gp_lex_fail(L, gp_lex_span(p, p + 1), "unterminated %s quote", c == '\'' ? "single" : "double");
			return;
		}
		char d = s[q];
		if (d == c) {
			q++;
			break;
		}
		char o = c == '"' && d == '\\' && q + 1 < end ? escaped(s[q + 1]) : 0;
		t->map[n] = q;
		t->s[n++] = o ? o : d;
		q += o ? 2 : 1;
	}
	t->s[n] = '\0';
	t->map[n] = q - 1;
	t->len = n;
	t->k = TK_STR;
	t->sp = gp_lex_span(p, q);
	L->pos = q;
}

/* $1, $NF, $name, ${any text} and a path after it. */
static void lex_dollar(gp_lexer *L, uint32_t p)
{
	const char *s = L->src;
	uint32_t q = p + 1, end = L->end;
	if (q < end && s[q] == '{') {
		size_t e = gp_fref_brace_end(s + p, end - p);
		if (!e) {
			gp_lex_fail(L, gp_lex_span(p, p + 2), "'${' without a closing '}'");
			return;
		}
		q = path_tail(s, p + (uint32_t)e, end);
	} else {
		while (q < end && ref_char(s[q]))
			q++;
	}
	L->t.k = TK_REF;
	L->t.sp = gp_lex_span(p, q);
	L->pos = q;
}

/* A word: a keyword (and, or, not, contains, startswith, endswith, between,
 * true, false, null), a function name when '(' follows, else a field path. */
static void lex_word(gp_lexer *L, uint32_t p)
{
	static const struct {
		const char *w;
		int k;
	} kw[] = {
		{ "and", TK_AND }, { "or", TK_OR }, { "not", TK_NOT }, { "contains", TK_CONTAINS },
		{ "startswith", TK_STARTS }, { "endswith", TK_ENDS }, { "between", TK_BETWEEN }, { "true", TK_TRUE },
		{ "false", TK_FALSE }, { "null", TK_NULL },
	};
	const char *s = L->src;
	uint32_t q = p, end = L->end;
	tok *t = &L->t;
	while (q < end && ref_char(s[q]))
		q++;
	q = path_tail(s, q, end);
	t->sp = gp_lex_span(p, q);
	L->pos = q;
	size_t n = q - p;
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
}

/* The operator at p and its width in *w, or -1. */
static int operator_at(const char *s, uint32_t p, uint32_t end, int *w)
{
	char c = s[p], n1 = p + 1 < end ? s[p + 1] : 0;
	*w = 1;
	switch (c) {
	case '=': return n1 == '=' ? (*w = 2, TK_EQ) : n1 == '~' ? (*w = 2, TK_MATCH) : TK_ASSIGN;
	case '!': return n1 == '=' ? (*w = 2, TK_NE) : n1 == '~' ? (*w = 2, TK_NMATCH) : TK_NOT;
	case '<': return n1 == '=' ? (*w = 2, TK_LE) : TK_LT;
	case '>': return n1 == '=' ? (*w = 2, TK_GE) : TK_GT;
	case '&': return n1 == '&' ? (*w = 2, TK_AND) : -1;
	case '+': return TK_PLUS;
	case '-': return TK_MINUS;
	case '*': return TK_MUL;
	case '/': return TK_DIV;
	case '%': return TK_MOD;
	case '(': return TK_LP;
	case ')': return TK_RP;
	case ',': return TK_COMMA;
	default: return -1;
	}
}

/* Punctuation: operators, parentheses, the comma. */
static void lex_operator(gp_lexer *L, uint32_t p)
{
	const char *s = L->src;
	uint32_t end = L->end;
	tok *t = &L->t;
	int w, k = operator_at(s, p, end, &w);
	if (k < 0) {
		char b[64];
		t->sp = gp_lex_span(p, p + 1);
		gp_escape(b, sizeof b, s + p, 1);
		gp_lex_fail(L, t->sp, "unexpected character '%s'%s", b,
			    s[p] == '&' ? " (did you mean 'and'?)" : "");
		return;
	}
	/* A comparison operator run on with more of =<>~ is no operator. */
	if ((k >= TK_EQ && k <= TK_NMATCH) || k == TK_ASSIGN) {
		uint32_t r = p + (uint32_t)w;
		while (r < end && (s[r] == '=' || s[r] == '<' || s[r] == '>' || s[r] == '~'))
			r++;
		if (r > p + (uint32_t)w) {
			char b[64];
			size_t n = r - p < 12 ? r - p : 12;
			gp_escape(b, sizeof b, s + p, n);
			gp_lex_fail(L, gp_lex_span(p, r), "unknown operator '%s'", b);
			return;
		}
	}
	t->k = k;
	t->sp = gp_lex_span(p, p + (uint32_t)w);
	L->pos = p + (uint32_t)w;
}

void gp_lex(gp_lexer *L)
{
	const char *s = L->src;
	uint32_t p = L->pos, end = L->end;
	while (p < end && (s[p] == ' ' || s[p] == '\t' || s[p] == '\r' || s[p] == '\n'))
		p++;
	tok *t = &L->t;
	memset(t, 0, sizeof *t);
	t->sp = gp_lex_span(p, p + 1);
	if (p >= end) {
		t->k = TK_END;
		t->sp = gp_lex_span(end, end + 1);
		L->pos = p;
		return;
	}
	char c = s[p];
	if (is_digit(c) || (c == '.' && p + 1 < end && is_digit(s[p + 1])))
		lex_number(L, p);
	else if (c == '"' || c == '\'')
		lex_string(L, p);
	else if (c == '$')
		lex_dollar(L, p);
	else if (is_alpha(c) || c == '_' || c == '@')
		lex_word(L, p);
	else
		lex_operator(L, p);
}
