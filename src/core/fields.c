/* Fields: references, lookups, JSON views, per-batch pools, rendering,
 * kept records and the summary of unparsable records (see fields.h). */
#include "fields.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const gp_layout gp_layout_json = { .fmt = GP_LAY_JSON };
const gp_layout gp_layout_logfmt = { .fmt = GP_LAY_LOGFMT, .sep = " ", .seplen = 1 };
const gp_layout gp_layout_tsv = { .fmt = GP_LAY_TSV, .sep = "\t", .seplen = 1 };

/* References */

static bool digits(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool word_is(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(s, w, len) == 0;
}

size_t gp_fref_brace_end(const char *s, size_t len)
{
	for (size_t i = 2; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && (s[i + 1] == '}' || s[i + 1] == '\\'))
			i++;
		else if (s[i] == '}')
			return i + 1;
	}
	return 0;
}

static int fref_err(char *err, size_t errcap, size_t *bad, size_t at, const char *msg)
{
	snprintf(err, errcap, "%s", msg);
	*bad = at;
	return -1;
}

int gp_fref_parse(gp_arena *a, const char *s, size_t len, gp_fref *out, char *err, size_t errcap,
		  size_t *bad)
{
	memset(out, 0, sizeof *out);
	*bad = 0;
	if (len == 0)
		return fref_err(err, errcap, bad, 0, "empty field name");
	if (s[0] == '$' && !(len >= 2 && s[1] == '{')) {
		if (word_is(s + 1, len - 1, "NF")) {
			out->kind = GP_REF_NF;
			return 0;
		}
		if (digits(s + 1, len - 1) && len <= 10) {
			unsigned long v = strtoul(s + 1, NULL, 10);
			out->kind = v == 0 ? GP_REF_WHOLE : GP_REF_POS;
			out->pos = (uint32_t)v;
			return 0;
		}
		return fref_err(err, errcap, bad, 0, "'$' takes a field number, NF or {name}: $3, $NF, ${my field}");
	}
	if (word_is(s, len, "_file")) {
		out->kind = GP_REF_FILE;
		return 0;
	}
	if (word_is(s, len, "_member")) {
		out->kind = GP_REF_MEMBER;
		return 0;
	}
	if (word_is(s, len, "_line")) {
		out->kind = GP_REF_LINE;
		return 0;
	}

	/* A path: segment ( '.' segment | '[' int ']' )*, a segment a bare name
	 * or ${any text}. Keys are decoded into keys[], never longer than s. */
	size_t nseg = 1;
	for (size_t i = 0; i < len; i++)
		nseg += s[i] == '.' || s[i] == '[';
	char *name = gp_arena_alloc(a, len + 1);
	char *keys = gp_arena_alloc(a, len + 1);
	gp_pathseg *seg = gp_arena_alloc(a, nseg * sizeof *seg);
	if (!name || !keys || !seg)
		return fref_err(err, errcap, bad, 0, "out of memory");
	memcpy(name, s, len);
	name[len] = '\0';
	out->kind = GP_REF_NAME;
	out->name = name;
	out->nlen = (uint32_t)len;
	out->seg = seg;
	size_t n = 0, i = 0, kl = 0;
	bool expect_key = true;
	while (i < len) {
		if (s[i] == '[') {
			size_t j = i + 1;
			bool neg = j < len && s[j] == '-';
			if (neg)
				j++;
			size_t d0 = j;
			while (j < len && s[j] >= '0' && s[j] <= '9')
				j++;
			if (n == 0 || j == d0 || j >= len || s[j] != ']' || j - d0 > 15)
				return fref_err(err, errcap, bad, i,
						n == 0 ? "a field name must come before '['"
						       : "'[' takes an index: tags[0], tags[-1]");
			int64_t v = (int64_t)strtoll(s + d0, NULL, 10);
			if (neg && v == 0)
				return fref_err(err, errcap, bad, i, "index -0 means nothing: the last element is [-1]");
			seg[n++] = (gp_pathseg){ .key = NULL, .index = neg ? -v : v };
			i = j + 1;
			expect_key = false;
			continue;
		}
		if (s[i] == '.') {
			if (n == 0 || expect_key)
				return fref_err(err, errcap, bad, i, "empty name in field path");
			i++;
			expect_key = true;
			if (i == len)
				return fref_err(err, errcap, bad, i - 1, "field path ends with '.'");
			continue;
		}
		if (!expect_key)
			return fref_err(err, errcap, bad, i,
					s[i - 1] == '}' ? "expected '.' or '[' after '}'" : "expected '.' or '[' after ']'");
		char *k = keys + kl;
		if (s[i] == '$' && i + 1 < len && s[i + 1] == '{') {
			size_t e = gp_fref_brace_end(s + i, len - i);
			if (!e)
				return fref_err(err, errcap, bad, i + 1, "'${' without a closing '}'");
			size_t m = 0;
			for (size_t q = i + 2; q < i + e - 1; q++) {
				if (s[q] == '\\' && (s[q + 1] == '}' || s[q + 1] == '\\'))
					q++;
				k[m++] = s[q];
			}
			seg[n++] = (gp_pathseg){ .key = k, .klen = (uint32_t)m, .index = -1 };
			kl += m;
			out->braced = true;
			i += e;
			expect_key = false;
			continue;
		}
		size_t j = i;
		while (j < len && s[j] != '.' && s[j] != '[' && s[j] != ']' &&
		       !(s[j] == '$' && j + 1 < len && s[j + 1] == '{'))
			j++;
		if (j < len && s[j] == ']')
			return fref_err(err, errcap, bad, j, "unexpected ']' in field name");
		if (j < len && s[j] == '$')
			return fref_err(err, errcap, bad, j, "'${' starts a segment of its own: a.${b c}");
		memcpy(k, s + i, j - i);
		seg[n++] = (gp_pathseg){ .key = k, .klen = (uint32_t)(j - i), .index = -1 };
		kl += j - i;
		i = j;
		expect_key = false;
	}
	out->nseg = (uint32_t)n;
	/* A lone ${key} is named by its key: select ${a b} makes the field "a b". */
	if (out->braced && n == 1) {
		out->name = seg[0].key;
		out->nlen = seg[0].klen;
	}
	return 0;
}

const gp_field *gp_field_find(const gp_rec *r, const char *name, size_t len)
{
	const gp_field *hit = NULL;
	for (uint32_t i = 0; i < r->nf; i++) {
		const gp_field *f = &r->f[i];
		if (f->nlen == len && memcmp(f->name, name, len) == 0)
			hit = f; /* the last of duplicates wins, as in JSON */
	}
	return hit;
}

static inline bool awk_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

const char *gp_rec_body(const gp_rec *r, bool bom, size_t *len)
{
	const char *p = r->p;
	size_t n = r->len;
	if (n && p[n - 1] == '\r')
		n--;
	if (bom && r->line == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
		p += 3;
		n -= 3;
	}
	*len = n;
	return p;
}

bool gp_awk_next(const char *p, size_t len, size_t *pos, const char **fp, size_t *flen)
{
	size_t i = *pos;
	while (i < len && awk_blank(p[i]))
		i++;
	if (i == len) {
		*pos = len;
		return false;
	}
	size_t j = i;
	while (j < len && !awk_blank(p[j]))
		j++;
	*fp = p + i;
	*flen = j - i;
	*pos = j;
	return true;
}

bool gp_awk_field(const char *p, size_t len, uint32_t n, const char **fp, size_t *flen)
{
	size_t pos = 0;
	uint32_t k = 0;
	const char *f;
	size_t fl;
	bool any = false;
	while (gp_awk_next(p, len, &pos, &f, &fl)) {
		any = true;
		*fp = f;
		*flen = fl;
		if (n && ++k == n)
			return true;
	}
	return n == 0 && any; /* $NF: the last one, already in *fp */
}

static void field_value(const gp_field *f, gp_value *out)
{
	out->kind = f->kind;
	out->p = f->v;
	out->len = f->vlen;
}

static bool missing(gp_value *out)
{
	out->kind = GP_K_MISSING;
	out->p = NULL;
	out->len = 0;
	return false;
}

bool gp_fref_get(const gp_fref *ref, const gp_rec *r, gp_value *out, char numbuf[24])
{
	switch ((gp_refkind)ref->kind) {
	case GP_REF_WHOLE:
		*out = (gp_value){ GP_K_STR, r->p, r->len };
		return true;
	case GP_REF_POS:
	case GP_REF_NF:
		if (r->f) {
			uint32_t i = ref->kind == GP_REF_NF ? r->nf : ref->pos;
			if (i == 0 || i > r->nf)
				return missing(out);
			field_value(&r->f[i - 1], out);
			return true;
		}
		out->kind = GP_K_STR;
		if (!gp_awk_field(r->p, r->len, ref->kind == GP_REF_NF ? 0 : ref->pos, &out->p, &out->len))
			return missing(out);
		return true;
	case GP_REF_FILE:
		if (!r->origin)
			return missing(out);
		*out = (gp_value){ GP_K_STR, r->origin->name, strlen(r->origin->name) };
		return true;
	case GP_REF_MEMBER:
		if (!r->origin)
			return missing(out);
		*out = (gp_value){ GP_K_STR, r->origin->member ? r->origin->member : "",
				   r->origin->member ? strlen(r->origin->member) : 0 };
		return true;
	case GP_REF_LINE: {
		if (!r->line)
			return missing(out);
		int k = snprintf(numbuf, 24, "%llu", (unsigned long long)r->line);
		*out = (gp_value){ GP_K_NUM, numbuf, (size_t)k };
		return true;
	}
	case GP_REF_NAME:
		break;
	}
	const gp_field *f = gp_field_find(r, ref->name, ref->nlen);
	if (f) {
		field_value(f, out);
		return true;
	}
	if (ref->nseg < 2 || !ref->seg[0].key)
		return missing(out);
	f = gp_field_find(r, ref->seg[0].key, ref->seg[0].klen);
	if (!f)
		return missing(out);
	gp_value v;
	field_value(f, &v);
	for (uint32_t i = 1; i < ref->nseg; i++) {
		const gp_pathseg *s = &ref->seg[i];
		gp_value next;
		bool ok = s->key ? gp_json_member(&v, s->key, s->klen, &next)
				 : gp_json_index(&v, s->index, &next);
		if (!ok)
			return missing(out);
		v = next;
	}
	*out = v;
	return true;
}

/* JSON over valid text */

static inline bool json_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && json_ws(*p))
		p++;
	return p;
}

/* p points just after an opening quote; returns the closing quote. */
static const char *string_end(const char *p, const char *end)
{
	while (p < end) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		if (!q)
			return end;
		/* Count the backslashes before it. */
		const char *b = q;
		while (b > p && b[-1] == '\\')
			b--;
		if (((q - b) & 1) == 0)
			return q;
		p = q + 1;
	}
	return end;
}

const char *gp_json_skip(const char *p, const char *end)
{
	p = skip_ws(p, end);
	if (p >= end)
		return end;
	if (*p == '"') {
		const char *q = string_end(p + 1, end);
		return q < end ? q + 1 : end;
	}
	if (*p == '{' || *p == '[') {
		size_t depth = 0;
		while (p < end) {
			char c = *p;
			if (c == '"') {
				p = string_end(p + 1, end);
				if (p < end)
					p++;
				continue;
			}
			if (c == '{' || c == '[')
				depth++;
			else if (c == '}' || c == ']') {
				if (--depth == 0)
					return p + 1;
			}
			p++;
		}
		return end;
	}
	while (p < end && !json_ws(*p) && *p != ',' && *p != ']' && *p != '}' && *p != ':')
		p++;
	return p;
}

void gp_json_value(const char *p, const char *end, gp_value *out)
{
	p = skip_ws(p, end);
	const char *e = gp_json_skip(p, end);
	if (p >= end) {
		*out = (gp_value){ GP_K_MISSING, NULL, 0 };
		return;
	}
	switch (*p) {
	case '"':
		*out = (gp_value){ GP_K_JSTR, p + 1, e > p + 1 ? (size_t)(e - p - 2) : 0 };
		return;
	case '{': *out = (gp_value){ GP_K_OBJ, p, (size_t)(e - p) }; return;
	case '[': *out = (gp_value){ GP_K_ARR, p, (size_t)(e - p) }; return;
	case 't': *out = (gp_value){ GP_K_TRUE, p, (size_t)(e - p) }; return;
	case 'f': *out = (gp_value){ GP_K_FALSE, p, (size_t)(e - p) }; return;
	case 'n': *out = (gp_value){ GP_K_NULL, p, (size_t)(e - p) }; return;
	default: *out = (gp_value){ GP_K_NUM, p, (size_t)(e - p) }; return;
	}
}

static bool key_equals(const char *body, size_t blen, const char *key, size_t klen)
{
	if (!memchr(body, '\\', blen))
		return blen == klen && memcmp(body, key, klen) == 0;
	if (klen > blen)
		return false;
	char tmp[1024];
	if (blen > sizeof tmp) {
		char *h = malloc(blen);
		if (!h)
			return false;
		size_t n = gp_json_unescape(body, blen, h);
		bool eq = n == klen && memcmp(h, key, klen) == 0;
		free(h);
		return eq;
	}
	size_t n = gp_json_unescape(body, blen, tmp);
	return n == klen && memcmp(tmp, key, klen) == 0;
}

bool gp_json_member(const gp_value *obj, const char *key, size_t klen, gp_value *out)
{
	if (obj->kind != GP_K_OBJ)
		return false;
	const char *p = obj->p + 1, *end = obj->p + obj->len;
	bool found = false;
	for (;;) {
		p = skip_ws(p, end);
		if (p >= end || *p != '"')
			break;
		const char *kb = p + 1, *ke = string_end(kb, end);
		if (ke >= end)
			break;
		p = skip_ws(ke + 1, end);
		if (p >= end || *p != ':')
			break;
		const char *vs = p + 1, *ve = gp_json_skip(vs, end);
		if (key_equals(kb, (size_t)(ke - kb), key, klen)) {
			gp_json_value(vs, ve, out); /* the last duplicate wins */
			found = true;
		}
		p = skip_ws(ve, end);
		if (p >= end || *p != ',')
			break;
		p++;
	}
	return found;
}

bool gp_json_index(const gp_value *arr, int64_t index, gp_value *out)
{
	if (arr->kind != GP_K_ARR)
		return false;
	const char *end = arr->p + arr->len;
	if (index < 0) {
		int64_t n = 0;
		const char *p = skip_ws(arr->p + 1, end);
		if (p < end && *p != ']') {
			for (;;) {
				n++;
				p = skip_ws(gp_json_skip(p, end), end);
				if (p >= end || *p != ',')
					break;
				p++;
			}
		}
		index += n;
		if (index < 0)
			return false;
	}
	const char *p = skip_ws(arr->p + 1, end);
	if (p >= end || *p == ']')
		return false;
	for (int64_t i = 0;; i++) {
		const char *e = gp_json_skip(p, end);
		if (i == index) {
			gp_json_value(p, e, out);
			return true;
		}
		p = skip_ws(e, end);
		if (p >= end || *p != ',')
			return false;
		p++;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex4(const char *p, const char *end)
{
	if (end - p < 4)
		return -1;
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static size_t put_utf8(char *d, uint32_t cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xC0 | (cp >> 6));
		d[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xE0 | (cp >> 12));
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		d[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	d[0] = (char)(0xF0 | (cp >> 18));
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	d[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t gp_json_unescape(const char *s, size_t len, char *dst)
{
	const char *p = s, *end = s + len;
	size_t n = 0;
	while (p < end) {
		const char *q = memchr(p, '\\', (size_t)(end - p));
		if (!q) {
			memcpy(dst + n, p, (size_t)(end - p));
			n += (size_t)(end - p);
			break;
		}
		memcpy(dst + n, p, (size_t)(q - p));
		n += (size_t)(q - p);
		p = q + 1;
		if (p >= end)
			break;
		char e = *p++;
		switch (e) {
		case 'b': dst[n++] = '\b'; break;
		case 'f': dst[n++] = '\f'; break;
		case 'n': dst[n++] = '\n'; break;
		case 'r': dst[n++] = '\r'; break;
		case 't': dst[n++] = '\t'; break;
		case 'u': {
			int cp = hex4(p, end);
			if (cp < 0) {
				dst[n++] = 'u';
				break;
			}
			p += 4;
			uint32_t c = (uint32_t)cp;
			if (c >= 0xD800 && c <= 0xDBFF) {
				int lo = end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2, end) : -1;
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					c = 0x10000 + ((c - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
					p += 6;
				} else {
					c = 0xFFFD;
				}
			} else if (c >= 0xDC00 && c <= 0xDFFF) {
				c = 0xFFFD;
			}
			n += put_utf8(dst + n, c);
			break;
		}
		default: dst[n++] = e; break; /* " \ / */
		}
	}
	return n;
}

bool gp_is_json_number(const char *p, size_t n)
{
	size_t i = 0;
	if (i < n && p[i] == '-')
		i++;
	if (i >= n)
		return false;
	if (p[i] == '0') {
		i++;
	} else if (p[i] >= '1' && p[i] <= '9') {
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	} else {
		return false;
	}
	if (i < n && p[i] == '.') {
		i++;
		size_t d = i;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == d)
			return false;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		size_t d = i;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == d)
			return false;
	}
	return i == n;
}

/* Pools */

struct gp_pool_blk {
	gp_pool_blk *next;
	size_t cap;
	max_align_t data[];
};

#define POOL_BLOCK (64u * 1024u)

void *gp_pool_alloc(gp_pool *p, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	if (p->cur && p->cur->cap - p->used >= n) {
		void *r = (char *)p->cur->data + p->used;
		p->used += n;
		return r;
	}
	/* The next kept block that is big enough, else a new one after cur. */
	gp_pool_blk **link = p->cur ? &p->cur->next : &p->head;
	while (*link && (*link)->cap < n)
		link = &(*link)->next;
	gp_pool_blk *b = *link;
	if (!b) {
		size_t cap = n > POOL_BLOCK ? n : POOL_BLOCK;
		b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->next = NULL;
		*link = b;
	} else if (p->cur && b != p->cur->next) {
		/* Move it right after cur so the blocks in between stay for later. */
		*link = b->next;
		b->next = p->cur->next;
		p->cur->next = b;
	}
	p->cur = b;
	p->used = n;
	return b->data;
}

void gp_pool_reset(gp_pool *p)
{
	p->cur = NULL;
	p->used = 0;
	/* The first alloc takes head (or the first block big enough). */
}

static void pool_free(void *arg)
{
	gp_pool *p = arg;
	for (gp_pool_blk *b = p->head, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	p->head = p->cur = NULL;
	p->used = 0;
}

int gp_pool_own(gp_scope *s, gp_pool *p)
{
	return gp_scope_defer(s, pool_free, p);
}

/* String builders */

static bool sb_room(gp_sb *b, size_t n)
{
	if (b->oom || b->over)
		return false;
	if (b->max && n > b->max + 1 - b->len) { /* + 1: room for the delimiter */
		b->over = true;
		return false;
	}
	if (b->cap - b->len >= n)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2) {
			b->oom = true;
			return false;
		}
		cap *= 2;
	}
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void gp_sb_put(gp_sb *b, const void *s, size_t n)
{
	if (n && sb_room(b, n)) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

void gp_sb_putc(gp_sb *b, char c)
{
	if (sb_room(b, 1))
		b->p[b->len++] = c;
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

void gp_sb_bound(gp_sb *b, gp_dropped *d, const gp_ctx *ctx, const char *stage)
{
	b->max = ctx->max_record;
	*d = (gp_dropped){ .stage = stage,
			   .what = "are longer than --max-record once rebuilt, skipped",
			   .what1 = "is longer than --max-record once rebuilt, skipped",
			   .error = true };
}

int gp_sb_finish_built(gp_sb *b, gp_pool *pool, gp_ctx *ctx, gp_dropped *d, const gp_rec *r,
		       const char **p, size_t *len)
{
	*p = gp_sb_finish_rec(b, pool, ctx->delim, len);
	if (*p)
		return 1;
	if (!b->over)
		return -1;
	b->over = false;
	char detail[64];
	snprintf(detail, sizeof detail, "more than %zu bytes", b->max);
	gp_dropped_add(ctx, d, r, detail);
	return 0;
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
			int cp = hex4(p + 1, end);
			if (cp < 0) {
				gp_sb_put(b, "\\\\", 2);
				continue;
			}
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				int lo = end - p >= 11 && p[5] == '\\' && p[6] == 'u' ? hex4(p + 7, end) : -1;
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
		if (json_ws(c)) {
			p++;
			continue;
		}
		if (c == '"') {
			const char *q = string_end(p + 1, end);
			gp_sb_putc(b, '"');
			sb_json_body(b, p + 1, (size_t)(q - p - 1));
			gp_sb_putc(b, '"');
			p = q < end ? q + 1 : end;
			continue;
		}
		const char *q = p + 1;
		if (c != '{' && c != '}' && c != '[' && c != ']' && c != ',' && c != ':')
			while (q < end && !json_ws(*q) && !strchr("{}[],:\"", *q))
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
		if (v->len && sb_room(b, v->len))
			b->len += gp_json_unescape(v->p, v->len, b->p + b->len);
		return;
	}
	if (v->kind != GP_K_MISSING)
		gp_sb_put(b, v->p, v->len);
}

/* Rendering */

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
static void logfmt_cell(gp_sb *b, const char *p, size_t n)
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

enum cell { CELL_TEXT, CELL_LOGFMT, CELL_CSV, CELL_TSV };

static void put_cell(gp_sb *b, enum cell how, const char *p, size_t n, char sep)
{
	switch (how) {
	case CELL_TEXT: gp_sb_put(b, p, n); break;
	case CELL_LOGFMT: logfmt_cell(b, p, n); break;
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
	if (how == CELL_TEXT || !sb_room(b, 2 * n + 2))
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

/* Kept records */

int gp_keep(gp_kept *k, const gp_rec *r)
{
	const gp_origin *o = r->origin;
	size_t nl = o ? strlen(o->name) + 1 : 0;
	size_t ml = o && o->member ? strlen(o->member) + 1 : 0;
	size_t need = r->len + nl + ml;
	for (uint32_t i = 0; i < r->nf; i++)
		need += r->f[i].nlen + r->f[i].vlen;
	if (need > k->cap || !k->buf) {
		size_t cap = k->cap ? k->cap : 128;
		while (cap < need)
			cap *= 2;
		char *b = realloc(k->buf, cap);
		if (!b)
			return -1;
		k->buf = b;
		k->cap = cap;
	}
	if (r->nf > k->fcap || (r->f && !k->f)) {
		uint32_t fc = r->nf > 8 ? r->nf : 8;
		gp_field *f = realloc(k->f, fc * sizeof *f);
		if (!f)
			return -1;
		k->f = f;
		k->fcap = fc;
	}
	char *w = k->buf;
	if (r->len)
		memcpy(w, r->p, r->len);
	k->rec = *r;
	k->rec.p = w;
	w += r->len;
	if (o) {
		if (!k->origin && !(k->origin = malloc(sizeof *k->origin)))
			return -1;
		memcpy(w, o->name, nl);
		k->origin->name = w;
		k->origin->member = NULL;
		k->origin->id = o->id;
		w += nl;
		if (ml) {
			memcpy(w, o->member, ml);
			k->origin->member = w;
			w += ml;
		}
		k->rec.origin = k->origin;
	}
	if (r->f) {
		for (uint32_t i = 0; i < r->nf; i++) {
			gp_field f = r->f[i];
			if (f.nlen)
				memcpy(w, f.name, f.nlen);
			f.name = w;
			w += f.nlen;
			if (f.vlen)
				memcpy(w, f.v, f.vlen);
			f.v = w;
			w += f.vlen;
			k->f[i] = f;
		}
		k->rec.f = k->f;
	}
	return 0;
}

int gp_kept_room(gp_kept **v, size_t *cap, size_t i, size_t max)
{
	if (i < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 64;
	if (nc < i + 1)
		nc = i + 1;
	if (nc > max)
		nc = max;
	gp_kept *r = realloc(*v, nc * sizeof *r);
	if (!r)
		return -1;
	memset(r + *cap, 0, (nc - *cap) * sizeof *r);
	*v = r;
	*cap = nc;
	return 0;
}

void gp_kept_free(gp_kept *k)
{
	free(k->buf);
	free(k->f);
	free(k->origin);
	k->buf = NULL;
	k->f = NULL;
	k->origin = NULL;
	k->cap = 0;
	k->fcap = 0;
}

/* Unparsable records */

void gp_warn(gp_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	gp_vsay(ctx, fmt, ap);
	va_end(ap);
}

void gp_dropped_flush(gp_ctx *ctx, gp_dropped *d)
{
	if (d->count == 0)
		return;
	char where[96] = "";
	if (d->first_line)
		snprintf(where, sizeof where, d->count == 1 ? "line %llu" : "first at line %llu",
			 (unsigned long long)d->first_line);
	const char *sep = where[0] && d->first_detail[0] ? ": " : "";
	const char *open = where[0] || d->first_detail[0] ? " (" : "";
	const char *close = where[0] || d->first_detail[0] ? ")" : "";
	const char *fmt = "%s: %llu %s of %s %s%s%s%s%s%s";
	if (ctx->strict || d->error)
		gp_report(ctx, fmt, d->stage, (unsigned long long)d->count,
			  d->count == 1 ? "record" : "records", d->name,
			  d->count == 1 ? d->what1 : d->what, open, where, sep, d->first_detail, close);
	else
		gp_warn(ctx, fmt, d->stage, (unsigned long long)d->count,
			d->count == 1 ? "record" : "records", d->name,
			d->count == 1 ? d->what1 : d->what, open, where, sep, d->first_detail, close);
	d->count = 0;
	d->first_line = 0;
	d->first_detail[0] = '\0';
}

void gp_dropped_add(gp_ctx *ctx, gp_dropped *d, const gp_rec *r, const char *detail)
{
	uint64_t id = r->origin ? r->origin->id : 0;
	if (d->count && id != d->origin_id)
		gp_dropped_flush(ctx, d);
	if (d->count++ == 0) {
		d->origin_id = id;
		d->first_line = r->line;
		snprintf(d->first_detail, sizeof d->first_detail, "%s", detail ? detail : "");
		if (!r->origin)
			snprintf(d->name, sizeof d->name, "the input");
		else if (r->origin->member)
			snprintf(d->name, sizeof d->name, "%s:%s", r->origin->name, r->origin->member);
		else
			snprintf(d->name, sizeof d->name, "%s", r->origin->name);
	}
}
