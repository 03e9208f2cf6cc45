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

static void rx_free(void *arg)
{
	gp_rx *r = arg;
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
	if (!r->md || !r->mctx || gp_scope_defer(scope, rx_free, r) != 0) {
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
