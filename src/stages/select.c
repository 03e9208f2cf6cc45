/* select (cut), format, number: transforms that rebuild each record.
 *
 * Each works on records: the new text (and, for select, the new field array)
 * is built in a per-batch gp_pool, reset at the start of every next(), so
 * nothing is allocated per record once the pool's blocks have grown. */
#include <stdio.h>
#include <string.h>

#include "../core/fields.h"
#include "../registry.h"

/* Plain-text records select from: $1 $3 joined by a space, as awk prints. */
static const gp_layout space_layout = { .fmt = GP_LAY_DELIM, .sep = " ", .seplen = 1 };


typedef struct xf {
	gp_pool pool;
	gp_sb sb;       /* builds records, bounded by --max-record */
	gp_dropped big; /* records that grew past it */
	gp_ctx *ctx;
	gp_recvec out;
} xf;

static void xf_free(void *arg)
{
	xf *x = arg;
	gp_dropped_flush(x->ctx, &x->big);
	gp_sb_free(&x->sb);
}

static xf *xf_new(gp_stage *st, size_t size)
{
	xf *x = gp_scope_alloc(st->scope, size);
	if (!x || gp_pool_own(st->scope, &x->pool) != 0 || gp_recvec_own(st->scope, &x->out) != 0 ||
	    gp_scope_defer(st->scope, xf_free, x) != 0)
		return NULL;
	x->ctx = st->ctx;
	gp_sb_bound(&x->sb, &x->big, st->ctx, st->def->name);
	return x;
}

/* Pulls the next non-empty batch as records and makes room for as many
 * output records. */
static gp_status xf_pull(gp_stage *st, xf *x, gp_batch *in)
{
	gp_pool_reset(&x->pool);
	for (;;) {
		gp_status r = gp_pull(st, in);
		if (r != GP_OK) {
			if (r == GP_EOF)
				gp_dropped_flush(st->ctx, &x->big);
			return r;
		}
		if (gp_batch_records(in, st->ctx->delim) == (size_t)-1 ||
		    gp_recvec_reserve(&x->out, in->n) != 0)
			return gp_fail(st->ctx, NULL, "out of memory");
		if (in->n)
			return GP_OK;
	}
}

/* Finishes the record built from rec in x->sb into out: 1 when it is there,
 * 0 when it grew past --max-record (reported, skipped), -1 when out of memory. */
static int xf_finish(gp_stage *st, xf *x, const gp_rec *rec, gp_rec *out)
{
	const char *p;
	size_t len;
	int k = gp_sb_finish_built(&x->sb, &x->pool, st->ctx, &x->big, rec, &p, &len);
	if (k > 0) {
		*out = *rec;
		out->p = p;
		out->len = len;
	}
	return k;
}

static void xf_emit(xf *x, gp_batch *out, size_t n)
{
	gp_batch_reset(out);
	out->recs = x->out.v;
	out->n = n;
	out->has_recs = true;
	out->writable = false;
}

/* Compiles a field reference argument (or part of one), failing with a caret
 * under the offending byte. */
static gp_status ref_arg(gp_stage *st, const gp_arg *a, size_t from, size_t to, gp_fref *ref)
{
	char err[160];
	size_t bad = 0;
	if (gp_fref_parse(st->ctx->arena, a->s + from, to - from, ref, err, sizeof err, &bad) != 0) {
		size_t at = from + bad;
		gp_span sp = to > from ? gp_arg_subspan(a, at, at + 1 <= to ? at + 1 : to)
				       : gp_arg_subspan(a, from, from);
		if (to == from && from > 0)
			sp = gp_arg_subspan(a, from - 1, from + 1);
		return gp_fail(st->ctx, &sp, "%s: %s", st->def->name, err);
	}
	return GP_OK;
}

/* ---- select ---- */

typedef struct sel {
	xf x;
	gp_fref *refs;
	const char **names;
	uint32_t *nlens;
	uint32_t n;
} sel;

static gp_status select_next(gp_stage *st, gp_batch *out)
{
	sel *s = st->state;
	gp_batch in;
	size_t n = 0;
again:;
	gp_status r = xf_pull(st, &s->x, &in);
	if (r != GP_OK)
		return r;
	for (size_t i = 0; i < in.n; i++) {
		const gp_rec *rec = &in.recs[i];
		gp_field *f = gp_pool_alloc(&s->x.pool, s->n * sizeof *f);
		if (!f)
			return gp_fail(st->ctx, NULL, "out of memory");
		const gp_layout *lay = rec->lay ? rec->lay : rec->f ? &gp_layout_logfmt : &space_layout;
		/* A table row keeps its columns: a missing field is an empty one, as
		 * in awk's print $1, $3; a record of named fields (JSON, logfmt)
		 * leaves it out, as Miller's cut does. */
		bool keep_empty = lay->fmt == GP_LAY_DELIM || lay->fmt == GP_LAY_CSV ||
				  lay->fmt == GP_LAY_TSV;
		uint32_t nf = 0;
		for (uint32_t k = 0; k < s->n; k++) {
			char numbuf[24];
			gp_value v;
			if (!gp_fref_get(&s->refs[k], rec, &v, numbuf)) {
				if (!keep_empty)
					continue;
				v = (gp_value){ GP_K_STR, "", 0 };
			}
			if (v.p == numbuf) {
				char *c = gp_pool_alloc(&s->x.pool, v.len);
				if (!c)
					return gp_fail(st->ctx, NULL, "out of memory");
				memcpy(c, numbuf, v.len);
				v.p = c;
			}
			f[nf++] = (gp_field){ .name = s->names[k], .nlen = s->nlens[k], .v = v.p,
					      .vlen = v.len, .kind = v.kind };
		}
		gp_render(&s->x.sb, f, nf, lay);
		gp_rec *o = &s->x.out.v[n];
		int k = xf_finish(st, &s->x, rec, o);
		if (k < 0)
			return gp_fail(st->ctx, NULL, "out of memory");
		if (k == 0)
			continue;
		n++;
		o->f = f;
		o->nf = nf;
		o->lay = lay;
	}
	if (n == 0)
		goto again; /* every record grew past --max-record */
	xf_emit(&s->x, out, n);
	return GP_OK;
}

static const gp_stage_ops select_ops = { select_next };

static gp_status select_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	sel *s = (sel *)xf_new(st, sizeof(sel));
	if (!s)
		return gp_fail(ctx, NULL, "out of memory");
	gp_getopt go;
	if (gp_getopt_init(&go, ctx, st->def->name, st->def->opts, args) != 0)
		return GP_ERR;
	int c;
	while ((c = gp_getopt_next(&go)) > 0)
		;
	if (c < 0)
		return GP_ERR;
	if (go.noperands == 0)
		return gp_fail(ctx, &st->span, "%s: missing FIELD", st->def->name);
	s->n = (uint32_t)go.noperands;
	s->refs = gp_arena_alloc(ctx->arena, s->n * sizeof *s->refs);
	s->names = gp_arena_alloc(ctx->arena, s->n * sizeof *s->names);
	s->nlens = gp_arena_alloc(ctx->arena, s->n * sizeof *s->nlens);
	if (!s->refs || !s->names || !s->nlens)
		return gp_fail(ctx, NULL, "out of memory");
	size_t need = 16;
	for (uint32_t k = 0; k < s->n; k++) {
		const gp_arg *a = &go.operands[k];
		if (ref_arg(st, a, 0, a->len, &s->refs[k]) != GP_OK)
			return GP_ERR;
		/* The new field is named as written: $3 → "3", ${a b} → "a b". */
		const gp_fref *ref = &s->refs[k];
		const char *nm = a->s;
		size_t nl = a->len;
		if (ref->kind == GP_REF_NAME) {
			nm = ref->name;
			nl = ref->nlen;
		} else if (nl > 0 && nm[0] == '$') {
			nm++;
			nl--;
		}
		s->names[k] = nm;
		s->nlens[k] = (uint32_t)nl;
		need += a->len * 4 + 8;
	}
	char *ex = gp_arena_alloc(ctx->arena, need);
	if (ex) {
		size_t k = 0;
		ex[0] = '\0';
		for (uint32_t i = 0; i < s->n; i++) {
			if (i)
				ex[k++] = ' ';
			k += gp_escape(ex + k, need - k, go.operands[i].s, go.operands[i].len);
		}
		st->explain = ex;
	}
	st->state = s;
	st->ops = &select_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_select = {
	.name = "select",
	.aliases = { "cut", NULL },
	.family = GP_FAM_TRANSFORM,
	.synopsis = "select FIELD...",
	.summary = "keep the named fields, in the order given",
	.help = "Keeps the fields FIELD... of every record, in that order, and rebuilds the record "
		"text from them in the record's layout: a JSON record stays a JSON object, a logfmt "
		"record stays key=value pairs, a delimited record is joined with its delimiter. A "
		"field is any reference: a name, a path into JSON (req.headers.host, tags[0]), $N, "
		"$NF, $0, _file, _member, _line or ${any name}. The new field is named as written: "
		"$3 becomes \"3\", ${a b} becomes \"a b\". A field the record does not have is empty "
		"in a table row (plain text, fields, csv, tsv), so the columns stay where they were, "
		"and left out of a record of named fields (json, logfmt, parse), as Miller's cut "
		"does.\n\n"
		"A record without fields (plain text) is split awk-style and the selected fields are "
		"joined by a space, so select $1 $3 prints what awk '{print $1, $3}' prints.",
	.examples = "select ts status path\tthree fields, in that order (after json or logfmt)\n"
		    "cut req.host _line\ta nested value and the line number\n"
		    "select _file _line\twhere each record came from, as two fields\n"
		    "select $1 $3\tlike awk '{print $1, $3}' on plain lines",
	.open = select_open,
};

/* ---- format ---- */

typedef struct seg {
	const char *lit; /* literal text, or NULL for a reference */
	size_t len;
	gp_fref ref;
} seg;

typedef struct fmt {
	xf x;
	seg *segs;
	size_t n;
} fmt;

/* The '}' that closes a {FIELD} placeholder whose text starts at p: a
 * ${...} segment inside is skipped whole, so {${start time}} and
 * {nested.${user.name}} hold one reference each. NULL when unclosed. */
static const char *placeholder_end(const char *p, const char *end)
{
	while (p < end) {
		if (*p == '}')
			return p;
		if (*p == '$' && end - p >= 2 && p[1] == '{') {
			size_t e = gp_fref_brace_end(p, (size_t)(end - p));
			if (!e)
				return NULL;
			p += e;
		} else {
			p++;
		}
	}
	return NULL;
}

static gp_status format_next(gp_stage *st, gp_batch *out)
{
	fmt *t = st->state;
	gp_batch in;
	gp_sb *b = &t->x.sb;
	size_t n = 0;
again:;
	gp_status r = xf_pull(st, &t->x, &in);
	if (r != GP_OK)
		return r;
	for (size_t i = 0; i < in.n; i++) {
		const gp_rec *rec = &in.recs[i];
		for (size_t k = 0; k < t->n; k++) {
			const seg *sg = &t->segs[k];
			if (sg->lit) {
				gp_sb_put(b, sg->lit, sg->len);
				continue;
			}
			char numbuf[24];
			gp_value v;
			if (gp_fref_get(&sg->ref, rec, &v, numbuf))
				gp_sb_text(b, &v);
		}
		int k = xf_finish(st, &t->x, rec, &t->x.out.v[n]);
		if (k < 0)
			return gp_fail(st->ctx, NULL, "out of memory");
		n += (size_t)k;
	}
	if (n == 0)
		goto again; /* every record grew past --max-record */
	xf_emit(&t->x, out, n);
	return GP_OK;
}

static const gp_stage_ops format_ops = { format_next };

static gp_status format_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	fmt *t = (fmt *)xf_new(st, sizeof(fmt));
	if (!t)
		return gp_fail(ctx, NULL, "out of memory");
	gp_getopt go;
	if (gp_getopt_init(&go, ctx, st->def->name, st->def->opts, args) != 0)
		return GP_ERR;
	int c;
	while ((c = gp_getopt_next(&go)) > 0)
		;
	if (c < 0)
		return GP_ERR;
	if (go.noperands == 0)
		return gp_fail(ctx, &st->span, "format: missing TEMPLATE");
	if (go.noperands > 1)
		return gp_fail(ctx, &go.operands[1].span,
			       "format: unexpected argument '%s' (quote the template: format \"{a} {b}\")",
			       go.operands[1].s);
	const gp_arg *a = &go.operands[0];
	const char *s = a->s;
	size_t len = a->len;
	/* At most one segment per byte plus one. */
	t->segs = gp_arena_alloc(ctx->arena, (len + 1) * sizeof *t->segs);
	char *lit = gp_arena_alloc(ctx->arena, len + 1);
	if (!t->segs || !lit)
		return gp_fail(ctx, NULL, "out of memory");
	size_t i = 0, nl = 0;
	char *run = lit;
	while (i < len) {
		char ch = s[i];
		if ((ch == '{' || ch == '}') && i + 1 < len && s[i + 1] == ch) {
			lit[nl++] = ch;
			i += 2;
			continue;
		}
		if (ch != '{') {
			lit[nl++] = ch;
			i++;
			continue;
		}
		const char *close = placeholder_end(s + i + 1, s + len);
		if (!close) {
			gp_span sp = gp_arg_subspan(a, i, i + 1);
			return gp_fail(ctx, &sp, "format: '{' without a closing '}' (write {{ for a brace)");
		}
		size_t from = i + 1, to = (size_t)(close - s);
		if (lit + nl > run) {
			t->segs[t->n++] = (seg){ .lit = run, .len = (size_t)(lit + nl - run) };
			run = lit + nl;
		}
		seg *sg = &t->segs[t->n++];
		*sg = (seg){ 0 };
		if (to - from == 1 && s[from] == '0')
			sg->ref.kind = GP_REF_WHOLE;
		else if (to == from) {
			gp_span sp = gp_arg_subspan(a, i, to + 1);
			return gp_fail(ctx, &sp, "format: empty field name in '{}' (write {{}} for braces)");
		} else if (ref_arg(st, a, from, to, &sg->ref) != GP_OK)
			return GP_ERR;
		i = to + 1;
	}
	if (lit + nl > run)
		t->segs[t->n++] = (seg){ .lit = run, .len = (size_t)(lit + nl - run) };
	size_t need = a->len * 4 + 16;
	char *ex = gp_arena_alloc(ctx->arena, need);
	if (ex) {
		ex[0] = '\'';
		size_t k = 1 + gp_escape(ex + 1, need - 2, a->s, a->len);
		snprintf(ex + k, need - k, "'");
		st->explain = ex;
	}
	st->state = t;
	st->ops = &format_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_format = {
	.name = "format",
	.family = GP_FAM_TRANSFORM,
	.synopsis = "format TEMPLATE",
	.summary = "rewrite each record from a template of fields",
	.help = "Replaces the text of every record by TEMPLATE with each {FIELD} replaced by the "
		"field's value. FIELD is any reference: a name, a path (req.headers.host, tags[0]), "
		"$N, $NF, _file, _member, _line, and ${any text} as a whole name or a segment of a path "
		"({${start time}}, {nested.${user.name}}); {0} and {$0} stand for the whole record. "
		"Write {{ and }} for literal braces. Values are written as text: JSON strings "
		"decoded, numbers, booleans, objects and arrays as their JSON text.\n\n"
		"A field the record does not have expands to the empty string (Miller writes "
		"\"(absent)\"; filter with where exists(FIELD) first if that matters). The record's "
		"fields are kept, so a later select or -o json still sees them.",
	.examples = "format \"{ts} {status} {path}\"\tpick and arrange fields\n"
		    "format \"{_file}:{_line}: {0}\"\twhere each record came from\n"
		    "format \"{$2} took {$NF}\"\tawk-style fields of plain lines\n"
		    "format \"{{\\\"msg\\\": \\\"{0}\\\"}}\"\tliteral braces are doubled",
	.open = format_open,
};

/* ---- number ---- */

typedef struct num {
	xf x;
	unsigned long long n;
} num;

static gp_status number_next(gp_stage *st, gp_batch *out)
{
	num *m = st->state;
	gp_batch in;
	gp_status r = xf_pull(st, &m->x, &in);
	if (r != GP_OK)
		return r;
	for (size_t i = 0; i < in.n; i++) {
		const gp_rec *rec = &in.recs[i];
		char *p = gp_pool_alloc(&m->x.pool, rec->len + 32);
		if (!p)
			return gp_fail(st->ctx, NULL, "out of memory");
		int k = snprintf(p, 32, "%6llu\t", ++m->n);
		if (rec->len)
			memcpy(p + k, rec->p, rec->len);
		p[(size_t)k + rec->len] = st->ctx->delim;
		gp_rec *o = &m->x.out.v[i];
		*o = *rec;
		o->p = p;
		o->len = rec->len + (size_t)k;
	}
	xf_emit(&m->x, out, in.n);
	return GP_OK;
}

static const gp_stage_ops number_ops = { number_next };

static gp_status number_open(gp_stage *st, const gp_args *args)
{
	if (gp_no_args(st->ctx, st->def->name, args) != GP_OK)
		return GP_ERR;
	num *m = (num *)xf_new(st, sizeof(num));
	if (!m)
		return gp_fail(st->ctx, NULL, "out of memory");
	st->state = m;
	st->ops = &number_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_number = {
	.name = "number",
	.family = GP_FAM_TRANSFORM,
	.synopsis = "number",
	.summary = "prefix each record with its position in the stream",
	.help = "Prefixes every record with its position among the records that reach this stage "
		"(1, 2, 3 ...), right-aligned in six columns and followed by a tab, exactly as cat -n "
		"does. Numbering runs on across inputs; -n numbers lines within each input instead.",
	.examples = "number\tlike cat -n\n"
		    "grep ERROR | number\tnumber the matches, not the lines",
	.open = number_open,
};
