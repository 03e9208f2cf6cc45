/* Batches, diagnostics and the byte-counting primitives the hot path uses. */
#include "stage.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

#if defined(__x86_64__) || defined(__SSE2__)
#include <emmintrin.h>
#define GP_HAVE_SSE2 1
#endif

volatile sig_atomic_t gp_signal;

void gp_say(gp_ctx *ctx, bool fails, const char *fmt, ...)
{
	if (fails)
		ctx->had_error = true;
	/* Any length: on the stack when it fits, else on the heap, so a long
	 * path never cuts off the reason that follows it. */
	char small[1024];
	va_list ap, again;
	va_start(ap, fmt);
	va_copy(again, ap);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	char *big = NULL;
	if (n >= (int)sizeof small && (big = malloc((size_t)n + 1)) != NULL)
		vsnprintf(big, (size_t)n + 1, fmt, again);
	va_end(again);
	if (ctx->report)
		ctx->report(ctx, big ? big : small);
	free(big);
}

gp_status gp_fail(gp_ctx *ctx, const gp_span *span, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->diag.msg, sizeof ctx->diag.msg, fmt, ap);
	va_end(ap);
	ctx->diag.has_span = span != NULL;
	if (span)
		ctx->diag.span = *span;
	return GP_ERR;
}

int gp_recvec_reserve(gp_recvec *v, size_t n)
{
	if (n <= v->cap)
		return 0;
	/* 1024 at least: a batch holds hundreds of records from the start. */
	return gp_grow(&v->v, &v->cap, n < 1024 ? 1024 : n, sizeof *v->v);
}

static void recvec_free(void *arg)
{
	gp_recvec *v = arg;
	free(v->v);
	v->v = NULL;
	v->cap = v->n = 0;
}

int gp_recvec_own(gp_scope *s, gp_recvec *v)
{
	return gp_scope_defer(s, recvec_free, v);
}

size_t gp_count_byte(const char *p, size_t n, char c)
{
	size_t count = 0, i = 0;
#ifdef GP_HAVE_SSE2
	const __m128i needle = _mm_set1_epi8(c);
	while (i + 16 * 255 <= n) {
		/* Accumulate up to 255 compare results per byte lane, then fold. */
		__m128i acc = _mm_setzero_si128();
		for (int k = 0; k < 255; k++, i += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(p + i));
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, needle));
		}
		__m128i s = _mm_sad_epu8(acc, _mm_setzero_si128());
		count += (size_t)_mm_cvtsi128_si32(s) + (size_t)_mm_extract_epi16(s, 4);
	}
	while (i + 16 <= n) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + i));
		count += (size_t)__builtin_popcount(
			(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, needle)));
		i += 16;
	}
#endif
	for (; i < n; i++)
		count += p[i] == c;
	return count;
}

const char *gp_find_nth(const char *p, size_t n, char c, size_t k)
{
	const char *end = p + n;
	while (k > 0) {
		const char *q = memchr(p, c, (size_t)(end - p));
		if (!q)
			return NULL;
		p = q + 1;
		k--;
	}
	return p;
}

size_t gp_batch_records(gp_batch *b, char delim)
{
	if (b->has_recs)
		return b->n;
	gp_recvec *v = b->lazy;
	if (!v)
		return (size_t)-1; /* producer broke the contract */
	v->n = 0;
	const char *p = b->span, *end = b->span + b->span_len;
	uint64_t line = b->span_line;
	while (p < end) {
		const char *q = memchr(p, delim, (size_t)(end - p));
		if (!q)
			q = end; /* contract says spans end with delim; be safe */
		if (v->n == v->cap && gp_recvec_reserve(v, v->n + 1) != 0)
			return (size_t)-1;
		v->v[v->n++] = (gp_rec){ .p = p, .len = (size_t)(q - p), .line = line,
					 .off = b->span_off + (uint64_t)(p - b->span),
					 .origin = b->span_origin };
		if (line)
			line++;
		p = q + 1;
	}
	b->recs = v->v;
	b->n = v->n;
	b->has_recs = true;
	return b->n;
}

void gp_stage_close_upstream(gp_stage *st)
{
	for (gp_stage *u = st->up; u; u = u->up) {
		if (!u->closed) {
			u->closed = true;
			gp_scope_close(u->scope);
		}
	}
}

void gp_report_at(gp_ctx *ctx, const char *stage, const gp_batch *b, const char *p,
		  const char *why)
{
	const gp_origin *o = NULL;
	uint64_t line = 0;
	if (b->span && p >= b->span && p < b->span + b->span_len) {
		o = b->span_origin;
		if (b->span_line)
			line = b->span_line + gp_count_byte(b->span, (size_t)(p - b->span), ctx->delim);
	}
	for (size_t i = 0; !o && b->has_recs && i < b->n; i++)
		if (p >= b->recs[i].p && p <= b->recs[i].p + b->recs[i].len)
			o = b->recs[i].origin, line = b->recs[i].line;
	char at[32] = "";
	if (line)
		snprintf(at, sizeof at, ":%llu", (unsigned long long)line);
	gp_report(ctx, "%s: %s%s%s%s: %s", stage, o ? o->name : "(input)", o && o->member ? ":" : "",
		  o && o->member ? o->member : "", at, why);
}
