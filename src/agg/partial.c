/* The line format of partial aggregate states (see partial.h). */
#include "partial.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/jsonval.h"
#include "../fields/jsonl.h"
#include "acc.h"
#include "hash.h"

#define SPEC_SEED 0x6770697065313275ull /* "gpipe12u" */

uint64_t gp_partial_spec(const gp_pipeline_expr *pe, size_t upto)
{
	/* Each word as "LEN:TEXT" folded into the hash in turn, a stage
	 * boundary as "|": the words' decoded text, never the user's spacing. */
	char head[64];
	int hn = snprintf(head, sizeof head, "gpipe partial %d acc %d", GP_PARTIAL_VERSION, GP_ACC_ENC_VERSION);
	uint64_t h = gp_hash64(head, (size_t)hn, SPEC_SEED);
	for (size_t i = 0; i <= upto && i < pe->n; i++) {
		const gp_stage_expr *s = &pe->v[i];
		for (size_t k = 0; k <= s->args.n; k++) {
			const gp_arg *a = k == 0 ? &s->name : &s->args.v[k - 1];
			char len[24];
			int ln = snprintf(len, sizeof len, "%zu:", a->len);
			h = gp_hash64(len, (size_t)ln, h);
			h = gp_hash64(a->s, a->len, h);
		}
		h = gp_hash64("|", 1, h);
	}
	return h;
}

/* ---- keys ---- */

static const char hexd[] = "0123456789abcdef";

void gp_partial_key_put(gp_sb *b, const char *p, size_t n)
{
	size_t from = 0;
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 0x20 && c != 0x7f && c != '\\')
			continue;
		gp_sb_put(b, p + from, i - from);
		from = i + 1;
		char e[4] = { '\\', 0, 0, 0 };
		size_t en = 2;
		switch (c) {
		case '\\': e[1] = '\\'; break;
		case '\t': e[1] = 't'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		default:
			e[1] = 'x', e[2] = hexd[c >> 4], e[3] = hexd[c & 15];
			en = 4;
		}
		gp_sb_put(b, e, en);
	}
	gp_sb_put(b, p + from, n - from);
}

static int hexv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

ssize_t gp_partial_key_get(const char *p, size_t n, char *dst)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c == 0x7f)
			return -1; /* raw: the writer escapes them */
		if (c != '\\') {
			dst[o++] = (char)c;
			continue;
		}
		if (++i == n)
			return -1;
		switch (p[i]) {
		case '\\': dst[o++] = '\\'; break;
		case 't': dst[o++] = '\t'; break;
		case 'n': dst[o++] = '\n'; break;
		case 'r': dst[o++] = '\r'; break;
		case 'x': {
			if (n - i < 3)
				return -1;
			int hi = hexv(p[i + 1]), lo = hexv(p[i + 2]);
			int v = hi * 16 + lo;
			/* only what the writer escapes this way: canonical */
			if (hi < 0 || lo < 0 || (v >= 0x20 && v != 0x7f) || v == '\t' || v == '\n' || v == '\r')
				return -1;
			dst[o++] = (char)v;
			i += 2;
			break;
		}
		default: return -1;
		}
	}
	return (ssize_t)o;
}

/* ---- base64 ---- */

static const char b64d[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void gp_b64_put(gp_sb *b, const void *src, size_t n)
{
	const unsigned char *p = src;
	if (n == 0 || !gp_sb_room(b, (n + 2) / 3 * 4))
		return;
	char *o = b->p + b->len;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = b64d[v >> 18], *o++ = b64d[(v >> 12) & 63], *o++ = b64d[(v >> 6) & 63], *o++ = b64d[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
		*o++ = b64d[v >> 18], *o++ = b64d[(v >> 12) & 63];
		*o++ = i + 1 < n ? b64d[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	b->len = (size_t)(o - b->p);
}

static int b64v(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 :
	       c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : c == '/' ? 63 : -1;
}

ssize_t gp_b64_get(const char *p, size_t n, unsigned char *dst)
{
	if (n % 4)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			if (p[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0, pad++;
				continue;
			}
			if (pad || (v[k] = b64v(p[i + k])) < 0)
				return -1; /* a character after padding, or none of the 64 */
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		/* canonical: the bits padding drops are zero */
		if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
			return -1;
		dst[o++] = (unsigned char)(w >> 16);
		if (pad < 2)
			dst[o++] = (unsigned char)(w >> 8);
		if (pad < 1)
			dst[o++] = (unsigned char)w;
	}
	return (ssize_t)o;
}

/* ---- text ---- */

bool gp_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k;
		uint32_t cp, min;
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07, min = 0x10000;
		else
			return false;
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

void gp_partial_text_put(gp_sb *b, const char *p, size_t n)
{
	if (gp_utf8_valid(p, n)) {
		gp_sb_put(b, "\"text\":\"", 8);
		gp_sb_json_str(b, p, n);
	} else {
		gp_sb_put(b, "\"b64\":\"", 7);
		gp_b64_put(b, p, n);
	}
	gp_sb_putc(b, '"');
}

int gp_partial_b64_value(const gp_value *v, gp_sb *b)
{
	b->len = 0;
	if (v->kind != GP_K_JSTR)
		return -1;
	const char *p = v->p;
	size_t n = v->len;
	if (memchr(p, '\\', n))
		return -1; /* base64 needs no escapes */
	if (!gp_sb_room(b, n / 4 * 3 + 1))
		return -1;
	ssize_t k = gp_b64_get(p, n, (unsigned char *)b->p);
	if (k < 0)
		return -1;
	b->len = (size_t)k;
	return 0;
}

int gp_partial_text_get(const gp_value *obj, gp_sb *b)
{
	gp_value v;
	b->len = 0;
	if (gp_json_member(obj, "text", 4, &v)) {
		if (v.kind != GP_K_JSTR || !gp_sb_room(b, v.len + 1))
			return -1;
		b->len = gp_json_unescape(v.p, v.len, b->p);
		return 1;
	}
	if (gp_json_member(obj, "b64", 3, &v))
		return gp_partial_b64_value(&v, b) == 0 ? 1 : -1;
	return 0;
}

bool gp_partial_u64(const gp_value *v, uint64_t *out)
{
	if (v->kind != GP_K_NUM || v->len == 0 || v->len > 20 || (v->len > 1 && v->p[0] == '0'))
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < v->len; i++) {
		unsigned d = (unsigned)(v->p[i] - '0');
		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*out = x;
	return true;
}

/* ---- lines ---- */

const char *gp_partial_split(const char *p, size_t n, gp_partial_line *out)
{
	const char *t1 = memchr(p, '\t', n);
	if (!t1)
		return n ? "truncated line (no tab after the key)" : "empty line";
	const char *v = t1 + 1, *end = p + n;
	const char *t2 = memchr(v, '\t', (size_t)(end - v));
	if (!t2)
		return "truncated line (no tab after the version)";
	out->key = p, out->klen = (size_t)(t1 - p);
	uint64_t ver = 0;
	const char *q = v;
	while (q < t2 && *q >= '0' && *q <= '9' && ver < 100000000)
		ver = ver * 10 + (uint64_t)(*q++ - '0');
	if (q == v || q == t2 || *q != ':')
		return "no VERSION:SPEC between the tabs";
	q++;
	if (t2 - q != 16)
		return "the spec hash is not 16 hex digits";
	uint64_t spec = 0;
	for (; q < t2; q++) {
		int d = hexv(*q);
		if (d < 0)
			return "the spec hash is not 16 hex digits";
		spec = spec << 4 | (uint64_t)d;
	}
	out->version = ver;
	out->spec = spec;
	out->json = t2 + 1;
	out->jlen = (size_t)(end - (t2 + 1));
	if (out->jlen == 0)
		return "truncated line (no state after the version)";
	return NULL;
}

gp_status gp_partial_bad(gp_ctx *ctx, const gp_rec *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const gp_origin *o = r->origin;
	const char *name = o && o->name ? o->name : "(standard input)";
	const char *mem = o && o->member ? o->member : NULL;
	if (ctx->strict)
		return gp_fail(ctx, NULL, "%s%s%s:%llu: %s", name, mem ? ":" : "", mem ? mem : "",
			       (unsigned long long)r->line, msg);
	gp_report(ctx, "%s%s%s:%llu: %s", name, mem ? ":" : "", mem ? mem : "", (unsigned long long)r->line, msg);
	return GP_EOF;
}

gp_status gp_partial_read(gp_ctx *ctx, struct gp_jsonp *jp, const gp_rec *r, gp_partial_line *out,
			  gp_value *obj, uint64_t *seq)
{
	const char *why = gp_partial_split(r->p, r->len, out);
	if (why)
		return gp_partial_bad(ctx, r, "%s", why);
	if (out->version != GP_PARTIAL_VERSION)
		return gp_partial_bad(ctx, r, "the partial has format version %llu, this gpipe reads version %d",
				      (unsigned long long)out->version, GP_PARTIAL_VERSION);
	if (out->spec != ctx->spec_hash)
		return gp_partial_bad(ctx, r, "the partial was made by a different expression (spec %016llx here %016llx)",
				      (unsigned long long)out->spec, (unsigned long long)ctx->spec_hash);
	if (!gp_json_valid(jp, out->json, out->jlen))
		return gp_partial_bad(ctx, r, "the state is not JSON (%s)", jp->err);
	gp_json_value(out->json, out->json + out->jlen, obj);
	if (obj->kind != GP_K_OBJ)
		return gp_partial_bad(ctx, r, "the state is not a JSON object");
	gp_value m;
	if (!gp_json_member(obj, "_seq", 4, &m) || !gp_partial_u64(&m, seq))
		return gp_partial_bad(ctx, r, "the state has no _seq (a whole number)");
	return GP_OK;
}
