/* -o json, -o tsv, -o csv (see structured.h).
 *
 * Each record's columns are gathered first (origin columns, then its fields
 * with duplicate names folded: the last value wins at the first name's
 * position, as in jq), then written into a line builder and handed to the
 * output buffer in one piece. tsv/csv keep the current header as a
 * signature (length-prefixed names) and compare each record's against it
 * (n > 0 there, so neither signature is an empty, possibly NULL, buffer). */
#include "structured.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/sb.h"

#define KEY_COLOR "\33[34;1m" /* jq's colour of object keys */
#define COLOR_END "\33[0m"

/* Fold duplicate names only up to this many fields (quadratic check). */
#define DEDUP_MAX 256

typedef struct col {
	const char *name;
	uint32_t nlen;
	gp_value v;
	bool as_text; /* a JSON string even when it looks like a number */
} col;

typedef struct gp_structured {
	gp_sb line, val, sig, hdr;
	col *c;
	size_t ccap;
	bool have_hdr;
	bool blank; /* the last line written was an empty one */
	char num[24];
} gp_structured;

static void st_free(void *arg)
{
	gp_structured *s = arg;
	gp_sb_free(&s->line);
	gp_sb_free(&s->val);
	gp_sb_free(&s->sig);
	gp_sb_free(&s->hdr);
	free(s->c);
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

static int reserve_cols(gp_structured *s, size_t n)
{
	if (n <= s->ccap)
		return 0;
	size_t cap = s->ccap ? s->ccap : 32;
	while (cap < n)
		cap *= 2;
	col *c = realloc(s->c, cap * sizeof *c);
	if (!c)
		return -1;
	s->c = c;
	s->ccap = cap;
	return 0;
}

static col text_col(const char *name, const char *p, size_t len)
{
	return (col){ .name = name, .nlen = (uint32_t)strlen(name), .v = { GP_K_STR, p, len },
		      .as_text = true };
}

/* The record's columns in s->c; returns their number, or -1 on OOM. */
static long gather(gp_out *o, gp_structured *s, const gp_rec *r)
{
	if (reserve_cols(s, (size_t)r->nf + 4) != 0)
		return -1;
	size_t n = 0;
	if (o->with_origin && r->origin) {
		s->c[n++] = text_col("_file", r->origin->name, strlen(r->origin->name));
		if (r->origin->member)
			s->c[n++] = text_col("_member", r->origin->member, strlen(r->origin->member));
	}
	if (o->with_line && r->line) {
		int k = snprintf(s->num, sizeof s->num, "%llu", (unsigned long long)r->line);
		s->c[n++] = (col){ .name = "_line", .nlen = 5, .v = { GP_K_NUM, s->num, (size_t)k } };
	}
	if (!r->f) {
		s->c[n++] = text_col("line", r->p, r->len);
		return (long)n;
	}
	const bool dedup = r->nf <= DEDUP_MAX;
	for (uint32_t i = 0; i < r->nf; i++) {
		const gp_field *f = &r->f[i];
		uint32_t last = i;
		if (dedup) {
			bool seen = false;
			for (uint32_t j = 0; j < i && !seen; j++)
				seen = r->f[j].nlen == f->nlen && memcmp(r->f[j].name, f->name, f->nlen) == 0;
			if (seen)
				continue;
			for (uint32_t j = i + 1; j < r->nf; j++)
				if (r->f[j].nlen == f->nlen && memcmp(r->f[j].name, f->name, f->nlen) == 0)
					last = j;
		}
		const gp_field *v = &r->f[last];
		s->c[n++] = (col){ .name = f->name, .nlen = f->nlen, .v = { v->kind, v->v, v->vlen } };
	}
	return (long)n;
}

static void put_json(gp_out *o, gp_structured *s, const gp_rec *r, size_t n)
{
	const bool text_numbers = !(r->lay && ((const gp_layout *)r->lay)->fmt == GP_LAY_JSON);
	gp_sb *b = &s->line;
	gp_sb_putc(b, '{');
	for (size_t i = 0; i < n; i++) {
		const col *c = &s->c[i];
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

/* The value as text: strings decoded, objects and arrays as compact JSON,
 * null empty (as jq's @tsv and @csv and Miller write it). */
static void value_text(gp_sb *b, const gp_value *v)
{
	if (v->kind == GP_K_NULL)
		return;
	if (v->kind == GP_K_OBJ || v->kind == GP_K_ARR)
		gp_sb_json_value(b, v, false);
	else
		gp_sb_text(b, v);
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
	s->sig.len = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t l = s->c[i].nlen;
		gp_sb_put(&s->sig, &l, sizeof l);
		gp_sb_put(&s->sig, s->c[i].name, l);
	}
	if (!s->have_hdr || s->sig.len != s->hdr.len || memcmp(s->sig.p, s->hdr.p, s->sig.len) != 0) {
		if (s->have_hdr)
			gp_sb_putc(&s->line, '\n');
		for (size_t i = 0; i < n; i++) {
			if (i)
				gp_sb_putc(&s->line, sep);
			put_cell(&s->line, s->c[i].name, s->c[i].nlen, csv);
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
		value_text(&s->val, &s->c[i].v);
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
		long n = gather(o, s, r);
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
