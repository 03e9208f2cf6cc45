/* Aligned tables on a terminal (see table.h).
 *
 * The open table keeps its header's cells and the buffered rows' cells as
 * display text (escaped, with their widths in columns) in one builder, the
 * header's first; printing the buffered rows cuts the builder back to the
 * header, so a table that streams (past GP_TABLE_ROWS, or after a drain)
 * holds one row at a time. */
#include "table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../core/grow.h"
#include "../core/num.h"
#include "../core/sb.h"
#include "columns.h"

const gp_layout gp_layout_table_bars = { .fmt = GP_LAY_TSV, .sep = "\t", .seplen = 1,
					 .table = GP_TABLE_BARS };

#define BOLD "\33[1m"
#define BOLD_END "\33[0m"
#define GAP 2         /* spaces between columns */
#define BAR_MIN 10    /* columns of the longest bar, whatever the terminal */
#define BAR_MAX 50
#define TERM_COLS 80  /* when the terminal does not say */

typedef struct cell {
	size_t off, len; /* display text in t->text */
	size_t width;    /* in terminal columns */
} cell;

typedef struct column {
	size_t width;
	bool any;   /* a non-empty value */
	bool text;  /* a non-empty value that is not a number */
	bool right; /* decided when the header is printed */
} column;

typedef struct gp_table {
	gp_cols cols;
	gp_sb val;      /* one value's text */
	gp_sb text;     /* display text of the header's cells, then the rows' */
	gp_sb sig, cur; /* the names of this record; of the open table */
	cell *cells;    /* the header's ncol cells, then ncol per buffered row */
	size_t ncells, cellcap;
	column *col;
	size_t colcap;
	size_t ncol, nrows, hdr_len;
	bool open;    /* a table is open: cur, ncol and the header's cells hold */
	bool printed; /* its header is out: rows print as they come */
	bool gap;     /* an empty line before the next header */
	long bar;     /* the column the bars show (GP_TABLE_BARS), or -1 */
	double bar_max;
	size_t bar_w;
} gp_table;

static void table_free(void *arg)
{
	gp_table *t = arg;
	gp_cols_free(&t->cols);
	gp_sb_free(&t->val);
	gp_sb_free(&t->text);
	gp_sb_free(&t->sig);
	gp_sb_free(&t->cur);
	free(t->cells);
	free(t->col);
}

static gp_table *state(gp_out *o)
{
	if (o->tbl)
		return o->tbl;
	gp_table *t = gp_scope_alloc(o->scope, sizeof *t);
	if (!t || gp_scope_defer(o->scope, table_free, t) != 0)
		return NULL;
	o->tbl = t;
	return t;
}

static int oom(gp_out *o)
{
	o->error = ENOMEM;
	return -1;
}

/* ---- display text ---- */

/* The length of the valid UTF-8 sequence at p (n > 0 bytes left) with its
 * code point in *cp, or 0 when the bytes are not UTF-8 (overlong forms,
 * surrogates and values past U+10FFFF included). */
static size_t utf8(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned c = p[0], lo = 0x80, hi = 0xBF;
	size_t len;
	uint32_t v;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xC2)
		return 0;
	if (c < 0xE0) {
		len = 2;
		v = c & 0x1F;
	} else if (c < 0xF0) {
		len = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c < 0xF5) {
		len = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		unsigned d = p[i];
		if (d < lo || d > hi)
			return 0;
		lo = 0x80;
		hi = 0xBF;
		v = v << 6 | (d & 0x3F);
	}
	*cp = v;
	return len;
}

/* Columns a printable code point takes: 0 for combining marks and
 * zero-width joiners, 2 for East Asian wide and fullwidth forms and the
 * emoji blocks (the ranges of Markus Kuhn's wcwidth), else 1. */
static size_t cp_width(uint32_t cp)
{
	if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
	    (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x200B && cp <= 0x200D) ||
	    (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
	    (cp >= 0xFE20 && cp <= 0xFE2F))
		return 0;
	if (cp >= 0x1100 &&
	    (cp <= 0x115F || cp == 0x2329 || cp == 0x232A || (cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F) ||
	     (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	     (cp >= 0xFE10 && cp <= 0xFE19) || (cp >= 0xFE30 && cp <= 0xFE6F) ||
	     (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) ||
	     (cp >= 0x1F300 && cp <= 0x1F64F) || (cp >= 0x1F900 && cp <= 0x1F9FF) ||
	     (cp >= 0x20000 && cp <= 0x3FFFD)))
		return 2;
	return 1;
}

/* Code points that reorder or break the line on a terminal although they
 * are valid text: bidi marks, embeddings, overrides and isolates, the line
 * and paragraph separators. */
static bool cp_unsafe(uint32_t cp)
{
	return cp == 0x200E || cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

static const char hexdig[] = "0123456789abcdef";

static size_t put_esc_byte(gp_sb *b, unsigned char c)
{
	const char *e = c == '\t' ? "\\t" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : NULL;
	if (e) {
		gp_sb_put(b, e, 2);
		return 2;
	}
	char x[4] = { '\\', 'x', hexdig[c >> 4], hexdig[c & 15] };
	gp_sb_put(b, x, 4);
	return 4;
}

/* Appends p[0..n) to b as it shows on a terminal; returns its width. */
static size_t put_display(gp_sb *b, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t width = 0, i = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = utf8(s + i, n - i, &cp);
		if (k == 0 || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
			/* Not UTF-8, or a C0/C1 control: every byte escaped. */
			for (size_t e = i + (k ? k : 1); i < e; i++)
				width += put_esc_byte(b, s[i]);
			continue;
		}
		if (cp_unsafe(cp)) {
			char u[6] = { '\\', 'u', hexdig[cp >> 12 & 15], hexdig[cp >> 8 & 15],
				      hexdig[cp >> 4 & 15], hexdig[cp & 15] };
			gp_sb_put(b, u, 6);
			width += 6;
		} else {
			gp_sb_put(b, p + i, k);
			width += cp_width(cp);
		}
		i += k;
	}
	return width;
}

/* ---- building the table ---- */

static cell *new_cell(gp_table *t)
{
	if (gp_grow(&t->cells, &t->cellcap, t->ncells + 1, sizeof *t->cells) != 0)
		return NULL;
	return &t->cells[t->ncells++];
}

static bool is_number(const gp_value *v, const gp_sb *text)
{
	if (v->kind == GP_K_NUM)
		return true;
	bool isint;
	int64_t i;
	double d;
	return gp_num_parse(text->p, text->len, &isint, &i, &d);
}

/* Opens a table for the names in t->sig: its header cells. */
static int start(gp_table *t, const gp_rec *r, size_t n)
{
	t->cur.len = 0;
	gp_sb_put(&t->cur, t->sig.p, t->sig.len);
	if (t->cur.oom || gp_grow(&t->col, &t->colcap, n, sizeof *t->col) != 0)
		return -1;
	t->ncol = n;
	t->text.len = 0;
	t->ncells = 0;
	t->bar = -1;
	for (size_t i = 0; i < n; i++) {
		const gp_col *c = &t->cols.c[i];
		cell *h = new_cell(t);
		if (!h)
			return -1;
		h->off = t->text.len;
		h->width = put_display(&t->text, c->name, c->nlen);
		h->len = t->text.len - h->off;
		t->col[i] = (column){ .width = h->width };
		if (((const gp_layout *)r->lay)->table == GP_TABLE_BARS && c->nlen == 5 &&
		    memcmp(c->name, "count", 5) == 0)
			t->bar = (long)i;
	}
	t->hdr_len = t->text.len;
	t->nrows = 0;
	t->bar_max = 0;
	t->open = true;
	t->printed = false;
	return 0;
}

/* Appends the row of the columns in t->cols as cells. */
static int add_row(gp_table *t)
{
	for (size_t i = 0; i < t->ncol; i++) {
		const gp_col *c = &t->cols.c[i];
		column *k = &t->col[i];
		cell *e = new_cell(t);
		if (!e)
			return -1;
		t->val.len = 0;
		gp_out_value_text(&t->val, &c->v);
		e->off = t->text.len;
		e->width = put_display(&t->text, t->val.p, t->val.len);
		e->len = t->text.len - e->off;
		if (e->width > k->width)
			k->width = e->width;
		if (t->printed || t->val.len == 0)
			continue;
		k->any = true;
		const bool num = is_number(&c->v, &t->val);
		k->text |= !num;
		if ((long)i == t->bar && num) {
			bool isint;
			int64_t iv;
			double d;
			if (gp_num_parse(t->val.p, t->val.len, &isint, &iv, &d) && d > t->bar_max)
				t->bar_max = d;
		}
	}
	return t->val.oom || t->text.oom ? -1 : 0;
}

/* ---- printing ---- */

static int put_pad(gp_out *o, size_t n)
{
	static const char spaces[] = "                                ";
	while (n > 0) {
		size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
		if (gp_out_put(o, spaces, k) != 0)
			return -1;
		n -= k;
	}
	return 0;
}

/* The bar of value v: eighths of a column, the largest value bar_w columns;
 * a positive value shows at least an eighth. */
static int put_bar(gp_out *o, const gp_table *t, double v)
{
	static const char *const part[8] = { "", "\u258F", "\u258E", "\u258D",
					     "\u258C", "\u258B", "\u258A", "\u2589" };
	if (!(v > 0) || !(t->bar_max > 0))
		return 0;
	const double most = (double)t->bar_w * 8;
	double e = v / t->bar_max * most + 0.5;
	size_t eighths = e >= most ? (size_t)most : e < 1 ? 1 : (size_t)e;
	if (put_pad(o, GAP) != 0)
		return -1;
	for (size_t i = 0; i < eighths / 8; i++)
		if (gp_out_put(o, "\u2588", 3) != 0)
			return -1;
	return gp_out_put(o, part[eighths % 8], strlen(part[eighths % 8]));
}

static int print_row(gp_out *o, const gp_table *t, const cell *c, bool header)
{
	const char *base = t->text.p;
	if (header && o->color && gp_out_put(o, BOLD, sizeof BOLD - 1) != 0)
		return -1;
	for (size_t i = 0; i < t->ncol; i++) {
		const column *k = &t->col[i];
		const size_t pad = k->width - c[i].width;
		const bool last = i + 1 == t->ncol && (header || t->bar < 0);
		if (i && put_pad(o, GAP) != 0)
			return -1;
		if (k->right && put_pad(o, pad) != 0)
			return -1;
		if (gp_out_put(o, base + c[i].off, c[i].len) != 0)
			return -1;
		if (!k->right && !last && put_pad(o, pad) != 0)
			return -1;
	}
	if (header && o->color && gp_out_put(o, BOLD_END, sizeof BOLD_END - 1) != 0)
		return -1;
	if (!header && t->bar >= 0) {
		const cell *b = &c[t->bar];
		bool isint;
		int64_t iv;
		double d;
		if (gp_num_parse(base + b->off, b->len, &isint, &iv, &d) && put_bar(o, t, d) != 0)
			return -1;
	}
	return gp_out_put(o, &o->delim, 1);
}

/* Columns the terminal on o->fd has, or TERM_COLS. */
static size_t term_cols(const gp_out *o)
{
	struct winsize ws;
	if (ioctl(o->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return TERM_COLS;
}

/* The header, once: alignments and the bar's width are decided by the
 * rows buffered so far. */
static int print_header(gp_out *o, gp_table *t)
{
	size_t used = 0;
	for (size_t i = 0; i < t->ncol; i++) {
		t->col[i].right = t->col[i].any && !t->col[i].text;
		used += t->col[i].width + GAP;
	}
	const size_t cols = term_cols(o);
	/* One column to spare: a line that fills the last column wraps on some
	 * terminals. */
	t->bar_w = cols > used + BAR_MIN ? cols - used - 1 : BAR_MIN;
	if (t->bar_w > BAR_MAX)
		t->bar_w = BAR_MAX;
	if (t->gap && gp_out_put(o, &o->delim, 1) != 0)
		return -1;
	t->gap = false;
	t->printed = true;
	return print_row(o, t, t->cells, true);
}

/* Prints the buffered rows (after the header, the first time) and keeps
 * only the header's cells. */
static int print_rows(gp_out *o, gp_table *t)
{
	if (!t->printed && print_header(o, t) != 0)
		return -1;
	for (size_t r = 0; r < t->nrows; r++)
		if (print_row(o, t, t->cells + t->ncol * (r + 1), false) != 0)
			return -1;
	t->nrows = 0;
	t->ncells = t->ncol;
	t->text.len = t->hdr_len;
	return 0;
}

int gp_table_drain(gp_out *o)
{
	gp_table *t = o->tbl;
	if (!t || !t->open || (t->printed && t->nrows == 0))
		return 0;
	return print_rows(o, t);
}

int gp_table_end(gp_out *o)
{
	gp_table *t = o->tbl;
	if (!t || !t->open)
		return 0;
	int r = gp_table_drain(o);
	t->open = false;
	return r;
}

int gp_table_row(gp_out *o, const gp_rec *r)
{
	gp_table *t = state(o);
	if (!t)
		return oom(o);
	long n = gp_out_columns(o, &t->cols, r);
	if (n < 0)
		return oom(o);
	gp_cols_sig(&t->sig, t->cols.c, (size_t)n);
	if (t->sig.oom)
		return oom(o);
	if (t->open && !gp_cols_same(&t->sig, &t->cur)) {
		if (gp_table_end(o) != 0)
			return -1;
		t->gap = true;
	}
	if (!t->open && start(t, r, (size_t)n) != 0)
		return oom(o);
	if (add_row(t) != 0)
		return oom(o);
	t->nrows++;
	if (t->printed || t->nrows >= GP_TABLE_ROWS || t->text.len >= GP_TABLE_BYTES)
		return print_rows(o, t);
	return 0;
}
