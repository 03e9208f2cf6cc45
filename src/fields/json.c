/* json and explode: JSON Lines records gain fields; an array field becomes
 * one record per element.
 *
 * The scanner validates RFC 8259 in one pass over the bytes, without
 * recursion: containers are tracked by a depth counter and a bit stack
 * (object or array), bounded at GP_JSON_MAX_DEPTH. Strings are searched 16
 * bytes at a time for the three bytes that end a plain run: '"', '\\' and
 * control bytes. Only the top level of an object is turned into fields;
 * nested values stay raw text that paths look into later (core/fields.c). */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/dropped.h"
#include "../core/fref.h"
#include "../core/jsonval.h"
#include "../core/render.h"
#include "../core/sb.h"
#include "../registry.h"

#if defined(__x86_64__) || defined(__SSE2__)
#include <emmintrin.h>
#define HAVE_SSE2 1
#endif

/* The scanner */

typedef struct scan {
	gp_jsonp *jp;
	const char *base, *end;
} scan;

static inline bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline const char *skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

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
	if (jp->nf == jp->fcap) {
		uint32_t cap = jp->fcap ? jp->fcap * 2 : 32;
		gp_field *f = realloc(jp->f, cap * sizeof *f);
		if (!f)
			return -1;
		jp->f = f;
		jp->fcap = cap;
	}
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

/* json */

typedef struct jstage {
	gp_jsonp jp;
	gp_pool pool;
	gp_recvec out;
	gp_dropped drop;
	gp_ctx *ctx;
} jstage;

static void jstage_close(void *arg)
{
	jstage *j = arg;
	gp_dropped_flush(j->ctx, &j->drop);
	gp_jsonp_free(&j->jp);
}

static gp_status json_next(gp_stage *st, gp_batch *out)
{
	jstage *j = st->state;
	for (;;) {
		gp_batch in;
		gp_status r = gp_pull(st, &in);
		if (r != GP_OK) {
			if (r == GP_EOF)
				gp_dropped_flush(st->ctx, &j->drop);
			return r;
		}
		if (gp_batch_records(&in, st->ctx->delim) == (size_t)-1 ||
		    gp_recvec_reserve(&j->out, in.n) != 0)
			return gp_fail(st->ctx, NULL, "out of memory");
		gp_pool_reset(&j->pool);
		size_t n = 0;
		for (size_t i = 0; i < in.n; i++) {
			const gp_rec *rec = &in.recs[i];
			size_t len; /* a UTF-8 BOM at the start of an input is skipped, as jq does */
			const char *p = gp_rec_body(rec, true, &len);
			gp_json_res res = gp_json_fields(&j->jp, &j->pool, p, len);
			if (res == GP_JSON_BLANK)
				continue;
			if (res == GP_JSON_BAD) {
				gp_dropped_add(st->ctx, &j->drop, rec, j->jp.err);
				continue;
			}
			gp_field *f = res == GP_JSON_OK
					      ? gp_pool_alloc(&j->pool, (j->jp.nf ? j->jp.nf : 1) * sizeof *f)
					      : NULL;
			if (!f)
				return gp_fail(st->ctx, NULL, "out of memory");
			if (j->jp.nf) /* {} has no fields, and jp.f may still be NULL */
				memcpy(f, j->jp.f, j->jp.nf * sizeof *f);
			gp_rec *o = &j->out.v[n++];
			*o = *rec;
			o->f = f;
			o->nf = j->jp.nf;
			o->lay = &gp_layout_json;
		}
		if (n == 0)
			continue;
		out->recs = j->out.v;
		out->n = n;
		out->has_recs = true;
		out->writable = false;
		return GP_OK;
	}
}

static const gp_stage_ops json_ops = { json_next };

static gp_status json_open(gp_stage *st, const gp_args *args)
{
	if (gp_no_args(st->ctx, st->def->name, args) != GP_OK)
		return GP_ERR;
	jstage *j = gp_scope_alloc(st->scope, sizeof *j);
	if (!j || gp_pool_own(st->scope, &j->pool) != 0 || gp_recvec_own(st->scope, &j->out) != 0 ||
	    gp_scope_defer(st->scope, jstage_close, j) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	j->ctx = st->ctx;
	j->drop = (gp_dropped){ .stage = "json", .what = "are not JSON", .what1 = "is not JSON" };
	st->ctx->need_lineno = true;
	st->state = j;
	st->ops = &json_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_json = {
	.name = "json",
	.family = GP_FAM_PARSE,
	.synopsis = "json",
	.summary = "parse each record as JSON (JSON Lines): its members become fields",
	.help = "Parses every record as one JSON value (JSON Lines, RFC 8259). The members of an "
		"object become fields by name; nested values are reached by path: req.headers.host, "
		"tags[0], tags[-1] (the last element). Strings, numbers, booleans and null keep "
		"their JSON types, so -o json prints them back as they were.\n\n"
		"A record that is a JSON value other than an object (a number, a string, an "
		"array) gets one field named value, so `json | explode value` turns top-level "
		"arrays into one record per element, and -o json prints {\"value\":...}. Blank "
		"records are skipped.\n\n"
		"Records that are not valid JSON (truncated, trailing garbage, raw control bytes "
		"inside strings, nesting deeper than 10000 levels) are dropped and summarised once "
		"per input on standard error, with the line and byte of the first fault; with "
		"--strict they make the exit status 2. Invalid UTF-8 inside strings is accepted "
		"as bytes and replaced by U+FFFD on JSON output. A UTF-8 byte order mark at the "
		"start of an input is skipped, as jq does.",
	.examples = "json | count\thow many records are valid JSON\n"
		    "json | explode tags | head 10\tone record per element of each tags array",
	.open = json_open,
};

/* explode */

#define EXPLODE_MAX_RECS 4096
#define EXPLODE_MAX_BYTES (1u << 20)

typedef struct explode {
	gp_fref ref;
	gp_pool pool;
	gp_sb sb;       /* builds records, bounded by --max-record */
	gp_dropped big; /* records that grew past it */
	gp_ctx *ctx;
	gp_recvec out;
	gp_batch in;  /* the upstream batch being exploded (views valid until the next pull) */
	bool have_in;
	size_t i;     /* next record of in */
	const char *cur, *arrend; /* next element of in.recs[i]'s array, when inside one */
	int target;   /* index of the replaced field, or -1 to append */
} explode;

static void explode_free(void *arg)
{
	explode *x = arg;
	gp_dropped_flush(x->ctx, &x->big);
	gp_sb_free(&x->sb);
}

/* The field an element replaces: the one the reference names at the top
 * level, or -1 (a path: a new field named as the path is appended). */
static int explode_target(const explode *x, const gp_rec *r)
{
	if (x->ref.kind == GP_REF_POS)
		return x->ref.pos <= r->nf ? (int)x->ref.pos - 1 : -1;
	if (x->ref.kind == GP_REF_NF)
		return r->nf ? (int)r->nf - 1 : -1;
	const gp_field *f = gp_field_find(r, x->ref.name, x->ref.nlen);
	return f ? (int)(f - r->f) : -1;
}

/* Emits the record with the element at x->cur in place of the field;
 * advances x->cur to the next element (NULL after the last). */
static int explode_one(explode *x, const gp_rec *r, size_t *bytes)
{
	const char *e = gp_json_skip(x->cur, x->arrend);
	gp_value ev;
	gp_json_value(x->cur, e, &ev);
	uint32_t nf = r->nf + (x->target < 0);
	gp_field *f = gp_pool_alloc(&x->pool, nf * sizeof *f);
	if (!f)
		return -1;
	if (r->nf)
		memcpy(f, r->f, r->nf * sizeof *f);
	gp_field *t = &f[x->target < 0 ? r->nf : (uint32_t)x->target];
	if (x->target < 0) {
		t->name = x->ref.name;
		t->nlen = x->ref.nlen;
	}
	t->v = ev.p;
	t->vlen = ev.len;
	t->kind = ev.kind;
	const gp_layout *lay = r->lay ? r->lay : &gp_layout_json;
	gp_render(&x->sb, f, nf, lay);
	size_t len;
	const char *text;
	int k = gp_sb_finish_built(&x->sb, &x->pool, x->ctx, &x->big, r, &text, &len);
	if (k < 0 || gp_recvec_reserve(&x->out, x->out.n + 1) != 0)
		return -1;
	if (k > 0) { /* else longer than --max-record: reported, skipped */
		gp_rec *o = &x->out.v[x->out.n++];
		*o = *r;
		o->p = text;
		o->len = len;
		o->f = f;
		o->nf = nf;
		o->lay = lay;
		*bytes += len + nf * sizeof *f;
	}

	const char *p = e;
	while (p < x->arrend && is_ws(*p))
		p++;
	x->cur = NULL;
	if (p < x->arrend && *p == ',')
		x->cur = skip_ws(p + 1, x->arrend);
	return 0;
}

static gp_status explode_next(gp_stage *st, gp_batch *out)
{
	explode *x = st->state;
	gp_pool_reset(&x->pool);
	x->out.n = 0;
	size_t bytes = 0;
	for (;;) {
		if (!x->have_in) {
			gp_status r = gp_pull(st, &x->in);
			if (r != GP_OK) {
				if (r == GP_EOF)
					gp_dropped_flush(st->ctx, &x->big);
				return r;
			}
			if (gp_batch_records(&x->in, st->ctx->delim) == (size_t)-1)
				return gp_fail(st->ctx, NULL, "out of memory");
			x->have_in = true;
			x->i = 0;
			x->cur = NULL;
		}
		while (x->i < x->in.n) {
			const gp_rec *r = &x->in.recs[x->i];
			if (!x->cur) {
				gp_value v;
				char num[24];
				if (!gp_fref_get(&x->ref, r, &v, num) || v.kind != GP_K_ARR) {
					if (gp_recvec_reserve(&x->out, x->out.n + 1) != 0)
						return gp_fail(st->ctx, NULL, "out of memory");
					x->out.v[x->out.n++] = *r;
					x->i++;
					continue;
				}
				x->arrend = v.p + v.len;
				x->cur = skip_ws(v.p + 1, x->arrend);
				if (x->cur >= x->arrend || *x->cur == ']') {
					x->cur = NULL; /* an empty array: no record, as jq's .f[] */
					x->i++;
					continue;
				}
				x->target = explode_target(x, r);
			}
			while (x->cur) {
				if (explode_one(x, r, &bytes) != 0)
					return gp_fail(st->ctx, NULL, "out of memory");
				if (x->cur && (x->out.n >= EXPLODE_MAX_RECS || bytes >= EXPLODE_MAX_BYTES))
					goto full;
			}
			x->i++;
			if (x->out.n >= EXPLODE_MAX_RECS || bytes >= EXPLODE_MAX_BYTES)
				goto full;
		}
		x->have_in = false;
		if (x->out.n)
			break;
	}
full:
	out->recs = x->out.v;
	out->n = x->out.n;
	out->has_recs = true;
	return GP_OK;
}

static const gp_stage_ops explode_ops = { explode_next };

static gp_status explode_open(gp_stage *st, const gp_args *args)
{
	if (args->n == 0)
		return gp_fail(st->ctx, &st->span, "explode: expected a FIELD whose value is a JSON array");
	if (args->n > 1)
		return gp_fail(st->ctx, &args->v[1].span, "explode: unexpected argument '%s'",
			       args->v[1].s);
	const gp_arg *a = &args->v[0];
	explode *x = gp_scope_alloc(st->scope, sizeof *x);
	if (!x || gp_pool_own(st->scope, &x->pool) != 0 || gp_recvec_own(st->scope, &x->out) != 0 ||
	    gp_scope_defer(st->scope, explode_free, x) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	x->ctx = st->ctx;
	gp_sb_bound(&x->sb, &x->big, st->ctx, "explode");
	char err[160];
	size_t bad;
	if (gp_fref_parse(st->ctx->arena, a->s, a->len, &x->ref, err, sizeof err, &bad) != 0) {
		gp_span sp = gp_arg_subspan(a, bad, bad < a->len ? bad + 1 : a->len);
		return gp_fail(st->ctx, &sp, "explode: %s", err);
	}
	if (x->ref.kind != GP_REF_NAME && x->ref.kind != GP_REF_POS && x->ref.kind != GP_REF_NF)
		return gp_fail(st->ctx, &a->span, "explode: '%s' is not a field that can hold an array",
			       a->s);
	st->explain = gp_arena_strndup(st->ctx->arena, a->s, a->len);
	st->state = x;
	st->ops = &explode_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_explode = {
	.name = "explode",
	.family = GP_FAM_FLATTEN,
	.synopsis = "explode FIELD",
	.summary = "one record per element of a JSON array field",
	.help = "When FIELD holds a JSON array, the record becomes one record per element: the "
		"other fields are kept and FIELD holds the element, as jq's `.f[]` with the rest "
		"of the object around it. The text of each record is rebuilt from its fields (a "
		"JSON object after `json`). Every record keeps the origin and line number of the "
		"record it came from.\n\n"
		"An empty array gives no record; a record where FIELD is missing or not an array "
		"passes unchanged. FIELD may be a path (items[0].tags): the element then goes to "
		"a new field named as the path, after the others.",
	.examples = "json | explode tags\tone record per tag, the other fields kept\n"
		    "json | explode value\ta file of JSON arrays: one record per element",
	.open = explode_open,
};
