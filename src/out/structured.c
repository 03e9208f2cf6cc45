/* -o json, -o tsv, -o csv (see structured.h).
 *
 * Each record's columns are gathered first (columns.h), then written into a
 * line builder and handed to the output buffer in one piece. tsv/csv keep
 * the current header as a signature of its names (gp_cols_sig) and compare
 * each record's against it. */
#include "structured.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sb.h"
#include "columns.h"

#define KEY_COLOR "\33[34;1m" /* jq's colour of object keys */
#define COLOR_END "\33[0m"

typedef struct gp_structured {
	gp_sb line, val, sig, hdr;
	gp_cols cols;
	bool have_hdr;
	bool blank; /* the last line written was an empty one */
} gp_structured;

static void st_free(void *arg)
{
	gp_structured *s = arg;
	gp_sb_free(&s->line);
	gp_sb_free(&s->val);
	gp_sb_free(&s->sig);
	gp_sb_free(&s->hdr);
	gp_cols_free(&s->cols);
}

static gp_structured *state(gp_out *o)
{
	if (o->st)
		return o->st;
	gp_structured *s = gp_scope_alloc(o->scope, sizeof *s);
	if (!s || gp_scope_defer(o->scope, st_free, s) != 0)
		return NULL;
	o->st = s;
	return s;
}

static void put_json(gp_out *o, gp_structured *s, const gp_rec *r, size_t n)
{
	const bool text_numbers = !(r->lay && ((const gp_layout *)r->lay)->fmt == GP_LAY_JSON);
	gp_sb *b = &s->line;
	gp_sb_putc(b, '{');
	for (size_t i = 0; i < n; i++) {
		const gp_col *c = &s->cols.c[i];
		if (i)
			gp_sb_putc(b, ',');
		if (o->color)
			gp_sb_put(b, KEY_COLOR, sizeof KEY_COLOR - 1);
		gp_sb_putc(b, '"');
		gp_sb_json_str(b, c->name, c->nlen);
		gp_sb_putc(b, '"');
		if (o->color)
			gp_sb_put(b, COLOR_END, sizeof COLOR_END - 1);
		gp_sb_putc(b, ':');
		gp_sb_json_value(b, &c->v, text_numbers && !c->as_text);
	}
	gp_sb_put(b, "}\n", 2);
}

static void put_cell(gp_sb *b, const char *p, size_t n, bool csv)
{
	if (csv)
		gp_sb_csv_cell(b, p, n, ',');
	else
		gp_sb_tsv_cell(b, p, n);
}

static void put_table(gp_out *o, gp_structured *s, size_t n)
{
	const bool csv = o->format == GP_OUT_CSV;
	const char sep = csv ? ',' : '\t';
	/* A record without columns (select of names none of which it has) is
	 * one empty line, for a run of them, and the header is forgotten: the
	 * next record starts a new table, as Miller's csvlite writer does. */
	if (n == 0) {
		if (!s->blank)
			gp_sb_putc(&s->line, '\n');
		s->blank = true;
		s->have_hdr = false;
		return;
	}
	/* The signature of the names: does the header still fit? */
	gp_cols_sig(&s->sig, s->cols.c, n);
	if (!s->have_hdr || !gp_cols_same(&s->sig, &s->hdr)) {
		if (s->have_hdr)
			gp_sb_putc(&s->line, '\n');
		for (size_t i = 0; i < n; i++) {
			if (i)
				gp_sb_putc(&s->line, sep);
			put_cell(&s->line, s->cols.c[i].name, s->cols.c[i].nlen, csv);
		}
		gp_sb_putc(&s->line, '\n');
		s->hdr.len = 0;
		gp_sb_put(&s->hdr, s->sig.p, s->sig.len);
		s->have_hdr = true;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			gp_sb_putc(&s->line, sep);
		s->val.len = 0;
		gp_out_value_text(&s->val, &s->cols.c[i].v);
		put_cell(&s->line, s->val.p, s->val.len, csv);
	}
	gp_sb_putc(&s->line, '\n');
	s->blank = false;
}

int gp_out_structured(gp_out *o, gp_batch *b)
{
	gp_structured *s = state(o);
	if (!s || gp_batch_records(b, o->delim) == (size_t)-1) {
		o->error = ENOMEM;
		return -1;
	}
	if (b->n)
		o->wrote = true;
	for (size_t i = 0; i < b->n; i++) {
		const gp_rec *r = &b->recs[i];
		long n = gp_out_columns(o, &s->cols, r);
		if (n < 0) {
			o->error = ENOMEM;
			return -1;
		}
		s->line.len = 0;
		if (o->format == GP_OUT_JSON)
			put_json(o, s, r, (size_t)n);
		else
			put_table(o, s, (size_t)n);
		if (s->line.oom || s->val.oom || s->sig.oom || s->hdr.oom) {
			o->error = ENOMEM;
			return -1;
		}
		if (gp_out_put(o, s->line.p, s->line.len) != 0)
			return -1;
	}
	if (o->line_buffered)
		return gp_out_flush(o);
	return 0;
}
