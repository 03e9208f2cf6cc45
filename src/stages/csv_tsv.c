/* csv and tsv: the first record of each input is the header that names
 * the fields of the rows after it (the splitting is fields/textscan.c).
 *
 * A CSV record that ends inside a quoted field is joined with the lines
 * after it; a quote still open at --max-record or at the end of the input is
 * reported, its first line skipped and the lines after it read again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/grow.h"
#include "../fields/textscan.h"
#include "xform.h"
#include "../core/dropped.h"
#include "../core/pool.h"
#include "../core/sb.h"

/* A copy of s[0..n) in the pool. */
static const char *pool_copy(gp_pool *pool, const char *s, size_t n)
{
	char *d = gp_pool_alloc(pool, n ? n : 1);
	if (d && n)
		memcpy(d, s, n);
	return d;
}

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
	if (gp_grow(&l->run, &l->rcap, l->nrun + 1, sizeof *l->run) != 0)
		return -1;
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
	gp_xform x;
	gp_scratch sc;
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
	uint32_t nh;
	size_t hncap;
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

/* Keeps the scratch values [0..n) as the header of the current input. */
static int set_header(table_st *t, uint32_t n)
{
	size_t need = 0;
	for (uint32_t i = 0; i < n; i++)
		need += t->sc.f[i].vlen + 1;
	if (gp_grow(&t->hbuf, &t->hcap, need, 1) != 0)
		return -1;
	if (n > t->hncap) {
		/* Three arrays of the same length: each grows from the same
		 * capacity to the same capacity. */
		size_t c1 = t->hncap, c2 = t->hncap, c3 = t->hncap;
		if (gp_grow(&t->hlenv, &c1, n, sizeof *t->hlenv) != 0 ||
		    gp_grow(&t->hname, &c2, n, sizeof *t->hname) != 0 ||
		    gp_grow(&t->hoff, &c3, n, sizeof *t->hoff) != 0)
			return -1;
		t->hncap = c1;
	}
	size_t k = 0;
	for (uint32_t i = 0; i < n; i++) {
		const gp_field *f = &t->sc.f[i];
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
	int n = t->tsv ? gp_tsv_split(&t->sc, &t->x.pool, p, blen)
		      : gp_csv_split(&t->sc, &t->x.pool, p, blen, t->sep);
	if (n < 0)
		return -1;
	if (t->need_header) {
		t->need_header = false;
		return set_header(t, (uint32_t)n);
	}
	if (!t->hfresh && t->nh) {
		const char *h = pool_copy(&t->x.pool, t->hbuf, t->hlen);
		if (!h)
			return -1;
		for (uint32_t i = 0; i < t->nh; i++)
			t->hname[i] = h + t->hoff[i];
		t->hfresh = true;
	}
	for (uint32_t i = 0; i < (uint32_t)n; i++) {
		gp_field *f = &t->sc.f[i];
		if (i < t->nh) {
			f->name = t->hname[i];
			f->nlen = t->hlenv[i];
		} else if (!(f->name = gp_scratch_posname(&t->sc, i + 1, &f->nlen))) {
			return -1;
		}
	}
	return gp_xform_push(&t->x, r, p, len, t->sc.f, (uint32_t)n, t->lay);
}

/* A copy of an origin in the pool (NULL for none): valid for the batch. */
static const gp_origin *pool_origin(gp_xform *b, const gp_origin *o)
{
	if (!o)
		return NULL;
	gp_origin *c = gp_pool_alloc(&b->pool, sizeof *c);
	if (!c)
		return NULL;
	size_t nl = strlen(o->name), ml = o->member ? strlen(o->member) : 0;
	char *n = (char *)pool_copy(&b->pool, o->name, nl + 1);
	char *m = o->member ? (char *)pool_copy(&b->pool, o->member, ml + 1) : NULL;
	if (!n || (o->member && !m))
		return NULL;
	*c = (gp_origin){ n, m, o->id, o->mtime };
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
					  r->origin->id, r->origin->mtime };
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
		t->rorig = (gp_origin){ t->rname, f->origin->member ? t->rmember : NULL, f->origin->id, f->origin->mtime };
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
		if (gp_csv_open_quote(r->p, r->len, t->sep, true))
			return 0;
		t->joining = false;
		const char *p = pool_copy(&t->x.pool, t->join.b.p, t->join.b.len - 1);
		if (!p)
			return -1;
		/* The origin of this line (valid for this batch) is the first line's:
		 * a join never crosses inputs. */
		gp_rec jr = t->jrec;
		jr.origin = r->origin;
		return table_record(t, &jr, p, t->join.b.len - 1);
	}
	if (memchr(r->p, '"', r->len) && gp_csv_open_quote(r->p, r->len, t->sep, false)) {
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
	while (t->x.out.n < TABLE_BATCH && lines_take(&t->replay, &p, &n, &line)) {
		if (t->rhas_origin && !t->rorigin && !(t->rorigin = pool_origin(&t->x, &t->rorig)))
			return -1;
		const char *c = pool_copy(&t->x.pool, p, n);
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
	gp_xform_begin(&t->x);
	t->hfresh = false;
	t->rorigin = NULL;
	for (;;) {
		if (table_drain(st, t) != 0)
			return gp_fail(st->ctx, NULL, "out of memory");
		if (t->x.out.n >= TABLE_BATCH)
			return gp_xform_emit(&t->x, out, t->x.out.n);
		if (t->inpos < t->in.n) {
			int k = table_one(st, t, &t->in.recs[t->inpos]);
			if (k < 0)
				return gp_fail(st->ctx, NULL, "out of memory");
			t->inpos += k == 0;
			continue;
		}
		if (t->x.out.n)
			return gp_xform_emit(&t->x, out, t->x.out.n);
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
			gp_dropped_flush(st->ctx, &t->x.drop);
		return rc;
	}
}

static const gp_stage_ops table_ops = { table_next };

static gp_status table_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	bool tsv = strcmp(st->def->name, "tsv") == 0;
	table_st *t = gp_scope_alloc(st->scope, sizeof *t);
	if (!t || gp_xform_init(st, &t->x) != 0 || gp_scratch_own(st->scope, &t->sc, ctx->arena) != 0 ||
	    gp_scope_defer(st->scope, free_table, t) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	t->x.drop.what = "are not CSV";
	t->x.drop.what1 = "is not CSV";
	ctx->need_lineno = true;
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
				gp_sep_escapes(&go.optarg, buf, sizeof buf, &n);
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
		st->explain = gp_xform_explain_quoted(ctx, "-d ", &t->sep, 1, "  [header: first record of each input]");
	}
	st->state = t;
	st->ops = &table_ops;
	return GP_OK;
}

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
