/* A record's columns (see columns.h). */
#include "columns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/grow.h"

/* Fold duplicate names only up to this many fields (quadratic check). */
#define DEDUP_MAX 256

void gp_cols_free(gp_cols *cs)
{
	free(cs->c);
	cs->c = NULL;
	cs->cap = 0;
}

static gp_col text_col(const char *name, const char *p, size_t len)
{
	return (gp_col){ .name = name, .nlen = (uint32_t)strlen(name), .v = { GP_K_STR, p, len },
			 .as_text = true };
}

long gp_out_columns(const gp_out *o, gp_cols *cs, const gp_rec *r)
{
	if (gp_grow(&cs->c, &cs->cap, (size_t)r->nf + 4, sizeof *cs->c) != 0)
		return -1;
	gp_col *c = cs->c;
	size_t n = 0;
	if (o->with_origin && r->origin) {
		c[n++] = text_col("_file", r->origin->name, strlen(r->origin->name));
		if (r->origin->member)
			c[n++] = text_col("_member", r->origin->member, strlen(r->origin->member));
	}
	if (o->with_line && r->line) {
		int k = snprintf(cs->num, sizeof cs->num, "%llu", (unsigned long long)r->line);
		c[n++] = (gp_col){ .name = "_line", .nlen = 5, .v = { GP_K_NUM, cs->num, (size_t)k } };
	}
	if (!r->f) {
		c[n++] = text_col("line", r->p, r->len);
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
		c[n++] = (gp_col){ .name = f->name, .nlen = f->nlen, .v = { v->kind, v->v, v->vlen } };
	}
	return (long)n;
}

void gp_cols_sig(gp_sb *sig, const gp_col *c, size_t n)
{
	sig->len = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t l = c[i].nlen;
		gp_sb_put(sig, &l, sizeof l);
		gp_sb_put(sig, c[i].name, l);
	}
}

void gp_out_value_text(gp_sb *b, const gp_value *v)
{
	if (v->kind == GP_K_NULL)
		return;
	if (v->kind == GP_K_OBJ || v->kind == GP_K_ARR)
		gp_sb_json_value(b, v, false);
	else
		gp_sb_text(b, v);
}
