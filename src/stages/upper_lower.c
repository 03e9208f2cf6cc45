/* upper and lower: ASCII case mapping of the record text.
 *
 * They change bytes, never lengths, so over a writable batch they work in
 * place; otherwise they copy into a buffer of their own, reused for every
 * batch. */
#include <stdlib.h>
#include <string.h>

#include "../core/grow.h"
#include "../registry.h"

#if defined(__x86_64__) || defined(__SSE2__)
#include <emmintrin.h>
#define HAVE_SSE2 1
#endif

typedef struct casemap {
	char lo; /* first byte to change: 'a' for upper, 'A' for lower */
	char *buf;
	size_t cap;
	gp_recvec out;
} casemap;

static void map_case(char *dst, const char *src, size_t n, char lo)
{
	size_t i = 0;
#ifdef HAVE_SSE2
	const __m128i bias = _mm_set1_epi8((char)(0x80 - (unsigned char)lo));
	const __m128i limit = _mm_set1_epi8((char)(-128 + 26));
	const __m128i flip = _mm_set1_epi8(0x20);
	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(src + i));
		/* (unsigned)(v - lo) < 26, done as a signed compare after a bias. */
		__m128i in = _mm_cmplt_epi8(_mm_add_epi8(v, bias), limit);
		_mm_storeu_si128((__m128i *)(dst + i), _mm_xor_si128(v, _mm_and_si128(in, flip)));
	}
#endif
	for (; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = (char)((unsigned char)(c - (unsigned char)lo) < 26 ? c ^ 0x20 : c);
	}
}

static int reserve(casemap *c, size_t n)
{
	return n <= c->cap ? 0 : gp_grow(&c->buf, &c->cap, n, 1);
}

static gp_status case_next(gp_stage *st, gp_batch *out)
{
	casemap *c = st->state;
	gp_status r = gp_pull(st, out);
	if (r != GP_OK)
		return r;
	if (out->span && !out->has_recs) {
		char *dst = (char *)out->span;
		if (!out->writable) {
			if (reserve(c, out->span_len) != 0)
				return gp_fail(st->ctx, NULL, "out of memory");
			dst = c->buf;
		}
		map_case(dst, out->span, out->span_len, c->lo);
		out->span = dst;
		out->writable = true;
		return GP_OK;
	}
	if (out->writable) {
		for (size_t i = 0; i < out->n; i++)
			map_case((char *)out->recs[i].p, out->recs[i].p, out->recs[i].len, c->lo);
		return GP_OK;
	}
	size_t total = 0;
	for (size_t i = 0; i < out->n; i++)
		total += out->recs[i].len;
	if (reserve(c, total + 1) != 0 || gp_recvec_reserve(&c->out, out->n) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	char *p = c->buf;
	for (size_t i = 0; i < out->n; i++) {
		gp_rec rec = out->recs[i];
		map_case(p, rec.p, rec.len, c->lo);
		rec.p = p;
		c->out.v[i] = rec;
		p += rec.len;
	}
	out->recs = c->out.v;
	out->writable = true;
	return GP_OK;
}

static void free_ptr(void *arg)
{
	free(*(char **)arg);
}

static const gp_stage_ops case_ops = { case_next };

static gp_status case_open(gp_stage *st, const gp_args *args)
{
	st->light = true;
	if (gp_no_args(st->ctx, st->def->name, args) != GP_OK)
		return GP_ERR;
	casemap *c = gp_scope_alloc(st->scope, sizeof *c);
	if (!c || gp_scope_defer(st->scope, free_ptr, &c->buf) != 0 ||
	    gp_recvec_own(st->scope, &c->out) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	c->lo = strcmp(st->def->name, "upper") == 0 ? 'a' : 'A';
	st->state = c;
	st->ops = &case_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_upper = {
	.name = "upper",
	.per_record = true,
	.family = GP_FAM_TRANSFORM,
	.synopsis = "upper",
	.summary = "convert ASCII letters to upper case",
	.help = "Converts the ASCII letters a-z of every record to A-Z. Other bytes, "
		"UTF-8 included, pass unchanged, as with LC_ALL=C tr a-z A-Z.",
	.examples = "grep -i error | upper\tshout the errors",
	.open = case_open,
};

const gp_stage_def gp_stage_lower = {
	.name = "lower",
	.per_record = true,
	.family = GP_FAM_TRANSFORM,
	.synopsis = "lower",
	.summary = "convert ASCII letters to lower case",
	.help = "Converts the ASCII letters A-Z of every record to a-z. Other bytes pass "
		"unchanged.",
	.examples = "lower | grep -F \"connection reset\"\tnormalise case before matching",
	.open = case_open,
};
