/* Text scanners (textscan.h): the scratch array of fields, logfmt, CSV and
 * TSV. The stages that use them are in stages/ (fields_stage.c, logfmt.c,
 * csv_tsv.c). */
#include "textscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/grow.h"
#include "../core/pool.h"

static void scratch_free(void *arg)
{
	gp_scratch *s = arg;
	free(s->f);
	free(s->pos);
	s->f = NULL;
	s->pos = NULL;
	s->cap = s->npos = s->poscap = 0;
}

int gp_scratch_own(gp_scope *scope, gp_scratch *s, gp_arena *arena)
{
	s->arena = arena;
	return gp_scope_defer(scope, scratch_free, s);
}

gp_field *gp_scratch_grow(gp_scratch *s, uint32_t i)
{
	if (gp_grow(&s->f, &s->cap, (size_t)i + 1, sizeof *s->f) != 0)
		return NULL;
	return &s->f[i];
}

const char *gp_scratch_names(gp_scratch *s, uint32_t i, uint32_t *len)
{
	while (s->npos < i) {
		if (gp_grow(&s->pos, &s->poscap, s->npos + 1, sizeof *s->pos) != 0)
			return NULL;
		char *nm = gp_arena_alloc(s->arena, 12);
		if (!nm)
			return NULL;
		snprintf(nm, 12, "%zu", s->npos + 1);
		s->pos[s->npos++] = nm;
	}
	*len = (uint32_t)strlen(s->pos[i - 1]);
	return s->pos[i - 1];
}

/* "\t" written as two characters means a tab (the expression language keeps
 * backslashes in single quotes). */
void gp_sep_escapes(const gp_arg *a, char *buf, size_t cap, size_t *len)
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

/* Parses one logfmt record into the scratch fields. Returns the field count,
 * -1 when malformed (detail filled), -2 on OOM. */
int gp_logfmt_scan(gp_scratch *sc, gp_pool *pool, const char *p0, size_t len, char *detail, size_t dcap)
{
	const char *p = p0, *end = p0 + len;
	uint32_t nf = 0;
	for (;;) {
		while (p < end && gp_blank(*p))
			p++;
		if (p == end)
			break;
		const char *k = p;
		while (p < end && !gp_blank(*p) && *p != '=' && *p != '"')
			p++;
		if (p == k) {
			snprintf(detail, dcap, *p == '=' ? "key starting with '=' at byte %zu"
							 : "unexpected quote at byte %zu",
				 (size_t)(p - p0) + 1);
			return -1;
		}
		gp_field *f = gp_scratch_slot(sc, nf);
		if (!f)
			return -2;
		*f = (gp_field){ .name = k, .nlen = (uint32_t)(p - k), .v = p, .vlen = 0,
				 .kind = GP_K_STR };
		nf++;
		if (p == end || gp_blank(*p))
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
			if (p < end && !gp_blank(*p)) {
				snprintf(detail, dcap, "expected a blank after the quoted value at byte %zu",
					 (size_t)(p - p0) + 1);
				return -1;
			}
			if (!esc) {
				f->v = v;
				f->vlen = vlen;
				continue;
			}
			char *d = gp_pool_alloc(pool, vlen);
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
		while (p < end && !gp_blank(*p))
			p++;
		f->v = v;
		f->vlen = (size_t)(p - v);
	}
	return (int)nf;
}

/* csv: is the record text still inside a quoted field at its end, scanning
 * from the start of a field (in_quote false) or from inside one. */
bool gp_csv_open_quote(const char *p, size_t len, char sep, bool in_quote)
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
int gp_csv_split(gp_scratch *sc, gp_pool *pool, const char *p, size_t len, char sep)
{
	const char *end = p + len;
	uint32_t n = 0;
	for (;;) {
		gp_field *f = gp_scratch_slot(sc, n);
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
				char *d = gp_pool_alloc(pool, cap ? cap : 1);
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
int gp_tsv_split(gp_scratch *sc, gp_pool *pool, const char *p, size_t len)
{
	const char *end = p + len;
	uint32_t n = 0;
	for (;;) {
		gp_field *f = gp_scratch_slot(sc, n);
		if (!f)
			return -2;
		const char *s = memchr(p, '\t', (size_t)(end - p));
		const char *fe = s ? s : end;
		f->kind = GP_K_STR;
		f->v = p;
		f->vlen = (size_t)(fe - p);
		if (memchr(p, '\\', f->vlen)) {
			char *d = gp_pool_alloc(pool, f->vlen);
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
