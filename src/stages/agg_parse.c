/* The aggregate list: `AGG [, AGG]... [by KEY [, KEY]...]` and `top N KEY...`
 * read into an agg_spec (agg.h), every value and key a full expression of
 * the language (eval.h's reader), with carets on errors.
 *
 * The stage's first word is the first aggregate (pipeline.c keeps the name
 * word just before the arguments), so the list is read from the name on. The
 * reader is reopened at a source offset when an aggregate is written as a
 * call (`count(status >= 500)`, `percentile(x, 99)`, `sum(bytes)`): the
 * language would read that as a function call, so the aggregate's name is
 * read here and the expression after it by the reader. */
#include <stdio.h>
#include <string.h>

#include "agg.h"
#include "../core/num.h"
#include "../core/strdist.h"
#include "../registry.h"

typedef struct parser {
	gp_stage *st;
	gp_ctx *ctx;
	const char *src;
	uint32_t end; /* the end of the stage's text */
	gp_expr_reader *r;
	gp_pool *konst; /* scratch of constant arguments (N of top, Q of percentile) */
} parser;

static const char *const agg_names[] = {
	"count", "sum", "avg", "min", "max", "median", "percentile", "distinct",
	"first", "last", "stddev", NULL,
};

/* A reader of the stage's text from offset pos to its end. */
static bool reopen(parser *P, uint32_t pos)
{
	gp_arg *a = gp_arena_alloc(P->ctx->arena, sizeof *a);
	gp_args *as = gp_arena_alloc(P->ctx->arena, sizeof *as);
	if (!a || !as) {
		gp_fail(P->ctx, NULL, "out of memory");
		return false;
	}
	*a = (gp_arg){ .s = "", .span = { pos, P->end }, .direct = true };
	*as = (gp_args){ .v = a, .n = 1 };
	P->r = gp_expr_reader_open(P->st, as, 0);
	return P->r != NULL;
}

static bool at_end(const parser *P)
{
	return gp_expr_reader_arg(P->r) >= 1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The next token's text as a word (letters, digits, '_', '.'), or len 0. */
static gp_span peek_word(const parser *P, size_t *len)
{
	gp_span sp = gp_expr_reader_span(P->r);
	*len = 0;
	if (at_end(P))
		return sp;
	const char *s = P->src + sp.start;
	size_t n = sp.end - sp.start;
	if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return sp;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
		      s[i] == '.' || (s[i] >= '0' && s[i] <= '9')))
			return sp;
	*len = n;
	return sp;
}

/* The offset of a '(' right after pos (blanks between), or 0. */
static uint32_t paren_after(const parser *P, uint32_t pos)
{
	while (pos < P->end && (P->src[pos] == ' ' || P->src[pos] == '\t'))
		pos++;
	return pos < P->end && P->src[pos] == '(' ? pos : 0;
}

/* A plain reference: one token that names a field, with no operator. */
static bool plain_ref(parser *P, const char *s, size_t n, gp_fref *ref)
{
	static const char *const kw[] = { "true", "false", "null", "not", "and", "or", NULL };
	if (n == 0 || (s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '.')
		return false;
	for (const char *const *k = kw; *k; k++)
		if (strlen(*k) == n && memcmp(*k, s, n) == 0)
			return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '$' && i + 1 < n && s[i + 1] == '{') {
			size_t e = gp_fref_brace_end(s + i, n - i);
			if (!e)
				return false;
			i += e - 1;
			continue;
		}
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '@' || c == '.' || c == '$' || c == '[' || c == ']' ||
			  (c == '-' && i > 0 && s[i - 1] == '[');
		if (!ok)
			return false;
	}
	char err[160];
	size_t bad;
	return gp_fref_parse(P->ctx->arena, s, n, ref, err, sizeof err, &bad) == 0;
}

/* One expression: compiled into v, its source text (as written) in *text. */
static bool read_val(parser *P, agg_val *v, const char **text, size_t *tlen)
{
	uint32_t start = gp_expr_reader_span(P->r).start;
	v->e = gp_expr_read(P->r);
	if (!v->e)
		return false;
	uint32_t stop = at_end(P) ? P->end : gp_expr_reader_span(P->r).start;
	while (stop > start && is_blank(P->src[stop - 1]))
		stop--;
	*text = P->src + start;
	*tlen = stop - start;
	v->plain = plain_ref(P, *text, *tlen, &v->ref);
	return true;
}

/* `as NAME`, when it follows. */
static bool read_as(parser *P, const char **name, uint32_t *nlen)
{
	if (!gp_expr_read_word(P->r, "as"))
		return true;
	const char *s;
	size_t n;
	if (!gp_expr_read_name(P->r, &s, &n)) {
		char b[100];
		gp_expr_reader_fail(P->r, "expected a field name after 'as', found '%s'",
				    gp_expr_reader_text(P->r, b, sizeof b));
		return false;
	}
	*name = s;
	*nlen = (uint32_t)n;
	return true;
}

static bool set_name(parser *P, const char **name, uint32_t *nlen, const char *pre, const char *s,
		     size_t n)
{
	size_t pl = strlen(pre);
	char *b = gp_arena_alloc(P->ctx->arena, pl + n + 1);
	if (!b) {
		gp_fail(P->ctx, NULL, "out of memory");
		return false;
	}
	memcpy(b, pre, pl);
	memcpy(b + pl, s, n);
	*name = b;
	*nlen = (uint32_t)(pl + n);
	return true;
}

/* A constant number argument (top's N, percentile's Q). */
static bool read_const(parser *P, const char *what, double *out)
{
	gp_span sp = gp_expr_reader_span(P->r);
	agg_val v;
	const char *t;
	size_t tl;
	if (!read_val(P, &v, &t, &tl))
		return false;
	gp_eval ev = { .scratch = P->konst };
	gp_rec none = { .p = "", .len = 0 };
	gp_field f;
	bool isint;
	int64_t i;
	if (v.plain || !gp_expr_field(&ev, v.e, &none, &f) || f.kind != GP_K_NUM ||
	    !gp_num_parse(f.v, f.vlen, &isint, &i, out)) {
		sp.end = sp.start + (uint32_t)(tl ? tl : 1);
		gp_fail(P->ctx, &sp, "%s: %s must be a number, found '%.*s'", P->st->def->name, what,
			(int)(tl > 40 ? 40 : tl), t);
		return false;
	}
	return true;
}

/* pNN and pNN.N: the percentile, or -1 when the word is not of that form. */
static double pnn(const char *w, size_t n)
{
	if (n < 2 || w[0] != 'p' || w[1] < '0' || w[1] > '9')
		return -1;
	double v = 0, scale = 0;
	for (size_t i = 1; i < n; i++) {
		if (w[i] == '.' && scale == 0 && i + 1 < n) {
			scale = 1;
			continue;
		}
		if (w[i] < '0' || w[i] > '9')
			return -1;
		if (scale)
			scale /= 10, v += (w[i] - '0') * scale;
		else
			v = v * 10 + (w[i] - '0');
	}
	return v;
}

static void unknown(parser *P, const char *w, size_t n)
{
	if (gp_registry_find(w, n) && !gp_registry_find(w, n)->takes_name) {
		gp_expr_reader_fail(P->r,
				    "'%s' is a stage, not an aggregate (stages are separated by '|')", w);
		return;
	}
	const char *best = NULL;
	size_t bd = 3;
	for (const char *const *a = agg_names; *a; a++) {
		size_t d = gp_strdist(w, n, *a, strlen(*a));
		if (d < bd)
			bd = d, best = *a;
	}
	if (best && (bd < 2 || n >= 4))
		gp_expr_reader_fail(P->r, "unknown aggregate '%s' (did you mean '%s'?)", w, best);
	else
		gp_expr_reader_fail(P->r,
				    "unknown aggregate '%s' (count, sum, avg, min, max, median, pNN, "
				    "percentile, distinct, first, last, stddev)",
				    w);
}

static bool read_item(parser *P, agg_item *it)
{
	size_t wl;
	gp_span sp = peek_word(P, &wl);
	char b[100];
	if (!wl) {
		gp_expr_reader_fail(P->r, "expected an aggregate (count, sum F, p99 F, ...), found '%s'",
				    gp_expr_reader_text(P->r, b, sizeof b));
		return false;
	}
	char *w = gp_arena_strndup(P->ctx->arena, P->src + sp.start, wl);
	if (!w)
		return false;
	uint32_t lp = paren_after(P, sp.end);
	double pct = pnn(w, wl);
	const char *opname = NULL;
	if (strcmp(w, "count") == 0) {
		it->kind = AK_COUNT;
	} else if (strcmp(w, "sum") == 0 || strcmp(w, "avg") == 0 || strcmp(w, "stddev") == 0) {
		it->kind = AK_NUM, opname = w;
	} else if (strcmp(w, "median") == 0) {
		it->kind = AK_NUM, opname = "percentile", it->par.pct = 50;
	} else if (pct >= 0 || strcmp(w, "percentile") == 0) {
		if (pct >= 0 && !(pct > 0 && pct <= 100)) {
			gp_expr_reader_fail(P->r, "'%s': a percentile is above 0 and at most 100 (p50, p99, p99.9)", w);
			return false;
		}
		it->kind = AK_NUM, opname = "percentile", it->par.pct = pct;
	} else if (strcmp(w, "distinct") == 0) {
		it->kind = AK_DISTINCT, opname = w;
	} else if (strcmp(w, "min") == 0 || strcmp(w, "max") == 0) {
		it->kind = w[1] == 'i' ? AK_MIN : AK_MAX, opname = w;
	} else if (strcmp(w, "first") == 0 || strcmp(w, "last") == 0) {
		it->kind = w[0] == 'f' ? AK_FIRST : AK_LAST;
	} else {
		unknown(P, w, wl);
		return false;
	}
	if (opname && !(it->ops = gp_acc_find(opname, strlen(opname)))) {
		gp_expr_reader_fail(P->r, "no accumulator '%s'", opname);
		return false;
	}
	bool is_pct = strcmp(w, "percentile") == 0;
	if (is_pct && !lp) {
		gp_expr_reader_fail(P->r, "percentile is written percentile(F, Q): p99 F is percentile(F, 99)");
		return false;
	}
	/* Past the name: a call form reads from its '(' (from just after it for
	 * percentile's two arguments). */
	if (lp ? !reopen(P, is_pct ? lp + 1 : lp) : !gp_expr_read_word(P->r, w))
		return false;
	const char *t = NULL;
	size_t tl = 0;
	if (it->kind == AK_COUNT) {
		agg_val c = { 0 };
		if (lp || gp_expr_read_word(P->r, "where")) {
			if (!read_val(P, &c, &t, &tl))
				return false;
			it->cond = c.e;
		}
		if (it->cond) { /* its default name is the whole aggregate as written */
			const char *s = P->src + sp.start;
			if (!set_name(P, &it->name, &it->nlen, "", s, (size_t)(t + tl - s)))
				return false;
		} else {
			it->name = "count", it->nlen = 5;
			size_t nl;
			const char *nw = P->src + peek_word(P, &nl).start;
			if (nl && !(nl == 2 && (memcmp(nw, "by", 2) == 0 || memcmp(nw, "as", 2) == 0))) {
				gp_expr_reader_fail(P->r, "unexpected argument '%.*s'", (int)nl, nw);
				return false;
			}
		}
	} else {
		if (!read_val(P, &it->v, &t, &tl))
			return false;
		if (is_pct) {
			if (!gp_expr_read_comma(P->r)) {
				gp_expr_reader_fail(P->r, "percentile(F, Q) needs its Q: percentile(%.*s, 99)",
						    (int)(tl > 40 ? 40 : tl), t);
				return false;
			}
			double q;
			if (!read_const(P, "the percentile", &q))
				return false;
			if (!(q > 0 && q <= 100)) {
				gp_fail(P->ctx, &sp, "%s: percentile(F, Q): Q is above 0 and at most 100",
					P->st->def->name);
				return false;
			}
			it->par.pct = q;
			gp_span rp = gp_expr_reader_span(P->r);
			if (at_end(P) || P->src[rp.start] != ')') {
				gp_expr_reader_fail(P->r, "expected ')' after percentile(F, Q), found '%s'",
						    gp_expr_reader_text(P->r, b, sizeof b));
				return false;
			}
			if (!reopen(P, rp.end))
				return false;
		} else if (lp && tl >= 2 && t[0] == '(' && t[tl - 1] == ')') {
			t++, tl -= 2; /* sum(bytes) is named sum_bytes */
		}
		char pre[48];
		if (it->kind == AK_NUM && strcmp(opname, "percentile") == 0 && strcmp(w, "median") != 0) {
			char q[32];
			gp_num_format(q, false, 0, it->par.pct);
			snprintf(pre, sizeof pre, "p%s_", q);
		} else {
			snprintf(pre, sizeof pre, "%s_", w);
		}
		if (!set_name(P, &it->name, &it->nlen, pre, t, tl))
			return false;
	}
	/* Messages name the aggregate by its default name with a blank:
	 * "sum latency_ms", "count(status >= 500)". */
	char *what = gp_arena_strndup(P->ctx->arena, it->name, it->nlen);
	if (!what)
		return false;
	if (it->kind != AK_COUNT) {
		char *u = strchr(what, '_');
		if (u)
			*u = ' ';
	}
	it->what = what;
	return read_as(P, &it->name, &it->nlen);
}

static bool read_keys(parser *P, agg_spec *spec)
{
	size_t cap = 0;
	do {
		agg_key k = { 0 };
		const char *t;
		size_t tl;
		if (!read_val(P, &k.v, &t, &tl))
			return false;
		/* The key as written, but a lone ${key} is named key. */
		if (k.v.plain && k.v.ref.braced && k.v.ref.kind == GP_REF_NAME && k.v.ref.nseg <= 1)
			t = k.v.ref.name, tl = k.v.ref.nlen;
		if (!set_name(P, &k.name, &k.nlen, "", t, tl) || !read_as(P, &k.name, &k.nlen))
			return false;
		/* A time key (bucket(ts, 5m), time(ts)) is hashed as its binary
		 * value and printed in RFC 3339 at output (agg.c). */
		k.time = !k.v.plain && k.v.e && gp_expr_is_time(k.v.e);
		spec->keys = gp_arena_grow(P->ctx->arena, spec->keys, spec->nkeys, &cap, sizeof k);
		if (!spec->keys)
			return false;
		spec->keys[spec->nkeys++] = k;
	} while (gp_expr_read_comma(P->r));
	return true;
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

gp_status gp_agg_parse(gp_stage *st, const gp_args *all, bool top, agg_spec *spec)
{
	parser P = { .st = st, .ctx = st->ctx, .src = st->ctx->expr };
	memset(spec, 0, sizeof *spec);
	if (!P.src || all->n == 0)
		return gp_fail(st->ctx, &st->span, "%s: no expression text", st->def->name);
	P.end = all->v[all->n - 1].span.end;
	P.konst = gp_scope_alloc(st->scope, sizeof *P.konst);
	if (!P.konst || gp_pool_own(st->scope, P.konst) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	if (!reopen(&P, all->v[0].span.start))
		return GP_ERR;
	size_t cap = 0;
	if (top) {
		double n;
		if (!gp_expr_read_word(P.r, "top") || !read_const(&P, "N (top N KEY)", &n))
			return GP_ERR;
		if (!(n >= 0 && n <= 1e15 && n == (double)(uint64_t)n))
			return gp_fail(st->ctx, &st->span, "top: N must be a count (top 10 path)");
		spec->top = true;
		spec->top_n = (uint64_t)n;
		spec->items = gp_arena_alloc(st->ctx->arena, sizeof *spec->items);
		if (!spec->items)
			return gp_fail(st->ctx, NULL, "out of memory");
		spec->items[0] = (agg_item){ .kind = AK_COUNT, .name = "count", .nlen = 5, .what = "count" };
		spec->n = 1;
		if (at_end(&P))
			return gp_fail(st->ctx, &st->span, "top: missing the KEY (top %llu path)",
				       (unsigned long long)spec->top_n);
		if (!read_keys(&P, spec))
			return GP_ERR;
	} else {
		do {
			agg_item it = { 0 };
			if (!read_item(&P, &it))
				return GP_ERR;
			spec->items = gp_arena_grow(st->ctx->arena, spec->items, spec->n, &cap, sizeof it);
			if (!spec->items)
				return gp_fail(st->ctx, NULL, "out of memory");
			spec->items[spec->n++] = it;
		} while (gp_expr_read_comma(P.r));
		if (gp_expr_read_word(P.r, "by") && !read_keys(&P, spec))
			return GP_ERR;
	}
	if (!gp_expr_read_end(P.r))
		return GP_ERR;

	size_t off = 0;
	for (size_t i = 0; i < spec->n; i++) {
		agg_item *it = &spec->items[i];
		size_t sz = 0;
		switch ((agg_kind)it->kind) {
		case AK_COUNT: sz = sizeof(uint64_t); break;
		case AK_NUM:
		case AK_DISTINCT: sz = it->ops->size; break;
		case AK_MIN:
		case AK_MAX: sz = align8(it->ops->size) + sizeof(agg_text); break;
		case AK_FIRST:
		case AK_LAST: sz = sizeof(agg_text); break;
		}
		it->off = off;
		off += align8(sz);
		if (it->kind != AK_COUNT)
			spec->heap = true;
	}
	spec->state_size = off;
	return GP_OK;
}
