/* JSON values over valid text (see jsonval.h). */
#include "jsonval.h"

#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && gp_json_ws(*p))
		p++;
	return p;
}

const char *gp_json_skip(const char *p, const char *end)
{
	p = skip_ws(p, end);
	if (p >= end)
		return end;
	if (*p == '"') {
		const char *q = gp_json_string_end(p + 1, end);
		return q < end ? q + 1 : end;
	}
	if (*p == '{' || *p == '[') {
		size_t depth = 0;
		while (p < end) {
			char c = *p;
			if (c == '"') {
				p = gp_json_string_end(p + 1, end);
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
	while (p < end && !gp_json_ws(*p) && *p != ',' && *p != ']' && *p != '}' && *p != ':')
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
		const char *kb = p + 1, *ke = gp_json_string_end(kb, end);
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
			int cp = gp_json_hex4(p, end);
			if (cp < 0) {
				dst[n++] = 'u';
				break;
			}
			p += 4;
			uint32_t c = (uint32_t)cp;
			if (c >= 0xD800 && c <= 0xDBFF) {
				int lo = end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? gp_json_hex4(p + 2, end) : -1;
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
