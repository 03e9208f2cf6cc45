#include "args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


gp_span gp_arg_subspan(const gp_arg *a, size_t from, size_t to)
{
	gp_span s = a->span;
	if (!a->map && !a->direct)
		return s;
	if (from > a->len)
		from = a->len;
	if (to > a->len)
		to = a->len;
	if (a->direct) {
		s.start = a->span.start + (uint32_t)from;
		s.end = to > from ? a->span.start + (uint32_t)to : s.start + 1;
		return s;
	}
	s.start = from < a->len || a->len == 0 ? a->map[from] : a->map[a->len - 1] + 1;
	s.end = to > from ? a->map[to - 1] + 1 : s.start + 1;
	if (s.end <= s.start)
		s.end = s.start + 1;
	return s;
}

int gp_getopt_init(gp_getopt *g, gp_ctx *ctx, const char *name, const gp_optdef *opts,
		   const gp_args *args)
{
	memset(g, 0, sizeof *g);
	g->args = args;
	g->name = name;
	g->opts = opts;
	g->ctx = ctx;
	g->operands = gp_arena_alloc(ctx->arena, (args->n + 1) * sizeof *g->operands);
	if (!g->operands) {
		gp_fail(ctx, NULL, "out of memory");
		return -1;
	}
	return 0;
}

static const gp_optdef *find_opt(const gp_optdef *opts, char c)
{
	for (const gp_optdef *o = opts; o && o->letter; o++)
		if (o->letter == c)
			return o;
	return NULL;
}

int gp_getopt_operands(gp_getopt *g, gp_ctx *ctx, const char *name, const gp_optdef *opts,
		       const gp_args *args, unsigned *flags)
{
	if (flags)
		*flags = 0;
	if (gp_getopt_init(g, ctx, name, opts, args) != 0)
		return -1;
	int c;
	while ((c = gp_getopt_next(g)) > 0)
		if (flags)
			*flags |= 1u << (find_opt(opts, (char)c) - opts);
	return c < 0 ? -1 : 0;
}

static gp_arg arg_tail(const gp_arg *a, size_t from)
{
	gp_arg t = *a;
	t.s = a->s + from;
	t.len = a->len - from;
	t.map = a->map ? a->map + from : NULL;
	t.span = gp_arg_subspan(a, from, a->len);
	return t;
}

int gp_getopt_next(gp_getopt *g)
{
	const gp_args *as = g->args;
	for (;;) {
		if (g->sub == 0) {
			if (g->i >= as->n)
				return 0;
			const gp_arg *a = &as->v[g->i];
			if (g->dashdash || a->quoted || a->len < 2 || a->s[0] != '-') {
				g->operands[g->noperands++] = *a;
				g->i++;
				continue;
			}
			if (a->len == 2 && a->s[1] == '-') {
				g->dashdash = true;
				g->i++;
				continue;
			}
			g->sub = 1;
		}
		const gp_arg *a = &as->v[g->i];
		char c = a->s[g->sub];
		g->optspan = gp_arg_subspan(a, g->sub == 1 ? 0 : g->sub, g->sub + 1);
		const gp_optdef *o = find_opt(g->opts, c);
		if (!o) {
			if (a->s[1] == '-') {
				g->optspan = a->span;
				gp_fail(g->ctx, &g->optspan, "%s: unknown option '%s'", g->name, a->s);
			} else {
				gp_fail(g->ctx, &g->optspan, "%s: unknown option '-%c'", g->name, c);
			}
			return -1;
		}
		g->sub++;
		if (o->arg) {
			if (g->sub < a->len) {
				g->optarg = arg_tail(a, g->sub);
			} else if (g->i + 1 < as->n) {
				g->i++;
				g->optarg = as->v[g->i];
			} else {
				gp_fail(g->ctx, &g->optspan, "%s: option '-%c' needs an argument (%s)",
					g->name, c, o->arg);
				return -1;
			}
			g->sub = 0;
			g->i++;
		} else if (g->sub >= a->len) {
			g->sub = 0;
			g->i++;
		}
		return (unsigned char)c;
	}
}

int gp_parse_count(const char *s, uint64_t *out)
{
	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int gp_parse_size(const char *s, uint64_t *out)
{
	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (shift && (*end == 'i' || *end == 'I'))
		end++;
	if (shift && (*end == 'b' || *end == 'B'))
		end++;
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

gp_status gp_no_args(gp_ctx *ctx, const char *name, const gp_args *args)
{
	if (args->n == 0)
		return GP_OK;
	const gp_arg *a = &args->v[0];
	bool opt = !a->quoted && a->len > 1 && a->s[0] == '-';
	return gp_fail(ctx, &a->span, "%s: %s '%s'", name,
		       opt ? "unknown option" : "unexpected argument", a->s);
}

size_t gp_escape(char *dst, size_t cap, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;
	for (size_t i = 0; i < len && k + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = NULL;
		switch (c) {
		case '\n': e = "\\n"; break;
		case '\t': e = "\\t"; break;
		case '\r': e = "\\r"; break;
		default: break;
		}
		if (e) {
			dst[k++] = e[0];
			dst[k++] = e[1];
		} else if (c < 0x20 || c == 0x7f) {
			dst[k++] = '\\';
			dst[k++] = 'x';
			dst[k++] = hex[c >> 4];
			dst[k++] = hex[c & 15];
		} else {
			dst[k++] = (char)c;
		}
	}
	if (cap)
		dst[k < cap ? k : cap - 1] = '\0';
	return k;
}
