/* The JSON Lines indexer (jsonl.h) behind the json stage (stages/json.c).
 *
 * The scanner validates RFC 8259 in one pass over the bytes, without
 * recursion: containers are tracked by a depth counter and a bit stack
 * (object or array), bounded at GP_JSON_MAX_DEPTH. Strings are searched 16
 * bytes at a time for the three bytes that end a plain run: '"', '\\' and
 * control bytes. Only the top level of an object is turned into fields;
 * nested values stay raw text that paths look into later (core/fields.c). */
#include "jsonl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/grow.h"
#include "../core/jsonval.h"
#include "../core/pool.h"

#if defined(__x86_64__) || defined(__SSE2__)
#include <emmintrin.h>
#define HAVE_SSE2 1
#endif

/* The scanner */

typedef struct scan {
	gp_jsonp *jp;
	const char *base, *end;
} scan;

#define skip_ws gp_json_skip_ws

static const char *fail_eof(scan *s)
{
	snprintf(s->jp->err, sizeof s->jp->err, "unexpected end of input at byte %zu",
		 (size_t)(s->end - s->base) + 1);
	return NULL;
}

static const char *fail_char(scan *s, const char *p, const char *where)
{
	unsigned char c = (unsigned char)*p;
	char shown[8];
	if (c > 0x20 && c < 0x7F)
		snprintf(shown, sizeof shown, "%c", c);
	else
		snprintf(shown, sizeof shown, "\\x%02x", c);
	const char *q = c == '\'' ? "\"" : "'"; /* a quote shown in the other quotes */
	snprintf(s->jp->err, sizeof s->jp->err, "invalid character %s%s%s%s at byte %zu", q, shown, q,
		 where, (size_t)(p - s->base) + 1);
	return NULL;
}

/* The first '"', '\\' or byte < 0x20 in p[0..end), or end. */
static inline const char *str_stop(const char *p, const char *end)
{
#ifdef HAVE_SSE2
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1F);
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)p);
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
					 _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));
		int mask = _mm_movemask_epi8(m);
		if (mask)
			return p + __builtin_ctz((unsigned)mask);
		p += 16;
	}
#endif
	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\' || c < 0x20)
			return p;
	}
	return end;
}

static inline bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* p is just after the opening quote. Returns the closing quote, or NULL on
 * error; *esc tells whether the body has escapes. */
static const char *scan_string(scan *s, const char *p, bool *esc)
{
	const char *end = s->end;
	for (;;) {
		p = str_stop(p, end);
		if (p >= end)
			return fail_eof(s);
		if (*p == '"')
			return p;
		if (*p != '\\')
			return fail_char(s, p, " in string");
		*esc = true;
		if (++p >= end)
			return fail_eof(s);
		switch (*p) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			p++;
			break;
		case 'u':
			for (int i = 1; i <= 4; i++) {
				if (p + i >= end)
					return fail_eof(s);
				if (!is_hex(p[i]))
					return fail_char(s, p + i, " in \\u escape");
			}
			p += 5;
			break;
		default:
			return fail_char(s, p, " after '\\'");
		}
	}
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* p is at '-' or a digit. Returns the byte after the number, or NULL. */
static const char *scan_number(scan *s, const char *p)
{
	const char *end = s->end;
	if (*p == '-' && ++p >= end)
		return fail_eof(s);
	if (*p == '0')
		p++;
	else if (is_digit(*p))
		while (++p < end && is_digit(*p))
			;
	else
		return fail_char(s, p, "");
	if (p < end && *p == '.') {
		if (++p >= end)
			return fail_eof(s);
		if (!is_digit(*p))
			return fail_char(s, p, "");
		while (++p < end && is_digit(*p))
			;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		if (++p >= end)
			return fail_eof(s);
		if (*p == '+' || *p == '-')
			if (++p >= end)
				return fail_eof(s);
		if (!is_digit(*p))
			return fail_char(s, p, "");
		while (++p < end && is_digit(*p))
			;
	}
	return p;
}

static const char *scan_literal(scan *s, const char *p, const char *word, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p + i >= s->end)
			return fail_eof(s);
		if (p[i] != word[i])
			return fail_char(s, p + i, "");
	}
	return p + n;
}

#define STACK_SET(st, d) ((st)[(d) >> 6] |= (uint64_t)1 << ((d)&63))
#define STACK_CLR(st, d) ((st)[(d) >> 6] &= ~((uint64_t)1 << ((d)&63)))
#define STACK_OBJ(st, d) (((st)[(d) >> 6] >> ((d)&63)) & 1)

/* Validates the value at p (blanks first); depth0 containers already
 * enclose it. Returns the byte after it, or NULL with jp->err set. */
static const char *scan_value(scan *s, const char *p, unsigned depth0)
{
	const char *end = s->end;
	uint64_t *stack = s->jp->stack;
	unsigned depth = 0; /* containers opened here */
	bool esc;

value:
	p = skip_ws(p, end);
	if (p >= end)
		return fail_eof(s);
	switch (*p) {
	case '{':
	case '[':
		if (depth0 + depth >= GP_JSON_MAX_DEPTH) {
			snprintf(s->jp->err, sizeof s->jp->err, "nesting deeper than %d at byte %zu",
				 GP_JSON_MAX_DEPTH, (size_t)(p - s->base) + 1);
			return NULL;
		}
		if (*p == '{')
			STACK_SET(stack, depth);
		else
			STACK_CLR(stack, depth);
		depth++;
		p = skip_ws(p + 1, end);
		if (p >= end)
			return fail_eof(s);
		if (*p == (STACK_OBJ(stack, depth - 1) ? '}' : ']')) {
			depth--;
			p++;
			goto after;
		}
		if (STACK_OBJ(stack, depth - 1))
			goto key;
		goto value;
	case '"':
		if (!(p = scan_string(s, p + 1, &esc)))
			return NULL;
		p++;
		goto after;
	case 't':
		p = scan_literal(s, p, "true", 4);
		break;
	case 'f':
		p = scan_literal(s, p, "false", 5);
		break;
	case 'n':
		p = scan_literal(s, p, "null", 4);
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		p = scan_number(s, p);
		break;
	default:
		return fail_char(s, p, "");
	}
	if (!p)
		return NULL;
after:
	if (depth == 0)
		return p;
	p = skip_ws(p, end);
	if (p >= end)
		return fail_eof(s);
	if (*p == ',') {
		p++;
		if (STACK_OBJ(stack, depth - 1))
			goto key;
		goto value;
	}
	if (*p == (STACK_OBJ(stack, depth - 1) ? '}' : ']')) {
		depth--;
		p++;
		goto after;
	}
	return fail_char(s, p, "");
key:
	p = skip_ws(p, end);
	if (p >= end)
		return fail_eof(s);
	if (*p != '"')
		return fail_char(s, p, "");
	if (!(p = scan_string(s, p + 1, &esc)))
		return NULL;
	p = skip_ws(p + 1, end);
	if (p >= end)
		return fail_eof(s);
	if (*p != ':')
		return fail_char(s, p, "");
	p++;
	goto value;
}

static uint8_t kind_of(char c)
{
	switch (c) {
	case '"': return GP_K_JSTR;
	case '{': return GP_K_OBJ;
	case '[': return GP_K_ARR;
	case 't': return GP_K_TRUE;
	case 'f': return GP_K_FALSE;
	case 'n': return GP_K_NULL;
	default: return GP_K_NUM;
	}
}

static int push_field(gp_jsonp *jp, const char *name, size_t nlen, const char *v, const char *ve)
{
	if (jp->nf == jp->fcap && gp_grow(&jp->f, &jp->fcap, (size_t)jp->nf + 1, sizeof *jp->f) != 0)
		return -1;
	uint8_t k = kind_of(*v);
	if (k == GP_K_JSTR) {
		v++;
		ve--;
	}
	jp->f[jp->nf++] = (gp_field){ .name = name, .nlen = (uint32_t)nlen, .v = v,
				      .vlen = (size_t)(ve - v), .kind = k };
	return 0;
}

gp_json_res gp_json_fields(gp_jsonp *jp, gp_pool *pool, const char *text, size_t len)
{
	scan s = { jp, text, text + len };
	const char *p = skip_ws(text, s.end), *end = s.end;
	jp->nf = 0;
	jp->err[0] = '\0';
	if (p >= end)
		return GP_JSON_BLANK;
	if (*p != '{') {
		const char *v = p;
		if (!(p = scan_value(&s, p, 0)))
			return GP_JSON_BAD;
		const char *ve = p;
		p = skip_ws(p, end);
		if (p < end) {
			fail_char(&s, p, "");
			return GP_JSON_BAD;
		}
		return push_field(jp, "value", 5, v, ve) ? GP_JSON_NOMEM : GP_JSON_OK;
	}
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}') {
		p++;
		goto done;
	}
	for (;;) {
		if (p >= end)
			goto eof;
		if (*p != '"')
			goto bad;
		bool esc = false;
		const char *kb = p + 1, *ke = scan_string(&s, kb, &esc);
		if (!ke)
			return GP_JSON_BAD;
		p = skip_ws(ke + 1, end);
		if (p >= end)
			goto eof;
		if (*p != ':')
			goto bad;
		const char *v = skip_ws(p + 1, end);
		if (!(p = scan_value(&s, v, 1)))
			return GP_JSON_BAD;
		const char *name = kb;
		size_t nlen = (size_t)(ke - kb);
		if (esc) {
			char *d = gp_pool_alloc(pool, nlen ? nlen : 1);
			if (!d)
				return GP_JSON_NOMEM;
			nlen = gp_json_unescape(kb, nlen, d);
			name = d;
		}
		if (push_field(jp, name, nlen, v, p) != 0)
			return GP_JSON_NOMEM;
		p = skip_ws(p, end);
		if (p >= end)
			goto eof;
		if (*p == '}') {
			p++;
			break;
		}
		if (*p != ',')
			goto bad;
		p = skip_ws(p + 1, end);
	}
done:
	p = skip_ws(p, end);
	if (p < end)
		goto bad;
	return GP_JSON_OK;
eof:
	fail_eof(&s);
	return GP_JSON_BAD;
bad:
	fail_char(&s, p, "");
	return GP_JSON_BAD;
}

bool gp_json_valid(gp_jsonp *jp, const char *text, size_t len)
{
	scan s = { jp, text, text + len };
	jp->err[0] = '\0';
	const char *p = scan_value(&s, text, 0);
	if (!p)
		return false;
	p = skip_ws(p, s.end);
	if (p < s.end) {
		fail_char(&s, p, "");
		return false;
	}
	return true;
}

void gp_jsonp_free(gp_jsonp *jp)
{
	free(jp->f);
	jp->f = NULL;
	jp->nf = jp->fcap = 0;
}
