/* Rendering a record's fields in its layout (see render.h). */
#include "render.h"

#include <string.h>

enum cell { CELL_TEXT, CELL_LOGFMT, CELL_CSV, CELL_TSV };

static void put_cell(gp_sb *b, enum cell how, const char *p, size_t n, char sep)
{
	switch (how) {
	case CELL_TEXT: gp_sb_put(b, p, n); break;
	case CELL_LOGFMT: gp_sb_logfmt_cell(b, p, n); break;
	case CELL_CSV: gp_sb_csv_cell(b, p, n, sep); break;
	case CELL_TSV: gp_sb_tsv_cell(b, p, n); break;
	}
}

/* Writes v's text as a cell. Only a JSON string must be decoded first: it
 * is decoded at the end of b, its cell written after it (room for the worst
 * case, 2n + 2 bytes, is made first, so the decoded text does not move), and
 * moved down over it. Nothing is allocated per value. */
static void put_value_cell(gp_sb *b, enum cell how, const gp_value *v, char sep)
{
	if (v->kind != GP_K_JSTR) {
		if (v->kind != GP_K_MISSING)
			put_cell(b, how, v->p, v->len, sep);
		else if (how == CELL_LOGFMT)
			put_cell(b, how, "", 0, sep);
		return;
	}
	size_t start = b->len;
	gp_sb_text(b, v);
	size_t n = b->len - start;
	if (how == CELL_TEXT || !gp_sb_room(b, 2 * n + 2))
		return;
	put_cell(b, how, b->p + start, n, sep);
	memmove(b->p + start, b->p + start + n, b->len - start - n);
	b->len -= n;
}

void gp_render(gp_sb *b, const gp_field *f, uint32_t nf, const gp_layout *lay)
{
	const gp_layout *l = lay ? lay : &gp_layout_logfmt;
	if (l->fmt == GP_LAY_JSON)
		gp_sb_putc(b, '{');
	for (uint32_t i = 0; i < nf; i++) {
		gp_value v = { f[i].kind, f[i].v, f[i].vlen };
		switch ((gp_lay_kind)l->fmt) {
		case GP_LAY_JSON:
			if (i)
				gp_sb_putc(b, ',');
			gp_sb_putc(b, '"');
			gp_sb_json_str(b, f[i].name, f[i].nlen);
			gp_sb_put(b, "\":", 2);
			gp_sb_json_value(b, &v, false);
			break;
		case GP_LAY_LOGFMT:
			if (i)
				gp_sb_putc(b, ' ');
			gp_sb_put(b, f[i].name, f[i].nlen);
			gp_sb_putc(b, '=');
			put_value_cell(b, CELL_LOGFMT, &v, 0);
			break;
		case GP_LAY_DELIM:
			if (i)
				gp_sb_put(b, l->sep, l->seplen);
			put_value_cell(b, CELL_TEXT, &v, 0);
			break;
		case GP_LAY_CSV:
			if (i)
				gp_sb_put(b, l->sep, l->seplen);
			put_value_cell(b, CELL_CSV, &v, l->seplen ? l->sep[0] : ',');
			break;
		case GP_LAY_TSV:
			if (i)
				gp_sb_putc(b, '\t');
			put_value_cell(b, CELL_TSV, &v, 0);
			break;
		}
	}
	if (l->fmt == GP_LAY_JSON)
		gp_sb_putc(b, '}');
}
