/* Field references, lookups and awk splitting (see fref.h). */
#include "fref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonval.h"

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
