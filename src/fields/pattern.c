/* Templates and named-group regexes of the parse stage (pattern.h). */
#include "pattern.h"
#include "../core/dropped.h"

#include <string.h>

/* The first run of blanks in p[from..end), or NULL. */
static const char *find_blank(const char *p, const char *end)
{
	for (; p < end; p++)
		if (gp_blank(*p))
			return p;
	return NULL;
}

/* Matches the pieces pc[k..npc) anchored at p; returns the end, or NULL. */
static const char *match_rest(const gp_tpl_piece *pc, uint32_t k, uint32_t npc, const char *p,
			      const char *end)
{
	for (; k < npc; k++) {
		if (!pc[k].s) {
			if (p == end || !gp_blank(*p))
				return NULL;
			while (p < end && gp_blank(*p))
				p++;
		} else {
			if ((size_t)(end - p) < pc[k].len || memcmp(p, pc[k].s, pc[k].len) != 0)
				return NULL;
			p += pc[k].len;
		}
	}
	return p;
}

/* Finds the first occurrence of the literal in [p, end): *ms its start, the
 * return value its end; NULL when it does not occur. */
static const char *find_lit(const gp_tpl_step *l, const char *p, const char *end, const char **ms)
{
	if (l->anchor < 0) { /* blanks only */
		const char *b = find_blank(p, end);
		if (!b)
			return NULL;
		*ms = b;
		return match_rest(l->pc, 0, l->npc, b, end);
	}
	const gp_tpl_piece *t = &l->pc[l->anchor];
	bool lead_blank = l->anchor > 0; /* the literal starts with blanks */
	if (lead_blank && p == end)
		return NULL;
	const char *from = p + (lead_blank ? 1 : 0);
	while (from < end) {
		const char *c = t->len == 1 ? memchr(from, t->s[0], (size_t)(end - from))
					    : memmem(from, (size_t)(end - from), t->s, t->len);
		if (!c)
			return NULL;
		const char *start = c;
		if (lead_blank) {
			while (start > p && gp_blank(start[-1]))
				start--;
			if (start == c) {
				from = c + 1;
				continue;
			}
		}
		const char *e = match_rest(l->pc, (uint32_t)l->anchor + 1, l->npc, c + t->len, end);
		if (e) {
			*ms = start;
			return e;
		}
		from = c + 1;
	}
	return NULL;
}

/* Matches the record against the template; fills the scratch fields. Returns
 * the field count, -1 when it does not match, -2 on OOM. */
int gp_tpl_match(const gp_tpl *t, gp_scratch *sc, const char *p, size_t len)
{
	const char *cur = p, *end = p + len;
	uint32_t nf = 0;
	for (uint32_t i = 0; i < t->nsteps; i++) {
		const gp_tpl_step *s = &t->steps[i];
		if (!s->ph) {
			const char *ms;
			const char *e = i == 0 ? find_lit(s, cur, end, &ms)
					       : match_rest(s->pc, 0, s->npc, cur, end);
			if (!e)
				return -1;
			cur = e;
			continue;
		}
		const char *vend, *next;
		if (i + 1 == t->nsteps) {
			vend = next = end;
		} else {
			const char *ms;
			next = find_lit(&t->steps[i + 1], cur, end, &ms);
			if (!next)
				return -1;
			vend = ms;
			i++; /* the literal is matched */
		}
		if (s->name) {
			gp_field *f = gp_scratch_slot(sc, nf);
			if (!f)
				return -2;
			*f = (gp_field){ .name = s->name, .nlen = s->nlen, .v = cur,
					 .vlen = (size_t)(vend - cur), .kind = GP_K_STR };
			nf++;
		}
		cur = next;
	}
	return (int)nf;
}

/* Compiles a template. Returns 0, or fails with a caret. */
gp_status gp_tpl_compile(gp_stage *st, const gp_arg *a, gp_tpl *t)
{
	gp_ctx *ctx = st->ctx;
	const char *s = a->s;
	size_t n = a->len;
	/* Upper bounds: every byte a step or a piece. */
	t->steps = gp_arena_alloc(ctx->arena, (n + 1) * sizeof *t->steps);
	gp_tpl_piece *pcs = gp_arena_alloc(ctx->arena, (n + 1) * sizeof *pcs);
	char *text = gp_arena_alloc(ctx->arena, n + 1); /* literal bytes, braces undoubled */
	if (!t->steps || !pcs || !text)
		return gp_fail(ctx, NULL, "out of memory");
	size_t tn = 0, npcs = 0;
	size_t i = 0, last_ph = 0;
	gp_tpl_step *cur = NULL; /* the literal being built */
	while (i < n) {
		char c = s[i];
		if (c == '{' && !(i + 1 < n && s[i + 1] == '{')) {
			size_t j = i + 1;
			while (j < n && s[j] != '}' && s[j] != '{')
				j++;
			if (j >= n || s[j] != '}') {
				gp_span sp = gp_arg_subspan(a, i, i + 1);
				return gp_fail(ctx, &sp, "parse: '{' without a closing '}' (write '{{' for a literal brace)");
			}
			if (t->nsteps && t->steps[t->nsteps - 1].ph) {
				gp_span sp = gp_arg_subspan(a, last_ph, j + 1);
				return gp_fail(ctx, &sp,
					       "parse: two placeholders in a row: put literal text between them");
			}
			gp_tpl_step *ph = &t->steps[t->nsteps++];
			*ph = (gp_tpl_step){ .ph = true };
			size_t nl = j - i - 1;
			if (!(nl == 0 || (nl == 1 && s[i + 1] == '_'))) {
				ph->name = gp_arena_strndup(ctx->arena, s + i + 1, nl);
				if (!ph->name)
					return gp_fail(ctx, NULL, "out of memory");
				ph->nlen = (uint32_t)nl;
				t->ncap++;
			}
			last_ph = i;
			cur = NULL;
			i = j + 1;
			continue;
		}
		if (c == '}' && !(i + 1 < n && s[i + 1] == '}')) {
			gp_span sp = gp_arg_subspan(a, i, i + 1);
			return gp_fail(ctx, &sp, "parse: a lone '}' (write '}}' for a literal brace)");
		}
		if (!cur) {
			cur = &t->steps[t->nsteps++];
			*cur = (gp_tpl_step){ .pc = pcs + npcs, .anchor = -1 };
		}
		if (gp_blank(c)) {
			while (i < n && gp_blank(s[i]))
				i++;
			pcs[npcs++] = (gp_tpl_piece){ NULL, 0 };
			cur->npc++;
			continue;
		}
		/* Exact text up to the next blank or single brace. */
		if (cur->npc == 0 || !cur->pc[cur->npc - 1].s) {
			pcs[npcs++] = (gp_tpl_piece){ text + tn, 0 };
			if (cur->anchor < 0)
				cur->anchor = (int32_t)cur->npc;
			cur->npc++;
		}
		text[tn++] = c;
		cur->pc[cur->npc - 1].len++;
		i += (c == '{' || c == '}') ? 2 : 1;
	}
	if (t->ncap == 0)
		return gp_fail(ctx, &a->span,
			       "parse: the template captures nothing: name a placeholder, as in '{level}'");
	return GP_OK;
}

void gp_named_flush(void *arg)
{
	gp_named *r = arg;
	gp_dropped_flush(r->ctx, &r->undecided);
}

/* The fields of the named groups: their number, -1 no match, -2 out of
 * memory, -3 undecided (r->why). */
int gp_named_match(gp_named *r, gp_scratch *sc, const char *p, size_t len)
{
	int rc = gp_rx_match(&r->re, p, len, 0, 0);
	if (rc < PCRE2_ERROR_NOMATCH) {
		gp_rx_why(rc, NULL, r->why, sizeof r->why);
		return -3;
	}
	if (rc < 0)
		return -1;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->re.md);
	uint32_t ovn = pcre2_get_ovector_count(r->re.md);
	uint32_t nf = 0;
	for (uint32_t i = 0; i < r->ng; i++) {
		uint32_t g = r->grp[i];
		if (g >= ovn || ov[2 * g] == PCRE2_UNSET)
			continue;
		gp_field *f = gp_scratch_slot(sc, nf);
		if (!f)
			return -2;
		*f = (gp_field){ .name = r->gname[i], .nlen = r->glen[i], .v = p + ov[2 * g],
				 .vlen = ov[2 * g + 1] - ov[2 * g], .kind = GP_K_STR };
		nf++;
	}
	return (int)nf;
}

gp_status gp_named_compile(gp_stage *st, const gp_arg *a, gp_named *r)
{
	gp_ctx *ctx = st->ctx;
	char msg[256];
	size_t eo;
	if (gp_rx_compile(&r->re, st->scope, a->s, a->len, PCRE2_NEVER_UTF | PCRE2_DOLLAR_ENDONLY, msg,
			  sizeof msg, &eo) != 0) {
		gp_span sp = gp_arg_subspan(a, eo, eo + 1);
		return gp_fail(ctx, &sp, "parse -r: invalid regex: %s", msg);
	}
	r->ctx = ctx;
	r->undecided = (gp_dropped){ .stage = "parse", .error = true,
				     .what = "could not be matched by the regex",
				     .what1 = "could not be matched by the regex" };
	if (gp_scope_defer(st->scope, gp_named_flush, r) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	uint32_t count = 0, esize = 0;
	PCRE2_SPTR table = NULL;
	pcre2_pattern_info(r->re.code, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(r->re.code, PCRE2_INFO_NAMEENTRYSIZE, &esize);
	pcre2_pattern_info(r->re.code, PCRE2_INFO_NAMETABLE, &table);
	if (count == 0)
		return gp_fail(ctx, &a->span, "parse -r: the pattern has no named groups (?<name>...)");
	r->grp = gp_arena_alloc(ctx->arena, count * sizeof *r->grp);
	r->gname = gp_arena_alloc(ctx->arena, count * sizeof *r->gname);
	r->glen = gp_arena_alloc(ctx->arena, count * sizeof *r->glen);
	if (!r->grp || !r->gname || !r->glen)
		return gp_fail(ctx, NULL, "out of memory");
	/* The name table is sorted by name: insert by group number. */
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *e = table + (size_t)i * esize;
		uint32_t g = ((uint32_t)e[0] << 8) | e[1];
		const char *nm = (const char *)e + 2;
		uint32_t k = r->ng;
		while (k > 0 && r->grp[k - 1] > g) {
			r->grp[k] = r->grp[k - 1];
			r->gname[k] = r->gname[k - 1];
			r->glen[k] = r->glen[k - 1];
			k--;
		}
		r->grp[k] = g;
		r->gname[k] = nm;
		r->glen[k] = (uint32_t)strlen(nm);
		r->ng++;
	}
	return GP_OK;
}
