/* The text parsers: fields, parse (templates and PCRE2 named groups),
 * logfmt, csv and tsv. Each turns the records it pulls into records with
 * fields (core/fields.h).
 *
 * Common shape: values are views into the record text wherever the bytes
 * can be taken as they are; decoded values (unquoted CSV, escaped logfmt or
 * TSV) and the per-record field arrays go into a per-batch pool, reset at the
 * start of every next(). Fields are parsed into a scratch array first and
 * copied into the pool at their exact count, so nothing is allocated per
 * record. Records a parser cannot parse are dropped and summarised once per
 * input (gp_dropped). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/dropped.h"
#include "../core/fref.h"
#include "../core/pool.h"
#include "../core/sb.h"
#include "../match/rx.h"
#include "../registry.h"

/* ---- shared machinery ---------------------------------------------------- */

typedef struct pbase {
	gp_ctx *ctx;
	gp_pool pool;
	gp_recvec out;
	gp_field *tmp; /* scratch fields of the record being parsed */
	uint32_t tcap;
	const char **pos; /* "1", "2", ...: names of positional fields (arena) */
	uint32_t npos, poscap;
	gp_dropped drop;
	gp_sb sb; /* scratch text for decoding */
} pbase;

static void free_base(void *arg)
{
	pbase *b = arg;
	gp_dropped_flush(b->ctx, &b->drop); /* also when head closed the chain early */
	free(b->tmp);
	free(b->pos);
	gp_sb_free(&b->sb);
}

static int base_init(gp_stage *st, pbase *b, const char *stage, const char *what,
		     const char *what1)
{
	b->ctx = st->ctx;
	b->drop.stage = stage;
	b->drop.what = what;
	b->drop.what1 = what1;
	st->ctx->need_lineno = true;
	if (gp_pool_own(st->scope, &b->pool) != 0 || gp_recvec_own(st->scope, &b->out) != 0 ||
	    gp_scope_defer(st->scope, free_base, b) != 0)
		return -1;
	return 0;
}

/* Room for field index i in the scratch array. */
static inline gp_field *slot(pbase *b, uint32_t i)
{
	if (i >= b->tcap) {
		uint32_t cap = b->tcap ? b->tcap * 2 : 16;
		while (cap <= i)
			cap *= 2;
		gp_field *t = realloc(b->tmp, cap * sizeof *t);
		if (!t)
			return NULL;
		b->tmp = t;
		b->tcap = cap;
	}
	return &b->tmp[i];
}

/* The name of positional field i (1-based), made once and kept for the run. */
static const char *posname(pbase *b, uint32_t i, uint32_t *len)
{
	while (b->npos < i) {
		if (b->npos == b->poscap) {
			uint32_t cap = b->poscap ? b->poscap * 2 : 64;
			const char **p = realloc(b->pos, cap * sizeof *p);
			if (!p)
				return NULL;
			b->pos = p;
			b->poscap = cap;
		}
		char *s = gp_arena_alloc(b->ctx->arena, 12);
		if (!s)
			return NULL;
		snprintf(s, 12, "%u", b->npos + 1);
		b->pos[b->npos++] = s;
	}
	*len = (uint32_t)strlen(b->pos[i - 1]);
	return b->pos[i - 1];
}

/* Appends an output record: text p[0..len), the nf scratch fields copied into
 * the pool (none: f = NULL), origin and line from in. */
static int emit(pbase *b, const gp_rec *in, const char *p, size_t len, uint32_t nf,
		const gp_layout *lay)
{
	if (b->out.n == b->out.cap && gp_recvec_reserve(&b->out, b->out.n + 1) != 0)
		return -1;
	gp_field *f = NULL;
	if (nf) {
		f = gp_pool_alloc(&b->pool, nf * sizeof *f);
		if (!f)
			return -1;
		memcpy(f, b->tmp, nf * sizeof *f);
	}
	gp_rec *o = &b->out.v[b->out.n++];
	*o = (gp_rec){ .p = p, .len = len, .line = in->line, .origin = in->origin, .f = f,
		       .lay = nf ? lay : NULL, .nf = nf };
	return 0;
}

/* A copy of s[0..n) in the pool. */
static const char *pool_copy(pbase *b, const char *s, size_t n)
{
	char *d = gp_pool_alloc(&b->pool, n ? n : 1);
	if (d && n)
		memcpy(d, s, n);
	return d;
}

/* Starts a batch: empty output, reset pool. */
static void batch_begin(pbase *b)
{
	b->out.n = 0;
	gp_pool_reset(&b->pool);
}

static gp_status batch_out(pbase *b, gp_batch *out)
{
	out->recs = b->out.v;
	out->n = b->out.n;
	out->has_recs = true;
	out->writable = false;
	return GP_OK;
}

static inline bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Scans options by hand for the long ones (--keep) and hands the rest to
 * gp_getopt: returns a copy of args without the words matching `lng`, and
 * sets *seen when one was there. */
static gp_args strip_long(gp_ctx *ctx, const gp_args *args, const char *lng, bool *seen)
{
	gp_args r = { gp_arena_alloc(ctx->arena, (args->n + 1) * sizeof *args->v), 0 };
	if (!r.v)
		return *args;
	bool dashdash = false;
	for (size_t i = 0; i < args->n; i++) {
		const gp_arg *a = &args->v[i];
		if (!dashdash && !a->quoted && strcmp(a->s, "--") == 0)
			dashdash = true;
		if (!dashdash && !a->quoted && strcmp(a->s, lng) == 0) {
			*seen = true;
			continue;
		}
		r.v[r.n++] = *a;
	}
	return r;
}

/* --explain: "PREFIX'TEXT'SUFFIX", TEXT escaped. */
static char *explain_quoted(gp_ctx *ctx, const char *pre, const char *s, size_t n, const char *post)
{
	size_t need = strlen(pre) + 4 * n + strlen(post) + 4;
	char *e = gp_arena_alloc(ctx->arena, need);
	if (!e)
		return NULL;
	size_t k = (size_t)snprintf(e, need, "%s'", pre);
	k += gp_escape(e + k, need - k, s, n);
	snprintf(e + k, need - k, "'%s", post);
	return e;
}

/* ---- fields --------------------------------------------------------------- */

typedef struct fields_st {
	pbase b;
	const char *sep; /* NULL: runs of blanks */
	size_t seplen;
	const gp_arg *names;
	uint32_t nnames;
	const gp_layout *lay;
} fields_st;

static int fields_put(fields_st *s, uint32_t i, const char *v, size_t vlen)
{
	gp_field *f = slot(&s->b, i);
	if (!f)
		return -1;
	if (i < s->nnames) {
		f->name = s->names[i].s;
		f->nlen = (uint32_t)s->names[i].len;
	} else if (!(f->name = posname(&s->b, i + 1, &f->nlen))) {
		return -1;
	}
	f->v = v;
	f->vlen = vlen;
	f->kind = GP_K_STR;
	return 0;
}

static int fields_one(fields_st *s, const gp_rec *r)
{
	size_t len;
	const char *p = gp_rec_body(r, false, &len), *end = p + len;
	uint32_t n = 0;
	if (!s->sep) {
		size_t pos = 0, fl;
		const char *f;
		while (gp_awk_next(p, len, &pos, &f, &fl))
			if (fields_put(s, n++, f, fl) != 0)
				return -1;
	} else if (len) {
		for (;;) {
			const char *q = s->seplen == 1 ? memchr(p, s->sep[0], (size_t)(end - p))
						       : memmem(p, (size_t)(end - p), s->sep, s->seplen);
			if (fields_put(s, n++, p, q ? (size_t)(q - p) : (size_t)(end - p)) != 0)
				return -1;
			if (!q)
				break;
			p = q + s->seplen;
		}
	}
	return emit(&s->b, r, r->p, r->len, n, s->lay);
}

static gp_status fields_next(gp_stage *st, gp_batch *out)
{
	fields_st *s = st->state;
	gp_batch in;
	gp_status rc = gp_pull(st, &in);
	if (rc != GP_OK)
		return rc;
	batch_begin(&s->b);
	if (gp_batch_records(&in, st->ctx->delim) == (size_t)-1)
		return gp_fail(st->ctx, NULL, "out of memory");
	for (size_t i = 0; i < in.n; i++)
		if (fields_one(s, &in.recs[i]) != 0)
			return gp_fail(st->ctx, NULL, "out of memory");
	return batch_out(&s->b, out);
}

static const gp_stage_ops fields_ops = { fields_next };

/* "\t" written as two characters means a tab (the expression language keeps
 * backslashes in single quotes). */
static void sep_escapes(const gp_arg *a, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	for (size_t i = 0; i < a->len && n < cap; i++) {
		if (a->s[i] == '\\' && i + 1 < a->len && a->s[i + 1] == 't') {
			buf[n++] = '\t';
			i++;
		} else {
			buf[n++] = a->s[i];
		}
	}
	*len = n;
}

static gp_status fields_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	fields_st *s = gp_scope_alloc(st->scope, sizeof *s);
	if (!s || base_init(st, &s->b, "fields", "", "") != 0)
		return gp_fail(ctx, NULL, "out of memory");
	gp_getopt go;
	if (gp_getopt_init(&go, ctx, st->def->name, st->def->opts, args) != 0)
		return GP_ERR;
	int c;
	gp_arg sep = { 0 };
	bool have_sep = false;
	while ((c = gp_getopt_next(&go)) > 0) {
		if (c == 'd') {
			sep = go.optarg;
			have_sep = true;
		}
	}
	if (c < 0)
		return GP_ERR;
	gp_layout *lay = gp_arena_alloc(ctx->arena, sizeof *lay);
	if (!lay)
		return gp_fail(ctx, NULL, "out of memory");
	lay->fmt = GP_LAY_DELIM;
	if (have_sep) {
		char *buf = gp_arena_alloc(ctx->arena, sep.len + 1);
		if (!buf)
			return gp_fail(ctx, NULL, "out of memory");
		size_t n;
		sep_escapes(&sep, buf, sep.len, &n);
		if (n == 0)
			return gp_fail(ctx, &sep.span, "fields: -d needs a separator (one or more bytes)");
		if (n > sizeof lay->sep)
			return gp_fail(ctx, &sep.span, "fields: -d takes at most %zu bytes",
				       sizeof lay->sep);
		s->sep = buf;
		s->seplen = n;
		memcpy(lay->sep, buf, n);
		lay->seplen = (uint8_t)n;
	} else {
		lay->sep[0] = ' ';
		lay->seplen = 1;
	}
	s->lay = lay;
	st->explain = have_sep ? explain_quoted(ctx, "-d ", s->sep, s->seplen, "")
			       : gp_arena_strndup(ctx->arena, "runs of blanks, as awk", 22);
	s->names = go.operands;
	s->nnames = (uint32_t)go.noperands;
	for (size_t i = 0; i < go.noperands; i++)
		if (go.operands[i].len == 0)
			return gp_fail(ctx, &go.operands[i].span, "fields: empty field name");
	st->state = s;
	st->ops = &fields_ops;
	return GP_OK;
}

/* ---- parse TEMPLATE ------------------------------------------------------- */

/* A template compiles to a list of steps: placeholders and literals. A
 * literal is a run of pieces, each either exact text or a run of blanks
 * (matching one or more spaces or tabs). */
typedef struct piece {
	const char *s; /* NULL: blanks */
	size_t len;
} piece;

typedef struct step {
	bool ph;           /* a placeholder */
	const char *name;  /* NULL: skipped ({} or {_}) */
	uint32_t nlen;
	piece *pc;         /* literal pieces */
	uint32_t npc;
	int32_t anchor;    /* first text piece, -1 when the literal is blanks only */
} step;

typedef struct tpl {
	step *steps;
	uint32_t nsteps;
	uint32_t ncap; /* named captures */
} tpl;

/* The first run of blanks in p[from..end), or NULL. */
static const char *find_blank(const char *p, const char *end)
{
	for (; p < end; p++)
		if (blank(*p))
			return p;
	return NULL;
}

/* Matches the pieces pc[k..npc) anchored at p; returns the end, or NULL. */
static const char *match_rest(const piece *pc, uint32_t k, uint32_t npc, const char *p,
			      const char *end)
{
	for (; k < npc; k++) {
		if (!pc[k].s) {
			if (p == end || !blank(*p))
				return NULL;
			while (p < end && blank(*p))
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
static const char *find_lit(const step *l, const char *p, const char *end, const char **ms)
{
	if (l->anchor < 0) { /* blanks only */
		const char *b = find_blank(p, end);
		if (!b)
			return NULL;
		*ms = b;
		return match_rest(l->pc, 0, l->npc, b, end);
	}
	const piece *t = &l->pc[l->anchor];
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
			while (start > p && blank(start[-1]))
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
static int tpl_match(const tpl *t, pbase *b, const char *p, size_t len)
{
	const char *cur = p, *end = p + len;
	uint32_t nf = 0;
	for (uint32_t i = 0; i < t->nsteps; i++) {
		const step *s = &t->steps[i];
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
			gp_field *f = slot(b, nf);
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
static gp_status tpl_compile(gp_stage *st, const gp_arg *a, tpl *t)
{
	gp_ctx *ctx = st->ctx;
	const char *s = a->s;
	size_t n = a->len;
	/* Upper bounds: every byte a step or a piece. */
	t->steps = gp_arena_alloc(ctx->arena, (n + 1) * sizeof *t->steps);
	piece *pcs = gp_arena_alloc(ctx->arena, (n + 1) * sizeof *pcs);
	char *text = gp_arena_alloc(ctx->arena, n + 1); /* literal bytes, braces undoubled */
	if (!t->steps || !pcs || !text)
		return gp_fail(ctx, NULL, "out of memory");
	size_t tn = 0, npcs = 0;
	size_t i = 0, last_ph = 0;
	step *cur = NULL; /* the literal being built */
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
			step *ph = &t->steps[t->nsteps++];
			*ph = (step){ .ph = true };
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
			*cur = (step){ .pc = pcs + npcs, .anchor = -1 };
		}
		if (blank(c)) {
			while (i < n && blank(s[i]))
				i++;
			pcs[npcs++] = (piece){ NULL, 0 };
			cur->npc++;
			continue;
		}
		/* Exact text up to the next blank or single brace. */
		if (cur->npc == 0 || !cur->pc[cur->npc - 1].s) {
			pcs[npcs++] = (piece){ text + tn, 0 };
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

/* ---- parse -r REGEX ------------------------------------------------------- */

typedef struct rx {
	gp_rx re;
	uint32_t ng;   /* named groups */
	uint32_t *grp; /* group number of each, in group order */
	const char **gname;
	uint32_t *glen;
	/* records PCRE2 could not decide (a resource limit even after a retry
	 * with larger ones): not parsed, and reported as an error */
	gp_dropped undecided;
	char why[96];
	gp_ctx *ctx;
} rx;

static void rx_flush(void *arg)
{
	rx *r = arg;
	gp_dropped_flush(r->ctx, &r->undecided);
}

/* The fields of the named groups: their number, -1 no match, -2 out of
 * memory, -3 undecided (r->why). */
static int rx_match(rx *r, pbase *b, const char *p, size_t len)
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
		gp_field *f = slot(b, nf);
		if (!f)
			return -2;
		*f = (gp_field){ .name = r->gname[i], .nlen = r->glen[i], .v = p + ov[2 * g],
				 .vlen = ov[2 * g + 1] - ov[2 * g], .kind = GP_K_STR };
		nf++;
	}
	return (int)nf;
}

static gp_status rx_compile(gp_stage *st, const gp_arg *a, rx *r)
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
	if (gp_scope_defer(st->scope, rx_flush, r) != 0)
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

/* ---- parse: the stage ----------------------------------------------------- */

typedef struct parse_st {
	pbase b;
	bool keep, regex;
	tpl t;
	rx r;
} parse_st;

static gp_status parse_next(gp_stage *st, gp_batch *out)
{
	parse_st *s = st->state;
	gp_batch in;
	for (;;) {
		gp_status rc = gp_pull(st, &in);
		if (rc != GP_OK) {
			if (rc == GP_EOF) {
				gp_dropped_flush(st->ctx, &s->b.drop);
				if (s->regex)
					rx_flush(&s->r);
			}
			return rc;
		}
		batch_begin(&s->b);
		if (gp_batch_records(&in, st->ctx->delim) == (size_t)-1)
			return gp_fail(st->ctx, NULL, "out of memory");
		for (size_t i = 0; i < in.n; i++) {
			const gp_rec *r = &in.recs[i];
			size_t len;
			const char *p = gp_rec_body(r, false, &len);
			int nf = s->regex ? rx_match(&s->r, &s->b, p, len) : tpl_match(&s->t, &s->b, p, len);
			if (nf == -2)
				return gp_fail(st->ctx, NULL, "out of memory");
			if (nf == -3) /* and not parsed either */
				gp_dropped_add(st->ctx, &s->r.undecided, r, s->r.why);
			if (nf < 0) {
				if (!s->keep) {
					gp_dropped_add(st->ctx, &s->b.drop, r, NULL);
					continue;
				}
				nf = 0;
			}
			if (emit(&s->b, r, r->p, r->len, (uint32_t)nf, &gp_layout_logfmt) != 0)
				return gp_fail(st->ctx, NULL, "out of memory");
		}
		if (s->b.out.n)
			return batch_out(&s->b, out);
	}
}

static const gp_stage_ops parse_ops = { parse_next };

static gp_status parse_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	parse_st *s = gp_scope_alloc(st->scope, sizeof *s);
	if (!s || base_init(st, &s->b, "parse", "did not match", "did not match") != 0)
		return gp_fail(ctx, NULL, "out of memory");
	gp_args a = strip_long(ctx, args, "--keep", &s->keep);
	gp_getopt go;
	if (gp_getopt_init(&go, ctx, st->def->name, st->def->opts, &a) != 0)
		return GP_ERR;
	int c;
	gp_arg re = { 0 };
	while ((c = gp_getopt_next(&go)) > 0) {
		if (c == 'k')
			s->keep = true;
		else if (c == 'r') {
			re = go.optarg;
			s->regex = true;
		}
	}
	if (c < 0)
		return GP_ERR;
	if (s->regex) {
		if (go.noperands)
			return gp_fail(ctx, &go.operands[0].span,
				       "parse: unexpected argument '%s' (-r takes the regex)",
				       go.operands[0].s);
		if (rx_compile(st, &re, &s->r) != GP_OK)
			return GP_ERR;
		char post[64];
		snprintf(post, sizeof post, "  [%s, %u named group%s]", s->r.re.jit ? "pcre2-jit" : "pcre2",
			 s->r.ng, s->r.ng == 1 ? "" : "s");
		st->explain = explain_quoted(ctx, s->keep ? "--keep -r " : "-r ", re.s, re.len, post);
	} else {
		if (go.noperands == 0)
			return gp_fail(ctx, &st->span, "parse: missing TEMPLATE (or -r REGEX)");
		if (go.noperands > 1)
			return gp_fail(ctx, &go.operands[1].span,
				       "parse: unexpected argument '%s' (quote the template as one word)",
				       go.operands[1].s);
		if (tpl_compile(st, &go.operands[0], &s->t) != GP_OK)
			return GP_ERR;
		char post[64];
		snprintf(post, sizeof post, "  [template, %u capture%s]", s->t.ncap,
			 s->t.ncap == 1 ? "" : "s");
		st->explain = explain_quoted(ctx, s->keep ? "--keep " : "", go.operands[0].s,
					     go.operands[0].len, post);
	}
	st->state = s;
	st->ops = &parse_ops;
	return GP_OK;
}

/* ---- logfmt --------------------------------------------------------------- */

typedef struct logfmt_st {
	pbase b;
} logfmt_st;

/* Parses one logfmt record into the scratch fields. Returns the field count,
 * -1 when malformed (detail filled), -2 on OOM. */
static int logfmt_parse(pbase *b, const char *p0, size_t len, char *detail, size_t dcap)
{
	const char *p = p0, *end = p0 + len;
	uint32_t nf = 0;
	for (;;) {
		while (p < end && blank(*p))
			p++;
		if (p == end)
			break;
		const char *k = p;
		while (p < end && !blank(*p) && *p != '=' && *p != '"')
			p++;
		if (p == k) {
			snprintf(detail, dcap, *p == '=' ? "key starting with '=' at byte %zu"
							 : "unexpected quote at byte %zu",
				 (size_t)(p - p0) + 1);
			return -1;
		}
		gp_field *f = slot(b, nf);
		if (!f)
			return -2;
		*f = (gp_field){ .name = k, .nlen = (uint32_t)(p - k), .v = p, .vlen = 0,
				 .kind = GP_K_STR };
		nf++;
		if (p == end || blank(*p))
			continue; /* a bare key */
		if (*p == '"') {
			snprintf(detail, dcap, "unexpected quote at byte %zu", (size_t)(p - p0) + 1);
			return -1;
		}
		p++; /* '=' */
		if (p < end && *p == '"') {
			const char *q0 = p;
			const char *v = ++p;
			bool esc = false;
			while (p < end && *p != '"') {
				if (*p == '\\') {
					esc = true;
					p++;
				}
				p++;
			}
			if (p >= end) {
				snprintf(detail, dcap, "unterminated quote at byte %zu",
					 (size_t)(q0 - p0) + 1);
				return -1;
			}
			size_t vlen = (size_t)(p - v);
			p++; /* closing quote */
			if (p < end && !blank(*p)) {
				snprintf(detail, dcap, "expected a blank after the quoted value at byte %zu",
					 (size_t)(p - p0) + 1);
				return -1;
			}
			if (!esc) {
				f->v = v;
				f->vlen = vlen;
				continue;
			}
			char *d = gp_pool_alloc(&b->pool, vlen);
			if (!d)
				return -2;
			size_t n = 0;
			for (size_t i = 0; i < vlen; i++) {
				char c = v[i];
				if (c != '\\' || i + 1 >= vlen) {
					d[n++] = c;
					continue;
				}
				char e = v[++i];
				switch (e) {
				case '"': d[n++] = '"'; break;
				case '\\': d[n++] = '\\'; break;
				case 'n': d[n++] = '\n'; break;
				case 't': d[n++] = '\t'; break;
				case 'r': d[n++] = '\r'; break;
				default: d[n++] = '\\'; d[n++] = e; break;
				}
			}
			f->v = d;
			f->vlen = n;
			continue;
		}
		const char *v = p;
		while (p < end && !blank(*p))
			p++;
		f->v = v;
		f->vlen = (size_t)(p - v);
	}
	return (int)nf;
}

static gp_status logfmt_next(gp_stage *st, gp_batch *out)
{
	logfmt_st *s = st->state;
	gp_batch in;
	char detail[128];
	for (;;) {
		gp_status rc = gp_pull(st, &in);
		if (rc != GP_OK) {
			if (rc == GP_EOF)
				gp_dropped_flush(st->ctx, &s->b.drop);
			return rc;
		}
		batch_begin(&s->b);
		if (gp_batch_records(&in, st->ctx->delim) == (size_t)-1)
			return gp_fail(st->ctx, NULL, "out of memory");
		for (size_t i = 0; i < in.n; i++) {
			const gp_rec *r = &in.recs[i];
			size_t len;
			const char *p = gp_rec_body(r, true, &len);
			int nf = logfmt_parse(&s->b, p, len, detail, sizeof detail);
			if (nf == -2)
				return gp_fail(st->ctx, NULL, "out of memory");
			if (nf == -1) {
				gp_dropped_add(st->ctx, &s->b.drop, r, detail);
				continue;
			}
			if (emit(&s->b, r, r->p, r->len, (uint32_t)nf, &gp_layout_logfmt) != 0)
				return gp_fail(st->ctx, NULL, "out of memory");
		}
		if (s->b.out.n)
			return batch_out(&s->b, out);
	}
}

static const gp_stage_ops logfmt_ops = { logfmt_next };

static gp_status logfmt_open(gp_stage *st, const gp_args *args)
{
	if (gp_no_args(st->ctx, st->def->name, args) != GP_OK)
		return GP_ERR;
	logfmt_st *s = gp_scope_alloc(st->scope, sizeof *s);
	if (!s || base_init(st, &s->b, "logfmt", "are not logfmt", "is not logfmt") != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	st->state = s;
	st->ops = &logfmt_ops;
	return GP_OK;
}

/* ---- csv and tsv ---------------------------------------------------------- */

/* Lines one after another in one buffer, each followed by '\n', with their
 * line numbers as runs of consecutive numbers (one run unless a stage before
 * dropped lines), and a read position for taking them back one by one. */
typedef struct lrun {
	uint64_t line, n;
} lrun;

typedef struct lines {
	gp_sb b;
	size_t nlines;
	lrun *run;
	size_t nrun, rcap;
	size_t off, ri;   /* reading: next byte, current run */
	uint64_t rdone;   /* lines of run ri already taken */
} lines;

static void lines_free(lines *l)
{
	gp_sb_free(&l->b);
	free(l->run);
}

static void lines_clear(lines *l)
{
	l->b.len = l->nlines = l->nrun = l->off = l->ri = 0;
	l->rdone = 0;
}

static int lines_add(lines *l, const char *p, size_t n, uint64_t line)
{
	gp_sb_put(&l->b, p, n);
	gp_sb_putc(&l->b, '\n');
	if (l->b.oom)
		return -1;
	l->nlines++;
	if (l->nrun && l->run[l->nrun - 1].line + l->run[l->nrun - 1].n == line) {
		l->run[l->nrun - 1].n++;
		return 0;
	}
	if (l->nrun == l->rcap) {
		size_t cap = l->rcap ? l->rcap * 2 : 4;
		lrun *r = realloc(l->run, cap * sizeof *r);
		if (!r)
			return -1;
		l->run = r;
		l->rcap = cap;
	}
	l->run[l->nrun++] = (lrun){ line, 1 };
	return 0;
}

/* Takes the next line: false when none is left. */
static bool lines_take(lines *l, const char **p, size_t *n, uint64_t *line)
{
	if (l->off >= l->b.len)
		return false;
	const char *e = memchr(l->b.p + l->off, '\n', l->b.len - l->off);
	*p = l->b.p + l->off;
	*n = (size_t)(e - *p);
	l->off += *n + 1;
	while (l->rdone == l->run[l->ri].n) {
		l->ri++;
		l->rdone = 0;
	}
	*line = l->run[l->ri].line + l->rdone++;
	return true;
}

/* Appends the lines of src not taken yet. */
static int lines_append_rest(lines *dst, lines *src)
{
	const char *p;
	size_t n;
	uint64_t line;
	while (lines_take(src, &p, &n, &line))
		if (lines_add(dst, p, n, line) != 0)
			return -1;
	return 0;
}

typedef struct table_st {
	pbase b;
	bool tsv;
	char sep;
	const gp_layout *lay;
	/* The header of the current input: names copied into hbuf. */
	bool have_origin, need_header;
	uint64_t origin_id;
	char *hbuf;
	size_t hcap, hlen;
	size_t *hoff;
	uint32_t *hlenv;
	uint32_t nh, hncap;
	/* Names as records see them: a copy of hbuf in the pool, made for each
	 * batch (records of this batch keep pointing at it when a new input's
	 * header replaces hbuf). */
	const char **hname;
	bool hfresh;
	/* csv: a record that ended inside a quoted field, joined with the next
	 * lines; if the quote is still open at --max-record or at the end of the
	 * input, the first line is reported and skipped and the lines after it
	 * are read again (replay), so a stray quote costs one line, not the rest
	 * of the input. */
	lines join, replay, spare;
	bool joining;
	gp_rec jrec; /* line and origin of the first line */
	gp_origin jorigin; /* a copy: the input's own may be gone */
	char jname[512];
	char jmember[256];
	/* The origin of the lines read again: a copy, and its copy in the pool
	 * for the records of this batch. */
	gp_origin rorig;
	char rname[512];
	char rmember[256];
	bool rhas_origin;
	const gp_origin *rorigin;
	gp_batch in; /* the input batch being read, and its next line */
	size_t inpos;
} table_st;

static void free_table(void *arg)
{
	table_st *t = arg;
	free(t->hbuf);
	free(t->hoff);
	free(t->hlenv);
	free(t->hname);
	lines_free(&t->join);
	lines_free(&t->replay);
	lines_free(&t->spare);
}

/* csv: is the record text still inside a quoted field at its end, scanning
 * from the start of a field (in_quote false) or from inside one. */
static bool csv_open_quote(const char *p, size_t len, char sep, bool in_quote)
{
	const char *end = p + len;
	bool field_start = !in_quote;
	while (p < end) {
		if (in_quote) {
			const char *q = memchr(p, '"', (size_t)(end - p));
			if (!q)
				return true;
			if (q + 1 < end && q[1] == '"') {
				p = q + 2;
				continue;
			}
			in_quote = false;
			p = q + 1;
			field_start = false;
			continue;
		}
		if (field_start && *p == '"') {
			in_quote = true;
			p++;
			continue;
		}
		const char *q = memchr(p, sep, (size_t)(end - p));
		if (!q)
			return false;
		p = q + 1;
		field_start = true;
	}
	return in_quote;
}

/* Splits a complete CSV record into values: *out_v/out_l via the callback
 * storage (scratch fields, names filled by the caller). Unquoted values are
 * views; quoted ones are views when they hold no "" and nothing follows the
 * closing quote, else decoded into the pool. Returns the count or -2. */
static int csv_split(pbase *b, const char *p, size_t len, char sep)
{
	const char *end = p + len;
	uint32_t n = 0;
	for (;;) {
		gp_field *f = slot(b, n);
		if (!f)
			return -2;
		f->kind = GP_K_STR;
		if (p < end && *p == '"') {
			const char *v = p + 1, *q = v;
			bool dbl = false;
			for (;;) {
				q = memchr(q, '"', (size_t)(end - q));
				if (!q) { /* cannot happen on a complete record; be safe */
					q = end;
					break;
				}
				if (q + 1 < end && q[1] == '"') {
					dbl = true;
					q += 2;
					continue;
				}
				break;
			}
			const char *after = q < end ? q + 1 : end;
			const char *s = memchr(after, sep, (size_t)(end - after));
			const char *fe = s ? s : end;
			if (!dbl && after == fe) {
				f->v = v;
				f->vlen = (size_t)(q - v);
			} else {
				size_t cap = (size_t)(q - v) + (size_t)(fe - after);
				char *d = gp_pool_alloc(&b->pool, cap ? cap : 1);
				if (!d)
					return -2;
				size_t k = 0;
				for (const char *x = v; x < q; x++) {
					d[k++] = *x;
					if (*x == '"')
						x++; /* "" */
				}
				memcpy(d + k, after, (size_t)(fe - after));
				k += (size_t)(fe - after);
				f->v = d;
				f->vlen = k;
			}
			n++;
			if (!s)
				break;
			p = s + 1;
			continue;
		}
		const char *s = memchr(p, sep, (size_t)(end - p));
		f->v = p;
		f->vlen = s ? (size_t)(s - p) : (size_t)(end - p);
		n++;
		if (!s)
			break;
		p = s + 1;
	}
	return (int)n;
}

/* tsv: values split on tabs, \t \n \r \\ unescaped. */
static int tsv_split(pbase *b, const char *p, size_t len)
{
	const char *end = p + len;
	uint32_t n = 0;
	for (;;) {
		gp_field *f = slot(b, n);
		if (!f)
			return -2;
		const char *s = memchr(p, '\t', (size_t)(end - p));
		const char *fe = s ? s : end;
		f->kind = GP_K_STR;
		f->v = p;
		f->vlen = (size_t)(fe - p);
		if (memchr(p, '\\', f->vlen)) {
			char *d = gp_pool_alloc(&b->pool, f->vlen);
			if (!d)
				return -2;
			size_t k = 0;
			for (const char *x = p; x < fe; x++) {
				if (*x == '\\' && x + 1 < fe) {
					char e = x[1];
					char c = e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == '\\' ? '\\' : 0;
					if (c) {
						d[k++] = c;
						x++;
						continue;
					}
				}
				d[k++] = *x;
			}
			f->v = d;
			f->vlen = k;
		}
		n++;
		if (!s)
			break;
		p = s + 1;
	}
	return (int)n;
}

/* Keeps the scratch values [0..n) as the header of the current input. */
static int set_header(table_st *t, uint32_t n)
{
	size_t need = 0;
	for (uint32_t i = 0; i < n; i++)
		need += t->b.tmp[i].vlen + 1;
	if (need > t->hcap) {
		size_t cap = t->hcap ? t->hcap : 256;
		while (cap < need)
			cap *= 2;
		char *h = realloc(t->hbuf, cap);
		if (!h)
			return -1;
		t->hbuf = h;
		t->hcap = cap;
	}
	if (n > t->hncap) {
		uint32_t cap = t->hncap ? t->hncap : 16;
		while (cap < n)
			cap *= 2;
		uint32_t *l = realloc(t->hlenv, cap * sizeof *l);
		if (l)
			t->hlenv = l;
		const char **nm = realloc(t->hname, cap * sizeof *nm);
		if (nm)
			t->hname = nm;
		size_t *off = realloc(t->hoff, cap * sizeof *off);
		if (off)
			t->hoff = off;
		if (!l || !nm || !off)
			return -1;
		t->hncap = cap;
	}
	size_t k = 0;
	for (uint32_t i = 0; i < n; i++) {
		const gp_field *f = &t->b.tmp[i];
		memcpy(t->hbuf + k, f->v, f->vlen);
		t->hbuf[k + f->vlen] = '\0';
		t->hoff[i] = k;
		t->hlenv[i] = (uint32_t)f->vlen;
		k += f->vlen + 1;
	}
	t->hlen = k;
	t->nh = n;
	t->hfresh = false;
	return 0;
}

/* One complete record (joined if it was): the header, or a row. Its text
 * p[0..len) is kept as it is; a trailing CR is not part of the last value. */
static int table_record(table_st *t, const gp_rec *r, const char *p, size_t len)
{
	size_t blen = len && p[len - 1] == '\r' ? len - 1 : len;
	if (blen == 0)
		return 0; /* blank lines are skipped */
	int n = t->tsv ? tsv_split(&t->b, p, blen) : csv_split(&t->b, p, blen, t->sep);
	if (n < 0)
		return -1;
	if (t->need_header) {
		t->need_header = false;
		return set_header(t, (uint32_t)n);
	}
	if (!t->hfresh && t->nh) {
		const char *h = pool_copy(&t->b, t->hbuf, t->hlen);
		if (!h)
			return -1;
		for (uint32_t i = 0; i < t->nh; i++)
			t->hname[i] = h + t->hoff[i];
		t->hfresh = true;
	}
	for (uint32_t i = 0; i < (uint32_t)n; i++) {
		gp_field *f = &t->b.tmp[i];
		if (i < t->nh) {
			f->name = t->hname[i];
			f->nlen = t->hlenv[i];
		} else if (!(f->name = posname(&t->b, i + 1, &f->nlen))) {
			return -1;
		}
	}
	return emit(&t->b, r, p, len, (uint32_t)n, t->lay);
}

/* A copy of an origin in the pool (NULL for none): valid for the batch. */
static const gp_origin *pool_origin(pbase *b, const gp_origin *o)
{
	if (!o)
		return NULL;
	gp_origin *c = gp_pool_alloc(&b->pool, sizeof *c);
	if (!c)
		return NULL;
	size_t nl = strlen(o->name), ml = o->member ? strlen(o->member) : 0;
	char *n = (char *)pool_copy(b, o->name, nl + 1);
	char *m = o->member ? (char *)pool_copy(b, o->member, ml + 1) : NULL;
	if (!n || (o->member && !m))
		return NULL;
	*c = (gp_origin){ n, m, o->id };
	return c;
}

static void join_start(table_st *t, const gp_rec *r)
{
	t->joining = true;
	lines_clear(&t->join);
	t->jrec = *r;
	t->jrec.f = NULL;
	t->jrec.nf = 0;
	if (r->origin) {
		snprintf(t->jname, sizeof t->jname, "%s", r->origin->name);
		if (r->origin->member)
			snprintf(t->jmember, sizeof t->jmember, "%s", r->origin->member);
		t->jorigin = (gp_origin){ t->jname, r->origin->member ? t->jmember : NULL,
					  r->origin->id };
		t->jrec.origin = &t->jorigin;
	}
}

/* csv: the quote opened on the join's first line is still open at
 * --max-record (r: the line that would pass it) or at the end of the input
 * (r NULL). Reports it, skips the first line and queues the lines after it,
 * then r, ahead of the lines still queued, to be read again. */
static int join_abandon(gp_stage *st, table_st *t, const gp_rec *r)
{
	if (!t->joining)
		return 0;
	t->joining = false;
	const gp_rec *f = &t->jrec;
	unsigned long long at = (unsigned long long)f->line;
	size_t nl = t->join.nlines + (r != NULL);
	char why[96], after[96] = "";
	if (r)
		snprintf(why, sizeof why, "within --max-record (%zu bytes, %zu lines)",
			 st->ctx->max_record, nl);
	else
		snprintf(why, sizeof why, "by the end of the input (%zu line%s)", nl, nl == 1 ? "" : "s");
	if (nl > 1)
		snprintf(after, sizeof after, ", the %zu line%s after it read again", nl - 1,
			 nl == 2 ? "" : "s");
	const char *member = f->origin ? f->origin->member : NULL;
	gp_report(st->ctx, "csv: %s%s%s:%llu: quoted field not closed %s: line %llu skipped%s",
		  f->origin ? f->origin->name : "(input)", member ? ":" : "", member ? member : "", at,
		  why, at, after);
	t->rhas_origin = f->origin != NULL;
	t->rorigin = NULL; /* made again in the pool from rorig */
	if (f->origin) {
		snprintf(t->rname, sizeof t->rname, "%s", f->origin->name);
		if (f->origin->member)
			snprintf(t->rmember, sizeof t->rmember, "%s", f->origin->member);
		t->rorig = (gp_origin){ t->rname, f->origin->member ? t->rmember : NULL, f->origin->id };
	}
	lines *q = &t->spare;
	lines_clear(q);
	const char *p;
	size_t n;
	uint64_t line;
	lines_take(&t->join, &p, &n, &line); /* the first line: skipped */
	if (lines_append_rest(q, &t->join) != 0 || (r && lines_add(q, r->p, r->len, r->line) != 0) ||
	    lines_append_rest(q, &t->replay) != 0)
		return -1;
	lines done = t->replay; /* all taken: its storage is the next spare */
	t->replay = *q;
	*q = done;
	return 0;
}
/* One line of the current input. */
static int table_feed(gp_stage *st, table_st *t, const gp_rec *r)
{
	if (t->tsv)
		return table_record(t, r, r->p, r->len);
	if (t->joining) {
		/* join counts a '\n' after each line: the joined text with r
		 * would be join.b.len + r->len bytes long. */
		if (t->join.b.len + r->len > st->ctx->max_record)
			return join_abandon(st, t, r);
		if (lines_add(&t->join, r->p, r->len, r->line) != 0)
			return -1;
		if (csv_open_quote(r->p, r->len, t->sep, true))
			return 0;
		t->joining = false;
		const char *p = pool_copy(&t->b, t->join.b.p, t->join.b.len - 1);
		if (!p)
			return -1;
		/* The origin of this line (valid for this batch) is the first line's:
		 * a join never crosses inputs. */
		gp_rec jr = t->jrec;
		jr.origin = r->origin;
		return table_record(t, &jr, p, t->join.b.len - 1);
	}
	if (memchr(r->p, '"', r->len) && csv_open_quote(r->p, r->len, t->sep, false)) {
		join_start(t, r);
		return lines_add(&t->join, r->p, r->len, r->line);
	}
	return table_record(t, r, r->p, r->len);
}

/* Reads the lines join_abandon queued, as the lines they were, until the
 * output batch holds TABLE_BATCH records. */
#define TABLE_BATCH 4096

static int table_drain(gp_stage *st, table_st *t)
{
	const char *p;
	size_t n;
	uint64_t line;
	while (t->b.out.n < TABLE_BATCH && lines_take(&t->replay, &p, &n, &line)) {
		if (t->rhas_origin && !t->rorigin && !(t->rorigin = pool_origin(&t->b, &t->rorig)))
			return -1;
		const char *c = pool_copy(&t->b, p, n);
		if (!c)
			return -1;
		gp_rec r = { .p = c, .len = n, .line = line, .origin = t->rorigin };
		if (table_feed(st, t, &r) != 0)
			return -1;
	}
	return 0;
}

/* One line of the input batch: 0 when it is read, 1 when it must wait for
 * the lines an unclosed quote of the previous input queued, -1 on OOM. */
static int table_one(gp_stage *st, table_st *t, const gp_rec *r)
{
	uint64_t id = r->origin ? r->origin->id : 0;
	if (!t->have_origin || id != t->origin_id) {
		if (t->joining)
			return join_abandon(st, t, NULL) != 0 ? -1 : 1;
		t->have_origin = true;
		t->origin_id = id;
		t->need_header = true;
	}
	gp_rec h;
	if (r->line == 1 && r->len >= 3 && memcmp(r->p, "\xEF\xBB\xBF", 3) == 0) {
		h = *r; /* a UTF-8 BOM before the header, as Python's utf-8-sig */
		h.p += 3;
		h.len -= 3;
		r = &h;
	}
	return table_feed(st, t, r);
}

/* Lines come from the queue of lines read again first, then from the input
 * batch, which is kept until all its lines are read: records may point into
 * it, so the output is handed on before the next pull. */
static gp_status table_next(gp_stage *st, gp_batch *out)
{
	table_st *t = st->state;
	batch_begin(&t->b);
	t->hfresh = false;
	t->rorigin = NULL;
	for (;;) {
		if (table_drain(st, t) != 0)
			return gp_fail(st->ctx, NULL, "out of memory");
		if (t->b.out.n >= TABLE_BATCH)
			return batch_out(&t->b, out);
		if (t->inpos < t->in.n) {
			int k = table_one(st, t, &t->in.recs[t->inpos]);
			if (k < 0)
				return gp_fail(st->ctx, NULL, "out of memory");
			t->inpos += k == 0;
			continue;
		}
		if (t->b.out.n)
			return batch_out(&t->b, out);
		gp_status rc = gp_pull(st, &t->in);
		t->inpos = 0;
		if (rc == GP_OK) {
			if (gp_batch_records(&t->in, st->ctx->delim) == (size_t)-1)
				return gp_fail(st->ctx, NULL, "out of memory");
			continue;
		}
		t->in.n = 0;
		if (rc == GP_EOF && t->joining) {
			if (join_abandon(st, t, NULL) != 0)
				return gp_fail(st->ctx, NULL, "out of memory");
			continue;
		}
		if (rc == GP_EOF)
			gp_dropped_flush(st->ctx, &t->b.drop);
		return rc;
	}
}

static const gp_stage_ops table_ops = { table_next };

static gp_status table_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	bool tsv = strcmp(st->def->name, "tsv") == 0;
	table_st *t = gp_scope_alloc(st->scope, sizeof *t);
	if (!t || base_init(st, &t->b, st->def->name, "are not CSV", "is not CSV") != 0 ||
	    gp_scope_defer(st->scope, free_table, t) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	t->tsv = tsv;
	t->sep = tsv ? '\t' : ',';
	if (tsv) {
		if (gp_no_args(st->ctx, st->def->name, args) != GP_OK)
			return GP_ERR;
		t->lay = &gp_layout_tsv;
		st->explain = gp_arena_strndup(ctx->arena, "[header: first record of each input]", 36);
	} else {
		gp_getopt go;
		if (gp_getopt_init(&go, ctx, st->def->name, st->def->opts, args) != 0)
			return GP_ERR;
		int c;
		while ((c = gp_getopt_next(&go)) > 0) {
			if (c == 'd') {
				char buf[8];
				size_t n;
				sep_escapes(&go.optarg, buf, sizeof buf, &n);
				if (n != 1 || go.optarg.len > 2 || buf[0] == '"' || buf[0] == '\n' ||
				    buf[0] == '\r')
					return gp_fail(ctx, &go.optarg.span,
						       "csv: -d takes one byte other than a quote or a line break ('\\t' for a tab)");
				t->sep = buf[0];
			}
		}
		if (c < 0)
			return GP_ERR;
		if (go.noperands)
			return gp_fail(ctx, &go.operands[0].span, "csv: unexpected argument '%s'",
				       go.operands[0].s);
		gp_layout *lay = gp_arena_alloc(ctx->arena, sizeof *lay);
		if (!lay)
			return gp_fail(ctx, NULL, "out of memory");
		lay->fmt = GP_LAY_CSV;
		lay->sep[0] = t->sep;
		lay->seplen = 1;
		t->lay = lay;
		st->explain = explain_quoted(ctx, "-d ", &t->sep, 1, "  [header: first record of each input]");
	}
	st->state = t;
	st->ops = &table_ops;
	return GP_OK;
}

/* ---- registry entries ----------------------------------------------------- */

static const gp_optdef fields_opts[] = {
	{ 'd', "SEP", "split on the literal string SEP ('\\t' is a tab), keeping empty pieces" },
	{ 0, NULL, NULL },
};

const gp_stage_def gp_stage_fields = {
	.name = "fields",
	.family = GP_FAM_PARSE,
	.synopsis = "fields [-d SEP] [NAME]...",
	.summary = "split records into fields on blanks or a separator",
	.help = "Splits every record into fields. Without -d it splits as awk does: on runs of "
		"spaces and tabs, ignoring leading and trailing ones. With -d SEP it splits on "
		"the literal string SEP (one byte or several; '\\t' is a tab) and keeps empty "
		"pieces, like awk -F, with a fixed separator: 'a,,b' has three fields.\n\n"
		"The fields are named by the NAMEs in order; pieces beyond the names are named by "
		"their position, 1-based (\"4\"), so $4 and 4 are the same field. A stage that "
		"changes a field rebuilds the record joined by SEP (a single space without -d), "
		"as awk rebuilds $0. Every record parses; an empty one has no fields.",
	.examples = "fields ts level msg\tname the first three blank-separated fields\n"
		    "fields -d , | head 5\tcomma-separated, empty pieces kept\n"
		    "fields -d \" | \" host path\ta multi-byte separator",
	.opts = fields_opts,
	.open = fields_open,
};

static const gp_optdef parse_opts[] = {
	{ 'r', "REGEX", "extract PCRE2 named groups (?<name>...) instead of a template" },
	{ 'k', NULL, "keep records that do not match, without fields (also --keep)" },
	{ 0, NULL, NULL },
};

const gp_stage_def gp_stage_parse = {
	.name = "parse",
	.family = GP_FAM_PARSE,
	.synopsis = "parse [-k|--keep] TEMPLATE | parse [-k|--keep] -r REGEX",
	.summary = "extract fields with a template or PCRE2 named groups",
	.help = "Gives each record the fields a TEMPLATE captures. In the template {name} captures "
		"a field, {} or {_} skips text, {{ and }} are literal braces, and any other text "
		"must match literally, except that a run of spaces matches one or more spaces or "
		"tabs.\n\n"
		"Matching is a single left-to-right scan, no backtracking: a placeholder at the "
		"start of the template starts at the start of the record, a literal at the start "
		"is searched for (its first occurrence); each placeholder ends where the first "
		"following occurrence of the next literal starts; a placeholder at the end takes "
		"the rest of the record; text after a final literal is ignored. Two placeholders "
		"in a row have nothing between them to end the first and are an error.\n\n"
		"With -r REGEX, a PCRE2 regex (JIT compiled) is searched for in the record and its "
		"named groups (?<name>...) become the fields, in the order of the groups; a group "
		"that did not take part in the match is absent.\n\n"
		"Records that do not match are dropped and counted once per input on standard "
		"error (an error with --strict); with -k (--keep) they pass without fields. A "
		"stage that changes a field rebuilds the record as logfmt (name=value).",
	.examples = "parse \"{ts} {level} [{thread}] {method} {path} status={status}\"\tan application log\n"
		    "parse \"{ip} {} {} [{time}] \\\"{method} {path} {}\\\" {status} {bytes}\"\tan access log\n"
		    "parse -r \"user=(?<user>\\w+).*took (?<ms>\\d+)ms\"\tnamed groups\n"
		    "parse --keep \"{level}: {msg}\" | head 20\tnon-matching lines pass on, without fields",
	.opts = parse_opts,
	.open = parse_open,
};

const gp_stage_def gp_stage_logfmt = {
	.name = "logfmt",
	.family = GP_FAM_PARSE,
	.synopsis = "logfmt",
	.summary = "parse key=value records (logfmt)",
	.help = "Parses records of the form key=value key=\"quoted value\" flag. A key is a run of "
		"bytes other than blanks, '=' and '\"'; a key without '=' has an empty value. A "
		"quoted value may hold blanks and the escapes \\\" \\\\ \\n \\t \\r, which are "
		"decoded (other backslashes are kept as they are).\n\n"
		"An unterminated quote, a key starting with '=' or a quote where a key should be "
		"makes the record unparsable: it is dropped and counted once per input on "
		"standard error (an error with --strict). An empty record has no fields. A UTF-8 "
		"byte order mark at the start of an input is skipped.",
	.examples = "grep level=error | logfmt\tthe error records, as fields\n"
		    "logfmt | count\tcount the logfmt records (the others are reported)",
	.open = logfmt_open,
};

static const gp_optdef csv_opts[] = {
	{ 'd', "SEP", "separator byte (default ','); '\\t' is a tab" },
	{ 0, NULL, NULL },
};

const gp_stage_def gp_stage_csv = {
	.name = "csv",
	.family = GP_FAM_PARSE,
	.synopsis = "csv [-d SEP]",
	.summary = "parse CSV records; the first record of each input is the header",
	.help = "Parses CSV as RFC 4180 describes it: values may be quoted, \"\" inside quotes is a "
		"quote, and a quoted value may hold the separator and line breaks (a record that "
		"ends inside quotes is joined with the following ones, up to --max-record, and "
		"keeps the line number of its first line). A quote left open at --max-record or at "
		"the end of the input is an error naming its line: that line is skipped and the "
		"lines after it are read again, so the rows after a stray quote are kept. A quote inside an unquoted value is "
		"kept as it is. A trailing carriage return is not part of the last value (the "
		"record's text keeps it) and blank lines are skipped. A UTF-8 byte order mark before "
		"the header is skipped, as Python's utf-8-sig does.\n\n"
		"The first record of each input is its header: its values name the fields. A row "
		"with more values than the header names the extra ones by position (\"4\"); a "
		"row with fewer lacks the missing fields. Duplicate header names are kept as "
		"they are (a lookup finds the last). A stage that changes a field rebuilds the "
		"record as CSV with the same separator.",
	.examples = "csv | count\trows, header excluded, quoted line breaks joined\n"
		    "csv -d \";\" | head 10\tsemicolon-separated",
	.opts = csv_opts,
	.open = table_open,
};

const gp_stage_def gp_stage_tsv = {
	.name = "tsv",
	.family = GP_FAM_PARSE,
	.synopsis = "tsv",
	.summary = "parse tab-separated records; the first record of each input is the header",
	.help = "Splits records on tabs and decodes the escapes \\t \\n \\r and \\\\ in values "
		"(other backslashes are kept). The first record of each input is its header; "
		"extra values are named by position (\"4\"), missing ones are absent, duplicate "
		"names are kept (a lookup finds the last). A trailing carriage return is not part "
		"of the last value and blank lines are skipped; a UTF-8 byte order mark before the "
		"header is skipped.",
	.examples = "tsv | head 10\tthe first rows of a TSV export",
	.open = table_open,
};
