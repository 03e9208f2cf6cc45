/* String builders and their JSON, CSV, TSV and logfmt writers (see sb.h). */
#include "sb.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "jsonval.h"

bool gp_sb_grow(gp_sb *b, size_t n)
{
	if (b->oom || b->over)
		return false;
	if (b->max && n > b->max + 1 - b->len) { /* + 1: room for the delimiter */
		b->over = true;
		return false;
	}
	if (b->cap - b->len >= n)
		return true;
	size_t need = n > SIZE_MAX - b->len ? SIZE_MAX : b->len + n;
	if (need == SIZE_MAX || gp_grow(&b->p, &b->cap, need < 256 ? 256 : need, 1) != 0) {
		b->oom = true;
		return false;
	}
	return true;
}

void gp_sb_free(gp_sb *b)
{
	free(b->p);
	*b = (gp_sb){ 0 };
}

const char *gp_sb_finish(gp_sb *b, gp_pool *pool)
{
	if (b->over)
		b->len = 0;
	if (b->oom || b->over)
		return NULL;
	char *d = gp_pool_alloc(pool, b->len ? b->len : 1);
	if (d && b->len)
		memcpy(d, b->p, b->len);
	b->len = 0;
	return d;
}

const char *gp_sb_finish_rec(gp_sb *b, gp_pool *pool, char delim, size_t *len)
{
	*len = b->len;
	if (b->max && b->len > b->max)
		b->over = true;
	gp_sb_putc(b, delim);
	return gp_sb_finish(b, pool);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	if (c < 0x80)
		return 1;
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

static void put_ctl(gp_sb *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	switch (c) {
	case '\b': gp_sb_put(b, "\\b", 2); return;
	case '\f': gp_sb_put(b, "\\f", 2); return;
	case '\n': gp_sb_put(b, "\\n", 2); return;
	case '\r': gp_sb_put(b, "\\r", 2); return;
	case '\t': gp_sb_put(b, "\\t", 2); return;
	default: {
		char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
		gp_sb_put(b, u, 6);
	}
	}
}

void gp_sb_json_str(gp_sb *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
	while (p < end) {
		unsigned char c = *p;
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			p++;
			continue;
		}
		size_t k = c >= 0x80 ? utf8_len(p, end) : 0;
		if (k) {
			p += k;
			continue;
		}
		gp_sb_put(b, run, (size_t)(p - run));
		if (c == '"' || c == '\\') {
			gp_sb_putc(b, '\\');
			gp_sb_putc(b, (char)c);
		} else if (c < 0x20 || c == 0x7F) {
			put_ctl(b, c);
		} else {
			gp_sb_put(b, "\\ufffd", 6);
		}
		p++;
		run = p;
	}
	gp_sb_put(b, run, (size_t)(p - run));
}

/* Copies a JSON string body, keeping valid escapes and replacing whatever
 * would make the output invalid. */
static void sb_json_body(gp_sb *b, const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	while (p < end) {
		const char *q = memchr(p, '\\', (size_t)(end - p));
		const char *stop = q ? q : end;
		gp_sb_json_str(b, p, (size_t)(stop - p));
		if (!q)
			break;
		p = q + 1;
		if (p >= end) {
			gp_sb_put(b, "\\\\", 2);
			break;
		}
		char e = *p;
		if (e == 'u') {
			int cp = gp_json_hex4(p + 1, end);
			if (cp < 0) {
				gp_sb_put(b, "\\\\", 2);
				continue;
			}
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				int lo = end - p >= 11 && p[5] == '\\' && p[6] == 'u' ? gp_json_hex4(p + 7, end) : -1;
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					gp_sb_putc(b, '\\');
					gp_sb_put(b, p, 11);
					p += 11;
				} else {
					gp_sb_put(b, "\\ufffd", 6);
					p += 5;
				}
				continue;
			}
			if (cp >= 0xDC00 && cp <= 0xDFFF) {
				gp_sb_put(b, "\\ufffd", 6);
				p += 5;
				continue;
			}
			gp_sb_putc(b, '\\');
			gp_sb_put(b, p, 5);
			p += 5;
			continue;
		}
		if (strchr("\"\\/bfnrt", e) && e) {
			gp_sb_putc(b, '\\');
			gp_sb_putc(b, e);
		} else {
			gp_sb_put(b, "\\\\", 2);
			continue;
		}
		p++;
	}
}

/* Re-emits a valid JSON object or array compactly, strings sanitised. */
static void sb_json_raw(gp_sb *b, const char *p, const char *end)
{
	while (p < end) {
		char c = *p;
		if (gp_json_ws(c)) {
			p++;
			continue;
		}
		if (c == '"') {
			const char *q = gp_json_string_end(p + 1, end);
			gp_sb_putc(b, '"');
			sb_json_body(b, p + 1, (size_t)(q - p - 1));
			gp_sb_putc(b, '"');
			p = q < end ? q + 1 : end;
			continue;
		}
		const char *q = p + 1;
		if (c != '{' && c != '}' && c != '[' && c != ']' && c != ',' && c != ':')
			while (q < end && !gp_json_ws(*q) && !strchr("{}[],:\"", *q))
				q++;
		gp_sb_put(b, p, (size_t)(q - p));
		p = q;
	}
}

void gp_sb_json_value(gp_sb *b, const gp_value *v, bool text_numbers)
{
	switch ((gp_kind)v->kind) {
	case GP_K_STR:
		if (text_numbers && gp_is_json_number(v->p, v->len)) {
			gp_sb_put(b, v->p, v->len);
			return;
		}
		gp_sb_putc(b, '"');
		gp_sb_json_str(b, v->p, v->len);
		gp_sb_putc(b, '"');
		return;
	case GP_K_JSTR:
		gp_sb_putc(b, '"');
		sb_json_body(b, v->p, v->len);
		gp_sb_putc(b, '"');
		return;
	case GP_K_NUM:
	case GP_K_TRUE:
	case GP_K_FALSE:
	case GP_K_NULL:
		gp_sb_put(b, v->p, v->len);
		return;
	case GP_K_OBJ:
	case GP_K_ARR:
		sb_json_raw(b, v->p, v->p + v->len);
		return;
	case GP_K_MISSING:
		gp_sb_put(b, "null", 4);
		return;
	}
}

void gp_sb_text(gp_sb *b, const gp_value *v)
{
	if (v->kind == GP_K_JSTR) {
		if (v->len && gp_sb_room(b, v->len))
			b->len += gp_json_unescape(v->p, v->len, b->p + b->len);
		return;
	}
	if (v->kind != GP_K_MISSING)
		gp_sb_put(b, v->p, v->len);
}

void gp_sb_csv_cell(gp_sb *b, const char *p, size_t n, char sep)
{
	bool quote = false;
	for (size_t i = 0; i < n && !quote; i++)
		quote = p[i] == '"' || p[i] == '\n' || p[i] == '\r' || p[i] == sep;
	if (!quote) {
		gp_sb_put(b, p, n);
		return;
	}
	gp_sb_putc(b, '"');
	const char *run = p;
	for (size_t i = 0; i < n; i++)
		if (p[i] == '"') {
			gp_sb_put(b, run, (size_t)(p + i + 1 - run));
			gp_sb_putc(b, '"');
			run = p + i + 1;
		}
	gp_sb_put(b, run, (size_t)(p + n - run));
	gp_sb_putc(b, '"');
}

/* Appends p[0..n) with the escape of each byte that has one (NULL: none). */
static void put_escaping(gp_sb *b, const char *p, size_t n, const char *(*esc)(char))
{
	const char *run = p;
	for (size_t i = 0; i < n; i++) {
		const char *e = esc(p[i]);
		if (!e)
			continue;
		gp_sb_put(b, run, (size_t)(p + i - run));
		gp_sb_put(b, e, 2);
		run = p + i + 1;
	}
	gp_sb_put(b, run, (size_t)(p + n - run));
}

static const char *tsv_esc(char c)
{
	switch (c) {
	case '\t': return "\\t";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\\': return "\\\\";
	default: return NULL;
	}
}

void gp_sb_tsv_cell(gp_sb *b, const char *p, size_t n)
{
	put_escaping(b, p, n, tsv_esc);
}

static const char *logfmt_esc(char c)
{
	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\n': return "\\n";
	case '\t': return "\\t";
	case '\r': return "\\r";
	default: return NULL;
	}
}

/* A logfmt value: quoted when empty or when it holds a blank, a control
 * byte, '=', '"' or '\\'. */
void gp_sb_logfmt_cell(gp_sb *b, const char *p, size_t n)
{
	bool quote = n == 0;
	for (size_t i = 0; i < n && !quote; i++) {
		unsigned char c = (unsigned char)p[i];
		quote = c <= ' ' || c == '=' || c == '"' || c == '\\' || c == 0x7F;
	}
	if (!quote) {
		gp_sb_put(b, p, n);
		return;
	}
	gp_sb_putc(b, '"');
	put_escaping(b, p, n, logfmt_esc);
	gp_sb_putc(b, '"');
}
