/* PCRE2 patterns of the field stages (see rx.h). */
#include "rx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

bool gp_jit_wanted(void)
{
	const char *e = getenv("GPIPE_NO_JIT");
	if (e && *e && strcmp(e, "0") != 0)
		return false;
#ifdef RUNNING_ON_VALGRIND
	if (RUNNING_ON_VALGRIND)
		return false;
#endif
	return true;
}

/* The retry's limits: ten times PCRE2's default match and depth limits
 * (10,000,000 each); a 256 MiB JIT stack (the first attempt has 8 MiB).
 * Measured: '^(a|b)*c' on a 1 MB line needs about 32 MiB of JIT stack and
 * 0.1 s (PCRE2's interpreter: 3 s and 600 MB of heap); '^(a+)+c|b' on 25
 * a's is decided in 0.2 s, on 30 a's it would need ~1e9 steps and is
 * reported instead. */
#define RETRY_MATCH_LIMIT 100000000u
#define RETRY_JIT_STACK ((size_t)256 << 20)

int gp_rx_retry_match(gp_rx_retry *rt, const pcre2_code *code, bool jit, const char *s, size_t len,
		      size_t start, uint32_t opts, pcre2_match_data *md)
{
	if (!rt)
		return PCRE2_ERROR_NOMEMORY;
	if (!rt->mctx) {
		rt->mctx = pcre2_match_context_create(NULL);
		if (!rt->mctx)
			return PCRE2_ERROR_NOMEMORY;
		pcre2_set_match_limit(rt->mctx, RETRY_MATCH_LIMIT);
		pcre2_set_depth_limit(rt->mctx, RETRY_MATCH_LIMIT);
	}
	if (jit && !rt->js) {
		rt->js = pcre2_jit_stack_create(1 << 20, RETRY_JIT_STACK, NULL);
		if (rt->js)
			pcre2_jit_stack_assign(rt->mctx, NULL, rt->js);
	}
	PCRE2_SPTR subject = (PCRE2_SPTR)(len ? s : "");
	if (jit && rt->js)
		return pcre2_jit_match(code, subject, len, start, opts, md, rt->mctx);
	return pcre2_match(code, subject, len, start, opts | PCRE2_NO_JIT, md, rt->mctx);
}

void gp_rx_retry_free(gp_rx_retry *rt)
{
	if (!rt)
		return;
	pcre2_match_context_free(rt->mctx);
	pcre2_jit_stack_free(rt->js);
	rt->mctx = NULL;
	rt->js = NULL;
}

void gp_rx_why(int rc, const char *subject, char *buf, size_t cap)
{
	const char *lim = rc == PCRE2_ERROR_MATCHLIMIT	   ? "PCRE2 backtracking limit"
			  : rc == PCRE2_ERROR_DEPTHLIMIT     ? "PCRE2 depth limit"
			  : rc == PCRE2_ERROR_HEAPLIMIT	     ? "PCRE2 heap limit"
			  : rc == PCRE2_ERROR_JIT_STACKLIMIT ? "PCRE2 JIT stack limit"
			  : rc == PCRE2_ERROR_NOMEMORY	     ? "out of memory"
							     : NULL;
	const char *sp = subject ? " " : "", *sub = subject ? subject : "";
	if (lim) {
		snprintf(buf, cap, "pattern too complex%s%s%s (%s)", subject ? " for" : "", sp, sub, lim);
		return;
	}
	char msg[160];
	if (pcre2_get_error_message(rc, (PCRE2_UCHAR *)msg, sizeof msg) < 0)
		snprintf(msg, sizeof msg, "PCRE2 error %d", rc);
	snprintf(buf, cap, "cannot match%s%s: %s", sp, sub, msg);
}

static void rx_free(void *arg)
{
	gp_rx *r = arg;
	gp_rx_retry_free(r->retry);
	free(r->retry);
	pcre2_match_data_free(r->md);
	pcre2_match_context_free(r->mctx);
	pcre2_jit_stack_free(r->js);
	pcre2_code_free(r->code);
	memset(r, 0, sizeof *r);
}

int gp_rx_compile(gp_rx *r, gp_scope *scope, const char *pat, size_t len, uint32_t opts, char *err,
		  size_t errcap, size_t *erroff)
{
	memset(r, 0, sizeof *r);
	*erroff = 0;
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	if (!cc) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	int ec = 0;
	PCRE2_SIZE eo = 0;
	r->code = pcre2_compile((PCRE2_SPTR)(len ? pat : ""), len, opts, &ec, &eo, cc);
	pcre2_compile_context_free(cc);
	if (!r->code) {
		if (pcre2_get_error_message(ec, (PCRE2_UCHAR *)err, errcap) < 0)
			snprintf(err, errcap, "pcre2 error %d", ec);
		*erroff = eo > len ? len : eo;
		return -1;
	}
	r->md = pcre2_match_data_create_from_pattern(r->code, NULL);
	r->mctx = pcre2_match_context_create(NULL);
	r->retry = calloc(1, sizeof *r->retry);
	if (!r->md || !r->mctx || !r->retry || gp_scope_defer(scope, rx_free, r) != 0) {
		rx_free(r);
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	r->jit = gp_jit_wanted() && pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE) == 0;
	if (r->jit) {
		/* Deep backtracking on long records needs more than the default 32 KiB. */
		r->js = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
		if (r->js)
			pcre2_jit_stack_assign(r->mctx, NULL, r->js);
	}
	return 0;
}
